/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The verdicts as Prometheus text exposition (format 0.0.4), the format of
 * node_exporter's textfile collector: every family has HELP and TYPE, values
 * are in base units, labels take only a few values each (models, states,
 * reason codes; never domain names or UUIDs). Pure: no I/O, no bus.
 */

#include "verdict.h"

/* LAST_REFRESH_USEC is CLOCK_REALTIME. Free with g_free(). */
char *metrics_format(const HostFacts *f, const HostVerdict *v, uint64_t last_refresh_usec);
