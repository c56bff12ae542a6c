/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmemcrypt: CapabilitiesChanged and PropertiesChanged of the service, as callbacks. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memcrypt-internal.h"
#include "memcrypt-read.h"

/* Appends the strings of an "as" at the read position to *L (NULL-terminated, N entries). */
static int read_strv_append(sd_bus_message *m, char ***l, size_t *n) {
        const char *s;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "s");
        if (r < 0)
                return r;

        while ((r = sd_bus_message_read_basic(m, 's', &s)) > 0) {
                r = client_strv_push(l, n, strdup(s));
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;

        return sd_bus_message_exit_container(m);
}

/* An array's elements as text, joined with ','; of structures the first string of each
 * (a reason's code, a domain's name). CONTENTS is the array's signature without the 'a'. */
static int write_array(sd_bus_message *m, const char *contents, FILE *f) {
        size_t len = strlen(contents);
        char *inner = contents[0] == '(' && len > 2 ? strndup(contents + 1, len - 2) : NULL;
        const char *s;
        int r, first = 1;

        if (contents[0] == '(' && !inner)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', contents);
        while (r >= 0) {
                if (contents[0] == 's')
                        r = sd_bus_message_read_basic(m, 's', &s);
                else if (inner && inner[0] == 's') {
                        r = sd_bus_message_enter_container(m, 'r', inner);
                        if (r > 0 && (r = sd_bus_message_read_basic(m, 's', &s)) >= 0 &&
                            (r = sd_bus_message_skip(m, inner + 1)) >= 0 && (r = sd_bus_message_exit_container(m)) >= 0)
                                r = 1;
                } else {
                        r = sd_bus_message_skip(m, contents);
                        s = "...";
                }
                if (r <= 0)
                        break;
                fprintf(f, "%s%s", first ? "" : ",", s);
                first = 0;
        }
        free(inner);
        if (r < 0)
                return r;
        if (first)
                fputs("[]", f);
        return sd_bus_message_exit_container(m);
}

/* The variant at the read position as text for a person: true/false, decimal numbers, strings as
 * they are, arrays by write_array(). *RET is malloc'ed. */
static int read_variant_text(sd_bus_message *m, char **ret) {
        const char *contents, *s;
        char type, *text = NULL;
        size_t size = 0;
        FILE *f;
        int r, b;
        uint32_t u;
        uint64_t t;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        switch (contents[0]) {
        case 'b':
                r = sd_bus_message_read_basic(m, 'b', &b);
                fputs(b ? "true" : "false", f);
                break;
        case 'u':
                r = sd_bus_message_read_basic(m, 'u', &u);
                fprintf(f, "%" PRIu32, u);
                break;
        case 't':
                r = sd_bus_message_read_basic(m, 't', &t);
                fprintf(f, "%" PRIu64, t);
                break;
        case 's':
        case 'o':
                r = sd_bus_message_read_basic(m, contents[0], &s);
                if (r >= 0)
                        fputs(s, f);
                break;
        case 'a':
                r = write_array(m, contents + 1, f);
                break;
        default:
                r = sd_bus_message_skip(m, contents);
                fputs("...", f);
        }
        fclose(f);
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0) {
                free(text);
                return r;
        }
        *ret = text;
        return 0;
}

/* PropertiesChanged(s interface, a{sv} changed, as invalidated): the changed names, then
 * the invalidated ones into L, and each changed value as text into VALUES ("" for an
 * invalidated one, whose value the caller reads with a Get). */
static int read_properties_changed(sd_bus_message *m, const char **ret_interface, char ***l, size_t *n,
                                   char ***values, size_t *n_values) {
        const char *name;
        char *text;
        int r;

        r = sd_bus_message_read_basic(m, 's', ret_interface);
        if (r < 0)
                return r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read_basic(m, 's', &name);
                if (r >= 0)
                        r = client_strv_push(l, n, strdup(name));
                if (r >= 0)
                        r = read_variant_text(m, &text);
                if (r >= 0)
                        r = client_strv_push(values, n_values, text);
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

        r = read_strv_append(m, l, n);
        while (r >= 0 && *n_values < *n)
                r = client_strv_push(values, n_values, strdup(""));
        return r;
}

/* EncryptedDomainStarted/Stopped(s name, s uuid, s model), for the domain callback alone. */
static int on_domain_signal(MemcryptClient *c, sd_bus_message *m, bool started) {
        MemcryptDomainEvent e = { .started = started };

        if (!c->domain_callback)
                return 0;
        if (sd_bus_message_read(m, "sss", &e.name, &e.uuid, &e.model) < 0)
                return 0;       /* malformed: dropped, monitoring goes on */
        c->monitor_stop = c->domain_callback(&e, c->domain_userdata);
        return 0;
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        MemcryptClient *c = userdata;
        MemcryptSignal signal = {
                .path = sd_bus_message_get_path(m),
                .interface = sd_bus_message_get_interface(m),
                .member = sd_bus_message_get_member(m),
        };
        char **names = NULL, **values = NULL;
        size_t n = 0, n_values = 0;
        int r;

        if (c->monitor_stop)
                return 0;

        if (sd_bus_message_is_signal(m, MEMCRYPT_MANAGER_INTERFACE, "EncryptedDomainStarted"))
                return on_domain_signal(c, m, true);
        if (sd_bus_message_is_signal(m, MEMCRYPT_MANAGER_INTERFACE, "EncryptedDomainStopped"))
                return on_domain_signal(c, m, false);
        if (sd_bus_message_is_signal(m, MEMCRYPT_MANAGER_INTERFACE, "CapabilitiesChanged"))
                r = read_strv_append(m, &names, &n);
        else if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.Properties", "PropertiesChanged"))
                /* Show the interface whose properties changed, not the Properties interface. */
                r = read_properties_changed(m, &signal.interface, &names, &n, &values, &n_values);
        else
                return 0;       /* a signal the service added later: not ours to interpret */
        if (r < 0) {
                /* A malformed signal is dropped, not fatal: monitoring goes on. */
                strv_free(names);
                strv_free(values);
                return 0;
        }

        static const char *const empty[] = { NULL };
        signal.names = names ? (const char *const *) names : empty;
        signal.values = values ? (const char *const *) values : NULL;
        c->monitor_stop = c->monitor_callback(&signal, c->monitor_userdata);
        strv_free(names);
        strv_free(values);
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

int memcrypt_monitor_domains(MemcryptClient *c, MemcryptDomainFunc callback, void *userdata) {
        if (!c || !c->monitor_slot)
                return -EINVAL;
        client_reset_error(c);
        c->domain_callback = callback;
        c->domain_userdata = userdata;
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
