/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * root_open(): files under a snapshot root are opened as if the root were "/" (openat2
 * RESOLVE_IN_ROOT), and root_open_walk(), the same resolution by hand where openat2() is
 * missing (valgrind 3.19 runs the integration tests without it), agrees with it case by case:
 * links inside the root are followed, links and ".." out of it end inside it, and a file missing
 * because of such a link says so (EXDEV).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "test-util.h"

typedef struct {
        const char *rel;
        int want_errno;         /* 0: opens, and reads WANT */
        const char *want;
} Case;

/* FD's first bytes (closing it), or NULL for a directory. */
static char *read_fd(int fd) {
        char buf[64];
        ssize_t n = read(fd, buf, sizeof(buf) - 1);

        close(fd);
        return n < 0 ? NULL : g_strndup(buf, (gsize) n);
}

static void check_case(const char *root, int rootfd, const Case *c) {
        g_autofree char *got = NULL, *wgot = NULL;
        bool left = false;
        int fd = root_open(root, c->rel, O_RDONLY), err = errno;
        int wfd = root_open_walk(rootfd, c->rel, O_RDONLY, &left), werr = errno;

        if (wfd < 0 && left && (werr == ENOENT || werr == ELOOP || werr == ENOTDIR))
                werr = EXDEV;   /* what root_open() makes of it */
        if (c->want_errno) {
                if (fd >= 0 || err != c->want_errno)
                        fail_msg("root_open(%s): fd %d errno %s, want %s", c->rel, fd, g_strerror(err),
                                 g_strerror(c->want_errno));
                if (wfd >= 0 || werr != c->want_errno)
                        fail_msg("root_open_walk(%s): fd %d errno %s, want %s", c->rel, wfd, g_strerror(werr),
                                 g_strerror(c->want_errno));
                return;
        }
        if (fd < 0 || wfd < 0)
                fail_msg("%s: root_open %s, root_open_walk %s", c->rel, fd < 0 ? g_strerror(err) : "ok",
                         wfd < 0 ? g_strerror(werr) : "ok");
        got = read_fd(fd);
        wgot = read_fd(wfd);
        if (g_strcmp0(got, c->want) != 0 || g_strcmp0(wgot, c->want) != 0)
                fail_msg("%s: read '%s' and '%s', want '%s'", c->rel, got, wgot, c->want);
}

static void make_link(const char *dir, const char *name, const char *target) {
        g_autofree char *path = g_build_filename(dir, name, NULL);

        assert_int_equal(symlink(target, path), 0);
}

static void test_root_open(void **state) {
        g_autofree char *tmp = test_tmpdir();
        g_autofree char *root = g_build_filename(tmp, "root", NULL);
        g_autofree char *secret = g_build_filename(tmp, "outside", "secret", NULL);
        g_autofree char *link = NULL;
        const Case cases[] = {
                { "a/file", 0, "in" },
                { "/a/file", 0, "in" },                 /* absolute REL: from the root */
                { "a/abs", 0, "in" },                   /* -> /a/file, inside */
                { "a/rel", 0, "in" },                   /* -> ../a/file */
                { "a/dirlink/file", 0, "in" },          /* -> /a, a directory */
                { "a/../../a/file", 0, "in" },          /* ".." above the root is the root */
                { "outside/secret", ENOENT, NULL },     /* not in the root at all */
                { "a/up", EXDEV, NULL },                /* -> ../../outside/secret */
                { "../outside/secret", EXDEV, NULL },
                { "a/abs-out", EXDEV, NULL },           /* -> TMP/outside/secret, absolute */
                { "a/loop", ELOOP, NULL },              /* -> loop */
                { "a/file/x", ENOTDIR, NULL },
                { "a/missing", ENOENT, NULL },
        };
        int rootfd, fd;

        test_write(tmp, "outside/secret", "SECRET");
        test_write(root, "a/file", "in");
        link = g_build_filename(root, "a", NULL);
        make_link(link, "abs", "/a/file");
        make_link(link, "rel", "../a/file");
        make_link(link, "dirlink", "/a");
        make_link(link, "up", "../../outside/secret");
        make_link(link, "abs-out", secret);
        make_link(link, "loop", "loop");
        rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(rootfd >= 0);
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
                check_case(root, rootfd, &cases[i]);
        /* the root itself, as a directory */
        fd = root_open(root, "", O_RDONLY | O_DIRECTORY);
        assert_true(fd >= 0);
        close(fd);
        close(rootfd);
        assert_string_equal(host_strerror(EXDEV), "a symbolic link leads out of the root, and is not followed");
        test_rmtree(tmp);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_root_open),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
