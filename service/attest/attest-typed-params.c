/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "attest-typed-params.h"
#include "text.h"

static GVariant *param_variant(const virTypedParameter *p) {
        switch (p->type) {
        case VIR_TYPED_PARAM_INT:     return g_variant_new_int32(p->value.i);
        case VIR_TYPED_PARAM_UINT:    return g_variant_new_uint32(p->value.ui);
        case VIR_TYPED_PARAM_LLONG:   return g_variant_new_int64(p->value.l);
        case VIR_TYPED_PARAM_ULLONG:  return g_variant_new_uint64(p->value.ul);
        case VIR_TYPED_PARAM_DOUBLE:  return g_variant_new_double(p->value.d);
        case VIR_TYPED_PARAM_BOOLEAN: return g_variant_new_boolean(p->value.b);
        case VIR_TYPED_PARAM_STRING:
                /* libvirt's strings are base64 or ASCII, but one sd-bus refuses would fail the whole reply. */
                if (!p->value.s || !text_bus_valid(p->value.s))
                        return NULL;
                return g_variant_new_string(p->value.s);
        default:
                return NULL;
        }
}

GVariant *attest_typed_params_to_variant(const virTypedParameter *params, int n) {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);

        for (int i = 0; i < n; i++) {
                GVariant *v = param_variant(&params[i]);

                /* field is a fixed char array; a name filling it has no NUL. */
                g_autofree char *name = g_strndup(params[i].field, VIR_TYPED_PARAM_FIELD_LENGTH);
                if (v && text_bus_valid(name))
                        g_variant_builder_add(&b, "{sv}", name, v);
                else if (v)
                        g_variant_unref(g_variant_ref_sink(v));
        }
        return g_variant_ref_sink(g_variant_builder_end(&b));
}

static int add_param(virTypedParameterPtr *ret, int *n, int *max, const char *name, GVariant *v) {
        switch (g_variant_classify(v)) {
        case G_VARIANT_CLASS_STRING:
                return virTypedParamsAddString(ret, n, max, name, g_variant_get_string(v, NULL));
        case G_VARIANT_CLASS_BOOLEAN:
                return virTypedParamsAddBoolean(ret, n, max, name, g_variant_get_boolean(v));
        case G_VARIANT_CLASS_INT32:
                return virTypedParamsAddInt(ret, n, max, name, g_variant_get_int32(v));
        case G_VARIANT_CLASS_UINT32:
                return virTypedParamsAddUInt(ret, n, max, name, g_variant_get_uint32(v));
        case G_VARIANT_CLASS_INT64:
                return virTypedParamsAddLLong(ret, n, max, name, g_variant_get_int64(v));
        case G_VARIANT_CLASS_UINT64:
                return virTypedParamsAddULLong(ret, n, max, name, g_variant_get_uint64(v));
        case G_VARIANT_CLASS_DOUBLE:
                return virTypedParamsAddDouble(ret, n, max, name, g_variant_get_double(v));
        default:
                return -1;
        }
}

int attest_typed_params_from_variant(GVariant *dict, virTypedParameterPtr *ret, int *n) {
        GVariantIter it;
        const char *name;
        GVariant *v;
        int max = 0;

        *ret = NULL;
        *n = 0;
        g_variant_iter_init(&it, dict);
        while (g_variant_iter_loop(&it, "{&sv}", &name, &v))
                if (add_param(ret, n, &max, name, v) < 0) {
                        g_variant_unref(v);
                        return -1;
                }
        return 0;
}
