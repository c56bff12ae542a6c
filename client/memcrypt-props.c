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

int client_set_string(sd_bus_message *m, void *field, size_t *count) {
        char **p = field, *copy;
        const char *s;
        int r;

        r = sd_bus_message_read_basic(m, 's', &s);
        if (r < 0)
                return r;
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        free(*p);
        *p = copy;
        return 0;
}

int client_read_strv(sd_bus_message *m, char ***ret) {
        char **l = NULL;
        int r;

        r = sd_bus_message_read_strv(m, &l);
        if (r < 0)
                return r;
        /* sd-bus gives NULL for an empty array; callers get an empty vector instead. */
        if (!l) {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }
        *ret = l;
        return 0;
}

int client_set_strv(sd_bus_message *m, void *field, size_t *count) {
        char ***p = field, **l;
        int r;

        r = client_read_strv(m, &l);
        if (r < 0)
                return r;
        strv_free(*p);
        *p = l;
        return 0;
}

int client_set_bool(sd_bus_message *m, void *field, size_t *count) {
        int b, r;

        r = sd_bus_message_read_basic(m, 'b', &b);
        if (r < 0)
                return r;
        *(bool *) field = b;
        return 0;
}

int client_set_u32(sd_bus_message *m, void *field, size_t *count) {
        return sd_bus_message_read_basic(m, 'u', field);
}

int client_set_u64(sd_bus_message *m, void *field, size_t *count) {
        return sd_bus_message_read_basic(m, 't', field);
}

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

int client_read_string_structs(sd_bus_message *m, const char *contents, size_t n_strings,
                               size_t element_size, void **ret, size_t *ret_n) {
        _cleanup_(freep) char *inner = strndup(contents + 1, strlen(contents) - 2);   /* "(sss)" -> "sss" */
        char *array = NULL;
        size_t n = 0;
        int r;

        if (!inner)
                return -ENOMEM;

        r = sd_bus_message_enter_container(m, 'a', contents);
        if (r < 0)
                return r;

        for (;;) {
                char *grown, **fields;

                r = sd_bus_message_enter_container(m, 'r', inner);
                if (r < 0)
                        goto fail;
                if (r == 0)
                        break;

                grown = realloc(array, (n + 1) * element_size);
                if (!grown) {
                        r = -ENOMEM;
                        goto fail;
                }
                array = grown;
                fields = (char **) (array + n * element_size);
                memset(fields, 0, element_size);
                n++;

                for (size_t i = 0; i < n_strings; i++) {
                        const char *s;

                        r = sd_bus_message_read_basic(m, 's', &s);
                        if (r < 0)
                                goto fail;
                        fields[i] = strdup(s);
                        if (!fields[i]) {
                                r = -ENOMEM;
                                goto fail;
                        }
                }

                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        goto fail;
        }

        r = sd_bus_message_exit_container(m);
        if (r < 0)
                goto fail;

        *ret = array;
        *ret_n = n;
        return 0;

fail:
        /* Every element is n_strings char* fields, possibly NULL: free them generically. */
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n_strings; j++)
                        free(((char **) (array + i * element_size))[j]);
        free(array);
        return r;
}

static int set_domains(sd_bus_message *m, void *field, size_t *count) {
        MemcryptDomain **p = field;
        void *array;
        size_t n;
        int r;

        r = client_read_string_structs(m, "(sss)", 3, sizeof(MemcryptDomain), &array, &n);
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

        r = client_read_string_structs(m, "(ssss)", 4, sizeof(MemcryptReason), &array, &n);
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

static const PropMap *prop_map_find(const PropMap *map, const char *member) {
        for (const PropMap *p = map; p->member; p++)
                if (strcmp(p->member, member) == 0)
                        return p;
        return NULL;
}

/* One {sv} entry, already entered. */
static int read_entry(MemcryptClient *c, sd_bus_message *m, const PropMap *map, void *base, const char *kind,
                      const char *owner, uint64_t *seen) {
        const PropMap *p;
        const char *member, *contents;
        int r;

        r = sd_bus_message_read_basic(m, 's', &member);
        if (r < 0)
                return client_set_error(c, NULL, r);

        p = prop_map_find(map, member);
        if (!p) {
                r = sd_bus_message_skip(m, "v");
                return r < 0 ? client_set_error(c, NULL, r) : 0;
        }

        r = sd_bus_message_peek_type(m, NULL, &contents);
        if (r < 0)
                return client_set_error(c, NULL, r);
        if (strcmp(contents, p->signature) != 0)
                return client_set_errorf(c, -EBADMSG, SD_BUS_ERROR_INVALID_SIGNATURE,
                                         "%s %s.%s has signature '%s', expected '%s'",
                                         kind, owner, member, contents, p->signature);

        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r >= 0)
                r = p->set(m, (char *) base + p->offset,
                           p->count_offset ? (size_t *) ((char *) base + p->count_offset) : NULL);
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0 && p - map < 64)
                *seen |= UINT64_C(1) << (p - map);
        return r < 0 ? client_set_error(c, NULL, r) : 0;
}

/* Strings and string vectors the service did not send read as "" and { NULL }, so
 * callers never meet a NULL. */
static int fill_defaults(const PropMap *map, void *base) {
        for (const PropMap *p = map; p->member; p++) {
                void **field = (void **) ((char *) base + p->offset);

                if (p->set != client_set_string && p->set != client_set_strv)
                        continue;
                if (*field)
                        continue;
                if (p->set == client_set_string)
                        *field = strdup("");
                else
                        *field = calloc(1, sizeof(char *));
                if (!*field)
                        return -ENOMEM;
        }
        return 0;
}

int client_read_dict(MemcryptClient *c, sd_bus_message *reply, const PropMap *map, void *base, const char *kind,
                     const char *owner, uint64_t *ret_seen) {
        uint64_t seen = 0;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return client_set_error(c, NULL, r);

        for (;;) {
                r = sd_bus_message_enter_container(reply, 'e', "sv");
                if (r < 0)
                        return client_set_error(c, NULL, r);
                if (r == 0)
                        break;

                r = read_entry(c, reply, map, base, kind, owner, &seen);
                if (r < 0)
                        return r;

                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return client_set_error(c, NULL, r);
        }

        r = sd_bus_message_exit_container(reply);
        if (r >= 0)
                r = fill_defaults(map, base);
        if (r >= 0 && ret_seen)
                *ret_seen = seen;
        return r < 0 ? client_set_error(c, NULL, r) : 0;
}

static int get_all(MemcryptClient *c, const char *path, const char *interface,
                   const PropMap *map, void *base) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = client_call(c, path, "org.freedesktop.DBus.Properties", "GetAll", &reply, "s", interface);
        if (r < 0)
                return r;
        return client_read_dict(c, reply, map, base, "Property", interface, NULL);
}

/* EncryptedDomains grows with the host, so GetAll leaves it out: ask for the list itself. A
 * memcryptd before ListEncryptedDomains sent it in GetAll, which filled it already. */
static int get_encrypted_domains(MemcryptClient *c, MemcryptHost *h) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = client_call(c, MEMCRYPT_MANAGER_PATH, MEMCRYPT_MANAGER_INTERFACE, "ListEncryptedDomains", &reply,
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
