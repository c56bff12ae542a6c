/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "build-config.h"
#include "properties.h"
#include "report.h"

const PropertyInfo manager_property_info[_MANAGER_PROPERTY_MAX] = {
        [MANAGER_VERSION]              = { "Version",            "s",      PROPERTY_CONST },
        [MANAGER_NODE_NAME]            = { "NodeName",           "s",      PROPERTY_EMITS_CHANGE },
        [MANAGER_HEALTH]               = { "Health",             "s",      PROPERTY_EMITS_CHANGE },
        [MANAGER_HEALTH_MESSAGE]       = { "HealthMessage",      "s",      PROPERTY_EMITS_CHANGE },
        [MANAGER_USABLE_MODELS]        = { "UsableModels",       "as",     PROPERTY_EMITS_CHANGE },
        [MANAGER_CPU_VENDOR]           = { "CpuVendor",          "s",      PROPERTY_CONST },
        [MANAGER_CPU_GENERATION]       = { "CpuGeneration",      "s",      PROPERTY_CONST },
        [MANAGER_CBIT_POSITION]        = { "CBitPosition",       "u",      PROPERTY_CONST },
        [MANAGER_REDUCED_PHYS_BITS]    = { "ReducedPhysBits",    "u",      PROPERTY_CONST },
        [MANAGER_ASID_COUNT]           = { "AsidCount",          "u",      PROPERTY_CONST },
        [MANAGER_MIN_SEV_ASID]         = { "MinSevAsid",         "u",      PROPERTY_CONST },
        [MANAGER_KERNEL_VERSION]       = { "KernelVersion",      "s",      PROPERTY_EMITS_CHANGE },
        [MANAGER_LIBVIRT_VERSION]      = { "LibvirtVersion",     "s",      PROPERTY_EMITS_CHANGE },
        [MANAGER_QEMU_VERSION]         = { "QemuVersion",        "s",      PROPERTY_EMITS_CHANGE },
        [MANAGER_SEV_FIRMWARE_VERSION] = { "SevFirmwareVersion", "s",      PROPERTY_EMITS_CHANGE },
        [MANAGER_LIBVIRT_CONNECTED]    = { "LibvirtConnected",   "b",      PROPERTY_EMITS_CHANGE },
        [MANAGER_RUNNING_DOMAINS]      = { "RunningDomains",     "u",      PROPERTY_EMITS_CHANGE },
        [MANAGER_ENCRYPTED_DOMAINS]    = { "EncryptedDomains",   "a(sss)", PROPERTY_EXPLICIT },
        [MANAGER_LAST_REFRESH]         = { "LastRefresh",        "t",      PROPERTY_NOT_SIGNALLED },
};

const PropertyInfo model_property_info[_MODEL_PROPERTY_MAX] = {
        [MODEL_PROP_NAME]              = { "Name",             "s",       PROPERTY_CONST },
        [MODEL_PROP_USABLE]            = { "Usable",           "b",       PROPERTY_EMITS_CHANGE },
        [MODEL_PROP_REASONS]           = { "Reasons",          "a(ssss)", PROPERTY_EMITS_CHANGE },
        [MODEL_PROP_TRAIT]             = { "Trait",            "s",       PROPERTY_CONST },
        [MODEL_PROP_RESOURCE_PROVIDER] = { "ResourceProvider", "s",       PROPERTY_EMITS_CHANGE },
        [MODEL_PROP_ASID_FIRST]        = { "AsidFirst",        "u",       PROPERTY_EMITS_CHANGE },
        [MODEL_PROP_ASID_LAST]         = { "AsidLast",         "u",       PROPERTY_EMITS_CHANGE },
        [MODEL_PROP_SLOTS_TOTAL]       = { "SlotsTotal",       "u",       PROPERTY_EMITS_CHANGE },
        [MODEL_PROP_SLOTS_USED]        = { "SlotsUsed",        "u",       PROPERTY_EMITS_CHANGE },
        [MODEL_PROP_SLOTS_FREE]        = { "SlotsFree",        "u",       PROPERTY_EMITS_CHANGE },
        [MODEL_PROP_DEFAULT_POLICY]    = { "DefaultPolicy",    "t",       PROPERTY_EMITS_CHANGE },
        [MODEL_PROP_FIRMWARE]          = { "Firmware",         "as",      PROPERTY_EMITS_CHANGE },
};

/* Host files and libvirt answers are not promised to be UTF-8, and a bus
 * string must be: repair instead of dropping the connection. Never NULL. */
static GVariant *str(const char *s) {
        if (!s)
                return g_variant_new_string("");
        if (!g_utf8_validate(s, -1, NULL))
                return g_variant_new_take_string(g_utf8_make_valid(s, -1));
        return g_variant_new_string(s);
}

static GVariant *string_array(GPtrArray *strings) {
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE_STRING_ARRAY);
        for (guint i = 0; i < strings->len; i++)
                g_variant_builder_add_value(&b, str(strings->pdata[i]));
        return g_variant_builder_end(&b);
}

static GVariant *usable_models(const HostVerdict *v) {
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE_STRING_ARRAY);
        for (Model m = 0; m < _MODEL_MAX; m++)
                if (v->models[m].usable)
                        g_variant_builder_add(&b, "s", model_name(m));
        return g_variant_builder_end(&b);
}

static GVariant *encrypted_domains(const HostFacts *f) {
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE("a(sss)"));
        for (guint i = 0; i < f->libvirt.domains->len; i++) {
                const RunningDomain *d = f->libvirt.domains->pdata[i];
                if (d->model != MODEL_NONE)
                        g_variant_builder_add(&b, "(@s@s@s)", str(d->name), str(d->uuid),
                                              str(model_guest_name(d->model)));
        }
        return g_variant_builder_end(&b);
}

static GVariant *reasons(GPtrArray *list) {
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE("a(ssss)"));
        for (guint i = 0; i < list->len; i++) {
                const Reason *r = list->pdata[i];
                g_variant_builder_add(&b, "(@s@s@s@s)", str(r->code), str(severity_to_string(r->severity)),
                                      str(r->message), str(r->hint));
        }
        return g_variant_builder_end(&b);
}


static void build_manager(GVariant **p, const HostFacts *f, const HostVerdict *v, uint64_t last_refresh) {
        const CpuidFacts *c = &f->cpuid;
        bool cpuid_ok = c->src.status == SOURCE_OK;

        p[MANAGER_VERSION] = str(MEMCRYPT_VERSION);
        p[MANAGER_NODE_NAME] = str(v->node);
        p[MANAGER_HEALTH] = str(health_to_string(v->health));
        p[MANAGER_HEALTH_MESSAGE] = str(v->health_message);
        p[MANAGER_USABLE_MODELS] = usable_models(v);
        p[MANAGER_CPU_VENDOR] = str(cpuid_ok ? c->vendor : "");
        p[MANAGER_CPU_GENERATION] = str(cpu_generation_to_string(cpuid_ok ? c->generation : CPU_GEN_UNKNOWN));
        p[MANAGER_CBIT_POSITION] = g_variant_new_uint32(c->cbitpos);
        p[MANAGER_REDUCED_PHYS_BITS] = g_variant_new_uint32(c->reduced_phys_bits);
        p[MANAGER_ASID_COUNT] = g_variant_new_uint32(c->asid_count);
        p[MANAGER_MIN_SEV_ASID] = g_variant_new_uint32(c->min_sev_asid);
        p[MANAGER_KERNEL_VERSION] = str(f->kernel_release);
        p[MANAGER_LIBVIRT_VERSION] = str(f->libvirt.libvirt_version);
        p[MANAGER_QEMU_VERSION] = str(f->libvirt.qemu_version);
        p[MANAGER_SEV_FIRMWARE_VERSION] = g_variant_new_take_string(report_sev_firmware_version(f));
        p[MANAGER_LIBVIRT_CONNECTED] = g_variant_new_boolean(f->libvirt.connection.status == SOURCE_OK);
        p[MANAGER_RUNNING_DOMAINS] = g_variant_new_uint32(f->libvirt.domains->len);
        p[MANAGER_ENCRYPTED_DOMAINS] = encrypted_domains(f);
        p[MANAGER_LAST_REFRESH] = g_variant_new_uint64(last_refresh);
}

static void build_model(GVariant **p, const ModelVerdict *mv) {
        p[MODEL_PROP_NAME] = str(model_name(mv->model));
        p[MODEL_PROP_USABLE] = g_variant_new_boolean(mv->usable);
        p[MODEL_PROP_REASONS] = reasons(mv->reasons);
        p[MODEL_PROP_TRAIT] = str(model_trait(mv->model));
        p[MODEL_PROP_RESOURCE_PROVIDER] = str(mv->resource_provider);
        p[MODEL_PROP_ASID_FIRST] = g_variant_new_uint32(mv->asid_first);
        p[MODEL_PROP_ASID_LAST] = g_variant_new_uint32(mv->asid_last);
        p[MODEL_PROP_SLOTS_TOTAL] = g_variant_new_uint32(mv->slots_total);
        p[MODEL_PROP_SLOTS_USED] = g_variant_new_uint32(mv->slots_used);
        p[MODEL_PROP_SLOTS_FREE] = g_variant_new_uint32(mv->slots_free);
        p[MODEL_PROP_DEFAULT_POLICY] = g_variant_new_uint64(mv->default_policy);
        p[MODEL_PROP_FIRMWARE] = string_array(mv->firmware);
}

static void sink_all(GVariant **p, size_t n) {
        for (size_t i = 0; i < n; i++)
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
                bool same = old[i] && g_variant_equal(old[i], new_values[i]);

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
