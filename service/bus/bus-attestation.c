/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.memcrypt1.Attestation on /org/memcrypt1: thin handlers over
 * service/attest/. GetPlatformInfo() and GetLaunchMeasurement() are open to
 * every caller (agents need neither root nor /dev/sev), and so are
 * GetExpectedMeasurement() and ComputeExpectedMeasurement() (the expected
 * digest of a domain, or of a document with its kernel and initrd passed as
 * descriptors); InjectLaunchSecret() checks its arguments, then asks polkit,
 * then acts.
 *
 * Every method is a job (bus-jobs.h): hashing firmware and kernels and
 * waiting on libvirt happen on worker threads, never on the loop.
 *
 * libvirt: the daemon's connection when it follows libvirt (each call on the
 * libvirt thread, with the LibvirtTimeoutSec deadline); else, serving a
 * snapshot (--root), the snapshot's recorded libvirt data; else none
 * (LibvirtUnavailable).
 */
#include <fcntl.h>
#include <unistd.h>

#include "attest-expected.h"
#include "attest.h"
#include "bus-attestation.h"
#include "bus-authorize.h"
#include "bus-jobs.h"
#include "bus-names.h"
#include "bus-util.h"
#include "clear-strings.h"
#include "libvirt-attest.h"

#define OPTIONS_ENTRIES_MAX 64

typedef struct {
        Context *context;
        AttestLibvirt *recorded;        /* created on first use when serving a snapshot */
        GMutex recorded_lock;           /* it remembers resumes: one job at a time uses it */
        ExpectedCache *expected;        /* expected measurements by their files' identity (thread-safe) */
} AttestService;

static void attest_service_free(void *userdata) {
        AttestService *s = userdata;

        expected_cache_free(s->expected);
        attest_libvirt_free(s->recorded);
        g_mutex_clear(&s->recorded_lock);
        g_free(s);
}

/* One attestation call as a job: its copied arguments, the host state it
 * started with, the backend it uses, and the answer. */
typedef struct {
        HostState *state;
        AttestService *service;
        AttestLibvirt *lv;              /* NULL with WHY: no libvirt */
        bool owned, recorded;           /* LV is the job's own (free it) / the shared snapshot one (lock it) */
        const char *why;
        char *domain, *header, *secret;
        InjectRequest req;
        char *xml;                      /* ComputeExpectedMeasurement's document */
        int kernel_fd, initrd_fd;       /* ... and its descriptors (our duplicates), -1 when none */
        ExpectedOptions expected;

        ApiError e;
        char *message;
        GVariant *info;
} AttestCall;

static void attest_call_free(void *userdata) {
        AttestCall *a = userdata;

        host_state_unref(a->state);
        if (a->owned)
                attest_libvirt_free(a->lv);
        clear_strings(&a->domain, &a->header, &a->secret, &a->xml, &a->message, NULL);
        if (a->kernel_fd >= 0)
                close(a->kernel_fd);
        if (a->initrd_fd >= 0)
                close(a->initrd_fd);
        g_clear_pointer(&a->info, g_variant_unref);
        g_free(a);
}

/* The backend for one call: the daemon's connection (each libvirt call on the
 * libvirt thread, with its deadline), else on a snapshot its recorded libvirt
 * data, else none (LibvirtUnavailable). */
static AttestCall *attest_call_new(AttestService *s) {
        Context *c = s->context;
        AttestCall *a = g_new0(AttestCall, 1);

        a->state = host_state_ref(c->state);
        a->service = s;
        a->kernel_fd = a->initrd_fd = -1;
        if (c->libvirt) {
                a->lv = attest_libvirt_keeper_new(c->libvirt);
                a->owned = true;
        } else if (!probe_root_is_live(c->root)) {
                if (!s->recorded)
                        s->recorded = attest_libvirt_recorded_new(c->root);
                a->lv = s->recorded;
                a->recorded = true;
        } else
                a->why = "memcryptd has no libvirt connection (libvirt is not running, memcryptd runs with "
                         "--no-libvirt, or the connection was lost); try again once LibvirtConnected is true.";
        return a;
}

static void backend_lock(AttestCall *a) {
        if (a->recorded)
                g_mutex_lock(&a->service->recorded_lock);
}

static void backend_unlock(AttestCall *a) {
        if (a->recorded)
                g_mutex_unlock(&a->service->recorded_lock);
}

/* INFO as the reply: an a{sv} as it is, a tuple (the expected measurement: s, a{sv}, as) member by member. */
static int reply_info(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        AttestCall *a = userdata;
        bool tuple;
        int r;

        if (a->e != API_OK)
                return bus_error_api(error, a->e, a->message);
        tuple = g_variant_is_of_type(a->info, G_VARIANT_TYPE_TUPLE);
        r = sd_bus_message_new_method_return(m, &reply);
        for (gsize i = 0; r >= 0 && i < (tuple ? g_variant_n_children(a->info) : 1); i++) {
                g_autoptr(GVariant) v = tuple ? g_variant_get_child_value(a->info, i) : g_variant_ref(a->info);
                r = bus_append_gvariant(reply, v);
        }
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int reply_empty(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        AttestCall *a = userdata;

        if (a->e != API_OK)
                return bus_error_api(error, a->e, a->message);
        return sd_bus_reply_method_return(m, NULL);
}

static void run_platform_info(void *userdata) {
        AttestCall *a = userdata;

        backend_lock(a);
        a->info = attest_platform_info(&a->state->facts, a->lv, a->why);
        backend_unlock(a);
}

static void run_launch_measurement(void *userdata) {
        AttestCall *a = userdata;

        backend_lock(a);
        a->e = attest_launch_measurement(&a->state->facts, a->lv, a->why, a->service->expected, a->domain, &a->info,
                                         &a->message);
        backend_unlock(a);
}

static void run_expected_domain(void *userdata) {
        AttestCall *a = userdata;

        backend_lock(a);
        a->e = attest_expected_domain(&a->state->facts, a->lv, a->why, a->service->expected, a->domain, &a->expected,
                                      &a->info, &a->message);
        backend_unlock(a);
}

/* No libvirt here: the document, the descriptors and the host facts are all it needs. */
static void run_expected_document(void *userdata) {
        AttestCall *a = userdata;
        const ExpectedSource src = { a->xml, true, a->kernel_fd, a->initrd_fd };

        a->e = attest_expected(&a->state->facts, a->service->expected, &src, &a->expected, &a->info, &a->message);
}

static void run_inject(void *userdata) {
        AttestCall *a = userdata;

        backend_lock(a);
        a->e = attest_inject(a->lv, a->why, &a->req, &a->message);
        backend_unlock(a);
}

static const BusJobType platform_info_job = { true, run_platform_info, reply_info, attest_call_free };
static const BusJobType launch_measurement_job = { true, run_launch_measurement, reply_info, attest_call_free };
static const BusJobType expected_domain_job = { true, run_expected_domain, reply_info, attest_call_free };
static const BusJobType expected_document_job = { true, run_expected_document, reply_info, attest_call_free };
static const BusJobType inject_job = { true, run_inject, reply_empty, attest_call_free };

static int method_get_platform_info(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        AttestService *s = userdata;

        return bus_job_start(s->context, m, &platform_info_job, attest_call_new(s), error);
}

/* A job on the domain named in M (checked here, on the loop), with the expected measurement's options O. */
static int start_domain_job(AttestService *s, sd_bus_message *m, const char *domain, const BusJobType *type,
                            const ExpectedOptions *o, sd_bus_error *error) {
        g_autofree char *message = NULL;
        AttestCall *a;
        ApiError e;

        e = attest_check_domain_name(domain, &message);
        if (e != API_OK)
                return bus_error_api(error, e, message);
        a = attest_call_new(s);
        a->domain = g_strdup(domain);
        if (o)
                a->expected = *o;
        return bus_job_start(s->context, m, type, a, error);
}

static int method_get_launch_measurement(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *domain;
        int r;

        r = sd_bus_message_read(m, "s", &domain);
        if (r < 0)
                return r;
        return start_domain_job(userdata, m, domain, &launch_measurement_job, NULL, error);
}

static int read_expected_options(sd_bus_message *m, ExpectedOptions *ret, sd_bus_error *error) {
        g_autoptr(GVariant) options = NULL;
        g_autofree char *message = NULL;
        ApiError e;
        int r;

        r = bus_read_options(m, OPTIONS_ENTRIES_MAX, &options, error);
        if (r < 0)
                return r;
        e = attest_expected_options_parse(options, ret, &message);
        return e == API_OK ? 0 : bus_error_api(error, e, message);
}

static int method_get_expected_measurement(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        ExpectedOptions o;
        const char *domain;
        int r;

        r = sd_bus_message_read(m, "s", &domain);
        if (r >= 0)
                r = read_expected_options(m, &o, error);
        if (r < 0)
                return r;
        return start_domain_job(userdata, m, domain, &expected_domain_job, &o, error);
}

/* Our own copy of a descriptor the message carries (the message may go before the job does). */
static int dup_fd(int fd, const char *name, sd_bus_error *error) {
        int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);

        if (copy < 0)
                return sd_bus_error_setf(error, MEMCRYPT_ERROR_INVALID_ARGUMENT, "The %s descriptor cannot be used: %s.",
                                         name, g_strerror(errno));
        return copy;
}

static int method_compute_expected_measurement(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        AttestService *s = userdata;
        ExpectedOptions o;
        const char *xml;
        int kernel, initrd, r;
        AttestCall *a;

        r = sd_bus_message_read(m, "shh", &xml, &kernel, &initrd);
        if (r >= 0)
                r = read_expected_options(m, &o, error);
        if (r < 0)
                return r;
        if (strlen(xml) > HOST_FILE_MAX)
                return sd_bus_error_setf(error, MEMCRYPT_ERROR_INVALID_DOMAIN_XML, "The domain XML has %zu bytes, more "
                                         "than the %zu accepted.", strlen(xml), HOST_FILE_MAX);
        a = attest_call_new(s);
        a->expected = o;
        a->xml = g_strdup(xml);
        r = a->kernel_fd = dup_fd(kernel, "kernel", error);
        if (r >= 0)
                r = a->initrd_fd = dup_fd(initrd, "initrd", error);
        if (r < 0) {
                attest_call_free(a);
                return r;
        }
        return bus_job_start(s->context, m, &expected_document_job, a, error);
}

static int method_inject_launch_secret(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        AttestService *s = userdata;
        Context *c = s->context;
        g_autoptr(GVariant) options = NULL;
        g_autofree char *message = NULL;
        const char *domain, *header, *secret;
        InjectRequest req;
        AttestCall *a;
        ApiError e;
        int r;

        r = sd_bus_message_read(m, "sss", &domain, &header, &secret);
        if (r >= 0)
                r = bus_read_options(m, OPTIONS_ENTRIES_MAX, &options, error);
        if (r < 0)
                return r;
        /* A malformed call is refused before polkit is bothered (or a password asked for). */
        e = attest_inject_parse(domain, header, secret, options, &req, &message);
        if (e != API_OK)
                return bus_error_api(error, e, message);

        r = bus_authorize(c, m, ACTION_INJECT_LAUNCH_SECRET, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1;  /* polkit is asked; we are called again with its answer */

        /* The request's strings point into the message: the job gets copies. */
        a = attest_call_new(s);
        a->domain = g_strdup(domain);
        a->header = g_strdup(header);
        a->secret = g_strdup(secret);
        a->req = req;
        a->req.domain = a->domain;
        a->req.header = a->header;
        a->req.secret = a->secret;
        return bus_job_start(c, m, &inject_job, a, error);
}

static const sd_bus_vtable attestation_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("GetPlatformInfo", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{sv}", info),
                                method_get_platform_info, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetLaunchMeasurement", SD_BUS_ARGS("s", domain), SD_BUS_RESULT("a{sv}", info),
                                method_get_launch_measurement, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetExpectedMeasurement", SD_BUS_ARGS("s", domain, "a{sv}", options),
                                SD_BUS_RESULT("s", measurement, "a{sv}", inputs, "as", command),
                                method_get_expected_measurement, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ComputeExpectedMeasurement",
                                SD_BUS_ARGS("s", domain_xml, "h", kernel, "h", initrd, "a{sv}", options),
                                SD_BUS_RESULT("s", measurement, "a{sv}", inputs, "as", command),
                                method_compute_expected_measurement, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("InjectLaunchSecret",
                                SD_BUS_ARGS("s", domain, "s", header, "s", secret, "a{sv}", options),
                                SD_BUS_NO_RESULT, method_inject_launch_secret, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

int bus_add_attestation(Context *c, sd_bus *bus) {
        AttestService *s = g_new0(AttestService, 1);
        sd_bus_slot *slot = NULL;
        int r;

        s->context = c;
        s->expected = expected_cache_new();
        g_mutex_init(&s->recorded_lock);
        r = sd_bus_add_object_vtable(bus, &slot, MANAGER_PATH, ATTESTATION_INTERFACE, attestation_vtable, s);
        if (r < 0) {
                attest_service_free(s);
                return r;
        }
        /* The slot lives as long as the bus and takes the service state with it. */
        sd_bus_slot_set_destroy_callback(slot, attest_service_free);
        r = sd_bus_slot_set_floating(slot, 1);
        sd_bus_slot_unref(slot);
        return r;
}
