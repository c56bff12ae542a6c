/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt: versions, domain capabilities (x86_64/q35/kvm) and the
 * <launchSecurity> type of every running domain, either from a live
 * connection or from a snapshot's libvirt/ directory.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "domain-table.h"
#include "fileio.h"
#include "launch-security-model.h"
#include "probe.h"
#include "text.h"
#include "xml-util.h"

/* {"libvirt":"10.5.0","qemu":"9.1.0"} is 35 bytes. The cap also bounds json-glib's recursion. */
#define VERSIONS_JSON_MAX ((size_t) 4096)
#define LIBVIRT_XML_MAX HOST_FILE_MAX

#define DEFAULT_URI "qemu:///system"
#define SNAPSHOT_DIR "libvirt"


/* ---- XML helpers ---------------------------------------------------------- */

/* An XPath context on untrusted libvirt XML whose root element is ROOT; the document it reads goes to
 * *RET_DOC (free it after the context). NULL with *WHY set when the XML or the context fails. */
static xmlXPathContext *xpath_parse(const char *xml, size_t len, const char *root, xmlDoc **ret_doc, char **why) {
        g_autoptr(xmlDoc) doc = xml_parse_untrusted(xml, len, LIBVIRT_XML_MAX, root, 0, why);
        xmlXPathContext *ctx = doc ? xmlXPathNewContext(doc) : NULL;

        if (doc && !ctx)
                *why = g_strdup("out of memory");
        if (ctx)
                *ret_doc = g_steal_pointer(&doc);
        return ctx;
}

/* The first node EXPR selects, or NULL. */
static xmlNode *xpath_node(xmlXPathContext *ctx, const char *expr) {
        g_autoptr(xmlXPathObject) obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);

        if (!obj || obj->type != XPATH_NODESET || xmlXPathNodeSetIsEmpty(obj->nodesetval))
                return NULL;
        return xmlXPathNodeSetItem(obj->nodesetval, 0);
}

/* Text of the first node EXPR selects (g_free), or NULL when there is none. */
static char *xpath_text(xmlXPathContext *ctx, const char *expr) {
        xmlNode *node = xpath_node(ctx, expr);
        xmlChar *content;
        char *text;

        if (!node)
                return NULL;
        content = xmlNodeGetContent(node);
        text = g_strdup(content ? (const char *) content : "");
        xmlFree(content);
        return text;
}

/* ---- domain capabilities -------------------------------------------------- */

#define SEV_XPATH "/domainCapabilities/features/sev"
#define LAUNCH_SECURITY_XPATH "/domainCapabilities/features/launchSecurity"

/* A non-negative integer element of <sev>; -1 when absent. */
static bool sev_integer(xmlXPathContext *ctx, const char *element, int64_t *out, char **error) {
        g_autofree char *expr = g_strdup_printf(SEV_XPATH "/%s", element);
        g_autofree char *text = xpath_text(ctx, expr);
        guint64 value;

        *out = -1;
        if (!text)
                return true;
        if (!g_ascii_string_to_unsigned(g_strstrip(text), 10, 0, G_MAXINT64, &value, NULL)) {
                *error = g_strdup_printf("<%s> is '%s', not a non-negative integer", element, text);
                return false;
        }
        *out = (int64_t) value;
        return true;
}

static bool sev_supported(xmlXPathContext *ctx, Tristate *out, char **error) {
        xmlNode *sev = xpath_node(ctx, SEV_XPATH);
        g_autofree char *supported = xpath_text(ctx, SEV_XPATH "/@supported");

        *out = TRI_UNKNOWN;
        if (!sev)
                return true;
        if (g_strcmp0(supported, "yes") == 0)
                *out = TRI_YES;
        else if (g_strcmp0(supported, "no") == 0)
                *out = TRI_NO;
        else {
                *error = g_strdup_printf("<sev supported='%s'>, expected 'yes' or 'no'",
                                         supported ?: "");
                return false;
        }
        return true;
}

static void launch_security(xmlXPathContext *ctx, DomainCapsFacts *dc) {
        g_autofree char *supported = xpath_text(ctx, LAUNCH_SECURITY_XPATH "/@supported");
        g_autoptr(xmlXPathObject) values = NULL;

        dc->has_launch_security = xpath_node(ctx, LAUNCH_SECURITY_XPATH) != NULL;
        dc->launch_security_supported = g_strcmp0(supported, "yes") == 0;

        /* supported='yes' without an enum happens; it simply lists nothing. */
        values = xmlXPathEvalExpression(BAD_CAST LAUNCH_SECURITY_XPATH
                                        "[@supported='yes']/enum[@name='sectype']/value", ctx);
        if (!values || values->type != XPATH_NODESET || !values->nodesetval)
                return;
        for (int i = 0; i < values->nodesetval->nodeNr; i++) {
                xmlChar *content = xmlNodeGetContent(values->nodesetval->nodeTab[i]);
                g_autofree char *value = g_strstrip(g_strdup(content ? (const char *) content : ""));
                xmlFree(content);

                if (g_str_equal(value, "sev"))
                        dc->sectype_sev = true;
                else if (g_str_equal(value, "sev-snp"))
                        dc->sectype_sev_snp = true;
        }
}

static bool domcaps_parse_features(xmlXPathContext *ctx, DomainCapsFacts *dc, char **error) {
        if (!sev_supported(ctx, &dc->sev_supported, error) ||
            !sev_integer(ctx, "cbitpos", &dc->cbitpos, error) ||
            !sev_integer(ctx, "reducedPhysBits", &dc->reduced_phys_bits, error) ||
            !sev_integer(ctx, "maxGuests", &dc->max_guests, error) ||
            !sev_integer(ctx, "maxESGuests", &dc->max_es_guests, error))
                return false;

        dc->cpu0_id = xpath_text(ctx, SEV_XPATH "/cpu0Id");
        if (dc->cpu0_id)
                g_strstrip(dc->cpu0_id);
        launch_security(ctx, dc);
        return true;
}

bool domcaps_parse(const char *xml, size_t len, DomainCapsFacts *dc, char **error) {
        g_autofree char *why = NULL;
        g_autoptr(xmlDoc) doc = NULL;
        g_autoptr(xmlXPathContext) ctx = NULL;
        /* Fill a copy, so a failure leaves DC as it was. */
        DomainCapsFacts parsed = { .src = dc->src };

        if (error)
                *error = NULL;
        ctx = xpath_parse(xml, len, "domainCapabilities", &doc, &why);
        if (!ctx || !domcaps_parse_features(ctx, &parsed, &why)) {
                g_free(parsed.cpu0_id);
                if (error)
                        *error = g_steal_pointer(&why);
                return false;
        }

        /* Kept verbatim so a snapshot replays exactly what libvirt said. */
        parsed.raw_xml = g_strndup(xml, len);
        g_free(dc->cpu0_id);
        g_free(dc->raw_xml);
        *dc = parsed;
        return true;
}

/* ---- domain XML ----------------------------------------------------------- */

Model domain_xml_guest_model(const char *xml, size_t len, char **name, char **uuid, char **error) {
        g_autofree char *why = NULL;
        g_autoptr(xmlDoc) doc = NULL;
        g_autoptr(xmlXPathContext) ctx = NULL;
        Model model = MODEL_NONE;

        if (name)
                *name = NULL;
        if (uuid)
                *uuid = NULL;
        if (error)
                *error = NULL;

        ctx = xpath_parse(xml, len, "domain", &doc, &why);
        if (ctx)
                model = domain_launch_security_model(xmlDocGetRootElement(doc), &why);
        if (why) {
                if (error)
                        *error = g_steal_pointer(&why);
                return MODEL_NONE;
        }

        if (name)
                *name = xpath_text(ctx, "/domain/name");
        if (uuid)
                *uuid = xpath_text(ctx, "/domain/uuid");
        return model;
}

/* ---- versions.json -------------------------------------------------------- */

static bool version_member(JsonObject *obj, const char *key, char **out, char **error) {
        JsonNode *node = json_object_get_member(obj, key);

        *out = NULL;
        if (!node)
                return true;
        if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING) {
                *error = g_strdup_printf("'%s' is not a string", key);
                return false;
        }
        /* json-glib decodes a lone "\uD800" into bytes that are not UTF-8; the versions are bus properties. */
        if (!text_bus_valid(json_node_get_string(node))) {
                *error = g_strdup_printf("'%s' is not valid text", key);
                return false;
        }
        *out = g_strdup(json_node_get_string(node));
        return true;
}

static bool versions_json_parse_object(const char *json, size_t len, char **libvirt, char **qemu, char **error) {
        g_autoptr(JsonParser) parser = json_parser_new_immutable();
        g_autoptr(GError) gerror = NULL;
        JsonNode *root;

        if (len > VERSIONS_JSON_MAX) {
                *error = g_strdup_printf("larger than %zu bytes", VERSIONS_JSON_MAX);
                return false;
        }
        if (!g_utf8_validate_len(json, len, NULL)) {
                *error = g_strdup("not valid UTF-8 text");
                return false;
        }
        if (!json_depth_within(json, len, 8)) {
                *error = g_strdup("nested deeper than 8 levels");
                return false;
        }
        if (!json_one_object(json, len)) {
                *error = g_strdup("the document is not one well-formed JSON object");
                return false;
        }
        if (!json_parser_load_from_data(parser, json, (gssize) len, &gerror)) {
                *error = g_strdup_printf("malformed JSON: %s", gerror->message);
                return false;
        }
        root = json_parser_get_root(parser);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
                *error = g_strdup("the document is not a JSON object");
                return false;
        }
        return version_member(json_node_get_object(root), "libvirt", libvirt, error) &&
               version_member(json_node_get_object(root), "qemu", qemu, error);
}

bool versions_json_parse(const char *json, size_t len, char **libvirt, char **qemu, char **error) {
        g_autofree char *why = NULL;
        g_autofree char *lv = NULL;
        g_autofree char *q = NULL;

        if (error)
                *error = NULL;
        if (!versions_json_parse_object(json ?: "", json ? len : 0, &lv, &q, &why)) {
                if (error)
                        *error = g_steal_pointer(&why);
                return false;
        }
        *libvirt = g_steal_pointer(&lv);
        *qemu = g_steal_pointer(&q);
        return true;
}

/* ---- nodesevinfo.json ----------------------------------------------------- */

/* The PDH and certificate chain are a few KiB of base64. */
#define NODE_SEV_INFO_MAX ((size_t) 64 * 1024)

static bool node_sev_info_valid(const char *json, size_t len) {
        g_autoptr(JsonParser) parser = json_parser_new_immutable();

        return g_utf8_validate_len(json, len, NULL) && json_depth_within(json, len, 4) &&
               json_one_object(json, len) && json_parser_load_from_data(parser, json, (gssize) len, NULL) &&
               JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser));
}

static void add_typed_param(JsonBuilder *b, const virTypedParameter *p) {
        json_builder_set_member_name(b, p->field);
        switch (p->type) {
        case VIR_TYPED_PARAM_INT:     json_builder_add_int_value(b, p->value.i); break;
        case VIR_TYPED_PARAM_UINT:    json_builder_add_int_value(b, p->value.ui); break;
        case VIR_TYPED_PARAM_LLONG:   json_builder_add_int_value(b, p->value.l); break;
        case VIR_TYPED_PARAM_ULLONG:  json_builder_add_int_value(b, (gint64) MIN(p->value.ul, (unsigned long long) G_MAXINT64)); break;
        case VIR_TYPED_PARAM_DOUBLE:  json_builder_add_double_value(b, p->value.d); break;
        case VIR_TYPED_PARAM_BOOLEAN: json_builder_add_boolean_value(b, p->value.b); break;
        case VIR_TYPED_PARAM_STRING:  json_builder_add_string_value(b, p->value.s); break;
        default:                      json_builder_add_null_value(b);
        }
}

/* virNodeGetSEVInfo as a JSON object by libvirt's parameter names; NULL
 * when libvirt has none (no SEV in QEMU, an old libvirt, a test driver). */
static char *live_node_sev_info(virConnectPtr conn) {
        g_autoptr(JsonBuilder) b = json_builder_new_immutable();
        g_autoptr(JsonGenerator) gen = json_generator_new();
        g_autoptr(JsonNode) root = NULL;
        virTypedParameterPtr params = NULL;
        int n = 0;

        if (virNodeGetSEVInfo(conn, &params, &n, 0) < 0)
                return NULL;
        json_builder_begin_object(b);
        for (int i = 0; i < n; i++)
                add_typed_param(b, &params[i]);
        json_builder_end_object(b);
        virTypedParamsFree(params, n);
        root = json_builder_get_root(b);
        json_generator_set_root(gen, root);
        json_generator_set_pretty(gen, true);
        return json_generator_to_data(gen, NULL);
}

/* ---- snapshot ------------------------------------------------------------- */

static void snapshot_versions(const char *root, LibvirtFacts *lv) {
        const char *rel = SNAPSHOT_DIR "/versions.json";
        g_autofree char *json = NULL;
        g_autofree char *why = NULL;
        size_t len = 0;

        if (host_read_file(root, rel, VERSIONS_JSON_MAX, &json, &len, &lv->versions_src) != SOURCE_OK)
                return;
        g_clear_pointer(&lv->libvirt_version, g_free);
        g_clear_pointer(&lv->qemu_version, g_free);
        if (!versions_json_parse(json, len, &lv->libvirt_version, &lv->qemu_version, &why))
                source_set(&lv->versions_src, SOURCE_INVALID, "/%s: %s", rel, why);
}

static void snapshot_domcaps(const char *root, LibvirtFacts *lv) {
        const char *rel = SNAPSHOT_DIR "/domcapabilities.xml";
        g_autofree char *xml = NULL;
        g_autofree char *why = NULL;
        size_t len = 0;

        if (host_read_file(root, rel, LIBVIRT_XML_MAX, &xml, &len, &lv->domcaps.src) != SOURCE_OK)
                return;
        if (!domcaps_parse(xml, len, &lv->domcaps, &why))
                source_set(&lv->domcaps.src, SOURCE_INVALID, "/%s: %s", rel, why);
}

/* Adds one running domain, or the reason it could not be read to PROBLEMS. */
static void add_domain(LibvirtFacts *lv, const char *xml, size_t len, const char *what, GPtrArray *problems) {
        g_autofree char *why = NULL;
        RunningDomain *d = g_new0(RunningDomain, 1);

        d->model = domain_xml_guest_model(xml, len, &d->name, &d->uuid, &why);
        if (why) {
                g_ptr_array_add(problems, g_strdup_printf("%s: %s", what, why));
                running_domain_free(d);
                return;
        }
        domain_table_append(lv->domains, d);
}

static void set_domain_problems(LibvirtFacts *lv, SourceStatus status, GPtrArray *problems) {
        if (problems->len == 0) {
                source_clear(&lv->domains_src);
                return;
        }
        g_ptr_array_add(problems, NULL);
        g_autofree char *joined = g_strjoinv("; ", (char **) problems->pdata);
        source_set(&lv->domains_src, status, "%s", joined);
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The *.xml names in DIR, sorted so the domain list does not depend on readdir order. */
static GPtrArray *list_xml_files(DIR *d) {
        GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
        struct dirent *de;

        while ((de = readdir(d)))
                if (g_str_has_suffix(de->d_name, ".xml"))
                        g_ptr_array_add(names, g_strdup(de->d_name));
        qsort(names->pdata, names->len, sizeof(gpointer), compare_names);
        return names;
}

static void snapshot_domains(const char *root, LibvirtFacts *lv) {
        const char *dir = SNAPSHOT_DIR "/domains";
        g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) names = NULL;
        DIR *d = root_opendir(root, dir);

        if (!d) {
                int err = errno;
                /* No domains/ means the host ran no domains when the snapshot was taken. */
                if (err == ENOENT)
                        source_clear(&lv->domains_src);
                else
                        source_set(&lv->domains_src, source_status_from_errno(err), "/%s: %s",
                                   dir, host_strerror(err));
                return;
        }
        names = list_xml_files(d);
        closedir(d);

        for (guint i = 0; i < names->len; i++) {
                g_autofree char *rel = g_build_filename(dir, names->pdata[i], NULL);
                g_autofree char *where = g_strdup_printf("/%s", rel);
                g_autofree char *xml = NULL;
                Source src = {};
                size_t len = 0;

                if (host_read_file(root, rel, LIBVIRT_XML_MAX, &xml, &len, &src) != SOURCE_OK) {
                        g_ptr_array_add(problems, g_steal_pointer(&src.detail));
                        continue;
                }
                add_domain(lv, xml, len, where, problems);
        }
        set_domain_problems(lv, SOURCE_INVALID, problems);
}

/* Kept verbatim for the attestation interface and the next snapshot; absent
 * or malformed, there is simply none (GetPlatformInfo says what is unknown). */
static void snapshot_node_sev_info(const char *root, LibvirtFacts *lv) {
        g_autofree char *json = NULL;
        Source src = {};
        size_t len = 0;

        if (host_read_file(root, SNAPSHOT_DIR "/nodesevinfo.json", NODE_SEV_INFO_MAX, &json, &len, &src) == SOURCE_OK &&
            node_sev_info_valid(json, len))
                lv->node_sev_info = g_steal_pointer(&json);
        g_free(src.detail);
}

static void set_all_unavailable(LibvirtFacts *lv, SourceStatus status, const char *detail) {
        source_set(&lv->versions_src, status, "%s", detail);
        source_set(&lv->domcaps.src, status, "%s", detail);
        source_set(&lv->domains_src, status, "%s", detail);
}

static void probe_snapshot(const char *root, LibvirtFacts *lv) {
        if (!root_is_dir(root, SNAPSHOT_DIR)) {
                source_set(&lv->connection, SOURCE_MISSING, "no libvirt/ directory in the snapshot");
                set_all_unavailable(lv, SOURCE_MISSING, "no libvirt/ directory in the snapshot");
                return;
        }
        source_clear(&lv->connection);
        snapshot_versions(root, lv);
        snapshot_domcaps(root, lv);
        snapshot_domains(root, lv);
        snapshot_node_sev_info(root, lv);
}

/* ---- live ----------------------------------------------------------------- */

static void ignore_libvirt_error(void *opaque, virErrorPtr error) {
}

void libvirt_errors_quiet(void) {
        virSetErrorFunc(NULL, ignore_libvirt_error);
}

static char *version_string(unsigned long v) {
        return g_strdup_printf("%lu.%lu.%lu", v / 1000000, v / 1000 % 1000, v % 1000);
}

static void live_versions(virConnectPtr conn, LibvirtFacts *lv) {
        unsigned long libvirt_version = 0, hv_version = 0;
        const char *type;

        if (virConnectGetLibVersion(conn, &libvirt_version) < 0) {
                source_set(&lv->versions_src, SOURCE_ERROR, "virConnectGetLibVersion: %s",
                           virGetLastErrorMessage());
                return;
        }
        g_free(lv->libvirt_version);
        lv->libvirt_version = version_string(libvirt_version);
        source_clear(&lv->versions_src);

        /* The hypervisor version is QEMU's only on a QEMU connection (the test driver says 0.0.2). */
        type = virConnectGetType(conn);
        if (g_strcmp0(type, "QEMU") != 0)
                return;
        if (virConnectGetVersion(conn, &hv_version) < 0) {
                source_set(&lv->versions_src, SOURCE_ERROR, "virConnectGetVersion: %s",
                           virGetLastErrorMessage());
                return;
        }
        g_free(lv->qemu_version);
        lv->qemu_version = hv_version ? version_string(hv_version) : NULL;
}

static void live_domcaps(virConnectPtr conn, LibvirtFacts *lv) {
        g_autofree char *why = NULL;
        char *xml = virConnectGetDomainCapabilities(conn, NULL, "x86_64", "q35", "kvm", 0);

        if (!xml) {
                source_set(&lv->domcaps.src, SOURCE_ERROR, "virConnectGetDomainCapabilities: %s",
                           virGetLastErrorMessage());
                return;
        }
        if (domcaps_parse(xml, strlen(xml), &lv->domcaps, &why))
                source_clear(&lv->domcaps.src);
        else
                source_set(&lv->domcaps.src, SOURCE_INVALID, "domain capabilities: %s", why);
        free(xml);
}

static void live_domain(virDomainPtr dom, LibvirtFacts *lv, GPtrArray *problems) {
        const char *name = virDomainGetName(dom);
        g_autofree char *what = g_strdup_printf("domain %s", name ?: "(unnamed)");
        char *xml = virDomainGetXMLDesc(dom, 0);

        if (!xml) {
                /* It stopped between listing and asking: it no longer takes a slot. */
                if (virGetLastErrorCode() != VIR_ERR_NO_DOMAIN)
                        g_ptr_array_add(problems, g_strdup_printf("%s: %s", what,
                                                                  virGetLastErrorMessage()));
                return;
        }
        add_domain(lv, xml, strlen(xml), what, problems);
        free(xml);
}

static void live_domains(virConnectPtr conn, LibvirtFacts *lv) {
        g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
        virDomainPtr *doms = NULL;
        int n = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);

        if (n < 0) {
                source_set(&lv->domains_src, SOURCE_ERROR, "virConnectListAllDomains: %s",
                           virGetLastErrorMessage());
                return;
        }
        for (int i = 0; i < n; i++) {
                live_domain(doms[i], lv, problems);
                virDomainFree(doms[i]);
        }
        free(doms);
        set_domain_problems(lv, SOURCE_ERROR, problems);
}

static void probe_live(const char *uri, LibvirtFacts *lv) {
        virConnectPtr conn;

        libvirt_errors_quiet();

        /* Read-write: virConnectGetDomainCapabilities refuses read-only connections. */
        conn = virConnectOpen(uri);
        if (!conn) {
                g_autofree char *not_probed = g_strdup_printf("not probed: no connection to %s", uri);

                source_set(&lv->connection, SOURCE_ERROR, "cannot connect to %s: %s", uri,
                           virGetLastErrorMessage());
                set_all_unavailable(lv, SOURCE_MISSING, not_probed);
                return;
        }
        probe_libvirt_connection(conn, uri, lv);
        live_domains(conn, lv);
        virConnectClose(conn);
}

void probe_libvirt_connection(virConnectPtr conn, const char *uri, LibvirtFacts *lv) {
        source_clear(&lv->connection);
        g_free(lv->uri);
        lv->uri = g_strdup(uri);
        live_versions(conn, lv);
        live_domcaps(conn, lv);
        g_free(lv->node_sev_info);
        lv->node_sev_info = live_node_sev_info(conn);
}

void probe_libvirt(const ProbeOptions *opts, bool live, LibvirtFacts *lv) {
        if (!live) {
                probe_snapshot(opts->root, lv);
                return;
        }
        if (opts->libvirt_by_caller)
                return;
        if (opts->skip_libvirt) {
                source_set(&lv->connection, SOURCE_MISSING, "libvirt probing disabled");
                set_all_unavailable(lv, SOURCE_MISSING, "libvirt probing disabled");
                return;
        }
        probe_live(opts->libvirt_uri ?: DEFAULT_URI, lv);
}
