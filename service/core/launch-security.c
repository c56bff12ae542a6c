/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>

#include "config.h"
#include "launch-security.h"
#include "xml-util.h"

ApiError host_model_refusal(const HostVerdict *v, Model m) {
        const ModelVerdict *mv = &v->models[m];

        if (v->health == HEALTH_CONFLICT)
                return API_HOST_MISCONFIGURED;
        if (!mv->usable)
                return API_MODEL_UNSUPPORTED;
        if (mv->slots_free == 0)
                return API_NO_SLOTS;
        return API_OK;
}

ApiError host_check_model(const HostVerdict *v, Model m, char **message) {
        const ModelVerdict *mv = &v->models[m];
        g_autoptr(GString) why = NULL;

        switch (host_model_refusal(v, m)) {
        case API_HOST_MISCONFIGURED:
                return api_fail(message, API_HOST_MISCONFIGURED, "this host is misconfigured: %s",
                                v->health_message);
        case API_MODEL_UNSUPPORTED:
                why = g_string_new(NULL);
                for (guint i = 0; i < mv->reasons->len; i++) {
                        const Reason *r = g_ptr_array_index(mv->reasons, i);
                        if (r->severity == SEVERITY_ERROR)
                                g_string_append_printf(why, "%s%s (%s); fix: %s", why->len ? "; " : "", r->message,
                                                       r->code, r->hint);
                }
                return api_fail(message, API_MODEL_UNSUPPORTED, "%s cannot run on this host: %s", model_title(m),
                                why->len ? why->str : "no reason recorded");
        case API_NO_SLOTS:
                return api_fail(message, API_NO_SLOTS,
                                "no free %s slot on this host: %u of %u in use; stop an encrypted guest or place "
                                "this one on another host", model_title(m), mv->slots_used, mv->slots_total);
        default:
                return API_OK;
        }
}

ApiError launch_policy_check(Model m, uint64_t policy, bool allow_debug, Tristate smt_active, char **message) {
        g_autofree char *problem = policy_check_static(m, policy);

        if (problem)
                return api_fail(message, API_INVALID_ARGUMENT, "%s", problem);
        if (m != MODEL_SEV_SNP) {
                if (!(policy & SEV_POLICY_NODBG) && !allow_debug)
                        return api_fail(message, API_INVALID_ARGUMENT,
                                        "%s policy 0x%04" PRIx64 " allows debugging the guest (bit 0, NODBG, is "
                                        "clear), which lets the host read its memory; set bit 0, or pass "
                                        "allow_debug=true for a test guest", model_title(m), policy);
                return API_OK;
        }
        if ((policy & SNP_POLICY_DEBUG) && !allow_debug)
                return api_fail(message, API_INVALID_ARGUMENT,
                                "SEV-SNP policy 0x%08" PRIx64 " allows debugging the guest (bit 19), which lets "
                                "the host read its memory; clear it, or pass allow_debug=true for a test guest",
                                policy);
        if (!(policy & SNP_POLICY_SMT) && smt_active == TRI_YES)
                return api_fail(message, API_INVALID_ARGUMENT,
                                "SEV-SNP policy 0x%08" PRIx64 " forbids SMT (bit 16 clear) but this host runs "
                                "with SMT on, so the launch would fail; set bit 16, or turn SMT off "
                                "(nosmt on the kernel command line)", policy);
        return API_OK;
}

static ApiError build_check(Model m, const LaunchOptions *o, const HostView *h, int direct_kernel_boot,
                            uint64_t *policy, char **message) {
        ApiError e = launch_options_check_model(o, m, message);

        if (e != API_OK)
                return e;
        *policy = o->has_policy ? o->policy : h->verdict->models[m].default_policy;
        e = launch_policy_check(m, *policy, o->allow_debug, h->facts->smt_active, message);
        if (e != API_OK)
                return e;
        if (o->kernel_hashes == 1 && direct_kernel_boot == 0)
                return api_fail(message, API_INVALID_ARGUMENT,
                                "option 'kernel_hashes' needs direct kernel boot (<os><kernel>), and this domain "
                                "boots from its disks; drop the option or add a kernel");
        return API_OK;
}

static void add_blob(xmlNodePtr ls, const char *element, const char *b64) {
        if (b64)
                xmlNewTextChild(ls, NULL, BAD_CAST element, BAD_CAST b64);
}

static const char *yes_no(bool b) {
        return b ? "yes" : "no";
}

ApiError launch_security_build(Model m, const LaunchOptions *o, const HostView *h, int direct_kernel_boot,
                               xmlNodePtr *ret, char **message) {
        bool kernel_hashes = o->kernel_hashes >= 0 ? o->kernel_hashes : direct_kernel_boot == 1;
        g_autofree char *policy_text = NULL;
        uint64_t policy;
        xmlNodePtr ls;
        ApiError e;

        e = build_check(m, o, h, direct_kernel_boot, &policy, message);
        if (e != API_OK)
                return e;
        ls = xmlNewNode(NULL, BAD_CAST "launchSecurity");
        xmlNewProp(ls, BAD_CAST "type", BAD_CAST model_info(m)->launch_security);
        if (m == MODEL_SEV_SNP) {
                xmlNewProp(ls, BAD_CAST "authorKey", BAD_CAST yes_no(o->author_key == 1));
                xmlNewProp(ls, BAD_CAST "vcek", BAD_CAST yes_no(o->vcek != 0));
                xmlNewProp(ls, BAD_CAST "kernelHashes", BAD_CAST yes_no(kernel_hashes));
        } else {
                /* Nova writes only <policy>; measured direct kernel boot needs the attribute. */
                if (kernel_hashes)
                        xmlNewProp(ls, BAD_CAST "kernelHashes", BAD_CAST "yes");
        }
        policy_text = model_policy_text(m, policy);
        xmlNewTextChild(ls, NULL, BAD_CAST "policy", BAD_CAST policy_text);
        add_blob(ls, "dhCert", o->dh_cert);
        add_blob(ls, "session", o->session);
        add_blob(ls, "guestVisibleWorkarounds", o->guest_visible_workarounds);
        add_blob(ls, "idBlock", o->id_block);
        add_blob(ls, "idAuth", o->id_auth);
        add_blob(ls, "hostData", o->host_data);
        *ret = ls;
        return API_OK;
}

ApiError launch_security_generate(Model m, GVariant *options, const HostView *h, char **ret_xml, char **message) {
        g_auto(LaunchOptions) o = {};
        g_autoptr(xmlDoc) doc = NULL;
        xmlNodePtr ls = NULL;
        ApiError e;

        e = launch_options_parse(options, OPTIONS_LAUNCH, &o, message);
        if (e == API_OK)
                e = host_check_model(h->verdict, m, message);
        if (e == API_OK)
                e = launch_security_build(m, &o, h, -1, &ls, message);
        if (e != API_OK)
                return e;
        doc = xmlNewDoc(BAD_CAST "1.0");
        xmlDocSetRootElement(doc, ls);
        *ret_xml = xml_format_node(doc, ls);
        return API_OK;
}
