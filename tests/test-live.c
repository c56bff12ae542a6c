/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The live-host machinery with real libvirt: the kept connection on its own
 * thread, its deadline for calls, and its domain table (driven through
 * libvirt's test driver, whose test:///default state is shared by every
 * connection of the process), the context on top, and memory over 10,000
 * refreshes.
 */
#include <malloc.h>
#include <libvirt/virterror.h>

#include "libvirt-keeper.h"
#include "test-context.h"

/* A guard against a hang, never a synchronisation: each loop ends as soon as its condition holds. */
#define GUARD_ITERATIONS 500
#define GUARD_USEC UINT64_C(20000)

static sd_event *loop;

static int setup_loop(void **state) {
        if (sd_event_new(&loop) < 0)
                return -1;
        return 0;
}

static int teardown_loop(void **state) {
        loop = sd_event_unref(loop);
        return 0;
}

/* Run the loop until *FLAG is set (or the guard runs out). */
static bool run_until(const bool *flag) {
        for (int i = 0; i < GUARD_ITERATIONS && !*flag; i++)
                assert_true(sd_event_run(loop, GUARD_USEC) >= 0);
        return *flag;
}

/* Run whatever is due now, such as free callbacks queued for the next iteration. */
static void run_pending(void) {
        while (sd_event_run(loop, 0) > 0)
                ;
}

static char *sev_domain_xml(const char *name, const char *policy) {
        return g_strdup_printf("<domain type='test'><name>%s</name><memory>65536</memory>"
                               "<os><type>hvm</type></os>"
                               "<launchSecurity type='sev'><policy>%s</policy></launchSecurity></domain>",
                               name, policy);
}

/* ---- the keeper ----------------------------------------------------------- */

typedef struct {
        bool domains_changed, connection_changed;
} KeeperSeen;

static void on_keeper_change(LibvirtChange what, void *userdata) {
        KeeperSeen *s = userdata;

        if (what == LIBVIRT_CHANGED_DOMAINS)
                s->domains_changed = true;
        else
                s->connection_changed = true;
}

/* Each change the keeper hands over, as "+name" or "-name". */
static void record_change(const RunningDomain *d, bool started, void *userdata) {
        g_ptr_array_add(userdata, g_strdup_printf("%c%s", started ? '+' : '-', d->name));
}

/* *TABLE brought up to date with the keeper, and the changes that took, in CHANGES (may be NULL). */
static void take_changes(LibvirtKeeper *k, DomainTable **table, GPtrArray *changes) {
        g_autoptr(GPtrArray) ignored = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *problem = NULL;

        assert_false(libvirt_keeper_take_changes(k, table, record_change, changes ?: ignored, &problem));
        assert_null(problem);
}

static const RunningDomain *find_domain(const DomainTable *t, const char *name) {
        DomainTableIter it;

        domain_table_iter_init(&it, t);
        for (const RunningDomain *d; (d = domain_table_iter_next(&it));)
                if (g_str_equal(d->name, name))
                        return d;
        return NULL;
}

/* The model of domain NAME as the keeper has it, -1 when it does not track NAME. */
static int keeper_model(LibvirtKeeper *k, DomainTable **table, const char *name) {
        const RunningDomain *d;

        take_changes(k, table, NULL);
        d = find_domain(*table, name);
        return d ? (int) d->model : -1;
}

static void start_domain(virConnectPtr conn, const char *name, const char *policy) {
        g_autofree char *xml = sev_domain_xml(name, policy);
        virDomainPtr dom = virDomainCreateXML(conn, xml, 0);

        if (!dom)
                fail_msg("virDomainCreateXML %s: %s", name, virGetLastErrorMessage());
        virDomainFree(dom);
}

static void destroy_domain(virConnectPtr conn, const char *name) {
        virDomainPtr dom = virDomainLookupByName(conn, name);

        assert_non_null(dom);
        assert_int_equal(virDomainDestroy(dom), 0);
        virDomainFree(dom);
}

static void test_keeper_follows_domains(void **state) {
        KeeperSeen seen = {};
        LibvirtKeeperOptions o = { .uri = "test:///default", .event = loop, .changed = on_keeper_change,
                                   .userdata = &seen };
        LibvirtKeeper *k = libvirt_keeper_new(&o);
        virConnectPtr other = virConnectOpen("test:///default");
        g_autoptr(DomainTable) t = domain_table_new();
        DomainTable **table = &t;

        assert_non_null(other);
        assert_true(libvirt_keeper_connected(k));
        assert_null(libvirt_keeper_problem(k, NULL));
        assert_int_equal(keeper_model(k, table, "test"), MODEL_NONE);   /* listed at connect */

        start_domain(other, "es-guest", "0x0037");
        assert_true(run_until(&seen.domains_changed));
        assert_int_equal(keeper_model(k, table, "es-guest"), MODEL_SEV_ES);

        seen.domains_changed = false;
        start_domain(other, "sev-guest", "0x0033");
        assert_true(run_until(&seen.domains_changed));
        assert_int_equal(keeper_model(k, table, "sev-guest"), MODEL_SEV);

        seen.domains_changed = false;
        destroy_domain(other, "es-guest");
        assert_true(run_until(&seen.domains_changed));
        assert_int_equal(keeper_model(k, table, "es-guest"), -1);

        /* Pausing keeps the ASID: no change to report. */
        seen.domains_changed = false;
        virDomainPtr dom = virDomainLookupByName(other, "sev-guest");
        assert_int_equal(virDomainSuspend(dom), 0);
        destroy_domain(other, "sev-guest");
        assert_true(run_until(&seen.domains_changed));
        assert_int_equal(keeper_model(k, table, "sev-guest"), -1);
        assert_true(libvirt_keeper_events_seen(k) >= 4);
        assert_false(seen.connection_changed);

        virDomainFree(dom);
        virConnectClose(other);
        libvirt_keeper_free(k);
        run_pending();
}

static int compare_change(const char *const *a, const char *const *b) {
        return strcmp(*a, *b);
}

/* More changes than the queue holds while the loop takes none: the queue is dropped and the thread
 * lists the domains afresh, which the loop takes as one listing (said as a backlog) that brings its
 * table to exactly libvirt's domains, each guest started once. */
static void test_keeper_backlog_lists_afresh(void **state) {
        enum { GUESTS = 12 };
        KeeperSeen seen = {};
        LibvirtKeeperOptions o = { .uri = "test:///default", .event = loop, .changed = on_keeper_change,
                                   .userdata = &seen, .max_queued_changes = 4 };
        LibvirtKeeper *k = libvirt_keeper_new(&o);
        virConnectPtr other = virConnectOpen("test:///default");
        g_autoptr(DomainTable) t = domain_table_new();
        g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *problem = NULL;
        bool backlog = false;

        assert_non_null(other);
        assert_false(libvirt_keeper_take_changes(k, &t, record_change, changes, &problem));
        assert_int_equal(domain_table_size(t), 1);      /* libvirt's own "test" */
        g_ptr_array_set_size(changes, 0);
        for (int i = 0; i < GUESTS; i++) {
                g_autofree char *name = g_strdup_printf("backlog-%02d", i);
                start_domain(other, name, "0x0033");
        }
        /* The loop takes nothing until the thread has handled every start: past the fifth the
         * queue overflowed. Then it takes what comes until its table has every guest. */
        for (int i = 0; i < GUARD_ITERATIONS && libvirt_keeper_events_seen(k) < GUESTS; i++)
                assert_true(sd_event_run(loop, GUARD_USEC) >= 0);
        for (int i = 0; i < GUARD_ITERATIONS; i++) {
                seen.domains_changed = false;
                g_clear_pointer(&problem, g_free);
                backlog |= libvirt_keeper_take_changes(k, &t, record_change, changes, &problem);
                if (domain_table_size(t) == GUESTS + 1)
                        break;
                assert_true(run_until(&seen.domains_changed));
        }
        assert_true(backlog);
        assert_null(problem);
        assert_int_equal(domain_table_size(t), GUESTS + 1);
        assert_int_equal(domain_table_count(t, MODEL_SEV), GUESTS);
        /* Each guest came once: none lost with the dropped queue, none twice from the listing. */
        g_ptr_array_sort(changes, (GCompareFunc) compare_change);
        assert_int_equal(changes->len, GUESTS);
        for (int i = 0; i < GUESTS; i++) {
                g_autofree char *want = g_strdup_printf("+backlog-%02d", i);
                assert_string_equal(g_ptr_array_index(changes, i), want);
        }
        for (int i = 0; i < GUESTS; i++) {
                g_autofree char *name = g_strdup_printf("backlog-%02d", i);
                destroy_domain(other, name);
        }
        virConnectClose(other);
        libvirt_keeper_free(k);
        run_pending();
}

static void test_keeper_unreachable_retries(void **state) {
        LibvirtKeeperOptions o = { .uri = "qemu+unix:///system?socket=/nonexistent/memcrypt-test-sock", .event = loop };
        LibvirtKeeper *k = libvirt_keeper_new(&o);
        g_autoptr(DomainTable) domains = domain_table_new();
        uint64_t since = 0;
        g_autofree char *why = libvirt_keeper_problem(k, &since);

        assert_false(libvirt_keeper_connected(k));
        assert_false(libvirt_keeper_ever_connected(k));
        assert_non_null(why);
        assert_non_null(strstr(why, "cannot connect to qemu+unix:///system?socket=/nonexistent/memcrypt-test-sock"));
        assert_true(since > 0);
        take_changes(k, &domains, NULL);
        assert_int_equal(domain_table_size(domains), 0);
        libvirt_keeper_free(k);
}

/* A call that does not come back in time: the caller gets LibvirtUnavailable at
 * the deadline, the connection counts as lost (and the loop hears of it), later
 * calls fail at once; when the call returns, the keeper recovers by itself. */
typedef struct {
        GMutex lock;
        GCond cond;
        bool entered, released;
} Gate;

static ApiError wait_at_gate(virConnectPtr conn, void *data, char **message) {
        Gate *g = data;

        g_mutex_lock(&g->lock);
        g->entered = true;
        g_cond_broadcast(&g->cond);
        while (!g->released)
                g_cond_wait(&g->cond, &g->lock);
        g_mutex_unlock(&g->lock);
        return API_OK;
}

static void gate_free(void *data) {
        Gate *g = data;

        g_mutex_clear(&g->lock);
        g_cond_clear(&g->cond);
        g_free(g);
}

static ApiError count_call(virConnectPtr conn, void *data, char **message) {
        (*(unsigned *) data)++;
        return API_OK;
}

static void *call_thread(void *keeper) {
        Gate *g = g_new0(Gate, 1);
        void *data = g;
        g_autofree char *message = NULL;
        ApiError e;

        g_mutex_init(&g->lock);
        g_cond_init(&g->cond);
        e = libvirt_keeper_call(keeper, wait_at_gate, &data, gate_free, &message);
        assert_int_equal(e, API_LIBVIRT_UNAVAILABLE);
        assert_null(data);                      /* the keeper took it */
        assert_non_null(strstr(message, "did not answer within 1 s"));
        return g;                               /* still alive: the thread waits at it */
}

static void test_keeper_call_deadline(void **state) {
        KeeperSeen seen = {};
        LibvirtKeeperOptions o = { .uri = "test:///default", .timeout_sec = 1, .event = loop,
                                   .changed = on_keeper_change, .userdata = &seen };
        LibvirtKeeper *k = libvirt_keeper_new(&o);
        g_autofree char *message = NULL, *problem = NULL;
        unsigned counted = 0;
        void *data = &counted;
        Gate *g;

        assert_int_equal(libvirt_keeper_call(k, count_call, &data, NULL, &message), API_OK);
        assert_int_equal(counted, 1);
        assert_ptr_equal(data, &counted);

        g = g_thread_join(g_thread_new("caller", call_thread, k));
        assert_true(run_until(&seen.connection_changed));
        assert_false(libvirt_keeper_connected(k));
        problem = libvirt_keeper_problem(k, NULL);
        assert_non_null(strstr(problem, "libvirtd did not answer within 1 s"));
        /* While the thread is held, no call waits for it. */
        assert_int_equal(libvirt_keeper_call(k, count_call, &data, NULL, &message), API_LIBVIRT_UNAVAILABLE);
        assert_int_equal(counted, 1);
        g_mutex_lock(&g->lock);
        assert_true(g->entered);
        g->released = true;
        g_cond_broadcast(&g->cond);
        g_mutex_unlock(&g->lock);

        seen.connection_changed = false;
        assert_true(run_until(&seen.connection_changed));
        assert_true(libvirt_keeper_connected(k));
        g_clear_pointer(&message, g_free);
        assert_int_equal(libvirt_keeper_call(k, count_call, &data, NULL, &message), API_OK);
        assert_int_equal(counted, 2);
        libvirt_keeper_free(k);
}

/* ---- the context on a snapshot with live domains -------------------------- */

static Context *live_context(const char *host, const char *uri, char **root) {
        ContextOptions o = { .config_path = "/dev/null", .libvirt_uri = uri, .event = loop };
        g_autofree char *error = NULL;
        Context *c;

        *root = test_copy_host(host);
        o.root = *root;
        c = context_new(&o, &error);
        if (!c)
                fail_msg("context_new: %s", error);
        return c;
}

/* Run the loop until the context has N running domains (the guard aside). */
static void run_until_domains(Context *c, guint n) {
        for (int i = 0; i < GUARD_ITERATIONS && domain_table_size(c->state->facts.libvirt.domains) != n; i++)
                assert_true(sd_event_run(loop, GUARD_USEC) >= 0);
        assert_int_equal(domain_table_size(c->state->facts.libvirt.domains), n);
}

static void test_context_counts_live_domains(void **state) {
        g_autofree char *root = NULL;
        virConnectPtr other = virConnectOpen("test:///default");
        Context *c;

        assert_non_null(other);
        start_domain(other, "es-a", "0x0037");
        start_domain(other, "sev-a", "0x0033");
        /* milan-snp-off's misc.current says one SEV and one SEV-ES ASID are in use. */
        c = live_context("milan-snp-off", "test:///default", &root);
        assert_true(context_libvirt_connected(c));
        assert_int_equal(domain_table_size(c->state->facts.libvirt.domains), 3);   /* with the driver's own "test" */
        assert_int_equal(c->state->verdict->models[MODEL_SEV].slots_used, 1);
        assert_int_equal(c->state->verdict->models[MODEL_SEV_ES].slots_used, 1);
        assert_false(model_verdict_has_reason(&c->state->verdict->models[MODEL_SEV], "slots-disagree"));

        /* A guest stops but the kernel still counts its ASID: they disagree. */
        ChangeSet changes = {};
        destroy_domain(other, "sev-a");
        run_until_domains(c, 2);
        assert_true(model_verdict_has_reason(&c->state->verdict->models[MODEL_SEV], "slots-disagree"));

        /* The kernel catches up (misc.current is read again with the domains). */
        test_write(root, "sys/fs/cgroup/misc.current", "sev 0\nsev_es 1\n");
        context_refresh_domains(c, &changes);
        assert_false(model_verdict_has_reason(&c->state->verdict->models[MODEL_SEV], "slots-disagree"));
        assert_int_equal(c->state->verdict->models[MODEL_SEV].slots_used, 0);
        assert_true(changes.models[MODEL_SEV] & (UINT64_C(1) << MODEL_PROP_SLOTS_USED));
        assert_false(changes.models[MODEL_SEV_ES] & (UINT64_C(1) << MODEL_PROP_SLOTS_USED));

        destroy_domain(other, "es-a");
        virConnectClose(other);
        context_free(c);
        run_pending();
        test_rmtree(root);
}

/* SEV-SNP is enabled on milan-snp: an SEV-ES guest starting is a conflict, its stop ends it. */
static void test_context_conflict_follows_domains(void **state) {
        g_autofree char *root = NULL;
        virConnectPtr other = virConnectOpen("test:///default");
        Context *c = live_context("milan-snp", "test:///default", &root);

        assert_int_equal(c->state->verdict->health, HEALTH_OK);
        assert_true(c->state->verdict->models[MODEL_SEV_SNP].usable);

        start_domain(other, "es-late", "0x0037");
        run_until_domains(c, 2);
        assert_int_equal(c->state->verdict->health, HEALTH_CONFLICT);
        assert_non_null(strstr(c->state->verdict->health_message, "(es-late)"));
        for (Model m = 0; m < _MODEL_MAX; m++)
                assert_false(c->state->verdict->models[m].usable);

        destroy_domain(other, "es-late");
        run_until_domains(c, 1);
        assert_int_equal(c->state->verdict->health, HEALTH_OK);
        assert_true(c->state->verdict->models[MODEL_SEV_SNP].usable);

        virConnectClose(other);
        context_free(c);
        run_pending();
        test_rmtree(root);
}

/* ---- storms ----------------------------------------------------------------- */

#define STORM 300

static GPtrArray *storm_seen;   /* "+name" / "-name", as the guest signals would go out */

static void on_storm_change(Context *c, LibvirtChange what) {
        ChangeSet changes;

        if (what == LIBVIRT_CHANGED_DOMAINS)
                context_refresh_domains(c, &changes);
        else
                context_refresh(c, &changes);
        for (guint i = 0; i < c->domain_events->len; i++) {
                const DomainEvent *e = c->domain_events->pdata[i];
                g_ptr_array_add(storm_seen, g_strdup_printf("%c%s", e->started ? '+' : '-', e->domain->name));
        }
}

static guint count_string(GPtrArray *a, const char *s) {
        guint n = 0;

        for (guint i = 0; i < a->len; i++)
                n += g_str_equal(a->pdata[i], s);
        return n;
}

/* Libvirt's running domains, by name, as the keeper's table must end up. */
static char *libvirt_names(virConnectPtr conn) {
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        virDomainPtr *doms = NULL;
        int n = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);

        assert_true(n >= 0);
        for (int i = 0; i < n; i++) {
                g_ptr_array_add(names, g_strdup(virDomainGetName(doms[i])));
                virDomainFree(doms[i]);
        }
        free(doms);
        g_ptr_array_sort(names, (GCompareFunc) g_strcmp0);
        g_ptr_array_add(names, NULL);
        return g_strjoinv(",", (char **) names->pdata);
}

static char *table_names(const DomainTable *t) {
        g_autoptr(GString) s = g_string_new(NULL);
        DomainTableIter it;

        domain_table_iter_init(&it, t);
        for (const RunningDomain *d; (d = domain_table_iter_next(&it));)
                g_string_append_printf(s, "%s%s", s->len ? "," : "", d->name);
        return g_string_free(g_steal_pointer(&s), FALSE);
}

/* A storm of starts, then of destroys: every guest is reported started exactly once and
 * stopped exactly once, in that order; the table ends as libvirt's list; and the storm is
 * judged in far fewer batches than it has events (DOMAIN_BATCH_USEC gathers them). */
static void test_context_storm(void **state) {
        g_autofree char *root = NULL, *names = NULL;
        virConnectPtr other = virConnectOpen("test:///default");
        Context *c = live_context("milan-snp-off", "test:///default", &root);
        uint64_t batches;

        storm_seen = g_ptr_array_new_with_free_func(g_free);
        c->libvirt_changed = on_storm_change;
        batches = c->domain_batches;
        for (int i = 0; i < STORM; i++) {
                g_autofree char *name = g_strdup_printf("storm-%03d", i);
                start_domain(other, name, i % 2 ? "0x0033" : "0x0037");
        }
        run_until_domains(c, STORM + 1);
        for (int i = 0; i < STORM; i++) {
                g_autofree char *name = g_strdup_printf("storm-%03d", i);
                destroy_domain(other, name);
        }
        run_until_domains(c, 1);

        assert_int_equal(storm_seen->len, 2 * STORM);
        for (int i = 0; i < STORM; i++) {
                g_autofree char *started = g_strdup_printf("+storm-%03d", i), *stopped = g_strdup_printf("-storm-%03d", i);
                guint at_start = 0, at_stop = 0;

                assert_int_equal(count_string(storm_seen, started), 1);
                assert_int_equal(count_string(storm_seen, stopped), 1);
                assert_true(g_ptr_array_find_with_equal_func(storm_seen, started, g_str_equal, &at_start));
                assert_true(g_ptr_array_find_with_equal_func(storm_seen, stopped, g_str_equal, &at_stop));
                assert_true(at_start < at_stop);
        }
        names = libvirt_names(other);
        g_autofree char *ours = table_names(c->state->facts.libvirt.domains);
        assert_string_equal(ours, names);
        /* 600 events; each batch takes every event that arrived within its window. */
        assert_true(c->domain_batches - batches < 2 * STORM / 4);
        assert_int_equal(domain_table_encrypted(c->state->facts.libvirt.domains), 0);

        virConnectClose(other);
        context_free(c);
        g_clear_pointer(&storm_seen, g_ptr_array_unref);
        run_pending();
        test_rmtree(root);
}

static void test_context_never_connected_is_degraded(void **state) {
        g_autofree char *root = NULL;
        Context *c = live_context("milan-snp-off", "qemu+unix:///system?socket=/nonexistent/sock", &root);

        assert_false(context_libvirt_connected(c));
        assert_int_equal(c->state->facts.libvirt.connection.status, SOURCE_ERROR);
        assert_non_null(strstr(c->state->facts.libvirt.connection.detail, "not connected since "));
        assert_int_equal(c->state->verdict->health, HEALTH_DEGRADED);
        /* Nothing was ever learnt from libvirt: nothing can be proven usable. */
        for (Model m = 0; m < _MODEL_MAX; m++)
                assert_false(c->state->verdict->models[m].usable);
        context_free(c);
        test_rmtree(root);
}

/* ---- memory over many refreshes ------------------------------------------- */

static size_t heap_in_use(void) {
        return mallinfo2().uordblks;
}

/* Memory after thousands of refreshes equals memory after a few. The first refreshes fill
 * one-time caches (GLib's type and quark tables, ~4 KiB), so the baseline is taken after 100;
 * the tolerance (1 KiB) is far below the ~90 KiB that even a 1-byte-per-refresh leak adds over
 * the next 2,900 (glibc's smallest chunk is 32 bytes). bench/run measures RSS over 20,000. */
static void test_refresh_memory_flat(void **state) {
        g_autofree char *root = NULL;
        Context *c = test_context_on_copy("milan-snp", &root);
        ChangeSet changes;
        size_t warm, after;

        for (int i = 0; i < 100; i++)
                context_refresh(c, &changes);
        warm = heap_in_use();
        for (int i = 100; i < 3000; i++)
                context_refresh(c, &changes);
        after = heap_in_use();
        /* Under ASan mallinfo2() does not see its allocator (both are 0); LSan checks at exit. */
        if (after > warm + 1024)
                fail_msg("the heap grew from %zu to %zu bytes between 100 and 3,000 refreshes", warm, after);
        context_free(c);
        test_rmtree(root);
}

int main(int argc, char *argv[]) {
        /* Count bytes the program holds, not chunks glibc's per-thread cache and
         * GLib's slice magazines keep for reuse: both must be off from the start. */
        if (!getenv("GLIBC_TUNABLES")) {
                setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1);
                setenv("G_SLICE", "always-malloc", 1);
                execv("/proc/self/exe", argv);
        }
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_keeper_follows_domains),
                cmocka_unit_test(test_keeper_backlog_lists_afresh),
                cmocka_unit_test(test_keeper_unreachable_retries),
                cmocka_unit_test(test_keeper_call_deadline),
                cmocka_unit_test(test_context_counts_live_domains),
                cmocka_unit_test(test_context_conflict_follows_domains),
                cmocka_unit_test(test_context_storm),
                cmocka_unit_test(test_context_never_connected_is_degraded),
                cmocka_unit_test(test_refresh_memory_flat),
        };

        return cmocka_run_group_tests(tests, setup_loop, teardown_loop);
}
