/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GenerateLaunchSecurity(s model, a{sv} options): the input is the options
 * in GVariant text format ("{'policy': <uint64 0x30000>, 'vcek': <false>}"),
 * kept only when the bus would deliver them (basic values, at most 64).
 * Each model runs on the host where it is usable; the options are also
 * parsed in the scopes of ConfigureDomain and ValidateDomain and checked
 * against every model. A generated element must parse back as one
 * <launchSecurity> of the model's type whose policy passes the checks.
 */
#include "fuzz-host.h"
#include "fuzz-util.h"
#include "xml-util.h"

#define MESSAGE_MAX 1024

static void check_error(ApiError e, const char *message) {
        FUZZ_ASSERT(e > API_OK && e < _API_ERROR_MAX);
        fuzz_check_bus_text(message);
        FUZZ_ASSERT(strlen(message) <= MESSAGE_MAX);
}

static void check_element(Model m, const char *xml, const HostView *h) {
        g_autofree char *error = NULL;
        g_autoptr(xmlDoc) doc = xml_parse_untrusted(xml, strlen(xml), 1024 * 1024, "launchSecurity", 0, &error);
        xmlNode *root, *policy;
        guint64 p;

        fuzz_check_bus_text(xml);
        if (!doc) {
                fprintf(stderr, "GenerateLaunchSecurity wrote what does not parse (%s):\n%s\n", error, xml);
                abort();
        }
        root = xmlDocGetRootElement(doc);
        FUZZ_ASSERT(xml_attr_is(root, "type", m == MODEL_SEV_SNP ? "sev-snp" : "sev"));
        policy = xml_child(root, "policy");
        FUZZ_ASSERT(policy && xml_text(policy));
        FUZZ_ASSERT(g_ascii_string_to_unsigned(xml_text(policy) + 2, 16, 0, G_MAXUINT64, &p, NULL));
        {
                g_autofree char *msg = NULL;
                /* allow_debug may have let the debug bit through: check what holds either way. */
                ApiError e = launch_policy_check(m, p, true, h->facts->smt_active, &msg);
                if (e != API_OK) {
                        fprintf(stderr, "generated policy 0x%" G_GINT64_MODIFIER "x fails the checks: %s\n", p, msg);
                        abort();
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autoptr(GVariant) parsed = fuzz_parse_variant(data, size, G_VARIANT_TYPE_VARDICT);
        g_autoptr(GVariant) options = fuzz_bus_options(parsed);

        if (!options)
                return 0;
        fuzz_hosts_load();

        for (OptionsScope scope = OPTIONS_LAUNCH; scope <= OPTIONS_VALIDATE; scope++) {
                g_auto(LaunchOptions) o = {};
                g_autofree char *message = NULL;
                ApiError e = launch_options_parse(options, scope, &o, &message);

                if (e != API_OK) {
                        check_error(e, message);
                        continue;
                }
                FUZZ_ASSERT(!message);
                for (Model m = 0; m < _MODEL_MAX; m++) {
                        g_autofree char *msg = NULL;
                        e = launch_options_check_model(&o, m, &msg);
                        if (e != API_OK)
                                check_error(e, msg);
                }
        }

        for (Model m = 0; m < _MODEL_MAX; m++) {
                const HostView *h = fuzz_host_for(m);
                g_autofree char *xml = NULL, *message = NULL;
                ApiError e = launch_security_generate(m, options, h, &xml, &message);

                if (e != API_OK) {
                        FUZZ_ASSERT(!xml);
                        check_error(e, message);
                        continue;
                }
                FUZZ_ASSERT(!message);
                check_element(m, xml, h);
        }
        return 0;
}
