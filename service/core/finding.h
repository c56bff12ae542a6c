/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What ValidateDomain reports, one finding per thing wrong with a domain (domain.h); the rules
 * (domain-job.h) record them. */

#include "model.h"

/* ValidateDomain lists at most this many findings, then one "more-findings" saying how many more
 * (a real domain has a few dozen at most: one per virtio device and rule). */
#define DOMAIN_FINDINGS_MAX 256u

typedef struct {
        Severity severity;      /* error: will not launch (or not safely); warning: would change it */
        char *code;             /* stable: "machine-type", "virtio-iommu", a reason code, ... */
        char *where;            /* XPath of the element, e.g. "/domain/devices/disk[2]" */
        char *message;          /* what is wrong and the fix */
} Finding;

void finding_free(Finding *f);
