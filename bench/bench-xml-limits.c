/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Why the attribute limit is checked on the raw bytes (docs/limits.md): one element with N
 * attributes, parsed
 *
 *   - by libxml2 with a SAX start-element callback that stops the parser at once (the earliest
 *     a SAX or reader-based limit can act): libxml2 2.9 has already compared every attribute
 *     with every earlier one by then, so the time grows with N squared;
 *   - by xml_parse_untrusted(), whose scan refuses it before libxml2 runs: linear, and tiny.
 *
 * For N, 2N and 4N: seconds and the ratio to the previous N (4 is quadratic, 2 linear).
 *
 * Usage: bench-xml-limits [N]   (default 8000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml-util.h"

#include "bench-util.h"

static void stop_at_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                          int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
                          const xmlChar **attributes) {
        xmlStopParser(ctx);
}

static double sax_stopped_us(const char *xml, size_t len) {
        xmlParserCtxt *ctxt = xmlNewParserCtxt();
        double start = now_us();

        ctxt->sax->startElementNs = stop_at_start;
        xmlFreeDoc(xmlCtxtReadMemory(ctxt, xml, (int) len, NULL, "UTF-8", XML_PARSE_NONET | XML_PARSE_NOERROR));
        start = now_us() - start;
        xmlFreeParserCtxt(ctxt);
        return start;
}

static double untrusted_us(const char *xml, size_t len) {
        g_autofree char *error = NULL;
        double start = now_us();
        xmlDoc *doc = xml_parse_untrusted(xml, len, 1024 * 1024, "domain", 0, &error);

        start = now_us() - start;
        if (doc || !error || !strstr(error, "the limit of attributes per element")) {
                fprintf(stderr, "bench-xml-limits: not refused by the attribute limit: %s\n", error);
                exit(EXIT_FAILURE);
        }
        return start;
}

int main(int argc, char **argv) {
        unsigned n = argc > 1 ? (unsigned) strtoul(argv[1], NULL, 10) : 8000;
        double last_sax = 0, last_ours = 0;

        printf("%-10s %14s %8s %18s %8s\n", "attributes", "SAX-stopped s", "ratio", "xml_parse_untrusted s",
               "ratio");
        for (unsigned k = 0; k < 3; k++, n *= 2) {
                g_autoptr(GString) xml = g_string_new("<domain");
                double sax, ours;

                for (unsigned i = 0; i < n; i++)
                        g_string_append_printf(xml, " a%u=''", i);
                g_string_append(xml, "/>");
                sax = sax_stopped_us(xml->str, xml->len) / 1e6;
                ours = untrusted_us(xml->str, xml->len) / 1e6;
                printf("%-10u %14.3f %8.1f %18.6f %8.1f\n", n, sax, last_sax ? sax / last_sax : 0, ours,
                       last_ours ? ours / last_ours : 0);
                last_sax = sax;
                last_ours = ours;
        }
        return 0;
}
