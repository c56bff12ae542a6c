/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "clear-strings.h"
#include "model.h"

const char *severity_to_string(Severity s) {
        return s == SEVERITY_WARNING ? "warning" : "error";
}

Reason *reason_new(const char *code, Severity severity, const char *message, const char *hint) {
        Reason *r = g_new0(Reason, 1);
        r->code = g_strdup(code);
        r->severity = severity;
        r->message = g_strdup(message);
        r->hint = g_strdup(hint ? hint : "");
        return r;
}

void reason_free(Reason *r) {
        if (!r)
                return;
        clear_strings(&r->code, &r->message, &r->hint, NULL);
        g_free(r);
}

const char *check_status_to_string(CheckStatus s) {
        static const char *const names[] = { "pass", "warn", "fail", "skip", "unknown" };
        return (unsigned) s < G_N_ELEMENTS(names) ? names[s] : "unknown";
}

const char *check_category_to_string(CheckCategory c) {
        static const char *const names[] = {
                "cpu_support", "cpu_info", "bios_configured", "platform_initialized",
                "kvm_config", "firmware", "libvirt", "compliance",
        };
        return (unsigned) c < G_N_ELEMENTS(names) ? names[c] : "unknown";
}

void check_free(Check *c) {
        if (!c)
                return;
        clear_strings(&c->id, &c->model, &c->message, &c->hint, NULL);
        g_free(c);
}
