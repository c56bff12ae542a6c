/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "eval.h"

const char *source_why(const Source *s) {
        return s->detail ? s->detail : source_status_to_string(s->status);
}

bool snp_initialized(const HostFacts *f) {
        if (f->sev.snp_src.status == SOURCE_OK && f->sev.snp_state == 1)
                return true;
        /* kvm_amd writes back the effective state: Y means SNP INIT succeeded. */
        return f->kvm.module.status == SOURCE_OK && f->kvm.sev_snp.value == TRI_YES;
}

static void add_reason(ModelVerdict *mv, const char *code, Severity sev, const char *message, const char *hint) {
        /* One reason per code and model: several checks may trace back to one cause. */
        for (guint i = 0; i < mv->reasons->len; i++) {
                Reason *r = mv->reasons->pdata[i];
                if (g_str_equal(r->code, code)) {
                        if (sev == SEVERITY_ERROR)
                                r->severity = SEVERITY_ERROR;
                        return;
                }
        }
        g_ptr_array_add(mv->reasons, reason_new(code, sev, message, hint));
}

void eval_check(Eval *e, const char *id, Model model, CheckCategory cat, CheckStatus st,
                const char *code, unsigned reason_models, const char *hint, const char *fmt, ...) {
        Check *c = g_new0(Check, 1);
        va_list ap;

        va_start(ap, fmt);
        c->message = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        c->id = model == MODEL_INVALID ? g_strdup(id) : g_strdup_printf("%s-%s", id, model_name(model));
        c->model = g_strdup(model == MODEL_INVALID ? "" : model_name(model));
        c->category = cat;
        c->status = st;
        c->hint = g_strdup(st == CHECK_PASS || st == CHECK_SKIP || !hint ? "" : hint);
        g_ptr_array_add(e->v->checks, c);

        if (code)
                eval_reason(e, reason_models, code, st == CHECK_WARN ? SEVERITY_WARNING : SEVERITY_ERROR, c->message,
                            hint);
}

void eval_reason(Eval *e, unsigned models, const char *code, Severity sev, const char *message, const char *hint) {
        for (Model m = 0; m < _MODEL_MAX; m++)
                if (models & MODEL_BIT(m))
                        add_reason(&e->v->models[m], code, sev, message, hint);
}

bool eval_skipped(Eval *e, const char *id, Model model, CheckCategory cat) {
        const char *why = e->host_stopped;

        if (!why && model != MODEL_INVALID)
                why = e->stopped[model];
        if (!why)
                return false;
        eval_check(e, id, model, cat, CHECK_SKIP, NULL, 0, NULL, "not evaluated: %s", why);
        return true;
}

void eval_stop(Eval *e, unsigned mask, const char *why) {
        if (mask == MODELS_ALL && !e->host_stopped)
                e->host_stopped = g_strdup(why);
        for (Model m = 0; m < _MODEL_MAX; m++)
                if ((mask & MODEL_BIT(m)) && !e->stopped[m])
                        e->stopped[m] = g_strdup(why);
}

unsigned eval_active(const Eval *e, unsigned mask) {
        unsigned active = 0;

        for (Model m = 0; m < _MODEL_MAX; m++)
                if ((mask & MODEL_BIT(m)) && !e->stopped[m])
                        active |= MODEL_BIT(m);
        return active;
}
