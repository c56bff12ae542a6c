#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""memcryptd following a real libvirt: a private libvirtd + virtlogd (libvirtd.py) running QEMU
TCG guests, and libvirt's test driver (test:///<node file>) for guests with <launchSecurity>,
which TCG cannot run. The daemon replays a snapshot for everything but libvirt's domains
(--root=COPY --libvirt-uri=URI). Clients are busctl and a python3-dbus listener as uid 65534."""

import hashlib
import json
import os
import re
import shutil
import signal

from harness import (HOSTS_DIR, MANAGER_IFACE, MEMCRYPTCTL, MANAGER_PATH, MODEL_IFACE, TIMEOUT, World, check, eq, is_root,
                     model_path, run, tap_main)
from libvirtd import Libvirtd

LISTENER_UID = 65534 if is_root() else None


def start_memcryptd(w, host, *args):
    w.root = os.path.join(w.tmp, 'root')
    shutil.copytree(os.path.join(HOSTS_DIR, host), w.root, symlinks=True)
    w.start_daemon(list(args))


def manager(w, name):
    return w.get_property(MANAGER_PATH, MANAGER_IFACE, name)[1]


def model_prop(w, model, name):
    return w.get_property(model_path(model), MODEL_IFACE, name)[1]


def reason_codes(w, model):
    return [r[0] for r in model_prop(w, model, 'Reasons')]


def wait_change(rd, name, value=None):
    """The listener's next PropertiesChanged of the Manager carrying NAME (= VALUE if given)."""
    def match(line):
        o = json.loads(line)
        return (o['signal'] == 'PropertiesChanged' and o['path'] == MANAGER_PATH and name in o['changed']
                and (value is None or o['changed'][name] == value))
    line = rd.wait_for(match)
    check(line is not None, 'no PropertiesChanged with %s=%r within %gs; saw %r' % (name, value, TIMEOUT, rd.lines))
    return json.loads(line)['changed']


def test_domain_lifecycle():
    with World(host='milan-snp-off', polkit='none', daemon=False) as w:
        lv = Libvirtd(w).start()
        # --strict starts normally on a host without a conflict.
        start_memcryptd(w, 'milan-snp-off', '--libvirt-uri=' + lv.uri, '--strict')
        eq(manager(w, 'LibvirtConnected'), True, 'LibvirtConnected')
        eq(manager(w, 'RunningDomains'), 0, 'RunningDomains before')
        rd = w.listen(uid=LISTENER_UID)
        lv.create_tcg('tcg-a')
        wait_change(rd, 'RunningDomains', 1)
        eq(manager(w, 'RunningDomains'), 1, 'RunningDomains after start')
        eq(manager(w, 'EncryptedDomains'), [], 'EncryptedDomains (a TCG guest has no launchSecurity)')
        lv.destroy('tcg-a')
        wait_change(rd, 'RunningDomains', 0)
        eq(manager(w, 'RunningDomains'), 0, 'RunningDomains after destroy')
    return 'a second client saw RunningDomains 0 -> 1 -> 0'


def check_lost_libvirt(w, usable_before):
    """Without libvirt no model is offered (never a stale "usable"), each says why, and the
    rest still answers from the last facts."""
    eq(manager(w, 'UsableModels'), [], 'UsableModels while libvirt is away')
    for model in usable_before:
        check('libvirt-unavailable' in reason_codes(w, model), '%s lacks libvirt-unavailable' % model,
              model_prop(w, model, 'Reasons'))
    check(manager(w, 'LibvirtVersion') != '', 'LibvirtVersion forgotten while disconnected')
    check(w.call(MANAGER_PATH, MANAGER_IFACE, 'Describe')[0].startswith('{'), 'Describe while disconnected')


def test_libvirtd_killed_during_call():
    """libvirtd stopped while memcryptd waits in a libvirt call on a caller's behalf, then killed:
    the loop answers meanwhile (the call runs on the libvirt thread), the call gets
    LibvirtUnavailable (no hang, no crash) and the service goes on degraded."""
    with World(host='milan-snp-off', polkit='none', daemon=False) as w:
        lv = Libvirtd(w).start()
        start_memcryptd(w, 'milan-snp-off', '--libvirt-uri=' + lv.uri)
        usable = manager(w, 'UsableModels')
        lv.create_tcg('tcg-f')
        rd = w.listen(uid=LISTENER_UID)
        calls = w.async_calls(uid=LISTENER_UID)
        lv.libvirtd.send_signal(signal.SIGSTOP)
        # One connection: memcryptd takes its messages in order, so the Ping's reply means the
        # measurement was started before it, and it cannot end while libvirtd is stopped.
        calls.send('measure', 'GetLaunchMeasurement', 's', ['tcg-f'], iface='org.memcrypt1.Attestation')
        calls.ping('ping')
        eq(calls.reply()['id'], 'ping', 'the first reply while libvirtd is stopped')
        lv.kill()
        got = calls.reply()
        eq(got.get('error'), 'org.memcrypt1.Error.LibvirtUnavailable',
           'GetLaunchMeasurement with libvirtd killed under it (%r)' % got)
        wait_change(rd, 'LibvirtConnected', False)
        eq(w.call(MANAGER_PATH, 'org.freedesktop.DBus.Peer', 'Ping'), [], 'Ping after the failed call')
        check_lost_libvirt(w, usable)
    return 'Ping answered while the call waited; LibvirtUnavailable after the kill'


def test_libvirtd_restart():
    with World(host='milan-snp-off', polkit='none', daemon=False) as w:
        lv = Libvirtd(w).start()
        start_memcryptd(w, 'milan-snp-off', '--libvirt-uri=' + lv.uri)
        usable = manager(w, 'UsableModels')
        rd = w.listen(uid=LISTENER_UID)

        lv.kill()
        changed = wait_change(rd, 'LibvirtConnected', False)
        eq(changed.get('Health'), 'degraded', 'Health with the PropertiesChanged of LibvirtConnected=false')
        message = manager(w, 'HealthMessage')
        for part in ('disconnected since ', lv.uri, 'libvirtd closed the connection', 'reconnecting',
                     'no model is offered until it is back'):
            check(part in message, 'HealthMessage lacks %r: %r' % (part, message))
        check_lost_libvirt(w, usable)

        lv.start()
        changed = wait_change(rd, 'LibvirtConnected', True)
        eq(changed.get('Health'), 'ok', 'Health after reconnecting')
        eq(manager(w, 'UsableModels'), usable, 'UsableModels after reconnecting')
        # Events were registered again on the new connection.
        lv.create_tcg('tcg-b')
        wait_change(rd, 'RunningDomains', 1)
        lv.destroy('tcg-b')
        wait_change(rd, 'RunningDomains', 0)
    return 'LibvirtConnected true -> false -> true, events after the reconnect'


def domain_xml(name, uuid, policy=None):
    sec = "<launchSecurity type='sev'><policy>%s</policy></launchSecurity>" % policy if policy else ''
    return ("<domain type='test'><name>%s</name><uuid>%s</uuid><memory>65536</memory>"
            "<os><type>hvm</type></os>%s</domain>" % (name, uuid, sec))


UUID = '6a1f4b0e-8d0c-4c55-9b61-%012d'


def node_file(w, domains):
    path = os.path.join(w.tmp, 'node.xml')
    with open(path, 'w') as f:
        f.write('<node>\n%s\n</node>\n' % '\n'.join(domain_xml(*d) for d in domains))
    return 'test://' + path


def test_slot_accounting_per_model():
    """Running guests of each libvirt-9.0-parsable type (sev, sev with the ES bit, none) counted per
    model and cross-checked with misc.current (sev 1, sev_es 1 in the snapshot)."""
    with World(host='milan-snp-off', polkit='none', daemon=False) as w:
        uri = node_file(w, [('sev-1', UUID % 1, '0x0033'), ('es-1', UUID % 2, '0x0037'),
                            ('es-2', UUID % 3, '0x0007'), ('plain-1', UUID % 4)])
        start_memcryptd(w, 'milan-snp-off', '--libvirt-uri=' + uri)
        eq(manager(w, 'RunningDomains'), 4, 'RunningDomains')
        eq(manager(w, 'EncryptedDomains'), [['es-1', UUID % 2, 'amd-sev-es'], ['es-2', UUID % 3, 'amd-sev-es'],
                                            ['sev-1', UUID % 1, 'amd-sev']], 'EncryptedDomains')
        # SEV: the kernel and libvirt agree on one guest.
        eq(model_prop(w, 'amd-sev', 'SlotsUsed'), 1, 'amd-sev SlotsUsed')
        eq(model_prop(w, 'amd-sev', 'SlotsFree'), model_prop(w, 'amd-sev', 'SlotsTotal') - 1, 'amd-sev SlotsFree')
        check('slots-disagree' not in reason_codes(w, 'amd-sev'), 'amd-sev: slots-disagree while counts agree')
        # SEV-ES: libvirt runs two, the kernel counts one ASID: the kernel wins, with a warning.
        eq(model_prop(w, 'amd-sev-es', 'SlotsUsed'), 1, 'amd-sev-es SlotsUsed (misc.current wins)')
        check('slots-disagree' in reason_codes(w, 'amd-sev-es'), 'amd-sev-es: no slots-disagree warning',
              model_prop(w, 'amd-sev-es', 'Reasons'))
        eq(model_prop(w, 'amd-sev-es', 'Usable'), True, 'a warning keeps amd-sev-es usable')
    return 'amd-sev 1 used; amd-sev-es 1 used + slots-disagree (libvirt 2)'


def test_expected_from_live_libvirt():
    """GetExpectedMeasurement asks the real libvirt (test driver) for the domain's XML on the libvirt
    thread: an SEV guest's digest over Debian's OVMF image behind the snapshot's AmdSev descriptor (SEV
    without a kernel measures the firmware bytes alone: their SHA-256); a guest without
    <launchSecurity> is ModelUnsupported, an unknown one NoSuchDomain."""
    image = '/usr/share/OVMF/OVMF_CODE.fd'
    if not os.path.exists(image):
        return 'skipped: no Debian OVMF image (package ovmf)'
    with World(host='milan-snp-off', polkit='none', daemon=False) as w:
        uri = node_file(w, [('sev-1', UUID % 1, '0x0033'), ('plain-1', UUID % 4)])
        start_memcryptd(w, 'milan-snp-off', '--libvirt-uri=' + uri)
        os.makedirs(os.path.join(w.root, 'usr/share/OVMF'), exist_ok=True)
        shutil.copy(image, os.path.join(w.root, 'usr/share/OVMF/OVMF.amdsev.fd'))
        with open(image, 'rb') as f:
            want = hashlib.sha256(f.read()).hexdigest()
        got = w.call(MANAGER_PATH, 'org.memcrypt1.Attestation', 'GetExpectedMeasurement', 'sa{sv}', 'sev-1', '0')
        eq(got[0], want, 'the SEV digest of sev-1 (libvirt test driver)')
        eq(got[1]['firmware']['data']['path']['data'], '/usr/share/OVMF/OVMF.amdsev.fd', 'the pinned firmware')
        for name, error in (('plain-1', 'ModelUnsupported'), ('nobody', 'NoSuchDomain')):
            got, msg, _ = w.call_error(MANAGER_PATH, 'org.memcrypt1.Attestation.GetExpectedMeasurement',
                                       "'%s'" % name, '@a{sv} {}')
            eq(got, 'org.memcrypt1.Error.' + error, 'GetExpectedMeasurement(%s): %s' % (name, msg))
    return 'SEV digest = SHA-256 of the firmware, through libvirt'


def test_conflict_from_live_domains():
    """SEV-SNP enabled (milan-snp) while libvirt runs SEV-ES guests: conflict, named guests,
    HostMisconfigured; --strict refuses to start with the same message."""
    with World(host='milan-snp', polkit='none', daemon=False) as w:
        uri = node_file(w, [('es-a', UUID % 5, '0x0037'), ('es-b', UUID % 6, '0x0037'), ('sev-a', UUID % 7, '0x0033')])
        root = os.path.join(w.tmp, 'strict-root')
        shutil.copytree(os.path.join(HOSTS_DIR, 'milan-snp'), root, symlinks=True)
        r = run([w.memcryptd, '--root=' + root, '--libvirt-uri=' + uri, '--strict'], env=w.env())
        eq(r.returncode, 1, '--strict exit status (stderr %r)' % r.stderr)
        for part in ('refusing to start (--strict)', 'es-a, es-b', 'kvm_amd.sev_snp=0', 'move them'):
            check(part in r.stderr, '--strict message lacks %r: %r' % (part, r.stderr))
        check('sev-a' not in r.stderr, 'an SEV guest named as conflicting: %r' % r.stderr)

        start_memcryptd(w, 'milan-snp', '--libvirt-uri=' + uri)
        eq(manager(w, 'Health'), 'conflict', 'Health')
        message = manager(w, 'HealthMessage')
        check(message in r.stderr, 'the bus message differs from --strict\'s: %r vs %r' % (message, r.stderr))
        eq(manager(w, 'UsableModels'), [], 'UsableModels in conflict')
        for model in ('amd-sev', 'amd-sev-snp'):
            name, msg, _ = w.call_error(MANAGER_PATH, MANAGER_IFACE + '.GenerateLaunchSecurity', "'%s'" % model,
                                        '@a{sv} {}')
            eq(name, 'org.memcrypt1.Error.HostMisconfigured', 'GenerateLaunchSecurity %s in conflict' % model)
    return 'conflict from test:/// guests; --strict exit 1'


def storm(lv, uri, tmp, names, command):
    """One virsh for the whole storm: COMMAND ('create' or 'destroy') for each of NAMES, back to back."""
    steps = []
    for i, name in names:
        if command == 'create':
            path = os.path.join(tmp, name + '.xml')
            with open(path, 'w') as f:
                f.write(domain_xml(name, UUID % i, '0x0033' if i % 2 else '0x0037'))
            steps.append('create ' + path)
        else:
            steps.append('destroy ' + name)
    r = run(['virsh', '-q', '-c', uri, '; '.join(steps)], timeout=TIMEOUT * 6)
    eq(r.returncode, 0, 'virsh %s storm (stderr %r)' % (command, r.stderr))


def monitor_guests(reader, n, json_output):
    """The next 2N guest lines of a `memcryptctl monitor` as (member, name, uuid, model)."""
    out = []

    def take(line):
        if json_output and line.startswith('{'):
            o = json.loads(line)
            if o['member'].startswith('EncryptedDomain'):
                eq(o['names'], ['name', 'uuid', 'model'], 'monitor --json names of a guest signal')
                out.append((o['member'], o['values']['name'], o['values']['uuid'], o['values']['model']))
        elif not json_output and ' EncryptedDomainSt' in line:
            # "HH:MM:SS.mmm manager EncryptedDomainStarted name=N uuid=U model=M"
            parts = line.split()
            eq(parts[1], 'manager', 'monitor: the object of a guest signal')
            out.append(tuple([parts[2]] + [p.split('=', 1)[1] for p in parts[3:]]))
        return len(out) >= 2 * n
    reader.wait_for(take)
    return out


REPORT_DOMAINS_MAX = 256     # SCHEMA_REPORT_DOMAINS_MAX (common/schema.h)


def check_report_guests(w, listed):
    """Describe lists the first REPORT_DOMAINS_MAX of LISTED (every encrypted guest) by name, with
    the total and whether it left some out; memcryptctl status shows as many and says how many more."""
    report = json.loads(w.call(MANAGER_PATH, MANAGER_IFACE, 'Describe')[0])
    first = sorted(listed)[:REPORT_DOMAINS_MAX]
    eq([[d['name'], d['uuid'], d['model']] for d in report['encrypted_domains']], first,
       'Describe: the first %d encrypted guests by name' % REPORT_DOMAINS_MAX)
    eq(report['encrypted_domains_total'], len(listed), 'Describe: encrypted_domains_total')
    eq(report['encrypted_domains_truncated'], len(listed) > REPORT_DOMAINS_MAX, 'Describe: encrypted_domains_truncated')
    if not MEMCRYPTCTL:
        return
    out = w.run([MEMCRYPTCTL, 'status']).stdout
    eq(sum(1 for d in listed if d[0] + ' (' in out), len(first), 'memcryptctl status: guests shown')
    more = '... and %d more (all of them: memcryptctl domains)' % (len(listed) - len(first))
    eq(more in out, len(listed) > len(first), 'memcryptctl status: "%s"' % more)


def check_ctl_domains(w, running, listed):
    """memcryptctl domains lists every encrypted guest libvirt runs (RUNNING: virsh's names), as
    LISTED (ListEncryptedDomains) has them and in its order, in text and --json; with a model, those
    ListEncryptedDomains gives for that model."""
    if not MEMCRYPTCTL:
        return
    for model in (None, 'amd-sev', 'amd-sev-es'):
        what = 'memcryptctl domains' + (' ' + model if model else '')
        want = w.call(MANAGER_PATH, MANAGER_IFACE, 'ListEncryptedDomains', 's', model or '')[0] if model else listed
        args = [model] if model else []
        lines = w.run([MEMCRYPTCTL, 'domains'] + args).stdout.split('\n')
        eq(lines[0].split(), ['NAME', 'MODEL', 'UUID'], what + ': header')
        rows = [l.split() for l in lines[1:-3]]
        eq(rows, [[n, m, u] for n, u, m in want], what + ': the rows, in the service\'s order')
        eq(lines[-3:], ['', '%d guests listed.' % len(want), ''], what + ': footer')
        if not model:
            eq(sorted(r[0] for r in rows), running, what + ': the guests virsh lists')
        eq(json.loads(w.run([MEMCRYPTCTL, '--json=short', 'domains'] + args).stdout),
           [{'name': n, 'uuid': u, 'model': m} for n, u, m in want], what + ' --json')
    check(0 < len(want) < len(listed), 'the filter leaves some guests out: %d of %d' % (len(want), len(listed)))


def guest_round(w, lv, uri, rd, first, n, monitors=()):
    """N guests started back to back, then destroyed: the listener sees exactly one Started and one
    Stopped per guest, in that order, with its name, UUID and model; ListEncryptedDomains equals
    libvirt's list at the peak. Returns the size of the largest Manager PropertiesChanged (JSON of
    its changed values and invalidated names) and how many there were."""
    names = [(i, 'many-%04d' % i) for i in range(first, first + n)]
    start = len(rd.lines)
    storm(lv, uri, w.tmp, names, 'create')
    wait_change(rd, 'RunningDomains', n + 1)       # with the test driver's own "test"
    listed = w.call(MANAGER_PATH, MANAGER_IFACE, 'ListEncryptedDomains', 's', '')[0]
    running = sorted(run(['virsh', '-q', '-c', uri, 'list', '--name']).stdout.split())
    eq(sorted(d[0] for d in listed), [r for r in running if r != 'test'], 'ListEncryptedDomains against virsh list')
    eq(manager(w, 'EncryptedDomains'), listed, 'EncryptedDomains against ListEncryptedDomains')
    check_report_guests(w, listed)
    check_ctl_domains(w, [r for r in running if r != 'test'], listed)
    storm(lv, uri, w.tmp, names, 'destroy')
    wait_change(rd, 'RunningDomains', 1)
    eq(w.call(MANAGER_PATH, MANAGER_IFACE, 'ListEncryptedDomains', 's', '')[0], [], 'ListEncryptedDomains after')

    seen = [json.loads(line) for line in rd.lines[start:]]
    guests = [o for o in seen if o['signal'].startswith('EncryptedDomain')]
    for i, name in names:
        model = 'amd-sev' if i % 2 else 'amd-sev-es'
        mine = [o['signal'] for o in guests if o['args'] == [name, UUID % i, model]]
        eq(mine, ['EncryptedDomainStarted', 'EncryptedDomainStopped'], 'the guest signals of %s' % name)
    eq(len(guests), 2 * n, 'guest signals for %d guests (no other, none twice)' % n)
    for kind, reader in monitors:
        lines = monitor_guests(reader, n, kind == 'json')
        want = [(o['signal'], *o['args']) for o in guests]
        eq(lines, want, 'memcryptctl monitor%s: the guest signals' % (' --json' if kind == 'json' else ''))
    props = [o for o in seen if o['signal'] == 'PropertiesChanged' and o['path'] == MANAGER_PATH]
    check(0 < len(props) <= 2 * n, '%d Manager PropertiesChanged for %d events' % (len(props), 2 * n))
    return max(len(json.dumps([o['changed'], o['invalidated']], sort_keys=True)) for o in props), len(props)


def test_many_guests():
    """Hundreds of guests of libvirt's test driver inside a private libvirtd, started and destroyed
    in storms: each is signalled once started and once stopped, and the largest PropertiesChanged
    is the same size with 400 guests as with 100. Describe lists 100 and the first 256 of 400."""
    with World(host='milan-snp-off', polkit='none', daemon=False) as w:
        lv = Libvirtd(w).start()
        uri = 'test+unix:///default?socket=' + lv.socket_path
        start_memcryptd(w, 'milan-snp-off', '--libvirt-uri=' + uri)
        rd = w.listen(uid=LISTENER_UID)
        monitors = []
        if MEMCRYPTCTL:
            for kind, argv in (('text', [MEMCRYPTCTL, 'monitor']), ('json', [MEMCRYPTCTL, 'monitor', '--json=short'])):
                reader = w.background('monitor-' + kind, argv, uid=LISTENER_UID)
                check(reader.wait_for(lambda l: l.startswith('Monitoring org.memcrypt1')), 'memcryptctl monitor')
                monitors.append((kind, reader))
        small, n_small = guest_round(w, lv, uri, rd, 0, 100, monitors)
        large, n_large = guest_round(w, lv, uri, rd, 1000, 400)
        check(large <= small + 8 and large < 1024,
              'the largest PropertiesChanged grew with the guests: %d bytes at 100, %d at 400' % (small, large))
    return ('100 and 400 guests: one Started and one Stopped each; largest PropertiesChanged %d and %d bytes '
            '(%d and %d of them)' % (small, large, n_small, n_large))


# libvirtd's log of each message it receives (rpc.netserverclient at level info): a call (type=0).
RPC_CALL = re.compile(r'RPC_SERVER_CLIENT_MSG_RX: client=(\S+) len=\d+ prog=(\d+) vers=\d+ proc=(\d+) type=0 ')
REMOTE_PROGRAM = 0x20008086     # libvirt's remote protocol; keepalive is another program


def libvirt_calls(log):
    """[(client, proc)] of every remote call libvirtd received so far, in order."""
    with open(log, errors='replace') as f:
        return [(m.group(1), int(m.group(3))) for m in RPC_CALL.finditer(f.read())
                if int(m.group(2)) == REMOTE_PROGRAM]


def test_refresh_asks_libvirt_nothing():
    """The periodic refresh (RefreshIntervalSec=1) re-reads files and asks libvirt nothing.
    libvirtd logs every call it receives; between two identical calls of memcryptd's to libvirt
    (GetLaunchMeasurement of a guest that does not exist, each waited for: the libvirt thread does
    what a refresh queued before a call) memcryptd's connection carries only the second call's own
    messages, across three refreshes. Each refresh is seen by what only it notices: misc.capacity
    rewritten through a hard link outside the watched directories (as sysfs changes, unseen by
    inotify), then its PropertiesChanged."""
    with World(host='milan-snp-off', polkit='none', daemon=False) as w:
        lv = Libvirtd(w)
        log = os.path.join(lv.home, 'libvirtd-rpc.log')
        lv.conf = 'log_filters = "2:rpc.netserverclient"\nlog_outputs = "2:file:%s"\n' % log
        lv.start()
        conf = os.path.join(w.tmp, 'memcryptd.conf')
        with open(conf, 'w') as f:
            f.write('[Service]\nRefreshIntervalSec=1\n')
        start_memcryptd(w, 'milan-snp-off', '--libvirt-uri=' + lv.uri, '--config=' + conf)
        rd = w.listen(uid=LISTENER_UID)
        if not manager(w, 'LibvirtConnected'):
            wait_change(rd, 'LibvirtConnected', True)
        unwatched = os.path.join(w.tmp, 'misc.capacity')
        os.link(os.path.join(w.root, 'sys/fs/cgroup/misc.capacity'), unwatched)

        def ask_libvirt():
            err, message, _ = w.call_error(MANAGER_PATH, 'org.memcrypt1.Attestation.GetLaunchMeasurement',
                                           'no-such-guest', uid=LISTENER_UID)
            check(err is not None and 'no-such-guest' in message, 'GetLaunchMeasurement of no guest', err, message)

        start = len(libvirt_calls(log))
        ask_libvirt()
        first = libvirt_calls(log)[start:]
        check(first and len({c for c, _ in first}) == 1, 'the first call reached libvirtd from one client', first)
        ours = first[0][0]
        for total in (221, 220, 219):
            with open(unwatched, 'w') as f:
                f.write('sev %d\nsev_es 31\n' % total)
            line = rd.wait_for(lambda l: json.loads(l)['signal'] == 'PropertiesChanged' and
                               json.loads(l)['path'] == model_path('amd-sev') and
                               json.loads(l)['changed'].get('SlotsTotal') == total, timeout=3 * TIMEOUT)
            check(line is not None, 'no refresh signalled SlotsTotal=%d; saw %r' % (total, rd.lines))
        ask_libvirt()
        between = [proc for client, proc in libvirt_calls(log)[start + len(first):] if client == ours]
        eq(between, [proc for _, proc in first], "memcryptd's calls across three refreshes, then the same call")
    return 'three refreshes, then the same call: %d call(s) of memcryptd at libvirtd, the call\'s own' % len(first)


TESTS = [
    ('a TCG guest started and destroyed on a private libvirtd: RunningDomains at a second client',
     test_domain_lifecycle),
    ('libvirtd killed and restarted: LibvirtConnected false then true, degraded meanwhile, events after',
     test_libvirtd_restart),
    ('libvirtd killed while a call waits on it: LibvirtUnavailable, degraded, no stale usable model',
     test_libvirtd_killed_during_call),
    ('test:/// guests with launchSecurity: slots per model, misc.current cross-check', test_slot_accounting_per_model),
    ('hundreds of test-driver guests in storms: one Started and one Stopped each, PropertiesChanged stays small',
     test_many_guests),
    ('SEV-ES guests while SNP is enabled: conflict, HostMisconfigured, --strict', test_conflict_from_live_domains),
    ('GetExpectedMeasurement of test:/// guests, their XML from libvirt', test_expected_from_live_libvirt),
    ('the periodic refresh asks libvirt nothing: libvirtd logs no call of memcryptd across three refreshes',
     test_refresh_asks_libvirt_nothing),
]

if __name__ == '__main__':
    tap_main(TESTS)
