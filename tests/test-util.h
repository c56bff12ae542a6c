/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small helpers shared by the cmocka suites. Header-only: each suite is one file. */

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static inline const char *test_env(const char *name) {
        const char *v = g_getenv(name);
        if (!v)
                fail_msg("%s is not set: run the suite through `meson test`", name);
        return v;
}

/* tests/fixtures/libvirt/<name>: libvirt's own test data (see MANIFEST.txt there) */
static inline char *libvirt_fixture(const char *name) {
        return g_build_filename(test_env("MEMCRYPT_LIBVIRT_FIXTURES"), name, NULL);
}

static inline char *host_fixture(const char *name) {
        return g_build_filename(test_env("MEMCRYPT_HOSTS_DIR"), name, NULL);
}

static inline char *test_tmpdir(void) {
        g_autoptr(GError) err = NULL;
        char *dir = g_dir_make_tmp("memcrypt-test-XXXXXX", &err);
        assert_non_null(dir);
        return dir;
}

/* Writes LEN bytes (-1: a NUL-terminated string) to ROOT/REL, creating parent directories. */
static inline void test_write_len(const char *root, const char *rel, const char *content, gssize len) {
        g_autofree char *path = g_build_filename(root, rel, NULL);
        g_autofree char *dir = g_path_get_dirname(path);
        g_autoptr(GError) error = NULL;

        assert_int_equal(g_mkdir_with_parents(dir, 0755), 0);
        if (!g_file_set_contents(path, content, len, &error))
                fail_msg("%s: %s", path, error->message);
}

static inline void test_write(const char *root, const char *rel, const char *content) {
        test_write_len(root, rel, content, -1);
}

static inline char *test_read(const char *path) {
        char *text = NULL;
        if (!g_file_get_contents(path, &text, NULL, NULL))
                fail_msg("cannot read %s", path);
        return text;
}

/* rm -rf for the suites' own temporary directories. */
static inline void test_rmtree(const char *path) {
        GDir *d = g_dir_open(path, 0, NULL);
        if (d) {
                const char *name;
                while ((name = g_dir_read_name(d))) {
                        g_autofree char *child = g_build_filename(path, name, NULL);
                        if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
                                test_rmtree(child);
                        else
                                g_unlink(child);
                }
                g_dir_close(d);
        }
        g_rmdir(path);
}

/* cmocka setup/teardown pair: *state is a fresh temporary directory, removed afterwards. */
static inline int test_setup_tmp_root(void **state) {
        char *root = g_dir_make_tmp("memcrypt-test-XXXXXX", NULL);

        if (!root)
                return -1;
        *state = root;
        return 0;
}

static inline int test_teardown_tmp_root(void **state) {
        test_rmtree(*state);
        g_free(*state);
        return 0;
}

/* A writable copy of test host NAME in a new temporary directory, for tests
 * that change a host under a running context. Remove with test_rmtree(). */
static inline char *test_copy_host(const char *name) {
        g_autofree char *src = host_fixture(name);
        char *dst = g_dir_make_tmp("memcrypt-host-XXXXXX", NULL);
        g_autofree char *from = g_strconcat(src, "/.", NULL);
        const char *argv[] = { "cp", "-a", from, dst, NULL };
        int status = -1;

        if (!dst || !g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                                  &status, NULL) || status != 0)
                fail_msg("cannot copy test host %s", name);
        return dst;
}
