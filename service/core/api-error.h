/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The errors of org.memcrypt1's methods (org.memcrypt1(5), ERRORS), for core
 * functions that must stay free of sd-bus: they return an ApiError and a
 * message for people; the bus side prefixes "org.memcrypt1.Error." to the
 * name. The client's error map gives each name its errno.
 */

#include <glib.h>

typedef enum {
        API_OK = 0,
        API_INVALID_ARGUMENT,
        API_UNKNOWN_MODEL,
        API_CONFLICT,
        API_UEFI_REQUIRED,
        API_MACHINE_TYPE_REQUIRED,
        API_STATELESS_FIRMWARE_REQUIRED,
        API_LOCKED_MEMORY_REQUIRED,
        API_INCOMPATIBLE_DEVICE,
        API_INVALID_DOMAIN_XML,
        API_MODEL_UNSUPPORTED,
        API_NO_SLOTS,
        API_HOST_MISCONFIGURED,
        API_LIBVIRT_UNAVAILABLE,
        API_NO_SUCH_DOMAIN,
        API_INVALID_DOMAIN_STATE,
        _API_ERROR_MAX,
} ApiError;

/* The D-Bus error name's last part ("Conflict") for E; "" for API_OK. */
const char *api_error_name(ApiError e);

/* Sets *MESSAGE (which must be NULL) from FMT and returns E: "return api_fail(...)". */
ApiError api_fail(char **message, ApiError e, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
