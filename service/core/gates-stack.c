/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Userspace layer: QEMU firmware descriptors, libvirt, QEMU. */
#include "eval.h"
#include "firmware.h"
#include "gates.h"
#include "version.h"

static const char *const fw_hint[_MODEL_MAX] = {
        [MODEL_SEV] = "Install an OVMF build with SEV support and its descriptor (Debian: `apt install ovmf`)",
        [MODEL_SEV_ES] = "Install an OVMF build with SEV-ES support whose descriptor lists 'amd-sev-es' in "
                         "/usr/share/qemu/firmware or /etc/qemu/firmware",
        [MODEL_SEV_SNP] = "Install the AmdSev OVMF build (OVMF.amdsev.fd) with a descriptor that lists 'amd-sev-snp' "
                          "and \"device\": \"memory\" (or a stateless flash mapping)",
};

static void gate_firmware(Eval *e, Model m) {
        const FirmwareFacts *fw = &e->f->firmware;
        ModelVerdict *mv = &e->v->models[m];

        if (eval_skipped(e, "firmware", m, CATEGORY_FIRMWARE))
                return;
        if (fw->src.status != SOURCE_OK && fw->src.status != SOURCE_MISSING) {
                eval_check(e, "firmware", m, CATEGORY_FIRMWARE, CHECK_UNKNOWN, "facts-unavailable", MODEL_BIT(m),
                           "Make /usr/share/qemu/firmware and /etc/qemu/firmware readable",
                           "firmware descriptors could not be read: %s", source_why(&fw->src));
                return;
        }
        for (guint i = 0; i < fw->descriptors->len; i++) {
                const FirmwareDescriptor *d = fw->descriptors->pdata[i];
                if (firmware_fits(d, m) &&
                    !g_ptr_array_find_with_equal_func(mv->firmware, d->executable, g_str_equal, NULL))
                        g_ptr_array_add(mv->firmware, g_strdup(d->executable));
        }
        if (mv->firmware->len > 0) {
                eval_check(e, "firmware", m, CATEGORY_FIRMWARE, CHECK_PASS, NULL, 0, NULL,
                           "%u firmware image(s) offer '%s' for x86_64 q35, first %s", mv->firmware->len, firmware_feature(m),
                           (const char *) mv->firmware->pdata[0]);
                return;
        }
        eval_check(e, "firmware", m, CATEGORY_FIRMWARE, CHECK_FAIL, "firmware-missing", MODEL_BIT(m), fw_hint[m],
                   "none of the %u QEMU firmware descriptors offers '%s' for x86_64 q35 UEFI%s", fw->descriptors->len,
                   firmware_feature(m), m == MODEL_SEV_SNP ? " with a ROM ('memory') or stateless mapping" : "");
}

static void gate_firmware_errors(Eval *e) {
        const FirmwareFacts *fw = &e->f->firmware;

        if (fw->errors->len == 0 || eval_skipped(e, "firmware-descriptors", MODEL_INVALID, CATEGORY_FIRMWARE))
                return;
        eval_check(e, "firmware-descriptors", MODEL_INVALID, CATEGORY_FIRMWARE, CHECK_WARN, NULL, 0,
                   "Fix or remove the broken descriptor files; QEMU and libvirt ignore them too",
                   "%u firmware descriptor(s) could not be used, first: %s", fw->errors->len,
                   (const char *) fw->errors->pdata[0]);
}

/* Returns whether libvirt answered well enough for the per-model checks. */
static bool gate_libvirt_connection(Eval *e) {
        const LibvirtFacts *lv = &e->f->libvirt;
        unsigned models = eval_active(e, MODELS_ALL);
        const char *hint = e->f->live
                ? "Start libvirt (`systemctl start libvirtd` or virtqemud); memcryptd needs a read-write connection"
                : "Add libvirt/domcapabilities.xml and libvirt/versions.json to the snapshot (`memcryptd --snapshot` writes them)";

        if (eval_skipped(e, "libvirt-connection", MODEL_INVALID, CATEGORY_LIBVIRT))
                return false;
        if (lv->connection.status != SOURCE_OK && lv->stale) {
                /* The last facts still answer, but what libvirt would do now is unknown:
                 * no model is offered until it is back (never a stale "usable"). */
                eval_check(e, "libvirt-connection", MODEL_INVALID, CATEGORY_LIBVIRT, CHECK_UNKNOWN, "libvirt-unavailable",
                           models, "Check libvirtd (`systemctl status libvirtd` or virtqemud); memcryptd reconnects by itself",
                           "libvirt is %s", source_why(&lv->connection));
                return false;
        }
        if (lv->connection.status != SOURCE_OK) {
                eval_check(e, "libvirt-connection", MODEL_INVALID, CATEGORY_LIBVIRT, CHECK_UNKNOWN, "libvirt-unavailable",
                           models, hint, "libvirt is unavailable: %s", source_why(&lv->connection));
                return false;
        }
        if (lv->domcaps.src.status != SOURCE_OK) {
                eval_check(e, "libvirt-connection", MODEL_INVALID, CATEGORY_LIBVIRT, CHECK_UNKNOWN, "libvirt-unavailable",
                           models, hint, "libvirt's domain capabilities are unavailable: %s", source_why(&lv->domcaps.src));
                return false;
        }
        eval_check(e, "libvirt-connection", MODEL_INVALID, CATEGORY_LIBVIRT, CHECK_PASS, NULL, 0, NULL,
                   "libvirt %s with QEMU %s answered", lv->libvirt_version ?: "(version unknown)",
                   lv->qemu_version ?: "(version unknown)");
        return true;
}

static bool libvirt_offers_snp(const LibvirtFacts *lv) {
        return lv->domcaps.launch_security_supported && lv->domcaps.sectype_sev_snp &&
               (!lv->libvirt_version || version_at_least(lv->libvirt_version, 10, 5, 0));
}

static void gate_libvirt_model(Eval *e, Model m) {
        const LibvirtFacts *lv = &e->f->libvirt;
        const char *version = lv->libvirt_version ?: "(version unknown)";

        if (eval_skipped(e, "libvirt", m, CATEGORY_LIBVIRT))
                return;
        if (lv->domcaps.sev_supported != TRI_YES)
                eval_check(e, "libvirt", m, CATEGORY_LIBVIRT, CHECK_FAIL, "libvirt-sev-unsupported", MODEL_BIT(m),
                           "Check that QEMU can open /dev/sev and kvm_amd.sev=Y, then restart libvirtd so it re-probes QEMU "
                           "(`virsh domcapabilities | grep -A6 '<sev'`)",
                           "libvirt reports <sev supported='no'/>: QEMU has no sev-guest or query-sev-capabilities failed");
        else if (m == MODEL_SEV_SNP && !libvirt_offers_snp(lv))
                eval_check(e, "libvirt", m, CATEGORY_LIBVIRT, CHECK_FAIL, "libvirt-snp-unsupported", MODEL_BIT(m),
                           "Upgrade libvirt to 10.5 or later and QEMU to 9.1 or later",
                           "libvirt %s does not offer launchSecurity type 'sev-snp' (needs libvirt 10.5 with QEMU 9.1)", version);
        else if (m != MODEL_SEV_SNP && (m == MODEL_SEV ? lv->domcaps.max_guests : lv->domcaps.max_es_guests) < 0)
                eval_check(e, "libvirt", m, CATEGORY_LIBVIRT, CHECK_WARN, "libvirt-too-old", MODEL_BIT(m),
                           "Upgrade libvirt to 8.0 or later",
                           "libvirt %s does not report %s slot counts (%s, libvirt 8.0): counts come from the kernel or CPUID",
                           version, model_title(m), m == MODEL_SEV ? "maxGuests" : "maxESGuests");
        else
                eval_check(e, "libvirt", m, CATEGORY_LIBVIRT, CHECK_PASS, NULL, 0, NULL,
                           "libvirt %s offers %s", version, model_title(m));
}

static void gate_qemu(Eval *e, Model m) {
        const char *qemu = e->f->libvirt.qemu_version;
        const unsigned *min = model_info(m)->qemu_min;

        if (eval_skipped(e, "qemu", m, CATEGORY_LIBVIRT))
                return;
        if (!qemu)
                eval_check(e, "qemu", m, CATEGORY_LIBVIRT, CHECK_UNKNOWN, "libvirt-unavailable", MODEL_BIT(m),
                           "Make sure libvirt reports the QEMU version (`virsh version`)", "the QEMU version is unknown");
        else if (!version_at_least(qemu, min[0], min[1], min[2]))
                eval_check(e, "qemu", m, CATEGORY_LIBVIRT, CHECK_FAIL, "qemu-too-old", MODEL_BIT(m),
                           m == MODEL_SEV_SNP ? "Upgrade QEMU to 9.1 or later (9.2 if guests use VFIO)"
                                              : "Upgrade QEMU to 6.0 or later (OpenStack Nova asks 8.0 for SEV-ES)",
                           "QEMU %s is older than %u.%u, the minimum for %s", qemu, min[0], min[1], model_title(m));
        else
                eval_check(e, "qemu", m, CATEGORY_LIBVIRT, CHECK_PASS, NULL, 0, NULL,
                           "QEMU %s meets the %s minimum %u.%u", qemu, model_title(m), min[0], min[1]);
}

void gates_stack(Eval *e) {
        for (Model m = 0; m < _MODEL_MAX; m++)
                gate_firmware(e, m);
        gate_firmware_errors(e);
        if (!gate_libvirt_connection(e))
                return;
        for (Model m = 0; m < _MODEL_MAX; m++) {
                gate_libvirt_model(e, m);
                gate_qemu(e, m);
        }
}
