/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "authorize.h"

AuthQuery *auth_query_new(const Caller *caller, const char *action) {
        AuthQuery *q = g_new0(AuthQuery, 1);

        q->caller = *caller;
        q->caller.sender = g_strdup(caller->sender);
        q->action = g_strdup(action);
        q->state = AUTH_WAITING;
        return q;
}

static void drop_pending(AuthQuery *q) {
        void *pending = g_steal_pointer(&q->pending);

        if (pending && q->pending_free)
                q->pending_free(pending);
}

AuthQuery *auth_query_free(AuthQuery *q) {
        if (!q)
                return NULL;
        drop_pending(q);
        g_free(q->caller.sender);
        g_free(q->action);
        g_free(q->message);
        g_free(q);
        return NULL;
}

void auth_query_wait(AuthQuery *q, void *pending, GDestroyNotify pending_free) {
        drop_pending(q);
        q->pending = pending;
        q->pending_free = pending_free;
}

/* MESSAGE is owned from here on. */
static void answer(AuthQuery *q, AuthState state, ApiError e, char *message) {
        if (q->state != AUTH_WAITING) {
                g_warn_if_reached();    /* answered twice: the first answer stands */
                g_free(message);
                return;
        }
        drop_pending(q);
        q->state = state;
        q->error = e;
        q->message = message;
        /* Last: the owner may free Q. */
        if (q->answered)
                q->answered(q, q->userdata);
}

void auth_query_allow(AuthQuery *q) {
        answer(q, AUTH_ALLOWED, API_OK, NULL);
}

void auth_query_refuse(AuthQuery *q, ApiError e, const char *fmt, ...) {
        va_list ap;
        char *message;

        va_start(ap, fmt);
        message = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        answer(q, AUTH_REFUSED, e, message);
}

void auth_query_require_interaction(AuthQuery *q) {
        answer(q, AUTH_INTERACTION_REQUIRED, API_NOT_AUTHORIZED,
               g_strdup_printf("Polkit action %s needs authentication; retry allowing interactive authorization "
                               "(e.g. memcryptctl without --no-ask-password on a terminal).", q->action));
}
