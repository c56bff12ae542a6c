/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GetPlatformInfo(): what a guest owner or an attestation agent needs from
 * this host's PSP without root or /dev/sev: the platform's certificates
 * (from libvirt), its status as the last probe read it, the SNP TCBs and
 * the VCEK URL. Keys appear only when known; "unavailable" says why the
 * others are missing.
 */
#include <libvirt/libvirt.h>

#include "attest.h"
#include "attest-params.h"
#include "text.h"

#define KDS_VCEK_BASE "https://kdsintf.amd.com/vcek/v1"
#define CHIP_ID_SIZE 64u      /* what the PSP reports; KDS may name a chip by fewer of its bytes */

GVariant *attest_tcb_variant(const TcbVersion *t, uint64_t raw) {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);

        if (t->has_fmc)
                g_variant_builder_add(&b, "{sv}", "fmc", g_variant_new_uint32(t->fmc));
        g_variant_builder_add(&b, "{sv}", "boot_loader", g_variant_new_uint32(t->boot_loader));
        g_variant_builder_add(&b, "{sv}", "tee", g_variant_new_uint32(t->tee));
        g_variant_builder_add(&b, "{sv}", "snp", g_variant_new_uint32(t->snp));
        g_variant_builder_add(&b, "{sv}", "microcode", g_variant_new_uint32(t->microcode));
        g_variant_builder_add(&b, "{sv}", "raw", g_variant_new_uint64(raw));
        return g_variant_builder_end(&b);
}

static bool all_zero(const uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (p[i])
                        return false;
        return true;
}

char *attest_vcek_url(CpuGeneration gen, const uint8_t *chip_id, size_t len, const TcbVersion *reported,
                      char **why) {
        const CpuGenerationInfo *gi = cpu_generation_info(gen);
        bool zen5 = gi->tcb_layout == TCB_LAYOUT_ZEN5;
        size_t hwid_len = gi->kds_hwid_len;
        g_autoptr(GString) hwid = g_string_new(NULL);

        if (!gi->kds_product) {
                *why = g_strdup_printf("AMD KDS has no VCEKs for CPU generation '%s'", gi->name);
                return NULL;
        }
        if (len != CHIP_ID_SIZE && len != hwid_len) {
                *why = g_strdup_printf("the chip id has %zu bytes, expected %u", len, CHIP_ID_SIZE);
                return NULL;
        }
        /* A masked chip id (SNP_SET_CONFIG MASK_CHIP_ID) reads as zeros: no VCEK is issued for it. */
        if (all_zero(chip_id, hwid_len)) {
                *why = g_strdup("the chip id is all zeros (masked)");
                return NULL;
        }
        for (size_t i = 0; i < hwid_len; i++)
                g_string_append_printf(hwid, "%02x", chip_id[i]);

        /* AMD's VCEK specification (57230, section 4.1) lists fmcSPL first where the TCB has it. */
        if (zen5)
                return g_strdup_printf(KDS_VCEK_BASE "/%s/%s?fmcSPL=%02u&blSPL=%02u&teeSPL=%02u&snpSPL=%02u"
                                       "&ucodeSPL=%02u", gi->kds_product, hwid->str, reported->fmc, reported->boot_loader,
                                       reported->tee, reported->snp, reported->microcode);
        return g_strdup_printf(KDS_VCEK_BASE "/%s/%s?blSPL=%02u&teeSPL=%02u&snpSPL=%02u&ucodeSPL=%02u", gi->kds_product,
                               hwid->str, reported->boot_loader, reported->tee, reported->snp, reported->microcode);
}

typedef struct {
        GVariantBuilder info;           /* a{sv} */
        GVariantBuilder unavailable;    /* a{ss} */
} Answer;

static void add(Answer *a, const char *key, GVariant *v) {
        g_variant_builder_add(&a->info, "{sv}", key, v);
}

static void why_not(Answer *a, const char *what, const char *why) {
        g_autofree char *safe = text_bus_safe(why ?: "unknown");

        g_variant_builder_add(&a->unavailable, "{ss}", what, safe);
}

/* pdh, cert_chain, cpu0_id from virNodeGetSEVInfo; the chip id (base64) for the VCEK URL. */
static char *add_node_info(Answer *a, const HostFacts *f, AttestLibvirt *lv, const char *no_libvirt) {
        g_autoptr(GVariant) node = NULL;
        g_autofree char *message = NULL;
        const char *cpu0_id = NULL;

        if (!lv)
                why_not(a, "libvirt", no_libvirt);
        else if (lv->node_sev_info(lv, &node, &message) != API_OK)
                why_not(a, "libvirt", message);

        if (attest_param_string(node, VIR_NODE_SEV_PDH))
                add(a, "pdh", g_variant_new_string(attest_param_string(node, VIR_NODE_SEV_PDH)));
        if (attest_param_string(node, VIR_NODE_SEV_CERT_CHAIN))
                add(a, "cert_chain", g_variant_new_string(attest_param_string(node, VIR_NODE_SEV_CERT_CHAIN)));
        cpu0_id = attest_param_string(node, VIR_NODE_SEV_CPU0_ID);
        /* Domain capabilities carry the same id (libvirt >= 8.4) when the node call is unavailable. */
        if (!cpu0_id && f->libvirt.domcaps.src.status == SOURCE_OK)
                cpu0_id = f->libvirt.domcaps.cpu0_id;
        if (cpu0_id && !text_bus_valid(cpu0_id))
                cpu0_id = NULL;
        if (cpu0_id)
                add(a, "cpu0_id", g_variant_new_string(cpu0_id));
        return g_strdup(cpu0_id);
}

/* Whether the status object WHAT (read into SRC from /dev/sev) is missing; if so, A says why: the
 * device's own failure when it is the cause, else SRC's. */
static bool status_missing(Answer *a, const SevPlatformFacts *s, const char *what, const Source *src) {
        if (s->device.status == SOURCE_OK && src->status == SOURCE_OK)
                return false;
        why_not(a, what, s->device.status != SOURCE_OK ? s->device.detail : src->detail);
        return true;
}

static void add_sev_status(Answer *a, const SevPlatformFacts *s) {
        if (status_missing(a, s, "sev", &s->sev_src))
                return;
        add(a, "api_major", g_variant_new_uint32(s->api_major));
        add(a, "api_minor", g_variant_new_uint32(s->api_minor));
        add(a, "build", g_variant_new_uint32(s->build));
        add(a, "state", g_variant_new_uint32(s->state));
        add(a, "owner", g_variant_new_boolean((s->flags & 0x1) != 0));
        add(a, "es_initialized", g_variant_new_boolean((s->flags & 0x100) != 0));
        add(a, "guest_count", g_variant_new_uint32(s->guest_count));
}

static void add_vcek_url(Answer *a, const HostFacts *f, const char *cpu0_id) {
        g_autofree guchar *chip_id = NULL;
        g_autofree char *url = NULL, *why = NULL;
        gsize len = 0;

        if (!cpu0_id) {
                why_not(a, "vcek_url", "no chip id: libvirt gave no cpu0-id");
                return;
        }
        chip_id = g_base64_decode(cpu0_id, &len);
        url = attest_vcek_url(f->cpuid.generation, chip_id, len, &f->sev.reported_tcb_decoded, &why);
        if (url)
                add(a, "vcek_url", g_variant_new_string(url));
        else
                why_not(a, "vcek_url", why);
}

static void add_snp_status(Answer *a, const HostFacts *f, const char *cpu0_id) {
        const SevPlatformFacts *s = &f->sev;

        if (status_missing(a, s, "snp", &s->snp_src))
                return;
        add(a, "snp_api_major", g_variant_new_uint32(s->snp_api_major));
        add(a, "snp_api_minor", g_variant_new_uint32(s->snp_api_minor));
        add(a, "snp_build_id", g_variant_new_uint32(s->snp_build_id));
        add(a, "snp_state", g_variant_new_uint32(s->snp_state));
        add(a, "snp_guest_count", g_variant_new_uint32(s->snp_guest_count));
        add(a, "rmp_initialized", g_variant_new_boolean(s->rmp_initialized));
        add(a, "alias_check_complete", g_variant_new_boolean(s->alias_check_complete));
        add(a, "vlek_enabled", g_variant_new_boolean((s->snp_feature_flags & 0x4) != 0));
        add(a, "current_tcb", attest_tcb_variant(&s->current_tcb_decoded, s->current_tcb));
        add(a, "reported_tcb", attest_tcb_variant(&s->reported_tcb_decoded, s->reported_tcb));
        add(a, "tcb_committed_mismatch", g_variant_new_boolean(s->current_tcb != s->reported_tcb));
        add_vcek_url(a, f, cpu0_id);
}

GVariant *attest_platform_info(const HostFacts *f, AttestLibvirt *lv, const char *no_libvirt) {
        g_autofree char *cpu0_id = NULL;
        Answer a;

        g_variant_builder_init(&a.info, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_init(&a.unavailable, G_VARIANT_TYPE("a{ss}"));

        add(&a, "cpu_generation", g_variant_new_string(cpu_generation_to_string(f->cpuid.generation)));
        cpu0_id = add_node_info(&a, f, lv, no_libvirt);
        add_sev_status(&a, &f->sev);
        add_snp_status(&a, f, cpu0_id);
        add(&a, "unavailable", g_variant_builder_end(&a.unavailable));
        return g_variant_ref_sink(g_variant_builder_end(&a.info));
}
