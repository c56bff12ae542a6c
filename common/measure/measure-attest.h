/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The guest owner's check of an SEV or SEV-ES launch measurement (SEV API,
 * LAUNCH_MEASURE): the PSP reports HMAC-SHA256 under the owner's TIK of
 * 0x04 | API major | API minor | build | policy | launch digest | nonce,
 * followed by the nonce. Only the owner has the TIK, so only the owner can
 * tell whether the digest was the one expected.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEASURE_TIK_LEN 16u
#define MEASURE_NONCE_LEN 16u
#define MEASURE_SEV_MEASUREMENT_LEN 48u         /* HMAC (32) then nonce (16), as libvirt reports it in base64 */

typedef struct {
        uint8_t api_major, api_minor, build;
        uint32_t policy;
} MeasurePlatform;

/* The 32-byte HMAC of a launch with digest LD (32 bytes) and NONCE. */
void measure_sev_launch_hmac(const uint8_t tik[MEASURE_TIK_LEN], const MeasurePlatform *p, const uint8_t ld[32],
                             const uint8_t nonce[MEASURE_NONCE_LEN], uint8_t out[32]);

/* Whether MEASUREMENT (HMAC then nonce) is the one a launch with digest LD gives, compared in constant time. */
bool measure_sev_verify(const uint8_t tik[MEASURE_TIK_LEN], const MeasurePlatform *p, const uint8_t ld[32],
                        const uint8_t measurement[MEASURE_SEV_MEASUREMENT_LEN]);
