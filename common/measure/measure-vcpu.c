/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * QEMU's x86 EPYC models (target/i386/cpu.c) whose versions are known to
 * keep the base model's family, model and stepping (they add or drop
 * features), the same list sev-snp-measure knows. A version not listed is
 * unknown, never guessed: QEMU may change a version's stepping.
 */
#include <string.h>

#include "measure-vcpu.h"

static const MeasureVcpuType types[] = {
        { "EPYC",            23,  1, 2 },
        { "EPYC-v1",         23,  1, 2 },
        { "EPYC-v2",         23,  1, 2 },
        { "EPYC-v3",         23,  1, 2 },
        { "EPYC-v4",         23,  1, 2 },
        { "EPYC-IBPB",       23,  1, 2 },
        { "EPYC-Rome",       23, 49, 0 },
        { "EPYC-Rome-v1",    23, 49, 0 },
        { "EPYC-Rome-v2",    23, 49, 0 },
        { "EPYC-Rome-v3",    23, 49, 0 },
        { "EPYC-Milan",      25,  1, 1 },
        { "EPYC-Milan-v1",   25,  1, 1 },
        { "EPYC-Milan-v2",   25,  1, 1 },
        { "EPYC-Genoa",      25, 17, 0 },
        { "EPYC-Genoa-v1",   25, 17, 0 },
        { "EPYC-Turin",      26,  0, 0 },
};

uint32_t measure_cpu_signature(uint32_t family, uint32_t model, uint32_t stepping) {
        uint32_t base = family > 0xf ? 0xf : family, ext = family > 0xf ? (family - 0xf) & 0xff : 0;

        return ext << 20 | ((model >> 4) & 0xf) << 16 | base << 8 | (model & 0xf) << 4 | (stepping & 0xf);
}

const MeasureVcpuType *measure_vcpu_type_lookup(const char *name) {
        for (size_t i = 0; name && i < sizeof(types) / sizeof(types[0]); i++)
                if (strcmp(types[i].name, name) == 0)
                        return &types[i];
        return NULL;
}

const MeasureVcpuType *measure_vcpu_types(size_t *n) {
        *n = sizeof(types) / sizeof(types[0]);
        return types;
}
