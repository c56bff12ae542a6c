/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "domain-job.h"
#include "version.h"

static bool starts_with_virtio(const char *s) {
        return s && g_str_has_prefix(s, "virtio");
}

static bool model_attr_virtio(const xmlNode *dev) {
        return starts_with_virtio(xml_attr(dev, "model"));
}

static bool model_type_virtio(const xmlNode *dev) {
        const xmlNode *model = xml_child(dev, "model");

        return model && starts_with_virtio(xml_attr(model, "type"));
}

static bool disk_virtio(const xmlNode *dev) {
        const xmlNode *target = xml_child(dev, "target");

        return target && xml_attr_is(target, "bus", "virtio");
}

static bool controller_virtio(const xmlNode *dev) {
        return xml_attr_is(dev, "type", "virtio-serial") ||
               (xml_attr_is(dev, "type", "scsi") && model_attr_virtio(dev));
}

static bool input_virtio(const xmlNode *dev) {
        return xml_attr_is(dev, "bus", "virtio");
}

static bool vsock_virtio(const xmlNode *dev) {
        return !xml_attr(dev, "model") || model_attr_virtio(dev);
}

static bool always_virtio(const xmlNode *dev) {
        return true;    /* QEMU's filesystems are virtio-9p or virtio-fs */
}

static const struct {
        const char *element;
        bool (*is_virtio)(const xmlNode *dev);
} virtio_devices[] = {
        { "disk",       disk_virtio },
        { "controller", controller_virtio },
        { "interface",  model_type_virtio },
        { "rng",        model_attr_virtio },
        { "memballoon", model_attr_virtio },
        { "video",      model_type_virtio },
        { "input",      input_virtio },
        { "vsock",      vsock_virtio },
        { "filesystem", always_virtio },
};

static xmlNode *devices(DomainJob *j) {
        xmlNode *d = xml_child(j->domain, "devices");

        return d || !j->apply ? d : xmlNewChild(j->domain, NULL, BAD_CAST "devices", NULL);
}

/* Devices that cannot reach encrypted guest memory, or that OVMF cannot boot from with SEV. */
void rule_refused_devices(DomainJob *j) {
        xmlNode *devs = xml_child(j->domain, "devices");

        if (!devs)
                return;
        XML_FOREACH_CHILD(dev, devs, "hostdev")
                if (xml_attr_is(dev, "type", "pci") || xml_attr_is(dev, "type", "mdev"))
                        job_refuse(j, dev, API_INCOMPATIBLE_DEVICE, "hostdev",
                                   "<hostdev type='%s'> passes a host device through, and it cannot DMA into "
                                   "encrypted guest memory; remove it (use virtio devices)", xml_attr(dev, "type"));
        XML_FOREACH_CHILD(dev, devs, "interface")
                if (xml_attr_is(dev, "type", "hostdev") || xml_attr_is(dev, "type", "vdpa"))
                        job_refuse(j, dev, API_INCOMPATIBLE_DEVICE, "hostdev",
                                   "<interface type='%s'> passes a host device through, and it cannot DMA into "
                                   "encrypted guest memory; use a virtio interface (type='network' or 'bridge')",
                                   xml_attr(dev, "type"));
        XML_FOREACH_CHILD(dev, devs, "disk") {
                const xmlNode *target = xml_child(dev, "target");
                if (target && xml_attr_is(target, "bus", "ide"))
                        job_refuse(j, dev, API_INCOMPATIBLE_DEVICE, "disk-bus-ide",
                                   "disk '%.32s' is on an IDE bus, which q35 does not have; use bus='sata', "
                                   "'scsi' or 'virtio'", xml_attr(target, "dev") ?: "");
        }
}

/* QEMU 6.0 and later turn the IOMMU platform on for every virtio device of a confidential guest
 * themselves; before, a device without it DMAs to encrypted memory, which fails. ConfigureDomain
 * writes it either way (harmless, and the document may move to an older host). */
static void require_iommu(DomainJob *j, xmlNode *dev) {
        xmlNode *driver = xml_child(dev, "driver");
        const char *qemu = j->host->facts->libvirt.qemu_version;

        if (driver && xml_attr_is(driver, "iommu", "on"))
                return;
        if (!version_at_least(qemu, 6, 0, 0))
                job_finding(j, driver ?: dev, driver ? NULL : "driver", SEVERITY_WARNING, "virtio-iommu",
                            "virtio <%s> without iommu='on': %s lets it DMA to encrypted memory, which fails; add "
                            "<driver iommu='on'/>", (const char *) dev->name,
                            qemu && *qemu ? "this host's QEMU (before 6.0)" : "QEMU before 6.0 (this host's is unknown)");
        if (j->apply)
                xmlSetProp(xml_ensure_child(dev, "driver"), BAD_CAST "iommu", BAD_CAST "on");
}

/* iPXE does not know SEV, and option ROMs crashed SEV-ES guests (tianocore/edk2#9183). */
static void require_no_rom(DomainJob *j, xmlNode *nic) {
        xmlNode *rom = xml_child(nic, "rom");

        if (rom && xml_attr_is(rom, "enabled", "no"))
                return;
        job_finding(j, rom ?: nic, rom ? NULL : "rom", SEVERITY_WARNING, "virtio-nic-rom",
                    "virtio NIC with an option ROM: iPXE cannot run in an encrypted guest; add <rom enabled='no'/>");
        if (j->apply)
                xmlSetProp(xml_ensure_child(nic, "rom"), BAD_CAST "enabled", BAD_CAST "no");
}

void rule_virtio_devices(DomainJob *j) {
        xmlNode *devs = xml_child(j->domain, "devices");

        if (!devs)
                return;
        for (size_t i = 0; i < G_N_ELEMENTS(virtio_devices); i++)
                XML_FOREACH_CHILD(dev, devs, virtio_devices[i].element) {
                        if (!virtio_devices[i].is_virtio(dev))
                                continue;
                        /* A balloon not kept is turned off by rule_memballoon(). */
                        if (xmlStrEqual(dev->name, BAD_CAST "memballoon") && !j->options->keep_balloon)
                                continue;
                        require_iommu(j, dev);
                        if (xmlStrEqual(dev->name, BAD_CAST "interface"))
                                require_no_rom(j, dev);
                }
}

/* Pinned encrypted memory cannot be ballooned; libvirt adds a virtio balloon when none is written. */
void rule_memballoon(DomainJob *j) {
        xmlNode *devs = devices(j);
        xmlNode *balloon = devs ? xml_child(devs, "memballoon") : NULL;

        if (j->options->keep_balloon || (balloon && xml_attr_is(balloon, "model", "none")))
                return;
        if (!balloon)
                job_finding(j, devs ?: j->domain, devs ? "memballoon" : "devices", SEVERITY_WARNING, "memballoon",
                            "no <memballoon>: libvirt adds a virtio balloon, which cannot reclaim encrypted "
                            "memory; add <memballoon model='none'/>");
        else
                job_finding(j, balloon, NULL, SEVERITY_WARNING, "memballoon",
                            "<memballoon model='%.32s'> cannot reclaim encrypted memory; use model='none' "
                            "(or keep_balloon=true to keep it with iommu='on')", xml_attr(balloon, "model") ?: "");
        if (!j->apply)
                return;
        if (!balloon)
                balloon = xmlNewChild(devs, NULL, BAD_CAST "memballoon", NULL);
        xmlSetProp(balloon, BAD_CAST "model", BAD_CAST "none");
        /* Only a virtio balloon has these; libvirt refuses them on model none. */
        xmlUnsetProp(balloon, BAD_CAST "autodeflate");
        xmlUnsetProp(balloon, BAD_CAST "freePageReporting");
        while (balloon->children) {
                xmlNode *child = balloon->children;
                xmlUnlinkNode(child);
                xmlFreeNode(child);
        }
}
