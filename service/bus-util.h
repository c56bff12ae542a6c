/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

/* libsystemd exports the *_unrefp helpers but not systemd's macro for them. */
#define _cleanup_(f) __attribute__((cleanup(f)))

/* Append V (any D-Bus-compatible GVariant) to M: the bus-free property values
 * are GVariants, and this is the one place they become sd-bus data. */
int bus_append_gvariant(sd_bus_message *m, GVariant *v);
