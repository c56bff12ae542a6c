/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The org.memcrypt1 objects: /org/memcrypt1 (org.memcrypt1.Manager) and
 * /org/memcrypt1/model/<amd_sev|amd_sev_es|amd_sev_snp> (org.memcrypt1.Model).
 * Handlers are thin: parse and validate, authorize when needed, call the
 * context, reply.
 */

#include "api-error.h"
#include "context.h"

#define MANAGER_PATH       "/org/memcrypt1"
#define MANAGER_INTERFACE  "org.memcrypt1.Manager"
#define MODEL_INTERFACE    "org.memcrypt1.Model"
#define MODEL_PATH_PREFIX  "/org/memcrypt1/model/"
#define ATTESTATION_INTERFACE "org.memcrypt1.Attestation"

#define ACTION_REFRESH     "org.memcrypt1.refresh"
#define ACTION_INJECT_LAUNCH_SECRET "org.memcrypt1.inject-launch-secret"

/* Register every object of C on BUS (no name request: the caller does that
 * after, so no call can reach a missing object). Sets c->bus. */
int bus_add_objects(Context *c, sd_bus *bus);

/* Probe again, then PropertiesChanged for every changed property and
 * CapabilitiesChanged with the models whose properties changed (if any).
 * Refresh() and the refresh timer. */
void bus_refresh(Context *c);

/* The same after a libvirt domain event: only domains and the ASID counts are read again. */
void bus_refresh_domains(Context *c);

/* Judge the current facts again and signal what changed (the service's own state moved). */
void bus_rejudge(Context *c);

/* "/org/memcrypt1/model/amd_sev_es" for M. Free with g_free(). */
char *model_object_path(Model m);

/* The two halves of bus_add_objects(). */
int bus_add_manager(Context *c, sd_bus *bus);

/* The guest-request methods of the Manager (bus-requests.c). */
int method_resolve_request(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_generate_launch_security(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_configure_domain(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_validate_domain(sd_bus_message *m, void *userdata, sd_bus_error *error);
/* org.memcrypt1.Error.UnknownModel quoting (a shortened) NAME. */
int bus_error_unknown_model(sd_bus_error *error, const char *name);
/* org.memcrypt1.Error.<E's name> with MESSAGE: how a core ApiError becomes a bus error. */
int bus_error_api(sd_bus_error *error, ApiError e, const char *message);
/* org.memcrypt1.Attestation on /org/memcrypt1 (bus-attestation.c). */
int bus_add_attestation(Context *c, sd_bus *bus);
int bus_add_models(Context *c, sd_bus *bus);

/* A vtable of read-only properties from INFO: the getter reads the GVariant*
 * at userdata + BASE_OFFSET + i * sizeof(GVariant*). Allocated for the life of
 * the process: callers build each table once. */
const sd_bus_vtable *bus_property_vtable(const PropertyInfo *info, size_t n, size_t base_offset);
