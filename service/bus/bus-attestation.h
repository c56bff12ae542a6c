/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "context.h"

/* org.memcrypt1.Attestation on /org/memcrypt1. */
int bus_add_attestation(Context *c, sd_bus *bus);
