/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One JsonBuilder object member per call: the report and the snapshot files both write these. */

#include <json-glib/json-glib.h>
#include <stdbool.h>

static inline void json_member_string(JsonBuilder *b, const char *key, const char *value) {
        json_builder_set_member_name(b, key);
        json_builder_add_string_value(b, value ? value : "");
}

static inline void json_member_int(JsonBuilder *b, const char *key, gint64 value) {
        json_builder_set_member_name(b, key);
        json_builder_add_int_value(b, value);
}

static inline void json_member_bool(JsonBuilder *b, const char *key, bool value) {
        json_builder_set_member_name(b, key);
        json_builder_add_boolean_value(b, value);
}
