/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the attestation modules; not part of their interface. */

#include <stdbool.h>
#include <stdint.h>

#include "attest-libvirt.h"

/* API_OK for an SEV or SEV-ES guest; ModelUnsupported naming WHAT it lacks otherwise. */
ApiError attest_check_sev_guest(const AttestDomain *d, const char *what, char **message);

/* Whether PATH (from a domain XML) is absolute and has no ".." component. */
bool attest_path_ok(const char *path);

/* Firmware, kernels and initrds larger than this are not hashed. */
#define ATTEST_HASH_FILE_MAX ((uint64_t) 512 * 1024 * 1024)

/* SHA-256 (lowercase hex) of the regular file PATH (absolute, no "..") under ROOT, at most
 * ATTEST_HASH_FILE_MAX bytes. NULL with *WHY naming the file and the problem. */
char *attest_sha256_file(const char *root, const char *path, char **why);
