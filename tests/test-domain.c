/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GenerateLaunchSecurity, ConfigureDomain and ValidateDomain in-process, on
 * host snapshots and the realistic domains in tests/fixtures/domains. The
 * schema and libvirt oracles run in tests/integration/test-domain-xml.py.
 */
#include <string.h>

#include "domain.h"
#include "probe.h"
#include "test-util.h"
#include "text.h"
#include "xml-util.h"

typedef struct {
        HostFacts facts;
        MemcryptConfig config;
        HostVerdict *verdict;
        HostView view;
} Host;

static Host *host_load(const char *name) {
        g_autofree char *root = host_fixture(name);
        ProbeOptions opts = { .root = root };
        Host *h = g_new0(Host, 1);

        host_facts_init(&h->facts);
        memcrypt_config_init(&h->config);
        probe_host(&opts, &h->facts);
        h->verdict = host_verdict_new(&h->facts, &h->config);
        h->view = (HostView) { .facts = &h->facts, .verdict = h->verdict };
        return h;
}

static void host_free(Host *h) {
        host_verdict_free(h->verdict);
        memcrypt_config_clear(&h->config);
        host_facts_clear(&h->facts);
        g_free(h);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Host, host_free)

static char *domain_fixture(const char *name) {
        g_autofree char *path = g_build_filename(test_env("MEMCRYPT_SOURCE_ROOT"), "tests", "fixtures", "domains",
                                                 name, NULL);
        return test_read(path);
}

/* OPTIONS in GVariant text format ("{'policy': <uint64 7>}"), or NULL. */
static GVariant *options(const char *text) {
        return text ? g_variant_ref_sink(g_variant_new_parsed(text)) : NULL;
}

/* The call's arguments include &message: evaluate it before reading message. */
#define expect_error_after(call, want, message, needle) \
        do { ApiError _e = (call); expect_error(_e, (want), (message), (needle)); } while (0)

static void expect_error(ApiError got, ApiError want, const char *message, const char *needle) {
        if (got != want)
                fail_msg("got %s, want %s: %s", api_error_name(got), api_error_name(want), message ?: "");
        if (needle && (!message || !strstr(message, needle)))
                fail_msg("'%s' not in '%s'", needle, message ?: "(null)");
}

/* ---- XPath checks on a result -------------------------------------------- */

typedef struct {
        xmlDoc *doc;
        xmlXPathContext *ctx;
} Xml;

static Xml xml_open(const char *text) {
        Xml x = { xmlReadMemory(text, (int) strlen(text), NULL, NULL, XML_PARSE_NONET) };

        assert_non_null(x.doc);
        x.ctx = xmlXPathNewContext(x.doc);
        return x;
}

static void xml_close(Xml *x) {
        xmlXPathFreeContext(x->ctx);
        xmlFreeDoc(x->doc);
}

static double xml_number(Xml *x, const char *expr) {
        g_autoptr(xmlXPathObject) o = xmlXPathEvalExpression(BAD_CAST expr, x->ctx);

        assert_non_null(o);
        return xmlXPathCastToNumber(o);
}

static char *xml_string(Xml *x, const char *expr) {
        g_autoptr(xmlXPathObject) o = xmlXPathEvalExpression(BAD_CAST expr, x->ctx);
        xmlChar *s = xmlXPathCastToString(o);
        char *r = g_strdup((const char *) s);

        xmlFree(s);
        return r;
}

#define assert_count(x, expr, n) \
        do { if (xml_number((x), "count(" expr ")") != (n)) \
                fail_msg("count(%s) = %g, want %d", expr, xml_number((x), "count(" expr ")"), (n)); } while (0)
#define assert_xpath_string(x, expr, want) \
        do { g_autofree char *_s = xml_string((x), expr); \
             if (g_strcmp0(_s, (want)) != 0) fail_msg("%s = '%s', want '%s'", expr, _s, (want)); } while (0)

/* ---- GenerateLaunchSecurity ---------------------------------------------- */

static char *generate(Host *h, Model m, const char *opts, ApiError want, const char *needle) {
        g_autoptr(GVariant) o = options(opts);
        g_autofree char *message = NULL;
        char *xml = NULL;

        expect_error_after(launch_security_generate(m, o, &h->view, &xml, &message), want, message, needle);
        return xml;
}

static void test_generate_defaults(void **state) {
        g_autoptr(Host) off = host_load("milan-snp-off");
        g_autoptr(Host) snp = host_load("milan-snp");
        g_autofree char *sev = generate(off, MODEL_SEV, NULL, API_OK, NULL);
        g_autofree char *es = generate(off, MODEL_SEV_ES, "@a{sv} {}", API_OK, NULL);
        g_autofree char *sn = generate(snp, MODEL_SEV_SNP, NULL, API_OK, NULL);

        assert_string_equal(sev, "<launchSecurity type=\"sev\">\n  <policy>0x0033</policy>\n</launchSecurity>\n");
        assert_string_equal(es, "<launchSecurity type=\"sev\">\n  <policy>0x0037</policy>\n</launchSecurity>\n");
        assert_string_equal(sn, "<launchSecurity type=\"sev-snp\" authorKey=\"no\" vcek=\"yes\" kernelHashes=\"no\">\n"
                                "  <policy>0x00030000</policy>\n</launchSecurity>\n");
}

static void test_generate_options(void **state) {
        g_autoptr(Host) off = host_load("milan-snp-off");
        g_autoptr(Host) snp = host_load("milan-snp");
        g_autofree char *host_data = g_base64_encode((const guchar *) "0123456789abcdef0123456789abcdef", 32);
        g_autofree char *snp_opts = g_strdup_printf("{'host_data': <'%s'>, 'kernel_hashes': <true>, "
                                                    "'vcek': <false>, 'policy': <uint32 0x30000>}", host_data);
        g_autofree char *a = generate(off, MODEL_SEV_ES, "{'policy': <uint64 0x7>, 'dh_cert': <'AAEC'>, "
                                      "'session': <'AAECAw=='>, 'kernel_hashes': <true>}", API_OK, NULL);
        g_autofree char *b = generate(snp, MODEL_SEV_SNP, snp_opts, API_OK, NULL);
        Xml x = xml_open(a), y = xml_open(b);

        assert_xpath_string(&x, "string(/launchSecurity/policy)", "0x0007");
        assert_xpath_string(&x, "string(/launchSecurity/@kernelHashes)", "yes");
        assert_xpath_string(&x, "string(/launchSecurity/dhCert)", "AAEC");
        assert_xpath_string(&x, "string(/launchSecurity/session)", "AAECAw==");
        assert_xpath_string(&y, "string(/launchSecurity/@vcek)", "no");
        assert_xpath_string(&y, "string(/launchSecurity/@kernelHashes)", "yes");
        assert_xpath_string(&y, "string(/launchSecurity/hostData)", host_data);
        xml_close(&x);
        xml_close(&y);
}

static void test_generate_refusals(void **state) {
        g_autoptr(Host) off = host_load("milan-snp-off");
        g_autoptr(Host) snp = host_load("milan-snp");
        g_autoptr(Host) full = host_load("milan-snp-full");
        g_autoptr(Host) conflict = host_load("milan-es-conflict");
        static const struct {
                Model m;
                const char *opts;
                ApiError e;
                const char *needle;
        } cases[] = {
                { MODEL_SEV, "{'bogus': <1>}", API_INVALID_ARGUMENT, "unknown option 'bogus'" },
                { MODEL_SEV, "{'policy': <'0x33'>}", API_INVALID_ARGUMENT, "'policy' has type 's'" },
                { MODEL_SEV, "{'policy': <-1>}", API_INVALID_ARGUMENT, "negative" },
                { MODEL_SEV, "{'policy': <uint64 0x37>}", API_INVALID_ARGUMENT, "ES bit" },
                { MODEL_SEV_ES, "{'policy': <uint64 0x33>}", API_INVALID_ARGUMENT, "lacks the ES bit" },
                { MODEL_SEV, "{'policy': <uint64 0x0133>}", API_INVALID_ARGUMENT, "reserved bits 6-15" },
                { MODEL_SEV, "{'policy': <uint64 0x32>}", API_INVALID_ARGUMENT, "allows debugging" },
                { MODEL_SEV, "{'kernel_hashes': <'yes'>}", API_INVALID_ARGUMENT, "takes a boolean" },
                { MODEL_SEV, "{'dh_cert': <'not base64!'>}", API_INVALID_ARGUMENT, "dh_cert is not base64" },
                { MODEL_SEV, "{'dh_cert': <'AAE C'>}", API_INVALID_ARGUMENT, "dh_cert is not base64" },
                { MODEL_SEV, "{'host_data': <'AAEC'>}", API_INVALID_ARGUMENT, "decodes to 3 bytes; it must be exactly 32" },
                { MODEL_SEV, "{'session': <'AAAA'>, 'author_key': <true>}", API_INVALID_ARGUMENT, "needs 'id_auth'" },
                { MODEL_SEV_ES, "{'vcek': <true>}", API_INVALID_ARGUMENT, "applies to SEV-SNP only" },
                { MODEL_SEV, "{'keep_balloon': <true>}", API_INVALID_ARGUMENT, "unknown option 'keep_balloon'" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                print_message("# case %zu: %s\n", i, cases[i].opts);
                g_free(generate(off, cases[i].m, cases[i].opts, cases[i].e, cases[i].needle));
        }
        snp->facts.smt_active = TRI_NO;
        g_free(generate(snp, MODEL_SEV_SNP, "{'policy': <uint64 0x20000>}", API_OK, NULL));
        snp->facts.smt_active = TRI_YES;
        g_free(generate(snp, MODEL_SEV_SNP, "{'policy': <uint64 0x20000>}", API_INVALID_ARGUMENT, "runs with SMT on"));
        g_free(generate(snp, MODEL_SEV_SNP, "{'policy': <uint64 0xb0000>}", API_INVALID_ARGUMENT, "bit 19"));
        g_free(generate(snp, MODEL_SEV_SNP, "{'policy': <uint64 0xb0000>, 'allow_debug': <true>}", API_OK, NULL));
        g_free(generate(snp, MODEL_SEV_SNP, "{'policy': <uint64 0x2030000>}", API_INVALID_ARGUMENT, "reserved bits 25-63"));
        g_free(generate(snp, MODEL_SEV_SNP, "{'policy': <uint64 0x10000>}", API_INVALID_ARGUMENT, "bit 17"));
        g_free(generate(snp, MODEL_SEV_SNP, "{'dh_cert': <'AAEC'>}", API_INVALID_ARGUMENT, "SEV and SEV-ES only"));
        g_free(generate(snp, MODEL_SEV_ES, NULL, API_MODEL_UNSUPPORTED, "SEV-ES cannot run on this host"));
        g_free(generate(full, MODEL_SEV_SNP, NULL, API_NO_SLOTS, "no free SEV-SNP slot"));
        g_free(generate(conflict, MODEL_SEV, NULL, API_HOST_MISCONFIGURED, "misconfigured"));

        /* Found by fuzz-launch-security: a quote cut at 64 bytes inside a 4-byte character
         * was not UTF-8, and sd-bus refuses to send such an error message. */
        g_autofree char *opts = g_strdup_printf("{'%s\U000178149': <1>}", "k-234567890123456789012345678901234567890123456789012345678901");
        g_autofree char *message = NULL;
        g_autoptr(GVariant) o = options(opts);
        char *xml = NULL;
        assert_int_equal(launch_security_generate(MODEL_SEV, o, &off->view, &xml, &message), API_INVALID_ARGUMENT);
        assert_null(xml);
        assert_true(text_bus_valid(message));
        assert_non_null(strstr(message, "unknown option 'k-2345"));
}

/* ---- ConfigureDomain ----------------------------------------------------- */

static char *configure_text(Host *h, const char *xml, Model m, const char *opts, ApiError want, const char *needle) {
        g_autoptr(GVariant) o = options(opts);
        g_autofree char *message = NULL;
        char *out = NULL;

        expect_error_after(domain_configure(xml, m, o, &h->view, &out, &message), want, message, needle);
        return out;
}

static char *configure(Host *h, const char *fixture, Model m, const char *opts, ApiError want, const char *needle) {
        g_autofree char *xml = domain_fixture(fixture);

        return configure_text(h, xml, m, opts, want, needle);
}

static GPtrArray *validate(Host *h, const char *xml, const char *opts) {
        g_autoptr(GVariant) o = options(opts);
        g_autofree char *message = NULL;
        GPtrArray *findings = NULL;

        expect_error_after(domain_validate(xml, o, &h->view, &findings, &message), API_OK, message, NULL);
        return findings;
}

static const Finding *find_code(GPtrArray *findings, const char *code) {
        for (guint i = 0; i < findings->len; i++)
                if (g_str_equal(((Finding *) findings->pdata[i])->code, code))
                        return findings->pdata[i];
        return NULL;
}

static void assert_no_findings(Host *h, const char *xml, const char *opts) {
        g_autoptr(GPtrArray) findings = validate(h, xml, opts);

        for (guint i = 0; i < findings->len; i++) {
                const Finding *f = findings->pdata[i];
                print_message("# %s %s %s: %s\n", severity_to_string(f->severity), f->code, f->where, f->message);
        }
        assert_int_equal(findings->len, 0);
}

static void assert_encrypted_shape(Xml *x) {
        assert_xpath_string(x, "string(/domain/@type)", "kvm");
        assert_xpath_string(x, "string(/domain/os/@firmware)", "efi");
        assert_count(x, "/domain/os/loader[normalize-space(.) != '' or @type or @readonly]", 0);
        assert_count(x, "/domain/os/nvram[@template]", 0);
        assert_count(x, "/domain/features/vmcoreinfo", 0);
        assert_count(x, "/domain/devices/memballoon[@model='none']", 1);
        assert_count(x, "/domain/devices/memballoon/*", 0);
        /* every virtio device has iommu='on'; virtio NICs have no ROM */
        assert_count(x, "/domain/devices/disk[target/@bus='virtio'][not(driver/@iommu='on')]", 0);
        assert_count(x, "/domain/devices/interface[starts-with(model/@type,'virtio')][not(driver/@iommu='on')]", 0);
        assert_count(x, "/domain/devices/interface[starts-with(model/@type,'virtio')][not(rom/@enabled='no')]", 0);
        assert_count(x, "/domain/devices/controller[@type='virtio-serial'][not(driver/@iommu='on')]", 0);
        assert_count(x, "/domain/devices/rng[not(driver/@iommu='on')]", 0);
        assert_count(x, "/domain/devices/video[model/@type='virtio'][not(driver/@iommu='on')]", 0);
        assert_count(x, "/domain/launchSecurity", 1);
        assert_count(x, "/domain/*[last()][self::launchSecurity]", 1);
}

static void test_configure_sev(void **state) {
        g_autoptr(Host) h = host_load("milan-snp-off");
        g_autofree char *in = domain_fixture("virt-install-q35.xml");
        g_autofree char *out = configure(h, "virt-install-q35.xml", MODEL_SEV, NULL, API_OK, NULL);
        g_autofree char *nova = domain_fixture("nova-q35.xml");
        g_autofree char *es = configure(h, "nova-q35.xml", MODEL_SEV_ES, NULL, API_OK, NULL);
        Xml before = xml_open(in), x = xml_open(out), nova_before = xml_open(nova), y = xml_open(es);
        g_autofree char *disk = xml_string(&before, "string(/domain/devices/disk[1]/source/@file)");
        g_autofree char *uuid = xml_string(&before, "string(/domain/uuid)");
        g_autofree char *sysinfo = xml_string(&nova_before, "string(/domain/sysinfo)");
        g_autofree char *metadata = xml_string(&nova_before, "string(/domain/metadata)");

        assert_encrypted_shape(&x);
        assert_encrypted_shape(&y);
        assert_count(&x, "/domain/memoryBacking/locked", 1);
        assert_xpath_string(&x, "string(/domain/launchSecurity/@type)", "sev");
        assert_xpath_string(&x, "string(/domain/launchSecurity/policy)", "0x0033");
        assert_xpath_string(&y, "string(/domain/launchSecurity/policy)", "0x0037");
        /* pinned to Debian's plain OVMF: no secure boot, no enrolled keys */
        assert_xpath_string(&x, "string(/domain/os/firmware/feature[@name='secure-boot']/@enabled)", "no");
        assert_xpath_string(&x, "string(/domain/os/firmware/feature[@name='enrolled-keys']/@enabled)", "no");
        /* unrelated content stays */
        assert_int_equal((int) xml_number(&x, "count(/domain/devices/*)"),
                         (int) xml_number(&before, "count(/domain/devices/*)"));
        assert_xpath_string(&x, "string(/domain/devices/disk[1]/source/@file)", disk);
        assert_xpath_string(&x, "string(/domain/uuid)", uuid);
        assert_xpath_string(&y, "string(/domain/sysinfo)", sysinfo);
        assert_xpath_string(&y, "string(/domain/metadata)", metadata);
        assert_true(strlen(metadata) > 0);
        assert_no_findings(h, out, NULL);
        assert_no_findings(h, es, NULL);
        xml_close(&before);
        xml_close(&nova_before);
        xml_close(&x);
        xml_close(&y);
}

static void test_configure_snp(void **state) {
        g_autoptr(Host) h = host_load("milan-snp");
        g_autofree char *out = configure(h, "virt-install-q35.xml", MODEL_SEV_SNP, NULL, API_OK, NULL);
        g_autofree char *kernel = configure(h, "kernel-boot.xml", MODEL_SEV_SNP, NULL, API_OK, NULL);
        g_autofree char *no_hashes = configure(h, "kernel-boot.xml", MODEL_SEV_SNP, "{'kernel_hashes': <false>}",
                                               API_OK, NULL);
        Xml x = xml_open(out), k = xml_open(kernel), n = xml_open(no_hashes);

        assert_encrypted_shape(&x);
        assert_xpath_string(&x, "string(/domain/os/loader/@stateless)", "yes");
        assert_count(&x, "/domain/os/nvram", 0);
        assert_count(&x, "/domain/memoryBacking/locked", 0);
        assert_xpath_string(&x, "string(/domain/launchSecurity/@type)", "sev-snp");
        assert_xpath_string(&x, "string(/domain/launchSecurity/@kernelHashes)", "no");
        assert_xpath_string(&k, "string(/domain/launchSecurity/@kernelHashes)", "yes");
        assert_xpath_string(&n, "string(/domain/launchSecurity/@kernelHashes)", "no");
        assert_no_findings(h, out, NULL);
        assert_no_findings(h, kernel, NULL);
        g_free(configure(h, "virt-install-q35.xml", MODEL_SEV_SNP, "{'kernel_hashes': <true>}",
                         API_INVALID_ARGUMENT, "needs direct kernel boot"));
        xml_close(&x);
        xml_close(&k);
        xml_close(&n);
}

static void test_configure_idempotent(void **state) {
        g_autoptr(Host) h = host_load("milan-snp-off");
        g_autofree char *once = configure(h, "nova-q35.xml", MODEL_SEV, NULL, API_OK, NULL);
        g_autofree char *twice = configure_text(h, once, MODEL_SEV, NULL, API_OK, NULL);

        assert_string_equal(once, twice);
}

static void test_configure_refusals(void **state) {
        g_autoptr(Host) h = host_load("milan-snp-off");
        g_autoptr(Host) snp = host_load("milan-snp");
        g_autofree char *replaced = configure(h, "launchsec.xml", MODEL_SEV, NULL, API_OK, NULL);
        Xml x = xml_open(replaced);

        assert_count(&x, "/domain/launchSecurity", 1);
        assert_xpath_string(&x, "string(/domain/launchSecurity/policy)", "0x0033");
        g_free(configure(h, "i440fx.xml", MODEL_SEV, NULL, API_MACHINE_TYPE_REQUIRED, "pc-i440fx"));
        g_free(configure(h, "hostdev.xml", MODEL_SEV, NULL, API_INCOMPATIBLE_DEVICE, "/domain/devices/hostdev"));
        g_free(configure(h, "nova-q35.xml", MODEL_SEV_ES, "{'model': <'amd-sev'>}", API_INVALID_ARGUMENT,
                         "unknown option 'model'"));
        g_free(configure(snp, "nova-q35.xml", MODEL_SEV_ES, NULL, API_MODEL_UNSUPPORTED, "SEV-ES cannot run"));
        g_free(configure_text(h, "<domain type='kvm'><name>x</name><os><type machine='q35'>hvm</type></os>"
                              "<launchSecurity type='s390-pv'/></domain>", MODEL_SEV, NULL,
                              API_INVALID_DOMAIN_XML, "s390-pv"));
        g_free(configure_text(h, "<domain type='kvm'><name>x</name><devices><disk type='file'>"
                              "<target dev='hda' bus='ide'/></disk></devices><os><type>hvm</type></os></domain>",
                              MODEL_SEV, NULL, API_INCOMPATIBLE_DEVICE, "IDE"));
        /* Found by fuzz-configure: with two <nvram> only the first was removed for SNP, so a
         * second ConfigureDomain changed the result again. libvirt reads one: refuse. */
        g_free(configure_text(snp, "<domain type='kvm'><name>x</name><os><type machine='q35'>hvm</type>"
                              "<nvram>/a_VARS.fd</nvram><nvram>/b_VARS.fd</nvram></os></domain>",
                              MODEL_SEV_SNP, NULL, API_INVALID_DOMAIN_XML,
                              "/domain/os/nvram[2]: <os> has more than one <nvram>"));
        /* Found by fuzz-configure: libxml2 writes a namespace name back unescaped, so "&lt;"
         * in one made a result that does not parse. */
        g_free(configure_text(h, "<domain type='kvm'><name>x</name><metadata><m:i xmlns:m='urn:a&lt;b'/>"
                              "</metadata><os><type machine='q35'>hvm</type></os></domain>", MODEL_SEV, NULL,
                              API_INVALID_DOMAIN_XML, "namespace 'urn:a<b' is not a URI"));
        xml_close(&x);
}

/* kernel-boot.xml with TEXT inserted before BEFORE. */
static char *kernel_boot_with(const char *before, const char *text) {
        g_autofree char *xml = domain_fixture("kernel-boot.xml");
        g_auto(GStrv) parts = g_strsplit(xml, before, 2);

        assert_int_equal(g_strv_length(parts), 2);
        return g_strconcat(parts[0], text, before, parts[1], NULL);
}

static void test_limits(void **state) {
        g_autoptr(Host) h = host_load("milan-snp-off");
        g_autoptr(GString) hostdevs = g_string_new(NULL), gt = g_string_new("<description>");
        g_autofree char *many = NULL, *big = NULL;
        g_autoptr(GPtrArray) f = NULL;
        const Finding *last;
        guint listed = 0;

        /* 1000 hostdev findings: DOMAIN_FINDINGS_MAX listed, then one saying how many more */
        for (int i = 0; i < 1000; i++)
                g_string_append(hostdevs, "<hostdev mode='subsystem' type='pci'/>");
        many = kernel_boot_with("</devices>", hostdevs->str);
        f = validate(h, many, NULL);
        assert_int_equal(f->len, DOMAIN_FINDINGS_MAX + 1);
        last = f->pdata[f->len - 1];
        assert_string_equal(last->code, "more-findings");
        assert_int_equal(last->severity, SEVERITY_ERROR);
        for (guint i = 0; i < f->len; i++)
                if (g_str_equal(((Finding *) f->pdata[i])->code, "hostdev")) {
                        g_autofree char *where = g_strdup_printf("/domain/devices/hostdev[%u]", ++listed);
                        assert_string_equal(((Finding *) f->pdata[i])->where, where);
                }
        assert_true(listed > 200);
        {
                /* the count is exact: the same domain without the hostdevs has the other findings */
                g_autofree char *plain = kernel_boot_with("</devices>", "");
                g_autoptr(GPtrArray) others = validate(h, plain, NULL);
                g_autofree char *more = g_strdup_printf("%u more findings are not listed (at most 256",
                                                        others->len + 1000 - DOMAIN_FINDINGS_MAX);
                if (!g_str_has_prefix(last->message, more))
                        fail_msg("'%s' does not start with '%s'", last->message, more);
        }

        /* ConfigureDomain answers with the first refusal */
        g_free(configure_text(h, many, MODEL_SEV, NULL, API_INCOMPATIBLE_DEVICE,
                              "/domain/devices/hostdev[1]: <hostdev type='pci'>"));

        /* well under 1 MiB in, over 2 MiB out: libxml2 writes each '>' of a text as "&gt;" */
        for (int i = 0; i < 600000; i++)
                g_string_append_c(gt, '>');
        g_string_append(gt, "</description>");
        big = kernel_boot_with("<uuid>", gt->str);
        assert_true(strlen(big) < DOMAIN_XML_MAX);
        g_free(configure_text(h, big, MODEL_SEV, NULL, API_INVALID_DOMAIN_XML, "more than the 2097152 bytes"));
}

static void test_locked_memory(void **state) {
        g_autoptr(Host) h = host_load("milan-snp-off");
        static const char *const limits[] = {
                "<memtune><hard_limit unit='KiB'>4456448</hard_limit></memtune>",   /* 4 GiB + 256 MiB: enough */
                "<memtune><hard_limit unit='GiB'>5</hard_limit></memtune>",
                "<memtune><hard_limit unit='mib'>4352</hard_limit></memtune>",      /* libvirt ignores case */
                "<memtune><hard_limit unit='KiB'>4456447</hard_limit></memtune>",   /* one KiB short */
                "<memtune><hard_limit unit='MB'>4563</hard_limit></memtune>",       /* powers of 1000: short */
                "<memtune><hard_limit unit='furlong'>9</hard_limit></memtune>",    /* not a unit */
        };

        for (size_t i = 0; i < G_N_ELEMENTS(limits); i++) {
                g_autofree char *xml = g_strdup_printf("<domain type='kvm'><name>x</name>"
                                                       "<memory unit='GiB'>4</memory>%s"
                                                       "<os><type machine='q35'>hvm</type></os></domain>", limits[i]);
                g_autofree char *out = configure_text(h, xml, MODEL_SEV, NULL, API_OK, NULL);
                Xml x = xml_open(out);
                assert_count(&x, "/domain/memoryBacking/locked", i < 3 ? 0 : 1);
                xml_close(&x);
        }
}

/* ---- ValidateDomain ------------------------------------------------------- */

static void test_validate_findings(void **state) {
        g_autoptr(Host) h = host_load("milan-snp-off");
        g_autofree char *in = domain_fixture("virt-install-q35.xml");
        g_autoptr(GPtrArray) f = validate(h, in, NULL);
        g_autoptr(GPtrArray) es = validate(h, in, "{'model': <'amd-sev-es'>}");
        static const char *const codes[] = {
                "uefi", "memory-locked", "memballoon", "virtio-nic-rom", "launch-security-missing",
        };

        for (size_t i = 0; i < G_N_ELEMENTS(codes); i++)
                if (!find_code(f, codes[i]))
                        fail_msg("no finding %s", codes[i]);
        assert_string_equal(find_code(f, "launch-security-missing")->where, "/domain/launchSecurity");
        assert_int_equal(find_code(f, "memory-locked")->severity, SEVERITY_ERROR);
        assert_non_null(strstr(find_code(es, "launch-security-missing")->message, "SEV-ES"));
        /* QEMU 9.2 turns the IOMMU platform on for confidential guests itself: no warning about QEMU
         * before 6.0 on this host, one per virtio device on a host with QEMU 5.2. */
        assert_null(find_code(f, "virtio-iommu"));
}

/* QEMU rules are judged against this host's QEMU (issue 16 item 6). */
static void test_validate_old_qemu(void **state) {
        g_autoptr(Host) old = host_load("rome-libvirt7");       /* QEMU 5.2.0 */
        g_autofree char *in = domain_fixture("virt-install-q35.xml");
        g_autoptr(GPtrArray) f = validate(old, in, NULL);
        const Finding *iommu = find_code(f, "virtio-iommu");

        assert_non_null(iommu);
        assert_int_equal(iommu->severity, SEVERITY_WARNING);
        assert_true(g_str_has_prefix(iommu->where, "/domain/devices/"));
        assert_non_null(strstr(iommu->message, "this host's QEMU (before 6.0)"));
}

/* The NVRAM finding describes the document it is about: without firmware='efi' the template
 * belongs to a firmware chosen by hand, which is not "combined with firmware='efi'". */
static void test_validate_nvram_template(void **state) {
        g_autoptr(Host) h = host_load("milan-snp-off");
        static const char manual[] = "<domain type='kvm'><name>x</name><memory unit='GiB'>1</memory>"
                "<os><type machine='q35'>hvm</type><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd"
                "</loader><nvram template='/usr/share/OVMF/OVMF_VARS.fd'/></os></domain>";
        g_autoptr(GString) efi = g_string_new(manual);
        g_autoptr(GPtrArray) f = validate(h, manual, NULL), g = NULL;

        g_string_replace(efi, "<os>", "<os firmware='efi'>", 1);
        g = validate(h, efi->str, NULL);
        assert_null(strstr(find_code(f, "nvram")->message, "cannot be combined with firmware='efi'"));
        assert_non_null(strstr(find_code(f, "nvram")->message, "chosen by hand"));
        assert_non_null(strstr(find_code(g, "nvram")->message, "cannot be combined with firmware='efi'"));
}

static void test_validate_launch_security(void **state) {
        g_autoptr(Host) h = host_load("milan-snp");
        g_autofree char *good = configure(h, "nova-q35.xml", MODEL_SEV_SNP, NULL, API_OK, NULL);
        g_autoptr(GString) bad = g_string_new(good);
        g_autoptr(GPtrArray) f = NULL, mismatch = NULL, unusable = NULL;

        /* debug bit, a short hostData, kernelHashes without a kernel, an NVRAM store */
        g_string_replace(bad, "0x00030000", "0x000b0000", 1);
        g_string_replace(bad, "</launchSecurity>", "<hostData>AAEC</hostData></launchSecurity>", 1);
        g_string_replace(bad, "kernelHashes=\"no\"", "kernelHashes=\"yes\"", 1);
        g_string_replace(bad, "</os>", "<nvram>/var/lib/libvirt/qemu/nvram/x_VARS.fd</nvram></os>", 1);
        f = validate(h, bad->str, NULL);
        assert_non_null(find_code(f, "policy"));
        assert_non_null(strstr(find_code(f, "policy")->message, "bit 19"));
        assert_string_equal(find_code(f, "attestation-blob")->where, "/domain/launchSecurity/hostData");
        assert_non_null(find_code(f, "kernel-hashes"));
        assert_string_equal(find_code(f, "nvram")->where, "/domain/os/nvram");
        mismatch = validate(h, good, "{'model': <'amd-sev'>}");
        assert_non_null(find_code(mismatch, "launch-security-model"));
        unusable = validate(h, good, "{'model': <'amd-sev-es'>}");
        assert_non_null(find_code(unusable, "launch-security-model"));
        assert_true(unusable->len >= 2);        /* and why SEV-ES cannot run here */
}

/*
 * libvirt tests/qemuxmlconfdata/launch-security-sev.xml writes <cbitpos>47</cbitpos> and
 * <reducedPhysBits>1</reducedPhysBits> for its EPYC host; QEMU's sev_common_kvm_init() refuses a
 * C-bit position other than the host's. On this Milan host (C-bit 51) that document would not
 * start: an error finding naming both values. The host's own values, or none, pass.
 */
static void test_validate_phys_bits(void **state) {
        g_autoptr(Host) h = host_load("milan-snp-off");
        g_autofree char *good = configure(h, "nova-q35.xml", MODEL_SEV, NULL, API_OK, NULL);
        g_autoptr(GString) wrong = g_string_new(good), right = g_string_new(good);
        g_autoptr(GPtrArray) f = NULL, g = NULL, none = NULL;

        g_string_replace(wrong, "</policy>", "</policy><cbitpos>47</cbitpos><reducedPhysBits>5</reducedPhysBits>", 1);
        g_string_replace(right, "</policy>", "</policy><cbitpos>51</cbitpos><reducedPhysBits>1</reducedPhysBits>", 1);
        f = validate(h, wrong->str, NULL);
        assert_int_equal(f->len, 2);
        assert_string_equal(((Finding *) f->pdata[0])->where, "/domain/launchSecurity/cbitpos");
        assert_int_equal(((Finding *) f->pdata[0])->severity, SEVERITY_ERROR);
        assert_non_null(strstr(((Finding *) f->pdata[0])->message, "<cbitpos>47</cbitpos> differs from this host's 51"));
        assert_string_equal(((Finding *) f->pdata[1])->where, "/domain/launchSecurity/reducedPhysBits");
        assert_non_null(strstr(((Finding *) f->pdata[1])->message, "5</reducedPhysBits> differs from this host's 1"));
        g = validate(h, right->str, NULL);
        assert_int_equal(g->len, 0);
        none = validate(h, good, NULL);
        assert_int_equal(none->len, 0);
}

/*
 * Secure boot with a memory-encryption model: KubeVirt's admission webhook refuses SEV with
 * SecureBoot, because libvirt's firmware selection finds no descriptor offering both. On
 * milan-snp Debian's secure-boot descriptors offer 'amd-sev' but no SEV-SNP firmware offers
 * 'secure-boot': an error for SEV-SNP with the fix, nothing for SEV.
 */
static void test_validate_secure_boot(void **state) {
        g_autoptr(Host) h = host_load("milan-snp");
        g_autofree char *snp = configure(h, "nova-q35.xml", MODEL_SEV_SNP, NULL, API_OK, NULL);
        g_autoptr(GString) snp_sb = g_string_new(snp), snp_loader = g_string_new(snp);
        g_autoptr(GPtrArray) f = NULL, g = NULL;

        assert_true(g_string_replace(snp_sb, "enabled=\"no\" name=\"secure-boot\"",
                                     "enabled=\"yes\" name=\"secure-boot\"", 1) == 1);
        f = validate(h, snp_sb->str, NULL);
        assert_non_null(find_code(f, "firmware-secure-boot"));
        assert_int_equal(find_code(f, "firmware-secure-boot")->severity, SEVERITY_ERROR);
        assert_non_null(strstr(find_code(f, "firmware-secure-boot")->message, "enabled='no' name='secure-boot'"));
        assert_true(g_string_replace(snp_loader, "stateless=\"yes\"", "stateless=\"yes\" secure=\"yes\"", 1) == 1);
        g = validate(h, snp_loader->str, NULL);
        assert_string_equal(find_code(g, "firmware-secure-boot")->where, "/domain/os/loader");

        /* SEV: Debian's 50-edk2-x86_64-secure.json offers secure-boot and amd-sev. */
        g_autoptr(Host) off = host_load("milan-snp-off");
        g_autofree char *sev = configure(off, "nova-q35.xml", MODEL_SEV, NULL, API_OK, NULL);
        g_autoptr(GString) sev_sb = g_string_new(sev);
        g_string_replace(sev_sb, "enabled=\"no\" name=\"secure-boot\"", "enabled=\"yes\" name=\"secure-boot\"", 1);
        g_autoptr(GPtrArray) s = validate(off, sev_sb->str, NULL);
        assert_null(find_code(s, "firmware-secure-boot"));
}

/* base64 of N bytes of value FILL */
static char *blob(gsize n, guchar fill) {
        g_autofree guchar *b = g_malloc(n);

        memset(b, fill, n);
        return g_base64_encode(b, n);
}

/*
 * The guest owner's attestation inputs (libvirt tests/qemuxmlconfdata/launch-security-sev-snp.xml
 * carries idBlock, idAuth and hostData; launch-security-sev.xml dhCert and session) survive
 * ConfigureDomain unless an option replaces them; a refused one refuses the call naming it.
 */
static void test_configure_keeps_owner_inputs(void **state) {
        g_autoptr(Host) snp = host_load("milan-snp");
        g_autoptr(Host) off = host_load("milan-snp-off");
        g_autofree char *host_data = blob(32, 7), *id_block = blob(96, 1), *id_auth = blob(4096, 2), *other = blob(32, 9);
        g_autofree char *base = domain_fixture("nova-q35.xml");
        g_autoptr(GString) doc = g_string_new(base), sev = g_string_new(base), bad = NULL;
        g_autofree char *ls = g_strdup_printf("<launchSecurity type='sev-snp' authorKey='yes' vcek='no'>"
                                              "<policy>0x30000</policy><idBlock>%s</idBlock><idAuth>%s</idAuth>"
                                              "<hostData>%s</hostData></launchSecurity></domain>",
                                              id_block, id_auth, host_data);

        g_string_replace(doc, "</domain>", ls, 1);
        g_autofree char *out = configure_text(snp, doc->str, MODEL_SEV_SNP, NULL, API_OK, NULL);
        Xml x = xml_open(out);
        assert_xpath_string(&x, "/domain/launchSecurity/idBlock", id_block);
        assert_xpath_string(&x, "/domain/launchSecurity/idAuth", id_auth);
        assert_xpath_string(&x, "/domain/launchSecurity/hostData", host_data);
        assert_xpath_string(&x, "/domain/launchSecurity/@authorKey", "yes");
        assert_xpath_string(&x, "/domain/launchSecurity/@vcek", "no");
        xml_close(&x);

        /* an option replaces the kept value */
        g_autofree char *opt = g_strdup_printf("{'host_data': <'%s'>}", other);
        g_autofree char *out2 = configure_text(snp, doc->str, MODEL_SEV_SNP, opt, API_OK, NULL);
        Xml y = xml_open(out2);
        assert_xpath_string(&y, "/domain/launchSecurity/hostData", other);
        assert_xpath_string(&y, "/domain/launchSecurity/idBlock", id_block);
        xml_close(&y);

        /* a short hostData is refused, naming the element */
        bad = g_string_new(doc->str);
        g_string_replace(bad, host_data, "AAEC", 1);
        g_autofree char *none = configure_text(snp, bad->str, MODEL_SEV_SNP, NULL, API_INVALID_DOMAIN_XML,
                                               "/domain/launchSecurity/hostData");
        assert_null(none);

        /* SEV: the launch session and the owner's DH certificate */
        g_autofree char *dh = blob(100, 3), *session = blob(60, 4);
        g_autofree char *sev_ls = g_strdup_printf("<launchSecurity type='sev'><policy>0x0033</policy><dhCert>%s</dhCert>"
                                                  "<session>%s</session></launchSecurity></domain>", dh, session);
        g_string_replace(sev, "</domain>", sev_ls, 1);
        g_autofree char *out3 = configure_text(off, sev->str, MODEL_SEV, NULL, API_OK, NULL);
        Xml z = xml_open(out3);
        assert_xpath_string(&z, "/domain/launchSecurity/dhCert", dh);
        assert_xpath_string(&z, "/domain/launchSecurity/session", session);
        xml_close(&z);
        /* another model: the session was made for SEV's policy, so it is not carried over */
        g_autofree char *out4 = configure_text(off, sev->str, MODEL_SEV_ES, NULL, API_OK, NULL);
        Xml w = xml_open(out4);
        assert_count(&w, "/domain/launchSecurity/session", 0);
        xml_close(&w);
}

static void test_validate_host(void **state) {
        g_autoptr(Host) full = host_load("milan-snp-full");
        g_autoptr(Host) snp = host_load("milan-snp");
        g_autofree char *good = configure(snp, "nova-q35.xml", MODEL_SEV_SNP, NULL, API_OK, NULL);
        g_autoptr(GPtrArray) f = validate(full, good, NULL);

        assert_int_equal(f->len, 1);
        assert_string_equal(find_code(f, "no-slots")->where, "/domain/launchSecurity");
}

/*
 * One reading of <launchSecurity> (launch-security-model.c) for the probe and the domain rules.
 * Where the two readings disagreed, the probe's stricter one holds: "0X" starts a hex policy as
 * for libvirt (the rules read 0X37 as no policy, hence SEV); a 'sev' element without a readable
 * policy, or without a type, has no model the probe would count, so ValidateDomain reports it and
 * ConfigureDomain refuses it instead of replacing it (the rules took it for SEV with policy 0).
 */
static void test_launch_security_one_reading(void **state) {
        g_autoptr(Host) h = host_load("milan-snp-off");
        g_autofree char *xml = domain_fixture("launchsec.xml");
        static const struct {
                const char *element;
                Model model;            /* as the probe counts it; MODEL_NONE: not counted, an error */
                const char *code;       /* ValidateDomain's error finding then */
        } cases[] = {
                { "<launchSecurity type='sev'><policy>0X37</policy></launchSecurity>", MODEL_SEV_ES, NULL },
                { "<launchSecurity type='sev'><policy> 0x0033 </policy></launchSecurity>", MODEL_SEV, NULL },
                { "<launchSecurity type='sev'><policy>zz</policy></launchSecurity>", MODEL_NONE, "policy" },
                { "<launchSecurity type='sev'/>", MODEL_NONE, "policy" },
                { "<launchSecurity type='sev'><policy>0x100000004</policy></launchSecurity>", MODEL_NONE, "policy" },
                { "<launchSecurity><policy>0x4</policy></launchSecurity>", MODEL_NONE, "launch-security-type" },
        };
        g_auto(GStrv) parts = g_regex_split_simple("<launchSecurity.*</launchSecurity>", xml, G_REGEX_DOTALL, 0);

        assert_int_equal(g_strv_length(parts), 2);
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *doc = g_strconcat(parts[0], cases[i].element, parts[1], NULL);
                g_autofree char *probe_error = NULL, *message = NULL, *out = NULL;
                Model probed = domain_xml_guest_model(doc, strlen(doc), NULL, NULL, &probe_error);
                g_autoptr(GPtrArray) f = validate(h, doc, NULL);
                ApiError e = domain_configure(doc, MODEL_SEV, NULL, &h->view, &out, &message);

                assert_int_equal(probed, cases[i].model);
                if (model_valid(cases[i].model)) {
                        assert_null(probe_error);
                        assert_null(find_code(f, "launch-security-type"));
                        assert_null(find_code(f, "policy"));
                        assert_null(find_code(f, "launch-security-model"));      /* checked for what it asks */
                        expect_error(e, API_OK, message, NULL);
                } else {
                        assert_non_null(probe_error);
                        assert_non_null(find_code(f, cases[i].code));
                        assert_int_equal(find_code(f, cases[i].code)->severity, SEVERITY_ERROR);
                        assert_non_null(strstr(find_code(f, cases[i].code)->message, probe_error));
                        expect_error(e, API_INVALID_DOMAIN_XML, message, probe_error);
                        assert_null(out);
                }
        }
}

/*
 * ConfigureDomain and ValidateDomain ask the host one rule: the bus error of the one is the
 * GenerateLaunchSecurity error, the other lists the same refusal as findings; and a document the
 * rules refuse is refused for that before the host is asked.
 */
static void test_host_rule_shared(void **state) {
        g_autoptr(Host) snp = host_load("milan-snp");
        g_autoptr(Host) full = host_load("milan-snp-full");
        g_autoptr(Host) conflict = host_load("milan-es-conflict");
        g_autofree char *good = configure(snp, "nova-q35.xml", MODEL_SEV_SNP, NULL, API_OK, NULL);
        const struct {
                Host *host;
                Model model;
                const char *option;
                ApiError error;
                const char *code;
        } cases[] = {
                { snp, MODEL_SEV_ES, "{'model': <'amd-sev-es'>}", API_MODEL_UNSUPPORTED, "es-blocked-by-snp" },
                { full, MODEL_SEV_SNP, "{'model': <'amd-sev-snp'>}", API_NO_SLOTS, "no-slots" },
                { conflict, MODEL_SEV, "{'model': <'amd-sev'>}", API_HOST_MISCONFIGURED, "conflicting-guests" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *message = NULL, *configured = NULL, *generated = NULL, *why = NULL;
                g_autoptr(GPtrArray) f = validate(cases[i].host, good, cases[i].option);
                ApiError e = domain_configure(good, cases[i].model, NULL, &cases[i].host->view, &configured,
                                              &message);

                expect_error(e, cases[i].error, message, NULL);
                assert_null(configured);
                expect_error_after(launch_security_generate(cases[i].model, NULL, &cases[i].host->view, &generated,
                                                            &why), cases[i].error, why, NULL);
                assert_string_equal(message, why);
                assert_non_null(find_code(f, cases[i].code));
                assert_int_equal(find_code(f, cases[i].code)->severity, SEVERITY_ERROR);
        }
        g_free(configure(full, "i440fx.xml", MODEL_SEV_SNP, NULL, API_MACHINE_TYPE_REQUIRED, "pc-i440fx"));
}

/* ---- Bad input ----------------------------------------------------------- */

static void expect_bad_domain(Host *h, const char *xml, const char *needle) {
        g_autofree char *message = NULL, *out = NULL;
        g_autoptr(GPtrArray) findings = NULL;

        expect_error_after(domain_configure(xml, MODEL_SEV, NULL, &h->view, &out, &message), API_INVALID_DOMAIN_XML,
                     message, needle);
        g_clear_pointer(&message, g_free);
        expect_error_after(domain_validate(xml, NULL, &h->view, &findings, &message), API_INVALID_DOMAIN_XML, message,
                     needle);
        assert_null(out);
        assert_null(findings);
}

static void test_bad_input(void **state) {
        g_autoptr(Host) h = host_load("milan-snp-off");
        g_autoptr(GString) laughs = g_string_new("<?xml version='1.0'?>\n<!DOCTYPE domain [\n <!ENTITY a 'lol'>\n");
        g_autoptr(GString) huge = g_string_new("<domain type='kvm'><name>x</name><description>");
        g_autofree char *why = NULL;
        unsigned built = 1;

        for (char c = 'b'; c <= 'j'; c++)
                g_string_append_printf(laughs, " <!ENTITY %c '&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;'>\n", c,
                                       c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
        g_string_append(laughs, "]>\n<domain type='kvm'><name>&j;</name></domain>");
        while (huge->len <= DOMAIN_XML_MAX)
                g_string_append(huge, "0123456789abcdef");
        g_string_append(huge, "</description></domain>");

        expect_bad_domain(h, "", "malformed XML");
        expect_bad_domain(h, "this is not XML", "malformed XML");
        expect_bad_domain(h, "<domain><name>x</name>", "malformed XML");
        expect_bad_domain(h, "<network><name>default</name></network>", "root element is <network>");
        expect_bad_domain(h, "<domain><name>\xff\xfe</name></domain>", "not proper UTF-8");
        expect_bad_domain(h, "<?xml version='1.0' encoding='ISO-8859-1'?><domain><name>\xff</name></domain>",
                          "not proper UTF-8");
        expect_bad_domain(h, huge->str, "larger than 1048576 bytes");
        /* Refused at the DOCTYPE itself, before any entity is declared: none can be expanded, and
         * the parser stopped before it built <domain>. */
        expect_bad_domain(h, laughs->str, "DOCTYPE");
        assert_null(xml_parse_untrusted_counted(laughs->str, laughs->len, DOMAIN_XML_MAX, "domain", 0, &built, &why));
        assert_int_equal(built, 0);
}

static void test_bad_options(void **state) {
        g_autoptr(Host) h = host_load("milan-snp-off");
        g_autoptr(GVariantBuilder) b = g_variant_builder_new(G_VARIANT_TYPE_VARDICT);
        g_autoptr(GVariant) many = NULL;
        g_autofree char *message = NULL, *out = NULL;

        for (int i = 0; i < 65; i++) {
                g_autofree char *key = g_strdup_printf("k%d", i);
                g_variant_builder_add(b, "{sv}", key, g_variant_new_boolean(TRUE));
        }
        many = g_variant_ref_sink(g_variant_builder_end(b));
        expect_error_after(launch_security_generate(MODEL_SEV, many, &h->view, &out, &message), API_INVALID_ARGUMENT,
                     message, "at most 64");
        g_free(generate(h, MODEL_SEV, "{'model': <'amd-sev'>}", API_INVALID_ARGUMENT, "unknown option 'model'"));
        g_clear_pointer(&message, g_free);
        {
                g_autoptr(GVariant) o = options("{'model': <'amd-bogus'>}");
                g_autoptr(GPtrArray) findings = NULL;
                expect_error_after(domain_validate("<domain/>", o, &h->view, &findings, &message), API_UNKNOWN_MODEL,
                             message, "amd-bogus");
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_generate_defaults),
                cmocka_unit_test(test_generate_options),
                cmocka_unit_test(test_generate_refusals),
                cmocka_unit_test(test_configure_sev),
                cmocka_unit_test(test_configure_snp),
                cmocka_unit_test(test_configure_idempotent),
                cmocka_unit_test(test_configure_keeps_owner_inputs),
                cmocka_unit_test(test_configure_refusals),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_locked_memory),
                cmocka_unit_test(test_validate_findings),
                cmocka_unit_test(test_validate_launch_security),
                cmocka_unit_test(test_validate_phys_bits),
                cmocka_unit_test(test_validate_old_qemu),
                cmocka_unit_test(test_validate_secure_boot),
                cmocka_unit_test(test_validate_nvram_template),
                cmocka_unit_test(test_validate_host),
                cmocka_unit_test(test_launch_security_one_reading),
                cmocka_unit_test(test_host_rule_shared),
                cmocka_unit_test(test_bad_input),
                cmocka_unit_test(test_bad_options),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
