/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "bus-polkit.h"
#include "bus-util.h"
#include "memcrypt-errors.h"

#define POLKIT_FLAG_ALLOW_USER_INTERACTION 1u

typedef struct {
        Context *context;
        sd_bus_message *request;        /* the method call, re-dispatched when polkit answers */
        sd_bus_slot *slot;              /* the pending CheckAuthorization; NULL once answered */
        char *action;
        int verdict;                    /* > 0 allowed, < 0 refused (with error) */
        sd_bus_error error;
} PolkitQuery;

struct PolkitRegistry {
        GHashTable *queries;            /* sd_bus_message* request -> PolkitQuery* */
};

static void polkit_query_free(PolkitQuery *q) {
        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->request);
        sd_bus_error_free(&q->error);
        g_free(q->action);
        g_free(q);
}

static PolkitRegistry *registry_get(Context *c) {
        if (!c->polkit) {
                c->polkit = g_new0(PolkitRegistry, 1);
                c->polkit->queries = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify) polkit_query_free);
        }
        return c->polkit;
}

void polkit_registry_free(PolkitRegistry *r) {
        if (!r)
                return;
        g_hash_table_destroy(r->queries);
        g_free(r);
}

unsigned polkit_registry_pending(const PolkitRegistry *r) {
        GHashTableIter it;
        PolkitQuery *q;
        unsigned n = 0;

        if (!r)
                return 0;
        g_hash_table_iter_init(&it, r->queries);
        while (g_hash_table_iter_next(&it, NULL, (void **) &q))
                n += q->slot != NULL;
        return n;
}

static void refuse(PolkitQuery *q, const char *why) {
        q->verdict = -EACCES;
        sd_bus_error_setf(&q->error, MEMCRYPT_ERROR_NOT_AUTHORIZED,
                          "Not authorized for polkit action %s: %s. Call as root, or ask an administrator "
                          "to grant the action (see org.memcrypt1(5), AUTHORIZATION).",
                          q->action, why);
}

/* Turn polkit's answer into a verdict stored on the query. */
static void judge_reply(PolkitQuery *q, sd_bus_message *reply) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int authorized, challenge, r;

        if (e) {
                if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        refuse(q, "polkit is not running, so only root is allowed");
                else
                        refuse(q, e->message ?: e->name);
                return;
        }
        r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
        if (r >= 0)
                r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
        if (r < 0) {
                refuse(q, "polkit's answer could not be read");
                return;
        }
        if (authorized)
                q->verdict = 1;
        else if (challenge && !sd_bus_message_get_allow_interactive_authorization(q->request)) {
                q->verdict = -EACCES;
                sd_bus_error_setf(&q->error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                  "Polkit action %s needs authentication; retry allowing interactive "
                                  "authorization (e.g. memcryptctl without --no-ask-password on a terminal).",
                                  q->action);
        } else if (challenge)
                /* Interaction was allowed, yet polkit still wants it: no agent could ask. */
                refuse(q, "it needs an administrator's password and no polkit agent could ask for one");
        else
                refuse(q, "polkit denied it");
}

static int on_check_authorization_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        PolkitQuery *q = userdata;
        sd_bus *bus = sd_bus_message_get_bus(q->request);
        int r;

        judge_reply(q, reply);
        q->slot = sd_bus_slot_unref(q->slot);

        /* Run the original handler again: it finds the verdict and finishes the call. */
        r = sd_bus_message_rewind(q->request, true);
        if (r >= 0)
                r = sd_bus_enqueue_for_read(bus, q->request);
        if (r < 0) {
                g_warning("Failed to re-dispatch a method call after the polkit check: %s", g_strerror(-r));
                g_hash_table_remove(q->context->polkit->queries, q->request);
        }
        return 1;
}

static int ask_polkit(Context *c, sd_bus_message *m, const char *action, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        const char *sender = sd_bus_message_get_sender(m);
        sd_bus *bus = sd_bus_message_get_bus(m);
        bool interactive = sd_bus_message_get_allow_interactive_authorization(m) > 0;
        PolkitQuery *q;
        int r;

        if (!sender)
                return sd_bus_error_setf(error, MEMCRYPT_ERROR_NOT_AUTHORIZED,
                                         "Not authorized for polkit action %s: the caller has no bus name to check.",
                                         action);
        r = sd_bus_message_new_method_call(bus, &call, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(call, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s", sender,
                                          action, 0, interactive ? POLKIT_FLAG_ALLOW_USER_INTERACTION : 0, "");
        if (r < 0)
                return r;

        q = g_new0(PolkitQuery, 1);
        q->context = c;
        q->request = sd_bus_message_ref(m);
        q->action = g_strdup(action);
        /* Interactive checks wait for a person typing a password. */
        r = sd_bus_call_async(bus, &q->slot, call, on_check_authorization_reply, q,
                              interactive ? UINT64_C(5) * 60 * 1000000 : 0);
        if (r < 0) {
                polkit_query_free(q);
                return r;
        }
        g_hash_table_replace(registry_get(c)->queries, m, q);
        return 0;
}

int polkit_authorize(Context *c, sd_bus_message *m, const char *action, sd_bus_error *error) {
        PolkitQuery *q = c->polkit ? g_hash_table_lookup(c->polkit->queries, m) : NULL;
        int r;

        if (q && !q->slot) {
                /* Second dispatch: polkit has answered. */
                r = q->verdict;
                if (r < 0)
                        sd_bus_error_copy(error, &q->error);
                g_hash_table_remove(c->polkit->queries, m);
                return r;
        }
        if (q)
                return 0;       /* still waiting */

        r = sd_bus_query_sender_privilege(m, -1);
        if (r < 0)
                return r;
        if (r > 0)
                return 1;
        return ask_polkit(c, m, action, error);
}
