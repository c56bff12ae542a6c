/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.memcrypt1.Attestation over a socketpair (the daemon's vtables, no bus
 * daemon): the a{sv} replies, error names with their errnos, which backend a
 * context gets (a snapshot's recorded libvirt; none on the live host without
 * a connection), and InjectLaunchSecret's order: arguments, then
 * authorization (refused, deferred, granted), then libvirt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "bus-peer.h"
#include "bus-util.h"
#include "bus.h"
#include "error-map.h"
#include "measure-synth.h"
#include "memcrypt-errors.h"
#include "test-context.h"

#define HEADER "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMw=="
#define SECRET "c2VjcmV0IGJ5dGVzIHdyYXBwZWQgd2l0aCB0aGUgZ3Vlc3Qgb3duZXIgVEVLOiA2NCBieXRlcyBsb25nLi4uLg=="

typedef struct {
        char *root;
        Context *context;
        sd_bus *server, *client;
        GThread *thread;
} Fixture;

static unsigned authorize_calls, deferred;

static bool allow(AuthQuery *q, void *userdata) {
        authorize_calls++;
        assert_string_equal(q->action, "org.memcrypt1.inject-launch-secret");
        auth_query_allow(q);
        return true;
}

static bool deny(AuthQuery *q, void *userdata) {
        authorize_calls++;
        auth_query_refuse(q, API_NOT_AUTHORIZED, "denied %s by the test", q->action);
        return true;
}

/* Polkit answering later: nothing may happen on the first dispatch. */
static bool defer_once(AuthQuery *q, void *userdata) {
        authorize_calls++;
        deferred++;
        auth_query_allow(q);
        return false;   /* a later answer: the call is dispatched again */
}

static Fixture *fixture_on(const char *host) {
        Fixture *fx = g_new0(Fixture, 1);

        memcrypt_error_map_register();
        authorize_calls = 0;
        fx->context = test_context_on_copy(host, &fx->root);
        test_serve_pair(fx->context, &fx->server, &fx->client, &fx->thread);
        return fx;
}

static int setup(void **state) {
        *state = fixture_on("milan-attest");
        return 0;
}

static int setup_snp(void **state) {
        *state = fixture_on("milan-snp-attest");
        return 0;
}

static int teardown(void **state) {
        Fixture *fx = *state;

        test_stop_pair(fx->server, fx->client, fx->thread);
        deferred = 0;
        context_free(fx->context);
        if (fx->root) {
                test_rmtree(fx->root);
                g_free(fx->root);
        }
        g_free(fx);
        return 0;
}

/* "key:signature ..." of an a{sv} reply, in order, and the string value of KEY (if asked). */
static char *read_dict(sd_bus_message *reply, const char *key, char **ret_value) {
        GString *keys = g_string_new(NULL);
        const char *k, *contents, *s;

        assert_true(sd_bus_message_enter_container(reply, 'a', "{sv}") > 0);
        while (sd_bus_message_enter_container(reply, 'e', "sv") > 0) {
                assert_true(sd_bus_message_read(reply, "s", &k) > 0);
                assert_true(sd_bus_message_peek_type(reply, NULL, &contents) > 0);
                g_string_append_printf(keys, "%s%s:%s", keys->len ? " " : "", k, contents);
                if (key && g_str_equal(k, key) && g_str_equal(contents, "s")) {
                        assert_true(sd_bus_message_read(reply, "v", "s", &s) > 0);
                        *ret_value = g_strdup(s);
                } else
                        assert_true(sd_bus_message_skip(reply, "v") >= 0);
                assert_true(sd_bus_message_exit_container(reply) > 0);
        }
        assert_true(sd_bus_message_exit_container(reply) > 0);
        return g_string_free(keys, false);
}

static int call(Fixture *fx, const char *method, sd_bus_error *error, sd_bus_message **reply, const char *types,
                ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        assert_true(sd_bus_message_new_method_call(fx->client, &m, NULL, MANAGER_PATH, ATTESTATION_INTERFACE,
                                                   method) >= 0);
        va_start(ap, types);
        r = sd_bus_message_appendv(m, types, ap);
        va_end(ap);
        assert_true(r >= 0);
        return sd_bus_call(fx->client, m, 0, error, reply);
}

static void test_platform_info(void **state) {
        Fixture *fx = *state;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        g_autofree char *keys = NULL, *url = NULL;

        assert_true(call(fx, "GetPlatformInfo", NULL, &reply, "") >= 0);
        assert_string_equal(sd_bus_message_get_signature(reply, true), "a{sv}");
        keys = read_dict(reply, "vcek_url", &url);
        /* Every group, with its D-Bus type; nothing listed as unavailable here but what is. */
        assert_non_null(strstr(keys, "pdh:s cert_chain:s cpu0_id:s api_major:u"));
        assert_non_null(strstr(keys, "current_tcb:a{sv} reported_tcb:a{sv} tcb_committed_mismatch:b vcek_url:s"));
        assert_non_null(strstr(keys, "unavailable:a{ss}"));
        assert_true(g_str_has_prefix(url, "https://kdsintf.amd.com/vcek/v1/Milan/06503099caf846ec"));
        assert_true(g_str_has_suffix(url, "?blSPL=03&teeSPL=00&snpSPL=24&ucodeSPL=213"));
}

static void test_measurement_and_errors(void **state) {
        Fixture *fx = *state;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *keys = NULL, *state_ = NULL;

        assert_true(call(fx, "GetLaunchMeasurement", NULL, &reply, "s", "sev-paused") >= 0);
        keys = read_dict(reply, "state", &state_);
        assert_string_equal(state_, "paused");
        assert_non_null(strstr(keys, "measurement:s api_major:u api_minor:u build_id:u policy:t firmware:s "
                                     "firmware_sha256:s"));

        /* Error names and the errnos the shared map gives them. */
        assert_int_equal(call(fx, "GetLaunchMeasurement", &error, NULL, "s", "nobody"), -ENXIO);
        assert_string_equal(error.name, MEMCRYPT_ERROR_NO_SUCH_DOMAIN);
        sd_bus_error_free(&error);
        assert_int_equal(call(fx, "GetLaunchMeasurement", &error, NULL, "s", "sev-shutoff"), -EBUSY);
        assert_string_equal(error.name, MEMCRYPT_ERROR_INVALID_DOMAIN_STATE);
        sd_bus_error_free(&error);
        assert_int_equal(call(fx, "GetLaunchMeasurement", &error, NULL, "s", "plain-guest"), -EOPNOTSUPP);
        assert_string_equal(error.name, MEMCRYPT_ERROR_MODEL_UNSUPPORTED);
        sd_bus_error_free(&error);
}

/* Vector 25 of tests/fixtures/measure/vectors-synthetic.json: SNP, synth_amdsev_like.bin, 4 vCPUs
 * EPYC-Milan, guest features 0x1, the synthetic kernel, initrd and command line. */
#define V25 "0e09b98e8bf394f2a532265e59b2c46697d6fb771462d28abe0e3eb4eb6a823f3b0d233c65a183c761c9cf1687212483"

static void write_synth(const char *root, const char *rel, guint8 *data, size_t len) {
        test_write_len(root, rel, (const char *) data, (gssize) len);
        g_free(data);
}

static int open_under(const char *root, const char *rel) {
        g_autofree char *path = g_build_filename(root, rel, NULL);
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        assert_true(fd >= 0);
        return fd;
}

/* The firmware image in the snapshot, the kernel and initrd as descriptors: one message, one digest. */
static void test_compute_expected_with_fds(void **state) {
        Fixture *fx = *state;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *keys = NULL, *unused = NULL;
        const char *xml = "<domain type='kvm'><name>new</name><vcpu>4</vcpu><os firmware='efi'>"
                          "<type arch='x86_64' machine='q35'>hvm</type><loader stateless='yes'/>"
                          "<kernel>/boot/vmlinuz</kernel><initrd>/boot/initrd.img</initrd>"
                          "<cmdline>" SYNTH_CMDLINE "</cmdline></os><cpu mode='custom'><model>EPYC-Milan</model></cpu>"
                          "<launchSecurity type='sev-snp' kernelHashes='yes'><policy>0x30000</policy>"
                          "</launchSecurity></domain>";
        SynthImage d;
        guint8 *data;
        size_t len;
        const char *digest;
        int kernel, initrd, null;

        assert_true(synth_named("synth_amdsev_like.bin", &d));
        write_synth(fx->root, "usr/share/OVMF/OVMF.amdsev.fd", synth_firmware(&d), d.size);
        data = synth_kernel(&len);      /* len is set by the call: not in the same argument list */
        write_synth(fx->root, "caller/kernel", data, len);
        data = synth_initrd(&len);
        write_synth(fx->root, "caller/initrd", data, len);
        kernel = open_under(fx->root, "caller/kernel");
        initrd = open_under(fx->root, "caller/initrd");
        null = open("/dev/null", O_RDONLY | O_CLOEXEC);

        assert_true(call(fx, "ComputeExpectedMeasurement", NULL, &reply, "shha{sv}", xml, kernel, initrd, 0) >= 0);
        assert_string_equal(sd_bus_message_get_signature(reply, true), "sa{sv}as");
        assert_true(sd_bus_message_read(reply, "s", &digest) > 0);
        assert_string_equal(digest, V25);
        keys = read_dict(reply, NULL, &unused);
        assert_non_null(strstr(keys, "mode:s model:s policy:t firmware:a{sv} kernel_hashes:b kernel:a{sv} "
                                     "initrd:a{sv} cmdline:s vcpus:u vcpu_signature:u"));

        /* Without the kernel's descriptor: the named refusal, never the path. */
        assert_int_equal(call(fx, "ComputeExpectedMeasurement", &error, NULL, "shha{sv}", xml, null, initrd, 0),
                         -EINVAL);
        assert_string_equal(error.name, MEMCRYPT_ERROR_INVALID_ARGUMENT);
        assert_non_null(strstr(error.message, "as a file descriptor"));
        sd_bus_error_free(&error);
        /* A descriptor inside an option is no option. */
        assert_int_equal(call(fx, "ComputeExpectedMeasurement", &error, NULL, "shha{sv}", xml, kernel, initrd, 1,
                              "kernel", "h", kernel), -EINVAL);
        sd_bus_error_free(&error);
        close(kernel);
        close(initrd);
        close(null);
}

static void test_expected_of_domains(void **state) {
        Fixture *fx = *state;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *launch = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *keys = NULL, *expected = NULL, *before = NULL, *unused = NULL;
        const char *digest;
        SynthImage d;

        /* The recorded firmware is random bytes: no digest, and GetLaunchMeasurement says why. */
        assert_true(call(fx, "GetLaunchMeasurement", NULL, &launch, "s", "es-paused") >= 0);
        before = read_dict(launch, "expected_measurement", &unused);
        assert_null(strstr(before, "expected_measurement:s"));
        assert_int_equal(call(fx, "GetExpectedMeasurement", &error, NULL, "sa{sv}", "es-paused", 0), -ENODATA);
        assert_string_equal(error.name, MEMCRYPT_ERROR_MEASUREMENT_UNAVAILABLE);
        assert_non_null(strstr(error.message, "OVMF_CODE.cc.fd cannot be measured"));
        sd_bus_error_free(&error);
        launch = sd_bus_message_unref(launch);

        /* With an OVMF image there: both methods give the same digest. */
        assert_true(synth_named("synth_amdsev_like.bin", &d));
        write_synth(fx->root, "usr/share/OVMF/OVMF_CODE.cc.fd", synth_firmware(&d), d.size);
        assert_true(call(fx, "GetExpectedMeasurement", NULL, &reply, "sa{sv}", "es-paused", 0) >= 0);
        assert_true(sd_bus_message_read(reply, "s", &digest) > 0);
        assert_true(call(fx, "GetLaunchMeasurement", NULL, &launch, "s", "es-paused") >= 0);
        keys = read_dict(launch, "expected_measurement", &expected);
        assert_string_equal(expected, digest);

        assert_int_equal(call(fx, "GetExpectedMeasurement", &error, NULL, "sa{sv}", "nobody", 0), -ENXIO);
        assert_string_equal(error.name, MEMCRYPT_ERROR_NO_SUCH_DOMAIN);
        sd_bus_error_free(&error);
        assert_int_equal(call(fx, "GetExpectedMeasurement", &error, NULL, "sa{sv}", "es-paused", 1, "vmsa_form", "s",
                              "init3"), -EINVAL);
        assert_string_equal(error.name, MEMCRYPT_ERROR_INVALID_ARGUMENT);
        sd_bus_error_free(&error);
}

static int inject(Fixture *fx, const char *domain, const char *header, bool resume, sd_bus_error *error) {
        return call(fx, "InjectLaunchSecret", error, NULL, "sssa{sv}", domain, header, SECRET, 1, "resume", "b",
                    resume);
}

static char *domain_state(Fixture *fx, const char *domain) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        g_autofree char *keys = NULL;
        char *state = NULL;

        assert_true(call(fx, "GetLaunchMeasurement", NULL, &reply, "s", domain) >= 0);
        keys = read_dict(reply, "state", &state);
        return state;
}

static void test_inject_checks_arguments_before_polkit(void **state) {
        Fixture *fx = *state;
        sd_bus_error error = SD_BUS_ERROR_NULL;

        bus_set_authorizer(fx->context, deny, NULL);
        assert_int_equal(inject(fx, "sev-paused", "bm90IDUyIGJ5dGVz", true, &error), -EINVAL);
        assert_string_equal(error.name, MEMCRYPT_ERROR_INVALID_ARGUMENT);
        sd_bus_error_free(&error);
        assert_int_equal(call(fx, "InjectLaunchSecret", &error, NULL, "sssa{sv}", "sev-paused", HEADER, SECRET, 1,
                              "resume", "s", "yes"), -EINVAL);
        sd_bus_error_free(&error);
        assert_int_equal(authorize_calls, 0);

        /* A good call is refused by polkit, and nothing happened to the guest. */
        assert_int_equal(inject(fx, "sev-paused", HEADER, true, &error), -EACCES);
        assert_string_equal(error.name, MEMCRYPT_ERROR_NOT_AUTHORIZED);
        assert_non_null(strstr(error.message, "org.memcrypt1.inject-launch-secret"));
        sd_bus_error_free(&error);
        assert_int_equal(authorize_calls, 1);
        g_autofree char *still = domain_state(fx, "sev-paused");
        assert_string_equal(still, "paused");
}

static void test_inject_granted(void **state) {
        Fixture *fx = *state;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *after = NULL;

        bus_set_authorizer(fx->context, allow, NULL);
        assert_true(inject(fx, "es-paused", HEADER, true, NULL) >= 0);
        after = domain_state(fx, "es-paused");
        assert_string_equal(after, "running");
        /* Authorized, but the domain is running now. */
        assert_int_equal(inject(fx, "es-paused", HEADER, true, &error), -EBUSY);
        assert_string_equal(error.name, MEMCRYPT_ERROR_INVALID_DOMAIN_STATE);
        sd_bus_error_free(&error);
        assert_int_equal(inject(fx, "nobody", HEADER, false, &error), -ENXIO);
        sd_bus_error_free(&error);
        assert_int_equal(authorize_calls, 3);
}

static void test_inject_deferred(void **state) {
        Fixture *fx = *state;
        g_autofree char *after = NULL;

        bus_set_authorizer(fx->context, defer_once, NULL);
        assert_true(inject(fx, "sev-paused", HEADER, true, NULL) >= 0);
        /* Asked once: the call dispatched again finds the answer. */
        assert_int_equal(deferred, 1);
        assert_int_equal(authorize_calls, 1);
        after = domain_state(fx, "sev-paused");
        assert_string_equal(after, "running");
}

static void test_inject_snp_guest(void **state) {
        Fixture *fx = *state;
        sd_bus_error error = SD_BUS_ERROR_NULL;

        bus_set_authorizer(fx->context, allow, NULL);
        assert_int_equal(inject(fx, "snp-guest-1", HEADER, true, &error), -EOPNOTSUPP);
        assert_string_equal(error.name, MEMCRYPT_ERROR_MODEL_UNSUPPORTED);
        sd_bus_error_free(&error);
        /* SEV still works next to SNP. */
        assert_true(inject(fx, "sev-guest-1", HEADER, false, NULL) >= 0);
}

/* The live host without a libvirt connection: nothing to ask, every libvirt answer is LibvirtUnavailable. */
static int setup_live(void **state) {
        Fixture *fx = g_new0(Fixture, 1);
        ContextOptions o = { .config_path = "/dev/null", .root = "/", .no_libvirt = true };
        g_autofree char *error = NULL;

        memcrypt_error_map_register();
        authorize_calls = 0;
        fx->context = context_new(&o, &error);
        assert_non_null(fx->context);
        test_serve_pair(fx->context, &fx->server, &fx->client, &fx->thread);
        *state = fx;
        return 0;
}

static void test_live_without_libvirt(void **state) {
        Fixture *fx = *state;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        g_autofree char *keys = NULL, *unused = NULL;

        assert_false(context_libvirt_connected(fx->context));
        assert_int_equal(call(fx, "GetLaunchMeasurement", &error, NULL, "s", "any"), -ENOTCONN);
        assert_string_equal(error.name, MEMCRYPT_ERROR_LIBVIRT_UNAVAILABLE);
        assert_non_null(strstr(error.message, "no libvirt connection"));
        sd_bus_error_free(&error);

        bus_set_authorizer(fx->context, allow, NULL);
        assert_int_equal(inject(fx, "any", HEADER, false, &error), -ENOTCONN);
        sd_bus_error_free(&error);
        assert_int_equal(authorize_calls, 1);

        /* Platform information never fails: what libvirt would give is listed as unavailable. */
        assert_true(call(fx, "GetPlatformInfo", NULL, &reply, "") >= 0);
        keys = read_dict(reply, NULL, &unused);
        assert_null(strstr(keys, "pdh:"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_platform_info, setup_snp, teardown),
                cmocka_unit_test_setup_teardown(test_measurement_and_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_compute_expected_with_fds, setup, teardown),
                cmocka_unit_test_setup_teardown(test_expected_of_domains, setup, teardown),
                cmocka_unit_test_setup_teardown(test_inject_checks_arguments_before_polkit, setup, teardown),
                cmocka_unit_test_setup_teardown(test_inject_granted, setup, teardown),
                cmocka_unit_test_setup_teardown(test_inject_deferred, setup, teardown),
                cmocka_unit_test_setup_teardown(test_inject_snp_guest, setup_snp, teardown),
                cmocka_unit_test_setup_teardown(test_live_without_libvirt, setup_live, teardown),
        };
        return cmocka_run_group_tests_name("bus-attest", tests, NULL, NULL);
}
