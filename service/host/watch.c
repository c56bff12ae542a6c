/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <systemd/sd-device.h>

#include "fileio.h"
#include "watch.h"

/* Long enough to coalesce an editor's write-rename-chmod, short against the 50 ms event goal. */
#define DEBOUNCE_USEC UINT64_C(30000)

#define DIR_MASK (IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | \
                  IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

/* Watched on every host: sysfs and procfs cannot be watched, descriptors can. */
static const char *const live_dirs[] = {
        "usr/share/qemu/firmware", "etc/qemu/firmware", "usr/share/qemu", "etc/qemu",
};

/* Also watched on a snapshot: each directory of the layout that holds a fact. */
static const char *const snapshot_dirs[] = {
        ".", "proc", "proc/sys/kernel", "sys/module", "sys/module/kvm_amd", "sys/module/kvm_amd/parameters",
        "sys/module/ccp/parameters", "sys/fs/cgroup", "sys/devices/system/cpu/smt", "dev", "libvirt",
        "libvirt/domains",
};

typedef struct {
        Watchers *owner;
        char *path;
        sd_event_source *source;        /* NULL while the directory is missing */
} WatchedDir;

struct Watchers {
        Context *context;
        void (*changed)(void *userdata);
        void *userdata;
        GArray *dirs;                   /* WatchedDir */
        sd_event_source *debounce;
        sd_device_monitor *modules;
};

static void dir_unwatch(WatchedDir *d) {
        d->source = sd_event_source_disable_unref(d->source);
}

static int on_debounce(sd_event_source *s, uint64_t usec, void *userdata) {
        Watchers *w = userdata;

        /* A QEMU package changes libvirt's domain capabilities too: libvirt is asked again. */
        context_reprobe_libvirt(w->context);
        w->changed(w->userdata);
        watchers_sync(w);
        return 0;
}

static void schedule_refresh(Watchers *w) {
        uint64_t now = 0;
        int enabled = 0;

        /* Already due: the refresh it brings will read this change too. */
        if (sd_event_source_get_enabled(w->debounce, &enabled) >= 0 && enabled)
                return;
        (void) sd_event_now(w->context->event, CLOCK_MONOTONIC, &now);
        (void) sd_event_source_set_time(w->debounce, now + DEBOUNCE_USEC);
        (void) sd_event_source_set_enabled(w->debounce, SD_EVENT_ONESHOT);
}

static int on_inotify(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        WatchedDir *d = userdata;
        Watchers *w = d->owner;

        /* The directory itself went away: watch it again once it is back. */
        if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
                dir_unwatch(d);
        schedule_refresh(w);
        return 0;
}

static void dir_watch(Context *c, WatchedDir *d) {
        int fd, r;

        if (d->source)
                return;
        /* The directory as resolved inside the root: a link out of it is not watched. */
        fd = root_open(c->root, d->path, O_PATH | O_DIRECTORY);
        if (fd < 0)
                return;
        r = sd_event_add_inotify_fd(c->event, &d->source, fd, DIR_MASK, on_inotify, d);
        close(fd);
        if (r < 0)
                g_debug("Cannot watch /%s: %s", d->path, g_strerror(-r));
}

static void add_dirs(Watchers *w, const char *const *dirs, size_t n) {
        for (size_t i = 0; i < n; i++) {
                WatchedDir d = { .owner = w, .path = g_strdup(dirs[i]) };
                g_array_append_val(w->dirs, d);
        }
}

static int on_module_uevent(sd_device_monitor *m, sd_device *device, void *userdata) {
        const char *name = NULL;

        if (sd_device_get_sysname(device, &name) >= 0 && name &&
            (g_str_equal(name, "kvm_amd") || g_str_equal(name, "ccp")))
                schedule_refresh(userdata);
        return 0;
}

/* Module load/unload of kvm_amd and ccp; absent in most containers, which is fine. */
static void watch_modules(Watchers *w) {
        sd_device_monitor *m = NULL;
        int r;

        r = sd_device_monitor_new(&m);
        if (r >= 0)
                r = sd_device_monitor_filter_add_match_subsystem_devtype(m, "module", NULL);
        if (r >= 0)
                r = sd_device_monitor_attach_event(m, w->context->event);
        if (r >= 0)
                r = sd_device_monitor_start(m, on_module_uevent, w);
        if (r < 0) {
                g_debug("No kernel module events: %s", g_strerror(-r));
                sd_device_monitor_unref(m);
                return;
        }
        w->modules = m;
}

Watchers *watchers_new(Context *c, void (*changed)(void *userdata), void *userdata) {
        Watchers *w = g_new0(Watchers, 1);
        bool live = probe_root_is_live(c->root);

        w->context = c;
        w->changed = changed;
        w->userdata = userdata;
        /* Elements are pointed to by their sources: size the array once. */
        w->dirs = g_array_sized_new(false, true, sizeof(WatchedDir), G_N_ELEMENTS(live_dirs) + G_N_ELEMENTS(snapshot_dirs));
        add_dirs(w, live_dirs, G_N_ELEMENTS(live_dirs));
        if (!live)
                add_dirs(w, snapshot_dirs, G_N_ELEMENTS(snapshot_dirs));
        if (sd_event_add_time(c->event, &w->debounce, CLOCK_MONOTONIC, 0, 1000, on_debounce, w) >= 0) {
                (void) sd_event_source_set_enabled(w->debounce, SD_EVENT_OFF);
                (void) sd_event_source_set_description(w->debounce, "refresh-debounce");
        }
        if (live)
                watch_modules(w);
        watchers_sync(w);
        return w;
}

Watchers *watchers_free(Watchers *w) {
        if (!w)
                return NULL;
        for (guint i = 0; i < w->dirs->len; i++) {
                WatchedDir *d = &g_array_index(w->dirs, WatchedDir, i);
                dir_unwatch(d);
                g_free(d->path);
        }
        g_array_unref(w->dirs);
        sd_event_source_disable_unref(w->debounce);
        sd_device_monitor_unref(w->modules);
        g_free(w);
        return NULL;
}

void watchers_sync(Watchers *w) {
        for (guint i = 0; i < w->dirs->len; i++)
                dir_watch(w->context, &g_array_index(w->dirs, WatchedDir, i));
}

unsigned watchers_count(const Watchers *w) {
        unsigned n = 0;

        for (guint i = 0; i < w->dirs->len; i++)
                n += g_array_index(w->dirs, WatchedDir, i).source != NULL;
        return n;
}
