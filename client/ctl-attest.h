/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* memcryptctl attest: the platform, a launch measurement and secret injection, as text or JSON. */

#include <glib.h>

#include "ctl-output.h"

/* The most a --header or --secret file may hold: base64 of the service's 64 KiB, with line breaks. */
#define ATTEST_BLOB_FILE_MAX ((size_t) 256 * 1024)

/*
 * The base64 text of PATH (a file, or "-" for standard input) with every ASCII white space
 * removed, so the output of base64(1) with its line breaks can be given as it is; with RAW, the
 * file's bytes (as sevctl secret build writes them) encoded. NULL and *ERROR (naming WHAT and
 * PATH) for an unreadable file, one over ATTEST_BLOB_FILE_MAX bytes, or, without RAW, one with
 * anything but printable ASCII.
 */
char *attest_read_blob_file(const char *what, const char *path, bool raw, GError **error);

/* Each returns 0, or the library's negative errno with the service's error on C. */
int attest_print_platform(MemcryptClient *c, JsonMode json);
/* ... and 1 when the guest has no measurement (after printing the inputs, with the reason on stderr). */
int attest_print_measurement(MemcryptClient *c, const char *domain, JsonMode json);
int attest_inject(MemcryptClient *c, const char *domain, const char *header, const char *secret,
                  const MemcryptOptions *options, bool resume, JsonMode json);
