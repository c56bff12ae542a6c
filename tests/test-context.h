/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* For suites that link the service: a Context on a test host they may change. */

#include "context.h"
#include "test-util.h"

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
