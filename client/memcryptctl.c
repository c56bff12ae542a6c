/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memcryptctl: ask memcryptd (org.memcrypt1) what this host can run, through
 * libmemcrypt. Exit status: 0 success, 1 the service answered an error or
 * cannot be reached (or a domain XML file cannot be read), 2 usage error,
 * 3 doctor found a failing check, 4 validate found an error in the domain.
 */

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "build-config.h"
#include "ctl-args.h"
#include "ctl-attest.h"
#include "ctl-expected.h"
#include "ctl-measure.h"
#include "ctl-offline.h"
#include "ctl-verify.h"
#include "ctl-output.h"
#include "ctl-parse.h"
#include "model-table.h"
#include "schema.h"

enum {
        EXIT_OK = 0,
        EXIT_SERVICE = 1,
        EXIT_INPUT = 1,                 /* a domain XML file cannot be read: a failure like the service's */
        EXIT_USAGE = 2,
        EXIT_CHECK_FAILED = 3,
        EXIT_DOMAIN_INVALID = 4,        /* validate: a finding of severity error */
};
G_STATIC_ASSERT((int) EXIT_USAGE == (int) CTL_EXIT_USAGE);

/* "memcryptctl: MESSAGE" and where help is, on stderr; -EXIT_USAGE. */
#define usage_error(...) ctl_usage(NULL, __VA_ARGS__)


/* The long options: from ARG_FLAVOR on those only some verbs take (VERB_OPT). */
enum {
        ARG_JSON = CTL_ARG_VERSION + 1,
        ARG_NO_LEGEND,
        ARG_NO_ASK_PASSWORD,
        ARG_FLAVOR,
        ARG_IMAGE,
        ARG_POLICY,
        ARG_OPTION,
        ARG_MODEL,
        ARG_HEADER,
        ARG_SECRET,
        ARG_RESUME,
        ARG_ADDRESS,
        ARG_RAW,
        ARG_DOMAIN_XML,
        ARG_KERNEL,
        ARG_INITRD,
};
/* The options only some verbs take, as bits of Verb.options and arg_verb_options. */
#define VERB_OPT(arg) (1u << ((arg) - ARG_FLAVOR))

/* What the parser's table fills (ctl-parse.h); the rest are arg_* of their own. */
typedef struct {
        JsonMode json;
        char *header_file, *secret_file;        /* attest inject */
        char *domain_xml_file;                  /* attest expected --domain-xml */
        char *kernel_file, *initrd_file;
} Args;
static Args arg_values = { .json = JSON_OFF };
static bool arg_legend = true;
static bool arg_ask_password = true;
static unsigned arg_verb_options;       /* the VERB_OPT()s given */
static GPtrArray *arg_flavor;           /* key, value, ..., NULL (resolve) */
static GPtrArray *arg_image;
static MemcryptOptions *arg_options;    /* --policy, --option, --model */
static GPtrArray *arg_option_keys;      /* the keys in arg_options, to refuse one given twice */
static char *arg_domain_xml;            /* the FILE of configure and validate, read before connecting */
static char *arg_header, *arg_secret;  /* their base64, read before connecting */
static bool arg_resume, arg_raw;
static bool arg_has_address;
static uint64_t arg_address;
static int arg_kernel_fd = -1, arg_initrd_fd = -1;      /* opened before connecting */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MemcryptClient, memcrypt_client_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MemcryptHost, memcrypt_host_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MemcryptModel, memcrypt_model_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MemcryptPlacement, memcrypt_placement_free)


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

static const char *n_a(uint32_t v, char buf[static 16]) {
        if (v == 0)
                return "n/a";
        g_snprintf(buf, 16, "%" G_GUINT32_FORMAT, v);
        return buf;
}

static void status_add_host(KeyValues *kv, const MemcryptHost *h) {
        char buf[4][16];
        g_autofree char *usable = g_strjoinv(", ", h->usable_models);
        g_autofree char *refreshed = format_timestamp(h->last_refresh);
        g_autoptr(GString) domains = g_string_new(NULL);
        size_t shown = MIN(h->n_encrypted_domains, (size_t) SCHEMA_REPORT_DOMAINS_MAX);

        /* As many as the report lists (the first by name, the service's order); the rest is one call away. */
        for (size_t i = 0; i < shown; i++)
                g_string_append_printf(domains, "%s%s (%s, %s)", i > 0 ? "\n" : "",
                                       h->encrypted_domains[i].name, h->encrypted_domains[i].model,
                                       h->encrypted_domains[i].uuid);
        if (h->n_encrypted_domains > shown)
                g_string_append_printf(domains, "\n... and %zu more (all of them: memcryptctl domains)",
                                       h->n_encrypted_domains - shown);

        kv_add(kv, "Version", NULL, "%s", h->version);
        kv_add(kv, "Node name", NULL, "%s", h->node_name);
        kv_add(kv, "Health", color_of_state(h->health), "%s", h->health);
        if (*h->health_message)
                kv_add(kv, "Health message", NULL, "%s", h->health_message);
        kv_add(kv, "Usable models", NULL, "%s", *usable ? usable : "none");
        kv_add(kv, "CPU vendor", NULL, "%s", h->cpu_vendor);
        kv_add(kv, "CPU generation", NULL, "%s", *h->cpu_generation ? h->cpu_generation : "unknown");
        /* 0 is what the service sends when CPUID has no SEV leaf (a guest, another vendor): no C-bit is
         * at 0 and no SEV host has 0 ASIDs, so it is shown as unknown rather than as a fact. */
        kv_add(kv, "C-bit position", NULL, "%s", n_a(h->cbit_position, buf[0]));
        kv_add(kv, "Reduced phys bits", NULL, "%s", n_a(h->reduced_phys_bits, buf[1]));
        kv_add(kv, "ASID count", NULL, "%s", n_a(h->asid_count, buf[2]));
        kv_add(kv, "Min SEV ASID", NULL, "%s", n_a(h->min_sev_asid, buf[3]));
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

/* An unusable model: the first reason, its fix, and where the others are. */
static void status_add_model(KeyValues *kv, const MemcryptModel *m) {
        const MemcryptReason *why = first_error(m);

        if (why) {
                size_t errors = 0;
                for (size_t i = 0; i < m->n_reasons; i++)
                        errors += strcmp(m->reasons[i].severity, "error") == 0;
                g_autofree char *more = errors > 1 ? g_strdup_printf("%zu more reasons: memcryptctl model %s",
                                                                     errors - 1, m->name)
                                                   : g_strdup_printf("details: memcryptctl model %s, memcryptctl doctor",
                                                                     m->name);
                kv_add(kv, m->name, color_red(), "no, %" G_GUINT32_FORMAT "/%" G_GUINT32_FORMAT
                       " slots free; %s: %s\n%s%s%s%s", m->slots_free, m->slots_total, why->code, why->message,
                       *why->hint ? "hint: " : "", why->hint, *why->hint ? "\n" : "", more);
        } else
                kv_add(kv, m->name, m->usable ? color_green() : color_red(), "%s, %" G_GUINT32_FORMAT "/%"
                       G_GUINT32_FORMAT " slots free", m->usable ? "yes" : "no", m->slots_free, m->slots_total);
}

/* The Describe report, parsed. */
static int get_report(MemcryptClient *c, char **ret_json, JsonNode **ret_node) {
        g_autofree char *json = NULL;
        g_autoptr(GError) error = NULL;
        JsonNode *node;
        int r;

        r = memcrypt_describe(c, &json);
        if (r < 0)
                return service_error(c, r);
        node = json_from_string(json, &error);
        if (!node) {
                fprintf(stderr, "memcryptctl: the service's report is not JSON: %s\n", error->message);
                return EXIT_SERVICE;
        }
        if (ret_json)
                *ret_json = g_steal_pointer(&json);
        *ret_node = node;
        return EXIT_OK;
}

/* The Describe report: as the service wrote it with MODE JSON_OFF, else re-indented per MODE. */
static int print_report(MemcryptClient *c, JsonMode mode) {
        g_autofree char *json = NULL;
        g_autoptr(JsonNode) node = NULL;
        int r;

        r = get_report(c, &json, &node);
        if (r != EXIT_OK)
                return r;

        if (mode == JSON_OFF) {
                fputs(json, stdout);
                if (*json && json[strlen(json) - 1] != '\n')
                        putchar('\n');
                return EXIT_OK;
        }
        json_print(node, mode);
        return EXIT_OK;
}

/* models --json and model NAME --json are the report's "models" array, or its object of the model
 * NAME: the service's JSON, not written a second time here. */
static int print_report_models(MemcryptClient *c, const char *name, JsonMode mode) {
        g_autoptr(JsonNode) report = NULL;
        JsonNode *models;
        int r;

        r = get_report(c, NULL, &report);
        if (r != EXIT_OK)
                return r;
        models = JSON_NODE_HOLDS_OBJECT(report) ? json_object_get_member(json_node_get_object(report), "models")
                                                : NULL;
        if (!models || !JSON_NODE_HOLDS_ARRAY(models)) {
                fprintf(stderr, "memcryptctl: the service's report has no models\n");
                return EXIT_SERVICE;
        }
        if (!name) {
                json_print(models, mode);
                return EXIT_OK;
        }
        for (guint i = 0; i < json_array_get_length(json_node_get_array(models)); i++) {
                JsonNode *m = json_array_get_element(json_node_get_array(models), i);

                if (JSON_NODE_HOLDS_OBJECT(m) &&
                    g_strcmp0(json_object_get_string_member_with_default(json_node_get_object(m), "model", ""),
                              name) == 0) {
                        json_print(m, mode);
                        return EXIT_OK;
                }
        }
        fprintf(stderr, "memcryptctl: the service's report has no model %s\n", name);
        return EXIT_SERVICE;
}

static int verb_status(MemcryptClient *c, int argc, char **argv) {
        g_autoptr(MemcryptHost) h = NULL;
        g_autoptr(KeyValues) kv = kv_new();
        int r;

        /* docs/design.md: status --json is the Describe report, the one JSON view of everything. */
        if (arg_values.json != JSON_OFF)
                return print_report(c, arg_values.json);

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
        /* Scripts get the service's bytes unless they asked for a layout; a person reads it indented. */
        return print_report(c, arg_values.json == JSON_OFF && isatty(STDOUT_FILENO) ? JSON_PRETTY : arg_values.json);
}

/* ---- models, model ---- */

static int verb_models(MemcryptClient *c, int argc, char **argv) {
        static const char *const headers[] = { "MODEL", "USABLE", "SLOTS-FREE", "SLOTS-TOTAL", "ASIDS", "TRAIT", NULL };
        g_autoptr(Table) t = table_new(headers, 1u << 2 | 1u << 3);
        int r;

        if (arg_values.json != JSON_OFF)
                return print_report_models(c, NULL, arg_values.json);

        for (size_t i = 0; i < G_N_ELEMENTS(memcrypt_model_names); i++) {
                g_autoptr(MemcryptModel) m = NULL;
                g_autofree char *free_ = NULL, *total = NULL, *asids = NULL;

                r = memcrypt_get_model(c, memcrypt_model_names[i], &m);
                if (r < 0)
                        return service_error(c, r);

                free_ = g_strdup_printf("%" G_GUINT32_FORMAT, m->slots_free);
                total = g_strdup_printf("%" G_GUINT32_FORMAT, m->slots_total);
                asids = format_asids(m->asid_first, m->asid_last);
                const char *usable = m->usable ? "yes" : "no";
                const char *cells[] = { m->name, usable, free_, total, asids, m->trait };
                const char *colors[] = { NULL, color_of_state(usable), NULL, NULL, NULL, NULL };
                table_add_row(t, cells, colors, NULL);
        }

        table_print(t, arg_legend, "3 models listed.");
        return EXIT_OK;
}

static int verb_model(MemcryptClient *c, int argc, char **argv) {
        g_autoptr(MemcryptModel) m = NULL;
        g_autoptr(KeyValues) kv = kv_new();
        int r;

        /* Also with --json: the service answers an unknown NAME, and gives an alias its name. */
        r = memcrypt_get_model(c, argv[1], &m);
        if (r < 0)
                return service_error(c, r);

        if (arg_values.json != JSON_OFF)
                return print_report_models(c, m->name, arg_values.json);

        kv_add_model(kv, m);
        kv_print(kv);
        return EXIT_OK;
}

/* ---- domains ---- */

/* Every running encrypted guest in the service's order (by name), or those of the model MODEL:
 * ListEncryptedDomains() read by memcrypt_get_host(), the model chosen here from the same list. */
static int verb_domains(MemcryptClient *c, int argc, char **argv) {
        static const char *const headers[] = { "NAME", "MODEL", "UUID", NULL };
        const char *model = argc > 1 ? argv[1] : NULL;
        g_autoptr(MemcryptHost) h = NULL;
        g_autoptr(Table) t = table_new(headers, 0);
        g_autofree MemcryptDomain *shown = NULL;
        g_autofree char *footer = NULL;
        size_t n = 0;
        int r;

        r = memcrypt_get_host(c, &h);
        if (r < 0)
                return service_error(c, r);

        shown = g_new(MemcryptDomain, MAX(h->n_encrypted_domains, 1));
        for (size_t i = 0; i < h->n_encrypted_domains; i++)
                if (!model || strcmp(h->encrypted_domains[i].model, model) == 0)
                        shown[n++] = h->encrypted_domains[i];      /* borrowed from H */

        if (arg_values.json != JSON_OFF) {
                g_autoptr(JsonNode) node = json_from_domains(shown, n);

                json_print(node, arg_values.json);
                return EXIT_OK;
        }
        for (size_t i = 0; i < n; i++) {
                const char *cells[] = { shown[i].name, shown[i].model, shown[i].uuid };

                table_add_row(t, cells, NULL, NULL);
        }
        footer = g_strdup_printf("%zu guest%s listed.", n, n == 1 ? "" : "s");
        table_print(t, arg_legend, footer);
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

        if (arg_values.json != JSON_OFF) {
                g_autoptr(JsonNode) node = json_from_checks(checks, n);

                json_print(node, arg_values.json);
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

/* "manager" for /org/memcrypt1, the model's name for /org/memcrypt1/model/amd_sev_snp. */
static char *signal_object(const char *path) {
        Model m = g_str_has_prefix(path, MEMCRYPT_MODEL_PATH_PREFIX)
                ? model_from_object_name(path + strlen(MEMCRYPT_MODEL_PATH_PREFIX)) : MODEL_INVALID;

        if (model_valid(m))
                return g_strdup(model_name(m));
        return g_strdup(strcmp(path, "/org/memcrypt1") == 0 ? "manager" : path);
}

/* A value as one shell word: quoted when it has blanks or quotes (a message). */
static char *signal_word(const char *value) {
        for (const char *p = value; *p; p++)
                if (g_ascii_isspace(*p) || *p == '\'' || *p == '"' || *p == '\\')
                        return g_shell_quote(value);
        return g_strdup(value);
}

/* "15:31:50.123 amd-sev-snp Usable=false SlotsFree=29", "15:31:50.123 manager CapabilitiesChanged
 * amd-sev-snp": the local time it arrived, the object, and what changed to what. */
static void print_signal_line(const MemcryptSignal *s) {
        g_autoptr(GDateTime) now = g_date_time_new_now_local();
        g_autofree char *clock = g_date_time_format(now, "%H:%M:%S");
        g_autofree char *object = signal_object(s->path);
        g_autoptr(GString) line = g_string_new(NULL);

        g_string_printf(line, "%s.%03d %s", clock, g_date_time_get_microsecond(now) / 1000, object);
        if (!s->values || strcmp(s->member, "PropertiesChanged") != 0)
                g_string_append_printf(line, " %s", s->member);
        for (size_t i = 0; s->names[i]; i++) {
                g_autofree char *word = s->values && *s->values[i] ? signal_word(s->values[i]) : NULL;
                /* an invalidated property has no value in the signal: its name alone */
                g_string_append_printf(line, " %s%s%s", s->names[i], word ? "=" : "", word ?: "");
        }
        puts(line->str);
}

static int on_signal(const MemcryptSignal *s, void *userdata) {
        if (arg_values.json != JSON_OFF) {
                g_autoptr(JsonNode) node = json_from_signal(s);

                /* One object per line whatever --json says, so the stream splits on newlines. */
                json_print(node, JSON_SHORT);
        } else
                print_signal_line(s);
        /* A pipe would buffer the lines: whoever reads them wants each as it comes. */
        fflush(stdout);
        return 0;
}

/* A guest signal shown as the others: "15:31:50.123 manager EncryptedDomainStarted name=vm-1
 * uuid=... model=amd-sev", and in --json the same keys as a PropertiesChanged's. */
static int on_domain(const MemcryptDomainEvent *e, void *userdata) {
        static const char *const names[] = { "name", "uuid", "model", NULL };
        const char *values[] = { e->name, e->uuid, e->model, NULL };
        MemcryptSignal s = {
                .path = MEMCRYPT_MANAGER_PATH,
                .interface = MEMCRYPT_MANAGER_INTERFACE,
                .member = e->started ? "EncryptedDomainStarted" : "EncryptedDomainStopped",
                .names = names,
                .values = values,
        };

        return on_signal(&s, userdata);
}

static int verb_monitor(MemcryptClient *c, int argc, char **argv) {
        int r;

        r = memcrypt_monitor_start(c, on_signal, NULL);
        if (r >= 0)
                r = memcrypt_monitor_domains(c, on_domain, NULL);
        if (r < 0)
                return service_error(c, r);

        fprintf(stderr, "Monitoring %s (Ctrl-C to stop)\n", MEMCRYPT_BUS_NAME);
        fflush(stderr);

        r = memcrypt_monitor_run(c, UINT64_MAX);
        if (r < 0)
                return service_error(c, r);
        return EXIT_OK;
}

/* ---- resolve, launch-security, configure, validate ---- */

static void placement_add(KeyValues *kv, const MemcryptPlacement *p) {
        g_autoptr(GString) resources = g_string_new(NULL);
        g_autofree char *traits = g_strjoinv("\n", p->traits);

        for (size_t i = 0; i < p->n_resources; i++)
                g_string_append_printf(resources, "%s%s=%" G_GUINT32_FORMAT, i > 0 ? "\n" : "",
                                       p->resources[i].name, p->resources[i].amount);
        kv_add(kv, "Model", NULL, "%s", p->model);
        kv_add(kv, "Resources", NULL, "%s", resources->len > 0 ? resources->str : "none");
        kv_add(kv, "Traits", NULL, "%s", *traits ? traits : "none");
}

static int verb_resolve(MemcryptClient *c, int argc, char **argv) {
        g_autoptr(MemcryptPlacement) p = NULL;
        g_autoptr(KeyValues) kv = kv_new();
        int r;

        r = memcrypt_resolve_request(c, arg_flavor ? (const char *const *) arg_flavor->pdata : NULL,
                                     arg_image ? (const char *const *) arg_image->pdata : NULL, &p);
        if (r < 0)
                return service_error(c, r);

        if (arg_values.json != JSON_OFF) {
                g_autoptr(JsonNode) node = json_from_placement(p);

                json_print(node, arg_values.json);
        } else if (!*p->model)
                puts("No memory encryption requested: schedule the guest without a model, resources or traits.");
        else {
                placement_add(kv, p);
                kv_print(kv);
        }
        return EXIT_OK;
}

/* XML as the service wrote it, ending in a newline; or {"xml": ...}. */
static void print_xml(const char *xml) {
        if (arg_values.json != JSON_OFF) {
                g_autoptr(JsonNode) node = json_from_xml(xml);

                json_print(node, arg_values.json);
                return;
        }
        fputs(xml, stdout);
        if (*xml && xml[strlen(xml) - 1] != '\n')
                putchar('\n');
}

static int verb_launch_security(MemcryptClient *c, int argc, char **argv) {
        g_autofree char *xml = NULL;
        int r;

        r = memcrypt_generate_launch_security(c, argv[1], arg_options, &xml);
        if (r < 0)
                return service_error(c, r);
        print_xml(xml);
        return EXIT_OK;
}

static int verb_configure(MemcryptClient *c, int argc, char **argv) {
        g_autofree char *xml = NULL;
        int r;

        r = memcrypt_configure_domain(c, arg_domain_xml, argv[1], arg_options, &xml);
        if (r < 0)
                return service_error(c, r);
        print_xml(xml);
        return EXIT_OK;
}

static void findings_print(const MemcryptFinding *findings, size_t n, size_t errors) {
        static const char *const headers[] = { "SEVERITY", "CODE", "WHERE", "MESSAGE", NULL };
        g_autoptr(Table) t = table_new(headers, 0);
        g_autofree char *footer = NULL;

        if (n == 0) {
                if (arg_legend)
                        puts("No findings: the domain can launch on this host as it is.");
                return;
        }

        for (size_t i = 0; i < n; i++) {
                const MemcryptFinding *f = &findings[i];
                const char *cells[] = { f->severity, f->code, f->where, f->message };
                const char *colors[] = { color_of_state(f->severity), NULL, NULL, NULL };

                table_add_row(t, cells, colors, NULL);
        }
        footer = g_strdup_printf("%zu finding%s: %zu error%s, %zu warning%s.", n, n == 1 ? "" : "s",
                                 errors, errors == 1 ? "" : "s", n - errors, n - errors == 1 ? "" : "s");
        table_print(t, arg_legend, footer);
}

static bool option_given(const char *key) {
        for (guint i = 0; arg_option_keys && i < arg_option_keys->len; i++)
                if (strcmp(arg_option_keys->pdata[i], key) == 0)
                        return true;
        return false;
}

static int verb_validate(MemcryptClient *c, int argc, char **argv) {
        MemcryptFinding *findings = NULL;
        size_t n = 0, errors = 0;
        int r;

        r = memcrypt_validate_domain(c, arg_domain_xml, arg_options, &findings, &n);
        if (r < 0)
                return service_error(c, r);
        /* Without --model the document's <launchSecurity> says the model; with neither, checking
         * against some model would be a guess. The service's finding tells that there is none. */
        if (!option_given(MEMCRYPT_OPTION_MODEL))
                for (size_t i = 0; i < n; i++)
                        if (strcmp(findings[i].code, "launch-security-missing") == 0) {
                                memcrypt_findings_free(findings, n);
                                return -usage_error("validate: the domain has no <launchSecurity> to say which model to "
                                                    "check for; give --model amd-sev, amd-sev-es or amd-sev-snp");
                        }

        for (size_t i = 0; i < n; i++)
                if (strcmp(findings[i].severity, "error") == 0)
                        errors++;

        if (arg_values.json != JSON_OFF) {
                g_autoptr(JsonNode) node = json_from_findings(findings, n);

                json_print(node, arg_values.json);
        } else
                findings_print(findings, n, errors);
        memcrypt_findings_free(findings, n);
        return errors > 0 ? EXIT_DOMAIN_INVALID : EXIT_OK;
}

/* ---- attest ---- */

static int verb_attest_platform(MemcryptClient *c, int argc, char **argv) {
        int r = attest_print_platform(c, arg_values.json);

        return r < 0 ? service_error(c, r) : EXIT_OK;
}

static int verb_attest_measurement(MemcryptClient *c, int argc, char **argv) {
        int r = attest_print_measurement(c, argv[2], arg_values.json);

        return r < 0 ? service_error(c, r) : r > 0 ? EXIT_SERVICE : EXIT_OK;
}

static int verb_attest_inject(MemcryptClient *c, int argc, char **argv) {
        MemcryptOptions *o = NULL;
        int r;

        g_assert(memcrypt_options_new(&o) >= 0);
        if (arg_has_address)
                g_assert(memcrypt_options_set_uint64(o, MEMCRYPT_OPTION_ADDRESS, arg_address) >= 0);
        if (arg_resume)
                g_assert(memcrypt_options_set_bool(o, MEMCRYPT_OPTION_RESUME, true) >= 0);
        r = attest_inject(c, argv[2], arg_header, arg_secret, o, arg_resume, arg_values.json);
        memcrypt_options_free(o);
        return r < 0 ? service_error(c, r) : EXIT_OK;
}

static int verb_attest_expected(MemcryptClient *c, int argc, char **argv) {
        const ExpectedRequest req = {
                .domain = arg_domain_xml ? NULL : argv[2],
                .domain_xml = arg_domain_xml,
                .kernel_fd = arg_kernel_fd,
                .initrd_fd = arg_initrd_fd,
                .options = arg_options,
        };
        int r = attest_print_expected(c, &req, arg_values.json);

        return r < 0 ? service_error(c, r) : EXIT_OK;
}

/* ---- command line ---- */

typedef struct {
        const char *name;
        const char *synopsis;           /* the arguments, for usage errors */
        int args;                       /* how many, after the verb */
        int file_arg;                   /* argv[file_arg] is a domain XML FILE or "-"; 0: none */
        unsigned options;               /* the VERB_OPT()s it takes */
        int (*run)(MemcryptClient *c, int argc, char **argv);
        const char *sub;                /* "attest platform": the second word; ARGS count after it */
} Verb;

static const Verb verbs[] = {
        { "status",          "",             0, 0, 0, verb_status },    /* the first one is the default */
        { "models",          "",             0, 0, 0, verb_models },
        { "domains",         "[MODEL]",      1, 0, 0, verb_domains },
        { "model",           "NAME",         1, 0, 0, verb_model },
        { "doctor",          "",             0, 0, 0, verb_doctor },
        { "describe",        "",             0, 0, 0, verb_describe },
        { "refresh",         "",             0, 0, 0, verb_refresh },
        { "monitor",         "",             0, 0, 0, verb_monitor },
        { "resolve",         "",             0, 0, VERB_OPT(ARG_FLAVOR) | VERB_OPT(ARG_IMAGE), verb_resolve },
        { "launch-security", "MODEL",        1, 0, VERB_OPT(ARG_POLICY) | VERB_OPT(ARG_OPTION), verb_launch_security },
        { "configure",       "MODEL FILE|-", 2, 2, VERB_OPT(ARG_POLICY) | VERB_OPT(ARG_OPTION), verb_configure },
        { "validate",        "FILE|-",       1, 1, VERB_OPT(ARG_MODEL) | VERB_OPT(ARG_OPTION), verb_validate },
        { "attest",          "platform",     0, 0, 0, verb_attest_platform, "platform" },
        { "attest",          "measurement DOMAIN", 1, 0, 0, verb_attest_measurement, "measurement" },
        { "attest",          "inject DOMAIN --header FILE --secret FILE", 1, 0,
          VERB_OPT(ARG_HEADER) | VERB_OPT(ARG_SECRET) | VERB_OPT(ARG_RESUME) | VERB_OPT(ARG_ADDRESS) |
          VERB_OPT(ARG_RAW), verb_attest_inject, "inject" },
        { "attest",          "expected DOMAIN|--domain-xml FILE [--kernel FILE] [--initrd FILE]", 1, 0,
          VERB_OPT(ARG_DOMAIN_XML) | VERB_OPT(ARG_KERNEL) | VERB_OPT(ARG_INITRD) | VERB_OPT(ARG_OPTION),
          verb_attest_expected, "expected" },
};

static void help(void) {
        printf("memcryptctl [OPTIONS...] COMMAND ...\n"
               "\n"
               "Query memcryptd, the host authority for AMD SEV, SEV-ES and SEV-SNP VMs.\n"
               "\n"
               "Commands:\n"
               "  status                 Show the host and a line per model (default)\n"
               "  models                 List the models: usable, slots, ASIDs, trait\n"
               "  domains [MODEL]        List the running encrypted guests (of MODEL)\n"
               "  model NAME             Show every property of one model (amd-sev, amd-sev-es,\n"
               "                         amd-sev-snp) with the reasons and their hints\n"
               "  doctor                 Show every check; exit 3 if one fails\n"
               "  describe               Print the JSON report of the service\n"
               "  refresh                Probe the host again now\n"
               "  monitor                Print the service's signals as they arrive\n"
               "  resolve [--flavor K=V]... [--image K=V]...\n"
               "                         Show the model, placement resources and traits a\n"
               "                         flavor + image request needs\n"
               "  launch-security MODEL  Print the <launchSecurity> element for MODEL here\n"
               "  configure MODEL FILE|- Print domain XML FILE (- for stdin) configured to\n"
               "                         launch as MODEL on this host\n"
               "  validate FILE|-        List what keeps domain XML FILE (- for stdin) from\n"
               "                         launching here; exit 4 if a finding is an error\n"
               "  attest platform        Show the platform's certificates, firmware status,\n"
               "                         SNP TCBs and VCEK URL (for the guest owner)\n"
               "  attest measurement DOMAIN\n"
               "                         Show the launch measurement of an SEV/SEV-ES guest\n"
               "                         and the inputs to check it with\n"
               "  attest inject DOMAIN --header FILE --secret FILE [--raw] [--resume] [--address N]\n"
               "                         Inject the owner's launch secret (base64 files)\n"
               "                         into a paused SEV/SEV-ES guest\n"
               "  attest expected DOMAIN\n"
               "                         Show the launch digest a defined or running domain\n"
               "                         must measure here, its inputs, and the measure\n"
               "                         command that recomputes it\n"
               "  attest expected --domain-xml FILE [--kernel FILE] [--initrd FILE]\n"
               "                         The same for domain XML FILE before it is defined,\n"
               "                         its kernel and initrd sent as open files\n"
               "  attest verify --measurement BASE64 --api-major N --api-minor N --build-id N\n"
               "        --policy N --tik FILE --expected HEX\n"
               "                         Check an SEV/SEV-ES launch measurement against the\n"
               "                         expected digest with the owner's TIK, offline\n"
               "  measure --mode MODE --ovmf FILE ...\n"
               "                         Print the expected launch digest, offline, with\n"
               "                         sev-snp-measure's options (measure --help)\n"
               "\n"
               "Options:\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --json[=MODE]       JSON output: pretty (the default), short, off\n"
               "     --no-legend         Do not print table headers and footers\n"
               "     --no-ask-password   Do not ask for a password when polkit wants one\n"
               "     --flavor KEY=VALUE  A flavor extra spec for resolve (repeatable)\n"
               "     --image KEY=VALUE   An image property for resolve (repeatable)\n"
               "     --policy POLICY     The guest policy (decimal or 0x hex) for\n"
               "                         launch-security and configure\n"
               "     --model MODEL       The model validate checks for (default: the domain's\n"
               "                         <launchSecurity>)\n"
               "     --option KEY=VALUE  An option of launch-security, configure or validate\n"
               "                         (repeatable): kernel_hashes, allow_debug, keep_balloon,\n"
               "                         author_key, vcek take true/false/yes/no/1/0; policy a\n"
               "                         number; the rest (dh_cert, session, host_data, id_block,\n"
               "                         id_auth, guest_visible_workarounds: base64) strings\n"
               "     --header FILE       attest inject: the secret's packet header, base64\n"
               "     --secret FILE       attest inject: the encrypted secret, base64\n"
               "     --raw               attest inject: the files hold raw bytes (as sevctl\n"
               "                         secret build writes them), not base64\n"
               "     --resume            attest inject: resume the guest afterwards\n"
               "     --address ADDRESS   attest inject: the guest physical address (decimal\n"
               "                         or 0x hex) of the secret area\n"
               "     --domain-xml FILE   attest expected: the domain XML (- for stdin)\n"
               "     --kernel FILE       attest expected: the kernel the document boots\n"
               "     --initrd FILE       attest expected: the initrd the document boots\n"
               "                         (attest expected also takes --option\n"
               "                         vcpu_signature=N, guest_features=N, vmsa_form=init2|legacy)\n"
               "\n"
               "Exit status: 0 success, 1 the service answered an error or cannot be reached\n"
               "(or a FILE cannot be read), 2 usage error, 3 doctor found a failing check,\n"
               "4 validate found an error.\n");
}

/* A model name as the service spells it, from it or a short alias; NULL when it is neither. */
static const char *model_name_from_arg(const char *arg) {
        static const char *const aliases[][2] = {
                { "sev", "amd-sev" }, { "sev-es", "amd-sev-es" }, { "snp", "amd-sev-snp" }, { "sev-snp", "amd-sev-snp" },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(memcrypt_model_names); i++)
                if (strcmp(arg, memcrypt_model_names[i]) == 0)
                        return memcrypt_model_names[i];
        for (size_t i = 0; i < G_N_ELEMENTS(aliases); i++)
                if (strcmp(arg, aliases[i][0]) == 0)
                        return aliases[i][1];
        return NULL;
}

/* An unknown model is a usage error (exit 2) naming the valid ones, before anything is asked. */
static int check_model_arg(const char *what, const char *arg, const char **ret) {
        *ret = model_name_from_arg(arg);
        if (!*ret)
                return usage_error("%s '%s' is not a model; use amd-sev, amd-sev-es or amd-sev-snp "
                                   "(or sev, sev-es, snp)", what, arg);
        return 0;
}

/* --flavor/--image KEY=VALUE appended to *PAIRS (key, value, ..., NULL); a key only once. */
static int add_request_pair(GPtrArray **pairs, const char *option, const char *arg) {
        g_autofree char *key = NULL, *value = NULL;

        if (!split_key_value(arg, &key, &value))
                return usage_error("%s expects KEY=VALUE, not '%s'", option, arg);

        if (!*pairs) {
                *pairs = g_ptr_array_new_with_free_func(g_free);
                g_ptr_array_add(*pairs, NULL);
        }
        for (guint i = 0; i + 1 < (*pairs)->len; i += 2)
                if (strcmp((*pairs)->pdata[i], key) == 0)
                        return usage_error("%s %s is given twice", option, key);

        /* Keep the NULL at the end. */
        g_ptr_array_insert(*pairs, (*pairs)->len - 1, g_steal_pointer(&key));
        g_ptr_array_insert(*pairs, (*pairs)->len - 1, g_steal_pointer(&value));
        return 0;
}

/* KEY=VALUE into arg_options with the service's type: booleans and the policy are parsed
 * here, anything else is a string, so a key the service does not know still reaches it and
 * gets its InvalidArgument. OPTION is the command-line option, for messages. */
static int add_option(const char *option, const char *key, const char *value) {
        g_autofree char *what = strcmp(option, "--option") == 0 ? g_strdup_printf("--option %s=%s", key, value) :
                                                                  g_strdup_printf("%s %s", option, value);
        uint64_t policy;
        int b;

        if (!arg_options) {
                g_assert(memcrypt_options_new(&arg_options) >= 0);
                arg_option_keys = g_ptr_array_new_with_free_func(g_free);
        }
        for (guint i = 0; i < arg_option_keys->len; i++)
                if (strcmp(arg_option_keys->pdata[i], key) == 0)
                        return usage_error("%s: option '%s' is given twice", what, key);

        if (option_is_boolean(key)) {
                b = parse_boolean(value);
                if (b < 0)
                        return usage_error("%s: not a boolean (true, false, yes, no, 1, 0)", what);
                g_assert(memcrypt_options_set_bool(arg_options, key, b) >= 0);
        } else if (strcmp(key, MEMCRYPT_OPTION_POLICY) == 0 || strcmp(key, MEMCRYPT_OPTION_VCPU_SIGNATURE) == 0 ||
                   strcmp(key, MEMCRYPT_OPTION_GUEST_FEATURES) == 0) {
                if (!parse_uint64(value, &policy))
                        return usage_error("%s: not a %s (a decimal or 0x hex number)", what,
                                           strcmp(key, MEMCRYPT_OPTION_POLICY) == 0 ? "policy" : "number");
                g_assert(memcrypt_options_set_uint64(arg_options, key, policy) >= 0);
        } else
                g_assert(memcrypt_options_set_string(arg_options, key, value) >= 0);

        g_ptr_array_add(arg_option_keys, g_strdup(key));
        return 0;
}

static int add_option_pair(const char *arg) {
        g_autofree char *key = NULL, *value = NULL;

        if (!split_key_value(arg, &key, &value))
                return usage_error("--option expects KEY=VALUE, not '%s'", arg);
        return add_option("--option", key, value);
}


/* An option the table of command does not take, into the arg_* of its own. */
static int handle_option(int c, const char *value, void *args) {
        const char *model;
        int r;

        switch (c) {
        case ARG_NO_LEGEND:
                arg_legend = false;
                return 0;
        case ARG_NO_ASK_PASSWORD:
                arg_ask_password = false;
                return 0;
        case ARG_FLAVOR:
                return add_request_pair(&arg_flavor, "--flavor", value);
        case ARG_IMAGE:
                return add_request_pair(&arg_image, "--image", value);
        case ARG_POLICY:
                return add_option("--policy", MEMCRYPT_OPTION_POLICY, value);
        case ARG_OPTION:
                return add_option_pair(value);
        case ARG_MODEL:
                r = check_model_arg("--model", value, &model);
                return r < 0 ? r : add_option("--model", MEMCRYPT_OPTION_MODEL, model);
        case ARG_RESUME:
                arg_resume = true;
                return 0;
        case ARG_RAW:
                arg_raw = true;
                return 0;
        case ARG_ADDRESS:
                if (arg_has_address)
                        return usage_error("--address is given twice");
                if (!parse_uint64(value, &arg_address))
                        return usage_error("--address %s: not an address (a decimal or 0x hex number)", value);
                arg_has_address = true;
                return 0;
        }
        g_assert_not_reached();
}

#define STRING(name, id, field) CTL_STRING(name, id, Args, field)
static const CtlOption options[] = {
        CTL_FLAG("help",             'h'),
        CTL_FLAG("version",          CTL_ARG_VERSION),
        CTL_JSON("json",             ARG_JSON, Args, json),
        CTL_FLAG("no-legend",        ARG_NO_LEGEND),
        CTL_FLAG("no-ask-password",  ARG_NO_ASK_PASSWORD),
        CTL_WORD("flavor",           ARG_FLAVOR),
        CTL_WORD("image",            ARG_IMAGE),
        CTL_WORD("policy",           ARG_POLICY),
        CTL_WORD("option",           ARG_OPTION),
        CTL_WORD("model",            ARG_MODEL),
        STRING("header",             ARG_HEADER,     header_file),
        STRING("secret",             ARG_SECRET,     secret_file),
        CTL_FLAG("resume",           ARG_RESUME),
        CTL_WORD("address",          ARG_ADDRESS),
        CTL_FLAG("raw",              ARG_RAW),
        STRING("domain-xml",         ARG_DOMAIN_XML, domain_xml_file),
        STRING("kernel",             ARG_KERNEL,     kernel_file),
        STRING("initrd",             ARG_INITRD,     initrd_file),
        {}
};

static const CtlCommand command = {
        .options = options,
        .help = help,
        .handle = handle_option,
};

static void free_args(void) {
        g_clear_pointer(&arg_flavor, g_ptr_array_unref);
        g_clear_pointer(&arg_image, g_ptr_array_unref);
        arg_options = memcrypt_options_free(arg_options);
        g_clear_pointer(&arg_option_keys, g_ptr_array_unref);
        g_clear_pointer(&arg_domain_xml, g_free);
        ctl_values_clear(&command, &arg_values);
        g_clear_pointer(&arg_header, g_free);
        g_clear_pointer(&arg_secret, g_free);
        if (arg_kernel_fd >= 0)
                close(arg_kernel_fd);
        if (arg_initrd_fd >= 0)
                close(arg_initrd_fd);
}

/* 1: go on with the verb; 0: done (help, version); -EXIT_USAGE: bad command line. */
static int parse_argv(int argc, char *argv[]) {
        uint64_t given = 0;
        int r;

        /* Polkit may ask only someone who can answer. */
        arg_ask_password = isatty(STDIN_FILENO);

        /* getopt permutes: options may follow the verb ("memcryptctl doctor --json"). */
        r = ctl_parse(&command, argc, argv, &arg_values, &given);
        arg_verb_options = (unsigned) (given >> (ARG_FLAVOR - CTL_ARG_VERSION));
        return r;
}

/* The verb's argument count and options. */
static int check_verb(const Verb *verb, int argc) {
        g_autofree char *name = verb->sub ? g_strdup_printf("%s %s", verb->name, verb->sub) : g_strdup(verb->name);
        unsigned extra = arg_verb_options & ~verb->options;
        int n = MAX(argc, 1) - 1 - (verb->sub ? 1 : 0);
        /* A synopsis that is "[MODEL]": its argument may be left out. */
        int optional = verb->synopsis[0] == '[' ? 1 : 0;
        /* attest expected: --domain-xml FILE stands for the DOMAIN. */
        int args = verb->args - ((verb->options & arg_verb_options & VERB_OPT(ARG_DOMAIN_XML)) ? 1 : 0);

        if ((verb->options & VERB_OPT(ARG_DOMAIN_XML)) && !(arg_verb_options & VERB_OPT(ARG_DOMAIN_XML)) &&
            (arg_verb_options & (VERB_OPT(ARG_KERNEL) | VERB_OPT(ARG_INITRD))))
                return usage_error("--kernel and --initrd go with --domain-xml: a defined domain's files are the "
                                   "host's, named by its XML");
        if (n < args - optional)
                return usage_error("'%s' needs %s: %s %s", name, verb->args - n > 1 ? "arguments" : "an argument",
                                   verb->name, verb->synopsis);
        if (n > args)
                return usage_error(args < verb->args ? "too many arguments for '%s': give a DOMAIN or --domain-xml, "
                                   "not both" : "too many arguments for '%s'", name);
        for (const CtlOption *o = options; o->name; o++)
                if (o->id >= ARG_FLAVOR && (extra & VERB_OPT(o->id)))
                        return usage_error("--%s does not apply to '%s'", o->name, name);
        if ((verb->options & VERB_OPT(ARG_HEADER)) && (!arg_values.header_file || !arg_values.secret_file))
                return usage_error("'%s' needs --header FILE and --secret FILE", name);
        return 0;
}

/* The commands of a two-word verb ("attest"), for a usage error naming them. */
static char *sub_commands(const char *name) {
        g_autoptr(GString) s = g_string_new(NULL);

        for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++)
                if (verbs[i].sub && strcmp(verbs[i].name, name) == 0)
                        g_string_append_printf(s, "%s%s", s->len ? ", " : "", verbs[i].sub);
        return g_string_free(g_steal_pointer(&s), FALSE);
}

static int find_verb(int argc, char **argv, const Verb **ret) {
        const char *name = argc > 0 ? argv[0] : verbs[0].name;
        int r;

        for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++) {
                if (strcmp(verbs[i].name, name) != 0)
                        continue;
                if (verbs[i].sub && (argc < 2 || strcmp(verbs[i].sub, argv[1]) != 0))
                        continue;
                r = check_verb(&verbs[i], argc);
                if (r < 0)
                        return r;
                *ret = &verbs[i];
                return 0;
        }
        g_autofree char *subs = sub_commands(name);
        if (*subs && argc < 2)
                return usage_error("'%s' needs a command: %s", name, subs);
        if (*subs)
                return usage_error("unknown command '%s %s' (%s takes %s)", name, argv[1], name, subs);
        return usage_error("unknown command '%s'", name);
}

/* attest expected --domain-xml FILE [--kernel FILE] [--initrd FILE]: the document read and the
 * files opened before connecting (regular files only: the service reads them from these). */
static int read_expected_files(void) {
        g_autoptr(GError) error = NULL;

        arg_domain_xml = read_text_file(arg_values.domain_xml_file, MEMCRYPT_DOMAIN_XML_MAX, &error);
        if (arg_domain_xml && arg_values.kernel_file) {
                g_autofree char *name = g_strdup_printf("the kernel '%s'", arg_values.kernel_file);
                arg_kernel_fd = open_input_file(arg_values.kernel_file, name, &error);
        }
        if (arg_domain_xml && arg_kernel_fd >= -1 && !error && arg_values.initrd_file) {
                g_autofree char *name = g_strdup_printf("the initrd '%s'", arg_values.initrd_file);
                arg_initrd_fd = open_input_file(arg_values.initrd_file, name, &error);
        }
        if (!arg_domain_xml || error) {
                fprintf(stderr, "memcryptctl: %s\n", error->message);
                return -EXIT_INPUT;
        }
        return 0;
}

/* The domain XML FILE (or stdin) of configure and validate, read before connecting. */
static int read_verb_file(const Verb *verb, char **argv) {
        g_autoptr(GError) error = NULL;

        if (verb->options & VERB_OPT(ARG_HEADER)) {
                arg_header = attest_read_blob_file("header", arg_values.header_file, arg_raw, &error);
                if (arg_header)
                        arg_secret = attest_read_blob_file("secret", arg_values.secret_file, arg_raw, &error);
                if (!arg_secret) {
                        fprintf(stderr, "memcryptctl: %s\n", error->message);
                        return -EXIT_INPUT;
                }
                return 0;
        }
        if (arg_values.domain_xml_file)
                return read_expected_files();
        if (verb->file_arg == 0)
                return 0;

        arg_domain_xml = read_text_file(argv[verb->file_arg], MEMCRYPT_DOMAIN_XML_MAX, &error);
        if (!arg_domain_xml) {
                fprintf(stderr, "memcryptctl: %s\n", error->message);
                return -EXIT_INPUT;
        }
        return 0;
}

static int run(int argc, char *argv[]) {
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
        /* model NAME, launch-security MODEL, configure MODEL FILE, domains [MODEL] when given */
        if ((g_str_has_prefix(verb->synopsis, "MODEL") || g_str_has_prefix(verb->synopsis, "[MODEL]") ||
             strcmp(verb->synopsis, "NAME") == 0) && argc > 1) {
                const char *model;
                r = check_model_arg(verb->synopsis[0] == 'N' ? "model" : "MODEL", argv[1], &model);
                if (r < 0)
                        return -r;
                argv[1] = (char *) model;
        }

        r = read_verb_file(verb, argv);
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

int main(int argc, char *argv[]) {
        static const CtlCommand *const offline[] = { &ctl_measure_command, &ctl_verify_command, NULL };
        const char *w1, *w2;
        int r;

        /* The offline verbs have options of their own. */
        ctl_offline_words(argc, argv, offline, &w1, &w2);
        if (g_strcmp0(w1, "measure") == 0)
                return ctl_measure_main(argc, argv);
        if (g_strcmp0(w1, "attest") == 0 && g_strcmp0(w2, "verify") == 0)
                return ctl_verify_main(argc, argv);
        r = run(argc, argv);
        free_args();
        return r;
}
