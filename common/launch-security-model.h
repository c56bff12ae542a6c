/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The one reading of libvirt's <launchSecurity>: which model an element asks for. The libvirt probe
 * counts running guests with it, attestation refuses guests that are not SEV with it, and the domain
 * rules check and replace elements with it.
 */

#include <libxml/tree.h>
#include <stdbool.h>
#include <stdint.h>

#include "model-table.h"

/*
 * The model LS asks for, as libvirt reads it: type 'sev-snp'; type 'sev' with policy bit 2 (ES) set
 * is SEV-ES, clear SEV; MODEL_OTHER for another technology's type (s390-pv, tdx, ...). MODEL_INVALID,
 * and *ERROR (when not NULL) says why (g_free), when it cannot be told: no type, or a 'sev' element without a
 * <policy> that is a 32-bit hex number (libvirt refuses such a domain).
 */
Model launch_security_model(const xmlNode *ls, char **error);

/* The model DOMAIN's (first) <launchSecurity> asks for; MODEL_NONE without one. */
Model domain_launch_security_model(const xmlNode *domain, char **error);

/* A <policy> text as libvirt reads it: hex with or without "0x"/"0X", blanks around; at most MAX. */
bool launch_security_policy_parse(const char *text, uint64_t max, uint64_t *ret);
