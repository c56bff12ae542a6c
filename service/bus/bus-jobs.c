/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "bus-jobs.h"
#include "bus-state.h"
#include "bus-util.h"
#include "memcrypt-errors.h"

/*
 * Two pools. XML work is CPU and memory: a few threads (each may hold a parsed
 * 1 MiB document) keep the cores busy and the peak bounded. Attestation calls
 * mostly wait (on libvirt, up to its deadline, or on the disk): more threads,
 * little memory each, and never in the way of the XML work.
 */
#define CPU_THREADS_MAX 4u
#define WAIT_THREADS 8u
/* Sender names are never reused: the cache only needs a bound, not expiry. */
#define SENDER_CACHE_MAX 4096u
/*
 * Replies sd-bus could not hand to the bus yet. dbus-daemon reads our socket
 * and keeps each caller's unread replies in that caller's own queue (up to its
 * max_outgoing_bytes); our queue grows only while dbus-daemon itself does not
 * read. Then no new expensive call is started, so no new big reply is built.
 */
#define WRITE_QUEUE_BUSY 64u

struct BusJobs {
        WorkerPool *cpu, *wait;
        unsigned max_per_user, max_queued;
        GHashTable *per_uid;            /* uid -> calls in flight (both as pointers) */
        GHashTable *sender_uid;         /* unique name -> uid + 1 */
        unsigned in_flight;
};

typedef struct {
        BusJobs *jobs;
        sd_bus_message *call;
        uid_t uid;
        const BusJobType *type;
        void *data;
} Call;

BusJobs *bus_jobs_new(sd_event *event, const MemcryptConfig *config) {
        BusJobs *j = g_new0(BusJobs, 1);

        j->cpu = worker_pool_new(event, CLAMP(g_get_num_processors(), 2u, CPU_THREADS_MAX));
        j->wait = worker_pool_new(event, WAIT_THREADS);
        j->max_per_user = config->max_calls_per_user;
        j->max_queued = config->max_queued_calls;
        j->per_uid = g_hash_table_new(g_direct_hash, g_direct_equal);
        j->sender_uid = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        return j;
}

static void call_free(Call *call) {
        call->type->free(call->data);
        sd_bus_message_unref(call->call);
        g_free(call);
}

BusJobs *bus_jobs_free(BusJobs *j) {
        if (!j)
                return NULL;
        j->cpu = worker_pool_free(j->cpu, (GDestroyNotify) call_free);
        j->wait = worker_pool_free(j->wait, (GDestroyNotify) call_free);
        g_hash_table_unref(j->per_uid);
        g_hash_table_unref(j->sender_uid);
        g_free(j);
        return NULL;
}

unsigned bus_jobs_in_flight(const BusJobs *j) {
        return j ? j->in_flight : 0;
}

/* The caller's uid; (uid_t) -1 when the bus cannot tell (all such callers share one share). */
static uid_t sender_uid(BusJobs *j, sd_bus_message *m) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        const char *sender = sd_bus_message_get_sender(m);
        uid_t uid = (uid_t) -1;
        void *cached;

        if (sender && (cached = g_hash_table_lookup(j->sender_uid, sender)))
                return (uid_t) (GPOINTER_TO_SIZE(cached) - 1);
        /* On a bus: GetConnectionCredentials, one round trip to dbus-daemon per new caller. */
        if (sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID, &creds) >= 0 &&
            sd_bus_creds_get_euid(creds, &uid) < 0 && sd_bus_creds_get_uid(creds, &uid) < 0)
                uid = (uid_t) -1;
        if (sender) {
                if (g_hash_table_size(j->sender_uid) >= SENDER_CACHE_MAX)
                        g_hash_table_remove_all(j->sender_uid);
                g_hash_table_insert(j->sender_uid, g_strdup(sender), GSIZE_TO_POINTER((gsize) uid + 1));
        }
        return uid;
}

static unsigned uid_calls(BusJobs *j, uid_t uid) {
        return GPOINTER_TO_UINT(g_hash_table_lookup(j->per_uid, GUINT_TO_POINTER(uid)));
}

static void uid_calls_set(BusJobs *j, uid_t uid, unsigned n) {
        if (n == 0)
                g_hash_table_remove(j->per_uid, GUINT_TO_POINTER(uid));
        else
                g_hash_table_insert(j->per_uid, GUINT_TO_POINTER(uid), GUINT_TO_POINTER(n));
}

static int refuse_busy(BusJobs *j, sd_bus_message *m, uid_t uid, sd_bus_error *error) {
        uint64_t queued = 0;

        if (uid_calls(j, uid) >= j->max_per_user)
                return sd_bus_error_setf(error, MEMCRYPT_ERROR_BUSY,
                                         "%u calls of this user are still being answered (MaxCallsPerUser=%u); "
                                         "wait for their replies, then try again.", uid_calls(j, uid),
                                         j->max_per_user);
        if (j->in_flight >= j->max_queued)
                return sd_bus_error_setf(error, MEMCRYPT_ERROR_BUSY,
                                         "memcryptd is answering %u calls (MaxQueuedCalls=%u); try again shortly.",
                                         j->in_flight, j->max_queued);
        if (sd_bus_get_n_queued_write(sd_bus_message_get_bus(m), &queued) >= 0 && queued > WRITE_QUEUE_BUSY)
                return sd_bus_error_setf(error, MEMCRYPT_ERROR_BUSY,
                                         "%" PRIu64 " replies wait for the bus to take them; try again shortly.",
                                         queued);
        return 0;
}

static void call_run(void *userdata) {
        Call *call = userdata;

        call->type->run(call->data);
}

static void call_done(void *userdata) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        Call *call = userdata;
        BusJobs *j = call->jobs;
        int r;

        j->in_flight--;
        uid_calls_set(j, call->uid, uid_calls(j, call->uid) - 1);
        r = call->type->reply(call->call, call->data, &error);
        if (r < 0) {
                /* The caller may have gone: nothing to do about a reply that cannot be sent. */
                if (sd_bus_error_is_set(&error))
                        (void) sd_bus_reply_method_error(call->call, &error);
                else
                        (void) sd_bus_reply_method_errno(call->call, r, NULL);
        }
        call_free(call);
}

int bus_job_start(Context *c, sd_bus_message *m, const BusJobType *type, void *data, sd_bus_error *error) {
        BusJobs *j = c->bus->jobs;
        Call *call;
        uid_t uid;
        int r;

        g_assert(j);
        uid = sender_uid(j, m);
        r = refuse_busy(j, m, uid, error);
        if (r < 0) {
                type->free(data);
                return r;
        }
        call = g_new(Call, 1);
        *call = (Call) { j, sd_bus_message_ref(m), uid, type, data };
        j->in_flight++;
        uid_calls_set(j, uid, uid_calls(j, uid) + 1);
        worker_pool_submit(type->waits ? j->wait : j->cpu, call_run, call_done, call);
        return 1;
}
