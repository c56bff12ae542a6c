/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The expected launch measurement without the bus (service/attest/attest-expected*.c):
 * every input derived from a domain document and the host, digests equal to the
 * synthetic vectors (tests/fixtures/measure/vectors-synthetic.json, sev-snp-measure's
 * and libvirt's values), the repeat cache shown by its count of computations, and
 * every refusal: a path in a caller's document, no firmware descriptor, an unknown
 * CPU model, host facts this host does not know (MeasurementUnavailable), bad or
 * oversized descriptors, SNP against SEV modes.
 *
 * The host is a copy of milan-attest (QEMU 9.2, Linux 6.12, EPYC 7713: family 25,
 * model 1, stepping 1) whose firmware files are replaced by the synthetic images.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attest-expected.h"
#include "measure-synth.h"
#include "probe.h"
#include "test-util.h"

/* Vectors by id (vectors-synthetic.json), all on synth_amdsev_like.bin unless named. */
#define V1_SEV "0d7c4a7caa8b6b2edbdb863b595d38cd3620801a8aa6eb17049130ea9b8b2ac6"
#define V10_SEVES_4_MILAN_KERNEL "e41c73ff73e88262fbdf3fb9f7870e9ccd09ab1149968038ccf5891475173a45"
#define V24_SNP_4_MILAN                                                                                   \
        "0ef549f1242b2be14ade34bed0dfdadccb9deed0e6677940e36f0b13c0f88e5011c6a80ba3b18d3e0ff65b28d82f3fbb"
#define V25_SNP_4_MILAN_KERNEL                                                                            \
        "0e09b98e8bf394f2a532265e59b2c46697d6fb771462d28abe0e3eb4eb6a823f3b0d233c65a183c761c9cf1687212483"
#define V28_X64_SEV "684f239140eba6ab348ffcd2833155cb7be21e76bcc88d0492dadc87f6c24bf8"
#define V69_SEVES_LEGACY_4_MILAN_KERNEL "c048cc3813ae41ebbb6ceed350f00c0816c4e742a62e4f3630e7b383435e9e17"

typedef struct {
        char *root;                     /* the host copy */
        char *files;                    /* the caller's kernel and initrd, outside the host */
        HostFacts facts;
        ExpectedCache *cache;
        AttestLibvirt *lv;
} Fixture;

static void write_image(const char *root, const char *rel, const char *name) {
        SynthImage d;
        g_autofree guint8 *img = NULL;

        assert_true(synth_named(name, &d));
        img = synth_firmware(&d);
        test_write_len(root, rel, (const char *) img, (gssize) d.size);
}

static void probe(Fixture *fx) {
        ProbeOptions o = { .root = fx->root };

        host_facts_clear(&fx->facts);
        host_facts_init(&fx->facts);
        probe_host(&o, &fx->facts);
}

static int setup(void **state) {
        Fixture *fx = g_new0(Fixture, 1);
        g_autofree guint8 *kernel = NULL, *initrd = NULL;
        size_t klen, ilen;

        fx->root = test_copy_host("milan-attest");
        write_image(fx->root, "usr/share/OVMF/OVMF.amdsev.fd", "synth_amdsev_like.bin");
        write_image(fx->root, "usr/share/OVMF/OVMF_CODE.cc.fd", "synth_x64_like.bin");
        fx->files = test_tmpdir();
        kernel = synth_kernel(&klen);
        initrd = synth_initrd(&ilen);
        test_write_len(fx->files, "kernel.bin", (const char *) kernel, (gssize) klen);
        test_write_len(fx->files, "initrd.bin", (const char *) initrd, (gssize) ilen);
        host_facts_init(&fx->facts);
        probe(fx);
        fx->cache = expected_cache_new();
        fx->lv = attest_libvirt_recorded_new(fx->root);
        *state = fx;
        return 0;
}

static int teardown(void **state) {
        Fixture *fx = *state;

        attest_libvirt_free(fx->lv);
        expected_cache_free(fx->cache);
        host_facts_clear(&fx->facts);
        test_rmtree(fx->root);
        test_rmtree(fx->files);
        g_free(fx->root);
        g_free(fx->files);
        g_free(fx);
        return 0;
}

static int open_file(Fixture *fx, const char *name) {
        g_autofree char *path = g_build_filename(fx->files, name, NULL);
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        assert_true(fd >= 0);
        return fd;
}

/* A domain document: MODEL 'sev', 'sev-es' (policy 0x37) or 'sev-snp'; CPU the whole <cpu> element;
 * OS_EXTRA inside <os>; KERNEL_HASHES the attribute. */
static char *document(const char *type, const char *policy, unsigned vcpus, const char *cpu, const char *os_extra,
                      bool kernel_hashes) {
        return g_strdup_printf("<domain type='kvm'><name>doc</name><vcpu>%u</vcpu>"
                               "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type>%s</os>%s"
                               "<launchSecurity type='%s'%s><policy>%s</policy></launchSecurity></domain>",
                               vcpus, os_extra, cpu, type, kernel_hashes ? " kernelHashes='yes'" : "", policy);
}

#define MILAN "<cpu mode='custom'><model>EPYC-Milan</model></cpu>"
#define KERNEL_OS "<kernel>/boot/vmlinuz</kernel><initrd>/boot/initrd.img</initrd><cmdline>" SYNTH_CMDLINE \
                  "</cmdline>"

typedef struct {
        ApiError e;
        char *message;
        GVariant *reply;                /* (sa{sv}as) */
} Result;

static void result_clear(Result *r) {
        g_clear_pointer(&r->message, g_free);
        g_clear_pointer(&r->reply, g_variant_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Result, result_clear)

static Result compute(Fixture *fx, const char *xml, int kernel_fd, int initrd_fd, const ExpectedOptions *o) {
        const ExpectedSource src = { xml, true, kernel_fd, initrd_fd };
        const ExpectedOptions none = {};
        Result r = {};

        r.e = attest_expected(&fx->facts, fx->cache, &src, o ?: &none, &r.reply, &r.message);
        if (r.e == API_OK)
                assert_string_equal(g_variant_get_type_string(r.reply), "(sa{sv}as)");
        else
                assert_non_null(r.message);
        return r;
}

static const char *digest(const Result *r) {
        const char *s;

        if (r->e != API_OK)
                fail_msg("%s: %s", api_error_name(r->e), r->message);
        g_variant_get_child(r->reply, 0, "&s", &s);
        return s;
}

static GVariant *inputs(const Result *r) {
        return g_variant_get_child_value(r->reply, 1);
}

static char *command(const Result *r) {
        g_autoptr(GVariant) v = g_variant_get_child_value(r->reply, 2);
        g_autofree const char **argv = g_variant_get_strv(v, NULL);

        return g_strjoinv(" ", (char **) argv);
}

static char *lookup_string(GVariant *dict, const char *key) {
        g_autoptr(GVariant) v = g_variant_lookup_value(dict, key, G_VARIANT_TYPE_STRING);

        if (!v)
                fail_msg("no '%s' in %s", key, g_variant_print(dict, TRUE));
        return g_variant_dup_string(v, NULL);
}

static void assert_refused(const Result *r, ApiError e, const char *words) {
        if (r->e != e)
                fail_msg("expected %s, got %s: %s", api_error_name(e), api_error_name(r->e),
                         r->message ?: "(a digest)");
        if (!strstr(r->message, words))
                fail_msg("'%s' not in: %s", words, r->message);
}

/* SNP with kernel hashes, from a caller's document and descriptors: vector 25, and the manifest. */
static void test_snp_document(void **state) {
        Fixture *fx = *state;
        g_autofree char *xml = document("sev-snp", "0x30000", 4, MILAN, "<loader stateless='yes'/>" KERNEL_OS, true);
        int k = open_file(fx, "kernel.bin"), i = open_file(fx, "initrd.bin");
        g_auto(Result) r = compute(fx, xml, k, i, NULL);
        g_autoptr(GVariant) in = NULL, fw = NULL, kernel = NULL;
        g_autofree char *cmd = NULL, *form = NULL, *reason = NULL, *source = NULL, *path = NULL;
        uint32_t sig = 0;
        uint64_t features = 0, policy = 0, size = 0;

        assert_string_equal(digest(&r), V25_SNP_4_MILAN_KERNEL);
        in = inputs(&r);
        assert_true(g_variant_lookup(in, "vcpu_signature", "u", &sig));
        assert_int_equal(sig, 0xa00f11);
        assert_true(g_variant_lookup(in, "guest_features", "t", &features));
        assert_int_equal(features, 0x1);
        assert_true(g_variant_lookup(in, "policy", "t", &policy));
        assert_int_equal(policy, 0x30000);
        form = lookup_string(in, "vmsa_form");
        assert_string_equal(form, "init2");
        reason = lookup_string(in, "vmsa_form_reason");
        assert_non_null(strstr(reason, "QEMU 9.2.0 (>= 9.1) on Linux 6.12.12-amd64 (>= 6.10)"));
        source = lookup_string(in, "vcpu_signature_source");
        assert_non_null(strstr(source, "EPYC-Milan"));
        fw = g_variant_lookup_value(in, "firmware", G_VARIANT_TYPE_VARDICT);
        path = lookup_string(fw, "path");
        assert_string_equal(path, "/usr/share/OVMF/OVMF.amdsev.fd");
        kernel = g_variant_lookup_value(in, "kernel", G_VARIANT_TYPE_VARDICT);
        assert_true(g_variant_lookup(kernel, "size", "t", &size));
        assert_int_equal(size, 1024 * 1024);
        cmd = command(&r);
        assert_string_equal(cmd, "memcryptctl measure --mode snp --ovmf /usr/share/OVMF/OVMF.amdsev.fd --kernel "
                                 "/boot/vmlinuz --initrd /boot/initrd.img --append " SYNTH_CMDLINE " --vcpus 4 "
                                 "--vcpu-sig 0xa00f11 --vmsa-init init2 --guest-features 0x1");
        close(k);
        close(i);
}

/* SEV: firmware only (vector 1), no VMSA inputs in the manifest; an unmeasured descriptor (/dev/null) is fine. */
static void test_sev_document(void **state) {
        Fixture *fx = *state;
        g_autofree char *xml = document("sev", "0x0033", 2, "", "", false);
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        g_auto(Result) r = compute(fx, xml, null, null, NULL);
        g_autoptr(GVariant) in = NULL;
        g_autofree char *cmd = NULL;

        /* No <cpu>: SEV has no VMSA, so no signature is needed. */
        assert_string_equal(digest(&r), V1_SEV);
        in = inputs(&r);
        assert_null(g_variant_lookup_value(in, "vcpu_signature", NULL));
        assert_null(g_variant_lookup_value(in, "kernel", NULL));
        cmd = command(&r);
        assert_string_equal(cmd, "memcryptctl measure --mode sev --ovmf /usr/share/OVMF/OVMF.amdsev.fd");
        close(null);
}

/* The VMSA form follows this host's QEMU: 7.2 is legacy (vector 69), and the reason says why. */
static void test_seves_legacy_on_old_qemu(void **state) {
        Fixture *fx = *state;
        g_autofree char *xml = document("sev", "0x0037", 4, MILAN, KERNEL_OS, true);
        int k = open_file(fx, "kernel.bin"), i = open_file(fx, "initrd.bin");
        g_autoptr(GVariant) in = NULL;
        g_autofree char *reason = NULL;

        {
                g_auto(Result) r = compute(fx, xml, k, i, NULL);
                assert_string_equal(digest(&r), V10_SEVES_4_MILAN_KERNEL);
        }
        test_write(fx->root, "libvirt/versions.json", "{\"libvirt\": \"9.0.0\", \"qemu\": \"7.2.0\"}");
        probe(fx);
        {
                /* This host's kvm_amd.debug_swap is Y: KVM_SEV_ES_INIT sets DebugSwap in every VMSA. */
                g_auto(Result) r = compute(fx, xml, k, i, NULL);
                g_autoptr(GVariant) with = inputs(&r);
                g_autofree char *source = lookup_string(with, "guest_features_source");
                g_autofree char *cmd = command(&r);
                uint64_t features = 0;

                assert_string_not_equal(digest(&r), V69_SEVES_LEGACY_4_MILAN_KERNEL);
                assert_true(g_variant_lookup(with, "guest_features", "t", &features));
                assert_int_equal(features, 0x20);
                assert_non_null(strstr(source, "kvm_amd.debug_swap=Y"));
                assert_true(g_str_has_suffix(cmd, "--vmsa-init legacy --seves-features 0x20"));
        }
        test_write(fx->root, "sys/module/kvm_amd/parameters/debug_swap", "N\n");
        probe(fx);
        g_auto(Result) r = compute(fx, xml, k, i, NULL);
        assert_string_equal(digest(&r), V69_SEVES_LEGACY_4_MILAN_KERNEL);
        in = inputs(&r);
        reason = lookup_string(in, "vmsa_form_reason");
        assert_non_null(strstr(reason, "QEMU 7.2.0 (< 9.1)"));
        assert_non_null(strstr(reason, "KVM_SEV_ES_INIT"));
        close(k);
        close(i);
}

/* host-passthrough takes this host's CPUID: the 7713's signature is EPYC-Milan's (vector 24). */
static void test_host_passthrough(void **state) {
        Fixture *fx = *state;
        g_autofree char *xml = document("sev-snp", "0x30000", 4, "<cpu mode='host-passthrough'/>",
                                        "<loader stateless='yes'/>", false);
        g_auto(Result) r = compute(fx, xml, -1, -1, NULL);
        g_autoptr(GVariant) in = inputs(&r);
        g_autofree char *source = lookup_string(in, "vcpu_signature_source");

        assert_string_equal(digest(&r), V24_SNP_4_MILAN);
        assert_non_null(strstr(source, "this host's CPUID (family 25, model 1, stepping 1)"));
}

/* What this host does not know about itself makes the digest unavailable, not the model unsupported: the
 * host's CPUID for a host-passthrough guest, the QEMU version for the VMSA form. The options supply both. */
static void test_host_facts_unknown(void **state) {
        Fixture *fx = *state;
        g_autofree char *cpuid = g_build_filename(fx->root, "cpuid.xml", NULL);
        g_autofree char *xml = document("sev-snp", "0x30000", 4, "<cpu mode='host-passthrough'/>",
                                        "<loader stateless='yes'/>", false);
        const ExpectedOptions sig = { .has_vcpu_signature = true, .vcpu_signature = 0xa00f11 };
        const ExpectedOptions both = { .has_vcpu_signature = true, .vcpu_signature = 0xa00f11,
                                       .has_vmsa_form = true, .vmsa_form = MEASURE_VMSA_INIT2 };

        assert_int_equal(unlink(cpuid), 0);
        probe(fx);
        {
                g_auto(Result) r = compute(fx, xml, -1, -1, NULL);
                assert_refused(&r, API_MEASUREMENT_UNAVAILABLE, "this host's CPUID is unknown");
        }
        test_write(fx->root, "libvirt/versions.json", "{\"libvirt\": \"9.0.0\", \"qemu\": \"unknown\"}");
        probe(fx);
        {
                g_auto(Result) r = compute(fx, xml, -1, -1, &sig);
                assert_refused(&r, API_MEASUREMENT_UNAVAILABLE, "This host's QEMU version is unknown");
        }
        g_auto(Result) r = compute(fx, xml, -1, -1, &both);
        assert_string_equal(digest(&r), V24_SNP_4_MILAN);
}

/* An unknown model is refused naming the option; the option then supplies it. */
static void test_unknown_cpu_model(void **state) {
        Fixture *fx = *state;
        g_autofree char *xml = document("sev-snp", "0x30000", 4, "<cpu mode='custom'><model>Opteron_G5</model></cpu>",
                                        "", false);
        const ExpectedOptions o = { .has_vcpu_signature = true, .vcpu_signature = 0xa00f11 };

        {
                g_auto(Result) r = compute(fx, xml, -1, -1, NULL);
                assert_refused(&r, API_INVALID_ARGUMENT, "option vcpu_signature");
                assert_non_null(strstr(r.message, "Opteron_G5"));
        }
        g_auto(Result) r = compute(fx, xml, -1, -1, &o);
        assert_string_equal(digest(&r), V24_SNP_4_MILAN);
}

/* A caller's document never makes the daemon open its kernel or initrd path. */
static void test_paths_need_descriptors(void **state) {
        Fixture *fx = *state;
        g_autofree char *xml = NULL;
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC), k = open_file(fx, "kernel.bin");

        /* Paths that exist under the host root: still not opened. */
        xml = document("sev", "0x0033", 1, "", "<kernel>/var/lib/libvirt/boot/vmlinuz-guest</kernel>", true);
        {
                g_auto(Result) r = compute(fx, xml, -1, -1, NULL);
                assert_refused(&r, API_INVALID_ARGUMENT, "pass that kernel as a file descriptor");
        }
        {
                g_auto(Result) r = compute(fx, xml, null, null, NULL);
                assert_refused(&r, API_INVALID_ARGUMENT, "not a regular file");
        }
        g_free(xml);
        xml = document("sev", "0x0033", 1, "", "<kernel>/k</kernel><initrd>/var/lib/libvirt/boot/initrd-guest</initrd>",
                       true);
        {
                g_auto(Result) r = compute(fx, xml, k, null, NULL);
                assert_refused(&r, API_INVALID_ARGUMENT, "pass that initrd as a file descriptor");
        }
        /* A kernel the document does not measure is named, not silently left out. */
        g_free(xml);
        xml = document("sev", "0x0033", 1, "", "<kernel>/k</kernel>", false);
        {
                g_auto(Result) r = compute(fx, xml, k, -1, NULL);
                assert_refused(&r, API_INVALID_ARGUMENT, "measures none");
        }
        close(null);
        close(k);
}

/* A <loader> is read only when a descriptor lists it: OVMF_CODE.cc.fd is (the X64 image: vector 28),
 * /etc/hostname, which exists under the root, is not. */
static void test_loader_must_be_listed(void **state) {
        Fixture *fx = *state;
        g_autofree char *xml = NULL;

        xml = document("sev", "0x0033", 1, "", "<loader type='pflash'>/usr/share/OVMF/OVMF_CODE.cc.fd</loader>", false);
        {
                g_auto(Result) r = compute(fx, xml, -1, -1, NULL);
                assert_string_equal(digest(&r), V28_X64_SEV);
        }
        g_free(xml);
        xml = document("sev", "0x0033", 1, "", "<loader type='pflash'>/proc/sys/kernel/hostname</loader>", false);
        {
                g_auto(Result) r = compute(fx, xml, -1, -1, NULL);
                assert_refused(&r, API_MEASUREMENT_UNAVAILABLE, "not a firmware image a QEMU firmware descriptor");
        }
        /* That image cannot measure a kernel: the library's refusal, as MeasurementUnavailable. */
        g_free(xml);
        xml = document("sev", "0x0033", 1, "", "<loader>/usr/share/OVMF/OVMF_CODE.cc.fd</loader><kernel>/k</kernel>",
                       true);
        int k = open_file(fx, "kernel.bin");
        g_auto(Result) r = compute(fx, xml, k, -1, NULL);
        assert_refused(&r, API_MEASUREMENT_UNAVAILABLE, "no kernel hashes table");
        close(k);
}

static void test_no_descriptor(void **state) {
        Fixture *fx = *state;
        g_autofree char *dir = g_build_filename(fx->root, "usr/share/qemu/firmware", NULL);
        g_autofree char *xml = document("sev-snp", "0x30000", 1, MILAN, "", false);

        test_rmtree(dir);
        probe(fx);
        g_auto(Result) r = compute(fx, xml, -1, -1, NULL);
        assert_refused(&r, API_MEASUREMENT_UNAVAILABLE, "No QEMU firmware descriptor on this host offers 'amd-sev-snp'");
}

static void test_bad_descriptors(void **state) {
        Fixture *fx = *state;
        g_autofree char *xml = document("sev", "0x0033", 1, "", "<kernel>/k</kernel>", true);
        g_autofree char *big = g_build_filename(fx->files, "big", NULL);
        int dir = open(fx->files, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;

        {
                g_auto(Result) r = compute(fx, xml, dir, -1, NULL);
                assert_refused(&r, API_INVALID_ARGUMENT, "not a regular file");
        }
        /* 512 MiB + 1 byte, sparse: refused from its size, before a byte is read. */
        fd = open(big, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, (off_t) EXPECTED_BOOT_FILE_MAX + 1), 0);
        {
                g_auto(Result) r = compute(fx, xml, fd, -1, NULL);
                assert_refused(&r, API_INVALID_ARGUMENT, "more than the 512 MiB measured");
        }
        /* Write-only: opened by the caller but not readable. */
        close(fd);
        fd = open(big, O_WRONLY | O_TRUNC | O_CLOEXEC);
        g_auto(Result) r = compute(fx, xml, fd, -1, NULL);
        assert_refused(&r, API_INVALID_ARGUMENT, "cannot be measured");
        close(fd);
        close(dir);
}

/* A firmware over the library's cap is refused from its size too. */
static void test_firmware_too_large(void **state) {
        Fixture *fx = *state;
        g_autofree char *path = g_build_filename(fx->root, "usr/share/OVMF/OVMF.amdsev.fd", NULL);
        g_autofree char *xml = document("sev", "0x0033", 1, "", "", false);

        assert_int_equal(truncate(path, (off_t) MEASURE_FIRMWARE_MAX + 4096), 0);
        g_auto(Result) r = compute(fx, xml, -1, -1, NULL);
        assert_refused(&r, API_MEASUREMENT_UNAVAILABLE, "more than the 64 MiB measured");
}

static void test_not_encrypted_and_options(void **state) {
        Fixture *fx = *state;
        g_autoptr(GVariant) bad_key = g_variant_ref_sink(g_variant_new_parsed("{'vcpu_sig': <uint32 1>}"));
        g_autoptr(GVariant) bad_form = g_variant_ref_sink(g_variant_new_parsed("{'vmsa_form': <'init3'>}"));
        g_autoptr(GVariant) bad_type = g_variant_ref_sink(g_variant_new_parsed("{'guest_features': <'1'>}"));
        g_autoptr(GVariant) too_big = g_variant_ref_sink(g_variant_new_parsed("{'vcpu_signature': <uint64 4294967296>}"));
        g_autoptr(GVariant) good = g_variant_ref_sink(g_variant_new_parsed(
                "{'vcpu_signature': <uint64 10489617>, 'vmsa_form': <'legacy'>, 'guest_features': <uint32 33>}"));
        g_autofree char *message = NULL;
        ExpectedOptions o;

        g_auto(Result) r = compute(fx, "<domain type='kvm'><name>plain</name><os firmware='efi'/></domain>", -1, -1,
                                   NULL);
        assert_refused(&r, API_MODEL_UNSUPPORTED, "no <launchSecurity>");

        assert_int_equal(attest_expected_options_parse(bad_key, &o, &message), API_INVALID_ARGUMENT);
        assert_non_null(strstr(message, "Unknown option 'vcpu_sig'"));
        g_clear_pointer(&message, g_free);
        assert_int_equal(attest_expected_options_parse(bad_form, &o, &message), API_INVALID_ARGUMENT);
        g_clear_pointer(&message, g_free);
        assert_int_equal(attest_expected_options_parse(bad_type, &o, &message), API_INVALID_ARGUMENT);
        g_clear_pointer(&message, g_free);
        assert_int_equal(attest_expected_options_parse(too_big, &o, &message), API_INVALID_ARGUMENT);
        g_clear_pointer(&message, g_free);
        assert_int_equal(attest_expected_options_parse(good, &o, &message), API_OK);
        assert_true(o.has_vcpu_signature && o.vcpu_signature == 0xa00f11);
        assert_true(o.has_vmsa_form && o.vmsa_form == MEASURE_VMSA_LEGACY);
        assert_true(o.has_guest_features && o.guest_features == 0x21);
}

/* A repeat for unchanged files reads nothing: the count of computations does not move; a file
 * touched, another input, or another file does move it. */
static void test_cache(void **state) {
        Fixture *fx = *state;
        g_autofree char *xml = document("sev-snp", "0x30000", 4, MILAN, KERNEL_OS, true);
        g_autofree char *xml1 = document("sev-snp", "0x30000", 1, MILAN, KERNEL_OS, true);
        g_autofree char *fw = g_build_filename(fx->root, "usr/share/OVMF/OVMF.amdsev.fd", NULL);
        int k = open_file(fx, "kernel.bin"), i = open_file(fx, "initrd.bin");

        for (unsigned n = 0; n < 3; n++) {
                g_auto(Result) r = compute(fx, xml, k, i, NULL);
                assert_string_equal(digest(&r), V25_SNP_4_MILAN_KERNEL);
                assert_int_equal(expected_cache_computed(fx->cache), 1);
        }
        {
                g_auto(Result) r = compute(fx, xml1, k, i, NULL);
                assert_string_not_equal(digest(&r), V25_SNP_4_MILAN_KERNEL);
                assert_int_equal(expected_cache_computed(fx->cache), 2);
        }
        /* Same bytes, new mtime and ctime: computed again, same digest. */
        assert_int_equal(utimensat(AT_FDCWD, fw, (const struct timespec[2]) { { 0, UTIME_OMIT }, { 12345, 0 } }, 0),
                         0);
        {
                g_auto(Result) r = compute(fx, xml, k, i, NULL);
                assert_string_equal(digest(&r), V25_SNP_4_MILAN_KERNEL);
                assert_int_equal(expected_cache_computed(fx->cache), 3);
        }
        /* Another initrd (the kernel given twice): another key. */
        g_auto(Result) r = compute(fx, xml, k, k, NULL);
        assert_string_not_equal(digest(&r), V25_SNP_4_MILAN_KERNEL);
        assert_int_equal(expected_cache_computed(fx->cache), 4);
        close(k);
        close(i);
}

/* A domain libvirt knows (here: recorded as defined, not running) is read under the host root, kernel included. */
static void test_domain_by_name(void **state) {
        Fixture *fx = *state;
        g_autofree guint8 *kernel = NULL, *initrd = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autofree char *message = NULL, *xml = NULL;
        const ExpectedOptions none = {};
        size_t klen, ilen;
        const char *s;

        kernel = synth_kernel(&klen);
        initrd = synth_initrd(&ilen);
        test_write_len(fx->root, "boot/vmlinuz", (const char *) kernel, (gssize) klen);
        test_write_len(fx->root, "boot/initrd.img", (const char *) initrd, (gssize) ilen);
        xml = document("sev", "0x0037", 4, MILAN, KERNEL_OS, true);
        /* <name>doc</name>: defined, not running (libvirt/defined/), so not counted by the probe either. */
        test_write(fx->root, "libvirt/defined/doc.xml", xml);
        assert_int_equal(attest_expected_domain(&fx->facts, fx->lv, NULL, fx->cache, "doc", &none, &reply, &message),
                         API_OK);
        {
                AttestDomain d = {};
                g_autofree char *why = NULL;
                assert_int_equal(fx->lv->lookup(fx->lv, "doc", &d, &why), API_OK);
                assert_int_equal(d.state, ATTEST_DOMAIN_SHUTOFF);
                attest_domain_clear(&d);
        }
        g_variant_get_child(reply, 0, "&s", &s);
        assert_string_equal(s, V10_SEVES_4_MILAN_KERNEL);

        g_clear_pointer(&reply, g_variant_unref);
        assert_int_equal(attest_expected_domain(&fx->facts, fx->lv, NULL, fx->cache, "nobody", &none, &reply,
                                                &message), API_NO_SUCH_DOMAIN);
        g_clear_pointer(&message, g_free);
        assert_int_equal(attest_expected_domain(&fx->facts, NULL, "no libvirt here", fx->cache, "doc", &none, &reply,
                                                &message), API_LIBVIRT_UNAVAILABLE);
        g_clear_pointer(&message, g_free);
        /* A defined file must be the domain of its name. */
        test_write(fx->root, "libvirt/defined/other.xml", xml);
        assert_int_equal(attest_expected_domain(&fx->facts, fx->lv, NULL, fx->cache, "other", &none, &reply,
                                                &message), API_LIBVIRT_UNAVAILABLE);
        assert_non_null(strstr(message, "libvirt/defined/other.xml"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_snp_document, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sev_document, setup, teardown),
                cmocka_unit_test_setup_teardown(test_seves_legacy_on_old_qemu, setup, teardown),
                cmocka_unit_test_setup_teardown(test_host_passthrough, setup, teardown),
                cmocka_unit_test_setup_teardown(test_host_facts_unknown, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unknown_cpu_model, setup, teardown),
                cmocka_unit_test_setup_teardown(test_paths_need_descriptors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_loader_must_be_listed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_descriptor, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_descriptors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_firmware_too_large, setup, teardown),
                cmocka_unit_test_setup_teardown(test_not_encrypted_and_options, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cache, setup, teardown),
                cmocka_unit_test_setup_teardown(test_domain_by_name, setup, teardown),
        };
        return cmocka_run_group_tests_name("expected", tests, NULL, NULL);
}
