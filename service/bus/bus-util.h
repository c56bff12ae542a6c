/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#include "api-error.h"
#include "properties.h"

/* libsystemd exports the *_unrefp helpers but not systemd's macro for them. */
#define _cleanup_(f) __attribute__((cleanup(f)))

/* Append V (any D-Bus-compatible GVariant) to M: the bus-free property values
 * are GVariants, and this is the one place they become sd-bus data. */
int bus_append_gvariant(sd_bus_message *m, GVariant *v);

/*
 * Reads an a{sv} of basic-typed values from M into a GVariant a{sv}
 * (floating references sunk). More than MAX entries, a key given twice, or
 * a value of a container type, sets org.memcrypt1.Error.InvalidArgument in
 * ERROR, naming the key.
 */
int bus_read_options(sd_bus_message *m, size_t max, GVariant **ret, sd_bus_error *error);

/*
 * Reads an a{ss} from M into a GHashTable of owned strings. More than MAX
 * entries, a key given twice (named in the message with WHAT), or a key or
 * value longer than MAX_LEN bytes, is InvalidArgument.
 */
int bus_read_string_map(sd_bus_message *m, const char *what, size_t max, size_t max_len, GHashTable **ret,
                        sd_bus_error *error);

/* org.memcrypt1.Error.UnknownModel quoting (a shortened) NAME. */
int bus_error_unknown_model(sd_bus_error *error, const char *name);
/* org.memcrypt1.Error.<E's name> with MESSAGE: how a core ApiError becomes a bus error. */
int bus_error_api(sd_bus_error *error, ApiError e, const char *message);

/* A vtable of read-only properties from INFO: the getter reads the GVariant*
 * at userdata + BASE_OFFSET + i * sizeof(GVariant*); a PROPERTY_EXPLICIT one is
 * built when asked, by EXPLICIT_GET with the object's userdata. Allocated for
 * the life of the process: callers build each table once. */
const sd_bus_vtable *bus_property_vtable(const PropertyInfo *info, size_t n, size_t base_offset,
                                         sd_bus_property_get_t explicit_get);
