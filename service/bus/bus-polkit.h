/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Asynchronous polkit checks for method handlers, after systemd's
 * bus_verify_polkit_async() (internal to systemd, so re-implemented here on
 * public sd-bus API):
 *
 *   r = c->authorize(c, m, "org.memcrypt1.refresh", error);
 *   if (r < 0) return r;       refused: ERROR names NotAuthorized or
 *                              InteractiveAuthorizationRequired
 *   if (r == 0) return 1;      asked polkit; the handler runs again with
 *                              the same message once the answer is in
 *   ... do the work ...
 *
 * Root callers (and callers of the daemon's own uid) are allowed without
 * asking. Without polkit on the bus every other caller is refused: fail
 * closed. Interactivity comes from the message header flag.
 */

#include "context.h"

int polkit_authorize(Context *c, sd_bus_message *m, const char *action, sd_bus_error *error);

/* Checks still waiting for polkit: the daemon must not exit on idle while any are. */
unsigned polkit_registry_pending(const PolkitRegistry *r);
void polkit_registry_free(PolkitRegistry *r);
