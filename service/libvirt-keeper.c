/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include <libvirt/virterror.h>

#include "libvirt-keeper.h"
#include "probe.h"

#define USEC_PER_MSEC UINT64_C(1000)
#define RETRY_FIRST_MSEC 500u
#define RETRY_MAX_MSEC 30000u
#define KEEPALIVE_INTERVAL_SEC 5
#define KEEPALIVE_COUNT 3u

typedef struct {
        RunningDomain domain;
        char *problem;                  /* its XML could not be read; model unknown */
} KeptDomain;

struct LibvirtKeeper {
        sd_event *event;
        char *uri;
        bool keepalive;
        LibvirtChangeFunc changed;
        void *userdata;

        virConnectPtr conn;
        int lifecycle_id;               /* -1 when not registered */
        bool close_registered;
        bool ever_connected;
        char *problem;                  /* why there is no connection */
        uint64_t problem_since;         /* CLOCK_REALTIME µs */
        unsigned retry_msec;
        sd_event_source *retry_timer;
        sd_event_source *teardown;      /* defer: drop a connection libvirt told us is closed */
        char *close_reason;
        bool notify_pending;            /* lost while answering a caller: tell from the loop */

        GHashTable *domains;            /* uuid -> KeptDomain* */
        uint64_t events_seen;
};

static void kept_domain_free(KeptDomain *d) {
        g_free(d->domain.name);
        g_free(d->domain.uuid);
        g_free(d->problem);
        g_free(d);
}

static void notify(LibvirtKeeper *k, LibvirtChange what) {
        if (k->changed)
                k->changed(what, k->userdata);
}

static void set_problem(LibvirtKeeper *k, char *problem) {
        g_free(k->problem);
        k->problem = problem;
        k->problem_since = (uint64_t) g_get_real_time();
}

/* ---- domains -------------------------------------------------------------- */

/* Reads DOM's live XML into the table. Returns whether anything changed. */
static bool track_domain(LibvirtKeeper *k, virDomainPtr dom) {
        char uuid[VIR_UUID_STRING_BUFLEN];
        g_autofree char *why = NULL;
        KeptDomain *d, *old;
        char *xml;

        if (virDomainGetUUIDString(dom, uuid) < 0)
                return false;
        xml = virDomainGetXMLDesc(dom, 0);
        if (!xml && virGetLastErrorCode() == VIR_ERR_NO_DOMAIN)
                return g_hash_table_remove(k->domains, uuid);   /* gone before we asked */
        d = g_new0(KeptDomain, 1);
        if (xml)
                d->domain.model = domain_xml_guest_model(xml, strlen(xml), &d->domain.name, NULL, &why);
        else
                why = g_strdup(virGetLastErrorMessage());
        free(xml);
        if (why)
                d->problem = g_strdup_printf("domain %s: %s", virDomainGetName(dom) ?: uuid, why);
        if (!d->domain.name)
                d->domain.name = g_strdup(virDomainGetName(dom) ?: "");
        d->domain.uuid = g_strdup(uuid);

        old = g_hash_table_lookup(k->domains, uuid);
        if (old && old->domain.model == d->domain.model && g_str_equal(old->domain.name, d->domain.name) &&
            g_strcmp0(old->problem, d->problem) == 0) {
                kept_domain_free(d);
                return false;
        }
        g_hash_table_replace(k->domains, d->domain.uuid, d);
        return true;
}

static bool forget_domain(LibvirtKeeper *k, virDomainPtr dom) {
        char uuid[VIR_UUID_STRING_BUFLEN];

        return virDomainGetUUIDString(dom, uuid) == 0 && g_hash_table_remove(k->domains, uuid);
}

/* Crashes (on_crash=preserve keeps the QEMU process and its ASID) and
 * (un)definitions: ask libvirt whether the domain still runs. */
static bool recheck_domain(LibvirtKeeper *k, virDomainPtr dom) {
        int active = virDomainIsActive(dom);

        if (active == 1)
                return track_domain(k, dom);
        if (active == 0 || virGetLastErrorCode() == VIR_ERR_NO_DOMAIN)
                return forget_domain(k, dom);
        return false;
}

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque) {
        LibvirtKeeper *k = opaque;
        bool changed;

        k->events_seen++;
        switch (event) {
        case VIR_DOMAIN_EVENT_STARTED:
                changed = track_domain(k, dom);
                break;
        case VIR_DOMAIN_EVENT_STOPPED:
                changed = forget_domain(k, dom);
                break;
        case VIR_DOMAIN_EVENT_CRASHED:
        case VIR_DOMAIN_EVENT_DEFINED:
        case VIR_DOMAIN_EVENT_UNDEFINED:
                changed = recheck_domain(k, dom);
                break;
        default:
                /* Paused, resumed, shut down inside the guest, suspended to RAM: the ASID stays taken. */
                changed = false;
        }
        if (changed)
                notify(k, LIBVIRT_CHANGED_DOMAINS);
        return 0;
}

static bool list_domains(LibvirtKeeper *k) {
        virDomainPtr *doms = NULL;
        int n = virConnectListAllDomains(k->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);

        if (n < 0) {
                set_problem(k, g_strdup_printf("virConnectListAllDomains on %s failed: %s", k->uri,
                                               virGetLastErrorMessage()));
                return false;
        }
        g_hash_table_remove_all(k->domains);
        for (int i = 0; i < n; i++) {
                track_domain(k, doms[i]);
                virDomainFree(doms[i]);
        }
        free(doms);
        return true;
}

/* ---- connection ----------------------------------------------------------- */

static const char *close_reason_text(int reason) {
        switch (reason) {
        case VIR_CONNECT_CLOSE_REASON_ERROR:     return "a socket error";
        case VIR_CONNECT_CLOSE_REASON_EOF:       return "libvirtd closed the connection";
        case VIR_CONNECT_CLOSE_REASON_KEEPALIVE: return "no keepalive answer";
        case VIR_CONNECT_CLOSE_REASON_CLIENT:    return "closed by memcryptd";
        default:                                 return "an unknown reason";
        }
}

static void on_close(virConnectPtr conn, int reason, void *opaque);

static void drop_connection(LibvirtKeeper *k) {
        if (!k->conn)
                return;
        virResetLastError();
        if (k->lifecycle_id >= 0)
                (void) virConnectDomainEventDeregisterAny(k->conn, k->lifecycle_id);
        k->lifecycle_id = -1;
        if (k->close_registered)
                (void) virConnectUnregisterCloseCallback(k->conn, on_close);
        k->close_registered = false;
        virConnectClose(k->conn);
        k->conn = NULL;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata);

static void schedule_retry(LibvirtKeeper *k) {
        uint64_t now = 0;

        (void) sd_event_now(k->event, CLOCK_MONOTONIC, &now);
        if (!k->retry_timer) {
                if (sd_event_add_time(k->event, &k->retry_timer, CLOCK_MONOTONIC, 0, USEC_PER_MSEC, on_retry, k) < 0)
                        return;
                (void) sd_event_source_set_description(k->retry_timer, "libvirt-reconnect");
        }
        (void) sd_event_source_set_time(k->retry_timer, now + k->retry_msec * USEC_PER_MSEC);
        (void) sd_event_source_set_enabled(k->retry_timer, SD_EVENT_ONESHOT);
        k->retry_msec = MIN(k->retry_msec * 2, RETRY_MAX_MSEC);
}

/* Called by libvirt when the connection dies; tearing it down from inside its
 * own callback is not allowed, so that happens on the next loop iteration. */
static void on_close(virConnectPtr conn, int reason, void *opaque) {
        LibvirtKeeper *k = opaque;

        if (conn != k->conn)
                return;
        g_free(k->close_reason);
        k->close_reason = g_strdup(close_reason_text(reason));
        (void) sd_event_source_set_enabled(k->teardown, SD_EVENT_ONESHOT);
}

static void lose_connection(LibvirtKeeper *k, const char *why) {
        g_warning("Lost the libvirt connection to %s (%s); answering from the last facts and reconnecting", k->uri, why);
        drop_connection(k);
        set_problem(k, g_strdup_printf("the connection to %s was lost (%s)", k->uri, why));
        k->retry_msec = RETRY_FIRST_MSEC;
        schedule_retry(k);
}

static int on_teardown(sd_event_source *s, void *userdata) {
        LibvirtKeeper *k = userdata;
        g_autofree char *why = g_steal_pointer(&k->close_reason);

        if (k->conn)
                lose_connection(k, why ?: "closed");
        else if (!k->notify_pending)
                return 0;
        k->notify_pending = false;
        notify(k, LIBVIRT_CHANGED_CONNECTION);
        return 0;
}

/* Keepalive, close callback and lifecycle events; only the last is required. */
static bool register_callbacks(LibvirtKeeper *k) {
        /* Not every driver has keepalive or a close callback (test:///, embedded ones). */
        if (k->keepalive)
                (void) virConnectSetKeepAlive(k->conn, KEEPALIVE_INTERVAL_SEC, KEEPALIVE_COUNT);
        k->close_registered = virConnectRegisterCloseCallback(k->conn, on_close, k, NULL) == 0;
        k->lifecycle_id = virConnectDomainEventRegisterAny(k->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                           VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), k, NULL);
        if (k->lifecycle_id < 0)
                set_problem(k, g_strdup_printf("cannot subscribe to domain events on %s: %s", k->uri,
                                               virGetLastErrorMessage()));
        return k->lifecycle_id >= 0;
}

/* Returns whether a connection with events and a domain list is up. */
static bool connect_once(LibvirtKeeper *k) {
        /* Read-write: virConnectGetDomainCapabilities refuses read-only connections. */
        k->conn = virConnectOpen(k->uri);
        if (!k->conn) {
                set_problem(k, g_strdup_printf("cannot connect to %s: %s", k->uri, virGetLastErrorMessage()));
                return false;
        }
        /* Subscribe before listing: a domain starting in between is then seen twice, not never. */
        if (!register_callbacks(k) || !list_domains(k)) {
                drop_connection(k);
                return false;
        }
        g_clear_pointer(&k->problem, g_free);
        k->problem_since = (uint64_t) g_get_real_time();
        k->retry_msec = RETRY_FIRST_MSEC;
        k->ever_connected = true;
        return true;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        LibvirtKeeper *k = userdata;

        if (!connect_once(k)) {
                schedule_retry(k);
                return 0;
        }
        g_message("Connected to libvirt at %s", k->uri);
        notify(k, LIBVIRT_CHANGED_CONNECTION);
        return 0;
}

LibvirtKeeper *libvirt_keeper_new(sd_event *event, const LibvirtKeeperOptions *o) {
        LibvirtKeeper *k = g_new0(LibvirtKeeper, 1);

        libvirt_errors_quiet();
        k->event = sd_event_ref(event);
        k->uri = g_strdup(o->uri);
        k->keepalive = o->keepalive;
        k->changed = o->changed;
        k->userdata = o->userdata;
        k->lifecycle_id = -1;
        k->retry_msec = RETRY_FIRST_MSEC;
        k->domains = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) kept_domain_free);
        if (sd_event_add_defer(event, &k->teardown, on_teardown, k) >= 0)
                (void) sd_event_source_set_enabled(k->teardown, SD_EVENT_OFF);
        if (!connect_once(k))
                schedule_retry(k);
        return k;
}

LibvirtKeeper *libvirt_keeper_free(LibvirtKeeper *k) {
        if (!k)
                return NULL;
        drop_connection(k);
        sd_event_source_disable_unref(k->retry_timer);
        sd_event_source_disable_unref(k->teardown);
        g_hash_table_unref(k->domains);
        sd_event_unref(k->event);
        g_free(k->close_reason);
        g_free(k->problem);
        g_free(k->uri);
        g_free(k);
        return NULL;
}

const char *libvirt_keeper_uri(const LibvirtKeeper *k) {
        return k->uri;
}

virConnectPtr libvirt_keeper_connection(LibvirtKeeper *k) {
        /* Drivers without a close callback (test:///) only show a dead link here. */
        if (k->conn && virConnectIsAlive(k->conn) == 0) {
                lose_connection(k, "the connection is no longer alive");
                /* The caller is in the middle of something: no re-entrant notification. */
                k->notify_pending = true;
                (void) sd_event_source_set_enabled(k->teardown, SD_EVENT_ONESHOT);
        }
        return k->conn;
}

const char *libvirt_keeper_problem(const LibvirtKeeper *k, uint64_t *since_usec) {
        if (since_usec)
                *since_usec = k->problem_since;
        return k->conn ? NULL : k->problem;
}

bool libvirt_keeper_ever_connected(const LibvirtKeeper *k) {
        return k->ever_connected;
}

static int compare_domains(const void *a, const void *b) {
        const RunningDomain *x = *(RunningDomain *const *) a, *y = *(RunningDomain *const *) b;
        int r = g_strcmp0(x->name, y->name);

        return r ? r : g_strcmp0(x->uuid, y->uuid);
}

GPtrArray *libvirt_keeper_domains(const LibvirtKeeper *k, char **problem) {
        GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify) running_domain_free);
        g_autoptr(GPtrArray) problems = g_ptr_array_new();
        GHashTableIter it;
        KeptDomain *d;

        g_hash_table_iter_init(&it, k->domains);
        while (g_hash_table_iter_next(&it, NULL, (gpointer *) &d)) {
                RunningDomain *copy = g_new0(RunningDomain, 1);

                *copy = (RunningDomain) { g_strdup(d->domain.name), g_strdup(d->domain.uuid), d->domain.model };
                g_ptr_array_add(out, copy);
                if (d->problem)
                        g_ptr_array_add(problems, d->problem);
        }
        g_ptr_array_sort(out, compare_domains);
        g_ptr_array_add(problems, NULL);
        *problem = problems->len > 1 ? g_strjoinv("; ", (char **) problems->pdata) : NULL;
        return out;
}

uint64_t libvirt_keeper_events_seen(const LibvirtKeeper *k) {
        return k->events_seen;
}
