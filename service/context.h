/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The daemon's state: options, configuration, the last probe and verdict.
 * Bus-free so tests drive it directly; bus glue lives in bus-*.c.
 */

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "facts.h"
#include "probe.h"
#include "verdict.h"

typedef struct {
        const char *root;           /* NULL: "/" */
        const char *config_path;    /* NULL: the built-in default path (may be absent) */
        const char *libvirt_uri;    /* NULL: from the configuration */
        const char *node_name;      /* NULL: from the configuration, else the host name */
        bool no_libvirt;
} ContextOptions;

/* What one refresh changed, for PropertiesChanged / CapabilitiesChanged. */
typedef struct {
        uint64_t manager;                 /* bitmask of ManagerProperty */
        uint64_t models[_MODEL_MAX];      /* bitmask of ModelProperty */
} ChangeSet;

typedef struct Context Context;
typedef struct PolkitRegistry PolkitRegistry;

struct Context {
        ProbeOptions probe;
        MemcryptConfig config;
        char *node_name_override;
        HostFacts facts;
        HostVerdict *verdict;
        uint64_t last_refresh_usec;     /* CLOCK_REALTIME */

        /* Bus side, NULL in bus-free use. */
        void *bus;                      /* sd_bus* */
        void *event;                    /* sd_event* */
        PolkitRegistry *polkit;
        /* Decides polkit-guarded calls; tests may replace it (see bus-polkit.h). */
        int (*authorize)(Context *c, void *message, const char *action, void *error);
};

/* Load the configuration and probe the host once. On failure returns NULL and sets *ERROR. */
Context *context_new(const ContextOptions *o, char **error);
void context_free(Context *c);

/* Probe again; replaces facts and verdict and reports what changed (may be NULL). */
void context_refresh(Context *c, ChangeSet *changes);
