/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "finding.h"

void finding_free(Finding *f) {
        if (!f)
                return;
        g_free(f->code);
        g_free(f->where);
        g_free(f->message);
        g_free(f);
}
