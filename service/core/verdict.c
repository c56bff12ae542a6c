/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "eval.h"

const char *health_to_string(Health h) {
        switch (h) {
        case HEALTH_OK:       return "ok";
        case HEALTH_DEGRADED: return "degraded";
        case HEALTH_CONFLICT: return "conflict";
        }
        return "degraded";
}

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

static char *node_name(const HostFacts *f, const MemcryptConfig *cfg) {
        if (cfg->node_name)
                return g_strdup(cfg->node_name);
        if (f->hostname)
                return g_strdup(f->hostname);
        return g_strdup("localhost");
}

static void init_models(HostVerdict *v, const MemcryptConfig *cfg) {
        for (Model m = 0; m < _MODEL_MAX; m++) {
                ModelVerdict *mv = &v->models[m];
                mv->model = m;
                mv->reasons = g_ptr_array_new_with_free_func((GDestroyNotify) reason_free);
                mv->firmware = g_ptr_array_new_with_free_func(g_free);
                mv->resource_provider = g_strdup_printf("%s_%s", v->node, model_object_name(m));
                mv->default_policy = cfg->policy[m];
        }
}

static bool has_error_reason(const ModelVerdict *mv) {
        for (guint i = 0; i < mv->reasons->len; i++)
                if (((Reason *) mv->reasons->pdata[i])->severity == SEVERITY_ERROR)
                        return true;
        return false;
}

/* Health says how far the service itself can be trusted, not whether SEV works. */
static void finish_health(HostVerdict *v, const HostFacts *f) {
        if (v->conflicting_guests->len > 0) {
                v->health = HEALTH_CONFLICT;
                return; /* gates_slots() wrote the message */
        }
        g_autoptr(GString) unknown = g_string_new(NULL);
        const Check *libvirt_lost = NULL;
        for (guint i = 0; i < v->checks->len; i++) {
                Check *c = v->checks->pdata[i];
                if (c->status != CHECK_UNKNOWN)
                        continue;
                /* A lost connection says since when and why itself, first. */
                if (g_str_equal(c->id, "libvirt-connection") && f->libvirt.stale)
                        libvirt_lost = c;
                else
                        g_string_append_printf(unknown, "%s%s", unknown->len ? ", " : "", c->id);
        }
        v->health = unknown->len || libvirt_lost ? HEALTH_DEGRADED : HEALTH_OK;
        g_free(v->health_message);
        if (libvirt_lost)
                v->health_message = g_strdup_printf("%s; no model is offered until it is back%s%s", libvirt_lost->message,
                                                    unknown->len ? "; also undetermined: " : "", unknown->str);
        else if (unknown->len)
                v->health_message = g_strdup_printf("some facts could not be determined (%s); affected models are "
                                                    "reported unusable", unknown->str);
        else
                v->health_message = g_strdup("");
}

HostVerdict *host_verdict_new(const HostFacts *f, const MemcryptConfig *cfg) {
        HostVerdict *v = g_new0(HostVerdict, 1);
        Eval e = { .f = f, .cfg = cfg, .v = v };

        v->node = node_name(f, cfg);
        v->checks = g_ptr_array_new_with_free_func((GDestroyNotify) check_free);
        v->conflicting_guests = g_ptr_array_new_with_free_func(g_free);
        v->health_message = g_strdup("");
        init_models(v, cfg);

        gates_cpu(&e);
        gates_kernel(&e);
        gates_stack(&e);
        gates_slots(&e);

        for (Model m = 0; m < _MODEL_MAX; m++) {
                ModelVerdict *mv = &v->models[m];
                mv->usable = !has_error_reason(mv);
                if (!mv->usable)
                        mv->slots_total = mv->slots_free = 0; /* docs/design.md: no capacity to offer */
                g_free(e.stopped[m]);
        }
        g_free(e.host_stopped);
        finish_health(v, f);
        return v;
}

void host_verdict_add_service_problem(HostVerdict *v, const char *problem) {
        char *message = g_strdup_printf("%s%s%s", v->health_message, *v->health_message ? "; " : "", problem);

        if (v->health == HEALTH_OK)
                v->health = HEALTH_DEGRADED;
        g_free(v->health_message);
        v->health_message = message;
}

void host_verdict_free(HostVerdict *v) {
        if (!v)
                return;
        for (Model m = 0; m < _MODEL_MAX; m++) {
                ModelVerdict *mv = &v->models[m];
                g_ptr_array_unref(mv->reasons);
                g_ptr_array_unref(mv->firmware);
                g_free(mv->resource_provider);
        }
        g_ptr_array_unref(v->checks);
        g_ptr_array_unref(v->conflicting_guests);
        g_free(v->node);
        g_free(v->health_message);
        g_free(v);
}

bool model_verdict_has_reason(const ModelVerdict *mv, const char *code) {
        for (guint i = 0; i < mv->reasons->len; i++)
                if (g_str_equal(((Reason *) mv->reasons->pdata[i])->code, code))
                        return true;
        return false;
}

const Check *host_verdict_find_check(const HostVerdict *v, const char *id) {
        for (guint i = 0; i < v->checks->len; i++)
                if (g_str_equal(((Check *) v->checks->pdata[i])->id, id))
                        return v->checks->pdata[i];
        return NULL;
}

unsigned eval_active(const Eval *e, unsigned mask) {
        unsigned active = 0;

        for (Model m = 0; m < _MODEL_MAX; m++)
                if ((mask & MODEL_BIT(m)) && !e->stopped[m])
                        active |= MODEL_BIT(m);
        return active;
}
