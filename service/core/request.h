/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Guest requests: flavor extra specs + image properties -> the model a
 * scheduler must place the guest with (docs/design.md "Request rules":
 * Nova's rules, stricter). Host-independent and pure: no I/O.
 */

#include <glib.h>

#include "api-error.h"
#include "model.h"

/* Nova's boolean spellings (1/t/true/on/y/yes, 0/f/false/off/n/no, any case).
 * Returns -1 for anything else. */
int request_parse_bool(const char *value);

/*
 * FLAVOR and IMAGE map char* -> char* (either may be NULL). DEFAULT_MACHINE_TYPE
 * stands for an absent hw_machine_type (NULL: "q35"). On success *RET_MODEL is
 * the model, or MODEL_INVALID when no encryption is requested. On failure
 * returns the error and sets *MESSAGE to a sentence naming key, source and value.
 */
ApiError request_resolve(GHashTable *flavor, GHashTable *image, const char *default_machine_type,
                         Model *ret_model, char **message);
