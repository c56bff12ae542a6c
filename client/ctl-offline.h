/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What memcryptctl's offline verbs (measure, attest verify) share besides their parser
 * (ctl-parse.h): their one-sentence errors and hexadecimal digests.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl-output.h"

enum { OFFLINE_EXIT_INPUT = 1, OFFLINE_EXIT_USAGE = 2 };

/* "memcryptctl VERB: MESSAGE." on stderr; -OFFLINE_EXIT_INPUT. */
int offline_error(const char *verb, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Hex back into N bytes (measure_hex() the other way): false unless S is exactly 2·N hex digits. */
bool hex_decode(const char *s, uint8_t *out, size_t n);
