/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmemcrypt: CapabilitiesChanged and PropertiesChanged of the service, as callbacks. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memcrypt-internal.h"

/* Appends the strings of an "as" at the read position to *L (NULL-terminated, N entries). */
static int read_strv_append(sd_bus_message *m, char ***l, size_t *n) {
        const char *s;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "s");
        if (r < 0)
                return r;

        while ((r = sd_bus_message_read_basic(m, 's', &s)) > 0) {
                char **grown = realloc(*l, (*n + 2) * sizeof(char *));

                if (!grown)
                        return -ENOMEM;
                *l = grown;
                (*l)[*n] = strdup(s);
                if (!(*l)[*n])
                        return -ENOMEM;
                (*l)[++*n] = NULL;
        }
        if (r < 0)
                return r;

        return sd_bus_message_exit_container(m);
}

/* PropertiesChanged(s interface, a{sv} changed, as invalidated): the changed names, then
 * the invalidated ones; the values are for the caller to read with a GetAll. */
static int read_properties_changed(sd_bus_message *m, const char **ret_interface, char ***l, size_t *n) {
        const char *name;
        int r;

        r = sd_bus_message_read_basic(m, 's', ret_interface);
        if (r < 0)
                return r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                char **grown;

                r = sd_bus_message_read_basic(m, 's', &name);
                if (r < 0)
                        return r;
                grown = realloc(*l, (*n + 2) * sizeof(char *));
                if (!grown)
                        return -ENOMEM;
                *l = grown;
                (*l)[*n] = strdup(name);
                if (!(*l)[*n])
                        return -ENOMEM;
                (*l)[++*n] = NULL;

                r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;

        return read_strv_append(m, l, n);
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        MemcryptClient *c = userdata;
        MemcryptSignal signal = {
                .path = sd_bus_message_get_path(m),
                .interface = sd_bus_message_get_interface(m),
                .member = sd_bus_message_get_member(m),
        };
        char **names = NULL;
        size_t n = 0;
        int r;

        if (c->monitor_stop)
                return 0;

        if (sd_bus_message_is_signal(m, MEMCRYPT_MANAGER_INTERFACE, "CapabilitiesChanged"))
                r = read_strv_append(m, &names, &n);
        else if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.Properties", "PropertiesChanged"))
                /* Show the interface whose properties changed, not the Properties interface. */
                r = read_properties_changed(m, &signal.interface, &names, &n);
        else
                return 0;       /* a signal the service added later: not ours to interpret */
        if (r < 0) {
                /* A malformed signal is dropped, not fatal: monitoring goes on. */
                strv_free(names);
                return 0;
        }

        static const char *const empty[] = { NULL };
        signal.names = names ? (const char *const *) names : empty;
        c->monitor_stop = c->monitor_callback(&signal, c->monitor_userdata);
        strv_free(names);
        return 0;
}

int memcrypt_monitor_start(MemcryptClient *c, MemcryptSignalFunc callback, void *userdata) {
        sd_bus_slot *slot = NULL;
        int r;

        if (!c || !callback)
                return -EINVAL;
        client_reset_error(c);

        /* On a bus, the daemon filters by the name's owner; peer to peer there is no
         * sender to match, and the only peer is the service anyway. The path namespace
         * covers the manager and every model object. The match is installed synchronously,
         * so no signal sent after this returns is lost. */
        r = sd_bus_add_match(c->bus, &slot,
                             c->bus_client ? "type='signal',sender='" MEMCRYPT_BUS_NAME "',path_namespace='/org/memcrypt1'"
                                           : "type='signal',path_namespace='/org/memcrypt1'",
                             on_signal, c);
        if (r < 0)
                return client_set_error(c, NULL, r);

        sd_bus_slot_unref(c->monitor_slot);
        c->monitor_slot = slot;
        c->monitor_callback = callback;
        c->monitor_userdata = userdata;
        c->monitor_stop = 0;
        return 0;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

int memcrypt_monitor_run(MemcryptClient *c, uint64_t timeout_usec) {
        uint64_t deadline = 0;
        int r;

        if (!c || !c->monitor_slot)
                return -EINVAL;
        client_reset_error(c);

        if (timeout_usec != UINT64_MAX)
                deadline = now_usec() + timeout_usec;

        c->monitor_stop = 0;
        for (;;) {
                uint64_t wait = UINT64_MAX;

                r = sd_bus_process(c->bus, NULL);
                if (r < 0)
                        return client_set_error(c, NULL, r);
                if (c->monitor_stop)
                        return c->monitor_stop;
                if (r > 0)
                        continue;       /* more may be queued: process before waiting */

                if (timeout_usec != UINT64_MAX) {
                        uint64_t now = now_usec();

                        if (now >= deadline)
                                return 0;
                        wait = deadline - now;
                }

                r = sd_bus_wait(c->bus, wait);
                if (r < 0)
                        return client_set_error(c, NULL, r);
        }
}
