/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt: domain capabilities from real hosts and libvirt's own test data,
 * hostile XML, guest models from domain XML, the snapshot layout, and live
 * probes against libvirt's built-in test driver and an unreachable URI.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <libvirt/libvirt.h>

#include "test-util.h"
#include "domain-table.h"
#include "probe.h"

#define CPU0_ID_920 "BlAwmcr4Ruya3YvEGe2EBxuWjMAfIYolslNNM92RsIKxLkWDDRqivqSBOD+qQRCYS9joBYSHMD1g+rmjY+MmVw=="
#define TEST_DOMAIN_UUID "6695eb01-f6a4-8304-79aa-97f2502e193f"
#define UNREACHABLE_URI "qemu+unix:///system?socket=/nonexistent"

/* ---- helpers -------------------------------------------------------------- */

static char *read_fixture(const char *name, size_t *len) {
        g_autofree char *path = libvirt_fixture(name);
        g_autoptr(GError) error = NULL;
        char *text = NULL;

        if (!g_file_get_contents(path, &text, len, &error))
                fail_msg("%s: %s", path, error->message);
        return text;
}

static void domcaps_init(DomainCapsFacts *dc) {
        *dc = (DomainCapsFacts) {
                .sev_supported = TRI_UNKNOWN,
                .cbitpos = -1, .reduced_phys_bits = -1, .max_guests = -1, .max_es_guests = -1,
        };
}

static void domcaps_clear(DomainCapsFacts *dc) {
        g_clear_pointer(&dc->cpu0_id, g_free);
        g_clear_pointer(&dc->raw_xml, g_free);
}

static void parse_fixture_domcaps(const char *name, DomainCapsFacts *dc) {
        size_t len;
        g_autofree char *xml = read_fixture(name, &len);
        g_autofree char *error = NULL;

        domcaps_init(dc);
        if (!domcaps_parse(xml, len, dc, &error))
                fail_msg("%s: %s", name, error);
        assert_null(error);
}

static void assert_domcaps_fails(const char *xml, size_t len, const char *error_part) {
        g_autofree char *error = NULL;
        DomainCapsFacts dc;

        domcaps_init(&dc);
        if (domcaps_parse(xml, len, &dc, &error))
                fail_msg("parsed: %.300s", xml);
        assert_non_null(error);
        if (error_part && !strstr(error, error_part))
                fail_msg("error '%s' does not mention '%s'", error, error_part);
        /* A failed parse leaves the facts unknown. */
        assert_int_equal(dc.sev_supported, TRI_UNKNOWN);
        assert_int_equal(dc.max_guests, -1);
        assert_null(dc.cpu0_id);
        assert_null(dc.raw_xml);
}

#define SEV_CAPS(sev) \
        "<domainCapabilities><features>" sev "</features></domainCapabilities>"

/* ---- domain capabilities: real data --------------------------------------- */

static void test_domcaps_qemu_9_2_amdsev(void **state) {
        DomainCapsFacts dc;

        parse_fixture_domcaps("qemu_9.2.0-q35.x86_64+amdsev.xml", &dc);
        assert_int_equal(dc.sev_supported, TRI_YES);
        assert_int_equal(dc.cbitpos, 51);
        assert_int_equal(dc.reduced_phys_bits, 1);
        assert_int_equal(dc.max_guests, 59);
        assert_int_equal(dc.max_es_guests, 450);
        assert_string_equal(dc.cpu0_id, CPU0_ID_920);
        assert_true(dc.has_launch_security);
        assert_true(dc.launch_security_supported);
        assert_true(dc.sectype_sev);
        assert_true(dc.sectype_sev_snp);
        /* The document is kept as read, for snapshots. */
        assert_non_null(dc.raw_xml);
        assert_non_null(strstr(dc.raw_xml, "<maxESGuests>450</maxESGuests>"));
        domcaps_clear(&dc);
}

static void test_domcaps_virt_manager(void **state) {
        DomainCapsFacts dc;

        parse_fixture_domcaps("kvm-x86_64-domcaps-amd-sev.xml", &dc);
        assert_int_equal(dc.sev_supported, TRI_YES);
        assert_int_equal(dc.cbitpos, 51);
        assert_int_equal(dc.reduced_phys_bits, 1);
        assert_int_equal(dc.max_guests, 502);
        assert_int_equal(dc.max_es_guests, 7);
        assert_null(dc.cpu0_id);
        assert_false(dc.has_launch_security);
        assert_false(dc.launch_security_supported);
        assert_false(dc.sectype_sev);
        assert_false(dc.sectype_sev_snp);
        domcaps_clear(&dc);
}

static void test_domcaps_qemu_6_0(void **state) {
        DomainCapsFacts dc;

        parse_fixture_domcaps("qemu_6.0.0-q35.x86_64.xml", &dc);
        assert_int_equal(dc.sev_supported, TRI_YES);
        assert_int_equal(dc.cbitpos, 47);
        assert_int_equal(dc.reduced_phys_bits, 1);
        assert_int_equal(dc.max_guests, 59);
        assert_int_equal(dc.max_es_guests, 450);
        assert_null(dc.cpu0_id);
        assert_true(dc.has_launch_security);
        assert_true(dc.launch_security_supported);
        assert_true(dc.sectype_sev);
        assert_false(dc.sectype_sev_snp);
        domcaps_clear(&dc);
}

/* ---- domain capabilities: shapes libvirt prints --------------------------- */

static DomainCapsFacts parse_inline(const char *xml) {
        g_autofree char *error = NULL;
        DomainCapsFacts dc;

        domcaps_init(&dc);
        if (!domcaps_parse(xml, strlen(xml), &dc, &error))
                fail_msg("%s: %s", xml, error);
        return dc;
}

static void test_domcaps_shapes(void **state) {
        DomainCapsFacts dc;

        dc = parse_inline(SEV_CAPS("<sev supported='no'/><launchSecurity supported='no'/>"));
        assert_int_equal(dc.sev_supported, TRI_NO);
        assert_int_equal(dc.cbitpos, -1);
        assert_int_equal(dc.max_es_guests, -1);
        assert_true(dc.has_launch_security);
        assert_false(dc.launch_security_supported);

        domcaps_clear(&dc);
        dc = parse_inline("<domainCapabilities><arch>x86_64</arch></domainCapabilities>");
        assert_int_equal(dc.sev_supported, TRI_UNKNOWN);
        assert_false(dc.has_launch_security);

        /* supported='yes' without any enum must not crash, and lists no type. */
        domcaps_clear(&dc);
        dc = parse_inline(SEV_CAPS("<sev supported='yes'><cbitpos> 47 </cbitpos></sev>"
                                   "<launchSecurity supported='yes'/>"));
        assert_int_equal(dc.cbitpos, 47);
        assert_int_equal(dc.max_guests, -1);     /* libvirt < 8.0 */
        assert_true(dc.launch_security_supported);
        assert_false(dc.sectype_sev);
        assert_false(dc.sectype_sev_snp);

        /* An enum under supported='no' does not make a type usable. */
        domcaps_clear(&dc);
        dc = parse_inline(SEV_CAPS("<launchSecurity supported='no'><enum name='sectype'>"
                                   "<value>sev-snp</value></enum></launchSecurity>"));
        assert_false(dc.sectype_sev_snp);

        domcaps_clear(&dc);
        dc = parse_inline(SEV_CAPS("<launchSecurity supported='yes'><enum name='other'><value>sev</value></enum>"
                                   "<enum name='sectype'><value>tdx</value><value>sev-snp</value></enum>"
                                   "</launchSecurity>"));
        assert_false(dc.sectype_sev);
        assert_true(dc.sectype_sev_snp);
        domcaps_clear(&dc);
}

/* A failure keeps what DC held, rather than half of a new answer. */
static void test_domcaps_failure_keeps_facts(void **state) {
        g_autofree char *error = NULL;
        const char *bad = SEV_CAPS("<sev supported='yes'><cbitpos>51</cbitpos><maxGuests>x</maxGuests></sev>");
        DomainCapsFacts dc;

        parse_fixture_domcaps("qemu_9.2.0-q35.x86_64+amdsev.xml", &dc);
        assert_false(domcaps_parse(bad, strlen(bad), &dc, &error));
        assert_non_null(strstr(error, "maxGuests"));
        assert_int_equal(dc.max_guests, 59);
        assert_string_equal(dc.cpu0_id, CPU0_ID_920);
        domcaps_clear(&dc);
}

/* ---- domain capabilities: hostile input ----------------------------------- */

static void test_domcaps_garbage_numbers(void **state) {
        static const struct { const char *xml, *element; } cases[] = {
                { SEV_CAPS("<sev supported='yes'><maxGuests>abc</maxGuests></sev>"), "maxGuests" },
                { SEV_CAPS("<sev supported='yes'><maxESGuests>-1</maxESGuests></sev>"), "maxESGuests" },
                { SEV_CAPS("<sev supported='yes'><cbitpos>51x</cbitpos></sev>"), "cbitpos" },
                { SEV_CAPS("<sev supported='yes'><cbitpos>0x33</cbitpos></sev>"), "cbitpos" },
                { SEV_CAPS("<sev supported='yes'><reducedPhysBits></reducedPhysBits></sev>"), "reducedPhysBits" },
                { SEV_CAPS("<sev supported='yes'><maxGuests>99999999999999999999</maxGuests></sev>"), "maxGuests" },
                { SEV_CAPS("<sev supported='yes'><maxGuests>1.5</maxGuests></sev>"), "maxGuests" },
                { SEV_CAPS("<sev supported='maybe'/>"), "supported" },
                { SEV_CAPS("<sev/>"), "supported" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
                assert_domcaps_fails(cases[i].xml, strlen(cases[i].xml), cases[i].element);
}

static void test_domcaps_malformed(void **state) {
        static const char *const cases[] = {
                "",
                "not xml",
                "<domainCapabilities><features><sev supported='yes'>",
                "<domainCapabilities></domaincapabilities>",
                "<domainCapabilities>&undefined;</domainCapabilities>",
                "<?xml version='1.0'?>",
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
                assert_domcaps_fails(cases[i], strlen(cases[i]), NULL);
        assert_domcaps_fails("<domainCapabilities/>\0<x/>", 26, NULL);
        assert_domcaps_fails(NULL, 0, NULL);
}

static void test_domcaps_wrong_root(void **state) {
        size_t len;
        g_autofree char *xml = read_fixture("x86_64-cpuid-EPYC-7713-64-Core.xml", &len);

        assert_domcaps_fails(xml, len, "<cpudata>");
        const char *domain = "<domain><features><sev supported='yes'/></features></domain>";
        assert_domcaps_fails(domain, strlen(domain), "domainCapabilities");
}

static void test_domcaps_too_large(void **state) {
        size_t len;
        g_autofree char *real = read_fixture("qemu_6.0.0-q35.x86_64.xml", &len);
        size_t big = 1024 * 1024 + 1;
        g_autofree char *xml = g_malloc(big + 1);

        /* The real document followed by white space: well-formed, but over 1 MiB. */
        memset(xml, ' ', big);
        memcpy(xml, real, len);
        xml[big] = '\0';
        assert_domcaps_fails(xml, big, "larger");

        DomainCapsFacts dc;
        domcaps_init(&dc);
        assert_true(domcaps_parse(xml, big - 1, &dc, NULL));    /* exactly 1 MiB is fine */
        assert_int_equal(dc.cbitpos, 47);
        domcaps_clear(&dc);
}

static char *billion_laughs(const char *inner) {
        GString *xml = g_string_new("<?xml version='1.0'?>\n<!DOCTYPE domainCapabilities [\n"
                                    "<!ENTITY lol0 \"lol\">\n");

        for (int i = 1; i <= 9; i++) {
                g_string_append_printf(xml, "<!ENTITY lol%d \"", i);
                for (int k = 0; k < 10; k++)
                        g_string_append_printf(xml, "&lol%d;", i - 1);
                g_string_append(xml, "\">\n");
        }
        g_string_append_printf(xml, "]>\n<domainCapabilities><features><sev supported='yes'>"
                               "%s</sev></features></domainCapabilities>\n", inner);
        return g_string_free(xml, FALSE);
}

static void test_domcaps_billion_laughs(void **state) {
        static const char *const inner[] = {
                "<cpu0Id>&lol9;</cpu0Id>",
                "<cpu0Id>&lol4;</cpu0Id>",  /* small enough for libxml2's own amplification check */
                "<cbitpos>&lol2;</cbitpos>",
                "<cpu0Id>&lol0;</cpu0Id>",  /* even one harmless entity: no DTDs at all */
        };

        for (size_t i = 0; i < G_N_ELEMENTS(inner); i++) {
                g_autofree char *xml = billion_laughs(inner[i]);

                /* Refused at the DOCTYPE, before any entity is declared: none can be expanded. */
                assert_domcaps_fails(xml, strlen(xml), "DOCTYPE");
        }

        /* An external DTD is never fetched: the document is refused outright. */
        const char *external = "<!DOCTYPE domainCapabilities SYSTEM \"/etc/passwd\">"
                               "<domainCapabilities/>";
        assert_domcaps_fails(external, strlen(external), "DOCTYPE");
}

/* Prefixes and random byte flips of a real document: an answer or an error, never a crash. */
static void test_domcaps_mangled(void **state) {
        size_t len;
        g_autofree char *xml = read_fixture("qemu_6.0.0-q35.x86_64.xml", &len);
        GRand *rand = g_rand_new_with_seed(7502);
        guint parsed = 0;

        for (size_t cut = 0; cut <= len; cut++) {
                g_autofree char *error = NULL;
                DomainCapsFacts dc;
                domcaps_init(&dc);
                bool ok = domcaps_parse(xml, cut, &dc, &error);
                assert_true(ok == (error == NULL));
                parsed += ok;
                domcaps_clear(&dc);
        }
        assert_int_equal(parsed, 2);     /* the whole document, with or without its final newline */

        for (int round = 0; round < 1000; round++) {
                g_autofree char *copy = g_memdup2(xml, len + 1);
                g_autofree char *error = NULL;
                g_autofree char *name = NULL;
                DomainCapsFacts dc;

                for (int k = 0; k < 3; k++)
                        copy[g_rand_int_range(rand, 0, (gint32) len)] = (char) g_rand_int_range(rand, 0, 256);
                domcaps_init(&dc);
                assert_true(domcaps_parse(copy, len, &dc, &error) == (error == NULL));
                domcaps_clear(&dc);
                g_clear_pointer(&error, g_free);
                domain_xml_guest_model(copy, len, &name, NULL, &error);
                assert_non_null(error);     /* not a <domain> */
        }
        g_rand_free(rand);
}

/* ---- domain XML ----------------------------------------------------------- */

static Model model_of(const char *launch_security, char **error) {
        g_autofree char *xml = g_strdup_printf(
                "<domain type='kvm'><name>vm1</name><uuid>" TEST_DOMAIN_UUID "</uuid>"
                "<memory>1048576</memory>%s</domain>", launch_security);
        g_autofree char *name = NULL;
        g_autofree char *uuid = NULL;
        Model model = domain_xml_guest_model(xml, strlen(xml), &name, &uuid, error);

        if (!*error) {
                assert_string_equal(name, "vm1");
                assert_string_equal(uuid, TEST_DOMAIN_UUID);
        } else {
                assert_null(name);
                assert_null(uuid);
        }
        return model;
}

static void assert_model(const char *launch_security, Model want) {
        g_autofree char *error = NULL;
        Model got = model_of(launch_security, &error);

        if (error)
                fail_msg("%s: %s", launch_security, error);
        if (got != want)
                fail_msg("%s: model %d, expected %d", launch_security, got, want);
}

static void assert_model_error(const char *launch_security) {
        g_autofree char *error = NULL;
        Model got = model_of(launch_security, &error);

        if (!error)
                fail_msg("no error for %s", launch_security);
        assert_int_equal(got, MODEL_NONE);
}

static void test_guest_models(void **state) {
        assert_model("", MODEL_NONE);
        assert_model("<launchSecurity type='sev'><policy>0x0033</policy></launchSecurity>", MODEL_SEV);
        assert_model("<launchSecurity type='sev'><policy>0x0037</policy></launchSecurity>", MODEL_SEV_ES);
        assert_model("<launchSecurity type='sev'><policy>7</policy></launchSecurity>", MODEL_SEV_ES);
        assert_model("<launchSecurity type='sev'><policy>3</policy></launchSecurity>", MODEL_SEV);
        /* Hex without 0x: "12" is 0x12 (bit 2 clear); read as decimal twelve it would set bit 2. */
        assert_model("<launchSecurity type='sev'><policy>12</policy></launchSecurity>", MODEL_SEV);
        assert_model("<launchSecurity type='sev'><policy>d</policy></launchSecurity>", MODEL_SEV_ES);
        assert_model("<launchSecurity type='sev'><policy>0X5</policy></launchSecurity>", MODEL_SEV_ES);
        assert_model("<launchSecurity type='sev' kernelHashes='yes'><cbitpos>47</cbitpos>"
                     "<reducedPhysBits>1</reducedPhysBits><policy>0x0001</policy></launchSecurity>",
                     MODEL_SEV);
        assert_model("<launchSecurity type='sev-snp' authorKey='no' vcek='yes'>"
                     "<policy>0x00030000</policy></launchSecurity>", MODEL_SEV_SNP);
        assert_model("<launchSecurity type='s390-pv'/>", MODEL_OTHER);
        assert_model("<launchSecurity type='tdx'><policy>0x10000000</policy></launchSecurity>", MODEL_OTHER);
}

static void test_guest_model_errors(void **state) {
        assert_model_error("<launchSecurity type='sev'/>");
        assert_model_error("<launchSecurity type='sev'><policy>zz</policy></launchSecurity>");
        assert_model_error("<launchSecurity type='sev'><policy>0x</policy></launchSecurity>");
        assert_model_error("<launchSecurity type='sev'><policy>-4</policy></launchSecurity>");
        assert_model_error("<launchSecurity type='sev'><policy>0x100000004</policy></launchSecurity>");
        assert_model_error("<launchSecurity><policy>0x4</policy></launchSecurity>");

        static const char *const documents[] = {
                "", "<domain>", "<domcaps/>", "<domain><name>x</name></domain><extra/>",
                "<!DOCTYPE domain [<!ENTITY a 'sev'>]><domain><launchSecurity type='&a;'/></domain>",
        };
        for (size_t i = 0; i < G_N_ELEMENTS(documents); i++) {
                g_autofree char *error = NULL;
                g_autofree char *name = NULL;
                Model m = domain_xml_guest_model(documents[i], strlen(documents[i]), &name, NULL, &error);
                if (!error)
                        fail_msg("no error for '%s'", documents[i]);
                assert_int_equal(m, MODEL_NONE);
                assert_null(name);
        }
}

/* ---- versions.json -------------------------------------------------------- */

static void test_versions_json(void **state) {
        g_autofree char *lv = NULL, *q = NULL, *error = NULL;
        const char *both = "{\"libvirt\":\"10.5.0\",\"qemu\":\"9.1.0\"}";
        const char *only = "{\"qemu\":\"7.2.0\",\"other\":[1,2]}";

        assert_true(versions_json_parse(both, strlen(both), &lv, &q, &error));
        assert_string_equal(lv, "10.5.0");
        assert_string_equal(q, "9.1.0");
        assert_null(error);
        g_clear_pointer(&lv, g_free);
        g_clear_pointer(&q, g_free);

        assert_true(versions_json_parse(only, strlen(only), &lv, &q, &error));
        assert_null(lv);
        assert_string_equal(q, "7.2.0");
        g_clear_pointer(&q, g_free);

        static const char *const bad[] = {
                "", "{", "[\"10.5.0\"]", "\"10.5.0\"", "{\"libvirt\":10.5}", "{\"qemu\":null}",
                "{\"libvirt\":{\"v\":\"1\"}}",
        };
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                g_autofree char *why = NULL;
                if (versions_json_parse(bad[i], strlen(bad[i]), &lv, &q, &why))
                        fail_msg("parsed '%s'", bad[i]);
                assert_non_null(why);
                assert_null(lv);
                assert_null(q);
        }

        g_autofree char *deep = g_strnfill(64 * 1024, '[');
        assert_false(versions_json_parse(deep, strlen(deep), &lv, &q, NULL));
}

/* ---- snapshot ------------------------------------------------------------- */

static void probe_snapshot(const char *root, HostFacts *f) {
        ProbeOptions opts = { .root = root };

        host_facts_init(f);
        probe_libvirt(&opts, false, &f->libvirt);
}

/* The I-th domain in name order. */
static const RunningDomain *domain(HostFacts *f, guint i) {
        const RunningDomain *d = NULL;
        DomainTableIter it;

        assert_true(i < domain_table_size(f->libvirt.domains));
        domain_table_iter_init(&it, f->libvirt.domains);
        for (guint k = 0; k <= i; k++)
                d = domain_table_iter_next(&it);
        return d;
}

static void install_snapshot(const char *root) {
        size_t len;
        g_autofree char *caps = read_fixture("qemu_9.2.0-q35.x86_64+amdsev.xml", &len);

        test_write_len(root, "libvirt/versions.json", "{\"libvirt\":\"10.5.0\",\"qemu\":\"9.1.0\"}\n", -1);
        test_write_len(root, "libvirt/domcapabilities.xml", caps, (gssize) len);
        test_write_len(root, "libvirt/domains/b-snp.xml",
                   "<domain type='kvm'><name>snp1</name><uuid>00000000-0000-0000-0000-000000000002</uuid>"
                   "<launchSecurity type='sev-snp'><policy>0x30000</policy></launchSecurity></domain>", -1);
        test_write_len(root, "libvirt/domains/a-es.xml",
                   "<domain type='kvm'><name>es1</name><uuid>00000000-0000-0000-0000-000000000001</uuid>"
                   "<launchSecurity type='sev'><policy>0x0037</policy></launchSecurity></domain>", -1);
        test_write_len(root, "libvirt/domains/c-plain.xml",
                   "<domain type='kvm'><name>plain</name></domain>", -1);
        test_write_len(root, "libvirt/domains/README", "ignored", -1);
}

static void test_snapshot_full(void **state) {
        const char *root = *state;
        HostFacts f;

        install_snapshot(root);
        probe_snapshot(root, &f);

        assert_int_equal(f.libvirt.connection.status, SOURCE_OK);
        assert_null(f.libvirt.uri);
        assert_int_equal(f.libvirt.versions_src.status, SOURCE_OK);
        assert_string_equal(f.libvirt.libvirt_version, "10.5.0");
        assert_string_equal(f.libvirt.qemu_version, "9.1.0");
        assert_int_equal(f.libvirt.domcaps.src.status, SOURCE_OK);
        assert_int_equal(f.libvirt.domcaps.max_es_guests, 450);
        assert_true(f.libvirt.domcaps.sectype_sev_snp);
        assert_int_equal(f.libvirt.domains_src.status, SOURCE_OK);
        assert_int_equal(domain_table_size(f.libvirt.domains), 3);
        assert_string_equal(domain(&f, 0)->name, "es1");
        assert_int_equal(domain(&f, 0)->model, MODEL_SEV_ES);
        assert_string_equal(domain(&f, 0)->uuid, "00000000-0000-0000-0000-000000000001");
        assert_string_equal(domain(&f, 2)->name, "snp1");
        assert_int_equal(domain(&f, 2)->model, MODEL_SEV_SNP);
        assert_string_equal(domain(&f, 1)->name, "plain");
        assert_int_equal(domain(&f, 1)->model, MODEL_NONE);
        assert_null(domain(&f, 1)->uuid);
        assert_int_equal(domain_table_count(f.libvirt.domains, MODEL_SEV_ES), 1);
        assert_int_equal(domain_table_encrypted(f.libvirt.domains), 2);
        host_facts_clear(&f);
}

static void test_snapshot_bad_files(void **state) {
        const char *root = *state;
        HostFacts f;

        install_snapshot(root);
        test_write_len(root, "libvirt/versions.json", "{\"libvirt\":", -1);
        test_write_len(root, "libvirt/domcapabilities.xml",
                   SEV_CAPS("<sev supported='yes'><maxGuests>lots</maxGuests></sev>"), -1);
        test_write_len(root, "libvirt/domains/b-snp.xml", "<domain><launchSecurity type='sev'/></domain>", -1);
        test_write_len(root, "libvirt/domains/d-broken.xml", "<domain", -1);
        probe_snapshot(root, &f);

        assert_int_equal(f.libvirt.connection.status, SOURCE_OK);
        assert_int_equal(f.libvirt.versions_src.status, SOURCE_INVALID);
        assert_true(g_str_has_prefix(f.libvirt.versions_src.detail, "/libvirt/versions.json: "));
        assert_null(f.libvirt.libvirt_version);
        assert_int_equal(f.libvirt.domcaps.src.status, SOURCE_INVALID);
        assert_true(g_str_has_prefix(f.libvirt.domcaps.src.detail, "/libvirt/domcapabilities.xml: "));
        assert_non_null(strstr(f.libvirt.domcaps.src.detail, "maxGuests"));
        assert_int_equal(f.libvirt.domcaps.max_guests, -1);

        /* The two bad domains are named; the two good ones still count. */
        assert_int_equal(f.libvirt.domains_src.status, SOURCE_INVALID);
        assert_non_null(strstr(f.libvirt.domains_src.detail, "/libvirt/domains/b-snp.xml: "));
        assert_non_null(strstr(f.libvirt.domains_src.detail, "/libvirt/domains/d-broken.xml: "));
        assert_int_equal(domain_table_size(f.libvirt.domains), 2);
        assert_string_equal(domain(&f, 0)->name, "es1");
        assert_string_equal(domain(&f, 1)->name, "plain");
        host_facts_clear(&f);
}

static void test_snapshot_empty_libvirt_dir(void **state) {
        const char *root = *state;
        g_autofree char *dir = g_build_filename(root, "libvirt", NULL);
        HostFacts f;

        assert_int_equal(g_mkdir_with_parents(dir, 0755), 0);
        probe_snapshot(root, &f);
        assert_int_equal(f.libvirt.connection.status, SOURCE_OK);
        assert_int_equal(f.libvirt.versions_src.status, SOURCE_MISSING);
        assert_non_null(strstr(f.libvirt.versions_src.detail, "/libvirt/versions.json"));
        assert_null(f.libvirt.libvirt_version);
        assert_int_equal(f.libvirt.domcaps.src.status, SOURCE_MISSING);
        assert_non_null(strstr(f.libvirt.domcaps.src.detail, "/libvirt/domcapabilities.xml"));
        /* No domains/ directory: the host ran nothing. */
        assert_int_equal(f.libvirt.domains_src.status, SOURCE_OK);
        assert_int_equal(domain_table_size(f.libvirt.domains), 0);
        host_facts_clear(&f);
}

static void test_snapshot_unreadable_domains(void **state) {
        const char *root = *state;
        g_autofree char *domains = g_build_filename(root, "libvirt", "domains", NULL);
        HostFacts f;

        test_write_len(root, "libvirt/versions.json", "{}", -1);
        assert_int_equal(symlink("domains", domains), 0);     /* a loop: ELOOP */
        probe_snapshot(root, &f);
        /* Domains we cannot list might be running: not "zero domains". */
        assert_int_equal(f.libvirt.domains_src.status, SOURCE_ERROR);
        assert_true(g_str_has_prefix(f.libvirt.domains_src.detail, "/libvirt/domains: "));
        assert_int_equal(f.libvirt.versions_src.status, SOURCE_OK);
        assert_null(f.libvirt.libvirt_version);
        assert_null(f.libvirt.qemu_version);
        host_facts_clear(&f);
}

static void test_snapshot_no_libvirt(void **state) {
        const char *root = *state;
        HostFacts f;

        test_write_len(root, "proc/cpuinfo", "", 0);
        probe_snapshot(root, &f);
        assert_int_equal(f.libvirt.connection.status, SOURCE_MISSING);
        assert_string_equal(f.libvirt.connection.detail, "no libvirt/ directory in the snapshot");
        /* Nothing is known, so zero running domains is not claimed either. */
        assert_int_equal(f.libvirt.domains_src.status, SOURCE_MISSING);
        assert_int_not_equal(f.libvirt.domcaps.src.status, SOURCE_OK);
        host_facts_clear(&f);
}

/* ---- live ----------------------------------------------------------------- */

static void probe_live(const char *uri, bool skip, HostFacts *f) {
        ProbeOptions opts = { .root = "/", .libvirt_uri = uri, .skip_libvirt = skip };

        host_facts_init(f);
        probe_libvirt(&opts, true, &f->libvirt);
}

static void test_live_test_driver(void **state) {
        unsigned long lib = 0;
        HostFacts f;

        probe_live("test:///default", false, &f);
        assert_int_equal(f.libvirt.connection.status, SOURCE_OK);
        assert_string_equal(f.libvirt.uri, "test:///default");

        assert_int_equal(f.libvirt.versions_src.status, SOURCE_OK);
        assert_int_equal(virGetVersion(&lib, NULL, NULL), 0);
        g_autofree char *want = g_strdup_printf("%lu.%lu.%lu", lib / 1000000, lib / 1000 % 1000, lib % 1000);
        assert_string_equal(f.libvirt.libvirt_version, want);
        /* The test driver is not QEMU: its "hypervisor version" (0.0.2) is no QEMU version. */
        assert_null(f.libvirt.qemu_version);

        /* libvirt 9.0's test driver has no virConnectGetDomainCapabilities. */
        assert_int_not_equal(f.libvirt.domcaps.src.status, SOURCE_OK);
        assert_non_null(f.libvirt.domcaps.src.detail);
        assert_int_equal(f.libvirt.domcaps.sev_supported, TRI_UNKNOWN);

        assert_int_equal(f.libvirt.domains_src.status, SOURCE_OK);
        assert_int_equal(domain_table_size(f.libvirt.domains), 1);
        assert_string_equal(domain(&f, 0)->name, "test");
        assert_string_equal(domain(&f, 0)->uuid, TEST_DOMAIN_UUID);
        assert_int_equal(domain(&f, 0)->model, MODEL_NONE);
        host_facts_clear(&f);
}

/* Runs an unreachable probe with stderr captured; returns what was printed. */
static char *probe_unreachable_capturing_stderr(HostFacts *f) {
        char path[] = "/tmp/memcrypt-stderr-XXXXXX";
        int fd = mkstemp(path), saved = dup(STDERR_FILENO);
        char *printed = NULL;

        assert_true(fd >= 0 && saved >= 0);
        fflush(stderr);
        assert_true(dup2(fd, STDERR_FILENO) >= 0);
        probe_live(UNREACHABLE_URI, false, f);
        fflush(stderr);
        assert_true(dup2(saved, STDERR_FILENO) >= 0);
        close(saved);
        close(fd);
        assert_true(g_file_get_contents(path, &printed, NULL, NULL));
        unlink(path);
        return printed;
}

static void test_live_unreachable(void **state) {
        HostFacts f;
        g_autofree char *printed = probe_unreachable_capturing_stderr(&f);

        assert_int_equal(f.libvirt.connection.status, SOURCE_ERROR);
        assert_true(g_str_has_prefix(f.libvirt.connection.detail, "cannot connect to " UNREACHABLE_URI ": "));
        assert_true(strlen(f.libvirt.connection.detail) > strlen("cannot connect to " UNREACHABLE_URI ": "));
        assert_null(f.libvirt.uri);
        assert_null(f.libvirt.libvirt_version);
        assert_int_equal(f.libvirt.domains_src.status, SOURCE_MISSING);
        assert_int_equal(domain_table_size(f.libvirt.domains), 0);
        /* The daemon must not spew libvirt's errors on stderr. */
        assert_string_equal(printed, "");
        host_facts_clear(&f);
}

static void test_live_skipped(void **state) {
        HostFacts f;

        probe_live("test:///default", true, &f);
        assert_int_equal(f.libvirt.connection.status, SOURCE_MISSING);
        assert_string_equal(f.libvirt.connection.detail, "libvirt probing disabled");
        assert_null(f.libvirt.uri);
        assert_int_equal(domain_table_size(f.libvirt.domains), 0);
        assert_int_equal(f.libvirt.domains_src.status, SOURCE_MISSING);
        host_facts_clear(&f);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_domcaps_qemu_9_2_amdsev),
                cmocka_unit_test(test_domcaps_virt_manager),
                cmocka_unit_test(test_domcaps_qemu_6_0),
                cmocka_unit_test(test_domcaps_shapes),
                cmocka_unit_test(test_domcaps_failure_keeps_facts),
                cmocka_unit_test(test_domcaps_garbage_numbers),
                cmocka_unit_test(test_domcaps_malformed),
                cmocka_unit_test(test_domcaps_wrong_root),
                cmocka_unit_test(test_domcaps_too_large),
                cmocka_unit_test(test_domcaps_billion_laughs),
                cmocka_unit_test(test_domcaps_mangled),
                cmocka_unit_test(test_guest_models),
                cmocka_unit_test(test_guest_model_errors),
                cmocka_unit_test(test_versions_json),
                cmocka_unit_test_setup_teardown(test_snapshot_full, test_setup_tmp_root, test_teardown_tmp_root),
                cmocka_unit_test_setup_teardown(test_snapshot_bad_files, test_setup_tmp_root, test_teardown_tmp_root),
                cmocka_unit_test_setup_teardown(test_snapshot_empty_libvirt_dir, test_setup_tmp_root, test_teardown_tmp_root),
                cmocka_unit_test_setup_teardown(test_snapshot_unreadable_domains, test_setup_tmp_root, test_teardown_tmp_root),
                cmocka_unit_test_setup_teardown(test_snapshot_no_libvirt, test_setup_tmp_root, test_teardown_tmp_root),
                cmocka_unit_test(test_live_test_driver),
                cmocka_unit_test(test_live_unreachable),
                cmocka_unit_test(test_live_skipped),
        };

        return cmocka_run_group_tests_name("probe-libvirt", tests, NULL, NULL);
}
