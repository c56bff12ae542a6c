/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * QEMU firmware descriptor JSON: firmware_descriptor_parse() directly, then
 * the whole probe_firmware() on a root holding milan-snp's descriptors and
 * the input as usr/share/qemu/firmware/10-fuzz.json (first in precedence),
 * and the verdict and the domain rules' firmware pick over what it found.
 */
#include <glib/gstdio.h>

#include "fuzz-host.h"
#include "fuzz-util.h"

static char *fuzz_root, *fuzz_file;

static void remove_tree(const char *path) {
        g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
        const char *name;

        while (d && (name = g_dir_read_name(d))) {
                g_autofree char *child = g_build_filename(path, name, NULL);
                if (g_file_test(child, G_FILE_TEST_IS_DIR))
                        remove_tree(child);
                else
                        g_unlink(child);
        }
        g_rmdir(path);
}

static void remove_root(void) {
        remove_tree(fuzz_root);
}

static void make_root(void) {
        g_autofree char *src = g_build_filename(FUZZ_HOSTS_DIR, "milan-snp", "usr", "share", "qemu", "firmware", NULL);
        g_autofree char *dir = NULL;
        g_autoptr(GDir) d = g_dir_open(src, 0, NULL);
        const char *name;

        fuzz_root = g_dir_make_tmp("fuzz-firmware-XXXXXX", NULL);
        FUZZ_ASSERT(fuzz_root);
        atexit(remove_root);
        dir = g_build_filename(fuzz_root, "usr", "share", "qemu", "firmware", NULL);
        FUZZ_ASSERT(g_mkdir_with_parents(dir, 0755) == 0);
        while (d && (name = g_dir_read_name(d))) {
                g_autofree char *from = g_build_filename(src, name, NULL), *to = g_build_filename(dir, name, NULL);
                g_autofree char *text = NULL;
                gsize len;
                FUZZ_ASSERT(g_file_get_contents(from, &text, &len, NULL));
                FUZZ_ASSERT(g_file_set_contents(to, text, (gssize) len, NULL));
        }
        fuzz_file = g_build_filename(dir, "10-fuzz.json", NULL);
}

static const char guest[] = "<domain type='kvm'><name>g</name><memory unit='GiB'>4</memory>"
                            "<os><type arch='x86_64' machine='q35'>hvm</type></os></domain>";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autofree char *json = fuzz_file_text(data, size), *error = NULL;
        const char *path = "/usr/share/qemu/firmware/10-fuzz.json";
        HostFacts *f;
        FirmwareFacts fw, saved;
        FirmwareDescriptor *d;
        HostVerdict *v;

        if (!json)
                return 0;
        fuzz_hosts_load();
        if (!fuzz_root)
                make_root();

        d = firmware_descriptor_parse(json, size, path, &error);
        FUZZ_ASSERT(!d == !!error);
        if (d)
                FUZZ_ASSERT(d->path && g_str_equal(d->path, path));
        firmware_descriptor_free(d);

        /* What the service reads: the directory, with the input first in QEMU's precedence. */
        FUZZ_ASSERT(g_file_set_contents(fuzz_file, json, (gssize) size, NULL));
        fw = (FirmwareFacts) {
                .descriptors = g_ptr_array_new_with_free_func((GDestroyNotify) firmware_descriptor_free),
                .errors = g_ptr_array_new_with_free_func(g_free),
        };
        probe_firmware(fuzz_root, &fw);
        FUZZ_ASSERT(fw.src.status == SOURCE_OK);

        f = &fuzz_hosts[0]->facts;
        saved = f->firmware;
        f->firmware = fw;
        fuzz_judge(f);

        /* ConfigureDomain of a small q35 guest picks a loader among the descriptors. */
        v = host_verdict_new(f, &fuzz_hosts[0]->config);
        HostView view = { .facts = f, .verdict = v };
        for (Model m = 0; m < _MODEL_MAX; m++) {
                g_autofree char *xml = NULL, *message = NULL;
                ApiError e = domain_configure(guest, m, NULL, &view, &xml, &message);
                fuzz_check_bus_text(e == API_OK ? xml : message);
        }
        host_verdict_free(v);

        f->firmware = saved;
        g_ptr_array_unref(fw.descriptors);
        g_ptr_array_unref(fw.errors);
        g_free(fw.src.detail);
        return 0;
}
