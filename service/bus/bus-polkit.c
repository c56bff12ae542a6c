/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-polkit.h"
#include "bus-util.h"

#define POLKIT_FLAG_ALLOW_USER_INTERACTION 1u

static void refuse(AuthQuery *q, const char *why) {
        auth_query_refuse(q, API_NOT_AUTHORIZED,
                          "Not authorized for polkit action %s: %s. Call as root, or ask an administrator "
                          "to grant the action (see org.memcrypt1(5), AUTHORIZATION).", q->action, why);
}

/* Answer Q from polkit's reply. */
static void judge_reply(AuthQuery *q, sd_bus_message *reply) {
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
                auth_query_allow(q);
        else if (challenge && !q->caller.interactive)
                auth_query_require_interaction(q);
        else if (challenge)
                /* Interaction was allowed, yet polkit still wants it: no agent could ask. */
                refuse(q, "it needs an administrator's password and no polkit agent could ask for one");
        else
                refuse(q, "polkit denied it");
}

static void slot_unref(void *slot) {
        sd_bus_slot_unref(slot);
}

static int on_check_authorization_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        judge_reply(userdata, reply);
        return 1;
}

bool polkit_authorize(AuthQuery *q, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        Bus *b = userdata;
        sd_bus_slot *slot = NULL;
        int r;

        if (q->caller.privileged) {
                auth_query_allow(q);
                return true;
        }
        if (!q->caller.sender) {
                auth_query_refuse(q, API_NOT_AUTHORIZED, "Not authorized for polkit action %s: the caller has no "
                                  "bus name to check.", q->action);
                return true;
        }
        r = sd_bus_message_new_method_call(b->conn, &call, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(call, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s",
                                          q->caller.sender, q->action, 0,
                                          q->caller.interactive ? POLKIT_FLAG_ALLOW_USER_INTERACTION : 0, "");
        /* Interactive checks wait for a person typing a password. */
        if (r >= 0)
                r = sd_bus_call_async(b->conn, &slot, call, on_check_authorization_reply, q,
                                      q->caller.interactive ? UINT64_C(5) * 60 * 1000000 : 0);
        if (r < 0) {
                refuse(q, g_strerror(-r));
                return true;
        }
        /* Answering (or dropping the query) drops the call. */
        auth_query_wait(q, slot, slot_unref);
        return false;
}
