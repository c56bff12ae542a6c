/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The byte layouts the /dev/sev status commands return, and their decoders.
 * Internal to probe-sev.c; declared here only so tests can feed them bytes
 * that no test machine's PSP would ever produce.
 */

#include <stdint.h>
#include "facts.h"

#define SEV_STATUS_RAW_SIZE 12   /* struct sev_user_data_status */
#define SNP_STATUS_RAW_SIZE 32   /* struct sev_user_data_snp_status */

/* Fills the SEV_PLATFORM_STATUS fields of S (not its Sources). */
void sev_status_decode_raw(const uint8_t raw[SEV_STATUS_RAW_SIZE], SevPlatformFacts *s);

/* Fills the SNP_PLATFORM_STATUS fields of S (not its Sources), TCBs decoded for GEN. */
void snp_status_decode_raw(const uint8_t raw[SNP_STATUS_RAW_SIZE], CpuGeneration gen, SevPlatformFacts *s);
