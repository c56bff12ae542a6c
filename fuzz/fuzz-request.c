/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ResolveRequest(a{ss} flavor_extra_specs, a{ss} image_properties): the
 * input is the two dictionaries in GVariant text format,
 *   ({'hw:mem_encryption': 'true'}, {'hw_firmware_type': 'uefi'})
 * turned into the hash tables bus_read_string_map() builds (at most 512
 * entries of 4096 bytes, a repeated key replaces the earlier one), then
 * request_resolve() with three DefaultMachineType= settings. An image that
 * names its machine type must get the same answer whatever the default.
 */
#include "fuzz-util.h"
#include "request.h"

#define ENTRIES_MAX 512
#define VALUE_MAX 4096
/* docs/guests.md "Untrusted input": messages quote callers' strings shortened. */
#define MESSAGE_MAX 1024

static GHashTable *string_map(GVariant *dict) {
        g_autoptr(GHashTable) map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        GVariantIter iter;
        const char *key, *value;

        g_variant_iter_init(&iter, dict);
        while (g_variant_iter_next(&iter, "{&s&s}", &key, &value)) {
                if (g_hash_table_size(map) >= ENTRIES_MAX || strlen(key) > VALUE_MAX || strlen(value) > VALUE_MAX)
                        return NULL;    /* InvalidArgument from the bus side */
                g_hash_table_insert(map, g_strdup(key), g_strdup(value));
        }
        return g_steal_pointer(&map);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const defaults[] = { NULL, "pc-q35-8.2", "pc-i440fx-7.2" };
        g_autoptr(GVariant) v = fuzz_parse_variant(data, size, G_VARIANT_TYPE("(a{ss}a{ss})"));
        g_autoptr(GVariant) fv = NULL, iv = NULL;
        g_autoptr(GHashTable) flavor = NULL, image = NULL;
        ApiError first_e = API_OK;
        Model first_m = MODEL_INVALID;

        if (!v || !fuzz_variant_strings_valid(v))
                return 0;
        fv = g_variant_get_child_value(v, 0);
        iv = g_variant_get_child_value(v, 1);
        flavor = string_map(fv);
        image = string_map(iv);
        if (!flavor || !image)
                return 0;

        for (size_t i = 0; i < G_N_ELEMENTS(defaults); i++) {
                g_autofree char *message = NULL;
                Model m = (Model) 1234;
                ApiError e = request_resolve(flavor, image, defaults[i], &m, &message);

                FUZZ_ASSERT(e >= API_OK && e < _API_ERROR_MAX);
                if (e == API_OK) {
                        FUZZ_ASSERT(!message);
                        FUZZ_ASSERT(m == MODEL_INVALID || (m >= MODEL_SEV && m < _MODEL_MAX));
                } else {
                        fuzz_check_bus_text(message);
                        FUZZ_ASSERT(strlen(message) <= MESSAGE_MAX);
                }
                if (i == 0) {
                        first_e = e;
                        first_m = m;
                } else if (g_hash_table_contains(image, "hw_machine_type")) {
                        FUZZ_ASSERT(e == first_e);
                        FUZZ_ASSERT(e != API_OK || m == first_m);
                }
        }
        return 0;
}
