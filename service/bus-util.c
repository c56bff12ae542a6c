/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "bus-util.h"

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
