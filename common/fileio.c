/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fileio.h"

bool probe_root_is_live(const char *root) {
        return !root || !*root || g_str_equal(root, "/");
}

/* openat2(RESOLVE_IN_ROOT) without a glibc wrapper (glibc 2.36 has none). */
static int openat2_in(int dirfd, const char *path, int flags, uint64_t resolve) {
        struct open_how how = { .flags = (uint64_t) (flags | O_CLOEXEC), .resolve = resolve };

        return (int) syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

static bool same_inode(int a, int b) {
        struct stat sa, sb;

        return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* *FD becomes NEW (closing the old one); returns NEW. */
static int replace_fd(int *fd, int new) {
        close(*fd);
        return *fd = new;
}

/* Closes FD keeping errno; returns -1. */
static int close_fail(int fd) {
        int err = errno;

        if (fd >= 0)
                close(fd);
        errno = err;
        return -1;
}

/* The next step of REST (its leading slashes and the name, taken off REST), or NULL at its end. */
static char *next_step(GString *rest) {
        size_t len;
        char *name;

        g_string_erase(rest, 0, (gssize) strspn(rest->str, "/"));
        if (!rest->len)
                return NULL;
        len = strcspn(rest->str, "/");
        name = g_strndup(rest->str, len);
        g_string_erase(rest, 0, (gssize) len);
        return name;
}

int root_open_walk(int rootfd, const char *path, int flags, bool *left) {
        g_autoptr(GString) rest = g_string_new(path);
        unsigned links = 0;
        int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3), fd;
        char *step;

        *left = false;
        while (cur >= 0 && (step = next_step(rest))) {
                g_autofree char *name = step;
                char target[PATH_MAX];
                struct stat st;
                ssize_t n;

                if (g_str_equal(name, "."))
                        continue;
                if (g_str_equal(name, "..")) {
                        if (same_inode(cur, rootfd))
                                *left = true;   /* ".." of the root is the root */
                        else
                                replace_fd(&cur, openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
                        continue;
                }
                fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 || fstat(fd, &st) < 0) {
                        close_fail(fd);
                        return close_fail(cur);
                }
                if (S_ISLNK(st.st_mode)) {
                        n = readlinkat(fd, "", target, sizeof(target) - 1);
                        close(fd);
                        if (n >= 0 && ++links > 40)
                                errno = ELOOP;
                        if (n < 0 || links > 40)
                                return close_fail(cur);
                        target[n] = '\0';
                        if (target[0] == '/') {
                                *left = true;   /* absolute: from the root, which is not the host's / */
                                replace_fd(&cur, fcntl(rootfd, F_DUPFD_CLOEXEC, 3));
                        }
                        g_string_prepend(rest, "/");
                        g_string_prepend(rest, target);
                        continue;
                }
                if (rest->len > strspn(rest->str, "/")) {
                        if (!S_ISDIR(st.st_mode)) {
                                close(fd);
                                errno = ENOTDIR;
                                return close_fail(cur);
                        }
                        replace_fd(&cur, fd);
                        continue;
                }
                /* The last step, not a link: opened for real from its directory. */
                close(fd);
                fd = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return close_fail(cur);
                close(cur);
                return fd;
        }
        if (cur < 0)
                return -1;
        /* PATH names a directory (the root, or one reached by ".." or a link). */
        fd = openat(cur, ".", flags | O_CLOEXEC);
        if (fd < 0)
                return close_fail(cur);
        close(cur);
        return fd;
}

int root_open(const char *root, const char *rel, int flags) {
        const char *path = rel && *rel ? rel : ".";
        bool live = probe_root_is_live(root), left = false;
        int dirfd, fd, err;

        dirfd = open(live ? "/" : root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -1;
        /* Absolute symlinks, absolute REL and ".." resolve as if ROOT were "/"; magic links
         * (/proc/PID/fd/...) are not followed. */
        fd = openat2_in(dirfd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
        err = errno;
        if (fd < 0 && err == ENOSYS) {
                /* Linux before 5.6, or valgrind 3.19: the live host has no root to leave, a
                 * snapshot is resolved by hand the same way. */
                fd = live ? openat(dirfd, path, flags | O_CLOEXEC) : root_open_walk(dirfd, path, flags, &left);
                err = errno;
        } else if (fd < 0 && (err == ENOENT || err == ELOOP || err == ENOTDIR) && !live) {
                /* Missing inside the root: say so when it is because a link leads out of it
                 * (RESOLVE_BENEATH refuses such a link with EXDEV; REL itself is inside). */
                const char *beneath_path = path + strspn(path, "/");
                int beneath = openat2_in(dirfd, *beneath_path ? beneath_path : ".", O_PATH,
                                         RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
                if (beneath >= 0)
                        close(beneath);
                else
                        left = errno == EXDEV;
        }
        if (fd < 0 && left && (err == ENOENT || err == ELOOP || err == ENOTDIR))
                err = EXDEV;
        close(dirfd);
        errno = err;
        return fd;
}

DIR *root_opendir(const char *root, const char *rel) {
        int fd = root_open(root, rel, O_RDONLY | O_DIRECTORY);
        DIR *d;

        if (fd < 0)
                return NULL;
        d = fdopendir(fd);
        if (!d) {
                int err = errno;
                close(fd);
                errno = err;
        }
        return d;
}

bool root_is_dir(const char *root, const char *rel) {
        int fd = root_open(root, rel, O_PATH | O_DIRECTORY);

        if (fd < 0)
                return false;
        close(fd);
        return true;
}

#define LEFT_ROOT "a symbolic link leads out of the root, and is not followed"

const char *host_strerror(int err) {
        return err == EXDEV ? LEFT_ROOT : g_strerror(err);
}

bool source_left_root(const Source *src) {
        return src->status == SOURCE_MISSING && src->detail && g_str_has_suffix(src->detail, LEFT_ROOT);
}

SourceStatus source_status_from_errno(int err) {
        switch (err) {
        case ENOENT:
        case ENOTDIR:
        case ENODEV:
        case ENXIO:
        case EXDEV:     /* root_open(): out of the root, so not in the host it describes */
                return SOURCE_MISSING;
        case EACCES:
        case EPERM:
                return SOURCE_DENIED;
        default:
                return SOURCE_ERROR;
        }
}

static SourceStatus fail(Source *src, SourceStatus st, const char *rel, const char *why) {
        if (src)
                source_set(src, st, "/%s: %s", rel[0] == '/' ? rel + 1 : rel, why);
        return st;
}

SourceStatus host_read_file(const char *root, const char *rel, size_t max,
                            char **out, size_t *len, Source *src) {
        g_autofree char *buf = NULL;
        size_t used = 0;
        int fd;

        *out = NULL;
        fd = root_open(root, rel, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return fail(src, source_status_from_errno(errno), rel, host_strerror(errno));

        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
                close(fd);
                return fail(src, SOURCE_INVALID, rel, "is a directory, expected a file");
        }

        /* sysfs and procfs report size 0: read in chunks until EOF or the cap. */
        buf = g_malloc(max + 1);
        for (;;) {
                ssize_t n = read(fd, buf + used, max + 1 - used);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        int err = errno;
                        close(fd);
                        return fail(src, source_status_from_errno(err), rel, g_strerror(err));
                }
                if (n == 0)
                        break;
                used += (size_t) n;
                if (used > max) {
                        close(fd);
                        g_autofree char *why = g_strdup_printf("larger than the %zu byte limit", max);
                        return fail(src, SOURCE_INVALID, rel, why);
                }
        }
        close(fd);

        buf[used] = '\0';
        if (memchr(buf, '\0', used))
                return fail(src, SOURCE_INVALID, rel, "contains NUL bytes");
        if (len)
                *len = used;
        *out = g_steal_pointer(&buf);
        if (src)
                source_clear(src);
        return SOURCE_OK;
}

SourceStatus host_read_line(const char *root, const char *rel, char **out, Source *src) {
        SourceStatus st = host_read_file(root, rel, 4096, out, NULL, src);
        if (st == SOURCE_OK)
                g_strchomp(*out);
        return st;
}

bool host_path_exists(const char *root, const char *rel) {
        int fd = root_open(root, rel, O_PATH);

        if (fd < 0)
                return false;
        close(fd);
        return true;
}

bool json_depth_within(const char *json, size_t len, unsigned max) {
        unsigned depth = 0;
        bool in_string = false, escaped = false;

        for (size_t i = 0; i < len; i++) {
                char c = json[i];

                if (in_string) {
                        if (escaped)
                                escaped = false;
                        else if (c == '\\')
                                escaped = true;
                        else if (c == '"')
                                in_string = false;
                } else if (c == '"')
                        in_string = true;
                else if (c == '[' || c == '{') {
                        if (++depth > max)
                                return false;
                } else if ((c == ']' || c == '}') && depth > 0)
                        depth--;
        }
        return true;
}

/* The code unit of the \uXXXX escape at JSON[I] ('\\' included), or -1. */
static long json_u_escape(const char *json, size_t len, size_t i) {
        long v = 0;

        if (i + 6 > len || json[i] != '\\' || json[i + 1] != 'u')
                return -1;
        for (size_t k = i + 2; k < i + 6; k++) {
                int d = g_ascii_xdigit_value(json[k]);
                if (d < 0)
                        return -1;
                v = v * 16 + d;
        }
        return v;
}

/* The length of the escape at JSON[I] (a backslash in a string), or 0 when it is not valid JSON. */
static size_t json_escape_len(const char *json, size_t len, size_t i) {
        long u = json_u_escape(json, len, i), low;

        if (i + 1 < len && strchr("\"\\/bfnrt", json[i + 1]) && json[i + 1])
                return 2;
        if (u < 0 || (u >= 0xDC00 && u <= 0xDFFF))
                return 0;       /* not \uXXXX, or a low surrogate alone */
        if (u < 0xD800 || u > 0xDBFF)
                return 6;
        low = json_u_escape(json, len, i + 6);
        return low >= 0xDC00 && low <= 0xDFFF ? 12 : 0;
}

bool json_one_object(const char *json, size_t len) {
        unsigned depth = 0;
        bool in_string = false;
        size_t i = 0;

        while (i < len && strchr(" \t\r\n", json[i]) && json[i])
                i++;
        if (i == len || json[i] != '{')
                return false;
        for (; i < len; i++) {
                char c = json[i];

                if (in_string) {
                        if (c == '\\') {
                                size_t n = json_escape_len(json, len, i);
                                if (n == 0)
                                        return false;
                                i += n - 1;
                        } else if (c == '"')
                                in_string = false;
                } else if (c == '"')
                        in_string = true;
                else if (c == '[' || c == '{')
                        depth++;
                else if ((c == ']' || c == '}') && depth > 0 && --depth == 0)
                        break;
        }
        /* The object closed at I (or never did: json-glib reports that); only whitespace may follow. */
        for (i++; i < len; i++)
                if (!strchr(" \t\r\n", json[i]) || !json[i])
                        return false;
        return true;
}
