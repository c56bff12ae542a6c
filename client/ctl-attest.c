/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memcryptctl attest platform | measurement DOMAIN | inject DOMAIN. The JSON
 * output uses the service's own keys, so `memcryptctl --json attest ...` and
 * busctl's answer of the same method read alike.
 */

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl-args.h"
#include "ctl-attest.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MemcryptPlatformInfo, memcrypt_platform_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MemcryptLaunchMeasurement, memcrypt_launch_measurement_free)

/* ---- --header, --secret ---- */

char *attest_read_blob_file(const char *what, const char *path, bool raw, GError **error) {
        bool is_stdin = strcmp(path, "-") == 0;
        g_autofree char *name = g_strdup_printf("the %s file '%s'", what, path);
        g_autoptr(GByteArray) data = NULL;
        GString *text;
        int fd, err = 0;

        fd = open_input_file(path, name, error);
        if (fd < 0)
                return NULL;
        data = read_at_most(fd, ATTEST_BLOB_FILE_MAX, &err);
        if (!is_stdin)
                close(fd);
        if (data && data->len > ATTEST_BLOB_FILE_MAX) {
                g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "the %s file '%s' is larger than 256 KiB",
                            what, path);
                return NULL;
        }
        if (!data) {
                g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "cannot read the %s file '%s': %s",
                            what, path, g_strerror(err));
                return NULL;
        }
        if (raw)
                return g_base64_encode(data->data, data->len);

        text = g_string_sized_new(data->len);
        for (guint i = 0; i < data->len; i++) {
                guint8 ch = data->data[i];

                if (g_ascii_isspace(ch))
                        continue;
                if (ch < 0x21 || ch > 0x7e) {
                        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                                    "the %s file '%s' is not base64 text (byte 0x%02x at offset %u); "
                                    "give --raw for a file of raw bytes", what, path, ch, i);
                        g_string_free(text, TRUE);
                        return NULL;
                }
                g_string_append_c(text, (char) ch);
        }
        return g_string_free(text, FALSE);
}

/* The platform's base64 blobs: JSON has each the service sent, text only its length. */
static const struct {
        const char *key, *label;
        size_t offset;
} platform_blobs[] = {
        { "pdh",        "PDH",               offsetof(MemcryptPlatformInfo, pdh)        },
        { "cert_chain", "Certificate chain", offsetof(MemcryptPlatformInfo, cert_chain) },
        { "cpu0_id",    "Chip id",           offsetof(MemcryptPlatformInfo, cpu0_id)    },
};

static const char *platform_blob(const MemcryptPlatformInfo *p, size_t i) {
        return *(char *const *) ((const char *) p + platform_blobs[i].offset);
}

/* ---- JSON ---- */

static void add_bool(JsonBuilder *b, const char *key, bool value) {
        json_builder_set_member_name(b, key);
        json_builder_add_boolean_value(b, value);
}

/* Only what the service sent: "" strings are absent keys. */
static void add_known(JsonBuilder *b, const char *key, const char *value) {
        if (value && *value)
                json_add_string(b, key, value);
}

static void add_pairs(JsonBuilder *b, const char *key, char **pairs) {
        json_builder_set_member_name(b, key);
        json_builder_begin_object(b);
        for (size_t i = 0; pairs && pairs[i]; i += 2)
                json_add_string(b, pairs[i], pairs[i + 1]);
        json_builder_end_object(b);
}

static void add_tcb(JsonBuilder *b, const char *key, const MemcryptTcb *t) {
        json_builder_set_member_name(b, key);
        json_builder_begin_object(b);
        if (t->has_fmc)
                json_add_int(b, "fmc", t->fmc);
        json_add_int(b, "boot_loader", t->boot_loader);
        json_add_int(b, "tee", t->tee);
        json_add_int(b, "snp", t->snp);
        json_add_int(b, "microcode", t->microcode);
        /* A u64 above 2^63 does not survive JSON's integers; the report writes TCBs as hex too. */
        g_autofree char *raw = g_strdup_printf("0x%016" G_GINT64_MODIFIER "x", t->raw);
        json_add_string(b, "raw", raw);
        json_builder_end_object(b);
}

static JsonNode *json_from_platform(const MemcryptPlatformInfo *p) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_object(b);
        json_add_string(b, "cpu_generation", p->cpu_generation);
        for (size_t i = 0; i < G_N_ELEMENTS(platform_blobs); i++)
                add_known(b, platform_blobs[i].key, platform_blob(p, i));
        if (p->has_sev_status) {
                json_add_int(b, "api_major", p->api_major);
                json_add_int(b, "api_minor", p->api_minor);
                json_add_int(b, "build", p->build);
                json_add_int(b, "state", p->state);
                add_bool(b, "owner", p->owner);
                add_bool(b, "es_initialized", p->es_initialized);
                json_add_int(b, "guest_count", p->guest_count);
        }
        if (p->has_snp_status) {
                json_add_int(b, "snp_api_major", p->snp_api_major);
                json_add_int(b, "snp_api_minor", p->snp_api_minor);
                json_add_int(b, "snp_build_id", p->snp_build_id);
                json_add_int(b, "snp_state", p->snp_state);
                json_add_int(b, "snp_guest_count", p->snp_guest_count);
                add_bool(b, "rmp_initialized", p->rmp_initialized);
                add_bool(b, "alias_check_complete", p->alias_check_complete);
                add_bool(b, "vlek_enabled", p->vlek_enabled);
                add_tcb(b, "current_tcb", &p->current_tcb);
                add_tcb(b, "reported_tcb", &p->reported_tcb);
                add_bool(b, "tcb_committed_mismatch", p->tcb_committed_mismatch);
        }
        add_known(b, "vcek_url", p->vcek_url);
        add_pairs(b, "unavailable", p->unavailable);
        json_builder_end_object(b);
        return json_builder_get_root(b);
}

static JsonNode *json_from_measurement(const MemcryptLaunchMeasurement *m) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        const char *const strings[][2] = {
                { "domain", m->domain }, { "uuid", m->uuid }, { "state", m->state }, { "model", m->model },
                { "measurement", m->measurement }, { "firmware", m->firmware },
                { "firmware_sha256", m->firmware_sha256 }, { "kernel", m->kernel },
                { "kernel_sha256", m->kernel_sha256 }, { "initrd", m->initrd }, { "initrd_sha256", m->initrd_sha256 },
                { "cmdline_sha256", m->cmdline_sha256 }, { "cpu_mode", m->cpu_mode }, { "cpu_name", m->cpu_name },
                { "expected_measurement", m->expected_measurement },
        };

        json_builder_begin_object(b);
        for (size_t i = 0; i < G_N_ELEMENTS(strings); i++)
                add_known(b, strings[i][0], strings[i][1]);
        /* An empty command line is still one; it is there whenever its hash is. */
        if (*m->cmdline_sha256)
                json_add_string(b, "cmdline", m->cmdline);
        json_add_int(b, "api_major", m->api_major);
        json_add_int(b, "api_minor", m->api_minor);
        json_add_int(b, "build_id", m->build_id);
        json_add_int(b, "policy", (int64_t) m->policy);
        add_bool(b, "kernel_hashes", m->kernel_hashes);
        json_add_int(b, "vcpus", m->vcpus);
        if (m->has_cpu_signature) {
                json_add_int(b, "cpu_family", m->cpu_family);
                json_add_int(b, "cpu_model", m->cpu_model);
                json_add_int(b, "cpu_stepping", m->cpu_stepping);
                json_add_int(b, "cpu_signature", m->cpu_signature);
        }
        add_pairs(b, "unavailable", m->unavailable);
        json_builder_end_object(b);
        return json_builder_get_root(b);
}

/* ---- text ---- */

static const char *yes_no(bool b) {
        return b ? "yes" : "no";
}

static char *format_tcb(const MemcryptTcb *t) {
        g_autofree char *fmc = t->has_fmc ? g_strdup_printf("FMC %u, ", t->fmc) : g_strdup("");

        return g_strdup_printf("%sboot loader %u, TEE %u, SNP %u, microcode %u (0x%016" G_GINT64_MODIFIER "x)", fmc,
                               t->boot_loader, t->tee, t->snp, t->microcode, t->raw);
}

static void add_unavailable(KeyValues *kv, char **pairs) {
        g_autoptr(GString) s = g_string_new(NULL);

        for (size_t i = 0; pairs[i]; i += 2)
                g_string_append_printf(s, "%s%s: %s", i > 0 ? "\n" : "", pairs[i], pairs[i + 1]);
        if (s->len > 0)
                kv_add(kv, "Unavailable", color_yellow(), "%s", s->str);
}

static void add_blob(KeyValues *kv, const char *key, const char *b64) {
        gsize len = 0;

        if (!*b64)
                return;
        g_free(g_base64_decode(b64, &len)); /* the table shows only its length */
        kv_add(kv, key, NULL, "%zu bytes (the base64 is in --json)", (size_t) len);
}

static void platform_add_sev(KeyValues *kv, const MemcryptPlatformInfo *p) {
        static const char *const states[] = { "uninitialised", "initialised", "working" };

        kv_add(kv, "SEV firmware", NULL, "%u.%u build %u", p->api_major, p->api_minor, p->build);
        kv_add(kv, "Platform state", NULL, "%s", p->state < G_N_ELEMENTS(states) ? states[p->state] : "unknown");
        kv_add(kv, "Owner", NULL, "%s", p->owner ? "externally owned" : "self-owned");
        kv_add(kv, "SEV-ES initialised", NULL, "%s", yes_no(p->es_initialized));
        kv_add(kv, "SEV guests", NULL, "%u", p->guest_count);
}

static void platform_add_snp(KeyValues *kv, const MemcryptPlatformInfo *p) {
        g_autofree char *current = format_tcb(&p->current_tcb), *reported = format_tcb(&p->reported_tcb);

        kv_add(kv, "SNP firmware", NULL, "%u.%u build %u", p->snp_api_major, p->snp_api_minor, p->snp_build_id);
        kv_add(kv, "SNP state", NULL, "%s", p->snp_state == 1 ? "initialised" : "uninitialised");
        kv_add(kv, "RMP initialised", NULL, "%s", yes_no(p->rmp_initialized));
        kv_add(kv, "Alias check complete", NULL, "%s", yes_no(p->alias_check_complete));
        kv_add(kv, "VLEK", NULL, "%s", p->vlek_enabled ? "enabled" : "not enabled");
        kv_add(kv, "SNP guests", NULL, "%u", p->snp_guest_count);
        kv_add(kv, "Current TCB", NULL, "%s", current);
        kv_add(kv, "Reported TCB", p->tcb_committed_mismatch ? color_yellow() : NULL, "%s%s", reported,
               p->tcb_committed_mismatch ? "\nnot the current TCB: the firmware update is not committed" : "");
}

int attest_print_platform(MemcryptClient *c, JsonMode json) {
        g_autoptr(MemcryptPlatformInfo) p = NULL;
        g_autoptr(KeyValues) kv = kv_new();
        int r;

        r = memcrypt_get_platform_info(c, &p);
        if (r < 0)
                return r;
        if (json != JSON_OFF) {
                g_autoptr(JsonNode) node = json_from_platform(p);

                json_print(node, json);
                return 0;
        }
        kv_add(kv, "CPU generation", NULL, "%s", p->cpu_generation);
        for (size_t i = 0; i < G_N_ELEMENTS(platform_blobs); i++)
                add_blob(kv, platform_blobs[i].label, platform_blob(p, i));
        if (p->has_sev_status)
                platform_add_sev(kv, p);
        if (p->has_snp_status)
                platform_add_snp(kv, p);
        if (*p->vcek_url)
                kv_add(kv, "VCEK URL", NULL, "%s", p->vcek_url);
        add_unavailable(kv, p->unavailable);
        kv_print(kv);
        return 0;
}

static void add_file(KeyValues *kv, const char *key, const char *path, const char *sha256) {
        if (*path)
                kv_add(kv, key, NULL, "%s\nSHA-256 %s", path, *sha256 ? sha256 : "unknown");
}

static void measurement_add_cpu(KeyValues *kv, const MemcryptLaunchMeasurement *m) {
        g_autofree char *signature = m->has_cpu_signature ?
                g_strdup_printf(", family %u model %u stepping %u (CPUID 1 EAX 0x%08x)", m->cpu_family,
                                m->cpu_model, m->cpu_stepping, m->cpu_signature) : g_strdup("");

        kv_add(kv, "vCPUs", NULL, "%u", m->vcpus);
        kv_add(kv, "CPU", NULL, "%s%s%s%s", *m->cpu_mode ? m->cpu_mode : "QEMU's default",
               *m->cpu_name ? " " : "", m->cpu_name, signature);
}

/* The service's reason for a missing measurement, or a generic one. */
static const char *measurement_missing_why(const MemcryptLaunchMeasurement *m) {
        for (char **u = m->unavailable; u && u[0] && u[1]; u += 2)
                if (strcmp(u[0], "measurement") == 0)
                        return u[1];
        return "the service sent none (a guest that is not paused before its first run, or not SEV/SEV-ES)";
}

int attest_print_measurement(MemcryptClient *c, const char *domain, JsonMode json) {
        g_autoptr(MemcryptLaunchMeasurement) m = NULL;
        g_autoptr(KeyValues) kv = kv_new();
        g_autofree char *policy = NULL;
        int r;

        r = memcrypt_get_launch_measurement(c, domain, &m);
        if (r < 0)
                return r;
        if (json != JSON_OFF) {
                g_autoptr(JsonNode) node = json_from_measurement(m);

                json_print(node, json);
        } else {
                policy = format_policy(m->model, m->policy);
                kv_add(kv, "Domain", NULL, "%s (%s)", m->domain, m->uuid);
                kv_add(kv, "State", NULL, "%s", m->state);
                kv_add(kv, "Model", NULL, "%s", m->model);
                kv_add(kv, "Measurement", NULL, "%s", *m->measurement ? m->measurement : "none");
                kv_add(kv, "SEV firmware", NULL, "%u.%u build %u", m->api_major, m->api_minor, m->build_id);
                kv_add(kv, "Policy", NULL, "%s", policy);
                add_file(kv, "Firmware", m->firmware, m->firmware_sha256);
                kv_add(kv, "Kernel hashes", NULL, "%s", yes_no(m->kernel_hashes));
                add_file(kv, "Kernel", m->kernel, m->kernel_sha256);
                add_file(kv, "Initrd", m->initrd, m->initrd_sha256);
                if (*m->cmdline_sha256)
                        kv_add(kv, "Command line", NULL, "%s\nSHA-256 %s (with its NUL)", m->cmdline, m->cmdline_sha256);
                measurement_add_cpu(kv, m);
                if (*m->expected_measurement)
                        kv_add(kv, "Expected digest", NULL, "%s", m->expected_measurement);
                add_unavailable(kv, m->unavailable);
                kv_print(kv);
        }
        /* The inputs are still shown, but without a measurement there is nothing to attest. */
        if (!*m->measurement) {
                fprintf(stderr, "memcryptctl: %s has no launch measurement: %s\n", domain, measurement_missing_why(m));
                return 1;
        }
        return 0;
}

int attest_inject(MemcryptClient *c, const char *domain, const char *header, const char *secret,
                  const MemcryptOptions *options, bool resume, JsonMode json) {
        int r;

        r = memcrypt_inject_launch_secret(c, domain, header, secret, options);
        if (r < 0)
                return r;
        if (json != JSON_OFF) {
                g_autoptr(JsonBuilder) b = json_builder_new();

                json_builder_begin_object(b);
                json_add_string(b, "domain", domain);
                add_bool(b, "injected", true);
                add_bool(b, "resumed", resume);
                json_builder_end_object(b);
                json_print_built(b, json);
        } else
                printf("Launch secret injected into %s%s.\n", domain, resume ? "; the guest is resumed" : "");
        return 0;
}
