/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ValidateDomain(s domain_xml, a{sv} options): the input is the domain XML
 * as sd-bus delivers it, validated for the model it asks for and for each
 * model by name, on both hosts. Every finding must be a bus string with a
 * known severity and a code, and its "where" an XPath into the input: the
 * element itself, or a missing last step under an element that exists.
 */
#include <libxml/xpath.h>

#include "fuzz-host.h"
#include "fuzz-util.h"
#include "xml-util.h"

#define MESSAGE_MAX 1024

static bool xpath_exists(xmlXPathContext *ctx, const char *path) {
        g_autoptr(xmlXPathObject) o = xmlXPathEvalExpression(BAD_CAST path, ctx);
        return o && o->type == XPATH_NODESET && o->nodesetval && o->nodesetval->nodeNr > 0;
}

static void check_where(xmlXPathContext *ctx, const char *where) {
        g_autofree char *parent = NULL;
        const char *slash;

        FUZZ_ASSERT(g_str_has_prefix(where, "/domain"));
        if (xpath_exists(ctx, where))
                return;
        slash = strrchr(where, '/');
        /* "/domain/features/vmcoreinfo[@state]" style predicates contain no '/'; a missing step is the last one. */
        parent = g_strndup(where, (gsize) (slash - where));
        if (!*parent || !xpath_exists(ctx, parent)) {
                fprintf(stderr, "finding at '%s': neither it nor its parent exists in the input\n", where);
                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const option_sets[] = {
                NULL, "{'model': <'amd-sev'>}", "{'model': <'amd-sev-es'>, 'keep_balloon': <true>}",
                "{'model': <'amd-sev-snp'>, 'allow_debug': <true>}",
        };
        g_autofree char *xml = fuzz_bus_string(data, size), *why = NULL;
        g_autoptr(xmlDoc) doc = NULL;
        g_autoptr(xmlXPathContext) ctx = NULL;

        if (!xml)
                return 0;
        fuzz_hosts_load();
        doc = xml_parse_untrusted(xml, size, DOMAIN_XML_MAX, "domain", XML_PARSE_NOBLANKS | XML_PARSE_COMPACT, &why);
        if (doc)
                ctx = xmlXPathNewContext(doc);

        for (size_t s = 0; s < G_N_ELEMENTS(option_sets); s++) {
                g_autoptr(GVariant) options = option_sets[s] ? g_variant_ref_sink(g_variant_new_parsed(option_sets[s]))
                                                              : NULL;
                for (int i = 0; i < 2; i++) {
                        g_autoptr(GPtrArray) findings = NULL;
                        g_autofree char *message = NULL;
                        ApiError e = domain_validate(xml, options, &fuzz_hosts[i]->view, &findings, &message);

                        if (e != API_OK) {
                                FUZZ_ASSERT(!findings && e < _API_ERROR_MAX);
                                FUZZ_ASSERT(e == API_INVALID_DOMAIN_XML && !doc);
                                fuzz_check_bus_text(message);
                                FUZZ_ASSERT(strlen(message) <= MESSAGE_MAX);
                                continue;
                        }
                        FUZZ_ASSERT(doc && !message);
                        FUZZ_ASSERT(findings->len <= DOMAIN_FINDINGS_MAX + 1);
                        for (guint k = 0; k < findings->len; k++) {
                                const Finding *f = findings->pdata[k];
                                FUZZ_ASSERT(f->severity == SEVERITY_ERROR || f->severity == SEVERITY_WARNING);
                                FUZZ_ASSERT(f->code && *f->code);
                                fuzz_check_bus_text(f->code);
                                fuzz_check_bus_text(f->where);
                                fuzz_check_bus_text(f->message);
                                FUZZ_ASSERT(strlen(f->message) <= 4 * MESSAGE_MAX);
                                check_where(ctx, f->where);
                        }
                }
        }
        return 0;
}
