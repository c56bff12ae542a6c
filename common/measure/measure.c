/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SEV and SEV-ES: the PSP hashes every byte QEMU passes to LAUNCH_UPDATE_DATA
 * and LAUNCH_UPDATE_VMSA, in order: the firmware, the kernel hashes table
 * when QEMU adds one, then one VMSA per vCPU (SEV-ES). SNP: each page QEMU
 * adds extends a SHA-384 chain (measure-snp.c): the firmware, then the
 * pages its SEV metadata asks for, then the VMSAs.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "measure.h"
#include "measure-snp.h"

static const char *const mode_names[] = {
        [MEASURE_MODE_SEV] = "sev",
        [MEASURE_MODE_SEV_ES] = "seves",
        [MEASURE_MODE_SNP] = "snp",
        [MEASURE_MODE_SNP_OVMF_HASH] = "snp:ovmf-hash",
};

int measure_mode_from_string(const char *s) {
        for (size_t i = 0; s && i < G_N_ELEMENTS(mode_names); i++)
                if (strcmp(mode_names[i], s) == 0)
                        return (int) i;
        return -1;
}

const char *measure_mode_to_string(MeasureMode mode) {
        return (size_t) mode < G_N_ELEMENTS(mode_names) ? mode_names[mode] : NULL;
}

size_t measure_digest_len(MeasureMode mode) {
        return mode == MEASURE_MODE_SEV || mode == MEASURE_MODE_SEV_ES ? MEASURE_SHA256_LEN : SNP_LD_LEN;
}

/* SEV-ES and SNP start every vCPU from a VMSA: the APs at the firmware's SEV-ES reset block. */
static bool check_vcpus(const MeasureInputs *in, GError **error) {
        if (in->vcpus < 1 || in->vcpus > MEASURE_VCPUS_MAX)
                return measure_fail(error, MEASURE_ERROR_INVALID, "%u vCPUs: a guest has 1 to %u", in->vcpus,
                                    MEASURE_VCPUS_MAX);
        if (!in->ovmf->has_reset_eip)
                return measure_fail(error, MEASURE_ERROR_UNSUPPORTED, "the firmware has no SEV-ES reset block, so it "
                                    "cannot start an SEV-ES or SEV-SNP guest");
        if (in->ovmf->reset_eip == 0 && in->vcpus > 1)
                return measure_fail(error, MEASURE_ERROR_FIRMWARE, "the firmware's SEV-ES reset block gives address 0, "
                                    "so the %u application processors of a %u-vCPU guest could not start",
                                    in->vcpus - 1, in->vcpus);
        return true;
}

static void vmsa_for(const MeasureInputs *in, unsigned vcpu, uint8_t page[4096]) {
        measure_vmsa_page(page, vcpu == 0 ? MEASURE_VMSA_BSP_EIP : in->ovmf->reset_eip, in->vcpu_sig,
                          in->sev_features, in->vmsa_form);
}

static bool sev_digest(const MeasureInputs *in, uint8_t out[MEASURE_SHA256_LEN], GError **error) {
        g_autoptr(GChecksum) sum = NULL;
        uint8_t table[MEASURE_HASH_TABLE_LEN];
        gsize n = MEASURE_SHA256_LEN;

        if (in->kernel && !ovmf_supports_kernel_hashes(in->ovmf))
                return measure_fail(error, MEASURE_ERROR_UNSUPPORTED, "the firmware has no kernel hashes table, so it "
                                    "cannot measure a kernel, initrd or command line (boot one from the guest's disk, "
                                    "or use a firmware built for it such as OVMF's AmdSev package)");
        if (in->mode == MEASURE_MODE_SEV_ES && !check_vcpus(in, error))
                return false;

        sum = g_checksum_new(G_CHECKSUM_SHA256);
        g_checksum_update(sum, in->ovmf->data, in->ovmf->size);
        if (in->kernel) {
                measure_kernel_hashes_table(in->kernel, table);
                g_checksum_update(sum, table, sizeof(table));
        }
        for (unsigned i = 0; in->mode == MEASURE_MODE_SEV_ES && i < in->vcpus; i++) {
                uint8_t page[4096];

                vmsa_for(in, i, page);
                g_checksum_update(sum, page, sizeof(page));
        }
        g_checksum_get_digest(sum, out, &n);
        return true;
}

/* Sections with a page range must cover whole pages, as QEMU adds them. */
static bool check_sections(const MeasureInputs *in, GError **error) {
        const OvmfImage *img = in->ovmf;

        for (size_t i = 0; i < img->n_sections; i++) {
                const OvmfSection *s = &img->sections[i];
                const char *name = ovmf_section_type_name(s->type);

                if (!name)
                        return measure_fail(error, MEASURE_ERROR_FIRMWARE, "the firmware's SEV metadata section %zu "
                                            "has the unknown type 0x%"PRIx32, i, s->type);
                if (s->type == OVMF_SECTION_SNP_SECRETS || s->type == OVMF_SECTION_CPUID)
                        continue;
                if (s->size % MEASURE_PAGE_SIZE != 0)
                        return measure_fail(error, MEASURE_ERROR_FIRMWARE, "the firmware's SEV metadata section %zu "
                                            "(%s) has %"PRIu32 " bytes, not whole pages", i, name, s->size);
                if (s->type == OVMF_SECTION_SNP_KERNEL_HASHES && in->kernel && s->size != MEASURE_PAGE_SIZE)
                        return measure_fail(error, MEASURE_ERROR_FIRMWARE, "the firmware's SNP_KERNEL_HASHES section "
                                            "has %"PRIu32 " bytes, not one page", s->size);
        }
        if (!in->kernel)
                return true;
        if (!ovmf_has_section(img, OVMF_SECTION_SNP_KERNEL_HASHES))
                return measure_fail(error, MEASURE_ERROR_UNSUPPORTED, "the firmware's SEV metadata has no "
                                    "SNP_KERNEL_HASHES section, so it cannot measure a kernel, initrd or command line "
                                    "(boot one from the guest's disk, or use a firmware built for it such as OVMF's "
                                    "AmdSev package)");
        if (!img->has_hash_table)
                return measure_fail(error, MEASURE_ERROR_FIRMWARE, "the firmware has an SNP_KERNEL_HASHES section but "
                                    "no kernel hashes table entry saying where in it the table goes");
        if ((img->hash_table_base & (MEASURE_PAGE_SIZE - 1)) + MEASURE_HASH_TABLE_LEN > MEASURE_PAGE_SIZE)
                return measure_fail(error, MEASURE_ERROR_FIRMWARE, "the firmware's kernel hashes table at 0x%"PRIx32 " "
                                    "would cross the end of its page", img->hash_table_base);
        return true;
}

static void snp_section(const MeasureInputs *in, SnpGctx *g, const OvmfSection *s) {
        uint8_t page[MEASURE_PAGE_SIZE];

        switch ((OvmfSectionType) s->type) {
        case OVMF_SECTION_SNP_SEC_MEM:
        case OVMF_SECTION_SVSM_CAA:
                snp_gctx_empty_pages(g, SNP_PAGE_ZERO, s->gpa, s->size);
                break;
        case OVMF_SECTION_SNP_SECRETS:
                snp_gctx_update(g, SNP_PAGE_SECRETS, s->gpa, NULL);
                break;
        case OVMF_SECTION_CPUID:
                snp_gctx_update(g, SNP_PAGE_CPUID, s->gpa, NULL);
                break;
        case OVMF_SECTION_SNP_KERNEL_HASHES:
                if (!in->kernel) {
                        snp_gctx_empty_pages(g, SNP_PAGE_ZERO, s->gpa, s->size);
                        break;
                }
                memset(page, 0, sizeof(page));
                measure_kernel_hashes_table(in->kernel, page + (in->ovmf->hash_table_base & (MEASURE_PAGE_SIZE - 1)));
                snp_gctx_normal_pages(g, s->gpa, page, sizeof(page));
                break;
        }
}

static bool snp_digest(const MeasureInputs *in, uint8_t out[SNP_LD_LEN], GError **error) {
        g_auto(SnpGctx) g = {};
        bool seeded = in->mode == MEASURE_MODE_SNP && in->snp_seed;

        if (in->mode == MEASURE_MODE_SNP && (!check_vcpus(in, error) || !check_sections(in, error)))
                return false;

        snp_gctx_init(&g, seeded ? in->snp_seed : NULL);
        if (!seeded)
                snp_gctx_normal_pages(&g, ovmf_gpa(in->ovmf), in->ovmf->data, in->ovmf->size);
        if (in->mode == MEASURE_MODE_SNP) {
                for (size_t i = 0; i < in->ovmf->n_sections; i++)
                        snp_section(in, &g, &in->ovmf->sections[i]);
                for (unsigned i = 0; i < in->vcpus; i++) {
                        uint8_t page[4096];

                        vmsa_for(in, i, page);
                        snp_gctx_vmsa_page(&g, page);
                }
        }
        memcpy(out, g.ld, SNP_LD_LEN);
        return true;
}

bool measure_launch_digest(const MeasureInputs *in, uint8_t out[MEASURE_DIGEST_MAX], size_t *ret_len,
                           GError **error) {
        bool ok;

        switch (in->mode) {
        case MEASURE_MODE_SEV:
        case MEASURE_MODE_SEV_ES:
                ok = sev_digest(in, out, error);
                break;
        case MEASURE_MODE_SNP:
        case MEASURE_MODE_SNP_OVMF_HASH:
                ok = snp_digest(in, out, error);
                break;
        default:
                return measure_fail(error, MEASURE_ERROR_INVALID, "unknown measurement mode %d", (int) in->mode);
        }
        if (ok && ret_len)
                *ret_len = measure_digest_len(in->mode);
        return ok;
}
