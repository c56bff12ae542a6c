/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What a verdict is (verdict.h makes one): the host's health, a ModelVerdict
 * per model with its reasons, and the doctor checks in evaluation order. The
 * gates (eval.h) fill it; everything above the core only reads it.
 */

#include "config.h"
#include "facts.h"
#include "model.h"

typedef enum {
        HEALTH_OK = 0,
        HEALTH_DEGRADED,    /* some fact could not be read: answers may be "no" for that reason */
        HEALTH_CONFLICT,    /* running guests use a model the host no longer offers */
} Health;

const char *health_to_string(Health h);

/* One model's answer. The members a Model property shows have that property's field name in
 * common/schema.h, which reads them by it. */
typedef struct {
        Model model;
        const char *name;           /* model_name(model), model_trait(model) */
        const char *trait;
        bool usable;
        bool cpu_capable;           /* the CPU can run the model (its cpuid-MODEL check passes): with
                                     * usable false, configuration can still make it usable */
        GPtrArray *reasons;         /* Reason* */
        uint32_t asid_first, asid_last;  /* 0/0 when the pool is empty or unknown */
        uint32_t slots_total, slots_used, slots_free;
        uint32_t running_domains;   /* libvirt's running guests launched with the model, 0 when unknown */
        char *resource_provider;    /* "<node>_amd_sev" */
        uint64_t default_policy;
        GPtrArray *firmware;        /* char*: executables of descriptors with the model's feature */
} ModelVerdict;

typedef struct {
        char *node;
        Health health;
        char *health_message;
        ModelVerdict models[_MODEL_MAX];
        GPtrArray *checks;          /* Check*, in evaluation order */
        GPtrArray *conflicting_guests; /* char*: names of guests whose model is no longer offered */
} HostVerdict;

void host_verdict_free(HostVerdict *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HostVerdict, host_verdict_free)

/* A problem of the service itself, not of the host (an export file it cannot
 * write): Health becomes degraded unless it is already in conflict, and
 * HealthMessage says it after what it said before. */
void host_verdict_add_service_problem(HostVerdict *v, const char *problem);

/* Whether M has a reason with CODE (any severity). */
bool model_verdict_has_reason(const ModelVerdict *mv, const char *code);
const Check *host_verdict_find_check(const HostVerdict *v, const char *id);
