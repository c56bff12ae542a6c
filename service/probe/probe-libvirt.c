/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "probe.h"

void probe_libvirt(const ProbeOptions *opts, bool live, LibvirtFacts *lv) {}
bool domcaps_parse(const char *xml, size_t len, DomainCapsFacts *dc, char **error) { return false; }
GuestModel domain_xml_guest_model(const char *xml, size_t len, char **name, char **uuid, char **error) { return GUEST_MODEL_NONE; }
