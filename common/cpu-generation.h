/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The EPYC generations, each defined once: how CPUID names it, what it can run, how its PSP lays
 * out a TCB version, what AMD's key distribution service calls it, and which SNP firmware fixes
 * CVE-2025-48514. Probes, gates and attestation read this table; none of them tests a generation
 * by name. A new generation is one row (docs/design.md, "Recipes").
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
        CPU_GEN_UNKNOWN = 0,
        CPU_GEN_NAPLES,
        CPU_GEN_ROME,
        CPU_GEN_MILAN,
        CPU_GEN_GENOA,
        CPU_GEN_BERGAMO,
        CPU_GEN_SIENA,
        CPU_GEN_TURIN,
        CPU_GEN_VENICE,
        _CPU_GEN_MAX,
} CpuGeneration;

/* Where the SPL fields sit in a 64-bit TCB version. */
typedef enum {
        TCB_LAYOUT_ZEN3_ZEN4,   /* boot_loader, tee at bytes 0-1, snp at 6, microcode at 7 */
        TCB_LAYOUT_ZEN5,        /* fmc, boot_loader, tee, snp at bytes 0-3, microcode at 7 */
} TcbLayout;

typedef struct {
        uint8_t first, last;
} ModelRange;

typedef struct {
        const char *name;               /* "milan": the CpuGeneration property and JSON value */
        uint32_t family;                /* CPUID family (base + extended) */
        ModelRange models[3];           /* CPUID model ranges; an empty range ends the list */
        int package_type;               /* CPUID 0x80000001 EBX[31:28] it needs, -1 for any */
        bool can_sev_es;                /* Naples sets the ES bit but cannot launch SEV-ES guests */
        bool can_snp;
        TcbLayout tcb_layout;
        const char *kds_product;        /* AMD KDS product name for VCEKs; NULL: none published */
        size_t kds_hwid_len;            /* bytes of the chip id in a VCEK URL */
        uint8_t es_fixed_snp_svn;       /* first SNP SVN rejecting SEV-ES under SNP (AMD-SB-3023) */
} CpuGenerationInfo;

/* The row of G (CPU_GEN_UNKNOWN has one too: nothing can be claimed for it). */
const CpuGenerationInfo *cpu_generation_info(CpuGeneration g);

const char *cpu_generation_to_string(CpuGeneration g);

/* The generation of a CPUID signature; CPU_GEN_UNKNOWN for desktop parts and anything newer. */
CpuGeneration cpu_generation_from_signature(uint32_t family, uint32_t model, uint32_t package_type);
