/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memcryptd.conf: values load, typos and bad values are refused with a message naming the key. */
#include <string.h>

#include "config.h"
#include "test-util.h"

static char *load(const char *text, MemcryptConfig *c, bool *ok) {
        g_autofree char *dir = test_tmpdir();
        g_autofree char *path = g_build_filename(dir, "memcryptd.conf", NULL);
        char *error = NULL;

        test_write(dir, "memcryptd.conf", text);
        memcrypt_config_init(c);
        *ok = memcrypt_config_load(c, path, true, &error);
        test_rmtree(dir);
        return error;
}

static void test_defaults_and_values(void **state) {
        MemcryptConfig c;
        bool ok;

        memcrypt_config_init(&c);
        assert_true(memcrypt_config_load(&c, "/nonexistent/memcryptd.conf", false, NULL));
        assert_string_equal(c.libvirt_uri, "qemu:///system");
        assert_int_equal(c.policy[MODEL_SEV], 0x33);
        assert_int_equal(c.policy[MODEL_SEV_ES], 0x37);
        assert_int_equal(c.policy[MODEL_SEV_SNP], 0x30000);
        memcrypt_config_clear(&c);

        g_autofree char *err = load("[Service]\nLibvirtURI=qemu+unix:///system\nNodeName=compute7\nRefreshIntervalSec=15\n"
                                    "[Guests]\nDefaultMachineType=pc-q35-8.2\nPolicySEV=0x0003\nPolicySEVES=5\n"
                                    "PolicySEVSNP=0x00070000\n", &c, &ok);
        assert_true(ok);
        assert_null(err);
        assert_string_equal(c.libvirt_uri, "qemu+unix:///system");
        assert_string_equal(c.node_name, "compute7");
        assert_string_equal(c.default_machine_type, "pc-q35-8.2");
        assert_int_equal(c.refresh_interval_sec, 15);
        assert_int_equal(c.policy[MODEL_SEV], 0x3);
        assert_int_equal(c.policy[MODEL_SEV_ES], 0x5);
        assert_int_equal(c.policy[MODEL_SEV_SNP], 0x70000);
        memcrypt_config_clear(&c);
}

static void expect_error(const char *text, const char *needle) {
        MemcryptConfig c;
        bool ok;
        g_autofree char *err = load(text, &c, &ok);

        assert_false(ok);
        assert_non_null(err);
        if (!strstr(err, needle))
                fail_msg("error '%s' does not mention '%s'", err, needle);
        memcrypt_config_clear(&c);
}

static void test_errors(void **state) {
        expect_error("[Service]\nLibvirtUri=x\n", "LibvirtUri");                 /* typo in a key */
        expect_error("[Daemon]\nNodeName=x\n", "[Daemon]");                      /* unknown group */
        expect_error("[Service]\nRefreshIntervalSec=soon\n", "RefreshIntervalSec");
        expect_error("[Service]\nRefreshIntervalSec=0\n", "RefreshIntervalSec");
        expect_error("[Guests]\nPolicySEV=0x0037\n", "ES bit");                 /* that is SEV-ES */
        expect_error("[Guests]\nPolicySEVES=0x0033\n", "lacks the ES bit");
        expect_error("[Guests]\nPolicySEVSNP=0x00010000\n", "bit 17");
        expect_error("[Guests]\nPolicySEVSNP=0x0100030000\n", "reserved bits 25-63");
        expect_error("[Guests]\nPolicySEV=0x100000033\n", "does not fit 32 bits");
        expect_error("[Guests]\nPolicySEV=0xffc0\n", "reserved bits 6-15");
        expect_error("[Guests]\nPolicySEV=zz\n", "not a hexadecimal policy");
        expect_error("this is not a key file\n", "memcryptd.conf");
}

/* [Export]: both files optional (off by default), absolute, with names their readers take. */
static void test_export(void **state) {
        MemcryptConfig c;
        bool ok;

        memcrypt_config_init(&c);
        assert_null(c.prometheus_textfile);
        assert_null(c.node_feature_file);
        memcrypt_config_clear(&c);
        g_autofree char *err = load("[Export]\nPrometheusTextfile=/var/lib/prometheus/node-exporter/memcrypt.prom\n"
                                    "NodeFeatureFile=/etc/kubernetes/node-feature-discovery/features.d/memcrypt\n", &c, &ok);
        assert_true(ok);
        assert_null(err);
        assert_string_equal(c.prometheus_textfile, "/var/lib/prometheus/node-exporter/memcrypt.prom");
        assert_string_equal(c.node_feature_file, "/etc/kubernetes/node-feature-discovery/features.d/memcrypt");
        memcrypt_config_clear(&c);
        g_autofree char *err2 = load("[Export]\nPrometheusTextfile=\n", &c, &ok);  /* empty: off */
        assert_true(ok);
        assert_null(err2);
        assert_null(c.prometheus_textfile);
        memcrypt_config_clear(&c);

        expect_error("[Export]\nPrometheusTextfile=memcrypt.prom\n", "PrometheusTextfile='memcrypt.prom'");
        expect_error("[Export]\nPrometheusTextfile=/var/lib/prometheus/node-exporter/memcrypt.txt\n", "ends in .prom");
        expect_error("[Export]\nPrometheusTextfile=/var/lib/prometheus/node-exporter/\n", "absolute path");
        expect_error("[Export]\nNodeFeatureFile=/etc/features.d/.hidden\n", "does not start with '.'");
        expect_error("[Export]\nNodeFeatureFile=relative/memcrypt\n", "NodeFeatureFile");
        expect_error("[Export]\nPrometheusTextfile=/x/m.prom\nNodeFeatureFile=/x/m.prom\n", "the same file");
        expect_error("[Export]\nTextfile=/x/m.prom\n", "unknown key 'Textfile' in [Export]");
}

/* memcryptd's own keepalive ping comes only after a whole RefreshIntervalSec without a message from
 * libvirtd, longer than libvirtd's default keepalive_interval (5 s), so against a default libvirtd it
 * never pings; libvirt closes the connection (count + 1) * interval seconds after libvirtd's last
 * message, and one ping is the fewest that does not close a healthy libvirtd that never pings. */
static void test_keepalive_follows_refresh(void **state) {
        static const struct {
                unsigned refresh;
                int interval;
        } cases[] = { { 1, 1 }, { 2, 2 }, { 60, 60 }, { 86400, 86400 } };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                unsigned count = 0;
                int interval = 0;

                libvirt_keepalive_for_refresh(cases[i].refresh, &interval, &count);
                assert_int_equal(interval, cases[i].interval);
                assert_int_equal(count, 1);
                /* libvirt refuses intervals whose milliseconds overflow an int. */
                assert_true(interval <= INT_MAX / 1000);
        }
        /* The defaults: no ping of memcryptd's own while libvirtd's pings (every 5 s) come, and a hung
         * libvirtd noticed within two minutes. */
        unsigned count = 0;
        int interval = 0;
        libvirt_keepalive_for_refresh(DEFAULT_REFRESH_INTERVAL_SEC, &interval, &count);
        assert_true(interval > 5);
        assert_int_equal((count + 1) * (unsigned) interval, 120);
}

static void test_missing_explicit_file(void **state) {
        MemcryptConfig c;
        g_autofree char *error = NULL;

        memcrypt_config_init(&c);
        assert_false(memcrypt_config_load(&c, "/nonexistent/memcryptd.conf", true, &error));
        assert_non_null(strstr(error, "/nonexistent/memcryptd.conf"));
        memcrypt_config_clear(&c);
}

/* The model table (common/model-table.c): every row complete and consistent with the rules that read it. */
static void test_model_table(void **state) {
        for (Model m = 0; m < _MODEL_MAX; m++) {
                const ModelInfo *i = model_info(m);
                g_autofree char *object = g_strdup(i->name);
                g_autofree char *policy = NULL, *problem = policy_check_static(m, i->default_policy);

                g_strdelimit(object, "-", '_');
                assert_string_equal(i->object, object);         /* path element and RP suffix follow the name */
                assert_int_equal(model_from_name(i->name), m);
                assert_int_equal(model_from_object_name(i->object), m);
                assert_true(g_str_has_prefix(i->trait, "HW_CPU_X86_AMD_"));
                assert_non_null(i->title);
                assert_non_null(i->cpuinfo_flag);
                assert_non_null(i->kvm_param);
                assert_non_null(i->firmware_feature);
                assert_true(i->qemu_min[0] > 0);
                assert_null(problem);                            /* the default passes the model's own rules */
                /* libvirt's type and the ES bit are what tell the models apart in a domain */
                assert_string_equal(i->launch_security, m == MODEL_SEV_SNP ? "sev-snp" : "sev");
                if (m != MODEL_SEV_SNP)
                        assert_int_equal(!!(i->default_policy & SEV_POLICY_ES), m == MODEL_SEV_ES);
                policy = model_policy_text(m, i->default_policy);
                assert_int_equal(strlen(policy), 2 + i->policy_digits);
                assert_string_equal(model_guest_name(m), i->name);
        }
        assert_string_equal(model_name(MODEL_SEV), MODEL_NAME_SEV);
        assert_string_equal(model_name(MODEL_SEV_ES), MODEL_NAME_SEV_ES);
        assert_string_equal(model_name(MODEL_SEV_SNP), MODEL_NAME_SEV_SNP);
        assert_int_equal(model_from_name("sev"), MODEL_INVALID);
        assert_int_equal(model_from_name(NULL), MODEL_INVALID);
        assert_int_equal(model_from_object_name("amd-sev"), MODEL_INVALID);
        assert_false(model_valid(MODEL_INVALID) || model_valid(MODEL_NONE) || model_valid(MODEL_OTHER) ||
                     model_valid(_MODEL_MAX));
        assert_null(model_info(MODEL_NONE));
        assert_string_equal(model_guest_name(MODEL_NONE), "");
        assert_string_equal(model_guest_name(MODEL_OTHER), "other");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults_and_values),
                cmocka_unit_test(test_model_table),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_export),
                cmocka_unit_test(test_keepalive_follows_refresh),
                cmocka_unit_test(test_missing_explicit_file),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
