/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fleet formats (service/core/metrics.c, node-labels.c) on every test host
 * under tests/fixtures/hosts: each Prometheus family has HELP and TYPE before
 * its samples, each sample carries the verdict's value, label values are
 * escaped, and every node-feature-discovery line is a valid label with no
 * fast-changing value. `promtool check metrics` runs on the same output in
 * test-fleet-promtool.sh.
 */
#include "domain-table.h"
#include "metrics.h"
#include "node-labels.h"
#include "probe.h"
#include "report.h"
#include "test-util.h"

typedef struct {
        HostFacts f;
        MemcryptConfig cfg;
        HostVerdict *v;
} Host;

static void host_load(Host *h, const char *name) {
        g_autofree char *root = host_fixture(name);
        ProbeOptions opts = { .root = root };

        memcrypt_config_init(&h->cfg);
        host_facts_init(&h->f);
        probe_host(&opts, &h->f);
        h->v = host_verdict_new(&h->f, &h->cfg);
}

static void host_clear(Host *h) {
        host_verdict_free(h->v);
        host_facts_clear(&h->f);
        memcrypt_config_clear(&h->cfg);
}

/* The value of the one sample NAME{LABELS} in TEXT ("" labels: none); fails if absent or repeated. */
static char *sample_value(const char *text, const char *name, const char *labels) {
        g_autofree char *prefix = g_strdup_printf("%s%s%s%s ", name, *labels ? "{" : "", labels, *labels ? "}" : "");
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        char *found = NULL;

        for (char **l = lines; *l; l++)
                if (g_str_has_prefix(*l, prefix)) {
                        if (found)
                                fail_msg("%s%s appears twice", name, labels);
                        found = g_strdup(*l + strlen(prefix));
                }
        if (!found)
                fail_msg("no sample %s{%s} in:\n%s", name, labels, text);
        return found;
}

static void assert_sample(const char *text, const char *name, const char *labels, const char *want) {
        g_autofree char *got = sample_value(text, name, labels);

        if (!g_str_equal(got, want))
                fail_msg("%s{%s} is %s, expected %s", name, labels, got, want);
}

static unsigned count_samples(const char *text, const char *name) {
        g_autofree char *prefix = g_strdup_printf("\n%s{", name);
        unsigned n = 0;

        for (const char *p = strstr(text, prefix); p; p = strstr(p + 1, prefix))
                n++;
        return n;
}

/* Structure of the exposition: each family's HELP then TYPE gauge, then only its samples. */
static void assert_exposition(const char *text) {
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        g_autoptr(GHashTable) families = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_autofree char *current = NULL;
        guint n = g_strv_length(lines);

        assert_true(n > 1);
        assert_string_equal(lines[n - 1], "");          /* ends with a newline */
        for (guint i = 0; i + 1 < n; i++) {
                const char *l = lines[i];
                if (g_str_has_prefix(l, "# HELP ")) {
                        g_auto(GStrv) w = g_strsplit(l + 7, " ", 2);
                        g_autofree char *type = g_strdup_printf("# TYPE %s gauge", w[0]);
                        assert_true(g_str_has_prefix(w[0], "memcrypt_"));
                        assert_non_null(w[1]);
                        assert_true(strlen(w[1]) > 10);
                        if (!g_hash_table_add(families, g_strdup(w[0])))
                                fail_msg("family %s twice", w[0]);
                        assert_true(i + 2 < n);
                        assert_string_equal(lines[i + 1], type);
                        g_free(current);
                        current = g_strdup(w[0]);
                        i++;
                        continue;
                }
                assert_false(l[0] == '#');
                assert_non_null(current);
                size_t len = strlen(current);
                if (strncmp(l, current, len) != 0 || (l[len] != '{' && l[len] != ' '))
                        fail_msg("sample '%s' outside its family (current %s)", l, current);
                /* value: a plain decimal number */
                const char *value = strrchr(l, ' ');
                assert_non_null(value);
                for (const char *p = value + 1; *p; p++)
                        assert_true(g_ascii_isdigit(*p) || *p == '.');
        }
        static const char *const required[] = {
                "memcrypt_model_usable", "memcrypt_slots", "memcrypt_encrypted_domains", "memcrypt_health",
                "memcrypt_libvirt_connected", "memcrypt_reason", "memcrypt_sev_firmware_info", "memcrypt_snp_tcb",
                "memcrypt_last_refresh_timestamp_seconds",
        };
        for (size_t i = 0; i < G_N_ELEMENTS(required); i++)
                if (!g_hash_table_contains(families, required[i]))
                        fail_msg("family %s missing", required[i]);
}

static void assert_metrics_match(const char *host, const HostFacts *f, const HostVerdict *v, const char *text) {
        unsigned reasons = 0, domains[_MODEL_MAX] = {};
        g_autofree char *fw = report_sev_firmware_version(f);

        for (Model m = 0; m < _MODEL_MAX; m++) {
                const ModelVerdict *mv = &v->models[m];
                g_autofree char *l = g_strdup_printf("model=\"%s\"", model_name(m));
                assert_sample(text, "memcrypt_model_usable", l, mv->usable ? "1" : "0");
                const struct { const char *state; uint32_t n; } s[] = {
                        { "total", mv->slots_total }, { "used", mv->slots_used }, { "free", mv->slots_free },
                };
                for (size_t i = 0; i < G_N_ELEMENTS(s); i++) {
                        g_autofree char *sl = g_strdup_printf("%s,state=\"%s\"", l, s[i].state);
                        g_autofree char *want = g_strdup_printf("%u", s[i].n);
                        assert_sample(text, "memcrypt_slots", sl, want);
                }
                for (guint i = 0; i < mv->reasons->len; i++) {
                        const Reason *r = mv->reasons->pdata[i];
                        g_autofree char *rl = g_strdup_printf("%s,code=\"%s\",severity=\"%s\"", l, r->code,
                                                              severity_to_string(r->severity));
                        assert_sample(text, "memcrypt_reason", rl, "1");
                }
                reasons += mv->reasons->len;
        }
        if (count_samples(text, "memcrypt_reason") != reasons)
                fail_msg("%s: %u memcrypt_reason samples for %u reasons", host, count_samples(text, "memcrypt_reason"), reasons);
        /* Walked, not counted: the table's counts are what is under test. */
        DomainTableIter it;
        domain_table_iter_init(&it, f->libvirt.domains);
        for (const RunningDomain *d; (d = domain_table_iter_next(&it));)
                if (d->model >= MODEL_SEV && d->model <= MODEL_SEV_SNP)
                        domains[d->model - MODEL_SEV]++;
        for (Model m = 0; m < _MODEL_MAX; m++) {
                g_autofree char *l = g_strdup_printf("model=\"%s\"", model_name(m));
                g_autofree char *want = g_strdup_printf("%u", domains[m]);
                assert_sample(text, "memcrypt_encrypted_domains", l, want);
        }
        for (Health h = HEALTH_OK; h <= HEALTH_CONFLICT; h++) {
                g_autofree char *l = g_strdup_printf("state=\"%s\"", health_to_string(h));
                assert_sample(text, "memcrypt_health", l, v->health == h ? "1" : "0");
        }
        assert_sample(text, "memcrypt_libvirt_connected", "", f->libvirt.connection.status == SOURCE_OK ? "1" : "0");
        if (*fw) {
                g_autofree char *l = g_strdup_printf("version=\"%s\"", fw);
                assert_sample(text, "memcrypt_sev_firmware_info", l, "1");
        } else
                assert_int_equal(count_samples(text, "memcrypt_sev_firmware_info"), 0);
        if (f->sev.snp_src.status == SOURCE_OK) {
                g_autofree char *want = g_strdup_printf("%u", f->sev.reported_tcb_decoded.snp);
                assert_sample(text, "memcrypt_snp_tcb", "component=\"snp\",tcb=\"reported\"", want);
                assert_int_equal(count_samples(text, "memcrypt_snp_tcb"),
                                 f->sev.current_tcb_decoded.has_fmc ? 10 : 8);
        } else
                assert_int_equal(count_samples(text, "memcrypt_snp_tcb"), 0);
}

/* A label line: NAME=VALUE with NAME a valid label name part and VALUE a valid label value. */
static void assert_label_line(const char *line) {
        const char *eq = strchr(line, '=');
        g_autofree char *name = NULL;

        if (!eq)
                fail_msg("label line without '=': '%s'", line);
        name = g_strndup(line, eq - line);
        if (!node_label_value_valid(name) || !*name || !g_ascii_isalpha(name[0]))
                fail_msg("invalid label name '%s'", name);
        if (!node_label_value_valid(eq + 1) || !eq[1])
                fail_msg("invalid label value in '%s'", line);
}

static void assert_labels_match(const HostFacts *f, const HostVerdict *v, const char *text) {
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        g_autofree char *fw = report_sev_firmware_version(f);
        guint n = g_strv_length(lines);

        assert_string_equal(lines[n - 1], "");
        for (guint i = 0; i + 1 < n; i++) {
                assert_label_line(lines[i]);
                assert_true(g_str_has_prefix(lines[i], "memcrypt-"));
                assert_null(strstr(lines[i], "free"));
                assert_null(strstr(lines[i], "used"));
        }
        for (Model m = 0; m < _MODEL_MAX; m++) {
                g_autofree char *usable = g_strdup_printf("\nmemcrypt-%s=%s\n", model_name(m),
                                                          v->models[m].usable ? "true" : "false");
                g_autofree char *slots = g_strdup_printf("\nmemcrypt-%s-slots=%u\n", model_name(m),
                                                         v->models[m].slots_total);
                g_autofree char *framed = g_strconcat("\n", text, NULL);
                if (!strstr(framed, usable) || !strstr(framed, slots))
                        fail_msg("%s: expected%s%sin\n%s", model_name(m), usable, slots, text);
        }
        if (*fw) {
                g_autofree char *want = g_strdup_printf("memcrypt-sev-firmware=%s\n", fw);
                assert_non_null(strstr(text, want));
        } else
                assert_null(strstr(text, "memcrypt-sev-firmware="));
}

static void test_host(void **state) {
        const char *name = *state;
        Host h;

        host_load(&h, name);
        g_autofree char *metrics = metrics_format(&h.f, h.v, UINT64_C(1700000000123456));
        g_autofree char *labels = node_labels_format(&h.f, h.v);
        assert_exposition(metrics);
        assert_metrics_match(name, &h.f, h.v, metrics);
        assert_sample(metrics, "memcrypt_last_refresh_timestamp_seconds", "", "1700000000.123");
        assert_labels_match(&h.f, h.v, labels);
        host_clear(&h);
}

/* A label value with a quote, a backslash and a newline stays one sample line. */
static void test_escaping(void **state) {
        Host h;

        host_load(&h, "milan-snp");
        ModelVerdict *mv = &h.v->models[MODEL_SEV];
        g_ptr_array_add(mv->reasons, reason_new("odd\"code\\x\ny", SEVERITY_WARNING, "m", "h"));
        g_autofree char *metrics = metrics_format(&h.f, h.v, 0);
        assert_exposition(metrics);
        assert_sample(metrics, "memcrypt_reason", "model=\"amd-sev\",code=\"odd\\\"code\\\\x\\ny\",severity=\"warning\"", "1");
        assert_sample(metrics, "memcrypt_last_refresh_timestamp_seconds", "", "0.000");
        host_clear(&h);
}

/* A model with the same code twice (the verdict merges them; a second series would fail the scrape). */
static void test_reason_once(void **state) {
        Host h;

        host_load(&h, "milan-snp");
        ModelVerdict *mv = &h.v->models[MODEL_SEV_ES];
        assert_true(mv->reasons->len > 0);
        const Reason *r = mv->reasons->pdata[0];
        g_ptr_array_add(mv->reasons, reason_new(r->code, r->severity, "again", "h"));
        g_autofree char *metrics = metrics_format(&h.f, h.v, 0);
        assert_int_equal(count_samples(metrics, "memcrypt_reason"), mv->reasons->len - 1);
        host_clear(&h);
}

/* Without SNP_PLATFORM_STATUS or a firmware version, those series are absent, their families still described. */
static void test_unknown_platform(void **state) {
        Host h;

        host_load(&h, "milan-snp");
        source_set(&h.f.sev.snp_src, SOURCE_MISSING, "gone");
        source_set(&h.f.sev.sev_src, SOURCE_MISSING, "gone");
        g_autofree char *metrics = metrics_format(&h.f, h.v, 0);
        g_autofree char *labels = node_labels_format(&h.f, h.v);
        assert_exposition(metrics);
        assert_int_equal(count_samples(metrics, "memcrypt_snp_tcb"), 0);
        assert_int_equal(count_samples(metrics, "memcrypt_sev_firmware_info"), 0);
        assert_null(strstr(labels, "sev-firmware"));
        assert_non_null(strstr(labels, "memcrypt-cpu-generation=milan\n"));
        host_clear(&h);
}

/* Turin and later have an FMC component in their TCB. */
static void test_tcb_fmc(void **state) {
        Host h;

        host_load(&h, "milan-snp");
        assert_int_equal(h.f.sev.snp_src.status, SOURCE_OK);
        h.f.sev.current_tcb_decoded.has_fmc = h.f.sev.reported_tcb_decoded.has_fmc = true;
        h.f.sev.current_tcb_decoded.fmc = 3;
        g_autofree char *metrics = metrics_format(&h.f, h.v, 0);
        assert_sample(metrics, "memcrypt_snp_tcb", "component=\"fmc\",tcb=\"current\"", "3");
        assert_sample(metrics, "memcrypt_snp_tcb", "component=\"fmc\",tcb=\"reported\"", "0");
        host_clear(&h);
}

static void test_label_value_syntax(void **state) {
        g_autofree char *v63 = g_strnfill(63, 'a');
        g_autofree char *v64 = g_strnfill(64, 'a');

        assert_true(node_label_value_valid(""));
        assert_true(node_label_value_valid("1.55.31"));
        assert_true(node_label_value_valid("a_b-c.D9"));
        assert_true(node_label_value_valid(v63));
        assert_false(node_label_value_valid(v64));
        assert_false(node_label_value_valid("-a"));
        assert_false(node_label_value_valid("a."));
        assert_false(node_label_value_valid("a/b"));
        assert_false(node_label_value_valid("a b"));
        assert_false(node_label_value_valid("é"));
}

static gint compare_names(gconstpointer a, gconstpointer b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int main(void) {
        g_autoptr(GPtrArray) hosts = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GDir) d = g_dir_open(test_env("MEMCRYPT_HOSTS_DIR"), 0, NULL);
        g_autoptr(GArray) tests = g_array_new(false, false, sizeof(struct CMUnitTest));
        const char *name;

        while (d && (name = g_dir_read_name(d))) {
                g_autofree char *path = host_fixture(name);
                if (g_file_test(path, G_FILE_TEST_IS_DIR))
                        g_ptr_array_add(hosts, g_strdup(name));
        }
        g_ptr_array_sort(hosts, compare_names);
        for (guint i = 0; i < hosts->len; i++) {
                struct CMUnitTest t = { hosts->pdata[i], test_host, NULL, NULL, hosts->pdata[i] };
                g_array_append_val(tests, t);
        }
        const struct CMUnitTest fixed[] = {
                cmocka_unit_test(test_escaping),
                cmocka_unit_test(test_reason_once),
                cmocka_unit_test(test_unknown_platform),
                cmocka_unit_test(test_tcb_fmc),
                cmocka_unit_test(test_label_value_syntax),
        };
        g_array_append_vals(tests, fixed, G_N_ELEMENTS(fixed));
        assert_true(hosts->len >= 12);
        return _cmocka_run_group_tests("fleet-formats", (struct CMUnitTest *) tests->data, tests->len, NULL, NULL);
}
