/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * QEMU firmware descriptors: the parser against Debian 12's real files and
 * an SNP descriptor, and the search rules (override, hide, order, limits)
 * against a temporary host root.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "test-util.h"
#include "probe.h"

#define USR_DIR "usr/share/qemu/firmware"
#define ETC_DIR "etc/qemu/firmware"

/* ---- helpers -------------------------------------------------------------- */

static char *fixture_path(const char *name) {
        const char *src = g_getenv("MEMCRYPT_SOURCE_ROOT");

        assert_non_null(src);
        return g_build_filename(src, "tests", "fixtures", "firmware", name, NULL);
}

static char *read_fixture(const char *name, size_t *len) {
        g_autofree char *path = fixture_path(name);
        g_autoptr(GError) error = NULL;
        char *text = NULL;

        if (!g_file_get_contents(path, &text, len, &error))
                fail_msg("%s: %s", path, error->message);
        return text;
}

static void install_fixture(const char *root, const char *dir, const char *fixture, const char *as) {
        size_t len;
        g_autofree char *text = read_fixture(fixture, &len);
        g_autofree char *base = g_path_get_basename(fixture);
        g_autofree char *rel = g_build_filename(dir, as ?: base, NULL);

        test_write_len(root, rel, text, (gssize) len);
}

static void install_debian(const char *root) {
        install_fixture(root, USR_DIR, "debian12/40-edk2-x86_64-secure-enrolled.json", NULL);
        install_fixture(root, USR_DIR, "debian12/50-edk2-x86_64-secure.json", NULL);
        install_fixture(root, USR_DIR, "debian12/60-edk2-x86_64.json", NULL);
}

static void probe(const char *root, HostFacts *f) {
        host_facts_init(f);
        probe_firmware(root, &f->firmware);
}

static FirmwareDescriptor *descriptor(HostFacts *f, guint i) {
        assert_true(i < f->firmware.descriptors->len);
        return f->firmware.descriptors->pdata[i];
}

static void assert_strv_equal(char **got, const char *const *want) {
        assert_non_null(got);
        assert_int_equal(g_strv_length(got), g_strv_length((char **) want));
        for (size_t i = 0; want[i]; i++)
                assert_string_equal(got[i], want[i]);
}

static FirmwareDescriptor *parse_ok(const char *json) {
        g_autofree char *error = NULL;
        FirmwareDescriptor *d = firmware_descriptor_parse(json, strlen(json), "/t.json", &error);

        if (!d)
                fail_msg("unexpected error '%s' for %s", error, json);
        assert_null(error);
        return d;
}

static void assert_parse_fails(const char *json, size_t len, const char *why) {
        g_autofree char *error = NULL;
        FirmwareDescriptor *d = firmware_descriptor_parse(json, len, "/t.json", &error);

        if (d)
                fail_msg("parsed although %s: %.200s", why, json);
        assert_non_null(error);
        assert_true(strlen(error) > 0);
}

/* ---- parser: real data ---------------------------------------------------- */

static void test_parse_debian_60(void **state) {
        size_t len;
        g_autofree char *json = read_fixture("debian12/60-edk2-x86_64.json", &len);
        g_autofree char *error = NULL;
        FirmwareDescriptor *d = firmware_descriptor_parse(json, len, "/usr/share/qemu/firmware/60-edk2-x86_64.json", &error);
        static const char *const features[] = { "acpi-s3", "amd-sev", "verbose-dynamic", NULL };

        assert_null(error);
        assert_non_null(d);
        assert_string_equal(d->path, "/usr/share/qemu/firmware/60-edk2-x86_64.json");
        assert_string_equal(d->description, "UEFI firmware for x86_64, without Secure Boot without SMM, with empty varstore");
        assert_true(d->uefi);
        assert_int_equal(d->device, FW_MAPPING_FLASH);
        assert_int_equal(d->flash_mode, FW_FLASH_MODE_SPLIT);
        assert_string_equal(d->executable, "/usr/share/OVMF/OVMF_CODE_4M.fd");
        assert_string_equal(d->nvram_template, "/usr/share/OVMF/OVMF_VARS_4M.fd");
        assert_true(d->x86_64_q35);
        assert_strv_equal(d->features, features);
        firmware_descriptor_free(d);
}

static void test_parse_debian_secure(void **state) {
        size_t len;
        g_autofree char *json = read_fixture("debian12/40-edk2-x86_64-secure-enrolled.json", &len);
        FirmwareDescriptor *d = firmware_descriptor_parse(json, len, "/x", NULL);
        static const char *const features[] = {
                "acpi-s3", "amd-sev", "enrolled-keys", "requires-smm", "secure-boot", "verbose-dynamic", NULL
        };

        assert_non_null(d);
        assert_string_equal(d->executable, "/usr/share/OVMF/OVMF_CODE_4M.ms.fd");
        assert_string_equal(d->nvram_template, "/usr/share/OVMF/OVMF_VARS_4M.ms.fd");
        assert_true(d->x86_64_q35);
        assert_strv_equal(d->features, features);
        /* Debian 12 has no SEV-ES or SNP build. */
        assert_false(g_strv_contains((const char *const *) d->features, "amd-sev-es"));
        firmware_descriptor_free(d);
}

static void test_parse_snp(void **state) {
        size_t len;
        g_autofree char *json = read_fixture("snp/30-ovmf-amdsev.json", &len);
        g_autofree char *error = NULL;
        FirmwareDescriptor *d = firmware_descriptor_parse(json, len, "/etc/qemu/firmware/30-ovmf-amdsev.json", &error);
        static const char *const features[] = { "amd-sev", "amd-sev-es", "amd-sev-snp", NULL };

        assert_non_null(d);
        assert_true(d->uefi);
        assert_int_equal(d->device, FW_MAPPING_MEMORY);
        assert_string_equal(d->executable, "/usr/share/OVMF/OVMF.amdsev.fd");
        assert_null(d->nvram_template);
        assert_true(d->x86_64_q35);
        assert_strv_equal(d->features, features);
        firmware_descriptor_free(d);
}

/* ---- parser: edge cases --------------------------------------------------- */

#define MAPPING_FLASH(extra) \
        "{\"mapping\":{\"device\":\"flash\",\"executable\":{\"filename\":\"/c.fd\"}," \
        "\"nvram-template\":{\"filename\":\"/v.fd\"}" extra "}}"

static void test_parse_flash_modes(void **state) {
        FirmwareDescriptor *d;

        d = parse_ok(MAPPING_FLASH(",\"mode\":\"combined\""));
        assert_int_equal(d->flash_mode, FW_FLASH_MODE_COMBINED);
        assert_null(d->nvram_template);     /* only split mode has a template */
        firmware_descriptor_free(d);

        d = parse_ok(MAPPING_FLASH(",\"mode\":\"stateless\""));
        assert_int_equal(d->flash_mode, FW_FLASH_MODE_STATELESS);
        assert_null(d->nvram_template);
        assert_string_equal(d->executable, "/c.fd");
        firmware_descriptor_free(d);

        d = parse_ok(MAPPING_FLASH(",\"mode\":\"split\""));
        assert_int_equal(d->flash_mode, FW_FLASH_MODE_SPLIT);
        assert_string_equal(d->nvram_template, "/v.fd");
        firmware_descriptor_free(d);
}

static void test_parse_minimal(void **state) {
        FirmwareDescriptor *d = parse_ok("{\"mapping\":{\"device\":\"kernel\",\"filename\":\"/k\"}}");

        assert_int_equal(d->device, FW_MAPPING_KERNEL);
        assert_string_equal(d->executable, "/k");
        assert_null(d->description);
        assert_false(d->uefi);
        assert_false(d->x86_64_q35);
        assert_non_null(d->features);       /* empty, not NULL */
        assert_null(d->features[0]);
        firmware_descriptor_free(d);
}

static bool targets_q35(const char *targets) {
        g_autofree char *json = g_strdup_printf(
                "{\"mapping\":{\"device\":\"memory\",\"filename\":\"/f\"},\"targets\":%s}", targets);
        FirmwareDescriptor *d = parse_ok(json);
        bool q35 = d->x86_64_q35;

        firmware_descriptor_free(d);
        return q35;
}

static void test_parse_targets(void **state) {
        assert_true(targets_q35("[{\"architecture\":\"x86_64\",\"machines\":[\"pc-q35-*\"]}]"));
        assert_true(targets_q35("[{\"architecture\":\"x86_64\",\"machines\":[\"pc-i440fx-*\",\"pc-q35-*\"]}]"));
        assert_true(targets_q35("[{\"architecture\":\"aarch64\",\"machines\":[\"virt-*\"]},"
                                "{\"architecture\":\"x86_64\",\"machines\":[\"pc-q35-9.*\"]}]"));
        assert_false(targets_q35("[{\"architecture\":\"x86_64\",\"machines\":[\"pc-i440fx-*\"]}]"));
        assert_false(targets_q35("[{\"architecture\":\"i386\",\"machines\":[\"pc-q35-*\"]}]"));
        assert_false(targets_q35("[{\"architecture\":\"x86_64\",\"machines\":[]}]"));
        assert_false(targets_q35("[{\"architecture\":\"x86_64\"}]"));
        assert_false(targets_q35("[]"));
}

static void test_parse_rejects(void **state) {
        static const struct { const char *json, *why; } cases[] = {
                { "", "empty input" },
                { "not json", "not JSON" },
                { "{\"mapping\":", "truncated" },
                { "[]", "array root" },
                { "42", "number root" },
                { "\"s\"", "string root" },
                { "null", "null root" },
                { "{}", "no mapping" },
                { "{\"mapping\":[]}", "mapping is an array" },
                { "{\"mapping\":{}}", "no device" },
                { "{\"mapping\":{\"device\":7}}", "device is a number" },
                { "{\"mapping\":{\"device\":\"cdrom\",\"filename\":\"/f\"}}", "unknown device" },
                { "{\"mapping\":{\"device\":\"flash\"}}", "flash without executable" },
                { "{\"mapping\":{\"device\":\"flash\",\"executable\":\"/c.fd\"}}", "executable is a string" },
                { "{\"mapping\":{\"device\":\"flash\",\"executable\":{}}}", "executable without filename" },
                { "{\"mapping\":{\"device\":\"flash\",\"executable\":{\"filename\":1}}}", "filename is a number" },
                { "{\"mapping\":{\"device\":\"flash\",\"executable\":{\"filename\":\"\"}}}", "empty filename" },
                { MAPPING_FLASH(",\"mode\":\"weird\""), "unknown mode" },
                { MAPPING_FLASH(",\"mode\":1"), "mode is a number" },
                { "{\"mapping\":{\"device\":\"flash\",\"executable\":{\"filename\":\"/c\"},"
                  "\"nvram-template\":{\"filename\":null}}}", "template filename is null" },
                { "{\"mapping\":{\"device\":\"memory\"}}", "memory without filename" },
                { "{\"mapping\":{\"device\":\"memory\",\"filename\":[\"/f\"]}}", "filename is an array" },
                { "{\"mapping\":{\"device\":\"memory\",\"filename\":\"/f\"},\"features\":\"amd-sev\"}", "features is a string" },
                { "{\"mapping\":{\"device\":\"memory\",\"filename\":\"/f\"},\"features\":[1]}", "feature is a number" },
                { "{\"mapping\":{\"device\":\"memory\",\"filename\":\"/f\"},\"interface-types\":{}}", "interface-types is an object" },
                { "{\"mapping\":{\"device\":\"memory\",\"filename\":\"/f\"},\"description\":5}", "description is a number" },
                { "{\"mapping\":{\"device\":\"memory\",\"filename\":\"/f\"},\"targets\":{}}", "targets is an object" },
                { "{\"mapping\":{\"device\":\"memory\",\"filename\":\"/f\"},\"targets\":[1]}", "target is a number" },
                { "{\"mapping\":{\"device\":\"memory\",\"filename\":\"/f\"},\"targets\":[{\"architecture\":1}]}", "architecture is a number" },
                { "{\"mapping\":{\"device\":\"memory\",\"filename\":\"/f\"},"
                  "\"targets\":[{\"architecture\":\"x86_64\",\"machines\":\"pc-q35-*\"}]}", "machines is a string" },
                { "{\"mapping\":{\"device\":\"memory\",\"filename\":\"/f\xff\"}}", "invalid UTF-8" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
                assert_parse_fails(cases[i].json, strlen(cases[i].json), cases[i].why);

        static const char with_nul[] = "{\"mapping\":{\"device\":\"memory\",\"filename\":\"/f\0\"}}";
        assert_parse_fails(with_nul, sizeof(with_nul) - 1, "embedded NUL");
        assert_null(firmware_descriptor_parse(NULL, 0, "/t.json", NULL));
}

typedef struct {
        const char *json;
        size_t len;
        char *error;
        FirmwareDescriptor *d;
} ParseJob;

static void *parse_job(void *data) {
        ParseJob *job = data;

        job->d = firmware_descriptor_parse(job->json, job->len, "/t.json", &job->error);
        return NULL;
}

/* Parses on a thread with a small stack, as a daemon's worker might have. */
static void parse_on_small_stack(ParseJob *job) {
        pthread_attr_t attr;
        pthread_t thread;

        assert_int_equal(pthread_attr_init(&attr), 0);
        assert_int_equal(pthread_attr_setstacksize(&attr, 512 * 1024), 0);
        assert_int_equal(pthread_create(&thread, &attr, parse_job, job), 0);
        assert_int_equal(pthread_join(thread, NULL), 0);
        pthread_attr_destroy(&attr);
}

/* json-glib recurses per level: deep nesting must be refused, not crash. */
static void test_parse_deep_nesting(void **state) {
        size_t n = 60 * 1024;
        g_autofree char *json = g_malloc(n + 1);
        ParseJob job = { .json = json, .len = n };

        memset(json, '[', n);
        json[n] = '\0';
        parse_on_small_stack(&job);
        assert_null(job.d);
        assert_non_null(strstr(job.error, "nested"));
        g_free(job.error);

        /* Deep but otherwise valid: "tags" is ignored, yet its depth is still refused. */
        g_autofree char *open = g_strnfill(40, '[');
        g_autofree char *close = g_strnfill(40, ']');
        g_autofree char *tags = g_strdup_printf(
                "{\"mapping\":{\"device\":\"memory\",\"filename\":\"/f\"},\"tags\":%s%s}", open, close);
        assert_parse_fails(tags, strlen(tags), "tags nested 40 deep");

        /* Brackets inside strings, also after an escaped quote, do not count as nesting. */
        g_autofree char *brackets = g_strnfill(100, '[');
        g_autofree char *ok = g_strdup_printf(
                "{\"description\":\"a \\\"%s\",\"mapping\":{\"device\":\"memory\",\"filename\":\"/f\"},"
                "\"tags\":[[[[[[]]]]]]}", brackets);
        FirmwareDescriptor *d = parse_ok(ok);
        assert_true(g_str_has_prefix(d->description, "a \"[[[["));
        assert_int_equal(strlen(d->description), 103);
        firmware_descriptor_free(d);
}

static void test_parse_too_large(void **state) {
        size_t n = 64 * 1024 + 1;
        g_autofree char *json = g_malloc(n + 1);
        const char *head = "{\"mapping\":{\"device\":\"memory\",\"filename\":\"/f\"}";

        /* A valid object padded with white space: refused for its size alone. */
        memset(json, ' ', n);
        memcpy(json, head, strlen(head));
        json[n - 1] = '}';
        json[n] = '\0';
        assert_parse_fails(json, n, "larger than 64 KiB");
        FirmwareDescriptor *d = firmware_descriptor_parse(json + 2, n - 2, "/t", NULL);
        assert_null(d);     /* still not a valid document, but must not crash */
}

/* Every prefix of a real descriptor, and bytes flipped at random: no crash, no half answer. */
static void test_parse_mangled(void **state) {
        size_t len;
        g_autofree char *json = read_fixture("debian12/50-edk2-x86_64-secure.json", &len);
        GRand *rand = g_rand_new_with_seed(20240601);
        guint parsed = 0;

        for (size_t cut = 0; cut <= len; cut++) {
                g_autofree char *error = NULL;
                g_autofree char *prefix = g_strndup(json, cut);
                FirmwareDescriptor *d = firmware_descriptor_parse(prefix, cut, "/t", &error);
                assert_true((d == NULL) != (error == NULL));
                parsed += d != NULL;
                firmware_descriptor_free(d);
        }
        /* Only the whole document (or it minus trailing white space) parses. */
        assert_in_range(parsed, 1, 2);

        for (int round = 0; round < 2000; round++) {
                g_autofree char *copy = g_memdup2(json, len + 1);
                g_autofree char *error = NULL;
                for (int k = 0; k < 4; k++)
                        copy[g_rand_int_range(rand, 0, (gint32) len)] = (char) g_rand_int_range(rand, 1, 256);
                FirmwareDescriptor *d = firmware_descriptor_parse(copy, len, "/t", &error);
                assert_true((d == NULL) != (error == NULL));
                firmware_descriptor_free(d);
        }
        g_rand_free(rand);
}

/* ---- probe: search rules -------------------------------------------------- */

static void test_probe_debian(void **state) {
        const char *root = *state;
        HostFacts f;

        install_debian(root);
        test_write_len(root, USR_DIR "/README", "not a descriptor", -1);
        test_write_len(root, USR_DIR "/70-old.json.bak", "not json either", -1);
        probe(root, &f);

        assert_int_equal(f.firmware.src.status, SOURCE_OK);
        assert_null(f.firmware.src.detail);
        assert_int_equal(f.firmware.errors->len, 0);
        assert_int_equal(f.firmware.descriptors->len, 3);
        assert_string_equal(descriptor(&f, 0)->path, "/usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled.json");
        assert_string_equal(descriptor(&f, 1)->path, "/usr/share/qemu/firmware/50-edk2-x86_64-secure.json");
        assert_string_equal(descriptor(&f, 2)->path, "/usr/share/qemu/firmware/60-edk2-x86_64.json");
        assert_string_equal(descriptor(&f, 2)->executable, "/usr/share/OVMF/OVMF_CODE_4M.fd");
        host_facts_clear(&f);
}

static void test_probe_precedence(void **state) {
        const char *root = *state;
        HostFacts f;

        install_debian(root);
        /* /etc replaces 60- with the SNP build, hides 50-, and adds 30- and 45-. */
        install_fixture(root, ETC_DIR, "snp/30-ovmf-amdsev.json", "60-edk2-x86_64.json");
        test_write_len(root, ETC_DIR "/50-edk2-x86_64-secure.json", "", 0);
        install_fixture(root, ETC_DIR, "snp/30-ovmf-amdsev.json", NULL);
        install_fixture(root, ETC_DIR, "debian12/60-edk2-x86_64.json", "45-local.json");
        probe(root, &f);

        assert_int_equal(f.firmware.src.status, SOURCE_OK);
        assert_int_equal(f.firmware.errors->len, 0);
        assert_int_equal(f.firmware.descriptors->len, 4);
        assert_string_equal(descriptor(&f, 0)->path, "/etc/qemu/firmware/30-ovmf-amdsev.json");
        assert_string_equal(descriptor(&f, 1)->path, "/usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled.json");
        assert_string_equal(descriptor(&f, 2)->path, "/etc/qemu/firmware/45-local.json");
        assert_string_equal(descriptor(&f, 3)->path, "/etc/qemu/firmware/60-edk2-x86_64.json");
        assert_int_equal(descriptor(&f, 3)->device, FW_MAPPING_MEMORY);
        assert_string_equal(descriptor(&f, 3)->executable, "/usr/share/OVMF/OVMF.amdsev.fd");
        for (guint i = 0; i < f.firmware.descriptors->len; i++)
                assert_null(strstr(descriptor(&f, i)->path, "50-edk2"));
        host_facts_clear(&f);
}

static void test_probe_bad_files(void **state) {
        const char *root = *state;
        g_autofree char *big = g_strnfill(64 * 1024 + 1, ' ');
        g_autofree char *subdir = g_build_filename(root, USR_DIR, "58-dir.json", NULL);
        HostFacts f;

        install_debian(root);
        test_write_len(root, USR_DIR "/55-broken.json", "{\"mapping\": {", -1);
        test_write_len(root, USR_DIR "/56-big.json", big, -1);
        test_write_len(root, USR_DIR "/57-noexec.json", "{\"mapping\":{\"device\":\"flash\"}}", -1);
        assert_int_equal(g_mkdir_with_parents(subdir, 0755), 0);
        probe(root, &f);

        /* Each bad file is one error line naming it; the good ones still load. */
        assert_int_equal(f.firmware.src.status, SOURCE_OK);
        assert_int_equal(f.firmware.descriptors->len, 3);
        assert_int_equal(f.firmware.errors->len, 4);
        const char *prefixes[] = {
                "/usr/share/qemu/firmware/55-broken.json: ",
                "/usr/share/qemu/firmware/56-big.json: ",
                "/usr/share/qemu/firmware/57-noexec.json: ",
                "/usr/share/qemu/firmware/58-dir.json: ",
        };
        for (guint i = 0; i < G_N_ELEMENTS(prefixes); i++) {
                const char *line = f.firmware.errors->pdata[i];
                if (!g_str_has_prefix(line, prefixes[i]))
                        fail_msg("error %u is '%s', expected prefix '%s'", i, line, prefixes[i]);
                assert_null(strchr(line, '\n'));
        }
        assert_non_null(strstr(f.firmware.errors->pdata[1], "limit"));
        host_facts_clear(&f);
}

static void test_probe_file_limit(void **state) {
        const char *root = *state;
        size_t len;
        g_autofree char *json = read_fixture("snp/30-ovmf-amdsev.json", &len);
        HostFacts f;

        for (int i = 0; i < 300; i++) {
                g_autofree char *rel = g_strdup_printf("%s/%03d.json", i % 2 ? USR_DIR : ETC_DIR, i);
                test_write_len(root, rel, json, (gssize) len);
        }
        probe(root, &f);

        assert_int_equal(f.firmware.descriptors->len, 256);
        assert_string_equal(descriptor(&f, 0)->path, "/etc/qemu/firmware/000.json");
        assert_string_equal(descriptor(&f, 255)->path, "/usr/share/qemu/firmware/255.json");
        assert_int_equal(f.firmware.errors->len, 1);
        assert_non_null(strstr(f.firmware.errors->pdata[0], "300"));
        assert_non_null(strstr(f.firmware.errors->pdata[0], "256"));
        host_facts_clear(&f);
}

static void test_probe_missing(void **state) {
        const char *root = *state;
        HostFacts f;

        probe(root, &f);
        assert_int_equal(f.firmware.src.status, SOURCE_MISSING);
        assert_non_null(strstr(f.firmware.src.detail, "/usr/share/qemu/firmware"));
        assert_non_null(strstr(f.firmware.src.detail, "/etc/qemu/firmware"));
        assert_int_equal(f.firmware.descriptors->len, 0);
        host_facts_clear(&f);

        /* One directory is enough, even an empty one. */
        g_autofree char *etc = g_build_filename(root, ETC_DIR, NULL);
        assert_int_equal(g_mkdir_with_parents(etc, 0755), 0);
        probe(root, &f);
        assert_int_equal(f.firmware.src.status, SOURCE_OK);
        assert_int_equal(f.firmware.descriptors->len, 0);
        host_facts_clear(&f);
}

/* A directory we cannot list may hold overrides: the result is not OK. */
static void test_probe_dir_error(void **state) {
        const char *root = *state;
        g_autofree char *etc = g_build_filename(root, ETC_DIR, NULL);
        g_autofree char *parent = g_path_get_dirname(etc);
        HostFacts f;

        install_debian(root);
        assert_int_equal(g_mkdir_with_parents(parent, 0755), 0);
        assert_int_equal(symlink("firmware", etc), 0);     /* a loop: ELOOP */
        probe(root, &f);
        assert_int_equal(f.firmware.src.status, SOURCE_ERROR);
        assert_true(g_str_has_prefix(f.firmware.src.detail, "/etc/qemu/firmware: "));
        assert_int_equal(f.firmware.descriptors->len, 3);
        host_facts_clear(&f);
}

/* Exit status 0 when ROOT's firmware source is DENIED and names /etc/qemu/firmware. */
static int probe_expect_denied(const char *root) {
        HostFacts f;
        bool denied;

        probe(root, &f);
        denied = f.firmware.src.status == SOURCE_DENIED &&
                 g_str_has_prefix(f.firmware.src.detail, "/etc/qemu/firmware: ");
        if (!denied)
                fprintf(stderr, "status %d, detail %s\n", f.firmware.src.status, f.firmware.src.detail);
        host_facts_clear(&f);
        return denied ? 0 : 1;
}

static void test_probe_denied(void **state) {
        const char *root = *state;
        g_autofree char *etc = g_build_filename(root, ETC_DIR, NULL);
        int status;
        pid_t pid;

        install_debian(root);
        assert_int_equal(g_mkdir_with_parents(etc, 0755), 0);
        assert_int_equal(chmod(root, 0755), 0);
        assert_int_equal(chmod(etc, 0), 0);

        /* Root reads a mode-000 directory anyway, so probe as nobody. */
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
                        _exit(2);
                _exit(probe_expect_denied(root));
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        chmod(etc, 0755);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_debian_60),
                cmocka_unit_test(test_parse_debian_secure),
                cmocka_unit_test(test_parse_snp),
                cmocka_unit_test(test_parse_flash_modes),
                cmocka_unit_test(test_parse_minimal),
                cmocka_unit_test(test_parse_targets),
                cmocka_unit_test(test_parse_rejects),
                cmocka_unit_test(test_parse_deep_nesting),
                cmocka_unit_test(test_parse_too_large),
                cmocka_unit_test(test_parse_mangled),
                cmocka_unit_test_setup_teardown(test_probe_debian, test_setup_tmp_root, test_teardown_tmp_root),
                cmocka_unit_test_setup_teardown(test_probe_precedence, test_setup_tmp_root, test_teardown_tmp_root),
                cmocka_unit_test_setup_teardown(test_probe_bad_files, test_setup_tmp_root, test_teardown_tmp_root),
                cmocka_unit_test_setup_teardown(test_probe_file_limit, test_setup_tmp_root, test_teardown_tmp_root),
                cmocka_unit_test_setup_teardown(test_probe_missing, test_setup_tmp_root, test_teardown_tmp_root),
                cmocka_unit_test_setup_teardown(test_probe_dir_error, test_setup_tmp_root, test_teardown_tmp_root),
                cmocka_unit_test_setup_teardown(test_probe_denied, test_setup_tmp_root, test_teardown_tmp_root),
        };

        return cmocka_run_group_tests_name("probe-firmware", tests, NULL, NULL);
}
