/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The expected launch measurement (common/measure) against the plain hash of
 * the same bytes in the same run, the floor any implementation pays:
 *
 *  - SNP: a 4 MiB firmware (the synthetic recipe of tests/fixtures/measure
 *    at 4 MiB, with its SEV metadata), 4 vCPUs; floor: SHA-384 of the 4 MiB.
 *  - SEV with a 64 MiB kernel (and the firmware), the kernel read from a file
 *    descriptor as memcryptctl and the daemon read it; floor: SHA-256 of the
 *    firmware and kernel bytes in memory.
 *
 * Goal: at most 1.3× the floor. One thread, pinned.
 *
 *      bench-measure [ROUNDS]          (default 15)
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-util.h"
#include "measure.h"
#include "measure-input.h"
#include "measure-synth.h"

#define GOAL 1.3
#define FIRMWARE_SIZE ((size_t) 4 * 1024 * 1024)
#define KERNEL_SIZE ((size_t) 64 * 1024 * 1024)

static const SynthSection sections[] = {
        { 0x800000, 0x9000, 1 }, { 0x80a000, 0x3000, 1 }, { 0x80d000, 0x1000, 2 }, { 0x80e000, 0x1000, 3 },
        { 0x80f000, 0x1000, 4 }, { 0x810000, 0x1000, 0x10 }, { 0x811000, 0xf000, 1 },
};

typedef struct {
        const guint8 *firmware;
        const guint8 *kernel;
        int kernel_fd;
} Bench;

static G_NORETURN void die(const char *what, const char *why) {
        fprintf(stderr, "bench-measure: %s: %s\n", what, why);
        exit(EXIT_FAILURE);
}

static void hash_floor(GChecksumType type, const guint8 *a, size_t alen, const guint8 *b, size_t blen) {
        g_autoptr(GChecksum) c = g_checksum_new(type);
        guint8 out[64];
        gsize n = sizeof(out);

        g_checksum_update(c, a, alen);
        if (b)
                g_checksum_update(c, b, blen);
        g_checksum_get_digest(c, out, &n);
}

static void floor_sha384(const Bench *b) {
        hash_floor(G_CHECKSUM_SHA384, b->firmware, FIRMWARE_SIZE, NULL, 0);
}

static void floor_sha256(const Bench *b) {
        hash_floor(G_CHECKSUM_SHA256, b->firmware, FIRMWARE_SIZE, b->kernel, KERNEL_SIZE);
}

static void digest(const Bench *b, MeasureMode mode, const MeasureKernelHashes *kh) {
        g_auto(OvmfImage) img = {};
        g_autoptr(GError) error = NULL;
        MeasureInputs in = { .mode = mode, .kernel = kh, .vcpus = 4, .vcpu_sig = 0xa00f11, .sev_features = 1 };
        guint8 out[MEASURE_DIGEST_MAX];

        if (!ovmf_parse(b->firmware, FIRMWARE_SIZE, &img, &error))
                die("ovmf_parse", error->message);
        in.ovmf = &img;
        if (!measure_launch_digest(&in, out, NULL, &error))
                die("measure_launch_digest", error->message);
}

static void measure_snp(const Bench *b) {
        digest(b, MEASURE_MODE_SNP, NULL);
}

static void measure_sev_kernel(const Bench *b) {
        g_autoptr(GError) error = NULL;
        guint8 sum[MEASURE_SHA256_LEN];
        MeasureKernelHashes kh;

        if (!measure_sha256_fd(b->kernel_fd, MEASURE_BOOT_FILE_MAX, sum, NULL, &error))
                die("measure_sha256_fd", error->message);
        measure_kernel_hashes_init(&kh, sum, NULL, "console=ttyS0");
        digest(b, MEASURE_MODE_SEV, &kh);
}

/* The medians of ROUNDS runs of F and of its FLOOR, in milliseconds, after one warm-up run of each;
 * the two alternate, so a change of load on a shared machine weighs on both alike. */
static void p50_ms(void (*f)(const Bench *), void (*floor_f)(const Bench *), const Bench *b, unsigned rounds,
                   double *ret_ms, double *ret_floor_ms) {
        g_autofree double *t = g_new(double, rounds), *u = g_new(double, rounds);

        f(b);
        floor_f(b);
        for (unsigned i = 0; i < rounds; i++) {
                double start = now_us();

                f(b);
                t[i] = (now_us() - start) / 1000.0;
                start = now_us();
                floor_f(b);
                u[i] = (now_us() - start) / 1000.0;
        }
        *ret_ms = percentile(t, rounds, 50);
        *ret_floor_ms = percentile(u, rounds, 50);
}

static void row(const char *what, double ms, double floor_ms, const char *floor_what) {
        double ratio = ms / floor_ms;

        printf("| %-46s | %8.2f | %-36s | %8.2f | %5.2f× | ≤ %.1f× %-4s |\n", what, ms, floor_what, floor_ms, ratio,
               GOAL, ratio <= GOAL ? "ok" : "MISS");
}

int main(int argc, char *argv[]) {
        unsigned rounds = argc > 1 ? (unsigned) atoi(argv[1]) : 15;
        SynthImage d = { .size = FIRMWARE_SIZE, .has_metadata = true, .sections = sections,
                         .n_sections = G_N_ELEMENTS(sections), .hash_base = 0x810c00, .hash_size = 0x400,
                         .reset_eip = SYNTH_RESET_EIP };
        g_autofree guint8 *firmware = synth_firmware(&d);
        g_autofree guint8 *kernel = g_malloc(KERNEL_SIZE);
        g_autofree char *dir = NULL, *path = NULL;
        g_autoptr(GError) error = NULL;
        double ms, floor_ms;
        Bench b;
        cpu_set_t set;
        int cpu = sched_getcpu();

        if (rounds < 1)
                die("ROUNDS", "not a positive number");
        for (size_t i = 0; i < KERNEL_SIZE; i++)
                kernel[i] = (guint8) (i * 2654435761u >> 13);
        dir = g_dir_make_tmp("bench-measure-XXXXXX", &error);
        if (!dir)
                die("g_dir_make_tmp", error->message);
        path = g_build_filename(dir, "kernel", NULL);
        if (!g_file_set_contents(path, (const char *) kernel, KERNEL_SIZE, &error))
                die(path, error->message);
        b = (Bench) { firmware, kernel, open(path, O_RDONLY | O_CLOEXEC) };
        if (b.kernel_fd < 0)
                die(path, g_strerror(errno));
        if (cpu >= 0) {
                CPU_ZERO(&set);
                CPU_SET(cpu, &set);
                if (sched_setaffinity(0, sizeof(set), &set) < 0)
                        cpu = -1;
        }

        printf("expected launch measurement, %u rounds (p50), one thread%s%d; kernel read from the page cache\n\n",
               rounds, cpu >= 0 ? " pinned to CPU " : "", cpu >= 0 ? cpu : 0);
        printf("| %-46s | %8s | %-36s | %8s | %6s | %-11s |\n", "measurement", "p50 ms", "floor (same bytes, same run)",
               "floor ms", "ratio", "goal");
        printf("|%s|---------:|%s|---------:|-------:|%s|\n", "------------------------------------------------",
               "--------------------------------------", "-------------");
        p50_ms(measure_snp, floor_sha384, &b, rounds, &ms, &floor_ms);
        row("SNP, 4 MiB firmware, 4 vCPUs", ms, floor_ms, "SHA-384 of the 4 MiB firmware");
        p50_ms(measure_sev_kernel, floor_sha256, &b, rounds, &ms, &floor_ms);
        row("SEV, 4 MiB firmware + 64 MiB kernel (from fd)", ms, floor_ms, "SHA-256 of the 68 MiB in memory");

        close(b.kernel_fd);
        g_unlink(path);
        g_rmdir(dir);
        return EXIT_SUCCESS;
}
