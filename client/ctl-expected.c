/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memcryptctl attest expected DOMAIN | --domain-xml FILE [--kernel FILE] [--initrd FILE]:
 * the launch digest memcryptd expects, its inputs, and the memcryptctl measure command
 * that recomputes it. --json prints {"measurement", "inputs", "command"} as measure --json
 * does, the inputs with the service's own keys.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl-args.h"
#include "ctl-expected.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MemcryptExpectedMeasurement, memcrypt_expected_measurement_free)

static void json_file(JsonBuilder *b, const char *key, const MemcryptMeasuredFile *f) {
        if (!*f->path)
                return;
        json_builder_set_member_name(b, key);
        json_builder_begin_object(b);
        json_add_string(b, "path", f->path);
        json_add_int(b, "size", (int64_t) f->size);
        json_add_string(b, "sha256", f->sha256);
        if (*f->descriptor)
                json_add_string(b, "descriptor", f->descriptor);
        if (*f->source)
                json_add_string(b, "source", f->source);
        json_builder_end_object(b);
}

static void json_inputs(JsonBuilder *b, const MemcryptExpectedMeasurement *m) {
        json_builder_set_member_name(b, "inputs");
        json_builder_begin_object(b);
        json_add_string(b, "mode", m->mode);
        json_add_string(b, "model", m->model);
        if (m->has_policy)
                json_add_int(b, "policy", (int64_t) m->policy);
        json_file(b, "firmware", &m->firmware);
        json_builder_set_member_name(b, "kernel_hashes");
        json_builder_add_boolean_value(b, m->kernel_hashes);
        json_file(b, "kernel", &m->kernel);
        json_file(b, "initrd", &m->initrd);
        if (m->kernel_hashes && *m->cmdline)
                json_add_string(b, "cmdline", m->cmdline);
        json_add_int(b, "vcpus", m->vcpus);
        if (m->has_vmsas) {
                json_add_int(b, "vcpu_signature", m->vcpu_signature);
                json_add_string(b, "vcpu_signature_source", m->vcpu_signature_source);
                json_add_int(b, "guest_features", (int64_t) m->guest_features);
                json_add_string(b, "guest_features_source", m->guest_features_source);
                json_add_string(b, "vmsa_form", m->vmsa_form);
                json_add_string(b, "vmsa_form_reason", m->vmsa_form_reason);
        }
        json_builder_end_object(b);
}

static void print_json(const MemcryptExpectedMeasurement *m, JsonMode json) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_object(b);
        json_add_string(b, "measurement", m->measurement);
        json_inputs(b, m);
        json_builder_set_member_name(b, "command");
        json_builder_begin_array(b);
        for (char **a = m->command; a && *a; a++)
                json_builder_add_string_value(b, *a);
        json_builder_end_array(b);
        json_builder_end_object(b);
        json_print_built(b, json);
}

static void add_file(KeyValues *kv, const char *key, const MemcryptMeasuredFile *f) {
        if (*f->path)
                kv_add(kv, key, NULL, "%s\n%" PRIu64 " bytes, SHA-256 %s%s%s", f->path, f->size, f->sha256,
                       *f->source ? "\n" : "", f->source);
}

/* The argv as one shell line: words with anything but safe characters quoted. */
static char *command_line(char **argv) {
        g_autoptr(GString) s = g_string_new(NULL);

        for (char **a = argv; a && *a; a++) {
                bool plain = **a != '\0';
                for (const char *p = *a; *p && plain; p++)
                        plain = g_ascii_isalnum(*p) || strchr("-_./:=,+@%", *p);
                g_autofree char *word = plain ? g_strdup(*a) : g_shell_quote(*a);
                g_string_append_printf(s, "%s%s", s->len ? " " : "", word);
        }
        return g_string_free(g_steal_pointer(&s), FALSE);
}

static void print_text(const MemcryptExpectedMeasurement *m) {
        g_autoptr(KeyValues) kv = kv_new();
        g_autofree char *policy = format_policy(m->model, m->policy);
        g_autofree char *command = command_line(m->command);

        kv_add(kv, "Expected measurement", NULL, "%s", m->measurement);
        kv_add(kv, "Model", NULL, "%s (memcryptctl measure --mode %s)", m->model, m->mode);
        if (m->has_policy)
                kv_add(kv, "Policy", NULL, "%s", policy);
        add_file(kv, "Firmware", &m->firmware);
        kv_add(kv, "Kernel hashes", NULL, "%s", m->kernel_hashes ? "yes" : "no");
        add_file(kv, "Kernel", &m->kernel);
        add_file(kv, "Initrd", &m->initrd);
        if (m->kernel_hashes && *m->cmdline)
                kv_add(kv, "Command line", NULL, "%s", m->cmdline);
        kv_add(kv, "vCPUs", NULL, "%u", m->vcpus);
        if (m->has_vmsas) {
                kv_add(kv, "vCPU signature", NULL, "0x%08x\n%s", m->vcpu_signature, m->vcpu_signature_source);
                kv_add(kv, "Guest features", NULL, "0x%" PRIx64 "\n%s", m->guest_features, m->guest_features_source);
                kv_add(kv, "VMSA form", NULL, "%s\n%s", m->vmsa_form, m->vmsa_form_reason);
        }
        kv_add(kv, "Command", NULL, "%s", command);
        kv_print(kv);
}

int attest_print_expected(MemcryptClient *c, const ExpectedRequest *req, JsonMode json) {
        g_autoptr(MemcryptExpectedMeasurement) m = NULL;
        int r;

        if (req->domain_xml)
                r = memcrypt_compute_expected_measurement(c, req->domain_xml, req->kernel_fd, req->initrd_fd,
                                                          req->options, &m);
        else
                r = memcrypt_get_expected_measurement(c, req->domain, req->options, &m);
        if (r < 0)
                return r;
        if (json != JSON_OFF)
                print_json(m, json);
        else
                print_text(m);
        return 0;
}
