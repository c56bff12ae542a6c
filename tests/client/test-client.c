/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmemcrypt against the daemon's real objects, without a bus daemon: one end
 * of a socketpair is served by bus_add_objects() on a Context of the milan-snp
 * test host (tests/fixtures/hosts/README.md) in a thread, the other end is a
 * MemcryptClient. Every property, method and error the library reads is
 * checked against that host's known verdict; the request and domain XML
 * methods with tests/fixtures/domains. Made-up services check what the
 * library does with a service that is not this one, and what it puts on the
 * wire.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "build-config.h"
#include "bus-peer.h"
#include "bus.h"
#include "error-map.h"
#include "memcrypt/memcrypt.h"
#include "report.h"
#include "test-context.h"

typedef struct {
        char *root;                     /* a private copy of the milan-snp host */
        Context *context;
        sd_bus *server;
        pthread_t thread;
        MemcryptClient *client;         /* the real library */

        /* The authorizer: refuse with this error when set. */
        ApiError deny;
        int saw_interactive;            /* -1: Refresh never asked */
} Fixture;

static bool test_authorize(AuthQuery *q, void *userdata) {
        Fixture *f = userdata;

        f->saw_interactive = q->caller.interactive;
        if (f->deny != API_OK)
                auth_query_refuse(q, f->deny, "refused by the test for %s", q->action);
        else
                auth_query_allow(q);
        return true;
}

/* The service's error whose D-Bus name is NAME; API_OK for none. */
static ApiError api_error_named(const char *name) {
        for (ApiError e = API_OK + 1; e < _API_ERROR_MAX; e++)
                if (g_str_has_prefix(name, MEMCRYPT_ERROR_PREFIX) &&
                    g_str_equal(name + strlen(MEMCRYPT_ERROR_PREFIX), api_error_name(e)))
                        return e;
        return API_OK;
}

/* Made-up services, for the property maps against a service that is not this one. */

static int get_fake(sd_bus *bus, const char *path, const char *interface, const char *property,
                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        if (strcmp(property, "Version") == 0)
                return sd_bus_message_append(reply, "s", "9.9.9");
        if (strcmp(property, "AsidCount") == 0 || strcmp(property, "CpuVendor") == 0)
                return sd_bus_message_append(reply, "u", 509);
        if (strcmp(property, "FutureDict") == 0)
                return sd_bus_message_append(reply, "a{sv}", 2, "a", "s", "x", "b", "(ii)", 1, 2);
        if (strcmp(property, "FutureStructs") == 0)
                return sd_bus_message_append(reply, "a(sss)", 1, "not", "a", "domain");
        if (strcmp(property, "Name") == 0)
                return sd_bus_message_append(reply, "s", "amd-sev");
        if (strcmp(property, "Reasons") == 0)
                return sd_bus_message_append(reply, "a(ssss)", 2, "c1", "error", "m1", "h1", "c2", "warning", "m2", "");
        return sd_bus_message_append(reply, "b", true);   /* Usable, FutureFlag */
}

static int fake_get_model(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(m, "o", MEMCRYPT_MODEL_PATH_PREFIX "amd_sev");
}

static const sd_bus_vtable grown_manager[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("FutureDict", "a{sv}", get_fake, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Version", "s", get_fake, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("FutureStructs", "a(sss)", get_fake, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("AsidCount", "u", get_fake, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("FutureFlag", "b", get_fake, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD("GetModel", "s", "o", fake_get_model, 0),
        SD_BUS_VTABLE_END
};

static const sd_bus_vtable grown_model[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", get_fake, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("FutureFlag", "b", get_fake, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Reasons", "a(ssss)", get_fake, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Usable", "b", get_fake, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_VTABLE_END
};

static const sd_bus_vtable retyped_manager[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", get_fake, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("CpuVendor", "u", get_fake, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_VTABLE_END
};

/* A service that answers the request methods with what it received, so the tests can see the
 * library's wire format (the a{sv} types above all) whatever the daemon makes of it. */

/* "key=value,key=value" of an a{ss} at the read position. */
static int echo_pairs(sd_bus_message *m, GString *out) {
        const char *k, *v;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{ss}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "{ss}", &k, &v)) > 0)
                g_string_append_printf(out, "%s%s=%s", out->len && out->str[out->len - 1] != ':' ? "," : "", k, v);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

/* " key=t:51 key=b:1 key=s:text" of an a{sv} at the read position. */
static int echo_options(sd_bus_message *m, GString *out) {
        const char *key, *contents;
        char type;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                union { uint64_t t; int b; const char *s; } v;

                assert_true(sd_bus_message_read_basic(m, 's', &key) >= 0);
                assert_true(sd_bus_message_peek_type(m, &type, &contents) >= 0);
                assert_true(sd_bus_message_enter_container(m, 'v', contents) >= 0);
                assert_true(sd_bus_message_read_basic(m, contents[0], &v) >= 0);
                if (contents[0] == 't')
                        g_string_append_printf(out, " %s=t:%" PRIu64, key, v.t);
                else if (contents[0] == 'b')
                        g_string_append_printf(out, " %s=b:%d", key, v.b);
                else
                        g_string_append_printf(out, " %s=%s:%s", key, contents, v.s);
                assert_true(sd_bus_message_exit_container(m) >= 0);
                assert_true(sd_bus_message_exit_container(m) >= 0);
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static int echo_resolve(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        g_autoptr(GString) model = g_string_new("flavor:");

        assert_true(echo_pairs(m, model) >= 0);
        g_string_append(model, ";image:");
        assert_true(echo_pairs(m, model) >= 0);
        return sd_bus_reply_method_return(m, "sa{su}as", model->str, 2, "MEM_ENCRYPTION_CONTEXT", 1, "OTHER", 7,
                                          2, "TRAIT_A", "TRAIT_B");
}

/* GenerateLaunchSecurity and ConfigureDomain: "ARG|ARG| options...". */
static int echo_xml(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        g_autoptr(GString) out = g_string_new(NULL);
        const char *arg;
        char type;

        while (sd_bus_message_peek_type(m, &type, NULL) > 0 && type == 's') {
                assert_true(sd_bus_message_read_basic(m, 's', &arg) > 0);
                g_string_append_printf(out, "%s|", arg);
        }
        assert_true(echo_options(m, out) >= 0);
        return sd_bus_reply_method_return(m, "s", out->str);
}

static int echo_validate(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        g_autoptr(GString) options = g_string_new(NULL);
        const char *xml;

        assert_true(sd_bus_message_read_basic(m, 's', &xml) >= 0);
        assert_true(echo_options(m, options) >= 0);
        if (strcmp(xml, "<fine/>") == 0)
                return sd_bus_reply_method_return(m, "a(ssss)", 0);
        return sd_bus_reply_method_return(m, "a(ssss)", 2, "error", "xml", "/domain", xml,
                                          "warning", "options", "/domain/devices", options->str);
}

static const sd_bus_vtable echo_manager[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("ResolveRequest", "a{ss}a{ss}", "sa{su}as", echo_resolve, 0),
        SD_BUS_METHOD("GenerateLaunchSecurity", "sa{sv}", "s", echo_xml, 0),
        SD_BUS_METHOD("ConfigureDomain", "ssa{sv}", "s", echo_xml, 0),
        SD_BUS_METHOD("ValidateDomain", "sa{sv}", "a(ssss)", echo_validate, 0),
        SD_BUS_VTABLE_END
};

/* What serves the socketpair: the daemon's objects on milan-snp, or a made-up service. */
typedef enum {
        SERVE_DAEMON,
        SERVE_GROWN,            /* a later service: more properties than the library knows */
        SERVE_RETYPED,          /* a service that changed a property's type */
        SERVE_ECHO,             /* the request methods answer with what they received */
} Serve;

static void add_fake_objects(Fixture *f, Serve serve) {
        if (serve == SERVE_ECHO)
                assert_int_equal(sd_bus_add_object_vtable(f->server, NULL, MEMCRYPT_MANAGER_PATH,
                                                          MEMCRYPT_MANAGER_INTERFACE, echo_manager, NULL), 0);
        else if (serve == SERVE_GROWN) {
                assert_int_equal(sd_bus_add_object_vtable(f->server, NULL, MEMCRYPT_MANAGER_PATH,
                                                          MEMCRYPT_MANAGER_INTERFACE, grown_manager, NULL), 0);
                assert_int_equal(sd_bus_add_object_vtable(f->server, NULL, MEMCRYPT_MODEL_PATH_PREFIX "amd_sev",
                                                          MEMCRYPT_MODEL_INTERFACE, grown_model, NULL), 0);
        } else
                assert_int_equal(sd_bus_add_object_vtable(f->server, NULL, MEMCRYPT_MANAGER_PATH,
                                                          MEMCRYPT_MANAGER_INTERFACE, retyped_manager, NULL), 0);
}

static void add_daemon_objects(Fixture *f) {
        /* A copy, so a test may change the host under the running service. The copy keeps
         * the host name (proc/sys/kernel/hostname), so the node is still milan-snp. */
        f->context = test_context_on_copy("milan-snp", &f->root);
        assert_int_equal(bus_add_objects(f->context, f->server), 0);
        bus_set_authorizer(f->context, test_authorize, f);
}

static int setup_common(void **state, Serve serve) {
        Fixture *f = g_new0(Fixture, 1);
        int fd;

        f->saw_interactive = -1;

        assert_int_equal(bus_peer_server_new(&f->server, &fd), 0);
        if (serve == SERVE_DAEMON)
                add_daemon_objects(f);
        else
                add_fake_objects(f, serve);
        assert_int_equal(pthread_create(&f->thread, NULL, bus_peer_serve, f->server), 0);

        assert_int_equal(memcrypt_client_open_fd(fd, &f->client), 0);

        *state = f;
        return 0;
}

static int setup(void **state) {
        return setup_common(state, SERVE_DAEMON);
}

static int setup_echo(void **state) {
        return setup_common(state, SERVE_ECHO);
}

static int setup_grown(void **state) {
        return setup_common(state, SERVE_GROWN);
}

static int setup_retyped(void **state) {
        return setup_common(state, SERVE_RETYPED);
}

static int teardown(void **state) {
        Fixture *f = *state;

        /* Hanging up ends the service thread. */
        f->client = memcrypt_client_free(f->client);
        assert_int_equal(pthread_join(f->thread, NULL), 0);
        sd_bus_flush_close_unref(f->server);
        if (f->context)
                context_free(f->context);
        if (f->root)
                test_rmtree(f->root);
        g_free(f->root);
        g_free(f);
        return 0;
}

static void assert_strv(char **l, const char *space_separated) {
        g_autofree char *joined = g_strjoinv(" ", l);

        assert_string_equal(joined, space_separated);
}

static void test_host_properties(void **state) {
        Fixture *f = *state;
        MemcryptHost *h = NULL;

        assert_int_equal(memcrypt_get_host(f->client, &h), 0);
        assert_null(memcrypt_client_error_name(f->client));

        assert_string_equal(h->version, MEMCRYPT_VERSION);
        assert_string_equal(h->node_name, "milan-snp");
        assert_string_equal(h->health, "ok");
        assert_string_equal(h->health_message, "");
        assert_strv(h->usable_models, "amd-sev amd-sev-snp");
        assert_string_equal(h->cpu_vendor, "AuthenticAMD");
        assert_string_equal(h->cpu_generation, "milan");
        assert_int_equal(h->cbit_position, 51);
        assert_int_equal(h->reduced_phys_bits, 4);
        assert_int_equal(h->asid_count, 253);
        assert_int_equal(h->min_sev_asid, 32);
        assert_string_equal(h->kernel_version, "6.12.12-amd64");
        assert_string_equal(h->libvirt_version, "10.10.0");
        assert_string_equal(h->qemu_version, "9.2.0");
        assert_string_equal(h->sev_firmware_version, "1.55.31");
        assert_true(h->libvirt_connected);
        assert_int_equal(h->running_domains, 3);
        assert_int_equal(h->last_refresh, f->context->last_refresh_usec);
        assert_true(h->last_refresh > 0);

        /* In the order of the fixture's domain files. */
        static const char *const domains[][3] = {
                { "sev-guest-1", "b009ca24-2c78-5bdf-bfb7-c050de1f8ad0", "amd-sev" },
                { "snp-guest-1", "e5b333cc-e5ed-5f9d-b6a3-22f575d4e58c", "amd-sev-snp" },
                { "snp-guest-2", "27e8532d-d791-5deb-8278-8b522d4ec404", "amd-sev-snp" },
        };
        assert_int_equal(h->n_encrypted_domains, G_N_ELEMENTS(domains));
        for (size_t i = 0; i < G_N_ELEMENTS(domains); i++) {
                assert_string_equal(h->encrypted_domains[i].name, domains[i][0]);
                assert_string_equal(h->encrypted_domains[i].uuid, domains[i][1]);
                assert_string_equal(h->encrypted_domains[i].model, domains[i][2]);
        }

        assert_null(memcrypt_host_free(h));
}

typedef struct {
        const char *name, *path_suffix, *trait;
        bool usable;
        const char *errors;
        uint32_t first, last, total, used, free_;
        uint64_t policy;
        const char *firmware;
} ModelExpect;

/* tests/fixtures/hosts/README.md: milan-snp is usable 222/1/221, no: es-blocked-by-snp, usable 31/2/29. */
static const ModelExpect model_expect[] = {
        { "amd-sev", "amd_sev", "HW_CPU_X86_AMD_SEV", true, "", 32, 253, 222, 1, 221, 0x0033,
          "/usr/share/OVMF/OVMF.amdsev.fd /usr/share/OVMF/OVMF_CODE.cc.fd /usr/share/OVMF/OVMF_CODE_4M.ms.fd "
          "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd /usr/share/OVMF/OVMF_CODE_4M.fd" },
        { "amd-sev-es", "amd_sev_es", "HW_CPU_X86_AMD_SEV_ES", false, "es-blocked-by-snp", 1, 31, 0, 0, 0, 0x0037,
          "/usr/share/OVMF/OVMF.amdsev.fd /usr/share/OVMF/OVMF_CODE.cc.fd" },
        { "amd-sev-snp", "amd_sev_snp", "HW_CPU_X86_AMD_SEV_SNP", true, "", 1, 31, 31, 2, 29, 0x00030000,
          "/usr/share/OVMF/OVMF.amdsev.fd" },
};

static void test_model_properties(void **state) {
        Fixture *f = *state;

        for (size_t i = 0; i < G_N_ELEMENTS(model_expect); i++) {
                const ModelExpect *e = &model_expect[i];
                const ModelVerdict *mv = &f->context->state->verdict->models[model_from_name(e->name)];
                g_autofree char *provider = g_strconcat("milan-snp_", e->path_suffix, NULL);
                g_autoptr(GString) codes = g_string_new(NULL);
                MemcryptModel *m = NULL;

                assert_string_equal(memcrypt_model_names[i], e->name);
                assert_int_equal(memcrypt_get_model(f->client, e->name, &m), 0);
                assert_string_equal(m->name, e->name);
                assert_int_equal(m->usable, e->usable);
                assert_string_equal(m->trait, e->trait);
                assert_string_equal(m->resource_provider, provider);
                assert_int_equal(m->asid_first, e->first);
                assert_int_equal(m->asid_last, e->last);
                assert_int_equal(m->slots_total, e->total);
                assert_int_equal(m->slots_used, e->used);
                assert_int_equal(m->slots_free, e->free_);
                assert_int_equal(m->default_policy, e->policy);
                assert_strv(m->firmware, e->firmware);

                /* The reasons are the verdict's, in its order, with every text intact. */
                assert_int_equal(m->n_reasons, mv->reasons->len);
                for (size_t r = 0; r < m->n_reasons; r++) {
                        const Reason *want = mv->reasons->pdata[r];

                        assert_string_equal(m->reasons[r].code, want->code);
                        assert_string_equal(m->reasons[r].severity, severity_to_string(want->severity));
                        assert_string_equal(m->reasons[r].message, want->message);
                        assert_string_equal(m->reasons[r].hint, want->hint ?: "");
                        assert_true(*m->reasons[r].message && *m->reasons[r].hint);
                        if (strcmp(m->reasons[r].severity, "error") == 0)
                                g_string_append_printf(codes, "%s%s", codes->len ? " " : "", m->reasons[r].code);
                }
                assert_string_equal(codes->str, e->errors);
                assert_null(memcrypt_model_free(m));
        }
}

static void test_model_paths(void **state) {
        Fixture *f = *state;

        for (size_t i = 0; i < G_N_ELEMENTS(model_expect); i++) {
                g_autofree char *want = g_strconcat(MEMCRYPT_MODEL_PATH_PREFIX, model_expect[i].path_suffix, NULL);
                char *path = NULL;

                assert_int_equal(memcrypt_get_model_path(f->client, model_expect[i].name, &path), 0);
                assert_string_equal(path, want);
                free(path);
        }
}

static void assert_unknown_model(MemcryptClient *c, int r) {
        assert_int_equal(r, -ENOENT);
        assert_string_equal(memcrypt_client_error_name(c), MEMCRYPT_ERROR_UNKNOWN_MODEL);
        assert_non_null(strstr(memcrypt_client_error_message(c), "'amd-sev-bogus'"));
}

static void test_unknown_model(void **state) {
        Fixture *f = *state;
        MemcryptModel *m = NULL;
        char *path = NULL;

        assert_unknown_model(f->client, memcrypt_get_model_path(f->client, "amd-sev-bogus", &path));
        assert_null(path);
        assert_unknown_model(f->client, memcrypt_get_model(f->client, "amd-sev-bogus", &m));
        assert_null(m);

        /* The error belongs to the failed call only. */
        assert_int_equal(memcrypt_get_model_path(f->client, "amd-sev", &path), 0);
        assert_null(memcrypt_client_error_name(f->client));
        assert_null(memcrypt_client_error_message(f->client));
        free(path);
}

static void test_describe(void **state) {
        Fixture *f = *state;
        g_autofree char *want = context_describe(f->context, false);
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonNode) node = NULL;
        char *json = NULL;
        JsonObject *root;
        JsonArray *models;

        assert_int_equal(memcrypt_describe(f->client, &json), 0);
        assert_string_equal(json, want);

        node = json_from_string(json, &error);
        assert_non_null(node);
        root = json_node_get_object(node);
        assert_string_equal(json_object_get_string_member(root, "node"), "milan-snp");
        assert_string_equal(json_object_get_string_member(root, "health"), "ok");
        models = json_object_get_array_member(root, "models");
        assert_int_equal(json_array_get_length(models), 3);
        for (guint i = 0; i < 3; i++) {
                JsonObject *m = json_array_get_object_element(models, i);

                assert_string_equal(json_object_get_string_member(m, "model"), model_expect[i].name);
                assert_int_equal(json_object_get_boolean_member(m, "usable"), model_expect[i].usable);
                assert_int_equal(json_object_get_int_member(m, "slots_free"), model_expect[i].free_);
        }
        assert_int_equal(json_array_get_length(json_object_get_array_member(root, "checks")),
                         f->context->state->verdict->checks->len);
        free(json);
}

static void test_doctor(void **state) {
        Fixture *f = *state;
        GPtrArray *want = f->context->state->verdict->checks;
        MemcryptCheck *checks = NULL;
        size_t n = 0;

        assert_int_equal(memcrypt_doctor(f->client, &checks, &n), 0);
        assert_int_equal(n, want->len);
        assert_true(n > 10);
        for (size_t i = 0; i < n; i++) {
                const Check *k = want->pdata[i];

                assert_string_equal(checks[i].id, k->id);
                assert_string_equal(checks[i].model, k->model ?: "");
                assert_string_equal(checks[i].category, check_category_to_string(k->category));
                assert_string_equal(checks[i].status, check_status_to_string(k->status));
                assert_string_equal(checks[i].message, k->message);
                assert_string_equal(checks[i].hint, k->hint ?: "");
        }
        assert_string_equal(checks[0].id, "cpu-vendor");
        assert_string_equal(checks[0].model, "");
        assert_string_equal(checks[0].status, "pass");
        memcrypt_checks_free(checks, n);
}

/* Every service error name reaches a caller as its name, its message and its errno.
 * The test's polkit hook refuses Refresh with each name in turn. */
static void test_error_map_round_trip(void **state) {
        Fixture *f = *state;
        size_t n = 0;

        for (const sd_bus_error_map *m = memcrypt_error_map; m->name; m++, n++) {
                g_autofree char *message = g_strdup_printf("refused by the test for %s", "org.memcrypt1.refresh");

                assert_int_equal(memcrypt_error_to_errno(m->name), -m->code);
                f->deny = api_error_named(m->name);
                assert_int_not_equal(f->deny, API_OK);
                assert_int_equal(memcrypt_refresh(f->client), -m->code);
                assert_string_equal(memcrypt_client_error_name(f->client), m->name);
                assert_string_equal(memcrypt_client_error_message(f->client), message);
        }
        /* Every row of common/errors.tsv (org.memcrypt1(5), ERRORS), and never fewer than the 17
         * errors before MeasurementUnavailable: names are never removed. A new row needs no edit here. */
        assert_int_equal(n, _API_ERROR_MAX - 1);
        assert_true(n >= 17);
        assert_int_equal(memcrypt_error_to_errno(MEMCRYPT_ERROR_NOT_AUTHORIZED), -EACCES);
        assert_int_equal(memcrypt_error_to_errno("org.memcrypt1.Error.FromTheFuture"), -EIO);
        assert_int_equal(memcrypt_error_to_errno(NULL), -EINVAL);

        f->deny = API_OK;
        assert_int_equal(memcrypt_refresh(f->client), 0);
        assert_null(memcrypt_client_error_name(f->client));
}

static void test_interactive_flag(void **state) {
        Fixture *f = *state;

        assert_int_equal(memcrypt_refresh(f->client), 0);
        assert_int_equal(f->saw_interactive, 0);
        memcrypt_client_set_interactive(f->client, true);
        assert_int_equal(memcrypt_refresh(f->client), 0);
        assert_int_equal(f->saw_interactive, 1);
        memcrypt_client_set_interactive(f->client, false);
        assert_int_equal(memcrypt_refresh(f->client), 0);
        assert_int_equal(f->saw_interactive, 0);
}

typedef struct {
        GPtrArray *lines;       /* "path interface member names..." */
        int stop_with;
} Seen;

static int collect(const MemcryptSignal *s, void *userdata) {
        Seen *seen = userdata;
        g_autofree char *names = g_strjoinv(" ", (char **) s->names);

        g_ptr_array_add(seen->lines, g_strdup_printf("%s %s %s %s", s->path, s->interface, s->member, names));
        return seen->stop_with;
}

static bool seen_line(const Seen *seen, const char *prefix, const char *name) {
        for (guint i = 0; i < seen->lines->len; i++) {
                const char *line = seen->lines->pdata[i];
                g_auto(GStrv) words = NULL;

                if (!g_str_has_prefix(line, prefix))
                        continue;
                words = g_strsplit(line, " ", -1);
                if (g_strv_contains((const char *const *) words, name))
                        return true;
        }
        return false;
}

/* The daemon's real change signals: take the SNP firmware descriptor away and refresh. */
static void test_refresh_signals(void **state) {
        Fixture *f = *state;
        Seen seen = { .lines = g_ptr_array_new_with_free_func(g_free) };
        g_autofree char *descriptor = g_build_filename(f->root, "usr/share/qemu/firmware/30-edk2-ovmf-amdsev.json", NULL);
        g_autofree char *saved = test_read(descriptor);
        MemcryptModel *m = NULL;

        assert_int_equal(memcrypt_monitor_run(f->client, 0), -EINVAL);   /* not started */
        assert_int_equal(memcrypt_monitor_start(f->client, collect, &seen), 0);

        assert_int_equal(memcrypt_refresh(f->client), 0);
        assert_int_equal(memcrypt_monitor_run(f->client, 0), 0);
        assert_int_equal(seen.lines->len, 0);   /* nothing changed, nothing said */

        assert_int_equal(g_unlink(descriptor), 0);
        assert_int_equal(memcrypt_refresh(f->client), 0);
        /* The signals precede the reply on the socket: they are queued already. */
        assert_int_equal(memcrypt_monitor_run(f->client, 0), 0);
        for (guint i = 0; i < seen.lines->len; i++)
                print_message("# %s\n", (char *) seen.lines->pdata[i]);

        assert_true(seen_line(&seen, "/org/memcrypt1 org.memcrypt1.Manager PropertiesChanged ", "UsableModels"));
        assert_true(seen_line(&seen, "/org/memcrypt1/model/amd_sev_snp org.memcrypt1.Model PropertiesChanged ", "Usable"));
        assert_true(seen_line(&seen, "/org/memcrypt1/model/amd_sev_snp org.memcrypt1.Model PropertiesChanged ", "Reasons"));
        /* Every model's Firmware list lost the descriptor, so all three changed. */
        assert_true(seen_line(&seen, "/org/memcrypt1/model/amd_sev org.memcrypt1.Model PropertiesChanged ", "Firmware"));
        assert_true(seen_line(&seen, "/org/memcrypt1 org.memcrypt1.Manager CapabilitiesChanged ", "amd-sev-snp"));
        assert_true(seen_line(&seen, "/org/memcrypt1 org.memcrypt1.Manager CapabilitiesChanged ", "amd-sev"));

        assert_int_equal(memcrypt_get_model(f->client, "amd-sev-snp", &m), 0);
        assert_false(m->usable);
        assert_string_equal(m->reasons[0].code, "firmware-missing");
        m = memcrypt_model_free(m);

        /* A callback's non-zero return stops the loop and is its result. */
        test_write(f->root, "usr/share/qemu/firmware/30-edk2-ovmf-amdsev.json", saved);
        seen.stop_with = 7;
        g_ptr_array_set_size(seen.lines, 0);
        assert_int_equal(memcrypt_refresh(f->client), 0);
        assert_int_equal(memcrypt_monitor_run(f->client, UINT64_MAX), 7);
        assert_int_equal(seen.lines->len, 1);

        g_ptr_array_unref(seen.lines);
}

static int collect_domain(const MemcryptDomainEvent *e, void *userdata) {
        g_ptr_array_add(userdata, g_strdup_printf("%s %s %s %s", e->started ? "started" : "stopped", e->name,
                                                  e->uuid, e->model));
        return 0;
}

/* A guest that goes (its snapshot file removed, then Refresh) reaches the domain callback once,
 * with its name, UUID and model, and never the generic one. */
static void test_domain_signals(void **state) {
        Fixture *f = *state;
        Seen seen = { .lines = g_ptr_array_new_with_free_func(g_free) };
        g_autoptr(GPtrArray) guests = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *domain = g_build_filename(f->root, "libvirt/domains/snp-guest-2.xml", NULL);

        assert_int_equal(memcrypt_monitor_domains(f->client, collect_domain, guests), -EINVAL);   /* not started */
        assert_int_equal(memcrypt_monitor_start(f->client, collect, &seen), 0);
        assert_int_equal(memcrypt_monitor_domains(f->client, collect_domain, guests), 0);
        assert_int_equal(g_unlink(domain), 0);
        assert_int_equal(memcrypt_refresh(f->client), 0);
        assert_int_equal(memcrypt_monitor_run(f->client, 0), 0);

        assert_int_equal(guests->len, 1);
        assert_non_null(strstr(guests->pdata[0], "stopped snp-guest-2 "));
        assert_true(g_str_has_suffix(guests->pdata[0], " amd-sev-snp"));
        for (guint i = 0; i < seen.lines->len; i++)
                assert_null(strstr(seen.lines->pdata[i], "EncryptedDomainSt"));
        assert_true(seen_line(&seen, "/org/memcrypt1 org.memcrypt1.Manager PropertiesChanged ", "RunningDomains"));

        /* Without the domain callback the guest signals are dropped, the others still come. */
        assert_int_equal(memcrypt_monitor_domains(f->client, NULL, NULL), 0);
        g_ptr_array_set_size(seen.lines, 0);
        test_write(f->root, "libvirt/domains/snp-guest-2.xml", "<domain><name>snp-guest-2</name>"
                   "<uuid>5a3e3b5c-0000-4000-8000-000000000002</uuid>"
                   "<launchSecurity type='sev-snp'><policy>0x30000</policy></launchSecurity></domain>");
        assert_int_equal(memcrypt_refresh(f->client), 0);
        assert_int_equal(memcrypt_monitor_run(f->client, 0), 0);
        assert_int_equal(guests->len, 1);
        assert_true(seen_line(&seen, "/org/memcrypt1 org.memcrypt1.Manager PropertiesChanged ", "RunningDomains"));
        g_ptr_array_unref(seen.lines);
}

/* ---- issue 4: requests and domain XML ---- */

static void assert_error(MemcryptClient *c, int r, int want_errno, const char *want_name, const char *needle) {
        const char *message = memcrypt_client_error_message(c);

        print_message("# %s: %s\n", memcrypt_client_error_name(c) ?: "(no error)", message ?: "");
        assert_int_equal(r, want_errno);
        assert_string_equal(memcrypt_client_error_name(c), want_name);
        if (needle && !strstr(message, needle))
                fail_msg("'%s' not in '%s'", needle, message);
}

static void assert_contains(const char *haystack, const char *needle) {
        if (!strstr(haystack, needle))
                fail_msg("'%s' not in '%s'", needle, haystack);
}

/* NAME='VALUE' or NAME="VALUE": the service's serialiser picks the quotes. */
static void assert_attribute(const char *xml, const char *name, const char *value) {
        g_autofree char *single = g_strdup_printf("%s='%s'", name, value);
        g_autofree char *dbl = g_strdup_printf("%s=\"%s\"", name, value);

        if (!strstr(xml, single) && !strstr(xml, dbl))
                fail_msg("%s not in '%s'", single, xml);
}

/* ---- the request methods against the daemon ---- */

static void assert_placement(const MemcryptPlacement *p, const char *model, const char *trait) {
        assert_string_equal(p->model, model);
        assert_int_equal(p->n_resources, 1);
        assert_string_equal(p->resources[0].name, "MEM_ENCRYPTION_CONTEXT");
        assert_int_equal(p->resources[0].amount, 1);
        assert_strv(p->traits, trait);
}

static const char *const sev_flavor[] = { "hw:mem_encryption", "true", NULL };
static const char *const uefi_image[] = { "hw_firmware_type", "uefi", NULL };

static void test_resolve_request(void **state) {
        static const char *const snp_flavor[] = {
                "hw:mem_encryption", "true", "hw:mem_encryption_model", "amd-sev-snp", NULL };
        static const char *const snp_image[] = {
                "hw_firmware_type", "uefi", "hw_firmware_stateless", "true", "hw_machine_type", "q35", NULL };
        Fixture *f = *state;
        MemcryptPlacement *p = NULL;

        assert_int_equal(memcrypt_resolve_request(f->client, sev_flavor, uefi_image, &p), 0);
        assert_null(memcrypt_client_error_name(f->client));
        assert_placement(p, "amd-sev", "HW_CPU_X86_AMD_SEV");
        p = memcrypt_placement_free(p);

        assert_int_equal(memcrypt_resolve_request(f->client, snp_flavor, snp_image, &p), 0);
        assert_placement(p, "amd-sev-snp", "HW_CPU_X86_AMD_SEV_SNP");
        p = memcrypt_placement_free(p);

        /* SEV-ES is not usable on milan-snp, but a request does not depend on the host. */
        assert_int_equal(memcrypt_resolve_request(f->client, sev_flavor, (const char *const[]) {
                "hw_mem_encryption_model", "amd-sev-es", "hw_firmware_type", "uefi", NULL }, &p), 0);
        assert_placement(p, "amd-sev-es", "HW_CPU_X86_AMD_SEV_ES");
        p = memcrypt_placement_free(p);
}

static void test_resolve_request_without_encryption(void **state) {
        Fixture *f = *state;
        MemcryptPlacement *p = NULL;

        /* No arrays at all, and encryption turned off: "" and nothing to request. */
        assert_int_equal(memcrypt_resolve_request(f->client, NULL, NULL, &p), 0);
        assert_string_equal(p->model, "");
        assert_int_equal(p->n_resources, 0);
        assert_non_null(p->traits);
        assert_null(p->traits[0]);
        p = memcrypt_placement_free(p);

        assert_int_equal(memcrypt_resolve_request(f->client, (const char *const[]) { "hw:mem_encryption", "false",
                                                  NULL }, uefi_image, &p), 0);
        assert_string_equal(p->model, "");
        assert_null(p->traits[0]);
        memcrypt_placement_free(p);
}

static void test_resolve_request_errors(void **state) {
        Fixture *f = *state;
        MemcryptPlacement *p = NULL;

        assert_unknown_model(f->client, memcrypt_resolve_request(f->client, (const char *const[]) {
                "hw:mem_encryption", "true", "hw:mem_encryption_model", "amd-sev-bogus", NULL }, uefi_image, &p));
        assert_null(p);
        assert_error(f->client, memcrypt_resolve_request(f->client, sev_flavor, NULL, &p), -EINVAL,
                     MEMCRYPT_ERROR_UEFI_REQUIRED, "hw_firmware_type");
        assert_error(f->client, memcrypt_resolve_request(f->client, sev_flavor, (const char *const[]) {
                "hw_firmware_type", "uefi", "hw_disk_bus", "ide", NULL }, &p), -ENOTSUP,
                     MEMCRYPT_ERROR_INCOMPATIBLE_DEVICE, "hw_disk_bus");
        assert_error(f->client, memcrypt_resolve_request(f->client, sev_flavor, (const char *const[]) {
                "hw_firmware_type", "uefi", "hw_mem_encryption", "false", NULL }, &p), -EINVAL,
                     MEMCRYPT_ERROR_CONFLICT, "hw_mem_encryption");
        assert_null(p);
}

static void test_generate_launch_security(void **state) {
        Fixture *f = *state;
        char *xml = NULL;

        assert_int_equal(memcrypt_generate_launch_security(f->client, "amd-sev", NULL, &xml), 0);
        assert_contains(xml, "<launchSecurity");
        assert_attribute(xml, "type", "sev");
        assert_contains(xml, "<policy>0x0033</policy>");
        free(xml);

        assert_int_equal(memcrypt_generate_launch_security(f->client, "amd-sev-snp", NULL, &xml), 0);
        assert_attribute(xml, "type", "sev-snp");
        assert_attribute(xml, "authorKey", "no");
        assert_attribute(xml, "vcek", "yes");
        assert_contains(xml, "<policy>0x00030000</policy>");
        free(xml);
        xml = NULL;

        assert_error(f->client, memcrypt_generate_launch_security(f->client, "amd-sev-es", NULL, &xml), -EOPNOTSUPP,
                     MEMCRYPT_ERROR_MODEL_UNSUPPORTED, NULL);
        assert_unknown_model(f->client, memcrypt_generate_launch_security(f->client, "amd-sev-bogus", NULL, &xml));
        assert_null(xml);
}

static void test_launch_options(void **state) {
        Fixture *f = *state;
        MemcryptOptions *o = NULL;
        char *xml = NULL;

        assert_int_equal(memcrypt_options_new(&o), 0);
        assert_int_equal(memcrypt_options_set_uint64(o, MEMCRYPT_OPTION_POLICY, 0x0003), 0);
        assert_int_equal(memcrypt_generate_launch_security(f->client, "amd-sev", o, &xml), 0);
        assert_contains(xml, "<policy>0x0003</policy>");
        free(xml);
        xml = NULL;

        /* Setting a key again replaces it: the ES bit on SEV is refused, bit by bit. */
        assert_int_equal(memcrypt_options_set_uint64(o, MEMCRYPT_OPTION_POLICY, 0x0037), 0);
        assert_error(f->client, memcrypt_generate_launch_security(f->client, "amd-sev", o, &xml), -EINVAL,
                     MEMCRYPT_ERROR_INVALID_ARGUMENT, "0x37");

        /* The service judges keys and types, not the library. */
        assert_int_equal(memcrypt_options_set_string(o, MEMCRYPT_OPTION_POLICY, "0x0033"), 0);
        assert_error(f->client, memcrypt_generate_launch_security(f->client, "amd-sev", o, &xml), -EINVAL,
                     MEMCRYPT_ERROR_INVALID_ARGUMENT, "policy");
        o = memcrypt_options_free(o);
        assert_int_equal(memcrypt_options_new(&o), 0);
        assert_int_equal(memcrypt_options_set_bool(o, "frobnicate", true), 0);
        assert_error(f->client, memcrypt_generate_launch_security(f->client, "amd-sev", o, &xml), -EINVAL,
                     MEMCRYPT_ERROR_INVALID_ARGUMENT, "frobnicate");
        o = memcrypt_options_free(o);

        assert_int_equal(memcrypt_options_new(&o), 0);
        assert_int_equal(memcrypt_options_set_bool(o, MEMCRYPT_OPTION_KERNEL_HASHES, true), 0);
        assert_int_equal(memcrypt_generate_launch_security(f->client, "amd-sev-snp", o, &xml), 0);
        assert_attribute(xml, "kernelHashes", "yes");
        free(xml);
        xml = NULL;
        assert_int_equal(memcrypt_options_set_string(o, MEMCRYPT_OPTION_HOST_DATA, "not base64!"), 0);
        assert_error(f->client, memcrypt_generate_launch_security(f->client, "amd-sev-snp", o, &xml), -EINVAL,
                     MEMCRYPT_ERROR_INVALID_ARGUMENT, "host_data");
        assert_null(xml);
        memcrypt_options_free(o);
}

static char *domain_fixture(const char *name) {
        g_autofree char *path = g_build_filename(test_env("MEMCRYPT_SOURCE_ROOT"), "tests", "fixtures", "domains",
                                                 name, NULL);

        return test_read(path);
}

static void assert_no_findings(MemcryptClient *c, const char *xml, const MemcryptOptions *o) {
        MemcryptFinding *findings = NULL;
        size_t n = 99;

        assert_int_equal(memcrypt_validate_domain(c, xml, o, &findings, &n), 0);
        for (size_t i = 0; i < n; i++)
                print_message("# %s %s %s %s\n", findings[i].severity, findings[i].code, findings[i].where,
                              findings[i].message);
        assert_int_equal(n, 0);
        memcrypt_findings_free(findings, n);
}

/* Nova's q35 guest configured for each usable model, then validated: nothing left to say. */
static void test_configure_domain(void **state) {
        Fixture *f = *state;
        g_autofree char *nova = domain_fixture("nova-q35.xml");
        static const char *const models[] = { "amd-sev", "amd-sev-snp" };

        for (size_t i = 0; i < G_N_ELEMENTS(models); i++) {
                char *xml = NULL;

                assert_int_equal(memcrypt_configure_domain(f->client, nova, models[i], NULL, &xml), 0);
                assert_null(memcrypt_client_error_name(f->client));
                assert_contains(xml, "<launchSecurity");
                assert_contains(xml, i == 0 ? "<policy>0x0033</policy>" : "<policy>0x00030000</policy>");
                assert_attribute(xml, "firmware", "efi");
                assert_contains(xml, "nova:instance");  /* unrelated elements are kept */
                assert_no_findings(f->client, xml, NULL);
                free(xml);
        }
}

static void test_configure_domain_errors(void **state) {
        Fixture *f = *state;
        g_autofree char *i440fx = domain_fixture("i440fx.xml"), *hostdev = domain_fixture("hostdev.xml");
        g_autofree char *nova = domain_fixture("nova-q35.xml");
        char *xml = NULL;

        assert_error(f->client, memcrypt_configure_domain(f->client, i440fx, "amd-sev", NULL, &xml), -EINVAL,
                     MEMCRYPT_ERROR_MACHINE_TYPE_REQUIRED, NULL);
        assert_error(f->client, memcrypt_configure_domain(f->client, hostdev, "amd-sev", NULL, &xml), -ENOTSUP,
                     MEMCRYPT_ERROR_INCOMPATIBLE_DEVICE, NULL);
        assert_error(f->client, memcrypt_configure_domain(f->client, "<domain", "amd-sev", NULL, &xml), -EBADMSG,
                     MEMCRYPT_ERROR_INVALID_DOMAIN_XML, NULL);
        assert_error(f->client, memcrypt_configure_domain(f->client, nova, "amd-sev-es", NULL, &xml), -EOPNOTSUPP,
                     MEMCRYPT_ERROR_MODEL_UNSUPPORTED, NULL);
        assert_unknown_model(f->client, memcrypt_configure_domain(f->client, nova, "amd-sev-bogus", NULL, &xml));
        assert_null(xml);
}

static void test_validate_domain(void **state) {
        Fixture *f = *state;
        g_autofree char *nova = domain_fixture("nova-q35.xml");
        MemcryptOptions *o = NULL;
        MemcryptFinding *findings = NULL;
        size_t n = 0, errors = 0;

        /* Checked for SEV: BIOS boot, no locked memory, virtio without iommu, ... */
        assert_int_equal(memcrypt_options_new(&o), 0);
        assert_int_equal(memcrypt_options_set_string(o, MEMCRYPT_OPTION_MODEL, "amd-sev"), 0);
        assert_int_equal(memcrypt_validate_domain(f->client, nova, o, &findings, &n), 0);
        assert_null(memcrypt_client_error_name(f->client));
        for (size_t i = 0; i < n; i++) {
                const MemcryptFinding *k = &findings[i];

                print_message("# %s %s %s %s\n", k->severity, k->code, k->where, k->message);
                assert_true(strcmp(k->severity, "error") == 0 || strcmp(k->severity, "warning") == 0);
                assert_true(*k->code && *k->message);
                assert_true(g_str_has_prefix(k->where, "/domain"));
                errors += strcmp(k->severity, "error") == 0;
        }
        assert_true(errors > 0);
        memcrypt_findings_free(findings, n);

        assert_error(f->client, memcrypt_validate_domain(f->client, "not xml", NULL, &findings, &n), -EBADMSG,
                     MEMCRYPT_ERROR_INVALID_DOMAIN_XML, NULL);
        assert_int_equal(memcrypt_options_set_uint64(o, "frobnicate", 1), 0);
        assert_error(f->client, memcrypt_validate_domain(f->client, nova, o, &findings, &n), -EINVAL,
                     MEMCRYPT_ERROR_INVALID_ARGUMENT, "frobnicate");
        memcrypt_options_free(o);
}

/* ---- the request methods' wire format, against the echo service ---- */

static void test_request_wire_format(void **state) {
        Fixture *f = *state;
        MemcryptPlacement *p = NULL;

        assert_int_equal(memcrypt_resolve_request(f->client, (const char *const[]) { "a", "1", "b", "", NULL },
                                                  (const char *const[]) { "c", "x=y", NULL }, &p), 0);
        assert_string_equal(p->model, "flavor:a=1,b=;image:c=x=y");
        assert_int_equal(p->n_resources, 2);
        assert_string_equal(p->resources[1].name, "OTHER");
        assert_int_equal(p->resources[1].amount, 7);
        assert_strv(p->traits, "TRAIT_A TRAIT_B");
        p = memcrypt_placement_free(p);

        assert_int_equal(memcrypt_resolve_request(f->client, NULL, (const char *const[]) { NULL }, &p), 0);
        assert_string_equal(p->model, "flavor:;image:");
        memcrypt_placement_free(p);
}

static void test_options_wire_format(void **state) {
        Fixture *f = *state;
        MemcryptOptions *o = NULL;
        char *xml = NULL;

        assert_int_equal(memcrypt_generate_launch_security(f->client, "amd-sev", NULL, &xml), 0);
        assert_string_equal(xml, "amd-sev|");
        free(xml);

        assert_int_equal(memcrypt_options_new(&o), 0);
        assert_int_equal(memcrypt_options_set_uint64(o, MEMCRYPT_OPTION_POLICY, UINT64_MAX), 0);
        assert_int_equal(memcrypt_options_set_bool(o, MEMCRYPT_OPTION_KERNEL_HASHES, true), 0);
        assert_int_equal(memcrypt_options_set_string(o, MEMCRYPT_OPTION_DH_CERT, "AAAA"), 0);
        assert_int_equal(memcrypt_options_set_bool(o, MEMCRYPT_OPTION_VCEK, false), 0);
        assert_int_equal(memcrypt_generate_launch_security(f->client, "amd-sev", o, &xml), 0);
        assert_string_equal(xml, "amd-sev| policy=t:18446744073709551615 kernel_hashes=b:1 dh_cert=s:AAAA vcek=b:0");
        free(xml);

        /* Again: the value and type change in place, the order stays. */
        assert_int_equal(memcrypt_options_set_string(o, MEMCRYPT_OPTION_POLICY, "high"), 0);
        assert_int_equal(memcrypt_options_set_uint64(o, MEMCRYPT_OPTION_DH_CERT, 5), 0);
        assert_int_equal(memcrypt_configure_domain(f->client, "<domain/>", "amd-sev-snp", o, &xml), 0);
        assert_string_equal(xml, "<domain/>|amd-sev-snp| policy=s:high kernel_hashes=b:1 dh_cert=t:5 vcek=b:0");
        free(xml);
        memcrypt_options_free(o);
}

static void test_findings(void **state) {
        Fixture *f = *state;
        MemcryptOptions *o = NULL;
        MemcryptFinding *findings = NULL;
        size_t n = 99;

        assert_int_equal(memcrypt_validate_domain(f->client, "<fine/>", NULL, &findings, &n), 0);
        assert_int_equal(n, 0);
        memcrypt_findings_free(findings, n);

        assert_int_equal(memcrypt_options_new(&o), 0);
        assert_int_equal(memcrypt_options_set_string(o, MEMCRYPT_OPTION_MODEL, "amd-sev-snp"), 0);
        assert_int_equal(memcrypt_validate_domain(f->client, "<domain/>", o, &findings, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(findings[0].severity, "error");
        assert_string_equal(findings[0].code, "xml");
        assert_string_equal(findings[0].where, "/domain");
        assert_string_equal(findings[0].message, "<domain/>");
        assert_string_equal(findings[1].severity, "warning");
        assert_string_equal(findings[1].message, " model=s:amd-sev-snp");
        memcrypt_findings_free(findings, n);
        memcrypt_options_free(o);
}

/* A key without a value, or twice in one array, never leaves the library. */
static void test_request_refused_locally(void **state) {
        Fixture *f = *state;
        MemcryptPlacement *p = NULL;

        assert_error(f->client, memcrypt_resolve_request(f->client, (const char *const[]) { "a", "1", "b", NULL },
                                                         NULL, &p), -EINVAL, MEMCRYPT_ERROR_INVALID_ARGUMENT,
                     "flavor_extra_specs: key 'b' has no value");
        assert_error(f->client, memcrypt_resolve_request(f->client, NULL, (const char *const[]) {
                "a", "1", "b", "2", "a", "3", NULL }, &p), -EINVAL, MEMCRYPT_ERROR_INVALID_ARGUMENT,
                     "image_properties: key 'a' is given twice");
        assert_null(p);
}

static void test_request_bad_arguments(void **state) {
        Fixture *f = *state;
        MemcryptOptions *o = NULL;
        MemcryptFinding *findings = NULL;
        char *xml = NULL;

        assert_int_equal(memcrypt_resolve_request(f->client, NULL, NULL, NULL), -EINVAL);
        assert_int_equal(memcrypt_resolve_request(NULL, NULL, NULL, (MemcryptPlacement **) &xml), -EINVAL);
        assert_int_equal(memcrypt_generate_launch_security(f->client, NULL, NULL, &xml), -EINVAL);
        assert_int_equal(memcrypt_configure_domain(f->client, NULL, "amd-sev", NULL, &xml), -EINVAL);
        assert_int_equal(memcrypt_configure_domain(f->client, "<domain/>", NULL, NULL, &xml), -EINVAL);
        assert_int_equal(memcrypt_validate_domain(f->client, "<domain/>", NULL, &findings, NULL), -EINVAL);
        assert_int_equal(memcrypt_options_new(NULL), -EINVAL);
        assert_int_equal(memcrypt_options_new(&o), 0);
        assert_int_equal(memcrypt_options_set_uint64(NULL, "policy", 1), -EINVAL);
        assert_int_equal(memcrypt_options_set_bool(o, NULL, true), -EINVAL);
        assert_int_equal(memcrypt_options_set_string(o, "dh_cert", NULL), -EINVAL);
        assert_null(memcrypt_options_free(o));
        assert_null(memcrypt_options_free(NULL));
        assert_null(memcrypt_placement_free(NULL));
        memcrypt_findings_free(NULL, 0);
        assert_null(xml);

        /* Strings must be UTF-8 (D-Bus strings); sd-bus refuses to send one that is not. */
        assert_int_equal(memcrypt_generate_launch_security(f->client, "amd-\xff", NULL, &xml), -EINVAL);
        assert_non_null(memcrypt_client_error_name(f->client));
}

/* A call on a connection the service has left fails with a name a caller can print. */
static void test_service_gone(void **state) {
        Fixture *f = *state;
        MemcryptHost *h = NULL;

        /* Stop the service end: shutting its socket down ends the thread's loop too. */
        assert_int_equal(shutdown(sd_bus_get_fd(f->server), SHUT_RDWR), 0);
        assert_true(memcrypt_get_host(f->client, &h) < 0);
        assert_null(h);
        assert_non_null(memcrypt_client_error_name(f->client));
        assert_non_null(memcrypt_client_error_message(f->client));
}

static void test_bad_arguments(void **state) {
        Fixture *f = *state;
        MemcryptClient *c = NULL;

        assert_int_equal(memcrypt_client_open_fd(-1, &c), -EINVAL);
        assert_int_equal(memcrypt_client_open_address("unix:path=/nonexistent/memcrypt", &c) < 0, 1);
        assert_null(c);
        assert_int_equal(memcrypt_get_host(f->client, NULL), -EINVAL);
        assert_int_equal(memcrypt_get_model(NULL, "amd-sev", NULL), -EINVAL);
        assert_int_equal(memcrypt_monitor_start(f->client, NULL, NULL), -EINVAL);
        assert_null(memcrypt_client_free(NULL));
        assert_null(memcrypt_host_free(NULL));
        assert_null(memcrypt_model_free(NULL));
        memcrypt_checks_free(NULL, 0);
        assert_null(memcrypt_client_error_name(NULL));
}

/* ---- the property maps against services that are not this one ---- */

/* Properties the library does not know are skipped; those the service did not send read
 * as "", an empty list or 0, never NULL. */
static void test_unknown_properties_are_skipped(void **state) {
        Fixture *f = *state;
        MemcryptHost *h = NULL;
        MemcryptModel *m = NULL;

        assert_int_equal(memcrypt_get_host(f->client, &h), 0);
        assert_string_equal(h->version, "9.9.9");
        assert_int_equal(h->asid_count, 509);
        assert_string_equal(h->node_name, "");
        assert_string_equal(h->health, "");
        assert_non_null(h->usable_models);
        assert_null(h->usable_models[0]);
        assert_int_equal(h->n_encrypted_domains, 0);
        assert_int_equal(h->cbit_position, 0);
        memcrypt_host_free(h);

        assert_int_equal(memcrypt_get_model(f->client, "amd-sev", &m), 0);
        assert_string_equal(m->name, "amd-sev");
        assert_true(m->usable);
        assert_int_equal(m->n_reasons, 2);
        assert_string_equal(m->reasons[1].code, "c2");
        assert_string_equal(m->reasons[1].severity, "warning");
        assert_string_equal(m->reasons[1].hint, "");
        assert_string_equal(m->trait, "");
        assert_null(m->firmware[0]);
        memcrypt_model_free(m);
}

/* A known property with another type is an error, not a silent zero. */
static void test_retyped_property_is_an_error(void **state) {
        Fixture *f = *state;
        MemcryptHost *h = NULL;

        assert_int_equal(memcrypt_get_host(f->client, &h), -EBADMSG);
        assert_null(h);
        assert_string_equal(memcrypt_client_error_name(f->client), SD_BUS_ERROR_INVALID_SIGNATURE);
        assert_string_equal(memcrypt_client_error_message(f->client),
                            "Property org.memcrypt1.Manager.CpuVendor has signature 'u', expected 's'");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_host_properties, setup, teardown),
                cmocka_unit_test_setup_teardown(test_model_properties, setup, teardown),
                cmocka_unit_test_setup_teardown(test_model_paths, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unknown_model, setup, teardown),
                cmocka_unit_test_setup_teardown(test_describe, setup, teardown),
                cmocka_unit_test_setup_teardown(test_doctor, setup, teardown),
                cmocka_unit_test_setup_teardown(test_error_map_round_trip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_interactive_flag, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refresh_signals, setup, teardown),
                cmocka_unit_test_setup_teardown(test_domain_signals, setup, teardown),
                cmocka_unit_test_setup_teardown(test_resolve_request, setup, teardown),
                cmocka_unit_test_setup_teardown(test_resolve_request_without_encryption, setup, teardown),
                cmocka_unit_test_setup_teardown(test_resolve_request_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_generate_launch_security, setup, teardown),
                cmocka_unit_test_setup_teardown(test_launch_options, setup, teardown),
                cmocka_unit_test_setup_teardown(test_configure_domain, setup, teardown),
                cmocka_unit_test_setup_teardown(test_configure_domain_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_validate_domain, setup, teardown),
                cmocka_unit_test_setup_teardown(test_request_wire_format, setup_echo, teardown),
                cmocka_unit_test_setup_teardown(test_options_wire_format, setup_echo, teardown),
                cmocka_unit_test_setup_teardown(test_findings, setup_echo, teardown),
                cmocka_unit_test_setup_teardown(test_request_refused_locally, setup_echo, teardown),
                cmocka_unit_test_setup_teardown(test_request_bad_arguments, setup_echo, teardown),
                cmocka_unit_test_setup_teardown(test_service_gone, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unknown_properties_are_skipped, setup_grown, teardown),
                cmocka_unit_test_setup_teardown(test_retyped_property_is_an_error, setup_retyped, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
