/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What makes the daemon look at the host again, besides the refresh timer
 * and libvirt's events: inotify on the QEMU firmware descriptor directories
 * (and, on a snapshot, on every directory that holds facts, so editing a
 * snapshot file changes the "host"), and kernel module add/remove uevents
 * for kvm_amd and ccp. A burst of changes becomes one refresh.
 */

#include "context.h"

typedef struct Watchers Watchers;

/* Watch C's host root on C's loop; a burst of changes asks libvirt again
 * (context_reprobe_libvirt()) and ends in one CHANGED(USERDATA), which refreshes
 * (the daemon signals what moved: bus_refresh()). Never NULL. */
Watchers *watchers_new(Context *c, void (*changed)(void *userdata), void *userdata);
Watchers *watchers_free(Watchers *w);

/* Watch directories that appeared since the last call (a firmware directory
 * created after start, a kvm_amd parameters directory after a module load). */
void watchers_sync(Watchers *w);

/* Directories under watch now (tests). */
unsigned watchers_count(const Watchers *w);
