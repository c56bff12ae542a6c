/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The memcryptctl measure command line that computes a digest: the "command"
 * of memcryptctl measure --json and of the daemon's expected-measurement
 * manifests, one form for both, so a guest owner can run it as it stands.
 */

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "measure.h"

typedef struct {
        MeasureMode mode;
        const char *ovmf;
        const char *kernel, *initrd;    /* NULL: not given */
        const char *append;             /* NULL: not given (initrd and append need a kernel) */
        unsigned vcpus;                 /* SEV-ES and SNP: with the signature and the VMSA form */
        uint32_t vcpu_sig;
        MeasureVmsaForm vmsa_form;
        uint64_t guest_features;        /* SNP */
        bool has_seves_features;
        uint64_t seves_features;        /* SEV-ES */
        const char *snp_ovmf_hash;      /* SNP: the seed in hex, NULL when none */
} MeasureCommand;

/* "memcryptctl", "measure", then the options for C (g_ptr_array_unref() it; strings are owned). */
GPtrArray *measure_command_argv(const MeasureCommand *c);
