/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-util.h"
#include "bus.h"
#include "error-map.h"
#include "export.h"

int bus_add_objects(Context *c, sd_bus *bus) {
        int r;

        r = memcrypt_error_map_register();
        if (r < 0)
                return r;
        r = bus_add_manager(c, bus);
        if (r < 0)
                return r;
        r = bus_add_models(c, bus);
        if (r < 0)
                return r;
        r = bus_add_attestation(c, bus);
        if (r < 0)
                return r;
        c->bus = bus;
        return 0;
}

static void emit_properties(sd_bus *bus, const char *path, const char *interface, char **names) {
        int r;

        if (!names[0])
                return;
        r = sd_bus_emit_properties_changed_strv(bus, path, interface, names);
        if (r < 0)
                g_warning("Failed to emit PropertiesChanged on %s: %s", path, g_strerror(-r));
}

static int emit_capabilities_changed(sd_bus *bus, char **models) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *signal = NULL;
        int r;

        r = sd_bus_message_new_signal(bus, &signal, MANAGER_PATH, MANAGER_INTERFACE, "CapabilitiesChanged");
        if (r < 0)
                return r;
        r = sd_bus_message_append_strv(signal, models);
        if (r < 0)
                return r;
        return sd_bus_send(bus, signal, NULL);
}

static bool change_set_empty(const ChangeSet *changes) {
        for (Model m = 0; m < _MODEL_MAX; m++)
                if (changes->models[m])
                        return false;
        return changes->manager == 0;
}

/* Signal what changed, and hand the fleet files the same news. */
static void emit_changes(Context *c, const ChangeSet *changes) {
        g_autoptr(GPtrArray) models = g_ptr_array_new();
        int r;

        if (!change_set_empty(changes))
                exporter_publish(c->exporter, &c->facts, c->verdict, c->last_refresh_usec);
        if (!c->bus)
                return;
        g_auto(GStrv) manager = manager_changed_names(changes->manager);
        emit_properties(c->bus, MANAGER_PATH, MANAGER_INTERFACE, manager);
        for (Model m = 0; m < _MODEL_MAX; m++) {
                g_auto(GStrv) names = model_changed_names(changes->models[m]);
                g_autofree char *path = model_object_path(m);

                emit_properties(c->bus, path, MODEL_INTERFACE, names);
                if (names[0])
                        g_ptr_array_add(models, (char *) model_name(m));
        }
        if (models->len == 0)
                return;
        g_ptr_array_add(models, NULL);
        r = emit_capabilities_changed(c->bus, (char **) models->pdata);
        if (r < 0)
                g_warning("Failed to emit CapabilitiesChanged: %s", g_strerror(-r));
}

void bus_refresh(Context *c) {
        ChangeSet changes;

        context_refresh(c, &changes);
        emit_changes(c, &changes);
}

void bus_refresh_domains(Context *c) {
        ChangeSet changes;

        context_refresh_domains(c, &changes);
        emit_changes(c, &changes);
}

void bus_rejudge(Context *c) {
        ChangeSet changes;

        context_rejudge(c, &changes);
        emit_changes(c, &changes);
}
