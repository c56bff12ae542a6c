/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "facts.h"

void firmware_descriptor_free(FirmwareDescriptor *d) {
        if (!d)
                return;
        g_free(d->path);
        g_free(d->description);
        g_free(d->executable);
        g_free(d->nvram_template);
        g_strfreev(d->features);
        g_free(d);
}

/* Every Source starts as "missing" until a probe says otherwise: fail closed. */
static void unknown(Source *s) {
        s->status = SOURCE_MISSING;
        s->detail = NULL;
}

void host_facts_init(HostFacts *f) {
        *f = (HostFacts) {};
        unknown(&f->osrelease_src);
        unknown(&f->hostname_src);
        f->smt_active = TRI_UNKNOWN;

        unknown(&f->cpuid.src);
        f->cpuid.leaves = g_array_new(FALSE, TRUE, sizeof(CpuidLeaf));
        unknown(&f->cpuinfo.src);

        unknown(&f->kvm.module);
        ModuleParam *params[] = { &f->kvm.sev, &f->kvm.sev_es, &f->kvm.sev_snp,
                                  &f->kvm.debug_swap, &f->kvm.ccp_psp_init_on_probe };
        for (size_t i = 0; i < G_N_ELEMENTS(params); i++) {
                unknown(&params[i]->src);
                params[i]->value = TRI_UNKNOWN;
        }
        unknown(&f->kvm.ciphertext_hiding_src);

        unknown(&f->misc.capacity_src);
        unknown(&f->misc.current_src);
        f->misc.capacity_sev = f->misc.capacity_sev_es = -1;
        f->misc.current_sev = f->misc.current_sev_es = -1;

        unknown(&f->sev.device);
        unknown(&f->sev.sev_src);
        unknown(&f->sev.snp_src);

        unknown(&f->firmware.src);
        f->firmware.descriptors = g_ptr_array_new_with_free_func((GDestroyNotify) firmware_descriptor_free);
        f->firmware.errors = g_ptr_array_new_with_free_func(g_free);

        unknown(&f->libvirt.connection);
        unknown(&f->libvirt.versions_src);
        unknown(&f->libvirt.domcaps.src);
        f->libvirt.domcaps.sev_supported = TRI_UNKNOWN;
        f->libvirt.domcaps.cbitpos = f->libvirt.domcaps.reduced_phys_bits = -1;
        f->libvirt.domcaps.max_guests = f->libvirt.domcaps.max_es_guests = -1;
        unknown(&f->libvirt.domains_src);
        f->libvirt.domains = domain_table_new();
}

void host_facts_clear(HostFacts *f) {
        Source *sources[] = {
                &f->osrelease_src, &f->hostname_src, &f->cpuid.src, &f->cpuinfo.src,
                &f->kvm.module, &f->kvm.sev.src, &f->kvm.sev_es.src, &f->kvm.sev_snp.src,
                &f->kvm.debug_swap.src, &f->kvm.ccp_psp_init_on_probe.src, &f->kvm.ciphertext_hiding_src,
                &f->misc.capacity_src, &f->misc.current_src,
                &f->sev.device, &f->sev.sev_src, &f->sev.snp_src,
                &f->firmware.src, &f->libvirt.connection, &f->libvirt.versions_src,
                &f->libvirt.domcaps.src, &f->libvirt.domains_src,
        };
        for (size_t i = 0; i < G_N_ELEMENTS(sources); i++)
                g_free(sources[i]->detail);

        g_free(f->root);
        g_free(f->kernel_release);
        g_free(f->hostname);
        if (f->cpuid.leaves)
                g_array_unref(f->cpuid.leaves);
        if (f->firmware.descriptors)
                g_ptr_array_unref(f->firmware.descriptors);
        if (f->firmware.errors)
                g_ptr_array_unref(f->firmware.errors);
        g_free(f->libvirt.uri);
        g_free(f->libvirt.libvirt_version);
        g_free(f->libvirt.qemu_version);
        g_free(f->libvirt.domcaps.cpu0_id);
        g_free(f->libvirt.domcaps.raw_xml);
        g_free(f->libvirt.node_sev_info);
        domain_table_free(f->libvirt.domains);
        *f = (HostFacts) {};
}

static void source_copy(Source *dst, const Source *src) {
        g_free(dst->detail);
        dst->status = src->status;
        dst->detail = g_strdup(src->detail);
}

void libvirt_facts_copy_probed(LibvirtFacts *dst, const LibvirtFacts *src) {
        DomainCapsFacts *dc = &dst->domcaps;
        const DomainCapsFacts *sc = &src->domcaps;

        g_free(dst->uri);
        dst->uri = g_strdup(src->uri);
        source_copy(&dst->versions_src, &src->versions_src);
        g_free(dst->libvirt_version);
        dst->libvirt_version = g_strdup(src->libvirt_version);
        g_free(dst->qemu_version);
        dst->qemu_version = g_strdup(src->qemu_version);
        g_free(dst->node_sev_info);
        dst->node_sev_info = g_strdup(src->node_sev_info);

        source_copy(&dc->src, &sc->src);
        g_free(dc->cpu0_id);
        g_free(dc->raw_xml);
        *dc = (DomainCapsFacts) {
                .src = dc->src,
                .sev_supported = sc->sev_supported,
                .cbitpos = sc->cbitpos,
                .reduced_phys_bits = sc->reduced_phys_bits,
                .max_guests = sc->max_guests,
                .max_es_guests = sc->max_es_guests,
                .cpu0_id = g_strdup(sc->cpu0_id),
                .has_launch_security = sc->has_launch_security,
                .launch_security_supported = sc->launch_security_supported,
                .sectype_sev = sc->sectype_sev,
                .sectype_sev_snp = sc->sectype_sev_snp,
                .raw_xml = g_strdup(sc->raw_xml),
        };
}
