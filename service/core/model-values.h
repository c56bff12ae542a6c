/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A model's properties (common/schema.h) read from its ModelVerdict, for the bus and for the
 * JSON report: the one place either is written, so a new Model property is a row in the schema.
 */

#include <json-glib/json-glib.h>

#include "schema.h"
#include "host-verdict.h"

/* A bus string from host data, which is not promised to be UTF-8 (a bus string must be):
 * repaired rather than dropping the connection; NULL is "". Floating. */
GVariant *variant_string(const char *s);
GVariant *variant_string_array(GPtrArray *strings);

/* The value of property P of MV, floating. */
GVariant *model_property_value(const ModelVerdict *mv, ModelProperty p);

/* MV as one object of the report's "models" array, its members in MODEL_JSON_ORDER. */
void model_json_build(JsonBuilder *b, const ModelVerdict *mv);
