#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Callers that never read their replies cannot grow memcryptd (issue 15): two connections of one
unprivileged user send 60 ConfigureDomain calls each with a document of about 900 KiB (each answer
is as large) and never read an answer: about 100 MiB of replies nobody takes (the limits per
caller are raised so that every call is taken). memcryptd answers them, dbus-daemon holds what it
accepts for the caller within its own per-connection limit, and memcryptd's peak resident memory stays below the
issue's 128 MiB goal (the unit's MemoryMax= is 256 MiB): it keeps no reply queue of its own. Then
another client is answered: Ping, GetAll and a ConfigureDomain of its own."""

import json
import os
import shutil
import subprocess

from harness import HOSTS_DIR, MANAGER_IFACE, MANAGER_PATH, TIMEOUT, World, as_user, check, dbus_python, is_root, tap_main
from harness import Reader, Skip

CALLER_UID = 65534 if is_root() else None
FIXTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'domains', 'nova-q35.xml')
GOAL_KIB = 128 * 1024


def big_document():
    """nova-q35.xml with a description of about 900 KiB: the same shape, under the 1 MiB cap."""
    with open(FIXTURE) as f:
        doc = f.read()
    filler = '<description>%s</description>' % ('memcryptd ' * 92000)
    return doc.replace('</name>', '</name>' + filler, 1)


def vm_hwm_kib(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    return -1


def test_unread_replies():
    py = dbus_python()
    if not py:
        raise Skip('python3-dbus is not installed')
    with World(host='milan-snp', polkit='none', daemon=False) as w:
        # Every call is taken (the limits per caller are another test's), so every answer is a
        # large reply nobody reads.
        conf = os.path.join(w.tmp, 'memcryptd.conf')
        with open(conf, 'w') as f:
            f.write('[Service]\nMaxCallsPerUser=256\nMaxQueuedCalls=256\n')
        w.root = os.path.join(w.tmp, 'root')
        shutil.copytree(os.path.join(HOSTS_DIR, 'milan-snp'), w.root, symlinks=True)
        w.start_daemon(['--config=' + conf])
        path = os.path.join(w.tmp, 'big.xml')
        with open(path, 'w') as f:
            f.write(big_document())
        os.chmod(path, 0o644)
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'unread-calls.py')
        p = w.spawn('unread-calls', as_user(CALLER_UID) + [py, script, '2', '60', path], log=False,
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        rd = Reader(p)
        check(rd.wait_for(lambda l: l == 'SENT', timeout=6 * TIMEOUT) is not None, 'unread-calls.py sent nothing',
              rd.lines)
        # Another client, after the 120 calls were sent: each answer shows memcryptd still serves.
        c = w.async_calls()
        c.ping('ping')
        pong = c.reply()
        check(pong.get('id') == 'ping', 'Ping answered', pong)
        got = w.get_all(MANAGER_PATH, MANAGER_IFACE)
        check('Health' in got, 'GetAll answered', list(got))
        args = os.path.join(w.tmp, 'args.json')
        with open(args, 'w') as f:
            json.dump([big_document(), 'amd-sev', {}], f)
        c.send('own', 'ConfigureDomain', 'ssa{sv}', args_file=args, brief=True)
        own = c.reply(timeout=6 * TIMEOUT)
        check(own.get('id') == 'own' and 'ok' in own, 'another client\'s ConfigureDomain answered', own)
        hwm = vm_hwm_kib(w.daemon.pid)
        p.stdin.close()
        if sanitized(w.memcryptd):
            # AddressSanitizer keeps freed memory in quarantine (256 MiB): its RSS says nothing here.
            return 'answered; peak RSS not judged under AddressSanitizer (%d MiB)' % (hwm // 1024)
        check(0 < hwm < GOAL_KIB, 'memcryptd peak RSS %d KiB with ~100 MiB of unread replies (goal < %d KiB)' % (
            hwm, GOAL_KIB))
        return 'peak RSS %d MiB with 120 unread ~900 KiB replies' % (hwm // 1024)


def sanitized(binary):
    r = subprocess.run(['ldd', binary], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return b'libasan' in r.stdout


TESTS = [
    ('callers that never read 120 large replies: memcryptd stays small and answers others', test_unread_replies),
]

if __name__ == '__main__':
    tap_main(TESTS)
