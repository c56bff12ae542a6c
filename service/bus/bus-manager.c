/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "bus-authorize.h"
#include "bus-manager.h"
#include "bus-model.h"
#include "bus-names.h"
#include "bus-objects.h"
#include "bus-requests.h"
#include "bus-util.h"
#include "memcrypt-errors.h"

static int method_describe(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;

        return sd_bus_reply_method_return(m, "s", context_describe_cached(c));
}

static int method_doctor(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Context *c = userdata;
        GPtrArray *checks = c->state->verdict->checks;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssssss)");
        for (guint i = 0; r >= 0 && i < checks->len; i++) {
                const Check *k = checks->pdata[i];
                r = sd_bus_message_append(reply, "(ssssss)", k->id, k->model,
                                          check_category_to_string(k->category),
                                          check_status_to_string(k->status), k->message, k->hint ?: "");
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_refresh(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        int r;

        r = bus_authorize(c, m, ACTION_REFRESH, error);
        if (r < 0)
                return r;
        if (r == 0)
                return 1;  /* polkit is asked; we are called again with its answer */

        /* Files now; libvirt's versions and capabilities on its thread, signalled when read. */
        context_reprobe_libvirt(c);
        bus_refresh(c);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_get_model(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *name;
        Model model;
        int r;

        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        model = model_from_name(name);
        if (model == MODEL_INVALID)
                return bus_error_unknown_model(error, name);
        g_autofree char *path = model_object_path(model);
        return sd_bus_reply_method_return(m, "o", path);
}

/* The running guests with <launchSecurity> of model WANT ("": all), by name, written straight
 * from the domain table: nothing of the list is kept between calls (issue 17: with thousands of
 * guests a kept copy cost more memory than the table itself). */
static int append_encrypted_domains(sd_bus_message *reply, const DomainTable *t, const char *want) {
        DomainTableIter it;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sss)");
        domain_table_iter_init(&it, t);
        for (const RunningDomain *d; r >= 0 && (d = domain_table_iter_next(&it));) {
                const char *model = model_guest_name(d->model);

                if (d->model != MODEL_NONE && (!*want || g_str_equal(want, model)))
                        r = sd_bus_message_append(reply, "(sss)", d->name, d->uuid, model);
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

/* The EncryptedDomains property of one model or ("") all, which GetAll leaves out because it
 * grows with the host. */
static int method_list_encrypted_domains(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Context *c = userdata;
        const char *want;
        int r;

        r = sd_bus_message_read(m, "s", &want);
        if (r < 0)
                return r;
        if (*want && model_from_name(want) == MODEL_INVALID)
                return bus_error_unknown_model(error, want);
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = append_encrypted_domains(reply, c->state->facts.libvirt.domains, want);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int get_encrypted_domains(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Context *c = userdata;

        return append_encrypted_domains(reply, c->state->facts.libvirt.domains, "");
}

static const sd_bus_vtable manager_methods[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("Describe", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", json),
                                method_describe, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Doctor", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssssss)", checks),
                                method_doctor, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Refresh", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
                                method_refresh, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetModel", SD_BUS_ARGS("s", model), SD_BUS_RESULT("o", path),
                                method_get_model, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListEncryptedDomains", SD_BUS_ARGS("s", model), SD_BUS_RESULT("a(sss)", domains),
                                method_list_encrypted_domains, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ResolveRequest",
                                SD_BUS_ARGS("a{ss}", flavor_extra_specs, "a{ss}", image_properties),
                                SD_BUS_RESULT("s", model, "a{su}", resources, "as", traits),
                                method_resolve_request, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GenerateLaunchSecurity", SD_BUS_ARGS("s", model, "a{sv}", options),
                                SD_BUS_RESULT("s", xml), method_generate_launch_security, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ConfigureDomain",
                                SD_BUS_ARGS("s", domain_xml, "s", model, "a{sv}", options),
                                SD_BUS_RESULT("s", xml), method_configure_domain, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ValidateDomain", SD_BUS_ARGS("s", domain_xml, "a{sv}", options),
                                SD_BUS_RESULT("a(ssss)", findings), method_validate_domain, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("CapabilitiesChanged", SD_BUS_ARGS("as", models), 0),
        SD_BUS_SIGNAL_WITH_ARGS("EncryptedDomainStarted", SD_BUS_ARGS("s", name, "s", uuid, "s", model), 0),
        SD_BUS_SIGNAL_WITH_ARGS("EncryptedDomainStopped", SD_BUS_ARGS("s", name, "s", uuid, "s", model), 0),
        SD_BUS_VTABLE_END
};

int bus_add_manager(Context *c, sd_bus *bus) {
        static const sd_bus_vtable *properties = NULL;
        int r;

        if (!properties)
                properties = bus_property_vtable(manager_property_info, _MANAGER_PROPERTY_MAX,
                                                 offsetof(Context, values.manager), get_encrypted_domains);
        r = sd_bus_add_object_vtable(bus, NULL, MANAGER_PATH, MANAGER_INTERFACE, properties, c);
        if (r < 0)
                return r;
        return sd_bus_add_object_vtable(bus, NULL, MANAGER_PATH, MANAGER_INTERFACE, manager_methods, c);
}
