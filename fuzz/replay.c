/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main() for a fuzz target built without libFuzzer (gcc, the normal and
 * ASan builds): runs LLVMFuzzerTestOneInput() once on every file named on
 * the command line, or on every file of a named directory. The seeds and
 * fuzz/regressions/ are replayed this way by `meson test` (suite fuzz), so
 * the targets keep compiling and every crash found stays fixed.
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path, unsigned *count) {
        g_autoptr(GError) error = NULL;
        g_autofree char *data = NULL;
        gsize len;

        if (!g_file_get_contents(path, &data, &len, &error)) {
                fprintf(stderr, "%s\n", error->message);
                return 1;
        }
        LLVMFuzzerTestOneInput((const uint8_t *) data, len);
        (*count)++;
        return 0;
}

int main(int argc, char **argv) {
        unsigned count = 0;
        int failed = 0;

        for (int i = 1; i < argc; i++) {
                if (!g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
                        failed |= run_file(argv[i], &count);
                        continue;
                }
                g_autoptr(GDir) dir = g_dir_open(argv[i], 0, NULL);
                const char *name;
                while (dir && (name = g_dir_read_name(dir))) {
                        g_autofree char *path = g_build_filename(argv[i], name, NULL);
                        if (name[0] != '.' && g_file_test(path, G_FILE_TEST_IS_REGULAR))
                                failed |= run_file(path, &count);
                }
        }
        printf("%s: %u inputs replayed\n", argv[0], count);
        return failed;
}
