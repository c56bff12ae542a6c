/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "context.h"

/* "/org/memcrypt1/model/amd_sev_es" for M. Free with g_free(). */
char *model_object_path(Model m);

/* One org.memcrypt1.Model object per model, its properties read from C's values. */
int bus_add_models(Context *c, sd_bus *bus);
