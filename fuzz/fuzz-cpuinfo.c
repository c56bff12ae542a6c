/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/cpuinfo: cpuinfo_parse(), then the verdict over the flags it found. */
#include "fuzz-host.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autofree char *text = fuzz_file_text(data, size);
        CpuinfoFacts saved, ci = {};

        if (!text)
                return 0;
        fuzz_hosts_load();
        cpuinfo_parse(text, &ci);
        FUZZ_ASSERT((ci.src.status == SOURCE_OK) == (ci.src.detail == NULL));

        saved = fuzz_hosts[0]->facts.cpuinfo;
        fuzz_hosts[0]->facts.cpuinfo = ci;
        fuzz_judge(&fuzz_hosts[0]->facts);
        fuzz_hosts[0]->facts.cpuinfo = saved;
        g_free(ci.src.detail);
        return 0;
}
