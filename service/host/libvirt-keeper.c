/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "config.h"
#include "libvirt-keeper.h"
#include "probe.h"

#define RETRY_FIRST_MSEC 500
#define RETRY_MAX_MSEC 30000

/* Domain changes queued for the loop beyond this many are dropped, and the thread
 * lists the domains afresh instead (a stalled loop costs one O(n) listing, not
 * unbounded memory). */
#define MAX_QUEUED_CHANGES 65536u

/* One change of the running domains, queued for the loop in the order libvirt told it.
 * The loop's table is the only table of the running domains: the thread keeps none
 * (issue 17: a second copy cost as much memory as the first), so it sends what it
 * learns and the loop finds out what that changes. */
typedef enum {
        CHANGE_RUNS,                    /* DOMAIN runs now (started, or found running) */
        CHANGE_GONE,                    /* the domain with UUID runs no more */
        CHANGE_LISTING,                 /* LISTING is every running domain (a new connection, a backlog) */
} DomainChangeKind;

typedef struct {
        DomainChangeKind kind;
        RunningDomain *domain;
        char *uuid;
        DomainTable *listing;
        bool after_backlog;             /* LISTING: made because the queue overflowed */
} DomainChange;

/* One caller's call, shared by the caller and the thread until both are done with it. */
typedef struct {
        gatomicrefcount ref;
        LibvirtCallFunc func;
        void *data;
        GDestroyNotify free;
        ApiError result;
        char *message;
        bool done, abandoned;           /* under the keeper's lock */
} Call;

struct LibvirtKeeper {
        char *uri;
        bool keepalive;
        unsigned timeout_sec;
        int keepalive_interval_sec;     /* from RefreshIntervalSec: libvirt_keepalive_for_refresh() */
        unsigned keepalive_count;
        LibvirtChangeFunc changed;
        void *userdata;

        /* The loop side: the thread's news arrive through an eventfd. */
        sd_event_source *news_source;
        int news_fd;

        GThread *thread;
        int wake_timer;                 /* a libvirt timeout on the thread's loop: queued work to do */

        GMutex lock;
        GCond cond;
        /* Under LOCK: what the thread publishes and what others ask of it. */
        bool connected;                 /* a connection is up */
        bool stuck;                     /* a caller's call passed the deadline and is not back yet */
        bool ever_connected, first_attempt_done, quit, exited, reprobe;
        char *problem;                  /* why there is no connection */
        uint64_t problem_since;         /* CLOCK_REALTIME µs */
        GHashTable *problems;           /* uuid -> why its XML could not be read (model unknown) */
        GQueue changes;                 /* DomainChange*, not yet taken by the loop */
        unsigned max_changes;           /* MAX_QUEUED_CHANGES unless a test asked for fewer */
        bool relist;                    /* CHANGES overflowed: the thread lists the domains afresh */
        LibvirtFacts probed;            /* versions, domcaps, node SEV info as last read */
        unsigned news;                  /* 1 << LibvirtChange, for the loop */
        GQueue calls;                   /* Call* */
        uint64_t events_seen;

        /* The thread's alone. */
        virConnectPtr conn;
        int lifecycle_id;               /* -1 when not registered */
        bool close_registered;
        int retry_msec;
        int retry_timer, teardown_timer;
        char *close_reason;
};

static void domain_change_free(DomainChange *c) {
        running_domain_free(c->domain);
        g_free(c->uuid);
        domain_table_free(c->listing);
        g_free(c);
}

static void call_unref(Call *c) {
        if (!g_atomic_ref_count_dec(&c->ref))
                return;
        if (c->data && c->free)
                c->free(c->data);
        g_free(c->message);
        g_free(c);
}

/* ---- news for the loop ---------------------------------------------------- */

/* Under LOCK. */
static void post_locked(LibvirtKeeper *k, LibvirtChange what) {
        uint64_t one = 1;

        k->news |= 1u << what;
        if (k->news_fd >= 0 && write(k->news_fd, &one, sizeof(one)) != sizeof(one))
                g_warning("Cannot wake the event loop: %s", g_strerror(errno));
}

static void post(LibvirtKeeper *k, LibvirtChange what) {
        g_mutex_lock(&k->lock);
        post_locked(k, what);
        g_mutex_unlock(&k->lock);
}

static int on_news(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        LibvirtKeeper *k = userdata;
        unsigned news;
        uint64_t n;

        (void) read(fd, &n, sizeof(n));
        g_mutex_lock(&k->lock);
        news = k->news;
        k->news = 0;
        g_mutex_unlock(&k->lock);
        if (!k->changed || news == 0)
                return 0;
        /* A connection change refreshes everything, domains included. */
        k->changed(news & (1u << LIBVIRT_CHANGED_CONNECTION) ? LIBVIRT_CHANGED_CONNECTION : LIBVIRT_CHANGED_DOMAINS,
                   k->userdata);
        return 0;
}

/* Under LOCK. */
static void set_problem_locked(LibvirtKeeper *k, char *problem) {
        g_free(k->problem);
        k->problem = problem;
        k->problem_since = (uint64_t) g_get_real_time();
}

static void set_problem(LibvirtKeeper *k, char *problem) {
        g_mutex_lock(&k->lock);
        set_problem_locked(k, problem);
        g_mutex_unlock(&k->lock);
}

/* ---- domains (thread) ----------------------------------------------------- */

static void wake(LibvirtKeeper *k);

/* Under LOCK: queue C (taken) for the loop. Past MAX_QUEUED_CHANGES the queue is dropped
 * and the thread lists the domains afresh, which says all the dropped changes said. */
static void queue_change_locked(LibvirtKeeper *k, DomainChange *c) {
        if (k->relist || k->changes.length >= k->max_changes) {
                if (!k->relist)
                        wake(k);
                g_queue_clear_full(&k->changes, (GDestroyNotify) domain_change_free);
                k->relist = true;
                domain_change_free(c);
                return;
        }
        g_queue_push_tail(&k->changes, c);
}

/* The domain with UUID runs no more. */
static void forget_uuid_locked(LibvirtKeeper *k, const char *uuid) {
        DomainChange *c = g_new0(DomainChange, 1);

        g_hash_table_remove(k->problems, uuid);
        c->kind = CHANGE_GONE;
        c->uuid = g_strdup(uuid);
        queue_change_locked(k, c);
}

/* DOM as it runs now, from its live XML (read once, its document freed at once), with UUID;
 * NULL when it no longer runs. Records or clears why its XML could not be read. */
static RunningDomain *read_domain(LibvirtKeeper *k, virDomainPtr dom, const char *uuid) {
        g_autofree char *why = NULL;
        RunningDomain *d;
        char *xml = virDomainGetXMLDesc(dom, 0);

        if (!xml && virGetLastErrorCode() == VIR_ERR_NO_DOMAIN)
                return NULL;    /* gone before we asked */
        d = g_new0(RunningDomain, 1);
        if (xml)
                d->model = domain_xml_guest_model(xml, strlen(xml), &d->name, NULL, &why);
        else
                why = g_strdup(virGetLastErrorMessage());
        free(xml);
        if (!d->name)
                d->name = g_strdup(virDomainGetName(dom) ?: "");
        d->uuid = g_strdup(uuid);

        g_mutex_lock(&k->lock);
        if (why)
                g_hash_table_replace(k->problems, g_strdup(uuid),
                                     g_strdup_printf("domain %s: %s", d->name[0] ? d->name : uuid, why));
        else
                g_hash_table_remove(k->problems, uuid);
        g_mutex_unlock(&k->lock);
        return d;
}

/* DOM started (or may have): queue it as it runs now, or as gone. The loop tells
 * whether that changes anything (a domain it knows as it is is no news). */
static bool track_domain(LibvirtKeeper *k, virDomainPtr dom) {
        char uuid[VIR_UUID_STRING_BUFLEN];
        RunningDomain *d;

        if (virDomainGetUUIDString(dom, uuid) < 0)
                return false;
        d = read_domain(k, dom, uuid);
        g_mutex_lock(&k->lock);
        if (d) {
                DomainChange *c = g_new0(DomainChange, 1);

                c->kind = CHANGE_RUNS;
                c->domain = d;
                queue_change_locked(k, c);
        } else
                forget_uuid_locked(k, uuid);
        g_mutex_unlock(&k->lock);
        return true;
}

static bool forget_domain(LibvirtKeeper *k, virDomainPtr dom) {
        char uuid[VIR_UUID_STRING_BUFLEN];

        if (virDomainGetUUIDString(dom, uuid) < 0)
                return false;
        g_mutex_lock(&k->lock);
        forget_uuid_locked(k, uuid);
        g_mutex_unlock(&k->lock);
        return true;
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

        g_mutex_lock(&k->lock);
        k->events_seen++;
        g_mutex_unlock(&k->lock);
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
                post(k, LIBVIRT_CHANGED_DOMAINS);
        return 0;
}

/* Lists the running domains afresh (a new connection, a reprobe, a recovery, a
 * backlog): events may have been missed meanwhile. The listing replaces whatever
 * the loop has not taken yet; the loop compares it with its table, so no guest is
 * lost or reported twice across a reconnect. */
static bool list_domains(LibvirtKeeper *k) {
        g_autoptr(DomainTable) listing = domain_table_new();
        virDomainPtr *doms = NULL;
        int n = virConnectListAllDomains(k->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
        DomainChange *c;
        GHashTableIter it;
        const char *uuid;

        if (n < 0) {
                set_problem(k, g_strdup_printf("virConnectListAllDomains on %s failed: %s", k->uri,
                                               virGetLastErrorMessage()));
                return false;
        }
        for (int i = 0; i < n; i++) {
                char id[VIR_UUID_STRING_BUFLEN];
                RunningDomain *d;

                if (virDomainGetUUIDString(doms[i], id) >= 0 && (d = read_domain(k, doms[i], id)))
                        domain_table_put(listing, d, NULL);
                virDomainFree(doms[i]);
        }
        free(doms);
        g_mutex_lock(&k->lock);
        g_hash_table_iter_init(&it, k->problems);
        while (g_hash_table_iter_next(&it, (gpointer *) &uuid, NULL))
                if (!domain_table_lookup(listing, uuid))
                        g_hash_table_iter_remove(&it);
        c = g_new0(DomainChange, 1);
        c->kind = CHANGE_LISTING;
        c->listing = g_steal_pointer(&listing);
        c->after_backlog = k->relist;
        g_queue_clear_full(&k->changes, (GDestroyNotify) domain_change_free);
        k->relist = false;
        g_queue_push_tail(&k->changes, c);
        g_mutex_unlock(&k->lock);
        return true;
}

/* Versions, domain capabilities and node info, published at once. */
static void probe_connection(LibvirtKeeper *k) {
        LibvirtFacts fresh = {};

        probe_libvirt_connection(k->conn, k->uri, &fresh);
        g_mutex_lock(&k->lock);
        libvirt_facts_copy_probed(&k->probed, &fresh);
        g_mutex_unlock(&k->lock);
        g_free(fresh.uri);
        g_free(fresh.libvirt_version);
        g_free(fresh.qemu_version);
        g_free(fresh.node_sev_info);
        g_free(fresh.versions_src.detail);
        g_free(fresh.connection.detail);
        g_free(fresh.domcaps.src.detail);
        g_free(fresh.domcaps.cpu0_id);
        g_free(fresh.domcaps.raw_xml);
}

/* ---- connection (thread) -------------------------------------------------- */

static const char *close_reason_text(int reason) {
        switch (reason) {
        case VIR_CONNECT_CLOSE_REASON_ERROR:     return "a socket error";
        case VIR_CONNECT_CLOSE_REASON_EOF:       return "libvirtd closed the connection";
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
        g_mutex_lock(&k->lock);
        k->connected = false;
        g_mutex_unlock(&k->lock);
}

static void schedule_retry(LibvirtKeeper *k) {
        virEventUpdateTimeout(k->retry_timer, k->retry_msec);
        k->retry_msec = MIN(k->retry_msec * 2, RETRY_MAX_MSEC);
}

/* Called by libvirt when the connection dies; tearing it down from inside its
 * own callback is not allowed, so that happens from the next loop iteration. */
static void on_close(virConnectPtr conn, int reason, void *opaque) {
        LibvirtKeeper *k = opaque;

        if (conn != k->conn)
                return;
        g_free(k->close_reason);
        if (reason == VIR_CONNECT_CLOSE_REASON_KEEPALIVE)
                k->close_reason = g_strdup_printf("no answer to keepalive pings for %u s",
                                                  (k->keepalive_count + 1) * (unsigned) k->keepalive_interval_sec);
        else
                k->close_reason = g_strdup(close_reason_text(reason));
        virEventUpdateTimeout(k->teardown_timer, 0);
}

static void lose_connection(LibvirtKeeper *k, const char *why) {
        g_warning("Lost the libvirt connection to %s (%s); answering from the last facts and reconnecting", k->uri, why);
        drop_connection(k);
        g_mutex_lock(&k->lock);
        set_problem_locked(k, g_strdup_printf("the connection to %s was lost (%s)", k->uri, why));
        k->stuck = false;
        post_locked(k, LIBVIRT_CHANGED_CONNECTION);
        g_mutex_unlock(&k->lock);
        k->retry_msec = RETRY_FIRST_MSEC;
        schedule_retry(k);
}

static void on_teardown(int timer, void *opaque) {
        LibvirtKeeper *k = opaque;
        g_autofree char *why = g_steal_pointer(&k->close_reason);

        virEventUpdateTimeout(timer, -1);
        if (k->conn)
                lose_connection(k, why ?: "closed");
}

/* Keepalive, close callback and lifecycle events; only the last is required. */
static bool register_callbacks(LibvirtKeeper *k) {
        /* Not every driver has keepalive or a close callback (test:///, embedded ones). */
        if (k->keepalive)
                (void) virConnectSetKeepAlive(k->conn, k->keepalive_interval_sec, k->keepalive_count);
        k->close_registered = virConnectRegisterCloseCallback(k->conn, on_close, k, NULL) == 0;
        k->lifecycle_id = virConnectDomainEventRegisterAny(k->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                           VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), k, NULL);
        if (k->lifecycle_id < 0)
                set_problem(k, g_strdup_printf("cannot subscribe to domain events on %s: %s", k->uri,
                                               virGetLastErrorMessage()));
        return k->lifecycle_id >= 0;
}

/* Returns whether a connection with events, a domain list and its facts is up. */
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
        probe_connection(k);
        g_mutex_lock(&k->lock);
        g_clear_pointer(&k->problem, g_free);
        k->problem_since = (uint64_t) g_get_real_time();
        k->connected = k->ever_connected = true;
        k->stuck = false;
        g_mutex_unlock(&k->lock);
        k->retry_msec = RETRY_FIRST_MSEC;
        return true;
}

static void on_retry(int timer, void *opaque) {
        LibvirtKeeper *k = opaque;

        virEventUpdateTimeout(timer, -1);
        if (k->conn)
                return;
        if (!connect_once(k)) {
                schedule_retry(k);
                return;
        }
        g_message("Connected to libvirt at %s", k->uri);
        post(k, LIBVIRT_CHANGED_CONNECTION);
}

/* Drivers without a close callback (test:///) only show a dead link here. */
static bool check_alive(LibvirtKeeper *k) {
        if (k->conn && virConnectIsAlive(k->conn) == 0)
                lose_connection(k, "the connection is no longer alive");
        return k->conn != NULL;
}

/* A call came back after its caller gave up: libvirtd answers again. Read
 * everything again (events may have been lost meanwhile) and say so. */
static void recover(LibvirtKeeper *k) {
        if (!check_alive(k) || !list_domains(k))
                return;
        probe_connection(k);
        g_message("libvirt at %s answers again", k->uri);
        g_mutex_lock(&k->lock);
        g_clear_pointer(&k->problem, g_free);
        k->problem_since = (uint64_t) g_get_real_time();
        k->stuck = false;
        post_locked(k, LIBVIRT_CHANGED_CONNECTION);
        g_mutex_unlock(&k->lock);
}

static void run_call(LibvirtKeeper *k, Call *c) {
        g_autofree char *message = NULL;
        ApiError e;

        g_mutex_lock(&k->lock);
        if (c->abandoned) {
                g_mutex_unlock(&k->lock);
                return;
        }
        g_mutex_unlock(&k->lock);

        if (check_alive(k))
                e = c->func(k->conn, c->data, &message);
        else
                e = api_fail(&message, API_LIBVIRT_UNAVAILABLE, "memcryptd lost its libvirt connection to %s; "
                             "try again once LibvirtConnected is true.", k->uri);

        g_mutex_lock(&k->lock);
        c->result = e;
        c->message = g_steal_pointer(&message);
        c->done = true;
        g_cond_broadcast(&k->cond);
        g_mutex_unlock(&k->lock);
}

static void reprobe(LibvirtKeeper *k) {
        if (!check_alive(k))
                return;
        if (list_domains(k))
                probe_connection(k);
        post(k, LIBVIRT_CHANGED_CONNECTION);
}

/* Work others queued: calls, a reprobe, the end. */
static void on_wake(int timer, void *opaque) {
        LibvirtKeeper *k = opaque;
        bool stuck;

        virEventUpdateTimeout(timer, -1);
        for (bool listed = false;;) {
                bool again, relist;
                Call *c;

                g_mutex_lock(&k->lock);
                if (k->quit) {
                        g_mutex_unlock(&k->lock);
                        return;
                }
                again = k->reprobe;
                k->reprobe = false;
                relist = k->relist && !again && !listed;        /* once: it may fail while libvirt is away */
                c = g_queue_pop_head(&k->calls);
                g_mutex_unlock(&k->lock);
                if (again)
                        reprobe(k);
                else if (relist) {
                        listed = true;
                        if (check_alive(k) && list_domains(k))
                                post(k, LIBVIRT_CHANGED_DOMAINS);
                }
                if (!c)
                        break;
                run_call(k, c);
                call_unref(c);
        }
        /* A caller gave up on us, and we are back: libvirtd answers again. */
        g_mutex_lock(&k->lock);
        stuck = k->stuck && k->connected;
        g_mutex_unlock(&k->lock);
        if (stuck)
                recover(k);
}

static void wake(LibvirtKeeper *k) {
        virEventUpdateTimeout(k->wake_timer, 0);
}

static void *keeper_thread(void *userdata) {
        LibvirtKeeper *k = userdata;
        bool ok = connect_once(k);

        if (!ok)
                schedule_retry(k);
        g_mutex_lock(&k->lock);
        k->first_attempt_done = true;
        /* Lost on libvirt_keeper_new() when it waited for this; news when it stopped waiting. */
        if (ok)
                post_locked(k, LIBVIRT_CHANGED_CONNECTION);
        g_cond_broadcast(&k->cond);
        g_mutex_unlock(&k->lock);

        for (;;) {
                g_mutex_lock(&k->lock);
                bool quit = k->quit;
                g_mutex_unlock(&k->lock);
                if (quit)
                        break;
                if (virEventRunDefaultImpl() < 0)
                        g_warning("libvirt's event loop failed: %s", virGetLastErrorMessage());
        }
        drop_connection(k);
        g_mutex_lock(&k->lock);
        k->exited = true;
        g_cond_broadcast(&k->cond);
        g_mutex_unlock(&k->lock);
        return NULL;
}

/* ---- the loop's side ------------------------------------------------------ */

static void register_event_impl_once(void) {
        static gsize done = 0;

        if (g_once_init_enter(&done)) {
                /* One implementation per process, before the first connection: libvirt's own, thread-safe one. */
                if (virEventRegisterDefaultImpl() < 0)
                        g_error("Cannot set up libvirt's event loop: %s", virGetLastErrorMessage());
                g_once_init_leave(&done, 1);
        }
}

LibvirtKeeper *libvirt_keeper_new(const LibvirtKeeperOptions *o) {
        LibvirtKeeper *k = g_new0(LibvirtKeeper, 1);
        gint64 deadline;

        libvirt_errors_quiet();
        register_event_impl_once();
        k->uri = g_strdup(o->uri);
        k->keepalive = o->keepalive;
        k->timeout_sec = o->timeout_sec ?: DEFAULT_LIBVIRT_TIMEOUT_SEC;
        /* A hung libvirtd is noticed even with nothing asked of it, at no wakeup beyond libvirtd's own pings. */
        libvirt_keepalive_for_refresh(o->refresh_sec ?: DEFAULT_REFRESH_INTERVAL_SEC, &k->keepalive_interval_sec,
                                      &k->keepalive_count);
        k->changed = o->changed;
        k->userdata = o->userdata;
        k->lifecycle_id = -1;
        k->retry_msec = RETRY_FIRST_MSEC;
        k->news_fd = -1;
        g_mutex_init(&k->lock);
        g_cond_init(&k->cond);
        g_queue_init(&k->calls);
        k->problems = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        g_queue_init(&k->changes);
        k->max_changes = o->max_queued_changes ?: MAX_QUEUED_CHANGES;
        k->probed.domcaps.sev_supported = TRI_UNKNOWN;
        k->probed.domcaps.cbitpos = k->probed.domcaps.reduced_phys_bits = -1;
        k->probed.domcaps.max_guests = k->probed.domcaps.max_es_guests = -1;
        if (o->event) {
                k->news_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
                if (k->news_fd < 0 || sd_event_add_io(o->event, &k->news_source, k->news_fd, EPOLLIN, on_news, k) < 0)
                        g_error("Cannot set up the libvirt thread's eventfd: %s", g_strerror(errno));
                (void) sd_event_source_set_description(k->news_source, "libvirt-news");
        }
        k->wake_timer = virEventAddTimeout(-1, on_wake, k, NULL);
        k->retry_timer = virEventAddTimeout(-1, on_retry, k, NULL);
        k->teardown_timer = virEventAddTimeout(-1, on_teardown, k, NULL);
        if (k->wake_timer < 0 || k->retry_timer < 0 || k->teardown_timer < 0)
                g_error("Cannot add libvirt timers: %s", virGetLastErrorMessage());
        k->thread = g_thread_new("libvirt", keeper_thread, k);

        deadline = g_get_monotonic_time() + (gint64) k->timeout_sec * G_USEC_PER_SEC;
        g_mutex_lock(&k->lock);
        while (!k->first_attempt_done)
                if (!g_cond_wait_until(&k->cond, &k->lock, deadline)) {
                        set_problem_locked(k, g_strdup_printf("libvirtd did not answer within %u s at %s",
                                                              k->timeout_sec, k->uri));
                        break;
                }
        /* What the first attempt found is in the first probe: no news for it. */
        k->news = 0;
        g_mutex_unlock(&k->lock);
        return k;
}

LibvirtKeeper *libvirt_keeper_free(LibvirtKeeper *k) {
        gint64 deadline;
        bool exited;

        if (!k)
                return NULL;
        g_mutex_lock(&k->lock);
        k->quit = true;
        g_mutex_unlock(&k->lock);
        wake(k);
        deadline = g_get_monotonic_time() + (gint64) k->timeout_sec * G_USEC_PER_SEC;
        g_mutex_lock(&k->lock);
        while (!k->exited && g_cond_wait_until(&k->cond, &k->lock, deadline))
                ;
        exited = k->exited;
        g_mutex_unlock(&k->lock);
        k->news_source = sd_event_source_disable_unref(k->news_source);
        if (!exited) {
                /* It waits on a libvirtd that does not answer; the process is ending anyway. */
                g_warning("The libvirt thread is still waiting for libvirtd; leaving it behind");
                g_thread_unref(k->thread);
                return NULL;
        }
        g_thread_join(k->thread);
        virEventRemoveTimeout(k->wake_timer);
        virEventRemoveTimeout(k->retry_timer);
        virEventRemoveTimeout(k->teardown_timer);
        for (Call *c; (c = g_queue_pop_head(&k->calls));)
                call_unref(c);
        if (k->news_fd >= 0)
                close(k->news_fd);
        g_hash_table_unref(k->problems);
        g_queue_clear_full(&k->changes, (GDestroyNotify) domain_change_free);
        g_free(k->probed.uri);
        g_free(k->probed.libvirt_version);
        g_free(k->probed.qemu_version);
        g_free(k->probed.node_sev_info);
        g_free(k->probed.versions_src.detail);
        g_free(k->probed.domcaps.src.detail);
        g_free(k->probed.domcaps.cpu0_id);
        g_free(k->probed.domcaps.raw_xml);
        g_free(k->close_reason);
        g_free(k->problem);
        g_free(k->uri);
        g_mutex_clear(&k->lock);
        g_cond_clear(&k->cond);
        g_free(k);
        return NULL;
}

const char *libvirt_keeper_uri(const LibvirtKeeper *k) {
        return k->uri;
}

unsigned libvirt_keeper_timeout_sec(const LibvirtKeeper *k) {
        return k->timeout_sec;
}

bool libvirt_keeper_connected(LibvirtKeeper *k) {
        g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&k->lock);

        return k->connected && !k->stuck;
}

char *libvirt_keeper_problem(LibvirtKeeper *k, uint64_t *since_usec) {
        g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&k->lock);

        if (since_usec)
                *since_usec = k->problem_since;
        if (!k->connected || k->stuck)
                return g_strdup(k->problem ?: "not connected yet");
        return NULL;
}

bool libvirt_keeper_ever_connected(LibvirtKeeper *k) {
        g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&k->lock);

        return k->ever_connected;
}

static int compare_strings(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* Under LOCK: the domains whose XML could not be read, in a stable order; NULL when none. */
static char *problems_locked(LibvirtKeeper *k) {
        g_autoptr(GPtrArray) all = NULL;
        GHashTableIter it;
        const char *problem;

        if (g_hash_table_size(k->problems) == 0)
                return NULL;
        all = g_ptr_array_new();
        g_hash_table_iter_init(&it, k->problems);
        while (g_hash_table_iter_next(&it, NULL, (gpointer *) &problem))
                g_ptr_array_add(all, (char *) problem);
        g_ptr_array_sort(all, compare_strings);
        g_ptr_array_add(all, NULL);
        return g_strjoinv("; ", (char **) all->pdata);
}

/* Under LOCK: apply one queued change to *TABLE, telling FUNC what it changed there. */
static void apply_change(DomainTable **table, DomainChange *c, DomainChangeFunc func, void *userdata) {
        RunningDomain *old = NULL;

        switch (c->kind) {
        case CHANGE_LISTING:
                domain_table_diff(*table, c->listing, func, userdata);
                domain_table_free(*table);
                *table = g_steal_pointer(&c->listing);
                return;
        case CHANGE_GONE:
                old = domain_table_take(*table, c->uuid);
                if (old)
                        func(old, false, userdata);
                running_domain_free(old);
                return;
        case CHANGE_RUNS: {
                const char *uuid = c->domain->uuid;

                if (!domain_table_put(*table, g_steal_pointer(&c->domain), &old))
                        return;         /* known as it is: no news */
                if (old)
                        func(old, false, userdata);
                func(domain_table_lookup(*table, uuid), true, userdata);
                running_domain_free(old);
                return;
        }
        }
}

bool libvirt_keeper_take_changes(LibvirtKeeper *k, DomainTable **table, DomainChangeFunc func, void *userdata,
                                 char **problem) {
        bool backlog = false;

        g_mutex_lock(&k->lock);
        for (DomainChange *c; (c = g_queue_pop_head(&k->changes));) {
                backlog |= c->kind == CHANGE_LISTING && c->after_backlog;
                apply_change(table, c, func, userdata);
                domain_change_free(c);
        }
        *problem = problems_locked(k);
        g_mutex_unlock(&k->lock);
        return backlog;
}

void libvirt_keeper_copy_probed(LibvirtKeeper *k, LibvirtFacts *lv) {
        g_mutex_lock(&k->lock);
        libvirt_facts_copy_probed(lv, &k->probed);
        g_mutex_unlock(&k->lock);
}

void libvirt_keeper_reprobe(LibvirtKeeper *k) {
        g_mutex_lock(&k->lock);
        k->reprobe = true;
        g_mutex_unlock(&k->lock);
        wake(k);
}

/* Under LOCK: the deadline passed for a call: the connection counts as lost until the thread is back. */
static void give_up_locked(LibvirtKeeper *k) {
        if (k->stuck)
                return;
        g_warning("libvirtd at %s did not answer within %u s; LibvirtConnected is false until it does",
                  k->uri, k->timeout_sec);
        k->stuck = true;
        set_problem_locked(k, g_strdup_printf("libvirtd did not answer within %u s", k->timeout_sec));
        post_locked(k, LIBVIRT_CHANGED_CONNECTION);
}

ApiError libvirt_keeper_call(LibvirtKeeper *k, LibvirtCallFunc func, void **data, GDestroyNotify free,
                             char **message) {
        gint64 deadline = g_get_monotonic_time() + (gint64) k->timeout_sec * G_USEC_PER_SEC;
        Call *c;
        ApiError e;

        g_mutex_lock(&k->lock);
        if (k->stuck) {
                g_mutex_unlock(&k->lock);
                return api_fail(message, API_LIBVIRT_UNAVAILABLE, "libvirtd did not answer within %u s (at %s); "
                                "memcryptd stops waiting for it until it answers again, then LibvirtConnected is "
                                "true.", k->timeout_sec, k->uri);
        }
        if (!k->connected) {
                g_mutex_unlock(&k->lock);
                return api_fail(message, API_LIBVIRT_UNAVAILABLE, "memcryptd has no libvirt connection to %s "
                                "(libvirt is not running, or the connection was lost); try again once "
                                "LibvirtConnected is true.", k->uri);
        }
        c = g_new0(Call, 1);
        g_atomic_ref_count_init(&c->ref);
        g_atomic_ref_count_inc(&c->ref);        /* one for the caller, one for the queue */
        c->func = func;
        c->data = *data;
        c->free = free;
        g_queue_push_tail(&k->calls, c);
        g_mutex_unlock(&k->lock);
        wake(k);

        g_mutex_lock(&k->lock);
        while (!c->done)
                if (!g_cond_wait_until(&k->cond, &k->lock, deadline))
                        break;
        if (c->done) {
                e = c->result;
                *message = g_steal_pointer(&c->message);
                c->data = NULL;                 /* the caller's again */
        } else {
                c->abandoned = true;
                *data = NULL;                   /* freed with the call */
                give_up_locked(k);
                e = api_fail(message, API_LIBVIRT_UNAVAILABLE, "libvirtd did not answer within %u s (at %s); "
                             "LibvirtConnected is false until it does.", k->timeout_sec, k->uri);
        }
        g_mutex_unlock(&k->lock);
        call_unref(c);
        /* The thread checks for recovery once it is back in its loop. */
        if (e == API_LIBVIRT_UNAVAILABLE)
                wake(k);
        return e;
}

uint64_t libvirt_keeper_events_seen(LibvirtKeeper *k) {
        g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&k->lock);

        return k->events_seen;
}
