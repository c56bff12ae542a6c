/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The daemon's one libvirt connection, kept on a thread of its own.
 *
 * Why a thread: every libvirt client call waits on libvirtd, which may hang
 * (SIGSTOP, a stuck QEMU monitor); the event loop must never wait. The
 * thread runs libvirt's own default event loop (virEventRegisterDefaultImpl
 * + virEventRunDefaultImpl) and makes every libvirt call: connect and
 * reconnect with backoff, keepalive, lifecycle events, the domain listing,
 * domain capabilities, and the attestation calls of callers
 * (libvirt_keeper_call()). libvirt's default implementation is thread-safe
 * and owns its sockets and timers, so no sd-event source is ever touched off
 * the loop thread. What the thread learns is published under a mutex; the
 * loop reads copies, and is told about changes through an eventfd.
 *
 * Deadlines: a caller's call that has no answer within LibvirtTimeoutSec
 * fails with LibvirtUnavailable ("libvirtd did not answer within N s"), the
 * connection counts as lost (LibvirtConnected false, Health degraded) and
 * later calls fail at once, until the thread gets its answer (libvirtd
 * resumed: the state is read again and the change signalled) or libvirt
 * closes the connection (keepalive; then it reconnects). With nothing asked,
 * the keepalive alone notices a hung libvirtd: libvirt_keepalive_for_refresh().
 */

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <libvirt/libvirt.h>
#include <systemd/sd-event.h>

#include "api-error.h"
#include "domain-table.h"
#include "facts.h"

typedef enum {
        LIBVIRT_CHANGED_CONNECTION,     /* connected, lost, stuck, or recovered */
        LIBVIRT_CHANGED_DOMAINS,        /* a domain started or stopped (or changed model) */
} LibvirtChange;

typedef void (*LibvirtChangeFunc)(LibvirtChange what, void *userdata);

typedef struct {
        const char *uri;
        bool keepalive;                 /* off for --exit-on-idle: its pings would keep the daemon busy */
        unsigned refresh_sec;           /* RefreshIntervalSec, which sets the keepalive; 0: the default */
        unsigned timeout_sec;           /* LibvirtTimeoutSec; 0: the default */
        sd_event *event;                /* the loop CHANGED is called on */
        LibvirtChangeFunc changed;      /* never from inside libvirt_keeper_new() */
        void *userdata;
        unsigned max_queued_changes;    /* the backlog that makes the thread list afresh; 0: 65,536 (tests: a few) */
} LibvirtKeeperOptions;

typedef struct LibvirtKeeper LibvirtKeeper;

/* Starts the thread and waits (at most the deadline) for its first connection
 * attempt, so the first probe sees the domains. Never NULL. */
LibvirtKeeper *libvirt_keeper_new(const LibvirtKeeperOptions *o);
/* Stops the thread; one stuck in a call is left behind (the process is ending). */
LibvirtKeeper *libvirt_keeper_free(LibvirtKeeper *k);

const char *libvirt_keeper_uri(const LibvirtKeeper *k);
unsigned libvirt_keeper_timeout_sec(const LibvirtKeeper *k);

/* Whether a connection is up and answering. */
bool libvirt_keeper_connected(LibvirtKeeper *k);

/* Why there is no connection and since when (CLOCK_REALTIME µs): a copy
 * (g_free), NULL when connected. */
char *libvirt_keeper_problem(LibvirtKeeper *k, uint64_t *since_usec);

/* Whether any connection was ever made (so facts from it exist). */
bool libvirt_keeper_ever_connected(LibvirtKeeper *k);

/*
 * Brings *TABLE (the running domains: the thread keeps no table of its own) up to
 * date with what the thread learnt since the last call, calling FUNC for each
 * domain that went (false) or came (true), in the order libvirt told it:
 * O(changes), not O(domains). A listing (a new connection, a reprobe, or after
 * the queue overflowed: MAX_QUEUED_CHANGES, a loop stalled for long) is compared
 * with *TABLE once and replaces it; returns true when that listing was made
 * because of an overflow. *PROBLEM (g_free; NULL when none): the domains whose
 * XML could not be read.
 */
bool libvirt_keeper_take_changes(LibvirtKeeper *k, DomainTable **table, DomainChangeFunc func, void *userdata,
                                 char **problem);

/* Versions, domain capabilities and SEV node info as last read from libvirt, into LV. */
void libvirt_keeper_copy_probed(LibvirtKeeper *k, LibvirtFacts *lv);

/* Ask the thread to read versions, capabilities and domains again (Refresh(),
 * the refresh timer); a change is reported through CHANGED. */
void libvirt_keeper_reprobe(LibvirtKeeper *k);

/*
 * Runs FUNC(connection, *DATA) on the libvirt thread and waits up to the
 * deadline; for worker threads, never the loop. Without a connection it fails
 * with LibvirtUnavailable without running FUNC. When the deadline passes, the
 * keeper takes *DATA (freed with FREE once the thread is done with it) and
 * sets *DATA to NULL: the caller must not look at it any more.
 */
typedef ApiError (*LibvirtCallFunc)(virConnectPtr conn, void *data, char **message);
ApiError libvirt_keeper_call(LibvirtKeeper *k, LibvirtCallFunc func, void **data, GDestroyNotify free,
                             char **message);

/* Lifecycle events handled since start (for tests and benchmarks). */
uint64_t libvirt_keeper_events_seen(LibvirtKeeper *k);
