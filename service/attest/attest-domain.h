/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a launch measurement depends on, as a running domain's XML states it. */

#include <stdbool.h>
#include <stdint.h>

#include "api-error.h"
#include "facts.h"

typedef struct {
        Model model;
        bool has_policy;
        uint64_t policy;                /* <launchSecurity><policy>, hex */
        bool kernel_hashes;             /* <launchSecurity kernelHashes='yes'> */
        char *loader;                   /* <os><loader>: the firmware QEMU measured */
        bool has_nvram;                 /* <os><nvram>: firmware_pick() prefers a split flash image */
        char *kernel, *initrd, *cmdline;        /* direct kernel boot; NULL when absent */
        unsigned vcpus;                 /* started with: <vcpu current=> or <vcpu> */
        char *cpu_mode;                 /* <cpu mode=>; NULL without <cpu> */
        char *cpu_name;                 /* <cpu><model>, for custom and host-model */
} AttestDomainInputs;

void attest_domain_inputs_clear(AttestDomainInputs *in);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(AttestDomainInputs, attest_domain_inputs_clear)

/* Reads XML (a libvirt domain document); InvalidDomainXml when it cannot be parsed. */
ApiError attest_domain_inputs_parse(const char *xml, AttestDomainInputs *ret, char **message);

/*
 * The guest CPU's family, model and stepping (CPUID 1 EAX): the host's for
 * host-passthrough and maximum, QEMU's definition for the EPYC models.
 * false when not known (no <cpu>: QEMU's default model; an unknown name).
 */
bool attest_cpu_signature(const AttestDomainInputs *in, const CpuidFacts *host, uint32_t *family,
                          uint32_t *model, uint32_t *stepping);

