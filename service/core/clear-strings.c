/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "clear-strings.h"

void clear_strings(char **first, ...) {
        va_list ap;

        va_start(ap, first);
        for (char **p = first; p; p = va_arg(ap, char **))
                g_clear_pointer(p, g_free);
        va_end(ap);
}
