/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CPUID: the real libvirt dumps decode to the values the reference lists, and bad dumps fail closed. */
#include "probe.h"
#include "test-util.h"

typedef struct {
        const char *file;
        CpuGeneration gen;
        uint32_t family, model, eax, cbitpos, reduced, ecx, edx;
        bool sev, es, snp;
} DumpCase;

static const DumpCase dumps[] = {
        { "x86_64-cpuid-EPYC-7601-32-Core.xml", CPU_GEN_NAPLES, 0x17, 0x01, 0x0000000f, 47, 5, 15, 1, true, true, false },
        { "x86_64-cpuid-EPYC-7502-32-Core.xml", CPU_GEN_ROME, 0x17, 0x31, 0x0001000f, 47, 5, 509, 1, true, true, false },
        { "x86_64-cpuid-EPYC-7713-64-Core.xml", CPU_GEN_MILAN, 0x19, 0x01, 0x0001fc3f, 51, 4, 253, 32, true, true, true },
        { "x86_64-cpuid-EPYC-9334-32-Core.xml", CPU_GEN_GENOA, 0x19, 0x11, 0x030ffffb, 51, 6, 1006, 1, true, true, true },
};

static void probe_dump(const char *file, CpuidFacts *c) {
        g_autofree char *root = test_tmpdir();
        g_autofree char *src = libvirt_fixture(file);
        g_autofree char *xml = test_read(src);

        test_write(root, "cpuid.xml", xml);
        c->leaves = g_array_new(FALSE, TRUE, sizeof(CpuidLeaf));
        c->src.status = SOURCE_MISSING;
        probe_cpuid(root, false, c);
        test_rmtree(root);
}

static void test_real_dumps(void **state) {
        for (size_t i = 0; i < G_N_ELEMENTS(dumps); i++) {
                const DumpCase *d = &dumps[i];
                CpuidFacts c = {};

                probe_dump(d->file, &c);
                assert_int_equal(c.src.status, SOURCE_OK);
                assert_string_equal(c.vendor, "AuthenticAMD");
                assert_int_equal(c.generation, d->gen);
                assert_int_equal(c.family, d->family);
                assert_int_equal(c.model, d->model);
                assert_false(c.hypervisor);
                assert_true(c.has_leaf_8000001f);
                assert_int_equal(c.leaf_eax, d->eax);
                assert_int_equal(c.cbitpos, d->cbitpos);
                assert_int_equal(c.reduced_phys_bits, d->reduced);
                assert_int_equal(c.asid_count, d->ecx);
                assert_int_equal(c.min_sev_asid, d->edx);
                assert_int_equal(c.sev, d->sev);
                assert_int_equal(c.sev_es, d->es);
                assert_int_equal(c.sev_snp, d->snp);
                g_array_unref(c.leaves);
        }
}

static void test_generations(void **state) {
        assert_int_equal(cpu_generation_from_signature(0x17, 0x01, 0), CPU_GEN_NAPLES);
        assert_int_equal(cpu_generation_from_signature(0x17, 0x31, 0), CPU_GEN_ROME);
        assert_int_equal(cpu_generation_from_signature(0x17, 0x71, 0), CPU_GEN_UNKNOWN); /* Ryzen 3000 */
        assert_int_equal(cpu_generation_from_signature(0x19, 0x01, 0), CPU_GEN_MILAN);
        assert_int_equal(cpu_generation_from_signature(0x19, 0x11, 0), CPU_GEN_GENOA);
        assert_int_equal(cpu_generation_from_signature(0x19, 0xa0, 0x4), CPU_GEN_BERGAMO);
        assert_int_equal(cpu_generation_from_signature(0x19, 0xa0, 0x8), CPU_GEN_SIENA);
        assert_int_equal(cpu_generation_from_signature(0x19, 0x21, 0), CPU_GEN_UNKNOWN); /* Ryzen 5000 */
        assert_int_equal(cpu_generation_from_signature(0x1a, 0x02, 0), CPU_GEN_TURIN);
        assert_int_equal(cpu_generation_from_signature(0x1a, 0x11, 0), CPU_GEN_TURIN);
        assert_int_equal(cpu_generation_from_signature(0x1a, 0x50, 0), CPU_GEN_VENICE);
        assert_int_equal(cpu_generation_from_signature(0x1a, 0x44, 0), CPU_GEN_UNKNOWN);
        assert_int_equal(cpu_generation_from_signature(0x06, 0x8f, 0), CPU_GEN_UNKNOWN);

        /* The table's own invariants: every row is found by its own signature, names are unique,
         * and a generation that can run SNP knows its TCB fix and its chip id length. */
        for (CpuGeneration g = CPU_GEN_UNKNOWN + 1; g < _CPU_GEN_MAX; g++) {
                const CpuGenerationInfo *gi = cpu_generation_info(g);
                uint32_t package = gi->package_type >= 0 ? (uint32_t) gi->package_type : 0;

                for (size_t i = 0; i < G_N_ELEMENTS(gi->models) && gi->models[i].last; i++) {
                        assert_int_equal(cpu_generation_from_signature(gi->family, gi->models[i].first, package), g);
                        assert_int_equal(cpu_generation_from_signature(gi->family, gi->models[i].last, package), g);
                }
                for (CpuGeneration o = CPU_GEN_UNKNOWN; o < g; o++)
                        assert_string_not_equal(gi->name, cpu_generation_to_string(o));
                if (gi->can_snp) {
                        assert_true(gi->can_sev_es);
                        assert_true(gi->es_fixed_snp_svn > 0);
                        assert_true(gi->kds_hwid_len > 0);
                }
        }
        assert_string_equal(cpu_generation_to_string(_CPU_GEN_MAX), "unknown");
        assert_string_equal(cpu_generation_to_string(CPU_GEN_GENOA), "genoa");
}

static void expect_invalid(const char *xml) {
        g_autoptr(GArray) leaves = g_array_new(FALSE, TRUE, sizeof(CpuidLeaf));
        g_autofree char *error = NULL;

        assert_false(cpuid_parse_dump(xml, strlen(xml), leaves, &error));
        assert_non_null(error);
}

static void test_bad_dumps(void **state) {
        expect_invalid("");
        expect_invalid("not xml at all");
        expect_invalid("<cpudata><cpuid eax_in='0x0'");
        expect_invalid("<other/>");
        expect_invalid("<cpudata><cpuid eax_in='zz' ecx_in='0' eax='0' ebx='0' ecx='0' edx='0'/></cpudata>");
        expect_invalid("<cpudata><cpuid eax_in='0x1' ecx_in='0x0' eax='0x1ffffffff' ebx='0' ecx='0' edx='0'/></cpudata>");
        expect_invalid("<cpudata><cpuid eax_in='0x1' ecx_in='0x0'/></cpudata>");
        expect_invalid("<!DOCTYPE x [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;&a;'>]><cpudata>&b;</cpudata>x");

        g_autoptr(GString) huge = g_string_new("<cpudata>");
        while (huge->len < 300 * 1024)
                g_string_append(huge, "<cpuid eax_in='0x0' ecx_in='0x0' eax='0x0' ebx='0x0' ecx='0x0' edx='0x0'/>");
        g_string_append(huge, "</cpudata>");
        expect_invalid(huge->str);
}

/* A dump without leaves 0/1, or missing, leaves the source not OK: never an answer from nothing. */
static void test_incomplete_dump(void **state) {
        g_autofree char *root = test_tmpdir();
        CpuidFacts c = { .leaves = g_array_new(FALSE, TRUE, sizeof(CpuidLeaf)) };

        probe_cpuid(root, false, &c);
        assert_int_equal(c.src.status, SOURCE_MISSING);
        assert_non_null(strstr(c.src.detail, "cpuid.xml"));

        test_write(root, "cpuid.xml", "<cpudata arch='x86'>\n"
                   "  <cpuid eax_in='0x80000000' ecx_in='0x00' eax='0x8000001f' ebx='0x0' ecx='0x0' edx='0x0'/>\n"
                   "</cpudata>\n");
        probe_cpuid(root, false, &c);
        assert_int_equal(c.src.status, SOURCE_INVALID);

        /* Hypervisor bit and a Hygon vendor string decode as such. */
        test_write(root, "cpuid.xml", "<cpudata arch='x86'>\n"
                   "  <cpuid eax_in='0x00000000' ecx_in='0x00' eax='0x0000000d' ebx='0x6f677948' ecx='0x656e6975' edx='0x6e65476e'/>\n"
                   "  <cpuid eax_in='0x00000001' ecx_in='0x00' eax='0x00900f01' ebx='0x0' ecx='0x80000000' edx='0x0'/>\n"
                   "</cpudata>\n");
        probe_cpuid(root, false, &c);
        assert_int_equal(c.src.status, SOURCE_OK);
        assert_string_equal(c.vendor, "HygonGenuine");
        assert_int_equal(c.family, 0x18);
        assert_true(c.hypervisor);
        assert_false(c.has_leaf_8000001f);
        g_array_unref(c.leaves);
        test_rmtree(root);
}

/* The live instruction gives a vendor and leaf 1 on any x86 machine. */
static void test_live_instruction(void **state) {
        CpuidFacts c = { .leaves = g_array_new(FALSE, TRUE, sizeof(CpuidLeaf)) };

        probe_cpuid("/", true, &c);
        assert_int_equal(c.src.status, SOURCE_OK);
        assert_false(c.from_dump);
        assert_true(c.leaves->len >= 2);
        assert_int_equal(strlen(c.vendor), 12);
        g_array_unref(c.leaves);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_real_dumps),
                cmocka_unit_test(test_generations),
                cmocka_unit_test(test_bad_dumps),
                cmocka_unit_test(test_incomplete_dump),
                cmocka_unit_test(test_live_instruction),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
