/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The vCPU signature (CPUID Fn0000_0001 EAX) QEMU puts into RDX of every VMSA. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
        const char *name;               /* QEMU's -cpu model name, e.g. "EPYC-Milan-v2" */
        uint32_t family, model, stepping;
} MeasureVcpuType;

/* FAMILY/MODEL/STEPPING as CPUID Fn0000_0001 EAX (0x00a00f11 for 25/1/1); each wider field is cut. */
uint32_t measure_cpu_signature(uint32_t family, uint32_t model, uint32_t stepping);

/* QEMU's EPYC model NAME (exact, with or without its version), or NULL when not known here. */
const MeasureVcpuType *measure_vcpu_type_lookup(const char *name);

/* Every known model, for help texts: *N entries. */
const MeasureVcpuType *measure_vcpu_types(size_t *n);
