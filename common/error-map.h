/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The one error-name <-> errno table of org.memcrypt1, shared by the daemon
 * (which replies with these names) and libmemcrypt (which turns them back
 * into errnos). Without registering it, sd-bus turns an unknown error name
 * into -EIO on the client.
 */

#include <systemd/sd-bus.h>

extern const sd_bus_error_map memcrypt_error_map[];

/* sd_bus_error_add_map() for memcrypt_error_map; safe to call repeatedly. */
int memcrypt_error_map_register(void);

/* -errno for an org.memcrypt1 error name, -EIO for others (libmemcrypt exports it: memcrypt.h). */
int memcrypt_error_to_errno(const char *error_name);
