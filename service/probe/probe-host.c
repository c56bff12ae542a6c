/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* probe_host(): every source, in order. probe.h declares the functions of all the probe sources;
 * this is one of them, not probe.h's own source, so the header and the sources it serves make no
 * circle (tests/files/test-include-graph.py). */
#include "probe.h"

void probe_host(const ProbeOptions *opts, HostFacts *f) {
        const char *root = probe_root_is_live(opts->root) ? "/" : opts->root;

        f->live = probe_root_is_live(root);
        f->root = g_strdup(root);

        /* CPUID first: the generation decides how the PSP's TCB is laid out. */
        probe_cpuid(root, f->live, &f->cpuid);
        probe_cpuinfo(root, &f->cpuinfo);
        probe_kernel(root, f);
        probe_kvm(root, &f->kvm);
        probe_misc_cgroup(root, &f->misc);
        probe_sev_platform(root, f->live, f->cpuid.generation, &f->sev);
        probe_firmware(root, &f->firmware);
        probe_libvirt(opts, f->live, &f->libvirt);
}
