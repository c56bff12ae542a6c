/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bus service against a reference measured in the same run:
 * org.freedesktop.DBus.Peer.Ping answered by the same memcryptd (a round
 * trip through the bus and sd-bus's dispatch, with no work of ours).
 *
 *   - p50/p99 latency and throughput of Get(Manager.Health),
 *     GetAll(Model amd_sev_snp), Describe() and ConfigureDomain() of a
 *     Nova q35 domain (--domain, about 5 KB) for amd-sev against Ping,
 *     with 1 and 16 clients (threads, each with its own connection). The operations
 *     run in alternating rounds (the order rotates every round), all
 *     clients on the same operation at once, so machine noise hits every
 *     operation alike and each round's wall time gives its throughput.
 *   - start-up to READY=1 (sent once the name is acquired), timed on a
 *     NOTIFY_SOCKET of our own, against exec of `memcryptd --version`
 *     (same binary and dynamic linking, no probe and no bus).
 *   - the daemon's anonymous memory and PSS (smaps_rollup) idle after start-up and after the load.
 *
 * Runs its own dbus-daemon (system type, allow-all policy, in a temporary
 * directory) and memcryptd --root=SNAPSHOT; stops both before it exits.
 *
 * Usage: bench-bus [--daemon=PATH] [--dbus-daemon=PATH] [--calls=N]
 *                  [--starts=N] [--domain=FILE] [SNAPSHOT_DIR]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "bench-util.h"
#include "schema.h"

#ifndef MEMCRYPTD_PATH
#define MEMCRYPTD_PATH "memcryptd"
#endif

#define BUS_NAME        "org.memcrypt1"
#define MANAGER_PATH    "/org/memcrypt1"
#define SNP_MODEL_PATH  "/org/memcrypt1/model/amd_sev_snp"
#define FLOOR_NAME      "org.memcrypt1.BenchFloor"
#define MAX_CLIENTS     16
#define ROUNDS          20
#define WARMUP_CALLS    200
#define READY_TIMEOUT_MS 10000
#define SETTLE_US       300000

typedef enum { OP_PING, OP_GET, OP_GETALL, OP_GETALL_FLOOR, OP_DESCRIBE, OP_CONFIGURE, OP_CONFIGURE_FLOOR, _OP_MAX } Op;

static const char *const op_label[_OP_MAX] = {
        [OP_PING]         = "Peer.Ping (reference)",
        [OP_GET]          = "Get Manager.Health",
        [OP_GETALL]       = "GetAll Model amd_sev_snp",
        [OP_GETALL_FLOOR] = "  same, sd-bus floor",
        [OP_DESCRIBE]     = "Describe",
        [OP_CONFIGURE]    = "ConfigureDomain amd-sev",
        [OP_CONFIGURE_FLOOR] = "  same, sd-bus echo floor",
};

/* Goals relative to Ping's p50; 0: no goal. */
static const double op_goal[_OP_MAX] = { [OP_GET] = 1.3, [OP_GETALL] = 1.3, [OP_CONFIGURE] = 1.5 };
/* Goals that hold for one client only: with 16, the call's CPU time in the one-threaded daemon dominates. */
static const bool op_goal_one_client[_OP_MAX] = { [OP_CONFIGURE] = true };

#define CONFIGURE_MODEL "amd-sev"
static char *domain_xml;   /* --domain, read once */

static char tmpdir[] = "/tmp/bench-bus.XXXXXX";
static bool have_tmpdir;
static pid_t bus_pid, daemon_pid, floor_pid;

static void stop_child(pid_t *pid) {
        if (*pid <= 0)
                return;
        kill(*pid, SIGTERM);
        for (int i = 0; i < 500; i++) {  /* 5 s, then SIGKILL */
                if (waitpid(*pid, NULL, WNOHANG) == *pid) {
                        *pid = 0;
                        return;
                }
                usleep(10000);
        }
        kill(*pid, SIGKILL);
        waitpid(*pid, NULL, 0);
        *pid = 0;
}

static const char *const tmp_files[] = { "bus.conf", "system_bus_socket", "notify", "memcryptd.log", "dbus-daemon.log",
                                         "memcryptd.conf" };
static char tmp_file_paths[sizeof(tmp_files) / sizeof(tmp_files[0])][PATH_MAX];

/* Async-signal-safe: the paths are made when the directory is. */
static void remove_tmpdir(void) {
        if (!have_tmpdir)
                return;
        for (size_t i = 0; i < sizeof(tmp_files) / sizeof(tmp_files[0]); i++)
                unlink(tmp_file_paths[i]);
        rmdir(tmpdir);
        have_tmpdir = false;
}

static void cleanup(void) {
        stop_child(&floor_pid);
        stop_child(&daemon_pid);
        stop_child(&bus_pid);
        remove_tmpdir();
}

static void on_signal(int sig) {
        /* Stop and reap the children (only async-signal-safe calls), then the directory. */
        pid_t *pids[] = { &floor_pid, &daemon_pid, &bus_pid };

        for (size_t i = 0; i < 3; i++)
                if (*pids[i] > 0)
                        kill(*pids[i], SIGTERM);
        for (size_t i = 0; i < 3; i++)
                if (*pids[i] > 0)
                        waitpid(*pids[i], NULL, 0);
        remove_tmpdir();
        _exit(128 + sig);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        fputs("bench-bus: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
        exit(EXIT_FAILURE);  /* atexit: cleanup() */
}

static void tmp_path(char *buf, size_t size, const char *name) {
        snprintf(buf, size, "%s/%s", tmpdir, name);
}

/* ---- dbus-daemon ----------------------------------------------------------- */

static void write_bus_config(const char *path, const char *socket_path) {
        FILE *f = fopen(path, "we");

        if (!f)
                die("%s: %s", path, strerror(errno));
        fprintf(f,
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n"
                " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                "<busconfig>\n"
                "  <type>system</type>\n"
                "  <listen>unix:path=%s</listen>\n"
                "  <auth>EXTERNAL</auth>\n"
                "  <policy context=\"default\">\n"
                "    <allow user=\"*\"/>\n"
                "    <allow own=\"*\"/>\n"
                "    <allow send_destination=\"*\"/>\n"
                "    <allow receive_sender=\"*\"/>\n"
                "  </policy>\n"
                "</busconfig>\n",
                socket_path);
        if (fclose(f) != 0)
                die("%s: %s", path, strerror(errno));
}

/* fork(), dying when it fails; the child gets SIGTERM when this process dies. */
static pid_t fork_child(void) {
        pid_t pid = fork();

        if (pid < 0)
                die("fork: %s", strerror(errno));
        if (pid == 0)
                prctl(PR_SET_PDEATHSIG, SIGTERM);
        return pid;
}

static void start_bus(const char *dbus_daemon, char *address, size_t size) {
        char conf[PATH_MAX], sock[PATH_MAX], bus_log[PATH_MAX], conf_arg[PATH_MAX + 16], fd_arg[32];
        int pipefd[2];
        ssize_t n, len = 0;

        tmp_path(conf, sizeof(conf), "bus.conf");
        tmp_path(sock, sizeof(sock), "system_bus_socket");
        tmp_path(bus_log, sizeof(bus_log), "dbus-daemon.log");
        write_bus_config(conf, sock);
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                die("pipe: %s", strerror(errno));

        bus_pid = fork_child();
        if (bus_pid == 0) {
                int fd = dup(pipefd[1]);  /* without O_CLOEXEC */
                int log = open(bus_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (log >= 0)  /* it complains about fd limits when not privileged enough */
                        dup2(log, STDERR_FILENO);
                snprintf(conf_arg, sizeof(conf_arg), "--config-file=%s", conf);
                snprintf(fd_arg, sizeof(fd_arg), "--print-address=%d", fd);
                execlp(dbus_daemon, dbus_daemon, conf_arg, "--nofork", "--nopidfile", "--nosyslog", fd_arg,
                       (char *) NULL);
                fprintf(stderr, "bench-bus: %s: %s\n", dbus_daemon, strerror(errno));
                _exit(127);
        }
        close(pipefd[1]);
        /* The address is printed once the bus listens. */
        while (len < (ssize_t) size - 1 && (n = read(pipefd[0], address + len, size - 1 - len)) > 0) {
                len += n;
                if (memchr(address, '\n', len))
                        break;
        }
        close(pipefd[0]);
        address[len] = '\0';
        address[strcspn(address, "\n")] = '\0';
        if (!address[0])
                die("%s did not print an address (see %s)", dbus_daemon, bus_log);
}

/* ---- memcryptd ------------------------------------------------------------- */

static int notify_socket(char *path, size_t size) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        tmp_path(path, size, "notify");
        if (strlen(path) >= sizeof(sa.sun_path))
                die("%s: path too long for a socket", path);
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                die("notify socket %s: %s", path, strerror(errno));
        return fd;
}

static pid_t spawn(const char *path, const char *const argv[], const char *notify_path, const char *log_path) {
        pid_t pid = fork_child();

        if (pid == 0) {
                if (notify_path)
                        setenv("NOTIFY_SOCKET", notify_path, 1);
                else
                        unsetenv("NOTIFY_SOCKET");
                int out = open(log_path ?: "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (out >= 0) {
                        dup2(out, STDOUT_FILENO);
                        dup2(out, STDERR_FILENO);
                }
                execv(path, (char *const *) argv);
                _exit(127);
        }
        return pid;
}

static void show_log_and_die(const char *what) {
        char log[PATH_MAX], buf[4096];
        FILE *f;

        tmp_path(log, sizeof(log), "memcryptd.log");
        f = fopen(log, "re");
        if (f) {
                size_t n = fread(buf, 1, sizeof(buf) - 1, f);
                buf[n] = '\0';
                fclose(f);
                fprintf(stderr, "memcryptd said:\n%s\n", buf);
        }
        die("%s", what);
}

/* All the benchmark's clients are one uid: let each of them have a call in flight, as separate
 * callers would (the per-uid limit itself is tests/integration/test-stall.py's). */
static void write_daemon_config(char *arg, size_t size) {
        char path[PATH_MAX];

        tmp_path(path, sizeof(path), "memcryptd.conf");
        FILE *f = fopen(path, "we");
        if (!f || fprintf(f, "[Service]\nMaxCallsPerUser=%d\nMaxQueuedCalls=64\n", MAX_CLIENTS) < 0 || fclose(f) != 0)
                die("%s: %s", path, strerror(errno));
        snprintf(arg, size, "--config=%s", path);
}

/* Start the daemon and return the microseconds from fork to READY=1. */
static double start_daemon(const char *daemon, const char *root_arg, int notify_fd, const char *notify_path) {
        char config_arg[PATH_MAX + 16];
        const char *argv[] = { daemon, root_arg, config_arg, NULL };
        char log[PATH_MAX], buf[1024];
        double t0, deadline;

        write_daemon_config(config_arg, sizeof(config_arg));
        tmp_path(log, sizeof(log), "memcryptd.log");
        while (recv(notify_fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)  /* stale STOPPING=1 */
                ;
        t0 = now_us();
        daemon_pid = spawn(daemon, argv, notify_path, log);
        deadline = t0 + READY_TIMEOUT_MS * 1000.0;
        for (;;) {
                struct pollfd p = { .fd = notify_fd, .events = POLLIN };
                int left = (int) ((deadline - now_us()) / 1000);

                if (left <= 0 || poll(&p, 1, left) <= 0) {
                        if (waitpid(daemon_pid, NULL, WNOHANG) == daemon_pid)
                                daemon_pid = 0;
                        show_log_and_die("memcryptd did not send READY=1");
                }
                ssize_t n = recv(notify_fd, buf, sizeof(buf) - 1, 0);
                if (n < 0)
                        continue;
                double t1 = now_us();
                buf[n] = '\0';
                if (strncmp(buf, "READY=1", 7) == 0 || strstr(buf, "\nREADY=1"))
                        return t1 - t0;
        }
}

static double exec_version(const char *daemon) {
        const char *argv[] = { daemon, "--version", NULL };
        double t0 = now_us();
        pid_t pid = spawn(daemon, argv, NULL, NULL);
        int status;

        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                die("%s --version failed", daemon);
        return now_us() - t0;
}

typedef struct {
        long rss, anon, file, hwm, pss;  /* KiB */
} Memory;

static Memory read_memory(pid_t pid) {
        char path[64], line[256];
        Memory m = { -1, -1, -1, -1, -1 };
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        if (!f)
                die("%s: %s", path, strerror(errno));
        while (fgets(line, sizeof(line), f)) {
                sscanf(line, "VmRSS: %ld", &m.rss);
                sscanf(line, "RssAnon: %ld", &m.anon);
                sscanf(line, "RssFile: %ld", &m.file);
                sscanf(line, "VmHWM: %ld", &m.hwm);
        }
        fclose(f);
        /* Shared library pages divided among the processes mapping them. */
        snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int) pid);
        f = fopen(path, "re");
        while (f && fgets(line, sizeof(line), f)) {
                sscanf(line, "Pss: %ld", &m.pss);
                sscanf(line, "Anonymous: %ld", &m.anon);
        }
        if (f)
                fclose(f);
        return m;
}

/* ---- clients --------------------------------------------------------------- */

static sd_bus *connect_bus(const char *address) {
        sd_bus *bus = NULL;
        int r;

        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, true);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0)
                die("connecting to %s: %s", address, strerror(-r));
        return bus;
}

/* One call of OP, with the reply read as a client would. */
static int call(sd_bus *bus, Op op, const char **ret_string) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *reply = NULL;
        const char *s = NULL;
        int r;

        switch (op) {
        case OP_PING:
                r = sd_bus_call_method(bus, BUS_NAME, MANAGER_PATH, "org.freedesktop.DBus.Peer", "Ping",
                                       &error, &reply, NULL);
                break;
        case OP_GET:
                r = sd_bus_call_method(bus, BUS_NAME, MANAGER_PATH, "org.freedesktop.DBus.Properties", "Get",
                                       &error, &reply, "ss", "org.memcrypt1.Manager", "Health");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "v", "s", &s);
                break;
        case OP_GETALL:
        case OP_GETALL_FLOOR:  /* the same call, answered by the sd-bus floor instead */
                r = sd_bus_call_method(bus, op == OP_GETALL_FLOOR ? FLOOR_NAME : BUS_NAME, SNP_MODEL_PATH,
                                       "org.freedesktop.DBus.Properties", "GetAll",
                                       &error, &reply, "s", "org.memcrypt1.Model");
                if (r >= 0)
                        r = sd_bus_message_skip(reply, "a{sv}");
                break;
        case OP_DESCRIBE:
                r = sd_bus_call_method(bus, BUS_NAME, MANAGER_PATH, "org.memcrypt1.Manager", "Describe",
                                       &error, &reply, NULL);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "s", &s);
                break;
        case OP_CONFIGURE:
        case OP_CONFIGURE_FLOOR:  /* the floor answers with the document it was sent */
                r = sd_bus_call_method(bus, op == OP_CONFIGURE_FLOOR ? FLOOR_NAME : BUS_NAME, MANAGER_PATH, "org.memcrypt1.Manager", "ConfigureDomain",
                                       &error, &reply, "ssa{sv}", domain_xml, CONFIGURE_MODEL, 0);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "s", &s);
                break;
        default:
                r = -EINVAL;
        }
        if (r < 0 && sd_bus_error_is_set(&error))
                fprintf(stderr, "bench-bus: %s: %s\n", op_label[op], error.message ?: error.name);
        if (ret_string)
                *ret_string = s ? strdup(s) : NULL;
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        return r;
}

/* Once, before timing: the replies are what we think we are measuring. */
static void check_replies(const char *address) {
        sd_bus *bus = connect_bus(address);
        sd_bus_message *reply = NULL;
        const char *health = NULL, *json = NULL, *configured = NULL;
        int r, n = 0;

        if (call(bus, OP_PING, NULL) < 0 || call(bus, OP_GET, &health) < 0 || call(bus, OP_DESCRIBE, &json) < 0 ||
            call(bus, OP_CONFIGURE, &configured) < 0)
                die("a call failed");
        if (!health || !*health || !json || json[0] != '{')
                die("unexpected reply: Health '%s', Describe '%.20s'", health ?: "", json ?: "");
        if (!configured || !strstr(configured, "<launchSecurity type=\"sev\""))
                die("unexpected reply: ConfigureDomain '%.40s' has no <launchSecurity type='sev'>", configured ?: "");
        r = sd_bus_call_method(bus, BUS_NAME, SNP_MODEL_PATH, "org.freedesktop.DBus.Properties", "GetAll",
                               NULL, &reply, "s", "org.memcrypt1.Model");
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_skip(reply, "{sv}")) > 0)
                n++;
        if (r < 0 || n != _MODEL_PROPERTY_MAX)
                die("GetAll(org.memcrypt1.Model) on %s: %d properties, common/schema.h has %d", SNP_MODEL_PATH, n,
                    _MODEL_PROPERTY_MAX);
        printf("replies: Health \"%s\", Describe %zu bytes of JSON, GetAll %d properties, ConfigureDomain %zu "
               "bytes in, %zu out\n", health, strlen(json), n, strlen(domain_xml), strlen(configured));
        free((char *) health);
        free((char *) json);
        free((char *) configured);
        sd_bus_message_unref(reply);
        sd_bus_flush_close_unref(bus);
}

typedef struct {
        unsigned clients, block;   /* calls per client per operation and round */
        pthread_barrier_t barrier;
        double wall[_OP_MAX];      /* µs, summed over rounds, measured by client 0 */
        double *samples[_OP_MAX];  /* clients × ROUNDS × block latencies, µs */
        const char *address;
        int failed;
} Load;

typedef struct {
        Load *load;
        unsigned index;
        sd_bus *bus;
} Client;

static void *client_run(void *userdata) {
        Client *c = userdata;
        Load *l = c->load;
        size_t per_client = (size_t) ROUNDS * l->block;

        for (Op op = 0; op < _OP_MAX; op++)
                for (int i = 0; i < WARMUP_CALLS / (int) l->clients + 10; i++)
                        if (call(c->bus, op, NULL) < 0)
                                __atomic_store_n(&l->failed, 1, __ATOMIC_RELAXED);

        pthread_barrier_wait(&l->barrier);
        double t_phase = now_us();
        for (unsigned round = 0; round < ROUNDS; round++)
                for (unsigned k = 0; k < _OP_MAX; k++) {
                        Op op = (Op) ((k + round) % _OP_MAX);  /* the order rotates every round */
                        double *out = l->samples[op] + c->index * per_client + (size_t) round * l->block;

                        for (unsigned i = 0; i < l->block; i++) {
                                double t0 = now_us();
                                if (call(c->bus, op, NULL) < 0)
                                        __atomic_store_n(&l->failed, 1, __ATOMIC_RELAXED);
                                out[i] = now_us() - t0;
                        }
                        /* Every client finishes this operation before any starts the next. */
                        pthread_barrier_wait(&l->barrier);
                        if (c->index == 0) {
                                double t = now_us();
                                l->wall[op] += t - t_phase;
                                t_phase = t;
                        }
                }
        return NULL;
}

typedef struct {
        double p50, p99, rate;
} Result;

static void run_load(const char *address, unsigned clients, unsigned calls, Result result[_OP_MAX]) {
        Load l = { .clients = clients, .address = address };
        Client c[MAX_CLIENTS];
        pthread_t threads[MAX_CLIENTS];

        l.block = calls / clients / ROUNDS;
        if (l.block == 0)
                l.block = 1;
        size_t total = (size_t) clients * ROUNDS * l.block;
        for (Op op = 0; op < _OP_MAX; op++)
                l.samples[op] = calloc(total, sizeof(double));
        pthread_barrier_init(&l.barrier, NULL, clients);
        for (unsigned i = 0; i < clients; i++) {
                c[i] = (Client) { .load = &l, .index = i, .bus = connect_bus(address) };
                if (pthread_create(&threads[i], NULL, client_run, &c[i]) != 0)
                        die("pthread_create failed");
        }
        for (unsigned i = 0; i < clients; i++) {
                pthread_join(threads[i], NULL);
                sd_bus_flush_close_unref(c[i].bus);
        }
        pthread_barrier_destroy(&l.barrier);
        if (l.failed)
                die("calls failed under load with %u clients", clients);
        for (Op op = 0; op < _OP_MAX; op++) {
                result[op].rate = total / (l.wall[op] / 1e6);
                result[op].p99 = percentile(l.samples[op], total, 99);
                result[op].p50 = percentile(l.samples[op], total, 50);
                free(l.samples[op]);
        }
}

/* ---- the floor ------------------------------------------------------------- */

/*
 * What GetAll of the same model costs with nothing of ours in the way: a
 * process with the same event loop (sd-event) serving the same values,
 * read from memcryptd once, with sd-bus's built-in getters (plain C fields;
 * one small getter for the a(ssss)). Its vtable is common/schema.h's Model
 * rows, so it serves every property memcryptd serves, in the same order.
 * GetAll against it minus GetAll against memcryptd is what memcryptd's
 * getters add.
 *
 * The same process answers ConfigureDomain(s, s, a{sv}) with the document
 * it was sent: carrying about 5 KB each way with no work, so ConfigureDomain
 * against memcryptd minus this is what parsing, the rules and formatting add.
 */
typedef union {
        char *s;                        /* "s": what sd-bus's getter reads at the offset */
        int b;                          /* "b" */
        uint32_t u;                     /* "u" */
        uint64_t t;                     /* "t" */
        char **as;                      /* "as" */
        struct {
                char **strings;         /* 4 per reason */
                size_t n;
        } reasons;                      /* "a(ssss)" */
} FloorValue;

static int floor_get_reasons(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        const FloorValue *v = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(ssss)");
        for (size_t i = 0; r >= 0 && i < v->reasons.n; i++)
                r = sd_bus_message_append(reply, "(ssss)", v->reasons.strings[4 * i], v->reasons.strings[4 * i + 1],
                                          v->reasons.strings[4 * i + 2], v->reasons.strings[4 * i + 3]);
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

/* The Model vtable of the schema, each property at its row's FloorValue (userdata is the array). */
static void floor_vtable(sd_bus_vtable vtable[_MODEL_PROPERTY_MAX + 2]) {
        vtable[0] = (sd_bus_vtable) SD_BUS_VTABLE_START(0);
        for (size_t i = 0; i < _MODEL_PROPERTY_MAX; i++) {
                const PropertyInfo *p = &model_property_info[i];
                uint64_t flags = p->change == PROPERTY_CONST ? SD_BUS_VTABLE_PROPERTY_CONST
                               : p->change == PROPERTY_EMITS_CHANGE ? SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE
                               : p->change == PROPERTY_EXPLICIT ? SD_BUS_VTABLE_PROPERTY_EXPLICIT |
                                                                  SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION
                               : 0;
                bool reasons = strcmp(p->signature, "a(ssss)") == 0;

                vtable[i + 1] = (sd_bus_vtable) SD_BUS_PROPERTY(p->name, p->signature, reasons ? floor_get_reasons : NULL,
                                                                i * sizeof(FloorValue), flags);
        }
        vtable[_MODEL_PROPERTY_MAX + 1] = (sd_bus_vtable) SD_BUS_VTABLE_END;
}

static int floor_configure(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *xml, *model;
        int r = sd_bus_message_read(m, "ss", &xml, &model);

        if (r >= 0)
                r = sd_bus_message_skip(m, "a{sv}");
        return r < 0 ? r : sd_bus_reply_method_return(m, "s", xml);
}

static const sd_bus_vtable floor_manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("ConfigureDomain", "ssa{sv}", "s", floor_configure, 0),
        SD_BUS_VTABLE_END
};

static int read_reasons(sd_bus_message *m, FloorValue *v) {
        const char *a, *b, *c, *d;
        int r;

        r = sd_bus_message_enter_container(m, 'v', "a(ssss)");
        if (r > 0)
                r = sd_bus_message_enter_container(m, 'a', "(ssss)");
        while (r > 0 && (r = sd_bus_message_read(m, "(ssss)", &a, &b, &c, &d)) > 0) {
                v->reasons.strings = realloc(v->reasons.strings, sizeof(char *) * 4 * (v->reasons.n + 1));
                v->reasons.strings[4 * v->reasons.n] = strdup(a);
                v->reasons.strings[4 * v->reasons.n + 1] = strdup(b);
                v->reasons.strings[4 * v->reasons.n + 2] = strdup(c);
                v->reasons.strings[4 * v->reasons.n + 3] = strdup(d);
                v->reasons.n++;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        return r;
}

/* The value of schema row P from M (at the variant), into V the way the floor serves it. */
static int read_value(sd_bus_message *m, const PropertyInfo *p, FloorValue *v) {
        const char *s;
        int r;

        switch (p->signature[0]) {
        case 's':
                r = sd_bus_message_read(m, "v", "s", &s);
                if (r > 0)
                        v->s = strdup(s);
                return r;
        case 'b': return sd_bus_message_read(m, "v", "b", &v->b);
        case 'u': return sd_bus_message_read(m, "v", "u", &v->u);
        case 't': return sd_bus_message_read(m, "v", "t", &v->t);
        }
        if (strcmp(p->signature, "as") == 0) {
                r = sd_bus_message_enter_container(m, 'v', "as");
                if (r > 0)
                        r = sd_bus_message_read_strv(m, &v->as);
                return r > 0 ? sd_bus_message_exit_container(m) : r;
        }
        if (strcmp(p->signature, "a(ssss)") == 0)
                return read_reasons(m, v);
        die("the floor cannot serve %s (%s): teach read_value() and floor_vtable() its type", p->name, p->signature);
}

static void floor_values_free(FloorValue *values) {
        for (size_t i = 0; i < _MODEL_PROPERTY_MAX; i++) {
                const char *sig = model_property_info[i].signature;
                if (strcmp(sig, "s") == 0)
                        free(values[i].s);
                else if (strcmp(sig, "as") == 0) {
                        for (char **f = values[i].as; f && *f; f++)
                                free(*f);
                        free(values[i].as);
                } else if (strcmp(sig, "a(ssss)") == 0) {
                        for (size_t j = 0; j < 4 * values[i].reasons.n; j++)
                                free(values[i].reasons.strings[j]);
                        free(values[i].reasons.strings);
                }
        }
}

/* Every Model property of memcryptd's GetAll, each into its row's place. */
static void read_floor_values(const char *address, FloorValue *values) {
        sd_bus *bus = connect_bus(address);
        sd_bus_message *reply = NULL;
        bool seen[_MODEL_PROPERTY_MAX] = {};
        const char *name;
        int r, n = 0;

        r = sd_bus_call_method(bus, BUS_NAME, SNP_MODEL_PATH, "org.freedesktop.DBus.Properties", "GetAll",
                               NULL, &reply, "s", "org.memcrypt1.Model");
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                size_t i = 0;

                r = sd_bus_message_read(reply, "s", &name);
                while (r >= 0 && i < _MODEL_PROPERTY_MAX && strcmp(model_property_info[i].name, name) != 0)
                        i++;
                if (r >= 0 && (i == _MODEL_PROPERTY_MAX || seen[i]))
                        die("GetAll(org.memcrypt1.Model) on %s: %s is not a row of common/schema.h, or twice",
                            SNP_MODEL_PATH, name);
                if (r >= 0)
                        r = read_value(reply, &model_property_info[i], &values[i]);
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                if (r >= 0)
                        seen[i] = true;
                n++;
        }
        if (r < 0 || n != _MODEL_PROPERTY_MAX)
                die("GetAll(org.memcrypt1.Model) on %s: unexpected reply (%d properties, %d in common/schema.h)",
                    SNP_MODEL_PATH, n, _MODEL_PROPERTY_MAX);
        sd_bus_message_unref(reply);
        sd_bus_flush_close_unref(bus);
}

/* Fork the floor server; returns once it owns FLOOR_NAME. */
static void start_floor(const char *address) {
        static FloorValue v[_MODEL_PROPERTY_MAX];
        static sd_bus_vtable vtable[_MODEL_PROPERTY_MAX + 2];
        int pipefd[2];
        char c;

        read_floor_values(address, v);
        floor_vtable(vtable);
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                die("pipe: %s", strerror(errno));
        floor_pid = fork_child();
        if (floor_pid == 0) {
                sd_event *event = NULL;
                sd_bus *bus = NULL;
                sigset_t mask;
                int r;

                sigemptyset(&mask);
                sigaddset(&mask, SIGTERM);
                sigprocmask(SIG_BLOCK, &mask, NULL);
                r = sd_event_new(&event);
                if (r >= 0)
                        r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
                if (r >= 0)
                        r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(bus, true);
                if (r >= 0)
                        r = sd_bus_start(bus);
                if (r >= 0)
                        r = sd_bus_add_object_vtable(bus, NULL, SNP_MODEL_PATH, "org.memcrypt1.Model", vtable, v);
                if (r >= 0)
                        r = sd_bus_add_object_vtable(bus, NULL, MANAGER_PATH, "org.memcrypt1.Manager",
                                                     floor_manager_vtable, NULL);
                if (r >= 0)
                        r = sd_bus_request_name(bus, FLOOR_NAME, 0);
                if (r >= 0)
                        r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
                if (r < 0)
                        _exit(EXIT_FAILURE);
                if (write(pipefd[1], "R", 1) != 1)
                        _exit(EXIT_FAILURE);
                r = sd_event_loop(event);
                _exit(r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);  /* no cleanup: the copies die with us */
        }
        close(pipefd[1]);
        if (read(pipefd[0], &c, 1) != 1)
                die("the floor server did not start");
        close(pipefd[0]);
        /* The parent's copy of the values is no longer needed. */
        floor_values_free(v);
}

/* The whole of PATH as a string; dies when it cannot be read. */
static char *read_text(const char *path) {
        FILE *f = fopen(path, "re");
        char *text = NULL;
        size_t size = 0;

        if (!f)
                die("%s: %s (pass --domain=FILE)", path, strerror(errno));
        FILE *out = open_memstream(&text, &size);
        char buf[8192];
        size_t n;
        while (out && (n = fread(buf, 1, sizeof(buf), f)) > 0)
                fwrite(buf, 1, n, out);
        if (!out || ferror(f) || fclose(out) != 0)
                die("%s: read error", path);
        fclose(f);
        return text;
}

/* ---- main ------------------------------------------------------------------ */

/* Markdown table rows padded by characters, not bytes (µ, ×, ≤). */
static void print_row(unsigned n, const char *const cells[], const int widths[]) {
        for (unsigned i = 0; i < n; i++) {
                int chars = 0;
                for (const char *p = cells[i]; *p; p++)
                        chars += (*p & 0xc0) != 0x80;
                bool right = widths[i] < 0;
                int pad = abs(widths[i]) - chars;
                printf("| %*s%s%*s ", right ? (pad > 0 ? pad : 0) : 0, "", cells[i], right ? 0 : (pad > 0 ? pad : 0), "");
        }
        printf("|\n");
}

static void print_rule(unsigned n, const int widths[]) {
        for (unsigned i = 0; i < n; i++) {
                printf("|");
                for (int k = 0; k < abs(widths[i]) + 1; k++)
                        putchar('-');
                putchar(widths[i] < 0 ? ':' : '-');
        }
        printf("|\n");
}

/* Issue 17's memory goal: what the process itself costs, anonymous memory and PSS (shared library
 * pages divided among their users), not VmRSS, which counts every page of libvirt's 60-odd
 * libraries that other processes share. */
static void print_memory(const int widths[], const char *what, Memory m) {
        char value[48], detail[96], goal[64];
        bool ok = m.anon <= 3 * 1024 && m.pss <= 4 * 1024;

        snprintf(value, sizeof(value), "%.1f / %.1f MiB", m.anon / 1024.0, m.pss / 1024.0);
        snprintf(detail, sizeof(detail), "VmRSS %.1f, file %.1f, peak %.1f MiB", m.rss / 1024.0, m.file / 1024.0,
                 m.hwm / 1024.0);
        snprintf(goal, sizeof(goal), "anon <= 3, PSS <= 4 MiB %s", ok ? "ok" : "MISS");
        print_row(4, (const char *[]) { what, value, detail, goal }, widths);
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "daemon",      required_argument, NULL, 'd' },
                { "dbus-daemon", required_argument, NULL, 'b' },
                { "calls",       required_argument, NULL, 'n' },
                { "starts",      required_argument, NULL, 's' },
                { "domain",      required_argument, NULL, 'x' },
                { "help",        no_argument,       NULL, 'h' },
                {}
        };
        const char *daemon = MEMCRYPTD_PATH, *dbus_daemon = "dbus-daemon", *snapshot;
        const char *domain_path = "tests/fixtures/domains/nova-q35.xml";
        unsigned calls = 16000, starts = 11;
        char address[PATH_MAX + 32], notify_path[PATH_MAX], root_arg[PATH_MAX + 16];
        static const unsigned client_counts[] = { 1, 16 };
        Result results[2][_OP_MAX];
        int c, notify_fd;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'd': daemon = optarg; break;
                case 'b': dbus_daemon = optarg; break;
                case 'n': calls = (unsigned) strtoul(optarg, NULL, 10); break;
                case 's': starts = (unsigned) strtoul(optarg, NULL, 10); break;
                case 'x': domain_path = optarg; break;
                case 'h':
                        printf("bench-bus [--daemon=PATH] [--dbus-daemon=PATH] [--calls=N] [--starts=N] "
                               "[--domain=FILE] [SNAPSHOT_DIR]\n");
                        return EXIT_SUCCESS;
                default:
                        return 2;
                }
        snapshot = optind < argc ? argv[optind] : "tests/fixtures/hosts/milan-snp";
        if (calls < ROUNDS * MAX_CLIENTS || starts < 1)
                die("--calls must be at least %d and --starts at least 1", ROUNDS * MAX_CLIENTS);
        char *abs_root = realpath(snapshot, NULL);
        if (!abs_root)
                die("%s: %s", snapshot, strerror(errno));
        snprintf(root_arg, sizeof(root_arg), "--root=%s", abs_root);
        free(abs_root);
        if (access(daemon, X_OK) < 0)
                die("%s: %s (pass --daemon=PATH)", daemon, strerror(errno));
        domain_xml = read_text(domain_path);

        if (!mkdtemp(tmpdir))
                die("mkdtemp: %s", strerror(errno));
        for (size_t i = 0; i < sizeof(tmp_files) / sizeof(tmp_files[0]); i++)
                tmp_path(tmp_file_paths[i], sizeof(tmp_file_paths[i]), tmp_files[i]);
        have_tmpdir = true;
        atexit(cleanup);
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        signal(SIGPIPE, SIG_IGN);

        start_bus(dbus_daemon, address, sizeof(address));
        setenv("DBUS_SYSTEM_BUS_ADDRESS", address, 1);
        notify_fd = notify_socket(notify_path, sizeof(notify_path));

        /* Start-up: a warm-up start, then STARTS timed ones, each right after its reference. */
        double *startup = calloc(starts, sizeof(double)), *reference = calloc(starts, sizeof(double));
        exec_version(daemon);
        start_daemon(daemon, root_arg, notify_fd, notify_path);
        stop_child(&daemon_pid);
        for (unsigned i = 0; i < starts; i++) {
                reference[i] = exec_version(daemon);
                startup[i] = start_daemon(daemon, root_arg, notify_fd, notify_path);
                if (i + 1 < starts)
                        stop_child(&daemon_pid);
        }

        /* The last daemon started stays up for the rest. */
        usleep(SETTLE_US);
        Memory idle = read_memory(daemon_pid);
        check_replies(address);
        start_floor(address);

        for (size_t k = 0; k < 2; k++)
                run_load(address, client_counts[k], calls, results[k]);
        usleep(SETTLE_US);
        Memory loaded = read_memory(daemon_pid);
        if (waitpid(daemon_pid, NULL, WNOHANG) != 0)
                die("memcryptd exited during the run");
        stop_child(&floor_pid);

        printf("%u calls of each operation per client count (%d alternating rounds, order rotating, "
               "%d warm-up calls), %u start-ups\n\n", calls, ROUNDS, WARMUP_CALLS, starts);
        static const int w1[] = { 26, -7, -8, -8, -8, -9, -10, 22 };
        print_row(8, (const char *[]) { "operation", "clients", "p50 µs", "p99 µs", "calls/s", "p50 ×Ping",
                                        "cost ×Ping", "goal" }, w1);
        print_rule(8, w1);
        for (size_t k = 0; k < 2; k++) {
                const Result *ping = &results[k][OP_PING];
                for (Op op = 0; op < _OP_MAX; op++) {
                        const Result *r = &results[k][op];
                        double ratio = r->p50 / ping->p50;
                        char n[8], p50[16], p99[16], rate[16], x50[16], xrate[16], goal[48];

                        if (op == OP_PING)
                                snprintf(goal, sizeof(goal), "reference");
                        else if (op == OP_GETALL_FLOOR)
                                snprintf(goal, sizeof(goal), "built-in getters");
                        else if (op == OP_CONFIGURE_FLOOR)
                                snprintf(goal, sizeof(goal), "transport only");
                        else if (op_goal[op] > 0 && op_goal_one_client[op] && client_counts[k] != 1)
                                snprintf(goal, sizeof(goal), "(1 client)");
                        else if (op_goal[op] > 0)
                                snprintf(goal, sizeof(goal), "≤ %.1f× %s", op_goal[op],
                                         ratio <= op_goal[op] ? "ok" : "MISS");
                        else
                                snprintf(goal, sizeof(goal), "-");
                        snprintf(n, sizeof(n), "%u", client_counts[k]);
                        snprintf(p50, sizeof(p50), "%.1f", r->p50);
                        snprintf(p99, sizeof(p99), "%.1f", r->p99);
                        snprintf(rate, sizeof(rate), "%.0f", r->rate);
                        snprintf(x50, sizeof(x50), "%.2f×", ratio);
                        snprintf(xrate, sizeof(xrate), "%.2f×", ping->rate / r->rate);
                        print_row(8, (const char *[]) { op_label[op], n, p50, p99, rate, x50, xrate, goal }, w1);
                }
        }

        printf("\nConfigureDomain p50 over its echo floor (the same bytes each way, no work): %.2f× with 1 "
               "client, %.2f× with 16\n", results[0][OP_CONFIGURE].p50 / results[0][OP_CONFIGURE_FLOOR].p50,
               results[1][OP_CONFIGURE].p50 / results[1][OP_CONFIGURE_FLOOR].p50);

        double ref50 = percentile(reference, starts, 50), up50 = percentile(startup, starts, 50);
        double up_max = startup[starts - 1];
        static const int w2[] = { 35, -15, 43, 28 };
        char v1[32], v2[32], detail[64];

        printf("\n");
        print_row(4, (const char *[]) { "start-up and memory", "p50", "detail", "goal" }, w2);
        print_rule(4, w2);
        snprintf(v1, sizeof(v1), "%.1f ms", ref50 / 1000);
        print_row(4, (const char *[]) { "reference: exec memcryptd --version", v1, "-", "reference" }, w2);
        snprintf(v2, sizeof(v2), "%.1f ms", up50 / 1000);
        snprintf(detail, sizeof(detail), "max %.1f ms, %.2f× reference", up_max / 1000, up50 / ref50);
        print_row(4, (const char *[]) { "start-up to READY=1 (name acquired)", v2, detail,
                                        up50 < 100000 ? "< 100 ms ok" : "< 100 ms MISS" }, w2);
        print_memory(w2, "anon / PSS idle after start-up", idle);
        print_memory(w2, "anon / PSS idle after the load", loaded);
        free(startup);
        free(reference);
        free(domain_xml);
        close(notify_fd);
        return EXIT_SUCCESS;
}
