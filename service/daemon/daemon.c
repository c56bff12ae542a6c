/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#include "bus-daemon.h"
#include "bus-objects.h"
#include "daemon.h"
#include "export.h"
#include "watch.h"

#define USEC_PER_SEC UINT64_C(1000000)

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
                if (r > 0 || releasing || bus_busy(c))
                        continue;
                (void) sd_notify(false, "STOPPING=1\nSTATUS=Exiting after an idle period");
                r = bus_release_name(c);
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
                r = bus_open_system(c);
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
        if (r >= 0 && code == EXIT_FAILURE && bus_lost(c))
                g_warning("Lost the connection to the system bus; exiting (bus activation starts memcryptd again)");
        if (code == BUS_EXIT_NAME_REFUSED)
                code = EXIT_FAILURE;
        if (r < 0)
                g_warning("Event loop failed: %s", g_strerror(-r));

        (void) sd_notify(false, "STOPPING=1");
        c->libvirt_changed = NULL;
        c->watchers = watchers_free(c->watchers);
        c->exporter = exporter_free(c->exporter);
        c->refresh_timer = sd_event_source_unref(c->refresh_timer);
        bus_close(c);
        c->event = sd_event_unref(c->event);
        return r < 0 ? EXIT_FAILURE : code;
}
