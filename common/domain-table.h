/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The running domains, kept so that one domain starting or stopping costs the
 * same with 5,000 domains as with none (issue 17): found by UUID in a hash,
 * kept in name order in a balanced tree (listings and reports read them in
 * that order without sorting), and counted per guest model as they come and
 * go, so slot accounting never walks the table.
 */

#include <glib.h>
#include <stdbool.h>

#include "model-table.h"

/* A running libvirt domain. */
typedef struct {
        char *name, *uuid;
        Model model;                /* MODEL_NONE without <launchSecurity>, MODEL_OTHER for s390-pv, tdx, ... */
} RunningDomain;

void running_domain_free(RunningDomain *d);

typedef struct DomainTable DomainTable;

/* Create with domain_table_new(); free with domain_table_free(). */
DomainTable *domain_table_new(void);
void domain_table_free(DomainTable *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DomainTable, domain_table_free)
/* A table of its own with the same domains (O(n): for a new HostState only). */
DomainTable *domain_table_copy(const DomainTable *t);

/* Adds D (taken) as one more domain, whatever its UUID: a probe's listing, where
 * two snapshot files may name one UUID, or none, and each still holds a slot. */
void domain_table_append(DomainTable *t, RunningDomain *d);

/* Sets the domain with D's UUID to D (taken; its uuid must be set). Returns
 * whether the table changed; *OLD (may be NULL) receives the entry it replaced,
 * or NULL (free it with running_domain_free()). */
bool domain_table_put(DomainTable *t, RunningDomain *d, RunningDomain **old);

/* Removes the domain with UUID. Returns it (the caller frees it), or NULL. */
RunningDomain *domain_table_take(DomainTable *t, const char *uuid);

const RunningDomain *domain_table_lookup(const DomainTable *t, const char *uuid);
void domain_table_clear(DomainTable *t);

guint domain_table_size(const DomainTable *t);
/* How many domains of model M (MODEL_NONE, MODEL_OTHER too; kept as they come and go: O(1)). */
guint domain_table_count(const DomainTable *t, Model m);
/* Domains with some <launchSecurity> (every model but MODEL_NONE). */
guint domain_table_encrypted(const DomainTable *t);

/* The domains in name order (then UUID):
 *     DomainTableIter it;
 *     domain_table_iter_init(&it, t);
 *     for (const RunningDomain *d; (d = domain_table_iter_next(&it));) ... */
typedef struct {
        GSequenceIter *pos;
} DomainTableIter;
void domain_table_iter_init(DomainTableIter *it, const DomainTable *t);
const RunningDomain *domain_table_iter_next(DomainTableIter *it);

/* What changed from OLD to NEW, in name order: FUNC(domain, false) for each domain
 * that is gone (or changed), then FUNC(domain, true) for its replacement; O(n),
 * for a whole new listing (a snapshot read again) only. */
typedef void (*DomainChangeFunc)(const RunningDomain *d, bool started, void *userdata);
void domain_table_diff(const DomainTable *old, const DomainTable *new_table, DomainChangeFunc func, void *userdata);
