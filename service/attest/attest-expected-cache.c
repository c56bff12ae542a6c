/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Expected measurements by the identity of their inputs: the key names each
 * file by device, inode, size, modification and change time (ctime cannot be
 * set back by a file's owner, so rewriting a file and restoring its mtime still
 * misses), plus every other input. A hit costs an open and an fstat per file,
 * never a read. Bounded: when full it starts again empty (entries are small,
 * and a host has few firmware and kernel combinations).
 */
#include "attest-expected-cache.h"

#define CACHE_ENTRIES_MAX 64u

struct ExpectedCache {
        GMutex lock;
        GHashTable *entries;            /* key -> ExpectedCacheEntry* */
        uint64_t computed;
};

static void entry_free(void *p) {
        ExpectedCacheEntry *e = p;

        g_free(e->digest);
        for (size_t i = 0; i < G_N_ELEMENTS(e->sha256); i++)
                g_free(e->sha256[i]);
        g_free(e);
}

ExpectedCache *expected_cache_new(void) {
        ExpectedCache *c = g_new0(ExpectedCache, 1);

        g_mutex_init(&c->lock);
        c->entries = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, entry_free);
        return c;
}

void expected_cache_free(ExpectedCache *c) {
        if (!c)
                return;
        g_hash_table_unref(c->entries);
        g_mutex_clear(&c->lock);
        g_free(c);
}

uint64_t expected_cache_computed(ExpectedCache *c) {
        g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&c->lock);

        return c->computed;
}

void expected_cache_key_file(GString *key, const char *role, const struct stat *st) {
        g_string_append_printf(key, "|%s:%ju:%ju:%jd:%jd.%09ld:%jd.%09ld", role, (uintmax_t) st->st_dev,
                               (uintmax_t) st->st_ino, (intmax_t) st->st_size, (intmax_t) st->st_mtim.tv_sec,
                               st->st_mtim.tv_nsec, (intmax_t) st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

bool expected_cache_lookup(ExpectedCache *c, const char *key, ExpectedCacheEntry *ret) {
        const ExpectedCacheEntry *e;

        if (!c)
                return false;
        g_mutex_lock(&c->lock);
        e = g_hash_table_lookup(c->entries, key);
        if (e) {
                ret->digest = g_strdup(e->digest);
                for (size_t i = 0; i < G_N_ELEMENTS(e->sha256); i++)
                        ret->sha256[i] = g_strdup(e->sha256[i]);
        }
        g_mutex_unlock(&c->lock);
        return e != NULL;
}

void expected_cache_store(ExpectedCache *c, const char *key, const ExpectedCacheEntry *entry) {
        ExpectedCacheEntry *e;

        if (!c)
                return;
        e = g_new0(ExpectedCacheEntry, 1);
        e->digest = g_strdup(entry->digest);
        for (size_t i = 0; i < G_N_ELEMENTS(e->sha256); i++)
                e->sha256[i] = g_strdup(entry->sha256[i]);
        g_mutex_lock(&c->lock);
        c->computed++;
        if (g_hash_table_size(c->entries) >= CACHE_ENTRIES_MAX)
                g_hash_table_remove_all(c->entries);
        g_hash_table_replace(c->entries, g_strdup(key), e);
        g_mutex_unlock(&c->lock);
}

void expected_cache_entry_clear(ExpectedCacheEntry *e) {
        g_clear_pointer(&e->digest, g_free);
        for (size_t i = 0; i < G_N_ELEMENTS(e->sha256); i++)
                g_clear_pointer(&e->sha256[i], g_free);
}
