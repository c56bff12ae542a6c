/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The value of every bus property (common/schema.h), computed once per refresh as GVariants
 * (bus-free, so tests and the change detection need no sd-bus). Getters
 * marshal the cached value; a refresh diffs old against new values to know
 * exactly which PropertiesChanged to emit.
 */

#include <glib.h>

#include "facts.h"
#include "schema.h"
#include "verdict.h"

typedef struct {
        GVariant *manager[_MANAGER_PROPERTY_MAX];
        GVariant *models[_MODEL_MAX][_MODEL_PROPERTY_MAX];
} PropertyValues;

/* Bitmasks of ManagerProperty / ModelProperty that differ between two sets of values. */
typedef struct {
        uint64_t manager;
        uint64_t models[_MODEL_MAX];
} ChangeSet;

/* Compute every value (but the PROPERTY_EXPLICIT ones) from one probe. LAST_REFRESH_USEC is CLOCK_REALTIME. */
void property_values_build(PropertyValues *pv, const HostFacts *f, const HostVerdict *v,
                           uint64_t last_refresh_usec);
void property_values_clear(PropertyValues *pv);

/* Replace OLD's values with NEW's (NEW is emptied) and record in CHANGES what
 * differs. Values marked PROPERTY_CONST keep their first value: the CPU does not
 * change under a running daemon, and a const property must never change. */
void property_values_update(PropertyValues *old, PropertyValues *new_values, ChangeSet *changes);

/* PROPERTY_EXPLICIT values (EncryptedDomains) grow with the host: they have no
 * value here, nor are they compared on every refresh; the bus writes them from
 * the domain table when asked, and nothing of them is kept between calls. */

/* (name, uuid, model) of D, as the guest signals carry it (floating). */
GVariant *property_domain_value(const RunningDomain *d);

