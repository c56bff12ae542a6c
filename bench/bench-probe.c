/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Probe time of a snapshot root and of this live host (libvirt skipped),
 * plus the whole verdict, against a reference measured in the same run:
 * reading /proc/cpuinfo once, the cheapest single fact a probe needs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "config.h"
#include "fileio.h"
#include "probe.h"
#include "verdict.h"

#include "bench-util.h"

#define ITERATIONS 2000

typedef void (*Workload)(const char *root);

static void read_cpuinfo(const char *root) {
        g_autofree char *text = NULL;
        host_read_file("/", "proc/cpuinfo", HOST_FILE_MAX, &text, NULL, NULL);
}

static void probe_only(const char *root) {
        ProbeOptions o = { .root = root, .skip_libvirt = true };
        HostFacts f;
        host_facts_init(&f);
        probe_host(&o, &f);
        host_facts_clear(&f);
}

static void probe_and_judge(const char *root) {
        ProbeOptions o = { .root = root, .skip_libvirt = true };
        MemcryptConfig cfg;
        HostFacts f;

        memcrypt_config_init(&cfg);
        host_facts_init(&f);
        probe_host(&o, &f);
        host_verdict_free(host_verdict_new(&f, &cfg));
        host_facts_clear(&f);
        memcrypt_config_clear(&cfg);
}

static double measure(const char *name, Workload w, const char *root, double reference_p50) {
        static double samples[ITERATIONS];

        for (int i = 0; i < 50; i++) /* warm caches */
                w(root);
        for (int i = 0; i < ITERATIONS; i++) {
                double t0 = now_us();
                w(root);
                samples[i] = now_us() - t0;
        }
        double p50 = percentile(samples, ITERATIONS, 50), p99 = percentile(samples, ITERATIONS, 99);
        char ratio[32];
        g_snprintf(ratio, sizeof(ratio), "%.1fx", reference_p50 > 0 ? p50 / reference_p50 : 1.0);
        printf("| %-34s | %9.1f | %9.1f | %9s | %-10s |\n", name, p50, p99, ratio,
               reference_p50 > 0 ? (p99 < 5000 ? "< 5 ms ok" : "< 5 ms MISS") : "reference");
        return p50;
}

int main(int argc, char *argv[]) {
        const char *snapshot = argc > 1 ? argv[1] : "tests/fixtures/hosts/milan-snp";

        printf("| %-34s | %9s | %9s | %9s | %-10s |\n", "figure (µs)", "p50", "p99", "vs ref", "goal");
        printf("|%s|%s|%s|%s|%s|\n", "------------------------------------", "-----------", "-----------",
               "-----------", "------------");
        double ref = measure("reference: read /proc/cpuinfo", read_cpuinfo, "/", 0);
        measure("probe snapshot root", probe_only, snapshot, ref);
        measure("probe live host (no libvirt)", probe_only, "/", ref);
        measure("probe + verdict, snapshot root", probe_and_judge, snapshot, ref);
        measure("probe + verdict, live host", probe_and_judge, "/", ref);
        return EXIT_SUCCESS;
}
