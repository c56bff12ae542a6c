/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>
#include <string.h>

#include "model-table.h"

static const ModelInfo models[_MODEL_MAX] = {
        [MODEL_SEV] = {
                .name = MODEL_NAME_SEV, .object = "amd_sev", .title = "SEV", .trait = "HW_CPU_X86_AMD_SEV",
                .cpuid_bit = 1, .cpuinfo_flag = "sev", .kvm_param = "sev",
                .firmware_feature = "amd-sev", .launch_security = "sev",
                .default_policy = 0x0033, .policy_digits = 4,
                .qemu_min = { 2, 12, 0 },
        },
        [MODEL_SEV_ES] = {
                .name = MODEL_NAME_SEV_ES, .object = "amd_sev_es", .title = "SEV-ES", .trait = "HW_CPU_X86_AMD_SEV_ES",
                .cpuid_bit = 3, .cpuinfo_flag = "sev_es", .kvm_param = "sev_es",
                .firmware_feature = "amd-sev-es", .launch_security = "sev",
                .default_policy = 0x0037, .policy_digits = 4,
                .qemu_min = { 6, 0, 0 },
        },
        [MODEL_SEV_SNP] = {
                .name = MODEL_NAME_SEV_SNP, .object = "amd_sev_snp", .title = "SEV-SNP",
                .trait = "HW_CPU_X86_AMD_SEV_SNP",
                .cpuid_bit = 4, .cpuinfo_flag = "sev_snp", .kvm_param = "sev_snp",
                .firmware_feature = "amd-sev-snp", .launch_security = "sev-snp",
                .default_policy = 0x00030000, .policy_digits = 8,
                .qemu_min = { 9, 1, 0 },
        },
};

bool model_valid(Model m) {
        return m >= 0 && m < _MODEL_MAX;
}

const ModelInfo *model_info(Model m) {
        return model_valid(m) ? &models[m] : NULL;
}

const char *model_name(Model m) { return model_valid(m) ? models[m].name : NULL; }
const char *model_object_name(Model m) { return model_valid(m) ? models[m].object : NULL; }
const char *model_title(Model m) { return model_valid(m) ? models[m].title : NULL; }
const char *model_trait(Model m) { return model_valid(m) ? models[m].trait : NULL; }

Model model_from_name(const char *name) {
        for (Model m = 0; name && m < _MODEL_MAX; m++)
                if (strcmp(name, models[m].name) == 0)
                        return m;
        return MODEL_INVALID;
}

char *model_policy_text(Model m, uint64_t policy) {
        return g_strdup_printf("0x%0*" G_GINT64_MODIFIER "x", model_valid(m) ? (int) models[m].policy_digits : 4,
                               (guint64) policy);
}

Model model_from_object_name(const char *object) {
        for (Model m = 0; object && m < _MODEL_MAX; m++)
                if (strcmp(object, models[m].object) == 0)
                        return m;
        return MODEL_INVALID;
}

const char *model_guest_name(Model m) {
        if (model_valid(m))
                return models[m].name;
        return m == MODEL_OTHER ? "other" : "";
}
