/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>

#include "launch-security-model.h"
#include "xml-util.h"

bool launch_security_policy_parse(const char *text, uint64_t max, uint64_t *ret) {
        g_autofree char *copy = g_strstrip(g_strdup(text ?: ""));
        const char *digits = copy;
        guint64 value;

        if (g_str_has_prefix(digits, "0x") || g_str_has_prefix(digits, "0X"))
                digits += 2;
        if (!g_ascii_string_to_unsigned(digits, 16, 0, max, &value, NULL))
                return false;
        *ret = value;
        return true;
}

Model launch_security_model(const xmlNode *ls, char **error) {
        const xmlNode *p = xml_child(ls, "policy");
        const char *type = xml_attr(ls, "type");
        const char *text = p ? xml_text(p) : NULL;
        uint64_t policy;

        if (!type) {
                if (error)
                        *error = g_strdup("<launchSecurity> has no type");
                return MODEL_INVALID;
        }
        if (g_str_equal(type, model_info(MODEL_SEV_SNP)->launch_security))
                return MODEL_SEV_SNP;
        if (!g_str_equal(type, model_info(MODEL_SEV)->launch_security))
                return MODEL_OTHER;
        if (!launch_security_policy_parse(text, G_MAXUINT32, &policy)) {
                if (error)
                        *error = g_strdup_printf("SEV <policy> '%s' is not a 32-bit hex number", text ?: "");
                return MODEL_INVALID;
        }
        return policy & SEV_POLICY_ES ? MODEL_SEV_ES : MODEL_SEV;
}

Model domain_launch_security_model(const xmlNode *domain, char **error) {
        const xmlNode *ls = xml_child(domain, "launchSecurity");

        return ls ? launch_security_model(ls, error) : MODEL_NONE;
}
