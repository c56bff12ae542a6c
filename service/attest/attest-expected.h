/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The expected launch measurement of a domain (GetExpectedMeasurement,
 * ComputeExpectedMeasurement, and the expected digest in
 * GetLaunchMeasurement), without the bus. Every input is derived from the
 * domain document and the host facts (attest-expected-plan.c), the files
 * are read and hashed with common/measure (attest-expected.c), and results
 * are kept by the identity of their files (attest-expected-cache.c).
 *
 * Security: a caller's document never makes the daemon open a path it
 * names, except a firmware image a QEMU firmware descriptor lists; its
 * kernel and initrd come as descriptors the caller opened. A document from
 * libvirt (a defined or running domain) is libvirt's: its kernel and initrd
 * are read under the host root like GetLaunchMeasurement's hashes.
 */

#include <stdbool.h>
#include <stdint.h>

#include "attest-expected-cache.h"
#include "attest-expected-plan.h"
#include "attest-libvirt.h"
#include "facts.h"

/* ---- the answer --------------------------------------------------------- */

/* Where a document came from. */
typedef struct {
        const char *xml;
        bool from_caller;               /* a caller's document: kernel and initrd only from the descriptors */
        int kernel_fd, initrd_fd;       /* from_caller: the caller's (not owned; -1 when none) */
} ExpectedSource;

/* The largest kernel or initrd measured (the measurement library's cap, documented). */
#define EXPECTED_BOOT_FILE_MAX MEASURE_BOOT_FILE_MAX

/*
 * The expected measurement of SRC on the host F, as the "(sa{sv}as)" reply:
 * the digest (lowercase hex), the inputs, and the memcryptctl measure argv that
 * recomputes it. CACHE may be NULL.
 */
ApiError attest_expected(const HostFacts *f, ExpectedCache *cache, const ExpectedSource *src,
                         const ExpectedOptions *o, GVariant **ret, char **message);

/* The same for LV's domain NAME, defined or running (its XML from libvirt). */
ApiError attest_expected_domain(const HostFacts *f, AttestLibvirt *lv, const char *no_libvirt, ExpectedCache *cache,
                                const char *name, const ExpectedOptions *o, GVariant **ret, char **message);

/* Just the digest (hex) of a domain libvirt started, for GetLaunchMeasurement; NULL with *WHY. */
char *attest_expected_digest(const HostFacts *f, ExpectedCache *cache, const char *xml, char **why);
