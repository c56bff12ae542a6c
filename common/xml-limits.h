/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Limits on the shape of untrusted XML (domain definitions from callers, libvirt's documents),
 * checked so that the parser's work stays linear in the input (docs/limits.md):
 *
 * - attributes per element, by a scan of the raw bytes BEFORE libxml2 runs: libxml2 2.9 checks
 *   each attribute of a start tag against all earlier ones, and does so before any SAX callback,
 *   so 96k attributes on one element cost 20 s of that check alone;
 * - elements and depth, counted by the SAX start-element callback WHILE parsing: the parser stops
 *   at the first element over a limit, before that element is built.
 *
 * The largest real documents: 766 elements (QEMU 9.2's domainCapabilities with CPU blockers), 141
 * (a virt-install q35 domain), at most 6 attributes on an element and 6 levels (libvirt's schema
 * allows about 20 attributes on <driver>, the deepest in use is about 8 with application metadata).
 */

#include <libxml/parser.h>
#include <stdbool.h>
#include <stddef.h>

#define XML_MAX_ELEMENTS   10000u
#define XML_MAX_ATTRIBUTES 64u          /* per element, namespace declarations included */
#define XML_MAX_DEPTH      32u          /* the root element is depth 1 */

/*
 * Refuses (false, *ERROR says which limit and the line) XML in which one start tag could carry
 * more than XML_MAX_ATTRIBUTES attributes. Counts '=' outside quoted values from each '<' to the
 * '>' or '<' that ends it: every attribute libxml2 parses has such an '=' in its tag's span (a
 * value stops at '<'), also after an error, since libxml2 2.9 goes on parsing start tags then.
 */
bool xml_prescan(const char *xml, size_t len, char **error);

typedef struct {
        unsigned elements;      /* elements started (and so built) */
        unsigned depth;         /* of the element being parsed */
        char *refusal;          /* the limit that stopped the parser, or NULL */
        startElementNsSAX2Func start;
        endElementNsSAX2Func end;
} XmlCounter;

/*
 * Counts elements and depth in CTXT's SAX callbacks (after which the default tree building runs)
 * and stops the parser at the first element over a limit, setting C->refusal (g_free). CTXT's
 * _private must point to C (or to a struct that starts with it), and C outlive the parse.
 */
void xml_counter_install(xmlParserCtxt *ctxt, XmlCounter *c);
