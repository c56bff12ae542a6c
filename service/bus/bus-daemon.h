/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The daemon on the system bus: the connection, the name org.memcrypt1, and
 * giving it back when idle. daemon.c runs the loop and asks these; the sd-bus
 * object stays here.
 */

#include <stdbool.h>

#include "context.h"

/* The loop's exit code when the name was not ours: exit 1, but the bus itself is fine. */
#define BUS_EXIT_NAME_REFUSED 100

/* Connect C to the system bus on c->event, register its objects, then ask for
 * the name (no call can reach a missing object). A refusal ends the loop with
 * BUS_EXIT_NAME_REFUSED and says why; a lost bus ends it with EXIT_FAILURE. */
int bus_open_system(Context *c);

/* Calls still being answered or authorized: the daemon must not exit on idle. */
bool bus_busy(Context *c);

/* Give the name back; the loop ends with EXIT_SUCCESS once the bus confirms
 * (calls queued meanwhile are still served, and activation restarts us). */
int bus_release_name(Context *c);

/* Whether the connection to the bus is gone (why a loop ended with EXIT_FAILURE). */
bool bus_lost(Context *c);

/* End the jobs (running ones finish, none is answered: they hold messages of
 * the bus) and close the connection. */
void bus_close(Context *c);
