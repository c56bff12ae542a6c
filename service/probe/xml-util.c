/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "xml-util.h"

/* SAX internalSubset: called at <!DOCTYPE, before any declaration in it is parsed. */
static void refuse_doctype(void *user, const xmlChar *name, const xmlChar *external_id, const xmlChar *system_id) {
        xmlParserCtxt *ctxt = user;

        (void) name, (void) external_id, (void) system_id;
        *(bool *) ctxt->_private = true;
        xmlStopParser(ctxt);
}

static xmlDoc *parse_guarded(const char *xml, size_t len, int extra_options, char **error) {
        g_autoptr(xmlParserCtxt) ctxt = xmlNewParserCtxt();
        g_autoptr(xmlDoc) doc = NULL;
        bool saw_doctype = false;

        if (!ctxt) {
                *error = g_strdup("out of memory");
                return NULL;
        }
        ctxt->sax->internalSubset = refuse_doctype;
        ctxt->_private = &saw_doctype;
        /* Our callers hold UTF-8 text (D-Bus strings, libvirt's output): a declared encoding is wrong. */
        doc = xmlCtxtReadMemory(ctxt, xml, (int) len, NULL, "UTF-8",
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | extra_options);
        if (saw_doctype) {
                *error = g_strdup("XML with a DOCTYPE is not accepted (entity declarations are never processed)");
                return NULL;
        }
        if (!doc || !ctxt->wellFormed) {
                const xmlError *e = xmlCtxtGetLastError(ctxt);
                *error = g_strchomp(g_strdup_printf("malformed XML: line %d: %s", e ? e->line : 0,
                                                    e && e->message ? e->message : "cannot parse"));
                return NULL;
        }
        return g_steal_pointer(&doc);
}

/* The first namespace name under ROOT that libxml2 would write back unescaped into a
 * broken document ('<', '&' or '"' inside xmlns="..."; none belongs in a URI), or NULL. */
static const xmlChar *unserializable_namespace(xmlNode *root) {
        xmlNode *n = root;

        while (n) {
                for (xmlNs *ns = n->type == XML_ELEMENT_NODE ? n->nsDef : NULL; ns; ns = ns->next)
                        if (ns->href && strpbrk((const char *) ns->href, "<&\""))
                                return ns->href;
                if (n->children && n->type == XML_ELEMENT_NODE)
                        n = n->children;
                else {
                        while (n != root && !n->next)
                                n = n->parent;
                        n = n == root ? NULL : n->next;
                }
        }
        return NULL;
}

xmlDoc *xml_parse_untrusted(const char *xml, size_t len, size_t max, const char *root_name, int extra_options,
                            char **error) {
        g_autoptr(xmlDoc) doc = NULL;
        xmlNode *root;

        if (!xml) {
                xml = "";
                len = 0;
        }
        if (len > max) {
                *error = g_strdup_printf("larger than %zu bytes", max);
                return NULL;
        }
        /* libxml2 silently stops at a NUL byte; what follows would go unseen. */
        if (memchr(xml, '\0', len)) {
                *error = g_strdup("contains NUL bytes");
                return NULL;
        }
        doc = parse_guarded(xml, len, extra_options, error);
        if (!doc)
                return NULL;
        root = xmlDocGetRootElement(doc);
        if (!root || !xmlStrEqual(root->name, BAD_CAST root_name)) {
                *error = g_strdup_printf("the root element is <%.64s>, expected <%s>",
                                         root ? (const char *) root->name : "", root_name);
                return NULL;
        }
        /* libvirt's XPath queries match elements in no namespace: it would see nothing in this document. */
        if (root->ns) {
                *error = g_strdup_printf("the root element <%s> is in namespace '%.64s'; libvirt's is in none",
                                         root_name, root->ns->href ? (const char *) root->ns->href : "");
                return NULL;
        }
        const xmlChar *ns = unserializable_namespace(root);
        if (ns) {
                *error = g_strdup_printf("namespace '%.64s' is not a URI ('<', '&' and '\"' are not allowed)",
                                         (const char *) ns);
                return NULL;
        }
        return g_steal_pointer(&doc);
}

static bool is_element(const xmlNode *n, const char *name) {
        return n->type == XML_ELEMENT_NODE && (!name || xmlStrEqual(n->name, BAD_CAST name));
}

xmlNode *xml_child(const xmlNode *parent, const char *name) {
        for (xmlNode *n = parent->children; n; n = n->next)
                if (is_element(n, name))
                        return n;
        return NULL;
}

xmlNode *xml_next(const xmlNode *node, const char *name) {
        for (xmlNode *n = node->next; n; n = n->next)
                if (is_element(n, name))
                        return n;
        return NULL;
}

const char *xml_attr(const xmlNode *node, const char *name) {
        xmlAttr *a = xmlHasProp(node, BAD_CAST name);

        /* Entity references in attributes cannot occur: DOCTYPEs are refused. */
        if (!a || !a->children || a->children->type != XML_TEXT_NODE)
                return a ? "" : NULL;
        return (const char *) a->children->content;
}

bool xml_attr_is(const xmlNode *node, const char *name, const char *value) {
        const char *v = xml_attr(node, name);

        return v && strcmp(v, value) == 0;
}

const char *xml_text(const xmlNode *node) {
        xmlNode *t = node->children;

        if (!t)
                return "";
        if (t->type != XML_TEXT_NODE || t->next)
                return NULL;
        return (const char *) t->content;
}

xmlNode *xml_ensure_child(xmlNode *parent, const char *name) {
        xmlNode *n = xml_child(parent, name);

        return n ?: xmlNewChild(parent, NULL, BAD_CAST name, NULL);
}

char *xml_path(const xmlNode *node) {
        xmlChar *p = xmlGetNodePath(node);
        char *s = g_strdup(p ? (const char *) p : "/");

        xmlFree(p);
        return s;
}

char *xml_format_node(xmlDoc *doc, xmlNode *node) {
        xmlBuffer *buf = xmlBufferCreateSize(8192);
        char *s;

        xmlNodeDump(buf, doc, node, 0, 1);
        xmlBufferCCat(buf, "\n");
        s = g_strndup((const char *) xmlBufferContent(buf), (gsize) xmlBufferLength(buf));
        xmlBufferFree(buf);
        return s;
}
