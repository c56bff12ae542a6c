/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* S cut to at most MAX_CHARS characters, ending in ELLIPSIS when cut, so a
 * quoted value keeps a message to one readable line. S must be valid UTF-8;
 * cutting on characters keeps the result valid. Free with g_free(). */
static inline char *utf8_shorten(const char *s, glong max_chars, const char *ellipsis) {
        if (g_utf8_strlen(s, -1) <= max_chars)
                return g_strdup(s);
        g_autofree char *head = g_utf8_substring(s, 0, max_chars - g_utf8_strlen(ellipsis, -1));
        return g_strconcat(head, ellipsis, NULL);
}
