/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "schema.h"

#define MODEL_INFO(id, field, name, kind, change, json, label) \
        [MODEL_PROP_##id] = { name, SCHEMA_SIG_##kind, PROPERTY_##change, SCHEMA_##kind, json, label },
const PropertyInfo model_property_info[_MODEL_PROPERTY_MAX] = { MODEL_PROPERTIES(MODEL_INFO) };

#define MANAGER_INFO(id, field, name, kind, change) \
        [MANAGER_##id] = { name, SCHEMA_SIG_##kind, PROPERTY_##change, SCHEMA_##kind, NULL, NULL },
const PropertyInfo manager_property_info[_MANAGER_PROPERTY_MAX] = { MANAGER_PROPERTIES(MANAGER_INFO) };

/* Every property has its place in the report (test-properties checks each appears once). */
_Static_assert(sizeof((ModelProperty[]) { MODEL_JSON_ORDER }) == _MODEL_PROPERTY_MAX * sizeof(ModelProperty),
               "MODEL_JSON_ORDER must name every Model property");
const ModelProperty model_json_order[_MODEL_PROPERTY_MAX] = { MODEL_JSON_ORDER };
