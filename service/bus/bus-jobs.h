/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Expensive method calls off the event loop, with limits per caller.
 *
 * A handler parses and checks its arguments on the loop, then hands a job
 * to bus_job_start(): the call's message is kept (sd_bus_message_ref), RUN
 * works on a pool thread with the job's own data, and REPLY answers on the
 * loop once it is done. A caller uid with MaxCallsPerUser calls in flight,
 * or a daemon with MaxQueuedCalls, gets org.memcrypt1.Error.Busy at once;
 * so does every caller while the bus does not take our replies (the write
 * queue to the bus is long). Cheap calls (properties, Ping, Describe,
 * Doctor) never become jobs, so they never wait behind one.
 */

#include <systemd/sd-bus.h>

#include "context.h"
#include "worker.h"

typedef struct BusJobs BusJobs;

typedef struct {
        /* Waits on libvirt (and hashes files): runs on the pool of waiting jobs, so
         * calls held by a hung libvirtd never keep the XML work of others waiting. */
        bool waits;
        WorkerRunFunc run;
        /* Sends the reply for CALL from DATA (or returns < 0 / sets ERROR: the caller gets an error). */
        int (*reply)(sd_bus_message *call, void *data, sd_bus_error *error);
        GDestroyNotify free;
} BusJobType;

/* EVENT NULL: jobs run at once on the caller's thread (tests without a loop). */
BusJobs *bus_jobs_new(sd_event *event, const MemcryptConfig *config);
/* Waits for running jobs; finished ones are dropped unanswered (the daemon is exiting). */
BusJobs *bus_jobs_free(BusJobs *j);

/* Start TYPE's job on DATA (owned from here on, also on failure) for the call M.
 * Returns 1 (the handler's return value: the reply comes later) or < 0 with ERROR set. */
int bus_job_start(Context *c, sd_bus_message *m, const BusJobType *type, void *data, sd_bus_error *error);

/* Calls in flight (started, not answered yet). */
unsigned bus_jobs_in_flight(const BusJobs *j);
