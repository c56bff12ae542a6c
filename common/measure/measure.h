/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The launch digest an AMD SEV, SEV-ES or SEV-SNP guest started by QEMU
 * must measure, computed from its inputs as sev-snp-measure and libvirt's
 * virt-qemu-sev-validate do. Pure computation over what the caller hands
 * in: the daemon and memcryptctl both link it. docs/measurement.md has the
 * algorithm.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "measure-attest.h"
#include "measure-error.h"
#include "measure-hashes.h"
#include "measure-ovmf.h"
#include "measure-vcpu.h"
#include "measure-vmsa.h"

#define MEASURE_VCPUS_MAX 512u          /* QEMU's limit for an x86 guest without x2APIC tricks; KVM's is higher */
#define MEASURE_DIGEST_MAX 48u          /* the longest digest: SHA-384 */
#define MEASURE_SNP_GUEST_FEATURES_DEFAULT 0x1u

typedef enum {
        MEASURE_MODE_SEV,               /* SHA-256 of the firmware [and kernel hashes table] */
        MEASURE_MODE_SEV_ES,            /* ... and one VMSA per vCPU */
        MEASURE_MODE_SNP,               /* SHA-384 chain of SNP PAGE_INFO records */
        MEASURE_MODE_SNP_OVMF_HASH,     /* the SNP chain after the firmware's pages only: a seed for MEASURE_MODE_SNP */
} MeasureMode;

/* "sev", "seves", "snp", "snp:ovmf-hash" (sev-snp-measure's names); -1 for anything else. */
int measure_mode_from_string(const char *s);
const char *measure_mode_to_string(MeasureMode mode);
/* 32 (SHA-256) for SEV and SEV-ES, 48 (SHA-384) for the SNP modes. */
size_t measure_digest_len(MeasureMode mode);

typedef struct {
        MeasureMode mode;
        const OvmfImage *ovmf;                  /* from ovmf_parse() */
        const MeasureKernelHashes *kernel;      /* NULL: no direct kernel boot */
        unsigned vcpus;                         /* SEV-ES and SNP: 1 to MEASURE_VCPUS_MAX */
        uint32_t vcpu_sig;                      /* SEV-ES and SNP: the guest CPU model's signature */
        /* VMSA.sev_features: SNP's guest features (MEASURE_SNP_GUEST_FEATURES_DEFAULT), or for SEV-ES
         * 0 unless the host's KVM sets DebugSwap (0x20). */
        uint64_t sev_features;
        MeasureVmsaForm vmsa_form;
        const uint8_t *snp_seed;                /* SNP: a snp:ovmf-hash of this firmware (48 bytes) to start
                                                 * from instead of hashing its pages; NULL to hash them */
} MeasureInputs;

/*
 * The digest of IN into OUT (measure_digest_len() bytes, also in *RET_LEN).
 * false and ERROR (MEASURE_ERROR) for inputs no QEMU could launch or that
 * the firmware cannot measure; OUT is then untouched.
 */
bool measure_launch_digest(const MeasureInputs *in, uint8_t out[MEASURE_DIGEST_MAX], size_t *ret_len,
                           GError **error);
