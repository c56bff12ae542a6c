#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Faults of the host files between two refreshes, and configuration file errors (issue 7, the
faults that do not involve libvirt).

memcryptd serves a copy of milan-snp (SEV and SEV-SNP usable); the test breaks a file of that copy
the way a host can (the file disappears, becomes unreadable: a symlink loop gives ELOOP even to
root, a directory in its place), calls Refresh() and checks over the bus: the daemon still runs and
answers, no model stays "usable" on facts it could not read, and every affected model carries a
reason that names the file and what happened; the Manager's Health says degraded when a fact is
unreadable. Then the file comes back and the next Refresh() makes the models usable again.

Configuration errors run `memcryptd --config=FILE`: exit status 2 and one message naming the file
and the offending line (its text) or group, key and value. The full disk for --snapshot is
test-cli.sh's "full disk" case."""

import json
import os
import shutil
import tempfile

import harness
from harness import (MANAGER_IFACE, MANAGER_PATH, MODEL_IFACE, MODELS, World, check, eq, model_path, run,
                     tap_main)

REFRESH = ['org.memcrypt1.refresh']


def models(w):
    """{model: (usable, [(code, severity, message)])} over the bus."""
    out = {}
    for m in MODELS:
        p = w.get_all(model_path(m), MODEL_IFACE)
        out[m] = (p['Usable'][1], [(r[0], r[1], r[2]) for r in p['Reasons'][1]], p['SlotsTotal'][1])
    return out


def refresh(w):
    eq(w.call(MANAGER_PATH, MANAGER_IFACE, 'Refresh'), [], 'Refresh()')
    r = w.busctl('call', harness.BUS_NAME, MANAGER_PATH, 'org.freedesktop.DBus.Peer', 'Ping')
    eq(r.returncode, 0, 'Peer.Ping after Refresh() (%r)' % r)
    check(w.daemon.poll() is None, 'memcryptd exited with %s' % w.daemon.returncode)


def unreadable(path):
    """PATH becomes a symlink to itself: open() fails with ELOOP, for root too."""
    os.unlink(path)
    os.symlink(os.path.basename(path), path)


def restore(w, rel):
    src = os.path.join(w.src_root, rel)
    dst = os.path.join(w.root, rel)
    if os.path.isdir(dst) and not os.path.islink(dst):
        shutil.rmtree(dst)
    elif os.path.lexists(dst):
        os.unlink(dst)
    if os.path.isdir(src):
        shutil.copytree(src, dst, symlinks=True)
    else:
        shutil.copy2(src, dst)


def expect_unusable(w, affected, code, needles, health):
    """After the fault: AFFECTED models unusable with reason CODE whose message has every NEEDLE;
    the others as before; Health HEALTH; UsableModels consistent."""
    got = models(w)
    for m in affected:
        usable, reasons, slots = got[m]
        check(not usable, '%s still usable after the fault: %r' % (m, reasons))
        eq(slots, 0, '%s SlotsTotal after the fault' % m)
        hits = [r for r in reasons if r[0] == code and r[1] == 'error']
        check(hits, '%s has no %s error reason: %r' % (m, code, reasons))
        for n in needles:
            check(any(n in r[2] for r in hits), '%s: no %s reason mentions %r: %r' % (m, code, n, hits))
    mgr = w.get_all(MANAGER_PATH, MANAGER_IFACE)
    eq(mgr['Health'][1], health, 'Health after the fault')
    if health == 'degraded':
        check(mgr['HealthMessage'][1], 'a degraded Health has a message')
    eq(sorted(mgr['UsableModels'][1]), sorted(m for m in MODELS if got[m][0]), 'UsableModels')
    return got


def expect_recovered(w, before):
    got = models(w)
    eq({m: got[m][0] for m in MODELS}, {m: before[m][0] for m in MODELS}, 'Usable after the file came back')
    eq(w.get_property(MANAGER_PATH, MANAGER_IFACE, 'Health')[1], 'ok', 'Health after the file came back')


def fault_case(rel, breaker, affected, code, needles, health):
    def test():
        with World(host='milan-snp', mock_allowed=REFRESH) as w:
            before = models(w)
            eq([m for m in MODELS if before[m][0]], ['amd-sev', 'amd-sev-snp'], 'usable models on milan-snp')
            breaker(os.path.join(w.root, rel))
            refresh(w)
            expect_unusable(w, affected, code, needles, health)
            (describe,) = w.call(MANAGER_PATH, MANAGER_IFACE, 'Describe')
            check(code in describe, 'Describe() does not mention %s' % code)
            restore(w, rel)
            refresh(w)
            expect_recovered(w, before)
    return test


def test_misc_unreadable():
    """The kernel's misc cgroup counts win over CPUID and libvirt (docs/design.md): when misc.capacity is
    malformed or misc.current unreadable the counts that win are unknown, so every model is
    unusable with facts-unavailable naming both files."""
    with World(host='milan-snp', mock_allowed=REFRESH) as w:
        with open(os.path.join(w.root, 'sys/fs/cgroup/misc.capacity'), 'w') as f:
            f.write('sev zero\n')
        unreadable(os.path.join(w.root, 'sys/fs/cgroup/misc.current'))
        refresh(w)
        (describe,) = w.call(MANAGER_PATH, MANAGER_IFACE, 'Describe')
        check('misc.capacity' in describe and 'misc.current' in describe,
              'neither a reason nor a check names the malformed misc.capacity or the unreadable misc.current')
        eq(w.get_property(MANAGER_PATH, MANAGER_IFACE, 'UsableModels')[1], [], 'UsableModels without the kernel counts')
        for m in MODELS:
            reasons = w.get_property(model_path(m), MODEL_IFACE, 'Reasons')[1]
            check(any(r[0] == 'facts-unavailable' and 'misc.capacity' in r[2] and 'misc.current' in r[2]
                      for r in reasons), '%s: no facts-unavailable naming both files' % m, reasons)


# -- configuration file errors ------------------------------------------------------------------

CONFIGS = [
    ('a line that is no key=value', '[Service]\nNodeName=x\nthis is not a key\n', ['this is not a key']),
    ('a key before any group', 'NodeName=x\n', ['does not start with a group']),
    ('an unknown group', '[Servce]\nNodeName=x\n', ['[Servce]']),
    ('an unknown key', '[Service]\nLibvirtURL=qemu:///system\n', ["'LibvirtURL'", '[Service]']),
    ('a value out of range', '[Service]\nRefreshIntervalSec=0\n', ['[Service]', 'RefreshIntervalSec', "'0'"]),
    ('a policy that is not hexadecimal', '[Guests]\nPolicySEV=zz\n', ['[Guests]', 'PolicySEV', "'zz'"]),
    ('a policy its checks refuse', '[Guests]\nPolicySEV=0x37\n', ['PolicySEV', '0x37', 'ES bit']),
]


def config_case(text, needles):
    def test():
        d = tempfile.mkdtemp(prefix='memcrypt-conf.')
        try:
            path = os.path.join(d, 'memcryptd.conf')
            with open(path, 'w') as f:
                f.write(text)
            r = run([os.environ['MEMCRYPTD'], '--root=' + os.path.join(harness.HOSTS_DIR, 'milan-snp'),
                     '--config=' + path, '--dump'])
            eq(r.returncode, 2, 'exit status (%r)' % r)
            eq(r.stdout, '', 'nothing on stdout')
            lines = [l for l in r.stderr.split('\n') if l]
            eq(len(lines), 1, 'one line of error')
            for n in [path] + needles:
                check(n in lines[0], 'the message does not name %r: %s' % (n, lines[0]))
        finally:
            shutil.rmtree(d, ignore_errors=True)
    return test


def test_config_duplicate_key():
    """A key given twice: the last one counts, as in systemd's own configuration files (memcryptd.conf(5),
    DESCRIPTION); GKeyFile reads it so and memcryptd documents it rather than re-parse the file."""
    d = tempfile.mkdtemp(prefix='memcrypt-conf.')
    try:
        path = os.path.join(d, 'memcryptd.conf')
        with open(path, 'w') as f:
            f.write('[Service]\nNodeName=a\nNodeName=b\n')
        r = run([os.environ['MEMCRYPTD'], '--root=' + os.path.join(harness.HOSTS_DIR, 'milan-snp'),
                 '--config=' + path, '--dump'])
        eq(r.returncode, 0, 'exit status (%r)' % r)
        eq(json.loads(r.stdout)['node'], 'b', 'the node name from the last NodeName=')
    finally:
        shutil.rmtree(d, ignore_errors=True)


TESTS = [
    ('dev/sev.json disappears: every model unusable, psp-unavailable; back after it returns',
     fault_case('dev/sev.json', os.unlink, MODELS, 'psp-unavailable', ['/dev/sev'], 'ok')),
    ('dev/sev.json unreadable (ELOOP): psp-unavailable naming the file and the error, Health degraded',
     fault_case('dev/sev.json', unreadable, MODELS, 'psp-unavailable',
                ['/dev/sev.json', 'Too many levels of symbolic links'], 'degraded')),
    ('dev/sev.json replaced by a directory: psp-unavailable saying so, Health degraded',
     fault_case('dev/sev.json', lambda p: (os.unlink(p), os.mkdir(p)), MODELS, 'psp-unavailable',
                ['/dev/sev.json', 'is a directory'], 'degraded')),
    ('kvm_amd parameter sev_snp unreadable: amd-sev-snp unusable, facts-unavailable, Health degraded',
     fault_case('sys/module/kvm_amd/parameters/sev_snp', unreadable, ['amd-sev-snp'], 'facts-unavailable',
                ['kvm_amd.sev_snp', 'Too many levels of symbolic links'], 'degraded')),
    ('kvm_amd unloaded (sys/module/kvm_amd disappears): kvm-amd-not-loaded on every model',
     fault_case('sys/module/kvm_amd', shutil.rmtree, MODELS, 'kvm-amd-not-loaded', ['/sys/module/kvm_amd'], 'ok')),
    ('proc/cpuinfo disappears: facts-unavailable naming it, Health degraded',
     fault_case('proc/cpuinfo', os.unlink, MODELS, 'facts-unavailable', ['/proc/cpuinfo', 'No such file'],
                'degraded')),
    ('malformed misc.capacity, unreadable misc.current: facts-unavailable names both', test_misc_unreadable),
] + [('configuration with %s: exit 2, one message naming the file and the line' % name, config_case(t, n))
     for name, t, n in CONFIGS] + [
    ('configuration with a key given twice: the last one counts', test_config_duplicate_key),
]

if __name__ == '__main__':
    tap_main(TESTS)
