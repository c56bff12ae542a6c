/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Prints common/schema.h's property tables as JSON, at build time (tests/meson.build writes
 * schema.json), so the Python oracles (tests/integration/expect.py) read the report member of each
 * Model property from the same rows the service and the client expand instead of a copy:
 *
 *   {"manager": [ROW...], "model": [ROW...]}, ROW = {"name", "signature", "kind", "change",
 *   "json", "label"} in the bus's order; "json" and "label" are null where the row has none.
 *
 * Every string of the tables is an identifier, a signature or a short label: none needs escaping
 * (checked, so a row that did would fail the build rather than write bad JSON).
 */
#include <stdio.h>
#include <string.h>

#include "schema.h"

static const char *const kind_name[] = {
        [SCHEMA_STRING] = "string", [SCHEMA_BOOL] = "bool",       [SCHEMA_U32] = "u32",
        [SCHEMA_U64] = "u64",       [SCHEMA_POLICY] = "policy",   [SCHEMA_STRV] = "strv",
        [SCHEMA_REASONS] = "reasons", [SCHEMA_DOMAINS] = "domains",
};

static const char *const change_name[] = {
        [PROPERTY_EMITS_CHANGE] = "emits-change",
        [PROPERTY_CONST] = "const",
        [PROPERTY_NOT_SIGNALLED] = "not-signalled",
        [PROPERTY_EXPLICIT] = "explicit",
};

static int string(const char *s) {
        if (!s)
                return fputs("null", stdout) < 0 ? -1 : 0;
        if (strpbrk(s, "\"\\\n\t")) {
                fprintf(stderr, "schema-json: %s needs escaping\n", s);
                return -1;
        }
        return printf("\"%s\"", s) < 0 ? -1 : 0;
}

static int table(const char *key, const PropertyInfo *info, size_t n) {
        int r = 0;

        printf("  \"%s\": [\n", key);
        for (size_t i = 0; i < n; i++) {
                fputs("    {\"name\": ", stdout);
                r |= string(info[i].name);
                fputs(", \"signature\": ", stdout);
                r |= string(info[i].signature);
                fputs(", \"kind\": ", stdout);
                r |= string(kind_name[info[i].kind]);
                fputs(", \"change\": ", stdout);
                r |= string(change_name[info[i].change]);
                fputs(", \"json\": ", stdout);
                r |= string(info[i].json);
                fputs(", \"label\": ", stdout);
                r |= string(info[i].label);
                printf("}%s\n", i + 1 < n ? "," : "");
        }
        printf("  ]");
        return r;
}

int main(void) {
        int r = 0;

        puts("{");
        r |= table("manager", manager_property_info, _MANAGER_PROPERTY_MAX);
        puts(",");
        r |= table("model", model_property_info, _MODEL_PROPERTY_MAX);
        puts("\n}");
        return r || fflush(stdout) != 0 ? 1 : 0;
}
