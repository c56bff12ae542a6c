/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>

#include "measure-command.h"

static void arg(GPtrArray *argv, const char *option, char *value) {
        if (option)
                g_ptr_array_add(argv, g_strdup(option));
        g_ptr_array_add(argv, value);
}

GPtrArray *measure_command_argv(const MeasureCommand *c) {
        GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
        bool vmsas = c->mode == MEASURE_MODE_SEV_ES || c->mode == MEASURE_MODE_SNP;

        arg(argv, NULL, g_strdup("memcryptctl"));
        arg(argv, NULL, g_strdup("measure"));
        arg(argv, "--mode", g_strdup(measure_mode_to_string(c->mode)));
        arg(argv, "--ovmf", g_strdup(c->ovmf));
        if (c->kernel)
                arg(argv, "--kernel", g_strdup(c->kernel));
        if (c->initrd)
                arg(argv, "--initrd", g_strdup(c->initrd));
        if (c->append)
                arg(argv, "--append", g_strdup(c->append));
        if (vmsas) {
                arg(argv, "--vcpus", g_strdup_printf("%u", c->vcpus));
                /* The signature as a number whichever way it came: a type name could change meaning. */
                arg(argv, "--vcpu-sig", g_strdup_printf("0x%" PRIx32, c->vcpu_sig));
                arg(argv, "--vmsa-init", g_strdup(measure_vmsa_form_to_string(c->vmsa_form)));
        }
        if (c->mode == MEASURE_MODE_SNP)
                arg(argv, "--guest-features", g_strdup_printf("0x%" PRIx64, c->guest_features));
        if (c->mode == MEASURE_MODE_SNP && c->snp_ovmf_hash)
                arg(argv, "--snp-ovmf-hash", g_strdup(c->snp_ovmf_hash));
        if (c->has_seves_features)
                arg(argv, "--seves-features", g_strdup_printf("0x%" PRIx64, c->seves_features));
        return argv;
}
