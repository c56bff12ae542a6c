/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "attest-libvirt.h"
#include "attest-params.h"
#include "text.h"

static GVariant *lookup(GVariant *params, const char *name) {
        return params ? g_variant_lookup_value(params, name, NULL) : NULL;
}

const char *attest_param_string(GVariant *params, const char *name) {
        g_autoptr(GVariant) v = lookup(params, name);
        const char *s;

        if (!v || !g_variant_is_of_type(v, G_VARIANT_TYPE_STRING))
                return NULL;
        /* The string lives in PARAMS, which holds its own reference to V's data. */
        s = g_variant_get_string(v, NULL);
        return s;
}

bool attest_param_uint(GVariant *params, const char *name, uint64_t *ret) {
        g_autoptr(GVariant) v = lookup(params, name);

        return v && attest_variant_uint(v, ret);
}

bool attest_variant_uint(GVariant *v, uint64_t *ret) {
        int64_t s;

        switch (g_variant_classify(v)) {
        case G_VARIANT_CLASS_BYTE:   *ret = g_variant_get_byte(v);   return true;
        case G_VARIANT_CLASS_UINT16: *ret = g_variant_get_uint16(v); return true;
        case G_VARIANT_CLASS_UINT32: *ret = g_variant_get_uint32(v); return true;
        case G_VARIANT_CLASS_UINT64: *ret = g_variant_get_uint64(v); return true;
        case G_VARIANT_CLASS_INT16:  s = g_variant_get_int16(v); break;
        case G_VARIANT_CLASS_INT32:  s = g_variant_get_int32(v); break;
        case G_VARIANT_CLASS_INT64:  s = g_variant_get_int64(v); break;
        default:
                return false;
        }
        if (s < 0)
                return false;
        *ret = (uint64_t) s;
        return true;
}

static GVariant *json_value_variant(JsonNode *n) {
        if (!JSON_NODE_HOLDS_VALUE(n))
                return NULL;
        switch (json_node_get_value_type(n)) {
        case G_TYPE_STRING:
                /* json-glib turns a lone \uD800 escape into bytes that are not UTF-8. */
                if (!text_bus_valid(json_node_get_string(n)))
                        return NULL;
                return g_variant_new_string(json_node_get_string(n));
        case G_TYPE_BOOLEAN:
                return g_variant_new_boolean(json_node_get_boolean(n));
        case G_TYPE_INT64: {
                gint64 v = json_node_get_int(n);
                return v >= 0 ? g_variant_new_uint64((uint64_t) v) : g_variant_new_int64(v);
        }
        default:
                return NULL;
        }
}

GVariant *attest_params_from_json(JsonObject *o, char **error) {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
        g_autoptr(GList) members = json_object_get_members(o);

        /* Sorted, so a reply never depends on json-glib's member order. */
        members = g_list_sort(members, (GCompareFunc) g_strcmp0);
        for (GList *l = members; l; l = l->next) {
                GVariant *v = json_value_variant(json_object_get_member(o, l->data));

                if (!v) {
                        g_autofree char *key = text_bus_safe(l->data);
                        *error = g_strdup_printf("\"%s\" is not a string of text D-Bus can carry, an integer or a "
                                                 "boolean", key);
                        return NULL;
                }
                if (!text_bus_valid(l->data)) {
                        g_autofree char *key = text_bus_safe(l->data);
                        g_variant_unref(g_variant_ref_sink(v));
                        *error = g_strdup_printf("the key \"%s\" is not text D-Bus can carry", key);
                        return NULL;
                }
                g_variant_builder_add(&b, "{sv}", l->data, v);
        }
        return g_variant_ref_sink(g_variant_builder_end(&b));
}
