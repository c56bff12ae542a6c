/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "facts.h"

/*
 * Writes the facts of F (probed from F->root) into DIR in the host snapshot
 * layout of docs/design.md, so that `memcryptd --root=DIR` replays the same host.
 * Text sources (cpuinfo, module parameters, misc cgroup, firmware descriptors,
 * kernel release, hostname) are copied from F->root; CPUID, /dev/sev and
 * libvirt are serialised from F. DIR is created if needed.
 * Returns 0, or -errno with *error set to a message naming the file.
 */
int snapshot_write(const HostFacts *f, const char *dir, char **error);
