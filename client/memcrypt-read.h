/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading the service's replies into libmemcrypt's structs: string vectors, arrays of string
 * structs, a{sv} dictionaries through a table of keys and fields. Never installed. */

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "memcrypt/memcrypt.h"

/* Reads one string of basic TYPE ('s', 'o') and copies it into *RET. Failures are remembered on C
 * (NULL: by the caller). */
int client_read_string(MemcryptClient *c, sd_bus_message *m, char type, char **ret);

/* Appends S (taken; NULL is -ENOMEM) to the NULL-terminated vector *L of *N strings. */
int client_strv_push(char ***l, size_t *n, char *s);

/* Reads an "as" into a NULL-terminated vector, empty rather than NULL for an empty array. */
int client_read_strv(sd_bus_message *m, char ***ret);

/* A table of a{sv} keys (or properties) and the fields they fill, in the shape of
 * systemd's bus_map_all_properties (internal to systemd, so re-implemented). */
typedef int (*PropSetter)(sd_bus_message *m, void *field, size_t *count);

typedef struct {
        const char *member;
        const char *signature;
        PropSetter set;
        size_t offset;
        size_t count_offset;    /* for arrays of structs: where their number goes */
} PropMap;

/* Setters for PropMap: a copied string, a string vector, an a{ss} as a key, value, ... vector,
 * b, u, t. */
int client_set_string(sd_bus_message *m, void *field, size_t *count);
int client_set_strv(sd_bus_message *m, void *field, size_t *count);
int client_set_pairs(sd_bus_message *m, void *field, size_t *count);
int client_set_bool(sd_bus_message *m, void *field, size_t *count);
int client_set_u32(sd_bus_message *m, void *field, size_t *count);
int client_set_u64(sd_bus_message *m, void *field, size_t *count);

/* Reads an a{sv} from M into BASE through MAP: unknown keys are skipped, strings and string
 * vectors not sent read as "" and { NULL }, a known key of another signature is -EBADMSG
 * ("KIND OWNER.KEY has signature ..."). *RET_SEEN (may be NULL) gets bit i set for each
 * MAP[i] (i < 64) that was present. Failures are remembered on C. */
int client_read_dict(MemcryptClient *c, sd_bus_message *m, const PropMap *map, void *base, const char *kind,
                     const char *owner, uint64_t *ret_seen);

/* Sets the strings and string vectors (also of pairs) of BASE that MAP fills and that are still NULL to "" and
 * { NULL } (what client_read_dict() does for keys not sent; also for a whole dict not sent). */
int client_dict_defaults(const PropMap *map, void *base);

/* Frees the strings and string vectors of BASE that MAP's client_set_string, client_set_strv and
 * client_set_pairs entries fill (the fields are left dangling): the *_free() of a struct client_read_dict() filled. */
void client_dict_clear(const PropMap *map, void *base);

/* Reads an array of structs of N_STRINGS strings (CONTENTS, e.g. "(sss)") into a new array
 * of ELEMENT_SIZE-byte structs made of exactly N_STRINGS char* fields (MemcryptDomain,
 * MemcryptReason, MemcryptCheck); RET points to the caller's pointer of that type. Failures are remembered on C (NULL: by the caller). */
int client_read_string_structs(MemcryptClient *c, sd_bus_message *m, const char *contents, size_t n_strings,
                               size_t element_size, void *ret, size_t *ret_n);

/* Frees N elements of ARRAY as client_read_string_structs() made them, and ARRAY; NULL fields are
 * allowed (the public *_free() of MemcryptCheck and MemcryptFinding arrays). */
void client_free_string_structs(void *array, size_t n, size_t n_strings, size_t element_size);
