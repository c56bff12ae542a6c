/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * libvirt's <launchSecurity> for a model on this host (docs/design.md
 * "Generated XML"): the configured default policy or the caller's, checked
 * bit by bit, and the attestation blobs. Pure: the host comes in a HostView.
 */

#include <libxml/tree.h>

#include "facts.h"
#include "launch-options.h"
#include "verdict.h"

/* What the host-dependent functions look at; neither pointer may be NULL. */
typedef struct {
        const HostFacts *facts;         /* firmware descriptors, SMT */
        const HostVerdict *verdict;     /* health, usability, free slots, default policies */
} HostView;

/*
 * The host's one decision on launching M now: HostMisconfigured while health is conflict, else
 * ModelUnsupported when M is not usable, else NoSlots when none is free; API_OK when it can.
 * GenerateLaunchSecurity, ConfigureDomain and ValidateDomain (rule_host) all ask this.
 */
ApiError host_model_refusal(const HostVerdict *v, Model m);
/* host_model_refusal() as a bus error, its message naming the reasons (codes and fixes) or the slots. */
ApiError host_check_model(const HostVerdict *v, Model m, char **message);

/*
 * POLICY for M: policy_check_static(), then the debug bit (refused unless
 * ALLOW_DEBUG) and, for SEV-SNP, the SMT bit cleared while SMT_ACTIVE.
 */
ApiError launch_policy_check(Model m, uint64_t policy, bool allow_debug, Tristate smt_active, char **message);

/*
 * Builds the element (no document; the caller adds it to one or frees it).
 * DIRECT_KERNEL_BOOT: 1 when the domain boots <os><kernel>, 0 when not,
 * -1 when unknown (GenerateLaunchSecurity). kernelHashes is 'yes' when the
 * option asks for it, or when it is unset and the kernel is booted directly.
 * Does not check the host's usability: see host_check_model().
 */
ApiError launch_security_build(Model m, const LaunchOptions *o, const HostView *h, int direct_kernel_boot,
                               xmlNodePtr *ret, char **message);

/* GenerateLaunchSecurity(): parse OPTIONS (a{sv} or NULL), check the host, build, serialise. */
ApiError launch_security_generate(Model m, GVariant *options, const HostView *h, char **ret_xml, char **message);
