/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirt/versions.json: versions_json_parse(), then the version gates over what it found. */
#include "fuzz-host.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autofree char *json = fuzz_file_text(data, size), *error = NULL;
        char *libvirt = NULL, *qemu = NULL;

        if (!json)
                return 0;
        fuzz_hosts_load();
        if (!versions_json_parse(json, size, &libvirt, &qemu, &error)) {
                LibvirtFacts *lv = &fuzz_hosts[0]->facts.libvirt;
                Source saved = lv->versions_src;
                FUZZ_ASSERT(error && !libvirt && !qemu);
                lv->versions_src = (Source) {};
                fuzz_source_invalid(&lv->versions_src, "libvirt/versions.json", error);
                fuzz_judge(&fuzz_hosts[0]->facts);
                g_free(lv->versions_src.detail);
                lv->versions_src = saved;
                return 0;
        }
        /* LibvirtVersion and QemuVersion are bus properties. */
        if (libvirt)
                fuzz_check_bus_text(libvirt);
        if (qemu)
                fuzz_check_bus_text(qemu);

        LibvirtFacts *lv = &fuzz_hosts[0]->facts.libvirt;
        char *saved_libvirt = lv->libvirt_version, *saved_qemu = lv->qemu_version;
        lv->libvirt_version = libvirt;
        lv->qemu_version = qemu;
        fuzz_judge(&fuzz_hosts[0]->facts);
        lv->libvirt_version = saved_libvirt;
        lv->qemu_version = saved_qemu;
        g_free(libvirt);
        g_free(qemu);
        return 0;
}
