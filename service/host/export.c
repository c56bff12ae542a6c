/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "clear-strings.h"
#include "export.h"
#include "metrics.h"
#include "node-labels.h"

typedef enum {
        EXPORT_PROMETHEUS = 0,
        EXPORT_NFD,
        _EXPORT_MAX,
} ExportKind;

typedef struct {
        char *path;                 /* NULL: not exported */
        /* Loop thread only. */
        char *last_queued;          /* content last handed to the writer */
        /* Under Exporter.lock: shared with the writer. */
        char *pending;              /* newest content not yet taken by the writer */
        bool queued;                /* a writer job for this file is in the pool */
        char *failure;              /* the last write's error; NULL when it succeeded */
} ExportFile;

struct Exporter {
        ExportFile files[_EXPORT_MAX];
        GMutex lock;
        GThreadPool *writer;        /* one thread: writes never overlap */
        int efd;                    /* the writer's "a write finished" to the loop */
        sd_event_source *source;
        char *problem;              /* loop thread: the failures as last reported */
        void (*changed)(void *userdata);
        void *userdata;
};

/* Write CONTENT to PATH so that a reader sees the old file or the new one,
 * never a part; nothing is left beside it. NULL on success, else what failed. */
static char *write_atomic(const char *path, const char *content) {
        g_autofree char *dir = g_path_get_dirname(path), *base = g_path_get_basename(path);
        g_autofree char *tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
        size_t len = strlen(content), done = 0;
        int fd, r = 0;

        fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
        if (fd < 0)
                return g_strdup_printf("cannot write %s: creating a temporary file in %s: %s", path, dir,
                                       g_strerror(errno));
        /* The unit's UMask=0077 would hide the file from node_exporter's own user. */
        if (fchmod(fd, 0644) < 0)
                r = -errno;
        while (r == 0 && done < len) {
                ssize_t n = write(fd, content + done, len - done);
                if (n < 0 && errno != EINTR)
                        r = -errno;
                else if (n > 0)
                        done += (size_t) n;
        }
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlink(tmp);
                return g_strdup_printf("cannot write %s: %s", path, g_strerror(-r));
        }
        /* The rename itself survives a crash once the directory is synced. */
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
                (void) fsync(fd);
                close(fd);
        }
        return NULL;
}

static void writer_job(gpointer data, gpointer userdata) {
        Exporter *x = userdata;
        ExportFile *file = &x->files[GPOINTER_TO_INT(data) - 1];
        g_autofree char *content = NULL, *failure = NULL;

        g_mutex_lock(&x->lock);
        content = g_steal_pointer(&file->pending);
        file->queued = false;
        g_mutex_unlock(&x->lock);
        if (!content)
                return;
        failure = write_atomic(file->path, content);
        g_mutex_lock(&x->lock);
        g_free(file->failure);
        file->failure = g_steal_pointer(&failure);
        g_mutex_unlock(&x->lock);
        (void) eventfd_write(x->efd, 1);
}

static char *collect_failures(Exporter *x) {
        g_autoptr(GString) s = g_string_new(NULL);

        g_mutex_lock(&x->lock);
        for (ExportKind k = 0; k < _EXPORT_MAX; k++)
                if (x->files[k].failure)
                        g_string_append_printf(s, "%s%s", s->len ? "; " : "", x->files[k].failure);
        g_mutex_unlock(&x->lock);
        return s->len ? g_string_free(g_steal_pointer(&s), false) : NULL;
}

static int on_written(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Exporter *x = userdata;
        eventfd_t n;
        g_autofree char *problem = NULL;

        (void) eventfd_read(fd, &n);
        problem = collect_failures(x);
        if (g_strcmp0(problem, x->problem) == 0)
                return 0;
        if (problem)
                g_warning("%s", problem);
        else
                g_message("Export files written again");
        g_free(x->problem);
        x->problem = g_steal_pointer(&problem);
        x->changed(x->userdata);
        return 0;
}

Exporter *exporter_new(sd_event *event, const MemcryptConfig *cfg, void (*changed)(void *userdata), void *userdata) {
        g_autoptr(GError) err = NULL;
        Exporter *x;
        int r;

        if (!cfg->prometheus_textfile && !cfg->node_feature_file)
                return NULL;
        x = g_new0(Exporter, 1);
        x->files[EXPORT_PROMETHEUS].path = g_strdup(cfg->prometheus_textfile);
        x->files[EXPORT_NFD].path = g_strdup(cfg->node_feature_file);
        x->changed = changed;
        x->userdata = userdata;
        g_mutex_init(&x->lock);
        x->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        r = x->efd < 0 ? -errno : sd_event_add_io(event, &x->source, x->efd, EPOLLIN, on_written, x);
        /* Exclusive: its one thread starts here and inherits this thread's scheduling. A shared
         * pool would copy it with sched_setattr(), which the unit's ~@resources filter denies. */
        if (r >= 0)
                x->writer = g_thread_pool_new(writer_job, x, 1, true, &err);
        if (r < 0 || !x->writer) {
                g_warning("Cannot start the export writer: %s", r < 0 ? g_strerror(-r) : err->message);
                return exporter_free(x);
        }
        return x;
}

Exporter *exporter_free(Exporter *x) {
        if (!x)
                return NULL;
        if (x->writer)
                g_thread_pool_free(x->writer, false, true);
        sd_event_source_disable_unref(x->source);
        if (x->efd >= 0)
                close(x->efd);
        for (ExportKind k = 0; k < _EXPORT_MAX; k++) {
                ExportFile *file = &x->files[k];
                clear_strings(&file->path, &file->last_queued, &file->pending, &file->failure, NULL);
        }
        g_mutex_clear(&x->lock);
        g_free(x->problem);
        g_free(x);
        return NULL;
}

static void queue(Exporter *x, ExportKind k, char *content) {
        ExportFile *file = &x->files[k];
        bool push;

        g_mutex_lock(&x->lock);
        if (g_strcmp0(content, file->last_queued) == 0 && !file->failure) {
                g_mutex_unlock(&x->lock);
                g_free(content);
                return;
        }
        g_free(file->pending);
        file->pending = g_strdup(content);
        push = !file->queued;
        file->queued = true;
        g_mutex_unlock(&x->lock);
        g_free(file->last_queued);
        file->last_queued = content;
        if (push)
                g_thread_pool_push(x->writer, GINT_TO_POINTER(k + 1), NULL);
}

void exporter_publish(Exporter *x, const HostFacts *f, const HostVerdict *v, uint64_t last_refresh_usec) {
        if (!x)
                return;
        if (x->files[EXPORT_PROMETHEUS].path)
                queue(x, EXPORT_PROMETHEUS, metrics_format(f, v, last_refresh_usec));
        if (x->files[EXPORT_NFD].path)
                queue(x, EXPORT_NFD, node_labels_format(f, v));
}

const char *exporter_problem(const Exporter *x) {
        return x ? x->problem : NULL;
}
