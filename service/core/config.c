/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "clear-strings.h"
#include "config.h"
#include "launch-security-model.h"

static const struct {
        const char *group, *key;
} known_keys[] = {
        { "Service", "LibvirtURI" },
        { "Service", "NodeName" },
        { "Service", "RefreshIntervalSec" },
        { "Service", "LibvirtTimeoutSec" },
        { "Service", "MaxCallsPerUser" },
        { "Service", "MaxQueuedCalls" },
        { "Guests", "DefaultMachineType" },
        { "Guests", "PolicySEV" },
        { "Guests", "PolicySEVES" },
        { "Guests", "PolicySEVSNP" },
        { "Export", "PrometheusTextfile" },
        { "Export", "NodeFeatureFile" },
};

static const char *const policy_keys[_MODEL_MAX] = {
        [MODEL_SEV] = "PolicySEV", [MODEL_SEV_ES] = "PolicySEVES", [MODEL_SEV_SNP] = "PolicySEVSNP",
};

void memcrypt_config_init(MemcryptConfig *c) {
        *c = (MemcryptConfig) {
                .libvirt_uri = g_strdup(DEFAULT_LIBVIRT_URI),
                .default_machine_type = g_strdup("q35"),
                .refresh_interval_sec = DEFAULT_REFRESH_INTERVAL_SEC,
                .libvirt_timeout_sec = DEFAULT_LIBVIRT_TIMEOUT_SEC,
                .max_calls_per_user = DEFAULT_MAX_CALLS_PER_USER,
                .max_queued_calls = DEFAULT_MAX_QUEUED_CALLS,
        };
        for (Model m = 0; m < _MODEL_MAX; m++)
                c->policy[m] = model_info(m)->default_policy;
}

void memcrypt_config_clear(MemcryptConfig *c) {
        clear_strings(&c->libvirt_uri, &c->node_name, &c->default_machine_type, &c->prometheus_textfile,
                      &c->node_feature_file, NULL);
        *c = (MemcryptConfig) {};
}

void libvirt_keepalive_for_refresh(unsigned refresh_sec, int *interval_sec, unsigned *count) {
        *count = 1;
        *interval_sec = (int) MAX(refresh_sec, 1u);
}

char *policy_check_static(Model m, uint64_t policy) {
        if (m == MODEL_SEV_SNP) {
                if (!(policy & SNP_POLICY_RESERVED_1))
                        return g_strdup_printf("SEV-SNP policy 0x%" G_GINT64_MODIFIER "x lacks bit 17, which must be set", policy);
                if (policy & SNP_POLICY_RESERVED_HI)
                        return g_strdup_printf("SEV-SNP policy 0x%" G_GINT64_MODIFIER "x sets reserved bits 25-63", policy);
                return NULL;
        }
        if (policy > UINT32_MAX)
                return g_strdup_printf("%s policy 0x%" G_GINT64_MODIFIER "x does not fit 32 bits", model_title(m), policy);
        if (policy & SEV_POLICY_RESERVED)
                return g_strdup_printf("%s policy 0x%" G_GINT64_MODIFIER "x sets reserved bits 6-15", model_title(m), policy);
        if (m == MODEL_SEV_ES && !(policy & SEV_POLICY_ES))
                return g_strdup_printf("SEV-ES policy 0x%" G_GINT64_MODIFIER "x lacks the ES bit (0x4)", policy);
        if (m == MODEL_SEV && (policy & SEV_POLICY_ES))
                return g_strdup_printf("SEV policy 0x%" G_GINT64_MODIFIER "x sets the ES bit (0x4); that is SEV-ES", policy);
        return NULL;
}

static bool key_known(const char *group, const char *key) {
        for (size_t i = 0; i < G_N_ELEMENTS(known_keys); i++)
                if (g_str_equal(group, known_keys[i].group) && g_str_equal(key, known_keys[i].key))
                        return true;
        return false;
}

static bool check_known_keys(GKeyFile *kf, const char *path, char **error) {
        g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);

        for (char **g = groups; *g; g++) {
                g_auto(GStrv) keys = g_key_file_get_keys(kf, *g, NULL, NULL);
                if (!g_str_equal(*g, "Service") && !g_str_equal(*g, "Guests") && !g_str_equal(*g, "Export")) {
                        *error = g_strdup_printf("%s: unknown group [%s] (known: [Service], [Guests], [Export])", path, *g);
                        return false;
                }
                for (char **k = keys; k && *k; k++)
                        if (!key_known(*g, *k)) {
                                *error = g_strdup_printf("%s: unknown key '%s' in [%s]", path, *k, *g);
                                return false;
                        }
        }
        return true;
}

/* Replaces *dst with the key's value when the key is present and not empty. */
static bool load_string(GKeyFile *kf, const char *group, const char *key, char **dst) {
        g_autofree char *v = g_key_file_get_string(kf, group, key, NULL);

        if (!v || !*v)
                return false;
        g_free(*dst);
        *dst = g_steal_pointer(&v);
        return true;
}

static bool load_policy(GKeyFile *kf, const char *path, Model m, uint64_t *dst, char **error) {
        g_autofree char *v = NULL, *problem = NULL;
        guint64 policy;

        if (!load_string(kf, "Guests", policy_keys[m], &v))
                return true;
        if (!launch_security_policy_parse(v, G_MAXUINT64, &policy)) {
                *error = g_strdup_printf("%s: [Guests] %s='%s' is not a hexadecimal policy", path, policy_keys[m], v);
                return false;
        }
        problem = policy_check_static(m, policy);
        if (problem) {
                *error = g_strdup_printf("%s: [Guests] %s: %s", path, policy_keys[m], problem);
                return false;
        }
        *dst = policy;
        return true;
}

/* An export file: an absolute path to a file whose name its reader takes (node_exporter reads
 * only *.prom; the writer's temporary files beside it start with a dot, so no name may). */
static bool load_export_path(GKeyFile *kf, const char *path, const char *key, const char *suffix, char **dst,
                             char **error) {
        g_autofree char *v = NULL, *base = NULL;

        if (!load_string(kf, "Export", key, &v))
                return true;
        base = g_path_get_basename(v);
        if (!g_path_is_absolute(v) || g_str_has_suffix(v, "/") || strlen(v) > 1024 || base[0] == '.' ||
            (suffix && !g_str_has_suffix(base, suffix))) {
                *error = g_strdup_printf("%s: [Export] %s='%s' is not an absolute path of at most 1024 bytes to a file "
                                         "whose name does not start with '.'%s%s", path, key, v,
                                         suffix ? " and ends in " : "", suffix ?: "");
                return false;
        }
        g_free(*dst);
        *dst = g_steal_pointer(&v);
        return true;
}

/* [Service] KEY as a number from MIN to MAX (UNIT for the message) into *DST, when present. */
static bool load_number(GKeyFile *kf, const char *path, const char *key, unsigned min, unsigned max,
                        const char *unit, unsigned *dst, char **error) {
        g_autofree char *v = NULL;
        guint64 n;

        if (!load_string(kf, "Service", key, &v))
                return true;
        if (!g_ascii_string_to_unsigned(v, 10, min, max, &n, NULL)) {
                *error = g_strdup_printf("%s: [Service] %s='%s' is not a number of %s from %u to %u", path, key, v,
                                         unit, min, max);
                return false;
        }
        *dst = (unsigned) n;
        return true;
}

static bool load_values(MemcryptConfig *c, GKeyFile *kf, const char *path, char **error) {
        load_string(kf, "Service", "LibvirtURI", &c->libvirt_uri);
        load_string(kf, "Service", "NodeName", &c->node_name);
        load_string(kf, "Guests", "DefaultMachineType", &c->default_machine_type);
        if (!load_number(kf, path, "RefreshIntervalSec", 1, 86400, "seconds", &c->refresh_interval_sec, error) ||
            !load_number(kf, path, "LibvirtTimeoutSec", 1, 600, "seconds", &c->libvirt_timeout_sec, error) ||
            !load_number(kf, path, "MaxCallsPerUser", 1, 1024, "calls", &c->max_calls_per_user, error) ||
            !load_number(kf, path, "MaxQueuedCalls", 1, 65536, "calls", &c->max_queued_calls, error))
                return false;
        for (Model m = 0; m < _MODEL_MAX; m++)
                if (!load_policy(kf, path, m, &c->policy[m], error))
                        return false;
        if (!load_export_path(kf, path, "PrometheusTextfile", ".prom", &c->prometheus_textfile, error) ||
            !load_export_path(kf, path, "NodeFeatureFile", NULL, &c->node_feature_file, error))
                return false;
        if (c->prometheus_textfile && c->node_feature_file && g_str_equal(c->prometheus_textfile, c->node_feature_file)) {
                *error = g_strdup_printf("%s: [Export] PrometheusTextfile and NodeFeatureFile name the same file", path);
                return false;
        }
        return true;
}

bool memcrypt_config_load(MemcryptConfig *c, const char *path, bool must_exist, char **error) {
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GError) err = NULL;
        g_autofree char *text = NULL;
        gsize len;

        if (!g_file_get_contents(path, &text, &len, &err)) {
                if (!must_exist && g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        return true;
                *error = g_strdup_printf("cannot read %s: %s", path, err->message);
                return false;
        }
        if (len > 64 * 1024) {
                *error = g_strdup_printf("%s: larger than 64 KiB", path);
                return false;
        }
        if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &err)) {
                *error = g_strdup_printf("%s: %s", path, err->message);
                return false;
        }
        return check_known_keys(kf, path, error) && load_values(c, kf, path, error);
}
