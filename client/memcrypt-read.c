/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmemcrypt: reading the service's replies into the library's structs (memcrypt-read.h). */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memcrypt-internal.h"
#include "memcrypt-read.h"

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

int client_read_string(MemcryptClient *c, sd_bus_message *m, char type, char **ret) {
        const char *s;
        char *copy;
        int r;

        r = sd_bus_message_read_basic(m, type, &s);
        if (r < 0)
                return client_set_error(c, NULL, r);
        copy = strdup(s);
        if (!copy)
                return client_set_error(c, NULL, -ENOMEM);
        *ret = copy;
        return 0;
}

int client_strv_push(char ***l, size_t *n, char *s) {
        char **grown;

        if (!s)
                return -ENOMEM;
        grown = realloc(*l, (*n + 2) * sizeof(char *));
        if (!grown) {
                free(s);
                return -ENOMEM;
        }
        *l = grown;
        (*l)[*n] = s;
        (*l)[++*n] = NULL;
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

int client_set_pairs(sd_bus_message *m, void *field, size_t *count) {
        char ***p = field, **l = NULL;
        const char *k, *v;
        size_t n = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{ss}");
        while (r >= 0 && (r = sd_bus_message_read(m, "{ss}", &k, &v)) > 0) {
                r = client_strv_push(&l, &n, strdup(k));
                if (r >= 0)
                        r = client_strv_push(&l, &n, strdup(v));
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0) {
                strv_free(l);
                return r;
        }
        strv_free(*p);
        *p = l ?: calloc(1, sizeof(char *));
        return *p ? 0 : -ENOMEM;
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

void client_free_string_structs(void *array, size_t n, size_t n_strings, size_t element_size) {
        /* Every element is n_strings char* fields, possibly NULL. */
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n_strings; j++)
                        free(((char **) ((char *) array + i * element_size))[j]);
        free(array);
}

/* client_read_string_structs() but for the errors, which the caller remembers. */
static int read_string_structs(sd_bus_message *m, const char *contents, size_t n_strings,
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
        client_free_string_structs(array, n, n_strings, element_size);
        return r;
}

int client_read_string_structs(MemcryptClient *c, sd_bus_message *m, const char *contents, size_t n_strings,
                               size_t element_size, void *ret, size_t *ret_n) {
        void *array;
        int r = read_string_structs(m, contents, n_strings, element_size, &array, ret_n);

        if (r < 0)
                return client_set_error(c, NULL, r);
        memcpy(ret, &array, sizeof(array));     /* *RET is the caller's MemcryptCheck * (or ...) */
        return 0;
}

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

static bool set_makes_strv(PropSetter set) {
        return set == client_set_strv || set == client_set_pairs;
}

/* Strings and string vectors the service did not send read as "" and { NULL }, so
 * callers never meet a NULL. */
int client_dict_defaults(const PropMap *map, void *base) {
        for (const PropMap *p = map; p->member; p++) {
                void **field = (void **) ((char *) base + p->offset);

                if (p->set != client_set_string && !set_makes_strv(p->set))
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

void client_dict_clear(const PropMap *map, void *base) {
        for (const PropMap *p = map; p->member; p++) {
                /* Only string and vector fields hold pointers: reading any other field as one
                 * would load an unaligned or partial value. */
                void **field = (void **) ((char *) base + p->offset);

                if (p->set == client_set_string)
                        free(*field);
                else if (set_makes_strv(p->set))
                        strv_free(*field);
        }
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
                r = client_dict_defaults(map, base);
        if (r >= 0 && ret_seen)
                *ret_seen = seen;
        return r < 0 ? client_set_error(c, NULL, r) : 0;
}
