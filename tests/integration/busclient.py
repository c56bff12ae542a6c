# SPDX-License-Identifier: LGPL-2.1-or-later
"""One bus-call.py (python3-dbus) per World: method calls with exact argument types and any size,
their replies or error names as JSON. Used by test-domain-xml and the conformance suite."""

import json
import os
import subprocess
import time

import harness
from harness import (BUS_NAME, MANAGER_IFACE, MANAGER_PATH, MODEL_IFACE, TIMEOUT, HarnessError, Reader, check,
                     dbus_python, model_path)

ERR = 'org.memcrypt1.Error.'


class Bus:
    def __init__(self, w):
        self.w = w
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'bus-call.py')
        self.proc = subprocess.Popen([dbus_python(), script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=open(os.path.join(w.tmp, 'bus-call.log'), 'wb'), env=w.env(),
                                     preexec_fn=harness._pdeathsig)
        w.procs.append(('bus-call', self.proc))
        w.logs['bus-call'] = os.path.join(w.tmp, 'bus-call.log')
        self.reader = Reader(self.proc)

    def call(self, method, signature='', *args, path=MANAGER_PATH, iface=MANAGER_IFACE, dest=BUS_NAME):
        req = {'dest': dest, 'path': path, 'iface': iface, 'method': method, 'signature': signature,
               'args': list(args)}
        self.proc.stdin.write((json.dumps(req) + '\n').encode())
        self.proc.stdin.flush()
        line = self.reader.next_line(time.monotonic() + TIMEOUT * 3)
        if line is None:
            raise HarnessError('no reply to %s within %gs\n%s' % (method, TIMEOUT * 3, self.w.all_logs()))
        return json.loads(line)

    def ok(self, method, signature='', *args, **kw):
        r = self.call(method, signature, *args, **kw)
        if 'error' in r:
            raise AssertionError('%s failed: %s: %s' % (method, r['error'], r['message']))
        return r['ok']

    def fails(self, want, method, signature='', *args, what='', **kw):
        """The call must fail with org.memcrypt1.Error.WANT (or a full name); returns the reply."""
        r = self.call(method, signature, *args, **kw)
        name = want if '.' in want else ERR + want
        if 'error' not in r:
            raise AssertionError('%s%s succeeded; want %s. Reply:\n%s' % (
                method, ' (' + what + ')' if what else '', name, str(r['ok'])[:3000]))
        check(r['error'] == name, '%s%s: error %s (%s), want %s' % (
            method, ' (' + what + ')' if what else '', r['error'], r['message'], name))
        check(r['message'].strip(), '%s: %s without a message' % (method, name))
        return r

    def configure(self, xml, model, options=None):
        return self.ok('ConfigureDomain', 'ssa{sv}', xml, model, options or {})[0]

    def validate(self, xml, options=None):
        return [tuple(f) for f in self.ok('ValidateDomain', 'sa{sv}', xml, options or {})[0]]

    def generate(self, model, options=None):
        return self.ok('GenerateLaunchSecurity', 'sa{sv}', model, options or {})[0]

    def model_props(self, model):
        (props,) = self.ok('GetAll', 's', MODEL_IFACE, path=model_path(model),
                           iface='org.freedesktop.DBus.Properties')
        return props

    def ping(self):
        r = self.w.busctl('call', BUS_NAME, MANAGER_PATH, 'org.freedesktop.DBus.Peer', 'Ping')
        check(r.returncode == 0, 'Peer.Ping failed: %r' % r)
        check(self.w.daemon.poll() is None, 'memcryptd exited (%s)' % self.w.daemon.returncode)
