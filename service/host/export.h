/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The fleet files of memcryptd.conf's [Export] group, kept current: the
 * Prometheus textfile (node_exporter's textfile collector) and the
 * node-feature-discovery feature file. The loop formats (cheap, and the
 * verdict must not be shared with another thread) and hands the bytes to one
 * writer thread, which replaces each file atomically: a temporary file in the
 * same directory, fsync, rename. While a write waits or runs, only the
 * newest content for each file is kept. Results come back to the loop through
 * an eventfd; when the set of failing files changes, CHANGED runs on the loop
 * so the service can say so in Health.
 */

#include <systemd/sd-event.h>

#include "config.h"
#include "facts.h"
#include "verdict.h"

typedef struct Exporter Exporter;

/* NULL when the configuration names no export file. */
Exporter *exporter_new(sd_event *event, const MemcryptConfig *cfg, void (*changed)(void *userdata), void *userdata);

/* Finishes the write in progress and the newest pending ones, then frees. */
Exporter *exporter_free(Exporter *x);

/* Format F and V and queue a write of each file whose content differs from
 * the last one written, or whose last write failed. */
void exporter_publish(Exporter *x, const HostFacts *f, const HostVerdict *v, uint64_t last_refresh_usec);

/* "cannot write PATH: ERROR" for each file whose last write failed, "; "
 * between them; NULL when every write succeeded (or X is NULL). Changes only
 * on the loop, just before CHANGED runs. */
const char *exporter_problem(const Exporter *x);
