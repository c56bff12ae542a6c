#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""org.memcrypt1.Attestation on a private system bus: the real memcryptd serving the attestation
test hosts (milan-attest, milan-snp-attest: libvirt's answers recorded in the snapshot), busctl,
gdbus and memcryptctl as other uids, and real polkitd (root) or python3-dbusmock for
InjectLaunchSecret. Expected values are computed here from the snapshot files themselves
(hashlib, base64), never taken from memcryptd."""

import base64
import hashlib
import json
import os
import pwd
import shutil
import tempfile

import harness
from harness import HarnessError, Skip, World, check, eq, is_root, plain, tap_main

PATH = harness.MANAGER_PATH
IFACE = 'org.memcrypt1.Attestation'
ERR = 'org.memcrypt1.Error.'
ACTION = 'org.memcrypt1.inject-launch-secret'
NOT_AUTHORIZED = ERR + 'NotAuthorized'
INTERACTIVE = 'org.freedesktop.DBus.Error.InteractiveAuthorizationRequired'

GRANTED_UID = 1         # granted every org.memcrypt1 action by the test rule
DENIED_UID = 65534      # refused by it
DEFAULT_UID = 2         # no rule: the action's allow_any default (auth_admin_keep)

HEADER = base64.b64encode(bytes(range(52))).decode()
SECRET = base64.b64encode(b'the owner\'s disk key, wrapped with the TEK' * 3).decode()


def host_file(host, rel):
    return os.path.join(harness.HOSTS_DIR, host, rel)


def read_json(host, rel):
    with open(host_file(host, rel)) as f:
        return json.load(f)


def sha256(host, rel):
    with open(host_file(host, rel), 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def user(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        raise Skip('no user with uid %d' % uid)


def need_uids():
    if not is_root():
        raise Skip('calling as other uids needs root')


def call(w, method, sig='', *args, uid=None):
    return plain(w.busctl_json('call', harness.BUS_NAME, PATH, IFACE, method, *([sig] + list(args) if sig else []),
                               uid=uid)['data'][0])


def ctl(w, *args, uid=None):
    if not harness.MEMCRYPTCTL:
        raise HarnessError('memcryptctl was not built (no --memcryptctl PATH)')
    return w.run([harness.MEMCRYPTCTL, '--no-ask-password'] + list(args), uid=uid)


def tcb(raw, gen):
    b = raw.to_bytes(8, 'little')
    if gen in ('turin', 'venice'):
        return {'fmc': b[0], 'boot_loader': b[1], 'tee': b[2], 'snp': b[3], 'microcode': b[7], 'raw': raw}
    return {'boot_loader': b[0], 'tee': b[1], 'snp': b[6], 'microcode': b[7], 'raw': raw}


def ctl_json_tcb(t):
    """memcryptctl writes a TCB's raw value as a hex string (JSON integers stop at 2^63)."""
    return dict(t, raw=int(t['raw'], 16))


# ---- GetPlatformInfo ----------------------------------------------------------------------------

def test_platform_snp():
    host = 'milan-snp-attest'
    need_uids()
    node = read_json(host, 'libvirt/nodesevinfo.json')
    status = read_json(host, 'dev/sev.json')
    chip = base64.b64decode(node['cpu0-id']).hex()
    reported = tcb(int(status['snp']['reported_tcb'], 16), 'milan')
    with World(host=host, polkit='none') as w:
        info = call(w, 'GetPlatformInfo', uid=DENIED_UID)
        want = {
            'cpu_generation': 'milan', 'pdh': node['pdh'], 'cert_chain': node['cert-chain'],
            'cpu0_id': node['cpu0-id'],
            'api_major': status['sev']['api_major'], 'api_minor': status['sev']['api_minor'],
            'build': status['sev']['build'], 'state': status['sev']['state'],
            'owner': bool(status['sev']['flags'] & 1), 'es_initialized': bool(status['sev']['flags'] & 0x100),
            'guest_count': status['sev']['guest_count'],
            'snp_api_major': 1, 'snp_api_minor': 55, 'snp_build_id': status['snp']['build_id'],
            'snp_state': status['snp']['state'], 'snp_guest_count': status['snp']['guest_count'],
            'rmp_initialized': True, 'alias_check_complete': True, 'vlek_enabled': False,
            'current_tcb': tcb(int(status['snp']['current_tcb'], 16), 'milan'), 'reported_tcb': reported,
            'tcb_committed_mismatch': True,
            'vcek_url': 'https://kdsintf.amd.com/vcek/v1/Milan/%s?blSPL=%02d&teeSPL=%02d&snpSPL=%02d&ucodeSPL=%02d' % (
                chip, reported['boot_loader'], reported['tee'], reported['snp'], reported['microcode']),
            'unavailable': {},
        }
        eq(info, want, 'GetPlatformInfo as uid %d' % DENIED_UID)

        r = ctl(w, '--json=short', 'attest', 'platform', uid=DENIED_UID)
        check(r.returncode == 0, 'memcryptctl attest platform', r)
        got = json.loads(r.stdout)
        got['current_tcb'] = ctl_json_tcb(got['current_tcb'])
        got['reported_tcb'] = ctl_json_tcb(got['reported_tcb'])
        eq(got, want, 'memcryptctl --json attest platform')
        text = ctl(w, 'attest', 'platform', uid=DENIED_UID).stdout
        check('VCEK URL: ' + want['vcek_url'] in text and 'not committed' in text, 'text output', text)


def test_platform_sev_only_and_no_libvirt():
    need_uids()
    with World(host='milan-attest', polkit='none') as w:
        info = call(w, 'GetPlatformInfo', uid=DENIED_UID)
        check('snp_state' not in info and 'vcek_url' not in info and 'current_tcb' not in info,
              'no SNP keys without SNP', info)
        check('SNP' in info['unavailable']['snp'], 'why SNP is missing', info['unavailable'])
        eq(info['pdh'], read_json('milan-attest', 'libvirt/nodesevinfo.json')['pdh'], 'pdh')
    # milan-snp recorded no virNodeGetSEVInfo: no PDH, but the chip id of the domain capabilities.
    with World(host='milan-snp', polkit='none') as w:
        info = call(w, 'GetPlatformInfo', uid=DENIED_UID)
        check('pdh' not in info and 'nodesevinfo.json' in info['unavailable']['libvirt'], 'no PDH, and why', info)
        check(info['vcek_url'].startswith('https://kdsintf.amd.com/vcek/v1/Milan/0650'), 'VCEK URL from domcaps',
              info)


# ---- GetLaunchMeasurement -----------------------------------------------------------------------

def test_measurement():
    host = 'milan-attest'
    need_uids()
    params = read_json(host, 'libvirt/launch-security/es-paused.json')['params']
    cmdline = 'console=ttyS0 root=/dev/vda1'
    want = {
        'domain': 'es-paused', 'uuid': '2f9260a8-4ccd-52ec-b768-d49e51cebabd', 'state': 'paused',
        'model': 'amd-sev-es', 'measurement': params['sev-measurement'], 'api_major': 1, 'api_minor': 55,
        'build_id': 31, 'policy': 0x37,
        'firmware': '/usr/share/OVMF/OVMF_CODE.cc.fd', 'firmware_sha256': sha256(host, 'usr/share/OVMF/OVMF_CODE.cc.fd'),
        'kernel_hashes': True,
        'kernel': '/var/lib/libvirt/boot/vmlinuz-guest',
        'kernel_sha256': sha256(host, 'var/lib/libvirt/boot/vmlinuz-guest'),
        'initrd': '/var/lib/libvirt/boot/initrd-guest',
        'initrd_sha256': sha256(host, 'var/lib/libvirt/boot/initrd-guest'),
        'cmdline': cmdline, 'cmdline_sha256': hashlib.sha256(cmdline.encode() + b'\0').hexdigest(),
        'vcpus': 2, 'cpu_mode': 'custom', 'cpu_name': 'EPYC-Milan',
        'cpu_family': 25, 'cpu_model': 1, 'cpu_stepping': 1, 'cpu_signature': 0x00A00F11,
        'unavailable': {},
    }
    # The snapshot's firmware is random bytes: no expected digest (test-expected.py has real ones), and why.
    def without_expected(got):
        why = got['unavailable'].pop('expected_measurement', '')
        check('/usr/share/OVMF/OVMF_CODE.cc.fd cannot be measured' in why and 'expected_measurement' not in got,
              'no expected digest of a firmware that is not OVMF, and why', got)
        return got

    with World(host=host, polkit='none') as w:
        eq(without_expected(call(w, 'GetLaunchMeasurement', 's', 'es-paused', uid=DENIED_UID)), want,
           'GetLaunchMeasurement es-paused')
        r = ctl(w, '--json=short', 'attest', 'measurement', 'es-paused', uid=DENIED_UID)
        check(r.returncode == 0, 'memcryptctl attest measurement', r)
        eq(without_expected(json.loads(r.stdout)), want, 'memcryptctl --json attest measurement')


def test_measurement_errors():
    need_uids()
    cases = [('nobody', 'NoSuchDomain'), ('sev-shutoff', 'InvalidDomainState'), ('plain-guest', 'ModelUnsupported'),
             ('a/b', 'InvalidArgument')]
    with World(host='milan-attest', polkit='none') as w:
        for domain, name in cases:
            got, msg, r = w.call_error(PATH, IFACE + '.GetLaunchMeasurement', domain, uid=DENIED_UID)
            eq(got, ERR + name, 'GetLaunchMeasurement(%s): %s' % (domain, msg))
        r = ctl(w, 'attest', 'measurement', 'sev-shutoff', uid=DENIED_UID)
        check(r.returncode == 1 and 'InvalidDomainState' in r.stderr, 'memcryptctl exit 1 and the error name', r)
        # a running guest libvirt gives no measurement for: the inputs, then why, and exit 1 (issue 16 item 11)
        r = ctl(w, 'attest', 'measurement', 'es-guest-1', uid=DENIED_UID)
        check(r.returncode == 1 and 'es-guest-1 has no launch measurement: ' in r.stderr and 'Model:' in r.stdout,
              'memcryptctl attest measurement without a measurement', r)
    with World(host='milan-snp-attest', polkit='none') as w:
        got, msg, r = w.call_error(PATH, IFACE + '.GetLaunchMeasurement', 'snp-guest-1', uid=DENIED_UID)
        eq(got, ERR + 'ModelUnsupported', 'an SNP guest (%s)' % msg)


def test_libvirt_unavailable():
    """A snapshot without libvirt/: nothing to ask, for the readers and for root's inject alike."""
    tmp = tempfile.mkdtemp(prefix='memcrypt-attest.')
    try:
        root = os.path.join(tmp, 'root')
        shutil.copytree(os.path.join(harness.HOSTS_DIR, 'milan-attest'), root, symlinks=True)
        shutil.rmtree(os.path.join(root, 'libvirt'))
        with World(root=root, polkit='none') as w:
            got, msg, r = w.call_error(PATH, IFACE + '.GetLaunchMeasurement', 'sev-paused')
            eq(got, ERR + 'LibvirtUnavailable', 'GetLaunchMeasurement (%s)' % msg)
            got, msg, r = w.call_error(PATH, IFACE + '.InjectLaunchSecret', 'sev-paused', HEADER, SECRET, '@a{sv} {}')
            eq(got, ERR + 'LibvirtUnavailable', 'InjectLaunchSecret (%s)' % msg)
            info = call(w, 'GetPlatformInfo')
            check('libvirt/' in info['unavailable']['libvirt'] and 'api_major' in info, 'platform info', info)
    finally:
        shutil.rmtree(tmp)


# ---- InjectLaunchSecret and polkit --------------------------------------------------------------

def real_world(**kw):
    need_uids()
    return World(host='milan-attest', polkit='real', granted_users=[user(GRANTED_UID)],
                 denied_users=[user(DENIED_UID)], **kw)


def state(w, domain):
    return call(w, 'GetLaunchMeasurement', 's', domain)['state']


def injected(w):
    """The recorded backend's one line per secret handed to libvirt (after glib's log prefix)."""
    mark = 'recorded libvirt: launch secret'
    return [l[l.index(mark):] for l in w.log('memcryptd').splitlines() if mark in l]


def inject_error(w, uid, domain='sev-paused', header=HEADER, options="{'resume': <true>}", interactive=False):
    return w.call_error(PATH, IFACE + '.InjectLaunchSecret', domain, header, SECRET, options, uid=uid,
                        interactive=interactive)


def blob_files(w):
    """HEADER and SECRET in files as base64(1) writes them (line breaks), readable by every uid."""
    paths = []
    for name, data in (('hdr', HEADER), ('sec', SECRET)):
        path = os.path.join(w.tmp, name + '.b64')
        with open(path, 'w') as f:
            f.write('\n'.join(data[i:i + 20] for i in range(0, len(data), 20)) + '\n')
        os.chmod(path, 0o644)
        paths.append(path)
    return paths


def test_inject_refused():
    with real_world() as w:
        got, msg, r = inject_error(w, DENIED_UID)
        eq(got, NOT_AUTHORIZED, 'uid %d denied by the rule (%s)' % (DENIED_UID, msg))
        check(ACTION in msg, 'the message names the action', msg)
        got, msg, r = inject_error(w, DEFAULT_UID)
        eq(got, INTERACTIVE, 'uid %d without a rule: auth_admin_keep, no interaction allowed (%s)' % (DEFAULT_UID, msg))
        got, msg, r = inject_error(w, DEFAULT_UID, interactive=True)
        eq(got, NOT_AUTHORIZED, 'uid %d, interactive, no agent to ask (%s)' % (DEFAULT_UID, msg))
        hdr, sec = blob_files(w)
        r = ctl(w, 'attest', 'inject', 'sev-paused', '--header', hdr, '--secret', sec, uid=DENIED_UID)
        check(r.returncode == 1 and NOT_AUTHORIZED in r.stderr, 'memcryptctl inject as a denied uid: exit 1', r)
        eq(injected(w), [], 'nothing reached libvirt')
        eq(state(w, 'sev-paused'), 'paused', 'the guest is still paused')
        check(w.daemon.poll() is None, 'memcryptd died')


def test_inject_checked_before_polkit():
    """Bad arguments are InvalidArgument even for a caller polkit would refuse: polkit is never asked."""
    with real_world() as w:
        bad = [dict(header='bm90IDUyIGJ5dGVz'), dict(header=HEADER + '\n'), dict(options="{'resume': <'yes'>}"),
               dict(options="{'colour': <'blue'>}"), dict(domain='a/b')]
        for b in bad:
            got, msg, r = inject_error(w, DENIED_UID, **b)
            eq(got, ERR + 'InvalidArgument', 'InjectLaunchSecret(%r) as a denied uid (%s)' % (b, msg))
        eq(injected(w), [], 'nothing reached libvirt')


def test_inject_granted():
    with real_world() as w:
        # busctl as the granted uid: the secret goes in at the given address and the guest resumes.
        r = w.busctl('call', harness.BUS_NAME, PATH, IFACE, 'InjectLaunchSecret', 'sssa{sv}', 'sev-paused', HEADER,
                     SECRET, '2', 'address', 't', '4096', 'resume', 'b', 'true', uid=GRANTED_UID)
        check(r.returncode == 0, 'busctl InjectLaunchSecret as the granted uid', r)
        eq(injected(w), ['recorded libvirt: launch secret for domain sev-paused: header 52 bytes, secret %d bytes, '
                         'address 0x1000' % len(base64.b64decode(SECRET))],
           'what reached libvirt', )
        eq(state(w, 'sev-paused'), 'running', 'resumed')
        got, msg, r = inject_error(w, GRANTED_UID)
        eq(got, ERR + 'InvalidDomainState', 'a second secret into the running guest (%s)' % msg)
        got, msg, r = inject_error(w, GRANTED_UID, domain='plain-guest')
        eq(got, ERR + 'InvalidDomainState', 'a running guest without launch security (%s)' % msg)
        got, msg, r = inject_error(w, GRANTED_UID, domain='nobody')
        eq(got, ERR + 'NoSuchDomain', 'an unknown domain (%s)' % msg)

        # memcryptctl with base64 files as base64(1) writes them (line breaks), without resume.
        hdr, sec = blob_files(w)
        r = ctl(w, 'attest', 'inject', 'es-paused', '--header', hdr, '--secret', sec, uid=GRANTED_UID)
        check(r.returncode == 0 and 'injected into es-paused' in r.stdout, 'memcryptctl attest inject', r)
        check(injected(w)[-1].endswith('no address'), 'no address given', injected(w))
        eq(state(w, 'es-paused'), 'paused', 'not resumed without --resume')
        # --raw: the files as sevctl secret build writes them, raw bytes.
        for path, data in ((hdr, HEADER), (sec, SECRET)):
            with open(path, 'wb') as f:
                f.write(base64.b64decode(data))
        r = ctl(w, '--json=short', 'attest', 'inject', 'es-paused', '--header', hdr, '--secret', sec, '--raw',
                '--resume', uid=GRANTED_UID)
        eq(json.loads(r.stdout or 'null'), {'domain': 'es-paused', 'injected': True, 'resumed': True}, '--json')
        eq(injected(w)[-1], 'recorded libvirt: launch secret for domain es-paused: header 52 bytes, secret %d bytes, '
                            'no address' % len(base64.b64decode(SECRET)), '--raw files reached libvirt whole')
        eq(state(w, 'es-paused'), 'running', 'resumed with --resume')


def test_inject_root_without_polkit():
    with World(host='milan-snp-attest', polkit='none') as w:
        got, msg, r = inject_error(w, None, domain='sev-guest-1')
        eq(got, None, 'root (or the daemon\'s own uid) is never asked (%s)' % msg)
        got, msg, r = inject_error(w, None, domain='snp-guest-1')
        eq(got, ERR + 'ModelUnsupported', 'a paused SNP guest (%s)' % msg)


def test_inject_mock():
    need_uids()
    with World(host='milan-attest', polkit='mock', mock_allowed=[ACTION]) as w:
        got, msg, r = inject_error(w, DENIED_UID)
        eq(got, None, 'dbusmock polkitd allowing %s (%s)' % (ACTION, msg))
    with World(host='milan-attest', polkit='mock', mock_allowed=['org.memcrypt1.refresh']) as w:
        got, msg, r = inject_error(w, DENIED_UID)
        eq(got, NOT_AUTHORIZED, 'dbusmock polkitd allowing only refresh (%s)' % msg)
        eq(injected(w), [], 'nothing reached libvirt')


TESTS = [
    ('GetPlatformInfo on an SNP host as uid 65534: every key from the snapshot files; memcryptctl', test_platform_snp),
    ('GetPlatformInfo without SNP, and without recorded virNodeGetSEVInfo', test_platform_sev_only_and_no_libvirt),
    ('GetLaunchMeasurement as uid 65534: libvirt\'s parameters and every input hashed; memcryptctl', test_measurement),
    ('GetLaunchMeasurement errors: NoSuchDomain, InvalidDomainState, ModelUnsupported, InvalidArgument',
     test_measurement_errors),
    ('a snapshot without libvirt/: LibvirtUnavailable', test_libvirt_unavailable),
    ('InjectLaunchSecret refused by real polkitd: NotAuthorized, InteractiveAuthorizationRequired', test_inject_refused),
    ('InjectLaunchSecret checks its arguments before polkit', test_inject_checked_before_polkit),
    ('InjectLaunchSecret granted by a polkit rule: busctl and memcryptctl, address and resume', test_inject_granted),
    ('InjectLaunchSecret as root without polkit; an SNP guest is refused', test_inject_root_without_polkit),
    ('InjectLaunchSecret with dbusmock polkitd: allowed and refused', test_inject_mock),
]

if __name__ == '__main__':
    tap_main(TESTS)
