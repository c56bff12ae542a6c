/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "xml-limits.h"
#include "xml-util.h"

typedef struct {
        XmlCounter count;       /* first: xml_counter_install() finds it at ctxt->_private */
        bool saw_doctype;
} Guard;

/* SAX internalSubset: called at <!DOCTYPE, before any declaration in it is parsed. */
static void refuse_doctype(void *user, const xmlChar *name, const xmlChar *external_id, const xmlChar *system_id) {
        xmlParserCtxt *ctxt = user;

        (void) name, (void) external_id, (void) system_id;
        ((Guard *) ctxt->_private)->saw_doctype = true;
        xmlStopParser(ctxt);
}

static xmlDoc *parse_guarded(const char *xml, size_t len, int extra_options, unsigned *ret_elements,
                             char **error) {
        g_autoptr(xmlParserCtxt) ctxt = xmlNewParserCtxt();
        g_autoptr(xmlDoc) doc = NULL;
        Guard guard = {};

        if (!ctxt) {
                *error = g_strdup("out of memory");
                return NULL;
        }
        ctxt->sax->internalSubset = refuse_doctype;
        ctxt->_private = &guard;
        xml_counter_install(ctxt, &guard.count);
        /* Our callers hold UTF-8 text (D-Bus strings, libvirt's output): a declared encoding is wrong. */
        doc = xmlCtxtReadMemory(ctxt, xml, (int) len, NULL, "UTF-8",
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | extra_options);
        if (ret_elements)
                *ret_elements = guard.count.elements;
        if (guard.saw_doctype) {
                *error = g_strdup("XML with a DOCTYPE is not accepted (entity declarations are never processed)");
                return NULL;
        }
        if (guard.count.refusal) {
                *error = g_steal_pointer(&guard.count.refusal);
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

xmlNode *xml_walk_next(const xmlNode *root, xmlNode *n) {
        if (n->children && n->type == XML_ELEMENT_NODE)
                return n->children;
        while (n != root && !n->next)
                n = n->parent;
        return n == root ? NULL : n->next;
}

/* The first namespace name under ROOT that libxml2 would write back unescaped into a
 * broken document ('<', '&' or '"' inside xmlns="..."; none belongs in a URI), or NULL. */
static const xmlChar *unserializable_namespace(xmlNode *root) {
        for (xmlNode *n = root; n; n = xml_walk_next(root, n))
                for (xmlNs *ns = n->type == XML_ELEMENT_NODE ? n->nsDef : NULL; ns; ns = ns->next)
                        if (ns->href && strpbrk((const char *) ns->href, "<&\""))
                                return ns->href;
        return NULL;
}

xmlDoc *xml_parse_untrusted(const char *xml, size_t len, size_t max, const char *root_name, int extra_options,
                            char **error) {
        return xml_parse_untrusted_counted(xml, len, max, root_name, extra_options, NULL, error);
}

xmlDoc *xml_parse_untrusted_counted(const char *xml, size_t len, size_t max, const char *root_name,
                                    int extra_options, unsigned *ret_elements, char **error) {
        g_autoptr(xmlDoc) doc = NULL;
        xmlNode *root;

        if (ret_elements)
                *ret_elements = 0;
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
        /* Before libxml2 sees the document: its duplicate-attribute check is quadratic. */
        if (!xml_prescan(xml, len, error))
                return NULL;
        doc = parse_guarded(xml, len, extra_options, ret_elements, error);
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

/*
 * An element's step in xmlGetNodePath()'s paths: "name", "prefix:name", or "*" for an element in a
 * default namespace (XPath 1.0 cannot name it), which is then counted among all element siblings.
 */
static bool step_generic(const xmlNode *n) {
        return n->ns && !n->ns->prefix;
}

/* What siblings share to be counted together ('\1' keeps "p:x" in no namespace apart). */
static char *step_key(const xmlNode *n) {
        return n->ns ? g_strdup_printf("\1%s:%s", n->ns->prefix, n->name) : g_strdup((const char *) n->name);
}

static unsigned bump(GHashTable *counts, char *key) {
        unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(counts, key)) + 1;

        g_hash_table_replace(counts, key, GUINT_TO_POINTER(n));
        return n;
}

/* Stores in each element among FIRST and its siblings its position code (see xml_index_positions()). */
static void index_siblings(xmlNode *first, GHashTable *totals, GHashTable *seen) {
        unsigned elements = 0, nth_element = 0;

        g_hash_table_remove_all(totals);
        g_hash_table_remove_all(seen);
        for (xmlNode *n = first; n; n = n->next)
                if (n->type == XML_ELEMENT_NODE) {
                        elements++;
                        if (!step_generic(n))
                                bump(totals, step_key(n));
                }
        for (xmlNode *n = first; n; n = n->next) {
                unsigned nth, total;
                char *key;

                if (n->type != XML_ELEMENT_NODE)
                        continue;
                nth_element++;
                if (step_generic(n)) {
                        nth = nth_element;
                        total = elements;
                } else {
                        key = step_key(n);
                        total = GPOINTER_TO_UINT(g_hash_table_lookup(totals, key));
                        nth = bump(seen, key);
                }
                n->_private = GUINT_TO_POINTER(total == 1 ? 1 : nth + 1);
        }
}

void xml_index_positions(xmlDoc *doc) {
        g_autoptr(GHashTable) totals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        xmlNode *root = xmlDocGetRootElement(doc);

        if (!root)
                return;
        index_siblings(doc->children, totals, seen);
        for (xmlNode *n = root; n; n = xml_walk_next(root, n))
                if (n->children && n->type == XML_ELEMENT_NODE)
                        index_siblings(n->children, totals, seen);
}

char *xml_path(const xmlNode *node) {
        g_autoptr(GPtrArray) steps = g_ptr_array_new();
        GString *path = g_string_new(NULL);

        for (const xmlNode *n = node; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
                if (!n->_private) {
                        /* Not indexed (added after parsing): libxml2's own walk, for this one. */
                        xmlChar *p = xmlGetNodePath(node);
                        g_string_assign(path, p ? (const char *) p : "/");
                        xmlFree(p);
                        return g_string_free(path, false);
                }
                g_ptr_array_add(steps, (gpointer) n);
        }
        for (guint i = steps->len; i > 0; i--) {
                const xmlNode *n = steps->pdata[i - 1];
                unsigned code = GPOINTER_TO_UINT(n->_private);

                if (step_generic(n))
                        g_string_append(path, "/*");
                else if (n->ns)
                        g_string_append_printf(path, "/%s:%s", n->ns->prefix, n->name);
                else
                        g_string_append_printf(path, "/%s", n->name);
                if (code > 1)
                        g_string_append_printf(path, "[%u]", code - 1);
        }
        if (!path->len)
                g_string_assign(path, "/");
        return g_string_free(path, false);
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
