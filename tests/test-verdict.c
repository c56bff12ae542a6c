/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The verdict rules on synthetic facts: one good Milan SNP host, then one
 * change per test, asserting exactly which models flip and why.
 */
#include "domain-table.h"
#include "test-util.h"
#include "verdict.h"

static FirmwareDescriptor *descriptor(const char *exe, FirmwareMappingDevice dev, const char *const *features) {
        FirmwareDescriptor *d = g_new0(FirmwareDescriptor, 1);
        d->path = g_strdup("/usr/share/qemu/firmware/x.json");
        d->uefi = true;
        d->x86_64_q35 = true;
        d->device = dev;
        d->executable = g_strdup(exe);
        d->features = g_strdupv((char **) features);
        return d;
}

static void add_domain(HostFacts *f, const char *name, Model model) {
        RunningDomain *d = g_new0(RunningDomain, 1);
        d->name = g_strdup(name);
        d->uuid = g_strdup("00000000-0000-0000-0000-000000000001");
        d->model = model;
        domain_table_append(f->libvirt.domains, d);
}

/* EPYC 7713 leaf 0x8000001F as recorded by libvirt, on a fully configured SNP stack. */
static void milan_snp(HostFacts *f) {
        static const char *const snp_features[] = { "amd-sev", "amd-sev-es", "amd-sev-snp", NULL };

        host_facts_init(f);
        f->root = g_strdup("/synthetic");
        f->hostname = g_strdup("node1");
        f->cpuid.src.status = SOURCE_OK;
        strcpy(f->cpuid.vendor, "AuthenticAMD");
        f->cpuid.family = 0x19, f->cpuid.model = 0x01, f->cpuid.generation = CPU_GEN_MILAN;
        f->cpuid.has_leaf_8000001f = true;
        f->cpuid.leaf_eax = 0x0001fc3f;
        f->cpuid.cbitpos = 51, f->cpuid.reduced_phys_bits = 4;
        f->cpuid.asid_count = 253, f->cpuid.min_sev_asid = 32;
        f->cpuinfo.src.status = SOURCE_OK;
        f->cpuinfo.sme = f->cpuinfo.sev = f->cpuinfo.sev_es = f->cpuinfo.sev_snp = true;
        f->kvm.module.status = SOURCE_OK;
        f->kvm.sev = f->kvm.sev_es = f->kvm.sev_snp = (ModuleParam) { .value = TRI_YES };
        f->misc.capacity_src.status = f->misc.current_src.status = SOURCE_OK;
        f->misc.capacity_sev = 222, f->misc.capacity_sev_es = 31;
        f->misc.current_sev = 0, f->misc.current_sev_es = 0;
        f->sev.device.status = f->sev.sev_src.status = f->sev.snp_src.status = SOURCE_OK;
        f->sev.api_major = 1, f->sev.api_minor = 55, f->sev.build = 31, f->sev.state = 2;
        f->sev.snp_api_major = 1, f->sev.snp_api_minor = 55, f->sev.snp_state = 1, f->sev.rmp_initialized = true;
        f->sev.current_tcb = f->sev.reported_tcb = UINT64_C(0xd51b000000000004);
        f->sev.current_tcb_decoded = (TcbVersion) { .boot_loader = 4, .snp = 0x1b, .microcode = 0xd5 };
        f->firmware.src.status = SOURCE_OK;
        g_ptr_array_add(f->firmware.descriptors, descriptor("/usr/share/OVMF/OVMF.amdsev.fd", FW_MAPPING_MEMORY, snp_features));
        f->libvirt.connection.status = f->libvirt.versions_src.status = SOURCE_OK;
        f->libvirt.libvirt_version = g_strdup("10.10.0");
        f->libvirt.qemu_version = g_strdup("9.2.0");
        f->libvirt.domcaps.src.status = f->libvirt.domains_src.status = SOURCE_OK;
        f->libvirt.domcaps.sev_supported = TRI_YES;
        f->libvirt.domcaps.max_guests = 222, f->libvirt.domcaps.max_es_guests = 31;
        f->libvirt.domcaps.has_launch_security = f->libvirt.domcaps.launch_security_supported = true;
        f->libvirt.domcaps.sectype_sev = f->libvirt.domcaps.sectype_sev_snp = true;
}

static HostVerdict *judge(HostFacts *f) {
        MemcryptConfig cfg;
        memcrypt_config_init(&cfg);
        HostVerdict *v = host_verdict_new(f, &cfg);
        memcrypt_config_clear(&cfg);
        return v;
}

static const Check *check(const HostVerdict *v, const char *id) {
        const Check *c = host_verdict_find_check(v, id);
        if (!c)
                fail_msg("no check %s", id);
        return c;
}

static void assert_only_reason(const ModelVerdict *mv, const char *code) {
        if (mv->reasons->len != 1 || !model_verdict_has_reason(mv, code)) {
                for (guint i = 0; i < mv->reasons->len; i++)
                        print_message("  reason: %s\n", ((Reason *) mv->reasons->pdata[i])->code);
                fail_msg("%s: expected exactly reason %s", model_name(mv->model), code);
        }
}

static void test_milan_snp(void **state) {
        HostFacts f;
        milan_snp(&f);
        g_autoptr(HostVerdict) v = judge(&f);

        assert_int_equal(v->health, HEALTH_OK);
        assert_string_equal(v->node, "node1");
        assert_true(v->models[MODEL_SEV].usable);
        assert_int_equal(v->models[MODEL_SEV].reasons->len, 0);
        /* SEV-ES is withheld beside SNP, yet the CPU can run it. */
        for (Model m = 0; m < _MODEL_MAX; m++)
                assert_true(v->models[m].cpu_capable);
        assert_int_equal(v->models[MODEL_SEV].asid_first, 32);
        assert_int_equal(v->models[MODEL_SEV].asid_last, 253);
        assert_int_equal(v->models[MODEL_SEV].slots_total, 222);
        assert_int_equal(v->models[MODEL_SEV].slots_free, 222);
        assert_string_equal(v->models[MODEL_SEV].resource_provider, "node1_amd_sev");
        assert_true(v->models[MODEL_SEV_SNP].usable);
        assert_int_equal(v->models[MODEL_SEV_SNP].asid_first, 1);
        assert_int_equal(v->models[MODEL_SEV_SNP].asid_last, 31);
        assert_int_equal(v->models[MODEL_SEV_SNP].slots_total, 31);
        assert_string_equal(v->models[MODEL_SEV_SNP].firmware->pdata[0], "/usr/share/OVMF/OVMF.amdsev.fd");
        assert_false(v->models[MODEL_SEV_ES].usable);
        assert_only_reason(&v->models[MODEL_SEV_ES], "es-blocked-by-snp");
        assert_int_equal(v->models[MODEL_SEV_ES].slots_total, 0);
        /* Withheld by design: the check passes (doctor stays green), the model still says why. */
        assert_int_equal(check(v, "cve-2025-48514-amd-sev-es")->status, CHECK_PASS);
        for (guint i = 0; i < v->checks->len; i++)
                if (((Check *) v->checks->pdata[i])->status == CHECK_FAIL)
                        fail_msg("a correctly configured SNP host fails %s", ((Check *) v->checks->pdata[i])->id);
        host_facts_clear(&f);
}

/*
 * nova/tests/unit/virt/libvirt/test_host.py (the kvm_amd parameter cases '0\n', 'N\n', a missing
 * file): Nova's supports_amd_sev_es()/supports_amd_sev_snp() start from supports_amd_sev(), and the
 * kernel refuses every SEV command while kvm_amd.sev is off. SEV-ES and SEV-SNP parameters saying Y
 * do not make them usable; the reason names kvm_amd.sev.
 */
static void test_sev_param_off_fails_all(void **state) {
        for (int i = 0; i < 3; i++) {
                HostFacts f;
                milan_snp(&f);
                if (i == 2)
                        source_set(&f.kvm.sev.src, SOURCE_MISSING, "no such file");
                else
                        f.kvm.sev.value = TRI_NO; /* the probe reads both 'N' and '0' as TRI_NO */
                if (i == 1)
                        f.kvm.sev_snp.value = TRI_NO, f.sev.snp_src.status = SOURCE_MISSING;
                g_autoptr(HostVerdict) v = judge(&f);
                for (Model m = 0; m < _MODEL_MAX; m++) {
                        const ModelVerdict *mv = &v->models[m];
                        assert_false(mv->usable);
                        assert_only_reason(mv, "kernel-sev-disabled");
                        assert_non_null(strstr(((Reason *) mv->reasons->pdata[0])->message, "kvm_amd"));
                        assert_non_null(strstr(((Reason *) mv->reasons->pdata[0])->message, "'sev'") ?:
                                        strstr(((Reason *) mv->reasons->pdata[0])->message, "kvm_amd.sev="));
                        assert_int_equal(mv->slots_total, 0);
                }
                assert_int_equal(check(v, "kvm-param-amd-sev-es")->status, CHECK_SKIP);
                host_facts_clear(&f);
        }
}

/* Below the fixed SVN the firmware would launch ES, but memcryptd still refuses and says why. */
static void test_es_blocked_old_svn(void **state) {
        HostFacts f;
        milan_snp(&f);
        f.sev.current_tcb_decoded.snp = 0x15;
        g_autoptr(HostVerdict) v = judge(&f);

        assert_false(v->models[MODEL_SEV_ES].usable);
        assert_non_null(strstr(((Reason *) v->models[MODEL_SEV_ES].reasons->pdata[0])->message, "vulnerable"));
        /* An open risk a firmware update closes: a warning with that hint, not a failure. */
        assert_int_equal(check(v, "cve-2025-48514-amd-sev-es")->status, CHECK_WARN);
        assert_non_null(strstr(check(v, "cve-2025-48514-amd-sev-es")->hint, "Update the SEV firmware"));
        host_facts_clear(&f);
}

static void test_snp_off_restores_es(void **state) {
        HostFacts f;
        milan_snp(&f);
        f.kvm.sev_snp.value = TRI_NO;
        f.sev.snp_src.status = SOURCE_MISSING;
        g_autoptr(HostVerdict) v = judge(&f);

        assert_true(v->models[MODEL_SEV_ES].usable);
        assert_int_equal(v->models[MODEL_SEV_ES].slots_total, 31);
        assert_false(v->models[MODEL_SEV_SNP].usable);
        assert_true(model_verdict_has_reason(&v->models[MODEL_SEV_SNP], "kernel-sev-snp-disabled"));
        assert_true(model_verdict_has_reason(&v->models[MODEL_SEV_SNP], "psp-not-initialized"));
        host_facts_clear(&f);
}

static void test_not_amd(void **state) {
        const char *vendors[] = { "GenuineIntel", "HygonGenuine" };

        for (size_t i = 0; i < G_N_ELEMENTS(vendors); i++) {
                HostFacts f;
                milan_snp(&f);
                strcpy(f.cpuid.vendor, vendors[i]);
                g_autoptr(HostVerdict) v = judge(&f);
                for (Model m = 0; m < _MODEL_MAX; m++) {
                        assert_only_reason(&v->models[m], "cpu-not-amd");
                        assert_false(v->models[m].cpu_capable);
                }
                assert_int_equal(check(v, "psp-device")->status, CHECK_SKIP);
                host_facts_clear(&f);
        }
}

static void test_guest(void **state) {
        HostFacts f;
        milan_snp(&f);
        f.cpuid.hypervisor = true;
        g_autoptr(HostVerdict) v = judge(&f);

        for (Model m = 0; m < _MODEL_MAX; m++) {
                assert_only_reason(&v->models[m], "running-in-guest");
                assert_false(v->models[m].cpu_capable);
        }
        assert_int_equal(check(v, "host-not-guest")->status, CHECK_FAIL);
        host_facts_clear(&f);
}

/* Permission denied is "cannot tell": unknown, never fail, and never usable. */
static void test_psp_denied_is_unknown(void **state) {
        HostFacts f;
        milan_snp(&f);
        source_set(&f.sev.device, SOURCE_DENIED, "/dev/sev: Permission denied");
        g_autoptr(HostVerdict) v = judge(&f);

        assert_int_equal(check(v, "psp-device")->status, CHECK_UNKNOWN);
        assert_int_equal(v->health, HEALTH_DEGRADED);
        for (Model m = 0; m < _MODEL_MAX; m++) {
                assert_false(v->models[m].usable);
                assert_true(model_verdict_has_reason(&v->models[m], "psp-unavailable"));
        }
        host_facts_clear(&f);
}

static void test_libvirt_unavailable(void **state) {
        HostFacts f;
        milan_snp(&f);
        source_set(&f.libvirt.connection, SOURCE_ERROR, "cannot connect to qemu:///system");
        g_autoptr(HostVerdict) v = judge(&f);

        assert_int_equal(check(v, "libvirt-connection")->status, CHECK_UNKNOWN);
        assert_int_equal(v->health, HEALTH_DEGRADED);
        assert_non_null(strstr(v->health_message, "libvirt-connection"));
        assert_false(v->models[MODEL_SEV].usable);
        assert_only_reason(&v->models[MODEL_SEV], "libvirt-unavailable");
        host_facts_clear(&f);
}

static void test_ciphertext_hiding_split(void **state) {
        HostFacts f;
        milan_snp(&f);
        f.kvm.ciphertext_hiding_asids = 16;
        f.kvm.sev_snp.value = TRI_NO;  /* so that SEV-ES is offered and its half can be checked */
        f.sev.snp_src.status = SOURCE_MISSING;
        g_autoptr(HostVerdict) v = judge(&f);

        assert_int_equal(v->models[MODEL_SEV_ES].asid_first, 17);
        assert_int_equal(v->models[MODEL_SEV_ES].asid_last, 31);
        assert_int_equal(v->models[MODEL_SEV_ES].slots_total, 15);
        assert_int_equal(v->models[MODEL_SEV_SNP].asid_first, 1);
        assert_int_equal(v->models[MODEL_SEV_SNP].asid_last, 16);
        host_facts_clear(&f);

        milan_snp(&f);
        f.kvm.ciphertext_hiding_asids = 4096; /* larger than the pool: SNP takes all of it */
        g_autoptr(HostVerdict) v2 = judge(&f);
        assert_true(model_verdict_has_reason(&v2->models[MODEL_SEV_ES], "no-es-asids"));
        assert_int_equal(v2->models[MODEL_SEV_SNP].slots_total, 31);
        assert_true(v2->models[MODEL_SEV_SNP].usable);
        host_facts_clear(&f);
}

static void test_deferred_psp_init(void **state) {
        HostFacts f;
        milan_snp(&f);
        f.sev.state = 0;
        f.kvm.ccp_psp_init_on_probe = (ModuleParam) { .value = TRI_NO };
        g_autoptr(HostVerdict) v = judge(&f);
        assert_int_equal(check(v, "psp-sev-init")->status, CHECK_WARN);
        assert_true(v->models[MODEL_SEV].usable);
        host_facts_clear(&f);

        milan_snp(&f);
        f.sev.state = 0;
        g_autoptr(HostVerdict) v2 = judge(&f);
        assert_only_reason(&v2->models[MODEL_SEV], "psp-not-initialized");
        host_facts_clear(&f);
}

static void test_conflicting_guests(void **state) {
        HostFacts f;
        milan_snp(&f);
        add_domain(&f, "legacy-es-1", MODEL_SEV_ES);
        add_domain(&f, "snp-1", MODEL_SEV_SNP);
        f.misc.current_sev_es = 2;
        g_autoptr(HostVerdict) v = judge(&f);

        assert_int_equal(v->health, HEALTH_CONFLICT);
        assert_non_null(strstr(v->health_message, "legacy-es-1"));
        assert_null(strstr(v->health_message, "snp-1"));
        assert_non_null(strstr(v->health_message, "disable SEV-SNP"));
        assert_int_equal(v->conflicting_guests->len, 1);
        for (Model m = 0; m < _MODEL_MAX; m++) {
                assert_false(v->models[m].usable);
                assert_true(model_verdict_has_reason(&v->models[m], "conflicting-guests"));
        }
        host_facts_clear(&f);
}

static void test_slot_accounting(void **state) {
        HostFacts f;
        milan_snp(&f);
        add_domain(&f, "sev-1", MODEL_SEV);
        add_domain(&f, "snp-1", MODEL_SEV_SNP);
        add_domain(&f, "plain", MODEL_NONE);
        f.misc.current_sev = 1;
        f.misc.current_sev_es = 1;
        g_autoptr(HostVerdict) v = judge(&f);
        assert_int_equal(v->models[MODEL_SEV].slots_used, 1);
        assert_int_equal(v->models[MODEL_SEV].slots_free, 221);
        assert_int_equal(v->models[MODEL_SEV_SNP].slots_used, 1);
        assert_int_equal(v->models[MODEL_SEV_SNP].slots_free, 30);
        assert_int_equal(v->models[MODEL_SEV].reasons->len, 0);
        host_facts_clear(&f);

        /* The kernel sees an ASID libvirt does not know about: a warning, still usable. */
        milan_snp(&f);
        f.misc.current_sev = 3;
        add_domain(&f, "sev-1", MODEL_SEV);
        g_autoptr(HostVerdict) v2 = judge(&f);
        assert_true(v2->models[MODEL_SEV].usable);
        assert_only_reason(&v2->models[MODEL_SEV], "slots-disagree");
        assert_int_equal(v2->models[MODEL_SEV].slots_used, 3);
        host_facts_clear(&f);

        /* Without misc cgroup, CPUID then libvirt give the total; libvirt disagreeing warns. */
        milan_snp(&f);
        f.misc.capacity_sev = f.misc.capacity_sev_es = f.misc.current_sev = f.misc.current_sev_es = -1;
        f.libvirt.domcaps.max_guests = 59;
        g_autoptr(HostVerdict) v3 = judge(&f);
        assert_int_equal(v3->models[MODEL_SEV].slots_total, 222);
        assert_only_reason(&v3->models[MODEL_SEV], "slots-disagree");
        host_facts_clear(&f);
}

/* SEV-ES and SEV-SNP share one pool; on an SNP host SEV-ES is withheld and shows no slots at all,
 * while SEV-SNP carries the pool's numbers, and the withheld model's check says what the pool holds. */
static void test_withheld_model_has_no_slots(void **state) {
        HostFacts f;
        milan_snp(&f);
        add_domain(&f, "snp-1", MODEL_SEV_SNP);
        add_domain(&f, "snp-2", MODEL_SEV_SNP);
        f.misc.current_sev_es = 2;
        g_autoptr(HostVerdict) v = judge(&f);
        const ModelVerdict *es = &v->models[MODEL_SEV_ES], *snp = &v->models[MODEL_SEV_SNP];

        assert_false(es->usable);
        assert_int_equal(es->slots_total, 0);
        assert_int_equal(es->slots_used, 0);
        assert_int_equal(es->slots_free, 0);
        assert_int_equal(snp->slots_total, 31);
        assert_int_equal(snp->slots_used, 2);
        assert_int_equal(snp->slots_free, 29);
        assert_int_equal(check(v, "slots-amd-sev-es")->status, CHECK_SKIP);
        assert_non_null(strstr(check(v, "slots-amd-sev-es")->message, "holds 2 guests of 31"));
        assert_non_null(strstr(check(v, "slots-amd-sev-snp")->message, "29 of 31"));
        host_facts_clear(&f);
}

static void test_versions_and_firmware(void **state) {
        HostFacts f;
        milan_snp(&f);
        f.sev.snp_api_minor = 49;
        g_free(f.libvirt.qemu_version);
        f.libvirt.qemu_version = g_strdup("8.2.2");
        g_autoptr(HostVerdict) v = judge(&f);
        assert_true(model_verdict_has_reason(&v->models[MODEL_SEV_SNP], "sev-firmware-too-old"));
        assert_true(model_verdict_has_reason(&v->models[MODEL_SEV_SNP], "qemu-too-old"));
        assert_true(v->models[MODEL_SEV].usable);
        host_facts_clear(&f);

        milan_snp(&f);
        g_free(f.libvirt.libvirt_version);
        f.libvirt.libvirt_version = g_strdup("10.4.0");
        ((FirmwareDescriptor *) f.firmware.descriptors->pdata[0])->device = FW_MAPPING_FLASH; /* split: not for SNP */
        g_autoptr(HostVerdict) v2 = judge(&f);
        assert_true(model_verdict_has_reason(&v2->models[MODEL_SEV_SNP], "libvirt-snp-unsupported"));
        assert_true(model_verdict_has_reason(&v2->models[MODEL_SEV_SNP], "firmware-missing"));
        assert_true(v2->models[MODEL_SEV].usable);
        host_facts_clear(&f);
}

static void test_turin_tcb_threshold(void **state) {
        HostFacts f;
        milan_snp(&f);
        f.cpuid.family = 0x1a, f.cpuid.model = 0x02, f.cpuid.generation = CPU_GEN_TURIN;
        f.sev.current_tcb_decoded = (TcbVersion) { .fmc = 1, .boot_loader = 9, .tee = 2, .snp = 4, .has_fmc = true };
        g_autoptr(HostVerdict) v = judge(&f);
        assert_non_null(strstr(((Reason *) v->models[MODEL_SEV_ES].reasons->pdata[0])->message, "rejects"));
        host_facts_clear(&f);
}

/* A feature the generation cannot have is a SKIP, never a FAIL; the model still says why. */
static void test_naples_es_is_skip(void **state) {
        HostFacts f;
        milan_snp(&f);
        f.cpuid.family = 0x17, f.cpuid.model = 0x01, f.cpuid.generation = CPU_GEN_NAPLES;
        f.cpuid.leaf_eax = 0x0000000f;
        g_autoptr(HostVerdict) v = judge(&f);
        assert_int_equal(check(v, "cpuid-amd-sev-es")->status, CHECK_SKIP);
        assert_int_equal(check(v, "cpuid-amd-sev-snp")->status, CHECK_SKIP);
        assert_int_equal(check(v, "kvm-param-amd-sev-es")->status, CHECK_SKIP);
        assert_true(model_verdict_has_reason(&v->models[MODEL_SEV_ES], "cpu-lacks-sev-es"));
        assert_true(model_verdict_has_reason(&v->models[MODEL_SEV_SNP], "cpu-lacks-sev-snp"));
        /* No configuration gives Naples SEV-ES or SEV-SNP; SEV it can run. */
        assert_true(v->models[MODEL_SEV].cpu_capable);
        assert_false(v->models[MODEL_SEV_ES].cpu_capable);
        assert_false(v->models[MODEL_SEV_SNP].cpu_capable);
        host_facts_clear(&f);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_milan_snp),
                cmocka_unit_test(test_es_blocked_old_svn),
                cmocka_unit_test(test_sev_param_off_fails_all),
                cmocka_unit_test(test_snp_off_restores_es),
                cmocka_unit_test(test_not_amd),
                cmocka_unit_test(test_guest),
                cmocka_unit_test(test_psp_denied_is_unknown),
                cmocka_unit_test(test_libvirt_unavailable),
                cmocka_unit_test(test_ciphertext_hiding_split),
                cmocka_unit_test(test_deferred_psp_init),
                cmocka_unit_test(test_conflicting_guests),
                cmocka_unit_test(test_slot_accounting),
                cmocka_unit_test(test_withheld_model_has_no_slots),
                cmocka_unit_test(test_versions_and_firmware),
                cmocka_unit_test(test_turin_tcb_threshold),
                cmocka_unit_test(test_naples_es_is_skip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
