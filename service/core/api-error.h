/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The errors of org.memcrypt1's methods (org.memcrypt1(5), ERRORS), for core
 * functions that must stay free of sd-bus: they return an ApiError and a
 * message for people; the bus side prefixes "org.memcrypt1.Error." to the
 * name. The one table is common/errors.tsv; the error map gives each name its errno.
 */

#include <glib.h>

#include "memcrypt-errors.h"

/* API_OK, then one value per row of common/errors.tsv: API_INVALID_ARGUMENT, ... */
typedef enum {
        API_OK = 0,
#define API_ERROR_ENUM(e, name, errno_value) API_##e,
        MEMCRYPT_ERROR_TABLE(API_ERROR_ENUM)
#undef API_ERROR_ENUM
        _API_ERROR_MAX,
} ApiError;

/* The D-Bus error name's last part ("Conflict") for E; "" for API_OK. */
const char *api_error_name(ApiError e);

/* Sets *MESSAGE (which must be NULL) from FMT and returns E: "return api_fail(...)". */
ApiError api_fail(char **message, ApiError e, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
