/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The initial VMSA (struct sev_es_save_area) of a vCPU as QEMU/KVM set it up before launch. */

#include <stdint.h>

#define MEASURE_VMSA_BSP_EIP 0xfffffff0u

typedef enum {
        /* KVM_SEV_INIT2 (QEMU >= 9.1 on Linux >= 6.10): KVM sets MXCSR and the x87 FCW to their reset values. */
        MEASURE_VMSA_INIT2,
        /* KVM_SEV_ES_INIT (older QEMU or kernels, e.g. Debian 12): both stay 0. */
        MEASURE_VMSA_LEGACY,
} MeasureVmsaForm;

/* "init2", "legacy"; -1 for anything else. */
int measure_vmsa_form_from_string(const char *s);
const char *measure_vmsa_form_to_string(MeasureVmsaForm form);

/* The 4096-byte page of a vCPU starting at EIP (MEASURE_VMSA_BSP_EIP for the boot processor). */
void measure_vmsa_page(uint8_t page[4096], uint32_t eip, uint32_t vcpu_sig, uint64_t sev_features,
                       MeasureVmsaForm form);
