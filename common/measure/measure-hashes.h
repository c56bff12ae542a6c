/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * QEMU's table of kernel, initrd and command line hashes (PaddedSevHashTable),
 * which OVMF checks before it boots a kernel given with -kernel and which the
 * launch digest covers when the firmware offers a place for it.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define MEASURE_SHA256_LEN 32u
#define MEASURE_HASH_TABLE_LEN 176u     /* 168 bytes of table, padded to a multiple of 16 */
/* The largest kernel or initrd hashed, like the service's cap on files it hashes. */
#define MEASURE_BOOT_FILE_MAX ((uint64_t) 512 * 1024 * 1024)

typedef struct {
        uint8_t kernel[MEASURE_SHA256_LEN];
        uint8_t initrd[MEASURE_SHA256_LEN];     /* SHA-256 of nothing without an initrd */
        uint8_t cmdline[MEASURE_SHA256_LEN];    /* of the command line and its NUL; of "\0" without one */
} MeasureKernelHashes;

/* Fills H from the kernel's and initrd's SHA-256 (INITRD NULL: none) and the command line (NULL: none). */
void measure_kernel_hashes_init(MeasureKernelHashes *h, const uint8_t kernel[MEASURE_SHA256_LEN],
                                const uint8_t *initrd, const char *cmdline);

/* The 176 bytes QEMU writes into the guest. */
void measure_kernel_hashes_table(const MeasureKernelHashes *h, uint8_t out[MEASURE_HASH_TABLE_LEN]);

/* DATA as lowercase hex (g_free() it): how digests and file hashes are shown. */
char *measure_hex(const uint8_t *data, size_t n);

/* SHA-256 of LEN bytes. */
void measure_sha256(const void *data, size_t len, uint8_t out[MEASURE_SHA256_LEN]);
