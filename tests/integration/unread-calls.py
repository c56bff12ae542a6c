#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A caller that never reads its replies: unread-calls.py CONNECTIONS CALLS DOCUMENT_FILE.

Opens CONNECTIONS private connections to the system bus ($DBUS_SYSTEM_BUS_ADDRESS) and sends
CALLS ConfigureDomain(DOCUMENT, "amd-sev", {}) on each without ever reading from them, then prints
"SENT" and waits for stdin to close, holding the connections (and the replies queued for them)."""

import sys

import dbus
import dbus.lowlevel


def main():
    n_conns, n_calls, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    with open(path) as f:
        doc = f.read()
    conns = [dbus.SystemBus(private=True) for _ in range(n_conns)]
    for c in conns:
        for _ in range(n_calls):
            m = dbus.lowlevel.MethodCallMessage('org.memcrypt1', '/org/memcrypt1', 'org.memcrypt1.Manager',
                                                'ConfigureDomain')
            m.append(doc, 'amd-sev', dbus.Dictionary({}, signature='sv'), signature='ssa{sv}')
            c.send_message(m)          # queued for the bus; the reply is never read
        c.flush()
    print('SENT', flush=True)
    sys.stdin.read()


if __name__ == '__main__':
    sys.exit(main())
