/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What QEMU on this host would give the PSP to measure, derived from a domain
 * document and the host facts alone: no file is opened here. Each input
 * carries where it came from, so the manifest can say it and a guest owner
 * can disagree with a reason.
 */
#include <inttypes.h>
#include <string.h>

#include "attest-expected-plan.h"
#include "attest-params.h"
#include "clear-strings.h"
#include "firmware.h"
#include "probe.h"
#include "text.h"
#include "version.h"
#include "xml-util.h"

#define QUOTE_MAX 64
/* SEV_FEATURES bits (AMD APM vol. 2, VMSA): SNPActive, DebugSwap. */
#define SEV_FEATURE_SNP_ACTIVE 0x1u
#define SEV_FEATURE_DEBUG_SWAP 0x20u

void expected_plan_clear(ExpectedPlan *p) {
        clear_strings(&p->firmware, &p->descriptor, &p->firmware_source, &p->kernel, &p->initrd, &p->cmdline,
                      &p->vcpu_signature_source, &p->guest_features_source, &p->vmsa_form_reason, NULL);
}

/* ---- options ------------------------------------------------------------ */

static ApiError wrong_type(char **message, const char *key, const char *want, GVariant *v) {
        return api_fail(message, API_INVALID_ARGUMENT, "Option '%s' is %s, not '%s'.", key, want,
                        g_variant_get_type_string(v));
}

static ApiError parse_option(const char *key, GVariant *v, ExpectedOptions *o, char **message) {
        uint64_t n;

        /* Numbers as any unsigned integer type, as InjectLaunchSecret's address. */
        if (g_str_equal(key, "vcpu_signature")) {
                if (!attest_variant_uint(v, &n) || n > G_MAXUINT32)
                        return wrong_type(message, key, "the guest CPU's CPUID 1 EAX (u, or any unsigned integer up to "
                                          "0xffffffff)", v);
                o->has_vcpu_signature = true;
                o->vcpu_signature = (uint32_t) n;
                return API_OK;
        }
        if (g_str_equal(key, "guest_features")) {
                if (!attest_variant_uint(v, &n))
                        return wrong_type(message, key, "the VMSA's SEV_FEATURES (t, or any unsigned integer)", v);
                o->has_guest_features = true;
                o->guest_features = n;
                return API_OK;
        }
        if (g_str_equal(key, "vmsa_form")) {
                int form = g_variant_is_of_type(v, G_VARIANT_TYPE_STRING)
                           ? measure_vmsa_form_from_string(g_variant_get_string(v, NULL)) : -1;
                if (form < 0)
                        return api_fail(message, API_INVALID_ARGUMENT, "Option 'vmsa_form' is the string 'init2' or "
                                        "'legacy'.");
                o->has_vmsa_form = true;
                o->vmsa_form = (MeasureVmsaForm) form;
                return API_OK;
        }
        g_autofree char *q = utf8_shorten(key, QUOTE_MAX, "…");
        return api_fail(message, API_INVALID_ARGUMENT, "Unknown option '%s'; the expected measurement takes "
                        "vcpu_signature (u), guest_features (t) and vmsa_form (s).", q);
}

ApiError attest_expected_options_parse(GVariant *options, ExpectedOptions *ret, char **message) {
        GVariantIter it;
        const char *key;
        GVariant *v;

        *ret = (ExpectedOptions) {};
        if (!options)
                return API_OK;
        g_variant_iter_init(&it, options);
        while (g_variant_iter_loop(&it, "{&sv}", &key, &v)) {
                ApiError e = parse_option(key, v, ret, message);
                if (e != API_OK) {
                        g_variant_unref(v);
                        return e;
                }
        }
        return API_OK;
}

/* ---- model and firmware ------------------------------------------------- */

static ApiError derive_model(const AttestDomainInputs *in, ExpectedPlan *p, char **message) {
        switch (in->model) {
        case MODEL_SEV:
                p->mode = MEASURE_MODE_SEV;
                break;
        case MODEL_SEV_ES:
                p->mode = MEASURE_MODE_SEV_ES;
                break;
        case MODEL_SEV_SNP:
                p->mode = MEASURE_MODE_SNP;
                break;
        case MODEL_NONE:
                return api_fail(message, API_MODEL_UNSUPPORTED, "The domain has no <launchSecurity>: it is not an "
                                "encrypted guest, so nothing measures its launch (ConfigureDomain() makes one).");
        default:
                return api_fail(message, API_MODEL_UNSUPPORTED, "The domain uses another technology's "
                                "<launchSecurity>, not AMD SEV: there is no SEV launch measurement to expect.");
        }
        p->model = in->model;
        return API_OK;
}

/* The descriptor listing PATH as its executable, preferring one that fits M. */
static const FirmwareDescriptor *descriptor_listing(const FirmwareFacts *fw, const char *path, Model m) {
        const FirmwareDescriptor *any = NULL;

        for (guint i = 0; fw->descriptors && i < fw->descriptors->len; i++) {
                const FirmwareDescriptor *d = fw->descriptors->pdata[i];
                if (!d->executable || !g_str_equal(d->executable, path))
                        continue;
                if (firmware_fits(d, m))
                        return d;
                any = any ?: d;
        }
        return any;
}

/* A <loader> path must be one a descriptor lists: the only paths of a document the daemon opens. */
static ApiError derive_firmware(const HostFacts *f, const AttestDomainInputs *in, ExpectedPlan *p, char **message) {
        const FirmwareDescriptor *d;

        if (in->loader) {
                d = descriptor_listing(&f->firmware, in->loader, p->model);
                if (!d) {
                        g_autofree char *q = utf8_shorten(in->loader, 200, "…");
                        return api_fail(message, API_MEASUREMENT_UNAVAILABLE,
                                        "The loader '%s' is not a firmware image a QEMU firmware descriptor on this "
                                        "host lists, and memcryptd reads no other: remove the path and set "
                                        "<os firmware='efi'> so that libvirt picks one offering '%s'.", q,
                                        firmware_feature(p->model));
                }
                p->firmware_source = g_strdup_printf("<loader>, listed by the descriptor %s", d->path);
        } else {
                d = firmware_pick(&f->firmware, p->model, in->has_nvram);
                if (!d)
                        return api_fail(message, API_MEASUREMENT_UNAVAILABLE,
                                        "No QEMU firmware descriptor on this host offers '%s'%s (firmware-missing), "
                                        "so there is no firmware to measure: install an OVMF build and its "
                                        "descriptor.", firmware_feature(p->model),
                                        p->model == MODEL_SEV_SNP ? " with a ROM or stateless mapping" : "");
                p->firmware_source = g_strdup_printf("the descriptor %s: libvirt's pick for '%s', as ConfigureDomain() "
                                                     "pins it", d->path, firmware_feature(p->model));
        }
        p->firmware = g_strdup(d->executable);
        p->descriptor = g_strdup(d->path);
        return API_OK;
}

/* ---- vCPUs -------------------------------------------------------------- */

/* The named model libvirt expands host-model to: domain capabilities' <mode name='host-model'><model>. */
static char *host_model_name(const HostFacts *f) {
        const char *xml = f->libvirt.domcaps.raw_xml;
        g_autofree char *why = NULL;
        g_autoptr(xmlDoc) doc = NULL;
        const xmlNode *cpu;

        if (!xml || !(doc = xml_parse_untrusted(xml, strlen(xml), HOST_FILE_MAX, "domainCapabilities", 0, &why)))
                return NULL;
        cpu = xml_child(xmlDocGetRootElement(doc), "cpu");
        XML_FOREACH_CHILD(mode, cpu, "mode")
                if (xml_attr_is(mode, "name", "host-model")) {
                        const xmlNode *model = xml_child(mode, "model");
                        return model && xml_text(model) ? g_strstrip(g_strdup(xml_text(model))) : NULL;
                }
        return NULL;
}

static ApiError no_signature(char **message, const char *what) {
        return api_fail(message, API_INVALID_ARGUMENT, "%s, so the vCPU signature in every VMSA is not known here; "
                        "give it with option vcpu_signature (u, the guest CPU's CPUID 1 EAX), or use "
                        "host-passthrough or one of QEMU's EPYC models.", what);
}

static void set_signature(ExpectedPlan *p, uint32_t family, uint32_t model, uint32_t stepping, const char *source) {
        p->vcpu_signature = measure_cpu_signature(family, model, stepping);
        p->vcpu_signature_source = g_strdup_printf("%s (family %u, model %u, stepping %u)", source, family, model,
                                                   stepping);
}

static ApiError derive_signature(const HostFacts *f, const AttestDomainInputs *in, const ExpectedOptions *o,
                                 ExpectedPlan *p, char **message) {
        g_autofree char *expanded = NULL, *source = NULL;
        const char *name = in->cpu_name;
        const MeasureVcpuType *t;

        if (o->has_vcpu_signature) {
                p->vcpu_signature = o->vcpu_signature;
                p->vcpu_signature_source = g_strdup("option vcpu_signature");
                return API_OK;
        }
        if (!in->cpu_mode)
                return no_signature(message, "The domain has no <cpu>: QEMU gives it its default model");
        if (g_str_equal(in->cpu_mode, "host-model") && (expanded = host_model_name(f)))
                name = expanded;
        else if (g_str_equal(in->cpu_mode, "host-passthrough") || g_str_equal(in->cpu_mode, "maximum") ||
                 g_str_equal(in->cpu_mode, "host-model")) {
                const CpuidFacts *c = &f->cpuid;
                if (c->src.status != SOURCE_OK)
                        return api_fail(message, API_MEASUREMENT_UNAVAILABLE,
                                        "The guest CPU is the host's (<cpu mode='%s'>) but this host's CPUID is "
                                        "unknown (%s); give option vcpu_signature (u).",
                                        in->cpu_mode, c->src.detail ?: "not read");
                source = g_strdup_printf("<cpu mode='%s'>: this host's CPUID", in->cpu_mode);
                set_signature(p, c->family, c->model, c->stepping, source);
                return API_OK;
        }
        t = measure_vcpu_type_lookup(name);
        if (!t) {
                g_autofree char *q = name ? utf8_shorten(name, QUOTE_MAX, "…") : NULL;
                g_autofree char *what = q ? g_strdup_printf("The <cpu> model '%s' is not one of QEMU's EPYC models "
                                                            "known here", q)
                                          : g_strdup_printf("The <cpu mode='%s'> names no model", in->cpu_mode);
                return no_signature(message, what);
        }
        source = expanded ? g_strdup_printf("<cpu mode='host-model'>: libvirt expands it to %s (domain "
                                            "capabilities); QEMU's definition of it", t->name)
                          : g_strdup_printf("<cpu> model %s: QEMU's definition of it", t->name);
        set_signature(p, t->family, t->model, t->stepping, source);
        return API_OK;
}

/* ---- VMSA form and guest features --------------------------------------- */

static ApiError derive_form(const HostFacts *f, const ExpectedOptions *o, ExpectedPlan *p, char **message) {
        const char *qemu = f->libvirt.qemu_version, *kernel = f->kernel_release;
        unsigned v[3];
        bool qemu_new, kernel_new;

        if (o->has_vmsa_form) {
                p->vmsa_form = o->vmsa_form;
                p->vmsa_form_reason = g_strdup("option vmsa_form");
                return API_OK;
        }
        if (!qemu || !version_parse(qemu, v) || !kernel || !version_parse(kernel, v))
                return api_fail(message, API_MEASUREMENT_UNAVAILABLE,
                                "This host's %s version is unknown, so whether QEMU starts the guest with "
                                "KVM_SEV_INIT2 is too; give option vmsa_form ('init2' for QEMU >= 9.1 on Linux "
                                ">= 6.10, else 'legacy').", qemu && version_parse(qemu, v) ? "Linux"
                                                                                                         : "QEMU");
        qemu_new = version_at_least(qemu, 9, 1, 0);
        kernel_new = version_at_least(kernel, 6, 10, 0);
        p->vmsa_form = qemu_new && kernel_new ? MEASURE_VMSA_INIT2 : MEASURE_VMSA_LEGACY;
        p->vmsa_form_reason = g_strdup_printf("QEMU %s (%s 9.1) on Linux %s (%s 6.10): %s", qemu, qemu_new ? ">=" : "<",
                                              kernel, kernel_new ? ">=" : "<",
                                              qemu_new && kernel_new ? "KVM_SEV_INIT2 sets MXCSR and the x87 FCW"
                                                                     : "KVM_SEV_ES_INIT leaves MXCSR and the x87 FCW 0");
        return API_OK;
}

static void derive_features(const HostFacts *f, const ExpectedOptions *o, ExpectedPlan *p) {
        bool snp = p->mode == MEASURE_MODE_SNP;
        bool debug_swap = p->vmsa_form == MEASURE_VMSA_LEGACY && f->kvm.debug_swap.value == TRI_YES;

        if (o->has_guest_features) {
                p->guest_features = o->guest_features;
                p->guest_features_source = g_strdup("option guest_features");
                return;
        }
        /* KVM_SEV_INIT2 takes the features from QEMU, which asks for none beyond SNPActive; the
         * legacy KVM_SEV_ES_INIT sets DebugSwap where kvm_amd.debug_swap is on (Linux 6.5 to 6.9). */
        p->guest_features = (snp ? SEV_FEATURE_SNP_ACTIVE : 0) | (debug_swap ? SEV_FEATURE_DEBUG_SWAP : 0);
        p->guest_features_source = g_strdup_printf("%s%s", snp ? "SNPActive" : "none",
                                                   debug_swap ? ", DebugSwap: kvm_amd.debug_swap=Y with KVM_SEV_ES_INIT"
                                                   : p->vmsa_form == MEASURE_VMSA_INIT2
                                                   ? ": QEMU asks KVM_SEV_INIT2 for no other VMSA feature"
                                                   : ": kvm_amd.debug_swap is not on");
}

/* ---- the plan ----------------------------------------------------------- */

ApiError expected_plan_derive(const HostFacts *f, const AttestDomainInputs *in, const ExpectedOptions *o,
                              ExpectedPlan *ret, char **message) {
        ExpectedPlan p = {};
        ApiError e;

        e = derive_model(in, &p, message);
        if (e == API_OK && (in->vcpus < 1 || in->vcpus > MEASURE_VCPUS_MAX))
                e = api_fail(message, API_INVALID_DOMAIN_XML, "The domain's <vcpu> gives %u vCPUs at start; a guest has "
                             "1 to %u.", in->vcpus, MEASURE_VCPUS_MAX);
        if (e == API_OK)
                e = derive_firmware(f, in, &p, message);
        if (e == API_OK && expected_plan_has_vmsas(&p))
                e = derive_signature(f, in, o, &p, message);
        if (e == API_OK && expected_plan_has_vmsas(&p))
                e = derive_form(f, o, &p, message);
        if (e != API_OK) {
                expected_plan_clear(&p);
                return e;
        }
        if (expected_plan_has_vmsas(&p))
                derive_features(f, o, &p);
        p.has_policy = in->has_policy;
        p.policy = in->policy;
        p.vcpus = in->vcpus;
        /* QEMU adds the hashes table only for kernelHashes='yes' with a kernel to boot. */
        p.kernel_measured = in->kernel_hashes && in->kernel;
        if (p.kernel_measured) {
                p.kernel = g_strdup(in->kernel);
                p.initrd = g_strdup(in->initrd);
                p.cmdline = g_strdup(in->cmdline);
        }
        *ret = p;
        return API_OK;
}
