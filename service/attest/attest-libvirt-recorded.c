/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The recorded backend: what libvirt would answer, read from a snapshot.
 *
 *   libvirt/nodesevinfo.json             virNodeGetSEVInfo's parameters by name
 *   libvirt/domains/<any>.xml            live XML of the active domains (found by <name>)
 *   libvirt/launch-security/<name>.json  {"state": "paused", "uuid": "...",
 *                                         "params": {virDomainGetLaunchSecurityInfo's parameters}}
 *   libvirt/defined/<name>.xml           persistent XML of a domain defined but not running
 *
 * A domain with XML but no launch-security file is running and answers no
 * launch-security parameters; one with only a launch-security file is
 * whatever its state says (an inactive one needs no XML). Injecting a secret
 * is logged, and a resume is remembered in memory, so the next call sees the
 * domain running as it would on a real host; the snapshot is never written.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>

#include "attest-libvirt.h"
#include "attest-params.h"
#include "attest.h"
#include "fileio.h"
#include "probe.h"
#include "text.h"

#define LIBVIRT_DIR "libvirt"
#define JSON_MAX ((size_t) 64 * 1024)
#define JSON_MAX_DEPTH 8

typedef struct {
        AttestLibvirt lv;
        char *root;
        GHashTable *states;             /* name -> AttestDomainState, after a resume */
} Recorded;

static ApiError unavailable(char **message, const char *rel, const char *why) {
        g_autofree char *safe = text_bus_safe(why);

        return api_fail(message, API_LIBVIRT_UNAVAILABLE, "The snapshot's recorded libvirt data cannot be used: /%s: %s",
                        rel, safe);
}

/* ROOT/REL as a JSON object; SOURCE_MISSING when absent, else an error in *MESSAGE. */
static ApiError read_json(Recorded *r, const char *rel, bool *missing, JsonParser **ret, char **message) {
        g_autoptr(JsonParser) parser = json_parser_new_immutable();
        g_autoptr(GError) error = NULL;
        g_autofree char *text = NULL;
        Source src = {};
        size_t len = 0;
        SourceStatus st;

        st = host_read_file(r->root, rel, JSON_MAX, &text, &len, &src);
        *missing = st == SOURCE_MISSING;
        if (st != SOURCE_OK) {
                g_autofree char *detail = src.detail;
                return *missing ? API_OK : api_fail(message, API_LIBVIRT_UNAVAILABLE, "%s", detail);
        }
        if (!json_depth_within(text, len, JSON_MAX_DEPTH))
                return unavailable(message, rel, "nested too deeply");
        if (!json_parser_load_from_data(parser, text, (gssize) len, &error))
                return unavailable(message, rel, error->message);
        if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
                return unavailable(message, rel, "not a JSON object");
        *ret = g_steal_pointer(&parser);
        return API_OK;
}

static ApiError check_libvirt_dir(Recorded *r, char **message) {
        if (host_path_exists(r->root, LIBVIRT_DIR))
                return API_OK;
        return api_fail(message, API_LIBVIRT_UNAVAILABLE,
                        "The snapshot has no libvirt/ directory: there is no libvirt to ask.");
}

static ApiError recorded_node_sev_info(AttestLibvirt *lv, GVariant **ret, char **message) {
        Recorded *r = (Recorded *) lv;
        const char *rel = LIBVIRT_DIR "/nodesevinfo.json";
        g_autoptr(JsonParser) parser = NULL;
        g_autofree char *why = NULL;
        bool missing;
        ApiError e;

        e = check_libvirt_dir(r, message);
        if (e == API_OK)
                e = read_json(r, rel, &missing, &parser, message);
        if (e != API_OK)
                return e;
        if (missing)
                /* What libvirt says when QEMU cannot do SEV. */
                return api_fail(message, API_MODEL_UNSUPPORTED, "virNodeGetSEVInfo: no /%s in the snapshot", rel);
        *ret = attest_params_from_json(json_node_get_object(json_parser_get_root(parser)), &why);
        return *ret ? API_OK : unavailable(message, rel, why);
}

/* The recorded state file of NAME: state (ATTEST_DOMAIN_STATE_INVALID when it has none), uuid, params. */
typedef struct {
        bool present;
        AttestDomainState state;
        char *uuid;
        GVariant *params;
} StateFile;

static void state_file_clear(StateFile *s) {
        g_clear_pointer(&s->uuid, g_free);
        g_clear_pointer(&s->params, g_variant_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(StateFile, state_file_clear)

static ApiError parse_state_file(JsonObject *o, const char *rel, StateFile *ret, char **message) {
        const char *state = json_object_get_string_member_with_default(o, "state", NULL);
        JsonNode *params = json_object_get_member(o, "params");
        g_autofree char *why = NULL;

        ret->state = ATTEST_DOMAIN_STATE_INVALID;
        if (state && (ret->state = attest_domain_state_from_string(state)) == ATTEST_DOMAIN_STATE_INVALID)
                return unavailable(message, rel, "\"state\" is not one of nostate, running, blocked, paused, "
                                   "shutdown, shutoff, crashed, pmsuspended");
        ret->uuid = g_strdup(json_object_get_string_member_with_default(o, "uuid", NULL));
        if (params && !JSON_NODE_HOLDS_OBJECT(params))
                return unavailable(message, rel, "\"params\" is not an object");
        if (params)
                ret->params = attest_params_from_json(json_node_get_object(params), &why);
        else
                ret->params = g_variant_ref_sink(g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0));
        return ret->params ? API_OK : unavailable(message, rel, why);
}

static ApiError read_state_file(Recorded *r, const char *name, StateFile *ret, char **message) {
        g_autofree char *rel = g_strdup_printf(LIBVIRT_DIR "/launch-security/%s.json", name);
        g_autoptr(JsonParser) parser = NULL;
        bool missing;
        ApiError e;

        ret->state = ATTEST_DOMAIN_STATE_INVALID;
        e = read_json(r, rel, &missing, &parser, message);
        if (e != API_OK || missing)
                return e;
        ret->present = true;
        return parse_state_file(json_node_get_object(json_parser_get_root(parser)), rel, ret, message);
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The XML file in libvirt/domains whose <name> is NAME, in name order; files that do not parse are skipped. */
static void find_domain_xml(Recorded *r, const char *name, char **ret_xml, char **ret_uuid) {
        g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
        DIR *d = root_opendir(r->root, LIBVIRT_DIR "/domains");
        struct dirent *de;

        while (d && (de = readdir(d)))
                if (g_str_has_suffix(de->d_name, ".xml"))
                        g_ptr_array_add(files, g_strdup(de->d_name));
        if (d)
                closedir(d);
        qsort(files->pdata, files->len, sizeof(gpointer), compare_names);

        for (guint i = 0; i < files->len; i++) {
                g_autofree char *rel = g_build_filename(LIBVIRT_DIR "/domains", files->pdata[i], NULL);
                g_autofree char *xml = NULL, *found = NULL, *uuid = NULL, *error = NULL;
                size_t len = 0;

                if (host_read_file(r->root, rel, HOST_FILE_MAX, &xml, &len, NULL) != SOURCE_OK)
                        continue;
                domain_xml_guest_model(xml, len, &found, &uuid, &error);
                if (error || g_strcmp0(found, name) != 0)
                        continue;
                *ret_xml = g_steal_pointer(&xml);
                *ret_uuid = g_steal_pointer(&uuid);
                return;
        }
}

/*
 * libvirt/defined/NAME.xml: the persistent XML of a domain that is defined but not running (what
 * virDomainGetXMLDesc gives for an inactive domain); the probe does not count these as running.
 * NAME was checked (attest_check_domain_name()): it makes no path of its own.
 */
static ApiError read_defined_xml(Recorded *r, const char *name, bool *ret_defined, char **ret_xml, char **ret_uuid,
                                 char **message) {
        g_autofree char *rel = g_strdup_printf(LIBVIRT_DIR "/defined/%s.xml", name);
        g_autofree char *xml = NULL, *found = NULL, *uuid = NULL, *error = NULL;
        Source src = {};
        size_t len = 0;
        SourceStatus st;

        st = host_read_file(r->root, rel, HOST_FILE_MAX, &xml, &len, &src);
        if (st == SOURCE_MISSING) {
                source_clear(&src);
                return API_OK;
        }
        if (st != SOURCE_OK) {
                g_autofree char *detail = src.detail;
                return api_fail(message, API_LIBVIRT_UNAVAILABLE, "%s", detail);
        }
        domain_xml_guest_model(xml, len, &found, &uuid, &error);
        if (error)
                return unavailable(message, rel, error);
        if (g_strcmp0(found, name) != 0)
                return unavailable(message, rel, "its <name> is not the file's name");
        *ret_defined = true;
        *ret_xml = g_steal_pointer(&xml);
        *ret_uuid = g_steal_pointer(&uuid);
        return API_OK;
}

static ApiError recorded_lookup(AttestLibvirt *lv, const char *name, AttestDomain *ret, char **message) {
        Recorded *r = (Recorded *) lv;
        g_auto(StateFile) s = {};
        g_autofree char *xml = NULL, *uuid = NULL;
        bool defined = false;
        gpointer remembered;
        ApiError e;

        e = check_libvirt_dir(r, message);
        if (e == API_OK)
                /* The name is part of a path: never build one from a name the core would refuse. */
                e = attest_check_domain_name(name, message);
        if (e == API_OK)
                e = read_state_file(r, name, &s, message);
        if (e != API_OK)
                return e;

        find_domain_xml(r, name, &xml, &uuid);
        if (!xml)
                e = read_defined_xml(r, name, &defined, &xml, &uuid, message);
        if (e != API_OK)
                return e;
        if (!xml && !s.present)
                return api_fail(message, API_NO_SUCH_DOMAIN, "No domain named '%s' (the snapshot has no domain "
                                "XML and no launch-security record of that name).", name);

        *ret = (AttestDomain) {
                .name = g_strdup(name),
                .uuid = g_strdup(uuid ?: s.uuid ?: ""),
                .state = s.state != ATTEST_DOMAIN_STATE_INVALID ? s.state
                         : defined ? ATTEST_DOMAIN_SHUTOFF : ATTEST_DOMAIN_RUNNING,
                .xml = g_steal_pointer(&xml),
        };
        if (g_hash_table_lookup_extended(r->states, name, NULL, &remembered))
                ret->state = GPOINTER_TO_INT(remembered);
        if (attest_domain_state_is_active(ret->state) && !ret->xml) {
                attest_domain_clear(ret);
                return api_fail(message, API_LIBVIRT_UNAVAILABLE, "The snapshot records domain '%s' as %s but "
                                "libvirt/domains has no XML for it.", name, attest_domain_state_to_string(s.state));
        }
        return API_OK;
}

/* What libvirt refuses for an inactive domain. */
static ApiError require_active(const AttestDomain *d, char **message) {
        if (attest_domain_state_is_active(d->state))
                return API_OK;
        return api_fail(message, API_INVALID_DOMAIN_STATE, "Domain '%s' is not running (it is %s).", d->name,
                        attest_domain_state_to_string(d->state));
}

static ApiError require_paused(const AttestDomain *d, char **message) {
        if (d->state == ATTEST_DOMAIN_PAUSED)
                return API_OK;
        return api_fail(message, API_INVALID_DOMAIN_STATE, "Domain '%s' is not paused (it is %s).", d->name,
                        attest_domain_state_to_string(d->state));
}

static ApiError recorded_launch_security_info(AttestLibvirt *lv, const AttestDomain *d, GVariant **ret,
                                              char **message) {
        Recorded *r = (Recorded *) lv;
        g_auto(StateFile) s = {};
        ApiError e;

        e = require_active(d, message);
        if (e == API_OK)
                e = read_state_file(r, d->name, &s, message);
        if (e != API_OK)
                return e;
        *ret = s.params ? g_steal_pointer(&s.params) :
                          g_variant_ref_sink(g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0));
        return API_OK;
}

static size_t decoded_size(GVariant *params, const char *name) {
        const char *b64 = attest_param_string(params, name);
        g_autofree guchar *data = NULL;
        gsize len = 0;

        if (b64)
                data = g_base64_decode(b64, &len);
        return len;
}

static ApiError recorded_set_launch_security_state(AttestLibvirt *lv, const AttestDomain *d, GVariant *params,
                                                   char **message) {
        g_autofree char *where = NULL;
        uint64_t address = 0;
        ApiError e;

        e = require_paused(d, message);
        if (e != API_OK)
                return e;
        where = attest_param_uint(params, VIR_DOMAIN_LAUNCH_SECURITY_SEV_SECRET_SET_ADDRESS, &address) ?
                g_strdup_printf("address 0x%" G_GINT64_MODIFIER "x", address) : g_strdup("no address");
        /* The one trace of the call: what a real host would hand to QEMU. */
        g_message("recorded libvirt: launch secret for domain %s: header %zu bytes, secret %zu bytes, %s",
                  d->name, decoded_size(params, VIR_DOMAIN_LAUNCH_SECURITY_SEV_SECRET_HEADER),
                  decoded_size(params, VIR_DOMAIN_LAUNCH_SECURITY_SEV_SECRET), where);
        return API_OK;
}

static ApiError recorded_resume(AttestLibvirt *lv, const AttestDomain *d, char **message) {
        Recorded *r = (Recorded *) lv;
        ApiError e;

        e = require_paused(d, message);
        if (e != API_OK)
                return e;
        g_hash_table_insert(r->states, g_strdup(d->name), GINT_TO_POINTER(ATTEST_DOMAIN_RUNNING));
        g_message("recorded libvirt: domain %s resumed", d->name);
        return API_OK;
}

static void recorded_free(AttestLibvirt *lv) {
        Recorded *r = (Recorded *) lv;

        g_hash_table_unref(r->states);
        g_free(r->root);
        g_free(r);
}

AttestLibvirt *attest_libvirt_recorded_new(const char *root) {
        Recorded *r = g_new0(Recorded, 1);

        r->lv = ATTEST_LIBVIRT_BACKEND(recorded);
        r->root = g_strdup(root);
        r->states = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        return &r->lv;
}
