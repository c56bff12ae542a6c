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

static void domains_free(MemcryptDomain *d, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(d[i].name);
                free(d[i].uuid);
                free(d[i].model);
        }
        free(d);
}

static void reasons_free(MemcryptReason *r, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(r[i].code);
                free(r[i].severity);
                free(r[i].message);
                free(r[i].hint);
        }
        free(r);
}

static int set_domains(sd_bus_message *m, void *field, size_t *count) {
        MemcryptDomain **p = field;
        void *array;
        size_t n;
        int r;

        r = client_read_string_structs(NULL, m, "(sss)", 3, sizeof(MemcryptDomain), &array, &n);
        if (r < 0)
                return r;
        domains_free(*p, *count);
        *p = array;
        *count = n;
        return 0;
}

static int set_reasons(sd_bus_message *m, void *field, size_t *count) {
        MemcryptReason **p = field;
        void *array;
        size_t n;
        int r;

        r = client_read_string_structs(NULL, m, "(ssss)", 4, sizeof(MemcryptReason), &array, &n);
        if (r < 0)
                return r;
        reasons_free(*p, *count);
        *p = array;
        *count = n;
        return 0;
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
#define FREE_REASONS(o, field) reasons_free((o)->field, (o)->n_##field);
#define FREE_DOMAINS(o, field) domains_free((o)->field, (o)->n_##field);
#define HOST_FREE(id, field, name, kind, ...) FREE_##kind(h, field)
#define MODEL_FREE(id, field, name, kind, ...) FREE_##kind(m, field)

static int get_all(MemcryptClient *c, const char *path, const char *interface,
                   const PropMap *map, void *base) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = client_call(c, path, "org.freedesktop.DBus.Properties", "GetAll", NULL, &reply, "s", interface);
        if (r < 0)
                return r;
        return client_read_dict(c, reply, map, base, "Property", interface, NULL);
}

/* EncryptedDomains grows with the host, so GetAll leaves it out: ask for the list itself. A
 * memcryptd before ListEncryptedDomains sent it in GetAll, which filled it already. */
static int get_encrypted_domains(MemcryptClient *c, MemcryptHost *h) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
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
        MemcryptHost *h;
        int r;

        if (!c || !ret)
                return -EINVAL;
        client_reset_error(c);

        h = calloc(1, sizeof(*h));
        if (!h)
                return client_set_error(c, NULL, -ENOMEM);

        r = get_all(c, MEMCRYPT_MANAGER_PATH, MEMCRYPT_MANAGER_INTERFACE, host_map, h);
        if (r >= 0)
                r = get_encrypted_domains(c, h);
        if (r < 0) {
                memcrypt_host_free(h);
                return r;
        }

        *ret = h;
        return 0;
}

MemcryptHost *memcrypt_host_free(MemcryptHost *h) {
        if (!h)
                return NULL;

        MANAGER_PROPERTIES(HOST_FREE)
        free(h);
        return NULL;
}

int memcrypt_get_model(MemcryptClient *c, const char *model, MemcryptModel **ret) {
        _cleanup_(freep) char *path = NULL;
        MemcryptModel *m;
        int r;

        if (!c || !model || !ret)
                return -EINVAL;

        /* The service owns the name -> path mapping, and answers UnknownModel for a name
         * it does not know (a GetAll on a made-up path would only say UnknownObject). */
        r = memcrypt_get_model_path(c, model, &path);
        if (r < 0)
                return r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return client_set_error(c, NULL, -ENOMEM);

        r = get_all(c, path, MEMCRYPT_MODEL_INTERFACE, model_map, m);
        if (r < 0) {
                memcrypt_model_free(m);
                return r;
        }

        *ret = m;
        return 0;
}

MemcryptModel *memcrypt_model_free(MemcryptModel *m) {
        if (!m)
                return NULL;

        MODEL_PROPERTIES(MODEL_FREE)
        free(m);
        return NULL;
}
