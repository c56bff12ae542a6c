#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The size on the wire of every signal org.memcrypt1 sends, for bench/guests.py (issue 17: the
largest PropertiesChanged within 4 KiB whatever the number of guests).

A client of the system bus ($DBUS_SYSTEM_BUS_ADDRESS) that subscribes to org.memcrypt1's signals and
measures each as GDBus marshals it (GDBusMessage.to_blob(): header and body, the bytes dbus-daemon
forwards). Prints READY once the match is installed; when its standard input closes, prints one
JSON object {member: {"count": N, "max_bytes": B}} and exits. Needs python3-gi (/usr/bin/python3)."""

import json
import sys
import threading

import gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

lock = threading.Lock()
seen = {}


def on_message(conn, msg, incoming):
    # The bus's own signals to this client (NameAcquired) are not memcryptd's.
    if (incoming and msg.get_message_type() == Gio.DBusMessageType.SIGNAL and
            msg.get_sender() != 'org.freedesktop.DBus'):
        size = len(msg.to_blob(Gio.DBusCapabilityFlags.NONE))
        with lock:
            s = seen.setdefault(msg.get_member(), {'count': 0, 'max_bytes': 0})
            s['count'] += 1
            s['max_bytes'] = max(s['max_bytes'], size)
    return msg


def main():
    conn = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
    conn.add_filter(on_message)
    conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'AddMatch',
                   GLib.Variant('(s)', ("type='signal',sender='org.memcrypt1'",)), None,
                   Gio.DBusCallFlags.NONE, -1, None)
    print('READY', flush=True)
    sys.stdin.read()
    conn.flush_sync(None)
    with lock:
        print(json.dumps(seen), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
