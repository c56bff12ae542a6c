/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-model.h"
#include "bus-names.h"
#include "bus-util.h"

char *model_object_path(Model m) {
        return g_strconcat(MODEL_PATH_PREFIX, model_object_name(m), NULL);
}

int bus_add_models(Context *c, sd_bus *bus) {
        static const sd_bus_vtable *properties = NULL;
        int r;

        if (!properties)
                properties = bus_property_vtable(model_property_info, _MODEL_PROPERTY_MAX, 0, NULL);
        for (Model m = 0; m < _MODEL_MAX; m++) {
                g_autofree char *path = model_object_path(m);
                /* Each model object's userdata is its own row of values. */
                r = sd_bus_add_object_vtable(bus, NULL, path, MODEL_INTERFACE, properties, c->values.models[m]);
                if (r < 0)
                        return r;
        }
        return 0;
}
