/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* memcryptctl's output: colours, "Key: value" blocks, tables, and JSON of the typed values. */

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "memcrypt/memcrypt.h"

typedef enum {
        JSON_OFF,
        JSON_PRETTY,
        JSON_SHORT,
} JsonMode;

/* Colours only on a terminal and without $NO_COLOR (https://no-color.org). */
bool colors_enabled(void);
const char *color_green(void);
const char *color_red(void);
const char *color_yellow(void);
const char *color_grey(void);
const char *color_bold(void);
const char *color_reset(void);
/* The colour of a doctor status, a health or a reason severity ("pass", "ok", "error", ...). */
const char *color_of_state(const char *state);

/* A block of "Key: value" lines with the keys right-aligned, as hostnamectl prints them.
 * A value with newlines continues on lines indented under the first. */
typedef struct KeyValues KeyValues;
KeyValues *kv_new(void);
void kv_add(KeyValues *kv, const char *key, const char *color, const char *format, ...)
        G_GNUC_PRINTF(4, 5);
void kv_print(KeyValues *kv);
void kv_free(KeyValues *kv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(KeyValues, kv_free)

/* Columns padded to their widest cell; RIGHT_ALIGNED is a bitmask of column numbers.
 * A row may carry a note, printed on the line below it under the second column. */
typedef struct Table Table;
Table *table_new(const char *const *headers, unsigned right_aligned);
/* Appends a row of as many cells as headers; COLORS may be NULL or hold NULLs. */
void table_add_row(Table *t, const char *const *cells, const char *const *colors, const char *note);
/* Header only with LEGEND; FOOTER (may be NULL) after an empty line, also only with LEGEND. */
void table_print(Table *t, bool legend, const char *footer);
void table_free(Table *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Table, table_free)

/* "0x0033", or "0x00030000" for SNP's 64-bit policy: the report's spelling. */
char *format_policy(const char *model, uint64_t policy);
/* "32-253", or "-" for an empty pool. */
char *format_asids(uint32_t first, uint32_t last);
/* "Tue 2025-06-03 10:00:00 UTC", or "never" for 0. */
char *format_timestamp(uint64_t usec);

/* memcryptctl model NAME: a line for each Model property with a label in common/schema.h. */
void kv_add_model(KeyValues *kv, const MemcryptModel *m);

/* The objects of docs/design.md's JSON report, from the typed values: the same keys. */
JsonNode *json_from_checks(const MemcryptCheck *checks, size_t n);
JsonNode *json_from_signal(const MemcryptSignal *s);
/* [{"name", "uuid", "model"}...]: ListEncryptedDomains()'s guests, as the report's encrypted_domains. */
JsonNode *json_from_domains(const MemcryptDomain *domains, size_t n);
/* {"model", "resources": {NAME: AMOUNT...}, "traits": [...]}: ResolveRequest()'s answer. */
JsonNode *json_from_placement(const MemcryptPlacement *p);
/* [{"severity", "code", "where", "message"}...]: ValidateDomain()'s findings. */
JsonNode *json_from_findings(const MemcryptFinding *findings, size_t n);
/* {"xml": XML}: GenerateLaunchSecurity() and ConfigureDomain(). */
JsonNode *json_from_xml(const char *xml);
/* One object member: a string (NULL as ""), an integer. */
void json_add_string(JsonBuilder *b, const char *member, const char *value);
void json_add_int(JsonBuilder *b, const char *member, int64_t value);
/* Prints NODE on one line (JSON_SHORT) or indented (JSON_PRETTY), then a newline. */
void json_print(JsonNode *node, JsonMode mode);
/* json_print() of what B built. */
void json_print_built(JsonBuilder *b, JsonMode mode);
