/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "measure-error.h"

G_DEFINE_QUARK(memcrypt-measure-error-quark, measure_error)

bool measure_fail(GError **error, MeasureErrorCode code, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        g_propagate_error(error, g_error_new_valist(MEASURE_ERROR, code, fmt, ap));
        va_end(ap);
        return false;
}
