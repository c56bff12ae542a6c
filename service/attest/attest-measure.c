/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GetLaunchMeasurement(): libvirt's launch-security parameters of an SEV or
 * SEV-ES guest (the measurement QEMU got from LAUNCH_MEASURE, the firmware's
 * API version and build, the policy) and what the guest owner needs to
 * compute the expected value off this host: the firmware, kernel, initrd
 * and command line as measured, the vCPU count and the CPU signature (one
 * VMSA per vCPU for SEV-ES). Nothing here is compared with anything.
 */
#include <libvirt/libvirt.h>

#include "attest-domain.h"
#include "attest-expected.h"
#include "attest-internal.h"
#include "attest-params.h"
#include "attest.h"
#include "measure-vcpu.h"
#include "model.h"
#include "text.h"

typedef struct {
        GVariantBuilder info;
        GVariantBuilder unavailable;
} Answer;

static void add(Answer *a, const char *key, GVariant *v) {
        g_variant_builder_add(&a->info, "{sv}", key, v);
}

static void why_not(Answer *a, const char *what, const char *why) {
        g_autofree char *safe = text_bus_safe(why);

        g_variant_builder_add(&a->unavailable, "{ss}", what, safe);
}

/* Strings from the domain XML: one sd-bus would refuse (U+FDD0 is fine XML) would fail the whole reply. */
static void add_text(Answer *a, const char *key, const char *s) {
        if (text_bus_valid(s))
                add(a, key, g_variant_new_string(s));
        else
                why_not(a, key, "not text D-Bus can carry");
}

static void add_uint_param(Answer *a, GVariant *params, const char *name, const char *key) {
        uint64_t v;

        if (attest_param_uint(params, name, &v) && v <= G_MAXUINT32)
                add(a, key, g_variant_new_uint32((uint32_t) v));
        else
                why_not(a, key, "libvirt did not report it");
}

static void add_libvirt_params(Answer *a, GVariant *params, const AttestDomainInputs *in) {
        const char *measurement = attest_param_string(params, VIR_DOMAIN_LAUNCH_SECURITY_SEV_MEASUREMENT);
        uint64_t policy;

        if (measurement)
                add_text(a, "measurement", measurement);
        else
                why_not(a, "measurement", "libvirt did not report it");
        add_uint_param(a, params, VIR_DOMAIN_LAUNCH_SECURITY_SEV_API_MAJOR, "api_major");
        add_uint_param(a, params, VIR_DOMAIN_LAUNCH_SECURITY_SEV_API_MINOR, "api_minor");
        add_uint_param(a, params, VIR_DOMAIN_LAUNCH_SECURITY_SEV_BUILD_ID, "build_id");
        /* libvirt < 8.0 reports no policy; the domain's own is the one QEMU was given. */
        if (attest_param_uint(params, VIR_DOMAIN_LAUNCH_SECURITY_SEV_POLICY, &policy))
                add(a, "policy", g_variant_new_uint64(policy));
        else if (in->has_policy)
                add(a, "policy", g_variant_new_uint64(in->policy));
        else
                why_not(a, "policy", "neither libvirt nor the domain XML states it");
}

/* PATH under KEY and its SHA-256 under KEY_sha256 (or why not). */
static void add_file(Answer *a, const char *root, const char *key, const char *path) {
        g_autofree char *sum_key = g_strconcat(key, "_sha256", NULL);
        g_autofree char *why = NULL;
        g_autofree char *sum = NULL;

        add_text(a, key, path);
        sum = attest_sha256_file(root, path, &why);
        if (sum)
                add(a, sum_key, g_variant_new_string(sum));
        else
                why_not(a, sum_key, why);
}

/* QEMU's kernel-hashes table hashes the command line with its terminating NUL. */
static char *cmdline_sha256(const char *cmdline) {
        return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) cmdline, strlen(cmdline) + 1);
}

static void add_boot(Answer *a, const char *root, const AttestDomainInputs *in) {
        if (in->loader)
                add_file(a, root, "firmware", in->loader);
        else
                why_not(a, "firmware", "the domain XML names no <loader>");
        add(a, "kernel_hashes", g_variant_new_boolean(in->kernel_hashes));
        if (!in->kernel)
                return;
        add_file(a, root, "kernel", in->kernel);
        if (in->initrd)
                add_file(a, root, "initrd", in->initrd);
        if (in->cmdline) {
                g_autofree char *sum = cmdline_sha256(in->cmdline);

                add_text(a, "cmdline", in->cmdline);
                add(a, "cmdline_sha256", g_variant_new_string(sum));
        }
}

static void add_cpu(Answer *a, const HostFacts *f, const AttestDomainInputs *in) {
        uint32_t family, model, stepping;

        if (in->vcpus > 0)
                add(a, "vcpus", g_variant_new_uint32(in->vcpus));
        else
                why_not(a, "vcpus", "the domain XML's <vcpu> is not a number");
        if (in->cpu_mode)
                add_text(a, "cpu_mode", in->cpu_mode);
        if (in->cpu_name)
                add_text(a, "cpu_name", in->cpu_name);
        if (!attest_cpu_signature(in, &f->cpuid, &family, &model, &stepping)) {
                why_not(a, "cpu_signature", in->cpu_mode ? "the guest CPU model's signature is not known here"
                                                         : "the domain has no <cpu>: QEMU's default model");
                return;
        }
        add(a, "cpu_family", g_variant_new_uint32(family));
        add(a, "cpu_model", g_variant_new_uint32(model));
        add(a, "cpu_stepping", g_variant_new_uint32(stepping));
        add(a, "cpu_signature", g_variant_new_uint32(measure_cpu_signature(family, model, stepping)));
}

/* What the owner should find: the expected digest of this domain's XML on this host. */
static void add_expected(Answer *a, const HostFacts *f, ExpectedCache *cache, const char *xml) {
        g_autofree char *why = NULL;
        g_autofree char *digest = attest_expected_digest(f, cache, xml, &why);

        if (digest)
                add(a, "expected_measurement", g_variant_new_string(digest));
        else
                why_not(a, "expected_measurement", why);
}

ApiError attest_launch_measurement(const HostFacts *f, AttestLibvirt *lv, const char *no_libvirt,
                                   ExpectedCache *cache, const char *domain, GVariant **ret, char **message) {
        g_auto(AttestDomain) d = {};
        g_auto(AttestDomainInputs) in = {};
        g_autoptr(GVariant) params = NULL;
        Answer a;
        ApiError e;

        e = attest_lookup(lv, no_libvirt, domain, &d, message);
        if (e != API_OK)
                return e;
        if (!attest_domain_state_is_active(d.state))
                return api_fail(message, API_INVALID_DOMAIN_STATE, "Domain '%s' is %s: only a started domain has "
                                "a launch measurement (start it with --paused).", d.name,
                                attest_domain_state_to_string(d.state));
        e = attest_check_sev_guest(&d, "host-side launch measurement", message);
        if (e == API_OK)
                e = attest_domain_inputs_parse(d.xml, &in, message);
        if (e == API_OK)
                e = lv->launch_security_info(lv, &d, &params, message);
        if (e != API_OK)
                return e;

        g_variant_builder_init(&a.info, G_VARIANT_TYPE_VARDICT);
        g_variant_builder_init(&a.unavailable, G_VARIANT_TYPE("a{ss}"));
        add(&a, "domain", g_variant_new_string(d.name));
        add_text(&a, "uuid", d.uuid);
        add(&a, "state", g_variant_new_string(attest_domain_state_to_string(d.state)));
        add(&a, "model", g_variant_new_string(model_name(in.model)));
        add_libvirt_params(&a, params, &in);
        add_boot(&a, f->root, &in);
        add_cpu(&a, f, &in);
        add_expected(&a, f, cache, d.xml);
        add(&a, "unavailable", g_variant_builder_end(&a.unavailable));
        *ret = g_variant_ref_sink(g_variant_builder_end(&a.info));
        return API_OK;
}
