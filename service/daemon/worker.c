/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "worker.h"

typedef struct {
        WorkerRunFunc run;
        WorkerDoneFunc done;
        void *data;
} Job;

struct WorkerPool {
        sd_event_source *source;        /* the eventfd: finished jobs are waiting */
        int fd;
        GThreadPool *threads;
        GMutex lock;
        GQueue finished;                /* Job*, guarded by LOCK */
        unsigned pending;               /* loop thread only */
};

static void job_run(void *item, void *userdata) {
        WorkerPool *p = userdata;
        Job *j = item;
        uint64_t one = 1;

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
        j->done(j->data);
        g_free(j);
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
        /* Exclusive threads: started once, never shared with other pools in the process. */
        p->threads = g_thread_pool_new(job_run, p, (int) threads, true, &error);
        if (!p->threads)
                g_error("Cannot start %u worker threads: %s", threads, error->message);
        return p;
}

WorkerPool *worker_pool_free(WorkerPool *p, GDestroyNotify discard) {
        if (!p)
                return NULL;
        if (p->threads)
                g_thread_pool_free(p->threads, false, true);
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
        /* Cannot fail: the pool is exclusive and already has its threads. */
        g_thread_pool_push(p->threads, j, NULL);
}

unsigned worker_pool_pending(const WorkerPool *p) {
        return p ? p->pending : 0;
}
