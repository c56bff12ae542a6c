/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "bus-jobs.h"
#include "bus-polkit.h"
#include "bus-util.h"
#include "bus-names.h"
#include "bus-objects.h"
#include "bus.h"
#include "daemon.h"
#include "export.h"
#include "watch.h"

#define USEC_PER_SEC UINT64_C(1000000)
/* The loop's exit code when the name was not ours: exit 1, but the bus itself is fine. */
#define EXIT_NAME_REFUSED 100

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
        return sd_event_exit(c->event, EXIT_NAME_REFUSED);
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

/* What a probe freed stays with glibc, scattered between what the new state holds, where its
 * trim threshold (top of the heap only) does not reach: about 0.5 MiB after each refresh, as much
 * after start-up. Returned when the daemon is about to idle, after start-up and after each periodic
 * refresh, never per event or per call (there it made each refresh several times dearer). */
static void return_freed_memory(void) {
        (void) malloc_trim(0);
}

/* The periodic probe reads what cannot be watched (sysfs parameters, the PSP status). It asks
 * libvirt nothing: while connected, lifecycle events keep the domains current and libvirtd's
 * versions and capabilities change only with a restart (a new connection probes them) or a QEMU
 * package (the watched QEMU directories: watch.c); re-reading every domain's XML each period
 * cost thousands of calls and wakeups a minute on a full host. */
static int on_refresh_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Context *c = userdata;

        bus_refresh(c);
        if (c->watchers)
                watchers_sync(c->watchers);
        return_freed_memory();
        (void) sd_event_source_set_time_relative(s, c->config.refresh_interval_sec * USEC_PER_SEC);
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static int setup_event(Context *c) {
        sd_event *e = NULL;
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = sd_event_default(&e);
        if (r < 0)
                return r;
        c->event = e;
        /* A NULL handler makes the signal end the loop cleanly. */
        r = sd_event_add_signal(e, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(e, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_event_set_watchdog(e, true);
        return r < 0 ? r : 0;
}

static int setup_bus(Context *c) {
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
        /* Objects first, then the name: no call can reach a missing object. */
        if (r >= 0)
                r = sd_bus_request_name_async(bus, NULL, BUS_NAME, 0, on_name_request, c);
        if (r < 0) {
                g_warning("Failed to set up the bus service: %s", g_strerror(-r));
                sd_bus_unref(bus);
                c->bus = NULL;
        }
        return r;
}

static int setup_refresh_timer(Context *c) {
        if (c->config.refresh_interval_sec == 0)
                return 0;
        return sd_event_add_time_relative(c->event, &c->refresh_timer, CLOCK_MONOTONIC,
                                          c->config.refresh_interval_sec * USEC_PER_SEC, USEC_PER_SEC,
                                          on_refresh_timer, c);
}

/* A domain event re-judges from the facts at hand (the 50 ms goal); a new
 * connection may be to a changed libvirt, so that is a full refresh. */
static void on_libvirt_changed(Context *c, LibvirtChange what) {
        if (what == LIBVIRT_CHANGED_DOMAINS)
                bus_refresh_domains(c);
        else
                bus_refresh(c);
}

/* A watched file or kernel module changed. */
static void on_host_changed(void *userdata) {
        bus_refresh(userdata);
}

/* An export file failed, or works again: Health says so. */
static void on_export_changed(void *userdata) {
        bus_rejudge(userdata);
}

static int on_name_released(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Context *c = userdata;

        return sd_event_exit(c->event, EXIT_SUCCESS);
}

/* Like systemd's bus_event_loop_with_idle(): after a quiet period with no
 * polkit check pending, give the name back and exit once the bus confirms;
 * calls queued meanwhile are still served, and activation restarts us. */
static int run_with_idle_exit(Context *c, uint64_t idle_usec) {
        bool releasing = false;
        int r;

        for (;;) {
                if (sd_event_get_state(c->event) == SD_EVENT_FINISHED)
                        break;
                r = sd_event_run(c->event, releasing ? UINT64_MAX : idle_usec);
                if (r < 0)
                        return r;
                if (r > 0 || releasing || polkit_registry_pending(c->polkit) > 0 || bus_jobs_in_flight(c->jobs) > 0)
                        continue;
                (void) sd_notify(false, "STOPPING=1\nSTATUS=Exiting after an idle period");
                r = sd_bus_release_name_async(c->bus, NULL, BUS_NAME, on_name_released, c);
                if (r < 0)
                        return r;
                releasing = true;
        }
        return 0;
}

int daemon_run(Context *c, const DaemonOptions *o) {
        int r, code = EXIT_FAILURE;

        r = setup_event(c);
        if (r >= 0)
                r = setup_bus(c);
        /* A short-lived activated daemon probes at start; periodic re-probing would keep it alive. */
        if (r >= 0 && o->exit_on_idle_usec == 0)
                r = setup_refresh_timer(c);
        if (r >= 0) {
                c->libvirt_changed = on_libvirt_changed;
                c->watchers = watchers_new(c, on_host_changed, c);
                /* Written at start, then with every change that is signalled. */
                c->exporter = exporter_new(c->event, &c->config, on_export_changed, c);
                exporter_publish(c->exporter, &c->state->facts, c->state->verdict, c->last_refresh_usec);
        }
        if (r >= 0)
                return_freed_memory();
        if (r >= 0)
                r = o->exit_on_idle_usec > 0 ? run_with_idle_exit(c, o->exit_on_idle_usec) : sd_event_loop(c->event);
        if (r >= 0 && sd_event_get_exit_code(c->event, &code) < 0)
                code = EXIT_SUCCESS;
        /* sd-bus ends the loop with EXIT_FAILURE when the bus goes away (exit-on-disconnect). */
        if (r >= 0 && code == EXIT_FAILURE && c->bus && sd_bus_is_open(c->bus) <= 0)
                g_warning("Lost the connection to the system bus; exiting (bus activation starts memcryptd again)");
        if (code == EXIT_NAME_REFUSED)
                code = EXIT_FAILURE;
        if (r < 0)
                g_warning("Event loop failed: %s", g_strerror(-r));

        (void) sd_notify(false, "STOPPING=1");
        c->libvirt_changed = NULL;
        c->watchers = watchers_free(c->watchers);
        c->exporter = exporter_free(c->exporter);
        c->refresh_timer = sd_event_source_unref(c->refresh_timer);
        /* Jobs hold messages of the bus: end them first (running ones finish, none is answered). */
        c->jobs = bus_jobs_free(c->jobs);
        c->bus = sd_bus_flush_close_unref(c->bus);
        c->event = sd_event_unref(c->event);
        return r < 0 ? EXIT_FAILURE : code;
}
