/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include <string.h>

#include "bus-util.h"
#include "memcrypt-errors.h"
#include "text.h"

static int append_basic(sd_bus_message *m, GVariant *v, char type) {
        union { int b; uint8_t y; int16_t n; uint16_t q; int32_t i; uint32_t u; int64_t x; uint64_t t; double d; } u;

        switch (type) {
        case 'b': u.b = g_variant_get_boolean(v); break;
        case 'y': u.y = g_variant_get_byte(v); break;
        case 'n': u.n = g_variant_get_int16(v); break;
        case 'q': u.q = g_variant_get_uint16(v); break;
        case 'i': u.i = g_variant_get_int32(v); break;
        case 'u': u.u = g_variant_get_uint32(v); break;
        case 'x': u.x = g_variant_get_int64(v); break;
        case 't': u.t = g_variant_get_uint64(v); break;
        case 'd': u.d = g_variant_get_double(v); break;
        case 's': case 'o': case 'g':
                return sd_bus_message_append_basic(m, type, g_variant_get_string(v, NULL));
        default:
                return -EINVAL;  /* handles ('h') cannot be values here */
        }
        return sd_bus_message_append_basic(m, type, &u);
}

static int append_children(sd_bus_message *m, GVariant *v) {
        size_t n = g_variant_n_children(v);
        int r = 0;

        for (size_t i = 0; i < n && r >= 0; i++) {
                GVariant *child = g_variant_get_child_value(v, i);
                r = bus_append_gvariant(m, child);
                g_variant_unref(child);
        }
        return r;
}

static int append_container(sd_bus_message *m, GVariant *v, char container, const char *contents) {
        int r;

        r = sd_bus_message_open_container(m, container, contents);
        if (r < 0)
                return r;
        r = append_children(m, v);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

int bus_append_gvariant(sd_bus_message *m, GVariant *v) {
        const char *type = g_variant_get_type_string(v);
        size_t len = strlen(type);
        g_autofree char *inner = NULL;

        switch (type[0]) {
        case 'a':
                return append_container(m, v, 'a', type + 1);
        case '(':
                inner = g_strndup(type + 1, len - 2);
                return append_container(m, v, 'r', inner);
        case '{':
                inner = g_strndup(type + 1, len - 2);
                return append_container(m, v, 'e', inner);
        case 'v': {
                g_autoptr(GVariant) child = g_variant_get_variant(v);
                int r = sd_bus_message_open_container(m, 'v', g_variant_get_type_string(child));
                if (r >= 0)
                        r = bus_append_gvariant(m, child);
                return r < 0 ? r : sd_bus_message_close_container(m);
        }
        default:
                return append_basic(m, v, type[0]);
        }
}

static GVariant *read_basic(sd_bus_message *m, char type, int *r) {
        union { int b; uint8_t y; int16_t n; uint16_t q; int32_t i; uint32_t u; int64_t x; uint64_t t;
                double d; const char *s; } u = {};

        *r = sd_bus_message_read_basic(m, type, &u);
        if (*r < 0)
                return NULL;
        switch (type) {
        case 'b': return g_variant_new_boolean(u.b);
        case 'y': return g_variant_new_byte(u.y);
        case 'n': return g_variant_new_int16(u.n);
        case 'q': return g_variant_new_uint16(u.q);
        case 'i': return g_variant_new_int32(u.i);
        case 'u': return g_variant_new_uint32(u.u);
        case 'x': return g_variant_new_int64(u.x);
        case 't': return g_variant_new_uint64(u.t);
        case 'd': return g_variant_new_double(u.d);
        case 's': return g_variant_new_string(u.s);
        case 'o': return g_variant_new_object_path(u.s);
        case 'g': return g_variant_new_signature(u.s);
        }
        *r = -EINVAL;   /* 'h' (a file descriptor) has no use as an option */
        return NULL;
}

/* A dictionary that gives KEY twice is refused: which value counts would be a guess (GVariant and
 * GHashTable keep the last, a caller's check may have read the first). */
static int refuse_duplicate(sd_bus_error *error, const char *what, const char *noun, const char *key) {
        g_autofree char *q = utf8_shorten(key, 64, "…");   /* cut on characters: the message must be UTF-8 */

        return sd_bus_error_setf(error, MEMCRYPT_ERROR_INVALID_ARGUMENT, "%s%s '%s' is given more than once.",
                                 what, noun, q);
}

typedef int (*ReadEntryFunc)(sd_bus_message *m, void *userdata, sd_bus_error *error);

/* Reads the array of CONTENTS ("{sv}", "{ss}") at M's position with READ_ENTRY, which reads one entry.
 * More than MAX entries is refused as "More than MAX NOUN given."; READ_ENTRY refuses what else is wrong. */
static int read_array(sd_bus_message *m, const char *contents, size_t max, const char *noun, ReadEntryFunc read_entry,
                      void *userdata, sd_bus_error *error) {
        int r = sd_bus_message_enter_container(m, 'a', contents);

        for (size_t n = 0; r >= 0 && (r = sd_bus_message_at_end(m, false)) == 0; n++) {
                if (n >= max)
                        return sd_bus_error_setf(error, MEMCRYPT_ERROR_INVALID_ARGUMENT, "More than %zu %s given.",
                                                 max, noun);
                r = read_entry(m, userdata, error);
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/* What bus_read_options() has read so far: the a{sv} it builds and the keys it has seen. */
typedef struct {
        GVariantBuilder *b;
        GHashTable *seen;
} OptionsRead;

/* One {sv} entry of an options dictionary: a key given once and a value of a basic type. */
static int read_option(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        OptionsRead *o = userdata;
        const char *key, *contents;
        GVariant *value;
        char type;
        int r;

        r = sd_bus_message_enter_container(m, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_read(m, "s", &key);
        if (r < 0)
                return r;
        if (!g_hash_table_add(o->seen, g_strdup(key)))
                return refuse_duplicate(error, "Option", "", key);
        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (strlen(contents) != 1 || !strchr("bynqiuxtdsog", contents[0])) {
                /* Cut on characters: a message with half a character could not be sent. */
                g_autofree char *q = utf8_shorten(key, 64, "…");
                return sd_bus_error_setf(error, MEMCRYPT_ERROR_INVALID_ARGUMENT,
                                         "Option '%s' has type '%.16s'; options take basic types (b, t, s, ...).",
                                         q, contents);
        }
        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        value = read_basic(m, contents[0], &r);
        if (!value)
                return r;
        g_variant_builder_add(o->b, "{sv}", key, value);
        r = sd_bus_message_exit_container(m);
        return r < 0 ? r : sd_bus_message_exit_container(m);
}

int bus_read_options(sd_bus_message *m, size_t max, GVariant **ret, sd_bus_error *error) {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
        g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        OptionsRead o = { &b, seen };
        int r;

        r = read_array(m, "{sv}", max, "options", read_option, &o, error);
        if (r < 0)
                return r;
        *ret = g_variant_ref_sink(g_variant_builder_end(&b));
        return 0;
}

/* What bus_read_string_map() reads into: the map, and what the entries are called and may be long. */
typedef struct {
        GHashTable *map;
        const char *what;
        size_t max_len;
} StringMapRead;

/* One {ss} entry: a key given once, key and value no longer than max_len. */
static int read_string_entry(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        StringMapRead *s = userdata;
        const char *key, *value;
        int r;

        r = sd_bus_message_read(m, "{ss}", &key, &value);
        if (r < 0)
                return r;
        if (strlen(key) > s->max_len || strlen(value) > s->max_len) {
                g_autofree char *q = utf8_shorten(key, 64, "…");
                return sd_bus_error_setf(error, MEMCRYPT_ERROR_INVALID_ARGUMENT,
                                         "%s entry '%s' is longer than %zu bytes.", s->what, q, s->max_len);
        }
        if (g_hash_table_contains(s->map, key))
                return refuse_duplicate(error, s->what, " key", key);
        g_hash_table_insert(s->map, g_strdup(key), g_strdup(value));
        return 0;
}

int bus_read_string_map(sd_bus_message *m, const char *what, size_t max, size_t max_len, GHashTable **ret,
                        sd_bus_error *error) {
        g_autoptr(GHashTable) map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_autofree char *noun = g_strdup_printf("%s entries", what);
        StringMapRead s = { map, what, max_len };
        int r;

        r = read_array(m, "{ss}", max, noun, read_string_entry, &s, error);
        if (r < 0)
                return r;
        *ret = g_steal_pointer(&map);
        return 0;
}

/* At most this many characters of a caller's string are quoted back in an error message. */
#define QUOTE_MAX 64

int bus_error_api(sd_bus_error *error, ApiError e, const char *message) {
        g_autofree char *name = g_strconcat("org.memcrypt1.Error.", api_error_name(e), NULL);

        return sd_bus_error_set(error, name, message);
}

int bus_error_unknown_model(sd_bus_error *error, const char *name) {
        g_autofree char *q = utf8_shorten(name, QUOTE_MAX, "…");

        return sd_bus_error_setf(error, MEMCRYPT_ERROR_UNKNOWN_MODEL,
                                 "Unknown model '%s'; expected one of amd-sev, amd-sev-es, amd-sev-snp.", q);
}

static int property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        GVariant *v = *(GVariant **) userdata;

        if (!v)  /* only before the first probe, which context_new() always does */
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Property %s has no value yet.", property);
        return bus_append_gvariant(reply, v);
}

static uint64_t vtable_flags(PropertyChange change) {
        switch (change) {
        case PROPERTY_CONST:         return SD_BUS_VTABLE_PROPERTY_CONST;
        case PROPERTY_EMITS_CHANGE:  return SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE;
        case PROPERTY_NOT_SIGNALLED: return 0;
        case PROPERTY_EXPLICIT:
                return SD_BUS_VTABLE_PROPERTY_EXPLICIT | SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION;
        }
        return 0;
}

/* Built from the PropertyInfo table so names, types and change flags exist
 * once; the vtables live for the whole process. */
const sd_bus_vtable *bus_property_vtable(const PropertyInfo *info, size_t n, size_t base_offset,
                                         sd_bus_property_get_t explicit_get) {
        sd_bus_vtable *vt = g_new0(sd_bus_vtable, n + 2);
        const sd_bus_vtable start = SD_BUS_VTABLE_START(0), end = SD_BUS_VTABLE_END;

        vt[0] = start;
        for (size_t i = 0; i < n; i++) {
                bool built = info[i].change == PROPERTY_EXPLICIT;
                const sd_bus_vtable p = SD_BUS_PROPERTY(info[i].name, info[i].signature,
                                                        built ? explicit_get : property_get,
                                                        built ? 0 : base_offset + i * sizeof(GVariant *),
                                                        vtable_flags(info[i].change));

                g_assert(!built || explicit_get);
                vt[i + 1] = p;
        }
        vt[n + 1] = end;
        return vt;
}
