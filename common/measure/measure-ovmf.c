/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The footer table ends 32 bytes before the end of the image; its last 18
 * bytes are its own header (u16 length of the whole table, footer GUID).
 * Entries are read from the end backwards, each ending in the same u16
 * length + GUID header. GUIDs are compared in their on-disk (bytes_le) form.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "measure-error.h"
#include "measure-ovmf.h"

#define firmware_error(error, ...) measure_fail(error, MEASURE_ERROR_FIRMWARE, __VA_ARGS__)

#define TABLE_END_GAP 32u       /* bytes between the table's end and the image's end */
#define ENTRY_HEADER 18u        /* u16 length + GUID */
#define METADATA_HEADER 16u     /* "ASEV", u32 size, u32 version, u32 count */
#define SECTION_DESC 12u        /* u32 gpa, u32 size, u32 type */
/* All metadata sections together may cover at most 1 GiB of guest memory (a real OVMF: under 2 MiB),
 * so no image makes the SNP digest hash for minutes. */
#define SECTION_PAGES_MAX (262144u)

static const uint8_t guid_footer[16] = {
        0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45, 0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d };
static const uint8_t guid_reset_block[16] = {
        0xde, 0x71, 0xf7, 0x00, 0x7e, 0x1a, 0xcb, 0x4f, 0x89, 0x0e, 0x68, 0xc7, 0x7e, 0x2f, 0xb4, 0x4e };
static const uint8_t guid_hash_table[16] = {
        0x1f, 0x37, 0x55, 0x72, 0x3b, 0x3a, 0x04, 0x4b, 0x92, 0x7b, 0x1d, 0xa6, 0xef, 0xa8, 0xd4, 0x54 };
static const uint8_t guid_metadata[16] = {
        0x66, 0x65, 0x88, 0xdc, 0x4a, 0x98, 0x98, 0x47, 0xa7, 0x5e, 0x55, 0x85, 0xa7, 0xbf, 0x67, 0xcc };

static uint16_t le16(const uint8_t *p) {
        return (uint16_t) (p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

typedef struct {
        const uint8_t *data;    /* NULL: no such entry */
        size_t len;
} Entry;

static bool check_size(size_t size, GError **error) {
        if (size == 0)
                return firmware_error(error, "the firmware image is empty");
        if (size > MEASURE_FIRMWARE_MAX)
                return firmware_error(error, "the firmware image has %zu bytes, more than the %zu this measures", size,
                                      MEASURE_FIRMWARE_MAX);
        /* QEMU maps pflash in 4 KiB sectors and SNP measures whole pages: a tail means a cut file. */
        if (size % MEASURE_PAGE_SIZE != 0)
                return firmware_error(error, "the firmware image has %zu bytes, not a whole number of 4096-byte pages "
                                      "(truncated?)", size);
        return true;
}

/* The table's entries by GUID; a later entry (lower address) replaces an earlier one, as QEMU reads them. */
static bool walk_table(const uint8_t *data, size_t size, Entry *reset, Entry *hashes, Entry *meta,
                       GError **error) {
        size_t footer = size - TABLE_END_GAP - ENTRY_HEADER;
        uint16_t len = le16(data + footer);
        const uint8_t *table;
        size_t remaining;

        if (memcmp(data + footer + 2, guid_footer, 16) != 0)
                return firmware_error(error, "the firmware image does not end with OVMF's GUIDed footer table (not an "
                                      "OVMF image, or truncated)");
        if (len < ENTRY_HEADER)
                return firmware_error(error, "the firmware's footer table claims %u bytes, less than its own %u-byte "
                                      "header", len, ENTRY_HEADER);
        remaining = len - ENTRY_HEADER;
        if (remaining > footer)
                return firmware_error(error, "the firmware's footer table claims %u bytes, beyond the start "
                                      "of the file",
                                      len);

        table = data + footer - remaining;
        while (remaining >= ENTRY_HEADER) {
                const uint8_t *hdr = table + remaining - ENTRY_HEADER;
                uint16_t esize = le16(hdr);
                Entry e;

                if (esize < ENTRY_HEADER)
                        return firmware_error(error, "an entry of the firmware's footer table claims %u bytes, less "
                                              "than its own %u-byte header", esize, ENTRY_HEADER);
                if (esize > remaining)
                        return firmware_error(error, "an entry of the firmware's footer table claims %u bytes, beyond "
                                              "the table's start", esize);
                e = (Entry) { table + remaining - esize, esize - ENTRY_HEADER };
                if (memcmp(hdr + 2, guid_reset_block, 16) == 0)
                        *reset = e;
                else if (memcmp(hdr + 2, guid_hash_table, 16) == 0)
                        *hashes = e;
                else if (memcmp(hdr + 2, guid_metadata, 16) == 0)
                        *meta = e;
                remaining -= esize;
        }
        return true;
}

static bool parse_metadata(const uint8_t *data, size_t size, const Entry *meta, OvmfImage *img,
                           GError **error) {
        uint32_t offset, hsize, version, count;
        const uint8_t *hdr;
        uint64_t pages = 0;

        if (meta->len < 4)
                return firmware_error(error, "the firmware's SEV metadata entry has %zu bytes, not 4", meta->len);
        offset = le32(meta->data);
        if (offset < METADATA_HEADER || offset > size)
                return firmware_error(error, "the firmware's SEV metadata lies outside the image (%"PRIu32 " bytes "
                                      "from its end, the image has %zu)", offset, size);
        hdr = data + size - offset;
        if (memcmp(hdr, "ASEV", 4) != 0)
                return firmware_error(error, "the firmware's SEV metadata does not start with the signature 'ASEV'");
        hsize = le32(hdr + 4);
        version = le32(hdr + 8);
        count = le32(hdr + 12);
        if (version != 1)
                return firmware_error(error, "the firmware's SEV metadata has version %"PRIu32 ", not 1", version);
        if (hsize > offset)
                return firmware_error(error, "the firmware's SEV metadata claims %"PRIu32 " bytes, beyond the end of "
                                      "the image", hsize);
        if ((uint64_t) METADATA_HEADER + (uint64_t) SECTION_DESC * count > hsize)
                return firmware_error(error, "the firmware's SEV metadata lists %"PRIu32 " sections, more than its %"
                                      PRIu32 " bytes hold", count, hsize);

        img->has_metadata = true;
        img->n_sections = count;
        img->sections = g_new0(OvmfSection, MAX(count, 1));
        for (uint32_t i = 0; i < count; i++) {
                const uint8_t *d = hdr + METADATA_HEADER + (size_t) SECTION_DESC * i;
                OvmfSection *s = &img->sections[i];

                *s = (OvmfSection) { le32(d), le32(d + 4), le32(d + 8) };
                pages += ((uint64_t) s->size + MEASURE_PAGE_SIZE - 1) / MEASURE_PAGE_SIZE;
                if (pages > SECTION_PAGES_MAX)
                        return firmware_error(error, "the firmware's SEV metadata sections cover more than %u pages of "
                                              "guest memory", SECTION_PAGES_MAX);
        }
        return true;
}

bool ovmf_parse(const uint8_t *data, size_t size, OvmfImage *ret, GError **error) {
        Entry reset = {}, hashes = {}, meta = {};
        g_auto(OvmfImage) img = { .data = data, .size = size };

        if (!check_size(size, error) || !walk_table(data, size, &reset, &hashes, &meta, error))
                return false;
        if (reset.data) {
                if (reset.len < 4)
                        return firmware_error(error, "the firmware's SEV-ES reset block entry has %zu bytes, not 4",
                                              reset.len);
                img.has_reset_eip = true;
                img.reset_eip = le32(reset.data);
        }
        if (hashes.data) {
                if (hashes.len < 8)
                        return firmware_error(error, "the firmware's kernel hashes table entry has %zu bytes, not 8",
                                              hashes.len);
                img.has_hash_table = true;
                img.hash_table_base = le32(hashes.data);
                img.hash_table_size = le32(hashes.data + 4);
        }
        if (meta.data && !parse_metadata(data, size, &meta, &img, error))
                return false;
        *ret = img;
        img = (OvmfImage) {};
        return true;
}

void ovmf_image_clear(OvmfImage *img) {
        g_clear_pointer(&img->sections, g_free);
        *img = (OvmfImage) {};
}

bool ovmf_has_section(const OvmfImage *img, OvmfSectionType type) {
        for (size_t i = 0; i < img->n_sections; i++)
                if (img->sections[i].type == (uint32_t) type)
                        return true;
        return false;
}

const char *ovmf_section_type_name(uint32_t type) {
        switch (type) {
        case OVMF_SECTION_SNP_SEC_MEM:
                return "SNP_SEC_MEM";
        case OVMF_SECTION_SNP_SECRETS:
                return "SNP_SECRETS";
        case OVMF_SECTION_CPUID:
                return "CPUID";
        case OVMF_SECTION_SVSM_CAA:
                return "SVSM_CAA";
        case OVMF_SECTION_SNP_KERNEL_HASHES:
                return "SNP_KERNEL_HASHES";
        default:
                return NULL;
        }
}
