#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ConfigureDomain, GenerateLaunchSecurity and ValidateDomain over the bus, checked by oracles that
are not memcryptd: libvirt 10.7's RELAX NG schema (xmllint), libvirt itself (test:///default,
`define --validate` then `dumpxml`), the QEMU firmware descriptors of the host snapshot, and the
input documents (tests/fixtures/domains/, see its README).

memcryptd runs on the snapshots milan-snp-off (SEV and SEV-ES usable, SNP not) and milan-snp
(SEV and SEV-SNP usable, SEV-ES blocked by SNP; SMT on). Calls go through bus-call.py (python3-dbus),
because documents over 128 KiB cannot be passed on a busctl command line."""

import copy
import fnmatch
import json
import os
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET

from busclient import Bus
from harness import SOURCE_ROOT, HarnessError, Skip, World, check, dbus_python, eq, run, tap_main

SCHEMA = os.path.join(SOURCE_ROOT, 'tests', 'fixtures', 'libvirt', 'schemas', 'domain.rng')
DOMAINS = os.path.join(SOURCE_ROOT, 'tests', 'fixtures', 'domains')
FIXTURES = ('virt-install-q35', 'nova-q35', 'i440fx', 'hostdev', 'kernel-boot', 'launchsec')
ERR = 'org.memcrypt1.Error.'
DOMAIN_XML_MAX = 1024 * 1024          # service/core/domain.h

# What each host offers (tests/fixtures/hosts/README.md); checked against the bus before use.
USABLE = {
    'milan-snp-off': {'amd-sev': True, 'amd-sev-es': True, 'amd-sev-snp': False},
    'milan-snp': {'amd-sev': True, 'amd-sev-es': False, 'amd-sev-snp': True},
}
FEATURE = {'amd-sev': 'amd-sev', 'amd-sev-es': 'amd-sev-es', 'amd-sev-snp': 'amd-sev-snp'}
DEFAULT_POLICY_TEXT = {'amd-sev': '0x0033', 'amd-sev-es': '0x0037', 'amd-sev-snp': '0x00030000'}
LOCKED_OVERHEAD_KIB = 256 * 1024


def fixture(name):
    with open(os.path.join(DOMAINS, name + '.xml'), encoding='utf-8') as f:
        return f.read()


def parse(text):
    return ET.fromstring(text.encode('utf-8'))


def tostring(root):
    return ET.tostring(root, encoding='unicode')


def canon(e):
    """An element as nested tuples: tag, sorted attributes, stripped text, children in order."""
    return (e.tag, tuple(sorted(e.attrib.items())), (e.text or '').strip(), tuple(canon(c) for c in e))


def b64(n, byte=0x5a):
    import base64
    return base64.b64encode(bytes([byte]) * n).decode()


# -- the oracles ---------------------------------------------------------------------------------

def need_tools():
    for tool, package in (('xmllint', 'libxml2-utils'), ('virsh', 'libvirt-clients')):
        if not shutil.which(tool):
            raise HarnessError('%s is not installed (package %s; tools/setup installs it)' % (tool, package))
    if not os.path.exists(SCHEMA):
        raise HarnessError('libvirt schema %s not found' % SCHEMA)
    if not dbus_python():
        raise Skip('python3-dbus is not installed')


class Oracles:
    """xmllint against libvirt 10.7's schema, and libvirt's test driver."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.n = 0

    def write(self, text, stem='doc'):
        self.n += 1
        path = os.path.join(self.tmp, '%s-%03d.xml' % (stem, self.n))
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
        return path

    def schema_valid(self, docs):
        """{label: text}: raise naming every document that does not validate (one xmllint run)."""
        paths = {self.write(text, 'rng'): label for label, text in docs.items()}
        r = run(['xmllint', '--noout', '--relaxng', SCHEMA] + list(paths), timeout=120)
        bad = []
        for path, label in paths.items():
            if '%s validates' % path not in r.stderr:
                errs = [l for l in r.stderr.splitlines() if l.startswith(path)]
                bad.append('%s:\n  %s\n--- document ---\n%s' % (label, '\n  '.join(errs[:8]), docs[label]))
        check(not bad, 'not valid against libvirt 10.7 domain.rng (%s):\n%s' % (SCHEMA, '\n'.join(bad)))

    def libvirt_roundtrip(self, label, text):
        """define --validate on test:///default and dumpxml, in one virsh (each connection to
        test:///default starts from the driver's default state). Returns the parsed dumpxml."""
        name = parse(text).findtext('name')
        path = self.write(text, 'virsh')
        r = run(['virsh', '-q', '-c', 'test:///default', 'define --validate %s; dumpxml %s' % (path, name)],
                timeout=60)
        check(r.returncode == 0 and '<domain' in r.stdout,
              '%s: libvirt (test:///default) refused the document: %s%s\n--- document ---\n%s' % (
                  label, r.stderr, r.stdout, text))
        return parse(r.stdout[r.stdout.index('<domain'):])


# -- QEMU firmware descriptors of the snapshot (QEMU docs/interop/firmware.json search rules) -----

def descriptors(root):
    by_name = {}
    for d in ('usr/share/qemu/firmware', 'etc/qemu/firmware'):     # later directories replace earlier
        full = os.path.join(root, d)
        if os.path.isdir(full):
            for n in os.listdir(full):
                if n.endswith('.json'):
                    by_name[n] = os.path.join(full, n)
    out = []
    for n in sorted(by_name):
        if os.path.getsize(by_name[n]) == 0:
            continue
        with open(by_name[n]) as f:
            out.append((n, json.load(f)))
    return out


def descriptor_executable(desc):
    m = desc['mapping']
    if m['device'] == 'flash':
        return m['executable']['filename']
    return m.get('filename')


def descriptor_fits_q35(desc, machine):
    for t in desc.get('targets', []):
        if t.get('architecture') == 'x86_64' and any(fnmatch.fnmatchcase(machine, g) for g in t.get('machines', [])):
            return True
    return False


def libvirt_autoselect(dom, descs):
    """The descriptor libvirt's firmware autoselection takes for DOM: the first, in QEMU's
    precedence order, that qemuFirmwareMatchDomain() (src/qemu/qemu_firmware.c, libvirt 9.2-10.x:
    interface, paths, machine, <firmware> features, SMM, flash mode vs <loader stateless>, launch
    security features) accepts. (name, descriptor) or None."""
    os_ = dom.find('os')
    loader = os_.find('loader')
    want = {'efi': 'uefi', 'bios': 'bios'}.get(os_.get('firmware') or '')
    if not want and loader is not None:
        want = {'rom': 'bios', 'pflash': 'uefi'}.get(loader.get('type') or '')
    machine = os_.find('type').get('machine') or 'pc'
    if machine == 'q35':
        machine = 'pc-q35-9.2'      # libvirt canonicalises the alias before selecting firmware
    wanted = {f.get('name'): f.get('enabled') for f in os_.findall('firmware/feature')}
    smm = dom.find('features/smm')
    ls = dom.find('launchSecurity')
    path = (loader.text or '').strip() if loader is not None else ''
    for n, d in descs:
        feats = set(d.get('features', []))
        m = d['mapping']
        if want not in d.get('interface-types', []):
            continue
        if path and path != descriptor_executable(d):
            continue
        if not descriptor_fits_q35(d, machine):
            continue
        if any((v == 'yes') != (k in feats) for k, v in wanted.items() if k in ('secure-boot', 'enrolled-keys')):
            continue
        secure = loader.get('secure') if loader is not None else None
        if 'requires-smm' in feats:
            if (smm is not None and smm.get('state') == 'off') or secure == 'no':
                continue
        elif secure == 'yes':
            continue
        if loader is not None and loader.get('type') and \
                loader.get('type') != {'memory': 'rom', 'flash': 'pflash'}.get(m['device']):
            continue
        if m['device'] == 'flash':
            mode = m.get('mode', 'split')
            if loader is not None and loader.get('stateless') == 'yes':
                if mode != 'stateless':
                    continue
            elif mode != 'split':
                continue
            if loader is not None and loader.get('readonly') == 'no' and mode != 'combined':
                continue
        if ls is not None:
            if ls.get('type') == 'sev':
                if 'amd-sev' not in feats:
                    continue
                if int(ls.findtext('policy'), 16) & 0x4 and 'amd-sev-es' not in feats:
                    continue
            elif ls.get('type') == 'sev-snp' and 'amd-sev-snp' not in feats:
                continue
        return n, d
    return None


# -- reading results -----------------------------------------------------------------------------

def virtio_devices(root):
    """(element, description) of every virtio device under /domain/devices."""
    out = []
    devs = root.find('devices')
    for dev in devs if devs is not None else []:
        t = dev.tag
        virtio = False
        if t == 'disk':
            tgt = dev.find('target')
            virtio = tgt is not None and tgt.get('bus') == 'virtio'
        elif t == 'controller':
            virtio = dev.get('type') == 'virtio-serial' or (
                dev.get('type') == 'scsi' and (dev.get('model') or '').startswith('virtio'))
        elif t in ('interface', 'video'):
            m = dev.find('model')
            virtio = m is not None and (m.get('type') or '').startswith('virtio')
        elif t in ('rng', 'memballoon'):
            virtio = (dev.get('model') or '').startswith('virtio')
        elif t == 'input':
            virtio = dev.get('bus') == 'virtio'
        if virtio:
            out.append(dev)
    return out


def path_of(root, target):
    """'/domain/devices/disk[2]' style path of TARGET (an index only when siblings share the name)."""
    def walk(e, prefix):
        if e is target:
            return prefix
        counts = {}
        for c in e:
            counts[c.tag] = counts.get(c.tag, 0) + 1
        seen = {}
        for c in e:
            seen[c.tag] = seen.get(c.tag, 0) + 1
            step = c.tag if counts[c.tag] == 1 else '%s[%d]' % (c.tag, seen[c.tag])
            p = walk(c, prefix + '/' + step)
            if p:
                return p
        return None
    return walk(root, '/' + root.tag)


STEP = re.compile(r'^([A-Za-z_][\w.-]*)(?:\[(\d+)\])?$')


def resolve(root, where):
    """Resolve a finding's WHERE against the input document: (element or None, parent element).
    Every step but the last must exist (the last may name a missing child); a step without an
    index must be unambiguous. Raises AssertionError for anything else."""
    check(where.startswith('/domain'), 'where %r does not start with /domain' % where)
    steps = where.split('/')[1:]
    check(steps[0] == 'domain', 'where %r: first step is not domain' % where)
    cur, parent = root, None
    for i, s in enumerate(steps[1:], 1):
        m = STEP.match(s)
        check(m, 'where %r: step %r is not name or name[n]' % (where, s))
        kids = [c for c in cur if c.tag == m.group(1)]
        if m.group(2):
            n = int(m.group(2))
            nxt = kids[n - 1] if 1 <= n <= len(kids) else None
        else:
            check(len(kids) <= 1, 'where %r: step %r is ambiguous (%d siblings)' % (where, s, len(kids)))
            nxt = kids[0] if kids else None
        if nxt is None:
            check(i == len(steps) - 1, 'where %r: %r does not exist in the input' % (where, '/'.join(steps[:i + 1])))
            return None, cur
        parent, cur = cur, nxt
    return cur, parent


def inside(root, where, element):
    """Whether WHERE names ELEMENT, something inside it, or a missing child of it."""
    found, parent = resolve(root, where)
    node = found if found is not None else parent
    return any(node is x for x in element.iter())


def strip_configurable(root, smm=False):
    """A copy of a domain without what ConfigureDomain may change (docs/design.md "Generated XML"):
    launchSecurity, os@firmware, loader/nvram/firmware, vmcoreinfo (and smm when the firmware
    needs it: SMM), memoryBacking/locked, driver@iommu, the NIC <rom>, the memballoon."""
    r = copy.deepcopy(root)
    for ls in r.findall('launchSecurity'):
        r.remove(ls)
    os_ = r.find('os')
    if os_ is not None:
        os_.attrib.pop('firmware', None)
        for tag in ('loader', 'nvram', 'firmware'):
            for x in os_.findall(tag):
                os_.remove(x)
    feats = r.find('features')
    if feats is not None:
        for tag in ('vmcoreinfo', 'smm') if smm else ('vmcoreinfo',):
            for x in feats.findall(tag):
                feats.remove(x)
    mb = r.find('memoryBacking')
    if mb is not None:
        for x in mb.findall('locked'):
            mb.remove(x)
        if len(mb) == 0 and not mb.attrib:
            r.remove(mb)
    devs = r.find('devices')
    if devs is not None:
        for dev in list(devs):
            if dev.tag == 'memballoon':
                devs.remove(dev)
                continue
            for drv in dev.findall('driver'):
                drv.attrib.pop('iommu', None)
                if not drv.attrib and len(drv) == 0:
                    dev.remove(drv)
            if dev.tag == 'interface':
                for rom in dev.findall('rom'):
                    dev.remove(rom)
    return r


def first_diff(a, b, path=''):
    """Where two canon() tuples differ, for messages."""
    if a[0] != b[0]:
        return '%s: element %s vs %s' % (path, a[0], b[0])
    here = path + '/' + a[0]
    if a[1] != b[1]:
        return '%s: attributes %s vs %s' % (here, dict(a[1]), dict(b[1]))
    if a[2] != b[2]:
        return '%s: text %r vs %r' % (here, a[2], b[2])
    if len(a[3]) != len(b[3]):
        return '%s: children %s vs %s' % (here, [c[0] for c in a[3]], [c[0] for c in b[3]])
    for x, y in zip(a[3], b[3]):
        d = first_diff(x, y, here)
        if d:
            return d
    return None


class Host:
    """memcryptd on a snapshot, with a bus client and the oracles."""

    def __init__(self, name):
        need_tools()
        self.name = name
        self.world = World(host=name)

    def __enter__(self):
        w = self.world.__enter__()
        self.bus = Bus(w)
        self.oracle = Oracles(tempfile.mkdtemp(prefix='oracle.', dir=w.tmp))
        self.descriptors = descriptors(w.root)
        self.props = {m: self.bus.model_props(m) for m in USABLE[self.name]}
        for m, usable in USABLE[self.name].items():
            eq(self.props[m]['Usable'], usable, '%s: %s Usable (the test assumes the snapshot README)' % (
                self.name, m))
        return self

    def __exit__(self, *exc):
        return self.world.__exit__(*exc)

    def usable(self):
        return [m for m, u in USABLE[self.name].items() if u]

    def unusable(self):
        return [m for m, u in USABLE[self.name].items() if not u]


# -- what a configured domain must look like -----------------------------------------------------

def check_launch_security(ls, model, label, policy=None, kernel_hashes=None):
    """One generated/configured <launchSecurity> (docs/design.md "Generated XML")."""
    want_type = 'sev-snp' if model == 'amd-sev-snp' else 'sev'
    eq(ls.get('type'), want_type, '%s: launchSecurity type' % label)
    text = (ls.findtext('policy') or '').strip()
    if policy is None:
        eq(text, DEFAULT_POLICY_TEXT[model], '%s: launchSecurity policy (docs/design.md default)' % label)
    else:
        check(text.startswith('0x'), '%s: policy %r is not 0x-hex' % (label, text))
        eq(int(text, 16), policy, '%s: launchSecurity policy value' % label)
    eq(len(ls.findall('policy')), 1, '%s: number of <policy>' % label)
    if model == 'amd-sev-snp':
        eq(ls.get('authorKey'), 'no', '%s: authorKey' % label)
        eq(ls.get('vcek'), 'yes', '%s: vcek' % label)
        eq(ls.get('kernelHashes'), 'yes' if kernel_hashes else 'no', '%s: kernelHashes' % label)
    else:
        check(ls.get('kernelHashes') in ((('yes',) if kernel_hashes else (None, 'no'))),
              '%s: kernelHashes=%r, want %s' % (label, ls.get('kernelHashes'), 'yes' if kernel_hashes else 'no/absent'))
        check(set(ls.attrib) <= {'type', 'kernelHashes'}, '%s: SEV attributes %s' % (label, ls.attrib))


def check_configured(h, label, src, out, model, keep_balloon=False, policy=None):
    """Every rule of ConfigureDomain on OUT, the result of configuring SRC for MODEL on host H."""
    inp, res = parse(src), parse(out)
    kernel_boot = inp.find('os/kernel') is not None
    # launchSecurity: exactly one, the model's, appended when there was none
    lss = res.findall('launchSecurity')
    eq(len(lss), 1, '%s: number of <launchSecurity>' % label)
    check_launch_security(lss[0], model, label, policy=policy, kernel_hashes=kernel_boot)
    if inp.find('launchSecurity') is None:
        eq(list(res)[-1].tag, 'launchSecurity', '%s: <launchSecurity> appended as the last element' % label)
    eq(len(res.findall('.//launchSecurity')), 1, '%s: launchSecurity anywhere else' % label)
    # machine type: q35, unchanged when it was set
    mtype = res.find('os/type')
    check(mtype is not None and 'q35' in (mtype.get('machine') or ''), '%s: machine %r' % (
        label, mtype.attrib if mtype is not None else None))
    if inp.find('os/type').get('machine'):
        eq(mtype.get('machine'), inp.find('os/type').get('machine'), '%s: machine type kept' % label)
    # firmware: efi; what libvirt's autoselection picks from this host's descriptors for the
    # result has the model's feature (and, with a manual <loader>, is that loader)
    os_ = res.find('os')
    eq(os_.get('firmware'), 'efi', '%s: <os firmware>' % label)
    eq(len(os_.findall('loader')), len(os_.findall('loader')[:1]), '%s: more than one <loader>' % label)
    picked = libvirt_autoselect(res, h.descriptors)
    check(picked, '%s: libvirt would find no firmware for this domain among %s (os: %s)' % (
        label, [n for n, d in h.descriptors], ET.tostring(os_, encoding='unicode')))
    n, desc = picked
    check(FEATURE[model] in desc.get('features', []), '%s: libvirt would pick %s, which lacks feature %s (has %s)'
          % (label, n, FEATURE[model], desc.get('features')))
    check(descriptor_executable(desc) in h.props[model]['Firmware'], '%s: libvirt would pick %s (%s), not in %s '
          'Firmware %s' % (label, n, descriptor_executable(desc), model, h.props[model]['Firmware']))
    if model == 'amd-sev-snp':
        loader = os_.find('loader')
        check(loader is not None and loader.get('stateless') == 'yes', '%s: SEV-SNP without <loader stateless=yes>'
              % label)
        eq(os_.findall('nvram'), [], '%s: SEV-SNP <nvram>' % label)
        check(desc['mapping']['device'] == 'memory' or desc['mapping'].get('mode') == 'stateless',
              '%s: SEV-SNP firmware %s is not stateless' % (label, n))
    # memory pinning: SEV and SEV-ES, unless a hard limit covers RAM + 256 MiB
    locked = res.find('memoryBacking/locked') is not None
    if model == 'amd-sev-snp':
        eq(locked, inp.find('memoryBacking/locked') is not None, '%s: SEV-SNP <locked/> added or removed' % label)
    elif not hard_limit_covers(inp):
        check(locked, '%s: %s without <memoryBacking><locked/>' % (label, model))
    # no vmcoreinfo
    check(res.find('features/vmcoreinfo') is None, '%s: <vmcoreinfo> left in' % label)
    # virtio devices: <driver iommu='on'/>, one driver each; NICs without option ROM
    for dev in virtio_devices(res):
        drivers = dev.findall('driver')
        where = path_of(res, dev)
        eq(len(drivers), 1, '%s: %s <driver> elements' % (label, where))
        eq(drivers[0].get('iommu'), 'on', '%s: %s driver iommu' % (label, where))
        if dev.tag == 'interface':
            roms = dev.findall('rom')
            check(len(roms) == 1 and roms[0].get('enabled') == 'no', '%s: %s rom %s' % (
                label, where, [r.attrib for r in roms]))
    # the balloon: model none, or kept virtio (with iommu, checked above) with keep_balloon
    balloons = res.findall('devices/memballoon')
    eq(len(balloons), 1, '%s: number of <memballoon>' % label)
    if keep_balloon:
        src_balloon = inp.find('devices/memballoon')
        eq(balloons[0].get('model'), src_balloon.get('model') if src_balloon is not None else 'none',
           '%s: kept memballoon model' % label)
        if src_balloon is not None:
            eq(canon(strip_driver(balloons[0])), canon(strip_driver(src_balloon)), '%s: kept memballoon' % label)
    else:
        eq(balloons[0].get('model'), 'none', '%s: memballoon model' % label)
        eq(list(balloons[0]), [], '%s: children of memballoon model=none' % label)
    # everything else survives
    smm = 'requires-smm' in desc.get('features', [])
    a, b = canon(strip_configurable(inp, smm)), canon(strip_configurable(res, smm))
    check(a == b, '%s: unrelated content changed: %s' % (label, first_diff(a, b)))
    for disk_in, disk_out in zip(inp.findall('devices/disk'), res.findall('devices/disk')):
        eq(disk_out.find('source').attrib, disk_in.find('source').attrib, '%s: disk source' % label)
    return res


def strip_driver(e):
    c = copy.deepcopy(e)
    for d in c.findall('driver'):
        d.attrib.pop('iommu', None)
        if not d.attrib and len(d) == 0:
            c.remove(d)
    return c


def memory_kib(e):
    if e is None or e.text is None:
        return None
    # libvirt's virScaleInteger(): case-insensitive; b/byte/bytes, X/XiB binary, XB decimal
    scale = {'b': 1, 'byte': 1, 'bytes': 1}
    for i, x in enumerate('kmgtpe', 1):
        scale.update({x: 1024 ** i, x + 'ib': 1024 ** i, x + 'b': 1000 ** i})
    return int(e.text.strip()) * scale[(e.get('unit') or 'KiB').lower()] // 1024


def hard_limit_covers(root):
    limit, ram = memory_kib(root.find('memtune/hard_limit')), memory_kib(root.find('memory'))
    return limit is not None and ram is not None and limit >= ram + LOCKED_OVERHEAD_KIB


def same_launch_security(label, ours, theirs):
    """libvirt's <launchSecurity> after define/dumpxml against ours: type, attributes, policy
    value, every other child's text (libvirt may add cbitpos/reducedPhysBits, nothing else)."""
    check(theirs is not None, '%s: libvirt dropped <launchSecurity>' % label)
    eq(dict(theirs.attrib), dict(ours.attrib), '%s: launchSecurity attributes after libvirt' % label)
    eq(int(theirs.findtext('policy'), 16), int(ours.findtext('policy'), 16), '%s: policy after libvirt' % label)
    mine = {c.tag: (c.text or '').strip() for c in ours if c.tag != 'policy'}
    back = {c.tag: (c.text or '').strip() for c in theirs if c.tag not in ('policy', 'cbitpos', 'reducedPhysBits')}
    eq(back, mine, '%s: launchSecurity children after libvirt' % label)


def findings_ok(label, findings):
    for f in findings:
        check(len(f) == 4, '%s: finding %r is not (severity, code, where, message)' % (label, f))
        sev, code, where, msg = f
        check(sev in ('error', 'warning'), '%s: severity %r' % (label, sev))
        check(re.fullmatch(r'[a-z0-9]+(-[a-z0-9]+)*', code), '%s: code %r is not a stable kebab-case code' % (
            label, code))
        check(where.startswith('/domain'), '%s: where %r' % (label, where))
        check(msg.strip(), '%s: empty message in %r' % (label, f))


def errors(findings):
    return [f for f in findings if f[0] == 'error']


# -- tests ---------------------------------------------------------------------------------------

def test_fixtures_are_valid():
    """The inputs themselves: libvirt 10.7 schema and libvirt's parser accept every fixture."""
    need_tools()
    tmp = tempfile.mkdtemp(prefix='memcrypt-oracle.')
    try:
        o = Oracles(tmp)
        o.schema_valid({n: fixture(n) for n in FIXTURES})
        for n in FIXTURES:
            dom = o.libvirt_roundtrip(n, fixture(n))
            eq(dom.findtext('name'), parse(fixture(n)).findtext('name'), n + ': name after libvirt')
        check(4500 <= len(fixture('nova-q35').encode()) <= 5500, 'nova-q35.xml is %d bytes, the benchmark wants '
              'about 5 KB' % len(fixture('nova-q35').encode()))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return '%d fixtures' % len(FIXTURES)


CONFIGURABLE = ('virt-install-q35', 'nova-q35', 'kernel-boot', 'launchsec')


def configure_all(host):
    """Every configurable fixture for every usable model: schema, libvirt round trip (SEV, SEV-ES),
    every rule, unrelated content, idempotence, ValidateDomain clean."""
    with Host(host) as h:
        results = {}
        for model in h.usable():
            for n in CONFIGURABLE:
                label = '%s %s %s' % (host, model, n)
                out = h.bus.configure(fixture(n), model)
                results[label] = (n, model, out)
        h.oracle.schema_valid({label: out for label, (n, model, out) in results.items()})
        for label, (n, model, out) in results.items():
            res = check_configured(h, label, fixture(n), out, model)
            if model != 'amd-sev-snp':
                back = h.oracle.libvirt_roundtrip(label, out)
                same_launch_security(label, res.find('launchSecurity'), back.find('launchSecurity'))
            else:
                # Debian 12's libvirt 9.0 does not know sev-snp: define the rest of the document
                # (firmware='efi' with <loader stateless>, devices) with an SEV element instead
                sev = copy.deepcopy(res)
                sev.remove(sev.find('launchSecurity'))
                sev.append(parse("<launchSecurity type='sev'><policy>0x0033</policy></launchSecurity>"))
                back = h.oracle.libvirt_roundtrip(label + ' (as SEV)', tostring(sev))
            eq(back.find('os').get('firmware'), 'efi', '%s: firmware after libvirt' % label)
            eq((back.findtext('os/loader') or '').strip(), (res.findtext('os/loader') or '').strip(),
               '%s: loader path after libvirt' % label)
            eq([canon(d) for d in back.findall('os/firmware/feature')],
               [canon(d) for d in res.findall('os/firmware/feature')], '%s: firmware features after libvirt' % label)
            # a fixpoint: configuring the result again changes nothing
            again = h.bus.configure(out, model)
            a, b = canon(parse(out)), canon(parse(again))
            check(a == b, '%s: configuring the result again changed it: %s' % (label, first_diff(a, b)))
            # and it validates clean, with the model named or taken from <launchSecurity>
            for opts in ({'model': ['s', model]}, {}):
                f = h.bus.validate(out, opts)
                findings_ok(label, f)
                eq(errors(f), [], '%s: ValidateDomain(%s) error findings on the configured domain' % (label, opts))
                eq(f, [], '%s: ValidateDomain(%s) findings on the configured domain (same rules as '
                          'ConfigureDomain: nothing left to change)' % (label, opts))
        # the nova specifics survive
        for label, (n, model, out) in results.items():
            if n != 'nova-q35':
                continue
            res, inp = parse(out), parse(fixture(n))
            ns = '{http://openstack.org/xmlns/libvirt/nova/1.1}instance'
            eq(canon(res.find('metadata/' + ns)), canon(inp.find('metadata/' + ns)), label + ': nova metadata')
            eq([(e.get('name'), e.text) for e in res.findall('sysinfo/system/entry')],
               [(e.get('name'), e.text) for e in inp.findall('sysinfo/system/entry')], label + ': sysinfo entries')
            eq(res.findtext('cputune/shares'), '2048', label + ': cputune shares')
            eq([i.find('mtu').get('size') for i in res.findall('devices/interface')], ['1450', '1500'],
               label + ': interface mtu')
            eq([d.find('driver').get('cache') for d in res.findall('devices/disk')], ['none', 'none'],
               label + ': disk cache')
            eq([s.find('log').attrib for s in res.findall('devices/serial')],
               [s.find('log').attrib for s in inp.findall('devices/serial')], label + ': serial log')
        return '%d configured documents' % len(results)


def test_unusable_models():
    """A model the host cannot run: ModelUnsupported naming the reasons, for every method that builds XML."""
    for host in USABLE:
        with Host(host) as h:
            for model in h.unusable():
                codes = [r[0] for r in h.props[model]['Reasons'] if r[1] == 'error']
                check(codes, '%s: %s unusable without an error reason' % (host, model))
                for method, args, sig in (('ConfigureDomain', (fixture('virt-install-q35'), model, {}), 'ssa{sv}'),
                                          ('GenerateLaunchSecurity', (model, {}), 'sa{sv}')):
                    r = h.bus.fails('ModelUnsupported', method, sig, *args, what='%s %s' % (host, model))
                    for c in codes:
                        check(c in r['message'], '%s %s %s: message %r does not name reason %s' % (
                            host, method, model, r['message'], c))
                # ValidateDomain reports it as a finding with the reason's code
                snp_like = fixture('launchsec').replace(
                    "<launchSecurity type='sev'>\n    <policy>0x0003</policy>",
                    "<launchSecurity type='sev-snp' authorKey='no' vcek='yes' kernelHashes='no'>\n"
                    "    <policy>0x00030000</policy>" if model == 'amd-sev-snp' else
                    "<launchSecurity type='sev'>\n    <policy>0x0037</policy>")
                check(snp_like != fixture('launchsec'), 'test bug: launchSecurity substitution')
                f = h.bus.validate(snp_like, {'model': ['s', model]})
                findings_ok('%s validate %s' % (host, model), f)
                got = [x for x in errors(f) if x[1] in codes]
                check(got, '%s: ValidateDomain for unusable %s has no error finding with code in %s: %s' % (
                    host, model, codes, f))
            for bogus in ('amd-bogus', 'sev', ''):
                h.bus.fails('UnknownModel', 'ConfigureDomain', 'ssa{sv}', fixture('nova-q35'), bogus, {},
                            what=repr(bogus))
                h.bus.fails('UnknownModel', 'GenerateLaunchSecurity', 'sa{sv}', bogus, {}, what=repr(bogus))
            h.bus.fails('UnknownModel', 'ValidateDomain', 'sa{sv}', fixture('nova-q35'), {'model': ['s', 'amd-bogus']})
            h.bus.ping()


def test_refusals():
    """i440fx, PCI passthrough, IDE, foreign launchSecurity; and a domain without a machine type."""
    with Host('milan-snp') as h:
        for model in h.usable():
            r = h.bus.fails('MachineTypeRequired', 'ConfigureDomain', 'ssa{sv}', fixture('i440fx'), model, {},
                            what='i440fx ' + model)
            check('pc-i440fx-7.2' in r['message'], 'MachineTypeRequired message does not name the machine type: %r'
                  % r['message'])
            r = h.bus.fails('IncompatibleDevice', 'ConfigureDomain', 'ssa{sv}', fixture('hostdev'), model, {},
                            what='hostdev ' + model)
            check('hostdev' in r['message'], 'IncompatibleDevice message does not name <hostdev>: %r' % r['message'])
            # IDE on an otherwise fine q35 guest
            ide = fixture('virt-install-q35').replace(
                "<target dev='sda' bus='sata'/>\n      <readonly/>\n      <address type='drive' controller='0' "
                "bus='0' target='0' unit='0'/>", "<target dev='hda' bus='ide'/>\n      <readonly/>")
            check("bus='ide'" in ide, 'test bug: IDE substitution')
            r = h.bus.fails('IncompatibleDevice', 'ConfigureDomain', 'ssa{sv}', ide, model, {}, what='IDE ' + model)
            check('ide' in r['message'].lower(), 'IncompatibleDevice message does not name IDE: %r' % r['message'])
            # a launchSecurity of another kind is not ours to replace
            for foreign in ("<launchSecurity type='s390-pv'/>", "<launchSecurity type='tdx'><policy>0x10000000"
                            "</policy></launchSecurity>"):
                doc = re.sub(r"<launchSecurity type='sev'>.*</launchSecurity>", foreign, fixture('launchsec'),
                             flags=re.S)
                check(foreign in doc, 'test bug: foreign substitution')
                h.bus.fails('InvalidDomainXml', 'ConfigureDomain', 'ssa{sv}', doc, model, {}, what=foreign)
            # no machine type: libvirt would pick pc (i440fx); the answer is q35 or a refusal
            doc = fixture('virt-install-q35').replace("<type arch='x86_64' machine='pc-q35-7.2'>", "<type arch='x86_64'>")
            r = h.bus.call('ConfigureDomain', 'ssa{sv}', doc, model, {})
            if 'error' in r:
                eq(r['error'], ERR + 'MachineTypeRequired', 'no machine type: error')
            else:
                machine = parse(r['ok'][0]).find('os/type').get('machine') or ''
                check('q35' in machine, 'no machine type: configured machine %r (libvirt would choose pc)' % machine)
                h.oracle.schema_valid({'no machine ' + model: r['ok'][0]})
        # ValidateDomain names the same problems, at the elements concerned
        for name, element, code in (('i440fx', 'os/type', 'machine-type'), ('hostdev', 'devices/hostdev', None)):
            inp = parse(fixture(name))
            f = h.bus.validate(fixture(name), {'model': ['s', 'amd-sev']})
            findings_ok(name, f)
            target = inp.find(element)
            check(any(inside(inp, x[2], target) for x in errors(f)), '%s: no error finding at %s: %s' % (
                name, path_of(inp, target), f))
            if code:
                check(any(x[1] == code for x in errors(f)), '%s: no %s finding: %s' % (name, code, f))
        inp = parse(fixture('i440fx'))
        ide_disk = [d for d in inp.findall('devices/disk') if d.find('target').get('bus') == 'ide'][0]
        f = h.bus.validate(fixture('i440fx'), {'model': ['s', 'amd-sev']})
        check(any(resolve(inp, x[2])[0] is ide_disk for x in errors(f)), 'i440fx: no error finding at the IDE disk '
              '%s: %s' % (path_of(inp, ide_disk), f))
        h.bus.ping()


def test_kernel_boot_and_replace():
    """kernelHashes follows direct kernel boot; an existing SEV launchSecurity is replaced."""
    results = []
    for host in USABLE:
        with Host(host) as h:
            for model in h.usable():
                out = h.bus.configure(fixture('kernel-boot'), model)
                ls = parse(out).find('launchSecurity')
                eq(ls.get('kernelHashes'), 'yes', '%s %s kernel-boot kernelHashes' % (host, model))
                res = parse(out)
                for tag in ('kernel', 'initrd', 'cmdline'):
                    eq(res.findtext('os/' + tag), parse(fixture('kernel-boot')).findtext('os/' + tag),
                       '%s %s: <os><%s>' % (host, model, tag))
                # kernel_hashes=false wins over direct boot; kernel_hashes=true without a kernel is refused
                out = h.bus.configure(fixture('kernel-boot'), model, {'kernel_hashes': ['b', False]})
                check(parse(out).find('launchSecurity').get('kernelHashes') in ('no', None) and
                      (model != 'amd-sev-snp' or parse(out).find('launchSecurity').get('kernelHashes') == 'no'),
                      '%s %s: kernel_hashes=false gave %s' % (host, model, parse(out).find('launchSecurity').attrib))
                h.bus.fails('InvalidArgument', 'ConfigureDomain', 'ssa{sv}', fixture('nova-q35'), model,
                            {'kernel_hashes': ['b', True]}, what='kernel_hashes without a kernel')
                # replace
                out = h.bus.configure(fixture('launchsec'), model)
                res = parse(out)
                eq(len(res.findall('launchSecurity')), 1, '%s %s launchsec: number of launchSecurity' % (host, model))
                check_launch_security(res.find('launchSecurity'), model, '%s %s launchsec' % (host, model))
                results.append(model)
            # amd-sev: the exact element docs/design.md gives
            res = parse(h.bus.configure(fixture('launchsec'), 'amd-sev'))
            eq(canon(res.find('launchSecurity')), canon(parse("<launchSecurity type='sev'><policy>0x0033</policy>"
                                                              "</launchSecurity>")), host + ': replaced for amd-sev')
    return 'replaced for %s' % ', '.join(sorted(set(results)))


def test_locked_memory():
    """<locked/> for SEV/SEV-ES unless <memtune><hard_limit> >= RAM + 256 MiB (4194304 KiB RAM)."""
    cases = [
        ('4456448 KiB (exactly RAM + 256 MiB)', "<hard_limit unit='KiB'>4456448</hard_limit>", False),
        ('4456447 KiB (1 KiB short)', "<hard_limit unit='KiB'>4456447</hard_limit>", True),
        ('5 G', "<hard_limit unit='G'>5</hard_limit>", False),
        ('4352 MiB', "<hard_limit unit='MiB'>4352</hard_limit>", False),
        ('4352 mib (libvirt units are case-insensitive)', "<hard_limit unit='mib'>4352</hard_limit>", False),
        ('4 GiB (RAM only)', "<hard_limit unit='GiB'>4</hard_limit>", True),
    ]
    with Host('milan-snp-off') as h:
        docs = {}
        for what, limit, want_locked in cases:
            doc = fixture('virt-install-q35').replace("  <vcpu placement='static'>2</vcpu>\n",
                                                      "  <vcpu placement='static'>2</vcpu>\n  <memtune>\n    %s\n"
                                                      "  </memtune>\n" % limit)
            check('<memtune>' in doc, 'test bug: memtune substitution')
            for model in h.usable():
                out = h.bus.configure(doc, model)
                res = parse(out)
                eq(res.find('memoryBacking/locked') is not None, want_locked, '%s %s: <locked/>' % (model, what))
                eq(res.findtext('memtune/hard_limit'), parse(doc).findtext('memtune/hard_limit'),
                   '%s %s: hard_limit kept' % (model, what))
                f = h.bus.validate(doc, {'model': ['s', model]})
                findings_ok(what, f)
                lock_findings = [x for x in f if x[2].startswith('/domain/memoryBacking')]
                eq(bool(lock_findings), want_locked, '%s %s: ValidateDomain finding at /domain/memoryBacking: %s' % (
                    model, what, f))
                docs['%s %s' % (model, what)] = out
        h.oracle.schema_valid(docs)
    with Host('milan-snp') as h:
        out = h.bus.configure(fixture('virt-install-q35'), 'amd-sev-snp')
        eq(parse(out).find('memoryBacking'), None, 'amd-sev-snp: <memoryBacking> added')
    return '%d hard limits' % len(cases)


def test_options():
    """keep_balloon, a custom policy, attestation blobs; bad options are InvalidArgument."""
    with Host('milan-snp') as h:
        docs = {}
        # keep_balloon keeps the virtio balloon (stats and all) with iommu on
        for n in ('nova-q35', 'virt-install-q35'):
            out = h.bus.configure(fixture(n), 'amd-sev', {'keep_balloon': ['b', True]})
            check_configured(h, n + ' keep_balloon', fixture(n), out, 'amd-sev', keep_balloon=True)
            eq(parse(out).find('devices/memballoon/driver').get('iommu'), 'on', n + ': kept balloon iommu')
            eq(h.bus.validate(out, {'keep_balloon': ['b', True]}), [], n + ': ValidateDomain keep_balloon findings')
            f = h.bus.validate(out, {})
            findings_ok(n, f)
            res = parse(out)
            balloon = res.find('devices/memballoon')
            check(f and all(inside(res, x[2], balloon) and 'balloon' in x[1] for x in f),
                  '%s: ValidateDomain without keep_balloon must report only the balloon: %s' % (n, f))
            docs[n + ' keep_balloon'] = out
        # a custom policy, typed as any unsigned or non-negative integer
        for t, v in (('t', 0x31), ('u', 0x31), ('i', 0x31), ('q', 0x31)):
            out = h.bus.configure(fixture('nova-q35'), 'amd-sev', {'policy': [t, v]})
            check_configured(h, 'policy ' + t, fixture('nova-q35'), out, 'amd-sev', policy=0x31)
        # attestation blobs land in <launchSecurity> and survive libvirt
        opts = {'dh_cert': ['s', b64(400)], 'session': ['s', b64(200, 0x33)]}
        out = h.bus.configure(fixture('nova-q35'), 'amd-sev', opts)
        ls = parse(out).find('launchSecurity')
        eq((ls.findtext('dhCert'), ls.findtext('session')), (b64(400), b64(200, 0x33)), 'SEV blobs')
        same_launch_security('SEV blobs', ls, h.oracle.libvirt_roundtrip('SEV blobs', out).find('launchSecurity'))
        docs['SEV blobs'] = out
        snp = {'host_data': ['s', b64(32)], 'id_block': ['s', b64(96)], 'id_auth': ['s', b64(4096)],
               'guest_visible_workarounds': ['s', b64(16)], 'author_key': ['b', True], 'vcek': ['b', False]}
        out = h.bus.configure(fixture('nova-q35'), 'amd-sev-snp', snp)
        ls = parse(out).find('launchSecurity')
        eq({k: ls.findtext(k) for k in ('hostData', 'idBlock', 'idAuth', 'guestVisibleWorkarounds')},
           {'hostData': b64(32), 'idBlock': b64(96), 'idAuth': b64(4096), 'guestVisibleWorkarounds': b64(16)},
           'SNP blobs')
        eq((ls.get('authorKey'), ls.get('vcek')), ('yes', 'no'), 'SNP authorKey/vcek')
        docs['SNP blobs'] = out
        h.oracle.schema_valid(docs)
        # bad options
        nova = fixture('nova-q35')
        for model, opts, what in (
                ('amd-sev', {'polcy': ['t', 0x33]}, 'unknown key'),
                ('amd-sev', {'policy': ['s', '0x33']}, 'policy as a string'),
                ('amd-sev', {'policy': ['x', -1]}, 'negative policy'),
                ('amd-sev', {'keep_balloon': ['s', 'yes']}, 'keep_balloon as a string'),
                ('amd-sev', {'model': ['s', 'amd-sev']}, 'model is a ValidateDomain option'),
                ('amd-sev', {'policy': ['t', 0x37]}, 'ES bit for amd-sev'),
                ('amd-sev', {'policy': ['t', 0x32]}, 'SEV debugging allowed (NODBG clear)'),
                ('amd-sev', {'policy': ['t', 0x100000033]}, 'SEV policy wider than 32 bits'),
                ('amd-sev', {'host_data': ['s', b64(32)]}, 'SNP blob for SEV'),
                ('amd-sev', {'dh_cert': ['s', 'not base64!']}, 'dh_cert not base64'),
                ('amd-sev', {'dh_cert': ['s', b64(3) + '\n']}, 'dh_cert with a line break'),
                ('amd-sev-snp', {'dh_cert': ['s', b64(64)]}, 'SEV blob for SNP'),
                ('amd-sev-snp', {'policy': ['t', 0x10000]}, 'SNP reserved bit 17 clear'),
                ('amd-sev-snp', {'policy': ['t', 0x20000]}, 'SNP without SMT on an SMT host'),
                ('amd-sev-snp', {'policy': ['t', 0xB0000]}, 'SNP debug bit'),
                ('amd-sev-snp', {'policy': ['t', 0x100030000]}, 'SNP reserved high bit'),
                ('amd-sev-snp', {'host_data': ['s', b64(31)]}, 'host_data 31 bytes'),
                ('amd-sev-snp', {'id_block': ['s', b64(97)]}, 'id_block 97 bytes'),
                ('amd-sev-snp', {'id_auth': ['s', b64(4095)]}, 'id_auth 4095 bytes'),
                ('amd-sev-snp', {'author_key': ['b', True]}, 'author_key without id_auth'),
                ('amd-sev-snp', {'vcek': ['s', 'no']}, 'vcek as a string')):
            r = h.bus.fails('InvalidArgument', 'ConfigureDomain', 'ssa{sv}', nova, model, opts, what=what)
            key = list(opts)[0]
            if key != 'policy':
                check(key in r['message'], '%s: message does not name option %s: %r' % (what, key, r['message']))
        r = h.bus.fails('InvalidArgument', 'ConfigureDomain', 'ssa{sv}', nova, 'amd-sev-snp',
                        {'policy': ['t', 0x20000]}, what='SMT')
        check('SMT' in r['message'], 'SMT refusal does not say SMT: %r' % r['message'])
        # allow_debug lets the debug bits through
        out = h.bus.configure(nova, 'amd-sev', {'policy': ['t', 0x32], 'allow_debug': ['b', True]})
        eq(parse(out).findtext('launchSecurity/policy'), '0x0032', 'SEV allow_debug policy')
        out = h.bus.configure(nova, 'amd-sev-snp', {'policy': ['t', 0xB0000], 'allow_debug': ['b', True]})
        eq(parse(out).findtext('launchSecurity/policy'), '0x000b0000', 'SNP allow_debug policy')
        for opts, what in (({'policy': ['t', 0x33]}, 'policy is not a ValidateDomain option'),
                           ({'kernel_hashes': ['b', True]}, 'kernel_hashes is not a ValidateDomain option'),
                           ({'allow_debug': ['s', 'yes']}, 'allow_debug as a string'),
                           ({'model': ['t', 1]}, 'model as a number')):
            h.bus.fails('InvalidArgument', 'ValidateDomain', 'sa{sv}', nova, opts, what=what)
        h.bus.ping()


def test_generate():
    """GenerateLaunchSecurity: docs/design.md's elements, embedded into a fixture they validate and (SEV,
    SEV-ES) define on libvirt with the same launchSecurity; options and refusals."""
    n = 0
    for host in USABLE:
        with Host(host) as h:
            docs, elements = {}, {}
            base = parse(fixture('virt-install-q35'))
            for model in h.usable():
                for opts, kh, pol in (({}, False, None), ({'kernel_hashes': ['b', True]}, True, None),
                                      ({'policy': ['t', 0x0033 if model == 'amd-sev' else
                                                   0x0037 if model == 'amd-sev-es' else 0x00070000]}, False,
                                        0x0033 if model == 'amd-sev' else 0x0037 if model == 'amd-sev-es'
                                        else 0x00070000)):
                    text = h.bus.generate(model, opts)
                    ls = parse(text)
                    label = '%s %s generate %s' % (host, model, opts)
                    check_launch_security(ls, model, label, policy=pol, kernel_hashes=kh)
                    if not opts:
                        eq(int(ls.findtext('policy'), 16), h.props[model]['DefaultPolicy'],
                           label + ': policy vs Model.DefaultPolicy')
                        eq(len(list(ls)), 1, label + ': children (only <policy>)')
                    dom = copy.deepcopy(base)
                    dom.append(ls)
                    docs[label] = tostring(dom)
                    elements[label] = (model, ls)
                    n += 1
            h.oracle.schema_valid(docs)
            for label, (model, ls) in elements.items():
                if model != 'amd-sev-snp':
                    same_launch_security(label, ls, h.oracle.libvirt_roundtrip(label, docs[label]).find('launchSecurity'))
            for model in h.usable():
                for opts, what in (({'keep_balloon': ['b', True]}, 'keep_balloon is a ConfigureDomain option'),
                                   ({'model': ['s', model]}, 'model is a ValidateDomain option'),
                                   ({'policy': ['d', 51.0]}, 'policy as a double')):
                    h.bus.fails('InvalidArgument', 'GenerateLaunchSecurity', 'sa{sv}', model, opts, what=what)
            h.bus.ping()
    return '%d elements' % n


def test_validate_raw():
    """ValidateDomain on unconfigured documents names each missing piece at its element."""
    with Host('milan-snp-off') as h:
        for n, model in (('virt-install-q35', 'amd-sev'), ('virt-install-q35', 'amd-sev-es'),
                         ('nova-q35', 'amd-sev'), ('nova-q35', 'amd-sev-es')):
            label = '%s %s' % (n, model)
            inp = parse(fixture(n))
            f = h.bus.validate(fixture(n), {'model': ['s', model]})
            findings_ok(label, f)
            for x in f:
                resolve(inp, x[2])          # every where is a path into this document
            errs = errors(f)
            # launchSecurity missing: an error at /domain/launchSecurity
            check([x for x in errs if x[2] == '/domain/launchSecurity'],
                  '%s: no error finding at /domain/launchSecurity: %s' % (label, f))
            # not UEFI: an error inside /domain/os
            check([x for x in errs if x[2].startswith('/domain/os') and x[2] != '/domain/os/type'],
                  '%s: no error finding about the firmware in /domain/os: %s' % (label, f))
            # memory not pinned: an error at /domain/memoryBacking...
            check([x for x in errs if x[2].startswith('/domain/memoryBacking')],
                  '%s: no error finding at /domain/memoryBacking: %s' % (label, f))
            # virtio devices without iommu='on': QEMU 9.2 on this host turns the IOMMU on for
            # confidential guests itself, so no finding (test-domain checks the QEMU 5.2 host's)
            check(not [x for x in f if x[1] == 'virtio-iommu'], '%s: virtio-iommu on QEMU 9.2: %s' % (label, f))
            for nic in inp.findall('devices/interface'):
                check([x for x in f if 'rom' in x[1] and inside(inp, x[2], nic)],
                      '%s: no option ROM finding at %s: %s' % (label, path_of(inp, nic), f))
            balloon = inp.find('devices/memballoon')
            check([x for x in f if 'balloon' in x[1] and inside(inp, x[2], balloon)],
                  '%s: no memballoon finding at %s: %s' % (label, path_of(inp, balloon), f))
            vmcore = inp.find('features/vmcoreinfo')
            if vmcore is not None:
                check([x for x in errs if 'vmcoreinfo' in x[1] and resolve(inp, x[2])[0] is vmcore],
                      '%s: no vmcoreinfo error at /domain/features/vmcoreinfo: %s' % (label, f))
            # nothing about devices that are fine: the SATA cdrom, USB, PCIe ports, sound, serial
            fine = [d for d in inp.find('devices') if d not in virtio_devices(inp) and d.tag != 'memballoon']
            wrong = [(x, path_of(inp, d)) for x in f for d in fine if inside(inp, x[2], d)]
            eq(wrong, [], '%s: findings about devices that need no change' % label)
        # no model named and no <launchSecurity>: not a clean bill of health
        r = h.bus.call('ValidateDomain', 'sa{sv}', fixture('virt-install-q35'), {})
        if 'error' in r:
            eq(r['error'], ERR + 'InvalidArgument', 'ValidateDomain without a model: error')
        else:
            check(errors([tuple(x) for x in r['ok'][0]]), 'ValidateDomain of an unencrypted domain without a model '
                  'found no error: %s' % r['ok'])
        # the model comes from <launchSecurity>: launchsec.xml (SEV policy 0x0003) needs pinning etc.
        f = h.bus.validate(fixture('launchsec'), {})
        findings_ok('launchsec', f)
        check([x for x in errors(f) if x[2].startswith('/domain/memoryBacking')],
              'launchsec without a model: no memoryBacking error: %s' % f)
        check(not [x for x in errors(f) if x[2].startswith('/domain/launchSecurity')],
              'launchsec: its <launchSecurity> (policy 0x0003) is fine for amd-sev: %s' % f)
        # a launchSecurity that does not fit the model named, or a bad policy in the document
        for doc, opts, what in ((fixture('launchsec'), {'model': ['s', 'amd-sev-es']}, 'SEV policy for amd-sev-es'),
                                (fixture('launchsec').replace('0x0003', '0x0002'), {}, 'debug policy 0x0002'),
                                (fixture('launchsec').replace('0x0003', '0x0100'), {}, 'reserved bit 8')):
            f = h.bus.validate(doc, opts)
            findings_ok(what, f)
            check([x for x in errors(f) if x[2].startswith('/domain/launchSecurity')],
                  '%s: no error finding in /domain/launchSecurity: %s' % (what, f))
        # allow_debug accepts a debug policy the document asks for
        f = h.bus.validate(fixture('launchsec').replace('0x0003', '0x0002'), {'allow_debug': ['b', True]})
        findings_ok('allow_debug', f)
        eq([x for x in errors(f) if x[2].startswith('/domain/launchSecurity')], [],
           'debug policy 0x0002 with allow_debug=true: errors in /domain/launchSecurity')
        h.bus.ping()


def billion_laughs():
    ents = ['<!ENTITY lol "lol">'] + ['<!ENTITY lol%d "%s">' % (i, ('&lol%s;' % ('' if i == 1 else i - 1)) * 10)
                                      for i in range(1, 10)]
    return ('<?xml version="1.0"?>\n<!DOCTYPE domain [\n%s\n]>\n' % '\n'.join(ents) +
            fixture('virt-install-q35').replace('<name>debian12</name>', '<name>&lol9;</name>'))


def quadratic_blowup():
    big = 'x' * 50000
    return ('<?xml version="1.0"?>\n<!DOCTYPE domain [<!ENTITY a "%s">]>\n' % big +
            fixture('virt-install-q35').replace('<name>debian12</name>',
                                                '<name>debian12</name>\n  <description>%s</description>' % ('&a;' * 3000)))


def vm_hwm(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    return 0


def sized(n):
    """virt-install-q35.xml padded with a <description> to exactly N bytes."""
    base = fixture('virt-install-q35').replace('<name>debian12</name>',
                                               '<name>debian12</name>\n  <description></description>')
    pad = n - len(base.encode())
    check(pad > 0, 'test bug: sized(%d)' % n)
    doc = base.replace('<description></description>', '<description>%s</description>' % ('d' * pad))
    eq(len(doc.encode()), n, 'test bug: padded size')
    return doc


def test_bad_input():
    """Not XML, billion laughs, quadratic blowup, external entities, > 1 MiB, a <network>: each a named
    InvalidDomainXml from the check meant for it, nothing expanded, and the daemon still answers."""
    with Host('milan-snp') as h:
        marker = 'MEMCRYPT-XXE-%d' % os.getpid()
        secret = os.path.join(h.world.tmp, 'secret.txt')
        with open(secret, 'w') as f:
            f.write(marker)
        xxe = ('<?xml version="1.0"?>\n<!DOCTYPE domain [<!ENTITY x SYSTEM "file://%s">]>\n' % secret +
               fixture('virt-install-q35').replace('<name>debian12</name>',
                                                   '<name>debian12</name>\n  <description>&x;</description>'))
        internal = ('<?xml version="1.0"?>\n<!DOCTYPE domain [<!ENTITY n "%s">]>\n' % marker +
                    fixture('virt-install-q35').replace('<name>debian12</name>',
                                                        '<name>debian12</name>\n  <description>&n;</description>'))
        # the entity documents first: the daemon's peak RSS is read before and after them
        # each with the words of the check that refuses it: the DOCTYPE check stops the parser before any
        # entity is declared, the size check before parsing at all (shown by effect, not by timing)
        doctype, size = 'DOCTYPE is not accepted', 'larger than %d bytes' % DOMAIN_XML_MAX
        cases = [
            ('billion laughs', billion_laughs(), doctype),
            ('quadratic blowup', quadratic_blowup(), doctype),
            ('external entity', xxe, doctype),
            ('internal entity', internal, doctype),
            ('not XML', 'this is not XML', 'malformed XML'),
            ('empty', '', 'malformed XML'),
            ('truncated', fixture('nova-q35')[:2000], 'malformed XML'),
            ('two roots', fixture('kernel-boot') + fixture('kernel-boot'), 'malformed XML'),
            ('a <network>', "<network><name>default</name><forward mode='nat'/><bridge name='virbr0'/>"
                            "<ip address='192.168.122.1' netmask='255.255.255.0'/></network>", '<network>'),
            ('a <domainsnapshot>', '<domainsnapshot><name>s</name>%s</domainsnapshot>' % fixture('kernel-boot'),
             '<domainsnapshot>'),
            ('1 MiB + 1 byte', sized(DOMAIN_XML_MAX + 1), size),
            ('4 MiB', sized(4 * DOMAIN_XML_MAX), size),
        ]
        hwm0 = vm_hwm(h.world.daemon.pid)
        for what, doc, why in cases:
            for method, sig, args in (('ConfigureDomain', 'ssa{sv}', (doc, 'amd-sev', {})),
                                      ('ValidateDomain', 'sa{sv}', (doc, {}))):
                r = h.bus.fails('InvalidDomainXml', method, sig, *args, what=what)
                check(marker not in r['message'], '%s: the entity was expanded into the message: %r' % (
                    what, r['message'][:300]))
                check(why in r['message'], '%s: %s: message does not say %r: %r' % (
                    what, method, why, r['message'][:300]))
            h.bus.ping()
            if what == 'internal entity':
                # an expanded billion laughs is 3 GB, the quadratic blowup 150 MB
                hwm1 = vm_hwm(h.world.daemon.pid)
                check(hwm1 - hwm0 < 64 * 1024, 'memcryptd peak RSS grew by %d KiB over the entity documents' % (
                    hwm1 - hwm0))
        # parsable but not a domain definition: ConfigureDomain refuses it, ValidateDomain may report it
        no_os = "<domain type='kvm'><name>x</name><memory>1048576</memory></domain>"
        h.bus.fails('InvalidDomainXml', 'ConfigureDomain', 'ssa{sv}', no_os, 'amd-sev', {}, what='no <os>')
        r = h.bus.call('ValidateDomain', 'sa{sv}', no_os, {'model': ['s', 'amd-sev']})
        if 'error' in r:
            eq(r['error'], ERR + 'InvalidDomainXml', 'ValidateDomain of a domain without <os>: error')
        else:
            f = [tuple(x) for x in r['ok'][0]]
            findings_ok('no <os>', f)
            check([x for x in errors(f) if x[2] in ('/domain', '/domain/os', '/domain/os/type')],
                  'ValidateDomain of a domain without <os>: no error finding at /domain/os: %s' % f)
        # exactly DOMAIN_XML_MAX bytes is still accepted
        out = h.bus.configure(sized(DOMAIN_XML_MAX), 'amd-sev')
        eq(len(parse(out).findtext('description')), len(parse(sized(DOMAIN_XML_MAX)).findtext('description')),
           '1 MiB document: description kept')
        # a UTF-8 description survives (character references or not)
        text = 'Prüfung – Zürich ✓ 日本'
        doc = fixture('kernel-boot').replace('<name>direct-boot</name>',
                                             '<name>direct-boot</name>\n  <description>%s</description>' % text)
        eq(parse(h.bus.configure(doc, 'amd-sev')).findtext('description'), text, 'UTF-8 description')
        h.bus.ping()
    return '%d bad documents x 2 methods' % len(cases)


def test_resolve_request():
    """ResolveRequest on the bus: a Nova SEV flavor + image, and a machine type refusal."""
    with Host('milan-snp-off') as h:
        out = h.bus.ok('ResolveRequest', 'a{ss}a{ss}', {'hw:mem_encryption': 'true',
                                                        'hw:mem_encryption_model': 'amd-sev'},
                       {'hw_firmware_type': 'uefi', 'hw_machine_type': 'q35'})
        eq(out, ['amd-sev', {'MEM_ENCRYPTION_CONTEXT': 1}, ['HW_CPU_X86_AMD_SEV']], 'ResolveRequest amd-sev')
        h.bus.fails('MachineTypeRequired', 'ResolveRequest', 'a{ss}a{ss}',
                    {'hw:mem_encryption': 'true', 'hw:mem_encryption_model': 'amd-sev'},
                    {'hw_firmware_type': 'uefi', 'hw_machine_type': 'pc'})


TESTS = [
    ('the fixtures validate against libvirt 10.7 domain.rng and define on test:///default', test_fixtures_are_valid),
    ('milan-snp-off: ConfigureDomain amd-sev, amd-sev-es: schema, libvirt round trip, rules, content kept, '
     'fixpoint, ValidateDomain clean', lambda: configure_all('milan-snp-off')),
    ('milan-snp: ConfigureDomain amd-sev, amd-sev-snp: schema, libvirt round trip (SEV), rules, content kept, '
     'fixpoint, ValidateDomain clean', lambda: configure_all('milan-snp')),
    ('unusable and unknown models: ModelUnsupported with the reasons, UnknownModel', test_unusable_models),
    ('i440fx -> MachineTypeRequired, hostdev/IDE -> IncompatibleDevice, foreign launchSecurity -> '
     'InvalidDomainXml', test_refusals),
    ('direct kernel boot -> kernelHashes=yes; an existing launchSecurity is replaced', test_kernel_boot_and_replace),
    ('<locked/> unless hard_limit >= RAM + 256 MiB; none for SEV-SNP', test_locked_memory),
    ('options: keep_balloon, policy, blobs; bad options -> InvalidArgument', test_options),
    ('GenerateLaunchSecurity: docs/design.md elements, schema, libvirt round trip, option errors', test_generate),
    ('ValidateDomain on raw documents: findings at the elements concerned', test_validate_raw),
    ('bad documents -> InvalidDomainXml (not XML, entities, > 1 MiB, <network>); daemon still answers',
     test_bad_input),
    ('ResolveRequest over the bus', test_resolve_request),
]

if __name__ == '__main__':
    tap_main(TESTS)
