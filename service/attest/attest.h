/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * org.memcrypt1.Attestation without the bus: GetPlatformInfo(),
 * GetLaunchMeasurement() and InjectLaunchSecret() as functions of the host
 * facts and an AttestLibvirt backend, answering a{sv} GVariants or an
 * ApiError with a message. The host publishes inputs and relays blobs; it
 * never judges a measurement or a secret on the guest owner's behalf.
 *
 * LV may be NULL: libvirt is unavailable, and NO_LIBVIRT says why (that
 * sentence becomes the LibvirtUnavailable message, or an "unavailable" entry).
 */

#include <stdbool.h>
#include <stdint.h>

#include "attest-expected.h"
#include "attest-libvirt.h"
#include "facts.h"

/* The largest decoded launch secret accepted (the SEV API leaves it to the guest's secret area). */
#define ATTEST_SECRET_MAX (64u * 1024u)
/* SEV API LAUNCH_SECRET packet header: FLAGS (4) ‖ IV (16) ‖ MAC (32). */
#define ATTEST_SECRET_HEADER_SIZE 52u

/* Whether libvirt counts a domain in state S as active (running, paused, ...). */
bool attest_domain_state_is_active(AttestDomainState s);

/* ---- GetPlatformInfo ---------------------------------------------------- */

/* A TCB_VERSION as a{sv}: boot_loader, tee, snp, microcode (and fmc on Turin and later) as u, raw as t. */
GVariant *attest_tcb_variant(const TcbVersion *t, uint64_t raw);

/*
 * https://kdsintf.amd.com/vcek/v1/{Milan|Genoa|Turin}/{hwid}?... for the chip id CHIP_ID
 * (64 bytes, from GET_ID2 / libvirt's cpu0-id) and the REPORTED TCB, as AMD's key
 * distribution service documents it. NULL with *WHY when the generation has no
 * KDS product name or the chip id does not fit.
 */
char *attest_vcek_url(CpuGeneration gen, const uint8_t *chip_id, size_t len, const TcbVersion *reported,
                      char **why);

/* The whole answer of GetPlatformInfo(); never fails: what is unknown is listed under "unavailable". */
GVariant *attest_platform_info(const HostFacts *f, AttestLibvirt *lv, const char *no_libvirt);

/* ---- GetLaunchMeasurement ----------------------------------------------- */

/* Also the expected digest (expected_measurement) of the domain's XML on this host, through CACHE (may be NULL). */
ApiError attest_launch_measurement(const HostFacts *f, AttestLibvirt *lv, const char *no_libvirt,
                                   ExpectedCache *cache, const char *domain, GVariant **ret, char **message);

/* ---- InjectLaunchSecret ------------------------------------------------- */

typedef struct {
        const char *domain;
        const char *header;             /* base64, checked */
        const char *secret;             /* base64, checked */
        bool has_address;
        uint64_t address;               /* guest physical address of the secret area */
        bool resume;
} InjectRequest;

/* Checks the arguments (before authorization, so a bad call never asks polkit); *RET points into them. */
ApiError attest_inject_parse(const char *domain, const char *header, const char *secret, GVariant *options,
                             InjectRequest *ret, char **message);

/* The domain must exist, be paused and launched as SEV or SEV-ES. */
ApiError attest_inject(AttestLibvirt *lv, const char *no_libvirt, const InjectRequest *req, char **message);
