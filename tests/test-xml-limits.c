/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The limits on untrusted XML (xml-limits.h) and the finding paths (xml_path()): documents over a
 * limit are refused by name, and by effect before libxml2 builds anything it should not (the count
 * of elements it built); paths are what xmlGetNodePath() writes, without its walk.
 */
#include <string.h>

#include "test-util.h"
#include "xml-limits.h"
#include "xml-util.h"

#define BYTES_MAX (1024u * 1024u)

typedef struct {
        xmlDoc *doc;
        unsigned built;
        char *error;
} Parse;

static Parse parse(const char *xml) {
        Parse p = { .built = 12345 };

        p.doc = xml_parse_untrusted_counted(xml, strlen(xml), BYTES_MAX, "domain", 0, &p.built, &p.error);
        return p;
}

static void parse_clear(Parse *p) {
        xmlFreeDoc(p->doc);
        g_free(p->error);
}

static void expect_ok(const char *xml, unsigned elements) {
        Parse p = parse(xml);

        if (!p.doc)
                fail_msg("refused: %s", p.error);
        assert_int_equal(p.built, elements);
        parse_clear(&p);
}

/* Refused with NEEDLE in the message after libxml2 built BUILT elements. */
static void expect_refused(const char *xml, const char *needle, unsigned built) {
        Parse p = parse(xml);

        assert_null(p.doc);
        if (!strstr(p.error, needle))
                fail_msg("'%s' not in '%s'", needle, p.error);
        assert_int_equal(p.built, built);
        parse_clear(&p);
}

/* <domain> whose child <e> has N attributes NAME0='VALUE' NAME1='VALUE' ... */
static char *attributes(unsigned n, const char *name, const char *value) {
        GString *s = g_string_new("<domain><e");

        for (unsigned i = 0; i < n; i++)
                g_string_append_printf(s, " %s%u='%s'", name, i, value);
        g_string_append(s, "/></domain>");
        return g_string_free(s, false);
}

static void test_attributes(void **state) {
        g_autofree char *at_limit = attributes(XML_MAX_ATTRIBUTES, "a", "");
        g_autofree char *over = attributes(XML_MAX_ATTRIBUTES + 1, "a", "");
        g_autofree char *namespaces = attributes(XML_MAX_ATTRIBUTES + 1, "xmlns:p", "urn:x");
        /* the attack, scaled down: one element with thousands of attributes */
        g_autofree char *attack = attributes(20000, "a", "v");
        /* after a well-formedness error libxml2 2.9 still parses (and checks) start tags */
        g_autofree char *broken = g_strconcat("<domain>&undefined;", attack + strlen("<domain>"), NULL);
        /* '=' and '>' in values are values, not attributes */
        g_autofree char *values = attributes(XML_MAX_ATTRIBUTES, "a", "x=y>z\"=\"");

        expect_ok(at_limit, 2);
        expect_ok(values, 2);
        /* refused before libxml2 runs: its quadratic duplicate check precedes every SAX callback */
        expect_refused(over, "more than 64 attributes (the limit of attributes per element)", 0);
        expect_refused(namespaces, "the limit of attributes per element", 0);
        expect_refused(attack, "line 1: an element with more than 64 attributes", 0);
        expect_refused(broken, "the limit of attributes per element", 0);
}

static void test_elements(void **state) {
        g_autoptr(GString) at_limit = g_string_new("<domain>\n");
        g_autoptr(GString) over = NULL;

        for (unsigned i = 1; i < XML_MAX_ELEMENTS; i++)
                g_string_append(at_limit, "<vsock/>\n");
        over = g_string_new(at_limit->str);
        g_string_append(at_limit, "</domain>");
        g_string_append(over, "<vsock/>\n<vsock/>\n</domain>");
        expect_ok(at_limit->str, XML_MAX_ELEMENTS);
        /* the parser stops at the first element over the limit: it is never built */
        expect_refused(over->str, "line 10001: more than 10000 elements (the limit of elements)", XML_MAX_ELEMENTS);
}

static char *nested(unsigned depth) {
        GString *s = g_string_new(NULL);

        g_string_append(s, "<domain>");
        for (unsigned i = 1; i < depth; i++)
                g_string_append(s, "<n>");
        for (unsigned i = 1; i < depth; i++)
                g_string_append(s, "</n>");
        g_string_append(s, "<after/></domain>");
        return g_string_free(s, false);
}

static void test_depth(void **state) {
        g_autofree char *at_limit = nested(XML_MAX_DEPTH);
        g_autofree char *over = nested(XML_MAX_DEPTH + 1);
        g_autofree char *deep = nested(100000);

        expect_ok(at_limit, XML_MAX_DEPTH + 1);
        expect_refused(over, "nested more than 32 deep (the limit of depth)", XML_MAX_DEPTH);
        expect_refused(deep, "the limit of depth", XML_MAX_DEPTH);
}

/* Every element's xml_path() in DOC is xmlGetNodePath()'s; returns how many were compared. */
static unsigned compare_paths(xmlDoc *doc) {
        xmlNode *root = xmlDocGetRootElement(doc);
        unsigned compared = 0;

        for (xmlNode *n = root; n; n = xml_walk_next(root, n)) {
                g_autofree char *ours = NULL;
                xmlChar *theirs;

                if (n->type != XML_ELEMENT_NODE)
                        continue;
                ours = xml_path(n);
                theirs = xmlGetNodePath(n);
                if (g_strcmp0(ours, (const char *) theirs) != 0)
                        fail_msg("xml_path() '%s', xmlGetNodePath() '%s'", ours, theirs);
                xmlFree(theirs);
                compared++;
        }
        return compared;
}

static unsigned indexed_paths(const char *xml) {
        g_autofree char *error = NULL;
        g_autoptr(xmlDoc) doc = xml_parse_untrusted(xml, strlen(xml), BYTES_MAX, "domain", 0, &error);
        xmlNode *root;

        if (!doc)
                fail_msg("refused: %s", error);
        root = xmlDocGetRootElement(doc);
        xml_index_positions(doc);
        /* added after indexing: xml_path() falls back to libxml2's walk for it */
        xmlNewChild(root, NULL, BAD_CAST "added", NULL);
        return compare_paths(doc);
}

/* Prefixes count apart from unprefixed names; a default namespace is '*' among all elements. */
static const char namespaced[] = "<domain xmlns:p='urn:p' xmlns:q='urn:q'><p:a/><a/><q:a/><p:a/>"
                                 "<x xmlns='urn:d'/><y xmlns='urn:d'><z/><z/></y><a/></domain>";

static void test_paths(void **state) {
        static const char *const fixtures[] = { "nova-q35.xml", "virt-install-q35.xml", "kernel-boot.xml" };
        static const char *const documents[] = {
                "<domain><a/><b/><a/><!-- c --><a>text<b/></a>x<c/></domain>",
                namespaced,
                "<domain><metadata><n:i xmlns:n='urn:n'><n:f/><n:f/><n:g/></n:i></metadata></domain>",
        };
        unsigned compared = 0;

        for (size_t i = 0; i < G_N_ELEMENTS(fixtures); i++) {
                g_autofree char *path = g_build_filename(test_env("MEMCRYPT_SOURCE_ROOT"), "tests", "fixtures",
                                                         "domains", fixtures[i], NULL);
                g_autofree char *xml = test_read(path);
                compared += indexed_paths(xml);
        }
        for (size_t i = 0; i < G_N_ELEMENTS(documents); i++)
                compared += indexed_paths(documents[i]);
        assert_true(compared > 200);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_attributes),
                cmocka_unit_test(test_elements),
                cmocka_unit_test(test_depth),
                cmocka_unit_test(test_paths),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
