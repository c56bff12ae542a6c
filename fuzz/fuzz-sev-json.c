/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dev/sev.json: sev_status_parse_json() for every CPU generation (the TCB
 * layout depends on it); what parses must survive sev_status_to_json() and
 * parse again to the same facts (the snapshot round trip), and be judged.
 */
#include "fuzz-host.h"
#include "fuzz-util.h"

static void sev_facts_free(SevPlatformFacts *s) {
        g_free(s->device.detail);
        g_free(s->sev_src.detail);
        g_free(s->snp_src.detail);
}

static void check_same(const SevPlatformFacts *a, const SevPlatformFacts *b) {
        FUZZ_ASSERT(a->sev_src.status == b->sev_src.status && a->snp_src.status == b->snp_src.status);
        if (a->sev_src.status == SOURCE_OK)
                FUZZ_ASSERT(a->api_major == b->api_major && a->api_minor == b->api_minor && a->build == b->build &&
                            a->state == b->state && a->flags == b->flags && a->guest_count == b->guest_count);
        if (a->snp_src.status == SOURCE_OK)
                FUZZ_ASSERT(a->snp_api_major == b->snp_api_major && a->snp_api_minor == b->snp_api_minor &&
                            a->snp_state == b->snp_state && a->rmp_initialized == b->rmp_initialized &&
                            a->snp_build_id == b->snp_build_id && a->current_tcb == b->current_tcb &&
                            a->reported_tcb == b->reported_tcb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autofree char *json = fuzz_file_text(data, size);

        if (!json)
                return 0;
        fuzz_hosts_load();
        for (CpuGeneration gen = CPU_GEN_UNKNOWN; gen < _CPU_GEN_MAX; gen++) {
                SevPlatformFacts s = {}, again = {};
                g_autofree char *error = NULL, *error2 = NULL, *out = NULL;

                if (!sev_status_parse_json(json, size, gen, &s, &error)) {
                        FUZZ_ASSERT(error);
                        if (gen == fuzz_hosts[0]->facts.cpuid.generation) {
                                /* probe_sev_platform(): the device source is malformed. */
                                SevPlatformFacts saved = fuzz_hosts[0]->facts.sev;
                                fuzz_hosts[0]->facts.sev = (SevPlatformFacts) {};
                                fuzz_source_invalid(&fuzz_hosts[0]->facts.sev.device, "dev/sev.json", error);
                                fuzz_judge(&fuzz_hosts[0]->facts);
                                sev_facts_free(&fuzz_hosts[0]->facts.sev);
                                fuzz_hosts[0]->facts.sev = saved;
                        }
                        sev_facts_free(&s);
                        continue;
                }
                out = sev_status_to_json(&s);
                FUZZ_ASSERT(out);
                if (!sev_status_parse_json(out, strlen(out), gen, &again, &error2)) {
                        fprintf(stderr, "sev_status_to_json() wrote what does not parse: %s\n%s\n", error2, out);
                        abort();
                }
                check_same(&s, &again);

                if (gen == fuzz_hosts[0]->facts.cpuid.generation) {
                        SevPlatformFacts saved = fuzz_hosts[0]->facts.sev;
                        s.device = saved.device;
                        fuzz_hosts[0]->facts.sev = s;
                        fuzz_judge(&fuzz_hosts[0]->facts);
                        fuzz_hosts[0]->facts.sev = saved;
                        s.device = (Source) {};
                }
                sev_facts_free(&s);
                sev_facts_free(&again);
        }
        return 0;
}
