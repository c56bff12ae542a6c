/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "build-config.h"
#include "clear-strings.h"
#include "context.h"
#include "daemon.h"
#include "introspect.h"
#include "log.h"
#include "metrics.h"
#include "node-labels.h"
#include "snapshot.h"

#define EXIT_USAGE 2
#define DEFAULT_IDLE_SEC 30u

typedef enum {
        DUMP_NONE = 0,
        DUMP_JSON,
        DUMP_PROMETHEUS,
        DUMP_NFD,
} DumpFormat;

typedef struct {
        char *root;
        char *snapshot_dir;
        char *config_path;
        char *libvirt_uri;
        char *node_name;
        char *introspect_dir;
        unsigned exit_on_idle_sec;
        DumpFormat dump;
        bool no_libvirt;
        bool strict;
} Arguments;

static void arguments_clear(Arguments *a) {
        clear_strings(&a->root, &a->snapshot_dir, &a->config_path, &a->libvirt_uri, &a->node_name,
                      &a->introspect_dir, NULL);
}

static void help(void) {
        printf("memcryptd [OPTIONS...]\n\n"
               "The host authority for AMD memory-encrypted VMs (SEV, SEV-ES, SEV-SNP).\n"
               "Serves org.memcrypt1 on the system bus unless --dump, --snapshot or\n"
               "--bus-introspect is given.\n\n"
               "  -h --help                Show this help\n"
               "     --version             Show the version\n"
               "     --root=DIR            Read every host fact under DIR (a host snapshot) instead of /\n"
               "     --dump[=FORMAT]       Print the verdicts and exit, without touching any bus:\n"
               "                           json (the report; the default), prometheus (text\n"
               "                           exposition) or nfd (node-feature-discovery labels)\n"
               "     --snapshot=DIR        Write the host's facts to DIR in the snapshot layout and exit\n"
               "     --config=FILE         Configuration file (default %s)\n"
               "     --libvirt-uri=URI     libvirt connection URI (default %s)\n"
               "     --node-name=NAME      Node name for resource providers (default: the host name)\n"
               "     --no-libvirt          Do not connect to libvirt\n"
               "     --strict              Refuse to start while SEV-SNP is enabled and SEV-ES guests run\n"
               "     --exit-on-idle[=SEC]  Exit after SEC seconds without bus traffic (default %u);\n"
               "                           for bus activation\n"
               "     --bus-introspect=DIR  Write the bus interfaces' introspection XML to DIR and exit\n",
               MEMCRYPT_CONFIG_FILE, DEFAULT_LIBVIRT_URI, DEFAULT_IDLE_SEC);
}

static int parse_idle(const char *s, unsigned *ret) {
        char *end;
        unsigned long v;

        if (!s) {
                *ret = DEFAULT_IDLE_SEC;
                return 0;
        }
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v == 0 || v > 86400 || s[0] == '-') {
                fprintf(stderr, "memcryptd: --exit-on-idle=%s: expected seconds from 1 to 86400\n", s);
                return -EXIT_USAGE;
        }
        *ret = (unsigned) v;
        return 0;
}

static int parse_dump(const char *s, DumpFormat *ret) {
        if (!s || g_str_equal(s, "json"))
                *ret = DUMP_JSON;
        else if (g_str_equal(s, "prometheus"))
                *ret = DUMP_PROMETHEUS;
        else if (g_str_equal(s, "nfd"))
                *ret = DUMP_NFD;
        else {
                g_autofree char *shown = g_strescape(s, NULL);
                fprintf(stderr, "memcryptd: --dump=%.64s: expected json, prometheus or nfd\n", shown);
                return -EXIT_USAGE;
        }
        return 0;
}

static void set_string(char **p, const char *v) {
        g_free(*p);
        *p = g_strdup(v);
}

static int parse_argv(int argc, char *argv[], Arguments *a) {
        enum { ARG_VERSION = 0x100, ARG_ROOT, ARG_DUMP, ARG_SNAPSHOT, ARG_CONFIG, ARG_LIBVIRT_URI,
               ARG_NODE_NAME, ARG_NO_LIBVIRT, ARG_STRICT, ARG_EXIT_ON_IDLE, ARG_BUS_INTROSPECT };
        static const struct option options[] = {
                { "help",           no_argument,       NULL, 'h' },
                { "version",        no_argument,       NULL, ARG_VERSION },
                { "root",           required_argument, NULL, ARG_ROOT },
                { "dump",           optional_argument, NULL, ARG_DUMP },
                { "snapshot",       required_argument, NULL, ARG_SNAPSHOT },
                { "config",         required_argument, NULL, ARG_CONFIG },
                { "libvirt-uri",    required_argument, NULL, ARG_LIBVIRT_URI },
                { "node-name",      required_argument, NULL, ARG_NODE_NAME },
                { "no-libvirt",     no_argument,       NULL, ARG_NO_LIBVIRT },
                { "strict",         no_argument,       NULL, ARG_STRICT },
                { "exit-on-idle",   optional_argument, NULL, ARG_EXIT_ON_IDLE },
                { "bus-introspect", required_argument, NULL, ARG_BUS_INTROSPECT },
                {}
        };
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                r = 0;
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("memcryptd %s\n", MEMCRYPT_VERSION);
                        return 0;
                case ARG_ROOT:           set_string(&a->root, optarg); break;
                case ARG_DUMP:           r = parse_dump(optarg, &a->dump); break;
                case ARG_SNAPSHOT:       set_string(&a->snapshot_dir, optarg); break;
                case ARG_CONFIG:         set_string(&a->config_path, optarg); break;
                case ARG_LIBVIRT_URI:    set_string(&a->libvirt_uri, optarg); break;
                case ARG_NODE_NAME:      set_string(&a->node_name, optarg); break;
                case ARG_NO_LIBVIRT:     a->no_libvirt = true; break;
                case ARG_STRICT:         a->strict = true; break;
                case ARG_BUS_INTROSPECT: set_string(&a->introspect_dir, optarg); break;
                case ARG_EXIT_ON_IDLE:   r = parse_idle(optarg, &a->exit_on_idle_sec); break;
                default:
                        fprintf(stderr, "Try 'memcryptd --help' for more information.\n");
                        return -EXIT_USAGE;
                }
                /* The options with a value to parse (--dump, --exit-on-idle) are refused in one place;
                 * their parsers have said why. */
                if (r < 0)
                        return r;
        }
        if (optind < argc) {
                fprintf(stderr, "memcryptd: unexpected argument '%s'\nTry 'memcryptd --help' for more information.\n",
                        argv[optind]);
                return -EXIT_USAGE;
        }
        return 1;
}

static int check_directory(const char *option, const char *dir) {
        struct stat st;

        if (dir && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))) {
                fprintf(stderr, "memcryptd: %s=%s: not a directory\n", option, dir);
                return -EXIT_USAGE;
        }
        return 0;
}

static int check_arguments(const Arguments *a) {
        if (check_directory("--root", a->root) < 0 || check_directory("--bus-introspect", a->introspect_dir) < 0)
                return -EXIT_USAGE;
        if (a->node_name && (!*a->node_name || strlen(a->node_name) > 253 || !g_utf8_validate(a->node_name, -1, NULL))) {
                fprintf(stderr, "memcryptd: --node-name: expected 1 to 253 characters of UTF-8\n");
                return -EXIT_USAGE;
        }
        if (a->exit_on_idle_sec && (a->dump || a->snapshot_dir)) {
                fprintf(stderr, "memcryptd: --exit-on-idle only applies to the bus service, not to --dump or --snapshot\n");
                return -EXIT_USAGE;
        }
        return 0;
}

static int write_snapshot(const Context *c, const char *dir) {
        g_autofree char *error = NULL;

        if (snapshot_write(&c->state->facts, dir, &error) < 0) {
                log_error("%s", error);
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}

static bool serves_bus(const Arguments *a) {
        return !a->dump && !a->snapshot_dir;
}

/* The daemon's loop: it must exist before the libvirt keeper, which context_new()
 * starts and which reports to it. */
static sd_event *daemon_event(void) {
        sd_event *e = NULL;
        int r;

        r = sd_event_default(&e);
        if (r < 0) {
                log_error("cannot set up the event loop: %s", g_strerror(-r));
                return sd_event_unref(e);
        }
        return e;
}

/* The SNP start-up rule of docs/design.md, for agents that want a refusal instead of Health=conflict. */
static int check_strict(const Context *c) {
        if (c->state->verdict->health != HEALTH_CONFLICT)
                return EXIT_SUCCESS;
        log_error("refusing to start (--strict): %s", c->state->verdict->health_message);
        return EXIT_FAILURE;
}

static void dump(const Context *c, DumpFormat format) {
        g_autofree char *text = NULL;

        switch (format) {
        case DUMP_JSON:
                text = context_describe(c, true);
                puts(text);
                return;
        case DUMP_PROMETHEUS:
                text = metrics_format(&c->state->facts, c->state->verdict, c->last_refresh_usec);
                break;
        case DUMP_NFD:
                text = node_labels_format(&c->state->facts, c->state->verdict);
                break;
        case DUMP_NONE:
                return;
        }
        fputs(text, stdout);
}

static int run_context(const Arguments *a, Context *c) {
        int r = a->strict ? check_strict(c) : EXIT_SUCCESS;

        if (r == EXIT_SUCCESS && a->snapshot_dir)
                r = write_snapshot(c, a->snapshot_dir);
        if (r == EXIT_SUCCESS && a->dump)
                dump(c, a->dump);
        if (r == EXIT_SUCCESS && serves_bus(a)) {
                DaemonOptions d = { .exit_on_idle_usec = (uint64_t) a->exit_on_idle_sec * 1000000 };
                r = daemon_run(c, &d);
        }
        return r;
}

static int run(const Arguments *a) {
        ContextOptions o = {
                .root = a->root,
                .config_path = a->config_path,
                .libvirt_uri = a->libvirt_uri,
                .node_name = a->node_name,
                .no_libvirt = a->no_libvirt,
                .libvirt_keepalive = a->exit_on_idle_sec == 0,
        };
        g_autofree char *error = NULL;
        Context *c;
        int r;

        if (serves_bus(a)) {
                o.event = daemon_event();
                if (!o.event)
                        return EXIT_FAILURE;
        }
        c = context_new(&o, &error);
        if (!c) {
                log_error("%s", error);
                sd_event_unref(o.event);
                return EXIT_USAGE;
        }
        r = run_context(a, c);
        context_free(c);
        sd_event_unref(o.event);
        return r;
}

int main(int argc, char *argv[]) {
        Arguments a = {};
        int r;

        umask(0022);
        log_setup();
        r = parse_argv(argc, argv, &a);
        if (r > 0) {
                r = check_arguments(&a);
                if (r == 0)
                        r = a.introspect_dir ? bus_introspect_write(a.introspect_dir) : run(&a);
        }
        arguments_clear(&a);
        return r < 0 ? -r : r;
}
