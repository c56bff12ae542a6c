/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A test host (tests/fixtures/hosts/NAME) probed once and held the way the
 * daemon holds it, for the targets whose methods depend on the host:
 * milan-snp runs SEV and SEV-SNP, milan-snp-off SEV and SEV-ES, so every
 * model gets past the host checks on one of them.
 */

#include "config.h"
#include "fuzz-util.h"
#include "domain.h"
#include "probe.h"
#include "verdict.h"

typedef struct {
        HostFacts facts;
        MemcryptConfig config;
        HostVerdict *verdict;
        HostView view;
} FuzzHost;

static inline FuzzHost *fuzz_host_load(const char *name) {
        g_autofree char *root = g_build_filename(FUZZ_HOSTS_DIR, name, NULL);
        ProbeOptions opts = { .root = root };
        FuzzHost *h = g_new0(FuzzHost, 1);

        host_facts_init(&h->facts);
        memcrypt_config_init(&h->config);
        probe_host(&opts, &h->facts);
        h->verdict = host_verdict_new(&h->facts, &h->config);
        h->view = (HostView) { .facts = &h->facts, .verdict = h->verdict };
        return h;
}

/* The two hosts and, for each model, the one where it is usable. */
static FuzzHost *fuzz_hosts[2];

static inline void fuzz_hosts_load(void) {
        if (fuzz_hosts[0])
                return;
        fuzz_hosts[0] = fuzz_host_load("milan-snp");
        fuzz_hosts[1] = fuzz_host_load("milan-snp-off");
        /* Kept for the whole run: LeakSanitizer sees them through these pointers. */
}

static inline const HostView *fuzz_host_for(Model m) {
        return &fuzz_hosts[m == MODEL_SEV_ES ? 1 : 0]->view;
}

/*
 * Judges F as the daemon would after a probe (verdict, JSON report) and
 * checks what must hold whatever the facts: the report and every reason,
 * check and health message are valid bus strings (Describe(), Doctor() and
 * the properties send them), a usable model has no error reason and
 * free slots within its total, an unusable one has an error reason and no
 * slots, the ASID pool is ordered.
 */
#include "report.h"

static inline void fuzz_judge(const HostFacts *f) {
        HostVerdict *v = host_verdict_new(f, &fuzz_hosts[0]->config);
        char *json = report_to_json(f, v, false);

        fuzz_check_bus_text(json);
        for (Model m = 0; m < _MODEL_MAX; m++) {
                const ModelVerdict *mv = &v->models[m];
                bool has_error = false;

                for (guint i = 0; i < mv->reasons->len; i++) {
                        const Reason *r = mv->reasons->pdata[i];
                        fuzz_check_bus_text(r->code);
                        fuzz_check_bus_text(r->message);
                        fuzz_check_bus_text(r->hint);
                        has_error |= r->severity == SEVERITY_ERROR;
                }
                FUZZ_ASSERT(mv->usable != has_error);
                FUZZ_ASSERT(mv->usable || mv->slots_total == 0);
                FUZZ_ASSERT(mv->slots_free <= mv->slots_total);
                FUZZ_ASSERT(mv->asid_first <= mv->asid_last);
                for (guint i = 0; i < mv->firmware->len; i++)
                        fuzz_check_bus_text(mv->firmware->pdata[i]);
        }
        for (guint i = 0; i < v->checks->len; i++) {
                const Check *c = v->checks->pdata[i];
                fuzz_check_bus_text(c->message);
                fuzz_check_bus_text(c->hint);
        }
        fuzz_check_bus_text(v->health_message ? v->health_message : "");
        fuzz_check_bus_text(v->node);
        g_free(json);
        host_verdict_free(v);
}

/* What a probe does with a parser's error: the source is malformed, and says why. */
static inline void fuzz_source_invalid(Source *src, const char *rel, const char *why) {
        FUZZ_ASSERT(why);
        source_set(src, SOURCE_INVALID, "/%s: %s", rel, why);
}
