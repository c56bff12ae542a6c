/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest-request methods of org.memcrypt1.Manager: parse, call the core
 * (request.c, launch-security.c, domain.c), reply. None needs authorization:
 * they answer questions and change nothing.
 */

#include "bus-jobs.h"
#include "bus-requests.h"
#include "bus-util.h"
#include "clear-strings.h"
#include "domain.h"
#include "memcrypt-errors.h"
#include "request.h"
#include "text.h"

/* Nova sends a few dozen extra specs; anything near these caps is not a flavor. */
#define REQUEST_ENTRIES_MAX 512
#define REQUEST_VALUE_MAX 4096
#define OPTIONS_ENTRIES_MAX 64

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

/* One GenerateLaunchSecurity, ConfigureDomain or ValidateDomain call as a job:
 * copied inputs and the host state it started with, the answer after. */
typedef struct {
        HostState *state;
        char *domain_xml;
        Model model;
        GVariant *options;

        ApiError e;
        char *message;
        char *xml;
        GPtrArray *findings;
} DomainCall;

static void domain_call_free(void *userdata) {
        DomainCall *d = userdata;

        host_state_unref(d->state);
        clear_strings(&d->domain_xml, &d->message, &d->xml, NULL);
        g_clear_pointer(&d->options, g_variant_unref);
        g_clear_pointer(&d->findings, g_ptr_array_unref);
        g_free(d);
}

static DomainCall *domain_call_new(Context *c, const char *domain_xml, Model model, GVariant *options) {
        DomainCall *d = g_new0(DomainCall, 1);

        d->state = host_state_ref(c->state);
        d->domain_xml = g_strdup(domain_xml);
        d->model = model;
        d->options = g_variant_ref(options);
        return d;
}

static HostView host_view(const DomainCall *d) {
        return (HostView) { .facts = &d->state->facts, .verdict = d->state->verdict };
}

static void run_generate(void *userdata) {
        DomainCall *d = userdata;
        HostView h = host_view(d);

        d->e = launch_security_generate(d->model, d->options, &h, &d->xml, &d->message);
}

static void run_configure(void *userdata) {
        DomainCall *d = userdata;
        HostView h = host_view(d);

        d->e = domain_configure(d->domain_xml, d->model, d->options, &h, &d->xml, &d->message);
}

static void run_validate(void *userdata) {
        DomainCall *d = userdata;
        HostView h = host_view(d);

        d->e = domain_validate(d->domain_xml, d->options, &h, &d->findings, &d->message);
}

static int reply_xml(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        DomainCall *d = userdata;

        if (d->e != API_OK)
                return bus_error_api(error, d->e, d->message);
        return sd_bus_reply_method_return(m, "s", d->xml);
}

static int reply_findings(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        DomainCall *d = userdata;
        int r;

        if (d->e != API_OK)
                return bus_error_api(error, d->e, d->message);
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssss)");
        for (guint i = 0; r >= 0 && i < d->findings->len; i++) {
                const Finding *f = d->findings->pdata[i];
                r = sd_bus_message_append(reply, "(ssss)", severity_to_string(f->severity), f->code, f->where,
                                          f->message);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static const BusJobType generate_job = { false, run_generate, reply_xml, domain_call_free };
static const BusJobType configure_job = { false, run_configure, reply_xml, domain_call_free };
static const BusJobType validate_job = { false, run_validate, reply_findings, domain_call_free };

/* The options that end each domain method's arguments, then the method's job on copies of them all. */
static int start_domain_call(sd_bus_message *m, Context *c, const BusJobType *type, const char *domain_xml, Model model,
                             sd_bus_error *error) {
        g_autoptr(GVariant) options = NULL;
        int r;

        r = bus_read_options(m, OPTIONS_ENTRIES_MAX, &options, error);
        if (r < 0)
                return r;
        return bus_job_start(c, m, type, domain_call_new(c, domain_xml, model, options), error);
}

int method_generate_launch_security(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Model model;
        int r;

        r = read_model(m, &model, error);
        if (r < 0)
                return r;
        return start_domain_call(m, userdata, &generate_job, NULL, model, error);
}

int method_configure_domain(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *domain_xml;
        Model model;
        int r;

        r = sd_bus_message_read(m, "s", &domain_xml);
        if (r >= 0)
                r = read_model(m, &model, error);
        if (r < 0)
                return r;
        return start_domain_call(m, userdata, &configure_job, domain_xml, model, error);
}

int method_validate_domain(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *domain_xml;
        int r;

        r = sd_bus_message_read(m, "s", &domain_xml);
        if (r < 0)
                return r;
        return start_domain_call(m, userdata, &validate_job, domain_xml, MODEL_INVALID, error);
}
