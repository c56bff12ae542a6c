/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The value of every bus property, computed once per refresh as GVariants
 * (bus-free, so tests and the change detection need no sd-bus). Getters
 * marshal the cached value; a refresh diffs old against new values to know
 * exactly which PropertiesChanged to emit.
 */

#include <glib.h>

#include "facts.h"
#include "verdict.h"

typedef enum {
        MANAGER_VERSION = 0,
        MANAGER_NODE_NAME,
        MANAGER_HEALTH,
        MANAGER_HEALTH_MESSAGE,
        MANAGER_USABLE_MODELS,
        MANAGER_CPU_VENDOR,
        MANAGER_CPU_GENERATION,
        MANAGER_CBIT_POSITION,
        MANAGER_REDUCED_PHYS_BITS,
        MANAGER_ASID_COUNT,
        MANAGER_MIN_SEV_ASID,
        MANAGER_KERNEL_VERSION,
        MANAGER_LIBVIRT_VERSION,
        MANAGER_QEMU_VERSION,
        MANAGER_SEV_FIRMWARE_VERSION,
        MANAGER_LIBVIRT_CONNECTED,
        MANAGER_RUNNING_DOMAINS,
        MANAGER_ENCRYPTED_DOMAINS,
        MANAGER_LAST_REFRESH,
        _MANAGER_PROPERTY_MAX,
} ManagerProperty;

typedef enum {
        MODEL_PROP_NAME = 0,
        MODEL_PROP_USABLE,
        MODEL_PROP_REASONS,
        MODEL_PROP_TRAIT,
        MODEL_PROP_RESOURCE_PROVIDER,
        MODEL_PROP_ASID_FIRST,
        MODEL_PROP_ASID_LAST,
        MODEL_PROP_SLOTS_TOTAL,
        MODEL_PROP_SLOTS_USED,
        MODEL_PROP_SLOTS_FREE,
        MODEL_PROP_DEFAULT_POLICY,
        MODEL_PROP_FIRMWARE,
        _MODEL_PROPERTY_MAX,
} ModelProperty;

typedef enum {
        PROPERTY_EMITS_CHANGE = 0,  /* PropertiesChanged carries the new value */
        PROPERTY_CONST,             /* fixed for the life of the process */
        PROPERTY_NOT_SIGNALLED,     /* changes on every refresh; read it when needed */
        PROPERTY_EXPLICIT,          /* grows with the host (one entry per guest): not in GetAll, and
                                     * PropertiesChanged names it without its value, so neither costs
                                     * more with thousands of guests; read it with Get or a method */
} PropertyChange;

typedef struct {
        const char *name;
        const char *signature;
        PropertyChange change;
} PropertyInfo;

extern const PropertyInfo manager_property_info[_MANAGER_PROPERTY_MAX];
extern const PropertyInfo model_property_info[_MODEL_PROPERTY_MAX];

typedef struct {
        GVariant *manager[_MANAGER_PROPERTY_MAX];
        GVariant *models[_MODEL_MAX][_MODEL_PROPERTY_MAX];
} PropertyValues;

/* Bitmasks of ManagerProperty / ModelProperty that differ between two sets of values. */
typedef struct {
        uint64_t manager;
        uint64_t models[_MODEL_MAX];
} ChangeSet;

/* Compute every value from one probe. LAST_REFRESH_USEC is CLOCK_REALTIME. */
void property_values_build(PropertyValues *pv, const HostFacts *f, const HostVerdict *v,
                           uint64_t last_refresh_usec);
void property_values_clear(PropertyValues *pv);

/* Replace OLD's values with NEW's (NEW is emptied) and record in CHANGES what
 * differs. Values marked PROPERTY_CONST keep their first value: the CPU does not
 * change under a running daemon, and a const property must never change. */
void property_values_update(PropertyValues *old, PropertyValues *new_values, ChangeSet *changes);

