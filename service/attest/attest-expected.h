/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The expected launch measurement of a domain (GetExpectedMeasurement,
 * ComputeExpectedMeasurement, and the expected digest in
 * GetLaunchMeasurement), without the bus. Every input is derived from the
 * domain document and the host facts (attest-expected-plan.c), the files
 * are read and hashed with common/measure (attest-expected.c), and results
 * are kept by the identity of their files (attest-expected-cache.c).
 *
 * Security: a caller's document never makes the daemon open a path it
 * names, except a firmware image a QEMU firmware descriptor lists; its
 * kernel and initrd come as descriptors the caller opened. A document from
 * libvirt (a defined or running domain) is libvirt's: its kernel and initrd
 * are read under the host root like GetLaunchMeasurement's hashes.
 */

#include <stdbool.h>
#include <stdint.h>

#include "attest-domain.h"
#include "attest-expected-cache.h"
#include "attest-libvirt.h"
#include "facts.h"
#include "measure.h"
#include "model.h"

/* The options both methods take; each replaces what the daemon would derive. */
typedef struct {
        bool has_vcpu_signature;
        uint32_t vcpu_signature;        /* vcpu_signature (u): CPUID 1 EAX of the guest CPU model */
        bool has_vmsa_form;
        MeasureVmsaForm vmsa_form;      /* vmsa_form (s): "init2" or "legacy" */
        bool has_guest_features;
        uint64_t guest_features;        /* guest_features (t): the VMSA's SEV_FEATURES */
} ExpectedOptions;

/* OPTIONS (a{sv}, may be NULL) into *RET; InvalidArgument naming an unknown key or a wrong type. */
ApiError attest_expected_options_parse(GVariant *options, ExpectedOptions *ret, char **message);

/* Every input of the digest and where it came from; strings are owned, paths as on the host. */
typedef struct {
        MeasureMode mode;
        Model model;
        bool has_policy;
        uint64_t policy;
        char *firmware;                 /* the descriptor's executable */
        char *descriptor;               /* the descriptor's path */
        char *firmware_source;          /* why this firmware */
        bool kernel_measured;           /* kernelHashes='yes' with a <kernel>: QEMU adds the hashes table */
        char *kernel, *initrd, *cmdline; /* the document's, when measured (initrd, cmdline may be NULL) */
        unsigned vcpus;
        uint32_t vcpu_signature;        /* SEV-ES and SNP */
        char *vcpu_signature_source;
        uint64_t guest_features;        /* SEV-ES and SNP: VMSA.sev_features */
        char *guest_features_source;
        MeasureVmsaForm vmsa_form;      /* SEV-ES and SNP */
        char *vmsa_form_reason;
} ExpectedPlan;

void expected_plan_clear(ExpectedPlan *p);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ExpectedPlan, expected_plan_clear)

/* Whether the mode builds VMSAs (so vCPU signature, guest features and VMSA form count). */
static inline bool expected_plan_has_vmsas(const ExpectedPlan *p) {
        return p->mode == MEASURE_MODE_SEV_ES || p->mode == MEASURE_MODE_SNP;
}

/*
 * Derives every input from IN (a parsed domain document) and the host facts F:
 * the model and mode from <launchSecurity>; the firmware from the QEMU firmware
 * descriptors (a <loader> path must be one a descriptor lists; without one, the
 * descriptor ConfigureDomain() pins); the vCPU signature from <cpu>; the VMSA form
 * from the host's QEMU and kernel versions; the guest features from the model,
 * the form and kvm_amd.debug_swap. O replaces what it gives.
 */
ApiError expected_plan_derive(const HostFacts *f, const AttestDomainInputs *in, const ExpectedOptions *o,
                              ExpectedPlan *ret, char **message);

/* ---- the answer --------------------------------------------------------- */

/* Where a document came from. */
typedef struct {
        const char *xml;
        bool from_caller;               /* a caller's document: kernel and initrd only from the descriptors */
        int kernel_fd, initrd_fd;       /* from_caller: the caller's (not owned; -1 when none) */
} ExpectedSource;

/* The largest kernel or initrd measured (the measurement library's cap, documented). */
#define EXPECTED_BOOT_FILE_MAX MEASURE_BOOT_FILE_MAX

/*
 * The expected measurement of SRC on the host F, as the "(sa{sv}as)" reply:
 * the digest (lowercase hex), the inputs, and the memcryptctl measure argv that
 * recomputes it. CACHE may be NULL.
 */
ApiError attest_expected(const HostFacts *f, ExpectedCache *cache, const ExpectedSource *src,
                         const ExpectedOptions *o, GVariant **ret, char **message);

/* The same for LV's domain NAME, defined or running (its XML from libvirt). */
ApiError attest_expected_domain(const HostFacts *f, AttestLibvirt *lv, const char *no_libvirt, ExpectedCache *cache,
                                const char *name, const ExpectedOptions *o, GVariant **ret, char **message);

/* Just the digest (hex) of a domain libvirt started, for GetLaunchMeasurement; NULL with *WHY. */
char *attest_expected_digest(const HostFacts *f, ExpectedCache *cache, const char *xml, char **why);
