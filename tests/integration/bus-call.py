#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A D-Bus client for the integration tests that busctl and gdbus cannot be: method arguments of any
size (a command line argument is limited to 128 KiB) and a{sv} values with exact types.

Runs under a python3 that has python3-dbus (harness.dbus_python()), connects to the system bus
(DBUS_SYSTEM_BUS_ADDRESS) and answers one JSON line per request line on stdin:

  request  {"dest": "org.memcrypt1", "path": "/org/memcrypt1", "iface": "org.memcrypt1.Manager",
            "method": "ConfigureDomain", "signature": "ssa{sv}",
            "args": ["<domain .../>", "amd-sev", {"policy": ["t", 51], "keep_balloon": ["b", true]}]}
  reply    {"ok": [out values], "us": microseconds} or {"error": "org.memcrypt1.Error.X", "message": "...", "us": ...}

a{sv} values are [type, value] with type one of s, b, t, u, i, x, q, n, y, d; a{ss} are plain objects.
The time is measured around the call alone, so a caller can bound how long the service took.
"""

import json
import sys
import time

import dbus

VARIANT = {
    's': dbus.String, 'b': dbus.Boolean, 't': dbus.UInt64, 'u': dbus.UInt32, 'i': dbus.Int32,
    'x': dbus.Int64, 'q': dbus.UInt16, 'n': dbus.Int16, 'y': dbus.Byte, 'd': dbus.Double,
}


def split_signature(sig):
    """'ssa{sv}' -> ['s', 's', 'a{sv}']: the complete types of a signature."""
    out, i = [], 0
    while i < len(sig):
        j = i
        while sig[j] == 'a':
            j += 1
        if sig[j] in '({':
            depth = 0
            while True:
                depth += sig[j] in '({'
                depth -= sig[j] in ')}'
                j += 1
                if depth == 0:
                    break
        else:
            j += 1
        out.append(sig[i:j])
        i = j
    return out


def to_dbus(sig, value):
    if sig == 'a{sv}':
        d = dbus.Dictionary({}, signature='sv')
        for k, (t, v) in value.items():
            d[dbus.String(k)] = VARIANT[t](v, variant_level=1)
        return d
    if sig == 'a{ss}':
        return dbus.Dictionary({dbus.String(k): dbus.String(v) for k, v in value.items()}, signature='ss')
    if sig in VARIANT:
        return VARIANT[sig](value)
    raise ValueError('unsupported argument type %s' % sig)


def from_dbus(v):
    if isinstance(v, dbus.Boolean):
        return bool(v)
    if isinstance(v, (dbus.String, dbus.ObjectPath, dbus.Signature)):
        return str(v)
    if isinstance(v, (dbus.Byte, dbus.Int16, dbus.UInt16, dbus.Int32, dbus.UInt32, dbus.Int64, dbus.UInt64)):
        return int(v)
    if isinstance(v, dbus.Double):
        return float(v)
    if isinstance(v, dbus.Dictionary):
        return {str(k): from_dbus(x) for k, x in v.items()}
    if isinstance(v, (dbus.Array, dbus.Struct, list, tuple)):
        return [from_dbus(x) for x in v]
    return v


def main():
    bus = dbus.SystemBus()
    for line in sys.stdin:
        req = json.loads(line)
        sigs = split_signature(req.get('signature', ''))
        args = [to_dbus(s, a) for s, a in zip(sigs, req.get('args', []))]
        t0 = time.monotonic()
        try:
            out = bus.call_blocking(req['dest'], req['path'], req['iface'], req['method'],
                                    req.get('signature', ''), args, timeout=req.get('timeout', 60))
            us = (time.monotonic() - t0) * 1e6
            if out is None:
                out = []
            elif type(out) is not tuple:     # one value (a dbus.Struct is a tuple subclass)
                out = [out]
            reply = {'ok': [from_dbus(x) for x in out], 'us': us}
        except dbus.exceptions.DBusException as e:
            us = (time.monotonic() - t0) * 1e6
            reply = {'error': e.get_dbus_name(), 'message': e.get_dbus_message() or '', 'us': us}
        sys.stdout.write(json.dumps(reply) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
