/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cpuid.xml: cpuid_parse_dump() and cpuid_decode() as probe_cpuid() runs them, then the verdict. */
#include "fuzz-host.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autofree char *xml = fuzz_file_text(data, size), *error = NULL;
        CpuidFacts c = { .from_dump = true }, saved;

        if (!xml)
                return 0;
        fuzz_hosts_load();
        c.leaves = g_array_new(FALSE, TRUE, sizeof(CpuidLeaf));
        if (!cpuid_parse_dump(xml, size, c.leaves, &error)) {
                fuzz_source_invalid(&c.src, "cpuid.xml", error);
                g_array_set_size(c.leaves, 0);
        } else {
                FUZZ_ASSERT(!error);
                cpuid_decode(&c);
        }
        FUZZ_ASSERT(strlen(c.vendor) <= 12);

        saved = fuzz_hosts[0]->facts.cpuid;
        fuzz_hosts[0]->facts.cpuid = c;
        fuzz_judge(&fuzz_hosts[0]->facts);
        fuzz_hosts[0]->facts.cpuid = saved;
        g_free(c.src.detail);
        g_array_unref(c.leaves);
        return 0;
}
