/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Whole libvirt domain documents: ConfigureDomain() rewrites one for a
 * model, ValidateDomain() lists what is wrong with one. Both run the same
 * rules (domain-rules.c), one applying changes, the other reporting them.
 */

#include "finding.h"
#include "launch-security.h"

/* Larger documents are refused before parsing. */
#define DOMAIN_XML_MAX (1024u * 1024u)
/* ConfigureDomain refuses to answer with a larger document (escapes and indentation make the
 * result longer than the input: twice the largest input is more than any real domain needs). */
#define DOMAIN_XML_RESULT_MAX (2u * DOMAIN_XML_MAX)

/*
 * ConfigureDomain(): XML rewritten for M, every unrelated element and
 * attribute kept. Errors: InvalidDomainXml, InvalidArgument (options),
 * UnknownModel is the caller's, MachineTypeRequired, IncompatibleDevice,
 * HostMisconfigured, ModelUnsupported, NoSlots.
 */
ApiError domain_configure(const char *xml, Model m, GVariant *options, const HostView *h, char **ret_xml,
                          char **message);

/*
 * ValidateDomain(): *RET_FINDINGS (Finding*) is empty when the domain can
 * launch here as it is. Errors only for unparsable input or bad options.
 */
ApiError domain_validate(const char *xml, GVariant *options, const HostView *h, GPtrArray **ret_findings,
                         char **message);
