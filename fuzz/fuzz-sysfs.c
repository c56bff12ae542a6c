/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysfs values: one file's text through both parsers that read such files,
 * module_param_parse() (after host_read_line()'s chomp: kvm_amd's sev,
 * sev_es, sev_snp, debug_swap, ccp's psp_init_on_probe, smt/active) and
 * misc_parse() (misc.capacity, misc.current), then the verdict with the
 * counts as misc.capacity and as misc.current.
 */
#include "fuzz-host.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autofree char *text = fuzz_file_text(data, size);
        g_autofree char *line = NULL, *error = NULL;
        int64_t sev = 0, sev_es = 0;
        Tristate t;

        if (!text)
                return 0;
        fuzz_hosts_load();
        line = g_strchomp(g_strdup(text));
        t = module_param_parse(line);
        FUZZ_ASSERT(t == TRI_UNKNOWN || t == TRI_NO || t == TRI_YES);

        MiscCgroupFacts *m = &fuzz_hosts[0]->facts.misc, saved = *m;
        if (!misc_parse(text, &sev, &sev_es, &error)) {
                /* The counts are facts only when the whole file parsed: no partial results. */
                FUZZ_ASSERT(sev == -1 && sev_es == -1);
                /* read_misc(): the source is malformed; the reason quotes the file. */
                m->capacity_src = (Source) {};
                fuzz_source_invalid(&m->capacity_src, "sys/fs/cgroup/misc.capacity", error);
                fuzz_judge(&fuzz_hosts[0]->facts);
                g_free(m->capacity_src.detail);
                *m = saved;
                return 0;
        }
        FUZZ_ASSERT(!error);
        FUZZ_ASSERT(sev >= -1 && sev_es >= -1);

        m->capacity_sev = sev;
        m->capacity_sev_es = sev_es;
        fuzz_judge(&fuzz_hosts[0]->facts);
        *m = saved;
        m->current_sev = sev;
        m->current_sev_es = sev_es;
        fuzz_judge(&fuzz_hosts[0]->facts);
        *m = saved;
        return 0;
}
