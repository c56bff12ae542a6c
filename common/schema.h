/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The property set of org.memcrypt1.Manager and org.memcrypt1.Model, written once (issue 14,
 * docs/design.md "A new Model property"). Every wing expands the same rows:
 *
 *   service/bus/bus-util.c     the vtables (name, signature, change flags)
 *   service/core/model-values.c the bus values and the JSON report's model objects, read from
 *                              ModelVerdict's field of the row's name
 *   client/memcrypt-props.c    the MemcryptModel / MemcryptHost field of the row's name, filled
 *                              from GetAll and freed
 *   client/ctl-output.c        memcryptctl model NAME, one "Label: value" line per labelled row
 *
 * A row's KIND gives its D-Bus signature and the C type of its field on each side (checked at
 * compile time where the field is read). Plain C: libmemcrypt links this and has no GLib.
 */

#include <stdbool.h>
#include <stddef.h>

typedef enum {
        SCHEMA_STRING,          /* s        char * (const char * in the service) */
        SCHEMA_BOOL,            /* b        bool */
        SCHEMA_U32,             /* u        uint32_t */
        SCHEMA_U64,             /* t        uint64_t */
        SCHEMA_POLICY,          /* t        uint64_t; written in hex as model_policy_text() does */
        SCHEMA_STRV,            /* as       service: GPtrArray of char *; client: NULL-terminated char ** */
        SCHEMA_REASONS,         /* a(ssss)  service: GPtrArray of Reason *; client: MemcryptReason * and n_FIELD */
        SCHEMA_DOMAINS,         /* a(sss)   service: built from the facts; client: MemcryptDomain * and n_FIELD */
} SchemaKind;

#define SCHEMA_SIG_STRING  "s"
#define SCHEMA_SIG_BOOL    "b"
#define SCHEMA_SIG_U32     "u"
#define SCHEMA_SIG_U64     "t"
#define SCHEMA_SIG_POLICY  "t"
#define SCHEMA_SIG_STRV    "as"
#define SCHEMA_SIG_REASONS "a(ssss)"
#define SCHEMA_SIG_DOMAINS "a(sss)"

/* The JSON report (Describe, --dump, memcryptctl --json status) lists at most this many encrypted
 * guests, the first by name, and says how many there are (encrypted_domains_total,
 * encrypted_domains_truncated): a report that grew with the host would cost every reader more with
 * each guest. memcryptctl status shows as many. The whole list is ListEncryptedDomains(). */
#define SCHEMA_REPORT_DOMAINS_MAX 256u

typedef enum {
        PROPERTY_EMITS_CHANGE = 0,  /* PropertiesChanged carries the new value */
        PROPERTY_CONST,             /* fixed for the life of the process */
        PROPERTY_NOT_SIGNALLED,     /* changes on every refresh; read it when needed */
        PROPERTY_EXPLICIT,          /* grows with the host (one entry per guest): not in GetAll, and
                                     * PropertiesChanged names it without its value, so neither costs
                                     * more with thousands of guests; read it with Get or a method */
} PropertyChange;

typedef struct {
        const char *name;           /* the D-Bus property */
        const char *signature;
        PropertyChange change;
        SchemaKind kind;
        const char *json;           /* the member of the report's object; Model only */
        const char *label;          /* memcryptctl model NAME's line, NULL for none; Model only */
} PropertyInfo;

/*
 * org.memcrypt1.Model, in the bus's order (introspection, GetAll):
 *      X(ID, field, "DBusName", KIND, CHANGE, "json member", "memcryptctl label")
 * FIELD is the member of ModelVerdict (service/core/host-verdict.h) and of MemcryptModel
 * (client/memcrypt/memcrypt.h) that holds the value. AsidFirst's label stands for the range
 * AsidFirst-AsidLast.
 */
#define MODEL_PROPERTIES(X) \
        X(NAME,              name,              "Name",             STRING,  CONST,        "model",             "Name") \
        X(USABLE,            usable,            "Usable",           BOOL,    EMITS_CHANGE, "usable",            "Usable") \
        X(REASONS,           reasons,           "Reasons",          REASONS, EMITS_CHANGE, "reasons",           "Reasons") \
        X(TRAIT,             trait,             "Trait",            STRING,  CONST,        "trait",             "Trait") \
        X(RESOURCE_PROVIDER, resource_provider, "ResourceProvider", STRING,  EMITS_CHANGE, "resource_provider", "Resource provider") \
        X(ASID_FIRST,        asid_first,        "AsidFirst",        U32,     EMITS_CHANGE, "asid_first",        "ASIDs") \
        X(ASID_LAST,         asid_last,         "AsidLast",         U32,     EMITS_CHANGE, "asid_last",         NULL) \
        X(SLOTS_TOTAL,       slots_total,       "SlotsTotal",       U32,     EMITS_CHANGE, "slots_total",       "Slots total") \
        X(SLOTS_USED,        slots_used,        "SlotsUsed",        U32,     EMITS_CHANGE, "slots_used",        "Slots used") \
        X(SLOTS_FREE,        slots_free,        "SlotsFree",        U32,     EMITS_CHANGE, "slots_free",        "Slots free") \
        X(DEFAULT_POLICY,    default_policy,    "DefaultPolicy",    POLICY,  EMITS_CHANGE, "default_policy",    "Default policy") \
        X(FIRMWARE,          firmware,          "Firmware",         STRV,    EMITS_CHANGE, "firmware",          "Firmware") \
        X(RUNNING_DOMAINS,   running_domains,   "RunningDomains",   U32,     EMITS_CHANGE, "running_domains",   "Running domains") \
        X(CPU_CAPABLE,       cpu_capable,       "CpuCapable",       BOOL,    EMITS_CHANGE, "cpu_capable",       "CPU capable")

/* The order of the members of the report's model objects (docs/design.md "JSON report"), which is
 * also memcryptctl model NAME's: each property once. */
#define MODEL_JSON_ORDER \
        MODEL_PROP_NAME, MODEL_PROP_USABLE, MODEL_PROP_CPU_CAPABLE, MODEL_PROP_TRAIT, MODEL_PROP_RESOURCE_PROVIDER, \
        MODEL_PROP_ASID_FIRST, MODEL_PROP_ASID_LAST, MODEL_PROP_SLOTS_TOTAL, MODEL_PROP_SLOTS_USED, \
        MODEL_PROP_SLOTS_FREE, MODEL_PROP_RUNNING_DOMAINS, MODEL_PROP_DEFAULT_POLICY, MODEL_PROP_FIRMWARE, MODEL_PROP_REASONS

/*
 * org.memcrypt1.Manager, in the bus's order: X(ID, field, "DBusName", KIND, CHANGE). FIELD is the
 * member of MemcryptHost; the service computes these values from the facts (service/daemon/properties.c)
 * and its report nests them differently (service/core/report.c).
 */
#define MANAGER_PROPERTIES(X) \
        X(VERSION,              version,              "Version",            STRING,  CONST) \
        X(NODE_NAME,            node_name,            "NodeName",           STRING,  EMITS_CHANGE) \
        X(HEALTH,               health,               "Health",             STRING,  EMITS_CHANGE) \
        X(HEALTH_MESSAGE,       health_message,       "HealthMessage",      STRING,  EMITS_CHANGE) \
        X(USABLE_MODELS,        usable_models,        "UsableModels",       STRV,    EMITS_CHANGE) \
        X(CPU_VENDOR,           cpu_vendor,           "CpuVendor",          STRING,  CONST) \
        X(CPU_GENERATION,       cpu_generation,       "CpuGeneration",      STRING,  CONST) \
        X(CBIT_POSITION,        cbit_position,        "CBitPosition",       U32,     CONST) \
        X(REDUCED_PHYS_BITS,    reduced_phys_bits,    "ReducedPhysBits",    U32,     CONST) \
        X(ASID_COUNT,           asid_count,           "AsidCount",          U32,     CONST) \
        X(MIN_SEV_ASID,         min_sev_asid,         "MinSevAsid",         U32,     CONST) \
        X(KERNEL_VERSION,       kernel_version,       "KernelVersion",      STRING,  EMITS_CHANGE) \
        X(LIBVIRT_VERSION,      libvirt_version,      "LibvirtVersion",     STRING,  EMITS_CHANGE) \
        X(QEMU_VERSION,         qemu_version,         "QemuVersion",        STRING,  EMITS_CHANGE) \
        X(SEV_FIRMWARE_VERSION, sev_firmware_version, "SevFirmwareVersion", STRING,  EMITS_CHANGE) \
        X(LIBVIRT_CONNECTED,    libvirt_connected,    "LibvirtConnected",   BOOL,    EMITS_CHANGE) \
        X(RUNNING_DOMAINS,      running_domains,      "RunningDomains",     U32,     EMITS_CHANGE) \
        X(ENCRYPTED_DOMAINS,    encrypted_domains,    "EncryptedDomains",   DOMAINS, EXPLICIT) \
        X(LAST_REFRESH,         last_refresh,         "LastRefresh",        U64,     NOT_SIGNALLED)

#define SCHEMA_MODEL_ENUM(id, ...) MODEL_PROP_##id,
typedef enum {
        MODEL_PROPERTIES(SCHEMA_MODEL_ENUM)
        _MODEL_PROPERTY_MAX,
} ModelProperty;

#define SCHEMA_MANAGER_ENUM(id, ...) MANAGER_##id,
typedef enum {
        MANAGER_PROPERTIES(SCHEMA_MANAGER_ENUM)
        _MANAGER_PROPERTY_MAX,
} ManagerProperty;

extern const PropertyInfo model_property_info[_MODEL_PROPERTY_MAX];
extern const PropertyInfo manager_property_info[_MANAGER_PROPERTY_MAX];
extern const ModelProperty model_json_order[_MODEL_PROPERTY_MAX];
