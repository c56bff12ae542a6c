/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Text facts from procfs and sysfs: cpuinfo flags, kernel, kvm_amd, misc cgroup. */
#include <string.h>

#include "fileio.h"
#include "probe.h"

#define KVM_AMD_PARAMS "sys/module/kvm_amd/parameters/"

void cpuinfo_parse(const char *text, CpuinfoFacts *ci) {
        /* All CPUs list the same flags; the first "flags" line is enough. */
        for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                if (!g_str_has_prefix(line, "flags"))
                        continue;
                const char *colon = strchr(line, ':');
                const char *end = strchr(line, '\n');
                if (!colon || (end && colon > end))
                        continue;
                g_autofree char *value = g_strndup(colon + 1, end ? (size_t) (end - colon - 1) : strlen(colon + 1));
                g_auto(GStrv) flags = g_strsplit_set(value, " \t", -1);
                for (char **f = flags; *f; f++) {
                        ci->sme |= g_str_equal(*f, "sme");
                        ci->sev |= g_str_equal(*f, "sev");
                        ci->sev_es |= g_str_equal(*f, "sev_es");
                        ci->sev_snp |= g_str_equal(*f, "sev_snp");
                        ci->debug_swap |= g_str_equal(*f, "debug_swap");
                        ci->hypervisor |= g_str_equal(*f, "hypervisor");
                }
                source_clear(&ci->src);
                return;
        }
        source_set(&ci->src, SOURCE_INVALID, "/proc/cpuinfo: no \"flags\" line");
}

void probe_cpuinfo(const char *root, CpuinfoFacts *ci) {
        g_autofree char *text = NULL;

        *ci = (CpuinfoFacts) { .src = ci->src };
        if (host_read_file(root, "proc/cpuinfo", HOST_FILE_MAX, &text, NULL, &ci->src) == SOURCE_OK)
                cpuinfo_parse(text, ci);
}

Tristate module_param_parse(const char *value) {
        /* Bool parameters print Y/N; kernels up to ~5.12 had int sev/sev_es printing 1/0. */
        if (g_str_equal(value, "Y") || g_str_equal(value, "y") || g_str_equal(value, "1"))
                return TRI_YES;
        if (g_str_equal(value, "N") || g_str_equal(value, "n") || g_str_equal(value, "0"))
                return TRI_NO;
        return TRI_UNKNOWN;
}

static void read_param(const char *root, const char *rel, ModuleParam *p) {
        g_autofree char *v = NULL;

        p->value = TRI_UNKNOWN;
        if (host_read_line(root, rel, &v, &p->src) != SOURCE_OK)
                return;
        p->value = module_param_parse(v);
        if (p->value == TRI_UNKNOWN)
                source_set(&p->src, SOURCE_INVALID, "/%s: '%.32s' is not Y, N, 1 or 0", rel, v);
}

static void read_ciphertext_hiding(const char *root, KvmFacts *k) {
        const char *rel = KVM_AMD_PARAMS "ciphertext_hiding_asids";
        g_autofree char *v = NULL;
        guint64 n;

        k->ciphertext_hiding_asids = 0;
        if (host_read_line(root, rel, &v, &k->ciphertext_hiding_src) != SOURCE_OK)
                return;
        if (!g_ascii_string_to_unsigned(v, 10, 0, UINT32_MAX, &n, NULL)) {
                source_set(&k->ciphertext_hiding_src, SOURCE_INVALID, "/%s: '%.32s' is not a number", rel, v);
                return;
        }
        k->ciphertext_hiding_asids = (uint32_t) n;
}

void probe_kvm(const char *root, KvmFacts *k) {
        read_param(root, "sys/module/ccp/parameters/psp_init_on_probe", &k->ccp_psp_init_on_probe);

        if (!host_path_exists(root, "sys/module/kvm_amd")) {
                source_set(&k->module, SOURCE_MISSING, "/sys/module/kvm_amd does not exist");
                return;
        }
        source_clear(&k->module);
        read_param(root, KVM_AMD_PARAMS "sev", &k->sev);
        read_param(root, KVM_AMD_PARAMS "sev_es", &k->sev_es);
        read_param(root, KVM_AMD_PARAMS "sev_snp", &k->sev_snp);
        read_param(root, KVM_AMD_PARAMS "debug_swap", &k->debug_swap);
        read_ciphertext_hiding(root, k);
}

bool misc_parse(const char *text, int64_t *sev, int64_t *sev_es, char **error) {
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

        *sev = *sev_es = -1;
        for (char **l = lines; *l; l++) {
                g_auto(GStrv) kv = g_strsplit_set(g_strstrip(*l), " \t", -1);
                gint64 n;

                if (!kv[0] || !*kv[0])
                        continue;
                bool is_sev = g_str_equal(kv[0], "sev"), is_es = g_str_equal(kv[0], "sev_es");
                if (!is_sev && !is_es)
                        continue; /* tdx and other resources */
                if (g_strv_length(kv) != 2 || !g_ascii_string_to_signed(kv[1], 10, 0, G_MAXINT64, &n, NULL)) {
                        *error = g_strdup_printf("line '%.64s' is not '<resource> <count>'", *l);
                        *sev = *sev_es = -1;    /* no partial result from a malformed file */
                        return false;
                }
                *(is_sev ? sev : sev_es) = n;
        }
        return true;
}

static void read_misc(const char *root, const char *rel, Source *src, int64_t *sev, int64_t *sev_es) {
        g_autofree char *text = NULL, *error = NULL;

        /* Nothing from an earlier read survives one that fails (context_refresh_domains() reads again). */
        *sev = *sev_es = -1;
        if (host_read_file(root, rel, 64 * 1024, &text, NULL, src) != SOURCE_OK)
                return;
        if (!misc_parse(text, sev, sev_es, &error))
                source_set(src, SOURCE_INVALID, "/%s: %s", rel, error);
}

void probe_misc_cgroup(const char *root, MiscCgroupFacts *m) {
        read_misc(root, "sys/fs/cgroup/misc.capacity", &m->capacity_src, &m->capacity_sev, &m->capacity_sev_es);
        read_misc(root, "sys/fs/cgroup/misc.current", &m->current_src, &m->current_sev, &m->current_sev_es);
}

static char *read_printable_line(const char *root, const char *rel, Source *src) {
        g_autofree char *v = NULL;

        if (host_read_line(root, rel, &v, src) != SOURCE_OK)
                return NULL;
        if (!*v || !g_utf8_validate(v, -1, NULL) || strlen(v) > 255) {
                source_set(src, SOURCE_INVALID, "/%s: empty, too long or not UTF-8", rel);
                return NULL;
        }
        return g_steal_pointer(&v);
}

void probe_kernel(const char *root, HostFacts *f) {
        Source smt_src = {};
        g_autofree char *smt = NULL;

        f->kernel_release = read_printable_line(root, "proc/sys/kernel/osrelease", &f->osrelease_src);
        f->hostname = read_printable_line(root, "proc/sys/kernel/hostname", &f->hostname_src);
        if (host_read_line(root, "sys/devices/system/cpu/smt/active", &smt, &smt_src) == SOURCE_OK)
                f->smt_active = module_param_parse(smt);
        g_free(smt_src.detail);
}
