/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "attest-domain.h"
#include "clear-strings.h"
#include "fileio.h"
#include "measure-vcpu.h"
#include "probe.h"
#include "xml-util.h"

void attest_domain_inputs_clear(AttestDomainInputs *in) {
        clear_strings(&in->loader, &in->kernel, &in->initrd, &in->cmdline, &in->cpu_mode, &in->cpu_name, NULL);
}

/* The stripped text of PARENT's child NAME, or NULL. */
static char *child_text(const xmlNode *parent, const char *name) {
        const xmlNode *child = parent ? xml_child(parent, name) : NULL;
        const char *t = child ? xml_text(child) : NULL;

        return t ? g_strstrip(g_strdup(t)) : NULL;
}

static void read_launch_security(const xmlNode *ls, AttestDomainInputs *in) {
        g_autofree char *policy = child_text(ls, "policy");
        const char *digits = policy;
        guint64 v;

        if (!ls)
                return;
        in->kernel_hashes = xml_attr_is(ls, "kernelHashes", "yes");
        /* libvirt reads <policy> as hex with or without 0x. */
        if (digits && (g_str_has_prefix(digits, "0x") || g_str_has_prefix(digits, "0X")))
                digits += 2;
        if (digits && g_ascii_string_to_unsigned(digits, 16, 0, G_MAXUINT64, &v, NULL)) {
                in->has_policy = true;
                in->policy = v;
        }
}

static unsigned read_vcpus(const xmlNode *vcpu) {
        const char *current = vcpu ? xml_attr(vcpu, "current") : NULL;
        g_autofree char *text = g_strdup(current ?: (vcpu ? xml_text(vcpu) : NULL));
        guint64 v = 0;

        /* Without <vcpu> libvirt starts one. */
        if (!vcpu)
                return 1;
        if (!text || !g_ascii_string_to_unsigned(g_strstrip(text), 10, 1, G_MAXUINT32, &v, NULL))
                return 0;
        return (unsigned) v;
}

static void read_cpu(const xmlNode *cpu, AttestDomainInputs *in) {
        if (!cpu)
                return;
        /* libvirt's default mode is custom. */
        in->cpu_mode = g_strdup(xml_attr(cpu, "mode") ?: "custom");
        in->cpu_name = child_text(cpu, "model");
}

ApiError attest_domain_inputs_parse(const char *xml, AttestDomainInputs *ret, char **message) {
        g_autofree char *why = NULL;
        g_autoptr(xmlDoc) doc = NULL;
        const xmlNode *root, *os, *cmdline;

        *ret = (AttestDomainInputs) {};
        ret->model = domain_xml_guest_model(xml, strlen(xml), NULL, NULL, &why);
        if (!why)
                doc = xml_parse_untrusted(xml, strlen(xml), HOST_FILE_MAX, "domain", 0, &why);
        if (why)
                return api_fail(message, API_INVALID_DOMAIN_XML, "The domain's XML cannot be read: %s", why);

        root = xmlDocGetRootElement(doc);
        os = xml_child(root, "os");
        ret->loader = child_text(os, "loader");
        if (ret->loader && !*ret->loader)
                g_clear_pointer(&ret->loader, g_free);  /* <loader stateless='yes'/>: libvirt picks one */
        ret->has_nvram = os && xml_child(os, "nvram");
        ret->kernel = child_text(os, "kernel");
        ret->initrd = child_text(os, "initrd");
        /* The command line is measured byte for byte: keep its spaces. */
        cmdline = os ? xml_child(os, "cmdline") : NULL;
        ret->cmdline = cmdline ? g_strdup(xml_text(cmdline) ?: "") : NULL;
        ret->vcpus = read_vcpus(xml_child(root, "vcpu"));
        read_launch_security(xml_child(root, "launchSecurity"), ret);
        read_cpu(xml_child(root, "cpu"), ret);
        return API_OK;
}

bool attest_cpu_signature(const AttestDomainInputs *in, const CpuidFacts *host, uint32_t *family,
                          uint32_t *model, uint32_t *stepping) {
        if (!in->cpu_mode)
                return false;
        if (g_str_equal(in->cpu_mode, "host-passthrough") || g_str_equal(in->cpu_mode, "maximum")) {
                if (host->src.status != SOURCE_OK)
                        return false;
                *family = host->family, *model = host->model, *stepping = host->stepping;
                return true;
        }
        /* QEMU's EPYC models, from the one table the measurement library keeps. */
        const MeasureVcpuType *t = measure_vcpu_type_lookup(in->cpu_name);
        if (!t)
                return false;
        *family = t->family, *model = t->model, *stepping = t->stepping;
        return true;
}
