/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "api-error.h"
#include "text.h"

const char *api_error_name(ApiError e) {
        static const char *const names[_API_ERROR_MAX] = {
                [API_OK] = "",
#define API_ERROR_NAME(e, name, errno_value) [API_##e] = name,
                MEMCRYPT_ERROR_TABLE(API_ERROR_NAME)
#undef API_ERROR_NAME
        };
        g_return_val_if_fail(e >= 0 && e < _API_ERROR_MAX, "");
        return names[e];
}

ApiError api_fail(char **message, ApiError e, const char *fmt, ...) {
        va_list ap;

        g_assert(message && !*message);
        va_start(ap, fmt);
        /* Messages quote caller input cut to a length: keep them text the bus can carry. */
        *message = text_bus_safe_take(g_strdup_vprintf(fmt, ap));
        va_end(ap);
        return e;
}
