/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * common/measure against the 77 vectors of tests/fixtures/measure (made by
 * sev-snp-measure 0.0.13, SEV/SEV-ES cross-checked with libvirt's validator):
 * the synthetic images are rebuilt from the file's recipe and every digest
 * and expected error is checked; then the parser's and the digest's refusals
 * of bad input, one by one.
 *
 *      test-measure --write DIR        writes the images, kernel.bin, initrd.bin
 */
#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "measure.h"
#include "measure-input.h"
#include "measure-synth.h"
#include "test-util.h"

static char *hex(const guint8 *d, size_t n) {
        GString *s = g_string_new(NULL);

        for (size_t i = 0; i < n; i++)
                g_string_append_printf(s, "%02x", d[i]);
        return g_string_free(s, FALSE);
}

static char *sha256_hex(const guint8 *d, size_t n) {
        return g_compute_checksum_for_data(G_CHECKSUM_SHA256, d, n);
}

static JsonNode *load_vectors(void) {
        g_autofree char *path = g_build_filename(test_env("MEMCRYPT_SOURCE_ROOT"), "tests", "fixtures", "measure",
                                                 "vectors-synthetic.json", NULL);
        g_autoptr(JsonParser) p = json_parser_new();
        g_autoptr(GError) error = NULL;

        if (!json_parser_load_from_file(p, path, &error))
                fail_msg("%s: %s", path, error->message);
        return json_node_copy(json_parser_get_root(p));
}

/* A rebuilt image, checked against the sha256, size, sections and hash table the file states. */
static guint8 *image(JsonObject *root, const char *name, SynthImage *d) {
        JsonObject *img = json_object_get_object_member(json_object_get_object_member(root, "images"), name);
        g_autofree char *base = NULL;
        g_autofree char *sum = NULL;
        guint8 *data;

        assert_non_null(img);
        assert_true(synth_named(name, d));
        data = synth_firmware(d);
        sum = sha256_hex(data, d->size);
        assert_string_equal(sum, json_object_get_string_member(img, "sha256"));
        assert_int_equal(d->size, json_object_get_int_member(img, "size"));
        base = g_strdup_printf("0x%x", d->hash_base);
        assert_string_equal(base, json_object_get_string_member(img, "hash_table_base"));
        return data;
}

static void test_recipe(void **state) {
        g_autoptr(JsonNode) node = load_vectors();
        JsonObject *root = json_node_get_object(node);
        g_autofree guint8 *kernel = NULL, *initrd = NULL;
        g_autofree char *ksum = NULL, *isum = NULL;
        size_t klen, ilen;

        for (const char *const *n = (const char *const[]) { "synth_amdsev_like.bin", "synth_x64_like.bin",
                                                             "synth_nometa.bin", NULL }; *n; n++) {
                SynthImage d;
                g_autofree guint8 *data = image(root, *n, &d);
                g_auto(OvmfImage) img = {};
                g_autoptr(GError) error = NULL;
                JsonNode *sections = json_object_get_member(
                        json_object_get_object_member(json_object_get_object_member(root, "images"), *n), "sections");

                /* What the parser finds is what the recipe put there. */
                assert_true(ovmf_parse(data, d.size, &img, &error));
                assert_true(img.has_reset_eip);
                assert_int_equal(img.reset_eip, SYNTH_RESET_EIP);
                assert_true(img.has_hash_table);
                assert_int_equal(img.hash_table_base, d.hash_base);
                assert_int_equal(img.hash_table_size, d.hash_size);
                assert_int_equal(img.has_metadata, !JSON_NODE_HOLDS_NULL(sections));
                assert_int_equal(img.n_sections, d.n_sections);
                for (size_t i = 0; i < img.n_sections; i++) {
                        JsonArray *s = json_array_get_array_element(json_node_get_array(sections), (guint) i);

                        assert_int_equal(img.sections[i].gpa, json_array_get_int_element(s, 0));
                        assert_int_equal(img.sections[i].size, json_array_get_int_element(s, 1));
                        assert_int_equal(img.sections[i].type, json_array_get_int_element(s, 2));
                }
        }
        kernel = synth_kernel(&klen);
        initrd = synth_initrd(&ilen);
        ksum = sha256_hex(kernel, klen);
        isum = sha256_hex(initrd, ilen);
        assert_string_equal(ksum, json_object_get_string_member(json_object_get_object_member(root, "kernel"), "sha256"));
        assert_string_equal(isum, json_object_get_string_member(json_object_get_object_member(root, "initrd"), "sha256"));
        assert_string_equal(SYNTH_CMDLINE, json_object_get_string_member(root, "cmdline"));
}

static MeasureKernelHashes synth_kernel_hashes(void) {
        g_autofree guint8 *kernel = NULL, *initrd = NULL;
        guint8 ksum[32], isum[32];
        MeasureKernelHashes h;
        size_t klen, ilen;

        kernel = synth_kernel(&klen);
        initrd = synth_initrd(&ilen);
        measure_sha256(kernel, klen, ksum);
        measure_sha256(initrd, ilen, isum);
        measure_kernel_hashes_init(&h, ksum, isum, SYNTH_CMDLINE);
        return h;
}

static void test_vectors(void **state) {
        g_autoptr(JsonNode) node = load_vectors();
        JsonObject *root = json_node_get_object(node);
        JsonArray *vectors = json_object_get_array_member(root, "vectors");
        MeasureKernelHashes kh = synth_kernel_hashes();
        unsigned n_digests = 0, n_errors = 0;

        assert_int_equal(json_array_get_length(vectors), 77);
        for (guint i = 0; i < json_array_get_length(vectors); i++) {
                JsonObject *v = json_array_get_object_element(vectors, i);
                const char *mode = json_object_get_string_member(v, "mode");
                const char *type = json_object_get_string_member_with_default(v, "vcpu_type", NULL);
                const char *want = json_object_get_string_member_with_default(v, "digest_hex", NULL);
                const char *want_error = json_object_get_string_member_with_default(v, "expected_error", NULL);
                bool legacy = g_str_equal(mode, "seves-legacy-init");
                MeasureInputs in = { .vmsa_form = legacy ? MEASURE_VMSA_LEGACY : MEASURE_VMSA_INIT2 };
                SynthImage d;
                g_autofree guint8 *data = image(root, json_object_get_string_member(v, "image"), &d);
                g_auto(OvmfImage) img = {};
                g_autoptr(GError) error = NULL;
                guint8 out[MEASURE_DIGEST_MAX];
                size_t len = 0;
                bool ok;

                in.mode = legacy ? MEASURE_MODE_SEV_ES : (MeasureMode) measure_mode_from_string(mode);
                assert_int_not_equal(in.mode, -1);
                assert_true(ovmf_parse(data, d.size, &img, &error));
                in.ovmf = &img;
                if (json_object_get_boolean_member(v, "kernel_initrd_cmdline"))
                        in.kernel = &kh;
                if (!json_object_get_null_member(v, "vcpus"))
                        in.vcpus = (unsigned) json_object_get_int_member(v, "vcpus");
                if (type) {
                        const MeasureVcpuType *t = measure_vcpu_type_lookup(type);

                        assert_non_null(t);
                        in.vcpu_sig = measure_cpu_signature(t->family, t->model, t->stepping);
                }
                if (in.mode == MEASURE_MODE_SNP)
                        in.sev_features = json_object_get_null_member(v, "guest_features") ? 1 :
                                (guint64) g_ascii_strtoull(json_object_get_string_member(v, "guest_features"), NULL, 0);
                /* argv, when the file has it, agrees with the fields read above */
                if (json_object_has_member(v, "argv") && in.mode == MEASURE_MODE_SNP) {
                        JsonArray *argv = json_object_get_array_member(v, "argv");
                        for (guint a = 0; a + 1 < json_array_get_length(argv); a++)
                                if (g_str_equal(json_array_get_string_element(argv, a), "--guest-features"))
                                        assert_int_equal(in.sev_features, g_ascii_strtoull(
                                                json_array_get_string_element(argv, a + 1), NULL, 0));
                }

                ok = measure_launch_digest(&in, out, &len, &error);
                if (want) {
                        g_autofree char *got = NULL;

                        if (!ok)
                                fail_msg("vector %u: %s", i + 1, error->message);
                        got = hex(out, len);
                        if (!g_str_equal(got, want))
                                fail_msg("vector %u (%s): %s, expected %s", i + 1, mode, got, want);
                        n_digests++;
                } else {
                        assert_non_null(want_error);
                        if (ok)
                                fail_msg("vector %u: a digest where the oracle failed (%s)", i + 1, want_error);
                        /* Both of the file's errors: the firmware cannot measure a kernel. */
                        assert_true(g_error_matches(error, MEASURE_ERROR, MEASURE_ERROR_UNSUPPORTED));
                        assert_non_null(strstr(error->message, "cannot measure a kernel, initrd or command line"));
                        assert_int_equal(g_str_has_prefix(mode, "snp"),
                                         strstr(error->message, "SNP_KERNEL_HASHES") != NULL);
                        n_errors++;
                }
        }
        assert_int_equal(n_digests, 71);
        assert_int_equal(n_errors, 6);
}

/* A snp:ovmf-hash given as the seed stands for the firmware's pages. */
static void test_snp_seed(void **state) {
        SynthImage d;
        g_autofree guint8 *data = (synth_named("synth_amdsev_like.bin", &d), synth_firmware(&d));
        g_auto(OvmfImage) img = {};
        MeasureKernelHashes kh = synth_kernel_hashes();
        MeasureInputs in = { .mode = MEASURE_MODE_SNP_OVMF_HASH, .kernel = &kh, .vcpus = 4,
                             .vcpu_sig = 0xa00f11, .sev_features = 0x21 };
        guint8 seed[48], a[48], b[48];
        size_t len;

        assert_true(ovmf_parse(data, d.size, &img, NULL));
        in.ovmf = &img;
        assert_true(measure_launch_digest(&in, seed, &len, NULL));
        assert_int_equal(len, 48);
        in.mode = MEASURE_MODE_SNP;
        assert_true(measure_launch_digest(&in, a, NULL, NULL));
        in.snp_seed = seed;
        data[0] ^= 1;   /* the pages are not read again: only the seed counts */
        assert_true(measure_launch_digest(&in, b, NULL, NULL));
        assert_memory_equal(a, b, 48);
        seed[0] ^= 1;
        assert_true(measure_launch_digest(&in, b, NULL, NULL));
        assert_memory_not_equal(a, b, 48);
}

/* The reference's VMSA test vectors (QEMU, EPYC-v4, features 0x1, AP eip 0x80b004) and signatures. */
static void test_vmsa_and_signatures(void **state) {
        static const struct { const char *name; uint32_t sig; } sigs[] = {
                { "EPYC", 0x800f12 }, { "EPYC-v4", 0x800f12 }, { "EPYC-IBPB", 0x800f12 },
                { "EPYC-Rome", 0x830f10 }, { "EPYC-Rome-v3", 0x830f10 }, { "EPYC-Milan", 0xa00f11 },
                { "EPYC-Milan-v2", 0xa00f11 }, { "EPYC-Genoa", 0xa10f10 }, { "EPYC-Turin", 0xb00f00 },
        };
        guint8 page[4096];
        g_autofree char *bsp = NULL, *ap = NULL;

        measure_vmsa_page(page, MEASURE_VMSA_BSP_EIP, 0x800f12, 1, MEASURE_VMSA_INIT2);
        bsp = g_compute_checksum_for_data(G_CHECKSUM_SHA384, page, sizeof(page));
        measure_vmsa_page(page, SYNTH_RESET_EIP, 0x800f12, 1, MEASURE_VMSA_INIT2);
        ap = g_compute_checksum_for_data(G_CHECKSUM_SHA384, page, sizeof(page));
        assert_true(g_str_has_prefix(bsp, "77920c4c") && g_str_has_suffix(bsp, "553a"));
        assert_true(g_str_has_prefix(ap, "8413b852") && g_str_has_suffix(ap, "f7b4"));
        /* legacy: MXCSR and FCW stay 0 */
        measure_vmsa_page(page, SYNTH_RESET_EIP, 0x800f12, 1, MEASURE_VMSA_LEGACY);
        assert_int_equal(page[0x408] | page[0x409] | page[0x410] | page[0x411], 0);

        for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++) {
                const MeasureVcpuType *t = measure_vcpu_type_lookup(sigs[i].name);

                assert_non_null(t);
                assert_int_equal(measure_cpu_signature(t->family, t->model, t->stepping), sigs[i].sig);
        }
        assert_null(measure_vcpu_type_lookup("EPYC-Frobnicate"));
        assert_null(measure_vcpu_type_lookup("epyc"));
        assert_null(measure_vcpu_type_lookup("EPYC-Milan-v3"));     /* not known to keep the signature */
        assert_int_equal(measure_vmsa_form_from_string("init2"), MEASURE_VMSA_INIT2);
        assert_int_equal(measure_vmsa_form_from_string("legacy"), MEASURE_VMSA_LEGACY);
        assert_int_equal(measure_vmsa_form_from_string("Legacy"), -1);
        assert_int_equal(measure_mode_from_string("snp:ovmf-hash"), MEASURE_MODE_SNP_OVMF_HASH);
        assert_int_equal(measure_mode_from_string("snp:svsm"), -1);
}

/* ---- bad input: a named error, never a digest ---- */

static void put32(guint8 *p, guint32 v) {
        for (int i = 0; i < 4; i++)
                p[i] = (guint8) (v >> (8 * i));
}

static void expect_parse_error(const guint8 *data, size_t size, const char *needle) {
        g_auto(OvmfImage) img = {};
        g_autoptr(GError) error = NULL;

        if (ovmf_parse(data, size, &img, &error))
                fail_msg("parsed, expected an error with '%s'", needle);
        assert_true(g_error_matches(error, MEASURE_ERROR, MEASURE_ERROR_FIRMWARE));
        if (!strstr(error->message, needle))
                fail_msg("'%s' does not say '%s'", error->message, needle);
}

static guint8 *amdsev(SynthImage *d) {
        assert_true(synth_named("synth_amdsev_like.bin", d));
        return synth_firmware(d);
}

static void test_parse_errors(void **state) {
        SynthImage d;
        g_autofree guint8 *good = amdsev(&d);
        g_autofree guint8 *data = g_memdup2(good, d.size);
        const size_t footer = d.size - 32 - 18, meta = d.size - 0x1000;
        guint8 big[1];

        expect_parse_error(data, 0, "is empty");
        expect_parse_error(data, d.size - 1, "not a whole number of 4096-byte pages (truncated?)");
        expect_parse_error(data, d.size - 4096, "does not end with OVMF's GUIDed footer table");
        expect_parse_error(big, MEASURE_FIRMWARE_MAX + 4096, "more than the");

        /* the table's own length */
        data[footer] = 17, data[footer + 1] = 0;
        expect_parse_error(data, d.size, "less than its own 18-byte header");
        data[footer] = 0xff, data[footer + 1] = 0xff;
        expect_parse_error(data, d.size, "beyond the start of the file");
        memcpy(data, good, d.size);

        /* an entry's length: the reset block's header sits right below the footer */
        data[footer - 18] = 3;
        expect_parse_error(data, d.size, "less than its own 18-byte header");
        data[footer - 18] = 200;
        expect_parse_error(data, d.size, "beyond the table's start");
        data[footer - 18] = 18;         /* an entry with no data: the reset block needs 4 bytes */
        {
                g_auto(OvmfImage) img = {};
                g_autoptr(GError) error = NULL;

                /* 18 leaves 4 stray bytes that then read as part of the next entry: still refused */
                assert_false(ovmf_parse(data, d.size, &img, &error));
        }
        memcpy(data, good, d.size);

        /* the metadata: where its entry points, its header, its count */
        {
                /* the metadata entry's data is the lowest 4 bytes of the table */
                size_t table_len = data[footer] | data[footer + 1] << 8;
                guint8 *offset = data + footer - (table_len - 18);

                put32(offset, (guint32) d.size + 4096);
                expect_parse_error(data, d.size, "lies outside the image");
                put32(offset, 8);
                expect_parse_error(data, d.size, "lies outside the image");
                put32(offset, 0x1000);
        }
        data[meta] = 'X';
        expect_parse_error(data, d.size, "signature 'ASEV'");
        data[meta] = 'A';
        put32(data + meta + 8, 2);
        expect_parse_error(data, d.size, "version 2, not 1");
        put32(data + meta + 8, 1);
        put32(data + meta + 4, 0x1001);
        expect_parse_error(data, d.size, "beyond the end of the image");
        put32(data + meta + 4, 16 + 12 * 7);
        put32(data + meta + 12, 8);
        expect_parse_error(data, d.size, "lists 8 sections, more than its 100 bytes hold");
        put32(data + meta + 12, 0xffffffff);
        expect_parse_error(data, d.size, "more than its");
        put32(data + meta + 12, 7);
        put32(data + meta + 16 + 4, 0xfffff000);        /* section 0 covers almost 4 GiB */
        expect_parse_error(data, d.size, "cover more than 262144 pages");
        memcpy(data, good, d.size);
}

static bool digest(const guint8 *data, size_t size, MeasureInputs *in, GError **error) {
        g_auto(OvmfImage) img = {};
        guint8 out[MEASURE_DIGEST_MAX];

        if (!ovmf_parse(data, size, &img, error))
                return false;
        in->ovmf = &img;
        return measure_launch_digest(in, out, NULL, error);
}

static void expect_digest_error(const guint8 *data, size_t size, MeasureInputs in, MeasureErrorCode code,
                                const char *needle) {
        g_autoptr(GError) error = NULL;

        if (digest(data, size, &in, &error))
                fail_msg("a digest, expected an error with '%s'", needle);
        if (!g_error_matches(error, MEASURE_ERROR, code) || !strstr(error->message, needle))
                fail_msg("'%s' (code %d) does not say '%s' (code %d)", error->message, error->code, needle, code);
}

static void test_digest_errors(void **state) {
        SynthImage d;
        g_autofree guint8 *good = amdsev(&d);
        g_autofree guint8 *data = g_memdup2(good, d.size);
        MeasureKernelHashes kh = synth_kernel_hashes();
        const size_t meta = d.size - 0x1000;
        g_autoptr(GError) error = NULL;

        for (MeasureMode m = MEASURE_MODE_SEV_ES; m <= MEASURE_MODE_SNP; m++) {
                expect_digest_error(data, d.size, (MeasureInputs) { .mode = m, .vcpus = 0 }, MEASURE_ERROR_INVALID,
                                    "0 vCPUs: a guest has 1 to 512");
                expect_digest_error(data, d.size, (MeasureInputs) { .mode = m, .vcpus = 513 }, MEASURE_ERROR_INVALID,
                                    "513 vCPUs");
        }
        assert_true(digest(data, d.size, &(MeasureInputs) { .mode = MEASURE_MODE_SNP, .vcpus = 512 }, NULL));

        /* a reset address of 0: one vCPU starts, several cannot */
        d.reset_eip = 0;
        g_free(data);
        data = synth_firmware(&d);
        assert_true(digest(data, d.size, &(MeasureInputs) { .mode = MEASURE_MODE_SEV_ES, .vcpus = 1 }, NULL));
        expect_digest_error(data, d.size, (MeasureInputs) { .mode = MEASURE_MODE_SEV_ES, .vcpus = 2 },
                            MEASURE_ERROR_FIRMWARE, "reset block gives address 0");
        expect_digest_error(data, d.size, (MeasureInputs) { .mode = MEASURE_MODE_SNP, .vcpus = 4 },
                            MEASURE_ERROR_FIRMWARE, "the 3 application processors of a 4-vCPU guest");
        d.reset_eip = SYNTH_RESET_EIP;
        memcpy(data, good, d.size);

        /* an unknown section type only matters to SNP, which adds the sections */
        put32(data + meta + 16 + 12 * 2 + 8, 7);
        assert_true(digest(data, d.size, &(MeasureInputs) { .mode = MEASURE_MODE_SEV_ES, .vcpus = 1 }, NULL));
        expect_digest_error(data, d.size, (MeasureInputs) { .mode = MEASURE_MODE_SNP, .vcpus = 1 },
                            MEASURE_ERROR_FIRMWARE, "section 2 has the unknown type 0x7");
        memcpy(data, good, d.size);
        put32(data + meta + 16 + 4, 0x9001);
        expect_digest_error(data, d.size, (MeasureInputs) { .mode = MEASURE_MODE_SNP, .vcpus = 1 },
                            MEASURE_ERROR_FIRMWARE, "section 0 (SNP_SEC_MEM) has 36865 bytes, not whole pages");
        memcpy(data, good, d.size);
        put32(data + meta + 16 + 12 * 5 + 4, 0x2000);   /* SNP_KERNEL_HASHES of two pages */
        expect_digest_error(data, d.size, (MeasureInputs) { .mode = MEASURE_MODE_SNP, .vcpus = 1, .kernel = &kh },
                            MEASURE_ERROR_FIRMWARE, "SNP_KERNEL_HASHES section has 8192 bytes, not one page");
        assert_true(digest(data, d.size, &(MeasureInputs) { .mode = MEASURE_MODE_SNP, .vcpus = 1 }, NULL));
        memcpy(data, good, d.size);

        /* the hashes table must fit in its page */
        d.hash_base = 0x810f60;
        g_free(data);
        data = synth_firmware(&d);
        expect_digest_error(data, d.size, (MeasureInputs) { .mode = MEASURE_MODE_SNP, .vcpus = 1, .kernel = &kh },
                            MEASURE_ERROR_FIRMWARE, "would cross the end of its page");
        d.hash_base = 0x810c00;

        /* SEV has no VMSA: neither vCPUs nor a reset block are needed */
        assert_true(digest(good, d.size, &(MeasureInputs) { .mode = MEASURE_MODE_SEV }, &error));
}

/* Only regular files are read: a directory or FIFO is refused at once, without blocking. */
static void test_input_fds(void **state) {
        g_autofree char *dir = test_tmpdir();
        g_autofree char *fifo = g_build_filename(dir, "fifo", NULL);
        g_autofree char *file = g_build_filename(dir, "file", NULL);
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) bytes = NULL;
        guint8 sum[32];
        uint64_t size;
        int fd;

        fd = open(dir, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_null(measure_read_firmware_fd(fd, &error));
        assert_non_null(strstr(error->message, "is a directory"));
        g_clear_error(&error);
        assert_false(measure_sha256_fd(fd, 100, sum, NULL, &error));
        g_clear_error(&error);
        close(fd);

        assert_int_equal(mkfifo(fifo, 0600), 0);
        fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_null(measure_read_firmware_fd(fd, &error));
        assert_non_null(strstr(error->message, "not a regular file"));
        g_clear_error(&error);
        close(fd);

        test_write(dir, "file", "abc");
        fd = open(file, O_RDONLY | O_CLOEXEC);
        assert_true(measure_sha256_fd(fd, 3, sum, &size, &error));
        assert_int_equal(size, 3);
        assert_false(measure_sha256_fd(fd, 2, sum, NULL, &error));
        assert_non_null(strstr(error->message, "more than the 2 measured here"));
        g_clear_error(&error);
        bytes = measure_read_firmware_fd(fd, &error);
        assert_non_null(bytes);
        assert_int_equal(g_bytes_get_size(bytes), 3);
        close(fd);
        test_rmtree(dir);
}

int main(int argc, char *argv[]) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_recipe),
                cmocka_unit_test(test_vectors),
                cmocka_unit_test(test_snp_seed),
                cmocka_unit_test(test_vmsa_and_signatures),
                cmocka_unit_test(test_parse_errors),
                cmocka_unit_test(test_digest_errors),
                cmocka_unit_test(test_input_fds),
        };

        if (argc == 3 && g_str_equal(argv[1], "--write"))
                return synth_write_all(argv[2]) ? 0 : 1;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
