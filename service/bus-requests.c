/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest-request methods of org.memcrypt1.Manager: parse, call the core
 * (request.c, launch-security.c, domain.c), reply. None needs authorization:
 * they answer questions and change nothing.
 */

#include "bus-util.h"
#include "bus.h"
#include "domain.h"
#include "memcrypt-errors.h"
#include "request.h"
#include "text.h"

/* Nova sends a few dozen extra specs; anything near these caps is not a flavor. */
#define REQUEST_ENTRIES_MAX 512
#define REQUEST_VALUE_MAX 4096
#define OPTIONS_ENTRIES_MAX 64

/* At most this many characters of a caller's string are quoted back in an error message. */
#define QUOTE_MAX 64

int bus_error_api(sd_bus_error *error, ApiError e, const char *message) {
        g_autofree char *name = g_strconcat("org.memcrypt1.Error.", api_error_name(e), NULL);

        return sd_bus_error_set(error, name, message);
}

int bus_error_unknown_model(sd_bus_error *error, const char *name) {
        g_autofree char *q = utf8_shorten(name, QUOTE_MAX, "…");

        return sd_bus_error_setf(error, MEMCRYPT_ERROR_UNKNOWN_MODEL,
                                 "Unknown model '%s'; expected one of amd-sev, amd-sev-es, amd-sev-snp.", q);
}

static HostView host_view(const Context *c) {
        return (HostView) { .facts = &c->facts, .verdict = c->verdict };
}

/* The model argument; UnknownModel otherwise. */
static int read_model(sd_bus_message *m, Model *ret, sd_bus_error *error) {
        const char *name;
        int r;

        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        *ret = model_from_name(name);
        if (*ret == MODEL_INVALID)
                return bus_error_unknown_model(error, name);
        return 0;
}

static int reply_resolution(sd_bus_message *m, Model model) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        bool encrypted = model != MODEL_INVALID;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", encrypted ? model_name(model) : "");
        if (r >= 0)
                r = encrypted ? sd_bus_message_append(reply, "a{su}", 1, MEM_ENCRYPTION_CONTEXT, 1)
                              : sd_bus_message_append(reply, "a{su}", 0);
        if (r >= 0)
                r = encrypted ? sd_bus_message_append(reply, "as", 1, model_trait(model))
                              : sd_bus_message_append(reply, "as", 0);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int method_resolve_request(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        g_autoptr(GHashTable) flavor = NULL, image = NULL;
        g_autofree char *message = NULL;
        Context *c = userdata;
        Model model;
        ApiError e;
        int r;

        r = bus_read_string_map(m, "flavor_extra_specs", REQUEST_ENTRIES_MAX, REQUEST_VALUE_MAX, &flavor, error);
        if (r >= 0)
                r = bus_read_string_map(m, "image_properties", REQUEST_ENTRIES_MAX, REQUEST_VALUE_MAX, &image, error);
        if (r < 0)
                return r;
        e = request_resolve(flavor, image, c->config.default_machine_type, &model, &message);
        if (e != API_OK)
                return bus_error_api(error, e, message);
        return reply_resolution(m, model);
}

int method_generate_launch_security(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        g_autoptr(GVariant) options = NULL;
        g_autofree char *message = NULL, *xml = NULL;
        Context *c = userdata;
        HostView h = host_view(c);
        Model model;
        ApiError e;
        int r;

        r = read_model(m, &model, error);
        if (r >= 0)
                r = bus_read_options(m, OPTIONS_ENTRIES_MAX, &options, error);
        if (r < 0)
                return r;
        e = launch_security_generate(model, options, &h, &xml, &message);
        if (e != API_OK)
                return bus_error_api(error, e, message);
        return sd_bus_reply_method_return(m, "s", xml);
}

int method_configure_domain(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        g_autoptr(GVariant) options = NULL;
        g_autofree char *message = NULL, *xml = NULL;
        Context *c = userdata;
        HostView h = host_view(c);
        const char *domain_xml;
        Model model;
        ApiError e;
        int r;

        r = sd_bus_message_read(m, "s", &domain_xml);
        if (r >= 0)
                r = read_model(m, &model, error);
        if (r >= 0)
                r = bus_read_options(m, OPTIONS_ENTRIES_MAX, &options, error);
        if (r < 0)
                return r;
        e = domain_configure(domain_xml, model, options, &h, &xml, &message);
        if (e != API_OK)
                return bus_error_api(error, e, message);
        return sd_bus_reply_method_return(m, "s", xml);
}

static int reply_findings(sd_bus_message *m, GPtrArray *findings) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssss)");
        for (guint i = 0; r >= 0 && i < findings->len; i++) {
                const Finding *f = findings->pdata[i];
                r = sd_bus_message_append(reply, "(ssss)", severity_to_string(f->severity), f->code, f->where,
                                          f->message);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

int method_validate_domain(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        g_autoptr(GVariant) options = NULL;
        g_autoptr(GPtrArray) findings = NULL;
        g_autofree char *message = NULL;
        Context *c = userdata;
        HostView h = host_view(c);
        const char *domain_xml;
        ApiError e;
        int r;

        r = sd_bus_message_read(m, "s", &domain_xml);
        if (r >= 0)
                r = bus_read_options(m, OPTIONS_ENTRIES_MAX, &options, error);
        if (r < 0)
                return r;
        e = domain_validate(domain_xml, options, &h, &findings, &message);
        if (e != API_OK)
                return bus_error_api(error, e, message);
        return reply_findings(m, findings);
}
