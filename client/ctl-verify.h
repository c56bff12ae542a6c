/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * memcryptctl attest verify: the guest owner's offline check of an SEV or
 * SEV-ES launch measurement against the expected digest, with the TIK (as
 * libvirt's virt-qemu-sev-validate does). Exit status: 0 it matches,
 * 1 an input cannot be read, 2 usage, 3 it does not match.
 */

#include "ctl-parse.h"

extern const CtlCommand ctl_verify_command;
int ctl_verify_main(int argc, char *argv[]);
