#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A D-Bus client that sends any arguments at all, for the bad-input test: the arguments are one
GVariant text tuple, so any signature can be sent, including the wrong one for a method, nested
variants in an a{sv} and strings of any size (busctl and gdbus check or coerce types; gdbus
introspects first).

Runs under a python3 with python3-gi (harness.dbus_python()), connects to the system bus
($DBUS_SYSTEM_BUS_ADDRESS) and answers one JSON line per request line on stdin:

  request  {"path": "/org/memcrypt1", "iface": "org.memcrypt1.Manager", "method": "GetModel",
            "args": "('amd-bogus',)"}                 (optional "dest", default org.memcrypt1;
                                                        "args_file": a file holding the args text)
  reply    {"ok": "<the reply printed as GVariant text>"}
        or {"error": "org.memcrypt1.Error.UnknownModel", "message": "..."}
"""

import json
import sys

import gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402


def main():
    bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
    for line in sys.stdin:
        req = json.loads(line)
        text = req.get('args', '()')
        if 'args_file' in req:
            with open(req['args_file']) as f:
                text = f.read()
        params = GLib.Variant.parse(None, text, None, None)
        try:
            out = bus.call_sync(req.get('dest', 'org.memcrypt1'), req['path'], req['iface'], req['method'],
                                params, None, Gio.DBusCallFlags.NO_AUTO_START, req.get('timeout_ms', 60000), None)
            reply = {'ok': out.print_(True) if out is not None else '()'}
        except GLib.Error as e:
            name = Gio.DBusError.get_remote_error(e)
            Gio.DBusError.strip_remote_error(e)
            reply = {'error': name or 'local:' + str(e.domain), 'message': e.message}
        sys.stdout.write(json.dumps(reply) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
