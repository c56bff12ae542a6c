/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The org.memcrypt1 objects: /org/memcrypt1 (org.memcrypt1.Manager,
 * org.memcrypt1.Attestation) and /org/memcrypt1/model/<amd_sev|amd_sev_es|amd_sev_snp>
 * (org.memcrypt1.Model). Handlers are thin: parse and validate, authorize when
 * needed, call the context, reply. One file (and header) per interface:
 * bus-manager, bus-requests (the Manager's guest-request methods), bus-model,
 * bus-attestation; bus-objects signals what changed; bus-util holds the sd-bus
 * helpers they share.
 */

#include "bus-model.h"
#include "bus-names.h"
#include "context.h"

/* Register every object of C on BUS (no name request: the caller does that
 * after, so no call can reach a missing object). Sets c->bus. */
int bus_add_objects(Context *c, sd_bus *bus);
