/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>

#include "version.h"

bool version_parse(const char *s, unsigned out[3]) {
        out[0] = out[1] = out[2] = 0;
        if (!s || !g_ascii_isdigit(*s))
                return false;
        for (int i = 0; i < 3; i++) {
                char *end;
                guint64 v = g_ascii_strtoull(s, &end, 10);
                if (end == s || v > 100000)
                        return i > 0;
                out[i] = (unsigned) v;
                if (*end != '.')
                        return true;
                s = end + 1;
        }
        return true;
}

bool version_at_least(const char *s, unsigned major, unsigned minor, unsigned micro) {
        unsigned v[3], want[3] = { major, minor, micro };

        if (!version_parse(s, v))
                return false;
        for (int i = 0; i < 3; i++)
                if (v[i] != want[i])
                        return v[i] > want[i];
        return true;
}
