/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/*
 * Version strings as libvirt and snapshots write them ("10.5.0", "9.2.0",
 * also "7.2.0 (Debian 1:7.2+dfsg-7)"). Missing components count as 0.
 * Returns false for a string that does not start with a number.
 */
bool version_parse(const char *s, unsigned out[3]);

/* Whether S is at least MAJOR.MINOR.MICRO; false when S is NULL or unparsable. */
bool version_at_least(const char *s, unsigned major, unsigned minor, unsigned micro);
