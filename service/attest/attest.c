/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * InjectLaunchSecret() and the domain checks the attestation methods share
 * (attest-libvirt.c: domain names and lookups). The secret is the guest owner's, wrapped with a key
 * only the guest owner and the PSP hold (TEK): memcryptd checks its shape,
 * never its content, and hands it to libvirt as it came.
 */
#include <string.h>

#include <libvirt/libvirt.h>

#include "attest-internal.h"
#include "attest-params.h"
#include "attest.h"
#include "launch-options.h"
#include "probe.h"
#include "text.h"

#define QUOTE_MAX 64

/* blob_check() without an exact size accepts 1..SEV_BLOB_MAX bytes: the documented secret limit. */
G_STATIC_ASSERT(ATTEST_SECRET_MAX == SEV_BLOB_MAX);

bool attest_domain_state_is_active(AttestDomainState s) {
        switch (s) {
        case ATTEST_DOMAIN_RUNNING:
        case ATTEST_DOMAIN_BLOCKED:
        case ATTEST_DOMAIN_PAUSED:
        case ATTEST_DOMAIN_SHUTDOWN:
        case ATTEST_DOMAIN_PMSUSPENDED:
                return true;
        default:
                return false;
        }
}

static ApiError read_address(GVariant *v, uint64_t *ret, char **message) {
        if (attest_variant_uint(v, ret))
                return API_OK;
        return api_fail(message, API_INVALID_ARGUMENT,
                        "Option 'address' is a guest physical address: an unsigned integer (t), not '%s'.",
                        g_variant_get_type_string(v));
}

static ApiError parse_option(const char *key, GVariant *v, InjectRequest *req, char **message) {
        if (g_str_equal(key, "address")) {
                req->has_address = true;
                return read_address(v, &req->address, message);
        }
        if (g_str_equal(key, "resume")) {
                if (!g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN))
                        return api_fail(message, API_INVALID_ARGUMENT, "Option 'resume' is a boolean (b), not '%s'.",
                                        g_variant_get_type_string(v));
                req->resume = g_variant_get_boolean(v);
                return API_OK;
        }
        g_autofree char *q = utf8_shorten(key, QUOTE_MAX, "…");
        return api_fail(message, API_INVALID_ARGUMENT,
                        "Unknown option '%s'; InjectLaunchSecret takes address (t) and resume (b).", q);
}

ApiError attest_inject_parse(const char *domain, const char *header, const char *secret, GVariant *options,
                             InjectRequest *ret, char **message) {
        GVariantIter it;
        const char *key;
        GVariant *v;
        ApiError e;

        *ret = (InjectRequest) { .domain = domain, .header = header, .secret = secret };
        e = attest_check_domain_name(domain, message);
        if (e == API_OK)
                e = blob_check("The launch secret header", header, ATTEST_SECRET_HEADER_SIZE, message);
        if (e == API_OK)
                e = blob_check("The launch secret", secret, 0, message);
        if (e != API_OK || !options)
                return e;

        g_variant_iter_init(&it, options);
        while (g_variant_iter_loop(&it, "{&sv}", &key, &v)) {
                e = parse_option(key, v, ret, message);
                if (e != API_OK) {
                        g_variant_unref(v);
                        return e;
                }
        }
        return API_OK;
}

/* SEV and SEV-ES guests only: SNP has no LAUNCH_SECRET, and a plain guest has no secret area. */
ApiError attest_check_sev_guest(const AttestDomain *d, const char *what, char **message) {
        g_autofree char *why = NULL;
        Model m = MODEL_NONE;

        if (d->xml)
                m = domain_xml_guest_model(d->xml, strlen(d->xml), NULL, NULL, &why);
        if (why || !d->xml)
                return api_fail(message, API_MODEL_UNSUPPORTED, "The XML of domain '%s' cannot be read: %s", d->name,
                                why ?: "libvirt gave none");
        switch (m) {
        case MODEL_SEV:
        case MODEL_SEV_ES:
                return API_OK;
        case MODEL_SEV_SNP:
                return api_fail(message, API_MODEL_UNSUPPORTED, "Domain '%s' is an SEV-SNP guest: %s exists only "
                                "for SEV and SEV-ES. An SNP guest asks the PSP for its own attestation report and "
                                "gets its secrets from the owner's key broker.", d->name, what);
        case MODEL_NONE:
                return api_fail(message, API_MODEL_UNSUPPORTED, "Domain '%s' has no <launchSecurity>: it is not an "
                                "encrypted guest, so it has no %s.", d->name, what);
        default:
                return api_fail(message, API_MODEL_UNSUPPORTED, "Domain '%s' uses another technology's "
                                "<launchSecurity>, not AMD SEV: it has no %s.", d->name, what);
        }
}

/* LV's domain NAME, which must exist and be active; the caller checks more. */
static GVariant *secret_params(const InjectRequest *req) {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);

        g_variant_builder_add(&b, "{sv}", VIR_DOMAIN_LAUNCH_SECURITY_SEV_SECRET_HEADER,
                              g_variant_new_string(req->header));
        g_variant_builder_add(&b, "{sv}", VIR_DOMAIN_LAUNCH_SECURITY_SEV_SECRET, g_variant_new_string(req->secret));
        if (req->has_address)
                g_variant_builder_add(&b, "{sv}", VIR_DOMAIN_LAUNCH_SECURITY_SEV_SECRET_SET_ADDRESS,
                                      g_variant_new_uint64(req->address));
        return g_variant_ref_sink(g_variant_builder_end(&b));
}

ApiError attest_inject(AttestLibvirt *lv, const char *no_libvirt, const InjectRequest *req, char **message) {
        g_auto(AttestDomain) d = {};
        g_autoptr(GVariant) params = NULL;
        g_autofree char *why = NULL;
        ApiError e;

        e = attest_lookup(lv, no_libvirt, req->domain, &d, message);
        if (e != API_OK)
                return e;
        if (d.state != ATTEST_DOMAIN_PAUSED)
                return api_fail(message, API_INVALID_DOMAIN_STATE, "Domain '%s' is %s, not paused: a launch secret "
                                "goes in between starting it paused and resuming it.", d.name,
                                attest_domain_state_to_string(d.state));
        e = attest_check_sev_guest(&d, "launch secret", message);
        if (e != API_OK)
                return e;

        params = secret_params(req);
        e = lv->set_launch_security_state(lv, &d, params, message);
        if (e != API_OK || !req->resume)
                return e;
        e = lv->resume(lv, &d, &why);
        if (e != API_OK)
                return api_fail(message, e, "The launch secret was injected into '%s', but resuming it failed: %s",
                                d.name, why);
        return API_OK;
}
