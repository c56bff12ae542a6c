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

#include <systemd/sd-bus.h>

#include "authorize.h"
#include "bus-model.h"
#include "bus-names.h"
#include "context.h"

/* Register every object of C on BUS (no name request: the caller does that
 * after, so no call can reach a missing object). Makes C's bus side (c->bus,
 * bus-state.h) if it has none yet, on BUS. */
int bus_add_objects(Context *c, sd_bus *bus);

/* Who decides C's polkit-guarded calls: bus-polkit.c's unless set here (tests). */
void bus_set_authorizer(Context *c, AuthorizeFunc authorize, void *userdata);

/* C's bus side undone: the jobs in flight end (bus-jobs.h), the authorizations
 * waiting are dropped. context_free() calls it through c->bus_free. */
void bus_free(Bus *b);
