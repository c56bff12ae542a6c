/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmemcrypt: typed structs from one org.freedesktop.DBus.Properties.GetAll each.
 *
 * A table maps each member to its signature, a setter and the offset of its
 * field (the shape of systemd's bus_map_all_properties, re-implemented: that
 * one is internal). Properties the table does not know are skipped, so the
 * service can add some without breaking older clients; a known property with
 * another signature is an error, since a silent zero would be a wrong answer.
 */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "memcrypt-internal.h"

int client_set_string(sd_bus_message *m, void *field, size_t *count) {
        char **p = field, *copy;
        const char *s;
        int r;

        r = sd_bus_message_read_basic(m, 's', &s);
        if (r < 0)
                return r;
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        free(*p);
        *p = copy;
        return 0;
}

int client_read_strv(sd_bus_message *m, char ***ret) {
        char **l = NULL;
        int r;

        r = sd_bus_message_read_strv(m, &l);
        if (r < 0)
                return r;
        /* sd-bus gives NULL for an empty array; callers get an empty vector instead. */
        if (!l) {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }
        *ret = l;
        return 0;
}

int client_set_strv(sd_bus_message *m, void *field, size_t *count) {
        char ***p = field, **l;
        int r;

        r = client_read_strv(m, &l);
        if (r < 0)
                return r;
        strv_free(*p);
        *p = l;
        return 0;
}

int client_set_bool(sd_bus_message *m, void *field, size_t *count) {
        int b, r;

        r = sd_bus_message_read_basic(m, 'b', &b);
        if (r < 0)
                return r;
        *(bool *) field = b;
        return 0;
}

int client_set_u32(sd_bus_message *m, void *field, size_t *count) {
        return sd_bus_message_read_basic(m, 'u', field);
}

int client_set_u64(sd_bus_message *m, void *field, size_t *count) {
        return sd_bus_message_read_basic(m, 't', field);
}

static void domains_free(MemcryptDomain *d, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(d[i].name);
                free(d[i].uuid);
                free(d[i].model);
        }
        free(d);
}

static void reasons_free(MemcryptReason *r, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(r[i].code);
                free(r[i].severity);
                free(r[i].message);
                free(r[i].hint);
        }
        free(r);
}

int client_read_string_structs(sd_bus_message *m, const char *contents, size_t n_strings,
                               size_t element_size, void **ret, size_t *ret_n) {
        _cleanup_(freep) char *inner = strndup(contents + 1, strlen(contents) - 2);   /* "(sss)" -> "sss" */
        char *array = NULL;
        size_t n = 0;
        int r;

        if (!inner)
                return -ENOMEM;

        r = sd_bus_message_enter_container(m, 'a', contents);
        if (r < 0)
                return r;

        for (;;) {
                char *grown, **fields;

                r = sd_bus_message_enter_container(m, 'r', inner);
                if (r < 0)
                        goto fail;
                if (r == 0)
                        break;

                grown = realloc(array, (n + 1) * element_size);
                if (!grown) {
                        r = -ENOMEM;
                        goto fail;
                }
                array = grown;
                fields = (char **) (array + n * element_size);
                memset(fields, 0, element_size);
                n++;

                for (size_t i = 0; i < n_strings; i++) {
                        const char *s;

                        r = sd_bus_message_read_basic(m, 's', &s);
                        if (r < 0)
                                goto fail;
                        fields[i] = strdup(s);
                        if (!fields[i]) {
                                r = -ENOMEM;
                                goto fail;
                        }
                }

                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        goto fail;
        }

        r = sd_bus_message_exit_container(m);
        if (r < 0)
                goto fail;

        *ret = array;
        *ret_n = n;
        return 0;

fail:
        /* Every element is n_strings char* fields, possibly NULL: free them generically. */
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < n_strings; j++)
                        free(((char **) (array + i * element_size))[j]);
        free(array);
        return r;
}

static int set_domains(sd_bus_message *m, void *field, size_t *count) {
        MemcryptDomain **p = field;
        void *array;
        size_t n;
        int r;

        r = client_read_string_structs(m, "(sss)", 3, sizeof(MemcryptDomain), &array, &n);
        if (r < 0)
                return r;
        domains_free(*p, *count);
        *p = array;
        *count = n;
        return 0;
}

static int set_reasons(sd_bus_message *m, void *field, size_t *count) {
        MemcryptReason **p = field;
        void *array;
        size_t n;
        int r;

        r = client_read_string_structs(m, "(ssss)", 4, sizeof(MemcryptReason), &array, &n);
        if (r < 0)
                return r;
        reasons_free(*p, *count);
        *p = array;
        *count = n;
        return 0;
}

#define HOST(member, sig, set, field) { member, sig, set, offsetof(MemcryptHost, field), 0 }
static const PropMap host_map[] = {
        HOST("Version",            "s",      client_set_string, version),
        HOST("NodeName",           "s",      client_set_string, node_name),
        HOST("Health",             "s",      client_set_string, health),
        HOST("HealthMessage",      "s",      client_set_string, health_message),
        HOST("UsableModels",       "as",     client_set_strv,   usable_models),
        HOST("CpuVendor",          "s",      client_set_string, cpu_vendor),
        HOST("CpuGeneration",      "s",      client_set_string, cpu_generation),
        HOST("CBitPosition",       "u",      client_set_u32,    cbit_position),
        HOST("ReducedPhysBits",    "u",      client_set_u32,    reduced_phys_bits),
        HOST("AsidCount",          "u",      client_set_u32,    asid_count),
        HOST("MinSevAsid",         "u",      client_set_u32,    min_sev_asid),
        HOST("KernelVersion",      "s",      client_set_string, kernel_version),
        HOST("LibvirtVersion",     "s",      client_set_string, libvirt_version),
        HOST("QemuVersion",        "s",      client_set_string, qemu_version),
        HOST("SevFirmwareVersion", "s",      client_set_string, sev_firmware_version),
        HOST("LibvirtConnected",   "b",      client_set_bool,   libvirt_connected),
        HOST("RunningDomains",     "u",      client_set_u32,    running_domains),
        { "EncryptedDomains", "a(sss)", set_domains, offsetof(MemcryptHost, encrypted_domains),
          offsetof(MemcryptHost, n_encrypted_domains) },
        HOST("LastRefresh",        "t",      client_set_u64,    last_refresh),
        {}
};

#define MODEL(member, sig, set, field) { member, sig, set, offsetof(MemcryptModel, field), 0 }
static const PropMap model_map[] = {
        MODEL("Name",             "s",  client_set_string, name),
        MODEL("Usable",           "b",  client_set_bool,   usable),
        { "Reasons", "a(ssss)", set_reasons, offsetof(MemcryptModel, reasons),
          offsetof(MemcryptModel, n_reasons) },
        MODEL("Trait",            "s",  client_set_string, trait),
        MODEL("ResourceProvider", "s",  client_set_string, resource_provider),
        MODEL("AsidFirst",        "u",  client_set_u32,    asid_first),
        MODEL("AsidLast",         "u",  client_set_u32,    asid_last),
        MODEL("SlotsTotal",       "u",  client_set_u32,    slots_total),
        MODEL("SlotsUsed",        "u",  client_set_u32,    slots_used),
        MODEL("SlotsFree",        "u",  client_set_u32,    slots_free),
        MODEL("DefaultPolicy",    "t",  client_set_u64,    default_policy),
        MODEL("Firmware",         "as", client_set_strv,   firmware),
        {}
};

static const PropMap *prop_map_find(const PropMap *map, const char *member) {
        for (const PropMap *p = map; p->member; p++)
                if (strcmp(p->member, member) == 0)
                        return p;
        return NULL;
}

/* One {sv} entry, already entered. */
static int read_entry(MemcryptClient *c, sd_bus_message *m, const PropMap *map, void *base, const char *kind,
                      const char *owner, uint64_t *seen) {
        const PropMap *p;
        const char *member, *contents;
        int r;

        r = sd_bus_message_read_basic(m, 's', &member);
        if (r < 0)
                return client_set_error(c, NULL, r);

        p = prop_map_find(map, member);
        if (!p) {
                r = sd_bus_message_skip(m, "v");
                return r < 0 ? client_set_error(c, NULL, r) : 0;
        }

        r = sd_bus_message_peek_type(m, NULL, &contents);
        if (r < 0)
                return client_set_error(c, NULL, r);
        if (strcmp(contents, p->signature) != 0)
                return client_set_errorf(c, -EBADMSG, SD_BUS_ERROR_INVALID_SIGNATURE,
                                         "%s %s.%s has signature '%s', expected '%s'",
                                         kind, owner, member, contents, p->signature);

        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r >= 0)
                r = p->set(m, (char *) base + p->offset,
                           p->count_offset ? (size_t *) ((char *) base + p->count_offset) : NULL);
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0 && p - map < 64)
                *seen |= UINT64_C(1) << (p - map);
        return r < 0 ? client_set_error(c, NULL, r) : 0;
}

/* Strings and string vectors the service did not send read as "" and { NULL }, so
 * callers never meet a NULL. */
static int fill_defaults(const PropMap *map, void *base) {
        for (const PropMap *p = map; p->member; p++) {
                void **field = (void **) ((char *) base + p->offset);

                if (p->set != client_set_string && p->set != client_set_strv)
                        continue;
                if (*field)
                        continue;
                if (p->set == client_set_string)
                        *field = strdup("");
                else
                        *field = calloc(1, sizeof(char *));
                if (!*field)
                        return -ENOMEM;
        }
        return 0;
}

int client_read_dict(MemcryptClient *c, sd_bus_message *reply, const PropMap *map, void *base, const char *kind,
                     const char *owner, uint64_t *ret_seen) {
        uint64_t seen = 0;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                return client_set_error(c, NULL, r);

        for (;;) {
                r = sd_bus_message_enter_container(reply, 'e', "sv");
                if (r < 0)
                        return client_set_error(c, NULL, r);
                if (r == 0)
                        break;

                r = read_entry(c, reply, map, base, kind, owner, &seen);
                if (r < 0)
                        return r;

                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return client_set_error(c, NULL, r);
        }

        r = sd_bus_message_exit_container(reply);
        if (r >= 0)
                r = fill_defaults(map, base);
        if (r >= 0 && ret_seen)
                *ret_seen = seen;
        return r < 0 ? client_set_error(c, NULL, r) : 0;
}

static int get_all(MemcryptClient *c, const char *path, const char *interface,
                   const PropMap *map, void *base) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = client_call(c, path, "org.freedesktop.DBus.Properties", "GetAll", &reply, "s", interface);
        if (r < 0)
                return r;
        return client_read_dict(c, reply, map, base, "Property", interface, NULL);
}

/* EncryptedDomains grows with the host, so GetAll leaves it out: ask for the list itself. A
 * memcryptd before ListEncryptedDomains sent it in GetAll, which filled it already. */
static int get_encrypted_domains(MemcryptClient *c, MemcryptHost *h) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = client_call(c, MEMCRYPT_MANAGER_PATH, MEMCRYPT_MANAGER_INTERFACE, "ListEncryptedDomains", &reply,
                        "s", "");
        if (r < 0 && memcrypt_client_error_name(c) &&
            strcmp(memcrypt_client_error_name(c), SD_BUS_ERROR_UNKNOWN_METHOD) == 0) {
                client_reset_error(c);
                return 0;
        }
        if (r < 0)
                return r;
        r = set_domains(reply, &h->encrypted_domains, &h->n_encrypted_domains);
        return r < 0 ? client_set_error(c, NULL, r) : 0;
}

int memcrypt_get_host(MemcryptClient *c, MemcryptHost **ret) {
        MemcryptHost *h;
        int r;

        if (!c || !ret)
                return -EINVAL;
        client_reset_error(c);

        h = calloc(1, sizeof(*h));
        if (!h)
                return client_set_error(c, NULL, -ENOMEM);

        r = get_all(c, MEMCRYPT_MANAGER_PATH, MEMCRYPT_MANAGER_INTERFACE, host_map, h);
        if (r >= 0)
                r = get_encrypted_domains(c, h);
        if (r < 0) {
                memcrypt_host_free(h);
                return r;
        }

        *ret = h;
        return 0;
}

MemcryptHost *memcrypt_host_free(MemcryptHost *h) {
        if (!h)
                return NULL;

        free(h->version);
        free(h->node_name);
        free(h->health);
        free(h->health_message);
        strv_free(h->usable_models);
        free(h->cpu_vendor);
        free(h->cpu_generation);
        free(h->kernel_version);
        free(h->libvirt_version);
        free(h->qemu_version);
        free(h->sev_firmware_version);
        domains_free(h->encrypted_domains, h->n_encrypted_domains);
        free(h);
        return NULL;
}

int memcrypt_get_model(MemcryptClient *c, const char *model, MemcryptModel **ret) {
        _cleanup_(freep) char *path = NULL;
        MemcryptModel *m;
        int r;

        if (!c || !model || !ret)
                return -EINVAL;

        /* The service owns the name -> path mapping, and answers UnknownModel for a name
         * it does not know (a GetAll on a made-up path would only say UnknownObject). */
        r = memcrypt_get_model_path(c, model, &path);
        if (r < 0)
                return r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return client_set_error(c, NULL, -ENOMEM);

        r = get_all(c, path, MEMCRYPT_MODEL_INTERFACE, model_map, m);
        if (r < 0) {
                memcrypt_model_free(m);
                return r;
        }

        *ret = m;
        return 0;
}

MemcryptModel *memcrypt_model_free(MemcryptModel *m) {
        if (!m)
                return NULL;

        free(m->name);
        reasons_free(m->reasons, m->n_reasons);
        free(m->trait);
        free(m->resource_provider);
        strv_free(m->firmware);
        free(m);
        return NULL;
}
