/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.memcrypt1.Attestation on /org/memcrypt1: thin handlers over
 * service/attest/. GetPlatformInfo() and GetLaunchMeasurement() are open to
 * every caller (agents need neither root nor /dev/sev); InjectLaunchSecret()
 * checks its arguments, then asks polkit, then acts.
 *
 * libvirt: the daemon's connection when it has one; else, serving a
 * snapshot (--root), the snapshot's recorded libvirt data; else none
 * (LibvirtUnavailable).
 */
#include "attest.h"
#include "bus-util.h"
#include "bus.h"

#define OPTIONS_ENTRIES_MAX 64

typedef struct {
        Context *context;
        AttestLibvirt *recorded;        /* created on first use when serving a snapshot */
} AttestService;

static void attest_service_free(void *userdata) {
        AttestService *s = userdata;

        attest_libvirt_free(s->recorded);
        g_free(s);
}

/* The backend for one call; *OWNED is what the caller frees (the live one), NULL with *WHY when none. */
static AttestLibvirt *backend(AttestService *s, AttestLibvirt **owned, const char **why) {
        virConnectPtr conn = context_libvirt_connection(s->context);

        *owned = NULL;
        *why = NULL;
        if (conn)
                return *owned = attest_libvirt_live_new(conn);
        if (!probe_root_is_live(s->context->root)) {
                if (!s->recorded)
                        s->recorded = attest_libvirt_recorded_new(s->context->root);
                return s->recorded;
        }
        *why = "memcryptd has no libvirt connection (libvirt is not running, memcryptd runs with --no-libvirt, "
               "or the connection was lost); try again once LibvirtConnected is true.";
        return NULL;
}

static int reply_variant(sd_bus_message *m, GVariant *v) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = bus_append_gvariant(reply, v);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_platform_info(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        AttestService *s = userdata;
        g_autoptr(AttestLibvirt) owned = NULL;
        g_autoptr(GVariant) info = NULL;
        const char *why;
        AttestLibvirt *lv = backend(s, &owned, &why);

        info = attest_platform_info(&s->context->facts, lv, why);
        return reply_variant(m, info);
}

static int method_get_launch_measurement(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        AttestService *s = userdata;
        g_autoptr(AttestLibvirt) owned = NULL;
        g_autoptr(GVariant) info = NULL;
        g_autofree char *message = NULL;
        const char *domain, *why;
        AttestLibvirt *lv;
        ApiError e;
        int r;

        r = sd_bus_message_read(m, "s", &domain);
        if (r < 0)
                return r;
        lv = backend(s, &owned, &why);
        e = attest_launch_measurement(&s->context->facts, lv, why, domain, &info, &message);
        if (e != API_OK)
                return bus_error_api(error, e, message);
        return reply_variant(m, info);
}

static int method_inject_launch_secret(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        AttestService *s = userdata;
        Context *c = s->context;
        g_autoptr(AttestLibvirt) owned = NULL;
        g_autoptr(GVariant) options = NULL;
        g_autofree char *message = NULL;
        const char *domain, *header, *secret, *why;
        InjectRequest req;
        AttestLibvirt *lv;
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

        r = c->authorize(c, m, ACTION_INJECT_LAUNCH_SECRET, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1;  /* polkit is asked; we are called again with its answer */

        lv = backend(s, &owned, &why);
        e = attest_inject(lv, why, &req, &message);
        if (e != API_OK)
                return bus_error_api(error, e, message);
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable attestation_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("GetPlatformInfo", SD_BUS_NO_ARGS, SD_BUS_RESULT("a{sv}", info),
                                method_get_platform_info, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetLaunchMeasurement", SD_BUS_ARGS("s", domain), SD_BUS_RESULT("a{sv}", info),
                                method_get_launch_measurement, SD_BUS_VTABLE_UNPRIVILEGED),
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
