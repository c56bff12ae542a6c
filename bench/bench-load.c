/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-load: N concurrent clients (threads, one bus connection each) call
 * org.memcrypt1 on the system bus ($DBUS_SYSTEM_BUS_ADDRESS) for a number of
 * seconds with a realistic mix, and print one JSON object: per call kind the
 * calls, calls/s, p50/p99/max latency and unexpected outcomes. Peer.Ping is
 * part of the mix as the reference: the bus round trip under the same load. Run by
 * bench/load.py, which starts the bus and memcryptd (the integration
 * harness's World, milan-snp) and reads the daemon's memory around the load.
 *
 *   bench-load [--clients=64] [--duration=60] [--domains=DIR]
 *
 * Every reply is checked: valid calls must succeed with the right shape,
 * invalid ones must fail with their exact error name. Anything else is an
 * unexpected outcome; the first few are printed with their messages.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "bench-util.h"

#define DEST "org.memcrypt1"
#define MANAGER "/org/memcrypt1"
#define MANAGER_IFACE "org.memcrypt1.Manager"
#define MODEL_IFACE "org.memcrypt1.Model"
#define PROPS "org.freedesktop.DBus.Properties"
#define ERR "org.memcrypt1.Error."

typedef enum {
        K_PING,
        K_GETALL_MANAGER,
        K_GET_MODEL,
        K_GETALL_MODEL,
        K_DESCRIBE,
        K_DOCTOR,
        K_RESOLVE,
        K_LAUNCH_SECURITY,
        K_CONFIGURE,
        K_VALIDATE,
        K_INVALID,
        _K_MAX,
} Kind;

static const struct {
        const char *name;
        unsigned weight;        /* out of the sum of weights */
} kinds[_K_MAX] = {
        [K_PING] = { "Peer.Ping (reference)", 4 },     /* the bus round trip under the same load */
        [K_GETALL_MANAGER] = { "GetAll Manager", 12 },
        [K_GET_MODEL] = { "Get Model property", 12 },
        [K_GETALL_MODEL] = { "GetAll Model", 8 },
        [K_DESCRIBE] = { "Describe", 4 },
        [K_DOCTOR] = { "Doctor", 2 },
        [K_RESOLVE] = { "ResolveRequest", 10 },
        [K_LAUNCH_SECURITY] = { "GenerateLaunchSecurity", 6 },
        [K_CONFIGURE] = { "ConfigureDomain", 16 },
        [K_VALIDATE] = { "ValidateDomain", 16 },
        [K_INVALID] = { "invalid calls", 6 },
};

/* milan-snp: SEV and SEV-SNP usable, SEV-ES blocked by SNP. */
static const char *const model_paths[] = { MANAGER "/model/amd_sev", MANAGER "/model/amd_sev_es",
                                           MANAGER "/model/amd_sev_snp" };
static const char *const model_props[] = { "Usable", "SlotsFree", "Reasons", "Firmware", "DefaultPolicy" };
static const char *const usable_models[] = { "amd-sev", "amd-sev-snp" };

/* Domain documents ConfigureDomain and ValidateDomain take; the refused ones are invalid calls. */
static const char *const good_domains[] = { "virt-install-q35.xml", "nova-q35.xml", "kernel-boot.xml",
                                            "launchsec.xml" };
static const char *const validate_domains[] = { "virt-install-q35.xml", "nova-q35.xml", "kernel-boot.xml",
                                                "launchsec.xml", "i440fx.xml", "hostdev.xml" };
static char *good_xml[4], *validate_xml[6], *i440fx_xml, *hostdev_xml;

typedef struct {
        double *us;
        size_t n, cap;
        unsigned unexpected;
} Series;

typedef struct {
        unsigned index;
        sd_bus *bus;
        uint64_t rng;
        Series s[_K_MAX];
} Client;

static double t_start, t_end;
static pthread_barrier_t barrier;
static pthread_mutex_t problems_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned problems_printed;
static char problems[8][640];

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        fputs("bench-load: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
        exit(2);
}

static char *read_file(const char *dir, const char *name) {
        char path[4096];
        FILE *f;
        long n;
        char *buf;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "re");
        if (!f)
                die("%s: %s", path, strerror(errno));
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        rewind(f);
        buf = malloc((size_t) n + 1);
        if (!buf || fread(buf, 1, (size_t) n, f) != (size_t) n)
                die("cannot read %s", path);
        buf[n] = '\0';
        fclose(f);
        return buf;
}

static uint64_t next(Client *c) {
        /* xorshift64*: a fixed sequence per client, so a run is reproducible */
        c->rng ^= c->rng >> 12;
        c->rng ^= c->rng << 25;
        c->rng ^= c->rng >> 27;
        return c->rng * 2685821657736338717ull;
}

static unsigned pick(Client *c, unsigned n) {
        return (unsigned) (next(c) % n);
}

static Kind pick_kind(Client *c) {
        unsigned total = 0, r;

        for (Kind k = 0; k < _K_MAX; k++)
                total += kinds[k].weight;
        r = pick(c, total);
        for (Kind k = 0; k < _K_MAX; k++) {
                if (r < kinds[k].weight)
                        return k;
                r -= kinds[k].weight;
        }
        return K_PING;
}

static void problem(Client *c, Kind k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(Client *c, Kind k, const char *fmt, ...) {
        char text[512];
        va_list ap;

        c->s[k].unexpected++;
        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        pthread_mutex_lock(&problems_lock);
        if (problems_printed < 8)
                snprintf(problems[problems_printed++], sizeof(problems[0]), "client %u, %s: %s", c->index,
                         kinds[k].name, text);
        pthread_mutex_unlock(&problems_lock);
}

/* The reply of a call that must succeed; R is the call's return value. */
static void expect_ok(Client *c, Kind k, int r, sd_bus_error *error, const char *what) {
        if (r < 0)
                problem(c, k, "%s failed: %s: %s", what, error->name ?: strerror(-r), error->message ?: "");
}

static void expect_error(Client *c, Kind k, int r, sd_bus_error *error, const char *want, const char *what) {
        if (r >= 0)
                problem(c, k, "%s succeeded; expected %s", what, want);
        else if (!sd_bus_error_has_name(error, want))
                problem(c, k, "%s failed with %s (%s); expected %s", what, error->name ?: strerror(-r),
                        error->message ?: "", want);
}

/* A string reply that must contain NEEDLE. */
static void expect_string(Client *c, Kind k, sd_bus_message *reply, const char *needle, const char *what) {
        const char *s = NULL;

        if (sd_bus_message_read(reply, "s", &s) < 0 || !s || !strstr(s, needle))
                problem(c, k, "%s: the reply lacks '%s'", what, needle);
}

static void one_call(Client *c, Kind k) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        sd_bus *bus = c->bus;
        const char *model, *s;
        char what[128];
        int r;

        switch (k) {
        case K_PING:
                r = sd_bus_call_method(bus, DEST, MANAGER, "org.freedesktop.DBus.Peer", "Ping", &error, &reply, "");
                expect_ok(c, k, r, &error, "Peer.Ping");
                break;
        case K_GETALL_MANAGER:
                r = sd_bus_call_method(bus, DEST, MANAGER, PROPS, "GetAll", &error, &reply, "s", MANAGER_IFACE);
                expect_ok(c, k, r, &error, "GetAll Manager");
                break;
        case K_GET_MODEL: {
                const char *path = model_paths[pick(c, 3)];
                const char *prop = model_props[pick(c, 5)];
                snprintf(what, sizeof(what), "Get %s %s", path, prop);
                r = sd_bus_call_method(bus, DEST, path, PROPS, "Get", &error, &reply, "ss", MODEL_IFACE, prop);
                expect_ok(c, k, r, &error, what);
                break;
        }
        case K_GETALL_MODEL:
                r = sd_bus_call_method(bus, DEST, model_paths[pick(c, 3)], PROPS, "GetAll", &error, &reply, "s",
                                       MODEL_IFACE);
                expect_ok(c, k, r, &error, "GetAll Model");
                break;
        case K_DESCRIBE:
                r = sd_bus_call_method(bus, DEST, MANAGER, MANAGER_IFACE, "Describe", &error, &reply, "");
                expect_ok(c, k, r, &error, "Describe");
                if (r >= 0)
                        expect_string(c, k, reply, "\"models\"", "Describe");
                break;
        case K_DOCTOR:
                r = sd_bus_call_method(bus, DEST, MANAGER, MANAGER_IFACE, "Doctor", &error, &reply, "");
                expect_ok(c, k, r, &error, "Doctor");
                break;
        case K_RESOLVE:
                switch (pick(c, 4)) {
                case 0:
                        r = sd_bus_call_method(bus, DEST, MANAGER, MANAGER_IFACE, "ResolveRequest", &error, &reply,
                                               "a{ss}a{ss}", 1, "hw:mem_encryption", "true", 2, "hw_firmware_type",
                                               "uefi", "hw_machine_type", "q35");
                        model = "amd-sev";
                        break;
                case 1:
                        r = sd_bus_call_method(bus, DEST, MANAGER, MANAGER_IFACE, "ResolveRequest", &error, &reply,
                                               "a{ss}a{ss}", 2, "hw:mem_encryption", "true", "hw:mem_encryption_model",
                                               "amd-sev-snp", 2, "hw_firmware_type", "uefi", "hw_firmware_stateless",
                                               "true");
                        model = "amd-sev-snp";
                        break;
                case 2:
                        r = sd_bus_call_method(bus, DEST, MANAGER, MANAGER_IFACE, "ResolveRequest", &error, &reply,
                                               "a{ss}a{ss}", 0, 3, "hw_mem_encryption", "yes",
                                               "hw_mem_encryption_model", "amd-sev-es", "hw_firmware_type", "uefi");
                        model = "amd-sev-es";
                        break;
                default:
                        r = sd_bus_call_method(bus, DEST, MANAGER, MANAGER_IFACE, "ResolveRequest", &error, &reply,
                                               "a{ss}a{ss}", 1, "hw:cpu_policy", "dedicated", 0);
                        model = "";
                        break;
                }
                expect_ok(c, k, r, &error, "ResolveRequest");
                if (r >= 0 && (sd_bus_message_read(reply, "s", &s) < 0 || strcmp(s, model) != 0))
                        problem(c, k, "ResolveRequest answered another model than '%s'", model);
                break;
        case K_LAUNCH_SECURITY:
                if (pick(c, 2) == 0) {
                        r = sd_bus_call_method(bus, DEST, MANAGER, MANAGER_IFACE, "GenerateLaunchSecurity", &error,
                                               &reply, "sa{sv}", "amd-sev", 1, "policy", "t", (uint64_t) 0x33);
                        expect_ok(c, k, r, &error, "GenerateLaunchSecurity amd-sev");
                        if (r >= 0)
                                expect_string(c, k, reply, "type=\"sev\"", "GenerateLaunchSecurity amd-sev");
                } else {
                        r = sd_bus_call_method(bus, DEST, MANAGER, MANAGER_IFACE, "GenerateLaunchSecurity", &error,
                                               &reply, "sa{sv}", "amd-sev-snp", 1, "kernel_hashes", "b", 1);
                        expect_ok(c, k, r, &error, "GenerateLaunchSecurity amd-sev-snp");
                        if (r >= 0)
                                expect_string(c, k, reply, "kernelHashes=\"yes\"", "GenerateLaunchSecurity amd-sev-snp");
                }
                break;
        case K_CONFIGURE: {
                unsigned d = pick(c, 4);
                model = usable_models[pick(c, 2)];
                snprintf(what, sizeof(what), "ConfigureDomain %s %s", good_domains[d], model);
                r = sd_bus_call_method(bus, DEST, MANAGER, MANAGER_IFACE, "ConfigureDomain", &error, &reply, "ssa{sv}",
                                       good_xml[d], model, 0);
                expect_ok(c, k, r, &error, what);
                if (r >= 0)
                        expect_string(c, k, reply, "<launchSecurity", what);
                break;
        }
        case K_VALIDATE: {
                unsigned d = pick(c, 6);
                snprintf(what, sizeof(what), "ValidateDomain %s", validate_domains[d]);
                if (pick(c, 2) == 0)
                        r = sd_bus_call_method(bus, DEST, MANAGER, MANAGER_IFACE, "ValidateDomain", &error, &reply,
                                               "sa{sv}", validate_xml[d], 0);
                else
                        r = sd_bus_call_method(bus, DEST, MANAGER, MANAGER_IFACE, "ValidateDomain", &error, &reply,
                                               "sa{sv}", validate_xml[d], 1, "model", "s", "amd-sev-snp");
                expect_ok(c, k, r, &error, what);
                break;
        }
        case K_INVALID:
                switch (pick(c, 7)) {
                case 0:
                        r = sd_bus_call_method(bus, DEST, MANAGER, MANAGER_IFACE, "GetModel", &error, &reply, "s",
                                               "amd-bogus");
                        expect_error(c, k, r, &error, ERR "UnknownModel", "GetModel amd-bogus");
                        break;
                case 1:
                        r = sd_bus_call_method(bus, DEST, MANAGER, MANAGER_IFACE, "ResolveRequest", &error, &reply,
                                               "a{ss}a{ss}", 1, "hw:mem_encryption", "maybe", 0);
                        expect_error(c, k, r, &error, ERR "InvalidArgument", "ResolveRequest maybe");
                        break;
                case 2:
                        r = sd_bus_call_method(bus, DEST, MANAGER, MANAGER_IFACE, "ConfigureDomain", &error, &reply,
                                               "ssa{sv}", i440fx_xml, "amd-sev", 0);
                        expect_error(c, k, r, &error, ERR "MachineTypeRequired", "ConfigureDomain i440fx.xml");
                        break;
                case 3:
                        r = sd_bus_call_method(bus, DEST, MANAGER, MANAGER_IFACE, "ConfigureDomain", &error, &reply,
                                               "ssa{sv}", hostdev_xml, "amd-sev-snp", 0);
                        expect_error(c, k, r, &error, ERR "IncompatibleDevice", "ConfigureDomain hostdev.xml");
                        break;
                case 4:
                        r = sd_bus_call_method(bus, DEST, MANAGER, MANAGER_IFACE, "ValidateDomain", &error, &reply,
                                               "sa{sv}", "not xml", 0);
                        expect_error(c, k, r, &error, ERR "InvalidDomainXml", "ValidateDomain 'not xml'");
                        break;
                case 5:
                        r = sd_bus_call_method(bus, DEST, MANAGER, MANAGER_IFACE, "GenerateLaunchSecurity", &error,
                                               &reply, "sa{sv}", "amd-sev-es", 0);
                        expect_error(c, k, r, &error, ERR "ModelUnsupported", "GenerateLaunchSecurity amd-sev-es");
                        break;
                default:
                        r = sd_bus_call_method(bus, DEST, MANAGER, MANAGER_IFACE, "GetModel", &error, &reply, "i", 42);
                        expect_error(c, k, r, &error, SD_BUS_ERROR_INVALID_ARGS, "GetModel with signature i");
                        break;
                }
                break;
        default:
                abort();
        }
        sd_bus_message_unref(reply);
        sd_bus_error_free(&error);
}

static void record(Series *s, double us) {
        if (s->n == s->cap) {
                s->cap = s->cap ? s->cap * 2 : 1024;
                s->us = realloc(s->us, s->cap * sizeof(double));
                if (!s->us)
                        die("out of memory");
        }
        s->us[s->n++] = us;
}

static void *client_run(void *userdata) {
        Client *c = userdata;

        pthread_barrier_wait(&barrier);
        for (;;) {
                double t0 = now_us();
                if (t0 >= t_end)
                        break;
                Kind k = pick_kind(c);
                one_call(c, k);
                record(&c->s[k], now_us() - t0);
        }
        return NULL;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "clients", required_argument, NULL, 'c' },
                { "duration", required_argument, NULL, 'd' },
                { "domains", required_argument, NULL, 'D' },
                {}
        };
        unsigned n_clients = 64;
        double duration = 60;
        const char *domains = "tests/fixtures/domains";
        Client *clients;
        pthread_t *threads;
        int opt;

        while ((opt = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                switch (opt) {
                case 'c': n_clients = (unsigned) strtoul(optarg, NULL, 10); break;
                case 'd': duration = strtod(optarg, NULL); break;
                case 'D': domains = optarg; break;
                default: return 2;
                }
        }
        if (n_clients < 1 || n_clients > 1024 || duration <= 0)
                die("--clients must be 1..1024 and --duration positive");
        for (size_t i = 0; i < 4; i++)
                good_xml[i] = read_file(domains, good_domains[i]);
        for (size_t i = 0; i < 6; i++)
                validate_xml[i] = read_file(domains, validate_domains[i]);
        i440fx_xml = read_file(domains, "i440fx.xml");
        hostdev_xml = read_file(domains, "hostdev.xml");

        clients = calloc(n_clients, sizeof(Client));
        threads = calloc(n_clients, sizeof(pthread_t));
        if (!clients || !threads)
                die("out of memory");
        /* Connect everyone first: the load starts for all clients at once. */
        for (unsigned i = 0; i < n_clients; i++) {
                int r = sd_bus_open_system(&clients[i].bus);
                if (r < 0)
                        die("client %u cannot connect to the system bus: %s", i, strerror(-r));
                clients[i].index = i;
                clients[i].rng = 0x9E3779B97F4A7C15ull * (i + 1);
        }
        pthread_barrier_init(&barrier, NULL, n_clients + 1);
        for (unsigned i = 0; i < n_clients; i++)
                if (pthread_create(&threads[i], NULL, client_run, &clients[i]) != 0)
                        die("cannot start client %u", i);
        t_start = now_us();
        t_end = t_start + duration * 1e6;
        pthread_barrier_wait(&barrier);
        for (unsigned i = 0; i < n_clients; i++)
                pthread_join(threads[i], NULL);
        double elapsed = (now_us() - t_start) / 1e6;

        /* One JSON object: the totals, one entry per kind, the first problems. */
        size_t total = 0;
        unsigned unexpected = 0;
        printf("{\"clients\": %u, \"seconds\": %.3f, \"kinds\": [", n_clients, elapsed);
        for (Kind k = 0; k < _K_MAX; k++) {
                Series all = {};
                unsigned bad = 0;
                for (unsigned i = 0; i < n_clients; i++) {
                        for (size_t j = 0; j < clients[i].s[k].n; j++)
                                record(&all, clients[i].s[k].us[j]);
                        bad += clients[i].s[k].unexpected;
                }
                total += all.n;
                unexpected += bad;
                double p50 = all.n ? percentile(all.us, all.n, 50) : 0;
                double p99 = all.n ? percentile(all.us, all.n, 99) : 0;
                double max = all.n ? all.us[all.n - 1] : 0;
                printf("%s{\"kind\": \"%s\", \"calls\": %zu, \"per_s\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f, "
                       "\"max_us\": %.1f, \"unexpected\": %u}",
                       k ? ", " : "", kinds[k].name, all.n, all.n / elapsed, p50, p99, max, bad);
                free(all.us);
        }
        printf("], \"calls\": %zu, \"per_s\": %.1f, \"unexpected\": %u, \"problems\": [", total, total / elapsed,
               unexpected);
        for (unsigned i = 0; i < problems_printed; i++) {
                printf("%s\"", i ? ", " : "");
                for (const char *p = problems[i]; *p; p++)
                        if (*p == '"' || *p == '\\')
                                printf("\\%c", *p);
                        else if ((unsigned char) *p < 0x20)
                                printf("\\u%04x", *p);
                        else
                                putchar(*p);
                putchar('"');
        }
        printf("]}\n");

        for (unsigned i = 0; i < n_clients; i++) {
                for (Kind k = 0; k < _K_MAX; k++)
                        free(clients[i].s[k].us);
                sd_bus_flush_close_unref(clients[i].bus);
        }
        free(clients);
        free(threads);
        for (size_t i = 0; i < 4; i++)
                free(good_xml[i]);
        for (size_t i = 0; i < 6; i++)
                free(validate_xml[i]);
        free(i440fx_xml);
        free(hostdev_xml);
        return unexpected ? 1 : 0;
}
