/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* SEV-SNP's launch digest: each page the firmware adds extends a SHA-384 chain of PAGE_INFO records. */

#include <glib.h>
#include <stdint.h>

#define SNP_LD_LEN 48u
#define SNP_VMSA_GPA 0x0000fffffffff000ull      /* (u64) -1, page-aligned, bits above 51 clear */

typedef enum {
        SNP_PAGE_NORMAL = 1,
        SNP_PAGE_VMSA = 2,
        SNP_PAGE_ZERO = 3,
        SNP_PAGE_UNMEASURED = 4,
        SNP_PAGE_SECRETS = 5,
        SNP_PAGE_CPUID = 6,
} SnpPageType;

typedef struct {
        uint8_t ld[SNP_LD_LEN];
        GChecksum *sha384;              /* reused for every record */
} SnpGctx;

void snp_gctx_init(SnpGctx *g, const uint8_t *seed);    /* SEED: 48 bytes, or NULL for zeros */
void snp_gctx_clear(SnpGctx *g);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(SnpGctx, snp_gctx_clear)

/* One record; CONTENTS is 48 bytes, or NULL for the zeros of the types that carry no contents. */
void snp_gctx_update(SnpGctx *g, SnpPageType type, uint64_t gpa, const uint8_t *contents);
/* LEN bytes (whole pages) at GPA, each as a NORMAL page with its SHA-384. */
void snp_gctx_normal_pages(SnpGctx *g, uint64_t gpa, const uint8_t *data, size_t len);
/* LEN bytes (whole pages) at GPA as records of TYPE without contents. */
void snp_gctx_empty_pages(SnpGctx *g, SnpPageType type, uint64_t gpa, uint64_t len);
void snp_gctx_vmsa_page(SnpGctx *g, const uint8_t page[4096]);
