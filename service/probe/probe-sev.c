/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /dev/sev platform status: SEV_PLATFORM_STATUS and SNP_PLATFORM_STATUS on a
 * live host, or dev/sev.json in a snapshot. Both end up in SevPlatformFacts;
 * what the values mean is the core's business.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <json-glib/json-glib.h>

#if __has_include(<linux/psp-sev.h>)
#  include <linux/psp-sev.h>
#  define HAVE_LINUX_PSP_SEV_H 1
#else
struct sev_issue_cmd {
        uint32_t cmd;
        uint64_t data;
        uint32_t error;
} __attribute__((packed));
#  define SEV_ISSUE_CMD _IOWR('S', 0x0, struct sev_issue_cmd)
#endif

#include "fileio.h"
#include "json-util.h"
#include "probe.h"
#include "probe-sev-raw.h"
#include "text.h"

/* Our own names: SNP_PLATFORM_STATUS is an enum member only in newer kernel headers. */
#define SEV_CMD_PLATFORM_STATUS     1u
#define SEV_CMD_SNP_PLATFORM_STATUS 9u

G_STATIC_ASSERT(sizeof(struct sev_issue_cmd) == 16);
G_STATIC_ASSERT(SEV_ISSUE_CMD == 0xC0105300u);
#ifdef HAVE_LINUX_PSP_SEV_H
G_STATIC_ASSERT(SEV_PLATFORM_STATUS == SEV_CMD_PLATFORM_STATUS);
G_STATIC_ASSERT(sizeof(struct sev_user_data_status) == SEV_STATUS_RAW_SIZE);
#endif

/*
 * The SNP status is read as bytes rather than through the kernel's
 * struct sev_user_data_snp_status: Debian 12's headers lack it, and newer
 * ones declare its flags as bit fields, whose layout is the compiler's.
 */

#define SEV_JSON_MAX ((size_t) 64 * 1024)
#define SEV_JSON_MAX_DEPTH 16
#define SNP_UNAVAILABLE "SNP_PLATFORM_STATUS not available (SNP not initialised, or kernel without SNP)"

/* ---- TCB and raw status decoding ---------------------------------------- */

void tcb_decode(uint64_t raw, CpuGeneration gen, TcbVersion *out) {
        uint8_t b[8];

        for (size_t i = 0; i < sizeof(b); i++)
                b[i] = (uint8_t) (raw >> (8 * i));

        /* Older and unknown generations have no other layout than Zen 3/4's. */
        switch (cpu_generation_info(gen)->tcb_layout) {
        case TCB_LAYOUT_ZEN5:
                *out = (TcbVersion) { .fmc = b[0], .boot_loader = b[1], .tee = b[2],
                                      .snp = b[3], .microcode = b[7], .has_fmc = true };
                break;
        case TCB_LAYOUT_ZEN3_ZEN4:
                *out = (TcbVersion) { .boot_loader = b[0], .tee = b[1],
                                      .snp = b[6], .microcode = b[7], .has_fmc = false };
                break;
        }
}

static uint32_t le32(const uint8_t *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static uint64_t le64(const uint8_t *p) {
        return (uint64_t) le32(p) | (uint64_t) le32(p + 4) << 32;
}

void sev_status_decode_raw(const uint8_t raw[SEV_STATUS_RAW_SIZE], SevPlatformFacts *s) {
        s->api_major = raw[0];
        s->api_minor = raw[1];
        s->state = raw[2];
        s->flags = le32(raw + 3);
        s->build = raw[7];
        s->guest_count = le32(raw + 8);
}

void snp_status_decode_raw(const uint8_t raw[SNP_STATUS_RAW_SIZE], CpuGeneration gen, SevPlatformFacts *s) {
        s->snp_api_major = raw[0];
        s->snp_api_minor = raw[1];
        s->snp_state = raw[2];
        /* Byte 3 gains bits with firmware updates (alias check, TIO): test bits, never the byte. */
        s->rmp_initialized = raw[3] & 0x01;
        s->alias_check_complete = raw[3] & 0x02;
        s->snp_build_id = le32(raw + 4);
        s->snp_feature_flags = le32(raw + 8);
        s->snp_guest_count = le32(raw + 12);
        s->current_tcb = le64(raw + 16);
        s->reported_tcb = le64(raw + 24);
        tcb_decode(s->current_tcb, gen, &s->current_tcb_decoded);
        tcb_decode(s->reported_tcb, gen, &s->reported_tcb_decoded);
}

/* ---- dev/sev.json -------------------------------------------------------- */

static bool fail(char **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static bool fail(char **error, const char *fmt, ...) {
        va_list ap;

        if (error) {
                g_free(*error);
                va_start(ap, fmt);
                *error = g_strdup_vprintf(fmt, ap);
                va_end(ap);
        }
        return false;
}


static bool json_input_ok(const char *json, size_t len, char **error) {
        if (!json)
                return fail(error, "no document");
        if (len > SEV_JSON_MAX)
                return fail(error, "document of %zu bytes is larger than the %zu byte limit", len, SEV_JSON_MAX);
        if (memchr(json, '\0', len))
                return fail(error, "document contains NUL bytes");
        if (!g_utf8_validate(json, (gssize) len, NULL))
                return fail(error, "document is not valid UTF-8");
        if (!json_depth_within(json, len, SEV_JSON_MAX_DEPTH))
                return fail(error, "document nests deeper than %d levels", SEV_JSON_MAX_DEPTH);
        if (!json_one_object(json, len))
                return fail(error, "the document is not one well-formed JSON object");
        return true;
}

/* A JSON value as it appeared, shortened so a message stays one line. */
static char *node_text(JsonNode *n) {
        g_autofree char *text = json_to_string(n, FALSE);

        if (!text)
                return g_strdup("(nothing)");
        return utf8_shorten(text, 40, "...");
}

static bool fail_type(char **error, const char *obj, const char *key, const char *expected, JsonNode *n) {
        g_autofree char *text = node_text(n);
        return fail(error, "\"%s\".\"%s\": expected %s, got %s", obj, key, expected, text);
}

/* Looks KEY up in O; a missing key is an error only when REQUIRED. */
static bool member(JsonObject *o, const char *obj, const char *key, bool required,
                   JsonNode **out, char **error) {
        *out = json_object_get_member(o, key);
        if (!*out && required)
                return fail(error, "\"%s\": missing key \"%s\"", obj, key);
        return true;
}

static bool node_is(JsonNode *n, GType type) {
        return JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == type;
}

/* member(), and a present KEY must hold a value of TYPE (EXPECTED says which, for people). */
static bool typed_member(JsonObject *o, const char *obj, const char *key, bool required, GType type,
                         const char *expected, JsonNode **out, char **error) {
        if (!member(o, obj, key, required, out, error))
                return false;
        if (*out && !node_is(*out, type))
                return fail_type(error, obj, key, expected, *out);
        return true;
}

/* Reads an integer in 0..MAX. OUT is left alone when an optional key is absent. */
static bool read_uint(JsonObject *o, const char *obj, const char *key, bool required,
                      uint64_t max, uint64_t *out, char **error) {
        JsonNode *n;

        if (!typed_member(o, obj, key, required, G_TYPE_INT64, "an integer", &n, error))
                return false;
        if (!n)
                return true;

        gint64 v = json_node_get_int(n);
        if (v < 0 || (uint64_t) v > max)
                return fail(error, "\"%s\".\"%s\": %" G_GINT64_FORMAT " is out of range 0..%" PRIu64,
                            obj, key, v, max);
        *out = (uint64_t) v;
        return true;
}

static bool read_u8(JsonObject *o, const char *obj, const char *key, uint8_t *out, char **error) {
        uint64_t v = 0;

        if (!read_uint(o, obj, key, true, UINT8_MAX, &v, error))
                return false;
        *out = (uint8_t) v;
        return true;
}

static bool read_u32(JsonObject *o, const char *obj, const char *key, bool required,
                     uint32_t *out, char **error) {
        uint64_t v = *out;

        if (!read_uint(o, obj, key, required, UINT32_MAX, &v, error))
                return false;
        *out = (uint32_t) v;
        return true;
}

static bool read_bool(JsonObject *o, const char *obj, const char *key, bool required,
                      bool *out, char **error) {
        JsonNode *n;

        if (!typed_member(o, obj, key, required, G_TYPE_BOOLEAN, "true or false", &n, error))
                return false;
        if (n)
                *out = json_node_get_boolean(n);
        return true;
}

/* "0x" and 1 to 16 hex digits, nothing else. */
static bool parse_hex_u64(const char *s, uint64_t *out) {
        uint64_t v = 0;
        size_t n;

        if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
                return false;
        s += 2;
        n = strlen(s);
        if (n == 0 || n > 16)
                return false;
        for (; *s; s++) {
                if (!g_ascii_isxdigit(*s))
                        return false;
                v = v << 4 | (uint64_t) g_ascii_xdigit_value(*s);
        }
        *out = v;
        return true;
}

/* A TCB_VERSION: a "0x..." string (the whole u64 range) or a non-negative integer. */
static bool read_tcb(JsonObject *o, const char *obj, const char *key, uint64_t *out, char **error) {
        JsonNode *n;

        if (!member(o, obj, key, true, &n, error))
                return false;
        if (node_is(n, G_TYPE_INT64))
                return read_uint(o, obj, key, true, INT64_MAX, out, error);
        if (node_is(n, G_TYPE_STRING) && parse_hex_u64(json_node_get_string(n), out))
                return true;
        return fail_type(error, obj, key, "a hex string \"0x...\" of at most 16 digits", n);
}

/*
 * The members of dev/sev.json's "sev" and "snp" objects and the fields they hold, in the order a
 * snapshot writes them: one list for reading (parse_*_object) and writing (build_object). Each
 * field's C type is checked against its kind at compile time.
 */
typedef enum {
        SEV_FIELD_U8,
        SEV_FIELD_U32,
        SEV_FIELD_BOOL,
        SEV_FIELD_TCB,          /* a TCB_VERSION: "0x..." or an integer (read_tcb()) */
} SevFieldKind;

typedef struct {
        const char *key;
        SevFieldKind kind;
        bool required;          /* an absent optional member leaves the field 0 */
        size_t offset;
} SevField;

#define SEV_FIELD(k, kind, type, req, m)                                                               \
        { k, kind, req, offsetof(SevPlatformFacts, m) +                                                \
          0 * sizeof(char[__builtin_types_compatible_p(__typeof__(((SevPlatformFacts *) 0)->m), type) ? 1 : -1]) }
#define F_U8(k, m)              SEV_FIELD(k, SEV_FIELD_U8, uint8_t, true, m)
#define F_U32(k, req, m)        SEV_FIELD(k, SEV_FIELD_U32, uint32_t, req, m)
#define F_BOOL(k, req, m)       SEV_FIELD(k, SEV_FIELD_BOOL, bool, req, m)
#define F_TCB(k, m)             SEV_FIELD(k, SEV_FIELD_TCB, uint64_t, true, m)

static const SevField sev_fields[] = {
        F_U8("api_major", api_major),
        F_U8("api_minor", api_minor),
        F_U8("build", build),
        F_U8("state", state),
        F_U32("flags", true, flags),
        F_U32("guest_count", true, guest_count),
};

/* alias_check_complete, feature_flags and guest_count came later; absent means 0. */
static const SevField snp_fields[] = {
        F_U8("api_major", snp_api_major),
        F_U8("api_minor", snp_api_minor),
        F_U32("build_id", true, snp_build_id),
        F_U8("state", snp_state),
        F_BOOL("is_rmp_initialized", true, rmp_initialized),
        F_BOOL("alias_check_complete", false, alias_check_complete),
        F_U32("feature_flags", false, snp_feature_flags),
        F_U32("guest_count", false, snp_guest_count),
        F_TCB("current_tcb", current_tcb),
        F_TCB("reported_tcb", reported_tcb),
};

static bool read_fields(JsonObject *o, const char *obj, const SevField *fields, size_t n, SevPlatformFacts *t,
                        char **error) {
        for (size_t i = 0; i < n; i++) {
                const SevField *f = &fields[i];
                void *field = (char *) t + f->offset;
                bool good = false;

                switch (f->kind) {
                case SEV_FIELD_U8:   good = read_u8(o, obj, f->key, field, error); break;
                case SEV_FIELD_U32:  good = read_u32(o, obj, f->key, f->required, field, error); break;
                case SEV_FIELD_BOOL: good = read_bool(o, obj, f->key, f->required, field, error); break;
                case SEV_FIELD_TCB:  good = read_tcb(o, obj, f->key, field, error); break;
                }
                if (!good)
                        return false;
        }
        return true;
}

static bool parse_sev_object(JsonObject *root, SevPlatformFacts *t, char **error) {
        JsonNode *n = json_object_get_member(root, "sev");
        JsonObject *o;

        if (!n) {
                source_set(&t->sev_src, SOURCE_MISSING,
                           "SEV_PLATFORM_STATUS not recorded (no \"sev\" in dev/sev.json)");
                return true;
        }
        if (!JSON_NODE_HOLDS_OBJECT(n)) {
                g_autofree char *text = node_text(n);
                return fail(error, "\"sev\": expected an object, got %s", text);
        }
        o = json_node_get_object(n);
        if (!read_fields(o, "sev", sev_fields, G_N_ELEMENTS(sev_fields), t, error))
                return false;
        source_clear(&t->sev_src);
        return true;
}

/* "snp_error": why SNP_PLATFORM_STATUS failed, as a short code ("EINVAL"). */
static bool read_snp_error(JsonObject *root, const char **out, char **error) {
        JsonNode *n = json_object_get_member(root, "snp_error");

        *out = NULL;
        if (!n)
                return true;
        if (!node_is(n, G_TYPE_STRING))
                return fail(error, "\"snp_error\": expected a string");

        const char *code = json_node_get_string(n);
        size_t len = strlen(code);
        if (len == 0 || len > 64)
                return fail(error, "\"snp_error\": expected 1 to 64 characters, got %zu", len);
        for (const char *c = code; *c; c++)
                if (!g_ascii_isprint(*c))
                        return fail(error, "\"snp_error\": contains a non-printable character");
        *out = code;
        return true;
}

static bool parse_snp_fields(JsonObject *o, CpuGeneration gen, SevPlatformFacts *t, char **error) {
        if (!read_fields(o, "snp", snp_fields, G_N_ELEMENTS(snp_fields), t, error))
                return false;
        tcb_decode(t->current_tcb, gen, &t->current_tcb_decoded);
        tcb_decode(t->reported_tcb, gen, &t->reported_tcb_decoded);
        return true;
}

static bool parse_snp_object(JsonObject *root, CpuGeneration gen, SevPlatformFacts *t, char **error) {
        JsonNode *n = json_object_get_member(root, "snp");
        const char *snp_error;

        if (!read_snp_error(root, &snp_error, error))
                return false;
        if (n && snp_error)
                return fail(error, "\"snp\" and \"snp_error\" cannot both be present");
        if (!n) {
                if (snp_error)
                        source_set(&t->snp_src, SOURCE_MISSING, SNP_UNAVAILABLE ": %s", snp_error);
                else
                        source_set(&t->snp_src, SOURCE_MISSING, SNP_UNAVAILABLE);
                return true;
        }
        if (!JSON_NODE_HOLDS_OBJECT(n)) {
                g_autofree char *text = node_text(n);
                return fail(error, "\"snp\": expected an object, got %s", text);
        }
        if (!parse_snp_fields(json_node_get_object(n), gen, t, error))
                return false;
        source_clear(&t->snp_src);
        return true;
}

static void sev_facts_free_sources(SevPlatformFacts *s) {
        g_clear_pointer(&s->device.detail, g_free);
        g_clear_pointer(&s->sev_src.detail, g_free);
        g_clear_pointer(&s->snp_src.detail, g_free);
}

/* Replaces everything in DST but its device Source with SRC, which is emptied. */
static void sev_facts_take(SevPlatformFacts *dst, SevPlatformFacts *src) {
        Source device = dst->device;

        g_free(dst->sev_src.detail);
        g_free(dst->snp_src.detail);
        *dst = *src;
        dst->device = device;
        *src = (SevPlatformFacts) {};
}

bool sev_status_parse_json(const char *json, size_t len, CpuGeneration gen, SevPlatformFacts *s, char **error) {
        g_autoptr(JsonParser) parser = NULL;
        g_autoptr(GError) err = NULL;
        SevPlatformFacts t = {};
        JsonNode *root;
        bool ok;

        if (!json_input_ok(json, len, error))
                return false;

        parser = json_parser_new_immutable();
        if (!json_parser_load_from_data(parser, json, (gssize) len, &err))
                return fail(error, "not JSON: %s", err->message);
        root = json_parser_get_root(parser);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root))
                return fail(error, "expected a JSON object at the top level");

        /* Parse into T so a malformed document leaves S as it was. */
        ok = parse_sev_object(json_node_get_object(root), &t, error) &&
             parse_snp_object(json_node_get_object(root), gen, &t, error);
        if (ok)
                sev_facts_take(s, &t);
        sev_facts_free_sources(&t);
        return ok;
}

/* Hex strings: a JSON integer cannot hold a u64 above INT64_MAX. */
static void add_tcb(JsonBuilder *b, const char *key, uint64_t v) {
        g_autofree char *hex = g_strdup_printf("0x%016" PRIx64, v);

        json_member_string(b, key, hex);
}

static void build_object(JsonBuilder *b, const char *obj, const SevField *fields, size_t n,
                         const SevPlatformFacts *s) {
        json_builder_set_member_name(b, obj);
        json_builder_begin_object(b);
        for (size_t i = 0; i < n; i++) {
                const SevField *f = &fields[i];
                const void *field = (const char *) s + f->offset;

                switch (f->kind) {
                case SEV_FIELD_U8:   json_member_int(b, f->key, *(const uint8_t *) field); break;
                case SEV_FIELD_U32:  json_member_int(b, f->key, *(const uint32_t *) field); break;
                case SEV_FIELD_BOOL: json_member_bool(b, f->key, *(const bool *) field); break;
                case SEV_FIELD_TCB:  add_tcb(b, f->key, *(const uint64_t *) field); break;
                }
        }
        json_builder_end_object(b);
}

char *sev_status_to_json(const SevPlatformFacts *s) {
        g_autoptr(JsonBuilder) b = json_builder_new_immutable();
        g_autoptr(JsonGenerator) gen = json_generator_new();
        g_autoptr(JsonNode) root = NULL;
        g_autofree char *text = NULL;

        json_builder_begin_object(b);
        if (s->sev_src.status == SOURCE_OK)
                build_object(b, "sev", sev_fields, G_N_ELEMENTS(sev_fields), s);
        if (s->snp_src.status == SOURCE_OK)
                build_object(b, "snp", snp_fields, G_N_ELEMENTS(snp_fields), s);
        json_builder_end_object(b);

        root = json_builder_get_root(b);
        json_generator_set_root(gen, root);
        json_generator_set_pretty(gen, TRUE);
        text = json_generator_to_data(gen, NULL);
        return g_strconcat(text, "\n", NULL);
}

/* ---- probes ---------------------------------------------------------------- */

/* The only place that talks to the PSP driver. Returns 0 or -errno. */
static int sev_issue_status(int fd, uint32_t cmd, void *data, uint32_t *fw_error) {
        struct sev_issue_cmd arg = { .cmd = cmd, .data = (uint64_t) (uintptr_t) data };
        int r;

        do
                r = ioctl(fd, SEV_ISSUE_CMD, &arg);
        while (r < 0 && errno == EINTR);
        *fw_error = arg.error;
        return r < 0 ? -errno : 0;
}

/* "Input/output error (firmware error 0x3)", for a failed status command. */
static char *status_failure(int r, uint32_t fw_error) {
        if (fw_error == 0)
                return g_strdup(g_strerror(-r));
        if (r == 0)
                return g_strdup_printf("firmware error 0x%" PRIx32, fw_error);
        return g_strdup_printf("%s (firmware error 0x%" PRIx32 ")", g_strerror(-r), fw_error);
}

/* Returns false when the device turned out not to be the SEV device at all. */
static bool sev_read_platform_status(int fd, SevPlatformFacts *s) {
        uint8_t raw[SEV_STATUS_RAW_SIZE] = {};
        uint32_t fw_error = 0;
        int r = sev_issue_status(fd, SEV_CMD_PLATFORM_STATUS, raw, &fw_error);

        if (r == -ENOTTY) {
                /* Something else sits at /dev/sev: nothing read from it could be trusted. */
                source_set(&s->device, SOURCE_INVALID, "/dev/sev: not the SEV device: SEV_PLATFORM_STATUS: %s",
                           g_strerror(ENOTTY));
                return false;
        }
        if (r < 0 || fw_error != 0) {
                g_autofree char *why = status_failure(r, fw_error);
                source_set(&s->sev_src, r < 0 ? source_status_from_errno(-r) : SOURCE_ERROR,
                           "/dev/sev: SEV_PLATFORM_STATUS failed: %s", why);
                return true;
        }
        sev_status_decode_raw(raw, s);
        source_clear(&s->sev_src);
        return true;
}

static void snp_read_platform_status(int fd, CpuGeneration gen, SevPlatformFacts *s) {
        uint8_t raw[SNP_STATUS_RAW_SIZE] = {};
        uint32_t fw_error = 0;
        int r = sev_issue_status(fd, SEV_CMD_SNP_PLATFORM_STATUS, raw, &fw_error);

        if (r == 0 && fw_error == 0) {
                snp_status_decode_raw(raw, gen, s);
                source_clear(&s->snp_src);
                return;
        }

        g_autofree char *why = status_failure(r, fw_error);
        /* Kernels before SNP do not know command 9; 6.11-era ones answer EINVAL until SNP INIT. */
        if (r == -EINVAL || fw_error != 0)
                source_set(&s->snp_src, SOURCE_MISSING, SNP_UNAVAILABLE ": %s", why);
        else
                source_set(&s->snp_src, source_status_from_errno(-r),
                           "/dev/sev: SNP_PLATFORM_STATUS failed: %s", why);
}

static void probe_sev_live(const char *root, CpuGeneration gen, SevPlatformFacts *s) {
        int fd;

        /* Read-only is enough for the status commands and never changes platform state. */
        fd = root_open(root, "dev/sev", O_RDONLY);
        if (fd < 0) {
                int err = errno;
                source_set(&s->device, source_status_from_errno(err), "/dev/sev: %s", host_strerror(err));
                return;
        }
        source_clear(&s->device);
        if (sev_read_platform_status(fd, s))
                snp_read_platform_status(fd, gen, s);
        close(fd);
}

static void probe_sev_snapshot(const char *root, CpuGeneration gen, SevPlatformFacts *s) {
        g_autofree char *json = NULL;
        g_autofree char *error = NULL;
        size_t len = 0;
        SourceStatus st;

        st = host_read_file(root, "dev/sev.json", SEV_JSON_MAX, &json, &len, &s->device);
        if (st == SOURCE_MISSING && !source_left_root(&s->device)) {
                source_set(&s->device, SOURCE_MISSING, "no /dev/sev (dev/sev.json absent in the snapshot)");
                return;
        }
        if (st != SOURCE_OK)
                return;
        if (!sev_status_parse_json(json, len, gen, s, &error)) {
                source_set(&s->device, SOURCE_INVALID, "/dev/sev.json: %s", error);
                return;
        }
        source_clear(&s->device);
}

/* Back to "nothing known", as host_facts_init() leaves it, so a re-probe keeps nothing stale. */
static void sev_facts_reset(SevPlatformFacts *s) {
        sev_facts_free_sources(s);
        *s = (SevPlatformFacts) {};
        s->device.status = s->sev_src.status = s->snp_src.status = SOURCE_MISSING;
}

void probe_sev_platform(const char *root, bool live, CpuGeneration gen, SevPlatformFacts *s) {
        sev_facts_reset(s);
        if (live)
                probe_sev_live(root, gen, s);
        else
                probe_sev_snapshot(root, gen, s);
}
