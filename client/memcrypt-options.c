/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmemcrypt: MemcryptOptions, the a{sv} option dictionaries of
 * GenerateLaunchSecurity(), ConfigureDomain() and ValidateDomain(). The
 * library sends whatever keys it is given: the service knows which keys and
 * types each method takes, and refuses the rest with a message naming them.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memcrypt-internal.h"

typedef struct {
        char *key;
        char type;              /* 't', 'b' or 's' */
        union {
                uint64_t u64;
                int boolean;    /* sd-bus reads and writes 'b' as int */
                char *string;
        };
} Option;

struct MemcryptOptions {
        Option *entries;
        size_t n;
};

int memcrypt_options_new(MemcryptOptions **ret) {
        MemcryptOptions *o;

        if (!ret)
                return -EINVAL;

        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        *ret = o;
        return 0;
}

static void option_clear(Option *e) {
        free(e->key);
        if (e->type == 's')
                free(e->string);
}

MemcryptOptions *memcrypt_options_free(MemcryptOptions *o) {
        if (!o)
                return NULL;

        for (size_t i = 0; i < o->n; i++)
                option_clear(&o->entries[i]);
        free(o->entries);
        free(o);
        return NULL;
}

/* The entry of KEY, emptied for a new value (a new one at the end if KEY is not set yet). */
static int options_slot(MemcryptOptions *o, const char *key, Option **ret) {
        Option *grown;
        char *copy;

        for (size_t i = 0; i < o->n; i++)
                if (strcmp(o->entries[i].key, key) == 0) {
                        if (o->entries[i].type == 's')
                                free(o->entries[i].string);
                        o->entries[i].string = NULL;
                        *ret = &o->entries[i];
                        return 0;
                }

        copy = strdup(key);
        if (!copy)
                return -ENOMEM;
        grown = realloc(o->entries, (o->n + 1) * sizeof(Option));
        if (!grown) {
                free(copy);
                return -ENOMEM;
        }
        o->entries = grown;
        *ret = &o->entries[o->n++];
        **ret = (Option) { .key = copy };
        return 0;
}

int memcrypt_options_set_uint64(MemcryptOptions *o, const char *key, uint64_t value) {
        Option *e;
        int r;

        if (!o || !key)
                return -EINVAL;

        r = options_slot(o, key, &e);
        if (r < 0)
                return r;
        e->type = 't';
        e->u64 = value;
        return 0;
}

int memcrypt_options_set_bool(MemcryptOptions *o, const char *key, bool value) {
        Option *e;
        int r;

        if (!o || !key)
                return -EINVAL;

        r = options_slot(o, key, &e);
        if (r < 0)
                return r;
        e->type = 'b';
        e->boolean = value;
        return 0;
}

int memcrypt_options_set_string(MemcryptOptions *o, const char *key, const char *value) {
        char *copy;
        Option *e;
        int r;

        if (!o || !key || !value)
                return -EINVAL;

        /* Copied first, so a failure leaves an earlier value of KEY as it was. */
        copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        r = options_slot(o, key, &e);
        if (r < 0) {
                free(copy);
                return r;
        }
        e->type = 's';
        e->string = copy;
        return 0;
}

static int append_option(sd_bus_message *m, const Option *e) {
        const char contents[2] = { e->type, 0 };
        const void *value = e->type == 't' ? (const void *) &e->u64 :
                            e->type == 'b' ? (const void *) &e->boolean : (const void *) e->string;
        int r;

        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r < 0)
                return r;
        r = sd_bus_message_append_basic(m, 's', e->key);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'v', contents);
        if (r < 0)
                return r;
        r = sd_bus_message_append_basic(m, e->type, value);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

int client_append_options(sd_bus_message *m, const MemcryptOptions *options) {
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;

        for (size_t i = 0; options && i < options->n; i++) {
                r = append_option(m, &options->entries[i]);
                if (r < 0)
                        return r;
        }

        return sd_bus_message_close_container(m);
}
