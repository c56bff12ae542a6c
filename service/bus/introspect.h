/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Write DIR/org.memcrypt1.Manager.xml and DIR/org.memcrypt1.Model.xml: the
 * interfaces as the daemon introspects them, without any bus. Returns an exit status. */
int bus_introspect_write(const char *dir);
