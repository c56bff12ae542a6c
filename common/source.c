/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "source.h"
#include "text.h"

void source_set(Source *s, SourceStatus status, const char *fmt, ...) {
        g_autofree char *detail = NULL;
        va_list ap;

        g_free(s->detail);
        s->status = status;
        va_start(ap, fmt);
        detail = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        /* Details quote files and parsers' errors, and end up in bus replies. */
        s->detail = text_bus_safe(detail);
}

void source_clear(Source *s) {
        g_clear_pointer(&s->detail, g_free);
        s->status = SOURCE_OK;
}

const char *source_status_to_string(SourceStatus s) {
        switch (s) {
        case SOURCE_OK:      return "ok";
        case SOURCE_MISSING: return "missing";
        case SOURCE_DENIED:  return "permission denied";
        case SOURCE_INVALID: return "malformed";
        case SOURCE_ERROR:   return "error";
        }
        return "error";
}
