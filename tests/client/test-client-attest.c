/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmemcrypt's attestation calls (LIBMEMCRYPT_0.3) against the daemon's
 * objects on a socketpair, on the attestation test hosts (recorded libvirt):
 * every field of the typed results, the errors as errnos, the inject options
 * on the wire; and against a made-up service, what the library does with
 * keys it does not know and with a known key of another type.
 */
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#include <systemd/sd-bus.h>

#include "bus-peer.h"
#include "bus.h"
#include "error-map.h"
#include "measure-synth.h"
#include "memcrypt/memcrypt.h"
#include "test-context.h"

#define HEADER "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMw=="
#define SECRET "c2VjcmV0IGJ5dGVzIHdyYXBwZWQgd2l0aCB0aGUgZ3Vlc3Qgb3duZXIgVEVLOiA2NCBieXRlcyBsb25nLi4uLg=="
#define CPU0_ID_HEX_START "06503099caf846ec9add8bc419ed8407"

typedef struct {
        char *root;
        Context *context;
        sd_bus *server;
        pthread_t thread;
        MemcryptClient *client;
        unsigned authorized;
} Fixture;

static bool allow(AuthQuery *q, void *userdata) {
        Fixture *f = userdata;

        f->authorized++;
        auth_query_allow(q);
        return true;
}

/* A service of a later or an earlier version: an unknown key, and a known one of another type. */
static int fake_platform_info(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *variant = userdata;

        if (g_str_equal(variant, "grown"))
                return sd_bus_reply_method_return(m, "a{sv}", 3, "future", "(ii)", 1, 2, "vcek_url", "s", "u",
                                                  "current_tcb", "a{sv}", 2, "snp", "u", 7, "later", "s", "x");
        return sd_bus_reply_method_return(m, "a{sv}", 1, "vcek_url", "u", 7);
}

static const sd_bus_vtable fake_attestation[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("GetPlatformInfo", "", "a{sv}", fake_platform_info, 0),
        SD_BUS_VTABLE_END
};

static Fixture *fixture_new(const char *host, const char *fake) {
        Fixture *f = g_new0(Fixture, 1);
        int fd;

        memcrypt_error_map_register();
        assert_int_equal(bus_peer_server_new(&f->server, &fd), 0);
        if (fake)
                assert_true(sd_bus_add_object_vtable(f->server, NULL, MEMCRYPT_MANAGER_PATH,
                                                     MEMCRYPT_ATTESTATION_INTERFACE, fake_attestation,
                                                     (void *) fake) >= 0);
        else {
                f->context = test_context_on_copy(host, &f->root);
                assert_int_equal(bus_add_objects(f->context, f->server), 0);
                bus_set_authorizer(f->context, allow, f);
        }
        assert_int_equal(pthread_create(&f->thread, NULL, bus_peer_serve, f->server), 0);
        assert_int_equal(memcrypt_client_open_fd(fd, &f->client), 0);
        return f;
}

static int setup_sev(void **state) {
        *state = fixture_new("milan-attest", NULL);
        return 0;
}

static int setup_snp(void **state) {
        *state = fixture_new("milan-snp-attest", NULL);
        return 0;
}

static int setup_grown(void **state) {
        *state = fixture_new(NULL, "grown");
        return 0;
}

static int setup_retyped(void **state) {
        *state = fixture_new(NULL, "retyped");
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;

        f->client = memcrypt_client_free(f->client);     /* hanging up ends the service thread */
        pthread_join(f->thread, NULL);
        sd_bus_unref(f->server);
        context_free(f->context);
        if (f->root)
                test_rmtree(f->root);
        g_free(f->root);
        g_free(f);
        return 0;
}

static const char *pair(char **pairs, const char *key) {
        for (size_t i = 0; pairs[i]; i += 2)
                if (g_str_equal(pairs[i], key))
                        return pairs[i + 1];
        return NULL;
}

static void test_platform_info(void **state) {
        Fixture *f = *state;
        MemcryptPlatformInfo *p = NULL;

        assert_int_equal(memcrypt_get_platform_info(f->client, &p), 0);
        assert_string_equal(p->cpu_generation, "milan");
        assert_int_equal(strlen(p->pdh), 2780);
        assert_int_equal(strlen(p->cert_chain), 8336);
        assert_true(p->has_sev_status);
        assert_int_equal(p->api_major, 1);
        assert_int_equal(p->api_minor, 55);
        assert_int_equal(p->build, 31);
        assert_int_equal(p->state, 2);
        assert_false(p->owner);
        assert_true(p->es_initialized);
        assert_true(p->has_snp_status);
        assert_int_equal(p->snp_state, 1);
        assert_int_equal(p->snp_guest_count, 2);
        assert_true(p->rmp_initialized);
        assert_false(p->vlek_enabled);
        assert_int_equal(p->current_tcb.snp, 0x1b);
        assert_int_equal(p->reported_tcb.snp, 0x18);
        assert_int_equal(p->reported_tcb.boot_loader, 3);
        assert_int_equal(p->reported_tcb.microcode, 0xd5);
        assert_false(p->reported_tcb.has_fmc);
        assert_true(p->reported_tcb.raw == 0xd518000000000003ULL);
        assert_true(p->tcb_committed_mismatch);
        assert_non_null(strstr(p->vcek_url, "/Milan/" CPU0_ID_HEX_START));
        assert_null(p->unavailable[0]);
        memcrypt_platform_info_free(p);
}

static void test_platform_info_sev_only(void **state) {
        Fixture *f = *state;
        MemcryptPlatformInfo *p = NULL;

        assert_int_equal(memcrypt_get_platform_info(f->client, &p), 0);
        assert_true(p->has_sev_status);
        assert_false(p->has_snp_status);
        assert_string_equal(p->vcek_url, "");           /* never NULL */
        assert_non_null(pair(p->unavailable, "snp"));
        memcrypt_platform_info_free(p);
}

static void test_launch_measurement(void **state) {
        Fixture *f = *state;
        MemcryptLaunchMeasurement *m = NULL;

        assert_int_equal(memcrypt_get_launch_measurement(f->client, "es-paused", &m), 0);
        assert_string_equal(m->domain, "es-paused");
        assert_string_equal(m->state, "paused");
        assert_string_equal(m->model, "amd-sev-es");
        assert_int_equal(strlen(m->measurement), 64);
        assert_int_equal(m->api_minor, 55);
        assert_int_equal(m->build_id, 31);
        assert_true(m->policy == 0x37);
        assert_string_equal(m->firmware, "/usr/share/OVMF/OVMF_CODE.cc.fd");
        assert_int_equal(strlen(m->firmware_sha256), 64);
        assert_true(m->kernel_hashes);
        assert_string_equal(m->kernel, "/var/lib/libvirt/boot/vmlinuz-guest");
        assert_int_equal(strlen(m->initrd_sha256), 64);
        assert_string_equal(m->cmdline, "console=ttyS0 root=/dev/vda1");
        assert_int_equal(m->vcpus, 2);
        assert_true(m->has_cpu_signature);
        assert_int_equal(m->cpu_signature, 0x00a00f11);
        assert_string_equal(m->cpu_name, "EPYC-Milan");
        /* The snapshot's firmware is random bytes: no expected digest (since 0.4), and why. */
        assert_string_equal(m->expected_measurement, "");
        assert_string_equal(m->unavailable[0], "expected_measurement");
        assert_non_null(strstr(m->unavailable[1], "cannot be measured"));
        assert_null(m->unavailable[2]);
        memcrypt_launch_measurement_free(m);

        /* No kernel: the strings read as "", never NULL. */
        assert_int_equal(memcrypt_get_launch_measurement(f->client, "sev-paused", &m), 0);
        assert_string_equal(m->kernel, "");
        assert_string_equal(m->cmdline_sha256, "");
        memcrypt_launch_measurement_free(m);
}

static void expect_error(Fixture *f, int r, int want, const char *name) {
        assert_int_equal(r, want);
        assert_string_equal(memcrypt_client_error_name(f->client), name);
}

/* GetExpectedMeasurement and ComputeExpectedMeasurement through the library: the typed manifest, the
 * descriptors it sends (-1: /dev/null), and the refusals with their errnos. */
static void test_expected(void **state) {
        Fixture *f = *state;
        MemcryptExpectedMeasurement *m = NULL;
        MemcryptOptions *o = NULL;
        const char *xml = "<domain type='kvm'><name>new</name><vcpu>4</vcpu><os firmware='efi'>"
                          "<type arch='x86_64' machine='q35'>hvm</type><kernel>/boot/vmlinuz</kernel></os>"
                          "<cpu mode='custom'><model>Opteron_G5</model></cpu><launchSecurity type='sev' "
                          "kernelHashes='yes'><policy>0x0037</policy></launchSecurity></domain>";
        g_autofree char *kernel_path = g_build_filename(f->root, "vmlinuz", NULL);
        g_autofree guint8 *image = NULL, *kernel = NULL;
        SynthImage d;
        size_t len;
        int fd;

        /* The recorded firmware is random bytes: es-paused cannot be measured, and the library says why. */
        assert_int_equal(memcrypt_get_expected_measurement(f->client, "es-paused", NULL, &m), -ENODATA);
        assert_string_equal(memcrypt_client_error_name(f->client), MEMCRYPT_ERROR_MEASUREMENT_UNAVAILABLE);
        assert_int_equal(memcrypt_get_expected_measurement(f->client, "nobody", NULL, &m), -ENXIO);
        /* Opteron_G5 is no model the service knows: the option supplies the signature. */
        assert_int_equal(memcrypt_compute_expected_measurement(f->client, xml, -1, -1, NULL, &m), -EINVAL);
        assert_non_null(strstr(memcrypt_client_error_message(f->client), "vcpu_signature"));
        assert_int_equal(memcrypt_options_new(&o), 0);
        assert_int_equal(memcrypt_options_set_uint64(o, MEMCRYPT_OPTION_VCPU_SIGNATURE, 0xa00f11), 0);
        assert_int_equal(memcrypt_options_set_string(o, MEMCRYPT_OPTION_VMSA_FORM, "legacy"), 0);
        /* A measured kernel needs its descriptor. */
        assert_int_equal(memcrypt_compute_expected_measurement(f->client, xml, -1, -1, o, &m), -EINVAL);
        assert_non_null(strstr(memcrypt_client_error_message(f->client), "as a file descriptor"));
        assert_null(m);

        assert_true(synth_named("synth_amdsev_like.bin", &d));
        image = synth_firmware(&d);
        test_write_len(f->root, "usr/share/OVMF/OVMF.amdsev.fd", (const char *) image, (gssize) d.size);
        kernel = synth_kernel(&len);
        test_write_len(f->root, "vmlinuz", (const char *) kernel, (gssize) len);
        fd = open(kernel_path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(memcrypt_compute_expected_measurement(f->client, xml, fd, -1, o, &m), 0);
        assert_int_equal(strlen(m->measurement), 64);
        assert_string_equal(m->mode, "seves");
        assert_string_equal(m->model, "amd-sev-es");
        assert_true(m->has_policy && m->policy == 0x37);
        assert_string_equal(m->firmware.path, "/usr/share/OVMF/OVMF.amdsev.fd");
        assert_true(m->firmware.size == d.size);
        assert_non_null(strstr(m->firmware.descriptor, "30-edk2-ovmf-amdsev.json"));
        assert_true(m->kernel_hashes);
        assert_string_equal(m->kernel.path, "/boot/vmlinuz");
        assert_true(m->kernel.size == len);
        assert_string_equal(m->initrd.path, "");
        assert_true(m->has_vmsas);
        assert_int_equal(m->vcpus, 4);
        assert_int_equal(m->vcpu_signature, 0xa00f11);
        assert_string_equal(m->vcpu_signature_source, "option vcpu_signature");
        assert_string_equal(m->vmsa_form, "legacy");
        assert_string_equal(m->command[0], "memcryptctl");
        assert_string_equal(m->command[3], "seves");
        m = memcrypt_expected_measurement_free(m);
        memcrypt_options_free(o);
        close(fd);
}

static void test_errors(void **state) {
        Fixture *f = *state;
        MemcryptLaunchMeasurement *m = NULL;

        expect_error(f, memcrypt_get_launch_measurement(f->client, "nobody", &m), -ENXIO,
                     MEMCRYPT_ERROR_NO_SUCH_DOMAIN);
        expect_error(f, memcrypt_get_launch_measurement(f->client, "sev-shutoff", &m), -EBUSY,
                     MEMCRYPT_ERROR_INVALID_DOMAIN_STATE);
        expect_error(f, memcrypt_get_launch_measurement(f->client, "plain-guest", &m), -EOPNOTSUPP,
                     MEMCRYPT_ERROR_MODEL_UNSUPPORTED);
        expect_error(f, memcrypt_get_launch_measurement(f->client, "a/b", &m), -EINVAL,
                     MEMCRYPT_ERROR_INVALID_ARGUMENT);
        assert_null(m);
        expect_error(f, memcrypt_inject_launch_secret(f->client, "sev-paused", "AAAA", SECRET, NULL), -EINVAL,
                     MEMCRYPT_ERROR_INVALID_ARGUMENT);
        assert_int_equal(f->authorized, 0);
        assert_int_equal(memcrypt_get_launch_measurement(f->client, NULL, &m), -EINVAL);
        assert_int_equal(memcrypt_inject_launch_secret(f->client, "x", NULL, SECRET, NULL), -EINVAL);
}

static void test_inject(void **state) {
        Fixture *f = *state;
        MemcryptLaunchMeasurement *m = NULL;
        MemcryptOptions *o = NULL;

        assert_int_equal(memcrypt_options_new(&o), 0);
        assert_int_equal(memcrypt_options_set_uint64(o, MEMCRYPT_OPTION_ADDRESS, 0x800000), 0);
        assert_int_equal(memcrypt_inject_launch_secret(f->client, "sev-paused", HEADER, SECRET, o), 0);
        assert_null(memcrypt_client_error_name(f->client));
        assert_int_equal(memcrypt_options_set_bool(o, MEMCRYPT_OPTION_RESUME, true), 0);
        assert_int_equal(memcrypt_inject_launch_secret(f->client, "sev-paused", HEADER, SECRET, o), 0);
        assert_int_equal(f->authorized, 2);
        assert_int_equal(memcrypt_get_launch_measurement(f->client, "sev-paused", &m), 0);
        assert_string_equal(m->state, "running");
        memcrypt_launch_measurement_free(m);
        expect_error(f, memcrypt_inject_launch_secret(f->client, "sev-paused", HEADER, SECRET, o), -EBUSY,
                     MEMCRYPT_ERROR_INVALID_DOMAIN_STATE);
        /* An option the service does not know travels, and is refused there. */
        assert_int_equal(memcrypt_options_set_string(o, "colour", "blue"), 0);
        expect_error(f, memcrypt_inject_launch_secret(f->client, "es-paused", HEADER, SECRET, o), -EINVAL,
                     MEMCRYPT_ERROR_INVALID_ARGUMENT);
        assert_non_null(strstr(memcrypt_client_error_message(f->client), "colour"));
        memcrypt_options_free(o);
}

static void test_grown_service(void **state) {
        Fixture *f = *state;
        MemcryptPlatformInfo *p = NULL;

        assert_int_equal(memcrypt_get_platform_info(f->client, &p), 0);
        assert_string_equal(p->vcek_url, "u");
        assert_int_equal(p->current_tcb.snp, 7);
        assert_false(p->has_sev_status);
        assert_string_equal(p->pdh, "");
        assert_null(p->unavailable[0]);
        memcrypt_platform_info_free(p);
}

static void test_retyped_service(void **state) {
        Fixture *f = *state;
        MemcryptPlatformInfo *p = NULL;

        expect_error(f, memcrypt_get_platform_info(f->client, &p), -EBADMSG, SD_BUS_ERROR_INVALID_SIGNATURE);
        assert_string_equal(memcrypt_client_error_message(f->client),
                            "Key GetPlatformInfo().vcek_url has signature 'u', expected 's'");
        assert_null(p);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_platform_info, setup_snp, teardown),
                cmocka_unit_test_setup_teardown(test_platform_info_sev_only, setup_sev, teardown),
                cmocka_unit_test_setup_teardown(test_launch_measurement, setup_sev, teardown),
                cmocka_unit_test_setup_teardown(test_expected, setup_sev, teardown),
                cmocka_unit_test_setup_teardown(test_errors, setup_sev, teardown),
                cmocka_unit_test_setup_teardown(test_inject, setup_sev, teardown),
                cmocka_unit_test_setup_teardown(test_grown_service, setup_grown, teardown),
                cmocka_unit_test_setup_teardown(test_retyped_service, setup_retyped, teardown),
        };
        return cmocka_run_group_tests_name("client-attest", tests, NULL, NULL);
}
