/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Shared by the fuzz targets (one .c file each). Every target feeds its
 * parser exactly what the daemon could feed it, so a finding is a real bug:
 *
 *  - file contents (snapshot or live host files) arrive through
 *    host_read_file(): NUL-terminated, never with a NUL byte inside;
 *  - bus strings arrive through sd-bus: valid UTF-8 as sd-bus checks it
 *    (no NUL, no surrogates, no noncharacters).
 *
 * Inputs outside those sets are skipped. Results are checked too: an error
 * message or a document going back on the bus must be valid UTF-8, or
 * sd-bus would refuse to send the reply.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_ASSERT(cond)                                                                        \
        do {                                                                                     \
                if (!(cond)) {                                                                   \
                        fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, \
                                #cond);                                                          \
                        abort();                                                                 \
                }                                                                                \
        } while (0)

/* DATA as host_read_file() hands it to a parser, or NULL when it never would. Free with g_free(). */
static inline char *fuzz_file_text(const uint8_t *data, size_t size) {
        if (memchr(data, '\0', size))
                return NULL;
        return g_strndup((const char *) data, size);
}

/* systemd's unichar_is_valid(): what sd-bus accepts in a string. */
static inline bool fuzz_unichar_valid(gunichar c) {
        return c < 0x110000 && (c & 0xFFFFF800) != 0xD800 && !(c >= 0xFDD0 && c <= 0xFDEF) &&
               (c & 0xFFFE) != 0xFFFE;
}

/* Whether S (LEN bytes, -1: NUL-terminated) is a string sd-bus would carry. */
static inline bool fuzz_bus_string_valid(const char *s, gssize len) {
        const char *end;

        if (len < 0)
                len = (gssize) strlen(s);
        if (!g_utf8_validate_len(s, (gsize) len, &end))
                return false;
        for (const char *p = s; p < s + len; p = g_utf8_next_char(p))
                if (!fuzz_unichar_valid(g_utf8_get_char(p)))
                        return false;
        return true;
}

/* DATA as an sd-bus string argument, or NULL when sd-bus would refuse it. Free with g_free(). */
static inline char *fuzz_bus_string(const uint8_t *data, size_t size) {
        if (!fuzz_bus_string_valid((const char *) data, (gssize) size))
                return NULL;
        return g_strndup((const char *) data, size);
}

/* The GVariant text DATA (e.g. "{'policy': <uint64 51>}") parsed as TYPE, or NULL. */
static inline GVariant *fuzz_parse_variant(const uint8_t *data, size_t size, const GVariantType *type) {
        g_autofree char *text = fuzz_file_text(data, size);
        GVariant *v;

        if (!text || !g_utf8_validate(text, -1, NULL))
                return NULL;
        v = g_variant_parse(type, text, NULL, NULL, NULL);
        return v;       /* g_variant_parse() returns a full reference, not a floating one */
}

/* Whether every string inside V (recursively) is one sd-bus would carry. */
static inline bool fuzz_variant_strings_valid(GVariant *v) {
        if (g_variant_is_container(v)) {
                gsize n = g_variant_n_children(v);
                for (gsize i = 0; i < n; i++) {
                        g_autoptr(GVariant) child = g_variant_get_child_value(v, i);
                        if (!fuzz_variant_strings_valid(child))
                                return false;
                }
                return true;
        }
        if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) || g_variant_is_of_type(v, G_VARIANT_TYPE_OBJECT_PATH) ||
            g_variant_is_of_type(v, G_VARIANT_TYPE_SIGNATURE))
                return fuzz_bus_string_valid(g_variant_get_string(v, NULL), -1);
        return true;
}

/*
 * An a{sv} as bus_read_options() builds it from a message: at most 64
 * entries, every value of a basic type (b y n q i u x t d s o g), keys
 * repeated as the caller sent them. NULL when the bus would not deliver it.
 */
static inline GVariant *fuzz_bus_options(GVariant *v) {
        GVariantIter iter;
        const char *key;
        GVariant *value;
        size_t n = 0;

        if (!v || !g_variant_is_of_type(v, G_VARIANT_TYPE_VARDICT) || !fuzz_variant_strings_valid(v))
                return NULL;
        g_variant_iter_init(&iter, v);
        while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
                const char *t = g_variant_get_type_string(value);
                bool basic = strlen(t) == 1 && strchr("bynqiuxtdsog", t[0]);

                g_variant_unref(value);
                if (!basic || ++n > 64)
                        return NULL;
        }
        return g_variant_ref(v);
}

/* A reply or error message the daemon puts on the bus must be a valid bus string. */
static inline void fuzz_check_bus_text(const char *s) {
        FUZZ_ASSERT(s);
        if (!fuzz_bus_string_valid(s, -1)) {
                g_autofree char *escaped = g_strescape(s, NULL);
                fprintf(stderr, "not a string sd-bus would send: \"%s\"\n", escaped);
                abort();
        }
}
