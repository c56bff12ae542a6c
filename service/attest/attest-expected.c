/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The expected launch measurement: the plan (attest-expected-plan.c) made
 * into a digest with common/measure, the very code memcryptctl measure runs,
 * and the manifest a guest owner needs to recompute it off the host. Runs on
 * a worker thread: it reads and hashes files (up to 64 MiB of firmware and
 * 512 MiB each of kernel and initrd), unless the cache already has the answer
 * for files of the same identity.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "attest-expected-cache.h"
#include "attest-expected.h"
#include "attest-internal.h"
#include "fileio.h"
#include "measure-command.h"
#include "measure-input.h"
#include "text.h"

typedef struct {
        const char *role;               /* "firmware", "kernel", "initrd" */
        const char *path;               /* as on the host, or as the document names it */
        int fd;                         /* -1: not measured */
        bool owned;                     /* opened here (close it) or the caller's */
        struct stat st;
} InputFile;

static void input_files_close(InputFile files[_EXPECTED_FILE_MAX]) {
        for (size_t i = 0; i < _EXPECTED_FILE_MAX; i++)
                if (files[i].owned && files[i].fd >= 0)
                        close(files[i].fd);
}

static const char *const roles[_EXPECTED_FILE_MAX] = { "firmware", "kernel", "initrd" };

/* The largest file of each role. */
static uint64_t role_max(ExpectedFileRole r) {
        return r == EXPECTED_FILE_FIRMWARE ? MEASURE_FIRMWARE_MAX : EXPECTED_BOOT_FILE_MAX;
}

/* Regular, within the cap: checked on the descriptor, before anything is read. */
static ApiError check_file(InputFile *file, ExpectedFileRole r, ApiError e, char **message) {
        if (fstat(file->fd, &file->st) < 0)
                return api_fail(message, e, "The %s %s cannot be examined: %s.", file->role, file->path,
                                g_strerror(errno));
        if (!S_ISREG(file->st.st_mode))
                return api_fail(message, e, "The %s %s is not a regular file (a directory, FIFO, socket or device is "
                                "not read).", file->role, file->path);
        if ((uint64_t) file->st.st_size > role_max(r))
                return api_fail(message, e, "The %s %s has %" PRIu64 " bytes, more than the %" PRIu64 " MiB measured.",
                                file->role, file->path, (uint64_t) file->st.st_size, role_max(r) >> 20);
        return API_OK;
}

/* A file the host holds (the firmware, or a kernel libvirt's own XML names), under the host root. */
static ApiError open_host_file(const char *root, ExpectedFileRole r, const char *path, InputFile *ret,
                               char **message) {
        *ret = (InputFile) { roles[r], path, -1, true };
        if (!attest_path_ok(path))
                return api_fail(message, API_MEASUREMENT_UNAVAILABLE, "The %s %s is not an absolute path without '..'.",
                                roles[r], path);
        ret->fd = root_open(root, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        if (ret->fd < 0)
                return api_fail(message, API_MEASUREMENT_UNAVAILABLE, "The %s %s cannot be opened: %s.", roles[r], path,
                                host_strerror(errno));
        return check_file(ret, r, API_MEASUREMENT_UNAVAILABLE, message);
}

static bool fd_is_regular(int fd) {
        struct stat st;

        return fd >= 0 && fstat(fd, &st) >= 0 && S_ISREG(st.st_mode);
}

/* A kernel or initrd of a caller's document: only from the caller's descriptor, never by its path. */
static ApiError take_caller_file(int fd, ExpectedFileRole r, const char *path, InputFile *ret, char **message) {
        const char *role = roles[r];

        *ret = (InputFile) { role, path, -1, false };
        if (!fd_is_regular(fd))
                return api_fail(message, API_INVALID_ARGUMENT, "The document boots the %s %s (kernelHashes='yes'), "
                                "but memcryptd opens no path a caller's document names: pass that %s as a file "
                                "descriptor (argument '%s'; %s).", role, path, role, role,
                                fd < 0 ? "none was given" : "the one given is not a regular file");
        ret->fd = fd;
        return check_file(ret, r, API_INVALID_ARGUMENT, message);
}

/* A caller's descriptor for a file the document does not measure is a mistake worth naming. */
static ApiError refuse_unused(int fd, const char *role, const ExpectedPlan *p, char **message) {
        if (!fd_is_regular(fd))
                return API_OK;          /* "none": /dev/null or the like */
        return api_fail(message, API_INVALID_ARGUMENT, "A %s was passed, but the document measures none (%s): "
                        "QEMU would not put its hash into the launch measurement.", role,
                        !p->kernel_measured ? "no <kernel>, or no <launchSecurity kernelHashes='yes'>"
                                            : "it has no <initrd>");
}

/* The caller's descriptors are checked first: their mistakes are named before the host's. */
static ApiError open_files(const HostFacts *f, const ExpectedSource *src, const ExpectedPlan *p,
                           InputFile files[_EXPECTED_FILE_MAX], char **message) {
        ApiError e = API_OK;

        if (src->from_caller) {
                e = p->kernel_measured ? take_caller_file(src->kernel_fd, EXPECTED_FILE_KERNEL, p->kernel,
                                                          &files[EXPECTED_FILE_KERNEL], message)
                                       : refuse_unused(src->kernel_fd, "kernel", p, message);
                if (e == API_OK)
                        e = p->initrd ? take_caller_file(src->initrd_fd, EXPECTED_FILE_INITRD, p->initrd,
                                                         &files[EXPECTED_FILE_INITRD], message)
                                      : refuse_unused(src->initrd_fd, "initrd", p, message);
        } else {
                if (p->kernel_measured)
                        e = open_host_file(f->root, EXPECTED_FILE_KERNEL, p->kernel, &files[EXPECTED_FILE_KERNEL],
                                           message);
                if (e == API_OK && p->initrd)
                        e = open_host_file(f->root, EXPECTED_FILE_INITRD, p->initrd, &files[EXPECTED_FILE_INITRD],
                                           message);
        }
        if (e == API_OK)
                e = open_host_file(f->root, EXPECTED_FILE_FIRMWARE, p->firmware, &files[EXPECTED_FILE_FIRMWARE],
                                   message);
        return e;
}

/* Every input but the files' contents, and the files by identity. */
static char *cache_key(const ExpectedPlan *p, const InputFile files[_EXPECTED_FILE_MAX]) {
        GString *key = g_string_new(NULL);

        g_string_append_printf(key, "%s|vcpus=%u|sig=%" PRIx32 "|features=%" PRIx64 "|form=%d|kernel=%d",
                               measure_mode_to_string(p->mode), p->vcpus, p->vcpu_signature, p->guest_features,
                               (int) p->vmsa_form, p->kernel_measured);
        for (size_t i = 0; i < _EXPECTED_FILE_MAX; i++)
                if (files[i].fd >= 0)
                        expected_cache_key_file(key, roles[i], &files[i].st);
        if (p->kernel_measured && p->cmdline) {
                g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, p->cmdline, -1);
                g_string_append_printf(key, "|cmdline=%s", sum);
        }
        return g_string_free(key, false);
}

static ApiError measure_error(GError *error, const char *what, ApiError e, char **message) {
        return api_fail(message, e, "%s cannot be measured: %s.", what, error->message);
}

/* SHA-256 of a kernel or initrd, from its descriptor. */
static ApiError hash_boot_file(const InputFile *file, bool from_caller, uint8_t out[MEASURE_SHA256_LEN],
                               char **message) {
        g_autoptr(GError) error = NULL;
        g_autofree char *what = g_strdup_printf("The %s %s", file->role, file->path);

        if (!measure_sha256_fd(file->fd, EXPECTED_BOOT_FILE_MAX, out, NULL, &error))
                return measure_error(error, what, from_caller ? API_INVALID_ARGUMENT : API_MEASUREMENT_UNAVAILABLE,
                                     message);
        return API_OK;
}

static ApiError compute(const ExpectedPlan *p, bool from_caller, const InputFile files[_EXPECTED_FILE_MAX],
                        ExpectedCacheEntry *ret, char **message) {
        const InputFile *fw = &files[EXPECTED_FILE_FIRMWARE];
        uint8_t sums[_EXPECTED_FILE_MAX][MEASURE_SHA256_LEN], out[MEASURE_DIGEST_MAX];
        g_autofree char *what = g_strdup_printf("The firmware %s", fw->path);
        g_autoptr(GBytes) image = NULL;
        g_autoptr(GError) error = NULL;
        g_auto(OvmfImage) img = {};
        MeasureKernelHashes kh;
        MeasureInputs in;
        size_t len;
        ApiError e;

        image = measure_read_firmware_fd(fw->fd, &error);
        if (!image || !ovmf_parse(g_bytes_get_data(image, NULL), g_bytes_get_size(image), &img, &error))
                return measure_error(error, what, API_MEASUREMENT_UNAVAILABLE, message);
        measure_sha256(g_bytes_get_data(image, NULL), g_bytes_get_size(image), sums[EXPECTED_FILE_FIRMWARE]);
        if (p->kernel_measured) {
                e = hash_boot_file(&files[EXPECTED_FILE_KERNEL], from_caller, sums[EXPECTED_FILE_KERNEL], message);
                if (e == API_OK && p->initrd)
                        e = hash_boot_file(&files[EXPECTED_FILE_INITRD], from_caller, sums[EXPECTED_FILE_INITRD],
                                           message);
                if (e != API_OK)
                        return e;
                measure_kernel_hashes_init(&kh, sums[EXPECTED_FILE_KERNEL],
                                           p->initrd ? sums[EXPECTED_FILE_INITRD] : NULL, p->cmdline);
        }
        in = (MeasureInputs) {
                .mode = p->mode,
                .ovmf = &img,
                .kernel = p->kernel_measured ? &kh : NULL,
                .vcpus = p->vcpus,
                .vcpu_sig = p->vcpu_signature,
                .sev_features = p->guest_features,
                .vmsa_form = p->vmsa_form,
        };
        if (!measure_launch_digest(&in, out, &len, &error))
                return measure_error(error, what,
                                     error->code == MEASURE_ERROR_INVALID ? API_INVALID_ARGUMENT
                                                                          : API_MEASUREMENT_UNAVAILABLE, message);
        ret->digest = measure_hex(out, len);
        for (size_t i = 0; i < _EXPECTED_FILE_MAX; i++)
                if (files[i].fd >= 0)
                        ret->sha256[i] = measure_hex(sums[i], MEASURE_SHA256_LEN);
        return API_OK;
}

/* Whether a file is still the one the key names (it may have changed while it was read). */
static bool unchanged(const InputFile files[_EXPECTED_FILE_MAX]) {
        for (size_t i = 0; i < _EXPECTED_FILE_MAX; i++) {
                struct stat st;
                if (files[i].fd < 0)
                        continue;
                if (fstat(files[i].fd, &st) < 0 || st.st_size != files[i].st.st_size ||
                    st.st_mtim.tv_sec != files[i].st.st_mtim.tv_sec || st.st_mtim.tv_nsec != files[i].st.st_mtim.tv_nsec ||
                    st.st_ctim.tv_sec != files[i].st.st_ctim.tv_sec || st.st_ctim.tv_nsec != files[i].st.st_ctim.tv_nsec)
                        return false;
        }
        return true;
}

static ApiError digest_of(const ExpectedPlan *p, bool from_caller, const InputFile files[_EXPECTED_FILE_MAX],
                          ExpectedCache *cache, ExpectedCacheEntry *ret, char **message) {
        g_autofree char *key = cache_key(p, files);
        ApiError e;

        if (expected_cache_lookup(cache, key, ret)) {
                g_debug("expected measurement: %s from the cache (no file read)", ret->digest);
                return API_OK;
        }
        e = compute(p, from_caller, files, ret, message);
        if (e != API_OK)
                return e;
        if (unchanged(files))
                expected_cache_store(cache, key, ret);
        g_debug("expected measurement: %s computed from the files", ret->digest);
        return API_OK;
}

/* ---- the reply ---------------------------------------------------------- */

static void add(GVariantBuilder *b, const char *key, GVariant *v) {
        g_variant_builder_add(b, "{sv}", key, v);
}

static GVariant *file_variant(const InputFile *file, const char *sha256, const char *descriptor,
                              const char *source) {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);

        add(&b, "path", g_variant_new_string(file->path));
        add(&b, "size", g_variant_new_uint64((uint64_t) file->st.st_size));
        add(&b, "sha256", g_variant_new_string(sha256));
        if (descriptor)
                add(&b, "descriptor", g_variant_new_string(descriptor));
        if (source)
                add(&b, "source", g_variant_new_string(source));
        return g_variant_builder_end(&b);
}

static GVariant *inputs_variant(const ExpectedPlan *p, const InputFile files[_EXPECTED_FILE_MAX],
                                const ExpectedCacheEntry *r) {
        g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);

        add(&b, "mode", g_variant_new_string(measure_mode_to_string(p->mode)));
        add(&b, "model", g_variant_new_string(model_name(p->model)));
        if (p->has_policy)
                add(&b, "policy", g_variant_new_uint64(p->policy));
        add(&b, "firmware", file_variant(&files[EXPECTED_FILE_FIRMWARE], r->sha256[EXPECTED_FILE_FIRMWARE],
                                         p->descriptor, p->firmware_source));
        add(&b, "kernel_hashes", g_variant_new_boolean(p->kernel_measured));
        if (p->kernel_measured) {
                add(&b, "kernel", file_variant(&files[EXPECTED_FILE_KERNEL], r->sha256[EXPECTED_FILE_KERNEL], NULL,
                                               NULL));
                if (p->initrd)
                        add(&b, "initrd", file_variant(&files[EXPECTED_FILE_INITRD], r->sha256[EXPECTED_FILE_INITRD],
                                                       NULL, NULL));
                if (p->cmdline)
                        add(&b, "cmdline", g_variant_new_string(p->cmdline));
        }
        add(&b, "vcpus", g_variant_new_uint32(p->vcpus));
        if (expected_plan_has_vmsas(p)) {
                add(&b, "vcpu_signature", g_variant_new_uint32(p->vcpu_signature));
                add(&b, "vcpu_signature_source", g_variant_new_string(p->vcpu_signature_source));
                add(&b, "guest_features", g_variant_new_uint64(p->guest_features));
                add(&b, "guest_features_source", g_variant_new_string(p->guest_features_source));
                add(&b, "vmsa_form", g_variant_new_string(measure_vmsa_form_to_string(p->vmsa_form)));
                add(&b, "vmsa_form_reason", g_variant_new_string(p->vmsa_form_reason));
        }
        return g_variant_builder_end(&b);
}

/* memcryptctl measure's argv for the same digest (its --json "command" has the same form). */
static GVariant *command_variant(const ExpectedPlan *p) {
        const MeasureCommand c = {
                .mode = p->mode,
                .ovmf = p->firmware,
                .kernel = p->kernel_measured ? p->kernel : NULL,
                .initrd = p->kernel_measured ? p->initrd : NULL,
                .append = p->kernel_measured ? p->cmdline : NULL,
                .vcpus = p->vcpus,
                .vcpu_sig = p->vcpu_signature,
                .vmsa_form = p->vmsa_form,
                .guest_features = p->guest_features,
                .has_seves_features = p->mode == MEASURE_MODE_SEV_ES && p->guest_features,
                .seves_features = p->guest_features,
        };
        g_autoptr(GPtrArray) argv = measure_command_argv(&c);

        return g_variant_new_strv((const char *const *) argv->pdata, argv->len);
}

/* Paths and the command line go into the reply: each must be text D-Bus can carry. */
static ApiError check_text(const ExpectedPlan *p, char **message) {
        const char *const texts[] = { p->kernel, p->initrd, p->cmdline };

        for (size_t i = 0; i < G_N_ELEMENTS(texts); i++)
                if (texts[i] && !text_bus_valid(texts[i]))
                        return api_fail(message, API_INVALID_DOMAIN_XML, "The domain's <kernel>, <initrd> or "
                                        "<cmdline> is not text D-Bus can carry.");
        return API_OK;
}

static ApiError plan_and_measure(const HostFacts *f, ExpectedCache *cache, const ExpectedSource *src,
                                 const ExpectedOptions *o, ExpectedPlan *p, InputFile files[_EXPECTED_FILE_MAX],
                                 ExpectedCacheEntry *r, char **message) {
        g_auto(AttestDomainInputs) in = {};
        ApiError e;

        for (size_t i = 0; i < _EXPECTED_FILE_MAX; i++)
                files[i] = (InputFile) { roles[i], NULL, -1, false };
        e = attest_domain_inputs_parse(src->xml, &in, message);
        if (e == API_OK)
                e = expected_plan_derive(f, &in, o, p, message);
        if (e == API_OK)
                e = check_text(p, message);
        if (e == API_OK)
                e = open_files(f, src, p, files, message);
        if (e == API_OK)
                e = digest_of(p, src->from_caller, files, cache, r, message);
        return e;
}

ApiError attest_expected(const HostFacts *f, ExpectedCache *cache, const ExpectedSource *src,
                         const ExpectedOptions *o, GVariant **ret, char **message) {
        g_auto(ExpectedPlan) p = {};
        g_auto(ExpectedCacheEntry) r = {};
        InputFile files[_EXPECTED_FILE_MAX];
        ApiError e;

        e = plan_and_measure(f, cache, src, o, &p, files, &r, message);
        if (e == API_OK)
                *ret = g_variant_ref_sink(g_variant_new("(s@a{sv}@as)", r.digest, inputs_variant(&p, files, &r),
                                                        command_variant(&p)));
        input_files_close(files);
        return e;
}

ApiError attest_expected_domain(const HostFacts *f, AttestLibvirt *lv, const char *no_libvirt, ExpectedCache *cache,
                                const char *name, const ExpectedOptions *o, GVariant **ret, char **message) {
        g_auto(AttestDomain) d = {};
        ExpectedSource src = { .kernel_fd = -1, .initrd_fd = -1 };
        ApiError e;

        e = attest_lookup(lv, no_libvirt, name, &d, message);
        if (e != API_OK)
                return e;
        if (!d.xml)
                return api_fail(message, API_LIBVIRT_UNAVAILABLE, "libvirt gave no XML for domain '%s'.", d.name);
        src.xml = d.xml;
        return attest_expected(f, cache, &src, o, ret, message);
}

char *attest_expected_digest(const HostFacts *f, ExpectedCache *cache, const char *xml, char **why) {
        const ExpectedSource src = { .xml = xml, .kernel_fd = -1, .initrd_fd = -1 };
        const ExpectedOptions none = {};
        g_auto(ExpectedPlan) p = {};
        g_auto(ExpectedCacheEntry) r = {};
        InputFile files[_EXPECTED_FILE_MAX];
        ApiError e;

        e = plan_and_measure(f, cache, &src, &none, &p, files, &r, why);
        input_files_close(files);
        return e == API_OK ? g_steal_pointer(&r.digest) : NULL;
}
