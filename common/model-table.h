/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The memory-encryption models, each once: the names others rely on (docs/design.md "Names"),
 * the host's spelling of each (CPUID bit, /proc/cpuinfo flag, kvm_amd parameter, QEMU firmware
 * feature, libvirt's <launchSecurity> type), its policy rules and defaults. The probes classify
 * guests into Model, the core judges per Model, the service and libmemcrypt publish the names.
 */

#include <stdbool.h>
#include <stdint.h>

/* The names others rely on, for static initialisers too (libmemcrypt's memcrypt_model_names). */
#define MODEL_NAME_SEV          "amd-sev"
#define MODEL_NAME_SEV_ES       "amd-sev-es"
#define MODEL_NAME_SEV_SNP      "amd-sev-snp"

typedef enum {
        MODEL_SEV = 0,
        MODEL_SEV_ES,
        MODEL_SEV_SNP,
        _MODEL_MAX,
        MODEL_INVALID = -1,     /* a name that is no model; a host-wide check */
        MODEL_NONE = -2,        /* a guest without <launchSecurity> */
        MODEL_OTHER = -3,       /* a guest with another technology's <launchSecurity> (s390-pv, tdx, ...) */
} Model;

#define MEM_ENCRYPTION_CONTEXT "MEM_ENCRYPTION_CONTEXT"

/* Policy bits memcryptd checks (QEMU target/i386/sev.h, SNP firmware ABI 56860 §4.3). */
#define SEV_POLICY_NODBG       (UINT64_C(1) << 0)          /* set: debugging disallowed */
#define SEV_POLICY_ES          (UINT64_C(1) << 2)          /* QEMU starts the guest with encrypted state */
#define SEV_POLICY_RESERVED    UINT64_C(0xffc0)            /* bits 6-15 */
#define SNP_POLICY_SMT         (UINT64_C(1) << 16)         /* set: SMT allowed */
#define SNP_POLICY_RESERVED_1  (UINT64_C(1) << 17)         /* must be one */
#define SNP_POLICY_DEBUG       (UINT64_C(1) << 19)         /* set: debugging allowed */
#define SNP_POLICY_RESERVED_HI (~UINT64_C(0) << 25)        /* bits 25-63 must be zero */

typedef struct {
        const char *name;               /* "amd-sev-es": Nova's spelling, on the bus and in JSON */
        const char *object;             /* "amd_sev_es": D-Bus object path element and resource-provider suffix */
        const char *title;              /* "SEV-ES": for people */
        const char *trait;              /* "HW_CPU_X86_AMD_SEV_ES" (os-traits) */
        unsigned cpuid_bit;             /* CPUID 0x8000001F EAX */
        const char *cpuinfo_flag;       /* /proc/cpuinfo */
        const char *kvm_param;          /* /sys/module/kvm_amd/parameters/ */
        const char *firmware_feature;   /* a QEMU firmware descriptor's feature */
        const char *launch_security;    /* libvirt's <launchSecurity type=> */
        uint64_t default_policy;
        unsigned policy_digits;         /* hex digits of <policy> as libvirt and Nova write it */
        unsigned qemu_min[3];           /* the QEMU that can launch it */
} ModelInfo;

bool model_valid(Model m);              /* one of the _MODEL_MAX models */
const ModelInfo *model_info(Model m);   /* NULL unless model_valid() */
const char *model_name(Model m);
const char *model_object_name(Model m);
const char *model_title(Model m);
const char *model_trait(Model m);
Model model_from_name(const char *name);        /* MODEL_INVALID when NAME is none */
Model model_from_object_name(const char *object);       /* "amd_sev_es" -> MODEL_SEV_ES */
/* "0x0037", "0x00030000": POLICY as libvirt and Nova write it for M (4 hex digits unless M says
 * otherwise). Free with g_free(). */
char *model_policy_text(Model m, uint64_t policy);
/* A guest's model in the report: the name, "" without <launchSecurity>, "other" for another technology. */
const char *model_guest_name(Model m);
