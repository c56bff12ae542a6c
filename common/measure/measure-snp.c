/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The PAGE_INFO record of the SNP firmware ABI (SNP_LAUNCH_UPDATE), 112 bytes, little-endian. */
#include <string.h>

#include "measure-ovmf.h"
#include "measure-snp.h"

#define PAGE_INFO_LEN 0x70u

void snp_gctx_init(SnpGctx *g, const uint8_t *seed) {
        if (seed)
                memcpy(g->ld, seed, SNP_LD_LEN);
        else
                memset(g->ld, 0, SNP_LD_LEN);
        g->sha384 = g_checksum_new(G_CHECKSUM_SHA384);
}

void snp_gctx_clear(SnpGctx *g) {
        g_clear_pointer(&g->sha384, g_checksum_free);
}

static void sha384(SnpGctx *g, const uint8_t *data, size_t len, uint8_t out[SNP_LD_LEN]) {
        gsize n = SNP_LD_LEN;

        g_checksum_reset(g->sha384);
        g_checksum_update(g->sha384, data, len);
        g_checksum_get_digest(g->sha384, out, &n);
}

void snp_gctx_update(SnpGctx *g, SnpPageType type, uint64_t gpa, const uint8_t *contents) {
        uint8_t rec[PAGE_INFO_LEN] = {};

        memcpy(rec, g->ld, SNP_LD_LEN);
        if (contents)
                memcpy(rec + 0x30, contents, SNP_LD_LEN);
        rec[0x60] = PAGE_INFO_LEN;
        rec[0x62] = (uint8_t) type;
        /* 0x63 is_imi, 0x64-0x66 the VMPL permissions, 0x67 reserved: all 0 at launch */
        for (unsigned i = 0; i < 8; i++)
                rec[0x68 + i] = (uint8_t) (gpa >> (8 * i));
        sha384(g, rec, sizeof(rec), g->ld);
}

void snp_gctx_normal_pages(SnpGctx *g, uint64_t gpa, const uint8_t *data, size_t len) {
        uint8_t contents[SNP_LD_LEN];

        for (size_t off = 0; off + MEASURE_PAGE_SIZE <= len; off += MEASURE_PAGE_SIZE) {
                sha384(g, data + off, MEASURE_PAGE_SIZE, contents);
                snp_gctx_update(g, SNP_PAGE_NORMAL, gpa + off, contents);
        }
}

void snp_gctx_empty_pages(SnpGctx *g, SnpPageType type, uint64_t gpa, uint64_t len) {
        for (uint64_t off = 0; off < len; off += MEASURE_PAGE_SIZE)
                snp_gctx_update(g, type, gpa + off, NULL);
}

void snp_gctx_vmsa_page(SnpGctx *g, const uint8_t page[4096]) {
        uint8_t contents[SNP_LD_LEN];

        sha384(g, page, 4096, contents);
        snp_gctx_update(g, SNP_PAGE_VMSA, SNP_VMSA_GPA, contents);
}
