#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Signals seen by other clients: change the snapshot copy under a running memcryptd, call
Refresh() as root, and check what `memcryptctl monitor` (text, as uid 65534, and --json=short)
and a python3-dbus listener (as uid 65534) printed against the difference of two
`memcryptd --root=SAME --dump` runs: PropertiesChanged per object with exactly the changed
property names (and, for the listener, the new values), then CapabilitiesChanged with exactly
the models whose Usable/Reasons/slots changed."""

import json
import os
import re
import shlex
import time

from expect import CAPABILITY_PROPERTIES, changed, manager_expected, manager_get_all_expected, model_expected
from harness import (MANAGER_IFACE, MANAGER_PATH, MODEL_IFACE, MODELS, TIMEOUT, Skip, World, check, eq, is_root,
                     model_path, tap_main)
import harness

PATH_MODEL = {model_path(m): m for m in MODELS}


def monitor_argv(*extra):
    if not harness.MEMCRYPTCTL:
        return None
    return [harness.MEMCRYPTCTL, 'monitor'] + list(extra)


class Client:
    """One subscribed client and the events it printed, normalised to
    (member, path, interface, names, values-or-None)."""

    def __init__(self, w, kind, uid):
        self.kind, self.uid = kind, uid
        if kind == 'listen':
            self.reader = w.listen(uid=uid)
        else:
            argv = monitor_argv('--json=short') if kind == 'monitor-json' else monitor_argv()
            if argv is None:
                raise AssertionError('memcryptctl was not built (no --memcryptctl PATH)')
            self.reader = w.background(kind, argv, uid=uid)
            line = self.reader.wait_for(lambda l: l.startswith('Monitoring org.memcrypt1'))
            check(line, '%s did not print "Monitoring org.memcrypt1": %r' % (kind, self.reader.lines))

    def parse(self, line):
        if self.kind == 'listen':
            o = json.loads(line)
            if o['signal'] == 'PropertiesChanged':
                return ('PropertiesChanged', o['path'], o['interface'], frozenset(o['changed']) | frozenset(
                    o['invalidated']), o['changed'])
            if o['signal'] == 'CapabilitiesChanged':
                return ('CapabilitiesChanged', o['path'], MANAGER_IFACE, tuple(o['models']), None)
            return None
        if line.startswith('Monitoring '):
            return None
        if self.kind == 'monitor-json':
            o = json.loads(line)
            path, iface, member, names = o['path'], o['interface'], o['member'], o['names']
            if member == 'PropertiesChanged':
                eq(sorted(o.get('values', {})), sorted(names), 'monitor --json: a value for each name')
        else:
            # "HH:MM:SS.mmm OBJECT NAME=VALUE..." or "HH:MM:SS.mmm manager CapabilitiesChanged MODEL..."
            parts = shlex.split(line)
            check(re.match(r'^\d\d:\d\d:\d\d\.\d{3}$', parts[0]), 'monitor line without a timestamp: %r' % line)
            manager = parts[1] == 'manager'
            path = MANAGER_PATH if manager else harness.model_path(parts[1])
            if parts[2] == 'CapabilitiesChanged':
                member, iface, names = 'CapabilitiesChanged', MANAGER_IFACE, parts[3:]
            else:
                member, iface = 'PropertiesChanged', MANAGER_IFACE if manager else MODEL_IFACE
                names = [p.split('=', 1)[0] for p in parts[2:]]
                check(all('=' in p for p in parts[2:]), 'monitor line without values: %r' % line)
        if member == 'PropertiesChanged':
            return (member, path, iface, frozenset(names), None)
        return (member, path, iface, tuple(names), None)

    def events_until(self, done, what):
        """Events not yet consumed, up to and including the first one DONE accepts."""
        events = []
        first = self.reader.pos
        deadline = time.monotonic() + TIMEOUT
        while True:
            line = self.reader.next_line(deadline)
            check(line is not None, '%s (uid %s) never printed the end of %s; got %r' % (
                self.kind, self.uid, what, self.reader.lines[first:]))
            ev = self.parse(line)
            if ev is None:
                continue
            events.append(ev)
            if done(ev):
                return events


def expect_signals(clients, before, after, what):
    mgr, models = changed(before, after)
    caps = tuple(m for m in MODELS if models.get(m, set()) & CAPABILITY_PROPERTIES)
    check(mgr or models, 'the edit for %s changed nothing in --dump' % what)
    if caps:
        def done(ev):
            return ev[0] == 'CapabilitiesChanged'
    else:
        def done(ev):
            return ev[0] == 'PropertiesChanged' and ev[1] == MANAGER_PATH
    want_props = {}
    if mgr:
        want_props[MANAGER_PATH] = (MANAGER_IFACE, frozenset(mgr))
    for m, names in models.items():
        want_props[model_path(m)] = (MODEL_IFACE, frozenset(names))
    for c in clients:
        events = c.events_until(done, what)
        got_props = {}
        for ev in events:
            if ev[0] == 'PropertiesChanged':
                check(ev[1] not in got_props, '%s: two PropertiesChanged for %s in one refresh' % (c.kind, ev[1]))
                got_props[ev[1]] = (ev[2], ev[3])
                if ev[4] is not None:     # the listener also has the values
                    exp = manager_expected(after) if ev[1] == MANAGER_PATH else model_expected(after, PATH_MODEL[ev[1]])
                    for name, value in ev[4].items():
                        eq(value, exp[name][1], '%s: new value of %s in PropertiesChanged on %s' % (c.kind, name, ev[1]))
        eq({p: (i, sorted(n)) for p, (i, n) in got_props.items()},
           {p: (i, sorted(n)) for p, (i, n) in want_props.items()},
           '%s (uid %s): PropertiesChanged after %s' % (c.kind, c.uid, what))
        capev = [ev for ev in events if ev[0] == 'CapabilitiesChanged']
        if caps:
            eq(len(capev), 1, '%s: CapabilitiesChanged count' % c.kind)
            eq((capev[0][1], tuple(sorted(capev[0][3]))), (MANAGER_PATH, tuple(sorted(caps))),
               '%s: CapabilitiesChanged after %s' % (c.kind, what))
            eq(events[-1][0], 'CapabilitiesChanged', '%s: CapabilitiesChanged comes last' % c.kind)
        else:
            eq(capev, [], '%s: CapabilitiesChanged after %s' % (c.kind, what))
    return sorted(caps)


def write(root, rel, text):
    path = os.path.join(root, rel)
    with open(path, 'w') as f:
        f.write(text)


def clients(w):
    uid = 65534 if is_root() else None
    return [Client(w, 'listen', uid), Client(w, 'monitor-text', uid), Client(w, 'monitor-json', None)]


def refresh_after(w, cs, what, edit, call_refresh=True):
    """EDIT the snapshot copy, call Refresh() (or, without CALL_REFRESH, rely on the daemon's
    inotify watch on the snapshot to notice by itself), then check the signals and properties."""
    before = w.dump()
    edit(w.root)
    after = w.dump()
    if call_refresh:
        eq(w.call(MANAGER_PATH, MANAGER_IFACE, 'Refresh'), [], 'Refresh()')
    caps = expect_signals(cs, before, after, what if call_refresh else what + ' (no Refresh call)')
    # the properties now read back as the new --dump
    got = w.get_all(MANAGER_PATH, MANAGER_IFACE)
    got.pop('LastRefresh')
    eq(got, manager_get_all_expected(after), 'Manager after ' + what)
    for m in MODELS:
        eq(w.get_all(model_path(m), MODEL_IFACE), model_expected(after, m), '%s after %s' % (m, what))
    return caps


def test_slots_change():
    with World() as w:
        cs = clients(w)
        caps = refresh_after(w, cs, 'misc.current sev 1 -> 3',
                             lambda r: write(r, 'sys/fs/cgroup/misc.current', 'sev 3\nsev_es 2\n'))
        eq(caps, ['amd-sev'], 'models changed by the SEV slot count')
        caps = refresh_after(w, cs, 'misc.current sev_es 2 -> 5',
                             lambda r: write(r, 'sys/fs/cgroup/misc.current', 'sev 3\nsev_es 5\n'))
        # SEV-ES is withheld on this SNP host and so has no slots: only SEV-SNP's numbers move
        eq(caps, ['amd-sev-snp'], 'models changed by the shared ES/SNP pool')
    return 'caps: amd-sev; amd-sev-es + amd-sev-snp'


def test_usability_change():
    with World() as w:
        cs = clients(w)
        caps = refresh_after(w, cs, 'kvm_amd.sev_snp Y -> N',
                             lambda r: write(r, 'sys/module/kvm_amd/parameters/sev_snp', 'N\n'))
        check('amd-sev-snp' in caps, 'amd-sev-snp not in CapabilitiesChanged: %s' % caps)
        check('amd-sev-snp' not in w.get_property(MANAGER_PATH, MANAGER_IFACE, 'UsableModels')[1],
              'amd-sev-snp still usable')
        caps2 = refresh_after(w, cs, 'kvm_amd.sev_snp N -> Y',
                              lambda r: write(r, 'sys/module/kvm_amd/parameters/sev_snp', 'Y\n'))
        eq(caps2, caps, 'models changed back')
    return 'caps: ' + ', '.join(caps)


def test_no_change_no_signal():
    """A Refresh() that changes nothing emits nothing: the next change's signals come first."""
    with World() as w:
        cs = clients(w)
        eq(w.call(MANAGER_PATH, MANAGER_IFACE, 'Refresh'), [], 'Refresh() without a change')
        refresh_after(w, cs, 'osrelease 6.12.12-amd64 -> 6.12.13-amd64 (after a no-op refresh)',
                      lambda r: write(r, 'proc/sys/kernel/osrelease', '6.12.13-amd64\n'))
        # a Manager-only change, then a model change: the first must not have sent CapabilitiesChanged
        refresh_after(w, cs, 'misc.current sev 1 -> 0',
                      lambda r: write(r, 'sys/fs/cgroup/misc.current', 'sev 0\nsev_es 2\n'))


def test_health_change():
    """A libvirt fact disappearing degrades health and every model (Manager and all three objects)."""
    with World() as w:
        cs = clients(w)
        caps = refresh_after(w, cs, 'libvirt/domcapabilities.xml removed',
                             lambda r: os.unlink(os.path.join(r, 'libvirt', 'domcapabilities.xml')))
        eq(w.get_property(MANAGER_PATH, MANAGER_IFACE, 'Health')[1], 'degraded', 'Health')
    return 'caps: ' + ', '.join(caps)


def edit_and_wait(w, cs, what, edit):
    return refresh_after(w, cs, what, edit, call_refresh=False)


def wait_refreshed(w, since):
    """Poll LastRefresh (not signalled) until a refresh newer than SINCE ran; TIMEOUT is a guard."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        now = w.get_property(MANAGER_PATH, MANAGER_IFACE, 'LastRefresh')[1]
        if now > since:
            return now
    raise AssertionError('no refresh within %gs of an edit' % TIMEOUT)


def test_watch_snapshot_edits():
    """Editing the snapshot a daemon runs on is changing its host: every verdict-changing edit
    signals without Refresh(); an edit that changes no verdict signals nothing."""
    with World(host='milan-snp') as w:
        cs = clients(w)
        caps = edit_and_wait(w, cs, 'the SNP firmware descriptor removed', lambda r: os.unlink(
            os.path.join(r, 'usr/share/qemu/firmware/30-edk2-ovmf-amdsev.json')))
        check('amd-sev-snp' in caps, 'amd-sev-snp not in CapabilitiesChanged: %s' % caps)
        eq(w.get_property(model_path('amd-sev-snp'), MODEL_IFACE, 'Usable')[1], False, 'SNP usable without firmware')
        caps = edit_and_wait(w, cs, 'misc.capacity sev 222 -> 100',
                             lambda r: write(r, 'sys/fs/cgroup/misc.capacity', 'sev 100\nsev_es 31\n'))
        eq(caps, ['amd-sev'], 'models changed by the SEV pool size')
        # Rewriting a file with its own content: a refresh runs, nothing is signalled.
        since = w.get_property(MANAGER_PATH, MANAGER_IFACE, 'LastRefresh')[1]
        write(w.root, 'sys/module/kvm_amd/parameters/sev', 'Y\n')
        wait_refreshed(w, since)
        # ... so the next change's signals are the first any client sees (expect_signals checks).
        caps = edit_and_wait(w, cs, 'kvm_amd.sev_snp Y -> N',
                             lambda r: write(r, 'sys/module/kvm_amd/parameters/sev_snp', 'N\n'))
        eq(caps, ['amd-sev-snp'], 'models changed by disabling SEV-SNP')
    return 'no Refresh() call'


TESTS = [
    ('slot counts change: PropertiesChanged + CapabilitiesChanged seen by 3 clients', test_slots_change),
    ('usability changes: UsableModels, Usable, Reasons + CapabilitiesChanged', test_usability_change),
    ('no change, no signal; a Manager-only change has no CapabilitiesChanged', test_no_change_no_signal),
    ('health degrades: every object signals', test_health_change),
    ('snapshot edits are noticed by inotify; an edit changing no verdict signals nothing', test_watch_snapshot_edits),
]

if __name__ == '__main__':
    tap_main(TESTS)
