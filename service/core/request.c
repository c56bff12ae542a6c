/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "request.h"

int request_parse_bool(const char *value) {
        static const char *const yes[] = { "1", "t", "true", "on", "y", "yes" };
        static const char *const no[] = { "0", "f", "false", "off", "n", "no" };

        for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
                if (g_ascii_strcasecmp(value, yes[i]) == 0)
                        return 1;
                if (g_ascii_strcasecmp(value, no[i]) == 0)
                        return 0;
        }
        return -1;
}

/* One key of one source, and where it came from, for messages. */
typedef struct {
        const char *key;
        const char *source;     /* "flavor" | "image" */
        const char *value;      /* NULL: absent */
} Spec;

static Spec spec(GHashTable *table, const char *key, const char *source) {
        return (Spec) { key, source, table ? g_hash_table_lookup(table, key) : NULL };
}

/* -1 absent, 0/1 parsed; a value that is no boolean is an error. */
static ApiError parse_flag(const Spec *s, int *ret, char **message) {
        *ret = -1;
        if (!s->value)
                return API_OK;
        *ret = request_parse_bool(s->value);
        if (*ret < 0)
                return api_fail(message, API_INVALID_ARGUMENT,
                                "%s %s='%s' is not a boolean; use true/false (also 1/0, yes/no, on/off, t/f, y/n)",
                                s->source, s->key, s->value);
        return API_OK;
}

/* The flavor and image booleans of one setting; both set and different is a conflict. */
static ApiError parse_pair(const Spec *flavor, const Spec *image, int *ret, char **message) {
        int f, i;
        ApiError e;

        *ret = -1;      /* absent, also on an error (gcc -O3 cannot see that callers stop there) */
        e = parse_flag(flavor, &f, message);
        if (e == API_OK)
                e = parse_flag(image, &i, message);
        if (e != API_OK)
                return e;
        if (f >= 0 && i >= 0 && f != i)
                return api_fail(message, API_CONFLICT,
                                "flavor %s='%s' conflicts with image %s='%s'; set one of them, or both alike",
                                flavor->key, flavor->value, image->key, image->value);
        *ret = i >= 0 ? i : f;
        return API_OK;
}

static ApiError resolve_model(const Spec *flavor, const Spec *image, Model *ret, char **message) {
        const Spec *specs[] = { image, flavor };

        if (flavor->value && image->value && strcmp(flavor->value, image->value) != 0)
                return api_fail(message, API_CONFLICT,
                                "flavor %s='%s' conflicts with image %s='%s'; set one of them, or both alike",
                                flavor->key, flavor->value, image->key, image->value);
        *ret = MODEL_SEV;       /* Nova's default */
        for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
                if (!specs[i]->value)
                        continue;
                *ret = model_from_name(specs[i]->value);
                if (*ret == MODEL_INVALID)
                        return api_fail(message, API_UNKNOWN_MODEL,
                                        "%s %s='%s' is not a model; use amd-sev, amd-sev-es or amd-sev-snp",
                                        specs[i]->source, specs[i]->key, specs[i]->value);
                break;
        }
        return API_OK;
}

/* A model key with no encryption requested is an error: Nova silently ignores it. */
static ApiError check_model_without_encryption(const Spec *flavor, const Spec *image, char **message) {
        const Spec *s = flavor->value ? flavor : image->value ? image : NULL;

        if (!s)
                return API_OK;
        return api_fail(message, API_INVALID_ARGUMENT,
                        "%s %s='%s' names a model but memory encryption is not requested; "
                        "add hw:mem_encryption=true to the flavor or hw_mem_encryption=true to the image",
                        s->source, s->key, s->value);
}

/* What the checks after the model need: the request and the configuration. */
typedef struct {
        GHashTable *flavor, *image;
        const char *default_machine_type;
        Model model;
} Request;

static ApiError check_uefi(const Request *r, char **message) {
        Spec type = spec(r->image, "hw_firmware_type", "image");

        if (type.value && g_ascii_strcasecmp(type.value, "uefi") == 0)
                return API_OK;
        return api_fail(message, API_UEFI_REQUIRED,
                        "%s needs UEFI firmware, but image hw_firmware_type is %s%s%s; set hw_firmware_type=uefi",
                        model_title(r->model), type.value ? "'" : "not set", type.value ?: "", type.value ? "'" : "");
}

static ApiError check_stateless(const Request *r, char **message) {
        Spec stateless = spec(r->image, "hw_firmware_stateless", "image");
        int is_stateless;
        ApiError e;

        if (r->model != MODEL_SEV_SNP)
                return API_OK;
        e = parse_flag(&stateless, &is_stateless, message);
        if (e != API_OK)
                return e;
        if (is_stateless != 1)
                return api_fail(message, API_STATELESS_FIRMWARE_REQUIRED,
                                "SEV-SNP needs stateless firmware, but image hw_firmware_stateless is %s%s%s; "
                                "set hw_firmware_stateless=true",
                                stateless.value ? "'" : "not set", stateless.value ?: "", stateless.value ? "'" : "");
        return API_OK;
}

static ApiError check_machine_type(const Request *r, char **message) {
        Spec s = spec(r->image, "hw_machine_type", "image");
        const char *type = s.value ?: r->default_machine_type ?: "q35";

        /* Versioned names such as pc-q35-8.2 are q35 too. */
        if (strstr(type, "q35"))
                return API_OK;
        return api_fail(message, API_MACHINE_TYPE_REQUIRED,
                        "%s needs the q35 machine type, but %s is '%s'; set image hw_machine_type=q35",
                        model_title(r->model), s.value ? "image hw_machine_type" : "the host's default machine type",
                        type);
}

static ApiError check_locked_memory(const Request *r, char **message) {
        Spec f = spec(r->flavor, "hw:locked_memory", "flavor"), i = spec(r->image, "hw_locked_memory", "image");
        Model m = r->model;
        int locked;
        ApiError e;

        e = parse_pair(&f, &i, &locked, message);
        if (e != API_OK || locked != 0 || m == MODEL_SEV_SNP)
                return e;
        /* SEV/SEV-ES pin all guest memory; Nova overrides "false" silently. */
        const Spec *s = i.value ? &i : &f;
        return api_fail(message, API_LOCKED_MEMORY_REQUIRED,
                        "%s guests must have locked memory, but %s %s='%s'; remove it or set it to true",
                        model_title(m), s->source, s->key, s->value);
}

static ApiError check_devices(const Request *r, char **message) {
        Spec pci = spec(r->flavor, "pci_passthrough:alias", "flavor");
        Spec bus = spec(r->image, "hw_disk_bus", "image");
        Model m = r->model;

        if (pci.value && *pci.value)
                return api_fail(message, API_INCOMPATIBLE_DEVICE,
                                "%s guests cannot use PCI passthrough (flavor pci_passthrough:alias='%s'): "
                                "the device cannot reach encrypted memory; use a flavor without it",
                                model_title(m), pci.value);
        if (bus.value && g_ascii_strcasecmp(bus.value, "ide") == 0)
                return api_fail(message, API_INCOMPATIBLE_DEVICE,
                                "%s guests cannot boot from an IDE disk (image hw_disk_bus='%s'); use virtio or scsi",
                                model_title(m), bus.value);
        return API_OK;
}

/*
 * The rules after the model is known, in the order a request is refused: Nova's
 * check_constraints() order (UEFI, q35, stateless firmware for SNP), then the gaps
 * memcryptd closes. The first rule a request breaks is the one answered; the
 * docs/guests.md's ResolveRequest table lists them in this order.
 */
typedef ApiError (*RequestRule)(const Request *r, char **message);
static const RequestRule request_rules[] = {
        check_uefi,             /* UefiRequired */
        check_machine_type,     /* MachineTypeRequired */
        check_stateless,        /* StatelessFirmwareRequired */
        check_locked_memory,    /* LockedMemoryRequired */
        check_devices,          /* IncompatibleDevice */
};

ApiError request_resolve(GHashTable *flavor, GHashTable *image, const char *default_machine_type,
                             Model *ret_model, char **message) {
        Spec enc_f = spec(flavor, "hw:mem_encryption", "flavor"), enc_i = spec(image, "hw_mem_encryption", "image");
        Spec model_f = spec(flavor, "hw:mem_encryption_model", "flavor");
        Spec model_i = spec(image, "hw_mem_encryption_model", "image");
        int encrypted;
        Model m = MODEL_INVALID;
        ApiError e;

        *ret_model = MODEL_INVALID;
        e = parse_pair(&enc_f, &enc_i, &encrypted, message);
        if (e != API_OK)
                return e;
        if (encrypted != 1)
                return check_model_without_encryption(&model_f, &model_i, message);

        e = resolve_model(&model_f, &model_i, &m, message);
        if (e != API_OK)
                return e;
        Request r = { flavor, image, default_machine_type, m };
        for (size_t i = 0; i < G_N_ELEMENTS(request_rules); i++) {
                e = request_rules[i](&r, message);
                if (e != API_OK)
                        return e;
        }
        *ret_model = m;
        return API_OK;
}
