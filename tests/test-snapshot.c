/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* snapshot_write(): copied host files, serialised facts, what is left out, and failures. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "domain-table.h"
#include "test-util.h"
#include "probe.h"
#include "snapshot.h"

static const char cpuinfo[] =
        "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\n"
        "flags\t\t: fpu sme sev sev_es sev_snp\n\n";
static const char firmware_desc[] =
        "{\n    \"description\": \"OVMF for x86_64, with SEV\",\n    \"interface-types\": [\"uefi\"],\n"
        "    \"mapping\": {\"device\": \"memory\", \"filename\": \"/usr/share/OVMF/OVMF.amdsev.fd\"},\n"
        "    \"targets\": [{\"architecture\": \"x86_64\", \"machines\": [\"pc-q35-*\"]}],\n"
        "    \"features\": [\"amd-sev\", \"amd-sev-es\"]\n}\n";
static const char domcaps[] = "<domainCapabilities>\n  <features>\n    <sev supported='yes'/>\n  </features>\n</domainCapabilities>\n";

/* The host files a snapshot copies, with the exact bytes it must copy. */
static const struct {
        const char *rel, *content;
} host_files[] = {
        { "proc/cpuinfo", cpuinfo },
        { "proc/sys/kernel/osrelease", "6.8.0-49-generic\n" },
        { "proc/sys/kernel/hostname", "epyc-7713\n" },
        { "sys/devices/system/cpu/smt/active", "1\n" },
        { "sys/module/kvm_amd/parameters/sev", "Y\n" },
        { "sys/module/kvm_amd/parameters/sev_es", "N\n" },
        { "sys/module/kvm_amd/parameters/sev_snp", "Y\n" },
        { "sys/module/kvm_amd/parameters/ciphertext_hiding_asids", "0\n" },
        { "sys/fs/cgroup/misc.capacity", "sev 507\nsev_es 0\n" },
        { "usr/share/qemu/firmware/60-edk2-ovmf-amdsev.json", firmware_desc },
        { "etc/qemu/firmware/60-edk2-ovmf-amdsev.json", "" },   /* masks the one above */
};

/* Present on the host, but not part of a snapshot. */
static const char *const host_noise[] = {
        "sys/module/kvm_amd/parameters/npt",
        "sys/module/kvm_amd/parameters/nested",
        "usr/share/qemu/firmware/README",
        "dev/sev.json",                         /* a snapshot serialises /dev/sev from the facts */
        "cpuid.xml",
};

static const CpuidLeaf leaves[] = {
        { 0x00000000, 0, 0x00000010, 0x68747541, 0x444d4163, 0x69746e65 },
        { 0x8000001f, 0, 0x0101fd3f, 0x00004173, 0x000001fd, 0x00000001 },
        { 0x00000007, 1, 0, 0, 0, 0 },
};

static const char expected_cpuid_xml[] =
        "<cpudata arch='x86'>\n"
        "  <cpuid eax_in='0x00000000' ecx_in='0x00' eax='0x00000010' ebx='0x68747541' ecx='0x444d4163' edx='0x69746e65'/>\n"
        "  <cpuid eax_in='0x8000001f' ecx_in='0x00' eax='0x0101fd3f' ebx='0x00004173' ecx='0x000001fd' edx='0x00000001'/>\n"
        "  <cpuid eax_in='0x00000007' ecx_in='0x01' eax='0x00000000' ebx='0x00000000' ecx='0x00000000' edx='0x00000000'/>\n"
        "</cpudata>\n";

/* ---- helpers --------------------------------------------------------------------- */

static char *get_file(const char *dir, const char *rel) {
        g_autofree char *path = g_build_filename(dir, rel, NULL);
        char *content = NULL;

        if (!g_file_get_contents(path, &content, NULL, NULL))
                return NULL;
        return content;
}

static bool is_dir(const char *dir, const char *rel) {
        g_autofree char *path = g_build_filename(dir, rel, NULL);

        return g_file_test(path, G_FILE_TEST_IS_DIR);
}

/* Every regular file under DIR, relative and sorted. */
static void list_files(const char *dir, const char *rel, GPtrArray *out) {
        g_autofree char *path = rel ? g_build_filename(dir, rel, NULL) : g_strdup(dir);
        g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
        const char *name;

        assert_non_null(d);
        while ((name = g_dir_read_name(d))) {
                g_autofree char *child = rel ? g_build_filename(rel, name, NULL) : g_strdup(name);

                if (is_dir(dir, child))
                        list_files(dir, child, out);
                else
                        g_ptr_array_add(out, g_steal_pointer(&child));
        }
}

static gint compare_strings(gconstpointer a, gconstpointer b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static char *files_under(const char *dir) {
        g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);

        list_files(dir, NULL, files);
        g_ptr_array_sort(files, compare_strings);
        g_ptr_array_add(files, NULL);
        return g_strjoinv("\n", (char **) files->pdata);
}

static void make_host_root(const char *root) {
        for (size_t i = 0; i < G_N_ELEMENTS(host_files); i++)
                test_write(root, host_files[i].rel, host_files[i].content);
        for (size_t i = 0; i < G_N_ELEMENTS(host_noise); i++)
                test_write(root, host_noise[i], "not for the snapshot\n");
}

static RunningDomain *domain_new(const char *name, const char *uuid, Model model) {
        RunningDomain *d = g_new0(RunningDomain, 1);

        d->name = g_strdup(name);
        d->uuid = g_strdup(uuid);
        d->model = model;
        return d;
}

/* Facts as the probes would leave them for the serialised sources. */
static void fill_facts(HostFacts *f, const char *root) {
        host_facts_init(f);
        f->root = g_strdup(root);

        source_clear(&f->cpuid.src);
        g_array_append_vals(f->cpuid.leaves, leaves, G_N_ELEMENTS(leaves));

        SevPlatformFacts *s = &f->sev;
        source_clear(&s->device);
        source_clear(&s->sev_src);
        source_clear(&s->snp_src);
        s->api_major = 1, s->api_minor = 55, s->build = 31, s->state = 2, s->flags = 0x100, s->guest_count = 1;
        s->snp_api_major = 1, s->snp_api_minor = 55, s->snp_state = 1, s->rmp_initialized = true;
        s->snp_build_id = 31, s->current_tcb = 0xd51b000000000004ULL, s->reported_tcb = 0xd518000000000004ULL;
        tcb_decode(s->current_tcb, CPU_GEN_MILAN, &s->current_tcb_decoded);
        tcb_decode(s->reported_tcb, CPU_GEN_MILAN, &s->reported_tcb_decoded);

        LibvirtFacts *lv = &f->libvirt;
        source_clear(&lv->connection);
        source_clear(&lv->versions_src);
        lv->libvirt_version = g_strdup("10.5.0");
        lv->qemu_version = g_strdup("9.1.0");
        source_clear(&lv->domcaps.src);
        lv->domcaps.raw_xml = g_strdup(domcaps);
        source_clear(&lv->domains_src);
        domain_table_append(lv->domains, domain_new("es-guest", "3b9c6d7e-1111-4c5d-8e9f-0a1b2c3d4e5f", MODEL_SEV_ES));
        domain_table_append(lv->domains, domain_new("snp-guest", "3b9c6d7e-2222-4c5d-8e9f-0a1b2c3d4e5f", MODEL_SEV_SNP));
        domain_table_append(lv->domains, domain_new("sev-guest", "3b9c6d7e-3333-4c5d-8e9f-0a1b2c3d4e5f", MODEL_SEV));
        domain_table_append(lv->domains, domain_new("plain", "3b9c6d7e-4444-4c5d-8e9f-0a1b2c3d4e5f", MODEL_NONE));
}

/* ---- the snapshot of a whole host -------------------------------------------------- */

static void test_snapshot_files(void **state) {
        g_autofree char *tmp = test_tmpdir();
        g_autofree char *root = g_build_filename(tmp, "host", NULL);
        g_autofree char *out = g_build_filename(tmp, "snap", "nested", NULL);
        g_autofree char *error = NULL;
        g_autofree char *listing = NULL;
        HostFacts f;

        make_host_root(root);
        fill_facts(&f, root);
        assert_int_equal(snapshot_write(&f, out, &error), 0);
        assert_null(error);

        /* Exactly these files, and no temporary left behind. */
        listing = files_under(out);
        assert_string_equal(listing,
                            "cpuid.xml\n"
                            "dev/sev.json\n"
                            "etc/qemu/firmware/60-edk2-ovmf-amdsev.json\n"
                            "libvirt/domains/es-guest.xml\n"
                            "libvirt/domains/plain.xml\n"
                            "libvirt/domains/sev-guest.xml\n"
                            "libvirt/domains/snp-guest.xml\n"
                            "libvirt/domcapabilities.xml\n"
                            "libvirt/versions.json\n"
                            "proc/cpuinfo\n"
                            "proc/sys/kernel/hostname\n"
                            "proc/sys/kernel/osrelease\n"
                            "sys/devices/system/cpu/smt/active\n"
                            "sys/fs/cgroup/misc.capacity\n"
                            "sys/module/kvm_amd/parameters/ciphertext_hiding_asids\n"
                            "sys/module/kvm_amd/parameters/sev\n"
                            "sys/module/kvm_amd/parameters/sev_es\n"
                            "sys/module/kvm_amd/parameters/sev_snp\n"
                            "usr/share/qemu/firmware/60-edk2-ovmf-amdsev.json");

        for (size_t i = 0; i < G_N_ELEMENTS(host_files); i++) {
                g_autofree char *copy = get_file(out, host_files[i].rel);
                assert_non_null(copy);
                assert_string_equal(copy, host_files[i].content);
        }
        /* Missing on the host, so missing in the snapshot: no ccp module directory either. */
        assert_false(is_dir(out, "sys/module/ccp"));

        g_autofree char *xml = get_file(out, "cpuid.xml");
        assert_string_equal(xml, expected_cpuid_xml);
        g_autofree char *sev_json = get_file(out, "dev/sev.json");
        g_autofree char *expected_sev_json = sev_status_to_json(&f.sev);
        assert_string_equal(sev_json, expected_sev_json);
        g_autofree char *caps = get_file(out, "libvirt/domcapabilities.xml");
        assert_string_equal(caps, domcaps);

        host_facts_clear(&f);
        test_rmtree(tmp);
}

static void test_snapshot_sev_json_reads_back(void **state) {
        g_autofree char *tmp = test_tmpdir();
        g_autofree char *out = g_build_filename(tmp, "snap", NULL);
        g_autofree char *error = NULL;
        HostFacts f;
        SevPlatformFacts back = {};

        fill_facts(&f, tmp);
        assert_int_equal(snapshot_write(&f, out, &error), 0);

        back.device.status = back.sev_src.status = back.snp_src.status = SOURCE_MISSING;
        probe_sev_platform(out, false, CPU_GEN_MILAN, &back);
        assert_int_equal(back.device.status, SOURCE_OK);
        assert_int_equal(back.sev_src.status, SOURCE_OK);
        assert_int_equal(back.snp_src.status, SOURCE_OK);
        assert_int_equal(back.flags, 0x100);
        assert_true(back.current_tcb == f.sev.current_tcb);
        assert_true(back.reported_tcb == f.sev.reported_tcb);
        assert_int_equal(back.current_tcb_decoded.snp, 0x1b);
        assert_true(back.rmp_initialized);

        g_free(back.device.detail);
        g_free(back.sev_src.detail);
        g_free(back.snp_src.detail);
        host_facts_clear(&f);
        test_rmtree(tmp);
}

static void test_snapshot_versions(void **state) {
        g_autofree char *tmp = test_tmpdir();
        g_autofree char *out = g_build_filename(tmp, "snap", NULL);
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autofree char *json = NULL;
        HostFacts f;

        fill_facts(&f, tmp);
        g_clear_pointer(&f.libvirt.qemu_version, g_free);   /* unknown: left out, not written as null */
        assert_int_equal(snapshot_write(&f, out, NULL), 0);

        json = get_file(out, "libvirt/versions.json");
        assert_non_null(json);
        assert_true(json_parser_load_from_data(parser, json, -1, NULL));
        JsonObject *o = json_node_get_object(json_parser_get_root(parser));
        assert_string_equal(json_object_get_string_member(o, "libvirt"), "10.5.0");
        assert_false(json_object_has_member(o, "qemu"));
        assert_int_equal(json_object_get_size(o), 1);

        host_facts_clear(&f);
        test_rmtree(tmp);
}

static char *xpath_string(xmlDocPtr doc, const char *expr) {
        xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
        xmlXPathObjectPtr obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);
        char *out = g_strdup(obj && obj->type == XPATH_STRING ? (const char *) obj->stringval : "");

        xmlXPathFreeObject(obj);
        xmlXPathFreeContext(ctx);
        return out;
}

/* DIR/libvirt/domains/FILE.xml describes domain NAME, UUID with <launchSecurity type=TYPE> (NULL: none). */
static void assert_domain(const char *dir, const char *file, const char *name, const char *uuid,
                          const char *type, const char *policy) {
        g_autofree char *rel = g_strdup_printf("libvirt/domains/%s.xml", file);
        g_autofree char *xml = get_file(dir, rel);
        xmlDocPtr doc;

        assert_non_null(xml);
        doc = xmlReadMemory(xml, (int) strlen(xml), rel, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
        assert_non_null(doc);
        g_autofree char *got_type = xpath_string(doc, "string(/domain/@type)");
        g_autofree char *got_name = xpath_string(doc, "string(/domain/name)");
        g_autofree char *got_uuid = xpath_string(doc, "string(/domain/uuid)");
        g_autofree char *got_ls = xpath_string(doc, "string(/domain/launchSecurity/@type)");
        g_autofree char *got_policy = xpath_string(doc, "string(/domain/launchSecurity/policy)");
        g_autofree char *has_ls = xpath_string(doc, "string(count(/domain/launchSecurity))");
        xmlFreeDoc(doc);

        assert_string_equal(got_type, "kvm");
        assert_string_equal(got_name, name);
        assert_string_equal(got_uuid, uuid);
        assert_string_equal(has_ls, type ? "1" : "0");
        assert_string_equal(got_ls, type ? type : "");
        assert_string_equal(got_policy, policy ? policy : "");
}

static void test_snapshot_domains(void **state) {
        g_autofree char *tmp = test_tmpdir();
        g_autofree char *out = g_build_filename(tmp, "snap", NULL);
        HostFacts f;

        fill_facts(&f, tmp);
        assert_int_equal(snapshot_write(&f, out, NULL), 0);
        /* SEV-ES is policy bit 2 on a type='sev' guest. */
        assert_domain(out, "es-guest", "es-guest", "3b9c6d7e-1111-4c5d-8e9f-0a1b2c3d4e5f", "sev", "0x0037");
        assert_domain(out, "sev-guest", "sev-guest", "3b9c6d7e-3333-4c5d-8e9f-0a1b2c3d4e5f", "sev", "0x0033");
        assert_domain(out, "snp-guest", "snp-guest", "3b9c6d7e-2222-4c5d-8e9f-0a1b2c3d4e5f", "sev-snp", "0x00030000");
        assert_domain(out, "plain", "plain", "3b9c6d7e-4444-4c5d-8e9f-0a1b2c3d4e5f", NULL, NULL);

        host_facts_clear(&f);
        test_rmtree(tmp);
}

/* virNodeGetSEVInfo's answer goes through the probe into the next snapshot
 * unchanged; a malformed one is no answer at all. */
static void test_snapshot_node_sev_info(void **state) {
        g_autofree char *src = test_copy_host("milan-attest");
        g_autofree char *tmp = test_tmpdir();
        g_autofree char *out = g_build_filename(tmp, "snap", NULL);
        g_autofree char *in_path = g_build_filename(src, "libvirt", "nodesevinfo.json", NULL);
        g_autofree char *out_path = g_build_filename(out, "libvirt", "nodesevinfo.json", NULL);
        g_autofree char *want = test_read(in_path);
        ProbeOptions o = { .root = src };
        HostFacts f;

        host_facts_init(&f);
        probe_host(&o, &f);
        assert_string_equal(f.libvirt.node_sev_info, want);
        assert_int_equal(snapshot_write(&f, out, NULL), 0);
        g_autofree char *got = test_read(out_path);
        assert_string_equal(got, want);
        host_facts_clear(&f);

        test_write(src, "libvirt/nodesevinfo.json", "[\"not an object\"]");
        host_facts_init(&f);
        probe_host(&o, &f);
        assert_null(f.libvirt.node_sev_info);
        host_facts_clear(&f);
        test_rmtree(src);
        test_rmtree(tmp);
}

/* Names that are no file names, and markup in names, still give one well-formed file per domain. */
static void test_snapshot_domain_names(void **state) {
        g_autofree char *tmp = test_tmpdir();
        g_autofree char *out = g_build_filename(tmp, "snap", NULL);
        g_autofree char *listing = NULL;
        HostFacts f;

        host_facts_init(&f);
        f.root = g_strdup(tmp);
        source_clear(&f.libvirt.connection);
        source_clear(&f.libvirt.domains_src);
        domain_table_append(f.libvirt.domains, domain_new("../escape", "u1", MODEL_SEV));
        domain_table_append(f.libvirt.domains, domain_new("a/b", "u2", MODEL_SEV_SNP));
        domain_table_append(f.libvirt.domains, domain_new("<&'\">", "u3", MODEL_SEV_ES));
        assert_int_equal(snapshot_write(&f, out, NULL), 0);

        listing = files_under(out);
        assert_string_equal(listing,
                            "libvirt/domains/<&'\">.xml\n"
                            "libvirt/domains/domain-2.xml\n"
                            "libvirt/domains/domain.xml");
        assert_domain(out, "domain", "../escape", "u1", "sev", "0x0033");
        assert_domain(out, "domain-2", "a/b", "u2", "sev-snp", "0x00030000");
        assert_domain(out, "<&'\">", "<&'\">", "u3", "sev", "0x0037");

        host_facts_clear(&f);
        test_rmtree(tmp);
}

/* Sources that are not OK are not written, so the replay sees them missing too. */
static void test_snapshot_unknown_sources(void **state) {
        g_autofree char *tmp = test_tmpdir();
        g_autofree char *root = g_build_filename(tmp, "host", NULL);
        g_autofree char *out = g_build_filename(tmp, "snap", NULL);
        g_autofree char *listing = NULL;
        HostFacts f;

        /* kvm_amd loaded without SEV support: its parameters/ holds none of the SEV files. */
        test_write(root, "sys/module/kvm_amd/parameters/npt", "Y\n");
        test_write(root, "proc/cpuinfo", cpuinfo);
        g_autofree char *fw = g_build_filename(root, "etc/qemu/firmware", NULL);
        assert_int_equal(g_mkdir_with_parents(fw, 0755), 0);

        fill_facts(&f, root);
        source_set(&f.cpuid.src, SOURCE_INVALID, "cpuid.xml: broken");
        source_set(&f.sev.device, SOURCE_MISSING, "no /dev/sev");
        source_set(&f.libvirt.connection, SOURCE_ERROR, "connection refused");
        assert_int_equal(snapshot_write(&f, out, NULL), 0);

        listing = files_under(out);
        assert_string_equal(listing, "proc/cpuinfo");
        assert_true(is_dir(out, "sys/module/kvm_amd/parameters"));
        assert_true(is_dir(out, "etc/qemu/firmware"));
        assert_false(is_dir(out, "usr/share/qemu/firmware"));
        assert_false(is_dir(out, "libvirt"));
        assert_false(is_dir(out, "dev"));

        host_facts_clear(&f);
        test_rmtree(tmp);
}

/* A working connection with nothing else known still leaves libvirt/, which stands for it. */
static void test_snapshot_libvirt_partial(void **state) {
        g_autofree char *tmp = test_tmpdir();
        g_autofree char *out = g_build_filename(tmp, "snap", NULL);
        HostFacts f;

        fill_facts(&f, tmp);
        source_set(&f.libvirt.versions_src, SOURCE_ERROR, "virConnectGetLibVersion failed");
        source_set(&f.libvirt.domcaps.src, SOURCE_INVALID, "bad XML");
        domain_table_clear(f.libvirt.domains);
        assert_int_equal(snapshot_write(&f, out, NULL), 0);

        assert_true(is_dir(out, "libvirt"));
        g_autofree char *listing = files_under(out);
        assert_null(strstr(listing, "libvirt/"));
        assert_false(is_dir(out, "libvirt/domains"));

        host_facts_clear(&f);
        test_rmtree(tmp);
}

/* ---- probe -> snapshot -> probe ------------------------------------------------------ */

/* The probes that have landed; firmware and libvirt are left to the full round trip. */
static void probe_some(const char *root, HostFacts *f) {
        host_facts_init(f);
        f->root = g_strdup(root);
        probe_cpuid(root, false, &f->cpuid);
        probe_cpuinfo(root, &f->cpuinfo);
        probe_kernel(root, f);
        probe_kvm(root, &f->kvm);
        probe_misc_cgroup(root, &f->misc);
        probe_sev_platform(root, false, f->cpuid.generation, &f->sev);
}

static void assert_param_equal(const ModuleParam *a, const ModuleParam *b) {
        assert_int_equal(a->src.status, b->src.status);
        assert_int_equal(a->value, b->value);
}

static void assert_replayed(const HostFacts *a, const HostFacts *b) {
        assert_int_equal(a->cpuid.src.status, b->cpuid.src.status);
        assert_int_equal(a->cpuid.leaves->len, b->cpuid.leaves->len);
        assert_memory_equal(a->cpuid.leaves->data, b->cpuid.leaves->data, a->cpuid.leaves->len * sizeof(CpuidLeaf));
        assert_string_equal(a->cpuid.vendor, b->cpuid.vendor);
        assert_int_equal(a->cpuid.generation, b->cpuid.generation);
        assert_int_equal(a->cpuid.sev_snp, b->cpuid.sev_snp);
        assert_int_equal(a->cpuid.asid_count, b->cpuid.asid_count);
        assert_int_equal(a->cpuid.min_sev_asid, b->cpuid.min_sev_asid);

        assert_int_equal(a->cpuinfo.src.status, b->cpuinfo.src.status);
        assert_int_equal(a->cpuinfo.sev_es, b->cpuinfo.sev_es);
        assert_string_equal(a->kernel_release, b->kernel_release);
        assert_string_equal(a->hostname, b->hostname);
        assert_int_equal(a->smt_active, b->smt_active);

        assert_int_equal(a->kvm.module.status, b->kvm.module.status);
        assert_param_equal(&a->kvm.sev, &b->kvm.sev);
        assert_param_equal(&a->kvm.sev_es, &b->kvm.sev_es);
        assert_param_equal(&a->kvm.sev_snp, &b->kvm.sev_snp);
        assert_param_equal(&a->kvm.debug_swap, &b->kvm.debug_swap);
        assert_param_equal(&a->kvm.ccp_psp_init_on_probe, &b->kvm.ccp_psp_init_on_probe);
        assert_int_equal(a->kvm.ciphertext_hiding_src.status, b->kvm.ciphertext_hiding_src.status);

        assert_int_equal(a->misc.capacity_src.status, b->misc.capacity_src.status);
        assert_int_equal(a->misc.current_src.status, b->misc.current_src.status);
        assert_int_equal(a->misc.capacity_sev, b->misc.capacity_sev);
        assert_int_equal(a->misc.capacity_sev_es, b->misc.capacity_sev_es);

        assert_int_equal(a->sev.device.status, b->sev.device.status);
        assert_int_equal(a->sev.snp_src.status, b->sev.snp_src.status);
        assert_int_equal(a->sev.current_tcb_decoded.snp, b->sev.current_tcb_decoded.snp);
        assert_true(a->sev.reported_tcb == b->sev.reported_tcb);
        assert_int_equal(a->sev.api_minor, b->sev.api_minor);
}

static void test_snapshot_replays(void **state) {
        const char sev_json[] =
                "{\"sev\": {\"api_major\":1,\"api_minor\":55,\"build\":31,\"state\":2,\"flags\":256,\"guest_count\":0},"
                " \"snp\": {\"api_major\":1,\"api_minor\":55,\"build_id\":31,\"state\":1,\"is_rmp_initialized\":true,"
                "\"current_tcb\":\"0xd51b000000000004\",\"reported_tcb\":\"0xd518000000000004\"}}";
        g_autofree char *dump = NULL;
        g_autofree char *tmp = NULL, *root = NULL, *out = NULL, *error = NULL;
        HostFacts a, b;

        g_autofree char *dump_path = libvirt_fixture("x86_64-cpuid-EPYC-7713-64-Core.xml");
        assert_true(g_file_get_contents(dump_path, &dump, NULL, NULL));

        tmp = test_tmpdir();
        root = g_build_filename(tmp, "host", NULL);
        out = g_build_filename(tmp, "snap", NULL);
        make_host_root(root);
        test_write(root, "cpuid.xml", dump);
        test_write(root, "dev/sev.json", sev_json);
        test_write(root, "sys/module/ccp/parameters/psp_init_on_probe", "N\n");

        probe_some(root, &a);
        /* The fixture is a Milan with SNP: the replay has real facts to lose. */
        assert_int_equal(a.cpuid.src.status, SOURCE_OK);
        assert_int_equal(a.cpuid.generation, CPU_GEN_MILAN);
        assert_int_equal(a.sev.snp_src.status, SOURCE_OK);
        assert_int_equal(a.kvm.sev_es.value, TRI_NO);
        assert_int_equal(a.kvm.ccp_psp_init_on_probe.value, TRI_NO);
        assert_int_equal(a.misc.capacity_sev, 507);

        assert_int_equal(snapshot_write(&a, out, &error), 0);
        probe_some(out, &b);
        assert_replayed(&a, &b);

        host_facts_clear(&a);
        host_facts_clear(&b);
        test_rmtree(tmp);
}

/* ---- failures ------------------------------------------------------------------------ */

static void test_snapshot_dir_under_file(void **state) {
        g_autofree char *tmp = test_tmpdir();
        g_autofree char *file = g_build_filename(tmp, "regular", NULL);
        g_autofree char *out = g_build_filename(file, "snap", NULL);
        g_autofree char *error = NULL;
        HostFacts f;

        test_write(tmp, "regular", "x");
        fill_facts(&f, tmp);
        assert_int_equal(snapshot_write(&f, out, &error), -ENOTDIR);
        assert_non_null(error);
        assert_true(g_str_has_prefix(error, "cannot write "));
        assert_non_null(strstr(error, out));
        assert_non_null(strstr(error, g_strerror(ENOTDIR)));

        host_facts_clear(&f);
        test_rmtree(tmp);
}

/* Stale files of an older snapshot would pass for facts of this host. */
static void test_snapshot_refuses_non_empty(void **state) {
        g_autofree char *tmp = test_tmpdir();
        g_autofree char *out = g_build_filename(tmp, "snap", NULL);
        g_autofree char *error = NULL;
        HostFacts f;

        test_write(out, "dev/sev.json", "{}");
        fill_facts(&f, tmp);
        assert_int_equal(snapshot_write(&f, out, &error), -ENOTEMPTY);
        assert_non_null(strstr(error, out));
        g_autofree char *left = get_file(out, "dev/sev.json");
        assert_string_equal(left, "{}");
        assert_null(get_file(out, "cpuid.xml"));

        host_facts_clear(&f);
        test_rmtree(tmp);
}

/* A host file that is there but unreadable fails the snapshot instead of vanishing from it. */
static void test_snapshot_unreadable_source(void **state) {
        g_autofree char *tmp = test_tmpdir();
        g_autofree char *root = g_build_filename(tmp, "host", NULL);
        g_autofree char *out = g_build_filename(tmp, "snap", NULL);
        g_autofree char *dir = g_build_filename(root, "sys/fs/cgroup/misc.capacity", NULL);
        g_autofree char *error = NULL;
        HostFacts f;

        assert_int_equal(g_mkdir_with_parents(dir, 0755), 0);
        fill_facts(&f, root);
        assert_true(snapshot_write(&f, out, &error) < 0);
        assert_non_null(error);
        assert_non_null(strstr(error, "/sys/fs/cgroup/misc.capacity"));

        host_facts_clear(&f);
        test_rmtree(tmp);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_snapshot_files),
                cmocka_unit_test(test_snapshot_sev_json_reads_back),
                cmocka_unit_test(test_snapshot_versions),
                cmocka_unit_test(test_snapshot_domains),
                cmocka_unit_test(test_snapshot_domain_names),
                cmocka_unit_test(test_snapshot_unknown_sources),
                cmocka_unit_test(test_snapshot_libvirt_partial),
                cmocka_unit_test(test_snapshot_replays),
                cmocka_unit_test(test_snapshot_dir_under_file),
                cmocka_unit_test(test_snapshot_refuses_non_empty),
                cmocka_unit_test(test_snapshot_unreadable_source),
                cmocka_unit_test(test_snapshot_node_sev_info),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
