/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl-offline.h"

G_GNUC_PRINTF(2, 0)
static void vsay(const char *verb, const char *fmt, va_list ap, const char *end) {
        fprintf(stderr, "memcryptctl %s: ", verb);
        vfprintf(stderr, fmt, ap);
        fputs(end, stderr);
}

int offline_usage(const char *verb, const char *fmt, ...) {
        g_autofree char *end = g_strdup_printf(" (see 'memcryptctl %s --help').\n", verb);
        va_list ap;

        va_start(ap, fmt);
        vsay(verb, fmt, ap, end);
        va_end(ap);
        return -OFFLINE_EXIT_USAGE;
}

int offline_error(const char *verb, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsay(verb, fmt, ap, ".\n");
        va_end(ap);
        return -OFFLINE_EXIT_INPUT;
}

int offline_set_once(const char *verb, char **field, const char *option, const char *value) {
        if (*field)
                return offline_usage(verb, "%s is given twice", option);
        *field = g_strdup(value);
        return 0;
}

bool parse_json_mode(const char *arg, JsonMode *ret) {
        if (!arg || strcmp(arg, "pretty") == 0)
                *ret = JSON_PRETTY;
        else if (strcmp(arg, "short") == 0)
                *ret = JSON_SHORT;
        else if (strcmp(arg, "off") == 0)
                *ret = JSON_OFF;
        else
                return false;
        return true;
}

bool hex_decode(const char *s, uint8_t *out, size_t n) {
        if (strlen(s) != 2 * n)
                return false;
        for (size_t i = 0; i < n; i++) {
                int hi = g_ascii_xdigit_value(s[2 * i]), lo = g_ascii_xdigit_value(s[2 * i + 1]);

                if (hi < 0 || lo < 0)
                        return false;
                out[i] = (uint8_t) (hi << 4 | lo);
        }
        return true;
}
