/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "node-labels.h"
#include "report.h"

#define LABEL_PREFIX "memcrypt-"

bool node_label_value_valid(const char *value) {
        size_t n = strlen(value);

        if (n == 0)
                return true;
        if (n > 63 || !g_ascii_isalnum(value[0]) || !g_ascii_isalnum(value[n - 1]))
                return false;
        for (const char *p = value; *p; p++)
                if (!g_ascii_isalnum(*p) && *p != '.' && *p != '_' && *p != '-')
                        return false;
        return true;
}

/* A label whose value would be refused (a firmware version string a future
 * kernel spells differently) is left out: one bad line must not lose the node
 * its other labels. */
static void label(GString *o, const char *name, const char *value) {
        if (*value && node_label_value_valid(value))
                g_string_append_printf(o, LABEL_PREFIX "%s=%s\n", name, value);
}

char *node_labels_format(const HostFacts *f, const HostVerdict *v) {
        GString *o = g_string_sized_new(512);
        g_autofree char *fw = report_sev_firmware_version(f);

        for (Model m = 0; m < _MODEL_MAX; m++)
                label(o, model_name(m), v->models[m].usable ? "true" : "false");
        /* The capacity a scheduler can plan with; 0 for a model that is not usable. */
        for (Model m = 0; m < _MODEL_MAX; m++) {
                g_autofree char *name = g_strdup_printf("%s-slots", model_name(m));
                g_autofree char *total = g_strdup_printf("%u", v->models[m].slots_total);
                label(o, name, total);
        }
        if (f->cpuid.src.status == SOURCE_OK && f->cpuid.generation != CPU_GEN_UNKNOWN)
                label(o, "cpu-generation", cpu_generation_to_string(f->cpuid.generation));
        label(o, "sev-firmware", fw);
        return g_string_free(o, false);
}
