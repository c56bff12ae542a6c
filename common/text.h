/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <string.h>

/* S cut to at most MAX_CHARS characters, ending in ELLIPSIS when cut, so a
 * quoted value keeps a message to one readable line. S must be valid UTF-8;
 * cutting on characters keeps the result valid. Free with g_free(). */
static inline char *utf8_shorten(const char *s, glong max_chars, const char *ellipsis) {
        if (g_utf8_strlen(s, -1) <= max_chars)
                return g_strdup(s);
        g_autofree char *head = g_utf8_substring(s, 0, max_chars - g_utf8_strlen(ellipsis, -1));
        return g_strconcat(head, ellipsis, NULL);
}

/* What sd-bus accepts in a string (systemd's unichar_is_valid()): no surrogates, no noncharacters. */
static inline gboolean bus_unichar_valid(gunichar c) {
        return c < 0x110000 && (c & 0xFFFFF800) != 0xD800 && !(c >= 0xFDD0 && c <= 0xFDEF) && (c & 0xFFFE) != 0xFFFE;
}

/* Whether S is valid UTF-8 that sd-bus carries as it is. */
static inline gboolean text_bus_valid(const char *s) {
        if (!g_utf8_validate(s, -1, NULL))
                return FALSE;
        for (const char *p = s; *p; p = g_utf8_next_char(p))
                if (!bus_unichar_valid(g_utf8_get_char(p)))
                        return FALSE;
        return TRUE;
}

/*
 * S as text sd-bus will carry: invalid UTF-8 and characters sd-bus refuses
 * (U+FFFF, U+FDD0, ...) become U+FFFD. For messages that quote a file or a
 * library's error: one such byte would otherwise make every reply carrying
 * the message fail (a property, Describe(), Doctor()). Free with g_free().
 */
static inline char *text_bus_safe(const char *s) {
        g_autofree char *valid = g_utf8_make_valid(s, -1);
        GString *out;

        if (text_bus_valid(valid))
                return g_steal_pointer(&valid);
        out = g_string_sized_new(strlen(valid));
        for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
                gunichar c = g_utf8_get_char(p);
                g_string_append_unichar(out, bus_unichar_valid(c) ? c : 0xFFFD);
        }
        return g_string_free(out, FALSE);
}

/* text_bus_safe() of S, taking S: for messages built from "%.64s" cuts of
 * caller input, which may end in half a character. Free with g_free(). */
static inline char *text_bus_safe_take(char *s) {
        if (text_bus_valid(s))
                return s;
        char *safe = text_bus_safe(s);
        g_free(s);
        return safe;
}
