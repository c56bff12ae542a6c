/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmemcrypt: connections, the last error, and the one method-call helper. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error-map.h"
#include "memcrypt-internal.h"
#include "model-table.h"

/* The service's model table, in its order (GetAll of each gives the rest). */
const char *const memcrypt_model_names[3] = { MODEL_NAME_SEV, MODEL_NAME_SEV_ES, MODEL_NAME_SEV_SNP };
_Static_assert(sizeof(memcrypt_model_names) / sizeof(*memcrypt_model_names) == _MODEL_MAX, "memcrypt_model_names lists every model");

/* Takes BUS (connected or not yet started). On failure BUS is unreferenced. */
static int client_new(sd_bus *bus, bool bus_client, MemcryptClient **ret) {
        MemcryptClient *c;
        int r;

        /* Without the map, sd-bus turns org.memcrypt1.Error.* into -EIO. */
        r = memcrypt_error_map_register();
        if (r < 0) {
                sd_bus_unref(bus);
                return r;
        }

        c = calloc(1, sizeof(*c));
        if (!c) {
                sd_bus_unref(bus);
                return -ENOMEM;
        }
        c->bus = bus;
        c->bus_client = bus_client;
        *ret = c;
        return 0;
}

int memcrypt_client_open(MemcryptClient **ret) {
        sd_bus *bus = NULL;
        int r;

        if (!ret)
                return -EINVAL;

        /* Honours $DBUS_SYSTEM_BUS_ADDRESS, which the integration tests rely on. */
        r = sd_bus_open_system(&bus);
        if (r < 0)
                return r;

        return client_new(bus, true, ret);
}

int memcrypt_client_open_address(const char *address, MemcryptClient **ret) {
        sd_bus *bus = NULL;
        int r;

        if (!address || !ret)
                return -EINVAL;

        r = sd_bus_new(&bus);
        if (r < 0)
                return r;

        r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, true);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0) {
                sd_bus_unref(bus);
                return r;
        }

        return client_new(bus, true, ret);
}

int memcrypt_client_open_fd(int fd, MemcryptClient **ret) {
        sd_bus *bus = NULL;
        int r;

        if (fd < 0 || !ret)
                return -EINVAL;

        r = sd_bus_new(&bus);
        if (r < 0) {
                close(fd);
                return r;
        }

        /* From here on the bus owns FD and closes it with itself. No Hello: there is no
         * bus daemon on the other end, only the service. */
        r = sd_bus_set_fd(bus, fd, fd);
        if (r < 0) {
                close(fd);
                sd_bus_unref(bus);
                return r;
        }

        r = sd_bus_start(bus);
        if (r < 0) {
                sd_bus_unref(bus);
                return r;
        }

        return client_new(bus, false, ret);
}

MemcryptClient *memcrypt_client_free(MemcryptClient *c) {
        if (!c)
                return NULL;

        sd_bus_slot_unref(c->monitor_slot);
        sd_bus_flush_close_unref(c->bus);
        free(c->error_name);
        free(c->error_message);
        free(c);
        return NULL;
}

void memcrypt_client_set_interactive(MemcryptClient *c, bool interactive) {
        if (!c)
                return;

        /* Sets ALLOW_INTERACTIVE_AUTHORIZATION on every method call from now on. */
        (void) sd_bus_set_allow_interactive_authorization(c->bus, interactive);
}

const char *memcrypt_client_error_name(const MemcryptClient *c) {
        return c ? c->error_name : NULL;
}

const char *memcrypt_client_error_message(const MemcryptClient *c) {
        return c ? c->error_message : NULL;
}

void client_reset_error(MemcryptClient *c) {
        free(c->error_name);
        free(c->error_message);
        c->error_name = c->error_message = NULL;
}

static int client_store_error(MemcryptClient *c, const char *name, const char *message) {
        /* Readers of nested dictionaries run without a client: the outer call reports. */
        if (!c)
                return 0;
        client_reset_error(c);
        c->error_name = strdup(name);
        c->error_message = strdup(message ?: "");
        if (!c->error_name || !c->error_message) {
                client_reset_error(c);
                return -ENOMEM;
        }
        return 0;
}

int client_set_error(MemcryptClient *c, const sd_bus_error *error, int r) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

        if (sd_bus_error_is_set(error)) {
                (void) client_store_error(c, error->name, error->message);
                return r;
        }

        /* A local failure (the connection, a malformed reply): name it after the errno the
         * way sd-bus does ("System.Error.ECONNRESET") so a caller always has a name. */
        (void) sd_bus_error_set_errno(&e, r);
        if (sd_bus_error_is_set(&e))
                (void) client_store_error(c, e.name, e.message);
        return r;
}

int client_set_errorf(MemcryptClient *c, int r, const char *name, const char *format, ...) {
        char *message = NULL;
        va_list ap;

        va_start(ap, format);
        if (vasprintf(&message, format, ap) < 0)
                message = NULL;
        va_end(ap);

        (void) client_store_error(c, name, message);
        free(message);
        return r;
}

int client_new_manager_call(MemcryptClient *c, const char *member, sd_bus_message **ret) {
        int r;

        r = sd_bus_message_new_method_call(c->bus, ret, MEMCRYPT_BUS_NAME, MEMCRYPT_MANAGER_PATH,
                                           MEMCRYPT_MANAGER_INTERFACE, member);
        if (r < 0)
                return client_set_error(c, NULL, r);
        return 0;
}

int client_send(MemcryptClient *c, sd_bus_message *m, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        /* 0: sd-bus' default timeout (25 s). */
        r = sd_bus_call(c->bus, m, 0, &error, &reply);
        if (r < 0)
                return client_set_error(c, &error, r);

        if (ret_reply)
                *ret_reply = sd_bus_message_ref(reply);
        return 0;
}

int client_callv(MemcryptClient *c, const char *path, const char *interface, const char *member,
                 const MemcryptOptions *const *options, sd_bus_message **ret_reply, const char *types, va_list ap) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(c->bus, &m, MEMCRYPT_BUS_NAME, path, interface, member);
        if (r >= 0 && types)
                r = sd_bus_message_appendv(m, types, ap);
        if (r >= 0 && options)
                r = client_append_options(m, *options);
        if (r < 0)
                return client_set_error(c, NULL, r);

        return client_send(c, m, ret_reply);
}

int client_call(MemcryptClient *c, const char *path, const char *interface, const char *member,
                const MemcryptOptions *const *options, sd_bus_message **ret_reply, const char *types, ...) {
        va_list ap;
        int r;

        va_start(ap, types);
        r = client_callv(c, path, interface, member, options, ret_reply, types, ap);
        va_end(ap);
        return r;
}
