/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "launch-options.h"

typedef enum {
        KIND_UINT,      /* uint64_t, with has_policy */
        KIND_FLAG,      /* bool, false unless given */
        KIND_BOOL,      /* int: -1 unset, 0, 1 */
        KIND_MODEL,     /* Model */
        KIND_BLOB,      /* char*: base64 */
} OptionKind;

#define SCOPE_LAUNCH (1u << OPTIONS_LAUNCH)
#define SCOPE_CONFIGURE (1u << OPTIONS_CONFIGURE)
#define SCOPE_VALIDATE (1u << OPTIONS_VALIDATE)
#define SCOPE_GENERATE (SCOPE_LAUNCH | SCOPE_CONFIGURE)

#define MODELS_SEV ((1u << MODEL_SEV) | (1u << MODEL_SEV_ES))
#define MODELS_SNP (1u << MODEL_SEV_SNP)
#define MODELS_ALL (MODELS_SEV | MODELS_SNP)

typedef struct {
        const char *key;
        OptionKind kind;
        unsigned scopes, models;
        size_t offset;          /* of the field in LaunchOptions */
        gsize blob_size;        /* KIND_BLOB: exact decoded size, 0 = any up to SEV_BLOB_MAX */
} OptionInfo;

#define FIELD(f) offsetof(LaunchOptions, f)

static const OptionInfo options_table[] = {
        { "policy",                    KIND_UINT,   SCOPE_GENERATE,  MODELS_ALL, FIELD(policy), 0 },
        { "kernel_hashes",             KIND_BOOL,   SCOPE_GENERATE,  MODELS_ALL, FIELD(kernel_hashes), 0 },
        { "allow_debug",               KIND_FLAG,   SCOPE_GENERATE | SCOPE_VALIDATE, MODELS_ALL,
          FIELD(allow_debug), 0 },
        { "keep_balloon",              KIND_FLAG,   SCOPE_CONFIGURE | SCOPE_VALIDATE, MODELS_ALL,
          FIELD(keep_balloon), 0 },
        { "model",                     KIND_MODEL,  SCOPE_VALIDATE,  MODELS_ALL, FIELD(model), 0 },
        { "dh_cert",                   KIND_BLOB,   SCOPE_GENERATE,  MODELS_SEV, FIELD(dh_cert), 0 },
        { "session",                   KIND_BLOB,   SCOPE_GENERATE,  MODELS_SEV, FIELD(session), 0 },
        { "host_data",                 KIND_BLOB,   SCOPE_GENERATE,  MODELS_SNP, FIELD(host_data), SNP_HOST_DATA_SIZE },
        { "id_block",                  KIND_BLOB,   SCOPE_GENERATE,  MODELS_SNP, FIELD(id_block), SNP_ID_BLOCK_SIZE },
        { "id_auth",                   KIND_BLOB,   SCOPE_GENERATE,  MODELS_SNP, FIELD(id_auth), SNP_ID_AUTH_SIZE },
        { "guest_visible_workarounds", KIND_BLOB,   SCOPE_GENERATE,  MODELS_SNP, FIELD(guest_visible_workarounds),
          SNP_GOSVW_SIZE },
        { "author_key",                KIND_BOOL,   SCOPE_GENERATE,  MODELS_SNP, FIELD(author_key), 0 },
        { "vcek",                      KIND_BOOL,   SCOPE_GENERATE,  MODELS_SNP, FIELD(vcek), 0 },
};

/* More keys than this is not a mistake anyone makes by accident. */
#define OPTIONS_MAX 64

void launch_options_clear(LaunchOptions *o) {
        /* The table knows which fields are allocated: a new blob option is freed without a second list. */
        for (size_t i = 0; i < G_N_ELEMENTS(options_table); i++)
                if (options_table[i].kind == KIND_BLOB)
                        g_free(G_STRUCT_MEMBER(char *, o, options_table[i].offset));
        memset(o, 0, sizeof(*o));
}

static void launch_options_init(LaunchOptions *o) {
        memset(o, 0, sizeof(*o));
        o->kernel_hashes = o->author_key = o->vcek = -1;
        o->model = MODEL_INVALID;
}

static const OptionInfo *option_find(const char *key, OptionsScope scope) {
        for (size_t i = 0; i < G_N_ELEMENTS(options_table); i++)
                if (strcmp(options_table[i].key, key) == 0 && (options_table[i].scopes & (1u << scope)))
                        return &options_table[i];
        return NULL;
}

static char *known_keys(OptionsScope scope) {
        GString *s = g_string_new(NULL);

        for (size_t i = 0; i < G_N_ELEMENTS(options_table); i++)
                if (options_table[i].scopes & (1u << scope))
                        g_string_append_printf(s, "%s%s", s->len ? ", " : "", options_table[i].key);
        return g_string_free(s, FALSE);
}

ApiError blob_check(const char *what, const char *b64, gsize exact, char **message) {
        g_autofree guchar *data = NULL;
        g_autofree char *again = NULL;
        gsize len = 0, n = strlen(b64);

        /* g_base64_decode() skips what it does not understand; a round trip proves canonical input. */
        if (n == 0 || n % 4 != 0 || n > (SNP_ID_AUTH_SIZE + SEV_BLOB_MAX) * 2)
                return api_fail(message, API_INVALID_ARGUMENT, "%s is not base64 (length %zu)", what, n);
        data = g_base64_decode(b64, &len);
        again = g_base64_encode(data, len);
        if (strcmp(again, b64) != 0)
                return api_fail(message, API_INVALID_ARGUMENT,
                                "%s is not base64: only A-Z a-z 0-9 + / and '=' padding, no spaces or line breaks",
                                what);
        if (exact && len != exact)
                return api_fail(message, API_INVALID_ARGUMENT, "%s decodes to %zu bytes; it must be exactly %zu",
                                what, len, (size_t) exact);
        if (!exact && (len == 0 || len > SEV_BLOB_MAX))
                return api_fail(message, API_INVALID_ARGUMENT, "%s decodes to %zu bytes; at most %u are accepted",
                                what, len, SEV_BLOB_MAX);
        return API_OK;
}

static ApiError read_uint(GVariant *v, const char *key, uint64_t *ret, char **message) {
        int64_t s = -1;

        if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64))
                *ret = g_variant_get_uint64(v);
        else if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32))
                *ret = g_variant_get_uint32(v);
        else if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT16))
                *ret = g_variant_get_uint16(v);
        else if (g_variant_is_of_type(v, G_VARIANT_TYPE_BYTE))
                *ret = g_variant_get_byte(v);
        else {
                if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT64))
                        s = g_variant_get_int64(v);
                else if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT32))
                        s = g_variant_get_int32(v);
                else if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT16))
                        s = g_variant_get_int16(v);
                else
                        return api_fail(message, API_INVALID_ARGUMENT,
                                        "option '%s' has type '%s'; it takes an integer (t)", key,
                                        g_variant_get_type_string(v));
                if (s < 0)
                        return api_fail(message, API_INVALID_ARGUMENT, "option '%s' is negative (%" G_GINT64_FORMAT ")",
                                        key, s);
                *ret = (uint64_t) s;
        }
        return API_OK;
}

static ApiError expect_type(GVariant *v, const char *key, const GVariantType *t, const char *what, char **message) {
        if (g_variant_is_of_type(v, t))
                return API_OK;
        return api_fail(message, API_INVALID_ARGUMENT, "option '%s' has type '%s'; it takes %s (%s)", key,
                        g_variant_get_type_string(v), what, g_variant_type_peek_string(t));
}

static ApiError read_model(GVariant *v, const char *key, Model *ret, char **message) {
        ApiError e = expect_type(v, key, G_VARIANT_TYPE_STRING, "a string", message);

        if (e != API_OK)
                return e;
        *ret = model_from_name(g_variant_get_string(v, NULL));
        if (*ret == MODEL_INVALID)
                return api_fail(message, API_UNKNOWN_MODEL, "option '%s' is '%.64s'; use amd-sev, amd-sev-es or amd-sev-snp",
                                key, g_variant_get_string(v, NULL));
        return API_OK;
}

static ApiError read_blob(GVariant *v, const OptionInfo *info, char **field, char **message) {
        ApiError e = expect_type(v, info->key, G_VARIANT_TYPE_STRING, "a base64 string", message);

        if (e == API_OK)
                e = blob_check(info->key, g_variant_get_string(v, NULL), info->blob_size, message);
        if (e != API_OK)
                return e;
        g_free(*field);
        *field = g_variant_dup_string(v, NULL);
        return API_OK;
}

static ApiError read_option(const char *key, GVariant *v, OptionsScope scope, LaunchOptions *o, char **message) {
        const OptionInfo *info = option_find(key, scope);
        ApiError e;

        if (!info) {
                g_autofree char *known = known_keys(scope);
                return api_fail(message, API_INVALID_ARGUMENT, "unknown option '%.64s'; known options: %s", key,
                                known);
        }
        switch (info->kind) {
        case KIND_UINT:
                o->has_policy = true;
                return read_uint(v, key, G_STRUCT_MEMBER_P(o, info->offset), message);
        case KIND_FLAG:
        case KIND_BOOL:
                e = expect_type(v, key, G_VARIANT_TYPE_BOOLEAN, "a boolean", message);
                if (e != API_OK)
                        return e;
                if (info->kind == KIND_FLAG)
                        *(bool *) G_STRUCT_MEMBER_P(o, info->offset) = g_variant_get_boolean(v);
                else
                        *(int *) G_STRUCT_MEMBER_P(o, info->offset) = g_variant_get_boolean(v);
                return API_OK;
        case KIND_MODEL:
                return read_model(v, key, G_STRUCT_MEMBER_P(o, info->offset), message);
        case KIND_BLOB:
                return read_blob(v, info, G_STRUCT_MEMBER_P(o, info->offset), message);
        }
        g_assert_not_reached();
}

ApiError launch_options_parse(GVariant *options, OptionsScope scope, LaunchOptions *ret, char **message) {
        GVariantIter iter;
        const char *key;
        GVariant *value;

        launch_options_init(ret);
        if (!options)
                return API_OK;
        g_return_val_if_fail(g_variant_is_of_type(options, G_VARIANT_TYPE_VARDICT), API_INVALID_ARGUMENT);
        if (g_variant_n_children(options) > OPTIONS_MAX)
                return api_fail(message, API_INVALID_ARGUMENT, "%zu options given; at most %d are accepted",
                                g_variant_n_children(options), OPTIONS_MAX);
        g_variant_iter_init(&iter, options);
        while (g_variant_iter_loop(&iter, "{&sv}", &key, &value)) {
                ApiError e = read_option(key, value, scope, ret, message);
                if (e != API_OK) {
                        g_variant_unref(value);
                        launch_options_clear(ret);
                        return e;
                }
        }
        if (ret->author_key == 1 && !ret->id_auth) {
                launch_options_clear(ret);
                return api_fail(message, API_INVALID_ARGUMENT,
                                "option 'author_key' needs 'id_auth', which carries the author key");
        }
        return API_OK;
}

static bool option_set(const LaunchOptions *o, const OptionInfo *info) {
        switch (info->kind) {
        case KIND_UINT:
                return o->has_policy;
        case KIND_BOOL:
                return *(const int *) G_STRUCT_MEMBER_P(o, info->offset) >= 0;
        case KIND_FLAG:         /* the same meaning for every model */
        case KIND_MODEL:
                return false;
        case KIND_BLOB:
                return *(char *const *) G_STRUCT_MEMBER_P(o, info->offset) != NULL;
        }
        return false;
}

ApiError launch_options_check_model(const LaunchOptions *o, Model m, char **message) {
        for (size_t i = 0; i < G_N_ELEMENTS(options_table); i++) {
                const OptionInfo *info = &options_table[i];
                if (!(info->models & (1u << m)) && option_set(o, info))
                        return api_fail(message, API_INVALID_ARGUMENT, "option '%s' applies to %s only, not to %s",
                                        info->key, info->models == MODELS_SNP ? "SEV-SNP" : "SEV and SEV-ES",
                                        model_title(m));
        }
        return API_OK;
}
