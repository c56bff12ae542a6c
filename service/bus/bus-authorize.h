/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Authorization for method handlers, after systemd's bus_verify_polkit_async():
 *
 *   r = bus_authorize(c, m, ACTION_REFRESH, error);
 *   if (r < 0) return r;       refused: ERROR names NotAuthorized or
 *                              InteractiveAuthorizationRequired
 *   if (r == 0) return 1;      the answer comes later; the handler runs
 *                              again with the same message once it is in
 *   ... do the work ...
 *
 * The question itself is bus-free (authorize.h): the caller described from
 * the message, asked of the Bus's authorizer (bus-polkit.c unless a test set
 * another).
 */

#include "bus-state.h"

int bus_authorize(Context *c, sd_bus_message *m, const char *action, sd_bus_error *error);

/* The table of calls being authorized (Bus.authorizing), and how many wait for an answer:
 * the daemon must not exit on idle while any do. */
GHashTable *bus_authorizing_new(void);
unsigned bus_authorizing_waiting(GHashTable *authorizing);
