/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The JSON report's guest list (service/core/report.c, docs/design.md "JSON report"): it names at
 * most SCHEMA_REPORT_DOMAINS_MAX encrypted guests, the first by name, and always says how many
 * there are and whether it left some out, so Describe stays the same size with thousands of guests.
 */
#include <string.h>

#include "domain-table.h"
#include "probe.h"
#include "report.h"
#include "schema.h"
#include "test-util.h"

typedef struct {
        HostFacts f;
        MemcryptConfig cfg;
} Host;

/* milan-snp (one SEV guest, two SNP guests) plus ENCRYPTED more SEV guests and PLAIN guests without
 * <launchSecurity>, added in an order that is not the name order. */
static void host_load(Host *h, guint encrypted, guint plain) {
        g_autofree char *root = host_fixture("milan-snp");
        ProbeOptions opts = { .root = root };

        memcrypt_config_init(&h->cfg);
        host_facts_init(&h->f);
        probe_host(&opts, &h->f);
        assert_int_equal(domain_table_encrypted(h->f.libvirt.domains), 3);
        for (guint i = 0; i < encrypted + plain; i++) {
                guint k = (i * 7919u) % (encrypted + plain);       /* a permutation: 7919 is prime */
                RunningDomain *d = g_new0(RunningDomain, 1);

                d->name = g_strdup_printf("%s-%05u", k < encrypted ? "vm" : "plain", k);
                d->uuid = g_strdup_printf("00000000-0000-0000-0000-%012u", k);
                d->model = k < encrypted ? MODEL_SEV : MODEL_NONE;
                assert_true(domain_table_put(h->f.libvirt.domains, d, NULL));
        }
}

static void host_clear(Host *h) {
        host_facts_clear(&h->f);
        memcrypt_config_clear(&h->cfg);
}

static int compare_strings(gconstpointer a, gconstpointer b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The report of H, parsed back. */
static JsonObject *report_of(Host *h, JsonNode **keep) {
        g_autoptr(HostVerdict) v = host_verdict_new(&h->f, &h->cfg);
        g_autofree char *json = report_to_json(&h->f, v, false);
        g_autoptr(GError) error = NULL;

        *keep = json_from_string(json, &error);
        assert_non_null(*keep);
        return json_node_get_object(*keep);
}

/* The report's encrypted_domains[] against the encrypted guests' names sorted here: the first ones
 * by name, as many as the bound allows, with the counts. */
static void assert_guest_list(Host *h, guint expect_total) {
        g_autoptr(JsonNode) node = NULL;
        JsonObject *o = report_of(h, &node);
        JsonArray *list = json_object_get_array_member(o, "encrypted_domains");
        g_autoptr(GPtrArray) names = g_ptr_array_new();
        DomainTableIter it;
        guint listed = MIN(expect_total, SCHEMA_REPORT_DOMAINS_MAX);

        domain_table_iter_init(&it, h->f.libvirt.domains);
        for (const RunningDomain *d; (d = domain_table_iter_next(&it));)
                if (d->model != MODEL_NONE)
                        g_ptr_array_add(names, d->name);
        g_ptr_array_sort(names, compare_strings);
        assert_int_equal(names->len, expect_total);

        assert_int_equal(json_object_get_int_member(o, "encrypted_domains_total"), expect_total);
        assert_int_equal(json_object_get_boolean_member(o, "encrypted_domains_truncated"),
                         expect_total > SCHEMA_REPORT_DOMAINS_MAX);
        assert_int_equal(json_object_get_int_member(o, "running_domains"), domain_table_size(h->f.libvirt.domains));
        assert_int_equal(json_array_get_length(list), listed);
        for (guint i = 0; i < listed; i++) {
                JsonObject *e = json_array_get_object_element(list, i);

                assert_string_equal(json_object_get_string_member(e, "name"), names->pdata[i]);
                assert_int_equal(json_object_get_size(e), 3);   /* name, uuid, model: the element is unchanged */
                assert_true(json_object_has_member(e, "uuid") && json_object_has_member(e, "model"));
        }
}

/* (more encrypted guests, plain ones) beside milan-snp's three: a few, all listed; exactly the bound,
 * not truncated; 5,000 encrypted among 1,000 plain ones, the first 256 by name and the counts. */
static const guint cases[][2] = { { 0, 0 }, { SCHEMA_REPORT_DOMAINS_MAX - 3, 40 }, { 4997, 1000 } };

static void test_guest_list(void **state) {
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                Host h;

                host_load(&h, cases[i][0], cases[i][1]);
                assert_guest_list(&h, 3 + cases[i][0]);
                host_clear(&h);
        }
}

/* The report's size does not grow with the guests beyond the bound. */
static void test_size_bounded(void **state) {
        Host small, big;
        g_autoptr(HostVerdict) vs = NULL, vb = NULL;

        host_load(&small, SCHEMA_REPORT_DOMAINS_MAX, 0);
        host_load(&big, 20000, 0);
        vs = host_verdict_new(&small.f, &small.cfg);
        vb = host_verdict_new(&big.f, &big.cfg);
        g_autofree char *a = report_to_json(&small.f, vs, false);
        g_autofree char *b = report_to_json(&big.f, vb, false);
        /* The same guests listed (the first by name are the fixture's and vm-00000...), only the
         * total, the flag and the slot figures differ. */
        assert_true(strlen(b) < strlen(a) + 512);
        host_clear(&small);
        host_clear(&big);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_guest_list),
                cmocka_unit_test(test_size_bounded),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
