/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "domain-job.h"
#include "domain.h"
#include "launch-security-model.h"

/*
 * The rules ConfigureDomain applies and ValidateDomain reports, in order. The last two look at
 * <launchSecurity> as it came (ConfigureDomain replaces it) and at the host, whose refusal comes
 * after the document's.
 */
static void (*const domain_rules[])(DomainJob *j) = {
        rule_launch_security_type,
        rule_machine,
        rule_refused_devices,
        rule_firmware,
        rule_locked_memory,
        rule_vmcoreinfo,
        rule_memballoon,
        rule_virtio_devices,
        rule_launch_security_check,
        rule_host,
};

static void run_rules(DomainJob *j) {
        for (size_t i = 0; i < G_N_ELEMENTS(domain_rules); i++)
                domain_rules[i](j);
}

static void job_clear(DomainJob *j) {
        g_clear_pointer(&j->findings, g_ptr_array_unref);
        g_clear_pointer(&j->refusal_message, g_free);
        g_clear_pointer(&j->doc, xmlFreeDoc);
}

/*
 * Parses OPTIONS into O (which the job points to) and XML into the job's document. NOBLANKS drops
 * the indentation so that formatting the result indents old and new elements alike; COMPACT
 * keeps short texts inside their nodes (fewer allocations; libxml2's setters know such nodes).
 */
static ApiError job_init(DomainJob *j, const char *xml, GVariant *options, LaunchOptions *o, const HostView *h,
                         bool apply, char **message) {
        g_autofree char *why = NULL;
        size_t len = strlen(xml);
        ApiError e;

        *j = (DomainJob) { .options = o, .host = h, .apply = apply, .model = MODEL_INVALID };
        e = launch_options_parse(options, apply ? OPTIONS_CONFIGURE : OPTIONS_VALIDATE, o, message);
        if (e != API_OK)
                return e;
        /* libxml2 refuses input that is not UTF-8 (no other encoding is declared in a D-Bus string). */
        j->doc = xml_parse_untrusted(xml, len, DOMAIN_XML_MAX, "domain", XML_PARSE_NOBLANKS | XML_PARSE_COMPACT,
                                     &why);
        if (!j->doc)
                return api_fail(message, API_INVALID_DOMAIN_XML, "the domain XML is refused: %s", why);
        j->domain = xmlDocGetRootElement(j->doc);
        xml_index_positions(j->doc);    /* findings' paths without walking siblings for each */
        j->findings = g_ptr_array_new_with_free_func((GDestroyNotify) finding_free);
        return API_OK;
}

static ApiError configure(DomainJob *j, Model m, char **message) {
        g_autoptr(xmlNode) ls = NULL;
        ApiError e;

        j->model = m;
        e = launch_security_build(m, j->options, j->host, domain_boots_kernel(j->domain), &ls, message);
        if (e != API_OK)
                return e;
        run_rules(j);
        if (j->refusal != API_OK) {
                *message = g_steal_pointer(&j->refusal_message);
                return j->refusal;
        }
        domain_replace_launch_security(j, g_steal_pointer(&ls));
        return API_OK;
}

ApiError domain_configure(const char *xml, Model m, GVariant *options, const HostView *h, char **ret_xml,
                          char **message) {
        g_auto(LaunchOptions) o = {};
        DomainJob j;
        ApiError e;

        e = job_init(&j, xml, options, &o, h, true, message);
        if (e == API_OK)
                e = launch_security_keep_owner_inputs(j.domain, m, &o, message);
        if (e == API_OK)
                e = configure(&j, m, message);
        if (e == API_OK) {
                g_autofree char *out = xml_format_node(j.doc, j.domain);
                size_t len = strlen(out);

                if (len > DOMAIN_XML_RESULT_MAX)
                        e = api_fail(message, API_INVALID_DOMAIN_XML, "the configured domain would be %zu bytes, "
                                     "more than the %u bytes ConfigureDomain answers with (escaped characters and "
                                     "indentation made it grow)", len, DOMAIN_XML_RESULT_MAX);
                else
                        *ret_xml = g_steal_pointer(&out);
        }
        job_clear(&j);
        return e;
}

/* The last finding when there were more than DOMAIN_FINDINGS_MAX: how many, an error if one of them is. */
static Finding *more_findings(const DomainJob *j) {
        Finding *f = g_new0(Finding, 1);

        f->severity = j->more_errors ? SEVERITY_ERROR : SEVERITY_WARNING;
        f->code = g_strdup("more-findings");
        f->where = g_strdup("/domain");
        f->message = g_strdup_printf("%u more findings are not listed (at most %u are, per call); fix these "
                                     "and validate again", j->more_findings, DOMAIN_FINDINGS_MAX);
        return f;
}

/* The model to check for: the option, else what <launchSecurity> asks for, else Nova's default. */
static Model validate_model(const DomainJob *j) {
        Model m = domain_launch_security_model(j->domain, NULL);

        if (j->options->model != MODEL_INVALID)
                return j->options->model;
        return model_valid(m) ? m : MODEL_SEV;
}

ApiError domain_validate(const char *xml, GVariant *options, const HostView *h, GPtrArray **ret_findings,
                         char **message) {
        g_auto(LaunchOptions) o = {};
        DomainJob j;
        ApiError e;

        e = job_init(&j, xml, options, &o, h, false, message);
        if (e != API_OK)
                return e;
        j.model = validate_model(&j);
        run_rules(&j);
        if (j.more_findings)
                g_ptr_array_add(j.findings, more_findings(&j));
        *ret_findings = g_steal_pointer(&j.findings);
        job_clear(&j);
        return API_OK;
}
