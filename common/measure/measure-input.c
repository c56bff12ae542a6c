/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "measure-error.h"
#include "measure-input.h"
#include "measure-ovmf.h"

#define CHUNK ((size_t) 1024 * 1024)

/* FD's size when it is a regular file of at most MAX bytes. */
static bool regular_size(int fd, uint64_t max, MeasureErrorCode too_large, uint64_t *ret, GError **error) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return measure_fail(error, MEASURE_ERROR_IO, "cannot stat it: %s", g_strerror(errno));
        if (S_ISDIR(st.st_mode))
                return measure_fail(error, MEASURE_ERROR_IO, "it is a directory, not a file");
        if (!S_ISREG(st.st_mode))
                return measure_fail(error, MEASURE_ERROR_IO, "it is not a regular file (a FIFO, socket or device is "
                                    "not read)");
        if ((uint64_t) st.st_size > max)
                return measure_fail(error, too_large, "it has %"PRIu64 " bytes, more than the %"PRIu64 " measured here",
                                    (uint64_t) st.st_size, max);
        *ret = (uint64_t) st.st_size;
        return true;
}

/* Up to LEN bytes at OFFSET; the count read (short only at the end of the file), or -1 with errno. */
static ssize_t read_at(int fd, void *buf, size_t len, uint64_t offset) {
        size_t done = 0;

        while (done < len) {
                ssize_t n = pread(fd, (uint8_t *) buf + done, len - done, (off_t) (offset + done));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -1;
                if (n == 0)
                        break;
                done += (size_t) n;
        }
        return (ssize_t) done;
}

GBytes *measure_read_firmware_fd(int fd, GError **error) {
        g_autofree uint8_t *data = NULL;
        uint64_t size;
        uint8_t extra;
        ssize_t n;

        if (!regular_size(fd, MEASURE_FIRMWARE_MAX, MEASURE_ERROR_FIRMWARE, &size, error))
                return NULL;
        data = g_malloc(MAX(size, 1));
        n = read_at(fd, data, size, 0);
        if (n < 0) {
                measure_fail(error, MEASURE_ERROR_IO, "cannot read it: %s", g_strerror(errno));
                return NULL;
        }
        /* A file that changes while it is read has no one digest. */
        if ((uint64_t) n != size || read_at(fd, &extra, 1, size) != 0) {
                measure_fail(error, MEASURE_ERROR_IO, "it changed size while it was read");
                return NULL;
        }
        return g_bytes_new_take(g_steal_pointer(&data), size);
}

bool measure_sha256_fd(int fd, uint64_t max, uint8_t out[MEASURE_SHA256_LEN], uint64_t *ret_size,
                       GError **error) {
        g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
        g_autofree uint8_t *buf = g_malloc(CHUNK);
        uint64_t size, off = 0;
        gsize n = MEASURE_SHA256_LEN;

        if (!regular_size(fd, max, MEASURE_ERROR_INVALID, &size, error))
                return false;
        for (;;) {
                ssize_t got = read_at(fd, buf, CHUNK, off);

                if (got < 0)
                        return measure_fail(error, MEASURE_ERROR_IO, "cannot read it: %s", g_strerror(errno));
                if (got == 0)
                        break;
                off += (uint64_t) got;
                if (off > size)
                        return measure_fail(error, MEASURE_ERROR_IO, "it grew while it was read");
                g_checksum_update(sum, buf, (gssize) got);
        }
        if (off != size)
                return measure_fail(error, MEASURE_ERROR_IO, "it shrank while it was read");
        g_checksum_get_digest(sum, out, &n);
        if (ret_size)
                *ret_size = size;
        return true;
}
