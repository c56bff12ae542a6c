/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "bus-authorize.h"
#include "bus-daemon.h"
#include "bus-jobs.h"
#include "bus-names.h"
#include "bus-state.h"
#include "bus.h"

/* The system bus's address as sd-bus uses it, for messages. */
static const char *system_bus_address(void) {
        const char *a = getenv("DBUS_SYSTEM_BUS_ADDRESS");

        return a && *a ? a : "unix:path=/run/dbus/system_bus_socket";
}

static int name_refused(Context *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static int name_refused(Context *c, const char *fmt, ...) {
        g_autofree char *why = NULL;
        va_list ap;

        va_start(ap, fmt);
        why = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_warning("%s", why);
        (void) sd_notifyf(false, "STATUS=%s", why);
        return sd_event_exit(c->event, BUS_EXIT_NAME_REFUSED);
}

/* The name is requested without queueing (sd-bus sets DO_NOT_QUEUE unless SD_BUS_NAME_QUEUE): a
 * second instance learns at once that another process serves org.memcrypt1, instead of waiting
 * unnoticed in the queue. */
static int on_name_request(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Context *c = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        uint32_t ret = 0;

        if (e && sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED))
                return name_refused(c, "the bus policy does not let uid %u own %s on %s; run memcryptd as root (its "
                                    "unit does), or install dbus/org.memcrypt1.conf into the bus's system.d directory "
                                    "and reload the bus (%s)", (unsigned) getuid(), BUS_NAME, system_bus_address(),
                                    e->message ?: e->name);
        if (e)
                return name_refused(c, "the bus refused the name %s: %s", BUS_NAME, e->message ?: e->name);
        if (sd_bus_message_read(reply, "u", &ret) < 0)
                return name_refused(c, "the bus answered the request for %s with a reply memcryptd cannot read",
                                    BUS_NAME);
        if (ret != 1 /* PRIMARY_OWNER */ && ret != 4 /* ALREADY_OWNER */)
                return name_refused(c, "another process owns %s on %s; stop it first (systemctl stop memcryptd), or "
                                    "use another bus (DBUS_SYSTEM_BUS_ADDRESS)", BUS_NAME, system_bus_address());
        /* Ready means callable: announce only once the name is ours. */
        (void) sd_notify(false, "READY=1\nSTATUS=Serving org.memcrypt1");
        return 1;
}

int bus_open_system(Context *c) {
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                g_warning("cannot connect to the system bus at %s: %s", system_bus_address(), g_strerror(-r));
                return r;
        }
        r = bus_add_objects(c, bus);
        if (r >= 0)
                r = sd_bus_attach_event(bus, c->event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_bus_set_exit_on_disconnect(bus, true);
        if (r >= 0)
                r = sd_bus_request_name_async(bus, NULL, BUS_NAME, 0, on_name_request, c);
        if (r < 0) {
                g_warning("Failed to set up the bus service: %s", g_strerror(-r));
                sd_bus_unref(bus);
                if (c->bus)
                        c->bus->conn = NULL;
        }
        return r;
}

bool bus_busy(Context *c) {
        return c->bus && (bus_authorizing_waiting(c->bus->authorizing) > 0 || bus_jobs_in_flight(c->bus->jobs) > 0);
}

static int on_name_released(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Context *c = userdata;

        return sd_event_exit(c->event, EXIT_SUCCESS);
}

int bus_release_name(Context *c) {
        return sd_bus_release_name_async(c->bus->conn, NULL, BUS_NAME, on_name_released, c);
}

bool bus_lost(Context *c) {
        return c->bus && c->bus->conn && sd_bus_is_open(c->bus->conn) <= 0;
}

void bus_close(Context *c) {
        if (!c->bus)
                return;
        c->bus->jobs = bus_jobs_free(c->bus->jobs);
        c->bus->conn = sd_bus_flush_close_unref(c->bus->conn);
}
