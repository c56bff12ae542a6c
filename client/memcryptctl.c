/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memcryptctl: ask memcryptd (org.memcrypt1) what this host can run, through
 * libmemcrypt. Exit status: 0 success, 1 the service answered an error or
 * cannot be reached, 2 usage error, 3 doctor found a failing check.
 */

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "build-config.h"
#include "ctl-output.h"

enum {
        EXIT_OK = 0,
        EXIT_SERVICE = 1,
        EXIT_USAGE = 2,
        EXIT_CHECK_FAILED = 3,
};

static JsonMode arg_json = JSON_OFF;
static bool arg_legend = true;
static bool arg_ask_password = true;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MemcryptClient, memcrypt_client_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MemcryptHost, memcrypt_host_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MemcryptModel, memcrypt_model_free)

/* The service's own words when it answered; the errno's when it did not. */
static int service_error(MemcryptClient *c, int r) {
        const char *name = memcrypt_client_error_name(c), *message = memcrypt_client_error_message(c);

        if (name)
                fprintf(stderr, "memcryptctl: %s (%s)\n", message && *message ? message : g_strerror(-r), name);
        else
                fprintf(stderr, "memcryptctl: %s\n", g_strerror(-r));
        return EXIT_SERVICE;
}

/* ---- status ---- */

static void status_add_host(KeyValues *kv, const MemcryptHost *h) {
        g_autofree char *usable = g_strjoinv(", ", h->usable_models);
        g_autofree char *refreshed = format_timestamp(h->last_refresh);
        g_autoptr(GString) domains = g_string_new(NULL);

        for (size_t i = 0; i < h->n_encrypted_domains; i++)
                g_string_append_printf(domains, "%s%s (%s, %s)", i > 0 ? "\n" : "",
                                       h->encrypted_domains[i].name, h->encrypted_domains[i].model,
                                       h->encrypted_domains[i].uuid);

        kv_add(kv, "Version", NULL, "%s", h->version);
        kv_add(kv, "Node name", NULL, "%s", h->node_name);
        kv_add(kv, "Health", color_of_state(h->health), "%s", h->health);
        if (*h->health_message)
                kv_add(kv, "Health message", NULL, "%s", h->health_message);
        kv_add(kv, "Usable models", NULL, "%s", *usable ? usable : "none");
        kv_add(kv, "CPU vendor", NULL, "%s", h->cpu_vendor);
        kv_add(kv, "CPU generation", NULL, "%s", *h->cpu_generation ? h->cpu_generation : "unknown");
        kv_add(kv, "C-bit position", NULL, "%" G_GUINT32_FORMAT, h->cbit_position);
        kv_add(kv, "Reduced phys bits", NULL, "%" G_GUINT32_FORMAT, h->reduced_phys_bits);
        kv_add(kv, "ASID count", NULL, "%" G_GUINT32_FORMAT, h->asid_count);
        kv_add(kv, "Min SEV ASID", NULL, "%" G_GUINT32_FORMAT, h->min_sev_asid);
        kv_add(kv, "Kernel", NULL, "%s", *h->kernel_version ? h->kernel_version : "unknown");
        kv_add(kv, "libvirt", NULL, "%s (%s)", *h->libvirt_version ? h->libvirt_version : "unknown",
               h->libvirt_connected ? "connected" : "not connected");
        kv_add(kv, "QEMU", NULL, "%s", *h->qemu_version ? h->qemu_version : "unknown");
        kv_add(kv, "SEV firmware", NULL, "%s", *h->sev_firmware_version ? h->sev_firmware_version : "unknown");
        kv_add(kv, "Running domains", NULL, "%" G_GUINT32_FORMAT, h->running_domains);
        kv_add(kv, "Encrypted domains", NULL, "%s", domains->len > 0 ? domains->str : "none");
        kv_add(kv, "Last refresh", NULL, "%s", refreshed);
}

static const MemcryptReason *first_error(const MemcryptModel *m) {
        for (size_t i = 0; i < m->n_reasons; i++)
                if (strcmp(m->reasons[i].severity, "error") == 0)
                        return &m->reasons[i];
        return NULL;
}

static void status_add_model(KeyValues *kv, const MemcryptModel *m) {
        const MemcryptReason *why = first_error(m);

        if (why)
                kv_add(kv, m->name, color_red(), "no, %" G_GUINT32_FORMAT "/%" G_GUINT32_FORMAT
                       " slots free; %s: %s", m->slots_free, m->slots_total, why->code, why->message);
        else
                kv_add(kv, m->name, m->usable ? color_green() : color_red(), "%s, %" G_GUINT32_FORMAT "/%"
                       G_GUINT32_FORMAT " slots free", m->usable ? "yes" : "no", m->slots_free, m->slots_total);
}

/* The Describe report: as the service wrote it with MODE JSON_OFF, else re-indented per MODE. */
static int print_report(MemcryptClient *c, JsonMode mode) {
        g_autofree char *json = NULL;
        g_autoptr(JsonNode) node = NULL;
        g_autoptr(GError) error = NULL;
        int r;

        r = memcrypt_describe(c, &json);
        if (r < 0)
                return service_error(c, r);

        if (mode == JSON_OFF) {
                fputs(json, stdout);
                if (*json && json[strlen(json) - 1] != '\n')
                        putchar('\n');
                return EXIT_OK;
        }

        node = json_from_string(json, &error);
        if (!node) {
                fprintf(stderr, "memcryptctl: the service's report is not JSON: %s\n", error->message);
                return EXIT_SERVICE;
        }
        json_print(node, mode);
        return EXIT_OK;
}

static int verb_status(MemcryptClient *c, int argc, char **argv) {
        g_autoptr(MemcryptHost) h = NULL;
        g_autoptr(KeyValues) kv = kv_new();
        int r;

        /* DESIGN.md: status --json is the Describe report, the one JSON view of everything. */
        if (arg_json != JSON_OFF)
                return print_report(c, arg_json);

        r = memcrypt_get_host(c, &h);
        if (r < 0)
                return service_error(c, r);
        status_add_host(kv, h);

        for (size_t i = 0; i < G_N_ELEMENTS(memcrypt_model_names); i++) {
                g_autoptr(MemcryptModel) m = NULL;

                r = memcrypt_get_model(c, memcrypt_model_names[i], &m);
                if (r < 0)
                        return service_error(c, r);
                status_add_model(kv, m);
        }

        kv_print(kv);
        return EXIT_OK;
}

static int verb_describe(MemcryptClient *c, int argc, char **argv) {
        /* Scripts get the service's bytes unless they asked for a layout. */
        return print_report(c, arg_json);
}

/* ---- models, model ---- */

static int verb_models(MemcryptClient *c, int argc, char **argv) {
        static const char *const headers[] = { "MODEL", "USABLE", "SLOTS-FREE", "SLOTS-TOTAL", "ASIDS", "TRAIT", NULL };
        g_autoptr(Table) t = table_new(headers, 1u << 2 | 1u << 3);
        g_autoptr(JsonNode) array = json_node_init_array(json_node_alloc(), json_array_new());
        int r;

        for (size_t i = 0; i < G_N_ELEMENTS(memcrypt_model_names); i++) {
                g_autoptr(MemcryptModel) m = NULL;
                g_autofree char *free_ = NULL, *total = NULL, *asids = NULL;

                r = memcrypt_get_model(c, memcrypt_model_names[i], &m);
                if (r < 0)
                        return service_error(c, r);

                json_array_add_element(json_node_get_array(array), json_from_model(m));
                free_ = g_strdup_printf("%" G_GUINT32_FORMAT, m->slots_free);
                total = g_strdup_printf("%" G_GUINT32_FORMAT, m->slots_total);
                asids = format_asids(m->asid_first, m->asid_last);
                const char *usable = m->usable ? "yes" : "no";
                const char *cells[] = { m->name, usable, free_, total, asids, m->trait };
                const char *colors[] = { NULL, color_of_state(usable), NULL, NULL, NULL, NULL };
                table_add_row(t, cells, colors, NULL);
        }

        if (arg_json != JSON_OFF)
                json_print(array, arg_json);
        else
                table_print(t, arg_legend, "3 models listed.");
        return EXIT_OK;
}

static void model_add_reasons(KeyValues *kv, const MemcryptModel *m) {
        g_autoptr(GString) s = g_string_new(NULL);

        for (size_t i = 0; i < m->n_reasons; i++) {
                const MemcryptReason *why = &m->reasons[i];

                g_string_append_printf(s, "%s%s %s: %s", i > 0 ? "\n" : "", why->severity, why->code, why->message);
                if (*why->hint)
                        g_string_append_printf(s, "\n  hint: %s", why->hint);
        }
        kv_add(kv, "Reasons", NULL, "%s", s->len > 0 ? s->str : "none");
}

static int verb_model(MemcryptClient *c, int argc, char **argv) {
        g_autoptr(MemcryptModel) m = NULL;
        g_autoptr(KeyValues) kv = kv_new();
        g_autofree char *asids = NULL, *policy = NULL, *firmware = NULL;
        int r;

        r = memcrypt_get_model(c, argv[1], &m);
        if (r < 0)
                return service_error(c, r);

        if (arg_json != JSON_OFF) {
                g_autoptr(JsonNode) node = json_from_model(m);

                json_print(node, arg_json);
                return EXIT_OK;
        }

        asids = format_asids(m->asid_first, m->asid_last);
        policy = format_policy(m->name, m->default_policy);
        firmware = g_strjoinv("\n", m->firmware);
        kv_add(kv, "Name", NULL, "%s", m->name);
        kv_add(kv, "Usable", m->usable ? color_green() : color_red(), "%s", m->usable ? "yes" : "no");
        kv_add(kv, "Trait", NULL, "%s", m->trait);
        kv_add(kv, "Resource provider", NULL, "%s", m->resource_provider);
        kv_add(kv, "ASIDs", NULL, "%s", asids);
        kv_add(kv, "Slots total", NULL, "%" G_GUINT32_FORMAT, m->slots_total);
        kv_add(kv, "Slots used", NULL, "%" G_GUINT32_FORMAT, m->slots_used);
        kv_add(kv, "Slots free", NULL, "%" G_GUINT32_FORMAT, m->slots_free);
        kv_add(kv, "Default policy", NULL, "%s", policy);
        kv_add(kv, "Firmware", NULL, "%s", *firmware ? firmware : "none");
        model_add_reasons(kv, m);
        kv_print(kv);
        return EXIT_OK;
}

/* ---- doctor ---- */

static int verb_doctor(MemcryptClient *c, int argc, char **argv) {
        static const char *const headers[] = { "STATUS", "ID", "MODEL", "MESSAGE", NULL };
        static const char *const states[] = { "pass", "warn", "fail", "skip", "unknown" };
        g_autoptr(Table) t = table_new(headers, 0);
        g_autofree char *footer = NULL;
        MemcryptCheck *checks = NULL;
        size_t n = 0, counts[G_N_ELEMENTS(states)] = {};
        int r;

        r = memcrypt_doctor(c, &checks, &n);
        if (r < 0)
                return service_error(c, r);

        for (size_t i = 0; i < n; i++) {
                const MemcryptCheck *k = &checks[i];
                bool explain = strcmp(k->status, "pass") != 0 && strcmp(k->status, "skip") != 0;
                const char *cells[] = { k->status, k->id, *k->model ? k->model : "-", k->message };
                const char *colors[] = { color_of_state(k->status), NULL, NULL, NULL };

                for (size_t s = 0; s < G_N_ELEMENTS(states); s++)
                        if (strcmp(k->status, states[s]) == 0)
                                counts[s]++;
                /* A check that is not fine says, right under it, what to do about it. */
                table_add_row(t, cells, colors, explain ? k->hint : NULL);
        }

        if (arg_json != JSON_OFF) {
                g_autoptr(JsonNode) node = json_from_checks(checks, n);

                json_print(node, arg_json);
        } else {
                footer = g_strdup_printf("%zu checks: %zu pass, %zu warn, %zu fail, %zu skip, %zu unknown.",
                                         n, counts[0], counts[1], counts[2], counts[3], counts[4]);
                table_print(t, arg_legend, footer);
        }
        memcrypt_checks_free(checks, n);
        return counts[2] > 0 ? EXIT_CHECK_FAILED : EXIT_OK;
}

/* ---- refresh, monitor ---- */

static int verb_refresh(MemcryptClient *c, int argc, char **argv) {
        int r;

        r = memcrypt_refresh(c);
        if (r < 0)
                return service_error(c, r);
        return EXIT_OK;
}

static int on_signal(const MemcryptSignal *s, void *userdata) {
        if (arg_json != JSON_OFF) {
                g_autoptr(JsonNode) node = json_from_signal(s);

                /* One object per line whatever --json says, so the stream splits on newlines. */
                json_print(node, JSON_SHORT);
        } else {
                g_autofree char *names = g_strjoinv(" ", (char **) s->names);

                printf("%s %s %s %s\n", s->path, s->interface, s->member, names);
        }
        /* A pipe would buffer the lines: whoever reads them wants each as it comes. */
        fflush(stdout);
        return 0;
}

static int verb_monitor(MemcryptClient *c, int argc, char **argv) {
        int r;

        r = memcrypt_monitor_start(c, on_signal, NULL);
        if (r < 0)
                return service_error(c, r);

        fprintf(stderr, "Monitoring %s (Ctrl-C to stop)\n", MEMCRYPT_BUS_NAME);
        fflush(stderr);

        r = memcrypt_monitor_run(c, UINT64_MAX);
        if (r < 0)
                return service_error(c, r);
        return EXIT_OK;
}

/* ---- command line ---- */

typedef struct {
        const char *name;
        int min_args, max_args;         /* including the verb itself */
        int (*run)(MemcryptClient *c, int argc, char **argv);
} Verb;

static const Verb verbs[] = {
        { "status",   1, 1, verb_status },      /* the first one is the default */
        { "models",   1, 1, verb_models },
        { "model",    2, 2, verb_model },
        { "doctor",   1, 1, verb_doctor },
        { "describe", 1, 1, verb_describe },
        { "refresh",  1, 1, verb_refresh },
        { "monitor",  1, 1, verb_monitor },
};

static void help(void) {
        printf("memcryptctl [OPTIONS...] COMMAND ...\n"
               "\n"
               "Query memcryptd, the host authority for AMD SEV, SEV-ES and SEV-SNP VMs.\n"
               "\n"
               "Commands:\n"
               "  status                 Show the host and a line per model (default)\n"
               "  models                 List the models: usable, slots, ASIDs, trait\n"
               "  model NAME             Show every property of one model (amd-sev, amd-sev-es,\n"
               "                         amd-sev-snp) with the reasons and their hints\n"
               "  doctor                 Show every check; exit 3 if one fails\n"
               "  describe               Print the JSON report of the service\n"
               "  refresh                Probe the host again now\n"
               "  monitor                Print the service's signals as they arrive\n"
               "\n"
               "Options:\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --json[=MODE]       JSON output: pretty (the default), short, off\n"
               "     --no-legend         Do not print table headers and footers\n"
               "     --no-ask-password   Do not ask for a password when polkit wants one\n"
               "\n"
               "Exit status: 0 success, 1 the service answered an error or cannot be reached,\n"
               "2 usage error, 3 doctor found a failing check.\n");
}

static int usage_error(const char *format, ...) G_GNUC_PRINTF(1, 2);
static int usage_error(const char *format, ...) {
        va_list ap;

        fputs("memcryptctl: ", stderr);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputs("\nTry 'memcryptctl --help' for more information.\n", stderr);
        return -EXIT_USAGE;
}

/* 1: go on with the verb; 0: done (help, version); -EXIT_USAGE: bad command line. */
static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_JSON,
                ARG_NO_LEGEND,
                ARG_NO_ASK_PASSWORD,
        };
        static const struct option options[] = {
                { "help",            no_argument,       NULL, 'h'                 },
                { "version",         no_argument,       NULL, ARG_VERSION         },
                { "json",            optional_argument, NULL, ARG_JSON            },
                { "no-legend",       no_argument,       NULL, ARG_NO_LEGEND       },
                { "no-ask-password", no_argument,       NULL, ARG_NO_ASK_PASSWORD },
                {}
        };
        int c;

        /* Polkit may ask only someone who can answer. */
        arg_ask_password = isatty(STDIN_FILENO);

        /* getopt permutes: options may follow the verb ("memcryptctl doctor --json"). */
        opterr = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("memcryptctl %s\n", MEMCRYPT_VERSION);
                        return 0;
                case ARG_JSON:
                        if (!optarg || strcmp(optarg, "pretty") == 0)
                                arg_json = JSON_PRETTY;
                        else if (strcmp(optarg, "short") == 0)
                                arg_json = JSON_SHORT;
                        else if (strcmp(optarg, "off") == 0)
                                arg_json = JSON_OFF;
                        else
                                return usage_error("unknown --json mode '%s' (pretty, short, off)", optarg);
                        break;
                case ARG_NO_LEGEND:
                        arg_legend = false;
                        break;
                case ARG_NO_ASK_PASSWORD:
                        arg_ask_password = false;
                        break;
                case '?':
                        return usage_error("unrecognized option '%s'", argv[optind - 1]);
                default:
                        g_assert_not_reached();
                }

        return 1;
}

static int find_verb(int argc, char **argv, const Verb **ret) {
        const char *name = argc > 0 ? argv[0] : verbs[0].name;

        for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++) {
                int n = MAX(argc, 1);

                if (strcmp(verbs[i].name, name) != 0)
                        continue;
                if (n < verbs[i].min_args)
                        return usage_error("'%s' needs an argument", name);
                if (n > verbs[i].max_args)
                        return usage_error("too many arguments for '%s'", name);
                *ret = &verbs[i];
                return 0;
        }
        return usage_error("unknown command '%s'", name);
}

int main(int argc, char *argv[]) {
        g_autoptr(MemcryptClient) c = NULL;
        char *default_argv[] = { (char *) verbs[0].name, NULL };
        const Verb *verb = NULL;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return -r;

        argc -= optind;
        argv += optind;
        if (argc == 0) {
                argc = 1;
                argv = default_argv;
        }

        r = find_verb(argc, argv, &verb);
        if (r < 0)
                return -r;

        r = memcrypt_client_open(&c);
        if (r < 0) {
                fprintf(stderr, "memcryptctl: cannot connect to the system bus: %s\n", g_strerror(-r));
                return EXIT_SERVICE;
        }
        memcrypt_client_set_interactive(c, arg_ask_password);

        return verb->run(c, argc, argv);
}
