/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The few libvirt calls the attestation methods make, behind one small
 * interface so the logic above it never sees libvirt or a connection:
 *
 *   live      on the daemon's virConnectPtr (attest-libvirt-live.c);
 *   recorded  on a snapshot's libvirt/ directory (attest-libvirt-recorded.c),
 *             for --root and for the tests: libvirt's test driver has none
 *             of these APIs and no machine here has an SEV PSP.
 *
 * Typed parameters travel as a{sv} GVariants keyed by libvirt's documented
 * names ("sev-measurement", "sev-api-major", ...): strings as s, integers as
 * the integer type libvirt gave (readers accept any unsigned one).
 * Every call returns API_OK or an ApiError with *MESSAGE set for people.
 */

#include <glib.h>

#include "api-error.h"

/* virDomainState, numbered as libvirt numbers it. */
typedef enum {
        ATTEST_DOMAIN_NOSTATE = 0,
        ATTEST_DOMAIN_RUNNING,
        ATTEST_DOMAIN_BLOCKED,
        ATTEST_DOMAIN_PAUSED,
        ATTEST_DOMAIN_SHUTDOWN,
        ATTEST_DOMAIN_SHUTOFF,
        ATTEST_DOMAIN_CRASHED,
        ATTEST_DOMAIN_PMSUSPENDED,
        _ATTEST_DOMAIN_STATE_MAX,
        ATTEST_DOMAIN_STATE_INVALID = -1,
} AttestDomainState;

/* "running", "paused", "shutoff", ...: virsh's words without spaces. */
const char *attest_domain_state_to_string(AttestDomainState s);
AttestDomainState attest_domain_state_from_string(const char *s);

typedef struct {
        char *name;
        char *uuid;                     /* later calls name the domain by it: a new domain of the same name is another one */
        AttestDomainState state;
        char *xml;                      /* the live XML of an active domain; NULL when there is none */
} AttestDomain;

void attest_domain_clear(AttestDomain *d);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(AttestDomain, attest_domain_clear)

/* Domain names as libvirt allows them: 1..1024 bytes, no '/', no control characters. */
ApiError attest_check_domain_name(const char *name, char **message);

typedef struct AttestLibvirt AttestLibvirt;

struct AttestLibvirt {
        /* virNodeGetSEVInfo: pdh, cert-chain, cpu0-id, cbitpos, ... */
        ApiError (*node_sev_info)(AttestLibvirt *lv, GVariant **ret_params, char **message);
        /* virDomainLookupByName, its state and UUID, and the live XML. NoSuchDomain when unknown. */
        ApiError (*lookup)(AttestLibvirt *lv, const char *name, AttestDomain *ret, char **message);
        /* virDomainGetLaunchSecurityInfo: sev-measurement, sev-api-major, ... (empty without <launchSecurity>) */
        ApiError (*launch_security_info)(AttestLibvirt *lv, const AttestDomain *d, GVariant **ret_params,
                                         char **message);
        /* virDomainSetLaunchSecurityState with sev-secret-header, sev-secret, [sev-secret-set-address] */
        ApiError (*set_launch_security_state)(AttestLibvirt *lv, const AttestDomain *d, GVariant *params,
                                              char **message);
        /* virDomainResume */
        ApiError (*resume)(AttestLibvirt *lv, const AttestDomain *d, char **message);
        void (*free)(AttestLibvirt *lv);
};

/* The table of a backend that names its functions PREFIX_node_sev_info, PREFIX_lookup, ...,
 * PREFIX_free: every backend (live, recorded, the libvirt thread's proxy) fills the same six
 * slots, so their list is written here once. */
#define ATTEST_LIBVIRT_BACKEND(prefix)                                                  \
        ((AttestLibvirt) {                                                              \
                .node_sev_info = prefix##_node_sev_info,                                \
                .lookup = prefix##_lookup,                                              \
                .launch_security_info = prefix##_launch_security_info,                  \
                .set_launch_security_state = prefix##_set_launch_security_state,        \
                .resume = prefix##_resume,                                              \
                .free = prefix##_free,                                                  \
        })

static inline void attest_libvirt_free(AttestLibvirt *lv) {
        if (lv)
                lv->free(lv);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AttestLibvirt, attest_libvirt_free)

/* A backend on CONN, which stays the caller's (borrowed, never closed here). */
typedef struct _virConnect *AttestConnection;
AttestLibvirt *attest_libvirt_live_new(AttestConnection conn);

/* A backend replaying ROOT's libvirt/ directory; it remembers resumes in memory. */
AttestLibvirt *attest_libvirt_recorded_new(const char *root);

/* LV's domain NAME after checking the name; LibvirtUnavailable (NO_LIBVIRT) without LV. */
ApiError attest_lookup(AttestLibvirt *lv, const char *no_libvirt, const char *name, AttestDomain *ret,
                       char **message);
