/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CPU layer: vendor, guest, generation, CPUID bits, BIOS enablement, ASID pools. */
#include "eval.h"
#include "gates.h"

static const char *const lacks_code[_MODEL_MAX] = {
        [MODEL_SEV] = "cpu-lacks-sev", [MODEL_SEV_ES] = "cpu-lacks-sev-es", [MODEL_SEV_SNP] = "cpu-lacks-sev-snp",
};
static const char *const minimum_cpu[_MODEL_MAX] = {
        [MODEL_SEV] = "an AMD EPYC 7001 (Naples) or later",
        [MODEL_SEV_ES] = "an AMD EPYC 7002 (Rome) or later",
        [MODEL_SEV_SNP] = "an AMD EPYC 7003 (Milan) or later",
};

static void gate_vendor(Eval *e) {
        const CpuidFacts *c = &e->f->cpuid;

        if (c->src.status != SOURCE_OK) {
                eval_check(e, "cpu-vendor", MODEL_INVALID, CATEGORY_CPU_INFO, CHECK_UNKNOWN,
                           "facts-unavailable", MODELS_ALL,
                           "Provide a readable cpuid.xml in libvirt's cputestdata format (snapshots), or run on the host itself",
                           "CPUID could not be read: %s", source_why(&c->src));
                eval_stop(e, MODELS_ALL, "CPUID could not be read");
        } else if (g_str_equal(c->vendor, "HygonGenuine")) {
                eval_check(e, "cpu-vendor", MODEL_INVALID, CATEGORY_CPU_INFO, CHECK_FAIL, "cpu-not-amd", MODELS_ALL,
                           "memcryptd does not judge Hygon CSV hosts; use Hygon's own tools",
                           "CPU vendor is HygonGenuine: Hygon CSV derives from SEV but follows its own firmware and ASID rules");
                eval_stop(e, MODELS_ALL, "the CPU is not an AMD processor");
        } else if (!g_str_equal(c->vendor, "AuthenticAMD")) {
                eval_check(e, "cpu-vendor", MODEL_INVALID, CATEGORY_CPU_INFO, CHECK_FAIL, "cpu-not-amd", MODELS_ALL,
                           "Run SEV guests on an AMD EPYC host (Naples or later for SEV, Rome for SEV-ES, Milan for SEV-SNP)",
                           "CPU vendor is %s: AMD SEV needs an AMD EPYC processor", c->vendor);
                eval_stop(e, MODELS_ALL, "the CPU is not an AMD processor");
        } else
                eval_check(e, "cpu-vendor", MODEL_INVALID, CATEGORY_CPU_INFO, CHECK_PASS, NULL, 0, NULL,
                           "CPU vendor is AuthenticAMD");
}

static void gate_guest(Eval *e) {
        if (eval_skipped(e, "host-not-guest", MODEL_INVALID, CATEGORY_CPU_INFO))
                return;
        if (e->f->cpuid.hypervisor) {
                eval_check(e, "host-not-guest", MODEL_INVALID, CATEGORY_CPU_INFO, CHECK_FAIL, "running-in-guest", MODELS_ALL,
                           "Run memcryptd on the physical host (the hypervisor), not inside a virtual machine",
                           "CPUID reports a hypervisor (leaf 0x1 ECX bit 31): this is a virtual machine, "
                           "and its SEV CPUID bits describe the virtual CPU, not a host that can launch encrypted guests");
                eval_stop(e, MODELS_ALL, "this is a virtual machine, not a host");
        } else
                eval_check(e, "host-not-guest", MODEL_INVALID, CATEGORY_CPU_INFO, CHECK_PASS, NULL, 0, NULL,
                           "no hypervisor bit in CPUID: this is a bare-metal host");
}

static void gate_generation(Eval *e) {
        const CpuidFacts *c = &e->f->cpuid;

        if (eval_skipped(e, "cpu-generation", MODEL_INVALID, CATEGORY_CPU_INFO))
                return;
        if (c->generation == CPU_GEN_UNKNOWN)
                eval_check(e, "cpu-generation", MODEL_INVALID, CATEGORY_CPU_INFO, CHECK_WARN, NULL, 0,
                           "Desktop and mobile Ryzen parts advertise SEV without the platform firmware to run it; "
                           "the verdicts below rely on the PSP and KVM, not on CPUID",
                           "family 0x%x model 0x%x is not an EPYC generation memcryptd knows", c->family, c->model);
        else
                eval_check(e, "cpu-generation", MODEL_INVALID, CATEGORY_CPU_INFO, CHECK_PASS, NULL, 0, NULL,
                           "EPYC %s (family 0x%x model 0x%x stepping %u)", cpu_generation_to_string(c->generation),
                           c->family, c->model, c->stepping);
}

/* Generations that cannot run a model whatever CPUID says (never a FAIL: a SKIP). */
static bool generation_cannot(CpuGeneration g, Model m) {
        const CpuGenerationInfo *gi = cpu_generation_info(g);

        if (g == CPU_GEN_UNKNOWN)
                return false;   /* then CPUID, KVM and the PSP decide */
        if (m == MODEL_SEV_ES)
                return !gi->can_sev_es;
        if (m == MODEL_SEV_SNP)
                return !gi->can_snp;
        return false;
}

static bool cpuid_has(const CpuidFacts *c, Model m) {
        return c->has_leaf_8000001f && (c->leaf_eax & (1u << model_info(MODEL_SEV)->cpuid_bit)) &&
               (c->leaf_eax & (1u << model_info(m)->cpuid_bit));
}

static void gate_cpuid_model(Eval *e, Model m) {
        const CpuidFacts *c = &e->f->cpuid;
        const char *gen = cpu_generation_to_string(c->generation);

        if (eval_skipped(e, "cpuid", m, CATEGORY_CPU_SUPPORT))
                return;
        if (generation_cannot(c->generation, m)) {
                eval_check(e, "cpuid", m, CATEGORY_CPU_SUPPORT, CHECK_SKIP, lacks_code[m], MODEL_BIT(m),
                           m == MODEL_SEV_ES ? "Use amd-sev on this host; SEV-ES needs an AMD EPYC 7002 (Rome) or later"
                                             : "Use amd-sev or amd-sev-es on this host; SEV-SNP needs an AMD EPYC 7003 (Milan) or later",
                           m == MODEL_SEV_ES ? "EPYC %s cannot run SEV-ES guests: its firmware rejects LAUNCH_UPDATE_VMSA although CPUID advertises the bit"
                                             : "EPYC %s has no SEV-SNP", gen);
                eval_stop(e, MODEL_BIT(m), "the CPU generation cannot run this model");
        } else if (!cpuid_has(c, m)) {
                g_autofree char *hint = g_strdup_printf("%s needs %s", model_title(m), minimum_cpu[m]);
                eval_check(e, "cpuid", m, CATEGORY_CPU_SUPPORT, CHECK_FAIL, lacks_code[m], MODEL_BIT(m), hint,
                           "the CPU does not advertise %s (CPUID 0x8000001F EAX bit %u clear%s)", model_title(m),
                           model_info(m)->cpuid_bit, c->has_leaf_8000001f ? "" : ": the leaf is absent");
                eval_stop(e, MODEL_BIT(m), "the CPU lacks this model");
        } else {
                eval_check(e, "cpuid", m, CATEGORY_CPU_SUPPORT, CHECK_PASS, NULL, 0, NULL,
                           "the CPU advertises %s (CPUID 0x8000001F EAX bit %u)", model_title(m), model_info(m)->cpuid_bit);
                /* Only here: an earlier stop (unreadable CPUID, not AMD, a guest) or a generation
                 * that cannot run the model leaves it false. */
                e->v->models[m].cpu_capable = true;
        }
}

static bool cpuinfo_has(const CpuinfoFacts *ci, Model m) {
        return m == MODEL_SEV ? ci->sev : m == MODEL_SEV_ES ? ci->sev_es : ci->sev_snp;
}

static void gate_bios(Eval *e, Model m) {
        const CpuinfoFacts *ci = &e->f->cpuinfo;

        if (eval_skipped(e, "bios", m, CATEGORY_BIOS_CONFIGURED))
                return;
        if (ci->src.status != SOURCE_OK)
                eval_check(e, "bios", m, CATEGORY_BIOS_CONFIGURED, CHECK_UNKNOWN, "facts-unavailable", MODEL_BIT(m),
                           "Make /proc/cpuinfo readable to memcryptd", "/proc/cpuinfo could not be read: %s",
                           source_why(&ci->src));
        else if (!cpuinfo_has(ci, m)) {
                bool snp = m == MODEL_SEV_SNP;
                eval_check(e, "bios", m, CATEGORY_BIOS_CONFIGURED, CHECK_FAIL, "bios-memory-encryption-disabled", MODEL_BIT(m),
                           snp ? "Enable 'SEV-SNP Support' and 'SNP Memory Coverage' in the BIOS setup, keep the IOMMU on, "
                                 "then reboot; `dmesg | grep -i rmp` tells whether the RMP table was reserved"
                               : "Enable 'SMEE' / 'Memory Encryption' (labels vary by vendor) and, for SEV-ES, "
                                 "'SEV-ES ASID Space Limit' in the BIOS setup, then reboot; "
                                 "`dmesg | grep -i sev` shows 'memory encryption not enabled by BIOS' when it is off",
                           snp ? "the CPU supports SEV-SNP but /proc/cpuinfo lacks 'sev_snp': SNP is not enabled in the BIOS, "
                                 "the BIOS reserved no RMP table, or the kernel cleared it"
                               : "the CPU supports %s but /proc/cpuinfo lacks '%s': memory encryption is not enabled by "
                                 "the BIOS (or the kernel cleared it)", model_title(m), model_info(m)->cpuinfo_flag);
                eval_stop(e, MODEL_BIT(m), "the BIOS has not enabled this model");
        } else
                eval_check(e, "bios", m, CATEGORY_BIOS_CONFIGURED, CHECK_PASS, NULL, 0, NULL,
                           "/proc/cpuinfo lists '%s': the BIOS and the kernel enabled it", model_info(m)->cpuinfo_flag);
}

static void gate_asids(Eval *e, Model m) {
        const HostFacts *f = e->f;
        const CpuidFacts *c = &f->cpuid;
        uint32_t first, last, n;
        int64_t misc = m == MODEL_SEV ? f->misc.capacity_sev : f->misc.capacity_sev_es;
        const char *code = m == MODEL_SEV ? "no-sev-asids" : "no-es-asids";

        if (eval_skipped(e, "asids", m, CATEGORY_BIOS_CONFIGURED))
                return;
        n = asid_pool(f, m, &first, &last);
        if (n == 0 && m == MODEL_SEV)
                eval_check(e, "asids", m, CATEGORY_BIOS_CONFIGURED, CHECK_FAIL, code, MODEL_BIT(m),
                           "Check the BIOS ASID settings: SEV uses ASIDs from the minimum SEV ASID (CPUID EDX) up to the highest ASID (ECX)",
                           "the SEV ASID pool is empty (CPUID ECX=%u, EDX=%u)", c->asid_count, c->min_sev_asid);
        else if (n == 0 && ciphertext_hiding_split(f) > 0 && m == MODEL_SEV_ES)
                eval_check(e, "asids", m, CATEGORY_BIOS_CONFIGURED, CHECK_FAIL, code, MODEL_BIT(m),
                           "Lower kvm_amd.ciphertext_hiding_asids below the ES/SNP pool size so SEV-ES keeps some ASIDs",
                           "kvm_amd.ciphertext_hiding_asids=%u gives every ES/SNP ASID to SEV-SNP, leaving none for SEV-ES",
                           f->kvm.ciphertext_hiding_asids);
        else if (n == 0)
                eval_check(e, "asids", m, CATEGORY_BIOS_CONFIGURED, CHECK_FAIL, code, MODEL_BIT(m),
                           "In the BIOS set 'SEV-ES ASID Space Limit Control' to Manual and 'SEV-ES ASID Space Limit' above 1 "
                           "(Dell: 'Minimum SEV non-ES ASID'); e.g. 100 gives SEV-ES/SEV-SNP ASIDs 1-99 and SEV the rest",
                           "the BIOS left no ASIDs for SEV-ES and SEV-SNP: the minimum SEV ASID (CPUID EDX) is %u, "
                           "so the shared pool 1..EDX-1 is empty", c->min_sev_asid);
        else if (misc == 0)
                eval_check(e, "asids", m, CATEGORY_BIOS_CONFIGURED, CHECK_FAIL, code, MODEL_BIT(m),
                           "The kernel disabled this ASID pool; see `dmesg | grep -i sev` for why",
                           "the kernel's misc cgroup lists '%s 0': no ASIDs for %s although CPUID has ASIDs %u-%u",
                           m == MODEL_SEV ? "sev" : "sev_es", model_title(m), first, last);
        else
                eval_check(e, "asids", m, CATEGORY_BIOS_CONFIGURED, CHECK_PASS, NULL, 0, NULL,
                           "ASIDs %u-%u (%u) serve %s", first, last, n, model_title(m));
}

void gates_cpu(Eval *e) {
        gate_vendor(e);
        gate_guest(e);
        gate_generation(e);
        for (Model m = 0; m < _MODEL_MAX; m++) {
                gate_cpuid_model(e, m);
                gate_bios(e, m);
                gate_asids(e, m);
        }
}
