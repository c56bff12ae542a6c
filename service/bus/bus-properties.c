/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-util.h"
#include "bus.h"

static int property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        GVariant *v = *(GVariant **) userdata;

        if (!v)  /* only before the first probe, which context_new() always does */
                return sd_bus_error_setf(error, SD_BUS_ERROR_FAILED, "Property %s has no value yet.", property);
        return bus_append_gvariant(reply, v);
}

static uint64_t vtable_flags(PropertyChange change) {
        switch (change) {
        case PROPERTY_CONST:         return SD_BUS_VTABLE_PROPERTY_CONST;
        case PROPERTY_EMITS_CHANGE:  return SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE;
        case PROPERTY_NOT_SIGNALLED: return 0;
        case PROPERTY_EXPLICIT:
                return SD_BUS_VTABLE_PROPERTY_EXPLICIT | SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION;
        }
        return 0;
}

/* Built from the PropertyInfo table so names, types and change flags exist
 * once; the vtables live for the whole process. */
const sd_bus_vtable *bus_property_vtable(const PropertyInfo *info, size_t n, size_t base_offset) {
        sd_bus_vtable *vt = g_new0(sd_bus_vtable, n + 2);
        const sd_bus_vtable start = SD_BUS_VTABLE_START(0), end = SD_BUS_VTABLE_END;

        vt[0] = start;
        for (size_t i = 0; i < n; i++) {
                const sd_bus_vtable p = SD_BUS_PROPERTY(info[i].name, info[i].signature, property_get,
                                                        base_offset + i * sizeof(GVariant *),
                                                        vtable_flags(info[i].change));
                vt[i + 1] = p;
        }
        vt[n + 1] = end;
        return vt;
}
