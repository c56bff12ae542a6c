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

static void option_clear_value(Option *e) {
        if (e->type == 's')
                free(e->string);
}

static void option_clear(Option *e) {
        free(e->key);
        option_clear_value(e);
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

/* VALUE (its type and value; its key is ignored) under KEY, replacing an earlier value of KEY,
 * else at the end. A string VALUE is taken only on success. */
static int options_put(MemcryptOptions *o, const char *key, Option value) {
        Option *grown;

        if (!o || !key)
                return -EINVAL;
        for (size_t i = 0; i < o->n; i++)
                if (strcmp(o->entries[i].key, key) == 0) {
                        value.key = o->entries[i].key;
                        option_clear_value(&o->entries[i]);
                        o->entries[i] = value;
                        return 0;
                }

        value.key = strdup(key);
        if (!value.key)
                return -ENOMEM;
        grown = realloc(o->entries, (o->n + 1) * sizeof(Option));
        if (!grown) {
                free(value.key);
                return -ENOMEM;
        }
        o->entries = grown;
        o->entries[o->n++] = value;
        return 0;
}

int memcrypt_options_set_uint64(MemcryptOptions *o, const char *key, uint64_t value) {
        return options_put(o, key, (Option) { .type = 't', .u64 = value });
}

int memcrypt_options_set_bool(MemcryptOptions *o, const char *key, bool value) {
        return options_put(o, key, (Option) { .type = 'b', .boolean = value });
}

int memcrypt_options_set_string(MemcryptOptions *o, const char *key, const char *value) {
        char *copy;
        int r;

        if (!o || !key || !value)
                return -EINVAL;

        /* Copied first, so a failure leaves an earlier value of KEY as it was. */
        copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        r = options_put(o, key, (Option) { .type = 's', .string = copy });
        if (r < 0)
                free(copy);
        return r;
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
