/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl-args.h"
#include "ctl-offline.h"
#include "ctl-parse.h"
#include "ctl-verify.h"
#include "measure-attest.h"

enum { EXIT_MISMATCH = 3 };
enum { ARG_MEASUREMENT = CTL_ARG_VERSION + 1, ARG_API_MAJOR, ARG_API_MINOR, ARG_BUILD_ID, ARG_POLICY, ARG_TIK, ARG_TK,
       ARG_EXPECTED, ARG_JSON };

typedef struct {
        char *measurement, *tik, *tk, *expected;
        bool has[4];                    /* api-major, api-minor, build-id, policy */
        uint64_t values[4];
        JsonMode json;
} Args;

#define usage(...) ctl_usage("attest verify", __VA_ARGS__)
#define input_error(...) offline_error("attest verify", __VA_ARGS__)

static void help(void) {
        printf("memcryptctl attest verify --measurement BASE64 --api-major N --api-minor N --build-id N\n"
               "                          --policy N --tik FILE|--tk FILE --expected HEX [--json]\n"
               "\n"
               "Check an SEV or SEV-ES guest's launch measurement, as libvirt reports it, against the\n"
               "launch digest expected for it (memcryptctl measure), with the guest owner's TIK.\n"
               "Offline: nothing is sent anywhere.\n"
               "\n"
               "  --measurement BASE64  The measurement: HMAC and nonce, 48 bytes in base64\n"
               "  --api-major N         The SEV firmware's API major version\n"
               "  --api-minor N         ... its minor version\n"
               "  --build-id N          ... its build\n"
               "  --policy N            The guest policy (decimal or 0x hex)\n"
               "  --tik FILE            The transport integrity key: 16 bytes\n"
               "  --tk FILE             ... or TEK and TIK together: 32 bytes\n"
               "  --expected HEX        The expected launch digest (64 hex digits)\n"
               "  --json[=MODE]         The verdict as JSON (pretty, the default, or short)\n"
               "\n"
               "Exit status: 0 the measurement matches, 1 an input cannot be read, 2 usage error,\n"
               "3 the measurement does not match.\n");
}

static const char *const number_names[] = { "--api-major", "--api-minor", "--build-id", "--policy" };

#define STRING(name, id, field) CTL_STRING(name, id, Args, field)
#define NUMBER(name, id, i, max) CTL_NUMBER(name, id, Args, values[i], has[i], max)
static const CtlOption options[] = {
        CTL_FLAG("help",        'h'),
        STRING("measurement",   ARG_MEASUREMENT, measurement),
        NUMBER("api-major",     ARG_API_MAJOR,   0, UINT8_MAX),
        NUMBER("api-minor",     ARG_API_MINOR,   1, UINT8_MAX),
        NUMBER("build-id",      ARG_BUILD_ID,    2, UINT8_MAX),
        NUMBER("policy",        ARG_POLICY,      3, UINT32_MAX),
        STRING("tik",           ARG_TIK,         tik),
        STRING("tk",            ARG_TK,          tk),
        STRING("expected",      ARG_EXPECTED,    expected),
        CTL_JSON("json",        ARG_JSON,        Args, json),
        {}
};

/* What the options leave to check once all are read. */
static int check_args(void *args, int argc, char *argv[]) {
        const Args *a = args;

        if (argc - optind != 2 || strcmp(argv[optind], "attest") != 0 || strcmp(argv[optind + 1], "verify") != 0)
                return usage("unexpected argument '%s'", argc - optind > 2 ? argv[optind + 2] : argv[argc - 1]);
        if (!a->measurement)
                return usage("--measurement is missing");
        for (unsigned i = 0; i < G_N_ELEMENTS(number_names); i++)
                if (!a->has[i])
                        return usage("%s is missing", number_names[i]);
        if (!a->tik == !a->tk)
                return usage("give one of --tik FILE and --tk FILE");
        if (!a->expected)
                return usage("--expected is missing");
        return 0;
}

/* Every option but --help is the table's. */
const CtlCommand ctl_verify_command = {
        .verb = "attest verify",
        .options = options,
        .help = help,
        .check = check_args,
};

CTL_DEFINE_ARGS_CLEANUP(Args, ctl_verify_command);


/* The TIK: a --tik file of 16 bytes, or the second half of a --tk file of 32 (TEK then TIK, as libvirt). */
static int read_tik(const Args *a, uint8_t tik[MEASURE_TIK_LEN]) {
        const char *path = a->tik ?: a->tk;
        size_t want = a->tik ? MEASURE_TIK_LEN : 2 * MEASURE_TIK_LEN;
        g_autoptr(GByteArray) data = NULL;
        int fd, err = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return input_error("cannot open the key file '%s': %s", path, g_strerror(errno));
        data = read_at_most(fd, want, &err);
        close(fd);
        if (!data)
                return input_error("cannot read the key file '%s': %s", path, g_strerror(err));
        if (data->len != want)
                return input_error("the key file '%s' has %s%u bytes, not %zu", path, data->len > want ? "more than " : "",
                                   MIN(data->len, (guint) want), want);
        memcpy(tik, data->data + want - MEASURE_TIK_LEN, MEASURE_TIK_LEN);
        return 0;
}

static int run(int argc, char *argv[]) {
        g_auto(Args) a = {};
        g_autofree guchar *m = NULL;
        uint8_t tik[MEASURE_TIK_LEN], ld[32];
        MeasurePlatform p;
        gsize mlen = 0;
        bool match;
        int r;

        r = ctl_parse(&ctl_verify_command, argc, argv, &a, NULL);
        if (r <= 0)
                return r;
        if (!hex_decode(a.expected, ld, sizeof(ld)))
                return usage("--expected: not 64 hex digits (an SEV or SEV-ES launch digest)");
        m = g_base64_decode(a.measurement, &mlen);
        if (mlen != MEASURE_SEV_MEASUREMENT_LEN)
                return usage("--measurement: %zu bytes of base64, not %u (the HMAC and nonce libvirt reports)",
                             (size_t) mlen, MEASURE_SEV_MEASUREMENT_LEN);
        r = read_tik(&a, tik);
        if (r < 0)
                return r;

        p = (MeasurePlatform) { (uint8_t) a.values[0], (uint8_t) a.values[1], (uint8_t) a.values[2],
                                (uint32_t) a.values[3] };
        match = measure_sev_verify(tik, &p, ld, m);
        if (a.json != JSON_OFF) {
                g_autoptr(JsonBuilder) b = json_builder_new();

                json_builder_begin_object(b);
                json_builder_set_member_name(b, "match");
                json_builder_add_boolean_value(b, match);
                json_add_string(b, "expected", a.expected);
                json_add_string(b, "measurement", a.measurement);
                json_builder_end_object(b);
                json_print_built(b, a.json);
        } else if (match)
                printf("OK: the launch measurement matches the expected digest.\n");
        if (!match) {
                fprintf(stderr, "memcryptctl attest verify: the launch measurement does not match the expected digest "
                        "with this TIK, platform version and policy.\n");
                return -EXIT_MISMATCH;
        }
        return 0;
}

int ctl_verify_main(int argc, char *argv[]) {
        return -run(argc, argv);
}
