/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Flavor extra specs + image properties -> model, or a typed error naming key, source and value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "request.h"

/* "key=value" pairs, NULL-terminated, into a table (NULL for none). */
static GHashTable *table(const char *const *pairs) {
        GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

        for (; pairs && *pairs; pairs++) {
                const char *eq = strchr(*pairs, '=');
                g_hash_table_insert(t, g_strndup(*pairs, eq - *pairs), g_strdup(eq + 1));
        }
        return t;
}

typedef struct {
        const char *name;
        const char *flavor[6];
        const char *image[8];
        ApiError error;
        Model model;
        const char *needle;     /* in the message, for errors */
} Case;

#define UEFI "hw_firmware_type=uefi"

static const Case cases[] = {
        { "nothing requested", { "hw:cpu_policy=dedicated" }, { UEFI }, API_OK, MODEL_INVALID, NULL },
        { "explicitly off", { "hw:mem_encryption=false" }, {}, API_OK, MODEL_INVALID, NULL },
        { "flavor on, default model", { "hw:mem_encryption=True" }, { UEFI }, API_OK, MODEL_SEV, NULL },
        { "image on, yes spelling", {}, { "hw_mem_encryption=YES", UEFI }, API_OK, MODEL_SEV, NULL },
        { "image model wins over none", { "hw:mem_encryption=1" },
          { "hw_mem_encryption_model=amd-sev-es", UEFI }, API_OK, MODEL_SEV_ES, NULL },
        { "snp with stateless firmware", { "hw:mem_encryption=on", "hw:mem_encryption_model=amd-sev-snp" },
          { UEFI, "hw_firmware_stateless=true", "hw_machine_type=pc-q35-8.2" }, API_OK, MODEL_SEV_SNP, NULL },
        { "snp may unlock memory", { "hw:mem_encryption=y", "hw:mem_encryption_model=amd-sev-snp",
          "hw:locked_memory=false" }, { UEFI, "hw_firmware_stateless=1" }, API_OK, MODEL_SEV_SNP, NULL },
        { "bad boolean", { "hw:mem_encryption=maybe" }, { UEFI }, API_INVALID_ARGUMENT, MODEL_INVALID,
          "flavor hw:mem_encryption='maybe'" },
        { "bad image boolean", {}, { "hw_mem_encryption=2", UEFI }, API_INVALID_ARGUMENT, MODEL_INVALID,
          "image hw_mem_encryption='2'" },
        { "model without encryption", { "hw:mem_encryption_model=amd-sev" }, { UEFI },
          API_INVALID_ARGUMENT, MODEL_INVALID, "flavor hw:mem_encryption_model='amd-sev'" },
        { "encryption conflict", { "hw:mem_encryption=true" }, { "hw_mem_encryption=false", UEFI },
          API_CONFLICT, MODEL_INVALID, "image hw_mem_encryption='false'" },
        { "model conflict", { "hw:mem_encryption=true", "hw:mem_encryption_model=amd-sev" },
          { "hw_mem_encryption_model=amd-sev-es", UEFI }, API_CONFLICT, MODEL_INVALID,
          "flavor hw:mem_encryption_model='amd-sev'" },
        { "unknown model", { "hw:mem_encryption=true", "hw:mem_encryption_model=amd-tdx" }, { UEFI },
          API_UNKNOWN_MODEL, MODEL_INVALID, "flavor hw:mem_encryption_model='amd-tdx'" },
        { "no uefi", { "hw:mem_encryption=true" }, {}, API_UEFI_REQUIRED, MODEL_INVALID,
          "hw_firmware_type is not set" },
        { "bios firmware", { "hw:mem_encryption=true" }, { "hw_firmware_type=bios" }, API_UEFI_REQUIRED,
          MODEL_INVALID, "'bios'" },
        { "i440fx", { "hw:mem_encryption=true" }, { UEFI, "hw_machine_type=pc" }, API_MACHINE_TYPE_REQUIRED,
          MODEL_INVALID, "image hw_machine_type is 'pc'" },
        { "snp without stateless", { "hw:mem_encryption=true", "hw:mem_encryption_model=amd-sev-snp" }, { UEFI },
          API_STATELESS_FIRMWARE_REQUIRED, MODEL_INVALID, "hw_firmware_stateless is not set" },
        { "sev unlocked memory", { "hw:mem_encryption=true" }, { UEFI, "hw_locked_memory=no" },
          API_LOCKED_MEMORY_REQUIRED, MODEL_INVALID, "image hw_locked_memory='no'" },
        { "locked memory conflict", { "hw:mem_encryption=true", "hw:locked_memory=true" },
          { UEFI, "hw_locked_memory=false" }, API_CONFLICT, MODEL_INVALID, "hw:locked_memory" },
        { "pci passthrough", { "hw:mem_encryption=true", "pci_passthrough:alias=gpu:1" }, { UEFI },
          API_INCOMPATIBLE_DEVICE, MODEL_INVALID, "pci_passthrough:alias='gpu:1'" },
        { "ide disk", { "hw:mem_encryption=true" }, { UEFI, "hw_disk_bus=ide" }, API_INCOMPATIBLE_DEVICE,
          MODEL_INVALID, "hw_disk_bus='ide'" },
};

static void test_cases(void **state) {
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                const Case *c = &cases[i];
                g_autoptr(GHashTable) flavor = table(c->flavor), image = table(c->image);
                g_autofree char *message = NULL;
                Model m = MODEL_SEV;

                print_message("# %s\n", c->name);
                assert_int_equal(request_resolve(flavor, image, NULL, &m, &message), c->error);
                assert_int_equal(m, c->model);
                if (c->needle) {
                        assert_non_null(message);
                        if (!strstr(message, c->needle))
                                fail_msg("'%s' not in '%s'", c->needle, message);
                } else
                        assert_null(message);
        }
}

/* An absent hw_machine_type means the configured default. */
static void test_default_machine_type(void **state) {
        const char *f[] = { "hw:mem_encryption=true", NULL }, *i[] = { UEFI, NULL };
        g_autoptr(GHashTable) flavor = table(f), image = table(i);
        g_autofree char *message = NULL;
        Model m;

        assert_int_equal(request_resolve(flavor, image, "pc-i440fx-7.2", &m, &message),
                         API_MACHINE_TYPE_REQUIRED);
        assert_non_null(strstr(message, "the host's default machine type is 'pc-i440fx-7.2'"));
        g_clear_pointer(&message, g_free);
        assert_int_equal(request_resolve(flavor, NULL, "q35", &m, &message), API_UEFI_REQUIRED);
}

static void test_booleans(void **state) {
        const char *yes[] = { "1", "t", "TRUE", "On", "y", "yes" }, *no[] = { "0", "F", "false", "off", "N", "no" };

        for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
                assert_int_equal(request_parse_bool(yes[i]), 1);
                assert_int_equal(request_parse_bool(no[i]), 0);
        }
        assert_int_equal(request_parse_bool(""), -1);
        assert_int_equal(request_parse_bool("yes "), -1);
        assert_int_equal(request_parse_bool("2"), -1);
        assert_string_equal(api_error_name(API_LOCKED_MEMORY_REQUIRED), "LockedMemoryRequired");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cases),
                cmocka_unit_test(test_default_machine_type),
                cmocka_unit_test(test_booleans),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
