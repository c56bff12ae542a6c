/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * OVMF's GUIDed footer table and SEV metadata (edk2 ResetVectorVtf0.asm,
 * OvmfSevMetadata.asm). The image is untrusted: every offset and length in
 * it is checked against the image before it is used.
 */

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEASURE_PAGE_SIZE 4096u
/* The largest firmware image measured. QEMU maps it right below 4 GiB; real OVMF images are 2-4 MiB. */
#define MEASURE_FIRMWARE_MAX ((size_t) 64 * 1024 * 1024)

/* SEV metadata section types. */
typedef enum {
        OVMF_SECTION_SNP_SEC_MEM = 1,
        OVMF_SECTION_SNP_SECRETS = 2,
        OVMF_SECTION_CPUID = 3,
        OVMF_SECTION_SVSM_CAA = 4,
        OVMF_SECTION_SNP_KERNEL_HASHES = 0x10,
} OvmfSectionType;

typedef struct {
        uint32_t gpa, size, type;       /* type as found: OvmfSectionType or anything else */
} OvmfSection;

typedef struct {
        const uint8_t *data;            /* borrowed from the caller of ovmf_parse() */
        size_t size;
        bool has_reset_eip;             /* SEV_ES_RESET_BLOCK: the APs' reset vector */
        uint32_t reset_eip;
        bool has_hash_table;            /* SEV_HASH_TABLE_RV: where QEMU puts the kernel hashes */
        uint32_t hash_table_base, hash_table_size;
        bool has_metadata;              /* OVMF_SEV_META_DATA */
        size_t n_sections;
        OvmfSection *sections;
} OvmfImage;

/*
 * Parses DATA (SIZE bytes, kept borrowed in RET). An image without the
 * footer table, or with one whose lengths do not fit, is refused: QEMU would
 * load it, but nothing in it could be trusted to be OVMF.
 */
bool ovmf_parse(const uint8_t *data, size_t size, OvmfImage *ret, GError **error);
void ovmf_image_clear(OvmfImage *img);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OvmfImage, ovmf_image_clear)

/* Guest-physical address of the first byte: the image ends at 4 GiB. */
static inline uint64_t ovmf_gpa(const OvmfImage *img) {
        return ((uint64_t) 1 << 32) - img->size;
}

/* Kernel hashes can be measured: the hash table entry exists with a base other than 0. */
static inline bool ovmf_supports_kernel_hashes(const OvmfImage *img) {
        return img->has_hash_table && img->hash_table_base != 0;
}

bool ovmf_has_section(const OvmfImage *img, OvmfSectionType type);
const char *ovmf_section_type_name(uint32_t type);      /* NULL for a type not known */
