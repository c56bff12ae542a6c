#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""OUR bus policy (dbus/org.memcrypt1.conf, included into a system-bus-like configuration) as
the real dbus-daemon enforces it."""

import os
import select
import socket
import subprocess

from harness import (BUS_NAME, HOSTS_DIR, MANAGER_IFACE, MANAGER_PATH, TIMEOUT, Skip, World, as_user, check, eq,
                     is_root, model_path, stop_process, tap_main)

DBUS = ('/org/freedesktop/DBus', 'org.freedesktop.DBus')
NOBODY = 65534


def request_name(w, uid):
    return w.call_error(DBUS[0], DBUS[1] + '.RequestName', "'%s'" % BUS_NAME, 'uint32 0', uid=uid,
                        dest='org.freedesktop.DBus')


def name_owner(w):
    name, msg, r = w.call_error(DBUS[0], DBUS[1] + '.GetNameOwner', "'%s'" % BUS_NAME, dest='org.freedesktop.DBus')
    return None if name else msg.strip()


def need_root():
    if not is_root():
        raise Skip('needs root to run clients as other uids')


def test_unprivileged_cannot_own():
    need_root()
    with World(polkit='none', daemon=False) as w:
        name, msg, _ = request_name(w, NOBODY)
        eq(name, 'org.freedesktop.DBus.Error.AccessDenied', 'RequestName(org.memcrypt1) as uid 65534')
        name, msg, _ = request_name(w, 1)
        eq(name, 'org.freedesktop.DBus.Error.AccessDenied', 'RequestName(org.memcrypt1) as uid 1')
        # root may (the rule is not just "nobody may")
        name, msg, _ = request_name(w, 0)
        eq((name, msg.strip()), (None, '(uint32 1,)'), 'RequestName(org.memcrypt1) as root')


def test_unprivileged_daemon_fails():
    """memcryptd started as an unprivileged uid cannot get its name: it exits non-zero without READY=1."""
    need_root()
    with World(polkit='none', daemon=False) as w:
        notify = os.path.join(w.tmp, 'notify-nobody')
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(notify)
        os.chmod(notify, 0o777)
        try:
            p = w.spawn('memcryptd-nobody', as_user(NOBODY) + [
                w.memcryptd, '--root=' + os.path.join(HOSTS_DIR, 'milan-snp')],
                env=w.env(NOTIFY_SOCKET=notify))
            try:
                rc = p.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                stop_process(p)
                raise AssertionError('memcryptd as uid 65534 kept running without its name')
            check(rc != 0, 'memcryptd as uid 65534 exited 0')
            rd, _, _ = select.select([s], [], [], 0)
            msgs = s.recv(4096).decode() if rd else ''
            check('READY=1' not in msgs, 'memcryptd as uid 65534 said READY=1: %r' % msgs)
            check('org.memcrypt1' in w.log('memcryptd-nobody'), 'the failure names the bus name: %r'
                  % w.log('memcryptd-nobody'))
        finally:
            s.close()
        eq(name_owner(w), None, 'owner of org.memcrypt1')


def test_cannot_steal():
    need_root()
    with World(polkit='none') as w:
        owner = name_owner(w)
        check(owner, 'org.memcrypt1 has no owner')
        name, msg, _ = w.call_error(DBUS[0], DBUS[1] + '.RequestName', "'%s'" % BUS_NAME, 'uint32 2', uid=NOBODY,
                                    dest='org.freedesktop.DBus')
        eq(name, 'org.freedesktop.DBus.Error.AccessDenied', 'RequestName(org.memcrypt1, REPLACE) as uid 65534')
        eq(name_owner(w), owner, 'owner of org.memcrypt1 after the attempt')


def test_other_interfaces_refused():
    """Calls to our name on interfaces other than ours and the standard ones are refused by the bus
    (AccessDenied naming the rejected message), for root and for other users."""
    uids = (0, NOBODY) if is_root() else (None,)
    with World(polkit='none') as w:
        for uid in uids:
            for path, method in ((MANAGER_PATH, 'org.memcrypt1.Secret.Dump'),
                                 (MANAGER_PATH, 'org.freedesktop.systemd1.Manager.Reboot'),
                                 (MANAGER_PATH, 'org.freedesktop.DBus.Debug.Stats.GetStats'),
                                 (model_path('amd-sev'), 'org.freedesktop.LogControl1.SetLogLevel')):
                name, msg, _ = w.call_error(path, method, uid=uid)
                eq(name, 'org.freedesktop.DBus.Error.AccessDenied', '%s as uid %s' % (method, uid))
                check('Rejected send message' in msg, 'refused by the bus, not the daemon: %r' % msg)
        check(w.daemon.poll() is None, 'memcryptd died')


def test_allowed_interfaces():
    """Our interfaces and Properties/Introspectable/Peer reach the daemon for any user."""
    uid = NOBODY if is_root() else None
    with World(polkit='none') as w:
        for path, method, args, want in (
                (MANAGER_PATH, 'org.freedesktop.DBus.Peer.Ping', (), '()'),
                (MANAGER_PATH, 'org.freedesktop.DBus.Introspectable.Introspect', (), 'org.memcrypt1.Manager'),
                (MANAGER_PATH, 'org.freedesktop.DBus.Properties.Get', ("'%s'" % MANAGER_IFACE, "'Health'"), "<'ok'>"),
                (model_path('amd-sev'), 'org.freedesktop.DBus.Properties.Get', ("'org.memcrypt1.Model'", "'Name'"),
                 "<'amd-sev'>"),
                (MANAGER_PATH, MANAGER_IFACE + '.GetModel', ("'amd-sev'",), model_path('amd-sev'))):
            name, out, r = w.call_error(path, method, *args, uid=uid)
            check(name is None and want in out, '%s as uid %s: %s %s' % (method, uid, name, out))


TESTS = [
    ('uid 65534 and uid 1 may not own org.memcrypt1; root may', test_unprivileged_cannot_own),
    ('memcryptd as uid 65534 exits non-zero without READY=1', test_unprivileged_daemon_fails),
    ('uid 65534 cannot take org.memcrypt1 over from memcryptd', test_cannot_steal),
    ('other interfaces on org.memcrypt1 are refused by the bus', test_other_interfaces_refused),
    ('our interfaces and Peer/Introspectable/Properties are allowed', test_allowed_interfaces),
]

if __name__ == '__main__':
    tap_main(TESTS)
