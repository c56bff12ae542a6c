/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

char *host_path(const char *root, const char *rel) {
        g_autofree char *joined = g_build_filename(root && *root ? root : "/", rel, NULL);
        return g_canonicalize_filename(joined, NULL); /* a relative root is relative to the cwd */
}

SourceStatus source_status_from_errno(int err) {
        switch (err) {
        case ENOENT:
        case ENOTDIR:
        case ENODEV:
        case ENXIO:
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
        g_autofree char *path = host_path(root, rel);
        g_autofree char *buf = NULL;
        size_t used = 0;
        int fd;

        *out = NULL;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return fail(src, source_status_from_errno(errno), rel, g_strerror(errno));

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
        g_autofree char *path = host_path(root, rel);
        return access(path, F_OK) == 0;
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
