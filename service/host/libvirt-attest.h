/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The attestation methods' libvirt backend in the daemon: each call runs the
 * live backend (attest-libvirt-live.c) on the libvirt keeper's thread, with
 * its deadline, and waits for it on the calling worker thread. Arguments and
 * results are copied across, so a call given up at the deadline leaves
 * nothing of the caller's behind.
 */

#include "attest-libvirt.h"
#include "libvirt-keeper.h"

/* For a worker thread, never the loop; K is borrowed. */
AttestLibvirt *attest_libvirt_keeper_new(LibvirtKeeper *k);
