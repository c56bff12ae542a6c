/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "error-map.h"
#include "memcrypt-errors.h"

/* Each name with its errno, from the one table (common/errors.tsv). */
const sd_bus_error_map memcrypt_error_map[] = {
#define ERROR_MAP(e, name, errno_value) SD_BUS_ERROR_MAP(MEMCRYPT_ERROR_PREFIX name, errno_value),
        MEMCRYPT_ERROR_TABLE(ERROR_MAP)
#undef ERROR_MAP
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
