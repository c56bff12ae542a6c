/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GetPlatformInfo() and GetLaunchMeasurement() without the bus: TCB
 * dictionaries and VCEK URLs for Milan, Genoa and Turin, libvirt's typed
 * parameters as a{sv}, the recorded libvirt backend on the attestation test
 * hosts (milan-attest, milan-snp-attest), and every error.
 */
#include <libvirt/libvirt.h>
#include <sys/stat.h>

#include "attest-domain.h"
#include "attest-typed-params.h"
#include "attest.h"
#include "measure-vcpu.h"
#include "probe.h"
#include "test-util.h"

#define NO_LIBVIRT "test: no libvirt here"

/* The cpu0Id of libvirt's qemu_9.2.0 amdsev capture (in the test hosts' domcaps and nodesevinfo.json). */
#define CPU0_ID "BlAwmcr4Ruya3YvEGe2EBxuWjMAfIYolslNNM92RsIKxLkWDDRqivqSBOD+qQRCYS9joBYSHMD1g+rmjY+MmVw=="
#define CPU0_ID_HEX                                                                                     \
        "06503099caf846ec9add8bc419ed84071b968cc01f218a25b2534d33dd91b082b12e45830d1aa2bea481383faa41109" \
        "84bd8e8058487303d60fab9a363e32657"

typedef struct {
        char *root;
        HostFacts facts;
        AttestLibvirt *lv;
} Host;

static Host *host_open(const char *name) {
        Host *h = g_new0(Host, 1);
        ProbeOptions o;

        h->root = host_fixture(name);
        o = (ProbeOptions) { .root = h->root };
        host_facts_init(&h->facts);
        probe_host(&o, &h->facts);
        h->lv = attest_libvirt_recorded_new(h->root);
        return h;
}

static void host_close(Host *h) {
        attest_libvirt_free(h->lv);
        host_facts_clear(&h->facts);
        g_free(h->root);
        g_free(h);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Host, host_close)

static const char *str(GVariant *dict, const char *key) {
        g_autoptr(GVariant) v = g_variant_lookup_value(dict, key, G_VARIANT_TYPE_STRING);

        if (!v)
                fail_msg("no string '%s' in %s", key, g_variant_print(dict, TRUE));
        return g_variant_get_string(v, NULL);
}

static uint64_t num(GVariant *dict, const char *key, const char *type) {
        g_autoptr(GVariant) v = g_variant_lookup_value(dict, key, NULL);

        if (!v || !g_str_equal(g_variant_get_type_string(v), type))
                fail_msg("no '%s' of type %s in %s", key, type, g_variant_print(dict, TRUE));
        if (g_str_equal(type, "b"))
                return g_variant_get_boolean(v);
        if (g_str_equal(type, "u"))
                return g_variant_get_uint32(v);
        return g_variant_get_uint64(v);
}

static bool has(GVariant *dict, const char *key) {
        g_autoptr(GVariant) v = g_variant_lookup_value(dict, key, NULL);
        return v != NULL;
}

/* The reason listed under "unavailable" for WHAT, or NULL. */
static const char *unavailable(GVariant *dict, const char *what) {
        g_autoptr(GVariant) u = g_variant_lookup_value(dict, "unavailable", G_VARIANT_TYPE("a{ss}"));
        const char *why = NULL;

        assert_non_null(u);
        if (!g_variant_lookup(u, what, "&s", &why))
                return NULL;
        /* The string lives as long as DICT does. */
        return why;
}

static char *sha256_of(const char *root, const char *rel) {
        g_autofree char *path = g_build_filename(root, rel, NULL);
        g_autofree char *data = NULL;
        gsize len = 0;

        if (!g_file_get_contents(path, &data, &len, NULL))
                fail_msg("cannot read %s", path);
        return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) data, len);
}

/* ---- TCBs and VCEK URLs ------------------------------------------------------ */

static void assert_tcb(GVariant *tcb, int fmc, unsigned bl, unsigned tee, unsigned snp, unsigned ucode,
                       uint64_t raw) {
        if (fmc < 0)
                assert_false(has(tcb, "fmc"));
        else
                assert_int_equal(num(tcb, "fmc", "u"), fmc);
        assert_int_equal(num(tcb, "boot_loader", "u"), bl);
        assert_int_equal(num(tcb, "tee", "u"), tee);
        assert_int_equal(num(tcb, "snp", "u"), snp);
        assert_int_equal(num(tcb, "microcode", "u"), ucode);
        assert_true(num(tcb, "raw", "t") == raw);
}

static void test_tcb_dicts(void **state) {
        /* Milan/Genoa: bl byte 0, tee 1, snp 6, ucode 7; Turin: fmc 0, bl 1, tee 2, snp 3, ucode 7. */
        const uint64_t raw = 0xd51b000000000304ULL, turin = 0x5a00000004030201ULL;
        const CpuGeneration zen34[] = { CPU_GEN_MILAN, CPU_GEN_GENOA, CPU_GEN_BERGAMO, CPU_GEN_SIENA };
        TcbVersion t;

        for (size_t i = 0; i < G_N_ELEMENTS(zen34); i++) {
                tcb_decode(raw, zen34[i], &t);
                g_autoptr(GVariant) v = g_variant_ref_sink(attest_tcb_variant(&t, raw));
                assert_tcb(v, -1, 4, 3, 0x1b, 0xd5, raw);
        }
        tcb_decode(turin, CPU_GEN_TURIN, &t);
        g_autoptr(GVariant) v = g_variant_ref_sink(attest_tcb_variant(&t, turin));
        assert_tcb(v, 1, 2, 3, 4, 0x5a, turin);
        /* Venice has Turin's layout (the generation table says so for both). */
        tcb_decode(turin, CPU_GEN_VENICE, &t);
        g_autoptr(GVariant) venice = g_variant_ref_sink(attest_tcb_variant(&t, turin));
        assert_tcb(venice, 1, 2, 3, 4, 0x5a, turin);
}

static void test_vcek_url(void **state) {
        g_autofree guchar *id = NULL;
        g_autofree char *milan = NULL, *genoa = NULL, *siena = NULL, *turin = NULL, *turin8 = NULL;
        gsize len = 0;
        TcbVersion t;

        id = g_base64_decode(CPU0_ID, &len);
        assert_int_equal(len, 64);
        tcb_decode(0xd518000000000003ULL, CPU_GEN_MILAN, &t);
        milan = attest_vcek_url(CPU_GEN_MILAN, id, len, &t, NULL);
        assert_string_equal(milan, "https://kdsintf.amd.com/vcek/v1/Milan/" CPU0_ID_HEX
                                   "?blSPL=03&teeSPL=00&snpSPL=24&ucodeSPL=213");
        tcb_decode(0xdb18000000000003ULL, CPU_GEN_GENOA, &t);
        genoa = attest_vcek_url(CPU_GEN_GENOA, id, len, &t, NULL);
        assert_string_equal(genoa, "https://kdsintf.amd.com/vcek/v1/Genoa/" CPU0_ID_HEX
                                   "?blSPL=03&teeSPL=00&snpSPL=24&ucodeSPL=219");
        /* Siena and Bergamo certify under Genoa's product name. */
        siena = attest_vcek_url(CPU_GEN_SIENA, id, len, &t, NULL);
        assert_string_equal(siena, genoa);

        /* Turin: the first 8 bytes of the chip id, and the FMC SPL first. */
        tcb_decode(0x4800000001090102ULL, CPU_GEN_TURIN, &t);
        turin = attest_vcek_url(CPU_GEN_TURIN, id, len, &t, NULL);
        assert_string_equal(turin, "https://kdsintf.amd.com/vcek/v1/Turin/06503099caf846ec"
                                   "?fmcSPL=02&blSPL=01&teeSPL=09&snpSPL=01&ucodeSPL=72");
        turin8 = attest_vcek_url(CPU_GEN_TURIN, id, 8, &t, NULL);
        assert_string_equal(turin8, turin);
}

static void test_vcek_url_refused(void **state) {
        uint8_t id[64] = { 1 }, zero[64] = {};
        TcbVersion t = {};
        char *why = NULL;

        assert_null(attest_vcek_url(CPU_GEN_ROME, id, 64, &t, &why));
        assert_non_null(strstr(why, "rome"));
        g_clear_pointer(&why, g_free);
        /* Venice decodes TCBs like Turin, but AMD publishes no KDS product for it yet. */
        assert_null(attest_vcek_url(CPU_GEN_VENICE, id, 64, &t, &why));
        assert_non_null(strstr(why, "venice"));
        g_clear_pointer(&why, g_free);
        assert_null(attest_vcek_url(CPU_GEN_MILAN, id, 8, &t, &why));   /* only Turin names chips by 8 bytes */
        assert_non_null(strstr(why, "8 bytes"));
        g_clear_pointer(&why, g_free);
        assert_null(attest_vcek_url(CPU_GEN_MILAN, id, 63, &t, &why));
        g_clear_pointer(&why, g_free);
        assert_null(attest_vcek_url(CPU_GEN_GENOA, zero, 64, &t, &why));
        assert_non_null(strstr(why, "masked"));
        g_clear_pointer(&why, g_free);
}

/* ---- GetPlatformInfo ---------------------------------------------------------- */

static void test_platform_snp(void **state) {
        g_autoptr(Host) h = host_open("milan-snp-attest");
        g_autoptr(GVariant) info = attest_platform_info(&h->facts, h->lv, NULL);
        g_autoptr(GVariant) current = g_variant_lookup_value(info, "current_tcb", G_VARIANT_TYPE_VARDICT);
        g_autoptr(GVariant) reported = g_variant_lookup_value(info, "reported_tcb", G_VARIANT_TYPE_VARDICT);
        g_autofree char *json = NULL;
        g_autofree char *path = g_build_filename(h->root, "libvirt/nodesevinfo.json", NULL);

        /* pdh and cert_chain exactly as recorded (libvirt's base64). */
        json = test_read(path);
        assert_non_null(strstr(json, str(info, "pdh")));
        assert_non_null(strstr(json, str(info, "cert_chain")));
        assert_int_equal(strlen(str(info, "pdh")), 4 * ((2084 + 2) / 3));
        assert_string_equal(str(info, "cpu0_id"), CPU0_ID);
        assert_string_equal(str(info, "cpu_generation"), "milan");

        assert_int_equal(num(info, "api_major", "u"), 1);
        assert_int_equal(num(info, "api_minor", "u"), 55);
        assert_int_equal(num(info, "build", "u"), 31);
        assert_int_equal(num(info, "state", "u"), 2);
        assert_false(num(info, "owner", "b"));
        assert_true(num(info, "es_initialized", "b"));       /* flags 0x100 */
        assert_int_equal(num(info, "guest_count", "u"), 1);
        assert_int_equal(num(info, "snp_state", "u"), 1);
        assert_true(num(info, "rmp_initialized", "b"));
        assert_true(num(info, "alias_check_complete", "b"));
        assert_false(num(info, "vlek_enabled", "b"));

        /* This host has not committed its TCB: the VCEK follows the reported one. */
        assert_tcb(current, -1, 4, 0, 0x1b, 0xd5, 0xd51b000000000004ULL);
        assert_tcb(reported, -1, 3, 0, 0x18, 0xd5, 0xd518000000000003ULL);
        assert_true(num(info, "tcb_committed_mismatch", "b"));
        assert_string_equal(str(info, "vcek_url"), "https://kdsintf.amd.com/vcek/v1/Milan/" CPU0_ID_HEX
                                                   "?blSPL=03&teeSPL=00&snpSPL=24&ucodeSPL=213");
        assert_null(unavailable(info, "libvirt"));
        assert_null(unavailable(info, "snp"));
}

static void test_platform_sev_only(void **state) {
        g_autoptr(Host) h = host_open("milan-attest");
        g_autoptr(GVariant) info = attest_platform_info(&h->facts, h->lv, NULL);

        assert_true(has(info, "pdh"));
        assert_int_equal(num(info, "guest_count", "u"), 4);
        assert_true(num(info, "es_initialized", "b"));
        /* SNP is off in this BIOS: no SNP key at all, and why. */
        assert_false(has(info, "snp_state"));
        assert_false(has(info, "current_tcb"));
        assert_false(has(info, "vcek_url"));
        assert_non_null(strstr(unavailable(info, "snp"), "SNP"));
}

static void test_platform_without_libvirt(void **state) {
        g_autoptr(Host) h = host_open("milan-snp-attest");
        g_autoptr(GVariant) info = attest_platform_info(&h->facts, NULL, NO_LIBVIRT);

        assert_string_equal(unavailable(info, "libvirt"), NO_LIBVIRT);
        assert_false(has(info, "pdh"));
        assert_false(has(info, "cert_chain"));
        /* The chip id also comes with the domain capabilities, so the VCEK URL survives. */
        assert_string_equal(str(info, "cpu0_id"), CPU0_ID);
        assert_true(has(info, "vcek_url"));
        assert_int_equal(num(info, "snp_state", "u"), 1);
}

static void test_platform_without_psp(void **state) {
        /* No dev/sev.json (BIOS off) and no nodesevinfo.json. */
        g_autoptr(Host) h = host_open("milan-bios-off");
        g_autoptr(GVariant) info = attest_platform_info(&h->facts, h->lv, NULL);

        assert_false(has(info, "api_major"));
        assert_false(has(info, "snp_state"));
        assert_non_null(strstr(unavailable(info, "sev"), "/dev/sev"));
        assert_non_null(strstr(unavailable(info, "snp"), "/dev/sev"));
        assert_non_null(strstr(unavailable(info, "libvirt"), "nodesevinfo.json"));
        assert_false(has(info, "pdh"));
}

/* ---- typed parameters ----------------------------------------------------------- */

static void test_typed_params_to_variant(void **state) {
        virTypedParameterPtr p = NULL;
        int n = 0, max = 0;

        assert_int_equal(virTypedParamsAddString(&p, &n, &max, VIR_DOMAIN_LAUNCH_SECURITY_SEV_MEASUREMENT, "bWVh"), 0);
        assert_int_equal(virTypedParamsAddUInt(&p, &n, &max, VIR_DOMAIN_LAUNCH_SECURITY_SEV_API_MAJOR, 1), 0);
        assert_int_equal(virTypedParamsAddULLong(&p, &n, &max, "sev-snp-policy", 0x30000), 0);
        assert_int_equal(virTypedParamsAddInt(&p, &n, &max, "i", -3), 0);
        assert_int_equal(virTypedParamsAddLLong(&p, &n, &max, "x", -4), 0);
        assert_int_equal(virTypedParamsAddDouble(&p, &n, &max, "d", 0.5), 0);
        assert_int_equal(virTypedParamsAddBoolean(&p, &n, &max, "b", 1), 0);

        g_autoptr(GVariant) v = attest_typed_params_to_variant(p, n);
        g_autofree char *text = g_variant_print(v, TRUE);
        assert_string_equal(text, "{'sev-measurement': <'bWVh'>, 'sev-api-major': <uint32 1>, "
                                  "'sev-snp-policy': <uint64 196608>, 'i': <-3>, 'x': <int64 -4>, 'd': <0.5>, "
                                  "'b': <true>}");
        virTypedParamsFree(p, n);
}

static void test_typed_params_from_variant(void **state) {
        g_autoptr(GVariant) in = g_variant_ref_sink(g_variant_new_parsed(
                "{'sev-secret-header': <'aGRy'>, 'sev-secret': <'c2Vj'>, 'sev-secret-set-address': <uint64 4096>}"));
        g_autoptr(GVariant) bad = g_variant_ref_sink(g_variant_new_parsed("{'a': <byte 1>}"));
        virTypedParameterPtr p = NULL;
        unsigned long long address = 0;
        const char *s = NULL;
        int n = 0;

        assert_int_equal(attest_typed_params_from_variant(in, &p, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(virTypedParamsGetString(p, n, VIR_DOMAIN_LAUNCH_SECURITY_SEV_SECRET_HEADER, &s), 1);
        assert_string_equal(s, "aGRy");
        assert_int_equal(virTypedParamsGetString(p, n, VIR_DOMAIN_LAUNCH_SECURITY_SEV_SECRET, &s), 1);
        assert_string_equal(s, "c2Vj");
        assert_int_equal(virTypedParamsGetULLong(p, n, VIR_DOMAIN_LAUNCH_SECURITY_SEV_SECRET_SET_ADDRESS,
                                                 &address), 1);
        assert_true(address == 4096);
        virTypedParamsFree(p, n);

        /* A type libvirt has no typed parameter for is refused, not dropped. */
        assert_int_equal(attest_typed_params_from_variant(bad, &p, &n), -1);
        virTypedParamsFree(p, n);
}

/* ---- GetLaunchMeasurement --------------------------------------------------------- */

static GVariant *measure(Host *h, const char *domain, ApiError want, const char *in_message) {
        g_autofree char *message = NULL;
        GVariant *info = NULL;
        ApiError e;

        e = attest_launch_measurement(&h->facts, h->lv, NULL, NULL, domain, &info, &message);
        if (e != want)
                fail_msg("%s: got %s (%s), want %s", domain, api_error_name(e), message ?: "",
                         api_error_name(want));
        if (in_message && (!message || !strstr(message, in_message)))
                fail_msg("%s: message '%s' lacks '%s'", domain, message ?: "", in_message);
        return info;
}

static void test_measurement_sev(void **state) {
        g_autoptr(Host) h = host_open("milan-attest");
        g_autoptr(GVariant) m = measure(h, "sev-paused", API_OK, NULL);
        g_autofree char *fw = sha256_of(h->root, "usr/share/OVMF/OVMF_CODE.cc.fd");

        assert_string_equal(str(m, "domain"), "sev-paused");
        assert_string_equal(str(m, "state"), "paused");
        assert_string_equal(str(m, "model"), "amd-sev");
        assert_int_equal(strlen(str(m, "measurement")), 64);  /* base64 of 48 bytes */
        assert_int_equal(num(m, "api_major", "u"), 1);
        assert_int_equal(num(m, "api_minor", "u"), 55);
        assert_int_equal(num(m, "build_id", "u"), 31);
        assert_true(num(m, "policy", "t") == 0x33);
        assert_string_equal(str(m, "firmware"), "/usr/share/OVMF/OVMF_CODE.cc.fd");
        assert_string_equal(str(m, "firmware_sha256"), fw);
        assert_false(num(m, "kernel_hashes", "b"));
        assert_false(has(m, "kernel"));
        assert_int_equal(num(m, "vcpus", "u"), 2);
        /* host-passthrough: the host's own signature (EPYC 7713: family 25, model 1, stepping 1). */
        assert_string_equal(str(m, "cpu_mode"), "host-passthrough");
        assert_int_equal(num(m, "cpu_family", "u"), 25);
        assert_int_equal(num(m, "cpu_model", "u"), 1);
        assert_int_equal(num(m, "cpu_stepping", "u"), 1);
        assert_int_equal(num(m, "cpu_signature", "u"), 0x00a00f11);
        assert_null(unavailable(m, "measurement"));
}

static void test_measurement_es_kernel_boot(void **state) {
        g_autoptr(Host) h = host_open("milan-attest");
        g_autoptr(GVariant) m = measure(h, "es-paused", API_OK, NULL);
        g_autofree char *kernel = sha256_of(h->root, "var/lib/libvirt/boot/vmlinuz-guest");
        g_autofree char *initrd = sha256_of(h->root, "var/lib/libvirt/boot/initrd-guest");
        const char cmdline[] = "console=ttyS0 root=/dev/vda1";
        g_autofree char *cmdline_sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) cmdline,
                                                                   sizeof(cmdline));  /* with its NUL */

        assert_string_equal(str(m, "model"), "amd-sev-es");
        assert_true(num(m, "policy", "t") == 0x37);
        assert_true(num(m, "kernel_hashes", "b"));
        assert_string_equal(str(m, "kernel"), "/var/lib/libvirt/boot/vmlinuz-guest");
        assert_string_equal(str(m, "kernel_sha256"), kernel);
        assert_string_equal(str(m, "initrd_sha256"), initrd);
        assert_string_equal(str(m, "cmdline"), cmdline);
        assert_string_equal(str(m, "cmdline_sha256"), cmdline_sum);
        /* <vcpu current='2'>4</vcpu>: QEMU starts 2, and SEV-ES measures one VMSA each. */
        assert_int_equal(num(m, "vcpus", "u"), 2);
        assert_string_equal(str(m, "cpu_name"), "EPYC-Milan");
        assert_int_equal(num(m, "cpu_signature", "u"), 0x00a00f11);
}

static void test_measurement_inputs_unavailable(void **state) {
        g_autofree char *root = test_copy_host("milan-attest");
        g_autofree char *fw = g_build_filename(root, "usr/share/OVMF/OVMF_CODE.cc.fd", NULL);
        g_autoptr(AttestLibvirt) lv = attest_libvirt_recorded_new(root);
        ProbeOptions o = { .root = root };
        g_autoptr(GVariant) m = NULL, r = NULL;
        g_autofree char *message = NULL;
        HostFacts f;

        host_facts_init(&f);
        probe_host(&o, &f);
        /* A device node where the firmware should be is never read (it could be endless). */
        assert_int_equal(g_unlink(fw), 0);
        assert_int_equal(mkfifo(fw, 0600), 0);
        assert_int_equal(attest_launch_measurement(&f, lv, NULL, NULL, "sev-paused", &m, &message), API_OK);
        assert_false(has(m, "firmware_sha256"));
        assert_non_null(strstr(unavailable(m, "firmware_sha256"), "not a regular file"));
        assert_int_equal(g_unlink(fw), 0);
        assert_int_equal(attest_launch_measurement(&f, lv, NULL, NULL, "sev-paused", &r, &message), API_OK);
        assert_non_null(strstr(unavailable(r, "firmware_sha256"), "No such file"));

        /* A running domain libvirt reports nothing for: the inputs still, the measurement listed missing. */
        g_clear_pointer(&m, g_variant_unref);
        assert_int_equal(attest_launch_measurement(&f, lv, NULL, NULL, "es-guest-1", &m, &message), API_OK);
        assert_false(has(m, "measurement"));
        assert_non_null(unavailable(m, "measurement"));
        assert_true(num(m, "policy", "t") == 0x37);             /* from the XML */
        assert_false(has(m, "cpu_signature"));                  /* no <cpu>: QEMU's default model */
        host_facts_clear(&f);
        test_rmtree(root);
}

/* U+FDD0 is fine in XML but sd-bus refuses it: such a string is left out (and said so), never sent. */
static void test_measurement_text_dbus_refuses(void **state) {
        g_autofree char *root = test_copy_host("milan-attest");
        g_autofree char *path = g_build_filename(root, "libvirt/domains/es-paused.xml", NULL);
        g_autofree char *xml = test_read(path);
        g_autoptr(AttestLibvirt) lv = attest_libvirt_recorded_new(root);
        g_auto(GStrv) halves = g_strsplit(xml, "root=/dev/vda1", 2);
        g_autofree char *message = NULL, *odd = NULL;
        g_autoptr(GVariant) m = NULL;
        ProbeOptions o = { .root = root };
        HostFacts f;

        odd = g_strjoinv("root=/dev/vda1 \xef\xb7\x90", halves);
        test_write(root, "libvirt/domains/es-paused.xml", odd);
        host_facts_init(&f);
        probe_host(&o, &f);
        assert_int_equal(attest_launch_measurement(&f, lv, NULL, NULL, "es-paused", &m, &message), API_OK);
        assert_false(has(m, "cmdline"));
        assert_non_null(unavailable(m, "cmdline"));
        assert_int_equal(strlen(str(m, "cmdline_sha256")), 64);        /* over the bytes as they are */
        host_facts_clear(&f);
        test_rmtree(root);
}

static void test_measurement_errors(void **state) {
        g_autoptr(Host) h = host_open("milan-attest");
        g_autoptr(Host) snp = host_open("milan-snp-attest");
        g_autofree char *message = NULL;
        GVariant *m = NULL;

        measure(h, "no-such-guest", API_NO_SUCH_DOMAIN, "no-such-guest");
        measure(h, "sev-shutoff", API_INVALID_DOMAIN_STATE, "shutoff");
        measure(h, "plain-guest", API_MODEL_UNSUPPORTED, "no <launchSecurity>");
        measure(snp, "snp-guest-1", API_MODEL_UNSUPPORTED, "SEV-SNP");
        measure(h, "a/b", API_INVALID_ARGUMENT, NULL);
        measure(h, "", API_INVALID_ARGUMENT, NULL);
        measure(h, "..", API_INVALID_ARGUMENT, NULL);
        assert_int_equal(attest_launch_measurement(&h->facts, NULL, NO_LIBVIRT, NULL, "sev-paused", &m, &message),
                         API_LIBVIRT_UNAVAILABLE);
        assert_string_equal(message, NO_LIBVIRT);
        assert_null(m);
}

/* ---- the recorded backend's own refusals -------------------------------------------- */

static void test_recorded_broken_snapshots(void **state) {
        g_autofree char *root = test_copy_host("milan-attest");
        g_autoptr(AttestLibvirt) lv = attest_libvirt_recorded_new(root);
        g_autofree char *libvirt = g_build_filename(root, "libvirt", NULL);
        g_autofree char *moved = g_build_filename(root, "libvirt.away", NULL);
        g_autofree char *message = NULL;
        g_autoptr(GVariant) node = NULL;
        g_auto(AttestDomain) d = {};

        test_write(root, "libvirt/launch-security/sev-paused.json", "{\"state\": \"paused\", \"params\": [1]}");
        assert_int_equal(lv->lookup(lv, "sev-paused", &d, &message), API_LIBVIRT_UNAVAILABLE);
        assert_non_null(strstr(message, "params"));
        g_clear_pointer(&message, g_free);
        test_write(root, "libvirt/launch-security/sev-paused.json", "{\"state\": \"sleepy\"}");
        assert_int_equal(lv->lookup(lv, "sev-paused", &d, &message), API_LIBVIRT_UNAVAILABLE);
        g_clear_pointer(&message, g_free);
        test_write(root, "libvirt/launch-security/sev-paused.json", "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]");
        assert_int_equal(lv->lookup(lv, "sev-paused", &d, &message), API_LIBVIRT_UNAVAILABLE);
        g_clear_pointer(&message, g_free);
        /* Paused, so active, but no XML: the snapshot contradicts itself. */
        test_write(root, "libvirt/launch-security/ghost.json", "{\"state\": \"paused\"}");
        assert_int_equal(lv->lookup(lv, "ghost", &d, &message), API_LIBVIRT_UNAVAILABLE);
        g_clear_pointer(&message, g_free);

        /* json-glib decodes a lone surrogate escape into bytes that are not UTF-8: refused, not passed on. */
        test_write(root, "libvirt/launch-security/sev-paused.json",
                   "{\"state\": \"paused\", \"params\": {\"sev-measurement\": \"a\\ud800\"}}");
        assert_int_equal(lv->lookup(lv, "sev-paused", &d, &message), API_LIBVIRT_UNAVAILABLE);
        assert_true(g_utf8_validate(message, -1, NULL));
        g_clear_pointer(&message, g_free);

        /* No libvirt/ at all: nothing to ask. */
        assert_int_equal(rename(libvirt, moved), 0);
        assert_int_equal(lv->lookup(lv, "sev-guest-1", &d, &message), API_LIBVIRT_UNAVAILABLE);
        assert_non_null(strstr(message, "libvirt/"));
        g_clear_pointer(&message, g_free);
        assert_int_equal(lv->node_sev_info(lv, &node, &message), API_LIBVIRT_UNAVAILABLE);
        test_rmtree(root);
}

/* ---- the domain XML's inputs ------------------------------------------------------------ */

static void test_domain_inputs(void **state) {
        g_auto(AttestDomainInputs) in = {};
        g_autofree char *message = NULL;
        const CpuidFacts host = { .src = { SOURCE_OK }, .family = 26, .model = 2, .stepping = 1 };
        uint32_t fam = 0, mod = 0, step = 0;

        assert_int_equal(attest_domain_inputs_parse(
                "<domain><name>x</name><vcpu>3</vcpu><os><type>hvm</type><cmdline>  a  </cmdline></os>"
                "<cpu><model>EPYC-Rome</model></cpu>"
                "<launchSecurity type='sev'><policy>33</policy></launchSecurity></domain>", &in, &message), API_OK);
        assert_int_equal(in.model, MODEL_SEV);
        assert_true(in.has_policy && in.policy == 0x33);      /* hex without 0x, as libvirt reads it */
        assert_int_equal(in.vcpus, 3);
        assert_string_equal(in.cmdline, "  a  ");              /* measured byte for byte */
        assert_null(in.loader);
        assert_string_equal(in.cpu_mode, "custom");            /* libvirt's default */
        assert_true(attest_cpu_signature(&in, &host, &fam, &mod, &step));
        assert_true(fam == 23 && mod == 49 && step == 0);
        attest_domain_inputs_clear(&in);

        assert_int_equal(attest_domain_inputs_parse("<domain><cpu mode='maximum'/><os/></domain>", &in, &message),
                         API_OK);
        assert_int_equal(in.vcpus, 1);                          /* no <vcpu>: one */
        assert_true(attest_cpu_signature(&in, &host, &fam, &mod, &step));
        assert_true(fam == 26 && mod == 2 && step == 1);
        attest_domain_inputs_clear(&in);

        /* A versioned model has its base model's signature (the measurement library's table). */
        assert_int_equal(attest_domain_inputs_parse("<domain><cpu><model>EPYC-Milan-v2</model></cpu></domain>", &in,
                                                    &message), API_OK);
        assert_true(attest_cpu_signature(&in, &host, &fam, &mod, &step));
        assert_true(fam == 25 && mod == 1 && step == 1);
        attest_domain_inputs_clear(&in);

        /* A model whose signature is not known here: unknown, never guessed. */
        assert_int_equal(attest_domain_inputs_parse("<domain><cpu><model>EPYC-Venice</model></cpu></domain>", &in,
                                                    &message), API_OK);
        assert_false(attest_cpu_signature(&in, &host, &fam, &mod, &step));
        attest_domain_inputs_clear(&in);

        assert_int_equal(attest_domain_inputs_parse("<domain>", &in, &message), API_INVALID_DOMAIN_XML);
}

static void test_cpuid_eax(void **state) {
        assert_int_equal(measure_cpu_signature(23, 1, 2), 0x00800f12);      /* QEMU's EPYC */
        assert_int_equal(measure_cpu_signature(23, 49, 0), 0x00830f10);     /* EPYC-Rome */
        assert_int_equal(measure_cpu_signature(25, 17, 0), 0x00a10f10);     /* EPYC-Genoa */
        assert_int_equal(measure_cpu_signature(26, 0, 0), 0x00b00f00);      /* EPYC-Turin */
        assert_int_equal(measure_cpu_signature(15, 107, 1), 0x00060fb1);    /* qemu64 */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tcb_dicts),
                cmocka_unit_test(test_vcek_url),
                cmocka_unit_test(test_vcek_url_refused),
                cmocka_unit_test(test_platform_snp),
                cmocka_unit_test(test_platform_sev_only),
                cmocka_unit_test(test_platform_without_libvirt),
                cmocka_unit_test(test_platform_without_psp),
                cmocka_unit_test(test_typed_params_to_variant),
                cmocka_unit_test(test_typed_params_from_variant),
                cmocka_unit_test(test_measurement_sev),
                cmocka_unit_test(test_measurement_es_kernel_boot),
                cmocka_unit_test(test_measurement_inputs_unavailable),
                cmocka_unit_test(test_measurement_text_dbus_refuses),
                cmocka_unit_test(test_measurement_errors),
                cmocka_unit_test(test_recorded_broken_snapshots),
                cmocka_unit_test(test_domain_inputs),
                cmocka_unit_test(test_cpuid_eax),
        };
        /* virTypedParams* keep their errors in libvirt's thread-local state: set it up. */
        if (virInitialize() < 0)
                return 1;
        return cmocka_run_group_tests_name("attest", tests, NULL, NULL);
}
