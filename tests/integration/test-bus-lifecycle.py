#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""memcryptd's life on a private system bus: READY=1 only once the name is ours, SIGTERM and
SIGINT exit 0 and release the name (seen by another client as NameOwnerChanged), a restart
gets the name back, --exit-on-idle exits by itself."""

import json
import os
import signal
import socket
import subprocess

from harness import (BUS_NAME, MANAGER_IFACE, MANAGER_PATH, TIMEOUT, World, check, eq, tap_main)


def owner(w):
    name, msg, _ = w.call_error('/org/freedesktop/DBus', 'org.freedesktop.DBus.GetNameOwner', "'%s'" % BUS_NAME,
                                dest='org.freedesktop.DBus')
    return None if name else msg.strip().strip("(',)")


def released(w, listener, old_owner, what):
    line = listener.wait_for(lambda l: json.loads(l).get('signal') == 'NameOwnerChanged'
                             and json.loads(l)['new'] == '')
    check(line, '%s: no NameOwnerChanged(org.memcrypt1, %s, "") seen: %r' % (what, old_owner, listener.lines))
    eq(json.loads(line)['old'], old_owner, '%s: the old owner in NameOwnerChanged' % what)
    eq(owner(w), None, '%s: owner of org.memcrypt1 afterwards' % what)


def stop_with(sig):
    with World(polkit='none') as w:
        listener = w.listen()
        first = owner(w)
        check(first and first.startswith(':'), 'org.memcrypt1 has no owner after READY=1: %r' % first)
        rc = w.stop_daemon(sig)
        eq(rc, 0, 'exit status after signal %d\n%s' % (sig, w.log('memcryptd')))
        released(w, listener, first, 'signal %d' % sig)


def test_ready_means_owned():
    """READY=1 comes after the name is acquired: a client may call at once."""
    with World(polkit='none', daemon=False) as w:
        w.root = w.src_root
        path = os.path.join(w.tmp, 'notify')
        w.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        w.notify.bind(path)
        w.daemon = w.spawn('memcryptd', [w.memcryptd, '--root=' + w.root], env=w.env(NOTIFY_SOCKET=path))
        w.wait_ready(w.daemon)
        check(owner(w), 'org.memcrypt1 has no owner when READY=1 arrives')
        eq(w.get_property(MANAGER_PATH, MANAGER_IFACE, 'NodeName'), ('s', 'milan-snp'), 'NodeName right after READY')


def test_restart():
    with World(polkit='none') as w:
        listener = w.listen()
        first = owner(w)
        eq(w.stop_daemon(), 0, 'first exit status')
        released(w, listener, first, 'first SIGTERM')
        w.notify.close()
        os.unlink(os.path.join(w.tmp, 'notify'))
        w.start_daemon()
        second = owner(w)
        check(second and second != first, 'the restarted daemon owns the name: %r' % second)
        eq(w.get_property(MANAGER_PATH, MANAGER_IFACE, 'Health'), ('s', 'ok'), 'Health after restart')
        eq(w.stop_daemon(), 0, 'second exit status')


def test_exit_on_idle():
    with World(polkit='none', daemon_args=['--exit-on-idle=1']) as w:
        listener = w.listen()
        first = owner(w)
        eq(w.get_property(MANAGER_PATH, MANAGER_IFACE, 'Health'), ('s', 'ok'), 'Health')
        try:
            rc = w.daemon.wait(timeout=TIMEOUT)        # it exits by itself; TIMEOUT is a guard
        except subprocess.TimeoutExpired:
            raise AssertionError('memcryptd --exit-on-idle=1 still runs after %gs' % TIMEOUT)
        eq(rc, 0, 'exit status after idling\n' + w.log('memcryptd'))
        released(w, listener, first, 'exit on idle')


TESTS = [
    ('READY=1 is sent once org.memcrypt1 is owned', test_ready_means_owned),
    ('SIGTERM: exit 0, the name is released', lambda: stop_with(signal.SIGTERM)),
    ('SIGINT: exit 0, the name is released', lambda: stop_with(signal.SIGINT)),
    ('restart on the same bus gets the name back', test_restart),
    ('--exit-on-idle=1: exits 0 by itself and releases the name', test_exit_on_idle),
]

if __name__ == '__main__':
    tap_main(TESTS)
