/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The worker pool keeps no thread while idle: threads start as jobs come (as
 * many as jobs in flight, up to the pool's size) and end once no job came for
 * the linger time. Threads are seen starting by jobs that wait for each other
 * and ending by a thread-exit destructor; no sleep, the guards only bound a hang.
 */
#include <stdbool.h>

#include "worker.h"
#include "test-util.h"

#define GUARD_USEC (20 * G_USEC_PER_SEC)

static GMutex lock;
static GCond cond;
static unsigned started, ended, done;
static bool all_met;

/* Counts the threads that ran a job and have ended. */
static void on_thread_end(gpointer data) {
        g_mutex_lock(&lock);
        ended++;
        g_cond_broadcast(&cond);
        g_mutex_unlock(&lock);
}

static GPrivate thread_mark = G_PRIVATE_INIT(on_thread_end);

/* Each job waits until N jobs run at once: it can only return when N threads exist. */
static void job_meet(void *data) {
        unsigned n = GPOINTER_TO_UINT(data);
        gint64 deadline = g_get_monotonic_time() + GUARD_USEC;

        g_private_set(&thread_mark, GUINT_TO_POINTER(1));
        g_mutex_lock(&lock);
        started++;
        g_cond_broadcast(&cond);
        while (started < n)
                if (!g_cond_wait_until(&cond, &lock, deadline)) {
                        all_met = false;
                        break;
                }
        g_mutex_unlock(&lock);
}

static void job_done(void *data) {
        done++;
}

static unsigned threads_of_process(void) {
        g_autoptr(GDir) dir = g_dir_open("/proc/self/task", 0, NULL);
        unsigned n = 0;

        assert_non_null(dir);
        while (g_dir_read_name(dir))
                n++;
        return n;
}

static void run_until_done(sd_event *e, unsigned want) {
        for (int i = 0; i < 1000 && done < want; i++)
                assert_true(sd_event_run(e, GUARD_USEC) >= 0);
        assert_int_equal(done, want);
}

/* Runs the loop (its linger timer) until WANT threads have ended; each
 * iteration ends as soon as something is due or a thread ends. */
static void run_until_ended(sd_event *e, unsigned want) {
        for (int i = 0; i < 1000; i++) {
                g_mutex_lock(&lock);
                if (ended < want)
                        (void) g_cond_wait_until(&cond, &lock, g_get_monotonic_time() + 20000);
                bool enough = ended >= want;
                g_mutex_unlock(&lock);
                if (enough)
                        break;
                assert_true(sd_event_run(e, 0) >= 0);
        }
        assert_int_equal(ended, want);
}

static void submit_round(sd_event *e, WorkerPool *p, unsigned n) {
        started = done = 0;
        all_met = true;
        for (unsigned i = 0; i < n; i++)
                worker_pool_submit(p, job_meet, job_done, GUINT_TO_POINTER(n));
        run_until_done(e, n);
        assert_true(all_met);
}

static void test_threads_on_demand(void **state) {
        sd_event *e = NULL;
        unsigned before = threads_of_process();
        WorkerPool *p;

        assert_true(sd_event_new(&e) >= 0);
        p = worker_pool_new(e, 4);
        /* An idle pool has started no thread. */
        assert_int_equal(threads_of_process(), before);

        /* Three jobs that only return together: three threads started for them. */
        submit_round(e, p, 3);
        assert_int_equal(ended, 0);
        assert_int_equal(threads_of_process(), before + 3);

        /* The linger time after the last job: the timer fires, and each thread ends. */
        worker_pool_set_linger(p, 1000);
        submit_round(e, p, 1);
        run_until_ended(e, 3);

        /* Work after that starts threads again, as many as it needs (4 at most). */
        ended = 0;
        submit_round(e, p, 4);
        assert_int_equal(worker_pool_pending(p), 0);

        worker_pool_free(p, NULL);
        sd_event_unref(e);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_threads_on_demand),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
