/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>

#include "measure-attest.h"

void measure_sev_launch_hmac(const uint8_t tik[MEASURE_TIK_LEN], const MeasurePlatform *p, const uint8_t ld[32],
                             const uint8_t nonce[MEASURE_NONCE_LEN], uint8_t out[32]) {
        g_autoptr(GHmac) h = g_hmac_new(G_CHECKSUM_SHA256, tik, MEASURE_TIK_LEN);
        uint8_t head[8] = { 0x04, p->api_major, p->api_minor, p->build };
        gsize n = 32;

        for (unsigned i = 0; i < 4; i++)
                head[4 + i] = (uint8_t) (p->policy >> (8 * i));
        g_hmac_update(h, head, sizeof(head));
        g_hmac_update(h, ld, 32);
        g_hmac_update(h, nonce, MEASURE_NONCE_LEN);
        g_hmac_get_digest(h, out, &n);
}

bool measure_sev_verify(const uint8_t tik[MEASURE_TIK_LEN], const MeasurePlatform *p, const uint8_t ld[32],
                        const uint8_t measurement[MEASURE_SEV_MEASUREMENT_LEN]) {
        uint8_t want[32], diff = 0;

        measure_sev_launch_hmac(tik, p, ld, measurement + 32, want);
        for (unsigned i = 0; i < 32; i++)
                diff |= want[i] ^ measurement[i];
        return diff == 0;
}
