/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmemcrypt: org.memcrypt1.Attestation, GetPlatformInfo(),
 * GetLaunchMeasurement(), InjectLaunchSecret(), GetExpectedMeasurement() and
 * ComputeExpectedMeasurement(). The a{sv} answers are read
 * through the same key tables as the properties: keys the library does not
 * know are skipped, a known key of another type is -EBADMSG.
 */

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memcrypt-internal.h"
#include "memcrypt-read.h"

#define TCB(member, field) { member, "u", client_set_u32, offsetof(MemcryptTcb, field), 0 }
static const PropMap tcb_map[] = {
        TCB("boot_loader", boot_loader),
        TCB("tee",         tee),
        TCB("snp",         snp),
        TCB("microcode",   microcode),
        TCB("fmc",         fmc),
        { "raw", "t", client_set_u64, offsetof(MemcryptTcb, raw), 0 },
        {}
};
#define TCB_FMC_BIT (UINT64_C(1) << 4)

static int set_tcb(sd_bus_message *m, void *field, size_t *count) {
        MemcryptTcb *t = field;
        uint64_t seen = 0;
        int r;

        r = client_read_dict(NULL, m, tcb_map, t, "Key", "tcb", &seen);
        if (r < 0)
                return r;
        t->has_fmc = seen & TCB_FMC_BIT;
        return 0;
}

/* Calls MEMBER of the Attestation interface (with DOMAIN unless NULL) and reads its a{sv} through
 * MAP into a new struct of SIZE bytes, whose strings and vectors MAP's setters own (freed by
 * info_free()). Failures are remembered on C. */
static int get_info(MemcryptClient *c, const char *member, const char *domain, const PropMap *map, size_t size,
                    void **ret, uint64_t *ret_seen) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char owner[64];
        void *info;
        int r;

        r = client_call(c, MEMCRYPT_MANAGER_PATH, MEMCRYPT_ATTESTATION_INTERFACE, member, NULL, &reply,
                        domain ? "s" : NULL, domain);
        if (r < 0)
                return r;

        info = calloc(1, size);
        if (!info)
                return client_set_error(c, NULL, -ENOMEM);
        snprintf(owner, sizeof(owner), "%s()", member);
        r = client_read_dict(c, reply, map, info, "Key", owner, ret_seen);
        if (r < 0) {
                client_dict_clear(map, info);
                free(info);
                return r;
        }
        *ret = info;
        return 0;
}

static void info_free(const PropMap *map, void *info) {
        if (!info)
                return;
        client_dict_clear(map, info);
        free(info);
}

static bool seen_key(const PropMap *map, uint64_t seen, const char *key) {
        for (const PropMap *p = map; p->member; p++)
                if (strcmp(p->member, key) == 0)
                        return seen & (UINT64_C(1) << (p - map));
        return false;
}

#define PI(member, sig, set, field) { member, sig, set, offsetof(MemcryptPlatformInfo, field), 0 }
static const PropMap platform_map[] = {
        PI("cpu_generation",         "s",      client_set_string, cpu_generation),
        PI("pdh",                    "s",      client_set_string, pdh),
        PI("cert_chain",             "s",      client_set_string, cert_chain),
        PI("cpu0_id",                "s",      client_set_string, cpu0_id),
        PI("api_major",              "u",      client_set_u32,    api_major),
        PI("api_minor",              "u",      client_set_u32,    api_minor),
        PI("build",                  "u",      client_set_u32,    build),
        PI("state",                  "u",      client_set_u32,    state),
        PI("owner",                  "b",      client_set_bool,   owner),
        PI("es_initialized",         "b",      client_set_bool,   es_initialized),
        PI("guest_count",            "u",      client_set_u32,    guest_count),
        PI("snp_api_major",          "u",      client_set_u32,    snp_api_major),
        PI("snp_api_minor",          "u",      client_set_u32,    snp_api_minor),
        PI("snp_build_id",           "u",      client_set_u32,    snp_build_id),
        PI("snp_state",              "u",      client_set_u32,    snp_state),
        PI("snp_guest_count",        "u",      client_set_u32,    snp_guest_count),
        PI("rmp_initialized",        "b",      client_set_bool,   rmp_initialized),
        PI("alias_check_complete",   "b",      client_set_bool,   alias_check_complete),
        PI("vlek_enabled",           "b",      client_set_bool,   vlek_enabled),
        PI("current_tcb",            "a{sv}",  set_tcb,           current_tcb),
        PI("reported_tcb",           "a{sv}",  set_tcb,           reported_tcb),
        PI("tcb_committed_mismatch", "b",      client_set_bool,   tcb_committed_mismatch),
        PI("vcek_url",               "s",      client_set_string, vcek_url),
        PI("unavailable",            "a{ss}",  client_set_pairs,  unavailable),
        {}
};

int memcrypt_get_platform_info(MemcryptClient *c, MemcryptPlatformInfo **ret) {
        MemcryptPlatformInfo *p;
        uint64_t seen = 0;
        void *info;
        int r;

        if (!c || !ret)
                return -EINVAL;
        client_reset_error(c);

        r = get_info(c, "GetPlatformInfo", NULL, platform_map, sizeof(*p), &info, &seen);
        if (r < 0)
                return r;
        p = info;
        p->has_sev_status = seen_key(platform_map, seen, "api_major");
        p->has_snp_status = seen_key(platform_map, seen, "snp_state");
        *ret = p;
        return 0;
}

MemcryptPlatformInfo *memcrypt_platform_info_free(MemcryptPlatformInfo *p) {
        info_free(platform_map, p);
        return NULL;
}

#define LM(member, sig, set, field) { member, sig, set, offsetof(MemcryptLaunchMeasurement, field), 0 }
static const PropMap measurement_map[] = {
        LM("domain",          "s", client_set_string, domain),
        LM("uuid",            "s", client_set_string, uuid),
        LM("state",           "s", client_set_string, state),
        LM("model",           "s", client_set_string, model),
        LM("measurement",     "s", client_set_string, measurement),
        LM("api_major",       "u", client_set_u32,    api_major),
        LM("api_minor",       "u", client_set_u32,    api_minor),
        LM("build_id",        "u", client_set_u32,    build_id),
        LM("policy",          "t", client_set_u64,    policy),
        LM("firmware",        "s", client_set_string, firmware),
        LM("firmware_sha256", "s", client_set_string, firmware_sha256),
        LM("kernel_hashes",   "b", client_set_bool,   kernel_hashes),
        LM("kernel",          "s", client_set_string, kernel),
        LM("kernel_sha256",   "s", client_set_string, kernel_sha256),
        LM("initrd",          "s", client_set_string, initrd),
        LM("initrd_sha256",   "s", client_set_string, initrd_sha256),
        LM("cmdline",         "s", client_set_string, cmdline),
        LM("cmdline_sha256",  "s", client_set_string, cmdline_sha256),
        LM("vcpus",           "u", client_set_u32,    vcpus),
        LM("cpu_mode",        "s", client_set_string, cpu_mode),
        LM("cpu_name",        "s", client_set_string, cpu_name),
        LM("cpu_family",      "u", client_set_u32,    cpu_family),
        LM("cpu_model",       "u", client_set_u32,    cpu_model),
        LM("cpu_stepping",    "u", client_set_u32,    cpu_stepping),
        LM("cpu_signature",   "u", client_set_u32,    cpu_signature),
        LM("expected_measurement", "s", client_set_string, expected_measurement),
        { "unavailable", "a{ss}", client_set_pairs, offsetof(MemcryptLaunchMeasurement, unavailable), 0 },
        {}
};

int memcrypt_get_launch_measurement(MemcryptClient *c, const char *domain, MemcryptLaunchMeasurement **ret) {
        MemcryptLaunchMeasurement *m;
        uint64_t seen = 0;
        void *info;
        int r;

        if (!c || !domain || !ret)
                return -EINVAL;
        client_reset_error(c);

        r = get_info(c, "GetLaunchMeasurement", domain, measurement_map, sizeof(*m), &info, &seen);
        if (r < 0)
                return r;
        m = info;
        m->has_cpu_signature = seen_key(measurement_map, seen, "cpu_signature");
        *ret = m;
        return 0;
}

MemcryptLaunchMeasurement *memcrypt_launch_measurement_free(MemcryptLaunchMeasurement *m) {
        info_free(measurement_map, m);
        return NULL;
}

int memcrypt_inject_launch_secret(MemcryptClient *c, const char *domain, const char *header, const char *secret,
                                  const MemcryptOptions *options) {
        if (!c || !domain || !header || !secret)
                return -EINVAL;
        client_reset_error(c);

        return client_call(c, MEMCRYPT_MANAGER_PATH, MEMCRYPT_ATTESTATION_INTERFACE, "InjectLaunchSecret", &options,
                           NULL, "sss", domain, header, secret);
}

/* ---- GetExpectedMeasurement(), ComputeExpectedMeasurement() ---- */

#define MF(member, sig, set, field) { member, sig, set, offsetof(MemcryptMeasuredFile, field), 0 }
static const PropMap file_map[] = {
        MF("path",       "s", client_set_string, path),
        MF("size",       "t", client_set_u64,    size),
        MF("sha256",     "s", client_set_string, sha256),
        MF("descriptor", "s", client_set_string, descriptor),
        MF("source",     "s", client_set_string, source),
        {}
};

static int set_file(sd_bus_message *m, void *field, size_t *count) {
        return client_read_dict(NULL, m, file_map, field, "Key", "file", NULL);
}

#define EM(member, sig, set, field) { member, sig, set, offsetof(MemcryptExpectedMeasurement, field), 0 }
static const PropMap expected_map[] = {
        EM("mode",                  "s",     client_set_string, mode),
        EM("model",                 "s",     client_set_string, model),
        EM("policy",                "t",     client_set_u64,    policy),
        EM("firmware",              "a{sv}", set_file,          firmware),
        EM("kernel_hashes",         "b",     client_set_bool,   kernel_hashes),
        EM("kernel",                "a{sv}", set_file,          kernel),
        EM("initrd",                "a{sv}", set_file,          initrd),
        EM("cmdline",               "s",     client_set_string, cmdline),
        EM("vcpus",                 "u",     client_set_u32,    vcpus),
        EM("vcpu_signature",        "u",     client_set_u32,    vcpu_signature),
        EM("vcpu_signature_source", "s",     client_set_string, vcpu_signature_source),
        EM("guest_features",        "t",     client_set_u64,    guest_features),
        EM("guest_features_source", "s",     client_set_string, guest_features_source),
        EM("vmsa_form",             "s",     client_set_string, vmsa_form),
        EM("vmsa_form_reason",      "s",     client_set_string, vmsa_form_reason),
        {}
};

static int read_expected(MemcryptClient *c, sd_bus_message *reply, const char *method,
                         MemcryptExpectedMeasurement **ret) {
        MemcryptExpectedMeasurement *m;
        uint64_t seen = 0;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return client_set_error(c, NULL, -ENOMEM);
        r = client_read_string(NULL, reply, 's', &m->measurement);
        if (r >= 0)
                r = client_read_dict(c, reply, expected_map, m, "Key", method, &seen);
        if (r >= 0)
                r = client_read_strv(reply, &m->command);
        if (r >= 0) {
                MemcryptMeasuredFile *files[] = { &m->firmware, &m->kernel, &m->initrd };
                for (size_t i = 0; r >= 0 && i < sizeof(files) / sizeof(files[0]); i++)
                        r = client_dict_defaults(file_map, files[i]);  /* a file not sent: "" */
        }
        if (r < 0) {
                memcrypt_expected_measurement_free(m);
                return client_set_error(c, NULL, r);
        }
        m->has_policy = seen_key(expected_map, seen, "policy");
        m->has_vmsas = seen_key(expected_map, seen, "vcpu_signature");
        *ret = m;
        return 0;
}

int memcrypt_get_expected_measurement(MemcryptClient *c, const char *domain, const MemcryptOptions *options,
                                      MemcryptExpectedMeasurement **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        if (!c || !domain || !ret)
                return -EINVAL;
        client_reset_error(c);

        r = client_call(c, MEMCRYPT_MANAGER_PATH, MEMCRYPT_ATTESTATION_INTERFACE, "GetExpectedMeasurement", &options,
                        &reply, "s", domain);
        return r < 0 ? r : read_expected(c, reply, "GetExpectedMeasurement()", ret);
}

int memcrypt_compute_expected_measurement(MemcryptClient *c, const char *domain_xml, int kernel_fd, int initrd_fd,
                                          const MemcryptOptions *options, MemcryptExpectedMeasurement **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int null = -1, r;

        if (!c || !domain_xml || !ret || kernel_fd < -1 || initrd_fd < -1)
                return -EINVAL;
        client_reset_error(c);

        /* D-Bus has no empty descriptor: "none" is /dev/null, which the service never reads. */
        if (kernel_fd < 0 || initrd_fd < 0) {
                null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null < 0)
                        return client_set_error(c, NULL, -errno);
        }
        r = client_call(c, MEMCRYPT_MANAGER_PATH, MEMCRYPT_ATTESTATION_INTERFACE, "ComputeExpectedMeasurement",
                        &options, &reply, "shh", domain_xml, kernel_fd >= 0 ? kernel_fd : null,
                        initrd_fd >= 0 ? initrd_fd : null);
        if (null >= 0)
                close(null);    /* the message held its own copy */
        return r < 0 ? r : read_expected(c, reply, "ComputeExpectedMeasurement()", ret);
}

MemcryptExpectedMeasurement *memcrypt_expected_measurement_free(MemcryptExpectedMeasurement *m) {
        if (!m)
                return NULL;

        free(m->measurement);
        client_dict_clear(expected_map, m);
        client_dict_clear(file_map, &m->firmware);
        client_dict_clear(file_map, &m->kernel);
        client_dict_clear(file_map, &m->initrd);
        strv_free(m->command);
        free(m);
        return NULL;
}
