/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "build-config.h"
#include "domain-table.h"
#include "properties.h"
#include "model-values.h"
#include "report.h"

static GVariant *usable_models(const HostVerdict *v) {
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE_STRING_ARRAY);
        for (Model m = 0; m < _MODEL_MAX; m++)
                if (v->models[m].usable)
                        g_variant_builder_add(&b, "s", model_name(m));
        return g_variant_builder_end(&b);
}

GVariant *property_domain_value(const RunningDomain *d) {
        return g_variant_new("(@s@s@s)", variant_string(d->name), variant_string(d->uuid),
                             variant_string(model_guest_name(d->model)));
}

static void build_manager(GVariant **p, const HostFacts *f, const HostVerdict *v, uint64_t last_refresh) {
        const CpuidFacts *c = &f->cpuid;
        bool cpuid_ok = c->src.status == SOURCE_OK;

        p[MANAGER_VERSION] = variant_string(MEMCRYPT_VERSION);
        p[MANAGER_NODE_NAME] = variant_string(v->node);
        p[MANAGER_HEALTH] = variant_string(health_to_string(v->health));
        p[MANAGER_HEALTH_MESSAGE] = variant_string(v->health_message);
        p[MANAGER_USABLE_MODELS] = usable_models(v);
        p[MANAGER_CPU_VENDOR] = variant_string(cpuid_ok ? c->vendor : "");
        p[MANAGER_CPU_GENERATION] = variant_string(cpu_generation_to_string(cpuid_ok ? c->generation : CPU_GEN_UNKNOWN));
        p[MANAGER_CBIT_POSITION] = g_variant_new_uint32(c->cbitpos);
        p[MANAGER_REDUCED_PHYS_BITS] = g_variant_new_uint32(c->reduced_phys_bits);
        p[MANAGER_ASID_COUNT] = g_variant_new_uint32(c->asid_count);
        p[MANAGER_MIN_SEV_ASID] = g_variant_new_uint32(c->min_sev_asid);
        p[MANAGER_KERNEL_VERSION] = variant_string(f->kernel_release);
        p[MANAGER_LIBVIRT_VERSION] = variant_string(f->libvirt.libvirt_version);
        p[MANAGER_QEMU_VERSION] = variant_string(f->libvirt.qemu_version);
        p[MANAGER_SEV_FIRMWARE_VERSION] = g_variant_new_take_string(report_sev_firmware_version(f));
        p[MANAGER_LIBVIRT_CONNECTED] = g_variant_new_boolean(f->libvirt.connection.status == SOURCE_OK);
        p[MANAGER_RUNNING_DOMAINS] = g_variant_new_uint32(domain_table_size(f->libvirt.domains));
        p[MANAGER_ENCRYPTED_DOMAINS] = NULL;   /* written from the domain table when asked (bus-manager.c) */
        p[MANAGER_LAST_REFRESH] = g_variant_new_uint64(last_refresh);
}

static void build_model(GVariant **p, const ModelVerdict *mv) {
        for (ModelProperty i = 0; i < _MODEL_PROPERTY_MAX; i++)
                p[i] = model_property_value(mv, i);
}

static void sink_all(GVariant **p, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (p[i])
                        g_variant_ref_sink(p[i]);
}

void property_values_build(PropertyValues *pv, const HostFacts *f, const HostVerdict *v,
                           uint64_t last_refresh_usec) {
        build_manager(pv->manager, f, v, last_refresh_usec);
        sink_all(pv->manager, _MANAGER_PROPERTY_MAX);
        for (Model m = 0; m < _MODEL_MAX; m++) {
                build_model(pv->models[m], &v->models[m]);
                sink_all(pv->models[m], _MODEL_PROPERTY_MAX);
        }
}

static void clear_all(GVariant **p, size_t n) {
        for (size_t i = 0; i < n; i++)
                g_clear_pointer(&p[i], g_variant_unref);
}

void property_values_clear(PropertyValues *pv) {
        clear_all(pv->manager, _MANAGER_PROPERTY_MAX);
        for (Model m = 0; m < _MODEL_MAX; m++)
                clear_all(pv->models[m], _MODEL_PROPERTY_MAX);
}

/* Move NEW[i] into OLD[i]; return the bitmask of indexes whose value changed. */
static uint64_t update_all(GVariant **old, GVariant **new_values, const PropertyInfo *info, size_t n) {
        uint64_t changed = 0;

        for (size_t i = 0; i < n; i++) {
                bool same;

                /* Built on demand and dropped by the caller when its source changes: no diff per refresh. */
                if (info[i].change == PROPERTY_EXPLICIT)
                        continue;
                same = old[i] && g_variant_equal(old[i], new_values[i]);

                if (old[i] && info[i].change == PROPERTY_CONST) {
                        if (!same)
                                g_warning("%s changed under the running daemon; restart it to see the new value",
                                          info[i].name);
                        g_clear_pointer(&new_values[i], g_variant_unref);
                        continue;
                }
                if (!same)
                        changed |= UINT64_C(1) << i;
                if (old[i])
                        g_variant_unref(old[i]);
                old[i] = g_steal_pointer(&new_values[i]);
        }
        return changed;
}

void property_values_update(PropertyValues *old, PropertyValues *new_values, ChangeSet *changes) {
        ChangeSet c = {};

        c.manager = update_all(old->manager, new_values->manager, manager_property_info, _MANAGER_PROPERTY_MAX);
        for (Model m = 0; m < _MODEL_MAX; m++)
                c.models[m] = update_all(old->models[m], new_values->models[m], model_property_info,
                                         _MODEL_PROPERTY_MAX);
        if (changes)
                *changes = c;
}
