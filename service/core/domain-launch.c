/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <string.h>

#include "config.h"
#include "domain-job.h"
#include "launch-security-model.h"

/*
 * An element of another technology, or one whose model cannot be told (no type, a 'sev' policy
 * libvirt cannot read: the probe does not count such a guest either), is not replaced: the guest
 * owner's inputs in it would be lost without a word.
 */
void rule_launch_security_type(DomainJob *j) {
        XML_FOREACH_CHILD(ls, j->domain, "launchSecurity") {
                g_autofree char *why = NULL;
                Model m = launch_security_model(ls, &why);

                if (m == MODEL_OTHER)
                        job_refuse(j, ls, API_INVALID_DOMAIN_XML, "launch-security-type",
                                   "<launchSecurity type='%.32s'> is another confidential-computing technology; "
                                   "remove it to use %s", xml_attr(ls, "type") ?: "", model_title(j->model));
                else if (m == MODEL_INVALID) {
                        /* A type with a policy libvirt cannot read: the policy is what is wrong. */
                        bool typed = xml_attr(ls, "type") != NULL;
                        const xmlNode *p = xml_child(ls, "policy");

                        job_refuse(j, typed && p ? p : ls, API_INVALID_DOMAIN_XML,
                                   typed ? "policy" : "launch-security-type",
                                   "%.200s: libvirt refuses the domain; fix the element, or remove it to use %s", why,
                                   model_title(j->model));
                }
        }
}

static void check_policy(DomainJob *j, const xmlNode *ls) {
        const xmlNode *p = xml_child(ls, "policy");
        g_autofree char *problem = NULL;
        uint64_t policy;

        if (!p || !launch_security_policy_parse(xml_text(p), G_MAXUINT64, &policy)) {
                job_finding(j, p ?: ls, p ? NULL : "policy", SEVERITY_ERROR, "policy",
                            "no hexadecimal <policy>: libvirt refuses the domain; use <policy>0x%04" PRIx64 "</policy>",
                            j->host->verdict->models[j->model].default_policy);
                return;
        }
        if (launch_policy_check(j->model, policy, j->options->allow_debug, j->host->facts->smt_active, &problem) !=
            API_OK)
                job_finding(j, p, NULL, SEVERITY_ERROR, "policy", "%s", problem);
}

static void check_blobs(DomainJob *j, const xmlNode *ls) {
        static const struct { const char *element; gsize size; } blobs[] = {
                { "dhCert", 0 }, { "session", 0 },
                { "hostData", SNP_HOST_DATA_SIZE }, { "idBlock", SNP_ID_BLOCK_SIZE },
                { "idAuth", SNP_ID_AUTH_SIZE }, { "guestVisibleWorkarounds", SNP_GOSVW_SIZE },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(blobs); i++) {
                const xmlNode *b = xml_child(ls, blobs[i].element);
                g_autofree char *problem = NULL;
                g_autofree char *text = b && xml_text(b) ? g_strstrip(g_strdup(xml_text(b))) : NULL;

                if (b && blob_check(blobs[i].element, text ?: "", blobs[i].size, &problem) != API_OK)
                        job_finding(j, b, NULL, SEVERITY_ERROR, "attestation-blob", "%s", problem);
        }
}

/*
 * libvirt hands <cbitpos> and <reducedPhysBits> to QEMU as they are, and QEMU refuses a C-bit
 * position other than the host's (and a reduction other than the one it reports: 1 on every
 * host). The host's values: libvirt's domain capabilities, else CPUID for the C-bit and QEMU's
 * constant 1 for the reduction.
 */
static void check_phys_bits(DomainJob *j, const xmlNode *ls) {
        const HostFacts *f = j->host->facts;
        bool domcaps = f->libvirt.domcaps.src.status == SOURCE_OK;
        int64_t host_cbitpos = domcaps && f->libvirt.domcaps.cbitpos >= 0 ? f->libvirt.domcaps.cbitpos
                : f->cpuid.src.status == SOURCE_OK && f->cpuid.has_leaf_8000001f ? (int64_t) f->cpuid.cbitpos : -1;
        int64_t host_reduced = domcaps && f->libvirt.domcaps.reduced_phys_bits >= 0
                ? f->libvirt.domcaps.reduced_phys_bits : 1;
        const struct { const char *element; int64_t host; } values[] = {
                { "cbitpos", host_cbitpos }, { "reducedPhysBits", host_reduced },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(values); i++) {
                const xmlNode *n = xml_child(ls, values[i].element);
                g_autofree char *text = n && xml_text(n) ? g_strstrip(g_strdup(xml_text(n))) : NULL;
                guint64 v;

                if (!n || values[i].host < 0)
                        continue;
                if (text && g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT32, &v, NULL) &&
                    v == (guint64) values[i].host)
                        continue;
                job_finding(j, n, NULL, SEVERITY_ERROR, "launch-security-phys-bits",
                            "<%s>%.32s</%s> differs from this host's %" G_GINT64_FORMAT ": QEMU refuses to start the "
                            "guest; remove the element (libvirt 6.9 and later fill in the host's value) or set %"
                            G_GINT64_FORMAT, values[i].element, text ?: "", values[i].element, values[i].host,
                            values[i].host);
        }
}

static void check_kernel_hashes(DomainJob *j, const xmlNode *ls) {
        bool hashes = xml_attr_is(ls, "kernelHashes", "yes"), kernel = domain_boots_kernel(j->domain);

        if (hashes && !kernel)
                job_finding(j, ls, NULL, SEVERITY_WARNING, "kernel-hashes",
                            "kernelHashes='yes' without direct kernel boot measures nothing; boot a kernel with "
                            "<os><kernel>, or set kernelHashes='no'");
        else if (!hashes && kernel && j->options->kernel_hashes != 0)
                job_finding(j, ls, NULL, SEVERITY_WARNING, "kernel-hashes",
                            "the guest boots <os><kernel> directly, but kernel, initrd and command line are not "
                            "in the launch measurement; set kernelHashes='yes'");
}

void rule_launch_security_check(DomainJob *j) {
        xmlNode *ls = xml_child(j->domain, "launchSecurity");
        Model found = ls ? launch_security_model(ls, NULL) : MODEL_NONE;

        if (j->apply)
                return;         /* ConfigureDomain replaces the element */
        if (!ls) {
                job_finding(j, j->domain, "launchSecurity", SEVERITY_ERROR, "launch-security-missing",
                            "no <launchSecurity>: the guest would run unencrypted; add the element "
                            "GenerateLaunchSecurity() returns for %s, or use ConfigureDomain()", model_title(j->model));
                return;
        }
        if (!model_valid(found))
                return;         /* refused by rule_launch_security_type() */
        if (found != j->model) {
                job_finding(j, ls, NULL, SEVERITY_ERROR, "launch-security-model",
                            "<launchSecurity> asks for %s, not %s; replace it", model_title(found),
                            model_title(j->model));
                return;
        }
        if (xml_next(ls, "launchSecurity"))
                job_finding(j, xml_next(ls, "launchSecurity"), NULL, SEVERITY_ERROR, "launch-security-type",
                            "more than one <launchSecurity>; keep one");
        check_policy(j, ls);
        check_phys_bits(j, ls);
        check_blobs(j, ls);
        check_kernel_hashes(j, ls);
}

/*
 * ConfigureDomain replaces <launchSecurity>, but the guest owner's attestation inputs in it (SEV
 * and SEV-ES: the launch session; SEV-SNP: ID block and authentication, host data, workarounds,
 * authorKey, vcek) are not memcryptd's to drop. An option given for one replaces it; otherwise it
 * is kept when the element asks for the same model (a session is bound to the policy and model it
 * was made for), checked like the option, and a refused one refuses the call naming the element.
 */
ApiError launch_security_keep_owner_inputs(const xmlNode *domain, Model m, LaunchOptions *o, char **message) {
        const xmlNode *ls = xml_child(domain, "launchSecurity");
        const struct { const char *element; gsize size; char **option; Model family; } blobs[] = {
                { "dhCert", 0, &o->dh_cert, MODEL_SEV }, { "session", 0, &o->session, MODEL_SEV },
                { "idBlock", SNP_ID_BLOCK_SIZE, &o->id_block, MODEL_SEV_SNP },
                { "idAuth", SNP_ID_AUTH_SIZE, &o->id_auth, MODEL_SEV_SNP },
                { "hostData", SNP_HOST_DATA_SIZE, &o->host_data, MODEL_SEV_SNP },
                { "guestVisibleWorkarounds", SNP_GOSVW_SIZE, &o->guest_visible_workarounds, MODEL_SEV_SNP },
        };

        if (!ls || launch_security_model(ls, NULL) != m || xml_next(ls, "launchSecurity"))
                return API_OK;
        for (size_t i = 0; i < G_N_ELEMENTS(blobs); i++) {
                const xmlNode *b = xml_child(ls, blobs[i].element);
                g_autofree char *text = b && xml_text(b) ? g_strstrip(g_strdup(xml_text(b))) : NULL;
                g_autofree char *problem = NULL;

                if (!b || *blobs[i].option || (blobs[i].family == MODEL_SEV_SNP) != (m == MODEL_SEV_SNP))
                        continue;
                if (blob_check(blobs[i].element, text ?: "", blobs[i].size, &problem) != API_OK)
                        return api_fail(message, API_INVALID_DOMAIN_XML,
                                        "/domain/launchSecurity/%s is the guest owner's and would be kept, but it is "
                                        "refused: %s; fix it, remove it, or pass the option that replaces it",
                                        blobs[i].element, problem);
                *blobs[i].option = g_steal_pointer(&text);
        }
        if (m == MODEL_SEV_SNP && o->author_key < 0 && xml_attr(ls, "authorKey"))
                o->author_key = xml_attr_is(ls, "authorKey", "yes") && o->id_auth;
        if (m == MODEL_SEV_SNP && o->vcek < 0 && xml_attr(ls, "vcek"))
                o->vcek = !xml_attr_is(ls, "vcek", "no");
        return API_OK;
}

void domain_replace_launch_security(DomainJob *j, xmlNode *ls) {
        xmlNode *old;

        while ((old = xml_child(j->domain, "launchSecurity"))) {
                xmlUnlinkNode(old);
                xmlFreeNode(old);
        }
        xmlAddChild(j->domain, ls);     /* last, where libvirt and Nova write it */
}

void rule_host(DomainJob *j) {
        const HostVerdict *v = j->host->verdict;
        const ModelVerdict *mv = &v->models[j->model];

        /* ConfigureDomain: the first refusal wins, and this one is the bus error GenerateLaunchSecurity gives. */
        if (j->apply) {
                if (j->refusal == API_OK)
                        j->refusal = host_check_model(v, j->model, &j->refusal_message);
                return;
        }
        switch (host_model_refusal(v, j->model)) {
        case API_HOST_MISCONFIGURED:
                job_finding(j, j->domain, "launchSecurity", SEVERITY_ERROR, "conflicting-guests",
                            "this host is misconfigured: %s", v->health_message);
                break;
        case API_MODEL_UNSUPPORTED:
                for (guint i = 0; i < mv->reasons->len; i++) {
                        const Reason *r = g_ptr_array_index(mv->reasons, i);
                        if (r->severity == SEVERITY_ERROR)
                                job_finding(j, j->domain, "launchSecurity", SEVERITY_ERROR, r->code,
                                            "%s cannot run on this host: %s; fix: %s", model_title(j->model),
                                            r->message, r->hint);
                }
                break;
        case API_NO_SLOTS:
                job_finding(j, j->domain, "launchSecurity", SEVERITY_ERROR, "no-slots",
                            "no free %s slot on this host: %u of %u in use", model_title(j->model), mv->slots_used,
                            mv->slots_total);
                break;
        default:
                break;
        }
}
