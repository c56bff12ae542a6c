/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The JSON report of docs/design.md ("JSON report"): --dump, Describe(), memcryptctl --json status. */

#include <json-glib/json-glib.h>

#include "verdict.h"

/* "1.55.31" from SEV_PLATFORM_STATUS, or "" when unknown. Free with g_free(). */
char *report_sev_firmware_version(const HostFacts *f);

/* Guests whose launchSecurity makes them count against a model's slots. */

JsonNode *report_build(const HostFacts *f, const HostVerdict *v);
char *report_to_json(const HostFacts *f, const HostVerdict *v, bool pretty);
