/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The [Export] writer (service/host/export.c) on its own: a file is replaced
 * atomically with mode 0644 whatever the umask and nothing left beside it; of
 * several contents handed over while the writer is busy the newest is the one
 * that stays; a failed write is reported on the loop once, naming the file
 * and the error, and cleared by the next successful write.
 */
#include <sys/stat.h>

#include "export.h"
#include "metrics.h"
#include "node-labels.h"
#include "probe.h"
#include "test-util.h"

#define GUARD_ITERATIONS 1000

typedef struct {
        char *dir;
        sd_event *loop;
        HostFacts f;
        MemcryptConfig cfg;
        HostVerdict *v;
        unsigned changed;
} World;

static void on_changed(void *userdata) {
        ((World *) userdata)->changed++;
}

static int setup(void **state) {
        World *w = g_new0(World, 1);
        g_autofree char *root = host_fixture("milan-snp");
        ProbeOptions opts = { .root = root };

        w->dir = test_tmpdir();
        assert_int_equal(sd_event_new(&w->loop), 0);
        memcrypt_config_init(&w->cfg);
        host_facts_init(&w->f);
        probe_host(&opts, &w->f);
        w->v = host_verdict_new(&w->f, &w->cfg);
        *state = w;
        return 0;
}

static int teardown(void **state) {
        World *w = *state;

        host_verdict_free(w->v);
        host_facts_clear(&w->f);
        memcrypt_config_clear(&w->cfg);
        sd_event_unref(w->loop);
        test_rmtree(w->dir);
        g_free(w->dir);
        g_free(w);
        return 0;
}

static gint compare_names(gconstpointer a, gconstpointer b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The names in DIR, sorted, space-separated. */
static char *names_in(const char *dir) {
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        const char *n;

        assert_non_null(d);
        while ((n = g_dir_read_name(d)))
                g_ptr_array_add(names, g_strdup(n));
        g_ptr_array_sort(names, compare_names);
        g_ptr_array_add(names, NULL);
        return g_strjoinv(" ", (char **) names->pdata);
}

/* Run the loop until the writer has reported N changes; the guard bounds a hang, it is no clock. */
static void run_until_changed(World *w, unsigned n) {
        for (unsigned i = 0; i < GUARD_ITERATIONS && w->changed < n; i++)
                assert_true(sd_event_run(w->loop, 20000) >= 0);
        assert_int_equal(w->changed, n);
}

static void test_nothing_configured(void **state) {
        World *w = *state;

        assert_null(exporter_new(w->loop, &w->cfg, on_changed, w));
        exporter_publish(NULL, &w->f, w->v, 0);           /* no exporter: nothing to do */
        assert_null(exporter_problem(NULL));
}

static void test_atomic_newest_wins(void **state) {
        World *w = *state;
        mode_t old = umask(0077);                         /* as the unit's UMask= */

        w->cfg.prometheus_textfile = g_build_filename(w->dir, "memcrypt.prom", NULL);
        w->cfg.node_feature_file = g_build_filename(w->dir, "memcrypt", NULL);
        Exporter *x = exporter_new(w->loop, &w->cfg, on_changed, w);
        assert_non_null(x);
        /* Three verdicts in a row, faster than a write: the last one is what stays. */
        for (uint64_t t = 1; t <= 3; t++) {
                w->v->models[MODEL_SEV_SNP].usable = t != 3;
                exporter_publish(x, &w->f, w->v, t * 1000000);
        }
        exporter_free(x);                                 /* finishes the pending writes */
        umask(old);

        g_autofree char *prom = test_read(w->cfg.prometheus_textfile);
        g_autofree char *labels = test_read(w->cfg.node_feature_file);
        g_autofree char *want_prom = metrics_format(&w->f, w->v, 3000000);
        g_autofree char *want_labels = node_labels_format(&w->f, w->v);
        assert_string_equal(prom, want_prom);
        assert_string_equal(labels, want_labels);
        assert_non_null(strstr(labels, "memcrypt-amd-sev-snp=false\n"));
        g_autofree char *names = names_in(w->dir);
        assert_string_equal(names, "memcrypt memcrypt.prom");
        struct stat st;
        assert_int_equal(stat(w->cfg.prometheus_textfile, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        assert_int_equal(stat(w->cfg.node_feature_file, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        assert_int_equal(w->changed, 0);                  /* every write succeeded: nothing to report */
}

static void test_failure_reported_and_cleared(void **state) {
        World *w = *state;
        g_autofree char *missing = g_build_filename(w->dir, "not-yet", NULL);

        w->cfg.prometheus_textfile = g_build_filename(missing, "memcrypt.prom", NULL);
        Exporter *x = exporter_new(w->loop, &w->cfg, on_changed, w);
        assert_non_null(x);
        exporter_publish(x, &w->f, w->v, 1000000);
        run_until_changed(w, 1);
        const char *p = exporter_problem(x);
        assert_non_null(p);
        if (!strstr(p, w->cfg.prometheus_textfile) || !strstr(p, "No such file or directory"))
                fail_msg("the problem does not name the file and the error: %s", p);

        /* The same content fails again: reported once. */
        exporter_publish(x, &w->f, w->v, 1000000);
        exporter_publish(x, &w->f, w->v, 2000000);
        assert_int_equal(g_mkdir(missing, 0755), 0);
        /* The directory is there now: the next change is written and the problem cleared. */
        exporter_publish(x, &w->f, w->v, 3000000);
        run_until_changed(w, 2);
        assert_null(exporter_problem(x));
        exporter_free(x);
        g_autofree char *prom = test_read(w->cfg.prometheus_textfile);
        assert_non_null(strstr(prom, "memcrypt_last_refresh_timestamp_seconds 3.000\n"));
        g_autofree char *names = names_in(missing);
        assert_string_equal(names, "memcrypt.prom");
}

/* The verdict of a service that cannot write its file: degraded, the message says it after the host's. */
static void test_service_problem_in_health(void **state) {
        World *w = *state;

        assert_int_equal(w->v->health, HEALTH_OK);
        host_verdict_add_service_problem(w->v, "cannot write /x/m.prom: Read-only file system");
        assert_int_equal(w->v->health, HEALTH_DEGRADED);
        assert_string_equal(w->v->health_message, "cannot write /x/m.prom: Read-only file system");
        w->v->health = HEALTH_CONFLICT;
        host_verdict_add_service_problem(w->v, "cannot write /y");
        assert_int_equal(w->v->health, HEALTH_CONFLICT);
        assert_string_equal(w->v->health_message, "cannot write /x/m.prom: Read-only file system; cannot write /y");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_nothing_configured, setup, teardown),
                cmocka_unit_test_setup_teardown(test_atomic_newest_wins, setup, teardown),
                cmocka_unit_test_setup_teardown(test_failure_reported_and_cleared, setup, teardown),
                cmocka_unit_test_setup_teardown(test_service_problem_in_health, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
