/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal to the verdict engine: the state one evaluation carries. */

#include "config.h"
#include "host-verdict.h"

typedef struct {
        const HostFacts *f;
        const MemcryptConfig *cfg;
        HostVerdict *v;
        /* Set when a root cause makes further checks on a model meaningless. */
        char *stopped[_MODEL_MAX];
        /* Set when the whole host is out (not AMD, a guest, CPUID unreadable). */
        char *host_stopped;
} Eval;

/* A mask of models a gate concerns. */
#define MODELS_ALL ((1u << MODEL_SEV) | (1u << MODEL_SEV_ES) | (1u << MODEL_SEV_SNP))
#define MODEL_BIT(m) (1u << (m))

/*
 * Records one check. For a model-specific check pass the model; for a
 * host-wide one MODEL_INVALID. CODE, when not NULL, also adds a reason
 * (severity warning for CHECK_WARN, error otherwise) to every model in
 * REASON_MODELS.
 */
void eval_check(Eval *e, const char *id, Model model, CheckCategory cat, CheckStatus st,
                const char *code, unsigned reason_models, const char *hint, const char *fmt, ...) G_GNUC_PRINTF(9, 10);

/* Adds a reason to every model in MODELS without a check of the same severity (a model withheld by
 * design: the check passes, the model is still not offered). */
void eval_reason(Eval *e, unsigned models, const char *code, Severity sev, const char *message, const char *hint);

/* Records a skipped check when the model (or host) was stopped earlier; returns true if so. */
bool eval_skipped(Eval *e, const char *id, Model model, CheckCategory cat);

/* Stops later checks of the models in MASK, with WHY shown in their skip messages. */
void eval_stop(Eval *e, unsigned mask, const char *why);

/* Shared helpers. */
const char *source_why(const Source *s);     /* detail or a generic phrase */
bool snp_initialized(const HostFacts *f);   /* platform (or KVM) says SNP is on */

/*
 * Model M's ASID pool from CPUID Fn8000_001F and kvm_amd.ciphertext_hiding_asids:
 * SEV EDX..ECX; SEV-ES and SEV-SNP share 1..EDX-1, split at N when ciphertext
 * hiding is on (SNP 1..N, SEV-ES N+1..EDX-1). Returns the size, 0 when empty.
 */
uint32_t asid_pool(const HostFacts *f, Model m, uint32_t *first, uint32_t *last);

/* Effective ciphertext-hiding split (0 = off), as the kernel computes it. */
uint32_t ciphertext_hiding_split(const HostFacts *f);

/* The models in MASK that no earlier gate has stopped. */
unsigned eval_active(const Eval *e, unsigned mask);
