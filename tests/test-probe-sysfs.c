/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* procfs/sysfs text facts and the capped file reader: bad input never crashes, always says what was wrong. */
#include <sys/stat.h>

#include "fileio.h"
#include "probe.h"
#include "test-util.h"

static void test_read_cap_and_errors(void **state) {
        g_autofree char *root = test_tmpdir();
        g_autofree char *big = g_strnfill(HOST_FILE_MAX + 1, 'x');
        Source src = {};
        char *out = NULL;

        test_write(root, "ok", "hello\n");
        assert_int_equal(host_read_file(root, "ok", HOST_FILE_MAX, &out, NULL, &src), SOURCE_OK);
        assert_string_equal(out, "hello\n");
        g_free(out);

        test_write(root, "big", big);
        assert_int_equal(host_read_file(root, "big", HOST_FILE_MAX, &out, NULL, &src), SOURCE_INVALID);
        assert_null(out);
        assert_non_null(strstr(src.detail, "/big: larger than"));

        assert_int_equal(host_read_file(root, "nope", HOST_FILE_MAX, &out, NULL, &src), SOURCE_MISSING);
        assert_non_null(strstr(src.detail, "/nope"));

        g_autofree char *dir = g_build_filename(root, "dir", NULL);
        g_mkdir(dir, 0755);
        assert_int_equal(host_read_file(root, "dir", HOST_FILE_MAX, &out, NULL, &src), SOURCE_INVALID);

        g_autofree char *nul = g_build_filename(root, "nul", NULL);
        assert_true(g_file_set_contents(nul, "Y\0N", 3, NULL));
        assert_int_equal(host_read_file(root, "nul", HOST_FILE_MAX, &out, NULL, &src), SOURCE_INVALID);

        g_free(src.detail);
        test_rmtree(root);
}

static void test_cpuinfo(void **state) {
        CpuinfoFacts ci = {};

        cpuinfo_parse("processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sme sev sev_es sev_snp debug_swap\n"
                      "processor\t: 1\nflags\t\t: fpu\n", &ci);
        assert_int_equal(ci.src.status, SOURCE_OK);
        assert_true(ci.sme && ci.sev && ci.sev_es && ci.sev_snp && ci.debug_swap);
        assert_false(ci.hypervisor);

        ci = (CpuinfoFacts) {};
        cpuinfo_parse("flags : fpu sev_esx sevv hypervisor", &ci); /* whole words only */
        assert_false(ci.sev || ci.sev_es);
        assert_true(ci.hypervisor);

        ci = (CpuinfoFacts) {};
        cpuinfo_parse("processor : 0\nvendor_id : Authentic", &ci); /* truncated: no flags line */
        assert_int_equal(ci.src.status, SOURCE_INVALID);
        g_free(ci.src.detail);

        ci = (CpuinfoFacts) {};
        cpuinfo_parse("\x01\xff garbage\nflags", &ci);
        assert_int_equal(ci.src.status, SOURCE_INVALID);
        g_free(ci.src.detail);
}

static void test_module_params(void **state) {
        g_autofree char *root = test_tmpdir();
        KvmFacts k = {};

        assert_int_equal(module_param_parse("Y"), TRI_YES);
        assert_int_equal(module_param_parse("1"), TRI_YES);
        assert_int_equal(module_param_parse("y"), TRI_YES);
        assert_int_equal(module_param_parse("N"), TRI_NO);
        assert_int_equal(module_param_parse("0"), TRI_NO);
        assert_int_equal(module_param_parse("maybe"), TRI_UNKNOWN);
        assert_int_equal(module_param_parse(""), TRI_UNKNOWN);

        probe_kvm(root, &k);
        assert_int_equal(k.module.status, SOURCE_MISSING);
        g_free(k.module.detail);
        g_free(k.ccp_psp_init_on_probe.src.detail);

        k = (KvmFacts) {};
        test_write(root, "sys/module/kvm_amd/parameters/sev", "Y\n");
        test_write(root, "sys/module/kvm_amd/parameters/sev_es", "maybe\n");
        test_write(root, "sys/module/kvm_amd/parameters/ciphertext_hiding_asids", "16\n");
        probe_kvm(root, &k);
        assert_int_equal(k.module.status, SOURCE_OK);
        assert_int_equal(k.sev.value, TRI_YES);
        assert_int_equal(k.sev_es.value, TRI_UNKNOWN);
        assert_int_equal(k.sev_es.src.status, SOURCE_INVALID);
        assert_non_null(strstr(k.sev_es.src.detail, "'maybe'"));
        assert_int_equal(k.sev_snp.src.status, SOURCE_MISSING);
        assert_int_equal(k.ciphertext_hiding_asids, 16);
        g_free(k.sev_es.src.detail);
        g_free(k.sev_snp.src.detail);
        g_free(k.debug_swap.src.detail);
        g_free(k.ccp_psp_init_on_probe.src.detail);
        test_rmtree(root);
}

static void test_misc(void **state) {
        int64_t sev, es;
        g_autofree char *error = NULL;

        assert_true(misc_parse("sev 509\nsev_es 0\ntdx 31\n", &sev, &es, &error));
        assert_int_equal(sev, 509);
        assert_int_equal(es, 0);
        assert_true(misc_parse("", &sev, &es, &error));
        assert_int_equal(sev, -1);
        assert_int_equal(es, -1);
        assert_false(misc_parse("sev lots\n", &sev, &es, &error));
        assert_non_null(strstr(error, "sev lots"));
        g_clear_pointer(&error, g_free);
        assert_false(misc_parse("sev -3\n", &sev, &es, &error));
        g_clear_pointer(&error, g_free);
        assert_false(misc_parse("sev_es 1 2\n", &sev, &es, &error));
}

static void test_kernel(void **state) {
        g_autofree char *root = test_tmpdir();
        HostFacts f;

        host_facts_init(&f);
        test_write(root, "proc/sys/kernel/osrelease", "6.12.12-amd64\n");
        test_write(root, "proc/sys/kernel/hostname", "\n");
        test_write(root, "sys/devices/system/cpu/smt/active", "1\n");
        probe_kernel(root, &f);
        assert_string_equal(f.kernel_release, "6.12.12-amd64");
        assert_null(f.hostname);
        assert_int_equal(f.hostname_src.status, SOURCE_INVALID);
        assert_int_equal(f.smt_active, TRI_YES);
        host_facts_clear(&f);
        test_rmtree(root);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_read_cap_and_errors),
                cmocka_unit_test(test_cpuinfo),
                cmocka_unit_test(test_module_params),
                cmocka_unit_test(test_misc),
                cmocka_unit_test(test_kernel),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
