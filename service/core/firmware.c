/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "firmware.h"

const char *firmware_feature(Model m) {
        static const char *const features[_MODEL_MAX] = {
                [MODEL_SEV] = "amd-sev", [MODEL_SEV_ES] = "amd-sev-es", [MODEL_SEV_SNP] = "amd-sev-snp",
        };
        return features[m];
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

const FirmwareDescriptor *firmware_pick(const FirmwareFacts *fw, Model m) {
        const FirmwareDescriptor *first = NULL;

        if (!fw->descriptors)
                return NULL;
        for (guint i = 0; i < fw->descriptors->len; i++) {
                const FirmwareDescriptor *d = fw->descriptors->pdata[i];
                if (!firmware_fits(d, m))
                        continue;
                /* SMM needs <features><smm state='on'/>, which the guest did not ask for. */
                if (!firmware_has_feature(d, "requires-smm"))
                        return d;
                first = first ?: d;
        }
        return first;
}
