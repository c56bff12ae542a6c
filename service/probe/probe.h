/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Probes: read raw host facts into HostFacts. No decisions here.
 * Every path is relative to ProbeOptions.root, so a snapshot directory
 * replays a whole host. A probe never fails as a whole: each source
 * records in its Source what went wrong, and the core turns that into
 * a reason.
 */

#include <libvirt/libvirt.h>

#include "facts.h"
#include "fileio.h"     /* probe_root_is_live() */

typedef struct {
        const char *root;          /* "/" (live) or a snapshot directory */
        const char *libvirt_uri;   /* live only; NULL = "qemu:///system" */
        bool skip_libvirt;         /* live only: do not connect to libvirt */
        bool libvirt_by_caller;    /* live only: leave libvirt's facts alone (the daemon's connection fills them) */
} ProbeOptions;

/* Fills F (initialised with host_facts_init()) from every source. */
void probe_host(const ProbeOptions *opts, HostFacts *f);

/* Per source; each reads under ROOT and records failures in its Source. */
void probe_cpuid(const char *root, bool live, CpuidFacts *c);
void probe_cpuinfo(const char *root, CpuinfoFacts *ci);
void probe_kernel(const char *root, HostFacts *f);     /* osrelease, hostname, smt */
void probe_kvm(const char *root, KvmFacts *k);
void probe_misc_cgroup(const char *root, MiscCgroupFacts *m);
void probe_sev_platform(const char *root, bool live, CpuGeneration gen, SevPlatformFacts *s);
void probe_firmware(const char *root, FirmwareFacts *fw);
void probe_libvirt(const ProbeOptions *opts, bool live, LibvirtFacts *lv);
/* libvirt prints every error to stderr unless told otherwise; its callers
 * here record them (virGetLastErrorMessage()) instead. */
void libvirt_errors_quiet(void);
/* Versions and domain capabilities over an open connection (not the domains). */
void probe_libvirt_connection(virConnectPtr conn, const char *uri, LibvirtFacts *lv);

/* Parsers behind the probes, exposed for tests and fuzzing. */
bool cpuid_parse_dump(const char *xml, size_t len, GArray *leaves, char **error);
void cpuid_decode(CpuidFacts *c);
void cpuinfo_parse(const char *text, CpuinfoFacts *ci);
Tristate module_param_parse(const char *value);
bool misc_parse(const char *text, int64_t *sev, int64_t *sev_es, char **error);
void tcb_decode(uint64_t raw, CpuGeneration gen, TcbVersion *out);
bool sev_status_parse_json(const char *json, size_t len, CpuGeneration gen, SevPlatformFacts *s, char **error);
/* The dev/sev.json document for S (only the objects whose source is OK). Free with g_free(). */
char *sev_status_to_json(const SevPlatformFacts *s);
FirmwareDescriptor *firmware_descriptor_parse(const char *json, size_t len, const char *path, char **error);
bool domcaps_parse(const char *xml, size_t len, DomainCapsFacts *dc, char **error);
/* A running domain's XML: its model by launch-security-model.h (MODEL_NONE and *ERROR when it cannot
 * be told, or the XML is refused), name and UUID. */
Model domain_xml_guest_model(const char *xml, size_t len, char **name, char **uuid, char **error);
bool versions_json_parse(const char *json, size_t len, char **libvirt, char **qemu, char **error);
