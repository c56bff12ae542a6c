/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading libvirt's typed parameters once they are an a{sv} GVariant, and the
 * recorded form of them in a snapshot (a JSON object keyed by the same names). */

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

/* NAME as a string, or NULL when absent or not a string. */
const char *attest_param_string(GVariant *params, const char *name);

/* NAME as an unsigned integer of any width (a negative signed one does not count). */
bool attest_param_uint(GVariant *params, const char *name, uint64_t *ret);
/* V itself read the same way. */
bool attest_variant_uint(GVariant *v, uint64_t *ret);

/*
 * The members of O as an a{sv} (floating reference sunk): strings as s,
 * non-negative integers as t, negative ones as x, booleans as b. Anything
 * else (null, arrays, objects, fractions) is refused with *ERROR naming the key.
 */
GVariant *attest_params_from_json(JsonObject *o, char **error);
