/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "context.h"

typedef struct {
        uint64_t exit_on_idle_usec;   /* 0: serve until SIGTERM */
} DaemonOptions;

/* Serve C on the system bus until SIGTERM/SIGINT, a lost bus, or (with
 * exit_on_idle_usec) a quiet period. Returns a process exit status. */
int daemon_run(Context *c, const DaemonOptions *o);
