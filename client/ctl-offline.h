/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What memcryptctl's offline verbs (measure, attest verify) share: their one-sentence errors,
 * options given once, --json modes, and hexadecimal digests.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl-output.h"

enum { OFFLINE_EXIT_INPUT = 1, OFFLINE_EXIT_USAGE = 2 };

/* "memcryptctl VERB: MESSAGE (see 'memcryptctl VERB --help')." on stderr; -OFFLINE_EXIT_USAGE. */
int offline_usage(const char *verb, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* "memcryptctl VERB: MESSAGE." on stderr; -OFFLINE_EXIT_INPUT. */
int offline_error(const char *verb, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* VALUE into *FIELD, or a usage error when OPTION was given before. */
int offline_set_once(const char *verb, char **field, const char *option, const char *value);

/* --json's value (NULL: a bare --json): pretty, short, off; false for anything else. */
bool parse_json_mode(const char *arg, JsonMode *ret);

/* Hex back into N bytes (measure_hex() the other way): false unless S is exactly 2·N hex digits. */
bool hex_decode(const char *s, uint8_t *out, size_t n);
