/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "domain-job.h"
#include "text.h"

/* QEMU pins this much beyond guest RAM for an SEV guest (libvirt's kbase: RAM + 256 MiB). */
#define LOCKED_OVERHEAD_KIB (256u * 1024u)

static Finding *finding_new(char *where, Severity severity, const char *code, char *message) {
        Finding *f = g_new0(Finding, 1);

        f->severity = severity;
        f->code = g_strdup(code);
        f->where = where;
        f->message = message;
        return f;
}

/* Whether ValidateDomain lists one more finding; else it counts it for the last one (domain.c). */
static bool job_has_room(DomainJob *j, Severity severity) {
        if (j->findings->len < DOMAIN_FINDINGS_MAX)
                return true;
        j->more_findings++;
        j->more_errors |= severity == SEVERITY_ERROR;
        return false;
}

/* Quotes of the document in a message are cut to a length, maybe inside a character: made bus-safe. */
static char *message_vprintf(const char *fmt, va_list ap) G_GNUC_PRINTF(1, 0);
static char *message_vprintf(const char *fmt, va_list ap) {
        return text_bus_safe_take(g_strdup_vprintf(fmt, ap));
}

static char *where(const xmlNode *at, const char *child) {
        g_autofree char *path = xml_path(at);

        return child ? g_strdup_printf("%s/%s", path, child) : g_steal_pointer(&path);
}

void job_finding(DomainJob *j, const xmlNode *at, const char *child, Severity severity, const char *code,
                 const char *fmt, ...) {
        va_list ap;

        /* ConfigureDomain makes the change; only ValidateDomain reports it. */
        if (j->apply || !job_has_room(j, severity))
                return;
        va_start(ap, fmt);
        g_ptr_array_add(j->findings, finding_new(where(at, child), severity, code, message_vprintf(fmt, ap)));
        va_end(ap);
}

void job_refuse(DomainJob *j, const xmlNode *at, ApiError error, const char *code, const char *fmt, ...) {
        va_list ap;

        /* ConfigureDomain answers with the first refusal and builds nothing for the others. */
        if (j->apply ? j->refusal != API_OK : !job_has_room(j, SEVERITY_ERROR))
                return;
        va_start(ap, fmt);
        if (j->apply) {
                g_autofree char *path = xml_path(at);
                g_autofree char *message = message_vprintf(fmt, ap);

                j->refusal = error;
                j->refusal_message = g_strdup_printf("%s: %s", path, message);
        } else
                g_ptr_array_add(j->findings, finding_new(where(at, NULL), SEVERITY_ERROR, code,
                                                         message_vprintf(fmt, ap)));
        va_end(ap);
}

bool domain_boots_kernel(const xmlNode *domain) {
        const xmlNode *os = xml_child(domain, "os");

        return os && xml_child(os, "kernel");
}

/* <domain type='kvm'> and a q35 machine: SEV needs KVM, and OVMF's SEV support needs q35. */
void rule_machine(DomainJob *j) {
        xmlNode *os = xml_child(j->domain, "os");
        xmlNode *type = os ? xml_child(os, "type") : NULL;
        const char *machine;

        if (!xml_attr_is(j->domain, "type", "kvm")) {
                job_finding(j, j->domain, NULL, SEVERITY_ERROR, "domain-type",
                            "<domain type='%.32s'>: memory encryption needs hardware virtualisation; use type='kvm'",
                            xml_attr(j->domain, "type") ?: "");
                if (j->apply)
                        xmlSetProp(j->domain, BAD_CAST "type", BAD_CAST "kvm");
        }
        if (!type) {
                job_refuse(j, os ?: j->domain, API_INVALID_DOMAIN_XML, "os-type",
                           "no <os><type>hvm</type>: not a complete domain definition");
                return;
        }
        machine = xml_attr(type, "machine");
        if (!machine) {
                job_finding(j, type, NULL, SEVERITY_ERROR, "machine-type",
                            "no machine type: libvirt would choose pc (i440fx); set machine='q35'");
                if (j->apply)
                        xmlSetProp(type, BAD_CAST "machine", BAD_CAST "q35");
        } else if (!strstr(machine, "q35"))
                job_refuse(j, type, API_MACHINE_TYPE_REQUIRED, "machine-type",
                           "machine type '%.64s' cannot run %s guests, which need q35; recreate the domain with "
                           "a q35 machine (virt-install --machine q35), since its devices sit on a different bus",
                           machine, model_title(j->model));
}

/* Bytes per UNIT as libvirt reads it: case-insensitive "b"/"bytes", or k m g t p e with "", "iB"
 * (powers of 1024) or "B" (powers of 1000); NULL is KiB. 0 when malformed. */
static uint64_t unit_bytes(const char *unit) {
        const char *powers = "kmgtpe", *p;
        uint64_t base, bytes = 1;

        if (!unit || !*unit)
                return 1024;
        if (!g_ascii_strcasecmp(unit, "b") || !g_ascii_strcasecmp(unit, "byte") || !g_ascii_strcasecmp(unit, "bytes"))
                return 1;
        p = strchr(powers, g_ascii_tolower(unit[0]));
        if (!p)
                return 0;
        if (!unit[1] || !g_ascii_strcasecmp(unit + 1, "ib"))
                base = 1024;
        else if (!g_ascii_strcasecmp(unit + 1, "b"))
                base = 1000;
        else
                return 0;
        for (const char *q = powers; q <= p; q++)
                bytes *= base;
        return bytes;
}

/* KiB in VALUE with libvirt's UNIT; false when either is malformed or it overflows. */
static bool memory_kib(const char *value, const char *unit, uint64_t *ret) {
        g_autofree char *digits = value ? g_strstrip(g_strdup(value)) : NULL;
        uint64_t bytes = unit_bytes(unit);
        guint64 n;

        if (!digits || !bytes || !g_ascii_string_to_unsigned(digits, 10, 0, G_MAXUINT64, &n, NULL) ||
            (n && bytes > G_MAXUINT64 / n))
                return false;
        *ret = n * bytes / 1024;
        return true;
}

static bool element_kib(const xmlNode *n, uint64_t *ret) {
        return n && memory_kib(xml_text(n), xml_attr(n, "unit"), ret);
}

/* <memtune><hard_limit> of at least RAM + 256 MiB also lets QEMU pin the guest's memory. */
static bool hard_limit_covers(const xmlNode *domain) {
        const xmlNode *memtune = xml_child(domain, "memtune");
        uint64_t limit, ram;

        return memtune && element_kib(xml_child(memtune, "hard_limit"), &limit) &&
               element_kib(xml_child(domain, "memory"), &ram) && limit >= ram + LOCKED_OVERHEAD_KIB;
}

/* SEV and SEV-ES pin all guest memory (SEV-SNP does not need it). */
void rule_locked_memory(DomainJob *j) {
        xmlNode *backing = xml_child(j->domain, "memoryBacking");

        if (j->model == MODEL_SEV_SNP || (backing && xml_child(backing, "locked")) || hard_limit_covers(j->domain))
                return;
        job_finding(j, backing ?: j->domain, backing ? "locked" : "memoryBacking", SEVERITY_ERROR, "memory-locked",
                    "%s pins all guest memory, which QEMU's locked-memory limit refuses: add "
                    "<memoryBacking><locked/></memoryBacking> (and cap machine.slice), or "
                    "<memtune><hard_limit> of at least the memory plus 256 MiB", model_title(j->model));
        if (j->apply)
                xml_ensure_child(xml_ensure_child(j->domain, "memoryBacking"), "locked");
}

/* fw_cfg DMA for vmcoreinfo crashes encrypted guests (Nova bug #2117170). */
void rule_vmcoreinfo(DomainJob *j) {
        xmlNode *features = xml_child(j->domain, "features");
        xmlNode *vmcoreinfo = features ? xml_child(features, "vmcoreinfo") : NULL;

        if (!vmcoreinfo || xml_attr_is(vmcoreinfo, "state", "off"))
                return;
        job_finding(j, vmcoreinfo, NULL, SEVERITY_ERROR, "vmcoreinfo",
                    "<vmcoreinfo/> makes QEMU write into guest memory over fw_cfg DMA, which crashes encrypted "
                    "guests; remove it");
        if (j->apply) {
                xmlUnlinkNode(vmcoreinfo);
                xmlFreeNode(vmcoreinfo);
        }
}
