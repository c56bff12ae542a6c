/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "context.h"

/* org.memcrypt1.Manager on /org/memcrypt1: its properties and methods. */
int bus_add_manager(Context *c, sd_bus *bus);
