/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "clear-strings.h"
#include "finding.h"

void finding_free(Finding *f) {
        if (!f)
                return;
        clear_strings(&f->code, &f->where, &f->message, NULL);
        g_free(f);
}
