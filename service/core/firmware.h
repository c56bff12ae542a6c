/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Which QEMU firmware descriptors can boot a model (the firmware gate and ConfigureDomain agree). */

#include "facts.h"
#include "model.h"

/* "amd-sev", "amd-sev-es", "amd-sev-snp": the descriptor feature of M. */
const char *firmware_feature(Model m);

bool firmware_has_feature(const FirmwareDescriptor *d, const char *feature);

/*
 * UEFI, x86_64 q35, M's feature, and a mapping M can use: SEV-SNP cannot
 * encrypt a flash with a VARS store, so it needs ROM ('memory') or stateless flash.
 */
bool firmware_fits(const FirmwareDescriptor *d, Model m);

/*
 * The descriptor ConfigureDomain() pins for M: the first that fits in QEMU's
 * precedence order, preferring one that does not require SMM and, when the
 * domain keeps an NVRAM store (HAS_NVRAM), a split flash image. NULL if none.
 */
const FirmwareDescriptor *firmware_pick(const FirmwareFacts *fw, Model m, bool has_nvram);
