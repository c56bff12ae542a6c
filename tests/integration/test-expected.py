#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The expected launch measurement through the real bus: memcryptd on a snapshot copy whose firmware
is Debian's real OVMF (package ovmf: the images and their QEMU firmware descriptors, copied in), or
the synthetic AmdSev-like image of tests/fixtures/measure where SNP with kernel hashes needs one
(Debian 12 ships no OVMF.amdsev.fd; a real one is used when installed). Each digest memcryptd
answers must equal what `memcryptctl measure` prints for the argv memcryptd returned (run on the
same files), and, for SEV and SEV-ES, what libvirt's virt-qemu-sev-validate computes (an independent
implementation; its --debug log prints its digest). Callers are memcryptctl and busctl as uid 65534.

    test-expected.py [--memcryptctl PATH] --test-measure PATH
"""

import base64
import glob
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import tempfile

os.environ['G_MESSAGES_DEBUG'] = 'all'     # memcryptd logs each computation and cache hit (debug)

import harness  # noqa: E402
from harness import HarnessError, Skip, World, check, eq, is_root, plain, tap_main  # noqa: E402

PATH = harness.MANAGER_PATH
IFACE = 'org.memcrypt1.Attestation'
ERR = 'org.memcrypt1.Error.'
UID = 65534
VALIDATOR = '/usr/bin/virt-qemu-sev-validate'
SYSTEM_PYTHON = '/usr/bin/python3'      # the validator needs the distribution's python3 (lxml, libvirt)
TEST_MEASURE = harness._arg('test-measure')
CMDLINE = 'console=ttyS0 root=/dev/vda1 ro'
TIK, TEK, NONCE, API = bytes(range(16)), bytes(range(16, 32)), bytes(range(0x80, 0x90)), (1, 55, 31)


def need_root():
    if not is_root():
        raise Skip('calling as uid 65534 needs root')


def debian_ovmf():
    """Debian's OVMF package: the images and the descriptors naming them (or Skip, or fail in CI)."""
    code = '/usr/share/OVMF/OVMF_CODE.fd'
    descriptors = sorted(glob.glob('/usr/share/qemu/firmware/*.json'))
    if not os.path.exists(code) or not any('OVMF_CODE_4M.fd' in open(d).read() for d in descriptors):
        if os.environ.get('CI') == 'true':
            raise HarnessError("Debian's OVMF images are not installed (tools/setup: ovmf)")
        raise Skip("Debian's OVMF images and descriptors are not installed (package ovmf)")
    return descriptors


def copy_host(tmp, host):
    root = os.path.join(tmp, host)
    shutil.copytree(os.path.join(harness.HOSTS_DIR, host), root, symlinks=True)
    return root


def write(root, rel, data, mode='wb'):
    path = os.path.join(root, rel.lstrip('/'))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


def debian_root(tmp):
    """milan-attest as a Debian 12 host: QEMU 7.2 on Linux 6.1 (the legacy VMSA form), debug_swap off,
    Debian's own firmware descriptors and images; the fixture's stateless cc descriptor kept, its
    image replaced by Debian's real 2 MiB X64 OVMF_CODE.fd; the fixture's AmdSev one removed."""
    root = copy_host(tmp, 'milan-attest')
    write(root, 'libvirt/versions.json', '{"libvirt": "9.0.0", "qemu": "7.2.0"}', 'w')
    write(root, 'proc/sys/kernel/osrelease', '6.1.0-28-amd64\n', 'w')
    write(root, 'sys/module/kvm_amd/parameters/debug_swap', 'N\n', 'w')
    os.unlink(os.path.join(root, 'usr/share/qemu/firmware/30-edk2-ovmf-amdsev.json'))
    for d in debian_ovmf():
        shutil.copy(d, os.path.join(root, 'usr/share/qemu/firmware', os.path.basename(d)))
    for image in glob.glob('/usr/share/OVMF/OVMF_CODE*.fd'):
        shutil.copy(image, os.path.join(root, 'usr/share/OVMF', os.path.basename(image)))
    shutil.copy('/usr/share/OVMF/OVMF_CODE.fd', os.path.join(root, 'usr/share/OVMF/OVMF_CODE.cc.fd'))
    return root


def synth(tmp):
    """The synthetic images, kernel and initrd (test-measure --write)."""
    if not TEST_MEASURE:
        raise HarnessError('no --test-measure PATH')
    out = os.path.join(tmp, 'synth')
    os.makedirs(out)
    subprocess.run([TEST_MEASURE, '--write', out], check=True, capture_output=True)
    return out


def document(launch, vcpus=1, cpu='', os_extra=''):
    return ("<domain type='kvm'><name>new</name><vcpu>%d</vcpu><os firmware='efi'>"
            "<type arch='x86_64' machine='q35'>hvm</type>%s</os>%s%s</domain>" % (vcpus, os_extra, cpu, launch))


def ctl(w, *args):
    if not harness.MEMCRYPTCTL:
        raise HarnessError('memcryptctl was not built (no --memcryptctl PATH)')
    return w.run([harness.MEMCRYPTCTL, '--no-ask-password'] + list(args), uid=UID)


def expected(w, *args):
    r = ctl(w, '--json=short', 'attest', 'expected', *args)
    check(r.returncode == 0, 'memcryptctl attest expected %s' % ' '.join(args), r)
    got = json.loads(r.stdout)
    check(set(got) == {'measurement', 'inputs', 'command'}, 'the JSON has measurement, inputs, command', got)
    return got


def in_root(root, argv, files=None):
    """The argv with each file option's path read from ROOT, or from FILES (path -> where it is)."""
    out = list(argv)
    for i, a in enumerate(out[:-1]):
        if a in ('--ovmf', '--kernel', '--initrd'):
            p = out[i + 1]
            out[i + 1] = (files or {}).get(p) or os.path.join(root, p.lstrip('/'))
    return out


def measure(argv):
    if not harness.MEMCRYPTCTL:
        raise HarnessError('memcryptctl was not built')
    check(argv[:2] == ['memcryptctl', 'measure'], 'the command is a memcryptctl measure argv', argv)
    r = subprocess.run([harness.MEMCRYPTCTL] + argv[1:], capture_output=True, text=True)
    check(r.returncode == 0, 'memcryptctl measure with the returned argv', r)
    return r.stdout.strip()


def validate(tmp, digest, policy, firmware, vcpus=None, signature=None):
    """virt-qemu-sev-validate's own digest for these inputs; it must also accept a measurement made from
    DIGEST (it says so only when it computes the same)."""
    if not os.access(VALIDATOR, os.X_OK):
        if os.environ.get('CI') == 'true':
            raise HarnessError('virt-qemu-sev-validate is not installed (tools/setup: libvirt-clients-qemu)')
        return None
    for name, data in (('tik', TIK), ('tek', TEK)):
        write(tmp, name, data)
    msg = bytes([0x04, *API]) + policy.to_bytes(4, 'little') + bytes.fromhex(digest) + NONCE
    m = base64.b64encode(hmac.new(TIK, msg, 'sha256').digest() + NONCE).decode()
    args = [SYSTEM_PYTHON, VALIDATOR, '--debug', '--measurement', m, '--api-major', str(API[0]),
            '--api-minor', str(API[1]), '--build-id', str(API[2]), '--policy', str(policy),
            '--firmware', firmware, '--tik', os.path.join(tmp, 'tik'), '--tek', os.path.join(tmp, 'tek')]
    if vcpus:
        family = ((signature >> 8) & 0xf) + ((signature >> 20) & 0xff)
        model = ((signature >> 16) & 0xf) << 4 | ((signature >> 4) & 0xf)
        args += ['--num-cpus', str(vcpus), '--cpu-family', str(family), '--cpu-model', str(model),
                 '--cpu-stepping', str(signature & 0xf)]
    r = subprocess.run(args, capture_output=True, text=True)
    found = re.search(r'Measured-data\(sha256\): ([0-9a-f]{64})', r.stderr)
    check(r.returncode == 0 and found, 'virt-qemu-sev-validate accepts it', r)
    return found.group(1)


def agree(tmp, root, got, policy, what, files=None, vcpus=None):
    """memcryptd's digest = memcryptctl measure's with memcryptd's argv (= the validator's for SEV/SEV-ES)."""
    digest = got['measurement']
    eq(measure(in_root(root, got['command'], files)), digest, what + ': memcryptctl measure with the argv')
    if got['inputs']['mode'] in ('sev', 'seves'):
        firmware = os.path.join(root, got['inputs']['firmware']['path'].lstrip('/'))
        theirs = validate(tmp, digest, policy, firmware, vcpus, got['inputs'].get('vcpu_signature'))
        if theirs is not None:
            eq(theirs, digest, what + ': virt-qemu-sev-validate computes the same digest')
    return digest


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


# ---- a Debian 12 host ---------------------------------------------------------------------------

def test_debian_domain_by_name():
    """sev-paused (SEV, host-passthrough, loader the cc descriptor's image = Debian's OVMF_CODE.fd)."""
    need_root()
    tmp = tempfile.mkdtemp(prefix='memcrypt-expected.')
    os.chmod(tmp, 0o755)        # memcryptctl runs as uid 65534 and reads the documents here
    try:
        root = debian_root(tmp)
        with World(root=root, polkit='none') as w:
            got = expected(w, 'sev-paused')
            inputs = got['inputs']
            eq(inputs['mode'], 'sev', 'mode')
            eq(inputs['firmware']['path'], '/usr/share/OVMF/OVMF_CODE.cc.fd', 'the loader')
            eq(inputs['firmware']['sha256'], sha256('/usr/share/OVMF/OVMF_CODE.fd'), "Debian's image, hashed")
            eq(inputs['firmware']['size'], os.path.getsize('/usr/share/OVMF/OVMF_CODE.fd'), 'its size')
            digest = agree(tmp, w.root, got, 0x33, 'sev-paused')
            # GetLaunchMeasurement of the paused guest carries the same digest.
            info = harness_call(w, 'GetLaunchMeasurement', 's', 'sev-paused')
            eq(info['expected_measurement'], digest, 'GetLaunchMeasurement expected_measurement')
            r = ctl(w, '--json=short', 'attest', 'measurement', 'sev-paused')
            eq(json.loads(r.stdout)['expected_measurement'], digest, 'memcryptctl attest measurement')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def harness_call(w, method, sig, *args):
    out = w.busctl_json('call', harness.BUS_NAME, PATH, IFACE, method, sig, *args, uid=UID)
    return plain(out['data'][0])


def test_debian_documents():
    """Documents sent by the caller: SEV-ES through the cc descriptor (firmware='efi') and through a
    loader Debian's own descriptor lists (OVMF_CODE_4M.fd); both in the legacy form QEMU 7.2 uses."""
    need_root()
    tmp = tempfile.mkdtemp(prefix='memcrypt-expected.')
    os.chmod(tmp, 0o755)        # memcryptctl runs as uid 65534 and reads the documents here
    try:
        root = debian_root(tmp)
        milan = "<cpu mode='custom'><model>EPYC-Milan</model></cpu>"
        with World(root=root, polkit='none') as w:
            path = os.path.join(tmp, 'es.xml')
            write(tmp, 'es.xml', document("<launchSecurity type='sev'><policy>0x0037</policy></launchSecurity>",
                                         2, milan), 'w')
            got = expected(w, '--domain-xml', path)
            inputs = got['inputs']
            eq((inputs['mode'], inputs['vcpus'], inputs['vcpu_signature'], inputs['vmsa_form'],
                inputs['guest_features']), ('seves', 2, 0xa00f11, 'legacy', 0), 'derived inputs')
            check('QEMU 7.2.0 (< 9.1)' in inputs['vmsa_form_reason'], 'why legacy', inputs)
            check('40-edk2-ovmf-cc.json' in inputs['firmware']['descriptor'], 'the pinned descriptor', inputs)
            agree(tmp, w.root, got, 0x37, 'SEV-ES, 2 vCPUs EPYC-Milan', vcpus=2)

            write(tmp, 'es4m.xml', document("<launchSecurity type='sev'><policy>0x0037</policy></launchSecurity>",
                                            4, "<cpu mode='host-passthrough'/>",
                                            "<loader type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>"), 'w')
            got = expected(w, '--domain-xml', os.path.join(tmp, 'es4m.xml'))
            eq(got['inputs']['firmware']['descriptor'], '/usr/share/qemu/firmware/60-edk2-x86_64.json',
               "Debian's descriptor lists the loader")
            check("this host's CPUID" in got['inputs']['vcpu_signature_source'], 'host-passthrough', got['inputs'])
            agree(tmp, w.root, got, 0x37, 'SEV-ES, 4 vCPUs host-passthrough, OVMF_CODE_4M.fd', vcpus=4)

            # The same document again: answered from the cache (memcryptd's debug log says so).
            again = expected(w, '--domain-xml', os.path.join(tmp, 'es4m.xml'))
            eq(again, got, 'a repeat gives the same answer')
            log = w.log('memcryptd')
            eq((log.count('computed from the files'), log.count('from the cache (no file read)')), (2, 1),
               'two computations and one cache hit in the log')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_refusals():
    """A caller's document cannot make memcryptd open what it names: kernel paths need descriptors,
    a loader must be listed by a descriptor; an unknown CPU model names the option."""
    need_root()
    tmp = tempfile.mkdtemp(prefix='memcrypt-expected.')
    os.chmod(tmp, 0o755)        # memcryptctl runs as uid 65534 and reads the documents here
    try:
        root = debian_root(tmp)
        sev = "<launchSecurity type='sev' kernelHashes='yes'><policy>0x0033</policy></launchSecurity>"
        cases = [
            (document(sev, os_extra='<kernel>/var/lib/libvirt/boot/vmlinuz-guest</kernel>'), 'InvalidArgument',
             'as a file descriptor'),
            (document(sev, os_extra="<loader type='pflash'>/etc/hostname</loader>"), 'MeasurementUnavailable',
             'not a firmware image a QEMU firmware descriptor'),
            (document("<launchSecurity type='sev-snp'><policy>0x30000</policy></launchSecurity>", 1,
                      "<cpu mode='custom'><model>Opteron_G5</model></cpu>"), 'MeasurementUnavailable',
             "offers 'amd-sev-snp'"),
            (document("<launchSecurity type='sev'><policy>0x0037</policy></launchSecurity>", 1,
                      "<cpu mode='custom'><model>Opteron_G5</model></cpu>"), 'InvalidArgument',
             'option vcpu_signature'),
        ]
        with World(root=root, polkit='none') as w:
            for i, (xml, name, words) in enumerate(cases):
                path = os.path.join(tmp, 'bad%d.xml' % i)
                write(tmp, 'bad%d.xml' % i, xml, 'w')
                r = ctl(w, 'attest', 'expected', '--domain-xml', path)
                check(r.returncode == 1 and name in r.stderr and words in r.stderr and not r.stdout,
                      'refused with %s: %s' % (name, words), r)
            r = ctl(w, 'attest', 'expected', '--domain-xml', os.path.join(tmp, 'bad3.xml'), '--option',
                    'vcpu_signature=0xa00f11')
            check(r.returncode == 0, 'the option supplies the signature', r)
            r = ctl(w, 'attest', 'expected', 'sev-paused', '--kernel', '/dev/null')
            check(r.returncode == 2 and '--domain-xml' in r.stderr, '--kernel without --domain-xml', r)
            r = w.busctl('call', harness.BUS_NAME, PATH, IFACE, 'GetExpectedMeasurement', 'sa{sv}', 'nobody', '0',
                         uid=UID)
            check(r.returncode != 0 and 'No domain named' in r.stderr, 'busctl: NoSuchDomain', r)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---- SNP with kernel hashes ---------------------------------------------------------------------

def test_snp_with_kernel():
    """milan-attest as it is (QEMU 9.2, Linux 6.12: init2) with an AmdSev image (real if installed, else
    the synthetic one) behind its descriptor, and the kernel and initrd sent as descriptors."""
    need_root()
    tmp = tempfile.mkdtemp(prefix='memcrypt-expected.')
    os.chmod(tmp, 0o755)        # memcryptctl runs as uid 65534 and reads the documents here
    try:
        root = copy_host(tmp, 'milan-attest')
        s = synth(tmp)
        amdsev = '/usr/share/OVMF/OVMF.amdsev.fd'
        shutil.copy(amdsev if os.path.exists(amdsev) else os.path.join(s, 'synth_amdsev_like.bin'),
                    os.path.join(root, amdsev.lstrip('/')))
        kernel, initrd = os.path.join(s, 'kernel.bin'), os.path.join(s, 'initrd.bin')
        for f in (kernel, initrd):
            os.chmod(f, 0o644)
        os.chmod(s, 0o755)
        xml = document("<launchSecurity type='sev-snp' kernelHashes='yes'><policy>0x30000</policy>"
                       "</launchSecurity>", 4, "<cpu mode='custom'><model>EPYC-Milan</model></cpu>",
                       "<loader stateless='yes'/><kernel>/boot/vmlinuz</kernel><initrd>/boot/initrd.img</initrd>"
                       "<cmdline>%s</cmdline>" % CMDLINE)
        write(tmp, 'snp.xml', xml, 'w')
        with World(root=root, polkit='none') as w:
            got = expected(w, '--domain-xml', os.path.join(tmp, 'snp.xml'), '--kernel', kernel, '--initrd', initrd)
            inputs = got['inputs']
            eq((inputs['mode'], inputs['vmsa_form'], inputs['guest_features'], inputs['cmdline']),
               ('snp', 'init2', 1, CMDLINE), 'SNP inputs')
            eq(inputs['kernel']['sha256'], sha256(kernel), 'the kernel hashed from its descriptor')
            eq(inputs['kernel']['path'], '/boot/vmlinuz', "the document's path, never opened")
            eq(len(got['measurement']), 96, 'SHA-384')
            agree(tmp, w.root, got, 0x30000, 'SNP + kernel hashes',
                  files={'/boot/vmlinuz': kernel, '/boot/initrd.img': initrd})
            if not os.path.exists(amdsev):
                # The synthetic vector 25 (sev-snp-measure 0.0.13's digest).
                eq(got['measurement'], '0e09b98e8bf394f2a532265e59b2c46697d6fb771462d28abe0e3eb4eb6a823f'
                                       '3b0d233c65a183c761c9cf1687212483', 'vectors-synthetic.json #25')
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


TESTS = [
    ("GetExpectedMeasurement of a recorded domain on Debian's OVMF: measure and virt-qemu-sev-validate agree; "
     'GetLaunchMeasurement carries it', test_debian_domain_by_name),
    ("ComputeExpectedMeasurement of SEV-ES documents on Debian's OVMF (legacy form): measure and the validator "
     'agree; a repeat is answered from the cache', test_debian_documents),
    ('refusals: kernel paths without descriptors, unlisted loaders, no SNP firmware, unknown CPU models',
     test_refusals),
    ('SNP with kernel hashes from descriptors: measure with the returned argv agrees', test_snp_with_kernel),
]

if __name__ == '__main__':
    tap_main(TESTS)
