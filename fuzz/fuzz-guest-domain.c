/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A running domain's XML (a file of libvirt/domains/, virDomainGetXMLDesc):
 * domain_xml_guest_model(), then slot accounting and the health rule with
 * that guest added to the running ones.
 */
#include "domain-table.h"
#include "fuzz-host.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autofree char *xml = fuzz_file_text(data, size), *error = NULL;
        RunningDomain *d;
        Model g;

        if (!xml)
                return 0;
        fuzz_hosts_load();
        d = g_new0(RunningDomain, 1);
        g = domain_xml_guest_model(xml, size, &d->name, &d->uuid, &error);
        if (error) {
                /* snapshot_domains(): the running domains are malformed, naming the file. */
                LibvirtFacts *lv = &fuzz_hosts[0]->facts.libvirt;
                Source saved = lv->domains_src;
                FUZZ_ASSERT(g == MODEL_NONE && !d->name && !d->uuid);
                lv->domains_src = (Source) {};
                fuzz_source_invalid(&lv->domains_src, "libvirt/domains/g.xml", error);
                fuzz_judge(&fuzz_hosts[0]->facts);
                g_free(lv->domains_src.detail);
                lv->domains_src = saved;
                running_domain_free(d);
                return 0;
        }
        FUZZ_ASSERT(model_valid(g) || g == MODEL_NONE || g == MODEL_OTHER);
        d->model = g;
        /* EncryptedDomains carries name and UUID on the bus. */
        if (d->name)
                fuzz_check_bus_text(d->name);
        if (d->uuid)
                fuzz_check_bus_text(d->uuid);

        for (int i = 0; i < 2; i++) {
                LibvirtFacts *lv = &fuzz_hosts[i]->facts.libvirt;
                DomainTable *saved = lv->domains;
                RunningDomain *copy = g_new0(RunningDomain, 1);

                *copy = (RunningDomain) { g_strdup(d->name), g_strdup(d->uuid), d->model };
                lv->domains = domain_table_copy(saved);
                domain_table_append(lv->domains, copy);
                fuzz_judge(&fuzz_hosts[i]->facts);
                domain_table_free(lv->domains);
                lv->domains = saved;
        }
        running_domain_free(d);
        return 0;
}
