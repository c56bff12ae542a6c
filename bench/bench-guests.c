/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memcryptd with many guests (issue 17's figures), against references measured in the same run.
 * bench/guests.py sets up the bus, a private libvirtd and memcryptd following libvirt's test driver
 * in it (test+unix:///default?socket=...), then runs this with DBUS_SYSTEM_BUS_ADDRESS set.
 *
 * For each N of --guests (ascending), the test driver is grown to N running guests with
 * <launchSecurity type='sev'>, and then:
 *   - CPU per lifecycle event: K starts and K destroys of one more encrypted guest, each waited for
 *     at the bus (PropertiesChanged with the new RunningDomains); the CPU time memcryptd and
 *     libvirtd spent meanwhile (/proc/PID/stat), divided by 2K, and the event -> signal latency;
 *   - Manager GetAll, Describe and ListEncryptedDomains against Peer.Ping;
 * and for each S of --storm a storm: S guests started back to back, the time libvirt took for the
 * calls and the time until memcryptd's signal said all S run; then the same for destroying them.
 *
 * Usage: bench-guests --uri=URI --memcryptd=PID --libvirtd=PID [--guests=0,1000] [--events=K]
 *                     [--calls=N] [--storm=S,...]
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <systemd/sd-bus.h>

#include "bench-running.h"
#include "bench-util.h"

#define BUS_NAME     "org.memcrypt1"
#define MANAGER_PATH "/org/memcrypt1"
#define MANAGER_IFACE "org.memcrypt1.Manager"
#define WAIT_USEC    UINT64_C(120000000)

/* CPU time (user + system) of PID so far, its exited threads included, in nanoseconds. The clock
 * ticks of /proc/PID/stat are coarse (10 ms): the events are many enough to make that small. */
static uint64_t cpu_ns(long pid) {
        char path[64], buf[1024];
        unsigned long utime = 0, stime = 0;

        snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
        FILE *f = fopen(path, "re");
        if (!f)
                return 0;
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = 0;
        const char *p = strrchr(buf, ')');     /* the command name may hold spaces */
        if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
                return 0;
        return (uint64_t) (utime + stime) * (1000000000ULL / (uint64_t) sysconf(_SC_CLK_TCK));
}

static char *guest_xml(const char *name) {
        static char xml[512];

        snprintf(xml, sizeof(xml), "<domain type='test'><name>%s</name><memory>65536</memory>"
                 "<os><type>hvm</type></os><launchSecurity type='sev'><policy>0x0033</policy>"
                 "</launchSecurity></domain>", name);
        return xml;
}

/* Starts guests FROM..TO-1 (g-FROM ...); true when every create succeeded. */
static bool start_guests(virConnectPtr conn, long from, long to) {
        for (long i = from; i < to; i++) {
                char name[32];
                snprintf(name, sizeof(name), "g-%ld", i);
                virDomainPtr dom = virDomainCreateXML(conn, guest_xml(name), 0);
                if (!dom)
                        return false;
                virDomainFree(dom);
        }
        return true;
}

static bool destroy_guests(virConnectPtr conn, long from, long to) {
        for (long i = from; i < to; i++) {
                char name[32];
                snprintf(name, sizeof(name), "g-%ld", i);
                virDomainPtr dom = virDomainLookupByName(conn, name);
                if (!dom || virDomainDestroy(dom) < 0)
                        return false;
                virDomainFree(dom);
        }
        return true;
}

/* p50 of N calls of INTERFACE.MEMBER (with one string argument ARG when not NULL). */
static double call_p50(sd_bus *bus, const char *interface, const char *member, const char *arg, size_t n) {
        double *v = calloc(n, sizeof(double)), p50;

        for (size_t i = 0; i < n; i++) {
                double t0 = now_us();
                int r = arg ? sd_bus_call_method(bus, BUS_NAME, MANAGER_PATH, interface, member, NULL, NULL, "s", arg)
                            : sd_bus_call_method(bus, BUS_NAME, MANAGER_PATH, interface, member, NULL, NULL, "");
                if (r < 0) {
                        free(v);
                        return -1;
                }
                v[i] = now_us() - t0;
        }
        p50 = percentile(v, n, 50);
        free(v);
        return p50;
}

static int measure(sd_bus *bus, virConnectPtr conn, long guests, long base, long mc_pid, long lv_pid,
                   size_t events, size_t calls) {
        double *latency = calloc(2 * events, sizeof(double));
        const char *xml = guest_xml("bench-extra");
        uint64_t mc0 = cpu_ns(mc_pid), lv0 = cpu_ns(lv_pid);

        for (size_t i = 0; i < events; i++) {
                double t0 = now_us();
                virDomainPtr dom = virDomainCreateXML(conn, xml, 0);
                if (!dom || !wait_running(bus, base + guests + 1, WAIT_USEC))
                        return fprintf(stderr, "no signal for a start at %ld guests\n", guests), 1;
                latency[2 * i] = now_us() - t0;
                t0 = now_us();
                if (virDomainDestroy(dom) < 0 || !wait_running(bus, base + guests, WAIT_USEC))
                        return fprintf(stderr, "no signal for a destroy at %ld guests\n", guests), 1;
                latency[2 * i + 1] = now_us() - t0;
                virDomainFree(dom);
        }
        double mc = (double) (cpu_ns(mc_pid) - mc0) / 1e3 / (2.0 * events);
        double lv = (double) (cpu_ns(lv_pid) - lv0) / 1e3 / (2.0 * events);
        double p99 = percentile(latency, 2 * events, 99);
        double ping = call_p50(bus, "org.freedesktop.DBus.Peer", "Ping", NULL, calls);
        double getall = call_p50(bus, "org.freedesktop.DBus.Properties", "GetAll", MANAGER_IFACE, calls);
        double describe = call_p50(bus, MANAGER_IFACE, "Describe", NULL, calls);
        double list = call_p50(bus, MANAGER_IFACE, "ListEncryptedDomains", "", calls);

        printf("guests %ld: cpu per event memcryptd %.0f us, libvirtd %.0f us (%.2fx); event -> signal p99 %.2f ms; "
               "Ping p50 %.1f us; GetAll %.2fx Ping; Describe %.2fx Ping; ListEncryptedDomains %.2fx Ping\n",
               guests, mc, lv, mc / lv, p99 / 1e3, ping, getall / ping, describe / ping, list / ping);
        free(latency);
        return 0;
}

static int storm(sd_bus *bus, virConnectPtr conn, long guests, long base, long n) {
        double t0 = now_us();
        if (!start_guests(conn, guests, guests + n))
                return fprintf(stderr, "storm: a start failed\n"), 1;
        double libvirt_start = now_us() - t0;
        if (!wait_running(bus, base + guests + n, WAIT_USEC))
                return fprintf(stderr, "storm: no signal for %ld starts\n", n), 1;
        double signal_start = now_us() - t0;
        t0 = now_us();
        if (!destroy_guests(conn, guests, guests + n))
                return fprintf(stderr, "storm: a destroy failed\n"), 1;
        double libvirt_stop = now_us() - t0;
        if (!wait_running(bus, base + guests, WAIT_USEC))
                return fprintf(stderr, "storm: no signal for %ld destroys\n", n), 1;
        double signal_stop = now_us() - t0;
        printf("storm of %ld at %ld guests: starts: libvirt %.0f ms, last signal %.0f ms (%.2fx); "
               "destroys: libvirt %.0f ms, last signal %.0f ms (%.2fx)\n", n, guests, libvirt_start / 1e3,
               signal_start / 1e3, signal_start / libvirt_start, libvirt_stop / 1e3, signal_stop / 1e3,
               signal_stop / libvirt_stop);
        return 0;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "uri", required_argument, NULL, 'u' },
                { "memcryptd", required_argument, NULL, 'm' },
                { "libvirtd", required_argument, NULL, 'l' },
                { "guests", required_argument, NULL, 'g' },
                { "events", required_argument, NULL, 'e' },
                { "calls", required_argument, NULL, 'c' },
                { "storm", required_argument, NULL, 's' },
                {}
        };
        const char *uri = NULL, *guest_list = "0,1000", *storm_list = "500";
        long mc_pid = 0, lv_pid = 0, events = 250, calls = 200, have = 0;
        sd_bus *bus = NULL;
        uint32_t running = 0;
        int c;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'u': uri = optarg; break;
                case 'm': mc_pid = strtol(optarg, NULL, 10); break;
                case 'l': lv_pid = strtol(optarg, NULL, 10); break;
                case 'g': guest_list = optarg; break;
                case 'e': events = strtol(optarg, NULL, 10); break;
                case 'c': calls = strtol(optarg, NULL, 10); break;
                case 's': storm_list = optarg; break;
                default: return 2;
                }
        if (!uri || mc_pid <= 0 || lv_pid <= 0 || events < 1 || calls < 1)
                return fprintf(stderr, "usage: bench-guests --uri=URI --memcryptd=PID --libvirtd=PID "
                               "[--guests=N,...] [--events=K] [--calls=N] [--storm=S,...]\n"), 2;
        if (sd_bus_open_system(&bus) < 0)
                return fprintf(stderr, "no system bus (DBUS_SYSTEM_BUS_ADDRESS)\n"), 1;
        virConnectPtr conn = virConnectOpen(uri);
        if (!conn)
                return fprintf(stderr, "cannot connect to %s\n", uri), 1;
        if (sd_bus_match_signal(bus, NULL, BUS_NAME, MANAGER_PATH, "org.freedesktop.DBus.Properties",
                                "PropertiesChanged", on_running_changed, NULL) < 0 ||
            sd_bus_get_property_trivial(bus, BUS_NAME, MANAGER_PATH, MANAGER_IFACE, "RunningDomains", NULL, 'u',
                                        &running) < 0)
                return 1;
        running_seen = running;
        long base = running;    /* the test driver's own "test" domain */

        for (const char *p = guest_list; *p;) {
                char *end;
                long n = strtol(p, &end, 10);
                if (end == p || n < have)
                        return fprintf(stderr, "--guests: ascending numbers, comma-separated\n"), 2;
                if (!start_guests(conn, have, n) || !wait_running(bus, base + n, WAIT_USEC))
                        return fprintf(stderr, "cannot reach %ld guests\n", n), 1;
                have = n;
                if (measure(bus, conn, n, base, mc_pid, lv_pid, (size_t) events, (size_t) calls))
                        return 1;
                for (const char *q = storm_list; *q;) {
                        char *q_end;
                        long s = strtol(q, &q_end, 10);
                        if (q_end == q)
                                return fprintf(stderr, "--storm: numbers, comma-separated\n"), 2;
                        if (s > 0 && storm(bus, conn, n, base, s))
                                return 1;
                        q = *q_end == ',' ? q_end + 1 : q_end;
                }
                fflush(stdout);
                p = *end == ',' ? end + 1 : end;
        }
        virConnectClose(conn);
        sd_bus_flush_close_unref(bus);
        return 0;
}
