/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The domain XML functions in-process on one core, against a reference
 * measured in the same run: parsing the same document the way
 * domain_configure() does (xml_parse_untrusted()) and formatting it again
 * (xml_format_node()), the floor of any rewrite of a libxml2 tree.
 *
 *   - domain_configure() of a Nova q35 domain (tests/fixtures/domains/
 *     nova-q35.xml, about 5 KB) for SEV and SEV-SNP: operations per second
 *     (goal: at least 20,000), p50 and p99;
 *   - domain_validate() of the raw and of the configured document;
 *   - launch_security_generate() for SEV.
 *
 * The host is a snapshot, probed once, as the daemon holds it (HostView).
 * The process is pinned to the CPU it starts on.
 *
 * Usage: bench-domain [SNAPSHOT_DIR [DOMAIN_XML]]
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "probe.h"
#include "xml-util.h"

#include "bench-util.h"

#define WARMUP 200
#define MIN_ITERATIONS 2000
#define TARGET_US 1000000.0     /* each workload runs about this long */
#define CONFIGURE_GOAL 20000.0  /* operations per second */

typedef struct {
        const char *xml;        /* the input document */
        const char *configured; /* the same, configured for SEV */
        const HostView *host;
        GVariant *options;      /* a{sv}, empty: what the bus passes for {} */
} Bench;

typedef void (*Workload)(const Bench *b);

static void die(const char *what, const char *message) __attribute__((noreturn));
static void die(const char *what, const char *message) {
        fprintf(stderr, "bench-domain: %s: %s\n", what, message ? message : "failed");
        exit(EXIT_FAILURE);
}

static void parse_only(const Bench *b) {
        g_autofree char *error = NULL;
        g_autoptr(xmlDoc) doc = xml_parse_untrusted(b->xml, strlen(b->xml), DOMAIN_XML_MAX, "domain",
                                                    XML_PARSE_NOBLANKS, &error);

        if (!doc)
                die("parse", error);
}

static void parse_and_format(const Bench *b) {
        g_autofree char *error = NULL, *out = NULL;
        g_autoptr(xmlDoc) doc = xml_parse_untrusted(b->xml, strlen(b->xml), DOMAIN_XML_MAX, "domain",
                                                    XML_PARSE_NOBLANKS, &error);

        if (!doc)
                die("parse", error);
        out = xml_format_node(doc, xmlDocGetRootElement(doc));
}

static void configure(const Bench *b, Model m) {
        g_autofree char *xml = NULL, *message = NULL;

        if (domain_configure(b->xml, m, b->options, b->host, &xml, &message) != API_OK)
                die("domain_configure", message);
}

static void configure_sev(const Bench *b) {
        configure(b, MODEL_SEV);
}

static void configure_snp(const Bench *b) {
        configure(b, MODEL_SEV_SNP);
}

static void validate(const Bench *b, const char *xml) {
        g_autoptr(GPtrArray) findings = NULL;
        g_autofree char *message = NULL;

        if (domain_validate(xml, b->options, b->host, &findings, &message) != API_OK)
                die("domain_validate", message);
}

static void validate_raw(const Bench *b) {
        validate(b, b->xml);
}

static void validate_configured(const Bench *b) {
        validate(b, b->configured);
}

static void generate_sev(const Bench *b) {
        g_autofree char *xml = NULL, *message = NULL;

        if (launch_security_generate(MODEL_SEV, b->options, b->host, &xml, &message) != API_OK)
                die("launch_security_generate", message);
}

typedef struct {
        double p50, p99, rate;
} Figures;

static Figures measure(Workload w, const Bench *b) {
        double t0, total = 0, *samples;
        size_t n;
        Figures f;

        for (int i = 0; i < WARMUP; i++)
                w(b);
        t0 = now_us();
        for (int i = 0; i < WARMUP; i++)
                w(b);
        n = (size_t) (TARGET_US / ((now_us() - t0) / WARMUP));
        if (n < MIN_ITERATIONS)
                n = MIN_ITERATIONS;
        samples = g_new(double, n);
        for (size_t i = 0; i < n; i++) {
                double t = now_us();
                w(b);
                samples[i] = now_us() - t;
                total += samples[i];
        }
        f.rate = n / (total / 1e6);
        f.p99 = percentile(samples, n, 99);
        f.p50 = percentile(samples, n, 50);
        g_free(samples);
        return f;
}

/* Markdown table cells padded by characters, not bytes (µ, ×, ≥); a negative width aligns right. */
static void print_row(const char *const cells[], const int widths[], size_t n) {
        for (size_t i = 0; i < n; i++) {
                int pad = abs(widths[i]) - (int) g_utf8_strlen(cells[i], -1);
                if (pad < 0)
                        pad = 0;
                printf("| %*s%s%*s ", widths[i] < 0 ? pad : 0, "", cells[i], widths[i] < 0 ? 0 : pad, "");
        }
        printf("|\n");
}

static const int widths[] = { 40, -8, -8, -9, -9, 16 };

static void row(const char *name, Figures f, const Figures *ref, const char *goal) {
        char p50[16], p99[16], rate[16], ratio[16];

        g_snprintf(p50, sizeof(p50), "%.1f", f.p50);
        g_snprintf(p99, sizeof(p99), "%.1f", f.p99);
        g_snprintf(rate, sizeof(rate), "%.0f", f.rate);
        g_snprintf(ratio, sizeof(ratio), "%.2f×", ref ? f.p50 / ref->p50 : 1.0);
        print_row((const char *[]) { name, p50, p99, rate, ratio, goal }, widths, G_N_ELEMENTS(widths));
}

static void configure_row(const char *name, Workload w, const Bench *b, const Figures *ref) {
        Figures f = measure(w, b);
        char goal[32];

        g_snprintf(goal, sizeof(goal), "≥ %.0f/s %s", CONFIGURE_GOAL, f.rate >= CONFIGURE_GOAL ? "ok" : "MISS");
        row(name, f, ref, goal);
}

/* Runs on the CPU it started on, so that "one core" is one core. */
static int pin_to_current_cpu(void) {
        int cpu = sched_getcpu();
        cpu_set_t set;

        if (cpu < 0)
                return -1;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        return sched_setaffinity(0, sizeof(set), &set) < 0 ? -1 : cpu;
}

int main(int argc, char *argv[]) {
        const char *snapshot = argc > 1 ? argv[1] : "tests/fixtures/hosts/milan-snp";
        const char *domain_path = argc > 2 ? argv[2] : "tests/fixtures/domains/nova-q35.xml";
        g_autofree char *xml = NULL, *configured = NULL, *message = NULL;
        g_autoptr(GPtrArray) findings = NULL;
        g_autoptr(GError) error = NULL;
        ProbeOptions opts = { .root = snapshot };
        MemcryptConfig cfg;
        HostVerdict *verdict;
        HostFacts facts;
        HostView host;
        Bench b;
        int cpu;

        if (!g_file_get_contents(domain_path, &xml, NULL, &error))
                die(domain_path, error->message);
        memcrypt_config_init(&cfg);
        host_facts_init(&facts);
        probe_host(&opts, &facts);
        verdict = host_verdict_new(&facts, &cfg);
        host = (HostView) { .facts = &facts, .verdict = verdict };
        b = (Bench) { .xml = xml, .host = &host, .options = g_variant_ref_sink(g_variant_new("a{sv}", NULL)) };

        /* What is measured must be what the bus answers: a configured document that validates clean. */
        if (domain_configure(xml, MODEL_SEV, b.options, &host, &configured, &message) != API_OK)
                die("domain_configure(amd-sev)", message);
        if (!strstr(configured, "<launchSecurity type=\"sev\""))
                die("domain_configure(amd-sev)", "no <launchSecurity type='sev'> in the result");
        if (domain_validate(configured, b.options, &host, &findings, &message) != API_OK)
                die("domain_validate", message);
        if (findings->len != 0)
                die("domain_validate", "the configured document has findings");
        b.configured = configured;
        cpu = pin_to_current_cpu();

        printf("%s (%zu bytes) on %s, one thread%s%d\n\n", domain_path, strlen(xml), snapshot,
               cpu >= 0 ? " pinned to CPU " : "", cpu >= 0 ? cpu : 0);
        print_row((const char *[]) { "operation", "p50 µs", "p99 µs", "ops/s", "p50 ×ref", "goal" }, widths,
                  G_N_ELEMENTS(widths));
        for (size_t i = 0; i < G_N_ELEMENTS(widths); i++)
                printf("|%.*s%s", abs(widths[i]) + 1, "------------------------------------------------",
                       widths[i] < 0 ? ":" : "-");
        printf("|\n");
        Figures ref = measure(parse_and_format, &b);
        row("reference: parse + format the document", ref, NULL, "reference");
        row("  of which parsing", measure(parse_only, &b), &ref, "-");
        configure_row("domain_configure amd-sev", configure_sev, &b, &ref);
        if (verdict->models[MODEL_SEV_SNP].usable)
                configure_row("domain_configure amd-sev-snp", configure_snp, &b, &ref);
        row("domain_validate, raw document", measure(validate_raw, &b), &ref, "-");
        row("domain_validate, configured document", measure(validate_configured, &b), &ref, "-");
        row("launch_security_generate amd-sev", measure(generate_sev, &b), &ref, "-");

        g_variant_unref(b.options);
        host_verdict_free(verdict);
        host_facts_clear(&facts);
        memcrypt_config_clear(&cfg);
        return EXIT_SUCCESS;
}
