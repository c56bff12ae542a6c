/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The expected launch measurement's one error domain: each message is one sentence a person can act on. */

#include <glib.h>
#include <stdbool.h>

#define MEASURE_ERROR (measure_error_quark())
GQuark measure_error_quark(void);

typedef enum {
        MEASURE_ERROR_FIRMWARE,         /* the firmware image is malformed, truncated or too large */
        MEASURE_ERROR_UNSUPPORTED,      /* the firmware cannot measure what was asked (kernel hashes, SEV-ES) */
        MEASURE_ERROR_INVALID,          /* an input out of range: vCPU count, seed, vCPU type */
        MEASURE_ERROR_IO,               /* a file handed in cannot be read */
} MeasureErrorCode;

/* Sets ERROR to a MEASURE_ERROR of CODE and returns false, for `return measure_fail(...)`. */
bool measure_fail(GError **error, MeasureErrorCode code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
