/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The bus side of a Context, hung on it as c->bus (context.h knows only its
 * name, so nothing below the bus glue sees an sd-bus type). bus.c makes it
 * with the first bus_add_objects() and frees it from context_free().
 */

#include <systemd/sd-bus.h>

#include "authorize.h"
#include "context.h"

typedef struct BusJobs BusJobs;

struct Bus {
        Context *context;
        sd_bus *conn;                   /* where the objects are; owned only by the daemon's (bus-daemon.c) */
        BusJobs *jobs;                  /* expensive calls in flight (bus-jobs.h) */
        GHashTable *authorizing;        /* sd_bus_message* -> the call's authorization (bus-authorize.c) */
        AuthorizeFunc authorize;        /* bus-polkit.c's, unless a test set another */
        void *authorize_userdata;
};
