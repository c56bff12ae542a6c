/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The live backend: the attestation calls on the daemon's libvirt
 * connection (borrowed from the connection keeper, never opened or closed
 * here). Each call names the domain by UUID after the lookup, so a domain
 * destroyed and defined again under the same name is never mistaken for the
 * one whose state was checked.
 */
#include <stdlib.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "attest-libvirt.h"
#include "attest-typed-params.h"
#include "text.h"

typedef struct {
        AttestLibvirt lv;
        virConnectPtr conn;
} Live;

/* libvirt's last error as an ApiError: the few codes a caller can act on, else LibvirtUnavailable. */
static ApiError libvirt_fail(char **message, const char *call) {
        g_autofree char *why = text_bus_safe(virGetLastErrorMessage());
        ApiError e;

        switch (virGetLastErrorCode()) {
        case VIR_ERR_NO_DOMAIN:
                e = API_NO_SUCH_DOMAIN;
                break;
        case VIR_ERR_OPERATION_INVALID:
                e = API_INVALID_DOMAIN_STATE;
                break;
        case VIR_ERR_NO_SUPPORT:
        case VIR_ERR_OPERATION_UNSUPPORTED:
        case VIR_ERR_ARGUMENT_UNSUPPORTED:
                e = API_MODEL_UNSUPPORTED;
                break;
        case VIR_ERR_INVALID_ARG:
                e = API_INVALID_ARGUMENT;
                break;
        default:
                e = API_LIBVIRT_UNAVAILABLE;
                break;
        }
        return api_fail(message, e, "%s failed: %s", call, why);
}

static ApiError live_node_sev_info(AttestLibvirt *lv, GVariant **ret, char **message) {
        Live *l = (Live *) lv;
        virTypedParameterPtr params = NULL;
        int n = 0;

        if (virNodeGetSEVInfo(l->conn, &params, &n, 0) < 0)
                return libvirt_fail(message, "virNodeGetSEVInfo");
        *ret = attest_typed_params_to_variant(params, n);
        virTypedParamsFree(params, n);
        return API_OK;
}

static ApiError live_lookup(AttestLibvirt *lv, const char *name, AttestDomain *ret, char **message) {
        Live *l = (Live *) lv;
        char uuid[VIR_UUID_STRING_BUFLEN];
        virDomainPtr dom;
        int state = 0, reason = 0;
        char *xml = NULL;
        ApiError e = API_OK;

        dom = virDomainLookupByName(l->conn, name);
        if (!dom)
                return libvirt_fail(message, "virDomainLookupByName");
        if (virDomainGetState(dom, &state, &reason, 0) < 0)
                e = libvirt_fail(message, "virDomainGetState");
        else if (virDomainGetUUIDString(dom, uuid) < 0)
                e = libvirt_fail(message, "virDomainGetUUIDString");
        else if (!(xml = virDomainGetXMLDesc(dom, 0)))
                e = libvirt_fail(message, "virDomainGetXMLDesc");
        virDomainFree(dom);
        if (e != API_OK)
                return e;

        *ret = (AttestDomain) {
                .name = g_strdup(name),
                .uuid = g_strdup(uuid),
                .state = state >= 0 && state < _ATTEST_DOMAIN_STATE_MAX ? (AttestDomainState) state
                                                                         : ATTEST_DOMAIN_NOSTATE,
                .xml = g_strdup(xml),
        };
        free(xml);
        return API_OK;
}

static ApiError by_uuid(Live *l, const AttestDomain *d, virDomainPtr *ret, char **message) {
        *ret = virDomainLookupByUUIDString(l->conn, d->uuid);
        return *ret ? API_OK : libvirt_fail(message, "virDomainLookupByUUIDString");
}

static ApiError live_launch_security_info(AttestLibvirt *lv, const AttestDomain *d, GVariant **ret,
                                          char **message) {
        virTypedParameterPtr params = NULL;
        virDomainPtr dom;
        int n = 0, r;
        ApiError e;

        e = by_uuid((Live *) lv, d, &dom, message);
        if (e != API_OK)
                return e;
        r = virDomainGetLaunchSecurityInfo(dom, &params, &n, 0);
        virDomainFree(dom);
        if (r < 0)
                return libvirt_fail(message, "virDomainGetLaunchSecurityInfo");
        *ret = attest_typed_params_to_variant(params, n);
        virTypedParamsFree(params, n);
        return API_OK;
}

static ApiError live_set_launch_security_state(AttestLibvirt *lv, const AttestDomain *d, GVariant *params,
                                               char **message) {
        virTypedParameterPtr tp = NULL;
        virDomainPtr dom;
        int n = 0, r;
        ApiError e;

        if (attest_typed_params_from_variant(params, &tp, &n) < 0)
                return api_fail(message, API_INVALID_ARGUMENT, "the launch secret cannot be passed to libvirt: %s",
                                virGetLastErrorMessage());
        e = by_uuid((Live *) lv, d, &dom, message);
        if (e != API_OK) {
                virTypedParamsFree(tp, n);
                return e;
        }
        r = virDomainSetLaunchSecurityState(dom, tp, n, 0);
        virDomainFree(dom);
        virTypedParamsFree(tp, n);
        return r < 0 ? libvirt_fail(message, "virDomainSetLaunchSecurityState") : API_OK;
}

static ApiError live_resume(AttestLibvirt *lv, const AttestDomain *d, char **message) {
        virDomainPtr dom;
        ApiError e;
        int r;

        e = by_uuid((Live *) lv, d, &dom, message);
        if (e != API_OK)
                return e;
        r = virDomainResume(dom);
        virDomainFree(dom);
        return r < 0 ? libvirt_fail(message, "virDomainResume") : API_OK;
}

static void live_free(AttestLibvirt *lv) {
        g_free(lv);
}

AttestLibvirt *attest_libvirt_live_new(AttestConnection conn) {
        Live *l = g_new0(Live, 1);

        l->lv = ATTEST_LIBVIRT_BACKEND(live);
        l->conn = conn;
        return &l->lv;
}
