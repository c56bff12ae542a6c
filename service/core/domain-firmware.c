/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * UEFI for an encrypted guest, the way libvirt wants it: <os firmware='efi'>
 * lets libvirt pick a QEMU firmware descriptor, and with <launchSecurity>
 * in the domain it only picks one with the model's feature (amd-sev,
 * amd-sev-es, amd-sev-snp). A manual <loader> path cannot be combined with
 * that before libvirt 9.2, so the rule removes it and instead pins the
 * choice to the descriptor firmware_pick() chose, through the features
 * libvirt matches on (<firmware><feature>, <loader stateless>).
 */
#include <string.h>

#include "domain-job.h"
#include "firmware.h"

/* The <firmware><feature> names libvirt matches descriptors on. */
static const char *const steering_features[] = { "enrolled-keys", "secure-boot" };

static void remove_node(xmlNode *n) {
        xmlUnlinkNode(n);
        xmlFreeNode(n);
}

/* The descriptor fitting the model whose executable a manual loader names, or NULL. */
static const FirmwareDescriptor *loader_descriptor(const DomainJob *j, const xmlNode *loader) {
        const GPtrArray *all = j->host->facts->firmware.descriptors;
        const char *text = loader ? xml_text(loader) : NULL;
        g_autofree char *path = text ? g_strstrip(g_strdup(text)) : NULL;

        for (guint i = 0; path && *path && all && i < all->len; i++) {
                const FirmwareDescriptor *d = all->pdata[i];
                if (firmware_fits(d, j->model) && g_str_equal(d->executable, path))
                        return d;
        }
        return NULL;
}

static void require_efi(DomainJob *j, xmlNode *os) {
        bool manual_ok = loader_descriptor(j, xml_child(os, "loader")) != NULL;

        if (xml_attr_is(os, "firmware", "efi"))
                return;
        job_finding(j, os, NULL, manual_ok ? SEVERITY_WARNING : SEVERITY_ERROR, "uefi",
                    manual_ok ? "the firmware is chosen by hand; set <os firmware='efi'> so that libvirt picks "
                                "one whose descriptor offers '%s'"
                              : "%s guests boot only with UEFI firmware (OVMF) whose descriptor offers '%s'; set "
                                "<os firmware='efi'>",
                    manual_ok ? firmware_feature(j->model) : model_title(j->model), firmware_feature(j->model));
        if (j->apply)
                xmlSetProp(os, BAD_CAST "firmware", BAD_CAST "efi");
}

/* Whether LOADER carries anything but stateless=, which libvirt refuses with firmware='efi' before 9.2. */
static bool loader_is_manual(const xmlNode *loader) {
        for (const char *t = xml_text(loader); t && *t; t++)
                if (!g_ascii_isspace(*t))
                        return true;
        for (const xmlAttr *a = loader->properties; a; a = a->next)
                if (!xmlStrEqual(a->name, BAD_CAST "stateless"))
                        return true;
        return false;
}

static void strip_loader(xmlNode *loader) {
        xmlNodeSetContent(loader, NULL);
        for (xmlAttr *a = loader->properties, *next; a; a = next) {
                next = a->next;
                if (!xmlStrEqual(a->name, BAD_CAST "stateless"))
                        xmlRemoveProp(a);
        }
}

static void require_autoselected_loader(DomainJob *j, xmlNode *os) {
        xmlNode *loader = xml_child(os, "loader");

        if (!loader || !loader_is_manual(loader))
                return;
        if (loader_descriptor(j, loader))
                job_finding(j, loader, NULL, SEVERITY_WARNING, "firmware-loader",
                            "a loader chosen by hand cannot be combined with firmware='efi' before libvirt 9.2; "
                            "remove its path and attributes and let libvirt choose");
        else
                job_finding(j, loader, NULL, SEVERITY_ERROR, "firmware-loader",
                            "loader '%.200s' is not a firmware whose descriptor offers '%s'; remove its path "
                            "and attributes and let libvirt choose (firmware='efi')", xml_text(loader) ?: "",
                            firmware_feature(j->model));
        if (j->apply)
                strip_loader(loader);
}

/* SEV-SNP's firmware is stateless: no VARS store, which the launch measurement would not cover. */
static void require_stateless(DomainJob *j, xmlNode *os) {
        xmlNode *loader = xml_child(os, "loader"), *nvram = xml_child(os, "nvram");

        if (j->model != MODEL_SEV_SNP)
                return;
        if (!loader || !xml_attr_is(loader, "stateless", "yes")) {
                job_finding(j, loader ?: os, loader ? NULL : "loader", SEVERITY_ERROR, "firmware-stateless",
                            "SEV-SNP needs stateless firmware; add <loader stateless='yes'/>, or libvirt may "
                            "pick an image with an NVRAM store");
                if (j->apply)
                        xmlSetProp(xml_ensure_child(os, "loader"), BAD_CAST "stateless", BAD_CAST "yes");
        }
        if (nvram) {
                job_finding(j, nvram, NULL, SEVERITY_ERROR, "nvram",
                            "SEV-SNP firmware is stateless: an NVRAM store is outside the launch measurement and "
                            "undermines it; remove <nvram>");
                if (j->apply)
                        remove_node(nvram);
        }
}

/* libvirt refuses an NVRAM template with firmware='efi': the descriptor names its own. */
static void require_no_nvram_template(DomainJob *j, xmlNode *os) {
        xmlNode *nvram = xml_child(os, "nvram");

        if (!nvram || !xml_attr(nvram, "template"))
                return;
        if (xml_attr_is(os, "firmware", "efi"))
                job_finding(j, nvram, NULL, SEVERITY_ERROR, "nvram",
                            "an NVRAM template cannot be combined with firmware='efi'; remove template='%.200s'",
                            xml_attr(nvram, "template"));
        else    /* the document as it is: a firmware chosen by hand, which require_efi() replaces */
                job_finding(j, nvram, NULL, SEVERITY_ERROR, "nvram",
                            "the NVRAM template '%.200s' belongs to a firmware chosen by hand; with the "
                            "<os firmware='efi'> this guest needs, libvirt picks the template from the firmware's "
                            "descriptor and refuses this one: remove template=", xml_attr(nvram, "template"));
        if (j->apply)
                xmlUnsetProp(nvram, BAD_CAST "template");
}

static xmlNode *firmware_feature_element(xmlNode *firmware, const char *name) {
        XML_FOREACH_CHILD(f, firmware, "feature")
                if (xml_attr_is(f, "name", name))
                        return f;
        return NULL;
}

/* Steers libvirt's choice to the descriptor we checked: same secure-boot and enrolled-keys. */
static void require_features(DomainJob *j, xmlNode *os, const FirmwareDescriptor *d) {
        xmlNode *firmware = xml_child(os, "firmware");

        for (size_t i = 0; i < G_N_ELEMENTS(steering_features); i++) {
                const char *name = steering_features[i], *want = firmware_has_feature(d, name) ? "yes" : "no";
                xmlNode *f = firmware ? firmware_feature_element(firmware, name) : NULL;

                if (f && xml_attr_is(f, "enabled", want))
                        continue;
                job_finding(j, f ?: firmware ?: os, f ? NULL : firmware ? "feature" : "firmware", SEVERITY_WARNING,
                            "firmware-features",
                            "firmware feature '%s' is not pinned to '%s': libvirt could pick another image than %s; "
                            "add <firmware><feature enabled='%s' name='%s'/></firmware>", name, want, d->executable,
                            want, name);
                if (!j->apply)
                        continue;
                firmware = xml_ensure_child(os, "firmware");
                f = firmware_feature_element(firmware, name) ?: xmlNewChild(firmware, NULL, BAD_CAST "feature", NULL);
                xmlSetProp(f, BAD_CAST "enabled", BAD_CAST want);
                xmlSetProp(f, BAD_CAST "name", BAD_CAST name);
        }
}

/* Whether some descriptor fitting the model also offers FEATURE. */
static bool model_firmware_offers(const DomainJob *j, const char *feature) {
        const GPtrArray *all = j->host->facts->firmware.descriptors;

        for (guint i = 0; all && i < all->len; i++)
                if (firmware_fits(all->pdata[i], j->model) && firmware_has_feature(all->pdata[i], feature))
                        return true;
        return false;
}

/*
 * Secure boot asked for (<firmware><feature name='secure-boot'|'enrolled-keys' enabled='yes'>, or
 * <loader secure='yes'>) with a model whose firmware offers none: libvirt's firmware selection then
 * finds no descriptor and the domain does not start (KubeVirt refuses SEV with SecureBoot for this
 * reason). An error, not the "not pinned" warning: the document as written cannot launch here.
 */
static void refuse_unavailable_secure_boot(DomainJob *j, xmlNode *os) {
        xmlNode *firmware = xml_child(os, "firmware"), *loader = xml_child(os, "loader");

        for (size_t i = 0; i < G_N_ELEMENTS(steering_features); i++) {
                const char *name = steering_features[i];
                xmlNode *f = firmware ? firmware_feature_element(firmware, name) : NULL;
                if (!f || !xml_attr_is(f, "enabled", "yes") || model_firmware_offers(j, name))
                        continue;
                job_finding(j, f, NULL, SEVERITY_ERROR, "firmware-secure-boot",
                            "no firmware on this host offers both '%s' and '%s', so libvirt finds no firmware for this "
                            "domain and it does not start; set <feature enabled='no' name='%s'/> (the launch "
                            "measurement covers the firmware instead), or install a firmware build whose descriptor "
                            "offers both", name, firmware_feature(j->model), name);
        }
        if (loader && xml_attr_is(loader, "secure", "yes") && !model_firmware_offers(j, "secure-boot"))
                job_finding(j, loader, NULL, SEVERITY_ERROR, "firmware-secure-boot",
                            "<loader secure='yes'> asks for secure boot, but no firmware on this host offers both "
                            "'secure-boot' and '%s', so the domain does not start; remove secure='yes', or install "
                            "a firmware build whose descriptor offers both", firmware_feature(j->model));
}

/* libvirt reads one of each; which one the rules below would change is a guess. */
static bool refuse_duplicates(DomainJob *j, xmlNode *os) {
        static const char *const singles[] = { "loader", "nvram", "firmware" };
        bool refused = false;

        for (size_t i = 0; i < G_N_ELEMENTS(singles); i++) {
                xmlNode *first = xml_child(os, singles[i]), *second = first ? xml_next(first, singles[i]) : NULL;
                if (!second)
                        continue;
                job_refuse(j, second, API_INVALID_DOMAIN_XML, "duplicate-element",
                           "<os> has more than one <%s>; libvirt reads only one: keep one and remove the others",
                           singles[i]);
                refused = true;
        }
        return refused;
}

void rule_firmware(DomainJob *j) {
        xmlNode *os = xml_child(j->domain, "os");
        const FirmwareDescriptor *d;

        if (!os || refuse_duplicates(j, os))
                return;         /* no <os>: refused by rule_machine() */
        require_efi(j, os);
        refuse_unavailable_secure_boot(j, os);
        require_autoselected_loader(j, os);
        require_stateless(j, os);
        require_no_nvram_template(j, os);
        d = firmware_pick(&j->host->facts->firmware, j->model, xml_child(os, "nvram") != NULL);
        if (d)                  /* else the model is unusable here: firmware-missing, from the host check */
                require_features(j, os, d);
}
