/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* memcryptctl's argument values: KEY=VALUE pairs, booleans, policies, and domain XML files. */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* "KEY=VALUE" split at the first '=' (VALUE may be empty); false without '=' or with an empty KEY. */
bool split_key_value(const char *s, char **ret_key, char **ret_value);

/* true, yes, 1 -> 1; false, no, 0 -> 0 (any case); -1 for anything else. */
int parse_boolean(const char *s);

/* The whole of S as decimal or 0x hex ("51", "0x33"), up to UINT64_MAX; false otherwise. */
bool parse_uint64(const char *s, uint64_t *ret);

/* Whether the service takes option KEY as a boolean (kernel_hashes, allow_debug, ...). */
bool option_is_boolean(const char *key);

/* Up to MAX + 1 bytes of FD, so a caller can tell "exactly MAX" from "more"; NULL with *RET_ERRNO. */
GByteArray *read_at_most(int fd, size_t max, int *ret_errno);

/* PATH opened for reading, or standard input for "-" (whatever it is). A named file must be a
 * regular file: a FIFO, device, socket or directory is refused at once (open() of a FIFO would
 * block until a writer comes). -1 and ERROR, a sentence naming the file as NAME, otherwise. */
int open_input_file(const char *path, const char *name, GError **error);

/* PATH's contents, or standard input's for "-": UTF-8 text without NUL bytes of at most MAX
 * bytes, checked before anything is sent. NULL and ERROR (a sentence naming PATH) otherwise. */
char *read_text_file(const char *path, size_t max, GError **error);
