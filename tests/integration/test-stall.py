#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""memcryptd never stalls its bus (issue 15): slow work runs off the event loop, libvirt calls have a
deadline, and one caller cannot take more than its share.

Every case shows order, not time: a client (async-calls.py, as uid 65534) sends the slow call and then
cheap ones, and the replies are read in the order memcryptd sent them. A hung libvirtd is the test's
own libvirtd (libvirtd.py) stopped with SIGSTOP: a call waiting on it cannot come back before the
test sends SIGCONT or the deadline passes, so a cheap call answered meanwhile was answered while it
was outstanding."""

import json
import os
import shutil
import signal

from harness import HOSTS_DIR, MANAGER_IFACE, MANAGER_PATH, TIMEOUT, World, check, eq, is_root, tap_main
from libvirtd import Libvirtd

CALLER_UID = 65534 if is_root() else None
ATTEST_IFACE = 'org.memcrypt1.Attestation'
ERR = 'org.memcrypt1.Error.'


def write_config(w, text):
    path = os.path.join(w.tmp, 'memcryptd.conf')
    with open(path, 'w') as f:
        f.write(text)
    return '--config=' + path


def start_memcryptd(w, host, *args):
    w.root = os.path.join(w.tmp, 'root')
    shutil.copytree(os.path.join(HOSTS_DIR, host), w.root, symlinks=True)
    w.start_daemon(list(args))


def wait_change(rd, name, value):
    def match(line):
        o = json.loads(line)
        return (o['signal'] == 'PropertiesChanged' and o['path'] == MANAGER_PATH and name in o['changed']
                and o['changed'][name] == value)
    line = rd.wait_for(match, timeout=3 * TIMEOUT)
    check(line is not None, 'no PropertiesChanged with %s=%r; saw %r' % (name, value, rd.lines))
    return json.loads(line)['changed']


def test_hashing_off_the_loop():
    """GetLaunchMeasurement hashing a 512 MiB kernel (the largest it hashes) in a snapshot: a
    second connection's Ping and GetAll are answered before the measurement."""
    with World(host='milan-attest', polkit='none', daemon=False) as w:
        w.root = os.path.join(w.tmp, 'root')
        shutil.copytree(os.path.join(HOSTS_DIR, 'milan-attest'), w.root, symlinks=True)
        kernel = os.path.join(w.root, 'var/lib/libvirt/boot/vmlinuz-guest')
        with open(kernel, 'wb') as f:
            f.truncate(512 * 1024 * 1024)           # zeros, sparse: no disk used, all of it hashed
        w.start_daemon()
        c = w.async_calls(('slow', 'quick'), uid=CALLER_UID)
        c.send('measure', 'GetLaunchMeasurement', 's', ['es-paused'], iface=ATTEST_IFACE, conn='slow')
        c.ping('ping', conn='quick')
        c.get_all('getall', conn='quick')
        got = c.replies(3, timeout=6 * TIMEOUT)
        eq([r['id'] for r in got], ['ping', 'getall', 'measure'], 'the order of the replies')
        check('ok' in got[2] and got[2]['ok'][0]['kernel_sha256'] ==
              '9acca8e8c22201155389f65abbf6bc9723edc7384ead80503839f49dcc56d767',
              'the measurement hashed the whole 512 MiB', got[2])
    return 'Ping, GetAll, then the 512 MiB measurement'


def test_libvirtd_stopped_during_call():
    """libvirtd stopped under a call: Ping, GetAll and Describe are answered while it is out, the call
    ends with LibvirtUnavailable after the deadline (LibvirtTimeoutSec=2), LibvirtConnected false and
    Health degraded are signalled, and after SIGCONT memcryptd recovers by itself and signals it."""
    with World(host='milan-snp-off', polkit='none', daemon=False) as w:
        lv = Libvirtd(w).start()
        conf = write_config(w, '[Service]\nLibvirtTimeoutSec=2\n')
        start_memcryptd(w, 'milan-snp-off', '--libvirt-uri=' + lv.uri, conf)
        lv.create_tcg('tcg-s')
        rd = w.listen(uid=CALLER_UID)
        c = w.async_calls(('slow', 'quick'), uid=CALLER_UID)
        lv.libvirtd.send_signal(signal.SIGSTOP)
        try:
            c.send('measure', 'GetLaunchMeasurement', 's', ['tcg-s'], iface=ATTEST_IFACE, conn='slow')
            c.ping('ping', conn='quick')
            c.get_all('getall', conn='quick')
            c.send('describe', 'Describe', conn='quick')
            got = c.replies(4)
            eq([r['id'] for r in got], ['ping', 'getall', 'describe', 'measure'], 'the order of the replies')
            eq(got[3].get('error'), ERR + 'LibvirtUnavailable', 'the stuck call (%r)' % got[3])
            # The call's deadline ends it: libvirt's keepalive (from RefreshIntervalSec, 60 s) would
            # close the silent connection only after 120 s.
            check('did not answer within 2 s' in got[3]['message'], 'the message', got[3])
            changed = wait_change(rd, 'LibvirtConnected', False)
            eq(changed.get('Health'), 'degraded', 'Health with LibvirtConnected=false')
            message = w.get_property(MANAGER_PATH, MANAGER_IFACE, 'HealthMessage')[1]
            check('did not answer within 2 s' in message, 'HealthMessage names the deadline: %r' % message)
            # While it stays stopped, a call fails at once instead of waiting out the deadline again.
            c.send('again', 'GetLaunchMeasurement', 's', ['tcg-s'], iface=ATTEST_IFACE, conn='slow')
            c.ping('ping2', conn='quick')
            got = c.replies(2)
            eq(sorted(r['id'] for r in got), ['again', 'ping2'], 'replies')
            again = [r for r in got if r['id'] == 'again'][0]
            eq(again.get('error'), ERR + 'LibvirtUnavailable', 'a call while libvirtd is known stuck (%r)' % again)
        finally:
            lv.libvirtd.send_signal(signal.SIGCONT)
        changed = wait_change(rd, 'LibvirtConnected', True)
        eq(changed.get('Health'), 'ok', 'Health after libvirtd answers again')
        c.send('after', 'GetLaunchMeasurement', 's', ['tcg-s'], iface=ATTEST_IFACE)
        got = c.reply()
        eq(got.get('error'), ERR + 'ModelUnsupported', 'the call after recovery reaches libvirt (%r)' % got)
    return 'Ping/GetAll/Describe before the stuck call; LibvirtUnavailable; degraded, then ok'


def test_libvirtd_stopped_idle():
    """libvirtd stopped with nothing asked of it: libvirt's keepalive, set by RefreshIntervalSec=1
    (a ping after 1 s of silence, closed when it is not answered: memcryptd.conf(5)), closes the
    connection, LibvirtConnected false is signalled with that reason, and after SIGCONT memcryptd
    reconnects by itself. Shows the keepalive follows the configured interval: its reason names the
    2 s it waited, which the default (120 s) would not."""
    with World(host='milan-snp-off', polkit='none', daemon=False) as w:
        lv = Libvirtd(w).start()
        conf = write_config(w, '[Service]\nRefreshIntervalSec=1\n')
        start_memcryptd(w, 'milan-snp-off', '--libvirt-uri=' + lv.uri, conf)
        rd = w.listen(uid=CALLER_UID)
        # A loaded machine may take longer than the start-up wait for the first connection:
        # stop libvirtd only once memcryptd is connected (keepalive runs from then on).
        if not w.get_property(MANAGER_PATH, MANAGER_IFACE, 'LibvirtConnected')[1]:
            wait_change(rd, 'LibvirtConnected', True)
        lv.libvirtd.send_signal(signal.SIGSTOP)
        try:
            changed = wait_change(rd, 'LibvirtConnected', False)
            eq(changed.get('Health'), 'degraded', 'Health with LibvirtConnected=false')
            message = w.get_property(MANAGER_PATH, MANAGER_IFACE, 'HealthMessage')[1]
            check('no answer to keepalive pings for 2 s' in message, 'HealthMessage names the keepalive: %r' % message)
        finally:
            lv.libvirtd.send_signal(signal.SIGCONT)
        changed = wait_change(rd, 'LibvirtConnected', True)
        eq(changed.get('Health'), 'ok', 'Health once libvirtd answers again')
    return 'closed by keepalive after 2 s of silence (RefreshIntervalSec=1), reconnected after SIGCONT'


def test_busy_per_caller():
    """One caller with MaxCallsPerUser (4) calls held by a stopped libvirtd: its fifth gets Busy at
    once, before any of the four returns; another user's ValidateDomain is answered meanwhile."""
    with World(host='milan-snp-off', polkit='none', daemon=False) as w:
        lv = Libvirtd(w).start()
        conf = write_config(w, '[Service]\nLibvirtTimeoutSec=60\n')
        start_memcryptd(w, 'milan-snp-off', '--libvirt-uri=' + lv.uri, conf)
        lv.create_tcg('tcg-b')
        c = w.async_calls(uid=CALLER_UID)
        other = w.async_calls(uid=None if CALLER_UID is None else 0)
        lv.libvirtd.send_signal(signal.SIGSTOP)
        try:
            for i in range(5):
                c.send('m%d' % i, 'GetLaunchMeasurement', 's', ['tcg-b'], iface=ATTEST_IFACE)
            first = c.reply()
            eq(first['id'], 'm4', 'the first reply is the fifth call')
            eq(first.get('error'), ERR + 'Busy', 'the fifth call (%r)' % first)
            check('MaxCallsPerUser=4' in first['message'], 'Busy names the limit', first)
            if CALLER_UID is not None:
                other.send('v', 'ValidateDomain', 'sa{sv}', ["<domain type='kvm'><name>x</name></domain>", {}])
                got = other.reply()
                check('ok' in got, 'another user\'s ValidateDomain while the four wait', got)
            c.ping('ping')
            eq(c.reply()['id'], 'ping', 'Ping while the four wait')
        finally:
            lv.libvirtd.send_signal(signal.SIGCONT)
        got = c.replies(4, timeout=4 * TIMEOUT)
        eq(sorted(r['id'] for r in got), ['m0', 'm1', 'm2', 'm3'], 'the four calls')
        for r in got:
            eq(r.get('error'), ERR + 'ModelUnsupported', 'each of the four after SIGCONT (%r)' % r)
        c.send('m5', 'GetLaunchMeasurement', 's', ['tcg-b'], iface=ATTEST_IFACE)
        eq(c.reply().get('error'), ERR + 'ModelUnsupported', 'a call once the four are answered')
    return 'Busy for the fifth call of one user; another user and Ping answered'


TESTS = [
    ('GetLaunchMeasurement hashing 512 MiB: Ping and GetAll answered first', test_hashing_off_the_loop),
    ('libvirtd stopped during a call: answers meanwhile, LibvirtUnavailable at the deadline, degraded, recovery',
     test_libvirtd_stopped_during_call),
    ('libvirtd stopped, nothing asked: keepalive (from RefreshIntervalSec) closes, reconnect after SIGCONT',
     test_libvirtd_stopped_idle),
    ('MaxCallsPerUser: the fifth call of one user is Busy at once', test_busy_per_caller),
]

if __name__ == '__main__':
    tap_main(TESTS)
