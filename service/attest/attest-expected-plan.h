/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The inputs of an expected launch measurement (attest-expected.h), derived
 * from a domain document and the host facts, and the options that replace
 * what the daemon would derive.
 */

#include <stdbool.h>
#include <stdint.h>

#include "attest-domain.h"
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
