/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * HostFacts: every raw fact memcryptd knows about a host, and nothing else.
 *
 * Probes fill it (service/probe/), the core judges it (service/core/).
 * No decisions live here: a fact is either known, or carries a Source that
 * says why it is not (missing, denied, malformed), so the core can fail
 * closed with a reason that names the file and the problem.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu-generation.h"
#include "domain-table.h"
#include "model-table.h"
#include "source.h"

typedef enum {
        TRI_UNKNOWN = -1,
        TRI_NO = 0,
        TRI_YES = 1,
} Tristate;


/* One raw CPUID result, kept so a snapshot can be written back out. */
typedef struct {
        uint32_t eax_in, ecx_in;
        uint32_t eax, ebx, ecx, edx;
} CpuidLeaf;

typedef struct {
        Source src;                 /* cpuid.xml or the instruction */
        bool from_dump;             /* true when read from cpuid.xml */
        GArray *leaves;             /* CpuidLeaf, every leaf read (for snapshots) */

        char vendor[13];            /* "AuthenticAMD", "HygonGenuine", "GenuineIntel" */
        uint32_t family, model, stepping;
        uint32_t package_type;      /* 0x80000001 EBX[31:28]: tells Bergamo/Siena apart */
        CpuGeneration generation;
        bool hypervisor;            /* CPUID.1:ECX[31] */

        bool has_leaf_8000001f;     /* max extended leaf >= 0x8000001F */
        uint32_t leaf_eax, leaf_ebx, leaf_ecx, leaf_edx;  /* Fn8000_001F raw */
        bool sme, sev, sev_es, sev_snp, vmpl, debug_swap; /* EAX bits 0,1,3,4,5,14 */
        uint32_t cbitpos;           /* EBX[5:0] */
        uint32_t reduced_phys_bits; /* EBX[11:6] */
        uint32_t vmpl_count;        /* EBX[15:12] */
        uint32_t asid_count;        /* ECX: highest ASID */
        uint32_t min_sev_asid;      /* EDX: lowest ASID usable by SEV (non-ES) guests */
} CpuidFacts;

typedef struct {
        Source src;
        bool sme, sev, sev_es, sev_snp, debug_swap, hypervisor;
} CpuinfoFacts;

/* A kvm_amd boolean parameter: the file may be missing on older kernels. */
typedef struct {
        Source src;
        Tristate value;
} ModuleParam;

typedef struct {
        Source module;              /* sys/module/kvm_amd: MISSING = not loaded */
        ModuleParam sev, sev_es, sev_snp, debug_swap;
        Source ciphertext_hiding_src;
        uint32_t ciphertext_hiding_asids; /* 0 when absent or off */
        ModuleParam ccp_psp_init_on_probe; /* sys/module/ccp/parameters/psp_init_on_probe */
} KvmFacts;

/* Root misc cgroup. -1 = the key is not listed. */
typedef struct {
        Source capacity_src, current_src;
        int64_t capacity_sev, capacity_sev_es;
        int64_t current_sev, current_sev_es;
} MiscCgroupFacts;

typedef struct {
        uint8_t boot_loader, tee, snp, microcode, fmc;
        bool has_fmc;               /* Turin/Venice layout */
} TcbVersion;

typedef struct {
        Source device;              /* /dev/sev (or dev/sev.json): MISSING = no PSP */

        Source sev_src;             /* SEV_PLATFORM_STATUS */
        uint8_t api_major, api_minor, build, state;  /* state: 0 UNINIT, 1 INIT, 2 WORKING */
        uint32_t flags;             /* bit 0 owner, bit 8 CONFIG_ES */
        uint32_t guest_count;

        Source snp_src;             /* SNP_PLATFORM_STATUS: MISSING/INVALID = not initialised or old kernel */
        uint8_t snp_api_major, snp_api_minor, snp_state; /* snp_state: 0 UNINIT, 1 INIT */
        bool rmp_initialized, alias_check_complete;
        uint32_t snp_build_id;
        uint32_t snp_feature_flags; /* offset 8: vlek_en bit 2, ciphertext_hiding_cap 5, ... */
        uint32_t snp_guest_count;
        uint64_t current_tcb, reported_tcb;
        TcbVersion current_tcb_decoded, reported_tcb_decoded;
} SevPlatformFacts;

typedef enum {
        FW_MAPPING_UNKNOWN = 0,
        FW_MAPPING_FLASH,
        FW_MAPPING_MEMORY,
        FW_MAPPING_KERNEL,
} FirmwareMappingDevice;

typedef enum {
        FW_FLASH_MODE_SPLIT = 0,    /* the default when "mode" is absent */
        FW_FLASH_MODE_COMBINED,
        FW_FLASH_MODE_STATELESS,
} FirmwareFlashMode;

typedef struct {
        char *path;                 /* descriptor path as on the host (without the root prefix) */
        char *description;
        bool uefi;                  /* "uefi" in interface-types */
        FirmwareMappingDevice device;
        FirmwareFlashMode flash_mode;
        char *executable;           /* flash executable / memory or kernel filename */
        char *nvram_template;       /* NULL unless split flash */
        bool x86_64_q35;            /* a target x86_64 with a machine glob matching pc-q35-* */
        char **features;            /* NULL-terminated */
} FirmwareDescriptor;

typedef struct {
        Source src;                 /* the search directories; problems with single files go to errors */
        GPtrArray *descriptors;     /* FirmwareDescriptor*, in QEMU's precedence order */
        GPtrArray *errors;          /* char*, one line per descriptor that could not be used */
} FirmwareFacts;

typedef struct {
        Source src;                 /* domcapabilities.xml or virConnectGetDomainCapabilities */
        Tristate sev_supported;     /* <sev supported=> */
        int64_t cbitpos, reduced_phys_bits;  /* -1 when absent */
        int64_t max_guests, max_es_guests;   /* -1 when absent (libvirt < 8.0) */
        char *cpu0_id;
        bool has_launch_security;   /* <launchSecurity> present (libvirt >= 10.5) */
        bool launch_security_supported;
        bool sectype_sev, sectype_sev_snp;
        char *raw_xml;              /* the document as read, for snapshots */
} DomainCapsFacts;

typedef struct {
        Source connection;          /* live: virConnectOpen; snapshot: libvirt/ directory */
        char *uri;                  /* live only */
        Source versions_src;
        char *libvirt_version, *qemu_version;  /* "10.5.0"; NULL when unknown */
        DomainCapsFacts domcaps;
        Source domains_src;
        DomainTable *domains;       /* never NULL */
        bool stale;                 /* the connection was lost: the rest is what it said last */
        char *node_sev_info;        /* virNodeGetSEVInfo's parameters as a JSON object (libvirt/nodesevinfo.json); NULL when none */
} LibvirtFacts;

typedef struct {
        char *root;                 /* "/" for the live host */
        bool live;                  /* facts come from this host, not a snapshot */

        Source osrelease_src, hostname_src;
        char *kernel_release, *hostname;
        Tristate smt_active;        /* sys/devices/system/cpu/smt/active */

        CpuidFacts cpuid;
        CpuinfoFacts cpuinfo;
        KvmFacts kvm;
        MiscCgroupFacts misc;
        SevPlatformFacts sev;
        FirmwareFacts firmware;
        LibvirtFacts libvirt;
} HostFacts;

void host_facts_init(HostFacts *f);
void host_facts_clear(HostFacts *f);

void firmware_descriptor_free(FirmwareDescriptor *d);
/* What a probe of a libvirt connection read (URI, versions, domain capabilities,
 * SEV node info; not the connection state or the domains), from SRC into DST. */
void libvirt_facts_copy_probed(LibvirtFacts *dst, const LibvirtFacts *src);
