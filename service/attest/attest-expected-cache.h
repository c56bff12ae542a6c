/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The expected measurements already computed, for attest-expected.c; thread-safe (worker threads). */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

typedef struct ExpectedCache ExpectedCache;

ExpectedCache *expected_cache_new(void);
void expected_cache_free(ExpectedCache *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ExpectedCache, expected_cache_free)

/* How many digests were computed from the files (each a cache miss); for tests and the log. */
uint64_t expected_cache_computed(ExpectedCache *c);

typedef enum {
        EXPECTED_FILE_FIRMWARE,
        EXPECTED_FILE_KERNEL,
        EXPECTED_FILE_INITRD,
        _EXPECTED_FILE_MAX,
} ExpectedFileRole;

typedef struct {
        char *digest;                           /* lowercase hex */
        char *sha256[_EXPECTED_FILE_MAX];       /* each file's, NULL for a file not measured */
} ExpectedCacheEntry;

void expected_cache_entry_clear(ExpectedCacheEntry *e);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ExpectedCacheEntry, expected_cache_entry_clear)

/* Appends the identity of the file ST under ROLE to KEY. */
void expected_cache_key_file(GString *key, const char *role, const struct stat *st);

/* A copy of KEY's entry into *RET; false when there is none (or C is NULL). */
bool expected_cache_lookup(ExpectedCache *c, const char *key, ExpectedCacheEntry *ret);
/* Keeps a copy of ENTRY under KEY and counts one computation. */
void expected_cache_store(ExpectedCache *c, const char *key, const ExpectedCacheEntry *entry);
