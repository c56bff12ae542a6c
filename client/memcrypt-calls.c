/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmemcrypt: the methods of org.memcrypt1.Manager. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memcrypt-internal.h"
#include "memcrypt-read.h"

int memcrypt_get_model_path(MemcryptClient *c, const char *model, char **ret_path) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        if (!c || !model || !ret_path)
                return -EINVAL;
        client_reset_error(c);

        r = client_call(c, MEMCRYPT_MANAGER_PATH, MEMCRYPT_MANAGER_INTERFACE, "GetModel", NULL, &reply, "s", model);
        if (r < 0)
                return r;

        return client_read_string(c, reply, 'o', ret_path);
}

int memcrypt_describe(MemcryptClient *c, char **ret_json) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        if (!c || !ret_json)
                return -EINVAL;
        client_reset_error(c);

        r = client_call(c, MEMCRYPT_MANAGER_PATH, MEMCRYPT_MANAGER_INTERFACE, "Describe", NULL, &reply, NULL);
        if (r < 0)
                return r;

        return client_read_string(c, reply, 's', ret_json);
}

int memcrypt_doctor(MemcryptClient *c, MemcryptCheck **ret_checks, size_t *ret_n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        if (!c || !ret_checks || !ret_n)
                return -EINVAL;
        client_reset_error(c);

        r = client_call(c, MEMCRYPT_MANAGER_PATH, MEMCRYPT_MANAGER_INTERFACE, "Doctor", NULL, &reply, NULL);
        return r < 0 ? r : client_read_string_structs(c, reply, "(ssssss)", 6, sizeof(MemcryptCheck), ret_checks,
                                                      ret_n);
}

void memcrypt_checks_free(MemcryptCheck *checks, size_t n) {
        client_free_string_structs(checks, n, 6, sizeof(MemcryptCheck));
}

int memcrypt_refresh(MemcryptClient *c) {
        if (!c)
                return -EINVAL;
        client_reset_error(c);

        return client_call(c, MEMCRYPT_MANAGER_PATH, MEMCRYPT_MANAGER_INTERFACE, "Refresh", NULL, NULL, NULL);
}
