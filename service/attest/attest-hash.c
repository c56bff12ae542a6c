/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SHA-256 of the files a launch measurement covers (firmware, kernel,
 * initrd), read under the host root like every other host fact. Paths come
 * from the domain XML, so only absolute paths without ".." and only regular
 * files are read: a snapshot's XML cannot point outside the snapshot, and
 * a device node named as a loader is never read without end.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attest-internal.h"
#include "fileio.h"

#define CHUNK (64u * 1024u)

bool attest_path_ok(const char *path) {
        g_auto(GStrv) parts = NULL;

        if (!g_path_is_absolute(path))
                return false;
        parts = g_strsplit(path, "/", -1);
        for (char **p = parts; *p; p++)
                if (g_str_equal(*p, ".."))
                        return false;
        return true;
}

static char *hash_fd(int fd, const char *path, char **why) {
        g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
        g_autofree guchar *buf = g_malloc(CHUNK);

        for (;;) {
                ssize_t n = read(fd, buf, CHUNK);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        *why = g_strdup_printf("%s: %s", path, g_strerror(errno));
                        return NULL;
                }
                if (n == 0)
                        break;
                g_checksum_update(sum, buf, n);
        }
        return g_strdup(g_checksum_get_string(sum));
}

char *attest_sha256_file(const char *root, const char *path, char **why) {
        struct stat st;
        char *hex;
        int fd;

        if (!attest_path_ok(path)) {
                *why = g_strdup_printf("%s: not an absolute path without '..'", path);
                return NULL;
        }
        fd = root_open(root, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                *why = g_strdup_printf("%s: %s", path, host_strerror(errno));
                return NULL;
        }
        if (fstat(fd, &st) < 0)
                *why = g_strdup_printf("%s: %s", path, g_strerror(errno));
        else if (!S_ISREG(st.st_mode))
                *why = g_strdup_printf("%s: not a regular file", path);
        else if ((uint64_t) st.st_size > ATTEST_HASH_FILE_MAX)
                *why = g_strdup_printf("%s: larger than %" PRIu64 " bytes", path, ATTEST_HASH_FILE_MAX);
        if (*why) {
                close(fd);
                return NULL;
        }
        hex = hash_fd(fd, path, why);
        close(fd);
        return hex;
}
