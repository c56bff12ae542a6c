/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* For suites that link the service: a Context on a test host they may change. */

#include "bus-peer.h"
#include "bus.h"
#include "context.h"
#include "test-util.h"

/* C's bus objects served on one end of a socketpair by a thread (*RET_THREAD, which ends when
 * the client hangs up); *RET_CLIENT is the other end, started. */
static inline void test_serve_pair(Context *c, sd_bus **ret_server, sd_bus **ret_client, GThread **ret_thread) {
        int fd;

        assert_int_equal(bus_peer_server_new(ret_server, &fd), 0);
        assert_int_equal(bus_add_objects(c, *ret_server), 0);
        assert_int_equal(sd_bus_new(ret_client), 0);
        assert_int_equal(sd_bus_set_fd(*ret_client, fd, fd), 0);
        assert_int_equal(sd_bus_start(*ret_client), 0);
        *ret_thread = g_thread_new("server", bus_peer_serve, *ret_server);
}

/* Hangs up CLIENT, which ends THREAD, then drops SERVER: test_serve_pair() undone. */
static inline void test_stop_pair(sd_bus *server, sd_bus *client, GThread *thread) {
        sd_bus_flush_close_unref(client);
        g_thread_join(thread);
        sd_bus_unref(server);
}

/* A Context on a writable copy of test host NAME, with no configuration file
 * (no stray /etc/memcryptd). *RET_ROOT is the copy: remove it with test_rmtree(). */
static inline Context *test_context_on_copy(const char *name, char **ret_root) {
        ContextOptions o = { .config_path = "/dev/null" };
        g_autofree char *error = NULL;
        Context *c;

        *ret_root = test_copy_host(name);
        o.root = *ret_root;
        c = context_new(&o, &error);
        if (!c)
                fail_msg("context_new on %s: %s", name, error);
        return c;
}
