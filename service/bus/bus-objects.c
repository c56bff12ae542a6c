/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bus-model.h"
#include "bus-names.h"
#include "bus-objects.h"
#include "bus-state.h"
#include "bus-util.h"
#include "export.h"

/* One PropertiesChanged for the properties in MASK: the new value of each PROPERTY_EMITS_CHANGE
 * one, the name alone of each PROPERTY_EXPLICIT one (invalidated). Built here rather than by
 * sd_bus_emit_properties_changed(), whose invalidation in sd-bus 252 asserts when an interface is
 * split over two vtables, as the Manager's is (its methods, and the properties of properties.c). */
static int emit_properties_changed(sd_bus *bus, const char *path, const char *interface,
                                   const PropertyInfo *info, size_t n, GVariant *const *values, uint64_t mask) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *signal = NULL;
        bool any = false;
        int r;

        r = sd_bus_message_new_signal(bus, &signal, path, "org.freedesktop.DBus.Properties", "PropertiesChanged");
        if (r >= 0)
                r = sd_bus_message_append(signal, "s", interface);
        if (r >= 0)
                r = sd_bus_message_open_container(signal, 'a', "{sv}");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                if (!(mask & (UINT64_C(1) << i)) || info[i].change != PROPERTY_EMITS_CHANGE)
                        continue;
                any = true;
                r = sd_bus_message_open_container(signal, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(signal, "s", info[i].name);
                if (r >= 0)
                        r = sd_bus_message_open_container(signal, 'v', info[i].signature);
                if (r >= 0)
                        r = bus_append_gvariant(signal, values[i]);
                if (r >= 0)
                        r = sd_bus_message_close_container(signal);
                if (r >= 0)
                        r = sd_bus_message_close_container(signal);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(signal);
        if (r >= 0)
                r = sd_bus_message_open_container(signal, 'a', "s");
        for (size_t i = 0; r >= 0 && i < n; i++)
                if ((mask & (UINT64_C(1) << i)) && info[i].change == PROPERTY_EXPLICIT) {
                        any = true;
                        r = sd_bus_message_append(signal, "s", info[i].name);
                }
        if (r >= 0)
                r = sd_bus_message_close_container(signal);
        if (r < 0 || !any)
                return r;
        return sd_bus_send(bus, signal, NULL);
}

static bool emit_properties(sd_bus *bus, const char *path, const char *interface, const PropertyInfo *info,
                            size_t n, GVariant *const *values, uint64_t mask) {
        int r = emit_properties_changed(bus, path, interface, info, n, values, mask);

        if (r < 0)
                g_warning("Failed to emit PropertiesChanged on %s: %s", path, g_strerror(-r));
        return r > 0;
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

/* One EncryptedDomainStarted/Stopped per guest that came or went, in order: what a
 * client following the guests needs, whatever the number of guests (machined's
 * MachineNew/MachineRemoved), instead of the whole list. */
static void emit_domain_events(Context *c, sd_bus *bus) {
        for (guint i = 0; i < c->domain_events->len; i++) {
                const DomainEvent *e = c->domain_events->pdata[i];
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *signal = NULL;
                g_autoptr(GVariant) args = g_variant_ref_sink(property_domain_value(e->domain));
                int r;

                r = sd_bus_message_new_signal(bus, &signal, MANAGER_PATH, MANAGER_INTERFACE,
                                              e->started ? "EncryptedDomainStarted" : "EncryptedDomainStopped");
                for (gsize k = 0; r >= 0 && k < g_variant_n_children(args); k++) {
                        g_autoptr(GVariant) arg = g_variant_get_child_value(args, k);
                        r = bus_append_gvariant(signal, arg);
                }
                if (r >= 0)
                        r = sd_bus_send(bus, signal, NULL);
                if (r < 0)
                        g_warning("Failed to emit a guest signal: %s", g_strerror(-r));
        }
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
        sd_bus *bus = c->bus ? c->bus->conn : NULL;
        int r;

        if (!change_set_empty(changes))
                exporter_publish(c->exporter, &c->state->facts, c->state->verdict, c->last_refresh_usec);
        if (!bus)
                return;
        /* The guests first, then the counts they moved. */
        emit_domain_events(c, bus);
        emit_properties(bus, MANAGER_PATH, MANAGER_INTERFACE, manager_property_info, _MANAGER_PROPERTY_MAX,
                        c->values.manager, changes->manager);
        for (Model m = 0; m < _MODEL_MAX; m++) {
                g_autofree char *path = model_object_path(m);

                if (emit_properties(bus, path, MODEL_INTERFACE, model_property_info, _MODEL_PROPERTY_MAX,
                                    c->values.models[m], changes->models[m]))
                        g_ptr_array_add(models, (char *) model_name(m));
        }
        if (models->len == 0)
                return;
        g_ptr_array_add(models, NULL);
        r = emit_capabilities_changed(bus, (char **) models->pdata);
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
