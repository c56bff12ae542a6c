/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A drop-in for sev-snp-measure's command line over common/measure: the same
 * options and output, plus --vmsa-init, --seves-features and --json. Nothing
 * is printed on stdout unless a digest was computed; every error is one
 * sentence on stderr. Only regular files are read (never a FIFO or device).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "build-config.h"
#include "ctl-args.h"
#include "ctl-measure.h"
#include "ctl-offline.h"
#include "ctl-output.h"
#include "ctl-parse.h"
#include "measure.h"
#include "measure-command.h"
#include "measure-input.h"

typedef struct {
        int mode;                               /* MeasureMode, -1 until given */
        char *ovmf, *kernel, *initrd, *append; /* append: also "" when given so */
        char *vcpus_arg;
        unsigned vcpus;
        char *vcpu_type;
        bool has_sig, has_family, has_model, has_stepping;
        uint64_t sig, family, model, stepping;
        bool has_guest_features, has_output_format, has_vmsa_init, has_vmm_type;
        uint64_t guest_features;
        bool has_seves_features;
        uint64_t seves_features;
        char *seed_hex;
        uint8_t seed[MEASURE_DIGEST_MAX];
        bool base64, verbose;
        MeasureVmsaForm vmsa_form;
        JsonMode json;
} Args;

#define usage(...) ctl_usage("measure", __VA_ARGS__)

static int input_error(const char *what, const char *path, const char *why) {
        return offline_error("measure", "%s %s: %s", what, path, why);
}

static void help(void) {
        size_t n;
        const MeasureVcpuType *types = measure_vcpu_types(&n);

        printf("memcryptctl measure --mode MODE --ovmf FILE [OPTIONS...]\n"
               "\n"
               "Print the launch digest an AMD SEV, SEV-ES or SEV-SNP guest started by QEMU with\n"
               "these inputs must measure, offline (sev-snp-measure's command line).\n"
               "\n"
               "  --mode MODE              sev, seves, snp, or snp:ovmf-hash (the SNP digest of\n"
               "                           the firmware alone, to give as --snp-ovmf-hash)\n"
               "  --ovmf FILE              The firmware image (pflash CODE or -bios file)\n"
               "  --kernel FILE            Direct kernel boot: the kernel, measured by hash\n"
               "  --initrd FILE            ... its initrd (needs --kernel)\n"
               "  --append CMDLINE         ... its command line (needs --kernel)\n"
               "  --vcpus N                vCPUs, 1 to %u (seves, snp)\n"
               "  --vcpu-type NAME         QEMU's -cpu model, e.g. EPYC-Milan-v2 (seves, snp)\n"
               "  --vcpu-sig N             ... or its CPUID 1 EAX signature (decimal or 0x hex)\n"
               "  --vcpu-family N --vcpu-model N --vcpu-stepping N\n"
               "                           ... or its family, model and stepping\n"
               "  --guest-features N       SNP: the VMSA's SEV_FEATURES (default 0x1)\n"
               "  --snp-ovmf-hash HEX      SNP: start from this snp:ovmf-hash of the firmware\n"
               "  --vmm-type QEMU          The VMM: only QEMU is supported\n"
               "  --output-format FORMAT   hex (default) or base64\n"
               "  --vmsa-init FORM         init2 (default; QEMU >= 9.1 on Linux >= 6.10) or\n"
               "                           legacy (KVM_SEV_ES_INIT: MXCSR and x87 FCW left 0)\n"
               "  --seves-features N       SEV-ES: the VMSA's SEV_FEATURES (default 0; 0x20 where\n"
               "                           the host's KVM enables debug_swap)\n"
               "  --json[=MODE]            The digest, its inputs and this command as JSON\n"
               "                           (pretty, the default, or short)\n"
               "  -v --verbose             Name the mode before the digest\n"
               "  -h --help                Show this help\n"
               "\n"
               "Firmware images up to %zu MiB, kernels and initrds up to %" PRIu64 " MiB.\n"
               "Exit status: 0 the digest is printed, 1 an input cannot be measured, 2 usage error.\n"
               "vCPU types:", MEASURE_VCPUS_MAX, MEASURE_FIRMWARE_MAX >> 20, MEASURE_BOOT_FILE_MAX >> 20);
        for (size_t i = 0; i < n; i++)
                printf("%s %s", i % 6 == 0 ? "\n " : "", types[i].name);
        printf("\n");
}

static int parse_seed(Args *a) {
        if (!hex_decode(a->seed_hex, a->seed, MEASURE_DIGEST_MAX))
                return usage("--snp-ovmf-hash: '%s' is not %u hex digits", a->seed_hex, 2 * MEASURE_DIGEST_MAX);
        return 0;
}

/* What the options leave to check once all are read. */
static int check_args(void *args, int argc, char *argv[]) {
        Args *a = args;
        bool needs_vcpus = a->mode == MEASURE_MODE_SEV_ES || a->mode == MEASURE_MODE_SNP;
        unsigned sig_sources = (a->vcpu_type != NULL) + a->has_sig + (a->has_family || a->has_model || a->has_stepping);
        uint64_t v;

        /* The only word is the verb itself. */
        for (int i = optind; i < argc; i++)
                if (strcmp(argv[i], "measure") != 0 || i != optind)
                        return usage("unexpected argument '%s'", argv[i]);
        if (a->mode < 0)
                return usage("--mode is missing");
        if (!a->ovmf)
                return usage("--ovmf is missing");
        if ((a->initrd || a->append) && !a->kernel)
                return usage("--initrd and --append need --kernel");
        if (a->seed_hex && a->mode != MEASURE_MODE_SNP)
                return usage("--snp-ovmf-hash applies to --mode snp only");
        if (a->seed_hex && parse_seed(a) < 0)
                return -OFFLINE_EXIT_USAGE;
        if (a->has_seves_features && a->mode != MEASURE_MODE_SEV_ES)
                return usage("--seves-features applies to --mode seves only");
        if (!needs_vcpus)
                return 0;       /* as sev-snp-measure: SEV has no VMSA, snp:ovmf-hash only the firmware */

        if (!a->vcpus_arg)
                return usage("--vcpus N is missing for --mode %s", measure_mode_to_string(a->mode));
        if (!parse_uint64(a->vcpus_arg, &v) || v < 1 || v > MEASURE_VCPUS_MAX)
                return usage("--vcpus %s: a guest has 1 to %u vCPUs", a->vcpus_arg, MEASURE_VCPUS_MAX);
        a->vcpus = (unsigned) v;
        if (sig_sources == 0)
                return usage("the vCPU signature is missing for --mode %s: give --vcpu-type, --vcpu-sig, or "
                             "--vcpu-family with --vcpu-model and --vcpu-stepping", measure_mode_to_string(a->mode));
        if (sig_sources > 1)
                return usage("give one of --vcpu-type, --vcpu-sig, or --vcpu-family/--vcpu-model/--vcpu-stepping");
        if (a->vcpu_type) {
                const MeasureVcpuType *t = measure_vcpu_type_lookup(a->vcpu_type);

                if (!t)
                        return usage("unknown --vcpu-type '%s' (QEMU's EPYC models are known, e.g. EPYC-v4, "
                                     "EPYC-Milan-v2; or give --vcpu-sig)", a->vcpu_type);
                a->sig = measure_cpu_signature(t->family, t->model, t->stepping);
        } else if (!a->has_sig) {
                if (!a->has_family || !a->has_model || !a->has_stepping)
                        return usage("--vcpu-family, --vcpu-model and --vcpu-stepping go together");
                a->sig = measure_cpu_signature((uint32_t) a->family, (uint32_t) a->model, (uint32_t) a->stepping);
        }
        return 0;
}

enum {
        ARG_MODE = CTL_ARG_VERSION + 1, ARG_OVMF, ARG_KERNEL, ARG_INITRD, ARG_APPEND, ARG_VCPUS, ARG_VCPU_TYPE,
        ARG_VCPU_SIG, ARG_VCPU_FAMILY, ARG_VCPU_MODEL, ARG_VCPU_STEPPING, ARG_GUEST_FEATURES,
        ARG_SNP_OVMF_HASH, ARG_VMM_TYPE, ARG_OUTPUT_FORMAT, ARG_VMSA_INIT, ARG_SEVES_FEATURES, ARG_JSON,
};
#define STRING(name, id, field) CTL_STRING(name, id, Args, field)
#define NUMBER(name, id, field, max) CTL_NUMBER(name, id, Args, field, has_##field, max)
static const CtlOption options[] = {
        CTL_FLAG("help",           'h'),
        CTL_FLAG("verbose",        'v'),
        CTL_FLAG("version",        CTL_ARG_VERSION),
        CTL_WORD("mode",           ARG_MODE),
        STRING("ovmf",             ARG_OVMF,           ovmf),
        STRING("kernel",           ARG_KERNEL,         kernel),
        STRING("initrd",           ARG_INITRD,         initrd),
        STRING("append",           ARG_APPEND,         append),
        STRING("vcpus",            ARG_VCPUS,          vcpus_arg),
        STRING("vcpu-type",        ARG_VCPU_TYPE,      vcpu_type),
        NUMBER("vcpu-sig",         ARG_VCPU_SIG,       sig,            UINT32_MAX),
        NUMBER("vcpu-family",      ARG_VCPU_FAMILY,    family,         0xf + 0xff),
        NUMBER("vcpu-model",       ARG_VCPU_MODEL,     model,          0xff),
        NUMBER("vcpu-stepping",    ARG_VCPU_STEPPING,  stepping,       0xf),
        NUMBER("guest-features",   ARG_GUEST_FEATURES, guest_features, UINT64_MAX),
        STRING("snp-ovmf-hash",    ARG_SNP_OVMF_HASH,  seed_hex),
        CTL_WORD("vmm-type",       ARG_VMM_TYPE),
        CTL_WORD("output-format",  ARG_OUTPUT_FORMAT),
        CTL_WORD("vmsa-init",      ARG_VMSA_INIT),
        NUMBER("seves-features",   ARG_SEVES_FEATURES, seves_features, UINT64_MAX),
        CTL_JSON("json",           ARG_JSON,           Args, json),
        {}
};

/* The options whose value is a word of a list, each given once. */
static int handle_option(int c, const char *value, void *args) {
        Args *a = args;
        int m;

        switch (c) {
        case 'v':
                a->verbose = true;
                return 0;
        case ARG_MODE:
                if (a->mode >= 0)
                        return usage("--mode is given twice");
                if (strcmp(value, "snp:svsm") == 0)
                        return usage("--mode snp:svsm is not supported");
                m = measure_mode_from_string(value);
                if (m < 0)
                        return usage("unknown --mode '%s' (sev, seves, snp, snp:ovmf-hash)", value);
                a->mode = m;
                return 0;
        case ARG_VMM_TYPE:
                if (a->has_vmm_type)
                        return usage("--vmm-type is given twice");
                a->has_vmm_type = true;
                if (strcmp(value, "ec2") == 0 || strcmp(value, "gce") == 0)
                        return usage("--vmm-type %s is not supported: only QEMU guests are measured", value);
                if (strcmp(value, "QEMU") != 0)
                        return usage("unknown --vmm-type '%s' (QEMU)", value);
                return 0;
        case ARG_OUTPUT_FORMAT:
                if (a->has_output_format)
                        return usage("--output-format is given twice");
                a->has_output_format = true;
                if (strcmp(value, "hex") != 0 && strcmp(value, "base64") != 0)
                        return usage("unknown --output-format '%s' (hex, base64)", value);
                a->base64 = strcmp(value, "base64") == 0;
                return 0;
        case ARG_VMSA_INIT:
                if (a->has_vmsa_init)
                        return usage("--vmsa-init is given twice");
                a->has_vmsa_init = true;
                m = measure_vmsa_form_from_string(value);
                if (m < 0)
                        return usage("unknown --vmsa-init '%s' (init2, legacy)", value);
                a->vmsa_form = m;
                return 0;
        }
        g_assert_not_reached();
}

const CtlCommand ctl_measure_command = {
        .verb = "measure",
        .options = options,
        .number_note = " (decimal or 0x hex)",
        .help = help,
        .handle = handle_option,
        .check = check_args,
};

CTL_DEFINE_ARGS_CLEANUP(Args, ctl_measure_command);

/* A boot file's SHA-256 and size, from a regular file only. */
static int hash_file(const char *what, const char *path, uint8_t out[MEASURE_SHA256_LEN], uint64_t *size) {
        g_autoptr(GError) error = NULL;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        bool ok;

        if (fd < 0)
                return input_error(what, path, g_strerror(errno));
        ok = measure_sha256_fd(fd, MEASURE_BOOT_FILE_MAX, out, size, &error);
        close(fd);
        return ok ? 0 : input_error(what, path, error->message);
}

typedef struct {
        GBytes *firmware;
        uint8_t ovmf_sha256[MEASURE_SHA256_LEN], kernel_sha256[MEASURE_SHA256_LEN], initrd_sha256[MEASURE_SHA256_LEN];
        uint64_t kernel_size, initrd_size;
} Files;

static void files_clear(Files *f) {
        g_clear_pointer(&f->firmware, g_bytes_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Files, files_clear)

static int read_files(const Args *a, Files *f, MeasureKernelHashes *kh) {
        g_autoptr(GError) error = NULL;
        int fd, r;

        fd = open(a->ovmf, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return input_error("firmware", a->ovmf, g_strerror(errno));
        f->firmware = measure_read_firmware_fd(fd, &error);
        close(fd);
        if (!f->firmware)
                return input_error("firmware", a->ovmf, error->message);
        measure_sha256(g_bytes_get_data(f->firmware, NULL), g_bytes_get_size(f->firmware), f->ovmf_sha256);
        if (!a->kernel)
                return 0;
        r = hash_file("kernel", a->kernel, f->kernel_sha256, &f->kernel_size);
        if (r == 0 && a->initrd)
                r = hash_file("initrd", a->initrd, f->initrd_sha256, &f->initrd_size);
        if (r < 0)
                return r;
        measure_kernel_hashes_init(kh, f->kernel_sha256, a->initrd ? f->initrd_sha256 : NULL, a->append);
        return 0;
}

static void json_file(JsonBuilder *b, const char *member, const char *path, uint64_t size, const uint8_t *sum) {
        g_autofree char *s = measure_hex(sum, MEASURE_SHA256_LEN);

        json_builder_set_member_name(b, member);
        json_builder_begin_object(b);
        json_add_string(b, "path", path);
        json_add_int(b, "size", (int64_t) size);
        json_add_string(b, "sha256", s);
        json_builder_end_object(b);
}

static void json_hex_member(JsonBuilder *b, const char *member, uint64_t v) {
        g_autofree char *s = g_strdup_printf("0x%" PRIx64, v);

        json_add_string(b, member, s);
}

/* The command that recomputes the digest. */
static void json_command(JsonBuilder *b, const Args *a) {
        const MeasureCommand c = {
                .mode = a->mode,
                .ovmf = a->ovmf,
                .kernel = a->kernel,
                .initrd = a->initrd,
                .append = a->append,
                .vcpus = a->vcpus,
                .vcpu_sig = (uint32_t) a->sig,
                .vmsa_form = a->vmsa_form,
                .guest_features = a->guest_features,
                .has_seves_features = a->has_seves_features,
                .seves_features = a->seves_features,
                .snp_ovmf_hash = a->seed_hex,
        };
        g_autoptr(GPtrArray) argv = measure_command_argv(&c);

        json_builder_set_member_name(b, "command");
        json_builder_begin_array(b);
        for (guint i = 0; i < argv->len; i++)
                json_builder_add_string_value(b, argv->pdata[i]);
        json_builder_end_array(b);
}

static void print_json(const Args *a, const Files *f, const char *digest) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_object(b);
        json_add_string(b, "measurement", digest);
        json_builder_set_member_name(b, "inputs");
        json_builder_begin_object(b);
        json_add_string(b, "mode", measure_mode_to_string(a->mode));
        json_add_string(b, "vmm_type", "QEMU");
        json_file(b, "ovmf", a->ovmf, g_bytes_get_size(f->firmware), f->ovmf_sha256);
        if (a->kernel)
                json_file(b, "kernel", a->kernel, f->kernel_size, f->kernel_sha256);
        if (a->initrd)
                json_file(b, "initrd", a->initrd, f->initrd_size, f->initrd_sha256);
        if (a->append)
                json_add_string(b, "append", a->append);
        if (a->mode == MEASURE_MODE_SEV_ES || a->mode == MEASURE_MODE_SNP) {
                json_add_int(b, "vcpus", a->vcpus);
                if (a->vcpu_type)
                        json_add_string(b, "vcpu_type", a->vcpu_type);
                json_hex_member(b, "vcpu_sig", a->sig);
                json_add_string(b, "vmsa_init", measure_vmsa_form_to_string(a->vmsa_form));
                json_hex_member(b, "sev_features", a->mode == MEASURE_MODE_SNP ? a->guest_features : a->seves_features);
        }
        if (a->mode == MEASURE_MODE_SNP && a->seed_hex)
                json_add_string(b, "snp_ovmf_hash", a->seed_hex);
        json_builder_end_object(b);
        json_command(b, a);
        json_builder_end_object(b);
        json_print_built(b, a->json);
}

static const char *verbose_name(MeasureMode mode) {
        switch (mode) {
        case MEASURE_MODE_SEV:
                return "SEV";
        case MEASURE_MODE_SEV_ES:
                return "SEV_ES";
        default:
                return "SEV_SNP";
        }
}

static int run(int argc, char *argv[]) {
        g_auto(Args) a = { .mode = -1, .guest_features = MEASURE_SNP_GUEST_FEATURES_DEFAULT };
        g_auto(Files) f = {};
        g_auto(OvmfImage) img = {};
        g_autoptr(GError) error = NULL;
        g_autofree char *digest = NULL;
        MeasureKernelHashes kh;
        MeasureInputs in;
        uint8_t out[MEASURE_DIGEST_MAX];
        size_t len;
        int r;

        r = ctl_parse(&ctl_measure_command, argc, argv, &a, NULL);
        if (r <= 0)
                return r;
        r = read_files(&a, &f, &kh);
        if (r < 0)
                return r;
        if (!ovmf_parse(g_bytes_get_data(f.firmware, NULL), g_bytes_get_size(f.firmware), &img, &error))
                return input_error("firmware", a.ovmf, error->message);

        in = (MeasureInputs) {
                .mode = a.mode,
                .ovmf = &img,
                .kernel = a.kernel ? &kh : NULL,
                .vcpus = a.vcpus,
                .vcpu_sig = (uint32_t) a.sig,
                .sev_features = a.mode == MEASURE_MODE_SNP ? a.guest_features : a.seves_features,
                .vmsa_form = a.vmsa_form,
                .snp_seed = a.seed_hex ? a.seed : NULL,
        };
        if (!measure_launch_digest(&in, out, &len, &error)) {
                fprintf(stderr, "memcryptctl measure: %s.\n", error->message);
                return -OFFLINE_EXIT_INPUT;
        }

        digest = a.base64 ? g_base64_encode(out, len) : measure_hex(out, len);
        if (a.json != JSON_OFF)
                print_json(&a, &f, digest);
        else if (a.verbose)
                printf("Calculated %s guest measurement: %s\n", verbose_name(a.mode), digest);
        else
                printf("%s\n", digest);
        return fflush(stdout) == 0 ? 0 : input_error("output", "stdout", g_strerror(errno));
}

int ctl_measure_main(int argc, char *argv[]) {
        return -run(argc, argv);
}
