/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The guest-request methods of org.memcrypt1.Manager, in its vtable (bus-manager.c). */

#include <systemd/sd-bus.h>

int method_resolve_request(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_generate_launch_security(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_configure_domain(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_validate_domain(sd_bus_message *m, void *userdata, sd_bus_error *error);
