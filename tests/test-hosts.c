/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every test host under tests/fixtures/hosts (README.md there) through the real
 * probes and the verdict engine: the whole verdict of each model.
 */
#include "probe.h"
#include "test-util.h"
#include "verdict.h"

typedef struct {
        bool usable;
        const char *errors;     /* exactly these error codes, space-separated */
        const char *warnings;   /* exactly these warning codes */
        uint32_t total, used, free_;
        uint32_t first, last;   /* ASID range; 0/0 = not asserted */
} Expect;

typedef struct {
        const char *host;
        Health health;
        const char *allowed;    /* error codes that may also appear on every model (degraded facts) */
        Expect m[_MODEL_MAX];
} HostCase;

#define NO(codes) { false, codes, "", 0, 0, 0, 0, 0 }

static const HostCase cases[] = {
        { "naples-sev", HEALTH_OK, "", {
                { true, "", "", 15, 2, 13, 1, 15 }, NO("cpu-lacks-sev-es"), NO("cpu-lacks-sev-snp") } },
        { "rome-debian12", HEALTH_OK, "", {
                { true, "", "", 509, 1, 508, 1, 509 }, NO("no-es-asids firmware-missing"), NO("cpu-lacks-sev-snp") } },
        { "rome-libvirt7", HEALTH_OK, "", {
                { true, "", "libvirt-too-old", 509, 1, 508, 1, 509 },
                { false, "no-es-asids qemu-too-old firmware-missing kernel-sev-es-disabled", "libvirt-too-old", 0, 0, 0, 0, 0 },
                NO("cpu-lacks-sev-snp") } },
        { "rome-modern", HEALTH_OK, "", {
                { true, "", "", 509, 1, 508, 1, 509 }, NO("no-es-asids"), NO("cpu-lacks-sev-snp") } },
        { "genoa-no-es-asids", HEALTH_OK, "", {
                { true, "", "", 1006, 1, 1005, 1, 1006 }, NO("no-es-asids"), NO("no-es-asids psp-not-initialized") } },
        { "milan-snp", HEALTH_OK, "", {
                { true, "", "", 222, 1, 221, 32, 253 }, NO("es-blocked-by-snp"), { true, "", "", 31, 2, 29, 1, 31 } } },
        { "milan-snp-off", HEALTH_OK, "", {
                { true, "", "", 222, 1, 221, 32, 253 }, { true, "", "", 31, 1, 30, 1, 31 },
                NO("bios-memory-encryption-disabled") } },
        { "milan-snp-param-off", HEALTH_OK, "", {
                { true, "", "", 222, 0, 222, 32, 253 }, { true, "", "", 31, 1, 30, 1, 31 },
                NO("kernel-sev-snp-disabled psp-not-initialized") } },
        { "milan-bios-off", HEALTH_DEGRADED, "libvirt-unavailable", {
                NO("bios-memory-encryption-disabled"), NO("bios-memory-encryption-disabled"),
                NO("bios-memory-encryption-disabled") } },
        { "milan-no-kvm-amd", HEALTH_DEGRADED, "libvirt-unavailable", {
                NO("kvm-amd-not-loaded"), NO("kvm-amd-not-loaded es-blocked-by-snp"), NO("kvm-amd-not-loaded") } },
        { "milan-old-libvirt", HEALTH_OK, "", {
                { true, "", "", 222, 1, 221, 32, 253 }, NO("es-blocked-by-snp"),
                NO("libvirt-snp-unsupported qemu-too-old") } },
        { "milan-no-snp-firmware", HEALTH_OK, "", {
                { true, "", "", 222, 1, 221, 32, 253 }, NO("es-blocked-by-snp firmware-missing"),
                NO("firmware-missing") } },
        { "milan-psp-uninit", HEALTH_DEGRADED, "libvirt-unavailable", {
                NO("psp-not-initialized kernel-sev-disabled"), NO("kernel-sev-disabled"),
                NO("bios-memory-encryption-disabled") } },
        { "milan-misc-disagree", HEALTH_OK, "", {
                { true, "", "slots-disagree", 200, 1, 199, 32, 253 }, { true, "", "", 31, 0, 31, 1, 31 },
                NO("bios-memory-encryption-disabled") } },
        { "milan-fw-old", HEALTH_OK, "", {
                { true, "", "", 222, 0, 222, 32, 253 }, { true, "", "", 31, 1, 30, 1, 31 },
                NO("sev-firmware-too-old kernel-sev-snp-disabled psp-not-initialized") } },
        { "milan-es-conflict", HEALTH_CONFLICT, "", {
                NO("conflicting-guests"), NO("es-blocked-by-snp conflicting-guests"), NO("conflicting-guests") } },
        { "milan-snp-full", HEALTH_OK, "", {
                { true, "", "", 222, 0, 222, 32, 253 }, NO("es-blocked-by-snp"), { true, "", "", 31, 31, 0, 1, 31 } } },
        { "milan-attest", HEALTH_OK, "", {
                { true, "", "", 222, 2, 220, 32, 253 }, { true, "", "", 31, 2, 29, 1, 31 },
                NO("bios-memory-encryption-disabled") } },
        { "milan-snp-attest", HEALTH_OK, "", {
                { true, "", "", 222, 1, 221, 32, 253 }, NO("es-blocked-by-snp"), { true, "", "", 31, 2, 29, 1, 31 } } },
        { "this-machine-guest", HEALTH_OK, "", {
                NO("running-in-guest"), NO("running-in-guest"), NO("running-in-guest") } },
};

static int compare_strings(gconstpointer a, gconstpointer b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static char *codes_of(const ModelVerdict *mv, Severity sev, const char *allowed) {
        g_autoptr(GPtrArray) codes = g_ptr_array_new();
        g_auto(GStrv) skip = g_strsplit(allowed, " ", -1);

        for (guint i = 0; i < mv->reasons->len; i++) {
                const Reason *r = mv->reasons->pdata[i];
                if (r->severity == sev && !g_strv_contains((const char *const *) skip, r->code))
                        g_ptr_array_add(codes, r->code);
        }
        g_ptr_array_sort(codes, compare_strings);
        g_ptr_array_add(codes, NULL);
        return g_strjoinv(" ", (char **) codes->pdata);
}

static char *sorted(const char *codes) {
        g_auto(GStrv) v = g_strsplit(codes, " ", -1);
        g_autoptr(GPtrArray) a = g_ptr_array_new();
        for (char **c = v; *c; c++)
                if (**c)
                        g_ptr_array_add(a, *c);
        g_ptr_array_sort(a, compare_strings);
        g_ptr_array_add(a, NULL);
        return g_strjoinv(" ", (char **) a->pdata);
}

static void assert_model(const HostCase *hc, Model m, const ModelVerdict *mv) {
        const Expect *x = &hc->m[m];
        g_autofree char *errors = codes_of(mv, SEVERITY_ERROR, hc->allowed);
        g_autofree char *warnings = codes_of(mv, SEVERITY_WARNING, "");
        g_autofree char *want_errors = sorted(x->errors), *want_warnings = sorted(x->warnings);

        if (mv->usable != x->usable || !g_str_equal(errors, want_errors) || !g_str_equal(warnings, want_warnings))
                fail_msg("%s %s: usable %d errors [%s] warnings [%s]; expected usable %d errors [%s] warnings [%s]",
                         hc->host, model_name(m), mv->usable, errors, warnings, x->usable, want_errors, want_warnings);
        for (guint i = 0; i < mv->reasons->len; i++) {
                const Reason *r = mv->reasons->pdata[i];
                if (!*r->message || !*r->hint)
                        fail_msg("%s %s: reason %s lacks a message or a hint", hc->host, model_name(m), r->code);
        }
        if (x->usable && (mv->slots_total != x->total || mv->slots_used != x->used || mv->slots_free != x->free_))
                fail_msg("%s %s: slots %u/%u/%u, expected %u/%u/%u", hc->host, model_name(m), mv->slots_total,
                         mv->slots_used, mv->slots_free, x->total, x->used, x->free_);
        /* A model not offered has no slots on any face; an offered one never shows more used than total
         * (issue 16 item 8: SEV-ES on an SNP host showed total 0, used 2). */
        if (!x->usable && (mv->slots_total || mv->slots_used || mv->slots_free))
                fail_msg("%s %s is not usable but shows slots %u/%u/%u", hc->host, model_name(m), mv->slots_total,
                         mv->slots_used, mv->slots_free);
        if (mv->slots_used > mv->slots_total || mv->slots_free != mv->slots_total - mv->slots_used)
                fail_msg("%s %s: slots %u/%u/%u do not add up", hc->host, model_name(m), mv->slots_total,
                         mv->slots_used, mv->slots_free);
        if (x->last && (mv->asid_first != x->first || mv->asid_last != x->last))
                fail_msg("%s %s: ASIDs %u-%u, expected %u-%u", hc->host, model_name(m), mv->asid_first,
                         mv->asid_last, x->first, x->last);
}

/* Usable means every layer passed: never a yes from CPUID alone. */
static void assert_usable_has_evidence(const HostCase *hc, const HostVerdict *v, Model m) {
        const char *layers[] = { "cpuid", "bios", "asids", "kvm-param", "firmware", "libvirt", "qemu" };

        if (!v->models[m].usable)
                return;
        for (size_t i = 0; i < G_N_ELEMENTS(layers); i++) {
                g_autofree char *id = g_strdup_printf("%s-%s", layers[i], model_name(m));
                const Check *c = host_verdict_find_check(v, id);
                if (!c || (c->status != CHECK_PASS && c->status != CHECK_WARN))
                        fail_msg("%s %s is usable but check %s is %s", hc->host, model_name(m), id,
                                 c ? check_status_to_string(c->status) : "missing");
        }
        assert_int_equal(host_verdict_find_check(v, "psp-device")->status, CHECK_PASS);
}

static void test_host(void **state) {
        const HostCase *hc = *state;
        g_autofree char *root = host_fixture(hc->host);
        ProbeOptions opts = { .root = root };
        MemcryptConfig cfg;
        HostFacts f;

        memcrypt_config_init(&cfg);
        host_facts_init(&f);
        probe_host(&opts, &f);
        g_autoptr(HostVerdict) v = host_verdict_new(&f, &cfg);

        if (v->health != hc->health)
                fail_msg("%s: health %s (%s), expected %s", hc->host, health_to_string(v->health), v->health_message,
                         health_to_string(hc->health));
        /* The guest snapshot keeps this machine's real host name. */
        if (!g_str_equal(hc->host, "this-machine-guest"))
                assert_string_equal(v->node, hc->host);
        for (Model m = 0; m < _MODEL_MAX; m++) {
                assert_model(hc, m, &v->models[m]);
                assert_usable_has_evidence(hc, v, m);
        }
        host_facts_clear(&f);
        memcrypt_config_clear(&cfg);
}

/* Every directory under tests/fixtures/hosts has a case here, so no host goes untested. */
static void test_every_host_has_a_case(void **state) {
        g_autoptr(GDir) d = g_dir_open(test_env("MEMCRYPT_HOSTS_DIR"), 0, NULL);
        const char *name;
        unsigned n = 0;

        assert_non_null(d);
        while ((name = g_dir_read_name(d))) {
                g_autofree char *path = host_fixture(name);
                bool found = false;
                if (!g_file_test(path, G_FILE_TEST_IS_DIR))
                        continue;
                for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
                        found |= g_str_equal(cases[i].host, name);
                if (!found)
                        fail_msg("host %s has no expected verdict in test-hosts.c", name);
                n++;
        }
        assert_true(n >= 12);
}

int main(void) {
        struct CMUnitTest tests[G_N_ELEMENTS(cases) + 1];

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
                tests[i] = (struct CMUnitTest) { cases[i].host, test_host, NULL, NULL, (void *) &cases[i] };
        tests[G_N_ELEMENTS(cases)] = (struct CMUnitTest) cmocka_unit_test(test_every_host_has_a_case);
        return _cmocka_run_group_tests("hosts", tests, G_N_ELEMENTS(tests), NULL, NULL);
}
