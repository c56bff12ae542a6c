/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bus-peer.h"
#include "bus-util.h"

int bus_peer_server_new(sd_bus **ret_server, int *ret_peer_fd) {
        _cleanup_(sd_bus_unrefp) sd_bus *server = NULL;
        sd_id128_t id;
        int fds[2], r;

        r = sd_id128_randomize(&id);
        if (r >= 0)
                r = sd_bus_new(&server);
        if (r >= 0)
                r = sd_bus_set_server(server, true, id);
        if (r < 0)
                return r;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
                return -errno;
        r = sd_bus_set_fd(server, fds[0], fds[0]);
        if (r < 0) {
                close(fds[0]);
                close(fds[1]);
                return r;
        }
        /* From here the server owns fds[0]. */
        r = sd_bus_start(server);
        if (r < 0) {
                close(fds[1]);
                return r;
        }
        *ret_server = g_steal_pointer(&server);
        *ret_peer_fd = fds[1];
        return 0;
}

void *bus_peer_serve(void *server) {
        for (;;) {
                int r = sd_bus_process(server, NULL);
                if (r < 0)
                        return NULL;    /* the peer hung up */
                if (r == 0 && sd_bus_wait(server, UINT64_MAX) < 0)
                        return NULL;
        }
}
