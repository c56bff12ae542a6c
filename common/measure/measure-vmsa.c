/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * QEMU's VMM only: the register state KVM gives a vCPU at reset, encrypted
 * into its VMSA at launch. Every field not set here is zero. Offsets are
 * those of struct sev_es_save_area (Linux arch/x86/include/asm/svm.h).
 */
#include <string.h>

#include "measure-vmsa.h"

enum {
        OFF_ES = 0x000, OFF_CS = 0x010, OFF_SS = 0x020, OFF_DS = 0x030, OFF_FS = 0x040, OFF_GS = 0x050,
        OFF_GDTR = 0x060, OFF_LDTR = 0x070, OFF_IDTR = 0x080, OFF_TR = 0x090,
        OFF_EFER = 0x0d0, OFF_CR4 = 0x148, OFF_CR0 = 0x158, OFF_DR7 = 0x160, OFF_DR6 = 0x168,
        OFF_RFLAGS = 0x170, OFF_RIP = 0x178, OFF_G_PAT = 0x268, OFF_RDX = 0x310,
        OFF_SEV_FEATURES = 0x3b0, OFF_XCR0 = 0x3e8, OFF_MXCSR = 0x408, OFF_X87_FCW = 0x410,
};

static void put(uint8_t *page, unsigned off, uint64_t v, unsigned bytes) {
        for (unsigned i = 0; i < bytes; i++)
                page[off + i] = (uint8_t) (v >> (8 * i));
}

/* struct vmcb_seg: u16 selector, u16 attrib, u32 limit, u64 base. */
static void put_seg(uint8_t *page, unsigned off, uint16_t selector, uint16_t attrib, uint32_t limit,
                    uint64_t base) {
        put(page, off, selector, 2);
        put(page, off + 2, attrib, 2);
        put(page, off + 4, limit, 4);
        put(page, off + 8, base, 8);
}

int measure_vmsa_form_from_string(const char *s) {
        if (s && strcmp(s, "init2") == 0)
                return MEASURE_VMSA_INIT2;
        if (s && strcmp(s, "legacy") == 0)
                return MEASURE_VMSA_LEGACY;
        return -1;
}

const char *measure_vmsa_form_to_string(MeasureVmsaForm form) {
        return form == MEASURE_VMSA_LEGACY ? "legacy" : "init2";
}

void measure_vmsa_page(uint8_t page[4096], uint32_t eip, uint32_t vcpu_sig, uint64_t sev_features,
                       MeasureVmsaForm form) {
        memset(page, 0, 4096);
        put_seg(page, OFF_ES, 0, 0x93, 0xffff, 0);
        /* Real mode: CS.base holds the upper half of the reset address, RIP the lower. */
        put_seg(page, OFF_CS, 0xf000, 0x9b, 0xffff, eip & 0xffff0000u);
        put_seg(page, OFF_SS, 0, 0x93, 0xffff, 0);
        put_seg(page, OFF_DS, 0, 0x93, 0xffff, 0);
        put_seg(page, OFF_FS, 0, 0x93, 0xffff, 0);
        put_seg(page, OFF_GS, 0, 0x93, 0xffff, 0);
        put_seg(page, OFF_GDTR, 0, 0, 0xffff, 0);
        put_seg(page, OFF_LDTR, 0, 0x82, 0xffff, 0);
        put_seg(page, OFF_IDTR, 0, 0, 0xffff, 0);
        put_seg(page, OFF_TR, 0, 0x8b, 0xffff, 0);
        put(page, OFF_EFER, 0x1000, 8);                 /* EFER.SVME, set by KVM */
        put(page, OFF_CR4, 0x40, 8);                    /* CR4.MCE, set by KVM */
        put(page, OFF_CR0, 0x10, 8);
        put(page, OFF_DR7, 0x400, 8);
        put(page, OFF_DR6, 0xffff0ff0, 8);
        put(page, OFF_RFLAGS, 0x2, 8);
        put(page, OFF_RIP, eip & 0xffff, 8);
        put(page, OFF_G_PAT, 0x0007040600070406ull, 8);
        put(page, OFF_RDX, vcpu_sig, 8);                /* the CPU signature, as at any x86 reset */
        put(page, OFF_SEV_FEATURES, sev_features, 8);
        put(page, OFF_XCR0, 0x1, 8);
        if (form == MEASURE_VMSA_INIT2) {
                put(page, OFF_MXCSR, 0x1f80, 4);
                put(page, OFF_X87_FCW, 0x37f, 2);
        }
}
