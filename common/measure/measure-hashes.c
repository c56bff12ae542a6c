/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "measure-hashes.h"

/* GUIDs in their on-disk (bytes_le) form, as QEMU's target/i386/sev.c lays the table out. */
static const uint8_t guid_table[16] = {
        0x06, 0xd6, 0x38, 0x94, 0x22, 0x4f, 0xc9, 0x4c, 0xb4, 0x79, 0xa7, 0x93, 0xd4, 0x11, 0xfd, 0x21 };
static const uint8_t guid_cmdline[16] = {
        0xd8, 0x2d, 0xd0, 0x97, 0x20, 0xbd, 0x94, 0x4c, 0xaa, 0x78, 0xe7, 0x71, 0x4d, 0x36, 0xab, 0x2a };
static const uint8_t guid_initrd[16] = {
        0x31, 0xf7, 0xba, 0x44, 0x2f, 0x3a, 0xd7, 0x4b, 0x9a, 0xf1, 0x41, 0xe2, 0x91, 0x69, 0x78, 0x1d };
static const uint8_t guid_kernel[16] = {
        0x37, 0x94, 0xe7, 0x4d, 0xd2, 0xab, 0x7f, 0x42, 0xb8, 0x35, 0xd5, 0xb1, 0x72, 0xd2, 0x04, 0x5b };

#define TABLE_LEN 168u          /* the length field counts the table without its padding */
#define ENTRY_LEN 50u           /* GUID, u16 length, SHA-256 */

void measure_sha256(const void *data, size_t len, uint8_t out[MEASURE_SHA256_LEN]) {
        g_autoptr(GChecksum) c = g_checksum_new(G_CHECKSUM_SHA256);
        gsize n = MEASURE_SHA256_LEN;

        g_checksum_update(c, data, len);
        g_checksum_get_digest(c, out, &n);
}

void measure_kernel_hashes_init(MeasureKernelHashes *h, const uint8_t kernel[MEASURE_SHA256_LEN],
                                const uint8_t *initrd, const char *cmdline) {
        memcpy(h->kernel, kernel, MEASURE_SHA256_LEN);
        if (initrd)
                memcpy(h->initrd, initrd, MEASURE_SHA256_LEN);
        else
                measure_sha256("", 0, h->initrd);
        /* With its NUL, as the guest kernel sees it; an empty one is the NUL alone. */
        cmdline = cmdline ?: "";
        measure_sha256(cmdline, strlen(cmdline) + 1, h->cmdline);
}

static uint8_t *put_entry(uint8_t *p, const uint8_t guid[16], const uint8_t hash[MEASURE_SHA256_LEN]) {
        memcpy(p, guid, 16);
        p[16] = ENTRY_LEN & 0xff;
        p[17] = ENTRY_LEN >> 8;
        memcpy(p + 18, hash, MEASURE_SHA256_LEN);
        return p + ENTRY_LEN;
}

void measure_kernel_hashes_table(const MeasureKernelHashes *h, uint8_t out[MEASURE_HASH_TABLE_LEN]) {
        uint8_t *p = out;

        memset(out, 0, MEASURE_HASH_TABLE_LEN);
        memcpy(p, guid_table, 16);
        p[16] = TABLE_LEN & 0xff;
        p[17] = TABLE_LEN >> 8;
        p += 18;
        p = put_entry(p, guid_cmdline, h->cmdline);
        p = put_entry(p, guid_initrd, h->initrd);
        put_entry(p, guid_kernel, h->kernel);
}

char *measure_hex(const uint8_t *data, size_t n) {
        GString *s = g_string_sized_new(2 * n);

        for (size_t i = 0; i < n; i++)
                g_string_append_printf(s, "%02x", data[i]);
        return g_string_free(s, FALSE);
}
