/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A bounded pool of threads (GThreadPool) for work that must not run on the
 * event loop: domain XML, file hashing, anything that waits on libvirt. A job
 * runs RUN on a pool thread with nothing but its own DATA (copied inputs,
 * references to immutable state); DONE then runs on the loop thread, which
 * alone touches sd-bus and the Context. Finished jobs reach the loop through
 * an eventfd watched by an sd-event io source.
 *
 * Without a loop (event NULL: the socketpair tests, --bus-introspect) a job
 * runs at once on the calling thread: same code, no concurrency.
 */

#include <glib.h>
#include <systemd/sd-event.h>

typedef struct WorkerPool WorkerPool;

typedef void (*WorkerRunFunc)(void *data);     /* on a pool thread */
typedef void (*WorkerDoneFunc)(void *data);    /* on the loop thread, once RUN returned */

WorkerPool *worker_pool_new(sd_event *event, unsigned threads);
/* Waits for running jobs (none waits longer than the libvirt deadline) and
 * drops finished ones without calling DONE; DISCARD frees each job's data. */
WorkerPool *worker_pool_free(WorkerPool *p, GDestroyNotify discard);

void worker_pool_submit(WorkerPool *p, WorkerRunFunc run, WorkerDoneFunc done, void *data);

/* Threads start as jobs come, up to THREADS, and end USEC (default 30 s) after
 * the last job: an idle daemon keeps none. */
void worker_pool_set_linger(WorkerPool *p, uint64_t usec);

/* Jobs submitted whose DONE has not run yet. */
unsigned worker_pool_pending(const WorkerPool *p);
