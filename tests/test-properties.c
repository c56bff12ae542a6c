/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bus property values and change detection, without a bus. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test-context.h"

typedef struct {
        char *root;
        Context *context;
} Fixture;

static int setup(void **state) {
        Fixture *fx = g_new0(Fixture, 1);

        fx->context = test_context_on_copy("milan-snp", &fx->root);
        *state = fx;
        return 0;
}

static int teardown(void **state) {
        Fixture *fx = *state;

        context_free(fx->context);
        test_rmtree(fx->root);
        g_free(fx->root);
        g_free(fx);
        return 0;
}

/* P's value (a PROPERTY_EXPLICIT one has none: the bus writes it from the domain table). */
static GVariant *manager(Fixture *fx, ManagerProperty p) {
        assert_int_not_equal(manager_property_info[p].change, PROPERTY_EXPLICIT);
        return fx->context->values.manager[p];
}

/* "a,b": the encrypted guests' names in the state's table, in its order (what EncryptedDomains lists). */
static char *encrypted_names(Fixture *fx) {
        g_autoptr(GPtrArray) list = g_ptr_array_new();
        DomainTableIter it;

        domain_table_iter_init(&it, fx->context->state->facts.libvirt.domains);
        for (const RunningDomain *d; (d = domain_table_iter_next(&it));)
                if (d->model != MODEL_NONE)
                        g_ptr_array_add(list, d->name);
        g_ptr_array_add(list, NULL);
        return g_strjoinv(",", (char **) list->pdata);
}

static GVariant *model(Fixture *fx, Model m, ModelProperty p) {
        return fx->context->values.models[m][p];
}

/* "A,B": the names in MASK that PropertiesChanged carries as KIND (PROPERTY_EMITS_CHANGE: with their
 * values; PROPERTY_EXPLICIT: invalidated). */
static char *names(uint64_t mask, const PropertyInfo *info, size_t n, PropertyChange kind) {
        g_autoptr(GPtrArray) list = g_ptr_array_new();

        for (size_t i = 0; i < n; i++)
                if ((mask & (UINT64_C(1) << i)) && info[i].change == kind)
                        g_ptr_array_add(list, (char *) info[i].name);
        g_ptr_array_add(list, NULL);
        return g_strjoinv(",", (char **) list->pdata);
}

static void assert_manager_names(uint64_t mask, PropertyChange kind, const char *expected) {
        g_autofree char *got = names(mask, manager_property_info, _MANAGER_PROPERTY_MAX, kind);
        assert_string_equal(got, expected);
}

static void assert_model_names(uint64_t mask, const char *expected) {
        g_autofree char *got = names(mask, model_property_info, _MODEL_PROPERTY_MAX, PROPERTY_EMITS_CHANGE);
        assert_string_equal(got, expected);
}

static void test_every_value_has_its_signature(void **state) {
        Fixture *fx = *state;

        for (int i = 0; i < _MANAGER_PROPERTY_MAX; i++) {
                if (manager_property_info[i].change == PROPERTY_EXPLICIT)
                        continue;       /* written from the domain table by the bus: test-bus reads it */
                assert_non_null(manager(fx, i));
                assert_string_equal(g_variant_get_type_string(manager(fx, i)), manager_property_info[i].signature);
        }
        for (Model m = 0; m < _MODEL_MAX; m++)
                for (int i = 0; i < _MODEL_PROPERTY_MAX; i++) {
                        assert_non_null(model(fx, m, i));
                        assert_string_equal(g_variant_get_type_string(model(fx, m, i)),
                                            model_property_info[i].signature);
                }
}

/* "ResourceProvider" -> "resource_provider". */
static char *snake_case(const char *name) {
        GString *s = g_string_new(NULL);

        for (const char *c = name; *c; c++) {
                if (g_ascii_isupper(*c) && c != name)
                        g_string_append_c(s, '_');
                g_string_append_c(s, g_ascii_tolower(*c));
        }
        return g_string_free(s, false);
}

/* common/schema.h: the report places every Model property once, under a member of its own named
 * as docs/design.md ("JSON report") says: the property's name in snake case, "model" for Name. */
static void test_schema_json_order(void **state) {
        bool seen[_MODEL_PROPERTY_MAX] = {};
        g_autoptr(GHashTable) members = g_hash_table_new(g_str_hash, g_str_equal);

        for (size_t i = 0; i < G_N_ELEMENTS(model_json_order); i++) {
                ModelProperty p = model_json_order[i];

                assert_true(p < _MODEL_PROPERTY_MAX);
                assert_false(seen[p]);
                seen[p] = true;
                assert_non_null(model_property_info[p].json);
                assert_true(g_hash_table_add(members, (gpointer) model_property_info[p].json));
                g_autofree char *snake = snake_case(model_property_info[p].name);
                assert_string_equal(model_property_info[p].json, p == MODEL_PROP_NAME ? "model" : snake);
        }
}

static void test_values_of_milan_snp(void **state) {
        Fixture *fx = *state;
        g_autofree char *usable = g_variant_print(manager(fx, MANAGER_USABLE_MODELS), false);

        assert_string_equal(g_variant_get_string(manager(fx, MANAGER_HEALTH), NULL), "ok");
        assert_string_equal(usable, "['amd-sev', 'amd-sev-snp']");
        assert_string_equal(g_variant_get_string(manager(fx, MANAGER_CPU_GENERATION), NULL), "milan");
        assert_int_equal(g_variant_get_uint32(manager(fx, MANAGER_RUNNING_DOMAINS)), 3);
        assert_int_equal(g_variant_get_uint32(model(fx, MODEL_SEV_SNP, MODEL_PROP_SLOTS_TOTAL)), 31);
        assert_int_equal(g_variant_get_uint32(model(fx, MODEL_SEV_SNP, MODEL_PROP_SLOTS_USED)), 2);
        assert_int_equal(g_variant_get_uint64(model(fx, MODEL_SEV_SNP, MODEL_PROP_DEFAULT_POLICY)), 0x30000);
        /* milan-snp runs one SEV guest and two SNP guests */
        assert_int_equal(g_variant_get_uint32(model(fx, MODEL_SEV, MODEL_PROP_RUNNING_DOMAINS)), 1);
        assert_int_equal(g_variant_get_uint32(model(fx, MODEL_SEV_ES, MODEL_PROP_RUNNING_DOMAINS)), 0);
        assert_int_equal(g_variant_get_uint32(model(fx, MODEL_SEV_SNP, MODEL_PROP_RUNNING_DOMAINS)), 2);
        assert_false(g_variant_get_boolean(model(fx, MODEL_SEV_ES, MODEL_PROP_USABLE)));
        assert_int_equal(g_variant_n_children(model(fx, MODEL_SEV_ES, MODEL_PROP_REASONS)), 1);
        assert_string_equal(g_variant_get_string(model(fx, MODEL_SEV_ES, MODEL_PROP_TRAIT), NULL),
                            "HW_CPU_X86_AMD_SEV_ES");
}

/* CpuCapable: milan-snp withholds SEV-ES beside SNP, yet its CPU can run all three; a Naples CPU
 * runs SEV alone, so no configuration makes SEV-ES or SEV-SNP usable there. */
static void test_cpu_capable(void **state) {
        Fixture *fx = *state;
        g_autofree char *root = NULL;

        assert_false(g_variant_get_boolean(model(fx, MODEL_SEV_ES, MODEL_PROP_USABLE)));
        for (Model m = 0; m < _MODEL_MAX; m++)
                assert_true(g_variant_get_boolean(model(fx, m, MODEL_PROP_CPU_CAPABLE)));

        Context *naples = test_context_on_copy("naples-sev", &root);
        assert_true(g_variant_get_boolean(naples->values.models[MODEL_SEV][MODEL_PROP_CPU_CAPABLE]));
        assert_false(g_variant_get_boolean(naples->values.models[MODEL_SEV_ES][MODEL_PROP_CPU_CAPABLE]));
        assert_false(g_variant_get_boolean(naples->values.models[MODEL_SEV_SNP][MODEL_PROP_CPU_CAPABLE]));
        context_free(naples);
        test_rmtree(root);
}

static void test_refresh_of_unchanged_host_changes_nothing_signalled(void **state) {
        Fixture *fx = *state;
        g_autofree char *list = encrypted_names(fx);
        ChangeSet changes;

        context_refresh(fx->context, &changes);
        /* No guest came or went: no guest signal, the list is not invalidated, and it is the same. */
        assert_int_equal(fx->context->domain_events->len, 0);
        g_autofree char *again = encrypted_names(fx);
        assert_string_equal(again, list);
        assert_manager_names(changes.manager, PROPERTY_EMITS_CHANGE, "");
        assert_manager_names(changes.manager, PROPERTY_EXPLICIT, "");
        for (Model m = 0; m < _MODEL_MAX; m++)
                assert_int_equal(changes.models[m], 0);
}

static void test_stopped_guest_changes_exactly_its_slots(void **state) {
        Fixture *fx = *state;
        g_autofree char *domain = g_build_filename(fx->root, "libvirt/domains/snp-guest-2.xml", NULL);
        ChangeSet changes;

        const char *before = context_describe_cached(fx->context);

        assert_non_null(strstr(before, "snp-guest-2"));
        assert_ptr_equal(context_describe_cached(fx->context), before);        /* built once */
        assert_int_equal(g_unlink(domain), 0);
        test_write(fx->root, "sys/fs/cgroup/misc.current", "sev 1\nsev_es 1\n");
        context_refresh(fx->context, &changes);
        /* A new verdict: Describe's cached report is the new one. */
        g_autofree char *fresh = context_describe(fx->context, false);
        assert_string_equal(context_describe_cached(fx->context), fresh);
        assert_null(strstr(fresh, "snp-guest-2"));

        assert_manager_names(changes.manager, PROPERTY_EMITS_CHANGE, "RunningDomains");
        assert_manager_names(changes.manager, PROPERTY_EXPLICIT, "EncryptedDomains");
        /* One guest went: one event for its signal, and the list is built anew without it. */
        assert_int_equal(fx->context->domain_events->len, 1);
        const DomainEvent *e = fx->context->domain_events->pdata[0];
        assert_false(e->started);
        assert_string_equal(e->domain->name, "snp-guest-2");
        assert_int_equal(e->domain->model, MODEL_SEV_SNP);
        g_autofree char *list = encrypted_names(fx);
        assert_string_equal(list, "sev-guest-1,snp-guest-1");
        assert_int_equal(changes.models[MODEL_SEV], 0);
        /* SEV-ES and SEV-SNP share one ASID pool, but SEV-ES is withheld here: it has no slots to move. */
        assert_int_equal(changes.models[MODEL_SEV_ES], 0);
        assert_model_names(changes.models[MODEL_SEV_SNP], "SlotsUsed,SlotsFree,RunningDomains");
        assert_int_equal(g_variant_get_uint32(model(fx, MODEL_SEV_SNP, MODEL_PROP_SLOTS_FREE)), 30);
}

static void test_disabled_snp_changes_usability(void **state) {
        Fixture *fx = *state;
        ChangeSet changes;

        test_write(fx->root, "sys/module/kvm_amd/parameters/sev_snp", "N\n");
        context_refresh(fx->context, &changes);

        assert_true(changes.manager & (UINT64_C(1) << MANAGER_USABLE_MODELS));
        assert_true(changes.models[MODEL_SEV_SNP] & (UINT64_C(1) << MODEL_PROP_USABLE));
        assert_true(changes.models[MODEL_SEV_SNP] & (UINT64_C(1) << MODEL_PROP_REASONS));
        assert_false(g_variant_get_boolean(model(fx, MODEL_SEV_SNP, MODEL_PROP_USABLE)));
}

/* A const property never changes, even when the files under a snapshot root do. */
static void test_const_values_keep_their_first_value(void **state) {
        Fixture *fx = *state;
        g_autofree char *rome = libvirt_fixture("x86_64-cpuid-EPYC-7502-32-Core.xml");
        g_autofree char *xml = test_read(rome);
        ChangeSet changes;

        test_write(fx->root, "cpuid.xml", xml);
        context_refresh(fx->context, &changes);

        assert_string_equal(g_variant_get_string(manager(fx, MANAGER_CPU_GENERATION), NULL), "milan");
        assert_false(changes.manager & (UINT64_C(1) << MANAGER_CPU_GENERATION));
        g_autofree char *signalled = names(UINT64_MAX, manager_property_info, _MANAGER_PROPERTY_MAX,
                                           PROPERTY_EMITS_CHANGE);
        assert_null(strstr(signalled, "CpuGeneration"));
        assert_null(strstr(signalled, "LastRefresh"));
        assert_non_null(strstr(signalled, "Health"));
}

/* Bus strings must be UTF-8 (sd-bus drops the connection otherwise): a node
 * name that is not is repaired, not sent raw. */
static void test_invalid_utf8_is_repaired(void **state) {
        Fixture *fx = *state;
        ContextOptions o = { .config_path = "/dev/null", .root = fx->root, .node_name = "bad\xff" "name" };
        g_autofree char *error = NULL;

        Context *c = context_new(&o, &error);
        assert_non_null(c);
        const char *node = g_variant_get_string(c->values.manager[MANAGER_NODE_NAME], NULL);
        assert_true(g_utf8_validate(node, -1, NULL));
        assert_non_null(strstr(node, "bad"));
        context_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_every_value_has_its_signature, setup, teardown),
                cmocka_unit_test(test_schema_json_order),
                cmocka_unit_test_setup_teardown(test_values_of_milan_snp, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cpu_capable, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refresh_of_unchanged_host_changes_nothing_signalled, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stopped_guest_changes_exactly_its_slots, setup, teardown),
                cmocka_unit_test_setup_teardown(test_disabled_snp_changes_usability, setup, teardown),
                cmocka_unit_test_setup_teardown(test_const_values_keep_their_first_value, setup, teardown),
                cmocka_unit_test_setup_teardown(test_invalid_utf8_is_repaired, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
