/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "eval.h"
#include "gates.h"
#include "verdict.h"

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
                mv->name = model_name(m);
                mv->trait = model_trait(m);
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
