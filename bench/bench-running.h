/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Following memcryptd's RunningDomains at the bus, shared by bench-events and bench-guests. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "bench-util.h"

static int64_t running_seen = -1;   /* RunningDomains of the last PropertiesChanged */

/* sd_bus_match_signal() callback for PropertiesChanged: remembers a new RunningDomains. */
static inline int on_running_changed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *iface, *name;

        if (sd_bus_message_read(m, "s", &iface) < 0 || sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
                return 0;
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                uint32_t v;
                if (sd_bus_message_read(m, "s", &name) < 0)
                        return 0;
                if (strcmp(name, "RunningDomains") == 0 && sd_bus_message_read(m, "v", "u", &v) >= 0)
                        running_seen = v;
                else
                        sd_bus_message_skip(m, "v");
                sd_bus_message_exit_container(m);
        }
        return 0;
}

/* Process the bus until RunningDomains == WANT. Returns false after TIMEOUT_USEC. */
static inline bool wait_running(sd_bus *bus, int64_t want, uint64_t timeout_usec) {
        double deadline = now_us() + (double) timeout_usec;

        while (running_seen != want) {
                int r = sd_bus_process(bus, NULL);
                if (r < 0 || now_us() > deadline)
                        return false;
                if (r == 0)
                        sd_bus_wait(bus, timeout_usec);
        }
        return true;
}
