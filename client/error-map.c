/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "error-map.h"
#include "memcrypt/memcrypt.h"

/* Request errors are EINVAL (the caller must change the request); host-side
 * refusals get errnos a C caller can tell apart without comparing names. */
const sd_bus_error_map memcrypt_error_map[] = {
        SD_BUS_ERROR_MAP(MEMCRYPT_ERROR_INVALID_ARGUMENT,            EINVAL),
        SD_BUS_ERROR_MAP(MEMCRYPT_ERROR_UNKNOWN_MODEL,               ENOENT),
        SD_BUS_ERROR_MAP(MEMCRYPT_ERROR_CONFLICT,                    EINVAL),
        SD_BUS_ERROR_MAP(MEMCRYPT_ERROR_UEFI_REQUIRED,               EINVAL),
        SD_BUS_ERROR_MAP(MEMCRYPT_ERROR_MACHINE_TYPE_REQUIRED,       EINVAL),
        SD_BUS_ERROR_MAP(MEMCRYPT_ERROR_STATELESS_FIRMWARE_REQUIRED, EINVAL),
        SD_BUS_ERROR_MAP(MEMCRYPT_ERROR_LOCKED_MEMORY_REQUIRED,      EINVAL),
        SD_BUS_ERROR_MAP(MEMCRYPT_ERROR_INCOMPATIBLE_DEVICE,         ENOTSUP),
        SD_BUS_ERROR_MAP(MEMCRYPT_ERROR_INVALID_DOMAIN_XML,          EBADMSG),
        SD_BUS_ERROR_MAP(MEMCRYPT_ERROR_MODEL_UNSUPPORTED,           EOPNOTSUPP),
        SD_BUS_ERROR_MAP(MEMCRYPT_ERROR_NO_SLOTS,                    ENOSPC),
        SD_BUS_ERROR_MAP(MEMCRYPT_ERROR_HOST_MISCONFIGURED,          ENOTRECOVERABLE),
        SD_BUS_ERROR_MAP(MEMCRYPT_ERROR_LIBVIRT_UNAVAILABLE,         ENOTCONN),
        SD_BUS_ERROR_MAP(MEMCRYPT_ERROR_NO_SUCH_DOMAIN,              ENXIO),
        SD_BUS_ERROR_MAP(MEMCRYPT_ERROR_INVALID_DOMAIN_STATE,        EBUSY),
        SD_BUS_ERROR_MAP(MEMCRYPT_ERROR_NOT_AUTHORIZED,              EACCES),
        SD_BUS_ERROR_MAP_END
};

int memcrypt_error_map_register(void) {
        /* sd-bus ignores a map it already has. */
        return sd_bus_error_add_map(memcrypt_error_map);
}

int memcrypt_error_to_errno(const char *error_name) {
        if (!error_name)
                return -EINVAL;
        for (const sd_bus_error_map *m = memcrypt_error_map; m->name; m++)
                if (strcmp(m->name, error_name) == 0)
                        return -m->code;
        return -EIO;
}
