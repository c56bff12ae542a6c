/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * libvirt's event loop on sd-event: virEventRegisterImpl() with handle
 * callbacks backed by sd-event io sources and timeout callbacks backed by
 * CLOCK_MONOTONIC time sources. No thread: libvirt's keepalive, its RPC
 * socket and its event dispatch all run on the daemon's loop.
 *
 * libvirt keeps one implementation per process, and it must be in place
 * before the first connection is opened.
 */

#include <systemd/sd-event.h>

/* Install the implementation on EVENT (referenced until the process ends).
 * Only the first call registers; later calls with another loop fail with -EBUSY. */
int libvirt_events_register(sd_event *event);

/* Live io and time sources created for libvirt (for tests and leak checks). */
unsigned libvirt_events_active_handles(void);
unsigned libvirt_events_active_timeouts(void);
