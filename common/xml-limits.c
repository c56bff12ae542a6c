/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>
#include <libxml/SAX2.h>

#include "xml-limits.h"

bool xml_prescan(const char *xml, size_t len, char **error) {
        size_t line = 1, tag_line = 1;
        unsigned equals = 0;
        bool in_tag = false;
        char quote = 0;

        for (size_t i = 0; i < len; i++) {
                char c = xml[i];

                if (c == '\n')
                        line++;
                if (c == '<') {
                        /* Even inside quotes: libxml2 ends a value (with an error) at '<'. */
                        in_tag = true;
                        quote = 0;
                        equals = 0;
                        tag_line = line;
                } else if (!in_tag)
                        continue;
                else if (quote) {
                        if (c == quote)
                                quote = 0;
                } else if (c == '"' || c == '\'')
                        quote = c;
                else if (c == '>')
                        in_tag = false;
                else if (c == '=' && ++equals > XML_MAX_ATTRIBUTES) {
                        *error = g_strdup_printf("line %zu: an element with more than %u attributes (the limit "
                                                 "of attributes per element)", tag_line, XML_MAX_ATTRIBUTES);
                        return false;
                }
        }
        return true;
}

static bool stop(xmlParserCtxt *ctxt, XmlCounter *c, char *refusal) {
        c->refusal = refusal;
        xmlStopParser(ctxt);
        return false;
}

/* Whether the element starting now keeps the document within the limits; else stops the parser. */
static bool within_limits(xmlParserCtxt *ctxt, XmlCounter *c, unsigned attributes) {
        int line = xmlSAX2GetLineNumber(ctxt);

        if (c->elements >= XML_MAX_ELEMENTS)
                return stop(ctxt, c, g_strdup_printf("line %d: more than %u elements (the limit of elements)",
                                                     line, XML_MAX_ELEMENTS));
        if (c->depth >= XML_MAX_DEPTH)
                return stop(ctxt, c, g_strdup_printf("line %d: elements nested more than %u deep (the limit "
                                                     "of depth)", line, XML_MAX_DEPTH));
        /* The scan before parsing makes this unreachable; it keeps the limit exact on its own. */
        if (attributes > XML_MAX_ATTRIBUTES)
                return stop(ctxt, c, g_strdup_printf("line %d: an element with more than %u attributes (the "
                                                     "limit of attributes per element)", line,
                                                     XML_MAX_ATTRIBUTES));
        return true;
}

static void count_start(void *user, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                        int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
                        const xmlChar **attributes) {
        xmlParserCtxt *ctxt = user;
        XmlCounter *c = ctxt->_private;

        /* Checked before the element is built: an over-limit document builds nothing more. */
        if (!within_limits(ctxt, c, (unsigned) nb_attributes + (unsigned) nb_namespaces))
                return;
        c->elements++;
        c->depth++;
        c->start(user, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes, nb_defaulted,
                 attributes);
}

static void count_end(void *user, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri) {
        xmlParserCtxt *ctxt = user;
        XmlCounter *c = ctxt->_private;

        if (c->depth > 0)
                c->depth--;
        c->end(user, localname, prefix, uri);
}

void xml_counter_install(xmlParserCtxt *ctxt, XmlCounter *c) {
        c->start = ctxt->sax->startElementNs;
        c->end = ctxt->sax->endElementNs;
        ctxt->sax->startElementNs = count_start;
        ctxt->sax->endElementNs = count_end;
}
