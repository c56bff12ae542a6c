/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "build-config.h"
#include "domain-table.h"
#include "json-util.h"
#include "model-values.h"
#include "report.h"
#include "schema.h"

char *report_sev_firmware_version(const HostFacts *f) {
        const SevPlatformFacts *s = &f->sev;

        if (s->sev_src.status == SOURCE_OK)
                return g_strdup_printf("%u.%u.%u", s->api_major, s->api_minor, s->build);
        if (s->snp_src.status == SOURCE_OK)
                return g_strdup_printf("%u.%u.%u", s->snp_api_major, s->snp_api_minor, s->snp_build_id);
        return g_strdup("");
}

static void build_host(JsonBuilder *b, const HostFacts *f) {
        const CpuidFacts *c = &f->cpuid;
        bool cpuid_ok = c->src.status == SOURCE_OK;
        g_autofree char *fw = report_sev_firmware_version(f);

        json_builder_set_member_name(b, "host");
        json_builder_begin_object(b);
        json_member_string(b, "cpu_vendor", cpuid_ok ? c->vendor : "");
        json_member_string(b, "cpu_generation", cpu_generation_to_string(cpuid_ok ? c->generation : CPU_GEN_UNKNOWN));
        json_member_bool(b, "in_guest", cpuid_ok && c->hypervisor);
        json_member_int(b, "cbitpos", c->cbitpos);
        json_member_int(b, "reduced_phys_bits", c->reduced_phys_bits);
        json_member_int(b, "asid_count", c->asid_count);
        json_member_int(b, "min_sev_asid", c->min_sev_asid);
        json_member_string(b, "kernel", f->kernel_release);
        json_member_string(b, "libvirt", f->libvirt.libvirt_version);
        json_member_string(b, "qemu", f->libvirt.qemu_version);
        json_member_string(b, "sev_firmware", fw);
        /* Additions beyond docs/design.md's required keys. */
        json_member_int(b, "cpu_family", c->family);
        json_member_int(b, "cpu_model", c->model);
        json_member_bool(b, "libvirt_connected", f->libvirt.connection.status == SOURCE_OK);
        json_member_string(b, "root", f->root);
        json_builder_end_object(b);
}

static void build_checks(JsonBuilder *b, GPtrArray *checks) {
        json_builder_set_member_name(b, "checks");
        json_builder_begin_array(b);
        for (guint i = 0; i < checks->len; i++) {
                const Check *c = checks->pdata[i];
                json_builder_begin_object(b);
                json_member_string(b, "id", c->id);
                json_member_string(b, "model", c->model);
                json_member_string(b, "category", check_category_to_string(c->category));
                json_member_string(b, "status", check_status_to_string(c->status));
                json_member_string(b, "message", c->message);
                json_member_string(b, "hint", c->hint);
                json_builder_end_object(b);
        }
        json_builder_end_array(b);
}

/* The first SCHEMA_REPORT_DOMAINS_MAX encrypted guests by name, and how many there are: the report
 * stays the same size whatever the host runs (ListEncryptedDomains() has them all). */
static void build_domains(JsonBuilder *b, const HostFacts *f) {
        guint total = domain_table_encrypted(f->libvirt.domains), listed = 0;
        DomainTableIter it;

        json_builder_set_member_name(b, "encrypted_domains");
        json_builder_begin_array(b);
        domain_table_iter_init(&it, f->libvirt.domains);
        for (const RunningDomain *d; listed < SCHEMA_REPORT_DOMAINS_MAX && (d = domain_table_iter_next(&it));) {
                if (d->model == MODEL_NONE)
                        continue;
                json_builder_begin_object(b);
                json_member_string(b, "name", d->name);
                json_member_string(b, "uuid", d->uuid);
                json_member_string(b, "model", model_guest_name(d->model));
                json_builder_end_object(b);
                listed++;
        }
        json_builder_end_array(b);
        json_member_int(b, "encrypted_domains_total", total);
        json_member_bool(b, "encrypted_domains_truncated", listed < total);
        json_member_int(b, "running_domains", domain_table_size(f->libvirt.domains));
}

JsonNode *report_build(const HostFacts *f, const HostVerdict *v) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_object(b);
        json_member_string(b, "version", MEMCRYPT_VERSION);
        json_member_string(b, "node", v->node);
        json_member_string(b, "health", health_to_string(v->health));
        json_member_string(b, "health_message", v->health_message);
        build_host(b, f);
        json_builder_set_member_name(b, "models");
        json_builder_begin_array(b);
        for (Model m = 0; m < _MODEL_MAX; m++)
                model_json_build(b, &v->models[m]);
        json_builder_end_array(b);
        build_checks(b, v->checks);
        build_domains(b, f);
        json_builder_end_object(b);
        return json_builder_get_root(b);
}

char *report_to_json(const HostFacts *f, const HostVerdict *v, bool pretty) {
        g_autoptr(JsonGenerator) gen = json_generator_new();
        g_autoptr(JsonNode) root = report_build(f, v);

        json_generator_set_root(gen, root);
        json_generator_set_pretty(gen, pretty);
        json_generator_set_indent(gen, 2);
        return json_generator_to_data(gen, NULL);
}
