/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "worker.h"

/* Threads outlive their last job this long, so a caller's next call finds one. */
#define DEFAULT_LINGER_USEC (30 * UINT64_C(1000000))

typedef struct {
        WorkerRunFunc run;
        WorkerDoneFunc done;
        void *data;
} Job;

struct WorkerPool {
        sd_event_source *source;        /* the eventfd: finished jobs are waiting */
        sd_event_source *linger;        /* ends the threads once no job came for linger_usec */
        uint64_t linger_usec;
        int fd;
        GThreadPool *threads;
        unsigned max_threads;
        GMutex lock;
        GQueue finished;                /* Job*, guarded by LOCK */
        unsigned pending;               /* loop thread only */
};

/* Pushed to wake an idle thread, which then finds it has to end. */
static Job wake_to_end;

static void job_run(void *item, void *userdata) {
        WorkerPool *p = userdata;
        Job *j = item;
        uint64_t one = 1;

        if (j == &wake_to_end)
                return;
        j->run(j->data);
        g_mutex_lock(&p->lock);
        g_queue_push_tail(&p->finished, j);
        g_mutex_unlock(&p->lock);
        /* An eventfd counter cannot overflow from a few writes; a failed write would leave the loop asleep. */
        if (write(p->fd, &one, sizeof(one)) != sizeof(one))
                g_warning("Cannot wake the event loop: %s", g_strerror(errno));
}

static void finish(WorkerPool *p, Job *j) {
        p->pending--;
        if (p->pending == 0 && p->linger) {
                (void) sd_event_source_set_time_relative(p->linger, p->linger_usec);
                (void) sd_event_source_set_enabled(p->linger, SD_EVENT_ONESHOT);
        }
        j->done(j->data);
        g_free(j);
}

/*
 * An idle daemon keeps no worker thread: each holds a stack and a malloc arena
 * (about 12 KiB resident), and most hosts call the expensive methods seldom.
 * The pool is exclusive (GLib's shared threads would set each new thread's
 * scheduling with sched_setattr, which the unit's system-call filter denies),
 * created with no thread; threads start as jobs come, up to max_threads, and
 * end linger_usec (30 s) after the last job: the pool then allows none, and each waiting
 * thread is woken by a no-op job to notice it.
 */
static void set_threads(WorkerPool *p, unsigned n) {
        g_autoptr(GError) error = NULL;

        if (!g_thread_pool_set_max_threads(p->threads, (int) n, &error))
                g_warning("Cannot start worker threads: %s", error->message);
}

static int on_linger(sd_event_source *s, uint64_t usec, void *userdata) {
        WorkerPool *p = userdata;
        guint n = g_thread_pool_get_num_threads(p->threads);

        if (p->pending > 0)
                return 0;
        set_threads(p, 0);
        for (guint i = 0; i < n; i++)
                g_thread_pool_push(p->threads, &wake_to_end, NULL);
        return 0;
}

static int on_finished(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        WorkerPool *p = userdata;
        uint64_t n;
        GQueue q;

        (void) read(p->fd, &n, sizeof(n));
        g_mutex_lock(&p->lock);
        q = p->finished;
        g_queue_init(&p->finished);
        g_mutex_unlock(&p->lock);
        for (Job *j; (j = g_queue_pop_head(&q));)
                finish(p, j);
        return 0;
}

WorkerPool *worker_pool_new(sd_event *event, unsigned threads) {
        WorkerPool *p = g_new0(WorkerPool, 1);
        g_autoptr(GError) error = NULL;

        g_mutex_init(&p->lock);
        g_queue_init(&p->finished);
        p->fd = -1;
        if (!event)
                return p;
        p->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (p->fd < 0 || sd_event_add_io(event, &p->source, p->fd, EPOLLIN, on_finished, p) < 0)
                g_error("Cannot set up the worker pool's eventfd: %s", g_strerror(errno));
        (void) sd_event_source_set_description(p->source, "worker-pool");
        p->linger_usec = DEFAULT_LINGER_USEC;
        if (sd_event_add_time_relative(event, &p->linger, CLOCK_MONOTONIC, p->linger_usec, p->linger_usec / 4,
                                       on_linger, p) < 0)
                g_error("Cannot set up the worker pool's timer");
        (void) sd_event_source_set_enabled(p->linger, SD_EVENT_OFF);
        (void) sd_event_source_set_description(p->linger, "worker-pool-linger");
        p->max_threads = MAX(threads, 1u);
        /* A thread the pool no longer allows would otherwise wait in GLib's shared set of unused
         * threads (15 s, one of them), costing the idle daemon a wakeup and its stack meanwhile. */
        g_thread_pool_set_max_unused_threads(0);
        p->threads = g_thread_pool_new(job_run, p, 0, true, &error);
        if (!p->threads)
                g_error("Cannot set up a pool of %u worker threads: %s", threads, error->message);
        return p;
}

WorkerPool *worker_pool_free(WorkerPool *p, GDestroyNotify discard) {
        if (!p)
                return NULL;
        if (p->threads)
                g_thread_pool_free(p->threads, false, true);
        sd_event_source_disable_unref(p->linger);
        for (Job *j; (j = g_queue_pop_head(&p->finished));) {
                if (discard)
                        discard(j->data);
                g_free(j);
        }
        sd_event_source_disable_unref(p->source);
        if (p->fd >= 0)
                close(p->fd);
        g_mutex_clear(&p->lock);
        g_free(p);
        return NULL;
}

void worker_pool_submit(WorkerPool *p, WorkerRunFunc run, WorkerDoneFunc done, void *data) {
        Job *j = g_new(Job, 1);

        *j = (Job) { run, done, data };
        p->pending++;
        if (!p->threads) {
                run(data);
                finish(p, j);
                return;
        }
        (void) sd_event_source_set_enabled(p->linger, SD_EVENT_OFF);
        g_thread_pool_push(p->threads, j, NULL);
        /* One thread per job in flight, up to the limit; those already there are kept. */
        if ((unsigned) g_thread_pool_get_max_threads(p->threads) < MIN(p->pending, p->max_threads))
                set_threads(p, MIN(p->pending, p->max_threads));
}

void worker_pool_set_linger(WorkerPool *p, uint64_t usec) {
        p->linger_usec = usec;
        if (p->linger)
                (void) sd_event_source_set_time_accuracy(p->linger, MAX(usec / 4, 1));
}

unsigned worker_pool_pending(const WorkerPool *p) {
        return p ? p->pending : 0;
}
