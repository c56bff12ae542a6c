/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The daemon's one context: options, configuration, the last probe, its
 * verdict and the bus property values computed from them. Creating and
 * refreshing it needs no bus, so tests drive it directly; the bus glue
 * (bus-*.c) only reads it, and keeps its own part (the connection, the calls
 * in flight, authorization) behind c->bus, a type this header only names.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>
#include <libvirt/libvirt.h>

#include "config.h"
#include "domain-table.h"
#include "libvirt-keeper.h"
#include "facts.h"
#include "probe.h"
#include "properties.h"
#include "verdict.h"

typedef struct {
        const char *root;           /* NULL: "/" */
        const char *config_path;    /* NULL: the built-in default path, which may be absent */
        const char *libvirt_uri;    /* NULL: from the configuration */
        const char *node_name;      /* NULL: from the configuration, else the host name */
        bool no_libvirt;
        /* The daemon's loop: keep a libvirt connection (on its own thread, see
         * libvirt-keeper.h) and follow domain events on the live host, or on a
         * snapshot given an explicit libvirt_uri. NULL: probe once (--dump, --snapshot). */
        sd_event *event;
        bool libvirt_keepalive;
} ContextOptions;

/* Domain events closer than this to the last judgement of domain events are
 * gathered into one re-judgement and one set of signals, at most this long
 * after it (docs/following-the-host.md). */
#define DOMAIN_BATCH_USEC UINT64_C(5000)

/* An encrypted guest that came or went (EncryptedDomainStarted/Stopped). */
typedef struct {
        bool started;
        RunningDomain *domain;
} DomainEvent;
void domain_event_free(DomainEvent *e);

typedef struct Context Context;
typedef struct Watchers Watchers;
typedef struct Exporter Exporter;
typedef struct Bus Bus;

/*
 * The facts of one probe and the verdict on them. Never changed once a job
 * holds it: worker threads answer from the state they were given while the
 * loop moves on to a newer one. References are taken and dropped on the loop
 * thread only.
 */
typedef struct {
        unsigned ref;
        HostFacts facts;
        HostVerdict *verdict;
} HostState;

HostState *host_state_ref(HostState *s);
HostState *host_state_unref(HostState *s);

struct Context {
        char *root;
        ProbeOptions probe;
        MemcryptConfig config;
        HostState *state;               /* never NULL */
        PropertyValues values;
        char *describe_json;            /* Describe()'s answer, built once per verdict; NULL: not yet */
        uint64_t last_refresh_usec;     /* CLOCK_REALTIME */
        LibvirtKeeper *libvirt;         /* NULL: libvirt is probed, not followed */
        bool following_domains;         /* the domain table follows the keeper's changes */
        sd_event_source *domain_batch;  /* due while domain events are gathered (DOMAIN_BATCH_USEC) */
        uint64_t domain_batch_usec;     /* CLOCK_MONOTONIC of the last judgement of libvirt news */
        uint64_t domain_batches;        /* re-judgements for domain events, for tests and benchmarks */
        /* DomainEvent*: the encrypted guests that came or went in the last refresh, in order. */
        GPtrArray *domain_events;
        /* Called when the libvirt connection or its running domains changed; the
         * bus side refreshes and signals. NULL: refresh without telling anyone. */
        void (*libvirt_changed)(Context *c, LibvirtChange what);

        /* The daemon's loop and what it follows; NULL when the context is used without a loop. */
        sd_event *event;
        sd_event_source *refresh_timer;
        Watchers *watchers;
        Exporter *exporter;             /* NULL: no [Export] file configured */

        /* The bus side (service/bus/bus-state.h); NULL without a bus. Set by bus_add_objects(),
         * with bus_free, which context_free() calls first thing (the jobs in flight end). */
        Bus *bus;
        void (*bus_free)(Bus *b);
};

/* Load the configuration and probe the host once. On failure returns NULL and sets *ERROR. */
Context *context_new(const ContextOptions *o, char **error);
Context *context_free(Context *c);

/* Probe again; replaces facts, verdict and property values and reports in
 * CHANGES (may be NULL) which property values differ from before. */
void context_refresh(Context *c, ChangeSet *changes);

/* Only the running domains (and the kernel's ASID counts with them) changed:
 * re-judge from the current facts without probing everything again. */
void context_refresh_domains(Context *c, ChangeSet *changes);

/* Judge the current facts again (the service's own state changed, e.g. an export file failed). */
void context_rejudge(Context *c, ChangeSet *changes);

/* The daemon's libvirt connection, borrowed; NULL while there is none (not
 * connected yet, lost, --no-libvirt, or a snapshot without --libvirt-uri). */
virConnectPtr context_libvirt_connection(Context *c);
/* Ask the libvirt thread to read versions, capabilities and domains again; a
 * change comes back as a refresh (libvirt_changed). */
void context_reprobe_libvirt(Context *c);

/* Whether the daemon's libvirt connection is up and answering (false when not
 * connected yet, lost, stuck, --no-libvirt, or a snapshot without --libvirt-uri). */
bool context_libvirt_connected(Context *c);

/* The JSON report of the current state (Describe, --dump). Free with g_free(). */
char *context_describe(const Context *c, bool pretty);

/* The compact JSON report, built at most once per verdict and kept until the next one:
 * Describe() costs a copy, not a rebuild. Borrowed. */
const char *context_describe_cached(Context *c);
