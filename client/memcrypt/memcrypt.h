/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * libmemcrypt: a typed client of the org.memcrypt1 bus service.
 *
 * Every function that talks to the service returns 0 (or a positive value
 * where documented) on success and a negative errno on failure. The D-Bus
 * error behind a failure (e.g. "org.memcrypt1.Error.UnknownModel") and its
 * message stay available from memcrypt_client_error_name() and
 * memcrypt_client_error_message() until the next call on the same client.
 * Service error names map to errnos (table in libmemcrypt(3)): -EACCES for
 * NotAuthorized, -ENOENT for UnknownModel, and so on.
 *
 * A client is not thread-safe; use one per thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEMCRYPT_BUS_NAME            "org.memcrypt1"
#define MEMCRYPT_MANAGER_PATH        "/org/memcrypt1"
#define MEMCRYPT_MANAGER_INTERFACE   "org.memcrypt1.Manager"
#define MEMCRYPT_MODEL_INTERFACE     "org.memcrypt1.Model"
#define MEMCRYPT_MODEL_PATH_PREFIX   "/org/memcrypt1/model/"

/* Error names of the service (MEMCRYPT_ERROR_INVALID_ARGUMENT, ...) and MEMCRYPT_ERROR_TABLE. */
#include "memcrypt-errors.h"

/* The errno a service error name maps to (-EIO for a name the library does not know). */
int memcrypt_error_to_errno(const char *error_name);

typedef struct MemcryptClient MemcryptClient;

/* Connect to the service on the system bus ($DBUS_SYSTEM_BUS_ADDRESS is honoured). */
int memcrypt_client_open(MemcryptClient **ret);
/* Connect to a bus at ADDRESS (a D-Bus address such as "unix:path=/run/x"). */
int memcrypt_client_open_address(const char *address, MemcryptClient **ret);
/* Use an already connected peer-to-peer socket (no bus daemon; e.g. one end of a
 * socketpair served by memcryptd's vtables in tests). The client owns FD afterwards. */
int memcrypt_client_open_fd(int fd, MemcryptClient **ret);
/* Close the connection and free the client. Returns NULL. Accepts NULL. */
MemcryptClient *memcrypt_client_free(MemcryptClient *c);
/* Let polkit ask the user for a password on calls that need authorization
 * (sets the message header flag; off by default). */
void memcrypt_client_set_interactive(MemcryptClient *c, bool interactive);
/* Name and message of the error of the last failed call, or NULL. */
const char *memcrypt_client_error_name(const MemcryptClient *c);
const char *memcrypt_client_error_message(const MemcryptClient *c);

/* code, severity ("error" | "warning"), message, hint */
typedef struct {
        char *code;
        char *severity;
        char *message;
        char *hint;
} MemcryptReason;

/* One doctor check; model is "" for host-wide checks; status pass|warn|fail|skip|unknown. */
typedef struct {
        char *id;
        char *model;
        char *category;
        char *status;
        char *message;
        char *hint;
} MemcryptCheck;

/* A running domain with a <launchSecurity> the service counts against a model. */
typedef struct {
        char *name;
        char *uuid;
        char *model;
} MemcryptDomain;

/* The org.memcrypt1.Manager properties. */
typedef struct {
        char *version;
        char *node_name;
        char *health;                  /* "ok" | "degraded" | "conflict" */
        char *health_message;
        char **usable_models;          /* NULL-terminated */
        char *cpu_vendor;
        char *cpu_generation;
        uint32_t cbit_position;
        uint32_t reduced_phys_bits;
        uint32_t asid_count;
        uint32_t min_sev_asid;
        char *kernel_version;
        char *libvirt_version;
        char *qemu_version;
        char *sev_firmware_version;
        bool libvirt_connected;
        uint32_t running_domains;
        MemcryptDomain *encrypted_domains;
        size_t n_encrypted_domains;
        uint64_t last_refresh;         /* µs since the epoch (CLOCK_REALTIME) */
} MemcryptHost;

/* The org.memcrypt1.Model properties of one model. */
typedef struct {
        char *name;                    /* "amd-sev" | "amd-sev-es" | "amd-sev-snp" */
        bool usable;
        MemcryptReason *reasons;
        size_t n_reasons;
        char *trait;
        char *resource_provider;
        uint32_t asid_first;
        uint32_t asid_last;
        uint32_t slots_total;
        uint32_t slots_used;
        uint32_t slots_free;
        uint64_t default_policy;
        char **firmware;               /* NULL-terminated */
        uint32_t running_domains;      /* libvirt's running guests launched with the model */
        bool cpu_capable;              /* the CPU can run the model: with usable false, configuration can
                                        * still make it usable */
} MemcryptModel;

/* Model names in the order of the bus objects. */
extern const char *const memcrypt_model_names[3];

/* Read every Manager property with one GetAll. Free with memcrypt_host_free().
 * Properties the library does not know are skipped (the service may add some); one the
 * service did not send reads as "", an empty list, false or 0: strings and string lists
 * are never NULL. A known property with another type fails with -EBADMSG
 * (org.freedesktop.DBus.Error.InvalidSignature). The same holds for memcrypt_get_model(). */
int memcrypt_get_host(MemcryptClient *c, MemcryptHost **ret);
MemcryptHost *memcrypt_host_free(MemcryptHost *h);

/* The object path of MODEL (GetModel). Free with free(). */
int memcrypt_get_model_path(MemcryptClient *c, const char *model, char **ret_path);
/* Read every property of MODEL ("amd-sev", ...) with one GetAll, after GetModel() so an
 * unknown name fails with the service's UnknownModel (-ENOENT). Free with memcrypt_model_free(). */
int memcrypt_get_model(MemcryptClient *c, const char *model, MemcryptModel **ret);
MemcryptModel *memcrypt_model_free(MemcryptModel *m);

/* Describe(): the JSON report. Free with free(). */
int memcrypt_describe(MemcryptClient *c, char **ret_json);
/* Doctor(): every check. Free with memcrypt_checks_free(). */
int memcrypt_doctor(MemcryptClient *c, MemcryptCheck **ret_checks, size_t *ret_n);
void memcrypt_checks_free(MemcryptCheck *checks, size_t n);
/* Refresh(): re-probe the host now (polkit action org.memcrypt1.refresh). */
int memcrypt_refresh(MemcryptClient *c);

/* ---- Requests and domain XML (LIBMEMCRYPT_0.2) ---- */

/* What ResolveRequest() says a guest must be scheduled with. */
typedef struct {
        char *name;                    /* placement resource class, "MEM_ENCRYPTION_CONTEXT" */
        uint32_t amount;
} MemcryptResource;

typedef struct {
        char *model;                   /* "amd-sev", ...; "" when the request asks for no encryption */
        MemcryptResource *resources;   /* e.g. { "MEM_ENCRYPTION_CONTEXT", 1 }; none without encryption */
        size_t n_resources;
        char **traits;                 /* required traits, NULL-terminated, never NULL */
} MemcryptPlacement;

/* ResolveRequest(): the model, placement resources and traits a Nova-style request needs.
 * FLAVOR_EXTRA_SPECS and IMAGE_PROPERTIES are NULL-terminated arrays of key, value, key,
 * value, ... (NULL for none), e.g. { "hw:mem_encryption", "true", NULL }. A key without a
 * value or given twice in one array fails with -EINVAL (org.memcrypt1.Error.InvalidArgument)
 * before anything is sent. A request the rules refuse fails with the service's error:
 * -EINVAL for Conflict, UefiRequired, MachineTypeRequired, StatelessFirmwareRequired,
 * LockedMemoryRequired and InvalidArgument, -ENOENT for UnknownModel, -ENOTSUP for
 * IncompatibleDevice. Free with memcrypt_placement_free(). */
int memcrypt_resolve_request(MemcryptClient *c, const char *const *flavor_extra_specs,
                             const char *const *image_properties, MemcryptPlacement **ret);
MemcryptPlacement *memcrypt_placement_free(MemcryptPlacement *p);

/* Option keys of GenerateLaunchSecurity(), ConfigureDomain() and ValidateDomain(), with the
 * setter for each. The service refuses a key a method does not take, or one with another
 * type, with org.memcrypt1.Error.InvalidArgument (-EINVAL); the library sends any key. */
#define MEMCRYPT_OPTION_POLICY                    "policy"                    /* uint64 */
#define MEMCRYPT_OPTION_KERNEL_HASHES             "kernel_hashes"             /* bool */
#define MEMCRYPT_OPTION_ALLOW_DEBUG               "allow_debug"               /* bool */
#define MEMCRYPT_OPTION_KEEP_BALLOON              "keep_balloon"              /* bool; configure, validate */
#define MEMCRYPT_OPTION_MODEL                     "model"                     /* string; validate only */
#define MEMCRYPT_OPTION_DH_CERT                   "dh_cert"                   /* base64; SEV, SEV-ES */
#define MEMCRYPT_OPTION_SESSION                   "session"                   /* base64; SEV, SEV-ES */
#define MEMCRYPT_OPTION_HOST_DATA                 "host_data"                 /* base64; SEV-SNP */
#define MEMCRYPT_OPTION_ID_BLOCK                  "id_block"                  /* base64; SEV-SNP */
#define MEMCRYPT_OPTION_ID_AUTH                   "id_auth"                   /* base64; SEV-SNP */
#define MEMCRYPT_OPTION_GUEST_VISIBLE_WORKAROUNDS "guest_visible_workarounds" /* base64; SEV-SNP */
#define MEMCRYPT_OPTION_AUTHOR_KEY                "author_key"                /* bool; SEV-SNP */
#define MEMCRYPT_OPTION_VCEK                      "vcek"                      /* bool; SEV-SNP */

/* The largest domain XML the service accepts, in bytes. */
#define MEMCRYPT_DOMAIN_XML_MAX (1024u * 1024u)

/* An a{sv} option dictionary, built up key by key. Setting a key again replaces its value.
 * The setters return 0, -EINVAL for a NULL argument, or -ENOMEM. Wherever a function takes
 * options, NULL means none (the defaults). Keys and strings must be UTF-8 (D-Bus strings);
 * a call with one that is not fails with -EINVAL. */
typedef struct MemcryptOptions MemcryptOptions;
int memcrypt_options_new(MemcryptOptions **ret);
MemcryptOptions *memcrypt_options_free(MemcryptOptions *o);
int memcrypt_options_set_uint64(MemcryptOptions *o, const char *key, uint64_t value);
int memcrypt_options_set_bool(MemcryptOptions *o, const char *key, bool value);
int memcrypt_options_set_string(MemcryptOptions *o, const char *key, const char *value);

/* GenerateLaunchSecurity(): the <launchSecurity> element for MODEL on this host, as an XML
 * fragment. -ENOENT UnknownModel, -EINVAL InvalidArgument (options), -EOPNOTSUPP
 * ModelUnsupported, -ENOSPC NoSlots, -ENOTRECOVERABLE HostMisconfigured. Free with free(). */
int memcrypt_generate_launch_security(MemcryptClient *c, const char *model, const MemcryptOptions *options,
                                      char **ret_xml);
/* ConfigureDomain(): DOMAIN_XML (at most MEMCRYPT_DOMAIN_XML_MAX bytes) rewritten to launch
 * as MODEL on this host; nothing is defined in libvirt. The errors of
 * memcrypt_generate_launch_security(), and -EBADMSG InvalidDomainXml, -ENOTSUP
 * IncompatibleDevice, -EINVAL MachineTypeRequired. Free with free(). */
int memcrypt_configure_domain(MemcryptClient *c, const char *domain_xml, const char *model,
                              const MemcryptOptions *options, char **ret_xml);

/* One problem ValidateDomain() found. */
typedef struct {
        char *severity;                /* "error" (will not launch, or not safely) | "warning" */
        char *code;                    /* stable, e.g. "uefi-required", or a reason code */
        char *where;                   /* XPath of the element, e.g. "/domain/os/loader" */
        char *message;                 /* what is wrong and the fix */
} MemcryptFinding;

/* ValidateDomain(): every finding about DOMAIN_XML on this host; none (*RET_N == 0) when it
 * can launch here as it is. Problems of the domain are findings, not errors: it fails only
 * with -EBADMSG InvalidDomainXml or -EINVAL InvalidArgument (options). Free the findings
 * with memcrypt_findings_free(). */
int memcrypt_validate_domain(MemcryptClient *c, const char *domain_xml, const MemcryptOptions *options,
                             MemcryptFinding **ret_findings, size_t *ret_n);
void memcrypt_findings_free(MemcryptFinding *findings, size_t n);

/* ---- Launch attestation (LIBMEMCRYPT_0.3) ---- */

#define MEMCRYPT_ATTESTATION_INTERFACE "org.memcrypt1.Attestation"

/* A TCB_VERSION, decoded for the host's CPU generation. */
typedef struct {
        uint32_t boot_loader;
        uint32_t tee;
        uint32_t snp;
        uint32_t microcode;
        uint32_t fmc;                  /* Turin and later only: see has_fmc */
        bool has_fmc;
        uint64_t raw;
} MemcryptTcb;

/* GetPlatformInfo(). Strings are "" when unknown; the has_ flags say which status the PSP gave. */
typedef struct {
        char *cpu_generation;          /* "milan", "genoa", "turin", ... */
        char *pdh;                     /* base64 platform Diffie-Hellman key (virNodeGetSEVInfo) */
        char *cert_chain;              /* base64 PEK, OCA and CEK certificates */
        char *cpu0_id;                 /* base64 chip id of socket 0 */
        bool has_sev_status;           /* SEV_PLATFORM_STATUS: */
        uint32_t api_major, api_minor, build;
        uint32_t state;                /* 0 uninitialised, 1 initialised, 2 working */
        bool owner, es_initialized;
        uint32_t guest_count;
        bool has_snp_status;           /* SNP_PLATFORM_STATUS (SNP initialised): */
        uint32_t snp_api_major, snp_api_minor, snp_build_id, snp_state, snp_guest_count;
        bool rmp_initialized, alias_check_complete, vlek_enabled;
        MemcryptTcb current_tcb, reported_tcb;
        bool tcb_committed_mismatch;   /* current != reported: a firmware update is not committed */
        char *vcek_url;                /* AMD KDS URL of this chip's VCEK for the reported TCB */
        char **unavailable;            /* why groups are missing: "libvirt", why, "snp", why, ..., NULL */
} MemcryptPlatformInfo;

/* GetPlatformInfo(): needs no privileges and never fails with a service error. Free with
 * memcrypt_platform_info_free(). */
int memcrypt_get_platform_info(MemcryptClient *c, MemcryptPlatformInfo **ret);
MemcryptPlatformInfo *memcrypt_platform_info_free(MemcryptPlatformInfo *p);

/* GetLaunchMeasurement() of an SEV or SEV-ES guest. Strings are "" when unknown or absent
 * (kernel and the rest without direct kernel boot). */
typedef struct {
        char *domain, *uuid;
        char *state;                   /* "paused", "running", ... */
        char *model;                   /* "amd-sev" | "amd-sev-es" */
        char *measurement;             /* base64 HMAC + nonce from LAUNCH_MEASURE */
        uint32_t api_major, api_minor, build_id;
        uint64_t policy;
        char *firmware, *firmware_sha256;
        bool kernel_hashes;
        char *kernel, *kernel_sha256;
        char *initrd, *initrd_sha256;
        char *cmdline, *cmdline_sha256;        /* the SHA-256 covers the terminating NUL */
        uint32_t vcpus;
        char *cpu_mode, *cpu_name;
        bool has_cpu_signature;
        uint32_t cpu_family, cpu_model, cpu_stepping;
        uint32_t cpu_signature;        /* CPUID 1 EAX */
        char **unavailable;            /* why inputs are missing: key, why, ..., NULL */
        /* Appended in 0.4 (the library allocates the struct: older readers ignore it): the digest
         * the measurement must cover on this host (hex), "" when it cannot be computed (see
         * unavailable). */
        char *expected_measurement;
} MemcryptLaunchMeasurement;

/* GetLaunchMeasurement(): -ENXIO NoSuchDomain, -EBUSY InvalidDomainState (not running or
 * paused), -EOPNOTSUPP ModelUnsupported (not SEV/SEV-ES), -ENOTCONN LibvirtUnavailable,
 * -EINVAL InvalidArgument. Free with memcrypt_launch_measurement_free(). */
int memcrypt_get_launch_measurement(MemcryptClient *c, const char *domain, MemcryptLaunchMeasurement **ret);
MemcryptLaunchMeasurement *memcrypt_launch_measurement_free(MemcryptLaunchMeasurement *m);

#define MEMCRYPT_OPTION_ADDRESS                   "address"                   /* uint64; inject */
#define MEMCRYPT_OPTION_RESUME                    "resume"                    /* bool; inject */

/* InjectLaunchSecret(): HEADER and SECRET are base64 (the 52-byte packet header, the
 * encrypted secret); OPTIONS may set MEMCRYPT_OPTION_ADDRESS and MEMCRYPT_OPTION_RESUME.
 * Polkit action org.memcrypt1.inject-launch-secret: -EACCES NotAuthorized; and the errors
 * of memcrypt_get_launch_measurement() (-EBUSY when the domain is not paused). */
int memcrypt_inject_launch_secret(MemcryptClient *c, const char *domain, const char *header, const char *secret,
                                  const MemcryptOptions *options);

/* ---- Expected launch measurement (LIBMEMCRYPT_0.4) ---- */

/* A file a measurement covers, as the service read it. */
typedef struct {
        char *path;                    /* as on the host, or as the document names it; "" when not measured */
        uint64_t size;
        char *sha256;                  /* lowercase hex */
        char *descriptor;              /* the firmware's: the QEMU firmware descriptor listing it */
        char *source;                  /* the firmware's: why this firmware */
} MemcryptMeasuredFile;

/* GetExpectedMeasurement() and ComputeExpectedMeasurement(): the digest and its manifest.
 * Strings are "" when absent. */
typedef struct {
        char *measurement;             /* lowercase hex: SHA-256 (SEV, SEV-ES) or SHA-384 (SEV-SNP) */
        char *mode;                    /* "sev" | "seves" | "snp": memcryptctl measure's --mode */
        char *model;                   /* "amd-sev" | "amd-sev-es" | "amd-sev-snp" */
        bool has_policy;
        uint64_t policy;
        MemcryptMeasuredFile firmware;
        bool kernel_hashes;            /* kernel, initrd and cmdline are measured */
        MemcryptMeasuredFile kernel, initrd;
        char *cmdline;
        uint32_t vcpus;
        bool has_vmsas;                /* SEV-ES and SEV-SNP: the next six fields count */
        uint32_t vcpu_signature;       /* CPUID 1 EAX */
        char *vcpu_signature_source;
        uint64_t guest_features;       /* the VMSA's SEV_FEATURES */
        char *guest_features_source;
        char *vmsa_form;               /* "init2" | "legacy" */
        char *vmsa_form_reason;
        char **command;                /* memcryptctl measure's argv for the same digest, NULL-terminated */
} MemcryptExpectedMeasurement;

/* Options of the expected measurement, each replacing what the service derives. */
#define MEMCRYPT_OPTION_VCPU_SIGNATURE            "vcpu_signature"            /* uint64 (CPUID 1 EAX); expected */
#define MEMCRYPT_OPTION_GUEST_FEATURES            "guest_features"            /* uint64; expected */
#define MEMCRYPT_OPTION_VMSA_FORM                 "vmsa_form"                 /* string; expected */

/* GetExpectedMeasurement() of the defined or running DOMAIN (its XML from libvirt), with
 * OPTIONS (may be NULL). -ENXIO NoSuchDomain, -EOPNOTSUPP ModelUnsupported (no <launchSecurity>),
 * -ENODATA MeasurementUnavailable (the digest cannot be predicted on this host: no firmware
 * descriptor, a loader none lists, files that cannot be measured, this host's CPUID or QEMU
 * version unknown), -EINVAL InvalidArgument (a CPU model whose signature is not known: set
 * MEMCRYPT_OPTION_VCPU_SIGNATURE), -ENOTCONN LibvirtUnavailable, -EBADMSG InvalidDomainXml. Free with memcrypt_expected_measurement_free(). */
int memcrypt_get_expected_measurement(MemcryptClient *c, const char *domain, const MemcryptOptions *options,
                                      MemcryptExpectedMeasurement **ret);
/* ComputeExpectedMeasurement() of DOMAIN_XML (at most MEMCRYPT_DOMAIN_XML_MAX bytes) with the
 * kernel and initrd it measures as descriptors opened for reading (-1: none; /dev/null is
 * sent). The service never opens a path the document names but firmware a QEMU firmware
 * descriptor lists. Errors as memcrypt_get_expected_measurement(), and -EINVAL when a
 * measured kernel or initrd has no descriptor. */
int memcrypt_compute_expected_measurement(MemcryptClient *c, const char *domain_xml, int kernel_fd, int initrd_fd,
                                          const MemcryptOptions *options, MemcryptExpectedMeasurement **ret);
MemcryptExpectedMeasurement *memcrypt_expected_measurement_free(MemcryptExpectedMeasurement *m);

/* A signal of the service, as memcryptctl monitor shows it. */
typedef struct {
        const char *path;              /* object path */
        const char *interface;         /* "org.memcrypt1.Manager", or the interface whose properties changed */
        const char *member;            /* "CapabilitiesChanged" | "PropertiesChanged" */
        const char *const *names;      /* models (CapabilitiesChanged) or changed/invalidated property names */
        /* PropertiesChanged: the value of each of NAMES as text ("true", "29", strings as they are, arrays
         * joined with ',' and "[]" when empty, of structures the first string of each), "" for an
         * invalidated property; NULL for CapabilitiesChanged. Appended in 0.3: older readers ignore it. */
        const char *const *values;
} MemcryptSignal;

/* Return non-zero from the callback to stop monitoring. */
typedef int (*MemcryptSignalFunc)(const MemcryptSignal *signal, void *userdata);

/* Subscribe to the service's signals (the match is installed when this returns). */
int memcrypt_monitor_start(MemcryptClient *c, MemcryptSignalFunc callback, void *userdata);
/* An encrypted guest that came or went: EncryptedDomainStarted / EncryptedDomainStopped, one element
 * of the Manager's EncryptedDomains. Added in 0.5. */
typedef struct {
        const char *name;
        const char *uuid;
        const char *model;             /* "amd-sev", "amd-sev-es", "amd-sev-snp" */
        bool started;                  /* false: stopped */
} MemcryptDomainEvent;

/* Return non-zero to stop monitoring, as from a MemcryptSignalFunc. */
typedef int (*MemcryptDomainFunc)(const MemcryptDomainEvent *event, void *userdata);

/* While monitoring (after memcrypt_monitor_start()), hand each guest signal to CALLBACK, in the
 * order the service sent them: a client follows the guests without reading the whole list. NULL
 * stops it. The MemcryptSignalFunc never sees these signals. */
int memcrypt_monitor_domains(MemcryptClient *c, MemcryptDomainFunc callback, void *userdata);

/* Dispatch signals until the callback returns non-zero (returns that value) or the
 * connection ends (returns a negative errno). TIMEOUT_USEC = UINT64_MAX waits forever;
 * returns 0 when the timeout passes without the callback stopping. */
int memcrypt_monitor_run(MemcryptClient *c, uint64_t timeout_usec);

#ifdef __cplusplus
}
#endif
