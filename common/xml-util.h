/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libxml2 helpers shared by the libvirt probe and the domain XML rules. */

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <stdbool.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlNode, xmlFreeNode)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathContext, xmlXPathFreeContext)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathObject, xmlXPathFreeObject)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt)

/*
 * Parses untrusted XML of at most MAX bytes whose root must be ROOT_NAME:
 * no network, no entity substitution and no DTD at all: the parser stops
 * at a DOCTYPE, before any entity is declared, since even unexpanded
 * references would be expanded later by xmlNodeGetContent() (the billion
 * laughs). libvirt never writes a DTD. Elements, attributes per element and
 * depth stay within xml-limits.h's limits, checked before and while parsing.
 * EXTRA_OPTIONS are XML_PARSE_* flags. On failure returns NULL and *ERROR
 * says why ("malformed XML: line 3: ...", "line 2: more than 10000 elements
 * (the limit of elements)").
 */
xmlDoc *xml_parse_untrusted(const char *xml, size_t len, size_t max, const char *root_name, int extra_options,
                            char **error);
/* The same, and *RET_ELEMENTS is how many elements libxml2 built, whatever the outcome (tests). */
xmlDoc *xml_parse_untrusted_counted(const char *xml, size_t len, size_t max, const char *root_name,
                                    int extra_options, unsigned *ret_elements, char **error);

/* The node after N in document order within ROOT (into an element's children first), or NULL. */
xmlNode *xml_walk_next(const xmlNode *root, xmlNode *n);

/* The first element child of PARENT named NAME (any element when NAME is NULL), or NULL. */
xmlNode *xml_child(const xmlNode *parent, const char *name);
/* The next element sibling after NODE named NAME (any when NULL), or NULL. */
xmlNode *xml_next(const xmlNode *node, const char *name);

#define XML_FOREACH_CHILD(n, parent, name) \
        for (xmlNode *n = xml_child((parent), (name)); n; n = xml_next(n, (name)))

/* Attribute NAME's value without copying (valid while the attribute lives), or NULL. */
const char *xml_attr(const xmlNode *node, const char *name);
bool xml_attr_is(const xmlNode *node, const char *name, const char *value);
/* The text of a simple element (<policy>0x33</policy>) without copying, or NULL. */
const char *xml_text(const xmlNode *node);

/* The child NAME of PARENT, added at the end when missing. */
xmlNode *xml_ensure_child(xmlNode *parent, const char *name);

/*
 * Records in every element of DOC its position among its like-named siblings (in the node's
 * _private), in one pass, so that xml_path() does not walk siblings: libxml2's xmlGetNodePath()
 * does, for every call, which made a finding per sibling quadratic.
 */
void xml_index_positions(xmlDoc *doc);

/*
 * "/domain/devices/disk[2]", as xmlGetNodePath() writes it (g_free). In depth steps when NODE
 * and its ancestors are indexed by xml_index_positions(); else libxml2's walk for NODE.
 */
char *xml_path(const xmlNode *node);

/* NODE serialised, indented, with a final newline (g_free). */
char *xml_format_node(xmlDoc *doc, xmlNode *node);
