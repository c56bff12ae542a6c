/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Timing and percentiles shared by the benchmarks (bench-probe, bench-bus). */
#pragma once

#include <stddef.h>
#include <stdlib.h>
#include <time.h>

/* CLOCK_MONOTONIC in microseconds. */
static inline double now_us(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static inline int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return (x > y) - (x < y);
}

/* The PCT-th percentile of the N values of V (at least one); sorts V in place. */
static inline double percentile(double *v, size_t n, unsigned pct) {
        qsort(v, n, sizeof(double), cmp_double);
        size_t i = n * pct / 100;
        return v[i < n ? i : n - 1];
}
