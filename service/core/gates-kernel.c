/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kernel and platform layer: kvm_amd, the PSP, firmware version, CVE-2025-48514. */
#include "eval.h"
#include "gates.h"

#define SNP_MIN_API_MAJOR 1
#define SNP_MIN_API_MINOR 51

static const char *const disabled_code[_MODEL_MAX] = {
        [MODEL_SEV] = "kernel-sev-disabled", [MODEL_SEV_ES] = "kernel-sev-es-disabled",
        [MODEL_SEV_SNP] = "kernel-sev-snp-disabled",
};

static const char *const missing_param_why[_MODEL_MAX] = {
        [MODEL_SEV] = "the kernel was built without SEV support",
        [MODEL_SEV_ES] = "host SEV-ES support needs Linux 5.11 or later",
        [MODEL_SEV_SNP] = "host SEV-SNP support needs Linux 6.11 or later",
};
static const char *const missing_param_hint[_MODEL_MAX] = {
        [MODEL_SEV] = "Boot a kernel built with CONFIG_KVM_AMD_SEV",
        [MODEL_SEV_ES] = "Boot Linux 5.11 or later built with CONFIG_KVM_AMD_SEV",
        [MODEL_SEV_SNP] = "Boot Linux 6.11 or later built with CONFIG_KVM_AMD_SEV",
};

static const ModuleParam *model_param(const KvmFacts *k, Model m) {
        return m == MODEL_SEV ? &k->sev : m == MODEL_SEV_ES ? &k->sev_es : &k->sev_snp;
}

static void gate_kvm_loaded(Eval *e) {
        if (eval_skipped(e, "kvm-amd-loaded", MODEL_INVALID, CATEGORY_KVM_CONFIG))
                return;
        if (e->f->kvm.module.status == SOURCE_OK)
                eval_check(e, "kvm-amd-loaded", MODEL_INVALID, CATEGORY_KVM_CONFIG, CHECK_PASS, NULL, 0, NULL,
                           "the kvm_amd module is loaded");
        else
                eval_check(e, "kvm-amd-loaded", MODEL_INVALID, CATEGORY_KVM_CONFIG, CHECK_FAIL, "kvm-amd-not-loaded",
                           eval_active(e, MODELS_ALL),
                           "Load it with `modprobe kvm_amd`; if that fails, `dmesg | grep -i svm` tells whether SVM is "
                           "disabled in the BIOS",
                           "the kvm_amd module is not loaded (%s)", source_why(&e->f->kvm.module));
}

static char *param_disabled_hint(Model m) {
        if (m == MODEL_SEV_SNP)
                return g_strdup("Add 'kvm_amd.sev_snp=1' to the kernel command line, keep the IOMMU enabled and not in "
                                "passthrough mode ('amd_iommu=on iommu=nopt'), then reboot; `dmesg | grep -i snp` shows "
                                "why SNP initialisation failed if it stays N");
        return g_strdup_printf("Add 'kvm_amd.%s=1' to the kernel command line (or 'options kvm_amd %s=1' in "
                               "/etc/modprobe.d/), then reload kvm_amd; if it stays N, `dmesg | grep -i sev` shows whether "
                               "the BIOS, the PSP or the ASID pool blocked it", model_info(m)->kvm_param, model_info(m)->kvm_param);
}

/*
 * The kernel refuses every SEV command while kvm_amd.sev is off (sev_mem_enc_ioctl() answers
 * ENOTTY), and Nova's supports_amd_sev_es()/supports_amd_sev_snp() start from SEV: a SEV
 * parameter that is not Y fails SEV-ES and SEV-SNP as well, whatever their own parameters say.
 */
static unsigned param_reason_models(Eval *e, Model m) {
        return m == MODEL_SEV ? eval_active(e, MODELS_ALL) : MODEL_BIT(m);
}

static void gate_kvm_param(Eval *e, Model m) {
        const ModuleParam *p = model_param(&e->f->kvm, m);
        unsigned models = param_reason_models(e, m);
        uint32_t first, last;

        if (eval_skipped(e, "kvm-param", m, CATEGORY_KVM_CONFIG))
                return;
        if (e->f->kvm.module.status != SOURCE_OK) {
                eval_check(e, "kvm-param", m, CATEGORY_KVM_CONFIG, CHECK_SKIP, NULL, 0, NULL, "kvm_amd is not loaded");
                return;
        }
        g_autofree char *hint = param_disabled_hint(m);
        const char *also = m == MODEL_SEV ? " (SEV-ES and SEV-SNP depend on it)" : "";
        if (p->src.status == SOURCE_MISSING)
                eval_check(e, "kvm-param", m, CATEGORY_KVM_CONFIG, CHECK_FAIL, disabled_code[m], models,
                           missing_param_hint[m], "kvm_amd has no '%s' parameter: %s%s", model_info(m)->kvm_param,
                           missing_param_why[m], also);
        else if (p->src.status != SOURCE_OK)
                eval_check(e, "kvm-param", m, CATEGORY_KVM_CONFIG, CHECK_UNKNOWN, "facts-unavailable", models,
                           "Check the kvm_amd parameter files under /sys/module/kvm_amd/parameters",
                           "kvm_amd.%s could not be read: %s%s", model_info(m)->kvm_param, source_why(&p->src), also);
        else if (p->value == TRI_YES)
                eval_check(e, "kvm-param", m, CATEGORY_KVM_CONFIG, CHECK_PASS, NULL, 0, NULL,
                           "kvm_amd.%s=Y: KVM can launch %s guests", model_info(m)->kvm_param, model_title(m));
        else if (asid_pool(e->f, m, &first, &last) == 0)
                /* The kernel turns the model off itself when its pool is empty: one cause, one reason. */
                eval_check(e, "kvm-param", m, CATEGORY_KVM_CONFIG, CHECK_FAIL,
                           m == MODEL_SEV ? "no-sev-asids" : "no-es-asids", models, NULL,
                           "kvm_amd.%s=N because the %s ASID pool is empty%s", model_info(m)->kvm_param, model_title(m), also);
        else
                eval_check(e, "kvm-param", m, CATEGORY_KVM_CONFIG, CHECK_FAIL, disabled_code[m], models, hint,
                           "kvm_amd.%s=N: KVM will not launch %s guests%s (disabled on the command line or in "
                           "modprobe.d, or turned off at load time by the BIOS, the IOMMU or the PSP)", model_info(m)->kvm_param,
                           model_title(m), also);
        if (m == MODEL_SEV && (p->src.status != SOURCE_OK || p->value != TRI_YES))
                eval_stop(e, MODEL_BIT(MODEL_SEV_ES) | MODEL_BIT(MODEL_SEV_SNP), "kvm_amd.sev is not Y");
}

static void gate_psp_device(Eval *e) {
        const Source *d = &e->f->sev.device;

        if (eval_skipped(e, "psp-device", MODEL_INVALID, CATEGORY_PLATFORM_INITIALIZED))
                return;
        if (d->status == SOURCE_OK)
                eval_check(e, "psp-device", MODEL_INVALID, CATEGORY_PLATFORM_INITIALIZED, CHECK_PASS, NULL, 0, NULL,
                           "/dev/sev is present and answers status commands");
        else if (d->status == SOURCE_MISSING)
                eval_check(e, "psp-device", MODEL_INVALID, CATEGORY_PLATFORM_INITIALIZED, CHECK_FAIL, "psp-unavailable",
                           eval_active(e, MODELS_ALL),
                           "Load the ccp module (`modprobe ccp`) and enable SEV in the BIOS; desktop Ryzen parts have no "
                           "SEV firmware at all",
                           "no /dev/sev: the AMD Secure Processor (PSP) is not available to the kernel (%s)", source_why(d));
        else
                eval_check(e, "psp-device", MODEL_INVALID, CATEGORY_PLATFORM_INITIALIZED, CHECK_UNKNOWN, "psp-unavailable",
                           eval_active(e, MODELS_ALL),
                           "Run memcryptd as root (its unit does), or give it read access to /dev/sev",
                           "/dev/sev could not be queried: %s", source_why(d));
}

static void gate_psp_sev_init(Eval *e) {
        const SevPlatformFacts *s = &e->f->sev;
        unsigned models = eval_active(e, MODEL_BIT(MODEL_SEV) | MODEL_BIT(MODEL_SEV_ES));
        static const char *const states[] = { "UNINIT", "INIT", "WORKING" };

        if (eval_skipped(e, "psp-sev-init", MODEL_INVALID, CATEGORY_PLATFORM_INITIALIZED))
                return;
        if (s->device.status != SOURCE_OK)
                eval_check(e, "psp-sev-init", MODEL_INVALID, CATEGORY_PLATFORM_INITIALIZED, CHECK_SKIP, NULL, 0, NULL,
                           "no /dev/sev to ask");
        else if (s->sev_src.status != SOURCE_OK)
                eval_check(e, "psp-sev-init", MODEL_INVALID, CATEGORY_PLATFORM_INITIALIZED, CHECK_UNKNOWN,
                           "psp-unavailable", models, "Check `dmesg | grep -i ccp` for PSP errors",
                           "SEV_PLATFORM_STATUS failed: %s", source_why(&s->sev_src));
        else if (s->state == 0 && e->f->kvm.ccp_psp_init_on_probe.value == TRI_NO)
                eval_check(e, "psp-sev-init", MODEL_INVALID, CATEGORY_PLATFORM_INITIALIZED, CHECK_WARN, NULL, 0,
                           "Nothing to do unless the first launch fails; then check `dmesg | grep -i sev`",
                           "SEV firmware %u.%u is not initialised yet: ccp.psp_init_on_probe=N defers it to the first launch",
                           s->api_major, s->api_minor);
        else if (s->state == 0)
                eval_check(e, "psp-sev-init", MODEL_INVALID, CATEGORY_PLATFORM_INITIALIZED, CHECK_FAIL,
                           "psp-not-initialized", models,
                           "Check `dmesg | grep -i sev` for 'failed to INIT' (error 0x1 after a firmware update usually means "
                           "the BIOS or PSP boot loader is too old: update the BIOS), then reload ccp and kvm_amd",
                           "the SEV firmware (API %u.%u build %u) is not initialised (platform state UNINIT)",
                           s->api_major, s->api_minor, s->build);
        else
                eval_check(e, "psp-sev-init", MODEL_INVALID, CATEGORY_PLATFORM_INITIALIZED, CHECK_PASS, NULL, 0, NULL,
                           "SEV firmware API %u.%u build %u, platform state %s", s->api_major, s->api_minor, s->build,
                           s->state < G_N_ELEMENTS(states) ? states[s->state] : "unknown");
}

static void gate_psp_snp_init(Eval *e) {
        const SevPlatformFacts *s = &e->f->sev;
        const char *hint = "Enable SEV-SNP in the BIOS and kvm_amd.sev_snp=1 on Linux 6.11+; `dmesg | grep -i snp` "
                           "shows 'SNP_INIT failed' or RMP errors when initialisation failed";

        if (eval_skipped(e, "psp-snp-init", MODEL_SEV_SNP, CATEGORY_PLATFORM_INITIALIZED))
                return;
        if (s->device.status != SOURCE_OK)
                eval_check(e, "psp-snp-init", MODEL_SEV_SNP, CATEGORY_PLATFORM_INITIALIZED, CHECK_SKIP, NULL, 0, NULL,
                           "no /dev/sev to ask");
        else if (s->snp_src.status != SOURCE_OK || s->snp_state == 0)
                eval_check(e, "psp-snp-init", MODEL_SEV_SNP, CATEGORY_PLATFORM_INITIALIZED, CHECK_FAIL,
                           "psp-not-initialized", MODEL_BIT(MODEL_SEV_SNP), hint,
                           "the SEV-SNP firmware is not initialised (%s)",
                           s->snp_src.status != SOURCE_OK ? source_why(&s->snp_src) : "SNP platform state UNINIT");
        else if (!s->rmp_initialized)
                eval_check(e, "psp-snp-init", MODEL_SEV_SNP, CATEGORY_PLATFORM_INITIALIZED, CHECK_FAIL,
                           "psp-not-initialized", MODEL_BIT(MODEL_SEV_SNP), hint,
                           "SNP is initialised but the RMP table is not");
        else
                eval_check(e, "psp-snp-init", MODEL_SEV_SNP, CATEGORY_PLATFORM_INITIALIZED, CHECK_PASS, NULL, 0, NULL,
                           "SEV-SNP firmware API %u.%u build %u is initialised with its RMP table",
                           s->snp_api_major, s->snp_api_minor, s->snp_build_id);
}

static void gate_firmware_version(Eval *e) {
        const SevPlatformFacts *s = &e->f->sev;
        bool snp = s->snp_src.status == SOURCE_OK;
        unsigned major = snp ? s->snp_api_major : s->api_major, minor = snp ? s->snp_api_minor : s->api_minor;

        if (eval_skipped(e, "sev-firmware-version", MODEL_SEV_SNP, CATEGORY_PLATFORM_INITIALIZED))
                return;
        if (!snp && s->sev_src.status != SOURCE_OK)
                eval_check(e, "sev-firmware-version", MODEL_SEV_SNP, CATEGORY_PLATFORM_INITIALIZED, CHECK_SKIP, NULL, 0,
                           NULL, "no firmware status to read");
        else if (major < SNP_MIN_API_MAJOR || (major == SNP_MIN_API_MAJOR && minor < SNP_MIN_API_MINOR))
                eval_check(e, "sev-firmware-version", MODEL_SEV_SNP, CATEGORY_PLATFORM_INITIALIZED, CHECK_FAIL,
                           "sev-firmware-too-old", MODEL_BIT(MODEL_SEV_SNP),
                           "Update the BIOS, or put the newer SEV firmware for this family (amd_sev_fam19h_model0xh.sbin "
                           "for Milan, _model1xh for Genoa) in /lib/firmware/amd/ and reload ccp and kvm_amd",
                           "SEV firmware API %u.%u is older than %d.%d, the minimum for SEV-SNP", major, minor,
                           SNP_MIN_API_MAJOR, SNP_MIN_API_MINOR);
        else
                eval_check(e, "sev-firmware-version", MODEL_SEV_SNP, CATEGORY_PLATFORM_INITIALIZED, CHECK_PASS, NULL, 0,
                           NULL, "SEV firmware API %u.%u meets the SEV-SNP minimum %d.%d", major, minor,
                           SNP_MIN_API_MAJOR, SNP_MIN_API_MINOR);
}

static void gate_tcb_committed(Eval *e) {
        const SevPlatformFacts *s = &e->f->sev;

        if (eval_skipped(e, "tcb-committed", MODEL_SEV_SNP, CATEGORY_PLATFORM_INITIALIZED))
                return;
        if (s->snp_src.status != SOURCE_OK)
                eval_check(e, "tcb-committed", MODEL_SEV_SNP, CATEGORY_PLATFORM_INITIALIZED, CHECK_SKIP, NULL, 0, NULL,
                           "SNP is not initialised");
        else if (s->current_tcb != s->reported_tcb)
                eval_check(e, "tcb-committed", MODEL_SEV_SNP, CATEGORY_PLATFORM_INITIALIZED, CHECK_WARN, NULL, 0,
                           "Commit the running TCB with `snphost commit` (SNP_COMMIT) or reboot, then fetch the new VCEK",
                           "the reported TCB 0x%016" G_GINT64_MODIFIER "x differs from the running TCB 0x%016"
                           G_GINT64_MODIFIER "x: attestation reports still carry the old firmware level",
                           s->reported_tcb, s->current_tcb);
        else
                eval_check(e, "tcb-committed", MODEL_SEV_SNP, CATEGORY_PLATFORM_INITIALIZED, CHECK_PASS, NULL, 0, NULL,
                           "reported TCB equals the running TCB 0x%016" G_GINT64_MODIFIER "x", s->current_tcb);
}

static void gate_es_vs_snp(Eval *e) {
        const SevPlatformFacts *s = &e->f->sev;
        const char *hint = "Use amd-sev-snp (or amd-sev) for new guests, or disable SEV-SNP (kvm_amd.sev_snp=0, or in "
                           "the BIOS) and reboot to get SEV-ES back";

        if (eval_skipped(e, "cve-2025-48514", MODEL_SEV_ES, CATEGORY_COMPLIANCE))
                return;
        if (!snp_initialized(e->f)) {
                eval_check(e, "cve-2025-48514", MODEL_SEV_ES, CATEGORY_COMPLIANCE, CHECK_PASS, NULL, 0, NULL,
                           "SEV-SNP is not initialised, so SEV-ES is not blocked (CVE-2025-48514)");
                return;
        }
        if (s->snp_src.status != SOURCE_OK) {
                eval_check(e, "cve-2025-48514", MODEL_SEV_ES, CATEGORY_COMPLIANCE, CHECK_PASS, NULL, 0, NULL,
                           "SEV-ES is withheld while SEV-SNP is enabled (kvm_amd.sev_snp=Y; CVE-2025-48514, AMD-SB-3023); "
                           "SEV and SEV-SNP guests are offered");
                eval_reason(e, MODEL_BIT(MODEL_SEV_ES), "es-blocked-by-snp", SEVERITY_ERROR,
                            "kvm_amd.sev_snp=Y: SEV-SNP is enabled, so SEV-ES is not offered (CVE-2025-48514, AMD-SB-3023)",
                            hint);
                return;
        }
        /* The first SNP SVN whose firmware rejects SEV-ES while SNP is initialised (AMD-SB-3023). */
        unsigned threshold = cpu_generation_info(e->f->cpuid.generation)->es_fixed_snp_svn;
        unsigned svn = s->current_tcb_decoded.snp;
        if (threshold && svn >= threshold) {
                /* Withheld by design on a correctly configured SNP host: the check passes (doctor stays green),
                 * the model still carries the reason. */
                g_autofree char *why = g_strdup_printf(
                        "SEV-SNP is initialised and the SEV firmware (SNP SVN %u) rejects SEV-ES launches while it is "
                        "(AMD-SB-3023, CVE-2025-48514): they fail with 'fw_error=21 Feature not supported'", svn);
                eval_check(e, "cve-2025-48514", MODEL_SEV_ES, CATEGORY_COMPLIANCE, CHECK_PASS, NULL, 0, NULL,
                           "SEV-ES is withheld while SEV-SNP is enabled, as the firmware requires (SNP SVN %u, "
                           "AMD-SB-3023, CVE-2025-48514); SEV and SEV-SNP guests are offered", svn);
                eval_reason(e, MODEL_BIT(MODEL_SEV_ES), "es-blocked-by-snp", SEVERITY_ERROR, why, hint);
        } else {
                /* This firmware may still launch SEV-ES beside SNP: an open risk, fixed by a firmware update. */
                g_autofree char *why = threshold
                        ? g_strdup_printf("SEV-SNP is initialised; this firmware (SNP SVN %u, below the fixed %u) would still "
                                          "launch SEV-ES guests, but SEV-ES beside SNP is vulnerable (CVE-2025-48514), so "
                                          "memcryptd does not offer it", svn, threshold)
                        : g_strdup_printf("SEV-SNP is initialised; SEV-ES beside SNP is vulnerable (CVE-2025-48514), so "
                                          "memcryptd does not offer it (SNP SVN %u; the fixed SVN of this CPU generation "
                                          "is not known)", svn);
                eval_check(e, "cve-2025-48514", MODEL_SEV_ES, CATEGORY_COMPLIANCE, CHECK_WARN, NULL, 0,
                           "Update the SEV firmware (BIOS) to one that fixes CVE-2025-48514; SEV-ES stays withheld while "
                           "SEV-SNP is enabled either way", "%s", why);
                eval_reason(e, MODEL_BIT(MODEL_SEV_ES), "es-blocked-by-snp", SEVERITY_ERROR, why, hint);
        }
}

void gates_kernel(Eval *e) {
        gate_kvm_loaded(e);
        for (Model m = 0; m < _MODEL_MAX; m++)
                gate_kvm_param(e, m);
        gate_psp_device(e);
        gate_psp_sev_init(e);
        gate_psp_snp_init(e);
        gate_firmware_version(e);
        gate_tcb_committed(e);
        gate_es_vs_snp(e);
}
