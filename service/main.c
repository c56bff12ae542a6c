/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "build-config.h"
#include "config.h"
#include "probe.h"
#include "report.h"
#include "snapshot.h"
#include "verdict.h"

#define EXIT_USAGE 2

typedef struct {
        char *root;
        char *snapshot_dir;
        char *config_path;
        char *libvirt_uri;
        char *node_name;
        bool dump;
        bool no_libvirt;
} Arguments;

static void arguments_clear(Arguments *a) {
        g_free(a->root);
        g_free(a->snapshot_dir);
        g_free(a->config_path);
        g_free(a->libvirt_uri);
        g_free(a->node_name);
}

static void help(void) {
        printf("memcryptd [OPTIONS...]\n\n"
               "The host authority for AMD memory-encrypted VMs (SEV, SEV-ES, SEV-SNP).\n\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --root=DIR          Read every host fact under DIR (a host snapshot) instead of /\n"
               "     --dump              Print the JSON report and exit, without touching any bus\n"
               "     --snapshot=DIR      Write the host's facts to DIR in the snapshot layout and exit\n"
               "     --config=FILE       Configuration file (default %s)\n"
               "     --libvirt-uri=URI   libvirt connection URI (default %s)\n"
               "     --node-name=NAME    Node name for resource providers (default: the host name)\n"
               "     --no-libvirt        Do not connect to libvirt\n",
               MEMCRYPT_CONFIG_FILE, DEFAULT_LIBVIRT_URI);
}

static int parse_argv(int argc, char *argv[], Arguments *a) {
        enum { ARG_VERSION = 0x100, ARG_ROOT, ARG_DUMP, ARG_SNAPSHOT, ARG_CONFIG, ARG_LIBVIRT_URI,
               ARG_NODE_NAME, ARG_NO_LIBVIRT };
        static const struct option options[] = {
                { "help",        no_argument,       NULL, 'h' },
                { "version",     no_argument,       NULL, ARG_VERSION },
                { "root",        required_argument, NULL, ARG_ROOT },
                { "dump",        no_argument,       NULL, ARG_DUMP },
                { "snapshot",    required_argument, NULL, ARG_SNAPSHOT },
                { "config",      required_argument, NULL, ARG_CONFIG },
                { "libvirt-uri", required_argument, NULL, ARG_LIBVIRT_URI },
                { "node-name",   required_argument, NULL, ARG_NODE_NAME },
                { "no-libvirt",  no_argument,       NULL, ARG_NO_LIBVIRT },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("memcryptd %s\n", MEMCRYPT_VERSION);
                        return 0;
                case ARG_ROOT:         g_free(a->root); a->root = g_strdup(optarg); break;
                case ARG_DUMP:         a->dump = true; break;
                case ARG_SNAPSHOT:     g_free(a->snapshot_dir); a->snapshot_dir = g_strdup(optarg); break;
                case ARG_CONFIG:       g_free(a->config_path); a->config_path = g_strdup(optarg); break;
                case ARG_LIBVIRT_URI:  g_free(a->libvirt_uri); a->libvirt_uri = g_strdup(optarg); break;
                case ARG_NODE_NAME:    g_free(a->node_name); a->node_name = g_strdup(optarg); break;
                case ARG_NO_LIBVIRT:   a->no_libvirt = true; break;
                default:
                        fprintf(stderr, "Try 'memcryptd --help' for more information.\n");
                        return -EXIT_USAGE;
                }
        if (optind < argc) {
                fprintf(stderr, "memcryptd: unexpected argument '%s'\nTry 'memcryptd --help' for more information.\n",
                        argv[optind]);
                return -EXIT_USAGE;
        }
        return 1;
}

static int check_arguments(const Arguments *a) {
        struct stat st;

        if (a->root && (stat(a->root, &st) < 0 || !S_ISDIR(st.st_mode))) {
                fprintf(stderr, "memcryptd: --root=%s: not a directory\n", a->root);
                return -EXIT_USAGE;
        }
        if (a->node_name && (!*a->node_name || strlen(a->node_name) > 253 || !g_utf8_validate(a->node_name, -1, NULL))) {
                fprintf(stderr, "memcryptd: --node-name: expected 1 to 253 characters of UTF-8\n");
                return -EXIT_USAGE;
        }
        if (!a->dump && !a->snapshot_dir) {
                fprintf(stderr, "memcryptd: the org.memcrypt1 bus service is not part of this build yet; "
                                "use --dump or --snapshot=DIR\n");
                return -EXIT_USAGE;
        }
        return 0;
}

static int load_config(const Arguments *a, MemcryptConfig *cfg) {
        g_autofree char *error = NULL;

        memcrypt_config_init(cfg);
        if (!memcrypt_config_load(cfg, a->config_path ?: MEMCRYPT_CONFIG_FILE, a->config_path != NULL, &error)) {
                fprintf(stderr, "memcryptd: %s\n", error);
                return -EXIT_USAGE;
        }
        if (a->libvirt_uri) {
                g_free(cfg->libvirt_uri);
                cfg->libvirt_uri = g_strdup(a->libvirt_uri);
        }
        if (a->node_name) {
                g_free(cfg->node_name);
                cfg->node_name = g_strdup(a->node_name);
        }
        return 0;
}

static int run(const Arguments *a, const MemcryptConfig *cfg) {
        ProbeOptions opts = { .root = a->root, .libvirt_uri = cfg->libvirt_uri, .skip_libvirt = a->no_libvirt };
        HostFacts f;
        int r = EXIT_SUCCESS;

        host_facts_init(&f);
        probe_host(&opts, &f);
        if (a->snapshot_dir) {
                g_autofree char *error = NULL;
                if (snapshot_write(&f, a->snapshot_dir, &error) < 0) {
                        fprintf(stderr, "memcryptd: %s\n", error);
                        r = EXIT_FAILURE;
                }
        }
        if (r == EXIT_SUCCESS && a->dump) {
                g_autoptr(HostVerdict) v = host_verdict_new(&f, cfg);
                g_autofree char *json = report_to_json(&f, v, true);
                puts(json);
        }
        host_facts_clear(&f);
        return r;
}

int main(int argc, char *argv[]) {
        Arguments a = {};
        MemcryptConfig cfg = {};
        int r;

        r = parse_argv(argc, argv, &a);
        if (r > 0)
                r = check_arguments(&a);
        if (r == 0 && (a.dump || a.snapshot_dir))
                r = load_config(&a, &cfg);
        if (r == 0 && (a.dump || a.snapshot_dir))
                r = run(&a, &cfg);
        memcrypt_config_clear(&cfg);
        arguments_clear(&a);
        return r < 0 ? -r : r;
}
