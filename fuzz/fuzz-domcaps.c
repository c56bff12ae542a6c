/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirt domain capabilities XML: domcaps_parse(), then the verdict over what it found. */
#include "fuzz-host.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autofree char *xml = fuzz_file_text(data, size), *error = NULL;
        DomainCapsFacts dc = { .sev_supported = TRI_UNKNOWN, .cbitpos = -1, .reduced_phys_bits = -1,
                               .max_guests = -1, .max_es_guests = -1 };

        if (!xml)
                return 0;
        fuzz_hosts_load();
        if (!domcaps_parse(xml, size, &dc, &error)) {
                FUZZ_ASSERT(!dc.raw_xml && !dc.cpu0_id);
                fuzz_source_invalid(&dc.src, "libvirt/domcapabilities.xml", error);
        } else {
                FUZZ_ASSERT(!error);
                FUZZ_ASSERT(dc.raw_xml && strlen(dc.raw_xml) == size);
        }

        DomainCapsFacts *target = &fuzz_hosts[0]->facts.libvirt.domcaps, saved = *target;
        *target = dc;
        fuzz_judge(&fuzz_hosts[0]->facts);
        *target = saved;
        g_free(dc.cpu0_id);
        g_free(dc.raw_xml);
        g_free(dc.src.detail);
        return 0;
}
