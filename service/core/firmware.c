/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "firmware.h"

const char *firmware_feature(Model m) {
        return model_info(m)->firmware_feature;
}

bool firmware_has_feature(const FirmwareDescriptor *d, const char *feature) {
        return d->features && g_strv_contains((const char *const *) d->features, feature);
}

bool firmware_fits(const FirmwareDescriptor *d, Model m) {
        if (!d->uefi || !d->x86_64_q35 || !d->executable || !firmware_has_feature(d, firmware_feature(m)))
                return false;
        if (m == MODEL_SEV_SNP)
                return d->device == FW_MAPPING_MEMORY ||
                       (d->device == FW_MAPPING_FLASH && d->flash_mode == FW_FLASH_MODE_STATELESS);
        return d->device == FW_MAPPING_FLASH || d->device == FW_MAPPING_MEMORY;
}

/* Higher is better: no SMM (the guest did not ask for it), then, for a domain that keeps an
 * NVRAM store, a split flash image that can use it. */
static int pick_score(const FirmwareDescriptor *d, bool has_nvram) {
        bool split = d->device == FW_MAPPING_FLASH && d->flash_mode == FW_FLASH_MODE_SPLIT;

        return (firmware_has_feature(d, "requires-smm") ? 0 : 2) + (has_nvram && split ? 1 : 0);
}

const FirmwareDescriptor *firmware_pick(const FirmwareFacts *fw, Model m, bool has_nvram) {
        const FirmwareDescriptor *best = NULL;
        int best_score = -1;

        for (guint i = 0; fw->descriptors && i < fw->descriptors->len; i++) {
                const FirmwareDescriptor *d = fw->descriptors->pdata[i];
                int score = firmware_fits(d, m) ? pick_score(d, has_nvram) : -1;
                if (score > best_score) {       /* strictly: the first of equals wins, as in QEMU */
                        best = d;
                        best_score = score;
                }
        }
        return best;
}
