/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * common/measure's parser of OVMF's footer table and SEV metadata, the one
 * part of the measurement that reads an untrusted file's structure, then
 * every digest over what it accepted. The input is right-aligned in a
 * zeroed image of whole pages (at least two), so the fuzzer owns the
 * footer table and the metadata it points at; the raw input is parsed too,
 * for the size checks.
 */
#include "fuzz-util.h"
#include "measure.h"

/* The SNP digest hashes once per page its sections cover: up to the parser's cap, too slow to fuzz. */
static bool cheap(const OvmfImage *img) {
        uint64_t pages = 0;

        for (size_t i = 0; i < img->n_sections; i++)
                pages += img->sections[i].size / MEASURE_PAGE_SIZE + 1;
        return pages <= 4096;
}

static void digest_all(const OvmfImage *img) {
        static const uint8_t kernel[MEASURE_SHA256_LEN] = { 1 };
        MeasureKernelHashes kh;
        uint8_t out[MEASURE_DIGEST_MAX];
        bool snp = cheap(img);

        measure_kernel_hashes_init(&kh, kernel, NULL, "console=ttyS0");
        for (MeasureMode m = MEASURE_MODE_SEV; m <= MEASURE_MODE_SNP_OVMF_HASH; m++)
                for (int k = 0; k < 2 && (m != MEASURE_MODE_SNP || snp); k++) {
                        MeasureInputs in = { .mode = m, .ovmf = img, .kernel = k ? &kh : NULL, .vcpus = 2,
                                             .vcpu_sig = 0xa00f11, .sev_features = 1 };
                        g_autoptr(GError) error = NULL;
                        size_t len = 0;
                        bool ok = measure_launch_digest(&in, out, &len, &error);

                        /* a digest of the mode's length, or an error with a message: never both, never neither */
                        FUZZ_ASSERT(ok ? !error && len == measure_digest_len(m)
                                       : error && error->domain == MEASURE_ERROR && *error->message);
                }
}

static void parse(const uint8_t *data, size_t size) {
        g_auto(OvmfImage) img = {};
        g_autoptr(GError) error = NULL;

        if (!ovmf_parse(data, size, &img, &error)) {
                FUZZ_ASSERT(error && g_error_matches(error, MEASURE_ERROR, MEASURE_ERROR_FIRMWARE));
                FUZZ_ASSERT(g_utf8_validate(error->message, -1, NULL));
                return;
        }
        FUZZ_ASSERT(!error && img.data == data && img.size == size);
        FUZZ_ASSERT(img.n_sections == 0 || img.sections);
        digest_all(&img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        size_t padded = MAX((size + MEASURE_PAGE_SIZE - 1) / MEASURE_PAGE_SIZE, 2) * MEASURE_PAGE_SIZE;
        g_autofree uint8_t *image = NULL;

        if (size > 4 * MEASURE_PAGE_SIZE)
                return 0;
        parse(data, size);
        image = g_malloc0(padded);
        memcpy(image + padded - size, data, size);
        parse(image, padded);
        return 0;
}
