/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-authorize.h"
#include "bus-util.h"

/* A method call whose authorization is under way. */
typedef struct {
        Bus *bus;
        sd_bus_message *request;        /* dispatched again once the answer is in */
        AuthQuery *query;
} Authorizing;

static void authorizing_free(Authorizing *a) {
        auth_query_free(a->query);
        sd_bus_message_unref(a->request);
        g_free(a);
}

GHashTable *bus_authorizing_new(void) {
        return g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify) authorizing_free);
}

unsigned bus_authorizing_waiting(GHashTable *authorizing) {
        GHashTableIter it;
        Authorizing *a;
        unsigned n = 0;

        if (!authorizing)
                return 0;
        g_hash_table_iter_init(&it, authorizing);
        while (g_hash_table_iter_next(&it, NULL, (void **) &a))
                n += a->query->state == AUTH_WAITING;
        return n;
}

/* The answer is in: run the handler again, which finds it. */
static void dispatch_again(Authorizing *a) {
        int r;

        r = sd_bus_message_rewind(a->request, true);
        if (r >= 0)
                r = sd_bus_enqueue_for_read(sd_bus_message_get_bus(a->request), a->request);
        if (r < 0) {
                g_warning("Failed to re-dispatch a method call after its authorization: %s", g_strerror(-r));
                g_hash_table_remove(a->bus->authorizing, a->request);
        }
}

static void on_answered(AuthQuery *q, void *userdata) {
        dispatch_again(userdata);
}

/* Q's answer as the handler's: > 0 allowed, < 0 refused with ERROR set. */
static int verdict(const AuthQuery *q, sd_bus_error *error) {
        switch (q->state) {
        case AUTH_ALLOWED:
                return 1;
        case AUTH_INTERACTION_REQUIRED:
                return sd_bus_error_set(error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED, q->message);
        default:
                return bus_error_api(error, q->error, q->message);
        }
}

static int caller_of(sd_bus_message *m, Caller *ret) {
        int r = sd_bus_query_sender_privilege(m, -1);

        if (r < 0)
                return r;
        *ret = (Caller) {
                .sender = (char *) sd_bus_message_get_sender(m),
                .privileged = r > 0,
                .interactive = sd_bus_message_get_allow_interactive_authorization(m) > 0,
        };
        return 0;
}

int bus_authorize(Context *c, sd_bus_message *m, const char *action, sd_bus_error *error) {
        Bus *b = c->bus;
        Authorizing *a = g_hash_table_lookup(b->authorizing, m);
        Caller caller;
        int r;

        if (!a) {
                r = caller_of(m, &caller);
                if (r < 0)
                        return r;
                a = g_new0(Authorizing, 1);
                *a = (Authorizing) { b, sd_bus_message_ref(m), auth_query_new(&caller, action) };
                g_hash_table_replace(b->authorizing, m, a);
                if (!b->authorize(a->query, b->authorize_userdata) || a->query->state == AUTH_WAITING) {
                        /* Later: the handler runs again with the message once the answer is in. */
                        if (a->query->state == AUTH_WAITING) {
                                a->query->answered = on_answered;
                                a->query->userdata = a;
                        } else
                                dispatch_again(a);
                        return 0;
                }
        }
        if (a->query->state == AUTH_WAITING)
                return 0;
        r = verdict(a->query, error);
        g_hash_table_remove(b->authorizing, m);
        return r;
}
