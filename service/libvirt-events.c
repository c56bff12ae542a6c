/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <sys/epoll.h>

#include <glib.h>
#include <libvirt/libvirt.h>

#include "libvirt-events.h"

#define USEC_PER_MSEC UINT64_C(1000)

/* One libvirt handle or timeout and the sd-event source behind it. */
typedef struct {
        int id;
        sd_event_source *source;
        int fd;                          /* handles */
        int frequency_ms;                /* timeouts: -1 off, 0 every iteration, > 0 period */
        virEventHandleCallback handle_cb;
        virEventTimeoutCallback timeout_cb;
        void *opaque;
        virFreeCallback ff;
} Watch;

typedef struct {
        virFreeCallback ff;
        void *opaque;
} PendingFree;

static struct {
        sd_event *event;
        GHashTable *handles, *timeouts;  /* id -> Watch* */
        int next_handle, next_timeout;
        GArray *pending_frees;           /* PendingFree */
        sd_event_source *free_source;
} loop;

static uint32_t to_epoll(int events) {
        return (events & VIR_EVENT_HANDLE_READABLE ? EPOLLIN : 0) |
               (events & VIR_EVENT_HANDLE_WRITABLE ? EPOLLOUT : 0);
}

static int from_epoll(uint32_t revents) {
        return (revents & EPOLLIN ? VIR_EVENT_HANDLE_READABLE : 0) |
               (revents & EPOLLOUT ? VIR_EVENT_HANDLE_WRITABLE : 0) |
               (revents & EPOLLERR ? VIR_EVENT_HANDLE_ERROR : 0) |
               (revents & EPOLLHUP ? VIR_EVENT_HANDLE_HANGUP : 0);
}

/* libvirt forbids calling a free callback from inside the remove call (it may
 * take locks the caller holds): run them from the next loop iteration. */
static void queue_free(virFreeCallback ff, void *opaque) {
        PendingFree p = { ff, opaque };

        if (!ff)
                return;
        g_array_append_val(loop.pending_frees, p);
        (void) sd_event_source_set_enabled(loop.free_source, SD_EVENT_ONESHOT);
}

static int on_pending_frees(sd_event_source *s, void *userdata) {
        g_autoptr(GArray) frees = g_steal_pointer(&loop.pending_frees);

        loop.pending_frees = g_array_new(false, false, sizeof(PendingFree));
        for (guint i = 0; i < frees->len; i++) {
                PendingFree *p = &g_array_index(frees, PendingFree, i);
                p->ff(p->opaque);
        }
        return 0;
}

static void watch_drop(GHashTable *table, int id) {
        Watch *w = g_hash_table_lookup(table, GINT_TO_POINTER(id));

        if (!w)
                return;
        g_hash_table_remove(table, GINT_TO_POINTER(id));
        /* Safe from the source's own callback: sd-event frees it after dispatch. */
        sd_event_source_disable_unref(w->source);
        queue_free(w->ff, w->opaque);
        g_free(w);
}

/* ---- handles -------------------------------------------------------------- */

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Watch *w = userdata;

        /* The callback may remove this very watch: do not touch W afterwards. */
        w->handle_cb(w->id, fd, from_epoll(revents), w->opaque);
        return 0;
}

static void handle_set_events(Watch *w, int events) {
        uint32_t mask = to_epoll(events);

        /* epoll reports errors and hang-ups regardless of the mask, but libvirt
         * asked for nothing: keep quiet until it asks again. */
        if (mask == 0) {
                (void) sd_event_source_set_enabled(w->source, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_io_events(w->source, mask);
        (void) sd_event_source_set_enabled(w->source, SD_EVENT_ON);
}

static int add_handle(int fd, int events, virEventHandleCallback cb, void *opaque, virFreeCallback ff) {
        Watch *w = g_new0(Watch, 1);

        *w = (Watch) { .id = ++loop.next_handle, .fd = fd, .handle_cb = cb, .opaque = opaque, .ff = ff };
        if (sd_event_add_io(loop.event, &w->source, fd, EPOLLIN, on_io, w) < 0) {
                g_free(w);
                return -1;
        }
        (void) sd_event_source_set_description(w->source, "libvirt-handle");
        handle_set_events(w, events);
        g_hash_table_insert(loop.handles, GINT_TO_POINTER(w->id), w);
        return w->id;
}

static void update_handle(int id, int events) {
        Watch *w = g_hash_table_lookup(loop.handles, GINT_TO_POINTER(id));

        if (w)
                handle_set_events(w, events);
}

static int remove_handle(int id) {
        if (!g_hash_table_contains(loop.handles, GINT_TO_POINTER(id)))
                return -1;
        watch_drop(loop.handles, id);
        return 0;
}

/* ---- timeouts ------------------------------------------------------------- */

static uint64_t now_usec(void) {
        uint64_t now = 0;

        (void) sd_event_now(loop.event, CLOCK_MONOTONIC, &now);
        return now;
}

static void timeout_schedule(Watch *w, int frequency_ms) {
        w->frequency_ms = frequency_ms;
        if (frequency_ms < 0) {
                (void) sd_event_source_set_enabled(w->source, SD_EVENT_OFF);
                return;
        }
        /* 0 means "on every iteration": due now, re-armed after each dispatch. */
        (void) sd_event_source_set_time(w->source, now_usec() + (uint64_t) frequency_ms * USEC_PER_MSEC);
        (void) sd_event_source_set_enabled(w->source, SD_EVENT_ON);
}

static int on_time(sd_event_source *s, uint64_t usec, void *userdata) {
        Watch *w = userdata;

        /* Re-arm first: the callback may change the frequency or remove W. */
        timeout_schedule(w, w->frequency_ms);
        w->timeout_cb(w->id, w->opaque);
        return 0;
}

static int add_timeout(int frequency_ms, virEventTimeoutCallback cb, void *opaque, virFreeCallback ff) {
        Watch *w = g_new0(Watch, 1);

        *w = (Watch) { .id = ++loop.next_timeout, .timeout_cb = cb, .opaque = opaque, .ff = ff };
        /* Accuracy 1 µs: the default 250 ms slack would delay every libvirt event. */
        if (sd_event_add_time(loop.event, &w->source, CLOCK_MONOTONIC, 0, 1, on_time, w) < 0) {
                g_free(w);
                return -1;
        }
        (void) sd_event_source_set_description(w->source, "libvirt-timeout");
        timeout_schedule(w, frequency_ms);
        g_hash_table_insert(loop.timeouts, GINT_TO_POINTER(w->id), w);
        return w->id;
}

static void update_timeout(int id, int frequency_ms) {
        Watch *w = g_hash_table_lookup(loop.timeouts, GINT_TO_POINTER(id));

        if (w)
                timeout_schedule(w, frequency_ms);
}

static int remove_timeout(int id) {
        if (!g_hash_table_contains(loop.timeouts, GINT_TO_POINTER(id)))
                return -1;
        watch_drop(loop.timeouts, id);
        return 0;
}

/* ---- registration --------------------------------------------------------- */

int libvirt_events_register(sd_event *event) {
        int r;

        if (loop.event)
                return loop.event == event ? 0 : -EBUSY;
        r = sd_event_add_defer(event, &loop.free_source, on_pending_frees, NULL);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(loop.free_source, SD_EVENT_OFF);
        (void) sd_event_source_set_description(loop.free_source, "libvirt-free-callbacks");
        loop.event = sd_event_ref(event);
        loop.handles = g_hash_table_new(g_direct_hash, g_direct_equal);
        loop.timeouts = g_hash_table_new(g_direct_hash, g_direct_equal);
        loop.pending_frees = g_array_new(false, false, sizeof(PendingFree));
        virEventRegisterImpl(add_handle, update_handle, remove_handle, add_timeout, update_timeout, remove_timeout);
        return 0;
}

unsigned libvirt_events_active_handles(void) {
        return loop.handles ? g_hash_table_size(loop.handles) : 0;
}

unsigned libvirt_events_active_timeouts(void) {
        return loop.timeouts ? g_hash_table_size(loop.timeouts) : 0;
}
