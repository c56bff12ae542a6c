/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cpu-generation.h"

#include <glib.h>

/*
 * Sources: AMD's processor programming references (family/model), the SEV-SNP firmware ABI
 * (TCB layout, 56860 §2.2), AMD's VCEK specification (57230: KDS product names, the chip id
 * of Turin and later cut to 8 bytes) and AMD-SB-3023 (the SNP SVNs that fix CVE-2025-48514).
 * Bergamo and Siena are Genoa parts for KDS, as snphost maps them; Venice has no published
 * KDS product yet.
 */
static const CpuGenerationInfo generations[_CPU_GEN_MAX] = {
        [CPU_GEN_UNKNOWN] = { .name = "unknown", .package_type = -1 },
        [CPU_GEN_NAPLES] = { .name = "naples", .family = 0x17, .models = { { 0x01, 0x01 } },
                             .package_type = -1 },
        [CPU_GEN_ROME] = { .name = "rome", .family = 0x17, .models = { { 0x31, 0x31 } },
                           .package_type = -1, .can_sev_es = true },
        [CPU_GEN_MILAN] = { .name = "milan", .family = 0x19, .models = { { 0x00, 0x0f } },
                            .package_type = -1, .can_sev_es = true, .can_snp = true,
                            .tcb_layout = TCB_LAYOUT_ZEN3_ZEN4, .kds_product = "Milan",
                            .kds_hwid_len = 64, .es_fixed_snp_svn = 0x1b },
        [CPU_GEN_GENOA] = { .name = "genoa", .family = 0x19, .models = { { 0x10, 0x1f } },
                            .package_type = -1, .can_sev_es = true, .can_snp = true,
                            .tcb_layout = TCB_LAYOUT_ZEN3_ZEN4, .kds_product = "Genoa",
                            .kds_hwid_len = 64, .es_fixed_snp_svn = 0x1b },
        [CPU_GEN_BERGAMO] = { .name = "bergamo", .family = 0x19, .models = { { 0xa0, 0xaf } },
                              .package_type = -1, .can_sev_es = true, .can_snp = true,
                              .tcb_layout = TCB_LAYOUT_ZEN3_ZEN4, .kds_product = "Genoa",
                              .kds_hwid_len = 64, .es_fixed_snp_svn = 0x1b },
        [CPU_GEN_SIENA] = { .name = "siena", .family = 0x19, .models = { { 0xa0, 0xaf } },
                            .package_type = 0x8, .can_sev_es = true, .can_snp = true,
                            .tcb_layout = TCB_LAYOUT_ZEN3_ZEN4, .kds_product = "Genoa",
                            .kds_hwid_len = 64, .es_fixed_snp_svn = 0x1b },
        [CPU_GEN_TURIN] = { .name = "turin", .family = 0x1a, .models = { { 0x00, 0x11 } },
                            .package_type = -1, .can_sev_es = true, .can_snp = true,
                            .tcb_layout = TCB_LAYOUT_ZEN5, .kds_product = "Turin",
                            .kds_hwid_len = 8, .es_fixed_snp_svn = 0x04 },
        [CPU_GEN_VENICE] = { .name = "venice", .family = 0x1a,
                             .models = { { 0x50, 0x57 }, { 0x90, 0xaf }, { 0xc0, 0xc7 } },
                             .package_type = -1, .can_sev_es = true, .can_snp = true,
                             .tcb_layout = TCB_LAYOUT_ZEN5, .kds_product = NULL,
                             .kds_hwid_len = 8, .es_fixed_snp_svn = 0x04 },
};

const CpuGenerationInfo *cpu_generation_info(CpuGeneration g) {
        return &generations[(unsigned) g < _CPU_GEN_MAX ? g : CPU_GEN_UNKNOWN];
}

const char *cpu_generation_to_string(CpuGeneration g) {
        return cpu_generation_info(g)->name;
}

static bool matches(const CpuGenerationInfo *gi, uint32_t family, uint32_t model, uint32_t package_type) {
        if (gi->family != family)
                return false;
        if (gi->package_type >= 0 && (uint32_t) gi->package_type != package_type)
                return false;
        for (size_t i = 0; i < G_N_ELEMENTS(gi->models) && gi->models[i].last; i++)
                if (model >= gi->models[i].first && model <= gi->models[i].last)
                        return true;
        return false;
}

CpuGeneration cpu_generation_from_signature(uint32_t family, uint32_t model, uint32_t package_type) {
        /* A row with a package type is more specific than one without: try those first
         * (Siena and Bergamo share their model range). */
        for (int pass = 0; pass < 2; pass++)
                for (CpuGeneration g = CPU_GEN_UNKNOWN + 1; g < _CPU_GEN_MAX; g++) {
                        const CpuGenerationInfo *gi = cpu_generation_info(g);
                        if ((gi->package_type >= 0) == (pass == 0) && matches(gi, family, model, package_type))
                                return g;
                }
        return CPU_GEN_UNKNOWN;
}
