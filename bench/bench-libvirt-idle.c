/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reference for memcryptd's idle wakeups (bench/guests.py): the least a libvirt client that
 * follows domain events costs. It connects to URI with libvirt's default event loop, subscribes to
 * lifecycle events, sets no keepalive of its own, prints READY and runs the loop until killed.
 * What wakes it is libvirtd's own keepalive pings (libvirtd.conf keepalive_interval, 5 s by
 * default), which libvirtd sends every client that has an event loop.
 *
 * Usage: bench-libvirt-idle URI
 */
#include <stdio.h>
#include <libvirt/libvirt.h>

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque) {
        return 0;
}

int main(int argc, char *argv[]) {
        virConnectPtr conn;

        if (argc != 2)
                return fprintf(stderr, "usage: bench-libvirt-idle URI\n"), 2;
        if (virEventRegisterDefaultImpl() < 0 || !(conn = virConnectOpen(argv[1])))
                return fprintf(stderr, "cannot connect to %s\n", argv[1]), 1;
        if (virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                             VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), NULL, NULL) < 0)
                return fprintf(stderr, "cannot subscribe to lifecycle events\n"), 1;
        printf("READY\n");
        fflush(stdout);
        for (;;)
                if (virEventRunDefaultImpl() < 0)
                        return 1;
}
