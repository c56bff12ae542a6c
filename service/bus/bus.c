/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-attestation.h"
#include "bus-jobs.h"
#include "bus-manager.h"
#include "bus-polkit.h"
#include "bus.h"
#include "error-map.h"

static void bus_free(Context *c) {
        c->jobs = bus_jobs_free(c->jobs);
        g_clear_pointer(&c->polkit, polkit_registry_free);
}

int bus_add_objects(Context *c, sd_bus *bus) {
        int r;

        r = memcrypt_error_map_register();
        if (r < 0)
                return r;
        if (!c->jobs)
                c->jobs = bus_jobs_new(c->event, &c->config);
        if (!c->authorize)
                c->authorize = polkit_authorize;
        c->bus_free = bus_free;
        r = bus_add_manager(c, bus);
        if (r < 0)
                return r;
        r = bus_add_models(c, bus);
        if (r < 0)
                return r;
        r = bus_add_attestation(c, bus);
        if (r < 0)
                return r;
        c->bus = bus;
        return 0;
}
