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
/* One rule broken on top of a request that passes every rule. */
typedef struct {
        const char *flavor, *image;
        ApiError error;
} Breaker;

static void check_order(const char *const *flavor_base, const char *const *image_base,
                        const Breaker *breakers, size_t n) {
        /* Every pair of broken rules answers the earlier rule's error: docs/guests.md "ResolveRequest" order,
         * which follows Nova's check_constraints() (UEFI, then q35, then stateless firmware). */
        for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++) {
                        g_autoptr(GHashTable) flavor = table(flavor_base), image = table(image_base);
                        g_autofree char *message = NULL;
                        Model m;
                        const Breaker *b[] = { &breakers[i], &breakers[j] };

                        for (size_t k = 0; k < 2; k++) {
                                GHashTable *t = b[k]->flavor ? flavor : image;
                                const char *kv = b[k]->flavor ?: b[k]->image, *eq = strchr(kv, '=');
                                g_autofree char *key = g_strndup(kv, eq - kv);
                                if (eq[1])
                                        g_hash_table_insert(t, g_steal_pointer(&key), g_strdup(eq + 1));
                                else
                                        g_hash_table_remove(t, key);
                        }
                        ApiError e = request_resolve(flavor, image, NULL, &m, &message);
                        if (e != breakers[i].error)
                                fail_msg("rules %zu and %zu broken: got %s (%s), want %s", i, j, api_error_name(e),
                                         message, api_error_name(breakers[i].error));
                }
}

static void test_rule_order(void **state) {
        /* nova/tests/unit/virt/test_hardware.py MemEncryptionRequiredTestCase: an SNP request on
         * machine 'pc' without stateless firmware is refused for the machine type first. */
        static const char *const snp_flavor[] = { "hw:mem_encryption=true", "hw:mem_encryption_model=amd-sev-snp", NULL };
        static const char *const snp_image[] = { UEFI, "hw_machine_type=q35", "hw_firmware_stateless=true", NULL };
        static const Breaker snp[] = {
                { NULL, "hw_firmware_type=bios", API_UEFI_REQUIRED },
                { NULL, "hw_machine_type=pc", API_MACHINE_TYPE_REQUIRED },
                { NULL, "hw_firmware_stateless=", API_STATELESS_FIRMWARE_REQUIRED },
                { NULL, "hw_disk_bus=ide", API_INCOMPATIBLE_DEVICE },
        };
        static const char *const sev_flavor[] = { "hw:mem_encryption=true", NULL };
        static const char *const sev_image[] = { UEFI, NULL };
        static const Breaker sev[] = {
                { NULL, "hw_firmware_type=bios", API_UEFI_REQUIRED },
                { NULL, "hw_machine_type=pc-i440fx-8.2", API_MACHINE_TYPE_REQUIRED },
                { "hw:locked_memory=false", NULL, API_LOCKED_MEMORY_REQUIRED },
                { "pci_passthrough:alias=gpu:1", NULL, API_INCOMPATIBLE_DEVICE },
        };

        (void) state;
        check_order(snp_flavor, snp_image, snp, G_N_ELEMENTS(snp));
        check_order(sev_flavor, sev_image, sev, G_N_ELEMENTS(sev));
}

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
                cmocka_unit_test(test_rule_order),
                cmocka_unit_test(test_default_machine_type),
                cmocka_unit_test(test_booleans),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
