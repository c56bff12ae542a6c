/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memcryptctl's argument values: KEY=VALUE pairs, booleans, policies, and domain XML files. */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl-args.h"
#include "memcrypt/memcrypt.h"

bool split_key_value(const char *s, char **ret_key, char **ret_value) {
        const char *eq = strchr(s, '=');

        if (!eq || eq == s)
                return false;
        *ret_key = g_strndup(s, eq - s);
        *ret_value = g_strdup(eq + 1);
        return true;
}

int parse_boolean(const char *s) {
        static const char *const yes[] = { "true", "yes", "1" }, *const no[] = { "false", "no", "0" };

        for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
                if (g_ascii_strcasecmp(s, yes[i]) == 0)
                        return 1;
                if (g_ascii_strcasecmp(s, no[i]) == 0)
                        return 0;
        }
        return -1;
}

static bool all_chars(const char *s, gboolean (*is)(gchar c)) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (!is(*s))
                        return false;
        return true;
}

static gboolean is_digit(gchar c) {
        return g_ascii_isdigit(c);
}

static gboolean is_xdigit(gchar c) {
        return g_ascii_isxdigit(c);
}

bool parse_uint64(const char *s, uint64_t *ret) {
        bool hex = g_ascii_strncasecmp(s, "0x", 2) == 0;
        const char *digits = hex ? s + 2 : s;
        guint64 v;

        /* The digits alone: no sign, no space, no second "0x" (g_ascii_strtoull would take them). */
        if (!all_chars(digits, hex ? is_xdigit : is_digit))
                return false;
        if (!g_ascii_string_to_unsigned(digits, hex ? 16 : 10, 0, G_MAXUINT64, &v, NULL))
                return false;
        *ret = v;
        return true;
}

bool option_is_boolean(const char *key) {
        static const char *const booleans[] = {
                MEMCRYPT_OPTION_KERNEL_HASHES, MEMCRYPT_OPTION_ALLOW_DEBUG, MEMCRYPT_OPTION_KEEP_BALLOON,
                MEMCRYPT_OPTION_AUTHOR_KEY, MEMCRYPT_OPTION_VCEK,
        };

        for (size_t i = 0; i < G_N_ELEMENTS(booleans); i++)
                if (strcmp(key, booleans[i]) == 0)
                        return true;
        return false;
}

GByteArray *read_at_most(int fd, size_t max, int *ret_errno) {
        g_autoptr(GByteArray) data = g_byte_array_new();
        guint8 buffer[65536];

        while (data->len <= max) {
                ssize_t n = read(fd, buffer, MIN(sizeof(buffer), max + 1 - data->len));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        *ret_errno = errno;
                        return NULL;
                }
                if (n == 0)
                        break;
                g_byte_array_append(data, buffer, n);
        }
        return g_steal_pointer(&data);
}

static void set_too_large(GError **error, const char *name, size_t max) {
        /* Not g_format_size(): its non-breaking space would defeat a grep for "1 MiB". */
        g_autofree char *limit = max % (1024 * 1024) == 0 ? g_strdup_printf("%zu MiB", max / (1024 * 1024)) :
                                                            g_strdup_printf("%zu bytes", max);

        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "%s is larger than %s, the most domain XML the service accepts", name, limit);
}

/* DATA (taken) as a string when it is short enough UTF-8 text without NUL bytes. */
static char *check_text(const char *name, GByteArray *data, size_t max, GError **error) {
        g_autoptr(GByteArray) owned = data;

        if (data->len > max) {
                set_too_large(error, name, max);
                return NULL;
        }
        if (memchr(data->data, 0, data->len)) {
                g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s contains a NUL byte: domain XML is text", name);
                return NULL;
        }
        if (!g_utf8_validate((const char *) data->data, data->len, NULL)) {
                g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is not UTF-8 text", name);
                return NULL;
        }

        g_byte_array_append(data, (const guint8 *) "", 1);
        return (char *) g_byte_array_free(g_steal_pointer(&owned), FALSE);
}

/* FD's contents; NULL with *RET_ERRNO, or with *RET_TOO_LARGE when a regular file is larger
 * than MAX (refused by its size, without reading it). */
static GByteArray *read_fd(int fd, size_t max, int *ret_errno, bool *ret_too_large) {
        struct stat st;

        if (fstat(fd, &st) < 0) {
                *ret_errno = errno;
                return NULL;
        }
        if (S_ISDIR(st.st_mode)) {
                *ret_errno = EISDIR;
                return NULL;
        }
        if (S_ISREG(st.st_mode) && (uint64_t) st.st_size > max) {
                *ret_too_large = true;
                return NULL;
        }
        return read_at_most(fd, max, ret_errno);
}

static const char *file_kind(mode_t mode) {
        switch (mode & S_IFMT) {
        case S_IFIFO:  return "a FIFO";
        case S_IFSOCK: return "a socket";
        case S_IFCHR:  return "a character device";
        case S_IFBLK:  return "a block device";
        default:       return "not a file";
        }
}

int open_input_file(const char *path, const char *name, GError **error) {
        struct stat st;
        int fd, err;

        if (strcmp(path, "-") == 0)
                return STDIN_FILENO;
        /* O_NONBLOCK: open() of a FIFO would wait for a writer; it returns at once, and fstat() tells. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                err = errno;
                g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "cannot open %s: %s", name,
                            g_strerror(err));
                return -1;
        }
        err = fstat(fd, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
        if (err || !S_ISREG(st.st_mode)) {
                close(fd);
                if (err)
                        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "cannot read %s: %s", name,
                                    g_strerror(err));
                else
                        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "cannot read %s: it is %s, not a "
                                    "regular file (give - and redirect it to standard input)", name,
                                    file_kind(st.st_mode));
                return -1;
        }
        return fd;
}

char *read_text_file(const char *path, size_t max, GError **error) {
        bool is_stdin = strcmp(path, "-") == 0, too_large = false;
        g_autofree char *name = is_stdin ? g_strdup("standard input") : g_strdup_printf("'%s'", path);
        GByteArray *data;
        int fd, saved = 0;

        fd = open_input_file(path, name, error);
        if (fd < 0)
                return NULL;

        data = read_fd(fd, max, &saved, &too_large);
        if (!is_stdin)
                close(fd);

        if (too_large) {
                set_too_large(error, name, max);
                return NULL;
        }
        if (!data) {
                g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved), "cannot read %s: %s", name,
                            g_strerror(saved));
                return NULL;
        }
        return check_text(name, data, max, error);
}
