/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "domain-table.h"

/* A count for each model, then for guests without <launchSecurity> and with another technology's. */
#define COUNT_NONE _MODEL_MAX
#define COUNT_OTHER (_MODEL_MAX + 1)
#define COUNTS (_MODEL_MAX + 2)

typedef struct {
        RunningDomain *domain;
        char *key;                      /* the UUID, or a key of its own for an appended domain */
        GSequenceIter *pos;             /* in DomainTable.by_name */
} Entry;

struct DomainTable {
        GHashTable *by_key;             /* key -> Entry* (owned) */
        GSequence *by_name;             /* Entry*, in name then UUID order */
        guint count[COUNTS];
        guint64 next_key;               /* for appended domains */
};

void running_domain_free(RunningDomain *d) {
        if (!d)
                return;
        g_free(d->name);
        g_free(d->uuid);
        g_free(d);
}

static void entry_free(Entry *e) {
        running_domain_free(e->domain);
        g_free(e->key);
        g_free(e);
}

static int compare_entries(gconstpointer a, gconstpointer b, gpointer unused) {
        const RunningDomain *x = ((const Entry *) a)->domain, *y = ((const Entry *) b)->domain;
        int r = g_strcmp0(x->name, y->name);

        if (r == 0)
                r = g_strcmp0(x->uuid, y->uuid);
        if (r == 0)
                r = strcmp(((const Entry *) a)->key, ((const Entry *) b)->key);
        return r;
}

static guint model_index(Model m) {
        return model_valid(m) ? (guint) m : m == MODEL_NONE ? COUNT_NONE : COUNT_OTHER;
}

DomainTable *domain_table_new(void) {
        DomainTable *t = g_new0(DomainTable, 1);

        t->by_key = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) entry_free);
        t->by_name = g_sequence_new(NULL);
        return t;
}

void domain_table_free(DomainTable *t) {
        if (!t)
                return;
        g_sequence_free(t->by_name);
        g_hash_table_unref(t->by_key);
        g_free(t);
}

static void insert(DomainTable *t, RunningDomain *d, char *key) {
        Entry *e = g_new0(Entry, 1);

        e->domain = d;
        e->key = key;
        e->pos = g_sequence_insert_sorted(t->by_name, e, compare_entries, NULL);
        g_hash_table_insert(t->by_key, e->key, e);
        t->count[model_index(d->model)]++;
}

/* Unlinks E and returns its domain; E is gone. */
static RunningDomain *unlink_entry(DomainTable *t, Entry *e) {
        RunningDomain *d = g_steal_pointer(&e->domain);

        t->count[model_index(d->model)]--;
        g_sequence_remove(e->pos);
        g_hash_table_remove(t->by_key, e->key);
        return d;
}

DomainTable *domain_table_copy(const DomainTable *t) {
        DomainTable *copy = domain_table_new();

        for (GSequenceIter *i = g_sequence_get_begin_iter(t->by_name); !g_sequence_iter_is_end(i);
             i = g_sequence_iter_next(i)) {
                const Entry *e = g_sequence_get(i);
                RunningDomain *d = g_new0(RunningDomain, 1);

                *d = (RunningDomain) { g_strdup(e->domain->name), g_strdup(e->domain->uuid), e->domain->model };
                insert(copy, d, g_strdup(e->key));
        }
        copy->next_key = t->next_key;
        return copy;
}

void domain_table_append(DomainTable *t, RunningDomain *d) {
        /* '#' never starts a UUID, so an appended key cannot collide with a put one. */
        insert(t, d, g_strdup_printf("#%" G_GUINT64_FORMAT, t->next_key++));
}

bool domain_table_put(DomainTable *t, RunningDomain *d, RunningDomain **old) {
        Entry *e = g_hash_table_lookup(t->by_key, d->uuid);
        RunningDomain *was = NULL;

        g_return_val_if_fail(d->uuid, false);
        if (old)
                *old = NULL;
        if (e && e->domain->model == d->model && g_strcmp0(e->domain->name, d->name) == 0) {
                running_domain_free(d);
                return false;
        }
        if (e)
                was = unlink_entry(t, e);
        insert(t, d, g_strdup(d->uuid));
        if (old)
                *old = was;
        else
                running_domain_free(was);
        return true;
}

RunningDomain *domain_table_take(DomainTable *t, const char *uuid) {
        Entry *e = uuid ? g_hash_table_lookup(t->by_key, uuid) : NULL;

        return e ? unlink_entry(t, e) : NULL;
}

const RunningDomain *domain_table_lookup(const DomainTable *t, const char *uuid) {
        const Entry *e = uuid ? g_hash_table_lookup(t->by_key, uuid) : NULL;

        return e ? e->domain : NULL;
}

void domain_table_clear(DomainTable *t) {
        g_sequence_remove_range(g_sequence_get_begin_iter(t->by_name), g_sequence_get_end_iter(t->by_name));
        g_hash_table_remove_all(t->by_key);
        memset(t->count, 0, sizeof(t->count));
}

guint domain_table_size(const DomainTable *t) {
        return g_hash_table_size(t->by_key);
}

guint domain_table_count(const DomainTable *t, Model g) {
        return t->count[model_index(g)];
}

guint domain_table_encrypted(const DomainTable *t) {
        return domain_table_size(t) - t->count[COUNT_NONE];
}

void domain_table_iter_init(DomainTableIter *it, const DomainTable *t) {
        it->pos = g_sequence_get_begin_iter(t->by_name);
}

const RunningDomain *domain_table_iter_next(DomainTableIter *it) {
        const Entry *e;

        if (g_sequence_iter_is_end(it->pos))
                return NULL;
        e = g_sequence_get(it->pos);
        it->pos = g_sequence_iter_next(it->pos);
        return e->domain;
}

static int compare_domains(const RunningDomain *x, const RunningDomain *y) {
        int r = g_strcmp0(x->name, y->name);

        return r ? r : g_strcmp0(x->uuid, y->uuid);
}

void domain_table_diff(const DomainTable *old, const DomainTable *new_table, DomainChangeFunc func, void *userdata) {
        DomainTableIter a, b;
        const RunningDomain *x, *y;

        domain_table_iter_init(&a, old);
        domain_table_iter_init(&b, new_table);
        x = domain_table_iter_next(&a);
        y = domain_table_iter_next(&b);
        while (x || y) {
                int r = !x ? 1 : !y ? -1 : compare_domains(x, y);

                if (r == 0 && x->model == y->model) {
                        x = domain_table_iter_next(&a);
                        y = domain_table_iter_next(&b);
                        continue;
                }
                if (r <= 0) {
                        func(x, false, userdata);
                        x = domain_table_iter_next(&a);
                }
                if (r >= 0) {
                        func(y, true, userdata);
                        y = domain_table_iter_next(&b);
                }
        }
}
