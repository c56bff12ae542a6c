#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A D-Bus client with calls in flight, for the tests that show the order of replies: each request
line on stdin is sent at once, without waiting for earlier replies, and each reply is printed when
it arrives, so the order of the output lines is the order the service answered in.

Runs under a python3 that has python3-dbus and python3-gi (harness.dbus_python()), on the system bus
($DBUS_SYSTEM_BUS_ADDRESS). Requests are bus-call.py's, plus "id" (echoed in the reply) and "conn"
(a name: requests with the same name share one private connection, default "0"), optionally
"args_file" (a file holding the JSON args, for big ones) and "brief" (true: an empty "ok"):

  request  {"id": "slow", "conn": "a", "dest": ..., "path": ..., "iface": ..., "method": ...,
            "signature": ..., "args": [...]}
  reply    {"id": "slow", "ok": [out values]} or {"id": "slow", "error": "org.memcrypt1.Error.X", "message": "..."}

Prints "READY" first, once every connection named on the command line is open (those must exist
before the first request, so opening one is never what orders two calls).
"""

import importlib.util
import json
import os
import sys

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

_spec = importlib.util.spec_from_file_location(
    'bus_call', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'bus-call.py'))
bus_call = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bus_call)


def emit(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def main():
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    conns = {}

    def conn(name):
        if name not in conns:
            conns[name] = dbus.SystemBus(private=True)
        return conns[name]

    for name in sys.argv[1:] or ['0']:
        conn(name)

    def send(req):
        sigs = bus_call.split_signature(req.get('signature', ''))
        if 'args_file' in req:
            with open(req['args_file']) as f:
                req['args'] = json.load(f)
        args = [bus_call.to_dbus(s, a) for s, a in zip(sigs, req.get('args', []))]
        rid = req.get('id')

        def on_reply(*out):
            emit({'id': rid, 'ok': [] if req.get('brief') else [bus_call.from_dbus(x) for x in out]})

        def on_error(e):
            emit({'id': rid, 'error': e.get_dbus_name(), 'message': e.get_dbus_message() or ''})

        conn(req.get('conn', '0')).call_async(req['dest'], req['path'], req['iface'], req['method'],
                                              req.get('signature', ''), args, on_reply, on_error,
                                              timeout=req.get('timeout', 120))

    pending = [b'']

    def on_stdin(fd, cond):
        # os.read, not sys.stdin: Python's buffer would hold lines the fd no longer signals.
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return False
        pending[0] += chunk
        while b'\n' in pending[0]:
            line, pending[0] = pending[0].split(b'\n', 1)
            send(json.loads(line))
        return True

    GLib.io_add_watch(sys.stdin.fileno(), GLib.IO_IN | GLib.IO_HUP, on_stdin)
    emit('READY')
    GLib.MainLoop().run()


if __name__ == '__main__':
    main()
