/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "clear-strings.h"
#include "host-verdict.h"

const char *health_to_string(Health h) {
        switch (h) {
        case HEALTH_OK:       return "ok";
        case HEALTH_DEGRADED: return "degraded";
        case HEALTH_CONFLICT: return "conflict";
        }
        return "degraded";
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
        clear_strings(&v->node, &v->health_message, NULL);
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
