/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The recipe of tests/fixtures/measure/vectors-synthetic.json, in C; each image's sha256 is checked there. */
#include <stdio.h>
#include <string.h>

#include "measure-synth.h"

static const guint8 guid_footer[16] = {
        0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45, 0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d };
static const guint8 guid_reset[16] = {
        0xde, 0x71, 0xf7, 0x00, 0x7e, 0x1a, 0xcb, 0x4f, 0x89, 0x0e, 0x68, 0xc7, 0x7e, 0x2f, 0xb4, 0x4e };
static const guint8 guid_hashes[16] = {
        0x1f, 0x37, 0x55, 0x72, 0x3b, 0x3a, 0x04, 0x4b, 0x92, 0x7b, 0x1d, 0xa6, 0xef, 0xa8, 0xd4, 0x54 };
static const guint8 guid_meta[16] = {
        0x66, 0x65, 0x88, 0xdc, 0x4a, 0x98, 0x98, 0x47, 0xa7, 0x5e, 0x55, 0x85, 0xa7, 0xbf, 0x67, 0xcc };

static void put32(guint8 *p, guint32 v) {
        for (int i = 0; i < 4; i++)
                p[i] = (guint8) (v >> (8 * i));
}

guint8 *synth_stream(const char *seed, size_t n) {
        guint8 *out = g_malloc(MAX(n, 1));
        size_t seed_len = strlen(seed);

        for (guint64 block = 0; block * 32 < n; block++) {
                g_autoptr(GChecksum) c = g_checksum_new(G_CHECKSUM_SHA256);
                guint8 le[8], digest[32];
                gsize dlen = sizeof(digest);

                for (int i = 0; i < 8; i++)
                        le[i] = (guint8) (block >> (8 * i));
                g_checksum_update(c, (const guchar *) seed, seed_len);
                g_checksum_update(c, le, sizeof(le));
                g_checksum_get_digest(c, digest, &dlen);
                memcpy(out + block * 32, digest, MIN((size_t) 32, n - block * 32));
        }
        return out;
}

/* One table entry ending at *END (moved down to its start): DATA || le16 len(DATA)+18 || GUID. */
static void put_entry(guint8 *img, size_t *end, const guint8 *data, size_t len, const guint8 guid[16]) {
        size_t start = *end - len - 18;

        memcpy(img + start, data, len);
        img[start + len] = (guint8) ((len + 18) & 0xff);
        img[start + len + 1] = (guint8) ((len + 18) >> 8);
        memcpy(img + start + len + 2, guid, 16);
        *end = start;
}

guint8 *synth_firmware(const SynthImage *d) {
        guint8 *img = synth_stream("memcryptd-synth-fw", d->size);
        guint8 data[8];
        size_t end, table_len;

        if (d->has_metadata) {
                guint8 *m = img + d->size - 0x1000;

                memcpy(m, "ASEV", 4);
                put32(m + 4, (guint32) (16 + 12 * d->n_sections));
                put32(m + 8, 1);
                put32(m + 12, (guint32) d->n_sections);
                for (size_t i = 0; i < d->n_sections; i++) {
                        put32(m + 16 + 12 * i, d->sections[i].gpa);
                        put32(m + 20 + 12 * i, d->sections[i].size);
                        put32(m + 24 + 12 * i, d->sections[i].type);
                }
        }
        /* From the footer down: footer, reset block, hash table, [metadata]. */
        table_len = 18 + 22 + 26 + (d->has_metadata ? 22 : 0);
        end = d->size - 32;
        img[end - 18] = (guint8) (table_len & 0xff);
        img[end - 17] = (guint8) (table_len >> 8);
        memcpy(img + end - 16, guid_footer, 16);
        end -= 18;
        put32(data, d->reset_eip);
        put_entry(img, &end, data, 4, guid_reset);
        put32(data, d->hash_base);
        put32(data + 4, d->hash_size);
        put_entry(img, &end, data, 8, guid_hashes);
        if (d->has_metadata) {
                put32(data, 0x1000);
                put_entry(img, &end, data, 4, guid_meta);
        }
        return img;
}

static const SynthSection amdsev_sections[] = {
        { 0x800000, 0x9000, 1 }, { 0x80a000, 0x3000, 1 }, { 0x80d000, 0x1000, 2 }, { 0x80e000, 0x1000, 3 },
        { 0x80f000, 0x1000, 4 }, { 0x810000, 0x1000, 0x10 }, { 0x811000, 0xf000, 1 },
};
static const SynthSection x64_sections[] = {
        { 0x800000, 0x9000, 1 }, { 0x80a000, 0x3000, 1 }, { 0x80d000, 0x1000, 2 }, { 0x80e000, 0x1000, 3 },
        { 0x80f000, 0x11000, 1 },
};

bool synth_named(const char *name, SynthImage *ret) {
        *ret = (SynthImage) { .size = 65536, .reset_eip = SYNTH_RESET_EIP };
        if (strcmp(name, "synth_amdsev_like.bin") == 0) {
                ret->has_metadata = true;
                ret->sections = amdsev_sections;
                ret->n_sections = G_N_ELEMENTS(amdsev_sections);
                ret->hash_base = 0x810c00;
                ret->hash_size = 0x400;
        } else if (strcmp(name, "synth_x64_like.bin") == 0) {
                ret->has_metadata = true;
                ret->sections = x64_sections;
                ret->n_sections = G_N_ELEMENTS(x64_sections);
        } else if (strcmp(name, "synth_nometa.bin") != 0)
                return false;
        return true;
}

guint8 *synth_kernel(size_t *len) {
        *len = 1048576;
        return synth_stream("memcryptd-test-kernel", *len);
}

guint8 *synth_initrd(size_t *len) {
        *len = 262144;
        return synth_stream("memcryptd-test-initrd", *len);
}

static bool write_file(const char *dir, const char *name, const guint8 *data, size_t len) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autoptr(GError) error = NULL;

        if (g_file_set_contents(path, (const char *) data, (gssize) len, &error))
                return true;
        fprintf(stderr, "%s\n", error->message);
        return false;
}

bool synth_write_all(const char *dir) {
        static const char *const names[] = { "synth_amdsev_like.bin", "synth_x64_like.bin", "synth_nometa.bin" };
        g_autofree guint8 *kernel = NULL, *initrd = NULL;
        size_t klen, ilen;

        for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
                SynthImage d;
                g_autofree guint8 *img = NULL;

                g_assert(synth_named(names[i], &d));
                img = synth_firmware(&d);
                if (!write_file(dir, names[i], img, d.size))
                        return false;
        }
        kernel = synth_kernel(&klen);
        initrd = synth_initrd(&ilen);
        return write_file(dir, "kernel.bin", kernel, klen) && write_file(dir, "initrd.bin", initrd, ilen);
}
