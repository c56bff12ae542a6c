/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The daemon's authorizer (an AuthorizeFunc, authorize.h): root callers (and
 * callers of the daemon's own uid) are allowed without asking; any other is
 * asked of polkit over the bus, asynchronously (CheckAuthorization, with user
 * interaction when the call allows it). Without polkit on the bus every other
 * caller is refused: fail closed.
 */

#include "bus-state.h"

/* USERDATA: the Bus, whose connection reaches polkit. */
bool polkit_authorize(AuthQuery *q, void *userdata);
