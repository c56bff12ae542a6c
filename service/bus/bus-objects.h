/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "context.h"

/* Probe again, then PropertiesChanged for every changed property and
 * CapabilitiesChanged with the models whose properties changed (if any).
 * Refresh() and the refresh timer. */
void bus_refresh(Context *c);

/* The same after a libvirt domain event: only domains and the ASID counts are read again. */
void bus_refresh_domains(Context *c);

/* Judge the current facts again and signal what changed (the service's own state moved). */
void bus_rejudge(Context *c);
