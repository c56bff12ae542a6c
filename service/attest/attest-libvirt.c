/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the libvirt interface's users share (attest-libvirt.h): domain states
 * by name, a domain's cleanup, domain names checked as libvirt allows them,
 * and a lookup through a backend that may be missing.
 */
#include <string.h>

#include "attest-libvirt.h"
#include "text.h"

#define NAME_MAX_BYTES 1024u
#define QUOTE_MAX 64

static const char *const state_names[_ATTEST_DOMAIN_STATE_MAX] = {
        [ATTEST_DOMAIN_NOSTATE]     = "nostate",
        [ATTEST_DOMAIN_RUNNING]     = "running",
        [ATTEST_DOMAIN_BLOCKED]     = "blocked",
        [ATTEST_DOMAIN_PAUSED]      = "paused",
        [ATTEST_DOMAIN_SHUTDOWN]    = "shutdown",
        [ATTEST_DOMAIN_SHUTOFF]     = "shutoff",
        [ATTEST_DOMAIN_CRASHED]     = "crashed",
        [ATTEST_DOMAIN_PMSUSPENDED] = "pmsuspended",
};

const char *attest_domain_state_to_string(AttestDomainState s) {
        if (s < 0 || s >= _ATTEST_DOMAIN_STATE_MAX)
                return "unknown";
        return state_names[s];
}

AttestDomainState attest_domain_state_from_string(const char *s) {
        for (AttestDomainState i = 0; s && i < _ATTEST_DOMAIN_STATE_MAX; i++)
                if (g_str_equal(s, state_names[i]))
                        return i;
        return ATTEST_DOMAIN_STATE_INVALID;
}

void attest_domain_clear(AttestDomain *d) {
        g_clear_pointer(&d->name, g_free);
        g_clear_pointer(&d->uuid, g_free);
        g_clear_pointer(&d->xml, g_free);
}

ApiError attest_check_domain_name(const char *name, char **message) {
        size_t len = strlen(name);

        if (len == 0 || len > NAME_MAX_BYTES)
                return api_fail(message, API_INVALID_ARGUMENT, "A domain name has 1 to %u bytes, not %zu.",
                                NAME_MAX_BYTES, len);
        /* libvirt refuses '/' in names; "." and ".." could never be one either. */
        if (strchr(name, '/') || g_str_equal(name, ".") || g_str_equal(name, "..")) {
                g_autofree char *q = utf8_shorten(name, QUOTE_MAX, "…");
                return api_fail(message, API_INVALID_ARGUMENT, "'%s' is not a domain name (no '/', '.' or '..').",
                                q);
        }
        for (const char *p = name; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        return api_fail(message, API_INVALID_ARGUMENT,
                                        "A domain name has no control characters.");
        return API_OK;
}

ApiError attest_lookup(AttestLibvirt *lv, const char *no_libvirt, const char *name, AttestDomain *ret,
                       char **message) {
        ApiError e;

        e = attest_check_domain_name(name, message);
        if (e != API_OK)
                return e;
        if (!lv)
                return api_fail(message, API_LIBVIRT_UNAVAILABLE, "%s", no_libvirt);
        return lv->lookup(lv, name, ret, message);
}
