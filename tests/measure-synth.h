/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The synthetic OVMF-like images of tests/fixtures/measure/vectors-synthetic.json,
 * rebuilt byte for byte from the file's recipe (test-measure, the CLI and oracle
 * tests, the benchmark, the fuzz seeds), so no firmware binary is kept in the tree.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
        uint32_t gpa, size, type;
} SynthSection;

typedef struct {
        size_t size;                    /* a multiple of 4096, at least 8192 */
        bool has_metadata;              /* "ASEV" at size - 0x1000 and its table entry */
        const SynthSection *sections;
        size_t n_sections;
        uint32_t hash_base, hash_size;  /* the SEV_HASH_TABLE_RV entry (always present) */
        uint32_t reset_eip;             /* the SEV_ES_RESET_BLOCK entry (always present; the recipe's 0x80b004) */
} SynthImage;

#define SYNTH_RESET_EIP 0x0080b004u

/* The first N bytes of SHA-256(SEED || le64(0)) || SHA-256(SEED || le64(1)) || ... */
guint8 *synth_stream(const char *seed, size_t n);

/* The image DESC describes (g_free() it). */
guint8 *synth_firmware(const SynthImage *desc);

/* The three images of the vectors: "synth_amdsev_like.bin", "synth_x64_like.bin", "synth_nometa.bin". */
bool synth_named(const char *name, SynthImage *ret);
guint8 *synth_kernel(size_t *len);      /* kernel.bin: 1 MiB */
guint8 *synth_initrd(size_t *len);      /* initrd.bin: 256 KiB */
#define SYNTH_CMDLINE "console=ttyS0 root=/dev/vda1 ro"

/* Writes the three images, kernel.bin and initrd.bin into DIR; false with a message on stderr. */
bool synth_write_all(const char *dir);
