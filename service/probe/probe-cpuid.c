/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <cpuid.h>
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "fileio.h"
#include "probe.h"

#define CPUID_DUMP_MAX ((size_t) 256 * 1024)
#define CPUID_LEAVES_MAX 1024
#define LEAF_SEV 0x8000001fu

static const CpuidLeaf *find_leaf(GArray *leaves, uint32_t eax_in, uint32_t ecx_in) {
        for (guint i = 0; i < leaves->len; i++) {
                const CpuidLeaf *l = &g_array_index(leaves, CpuidLeaf, i);
                if (l->eax_in == eax_in && l->ecx_in == ecx_in)
                        return l;
        }
        return NULL;
}

/* libvirt writes every register as 0x%08x; accept any base-16 u32. */
static bool attr_u32(xmlNode *n, const char *name, uint32_t *out) {
        g_autofree char *v = (char *) xmlGetProp(n, (const xmlChar *) name);
        guint64 x;

        if (!v || !g_ascii_string_to_unsigned(g_str_has_prefix(v, "0x") ? v + 2 : v, 16, 0, UINT32_MAX, &x, NULL))
                return false;
        *out = (uint32_t) x;
        return true;
}

static bool parse_leaf(xmlNode *n, CpuidLeaf *l) {
        return attr_u32(n, "eax_in", &l->eax_in) && attr_u32(n, "ecx_in", &l->ecx_in) &&
               attr_u32(n, "eax", &l->eax) && attr_u32(n, "ebx", &l->ebx) &&
               attr_u32(n, "ecx", &l->ecx) && attr_u32(n, "edx", &l->edx);
}

bool cpuid_parse_dump(const char *xml, size_t len, GArray *leaves, char **error) {
        if (len > CPUID_DUMP_MAX || len > INT_MAX) {
                *error = g_strdup_printf("larger than the %zu byte limit", CPUID_DUMP_MAX);
                return false;
        }
        /* No entity expansion, no network: the document is untrusted input. */
        xmlDoc *doc = xmlReadMemory(xml, (int) len, "cpuid.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (!doc) {
                *error = g_strdup("not well-formed XML");
                return false;
        }
        xmlNode *root = xmlDocGetRootElement(doc);
        bool ok = root && xmlStrEqual(root->name, (const xmlChar *) "cpudata");
        if (!ok)
                *error = g_strdup("root element is not <cpudata>");

        for (xmlNode *n = ok ? root->children : NULL; n; n = n->next) {
                if (n->type != XML_ELEMENT_NODE || !xmlStrEqual(n->name, (const xmlChar *) "cpuid"))
                        continue; /* libvirt dumps also carry <msr> elements */
                CpuidLeaf l = {};
                if (!parse_leaf(n, &l)) {
                        *error = g_strdup_printf("line %ld: <cpuid> needs hex attributes eax_in, ecx_in, eax, ebx, ecx, edx",
                                                 xmlGetLineNo(n));
                        ok = false;
                } else if (leaves->len >= CPUID_LEAVES_MAX) {
                        *error = g_strdup_printf("more than %d <cpuid> leaves", CPUID_LEAVES_MAX);
                        ok = false;
                } else
                        g_array_append_val(leaves, l);
                if (!ok)
                        break;
        }
        xmlFreeDoc(doc);
        return ok;
}

static void decode_signature(CpuidFacts *c, uint32_t eax) {
        uint32_t base_family = (eax >> 8) & 0xf, base_model = (eax >> 4) & 0xf;

        c->stepping = eax & 0xf;
        c->family = base_family;
        c->model = base_model;
        if (base_family == 0xf) {
                c->family += (eax >> 20) & 0xff;
                c->model |= ((eax >> 16) & 0xf) << 4;
        }
}

static void decode_sev_leaf(CpuidFacts *c, const CpuidLeaf *l) {
        c->has_leaf_8000001f = true;
        c->leaf_eax = l->eax;
        c->leaf_ebx = l->ebx;
        c->leaf_ecx = l->ecx;
        c->leaf_edx = l->edx;
        c->sme = l->eax & (1u << 0);
        c->sev = l->eax & (1u << 1);
        c->sev_es = l->eax & (1u << 3);
        c->sev_snp = l->eax & (1u << 4);
        c->vmpl = l->eax & (1u << 5);
        c->debug_swap = l->eax & (1u << 14);
        c->cbitpos = l->ebx & 0x3f;
        c->reduced_phys_bits = (l->ebx >> 6) & 0x3f;
        c->vmpl_count = (l->ebx >> 12) & 0xf;
        c->asid_count = l->ecx;
        c->min_sev_asid = l->edx;
}

void cpuid_decode(CpuidFacts *c) {
        const CpuidLeaf *l0 = find_leaf(c->leaves, 0, 0), *l1 = find_leaf(c->leaves, 1, 0);
        const CpuidLeaf *e0 = find_leaf(c->leaves, 0x80000000u, 0), *e1 = find_leaf(c->leaves, 0x80000001u, 0);

        if (!l0 || !l1) {
                source_set(&c->src, SOURCE_INVALID, "%s: leaves 0x0 and 0x1 are required",
                           c->from_dump ? "/cpuid.xml" : "CPUID");
                return;
        }
        memcpy(c->vendor, &l0->ebx, 4);
        memcpy(c->vendor + 4, &l0->edx, 4);
        memcpy(c->vendor + 8, &l0->ecx, 4);
        c->vendor[12] = '\0';
        for (int i = 0; i < 12; i++) /* a dump may hold anything: keep the string printable */
                if (!g_ascii_isprint(c->vendor[i]))
                        c->vendor[i] = '?';

        decode_signature(c, l1->eax);
        c->hypervisor = l1->ecx & (1u << 31);
        c->package_type = e1 ? e1->ebx >> 28 : 0;
        c->generation = cpu_generation_from_signature(c->family, c->model, c->package_type);

        const CpuidLeaf *sev = find_leaf(c->leaves, LEAF_SEV, 0);
        if (e0 && e0->eax >= LEAF_SEV && sev)
                decode_sev_leaf(c, sev);
        source_clear(&c->src);
}

/* The real instruction: basic and extended ranges, sub-leaf 0 only. */
static void read_cpuid_instruction(GArray *leaves) {
        unsigned a, b, cx, d;
        uint32_t ranges[] = { 0, 0x80000000u };

        for (size_t r = 0; r < G_N_ELEMENTS(ranges); r++) {
                __cpuid_count(ranges[r], 0, a, b, cx, d);
                uint32_t max = MIN(a, ranges[r] + 0x40);
                for (uint32_t leaf = ranges[r]; leaf <= max && leaf >= ranges[r]; leaf++) {
                        CpuidLeaf l = { .eax_in = leaf };
                        __cpuid_count(leaf, 0, l.eax, l.ebx, l.ecx, l.edx);
                        g_array_append_val(leaves, l);
                }
        }
}

void probe_cpuid(const char *root, bool live, CpuidFacts *c) {
        g_array_set_size(c->leaves, 0);
        c->from_dump = !live;
        if (live) {
                read_cpuid_instruction(c->leaves);
                cpuid_decode(c);
                return;
        }

        g_autofree char *xml = NULL, *error = NULL;
        size_t len;
        if (host_read_file(root, "cpuid.xml", CPUID_DUMP_MAX, &xml, &len, &c->src) != SOURCE_OK)
                return;
        if (!cpuid_parse_dump(xml, len, c->leaves, &error)) {
                source_set(&c->src, SOURCE_INVALID, "/cpuid.xml: %s", error);
                g_array_set_size(c->leaves, 0);
                return;
        }
        cpuid_decode(c);
}
