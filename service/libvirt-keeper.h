/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The daemon's one libvirt connection: read-write, with keepalive and a
 * close callback; lost connections are reopened with exponential backoff
 * and every callback is registered again. While connected it keeps the set
 * of running domains and the <launchSecurity> model of each, current from
 * lifecycle events. Needs libvirt_events_register() on the same loop first.
 */

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <libvirt/libvirt.h>
#include <systemd/sd-event.h>

typedef enum {
        LIBVIRT_CHANGED_CONNECTION,     /* connected, or the connection was lost */
        LIBVIRT_CHANGED_DOMAINS,        /* a domain started or stopped (or changed model) */
} LibvirtChange;

typedef void (*LibvirtChangeFunc)(LibvirtChange what, void *userdata);

typedef struct {
        const char *uri;
        bool keepalive;                 /* off for --exit-on-idle: its pings would keep the daemon busy */
        LibvirtChangeFunc changed;      /* called from the event loop, never from inside libvirt_keeper_new() */
        void *userdata;
} LibvirtKeeperOptions;

typedef struct LibvirtKeeper LibvirtKeeper;

/* Connects once, synchronously, so the first probe sees the domains; on
 * failure retries from the event loop. Never NULL. */
LibvirtKeeper *libvirt_keeper_new(sd_event *event, const LibvirtKeeperOptions *o);
LibvirtKeeper *libvirt_keeper_free(LibvirtKeeper *k);

const char *libvirt_keeper_uri(const LibvirtKeeper *k);

/* The connection (borrowed), or NULL while there is none. Checks that it is
 * still alive first and, if not, starts reconnecting. */
virConnectPtr libvirt_keeper_connection(LibvirtKeeper *k);

/* Why there is no connection and since when (CLOCK_REALTIME µs), or NULL when connected. */
const char *libvirt_keeper_problem(const LibvirtKeeper *k, uint64_t *since_usec);

/* Whether any connection was ever made (so facts from it exist). */
bool libvirt_keeper_ever_connected(const LibvirtKeeper *k);

/* A copy of the running domains (RunningDomain*, by name) and, in *PROBLEM
 * (g_free; NULL when none), the domains whose XML could not be read. */
GPtrArray *libvirt_keeper_domains(const LibvirtKeeper *k, char **problem);

/* Lifecycle events handled and domain XML fetched since start (for tests and benchmarks). */
uint64_t libvirt_keeper_events_seen(const LibvirtKeeper *k);
