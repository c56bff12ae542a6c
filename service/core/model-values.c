/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>

#include "json-util.h"
#include "model-values.h"

/* The C type of each kind's field in ModelVerdict. */
#define IS_TYPE(e, t)     __builtin_types_compatible_p(__typeof__(e), t)
#define VERDICT_STRING(e)  (IS_TYPE(e, char *) || IS_TYPE(e, const char *))
#define VERDICT_BOOL(e)    IS_TYPE(e, bool)
#define VERDICT_U32(e)     IS_TYPE(e, uint32_t)
#define VERDICT_U64(e)     IS_TYPE(e, uint64_t)
#define VERDICT_POLICY(e)  IS_TYPE(e, uint64_t)
#define VERDICT_STRV(e)    IS_TYPE(e, GPtrArray *)
#define VERDICT_REASONS(e) IS_TYPE(e, GPtrArray *)

#define CHECK_FIELD(id, field, name, kind, change, json, label) \
        _Static_assert(VERDICT_##kind(((ModelVerdict *) NULL)->field), \
                       "ModelVerdict." #field " does not hold a " #kind " (common/schema.h)");
MODEL_PROPERTIES(CHECK_FIELD)

#define FIELD_OFFSET(id, field, ...) [MODEL_PROP_##id] = offsetof(ModelVerdict, field),
static const size_t verdict_offset[_MODEL_PROPERTY_MAX] = { MODEL_PROPERTIES(FIELD_OFFSET) };

#define FIELD(mv, p, type) (*(type const *) ((const char *) (mv) + verdict_offset[p]))

GVariant *variant_string(const char *s) {
        if (!s)
                return g_variant_new_string("");
        if (!g_utf8_validate(s, -1, NULL))
                return g_variant_new_take_string(g_utf8_make_valid(s, -1));
        return g_variant_new_string(s);
}

GVariant *variant_string_array(GPtrArray *strings) {
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE_STRING_ARRAY);
        for (guint i = 0; i < strings->len; i++)
                g_variant_builder_add_value(&b, variant_string(strings->pdata[i]));
        return g_variant_builder_end(&b);
}

static GVariant *variant_reasons(GPtrArray *list) {
        GVariantBuilder b;

        g_variant_builder_init(&b, G_VARIANT_TYPE(SCHEMA_SIG_REASONS));
        for (guint i = 0; i < list->len; i++) {
                const Reason *r = list->pdata[i];
                g_variant_builder_add(&b, "(@s@s@s@s)", variant_string(r->code),
                                      variant_string(severity_to_string(r->severity)),
                                      variant_string(r->message), variant_string(r->hint));
        }
        return g_variant_builder_end(&b);
}

GVariant *model_property_value(const ModelVerdict *mv, ModelProperty p) {
        switch (model_property_info[p].kind) {
        case SCHEMA_STRING:  return variant_string(FIELD(mv, p, char *));
        case SCHEMA_BOOL:    return g_variant_new_boolean(FIELD(mv, p, bool));
        case SCHEMA_U32:     return g_variant_new_uint32(FIELD(mv, p, uint32_t));
        case SCHEMA_U64:
        case SCHEMA_POLICY:  return g_variant_new_uint64(FIELD(mv, p, uint64_t));
        case SCHEMA_STRV:    return variant_string_array(FIELD(mv, p, GPtrArray *));
        case SCHEMA_REASONS: return variant_reasons(FIELD(mv, p, GPtrArray *));
        case SCHEMA_DOMAINS: break;     /* a Manager kind */
        }
        g_assert_not_reached();
}

static void json_reasons(JsonBuilder *b, GPtrArray *reasons) {
        json_builder_begin_array(b);
        for (guint i = 0; i < reasons->len; i++) {
                const Reason *r = reasons->pdata[i];
                json_builder_begin_object(b);
                json_member_string(b, "code", r->code);
                json_member_string(b, "severity", severity_to_string(r->severity));
                json_member_string(b, "message", r->message);
                json_member_string(b, "hint", r->hint);
                json_builder_end_object(b);
        }
        json_builder_end_array(b);
}

static void json_strings(JsonBuilder *b, GPtrArray *strings) {
        json_builder_begin_array(b);
        for (guint i = 0; i < strings->len; i++)
                json_builder_add_string_value(b, strings->pdata[i]);
        json_builder_end_array(b);
}

static void json_member(JsonBuilder *b, const ModelVerdict *mv, ModelProperty p) {
        const PropertyInfo *info = &model_property_info[p];
        g_autofree char *policy = NULL;

        if (!info->json)
                return;
        switch (info->kind) {
        case SCHEMA_STRING:  json_member_string(b, info->json, FIELD(mv, p, char *)); return;
        case SCHEMA_BOOL:    json_member_bool(b, info->json, FIELD(mv, p, bool)); return;
        case SCHEMA_U32:     json_member_int(b, info->json, FIELD(mv, p, uint32_t)); return;
        case SCHEMA_U64:     json_member_int(b, info->json, (gint64) FIELD(mv, p, uint64_t)); return;
        case SCHEMA_POLICY:
                policy = model_policy_text(mv->model, FIELD(mv, p, uint64_t));
                json_member_string(b, info->json, policy);
                return;
        case SCHEMA_STRV:
                json_builder_set_member_name(b, info->json);
                json_strings(b, FIELD(mv, p, GPtrArray *));
                return;
        case SCHEMA_REASONS:
                json_builder_set_member_name(b, info->json);
                json_reasons(b, FIELD(mv, p, GPtrArray *));
                return;
        case SCHEMA_DOMAINS: break;
        }
        g_assert_not_reached();
}

void model_json_build(JsonBuilder *b, const ModelVerdict *mv) {
        json_builder_begin_object(b);
        for (size_t i = 0; i < G_N_ELEMENTS(model_json_order); i++)
                json_member(b, mv, model_json_order[i]);
        json_builder_end_object(b);
}
