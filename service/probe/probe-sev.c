/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "probe.h"

void probe_sev_platform(const char *root, bool live, CpuGeneration gen, SevPlatformFacts *s) {}
void tcb_decode(uint64_t raw, CpuGeneration gen, TcbVersion *out) { *out = (TcbVersion) {}; }
bool sev_status_parse_json(const char *json, size_t len, CpuGeneration gen, SevPlatformFacts *s, char **error) { return false; }
