/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmemcrypt: the request and domain XML methods of org.memcrypt1.Manager,
 * ResolveRequest(), GenerateLaunchSecurity(), ConfigureDomain() and
 * ValidateDomain().
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memcrypt-internal.h"
#include "memcrypt-read.h"

/* Every key of PAIRS has a value and none comes twice; WHAT names the argument. */
static int pairs_check(MemcryptClient *c, const char *what, const char *const *pairs) {
        for (size_t i = 0; pairs && pairs[i]; i += 2) {
                if (!pairs[i + 1])
                        return client_set_errorf(c, -EINVAL, MEMCRYPT_ERROR_INVALID_ARGUMENT,
                                                 "%s: key '%s' has no value", what, pairs[i]);
                for (size_t j = 0; j < i; j += 2)
                        if (strcmp(pairs[j], pairs[i]) == 0)
                                return client_set_errorf(c, -EINVAL, MEMCRYPT_ERROR_INVALID_ARGUMENT,
                                                         "%s: key '%s' is given twice", what, pairs[i]);
        }
        return 0;
}

static int append_pairs(sd_bus_message *m, const char *const *pairs) {
        int r;

        r = sd_bus_message_open_container(m, 'a', "{ss}");
        if (r < 0)
                return r;

        for (size_t i = 0; pairs && pairs[i]; i += 2) {
                r = sd_bus_message_append(m, "{ss}", pairs[i], pairs[i + 1]);
                if (r < 0)
                        return r;
        }

        return sd_bus_message_close_container(m);
}

static int read_resources(sd_bus_message *m, MemcryptPlacement *p) {
        const char *name;
        uint32_t amount;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{su}");
        if (r < 0)
                return r;

        while ((r = sd_bus_message_read(m, "{su}", &name, &amount)) > 0) {
                MemcryptResource *grown = realloc(p->resources, (p->n_resources + 1) * sizeof(MemcryptResource));

                if (!grown)
                        return -ENOMEM;
                p->resources = grown;
                grown[p->n_resources] = (MemcryptResource) { .name = strdup(name), .amount = amount };
                if (!grown[p->n_resources++].name)
                        return -ENOMEM;
        }
        if (r < 0)
                return r;

        return sd_bus_message_exit_container(m);
}

static int read_placement(sd_bus_message *reply, MemcryptPlacement **ret) {
        MemcryptPlacement *p;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;

        r = client_read_string(NULL, reply, 's', &p->model);
        if (r >= 0)
                r = read_resources(reply, p);
        if (r >= 0)
                r = client_read_strv(reply, &p->traits);
        if (r < 0) {
                memcrypt_placement_free(p);
                return r;
        }

        *ret = p;
        return 0;
}

int memcrypt_resolve_request(MemcryptClient *c, const char *const *flavor_extra_specs,
                             const char *const *image_properties, MemcryptPlacement **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        int r;

        if (!c || !ret)
                return -EINVAL;
        client_reset_error(c);

        r = pairs_check(c, "flavor_extra_specs", flavor_extra_specs);
        if (r < 0)
                return r;
        r = pairs_check(c, "image_properties", image_properties);
        if (r < 0)
                return r;

        r = client_new_manager_call(c, "ResolveRequest", &m);
        if (r < 0)
                return r;
        r = append_pairs(m, flavor_extra_specs);
        if (r >= 0)
                r = append_pairs(m, image_properties);
        if (r < 0)
                return client_set_error(c, NULL, r);

        r = client_send(c, m, &reply);
        if (r < 0)
                return r;

        r = read_placement(reply, ret);
        if (r < 0)
                return client_set_error(c, NULL, r);
        return 0;
}

MemcryptPlacement *memcrypt_placement_free(MemcryptPlacement *p) {
        if (!p)
                return NULL;

        free(p->model);
        for (size_t i = 0; i < p->n_resources; i++)
                free(p->resources[i].name);
        free(p->resources);
        strv_free(p->traits);
        free(p);
        return NULL;
}

/* MEMBER of the Manager with the arguments of TYPES and OPTIONS; its answer of one string copied
 * into *RET. */
static int call_for_string(MemcryptClient *c, const char *member, const MemcryptOptions *options, char **ret,
                           const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        va_list ap;
        int r;

        va_start(ap, types);
        r = client_callv(c, MEMCRYPT_MANAGER_PATH, MEMCRYPT_MANAGER_INTERFACE, member, &options, &reply, types, ap);
        va_end(ap);
        return r < 0 ? r : client_read_string(c, reply, 's', ret);
}

int memcrypt_generate_launch_security(MemcryptClient *c, const char *model, const MemcryptOptions *options,
                                      char **ret_xml) {
        if (!c || !model || !ret_xml)
                return -EINVAL;
        client_reset_error(c);

        return call_for_string(c, "GenerateLaunchSecurity", options, ret_xml, "s", model);
}

int memcrypt_configure_domain(MemcryptClient *c, const char *domain_xml, const char *model,
                              const MemcryptOptions *options, char **ret_xml) {
        if (!c || !domain_xml || !model || !ret_xml)
                return -EINVAL;
        client_reset_error(c);

        return call_for_string(c, "ConfigureDomain", options, ret_xml, "ss", domain_xml, model);
}

int memcrypt_validate_domain(MemcryptClient *c, const char *domain_xml, const MemcryptOptions *options,
                             MemcryptFinding **ret_findings, size_t *ret_n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        if (!c || !domain_xml || !ret_findings || !ret_n)
                return -EINVAL;
        client_reset_error(c);

        r = client_call(c, MEMCRYPT_MANAGER_PATH, MEMCRYPT_MANAGER_INTERFACE, "ValidateDomain", &options, &reply, "s",
                        domain_xml);
        return r < 0 ? r : client_read_string_structs(c, reply, "(ssss)", 4, sizeof(MemcryptFinding), ret_findings,
                                                      ret_n);
}

void memcrypt_findings_free(MemcryptFinding *findings, size_t n) {
        client_free_string_structs(findings, n, 4, sizeof(MemcryptFinding));
}
