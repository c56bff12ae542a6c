/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * QEMU firmware descriptors (docs/interop/firmware.json): one JSON object per
 * file in /usr/share/qemu/firmware (distro) and /etc/qemu/firmware (admin).
 * We collect them the way QEMU and libvirt do, so the images we report are
 * the ones libvirt's firmware auto-selection would consider, in its order.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "fileio.h"
#include "probe.h"
#include "text.h"

/* Real descriptors are about 1 KiB; anything near this is not a descriptor. */
#define FIRMWARE_DESCRIPTOR_MAX ((size_t) 64 * 1024)
#define FIRMWARE_FILES_MAX 256u
/* Descriptors nest four levels deep; json-glib recurses once per level. */
#define FIRMWARE_JSON_DEPTH_MAX 32u

/* Least specific first: a later directory overrides an earlier one. */
static const char *const firmware_dirs[] = {
        "/usr/share/qemu/firmware",
        "/etc/qemu/firmware",
};

/* Machine names a "pc-q35-*"-style glob must match for us to call it q35. */
static const char *const q35_machines[] = {
        "pc-q35-2.12", "pc-q35-7.2", "pc-q35-8.2", "pc-q35-9.1", "pc-q35-10.0",
};


static bool node_is_string(JsonNode *node) {
        return node && JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING;
}

/* json-glib decodes a lone "\uD800" into bytes that are not UTF-8; paths and features reach the bus. */
static bool string_is_text(const char *name, const char *value, char **error) {
        if (text_bus_valid(value))
                return true;
        *error = g_strdup_printf("'%s' is not valid text (a lone surrogate or a noncharacter)", name);
        return false;
}

/* A missing member is fine (*out stays NULL); one of the wrong type is not. */
static bool member_string(JsonObject *obj, const char *name, const char **out, char **error) {
        JsonNode *node = json_object_get_member(obj, name);

        *out = NULL;
        if (!node)
                return true;
        if (!node_is_string(node)) {
                *error = g_strdup_printf("'%s' is not a string", name);
                return false;
        }
        if (!string_is_text(name, json_node_get_string(node), error))
                return false;
        *out = json_node_get_string(node);
        return true;
}

static bool member_object(JsonObject *obj, const char *name, JsonObject **out, char **error) {
        JsonNode *node = json_object_get_member(obj, name);

        *out = NULL;
        if (!node)
                return true;
        if (!JSON_NODE_HOLDS_OBJECT(node)) {
                *error = g_strdup_printf("'%s' is not an object", name);
                return false;
        }
        *out = json_node_get_object(node);
        return true;
}

/* An array of strings, as a NULL-terminated strv (empty when absent). */
static bool member_strv(JsonObject *obj, const char *name, char ***out, char **error) {
        JsonNode *node = json_object_get_member(obj, name);
        g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

        *out = NULL;
        if (node) {
                if (!JSON_NODE_HOLDS_ARRAY(node)) {
                        *error = g_strdup_printf("'%s' is not an array", name);
                        return false;
                }
                JsonArray *array = json_node_get_array(node);
                for (guint i = 0; i < json_array_get_length(array); i++) {
                        JsonNode *element = json_array_get_element(array, i);
                        if (!node_is_string(element)) {
                                *error = g_strdup_printf("'%s' has an element that is not a string", name);
                                return false;
                        }
                        g_strv_builder_add(builder, json_node_get_string(element));
                }
        }
        *out = g_strv_builder_end(builder);
        return true;
}

/* The "filename" of a required object member such as "executable". */
static bool member_filename(JsonObject *obj, const char *name, bool required, char **out, char **error) {
        JsonObject *file;
        const char *filename;

        if (!member_object(obj, name, &file, error))
                return false;
        if (!file) {
                if (required)
                        *error = g_strdup_printf("mapping has no '%s'", name);
                return !required;
        }
        if (!member_string(file, "filename", &filename, error))
                return false;
        if (!filename || !*filename) {
                *error = g_strdup_printf("'%s' has no filename", name);
                return false;
        }
        *out = g_strdup(filename);
        return true;
}

static bool parse_flash_mode(const char *mode, FirmwareFlashMode *out, char **error) {
        if (!mode || g_str_equal(mode, "split"))
                *out = FW_FLASH_MODE_SPLIT;
        else if (g_str_equal(mode, "combined"))
                *out = FW_FLASH_MODE_COMBINED;
        else if (g_str_equal(mode, "stateless"))
                *out = FW_FLASH_MODE_STATELESS;
        else {
                *error = g_strdup_printf("unknown flash mode '%s'", mode);
                return false;
        }
        return true;
}

static bool parse_flash_mapping(JsonObject *mapping, FirmwareDescriptor *d, char **error) {
        const char *mode;

        if (!member_string(mapping, "mode", &mode, error) ||
            !parse_flash_mode(mode, &d->flash_mode, error) ||
            !member_filename(mapping, "executable", true, &d->executable, error))
                return false;

        /* QEMU ignores the template in combined and stateless mode; so do we. */
        if (d->flash_mode == FW_FLASH_MODE_SPLIT)
                return member_filename(mapping, "nvram-template", false, &d->nvram_template, error);
        return true;
}

static bool parse_mapping(JsonObject *root, FirmwareDescriptor *d, char **error) {
        JsonObject *mapping;
        const char *device, *filename;

        if (!member_object(root, "mapping", &mapping, error))
                return false;
        if (!mapping) {
                *error = g_strdup("no 'mapping'");
                return false;
        }
        if (!member_string(mapping, "device", &device, error))
                return false;
        if (!device) {
                *error = g_strdup("mapping has no 'device'");
                return false;
        }

        if (g_str_equal(device, "flash")) {
                d->device = FW_MAPPING_FLASH;
                return parse_flash_mapping(mapping, d, error);
        }
        if (g_str_equal(device, "memory"))
                d->device = FW_MAPPING_MEMORY;
        else if (g_str_equal(device, "kernel"))
                d->device = FW_MAPPING_KERNEL;
        else {
                *error = g_strdup_printf("unknown mapping device '%s'", device);
                return false;
        }

        if (!member_string(mapping, "filename", &filename, error))
                return false;
        if (!filename || !*filename) {
                *error = g_strdup_printf("%s mapping has no filename", device);
                return false;
        }
        d->executable = g_strdup(filename);
        return true;
}

static bool machine_glob_is_q35(const char *glob) {
        for (size_t i = 0; i < G_N_ELEMENTS(q35_machines); i++)
                if (g_pattern_match_simple(glob, q35_machines[i]))
                        return true;
        return false;
}

static bool parse_target(JsonNode *node, bool *x86_64_q35, char **error) {
        const char *arch;
        g_auto(GStrv) machines = NULL;

        if (!JSON_NODE_HOLDS_OBJECT(node)) {
                *error = g_strdup("'targets' has an element that is not an object");
                return false;
        }
        JsonObject *target = json_node_get_object(node);
        if (!member_string(target, "architecture", &arch, error) ||
            !member_strv(target, "machines", &machines, error))
                return false;

        if (g_strcmp0(arch, "x86_64") != 0)
                return true;
        for (char **m = machines; *m; m++)
                if (machine_glob_is_q35(*m))
                        *x86_64_q35 = true;
        return true;
}

static bool parse_targets(JsonObject *root, FirmwareDescriptor *d, char **error) {
        JsonNode *node = json_object_get_member(root, "targets");

        if (!node)
                return true;
        if (!JSON_NODE_HOLDS_ARRAY(node)) {
                *error = g_strdup("'targets' is not an array");
                return false;
        }
        JsonArray *targets = json_node_get_array(node);
        for (guint i = 0; i < json_array_get_length(targets); i++)
                if (!parse_target(json_array_get_element(targets, i), &d->x86_64_q35, error))
                        return false;
        return true;
}

static bool parse_descriptor(JsonObject *root, FirmwareDescriptor *d, char **error) {
        const char *description;
        g_auto(GStrv) interfaces = NULL;

        if (!member_string(root, "description", &description, error) ||
            !member_strv(root, "interface-types", &interfaces, error) ||
            !parse_mapping(root, d, error) ||
            !parse_targets(root, d, error) ||
            !member_strv(root, "features", &d->features, error))
                return false;

        d->description = g_strdup(description);
        d->uefi = g_strv_contains((const char *const *) interfaces, "uefi");
        return true;
}

/* Parses into JSON, or says why not. The error is short: callers add the path. */
static JsonParser *load_json(const char *json, size_t len, char **error) {
        g_autoptr(JsonParser) parser = json_parser_new_immutable();
        g_autoptr(GError) gerror = NULL;

        if (len > FIRMWARE_DESCRIPTOR_MAX) {
                *error = g_strdup_printf("larger than %zu bytes", FIRMWARE_DESCRIPTOR_MAX);
                return NULL;
        }
        /* JSON is UTF-8 text; json-glib does not promise to reject the rest. */
        if (!g_utf8_validate_len(json, len, NULL)) {
                *error = g_strdup("not valid UTF-8 text");
                return NULL;
        }
        if (!json_depth_within(json, len, FIRMWARE_JSON_DEPTH_MAX)) {
                *error = g_strdup_printf("nested deeper than %u levels", FIRMWARE_JSON_DEPTH_MAX);
                return NULL;
        }
        if (!json_one_object(json, len)) {
                *error = g_strdup("the document is not one well-formed JSON object");
                return NULL;
        }
        if (!json_parser_load_from_data(parser, json, (gssize) len, &gerror)) {
                *error = g_strdup_printf("malformed JSON: %s", gerror->message);
                return NULL;
        }
        return g_steal_pointer(&parser);
}

FirmwareDescriptor *firmware_descriptor_parse(const char *json, size_t len, const char *path, char **error) {
        g_autoptr(JsonParser) parser = NULL;
        g_autofree char *why = NULL;
        FirmwareDescriptor *d;
        JsonNode *root;

        if (error)
                *error = NULL;
        if (!json)
                len = 0;

        parser = load_json(json ?: "", len, &why);
        if (!parser)
                goto fail;
        root = json_parser_get_root(parser);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
                why = g_strdup("the document is not a JSON object");
                goto fail;
        }

        d = g_new0(FirmwareDescriptor, 1);
        d->path = g_strdup(path);
        if (!parse_descriptor(json_node_get_object(root), d, &why)) {
                firmware_descriptor_free(d);
                goto fail;
        }
        return d;

fail:
        if (error)
                *error = g_steal_pointer(&why);
        return NULL;
}

typedef struct {
        Source failure;          /* the first directory that exists but cannot be listed */
        bool any_dir;            /* at least one search directory could be listed */
        GHashTable *by_name;     /* base name → host path of the file that wins */
} FirmwareSearch;

/* A directory we cannot read may hold overrides, so it taints the result. */
static void search_note_failure(FirmwareSearch *s, SourceStatus st, const char *dir, int err) {
        if (st != SOURCE_MISSING && s->failure.status == SOURCE_OK)
                source_set(&s->failure, st, "%s: %s", dir, host_strerror(err));
}

static void search_dir(FirmwareSearch *s, const char *root, const char *dir) {
        DIR *d = root_opendir(root, dir);
        struct dirent *de;

        if (!d) {
                int err = errno;
                search_note_failure(s, source_status_from_errno(err), dir, err);
                return;
        }
        s->any_dir = true;

        /* A same-named file here replaces the one from a less specific directory. */
        while ((de = readdir(d)))
                if (g_str_has_suffix(de->d_name, ".json"))
                        g_hash_table_insert(s->by_name, g_strdup(de->d_name),
                                            g_build_filename(dir, de->d_name, NULL));
        closedir(d);
}

static void load_descriptor(const char *root, const char *path, FirmwareFacts *fw) {
        g_autofree char *json = NULL;
        g_autofree char *why = NULL;
        Source src = {};
        size_t len = 0;

        if (host_read_file(root, path, FIRMWARE_DESCRIPTOR_MAX, &json, &len, &src) != SOURCE_OK) {
                g_ptr_array_add(fw->errors, g_steal_pointer(&src.detail));
                return;
        }
        /* An empty file hides a same-named descriptor; it describes nothing itself. */
        if (len == 0)
                return;

        FirmwareDescriptor *d = firmware_descriptor_parse(json, len, path, &why);
        if (!d) {
                g_autofree char *line = g_strdup_printf("%s: %s", path, why);
                g_ptr_array_add(fw->errors, text_bus_safe(line));   /* a doctor check quotes it */
                return;
        }
        g_ptr_array_add(fw->descriptors, d);
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static void set_search_result(FirmwareSearch *s, FirmwareFacts *fw) {
        if (s->failure.status != SOURCE_OK)
                source_set(&fw->src, s->failure.status, "%s", s->failure.detail);
        else if (s->any_dir)
                source_clear(&fw->src);
        else
                source_set(&fw->src, SOURCE_MISSING, "neither %s nor %s exists",
                           firmware_dirs[0], firmware_dirs[1]);
}

void probe_firmware(const char *root, FirmwareFacts *fw) {
        FirmwareSearch s = {
                .failure = { .status = SOURCE_OK },
                .by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
        };

        for (size_t i = 0; i < G_N_ELEMENTS(firmware_dirs); i++)
                search_dir(&s, root, firmware_dirs[i]);
        set_search_result(&s, fw);

        /* QEMU's priority is the base name's order ("10-" before "50-"), not the directory. */
        guint n_names = 0;
        g_autofree gpointer *names = g_hash_table_get_keys_as_array(s.by_name, &n_names);
        qsort(names, n_names, sizeof(gpointer), compare_names);

        for (guint i = 0; i < n_names && i < FIRMWARE_FILES_MAX; i++)
                load_descriptor(root, g_hash_table_lookup(s.by_name, names[i]), fw);
        if (n_names > FIRMWARE_FILES_MAX)
                g_ptr_array_add(fw->errors, g_strdup_printf(
                        "%s, %s: %u descriptors, only the first %u by name were read",
                        firmware_dirs[0], firmware_dirs[1], n_names, FIRMWARE_FILES_MAX));

        g_hash_table_unref(s.by_name);
        g_free(s.failure.detail);
}
