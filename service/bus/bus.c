/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-attestation.h"
#include "bus-authorize.h"
#include "bus-jobs.h"
#include "bus-manager.h"
#include "bus-polkit.h"
#include "bus-state.h"
#include "bus.h"
#include "error-map.h"

void bus_free(Bus *b) {
        if (!b)
                return;
        b->jobs = bus_jobs_free(b->jobs);
        g_hash_table_unref(b->authorizing);
        b->context->bus = NULL;
        g_free(b);
}

static Bus *bus_get(Context *c) {
        Bus *b = c->bus;

        if (b)
                return b;
        b = g_new0(Bus, 1);
        b->context = c;
        b->jobs = bus_jobs_new(c->event, &c->config);
        b->authorizing = bus_authorizing_new();
        b->authorize = polkit_authorize;
        b->authorize_userdata = b;
        c->bus = b;
        c->bus_free = bus_free;
        return b;
}

void bus_set_authorizer(Context *c, AuthorizeFunc authorize, void *userdata) {
        Bus *b = bus_get(c);

        b->authorize = authorize;
        b->authorize_userdata = userdata;
}

int bus_add_objects(Context *c, sd_bus *bus) {
        Bus *b = bus_get(c);
        int r;

        r = memcrypt_error_map_register();
        if (r < 0)
                return r;
        r = bus_add_manager(c, bus);
        if (r < 0)
                return r;
        r = bus_add_models(c, bus);
        if (r < 0)
                return r;
        r = bus_add_attestation(c, bus);
        if (r < 0)
                return r;
        b->conn = bus;
        return 0;
}
