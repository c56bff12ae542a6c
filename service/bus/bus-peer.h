/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

/* A started peer-to-peer server on one end of a new socketpair, to serve the
 * daemon's objects without a bus daemon (--bus-introspect, tests). Connect a
 * client to *RET_PEER_FD and run bus_peer_serve() in a thread. */
int bus_peer_server_new(sd_bus **ret_server, int *ret_peer_fd);

/* Dispatch SERVER until the peer hangs up; a thread function (GThreadFunc, pthread). */
void *bus_peer_serve(void *server);
