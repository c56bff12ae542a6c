/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The gates host_verdict_new() runs, in evaluation order; each records its checks and reasons
 * through eval.h. */

#include "eval.h"

void gates_cpu(Eval *e);        /* vendor, guest, generation, CPUID bits, BIOS flags, ASID pools */
void gates_kernel(Eval *e);     /* kvm_amd, PSP, firmware version, CVE-2025-48514 */
void gates_stack(Eval *e);      /* firmware descriptors, libvirt, QEMU */
void gates_slots(Eval *e);      /* slot accounting, source agreement, conflicting guests */
