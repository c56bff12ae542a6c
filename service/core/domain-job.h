/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One pass of the domain rules over a parsed document. Each rule looks at
 * one concern (machine type, firmware, devices, ...), records a Finding
 * for what is wrong and, when the job applies changes (ConfigureDomain),
 * fixes it. A finding that cannot be fixed is a refusal: the first one is
 * what ConfigureDomain answers with.
 */

#include "finding.h"
#include "launch-security.h"
#include "xml-util.h"

typedef struct {
        xmlDoc *doc;
        xmlNode *domain;
        Model model;
        const LaunchOptions *options;
        const HostView *host;
        bool apply;                     /* ConfigureDomain: change the document */
        GPtrArray *findings;            /* Finding*: what is wrong (ValidateDomain), DOMAIN_FINDINGS_MAX */
        unsigned more_findings;         /* not listed, beyond DOMAIN_FINDINGS_MAX */
        bool more_errors;               /* one of those is an error */
        ApiError refusal;               /* ConfigureDomain: the first refusal, API_OK when none */
        char *refusal_message;
} DomainJob;

/*
 * ValidateDomain: records what is wrong (what ConfigureDomain would change)
 * at element AT, or at its child CHILD (a name) when that is what is
 * missing: where = "/domain/memoryBacking/locked". A no-op when applying.
 */
void job_finding(DomainJob *j, const xmlNode *at, const char *child, Severity severity, const char *code,
                 const char *fmt, ...) G_GNUC_PRINTF(6, 7);

/* Records something that cannot be fixed: an error finding (ValidateDomain) or, the first time, the
 * refusal (ConfigureDomain). */
void job_refuse(DomainJob *j, const xmlNode *at, ApiError error, const char *code, const char *fmt, ...)
        G_GNUC_PRINTF(5, 6);

/* Whether the domain boots <os><kernel> directly. */
bool domain_boots_kernel(const xmlNode *domain);

/* The rules, in the order they run (domain-rules.c, domain-firmware.c, domain-devices.c). */
void rule_machine(DomainJob *j);
void rule_firmware(DomainJob *j);          /* domain-firmware.c */
void rule_locked_memory(DomainJob *j);
void rule_vmcoreinfo(DomainJob *j);
void rule_refused_devices(DomainJob *j);
void rule_virtio_devices(DomainJob *j);
void rule_memballoon(DomainJob *j);

/* Refuses a foreign <launchSecurity> type (s390-pv, tdx, ...) and one whose model cannot be told
 * (launch-security-model.h). */
void rule_launch_security_type(DomainJob *j);
/* ValidateDomain (a no-op when applying): the existing element's policy, blobs and kernelHashes, or its absence. */
void rule_launch_security_check(DomainJob *j);
/* ConfigureDomain: the owner's attestation inputs in an existing <launchSecurity> for M go into O
 * unless an option replaces them; InvalidDomainXml naming the element when one is refused. */
ApiError launch_security_keep_owner_inputs(const xmlNode *domain, Model m, LaunchOptions *o, char **message);
/* ConfigureDomain: LS replaces every <launchSecurity>, as the last child of <domain>. */
void domain_replace_launch_security(DomainJob *j, xmlNode *ls);
/* host_model_refusal() for the job's model: findings (ValidateDomain: health, each error reason,
 * slots) or ConfigureDomain's refusal, host_check_model()'s bus error, unless the document was refused. */
void rule_host(DomainJob *j);
