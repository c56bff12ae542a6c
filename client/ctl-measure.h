/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * memcryptctl measure: the expected launch digest of an SEV, SEV-ES or SEV-SNP
 * guest, offline, with sev-snp-measure's command line (docs/measurement.md).
 * ARGV[0] is the program; "measure" may stand anywhere among the options.
 * Exit status: 0 the digest on stdout, 1 an input cannot be measured, 2 usage.
 */
#include "ctl-parse.h"

extern const CtlCommand ctl_measure_command;
int ctl_measure_main(int argc, char *argv[]);
