/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmemcrypt: typed structs from one org.freedesktop.DBus.Properties.GetAll each.
 *
 * A table maps each member to its signature, a setter and the offset of its
 * field (the shape of systemd's bus_map_all_properties, re-implemented: that
 * one is internal). Properties the table does not know are skipped, so the
 * service can add some without breaking older clients; a known property with
 * another signature is an error, since a silent zero would be a wrong answer.
 */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "memcrypt-fields.h"
#include "memcrypt-internal.h"
#include "memcrypt-read.h"

/* The arrays of structs of strings alone, as client_read_string_structs() reads them. */
#define DOMAIN_STRINGS 3        /* name, uuid, model */
#define REASON_STRINGS 4        /* code, severity, message, hint */
_Static_assert(sizeof(MemcryptDomain) == DOMAIN_STRINGS * sizeof(char *), "MemcryptDomain is its strings");
_Static_assert(sizeof(MemcryptReason) == REASON_STRINGS * sizeof(char *), "MemcryptReason is its strings");

/* An array of structs of N_STRINGS strings (CONTENTS) into the array at FIELD and *COUNT, the one
 * there before freed. */
static int set_string_structs(sd_bus_message *m, void *field, size_t *count, const char *contents,
                              size_t n_strings, size_t element_size) {
        void *array, *old;
        size_t n;
        int r;

        r = client_read_string_structs(NULL, m, contents, n_strings, element_size, &array, &n);
        if (r < 0)
                return r;
        memcpy(&old, field, sizeof(old));       /* FIELD is a MemcryptDomain * or MemcryptReason * */
        client_free_string_structs(old, *count, n_strings, element_size);
        memcpy(field, &array, sizeof(array));
        *count = n;
        return 0;
}

static int set_domains(sd_bus_message *m, void *field, size_t *count) {
        return set_string_structs(m, field, count, "(sss)", DOMAIN_STRINGS, sizeof(MemcryptDomain));
}

static int set_reasons(sd_bus_message *m, void *field, size_t *count) {
        return set_string_structs(m, field, count, "(ssss)", REASON_STRINGS, sizeof(MemcryptReason));
}

/* The PropMap rows from common/schema.h: each kind's setter, and for arrays of structs where their
 * number goes (n_FIELD). */
#define SET_STRING  client_set_string
#define SET_BOOL    client_set_bool
#define SET_U32     client_set_u32
#define SET_U64     client_set_u64
#define SET_POLICY  client_set_u64
#define SET_STRV    client_set_strv
#define SET_REASONS set_reasons
#define SET_DOMAINS set_domains
#define COUNT_STRING(type, field)  0
#define COUNT_BOOL(type, field)    0
#define COUNT_U32(type, field)     0
#define COUNT_U64(type, field)     0
#define COUNT_POLICY(type, field)  0
#define COUNT_STRV(type, field)    0
#define COUNT_REASONS(type, field) offsetof(type, n_##field)
#define COUNT_DOMAINS(type, field) offsetof(type, n_##field)
#define MAP_ROW(type, field, name, kind) \
        { name, SCHEMA_SIG_##kind, SET_##kind, offsetof(type, field), COUNT_##kind(type, field) },
#define HOST_ROW(id, field, name, kind, ...) MAP_ROW(MemcryptHost, field, name, kind)
#define MODEL_ROW(id, field, name, kind, ...) MAP_ROW(MemcryptModel, field, name, kind)

static const PropMap host_map[] = { MANAGER_PROPERTIES(HOST_ROW) {} };
static const PropMap model_map[] = { MODEL_PROPERTIES(MODEL_ROW) {} };

/* What each kind's field owns. */
#define FREE_STRING(o, field)  free((o)->field);
#define FREE_BOOL(o, field)
#define FREE_U32(o, field)
#define FREE_U64(o, field)
#define FREE_POLICY(o, field)
#define FREE_STRV(o, field)    strv_free((o)->field);
#define FREE_REASONS(o, field) \
        client_free_string_structs((o)->field, (o)->n_##field, REASON_STRINGS, sizeof(MemcryptReason));
#define FREE_DOMAINS(o, field) \
        client_free_string_structs((o)->field, (o)->n_##field, DOMAIN_STRINGS, sizeof(MemcryptDomain));
#define HOST_FREE(id, field, name, kind, ...) FREE_##kind(h, field)
#define MODEL_FREE(id, field, name, kind, ...) FREE_##kind(m, field)

static void host_clear(void *p) {
        MemcryptHost *h = p;

        MANAGER_PROPERTIES(HOST_FREE)
}

static void model_clear(void *p) {
        MemcryptModel *m = p;

        MODEL_PROPERTIES(MODEL_FREE)
}

/* A new struct of SIZE bytes from GetAll of INTERFACE at PATH through MAP, and MORE (may be NULL)
 * to read the rest, into the caller's pointer at RET; on failure CLEAR frees what was read.
 * Failures are remembered on C. */
static int get_all(MemcryptClient *c, const char *path, const char *interface, const PropMap *map, size_t size,
                   int (*more)(MemcryptClient *c, void *base), void (*clear)(void *base), void *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        void *base;
        int r;

        base = calloc(1, size);
        if (!base)
                return client_set_error(c, NULL, -ENOMEM);

        r = client_call(c, path, "org.freedesktop.DBus.Properties", "GetAll", NULL, &reply, "s", interface);
        if (r >= 0)
                r = client_read_dict(c, reply, map, base, "Property", interface, NULL);
        if (r >= 0 && more)
                r = more(c, base);
        if (r < 0) {
                clear(base);
                free(base);
                return r;
        }
        memcpy(ret, &base, sizeof(base));       /* RET is a MemcryptHost ** or MemcryptModel ** */
        return 0;
}

/* EncryptedDomains grows with the host, so GetAll leaves it out: ask for the list itself. A
 * memcryptd before ListEncryptedDomains sent it in GetAll, which filled it already. */
static int get_encrypted_domains(MemcryptClient *c, void *base) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        MemcryptHost *h = base;
        int r;

        r = client_call(c, MEMCRYPT_MANAGER_PATH, MEMCRYPT_MANAGER_INTERFACE, "ListEncryptedDomains", NULL, &reply,
                        "s", "");
        if (r < 0 && memcrypt_client_error_name(c) &&
            strcmp(memcrypt_client_error_name(c), SD_BUS_ERROR_UNKNOWN_METHOD) == 0) {
                client_reset_error(c);
                return 0;
        }
        if (r < 0)
                return r;
        r = set_domains(reply, &h->encrypted_domains, &h->n_encrypted_domains);
        return r < 0 ? client_set_error(c, NULL, r) : 0;
}

int memcrypt_get_host(MemcryptClient *c, MemcryptHost **ret) {
        if (!c || !ret)
                return -EINVAL;
        client_reset_error(c);

        return get_all(c, MEMCRYPT_MANAGER_PATH, MEMCRYPT_MANAGER_INTERFACE, host_map, sizeof(MemcryptHost),
                       get_encrypted_domains, host_clear, ret);
}

MemcryptHost *memcrypt_host_free(MemcryptHost *h) {
        if (h)
                host_clear(h);
        free(h);
        return NULL;
}

int memcrypt_get_model(MemcryptClient *c, const char *model, MemcryptModel **ret) {
        _cleanup_(freep) char *path = NULL;
        int r;

        if (!c || !model || !ret)
                return -EINVAL;

        /* The service owns the name -> path mapping, and answers UnknownModel for a name
         * it does not know (a GetAll on a made-up path would only say UnknownObject). */
        r = memcrypt_get_model_path(c, model, &path);
        if (r < 0)
                return r;

        return get_all(c, path, MEMCRYPT_MODEL_INTERFACE, model_map, sizeof(MemcryptModel), NULL, model_clear, ret);
}

MemcryptModel *memcrypt_model_free(MemcryptModel *m) {
        if (m)
                model_clear(m);
        free(m);
        return NULL;
}
