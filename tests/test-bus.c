/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's vtables over a socketpair: signals, authorization, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>

#include "bus-peer.h"
#include "bus-util.h"
#include "bus.h"
#include "context.h"
#include "error-map.h"
#include "memcrypt-errors.h"
#include "test-context.h"

typedef struct {
        char *root;
        Context *context;
        sd_bus *server;
        sd_bus *client;
        GThread *thread;
        GPtrArray *signals;      /* "path member arg..." lines seen by the client */
} Fixture;

/* How often defer_once() answered later, as polkit does. */
static unsigned deferred;

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Fixture *fx = userdata;
        GString *line = g_string_new(NULL);
        const char *s;

        g_string_append_printf(line, "%s %s", sd_bus_message_get_path(m), sd_bus_message_get_member(m));
        if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.Properties", "PropertiesChanged")) {
                assert_true(sd_bus_message_skip(m, "s") >= 0);
                assert_true(sd_bus_message_enter_container(m, 'a', "{sv}") >= 0);
                while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                        assert_true(sd_bus_message_read(m, "s", &s) >= 0);
                        g_string_append_printf(line, " %s", s);
                        assert_true(sd_bus_message_skip(m, "v") >= 0);
                        assert_true(sd_bus_message_exit_container(m) >= 0);
                }
                assert_true(sd_bus_message_exit_container(m) >= 0);
                assert_true(sd_bus_message_enter_container(m, 'a', "s") >= 0);
                if (sd_bus_message_read(m, "s", &s) > 0) {
                        g_string_append_printf(line, " invalidated: %s", s);
                        while (sd_bus_message_read(m, "s", &s) > 0)
                                g_string_append_printf(line, " %s", s);
                }
        } else {
                assert_true(sd_bus_message_enter_container(m, 'a', "s") >= 0);
                while (sd_bus_message_read(m, "s", &s) > 0)
                        g_string_append_printf(line, " %s", s);
        }
        g_ptr_array_add(fx->signals, g_string_free(line, false));
        return 0;
}

static int setup(void **state) {
        Fixture *fx = g_new0(Fixture, 1);

        memcrypt_error_map_register();
        fx->context = test_context_on_copy("milan-snp", &fx->root);
        fx->signals = g_ptr_array_new_with_free_func(g_free);
        test_serve_pair(fx->context, &fx->server, &fx->client, &fx->thread);
        assert_true(sd_bus_match_signal(fx->client, NULL, NULL, NULL, "org.freedesktop.DBus.Properties",
                                        "PropertiesChanged", on_signal, fx) >= 0);
        assert_true(sd_bus_match_signal(fx->client, NULL, NULL, MANAGER_PATH, MANAGER_INTERFACE,
                                        "CapabilitiesChanged", on_signal, fx) >= 0);
        *state = fx;
        return 0;
}

static int teardown(void **state) {
        Fixture *fx = *state;

        test_stop_pair(fx->server, fx->client, fx->thread);
        deferred = 0;
        context_free(fx->context);
        test_rmtree(fx->root);
        g_free(fx->root);
        g_ptr_array_unref(fx->signals);
        g_free(fx);
        return 0;
}

/* Signals sent before a method reply are queued by the time the call returns. */
static void drain(Fixture *fx) {
        while (sd_bus_process(fx->client, NULL) > 0)
                ;
}

static int call(Fixture *fx, const char *method, sd_bus_error *error) {
        return sd_bus_call_method(fx->client, NULL, MANAGER_PATH, MANAGER_INTERFACE, method, error, NULL, "");
}

static uint32_t snp_slots_used(Fixture *fx) {
        g_autofree char *path = model_object_path(MODEL_SEV_SNP);
        uint32_t v = 0;

        assert_int_equal(sd_bus_get_property_trivial(fx->client, NULL, path, MODEL_INTERFACE, "SlotsUsed", NULL,
                                                     'u', &v), 0);
        return v;
}

/* Each of INFO's N properties of PATH as Get answers it, printed by sd_bus_message_dump() (Get, not
 * GetAll: the explicit ones too). */
static GPtrArray *read_values(Fixture *fx, const char *path, const char *interface, const PropertyInfo *info,
                              size_t n) {
        GPtrArray *values = g_ptr_array_new_with_free_func(free);

        for (size_t i = 0; i < n; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                char *text = NULL;
                size_t size = 0;
                FILE *f = open_memstream(&text, &size);

                assert_non_null(f);
                assert_true(sd_bus_get_property(fx->client, NULL, path, interface, info[i].name, NULL, &reply,
                                                info[i].signature) >= 0);
                assert_true(sd_bus_message_dump(reply, f, 0) >= 0);
                assert_int_equal(fclose(f), 0);
                g_ptr_array_add(values, text);
        }
        return values;
}

/* The PropertiesChanged line on_signal() must have seen for PATH, from its values before and after:
 * the signalled properties (common/schema.h) whose value differs, in the interface's order, then
 * the explicit ones that differ as invalidated; NULL when none differs. */
static char *expected_change(const char *path, const PropertyInfo *info, size_t n, GPtrArray *before,
                             GPtrArray *after) {
        g_autoptr(GString) line = g_string_new(path);
        bool any = false, invalidated = false;

        g_string_append(line, " PropertiesChanged");
        for (size_t i = 0; i < n; i++)
                if (info[i].change == PROPERTY_EMITS_CHANGE && !g_str_equal(before->pdata[i], after->pdata[i])) {
                        g_string_append_printf(line, " %s", info[i].name);
                        any = true;
                }
        for (size_t i = 0; i < n; i++)
                if (info[i].change == PROPERTY_EXPLICIT && !g_str_equal(before->pdata[i], after->pdata[i])) {
                        g_string_append_printf(line, invalidated ? " %s" : " invalidated: %s", info[i].name);
                        any = invalidated = true;
                }
        return any ? g_strdup(line->str) : NULL;
}

typedef struct {
        GPtrArray *manager;
        GPtrArray *models[_MODEL_MAX];
} Values;

static void read_all(Fixture *fx, Values *v) {
        v->manager = read_values(fx, MANAGER_PATH, MANAGER_INTERFACE, manager_property_info, _MANAGER_PROPERTY_MAX);
        for (Model m = 0; m < _MODEL_MAX; m++) {
                g_autofree char *path = model_object_path(m);
                v->models[m] = read_values(fx, path, MODEL_INTERFACE, model_property_info, _MODEL_PROPERTY_MAX);
        }
}

static void values_clear(Values *v) {
        g_ptr_array_unref(v->manager);
        for (Model m = 0; m < _MODEL_MAX; m++)
                g_ptr_array_unref(v->models[m]);
}

/* The signals a refresh between BEFORE and AFTER must send, in order: the Manager's
 * PropertiesChanged, each model's, then CapabilitiesChanged naming the models that changed. */
static GPtrArray *expected_signals(Values *before, Values *after) {
        GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GString) caps = g_string_new(MANAGER_PATH " CapabilitiesChanged");
        char *line;

        if ((line = expected_change(MANAGER_PATH, manager_property_info, _MANAGER_PROPERTY_MAX, before->manager,
                                    after->manager)))
                g_ptr_array_add(lines, line);
        for (Model m = 0; m < _MODEL_MAX; m++) {
                g_autofree char *path = model_object_path(m);
                if ((line = expected_change(path, model_property_info, _MODEL_PROPERTY_MAX, before->models[m],
                                            after->models[m]))) {
                        g_ptr_array_add(lines, line);
                        g_string_append_printf(caps, " %s", model_name(m));
                }
        }
        if (!g_str_equal(caps->str, MANAGER_PATH " CapabilitiesChanged"))
                g_ptr_array_add(lines, g_strdup(caps->str));
        return lines;
}

/* A guest stops: the signals name exactly the properties whose value moved (every one of them,
 * read before and after with Get), each object once, CapabilitiesChanged last. */
static void test_refresh_signals_what_changed(void **state) {
        Fixture *fx = *state;
        g_autofree char *domain = g_build_filename(fx->root, "libvirt/domains/snp-guest-2.xml", NULL);
        Values before, after;

        assert_int_equal(snp_slots_used(fx), 2);
        read_all(fx, &before);
        assert_int_equal(g_unlink(domain), 0);
        test_write(fx->root, "sys/fs/cgroup/misc.current", "sev 1\nsev_es 1\n");
        assert_true(call(fx, "Refresh", NULL) >= 0);
        drain(fx);
        read_all(fx, &after);
        /* The change is real: SEV-SNP lost a guest's slot. */
        assert_int_equal(snp_slots_used(fx), 1);

        g_autoptr(GPtrArray) want = expected_signals(&before, &after);
        /* SEV-ES is withheld on this SNP host: it has no slots, so only SEV-SNP's move; EncryptedDomains
         * grows with the host, so it is named as invalidated, without its value. */
        assert_int_equal(want->len, 3);
        assert_non_null(strstr(want->pdata[0], " invalidated: EncryptedDomains"));
        assert_true(g_str_has_prefix(want->pdata[1], "/org/memcrypt1/model/amd_sev_snp PropertiesChanged "));
        assert_non_null(strstr(want->pdata[1], " SlotsUsed"));
        assert_int_equal(fx->signals->len, want->len);
        for (guint i = 0; i < want->len; i++)
                assert_string_equal(fx->signals->pdata[i], want->pdata[i]);
        values_clear(&before);
        values_clear(&after);
}

static void test_refresh_without_change_is_silent(void **state) {
        Fixture *fx = *state;

        assert_true(call(fx, "Refresh", NULL) >= 0);
        drain(fx);
        assert_int_equal(fx->signals->len, 0);
}

static bool deny(AuthQuery *q, void *userdata) {
        auth_query_refuse(q, API_NOT_AUTHORIZED, "denied %s by the test", q->action);
        return true;
}

static void test_refused_refresh_changes_nothing(void **state) {
        Fixture *fx = *state;
        g_autofree char *domain = g_build_filename(fx->root, "libvirt/domains/snp-guest-2.xml", NULL);
        sd_bus_error error = SD_BUS_ERROR_NULL;

        bus_set_authorizer(fx->context, deny, NULL);
        assert_int_equal(g_unlink(domain), 0);
        test_write(fx->root, "sys/fs/cgroup/misc.current", "sev 1\nsev_es 1\n");
        assert_int_equal(call(fx, "Refresh", &error), -EACCES);
        assert_string_equal(error.name, MEMCRYPT_ERROR_NOT_AUTHORIZED);
        assert_non_null(strstr(error.message, "org.memcrypt1.refresh"));
        sd_bus_error_free(&error);
        drain(fx);
        assert_int_equal(fx->signals->len, 0);
        assert_int_equal(snp_slots_used(fx), 2);
}

/* Mimics polkit answering later: the handler must not reply on the first
 * dispatch and must finish when the same message comes round again. */
static bool defer_once(AuthQuery *q, void *userdata) {
        deferred++;
        auth_query_allow(q);
        return false;   /* a later answer: the call is dispatched again */
}

static void test_deferred_authorization_completes_the_call(void **state) {
        Fixture *fx = *state;
        g_autofree char *domain = g_build_filename(fx->root, "libvirt/domains/snp-guest-2.xml", NULL);

        bus_set_authorizer(fx->context, defer_once, NULL);
        assert_int_equal(g_unlink(domain), 0);
        test_write(fx->root, "sys/fs/cgroup/misc.current", "sev 1\nsev_es 1\n");
        assert_true(call(fx, "Refresh", NULL) >= 0);
        assert_int_equal(deferred, 1);
        assert_int_equal(snp_slots_used(fx), 1);
}

static void test_get_model(void **state) {
        Fixture *fx = *state;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *longname = g_strnfill(10000, 'x');
        const char *path;

        assert_true(sd_bus_call_method(fx->client, NULL, MANAGER_PATH, MANAGER_INTERFACE, "GetModel", NULL,
                                       &reply, "s", "amd-sev-es") >= 0);
        assert_true(sd_bus_message_read(reply, "o", &path) >= 0);
        assert_string_equal(path, "/org/memcrypt1/model/amd_sev_es");

        assert_int_equal(sd_bus_call_method(fx->client, NULL, MANAGER_PATH, MANAGER_INTERFACE, "GetModel",
                                            &error, NULL, "s", longname), -ENOENT);
        assert_string_equal(error.name, MEMCRYPT_ERROR_UNKNOWN_MODEL);
        assert_true(strlen(error.message) < 200);
        assert_non_null(strstr(error.message, "amd-sev-snp"));
        sd_bus_error_free(&error);
}

/* The bus side of the guest-request methods: argument reading, caps, reply shapes, error names. */
static void test_request_methods(void **state) {
        Fixture *fx = *state;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *resolved = NULL, *generated = NULL, *findings = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *model, *resource, *trait, *xml;
        uint32_t amount;

        assert_true(sd_bus_call_method(fx->client, NULL, MANAGER_PATH, MANAGER_INTERFACE, "ResolveRequest", NULL,
                                       &resolved, "a{ss}a{ss}", 1, "hw:mem_encryption", "yes", 1,
                                       "hw_firmware_type", "uefi") >= 0);
        assert_true(sd_bus_message_read(resolved, "s", &model) > 0);
        assert_string_equal(model, "amd-sev");
        assert_true(sd_bus_message_read(resolved, "a{su}", 1, &resource, &amount) > 0);
        assert_string_equal(resource, "MEM_ENCRYPTION_CONTEXT");
        assert_int_equal(amount, 1);
        assert_true(sd_bus_message_read(resolved, "as", 1, &trait) > 0);
        assert_string_equal(trait, "HW_CPU_X86_AMD_SEV");

        assert_true(sd_bus_call_method(fx->client, NULL, MANAGER_PATH, MANAGER_INTERFACE, "GenerateLaunchSecurity",
                                       NULL, &generated, "sa{sv}", "amd-sev", 1, "policy", "u", 0x3) >= 0);
        assert_true(sd_bus_message_read(generated, "s", &xml) > 0);
        assert_non_null(strstr(xml, "<policy>0x0003</policy>"));

        assert_int_equal(sd_bus_call_method(fx->client, NULL, MANAGER_PATH, MANAGER_INTERFACE,
                                            "GenerateLaunchSecurity", &error, NULL, "sa{sv}", "amd-sev", 1, "policy",
                                            "as", 1, "0x33"), -EINVAL);
        assert_string_equal(error.name, MEMCRYPT_ERROR_INVALID_ARGUMENT);
        assert_non_null(strstr(error.message, "basic types"));
        sd_bus_error_free(&error);
        assert_int_equal(sd_bus_call_method(fx->client, NULL, MANAGER_PATH, MANAGER_INTERFACE,
                                            "GenerateLaunchSecurity", &error, NULL, "sa{sv}", "amd-tdx", 0), -ENOENT);
        assert_string_equal(error.name, MEMCRYPT_ERROR_UNKNOWN_MODEL);
        sd_bus_error_free(&error);
        assert_int_equal(sd_bus_call_method(fx->client, NULL, MANAGER_PATH, MANAGER_INTERFACE, "ConfigureDomain",
                                            &error, NULL, "ssa{sv}", "<network/>", "amd-sev", 0), -EBADMSG);
        assert_string_equal(error.name, MEMCRYPT_ERROR_INVALID_DOMAIN_XML);
        sd_bus_error_free(&error);

        assert_true(sd_bus_call_method(fx->client, NULL, MANAGER_PATH, MANAGER_INTERFACE, "ValidateDomain", NULL,
                                       &findings, "sa{sv}", "<domain type='kvm'/>", 0) >= 0);
        assert_true(sd_bus_message_enter_container(findings, 'a', "(ssss)") > 0);
        assert_true(sd_bus_message_skip(findings, "(ssss)") > 0);       /* at least one finding */
}

static void test_describe_and_doctor(void **state) {
        Fixture *fx = *state;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *describe = NULL, *doctor = NULL;
        g_autofree char *expected = context_describe(fx->context, false);
        const char *json, *id, *model, *category, *status, *message, *hint;
        const Check *first = fx->context->state->verdict->checks->pdata[0];
        unsigned n = 0;

        assert_true(sd_bus_call_method(fx->client, NULL, MANAGER_PATH, MANAGER_INTERFACE, "Describe", NULL,
                                       &describe, "") >= 0);
        assert_true(sd_bus_message_read(describe, "s", &json) >= 0);
        assert_string_equal(json, expected);

        assert_true(sd_bus_call_method(fx->client, NULL, MANAGER_PATH, MANAGER_INTERFACE, "Doctor", NULL,
                                       &doctor, "") >= 0);
        assert_true(sd_bus_message_enter_container(doctor, 'a', "(ssssss)") >= 0);
        while (sd_bus_message_read(doctor, "(ssssss)", &id, &model, &category, &status, &message, &hint) > 0) {
                if (n++ == 0) {
                        assert_string_equal(id, first->id);
                        assert_string_equal(status, check_status_to_string(first->status));
                }
        }
        assert_int_equal(n, fx->context->state->verdict->checks->len);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_refresh_signals_what_changed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refresh_without_change_is_silent, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refused_refresh_changes_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_deferred_authorization_completes_the_call, setup, teardown),
                cmocka_unit_test_setup_teardown(test_get_model, setup, teardown),
                cmocka_unit_test_setup_teardown(test_request_methods, setup, teardown),
                cmocka_unit_test_setup_teardown(test_describe_and_doctor, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
