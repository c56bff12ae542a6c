/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "metrics.h"
#include "report.h"

/* Every family is a gauge: each value is a state now, none only ever grows. */
static void family(GString *o, const char *name, const char *help) {
        g_string_append_printf(o, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* A label value as the text format wants it: UTF-8 with \\, \" and \n escaped. */
static void append_label_value(GString *o, const char *value) {
        g_autofree char *valid = g_utf8_make_valid(value ?: "", -1);

        for (const char *p = valid; *p; p++)
                switch (*p) {
                case '\\': g_string_append(o, "\\\\"); break;
                case '"':  g_string_append(o, "\\\""); break;
                case '\n': g_string_append(o, "\\n"); break;
                default:   g_string_append_c(o, *p);
                }
}

/* NAME{K1="V1",...} VALUE: after VALUE come label name/value pairs, ended by NULL. */
static void sample(GString *o, const char *name, const char *value, ...) {
        va_list ap;
        const char *key;
        bool first = true;

        g_string_append(o, name);
        va_start(ap, value);
        while ((key = va_arg(ap, const char *))) {
                g_string_append_printf(o, "%s%s=\"", first ? "{" : ",", key);
                append_label_value(o, va_arg(ap, const char *));
                g_string_append_c(o, '"');
                first = false;
        }
        va_end(ap);
        g_string_append_printf(o, "%s %s\n", first ? "" : "}", value);
}

static const char *flag(bool b) {
        return b ? "1" : "0";
}

static void models_usable(GString *o, const HostVerdict *v) {
        family(o, "memcrypt_model_usable", "1 if memcryptd offers the model for new guests, 0 if not (memcrypt_reason says why).");
        for (Model m = 0; m < _MODEL_MAX; m++)
                sample(o, "memcrypt_model_usable", flag(v->models[m].usable), "model", model_name(m), NULL);
}

static void slots(GString *o, const HostVerdict *v) {
        family(o, "memcrypt_slots", "Guest slots (ASIDs) of the model: total offered, used by running guests, free.");
        for (Model m = 0; m < _MODEL_MAX; m++) {
                const ModelVerdict *mv = &v->models[m];
                const struct { const char *state; uint32_t n; } s[] = {
                        { "total", mv->slots_total }, { "used", mv->slots_used }, { "free", mv->slots_free },
                };
                for (size_t i = 0; i < G_N_ELEMENTS(s); i++) {
                        char n[16];
                        g_snprintf(n, sizeof n, "%u", s[i].n);
                        sample(o, "memcrypt_slots", n, "model", model_name(m), "state", s[i].state, NULL);
                }
        }
}

static void encrypted_domains(GString *o, const HostVerdict *v) {
        family(o, "memcrypt_encrypted_domains", "Running libvirt domains launched with the model.");
        for (Model m = 0; m < _MODEL_MAX; m++) {
                char n[16];
                g_snprintf(n, sizeof n, "%" G_GUINT32_FORMAT, v->models[m].running_domains);
                sample(o, "memcrypt_encrypted_domains", n, "model", model_name(m), NULL);
        }
}

static void health(GString *o, const HostFacts *f, const HostVerdict *v) {
        family(o, "memcrypt_health", "1 for the service's current health (ok, degraded: some fact unknown, conflict: "
               "guests run a model no longer offered), 0 for the others.");
        for (Health h = HEALTH_OK; h <= HEALTH_CONFLICT; h++)
                sample(o, "memcrypt_health", flag(v->health == h), "state", health_to_string(h), NULL);
        family(o, "memcrypt_libvirt_connected", "1 while memcryptd has a working libvirt connection.");
        sample(o, "memcrypt_libvirt_connected", flag(f->libvirt.connection.status == SOURCE_OK), NULL);
}

static void reasons(GString *o, const HostVerdict *v) {
        family(o, "memcrypt_reason", "1 for each reason memcryptd gives against a model now (stable codes; "
               "severity error makes the model unusable).");
        for (Model m = 0; m < _MODEL_MAX; m++) {
                GPtrArray *list = v->models[m].reasons;
                for (guint i = 0; i < list->len; i++) {
                        const Reason *r = list->pdata[i];
                        bool seen = false;
                        /* The verdict keeps one reason per code; a repeated series would fail the whole scrape. */
                        for (guint j = 0; j < i && !seen; j++)
                                seen = g_str_equal(((const Reason *) list->pdata[j])->code, r->code);
                        if (!seen)
                                sample(o, "memcrypt_reason", "1", "model", model_name(m), "code", r->code,
                                       "severity", severity_to_string(r->severity), NULL);
                }
        }
}

static void firmware(GString *o, const HostFacts *f) {
        g_autofree char *version = report_sev_firmware_version(f);

        family(o, "memcrypt_sev_firmware_info", "The AMD secure processor's firmware version (absent while unknown).");
        if (*version)
                sample(o, "memcrypt_sev_firmware_info", "1", "version", version, NULL);
}

static void snp_tcb(GString *o, const HostFacts *f) {
        const SevPlatformFacts *s = &f->sev;

        family(o, "memcrypt_snp_tcb", "Security version number of each SEV-SNP TCB component, current (installed) and "
               "reported (in attestation reports); absent while SNP_PLATFORM_STATUS is unknown.");
        if (s->snp_src.status != SOURCE_OK)
                return;
        const struct { const char *tcb; const TcbVersion *t; } tcbs[] = {
                { "current", &s->current_tcb_decoded }, { "reported", &s->reported_tcb_decoded },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(tcbs); i++) {
                const TcbVersion *t = tcbs[i].t;
                const struct { const char *name; unsigned svn; bool present; } c[] = {
                        { "bootloader", t->boot_loader, true }, { "tee", t->tee, true }, { "snp", t->snp, true },
                        { "microcode", t->microcode, true }, { "fmc", t->fmc, t->has_fmc },
                };
                for (size_t j = 0; j < G_N_ELEMENTS(c); j++) {
                        char n[8];
                        if (!c[j].present)
                                continue;
                        g_snprintf(n, sizeof n, "%u", c[j].svn);
                        sample(o, "memcrypt_snp_tcb", n, "component", c[j].name, "tcb", tcbs[i].tcb, NULL);
                }
        }
}

char *metrics_format(const HostFacts *f, const HostVerdict *v, uint64_t last_refresh_usec) {
        GString *o = g_string_sized_new(4096);
        char ts[32];

        models_usable(o, v);
        slots(o, v);
        encrypted_domains(o, v);
        health(o, f, v);
        reasons(o, v);
        firmware(o, f);
        snp_tcb(o, f);
        family(o, "memcrypt_last_refresh_timestamp_seconds", "When memcryptd last looked at the host (Unix time).");
        g_snprintf(ts, sizeof ts, "%" G_GUINT64_FORMAT ".%03u", last_refresh_usec / 1000000,
                   (unsigned) (last_refresh_usec % 1000000 / 1000));
        sample(o, "memcrypt_last_refresh_timestamp_seconds", ts, NULL);
        return g_string_free(o, false);
}
