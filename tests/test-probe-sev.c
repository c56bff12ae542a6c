/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /dev/sev: TCB layouts, raw status decoding, dev/sev.json, the live and snapshot probes. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <glib.h>
#include <glib/gstdio.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "probe.h"
#include "probe-sev-raw.h"

#define SNP_UNAVAILABLE "SNP_PLATFORM_STATUS not available (SNP not initialised, or kernel without SNP)"

static const char full_doc[] =
        "{\"sev\": {\"api_major\":1,\"api_minor\":55,\"build\":31,\"state\":2,\"flags\":256,\"guest_count\":3},"
        " \"snp\": {\"api_major\":1,\"api_minor\":57,\"build_id\":7,\"state\":1,\"is_rmp_initialized\":true,"
        "\"alias_check_complete\":true,\"feature_flags\":36,\"guest_count\":2,"
        "\"current_tcb\":\"0xd51b000000000004\",\"reported_tcb\":\"0xd518000000000003\"}}";

/* As host_facts_init() leaves it: every source unknown. */
static void sev_init(SevPlatformFacts *s) {
        *s = (SevPlatformFacts) {};
        s->device.status = s->sev_src.status = s->snp_src.status = SOURCE_MISSING;
}

static void sev_clear(SevPlatformFacts *s) {
        g_free(s->device.detail);
        g_free(s->sev_src.detail);
        g_free(s->snp_src.detail);
        *s = (SevPlatformFacts) {};
}

static void assert_tcb_equal(const TcbVersion *a, const TcbVersion *b) {
        assert_int_equal(a->boot_loader, b->boot_loader);
        assert_int_equal(a->tee, b->tee);
        assert_int_equal(a->snp, b->snp);
        assert_int_equal(a->microcode, b->microcode);
        assert_int_equal(a->fmc, b->fmc);
        assert_int_equal(a->has_fmc, b->has_fmc);
}

/* Every fact (not the Source details) of A and B is the same. */
static void assert_sev_facts_equal(const SevPlatformFacts *a, const SevPlatformFacts *b) {
        assert_int_equal(a->sev_src.status, b->sev_src.status);
        assert_int_equal(a->snp_src.status, b->snp_src.status);
        assert_int_equal(a->api_major, b->api_major);
        assert_int_equal(a->api_minor, b->api_minor);
        assert_int_equal(a->build, b->build);
        assert_int_equal(a->state, b->state);
        assert_int_equal(a->flags, b->flags);
        assert_int_equal(a->guest_count, b->guest_count);
        assert_int_equal(a->snp_api_major, b->snp_api_major);
        assert_int_equal(a->snp_api_minor, b->snp_api_minor);
        assert_int_equal(a->snp_state, b->snp_state);
        assert_int_equal(a->rmp_initialized, b->rmp_initialized);
        assert_int_equal(a->alias_check_complete, b->alias_check_complete);
        assert_int_equal(a->snp_build_id, b->snp_build_id);
        assert_int_equal(a->snp_feature_flags, b->snp_feature_flags);
        assert_int_equal(a->snp_guest_count, b->snp_guest_count);
        assert_true(a->current_tcb == b->current_tcb);
        assert_true(a->reported_tcb == b->reported_tcb);
        assert_tcb_equal(&a->current_tcb_decoded, &b->current_tcb_decoded);
        assert_tcb_equal(&a->reported_tcb_decoded, &b->reported_tcb_decoded);
}

/* ---- TCB_VERSION ------------------------------------------------------------- */

static void test_tcb_milan(void **state) {
        TcbVersion t;

        tcb_decode(0xd51b000000000004ULL, CPU_GEN_MILAN, &t);
        assert_int_equal(t.microcode, 0xd5);
        assert_int_equal(t.snp, 0x1b);
        assert_int_equal(t.tee, 0);
        assert_int_equal(t.boot_loader, 4);
        assert_int_equal(t.fmc, 0);
        assert_false(t.has_fmc);
}

static void test_tcb_genoa_family(void **state) {
        /* bl 7, tee 1, snp 0x16, ucode 0xd4; bytes 2..5 reserved and set to prove they are ignored */
        const uint64_t raw = 0xd416ffffffff0107ULL;
        const CpuGeneration gens[] = { CPU_GEN_GENOA, CPU_GEN_BERGAMO, CPU_GEN_SIENA, CPU_GEN_UNKNOWN };

        for (size_t i = 0; i < G_N_ELEMENTS(gens); i++) {
                TcbVersion t;

                tcb_decode(raw, gens[i], &t);
                assert_int_equal(t.boot_loader, 7);
                assert_int_equal(t.tee, 1);
                assert_int_equal(t.snp, 0x16);
                assert_int_equal(t.microcode, 0xd4);
                assert_int_equal(t.fmc, 0);
                assert_false(t.has_fmc);
        }
}

static void test_tcb_turin(void **state) {
        /* fmc 1, bl 2, tee 3, snp 4, ucode 0x5a */
        const uint64_t raw = 0x5a00000004030201ULL;
        TcbVersion t, venice, milan;

        tcb_decode(raw, CPU_GEN_TURIN, &t);
        assert_true(t.has_fmc);
        assert_int_equal(t.fmc, 1);
        assert_int_equal(t.boot_loader, 2);
        assert_int_equal(t.tee, 3);
        assert_int_equal(t.snp, 4);
        assert_int_equal(t.microcode, 0x5a);

        tcb_decode(raw, CPU_GEN_VENICE, &venice);
        assert_tcb_equal(&t, &venice);

        /* The same bytes read with the Zen 3/4 layout: the generation matters. */
        tcb_decode(raw, CPU_GEN_MILAN, &milan);
        assert_false(milan.has_fmc);
        assert_int_equal(milan.boot_loader, 1);
        assert_int_equal(milan.tee, 2);
        assert_int_equal(milan.snp, 0);
        assert_int_not_equal(milan.snp, t.snp);
        assert_int_not_equal(milan.boot_loader, t.boot_loader);
}

/* ---- raw ioctl buffers ------------------------------------------------------------ */

static void test_sev_status_raw(void **state) {
        /* api 1.55, state WORKING, flags 0x00000100 (CONFIG_ES) little-endian at 3, build 31, 0x01020305 guests */
        const uint8_t raw[SEV_STATUS_RAW_SIZE] = { 1, 55, 2, 0x00, 0x01, 0x00, 0x00, 31, 0x05, 0x03, 0x02, 0x01 };
        SevPlatformFacts s = {};

        sev_status_decode_raw(raw, &s);
        assert_int_equal(s.api_major, 1);
        assert_int_equal(s.api_minor, 55);
        assert_int_equal(s.state, 2);
        assert_int_equal(s.flags, 0x100);
        assert_int_equal(s.build, 31);
        assert_int_equal(s.guest_count, 0x01020305);
}

static void snp_raw_fill(uint8_t raw[SNP_STATUS_RAW_SIZE], uint8_t byte3) {
        const uint8_t head[16] = {
                1, 55, 1, byte3,
                0x1f, 0x00, 0x01, 0x00,  /* build_id 0x0001001f */
                0x24, 0x00, 0x00, 0x00,  /* vlek_en (2), ciphertext_hiding_cap (5) */
                0x02, 0x00, 0x00, 0x00,  /* guest_count 2 */
        };
        const uint64_t current = 0xd51b000000000004ULL, reported = 0xd518000000000003ULL;

        memcpy(raw, head, sizeof(head));
        for (int i = 0; i < 8; i++) {
                raw[16 + i] = (uint8_t) (current >> (8 * i));
                raw[24 + i] = (uint8_t) (reported >> (8 * i));
        }
}

static void test_snp_status_raw(void **state) {
        uint8_t raw[SNP_STATUS_RAW_SIZE];
        SevPlatformFacts s = {};

        snp_raw_fill(raw, 0x01);
        snp_status_decode_raw(raw, CPU_GEN_MILAN, &s);
        assert_int_equal(s.snp_api_major, 1);
        assert_int_equal(s.snp_api_minor, 55);
        assert_int_equal(s.snp_state, 1);
        assert_true(s.rmp_initialized);
        assert_false(s.alias_check_complete);
        assert_int_equal(s.snp_build_id, 0x0001001f);
        assert_int_equal(s.snp_feature_flags, 0x24);
        assert_int_equal(s.snp_guest_count, 2);
        assert_true(s.current_tcb == 0xd51b000000000004ULL);
        assert_true(s.reported_tcb == 0xd518000000000003ULL);
        assert_int_equal(s.current_tcb_decoded.snp, 0x1b);
        assert_int_equal(s.reported_tcb_decoded.snp, 0x18);
        assert_int_equal(s.reported_tcb_decoded.boot_loader, 3);
}

static void test_snp_status_raw_bits(void **state) {
        /* Byte 3 is tested bit by bit: other bits (TIO, bit 3) must not leak into either flag. */
        const struct { uint8_t byte3; bool rmp, alias; } cases[] = {
                { 0x00, false, false }, { 0x01, true, false }, { 0x02, false, true },
                { 0x03, true, true },   { 0x08, false, false }, { 0x0b, true, true },
                { 0xfc, false, false }, { 0xfe, false, true },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                uint8_t raw[SNP_STATUS_RAW_SIZE];
                SevPlatformFacts s = {};

                snp_raw_fill(raw, cases[i].byte3);
                snp_status_decode_raw(raw, CPU_GEN_GENOA, &s);
                assert_int_equal(s.rmp_initialized, cases[i].rmp);
                assert_int_equal(s.alias_check_complete, cases[i].alias);
        }
}

static void test_snp_status_raw_turin(void **state) {
        uint8_t raw[SNP_STATUS_RAW_SIZE];
        SevPlatformFacts s = {};

        snp_raw_fill(raw, 0x03);
        /* current_tcb in the Turin layout: fmc 1, bl 2, tee 3, snp 4, ucode 0x5a */
        const uint64_t current = 0x5a00000004030201ULL;
        for (int i = 0; i < 8; i++)
                raw[16 + i] = (uint8_t) (current >> (8 * i));
        snp_status_decode_raw(raw, CPU_GEN_TURIN, &s);
        assert_true(s.current_tcb_decoded.has_fmc);
        assert_int_equal(s.current_tcb_decoded.snp, 4);
        assert_int_equal(s.current_tcb_decoded.fmc, 1);
}

/* ---- dev/sev.json ----------------------------------------------------------------- */

static void test_json_full(void **state) {
        g_autofree char *error = NULL;
        SevPlatformFacts s;

        sev_init(&s);
        assert_true(sev_status_parse_json(full_doc, strlen(full_doc), CPU_GEN_MILAN, &s, &error));
        assert_null(error);
        assert_int_equal(s.sev_src.status, SOURCE_OK);
        assert_null(s.sev_src.detail);
        assert_int_equal(s.api_major, 1);
        assert_int_equal(s.api_minor, 55);
        assert_int_equal(s.build, 31);
        assert_int_equal(s.state, 2);
        assert_int_equal(s.flags, 256);
        assert_int_equal(s.guest_count, 3);

        assert_int_equal(s.snp_src.status, SOURCE_OK);
        assert_int_equal(s.snp_api_major, 1);
        assert_int_equal(s.snp_api_minor, 57);
        assert_int_equal(s.snp_build_id, 7);
        assert_int_equal(s.snp_state, 1);
        assert_true(s.rmp_initialized);
        assert_true(s.alias_check_complete);
        assert_int_equal(s.snp_feature_flags, 36);
        assert_int_equal(s.snp_guest_count, 2);
        assert_true(s.current_tcb == 0xd51b000000000004ULL);
        assert_true(s.reported_tcb == 0xd518000000000003ULL);
        assert_int_equal(s.current_tcb_decoded.snp, 0x1b);
        assert_int_equal(s.current_tcb_decoded.microcode, 0xd5);
        assert_int_equal(s.reported_tcb_decoded.snp, 0x18);
        /* The device Source is the probe's, not the parser's. */
        assert_int_equal(s.device.status, SOURCE_MISSING);
        sev_clear(&s);
}

static void test_json_generation(void **state) {
        const char doc[] = "{\"snp\": {\"api_major\":1,\"api_minor\":55,\"build_id\":31,\"state\":1,"
                           "\"is_rmp_initialized\":true,\"current_tcb\":\"0x5a00000004030201\",\"reported_tcb\":0}}";
        SevPlatformFacts s;

        sev_init(&s);
        assert_true(sev_status_parse_json(doc, strlen(doc), CPU_GEN_TURIN, &s, NULL));
        assert_int_equal(s.current_tcb_decoded.snp, 4);
        assert_true(s.current_tcb_decoded.has_fmc);
        assert_true(s.reported_tcb == 0);
        sev_clear(&s);
}

static void test_json_partial(void **state) {
        /* The layout of docs/design.md: no alias_check_complete, feature_flags, guest_count; TCB as integer. */
        const char snp_only[] = "{\"snp\": {\"api_major\":1,\"api_minor\":55,\"build_id\":31,\"state\":1,"
                                "\"is_rmp_initialized\":false,\"current_tcb\":\"0X1B000000000004\",\"reported_tcb\":42}}";
        const char sev_only[] = "{\"sev\": {\"api_major\":0,\"api_minor\":24,\"build\":15,\"state\":0,\"flags\":1,"
                                "\"guest_count\":4294967295}, \"future_key\": [1, {}]}";
        SevPlatformFacts s;

        sev_init(&s);
        assert_true(sev_status_parse_json(snp_only, strlen(snp_only), CPU_GEN_MILAN, &s, NULL));
        assert_int_equal(s.sev_src.status, SOURCE_MISSING);
        assert_non_null(s.sev_src.detail);
        assert_int_equal(s.snp_src.status, SOURCE_OK);
        assert_false(s.rmp_initialized);
        assert_false(s.alias_check_complete);
        assert_int_equal(s.snp_guest_count, 0);
        assert_true(s.current_tcb == 0x1B000000000004ULL);
        assert_true(s.reported_tcb == 42);
        assert_int_equal(s.current_tcb_decoded.snp, 0x1b);
        sev_clear(&s);

        sev_init(&s);
        assert_true(sev_status_parse_json(sev_only, strlen(sev_only), CPU_GEN_MILAN, &s, NULL));
        assert_int_equal(s.sev_src.status, SOURCE_OK);
        assert_int_equal(s.api_minor, 24);
        assert_int_equal(s.flags, 1);
        assert_int_equal(s.guest_count, UINT32_MAX);
        assert_int_equal(s.snp_src.status, SOURCE_MISSING);
        assert_string_equal(s.snp_src.detail, SNP_UNAVAILABLE);
        sev_clear(&s);

        sev_init(&s);
        assert_true(sev_status_parse_json("{}", 2, CPU_GEN_MILAN, &s, NULL));
        assert_int_equal(s.sev_src.status, SOURCE_MISSING);
        assert_int_equal(s.snp_src.status, SOURCE_MISSING);
        sev_clear(&s);
}

static void test_json_snp_error(void **state) {
        const char doc[] = "{\"sev\": {\"api_major\":1,\"api_minor\":55,\"build\":31,\"state\":2,\"flags\":0,"
                           "\"guest_count\":0}, \"snp_error\": \"EINVAL\"}";
        SevPlatformFacts s;

        sev_init(&s);
        assert_true(sev_status_parse_json(doc, strlen(doc), CPU_GEN_GENOA, &s, NULL));
        assert_int_equal(s.sev_src.status, SOURCE_OK);
        assert_int_equal(s.snp_src.status, SOURCE_MISSING);
        assert_true(g_str_has_prefix(s.snp_src.detail, SNP_UNAVAILABLE));
        assert_non_null(strstr(s.snp_src.detail, "EINVAL"));
        sev_clear(&s);
}

typedef struct {
        const char *doc;
        const char *needle;   /* the error must name this (key or value) */
} BadDoc;

static const BadDoc bad_docs[] = {
        { "{\"sev\": {\"api_major\":256,\"api_minor\":55,\"build\":31,\"state\":2,\"flags\":0,\"guest_count\":0}}", "256" },
        { "{\"sev\": {\"api_major\":256,\"api_minor\":55,\"build\":31,\"state\":2,\"flags\":0,\"guest_count\":0}}", "api_major" },
        { "{\"sev\": {\"api_major\":1,\"api_minor\":55,\"build\":31,\"state\":-1,\"flags\":0,\"guest_count\":0}}", "-1" },
        { "{\"sev\": {\"api_major\":1,\"api_minor\":55,\"build\":31,\"state\":2,\"flags\":4294967296,\"guest_count\":0}}", "flags" },
        { "{\"sev\": {\"api_major\":1,\"api_minor\":55,\"build\":31,\"state\":2,\"flags\":0,\"guest_count\":-5}}", "guest_count" },
        { "{\"sev\": {\"api_major\":1,\"api_minor\":55,\"build\":\"31\",\"state\":2,\"flags\":0,\"guest_count\":0}}", "\"31\"" },
        { "{\"sev\": {\"api_major\":1,\"api_minor\":5.5,\"build\":31,\"state\":2,\"flags\":0,\"guest_count\":0}}", "api_minor" },
        { "{\"sev\": {\"api_major\":1,\"api_minor\":55,\"build\":31,\"state\":2,\"flags\":0,\"guest_count\":null}}", "guest_count" },
        { "{\"sev\": {\"api_major\":true,\"api_minor\":55,\"build\":31,\"state\":2,\"flags\":0,\"guest_count\":0}}", "api_major" },
        { "{\"sev\": {\"api_major\":1,\"api_minor\":55,\"build\":31,\"flags\":0,\"guest_count\":0}}", "state" },
        { "{\"sev\": {\"api_major\":1,\"api_minor\":55,\"build\":31,\"state\":2,\"flags\":18446744073709551617,\"guest_count\":0}}", "flags" },
        { "{\"sev\": [1, 55, 31]}", "sev" },
        { "{\"sev\": null}", "sev" },
        { "{\"snp\": \"yes\"}", "snp" },
        { "{\"snp\": {\"api_major\":1,\"api_minor\":55,\"build_id\":31,\"state\":1,\"is_rmp_initialized\":1,"
          "\"current_tcb\":\"0x1\",\"reported_tcb\":\"0x1\"}}", "is_rmp_initialized" },
        { "{\"snp\": {\"api_major\":1,\"api_minor\":55,\"build_id\":31,\"state\":1,\"is_rmp_initialized\":true,"
          "\"alias_check_complete\":\"true\",\"current_tcb\":\"0x1\",\"reported_tcb\":\"0x1\"}}", "alias_check_complete" },
        { "{\"snp\": {\"api_major\":1,\"api_minor\":55,\"build_id\":31,\"state\":1,\"is_rmp_initialized\":true,"
          "\"current_tcb\":\"0x1\"}}", "reported_tcb" },
        { "{\"snp\": {\"api_major\":1,\"api_minor\":55,\"build_id\":31,\"state\":1,\"is_rmp_initialized\":true,"
          "\"current_tcb\":\"0x\",\"reported_tcb\":\"0x1\"}}", "current_tcb" },
        { "{\"snp\": {\"api_major\":1,\"api_minor\":55,\"build_id\":31,\"state\":1,\"is_rmp_initialized\":true,"
          "\"current_tcb\":\"0x10000000000000000\",\"reported_tcb\":\"0x1\"}}", "0x10000000000000000" },
        { "{\"snp\": {\"api_major\":1,\"api_minor\":55,\"build_id\":31,\"state\":1,\"is_rmp_initialized\":true,"
          "\"current_tcb\":\"1b000000000004\",\"reported_tcb\":\"0x1\"}}", "current_tcb" },
        { "{\"snp\": {\"api_major\":1,\"api_minor\":55,\"build_id\":31,\"state\":1,\"is_rmp_initialized\":true,"
          "\"current_tcb\":\"0xZZ\",\"reported_tcb\":\"0x1\"}}", "0xZZ" },
        { "{\"snp\": {\"api_major\":1,\"api_minor\":55,\"build_id\":31,\"state\":1,\"is_rmp_initialized\":true,"
          "\"current_tcb\":\" 0x1\",\"reported_tcb\":\"0x1\"}}", "current_tcb" },
        { "{\"snp\": {\"api_major\":1,\"api_minor\":55,\"build_id\":31,\"state\":1,\"is_rmp_initialized\":true,"
          "\"current_tcb\":-1,\"reported_tcb\":\"0x1\"}}", "current_tcb" },
        { "{\"snp\": {\"api_major\":1,\"api_minor\":55,\"build_id\":4294967296,\"state\":1,\"is_rmp_initialized\":true,"
          "\"current_tcb\":\"0x1\",\"reported_tcb\":\"0x1\"}}", "build_id" },
        { "{\"snp\": {\"api_major\":1,\"api_minor\":55,\"build_id\":1,\"state\":1,\"is_rmp_initialized\":true,"
          "\"current_tcb\":\"0x1\",\"reported_tcb\":\"0x1\"}, \"snp_error\": \"EINVAL\"}", "snp_error" },
        { "{\"snp_error\": 22}", "snp_error" },
        { "{\"snp_error\": \"\"}", "snp_error" },
        { "{", "JSON" },
        { "hello", "JSON" },
        { "", "object" },
        { "[1, 2]", "object" },
        { "[{\"sev\": {}}]", "object" },
        { "42", "object" },
        { "null", "object" },
        { "\"sev\"", "object" },
};

/* A failed parse reports why and leaves the facts as they were. */
static void test_json_malformed(void **state) {
        for (size_t i = 0; i < G_N_ELEMENTS(bad_docs); i++) {
                g_autofree char *error = NULL;
                SevPlatformFacts s;

                sev_init(&s);
                s.sev_src.status = SOURCE_OK;
                s.api_major = 77;
                s.snp_state = 9;
                if (sev_status_parse_json(bad_docs[i].doc, strlen(bad_docs[i].doc), CPU_GEN_MILAN, &s, &error))
                        fail_msg("accepted: %s", bad_docs[i].doc);
                assert_non_null(error);
                if (!strstr(error, bad_docs[i].needle))
                        fail_msg("error for %s does not name %s: %s", bad_docs[i].doc, bad_docs[i].needle, error);
                assert_int_equal(s.sev_src.status, SOURCE_OK);
                assert_int_equal(s.snp_src.status, SOURCE_MISSING);
                assert_int_equal(s.api_major, 77);
                assert_int_equal(s.snp_state, 9);
                sev_clear(&s);
        }
}

static void test_json_bytes(void **state) {
        const char with_nul[] = "{\"sev\": {}\0}";
        const char bad_utf8[] = "{\"snp_error\": \"\xff\xfe\"}";
        g_autofree char *deep = NULL;
        char *error = NULL;
        SevPlatformFacts s;

        sev_init(&s);
        assert_false(sev_status_parse_json(with_nul, sizeof(with_nul) - 1, CPU_GEN_MILAN, &s, &error));
        assert_non_null(strstr(error, "NUL"));
        g_clear_pointer(&error, g_free);

        assert_false(sev_status_parse_json(bad_utf8, strlen(bad_utf8), CPU_GEN_MILAN, &s, &error));
        assert_non_null(strstr(error, "UTF-8"));
        g_clear_pointer(&error, g_free);

        /* 60000 levels of nesting would blow json-glib's recursive parser. */
        deep = g_strnfill(60000, '[');
        assert_false(sev_status_parse_json(deep, strlen(deep), CPU_GEN_MILAN, &s, &error));
        assert_non_null(strstr(error, "nests"));
        g_clear_pointer(&error, g_free);

        assert_false(sev_status_parse_json(NULL, 0, CPU_GEN_MILAN, &s, &error));
        assert_non_null(error);
        g_clear_pointer(&error, g_free);

        /* Brackets inside strings are not nesting. */
        g_autofree char *brackets = g_strdup_printf("{\"x\": \"%s\"}", deep);
        assert_true(sev_status_parse_json(brackets, strlen(brackets), CPU_GEN_MILAN, &s, &error));
        assert_null(error);
        sev_clear(&s);
}

/* A document padded with white space to LEN bytes. */
static char *padded_doc(size_t len) {
        size_t n = strlen(full_doc);
        char *doc = g_malloc(len + 1);

        memcpy(doc, full_doc, n);
        memset(doc + n, ' ', len - n);
        doc[len] = '\0';
        return doc;
}

static void test_json_size_limit(void **state) {
        g_autofree char *at_limit = padded_doc(64 * 1024);
        g_autofree char *over = padded_doc(64 * 1024 + 1);
        g_autofree char *error = NULL;
        SevPlatformFacts s;

        sev_init(&s);
        assert_true(sev_status_parse_json(at_limit, strlen(at_limit), CPU_GEN_MILAN, &s, NULL));
        assert_int_equal(s.sev_src.status, SOURCE_OK);
        sev_clear(&s);

        sev_init(&s);
        assert_false(sev_status_parse_json(over, strlen(over), CPU_GEN_MILAN, &s, &error));
        assert_non_null(strstr(error, "65536"));
        assert_int_equal(s.sev_src.status, SOURCE_MISSING);
        sev_clear(&s);
}

/* Every prefix and many one-byte mutations of a good document: no crash, and a reason on failure. */
static void test_json_mutations(void **state) {
        const size_t n = strlen(full_doc);
        const char replacements[] = { '"', '{', '}', '[', ']', ',', ':', '-', '0', '9', 'x', '\\', ' ', 'e' };

        for (size_t len = 0; len <= n; len++) {
                g_autofree char *error = NULL;
                SevPlatformFacts s;

                sev_init(&s);
                if (!sev_status_parse_json(full_doc, len, CPU_GEN_MILAN, &s, &error))
                        assert_non_null(error);
                else
                        assert_int_equal(len, n);
                sev_clear(&s);
        }
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < G_N_ELEMENTS(replacements); j++) {
                        g_autofree char *doc = g_strdup(full_doc);
                        g_autofree char *error = NULL;
                        SevPlatformFacts s;

                        doc[i] = replacements[j];
                        sev_init(&s);
                        if (!sev_status_parse_json(doc, n, CPU_GEN_TURIN, &s, &error))
                                assert_non_null(error);
                        sev_clear(&s);
                }
}

static void test_json_round_trip(void **state) {
        SevPlatformFacts x, y;
        g_autofree char *json = NULL;
        g_autofree char *error = NULL;

        sev_init(&x);
        x.sev_src.status = x.snp_src.status = SOURCE_OK;
        x.api_major = 1, x.api_minor = 55, x.build = 255, x.state = 2;
        x.flags = 0xffffffffu, x.guest_count = 509;
        x.snp_api_major = 1, x.snp_api_minor = 58, x.snp_state = 1;
        x.rmp_initialized = true, x.alias_check_complete = false;
        x.snp_build_id = 0x80000001u, x.snp_feature_flags = 0x24, x.snp_guest_count = 7;
        /* Above INT64_MAX: only survives as a hex string. */
        x.current_tcb = 0xdb18000000000003ULL, x.reported_tcb = 0xffffffffffffffffULL;
        tcb_decode(x.current_tcb, CPU_GEN_GENOA, &x.current_tcb_decoded);
        tcb_decode(x.reported_tcb, CPU_GEN_GENOA, &x.reported_tcb_decoded);

        json = sev_status_to_json(&x);
        assert_non_null(json);
        sev_init(&y);
        if (!sev_status_parse_json(json, strlen(json), CPU_GEN_GENOA, &y, &error))
                fail_msg("own output rejected: %s\n%s", error, json);
        assert_sev_facts_equal(&x, &y);
        sev_clear(&y);

        /* Only OK objects are written; what is left out reads back as missing. */
        x.snp_src.status = SOURCE_MISSING;
        g_free(json);
        json = sev_status_to_json(&x);
        assert_null(strstr(json, "snp"));
        sev_init(&y);
        assert_true(sev_status_parse_json(json, strlen(json), CPU_GEN_GENOA, &y, NULL));
        assert_int_equal(y.sev_src.status, SOURCE_OK);
        assert_int_equal(y.snp_src.status, SOURCE_MISSING);
        assert_int_equal(y.guest_count, 509);
        sev_clear(&y);

        x.sev_src.status = SOURCE_ERROR;
        g_free(json);
        json = sev_status_to_json(&x);
        assert_null(strstr(json, "sev"));
        sev_init(&y);
        assert_true(sev_status_parse_json(json, strlen(json), CPU_GEN_GENOA, &y, NULL));
        assert_int_equal(y.sev_src.status, SOURCE_MISSING);
        sev_clear(&y);
        sev_clear(&x);
}

/* ---- probes -------------------------------------------------------------------------- */

static char *make_root(void) {
        g_autoptr(GError) err = NULL;
        char *root = g_dir_make_tmp("test-probe-sev-XXXXXX", &err);

        assert_non_null(root);
        return root;
}

static void remove_tree(const char *path) {
        g_autofree char *cmd = NULL;
        g_autofree char *quoted = g_shell_quote(path);

        cmd = g_strdup_printf("rm -rf %s", quoted);
        assert_int_equal(system(cmd), 0);
}

static void put_file(const char *root, const char *rel, const char *content, size_t len) {
        g_autofree char *path = g_build_filename(root, rel, NULL);
        g_autofree char *parent = g_path_get_dirname(path);

        assert_int_equal(g_mkdir_with_parents(parent, 0755), 0);
        assert_true(g_file_set_contents(path, content, (gssize) len, NULL));
}

static void test_live_no_device(void **state) {
        g_autofree char *root = make_root();
        SevPlatformFacts s;

        sev_init(&s);
        probe_sev_platform(root, true, CPU_GEN_MILAN, &s);
        assert_int_equal(s.device.status, SOURCE_MISSING);
        assert_non_null(strstr(s.device.detail, "/dev/sev"));
        assert_null(strstr(s.device.detail, root));
        assert_int_not_equal(s.sev_src.status, SOURCE_OK);
        assert_int_not_equal(s.snp_src.status, SOURCE_OK);
        sev_clear(&s);
        remove_tree(root);
}

/* A regular file opens fine, but the ioctl answers ENOTTY: never OK. */
static void test_live_not_a_device(void **state) {
        g_autofree char *root = make_root();
        SevPlatformFacts s;

        put_file(root, "dev/sev", "", 0);
        sev_init(&s);
        probe_sev_platform(root, true, CPU_GEN_MILAN, &s);
        assert_true(s.device.status == SOURCE_INVALID || s.device.status == SOURCE_ERROR);
        assert_non_null(strstr(s.device.detail, "/dev/sev"));
        assert_non_null(strstr(s.device.detail, g_strerror(ENOTTY)));
        assert_int_not_equal(s.sev_src.status, SOURCE_OK);
        assert_int_not_equal(s.snp_src.status, SOURCE_OK);
        sev_clear(&s);
        remove_tree(root);
}

static void test_snapshot_absent(void **state) {
        g_autofree char *root = make_root();
        SevPlatformFacts s;

        sev_init(&s);
        probe_sev_platform(root, false, CPU_GEN_MILAN, &s);
        assert_int_equal(s.device.status, SOURCE_MISSING);
        assert_string_equal(s.device.detail, "no /dev/sev (dev/sev.json absent in the snapshot)");
        assert_int_not_equal(s.sev_src.status, SOURCE_OK);
        assert_int_not_equal(s.snp_src.status, SOURCE_OK);
        sev_clear(&s);
        remove_tree(root);
}

static void test_snapshot_good_then_gone(void **state) {
        g_autofree char *root = make_root();
        g_autofree char *path = g_build_filename(root, "dev/sev.json", NULL);
        SevPlatformFacts s;

        put_file(root, "dev/sev.json", full_doc, strlen(full_doc));
        sev_init(&s);
        probe_sev_platform(root, false, CPU_GEN_MILAN, &s);
        assert_int_equal(s.device.status, SOURCE_OK);
        assert_null(s.device.detail);
        assert_int_equal(s.sev_src.status, SOURCE_OK);
        assert_int_equal(s.snp_src.status, SOURCE_OK);
        assert_int_equal(s.current_tcb_decoded.snp, 0x1b);

        /* Probing the same facts again must not keep what the first probe saw. */
        assert_int_equal(g_unlink(path), 0);
        probe_sev_platform(root, false, CPU_GEN_MILAN, &s);
        assert_int_equal(s.device.status, SOURCE_MISSING);
        assert_int_not_equal(s.sev_src.status, SOURCE_OK);
        assert_int_not_equal(s.snp_src.status, SOURCE_OK);
        assert_int_equal(s.api_minor, 0);
        sev_clear(&s);
        remove_tree(root);
}

static void test_snapshot_malformed(void **state) {
        const char doc[] = "{\"sev\": {\"api_major\":1,\"api_minor\":55,\"build\":31,\"state\":256,\"flags\":0,\"guest_count\":0}}";
        g_autofree char *root = make_root();
        g_autofree char *big = padded_doc(64 * 1024 + 1);
        SevPlatformFacts s;

        put_file(root, "dev/sev.json", doc, strlen(doc));
        sev_init(&s);
        probe_sev_platform(root, false, CPU_GEN_MILAN, &s);
        assert_int_equal(s.device.status, SOURCE_INVALID);
        assert_non_null(strstr(s.device.detail, "/dev/sev.json"));
        assert_non_null(strstr(s.device.detail, "state"));
        assert_non_null(strstr(s.device.detail, "256"));
        assert_int_equal(s.sev_src.status, SOURCE_MISSING);
        assert_int_equal(s.snp_src.status, SOURCE_MISSING);

        put_file(root, "dev/sev.json", big, strlen(big));
        probe_sev_platform(root, false, CPU_GEN_MILAN, &s);
        assert_int_equal(s.device.status, SOURCE_INVALID);
        assert_non_null(strstr(s.device.detail, "/dev/sev.json"));
        assert_int_not_equal(s.sev_src.status, SOURCE_OK);
        sev_clear(&s);
        remove_tree(root);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tcb_milan),
                cmocka_unit_test(test_tcb_genoa_family),
                cmocka_unit_test(test_tcb_turin),
                cmocka_unit_test(test_sev_status_raw),
                cmocka_unit_test(test_snp_status_raw),
                cmocka_unit_test(test_snp_status_raw_bits),
                cmocka_unit_test(test_snp_status_raw_turin),
                cmocka_unit_test(test_json_full),
                cmocka_unit_test(test_json_generation),
                cmocka_unit_test(test_json_partial),
                cmocka_unit_test(test_json_snp_error),
                cmocka_unit_test(test_json_malformed),
                cmocka_unit_test(test_json_bytes),
                cmocka_unit_test(test_json_size_limit),
                cmocka_unit_test(test_json_mutations),
                cmocka_unit_test(test_json_round_trip),
                cmocka_unit_test(test_live_no_device),
                cmocka_unit_test(test_live_not_a_device),
                cmocka_unit_test(test_snapshot_absent),
                cmocka_unit_test(test_snapshot_good_then_gone),
                cmocka_unit_test(test_snapshot_malformed),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
