/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * From a libvirt lifecycle event to PropertiesChanged at a client, against
 * references measured in the same run. bench/events.py sets up the bus,
 * a private libvirtd and memcryptd following it, then runs this with
 * DBUS_SYSTEM_BUS_ADDRESS set.
 *
 * Each sample starts (or destroys) a domain of libvirt's test driver inside
 * that libvirtd (test+unix:///default?socket=..., shared with memcryptd's
 * connection) and waits for memcryptd's PropertiesChanged with the new
 * RunningDomains. The time runs from just before the libvirt call, so it
 * includes the call itself: an upper bound of event-to-signal latency.
 * References: Peer.Ping to memcryptd and the bare libvirt call on a domain
 * nobody tracks differently (suspend + resume, which memcryptd ignores).
 *
 * Usage: bench-events --uri=URI [--samples=N] [--refreshes=N]
 *   --refreshes=N only calls Refresh() N times (events.py reads the RSS around it).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <libvirt/libvirt.h>
#include <systemd/sd-bus.h>

#include "bench-running.h"
#include "bench-util.h"

#define BUS_NAME     "org.memcrypt1"
#define MANAGER_PATH "/org/memcrypt1"
#define WAIT_USEC    UINT64_C(5000000)

static void report(const char *what, double *v, size_t n, double ref_p50) {
        double p50 = percentile(v, n, 50), p99 = percentile(v, n, 99);

        printf("%-44s p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms  (%.1fx Ping p50)\n", what, p50 / 1e3, p99 / 1e3,
               v[n - 1] / 1e3, p50 / ref_p50);
}

static double ping_reference(sd_bus *bus, double *v, size_t n) {
        for (size_t i = 0; i < n; i++) {
                double t0 = now_us();
                if (sd_bus_call_method(bus, BUS_NAME, MANAGER_PATH, "org.freedesktop.DBus.Peer", "Ping", NULL, NULL, "") < 0)
                        return -1;
                v[i] = now_us() - t0;
        }
        return percentile(v, n, 50);
}

static int refreshes(sd_bus *bus, long n) {
        for (long i = 0; i < n; i++) {
                sd_bus_error e = SD_BUS_ERROR_NULL;
                if (sd_bus_call_method(bus, BUS_NAME, MANAGER_PATH, "org.memcrypt1.Manager", "Refresh", &e, NULL, "") < 0) {
                        fprintf(stderr, "Refresh: %s\n", e.message);
                        return 1;
                }
        }
        return 0;
}

static int events(sd_bus *bus, virConnectPtr conn, size_t n) {
        const char *xml = "<domain type='test'><name>bench-events</name><memory>65536</memory>"
                          "<os><type>hvm</type></os></domain>";
        double *ping = calloc(n, sizeof(double)), *start = calloc(n, sizeof(double));
        double *stop = calloc(n, sizeof(double)), *bare = calloc(n, sizeof(double));
        virDomainPtr quiet = virDomainLookupByName(conn, "test");
        double ping_p50 = ping_reference(bus, ping, n);
        int64_t base = running_seen;

        if (ping_p50 < 0 || !quiet || base < 0)
                return fprintf(stderr, "no Ping, no 'test' domain or no RunningDomains seen\n"), 1;
        for (size_t i = 0; i < n; i++) {
                double t0 = now_us();
                virDomainPtr dom = virDomainCreateXML(conn, xml, 0);
                if (!dom || !wait_running(bus, base + 1, WAIT_USEC))
                        return fprintf(stderr, "sample %zu: no RunningDomains=%lld\n", i, (long long) base + 1), 1;
                start[i] = now_us() - t0;
                t0 = now_us();
                if (virDomainDestroy(dom) < 0 || !wait_running(bus, base, WAIT_USEC))
                        return fprintf(stderr, "sample %zu: no RunningDomains=%lld\n", i, (long long) base), 1;
                stop[i] = now_us() - t0;
                virDomainFree(dom);
                t0 = now_us();
                virDomainSuspend(quiet);
                virDomainResume(quiet);
                bare[i] = (now_us() - t0) / 2;
        }
        printf("samples: %zu starts and %zu destroys\n", n, n);
        report("reference: Peer.Ping round trip", ping, n, ping_p50);
        report("reference: one libvirt call (suspend/resume)", bare, n, ping_p50);
        report("domain started -> PropertiesChanged", start, n, ping_p50);
        report("domain destroyed -> PropertiesChanged", stop, n, ping_p50);
        virDomainFree(quiet);
        free(ping), free(start), free(stop), free(bare);
        return 0;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "uri", required_argument, NULL, 'u' },
                { "samples", required_argument, NULL, 's' },
                { "refreshes", required_argument, NULL, 'r' },
                {}
        };
        const char *uri = NULL;
        long samples = 200, n_refresh = 0;
        sd_bus *bus = NULL;
        virConnectPtr conn;
        int c;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'u': uri = optarg; break;
                case 's': samples = strtol(optarg, NULL, 10); break;
                case 'r': n_refresh = strtol(optarg, NULL, 10); break;
                default: return 2;
                }
        if (sd_bus_open_system(&bus) < 0)
                return fprintf(stderr, "no system bus (DBUS_SYSTEM_BUS_ADDRESS)\n"), 1;
        if (n_refresh > 0)
                return refreshes(bus, n_refresh);
        if (!uri || samples < 1)
                return fprintf(stderr, "usage: bench-events --uri=URI [--samples=N] | --refreshes=N\n"), 2;
        conn = virConnectOpen(uri);
        if (!conn)
                return fprintf(stderr, "cannot connect to %s\n", uri), 1;
        if (sd_bus_match_signal(bus, NULL, BUS_NAME, MANAGER_PATH, "org.freedesktop.DBus.Properties",
                                "PropertiesChanged", on_running_changed, NULL) < 0)
                return 1;
        /* Learn the current count: one domain "test" runs in the test driver at start. */
        uint32_t running = 0;
        if (sd_bus_get_property_trivial(bus, BUS_NAME, MANAGER_PATH, "org.memcrypt1.Manager", "RunningDomains",
                                        NULL, 'u', &running) < 0)
                return 1;
        running_seen = running;
        c = events(bus, conn, (size_t) samples);
        virConnectClose(conn);
        sd_bus_flush_close_unref(bus);
        return c;
}
