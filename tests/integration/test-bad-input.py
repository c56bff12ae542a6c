#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The bad-input table: malformed calls of every org.memcrypt1.Manager method that takes
arguments (GetModel, ResolveRequest, GenerateLaunchSecurity, ConfigureDomain, ValidateDomain),
wrong signatures included, each answered by the real memcryptd on milan-snp (SEV and SEV-SNP
usable, SEV-ES blocked by SNP, SMT on) with exactly the error name in the table. Every error
message must be non-empty and short (callers' strings are quoted shortened). Afterwards the
daemon still answers Peer.Ping, its properties and Describe() are what they were before the table,
and valid calls still work.

Calls go through gio-call.py (python3-gi): the arguments are GVariant text, so any signature can
be sent, nested variants in an a{sv} and documents over 1 MiB included."""

import json
import os
import subprocess
import time

import harness
from harness import (MANAGER_IFACE, MANAGER_PATH, MODEL_IFACE, MODELS, HarnessError, Reader, Skip, World, check,
                     dbus_python, eq, model_path, tap_main, TIMEOUT)

E = 'org.memcrypt1.Error.'
INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs'
UNKNOWN_METHOD = 'org.freedesktop.DBus.Error.UnknownMethod'
DOMAINS = os.path.join(harness.SOURCE_ROOT, 'tests', 'fixtures', 'domains')
MESSAGE_MAX = 600       # characters: a message quotes what it refuses, shortened


def domain(name):
    with open(os.path.join(DOMAINS, name)) as f:
        return f.read()


def s(text):
    """TEXT as a GVariant text string literal."""
    out = []
    for c in text:
        if c == '\\':
            out.append('\\\\')
        elif c == "'":
            out.append("\\'")
        elif c == '\n':
            out.append('\\n')
        elif ord(c) < 0x20 or ord(c) == 0x7f:
            out.append('\\u%04x' % ord(c))
        else:
            out.append(c)
    return "'" + ''.join(out) + "'"


def ss(d):
    """A dict of str as a GVariant a{ss} literal."""
    return '@a{ss} {%s}' % ', '.join('%s: %s' % (s(k), s(v)) for k, v in d.items())


def sv(items):
    """[(key, 'GVariant text of the value')] as an a{sv} literal (keys may repeat)."""
    return '@a{sv} {%s}' % ', '.join('%s: <%s>' % (s(k), v) for k, v in items)


def args(*parts):
    return '(%s%s)' % (', '.join(parts), ',' if len(parts) == 1 else '')


NOVA = domain('nova-q35.xml')
SEV = {'hw:mem_encryption': 'true'}
UEFI = {'hw_firmware_type': 'uefi'}
SNP = {'hw:mem_encryption': 'true', 'hw:mem_encryption_model': 'amd-sev-snp'}
B64_16 = 'AAAAAAAAAAAAAAAAAAAAAA=='          # 16 bytes
NO_OS = "<domain type='kvm'><name>x</name><memory>1024</memory></domain>"
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><domain type="kvm"><name>&c;</name></domain>')
EXTERNAL = ('<?xml version="1.0"?><!DOCTYPE domain [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<domain type="kvm"><name>&x;</name><os><type machine="q35">hvm</type></os></domain>')
IDE_Q35 = NOVA.replace('<target dev="vda" bus="virtio"/>', '<target dev="hda" bus="ide"/>', 1)
assert IDE_Q35 != NOVA
HOSTDEV_NIC = NOVA.replace('</devices>', "<interface type='hostdev' managed='yes'><source><address type='pci' "
                           "domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source></interface></devices>")
S390 = NOVA.replace('</domain>', "<launchSecurity type='s390-pv'/></domain>")
MANY_OPTIONS = [('k%d' % i, "'v'") for i in range(65)]
LONG_UTF8 = 'a' + '\u00e9' * 40        # 81 bytes: a cut at 64 bytes falls inside a character
I440FX_UTF8 = NOVA.replace('machine="q35"', 'machine="pc-i440fx-%s"' % LONG_UTF8, 1)
assert I440FX_UTF8 != NOVA
BIG = "<domain type='kvm'><name>big</name><description>" + 'x' * (1024 * 1024) + '</description></domain>'
OVER_ATTRIBUTES = NOVA.replace('<devices>', '<devices><vsock %s/>' % ' '.join("a%d='v'" % i for i in range(65)), 1)
OVER_ELEMENTS = NOVA.replace('<devices>', '<devices>' + '<vsock/>' * 10000, 1)
OVER_DEPTH = NOVA.replace('<devices>', '<devices><metadata>%s</metadata>' % ('<n>' * 31 + '</n>' * 31), 1)
assert OVER_ATTRIBUTES != NOVA and OVER_ELEMENTS != NOVA and OVER_DEPTH != NOVA

# (name, method, GVariant text of the arguments, expected error name[, words of its message]); names are unique.
CASES = [
    # GetModel(s model)
    ('GetModel unknown name', 'GetModel', args("'amd-bogus'"), E + 'UnknownModel'),
    ('GetModel empty name', 'GetModel', args("''"), E + 'UnknownModel'),
    ('GetModel wrong case', 'GetModel', args("'AMD-SEV'"), E + 'UnknownModel'),
    ('GetModel object-path spelling', 'GetModel', args("'amd_sev_snp'"), E + 'UnknownModel'),
    ('GetModel trailing space', 'GetModel', args("'amd-sev '"), E + 'UnknownModel'),
    ('GetModel 10000-character name', 'GetModel', args(s('amd-sev' * 1500)), E + 'UnknownModel'),
    ('GetModel non-ASCII name', 'GetModel', args(s('amd-sév')), E + 'UnknownModel'),
    ('GetModel signature i', 'GetModel', args('int32 42'), INVALID_ARGS),
    ('GetModel no argument', 'GetModel', '()', INVALID_ARGS),
    ('GetModel two arguments', 'GetModel', args("'amd-sev'", "'amd-sev'"), INVALID_ARGS),
    ('GetModel signature o', 'GetModel', args("objectpath '/org/memcrypt1/model/amd_sev'"), INVALID_ARGS),

    # ResolveRequest(a{ss} flavor_extra_specs, a{ss} image_properties)
    ('ResolveRequest flavor boolean maybe', 'ResolveRequest',
     args(ss({'hw:mem_encryption': 'maybe'}), ss({})), E + 'InvalidArgument'),
    ('ResolveRequest image boolean 2', 'ResolveRequest',
     args(ss({}), ss({'hw_mem_encryption': '2'})), E + 'InvalidArgument'),
    ('ResolveRequest flavor true, image false', 'ResolveRequest',
     args(ss(SEV), ss({'hw_mem_encryption': 'false'})), E + 'Conflict'),
    ('ResolveRequest models disagree', 'ResolveRequest',
     args(ss(dict(SEV, **{'hw:mem_encryption_model': 'amd-sev'})),
          ss(dict(UEFI, hw_mem_encryption_model='amd-sev-snp'))), E + 'Conflict'),
    ('ResolveRequest model without encryption', 'ResolveRequest',
     args(ss({'hw:mem_encryption_model': 'amd-sev'}), ss(UEFI)), E + 'InvalidArgument'),
    ('ResolveRequest unknown model', 'ResolveRequest',
     args(ss(dict(SEV, **{'hw:mem_encryption_model': 'amd-tdx'})), ss(UEFI)), E + 'UnknownModel'),
    ('ResolveRequest no firmware type', 'ResolveRequest', args(ss(SEV), ss({})), E + 'UefiRequired'),
    ('ResolveRequest BIOS firmware', 'ResolveRequest',
     args(ss(SEV), ss({'hw_firmware_type': 'bios'})), E + 'UefiRequired'),
    ('ResolveRequest machine pc', 'ResolveRequest',
     args(ss(SEV), ss(dict(UEFI, hw_machine_type='pc'))), E + 'MachineTypeRequired'),
    ('ResolveRequest machine pc-i440fx-7.2', 'ResolveRequest',
     args(ss(SEV), ss(dict(UEFI, hw_machine_type='pc-i440fx-7.2'))), E + 'MachineTypeRequired'),
    ('ResolveRequest SNP without stateless firmware', 'ResolveRequest',
     args(ss(SNP), ss(UEFI)), E + 'StatelessFirmwareRequired'),
    ('ResolveRequest SNP stateless false', 'ResolveRequest',
     args(ss(SNP), ss(dict(UEFI, hw_firmware_stateless='false'))), E + 'StatelessFirmwareRequired'),
    ('ResolveRequest SNP stateless maybe', 'ResolveRequest',
     args(ss(SNP), ss(dict(UEFI, hw_firmware_stateless='maybe'))), E + 'InvalidArgument'),
    ('ResolveRequest SEV flavor locked_memory false', 'ResolveRequest',
     args(ss(dict(SEV, **{'hw:locked_memory': 'false'})), ss(UEFI)), E + 'LockedMemoryRequired'),
    ('ResolveRequest SEV-ES image locked_memory no', 'ResolveRequest',
     args(ss(dict(SEV, **{'hw:mem_encryption_model': 'amd-sev-es'})), ss(dict(UEFI, hw_locked_memory='no'))),
     E + 'LockedMemoryRequired'),
    ('ResolveRequest PCI passthrough', 'ResolveRequest',
     args(ss(dict(SEV, **{'pci_passthrough:alias': 'gpu:1'})), ss(UEFI)), E + 'IncompatibleDevice'),
    ('ResolveRequest IDE disk bus', 'ResolveRequest',
     args(ss(SEV), ss(dict(UEFI, hw_disk_bus='ide'))), E + 'IncompatibleDevice'),
    ('ResolveRequest 513 flavor entries', 'ResolveRequest',
     args(ss({'k%d' % i: 'v' for i in range(513)}), ss({})), E + 'InvalidArgument'),
    ('ResolveRequest 4097-byte image value', 'ResolveRequest',
     args(ss({}), ss({'hw_machine_type': 'q' * 4097})), E + 'InvalidArgument'),
    ('ResolveRequest signature a{sv}a{ss}', 'ResolveRequest',
     args("@a{sv} {'hw:mem_encryption': <'true'>}", ss({})), INVALID_ARGS),
    ('ResolveRequest one dictionary', 'ResolveRequest', args(ss(SEV)), INVALID_ARGS),
    ('ResolveRequest signature ss', 'ResolveRequest', args("'hw:mem_encryption'", "'true'"), INVALID_ARGS),

    # GenerateLaunchSecurity(s model, a{sv} options)
    ('GenerateLaunchSecurity unknown model', 'GenerateLaunchSecurity',
     args("'amd-bogus'", sv([])), E + 'UnknownModel'),
    ('GenerateLaunchSecurity SEV-ES blocked by SNP', 'GenerateLaunchSecurity',
     args("'amd-sev-es'", sv([])), E + 'ModelUnsupported'),
    ('GenerateLaunchSecurity misspelt option', 'GenerateLaunchSecurity',
     args("'amd-sev'", sv([('polcy', 'uint64 51')])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity policy as a string', 'GenerateLaunchSecurity',
     args("'amd-sev'", sv([('policy', "'0x33'")])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity negative policy', 'GenerateLaunchSecurity',
     args("'amd-sev'", sv([('policy', 'int64 -1')])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity ES bit for amd-sev', 'GenerateLaunchSecurity',
     args("'amd-sev'", sv([('policy', 'uint64 0x37')])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity SEV NODBG clear', 'GenerateLaunchSecurity',
     args("'amd-sev'", sv([('policy', 'uint64 0x32')])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity SEV policy over 32 bits', 'GenerateLaunchSecurity',
     args("'amd-sev'", sv([('policy', 'uint64 0x100000033')])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity SEV reserved bits', 'GenerateLaunchSecurity',
     args("'amd-sev'", sv([('policy', 'uint64 0x133')])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity SNP bit 17 clear', 'GenerateLaunchSecurity',
     args("'amd-sev-snp'", sv([('policy', 'uint64 0x10000')])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity SNP SMT cleared on an SMT host', 'GenerateLaunchSecurity',
     args("'amd-sev-snp'", sv([('policy', 'uint64 0x20000')])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity SNP debug bit', 'GenerateLaunchSecurity',
     args("'amd-sev-snp'", sv([('policy', 'uint64 0xb0000')])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity SNP reserved high bits', 'GenerateLaunchSecurity',
     args("'amd-sev-snp'", sv([('policy', 'uint64 0x2030000')])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity dh_cert for SNP', 'GenerateLaunchSecurity',
     args("'amd-sev-snp'", sv([('dh_cert', "'AAAA'")])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity id_block for SEV', 'GenerateLaunchSecurity',
     args("'amd-sev'", sv([('id_block', s('A' * 128))])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity dh_cert not base64', 'GenerateLaunchSecurity',
     args("'amd-sev'", sv([('dh_cert', "'not base64!'")])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity dh_cert with a line break', 'GenerateLaunchSecurity',
     args("'amd-sev'", sv([('dh_cert', s('AAAA\nAAAA'))])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity host_data of 16 bytes', 'GenerateLaunchSecurity',
     args("'amd-sev-snp'", sv([('host_data', s(B64_16))])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity author_key without id_auth', 'GenerateLaunchSecurity',
     args("'amd-sev-snp'", sv([('author_key', 'true')])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity option holding an array', 'GenerateLaunchSecurity',
     args("'amd-sev'", sv([('kernel_hashes', "['yes']")])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity option holding a variant', 'GenerateLaunchSecurity',
     args("'amd-sev'", sv([('policy', '<uint64 51>')])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity kernel_hashes as a string', 'GenerateLaunchSecurity',
     args("'amd-sev'", sv([('kernel_hashes', "'yes'")])), E + 'InvalidArgument'),
    ("GenerateLaunchSecurity ConfigureDomain's keep_balloon", 'GenerateLaunchSecurity',
     args("'amd-sev'", sv([('keep_balloon', 'true')])), E + 'InvalidArgument'),
    ("GenerateLaunchSecurity ValidateDomain's model", 'GenerateLaunchSecurity',
     args("'amd-sev'", sv([('model', "'amd-sev'")])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity 65 options', 'GenerateLaunchSecurity',
     args("'amd-sev'", sv(MANY_OPTIONS)), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity model only', 'GenerateLaunchSecurity', args("'amd-sev'"), INVALID_ARGS),
    ('GenerateLaunchSecurity signature sa{ss}', 'GenerateLaunchSecurity',
     args("'amd-sev'", ss({'policy': '51'})), INVALID_ARGS),
    ('GenerateLaunchSecurity arguments swapped', 'GenerateLaunchSecurity',
     args(sv([]), "'amd-sev'"), INVALID_ARGS),

    # ConfigureDomain(s domain_xml, s model, a{sv} options)
    ('ConfigureDomain empty document', 'ConfigureDomain', args("''", "'amd-sev'", sv([])), E + 'InvalidDomainXml'),
    ('ConfigureDomain not XML', 'ConfigureDomain', args("'not xml'", "'amd-sev'", sv([])), E + 'InvalidDomainXml'),
    ('ConfigureDomain root <network>', 'ConfigureDomain',
     args(s('<network><name>n</name></network>'), "'amd-sev'", sv([])), E + 'InvalidDomainXml'),
    ('ConfigureDomain unclosed element', 'ConfigureDomain',
     args(s("<domain type='kvm'><name>x</name>"), "'amd-sev'", sv([])), E + 'InvalidDomainXml'),
    ('ConfigureDomain two roots', 'ConfigureDomain',
     args(s("<domain type='kvm'/><domain type='kvm'/>"), "'amd-sev'", sv([])), E + 'InvalidDomainXml'),
    ('ConfigureDomain billion laughs', 'ConfigureDomain', args(s(LAUGHS), "'amd-sev'", sv([])), E + 'InvalidDomainXml'),
    ('ConfigureDomain external entity', 'ConfigureDomain',
     args(s(EXTERNAL), "'amd-sev'", sv([])), E + 'InvalidDomainXml'),
    ('ConfigureDomain root in a namespace', 'ConfigureDomain',
     args(s(NOVA.replace('<domain type="kvm">', '<domain type="kvm" xmlns="urn:x">', 1)), "'amd-sev'", sv([])),
     E + 'InvalidDomainXml'),
    ('ConfigureDomain no <os>', 'ConfigureDomain', args(s(NO_OS), "'amd-sev'", sv([])), E + 'InvalidDomainXml'),
    ('ConfigureDomain over 1 MiB', 'ConfigureDomain', args(s(BIG), "'amd-sev'", sv([])), E + 'InvalidDomainXml'),
    ('ConfigureDomain i440fx machine', 'ConfigureDomain',
     args(s(domain('i440fx.xml')), "'amd-sev'", sv([])), E + 'MachineTypeRequired'),
    ('ConfigureDomain PCI hostdev', 'ConfigureDomain',
     args(s(domain('hostdev.xml')), "'amd-sev'", sv([])), E + 'IncompatibleDevice'),
    ('ConfigureDomain IDE disk on q35', 'ConfigureDomain', args(s(IDE_Q35), "'amd-sev'", sv([])),
     E + 'IncompatibleDevice'),
    ('ConfigureDomain hostdev interface', 'ConfigureDomain', args(s(HOSTDEV_NIC), "'amd-sev-snp'", sv([])),
     E + 'IncompatibleDevice'),
    ('ConfigureDomain s390-pv launchSecurity', 'ConfigureDomain', args(s(S390), "'amd-sev'", sv([])),
     E + 'InvalidDomainXml'),
    ('ConfigureDomain unknown model', 'ConfigureDomain', args(s(NOVA), "'amd-bogus'", sv([])), E + 'UnknownModel'),
    ('ConfigureDomain SEV-ES blocked by SNP', 'ConfigureDomain', args(s(NOVA), "'amd-sev-es'", sv([])),
     E + 'ModelUnsupported'),
    ('ConfigureDomain keep_balloon as a string', 'ConfigureDomain',
     args(s(NOVA), "'amd-sev'", sv([('keep_balloon', "'yes'")])), E + 'InvalidArgument'),
    ('ConfigureDomain kernel_hashes without a kernel', 'ConfigureDomain',
     args(s(NOVA), "'amd-sev'", sv([('kernel_hashes', 'true')])), E + 'InvalidArgument'),
    ("ConfigureDomain ValidateDomain's model option", 'ConfigureDomain',
     args(s(NOVA), "'amd-sev'", sv([('model', "'amd-sev'")])), E + 'InvalidArgument'),
    ('ConfigureDomain bad option before bad document', 'ConfigureDomain',
     args("'not xml'", "'amd-sev'", sv([('polcy', 'uint64 51')])), E + 'InvalidArgument'),
    ('ConfigureDomain unknown model before bad document', 'ConfigureDomain',
     args("'not xml'", "'amd-bogus'", sv([])), E + 'UnknownModel'),
    ('ConfigureDomain model missing', 'ConfigureDomain', args(s(NOVA), sv([])), INVALID_ARGS),
    ('ConfigureDomain signature ssa{ss}', 'ConfigureDomain', args(s(NOVA), "'amd-sev'", ss({})), INVALID_ARGS),
    ('ConfigureDomain signature ays', 'ConfigureDomain', args("b'<domain/>'", "'amd-sev'"), INVALID_ARGS),

    # ValidateDomain(s domain_xml, a{sv} options)
    ('ValidateDomain not XML', 'ValidateDomain', args("'not xml'", sv([])), E + 'InvalidDomainXml'),
    ('ValidateDomain empty document', 'ValidateDomain', args("''", sv([])), E + 'InvalidDomainXml'),
    ('ValidateDomain root <domainsnapshot>', 'ValidateDomain',
     args(s('<domainsnapshot><name>s</name></domainsnapshot>'), sv([])), E + 'InvalidDomainXml'),
    ('ValidateDomain external entity', 'ValidateDomain', args(s(EXTERNAL), sv([])), E + 'InvalidDomainXml'),
    ('ValidateDomain over 1 MiB', 'ValidateDomain', args(s(BIG), sv([])), E + 'InvalidDomainXml'),
    ('ValidateDomain unknown model option', 'ValidateDomain',
     args(s(NOVA), sv([('model', "'amd-bogus'")])), E + 'UnknownModel'),
    ('ValidateDomain model option as uint32', 'ValidateDomain',
     args(s(NOVA), sv([('model', 'uint32 1')])), E + 'InvalidArgument'),
    ("ValidateDomain GenerateLaunchSecurity's policy", 'ValidateDomain',
     args(s(NOVA), sv([('policy', 'uint64 51')])), E + 'InvalidArgument'),
    ('ValidateDomain allow_debug as a string', 'ValidateDomain',
     args(s(NOVA), sv([('allow_debug', "'true'")])), E + 'InvalidArgument'),
    ('ValidateDomain 65 options', 'ValidateDomain', args(s(NOVA), sv(MANY_OPTIONS)), E + 'InvalidArgument'),
    ('ValidateDomain document only', 'ValidateDomain', args(s(NOVA)), INVALID_ARGS),
    ('ValidateDomain signature sa{ss}', 'ValidateDomain', args(s(NOVA), ss({})), INVALID_ARGS),

    # Callers' strings quoted in a message are cut to a length: never in the middle of a character
    # (a message that is not UTF-8 cannot be sent, and the caller would get no reply at all)
    ('GenerateLaunchSecurity unknown option with a long non-ASCII name', 'GenerateLaunchSecurity',
     args("'amd-sev'", sv([(LONG_UTF8, "'x'")])), E + 'InvalidArgument'),
    ('GenerateLaunchSecurity array option with a long non-ASCII name', 'GenerateLaunchSecurity',
     args("'amd-sev'", sv([(LONG_UTF8, '@as []')])), E + 'InvalidArgument'),
    ('ValidateDomain model option with a long non-ASCII name', 'ValidateDomain',
     args(s(NOVA), sv([('model', s(LONG_UTF8))])), E + 'UnknownModel'),
    ('ResolveRequest over-long value under a long non-ASCII key', 'ResolveRequest',
     args(ss({LONG_UTF8: 'x' * 4097}), ss({})), E + 'InvalidArgument'),
    ('ConfigureDomain long non-ASCII machine type', 'ConfigureDomain',
     args(s(I440FX_UTF8), "'amd-sev'", sv([])),
     E + 'MachineTypeRequired'),

    # A key given twice: refused by name (which value would count is a guess)
    ('GenerateLaunchSecurity policy twice', 'GenerateLaunchSecurity',
     args("'amd-sev'", sv([('policy', 'uint64 0x33'), ('policy', 'uint64 0x37')])), E + 'InvalidArgument',
     "Option 'policy' is given more than once"),
    ('ConfigureDomain keep_balloon twice', 'ConfigureDomain',
     args(s(NOVA), "'amd-sev'", sv([('keep_balloon', 'false'), ('keep_balloon', 'true')])), E + 'InvalidArgument',
     "Option 'keep_balloon' is given more than once"),
    ('ValidateDomain model twice', 'ValidateDomain',
     args(s(NOVA), sv([('model', "'amd-sev'"), ('model', "'amd-sev-snp'")])), E + 'InvalidArgument',
     "Option 'model' is given more than once"),
    ('ResolveRequest flavor hw:mem_encryption false then true', 'ResolveRequest',
     '(@a{ss} {%s: %s, %s: %s}, %s)' % (s('hw:mem_encryption'), s('false'), s('hw:mem_encryption'), s('true'), ss(UEFI)),
     E + 'InvalidArgument', "flavor_extra_specs key 'hw:mem_encryption' is given more than once"),
    ('ResolveRequest image key twice', 'ResolveRequest',
     '(%s, @a{ss} {%s: %s, %s: %s})' % (ss(SEV), s('hw_firmware_type'), s('bios'), s('hw_firmware_type'), s('uefi')),
     E + 'InvalidArgument', "image_properties key 'hw_firmware_type' is given more than once"),

    # The limits of domain XML (docs/limits.md), each named
    ('ConfigureDomain 65 attributes on an element', 'ConfigureDomain',
     args(s(OVER_ATTRIBUTES), "'amd-sev'", sv([])), E + 'InvalidDomainXml', 'the limit of attributes per element'),
    ('ValidateDomain 10001 elements', 'ValidateDomain', args(s(OVER_ELEMENTS), sv([])), E + 'InvalidDomainXml',
     'more than 10000 elements (the limit of elements)'),
    ('ValidateDomain nested 33 deep', 'ValidateDomain', args(s(OVER_DEPTH), sv([])), E + 'InvalidDomainXml',
     'the limit of depth'),

    # Members that do not exist
    ('Manager.Bogus', 'Bogus', '()', UNKNOWN_METHOD),
    ('GetModel with a lower-case name', 'getModel', args("'amd-sev'"), UNKNOWN_METHOD),
]


class Gio:
    """gio-call.py on the world's bus: one request line, one JSON reply line."""

    def __init__(self, w, uid=None):
        py = dbus_python()
        if not py:
            raise Skip('python3-gi is not installed')
        self.w = w
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'gio-call.py')
        log = os.path.join(w.tmp, 'gio-call.log')
        self.proc = subprocess.Popen(harness.as_user(uid) + [py, script], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=open(log, 'wb'), env=w.env(),
                                     preexec_fn=harness._pdeathsig)
        w.procs.append(('gio-call', self.proc))
        w.logs['gio-call'] = log
        self.reader = Reader(self.proc)
        self.n = 0

    def call(self, method, text, path=MANAGER_PATH, iface=MANAGER_IFACE):
        self.send(method, text, path, iface)
        return self.receive(method)

    def send(self, method, text, path=MANAGER_PATH, iface=MANAGER_IFACE):
        """Sends the call without waiting for its reply (receive() reads it)."""
        # A guard: a call the daemon never answers fails here instead of after D-Bus's 25 s.
        req = {'path': path, 'iface': iface, 'method': method, 'timeout_ms': int(TIMEOUT * 1000)}
        if len(text) > 64 * 1024:       # keep request lines small: big arguments go through a file
            self.n += 1
            fn = os.path.join(self.w.tmp, 'args-%d' % self.n)
            with open(fn, 'w') as f:
                f.write(text)
            req['args_file'] = fn
        else:
            req['args'] = text
        self.proc.stdin.write((json.dumps(req) + '\n').encode())
        self.proc.stdin.flush()

    def receive(self, method):
        line = self.reader.next_line(time.monotonic() + TIMEOUT * 3)
        if line is None:
            raise HarnessError('no reply to %s within %gs\n%s' % (method, TIMEOUT * 3, self.w.all_logs()))
        return json.loads(line)


def state(w, gio):
    """Everything a client can read, minus LastRefresh: must not change over the table."""
    out = {}
    for path, iface in [(MANAGER_PATH, MANAGER_IFACE)] + [(model_path(m), MODEL_IFACE) for m in MODELS]:
        r = gio.call('GetAll', args(s(iface)), path=path, iface='org.freedesktop.DBus.Properties')
        check('ok' in r, 'GetAll %s: %r' % (path, r))
        out[path] = r['ok']
    r = gio.call('Describe', '()')
    check('ok' in r, 'Describe: %r' % r)
    out['Describe'] = r['ok']
    return out


def strip_last_refresh(st):
    import re
    return {k: re.sub(r"'LastRefresh': <uint64 \d+>", '', v) for k, v in st.items()}


def test_table_size():
    names = [c[0] for c in CASES]
    eq(len(set(names)), len(names), 'case names are unique')
    methods = {c[1] for c in CASES}
    for m in ('GetModel', 'ResolveRequest', 'GenerateLaunchSecurity', 'ConfigureDomain', 'ValidateDomain'):
        check(m in methods, 'no case for ' + m)
    check(len(CASES) >= 60, 'the table has %d cases; at least 60 are wanted' % len(CASES))
    return '%d cases' % len(CASES)


def test_table():
    with World(host='milan-snp') as w:
        gio = Gio(w)
        before = strip_last_refresh(state(w, gio))
        failures = []
        for name, method, text, want, *words in CASES:
            r = gio.call(method, text)
            got = r.get('error')
            if got != want:
                failures.append('%s: got %s, want %s (%s)' % (name, got or 'a reply', want,
                                                            (r.get('message') or r.get('ok', ''))[:300]))
                continue
            msg = r.get('message', '')
            if words and words[0] not in msg:
                failures.append('%s: the message does not say %r: %s' % (name, words[0], msg[:300]))
            if not msg.strip():
                failures.append('%s: %s with an empty message' % (name, got))
            elif len(msg) > MESSAGE_MAX:
                failures.append('%s: message of %d characters: %s...' % (name, len(msg), msg[:200]))
            if w.daemon.poll() is not None:
                failures.append('%s: memcryptd exited with %s' % (name, w.daemon.returncode))
                break
        check(not failures, '%d of %d cases failed:' % (len(failures), len(CASES)), *failures)

        # The daemon is still there, in the same state, and still does its work.
        r = gio.call('Ping', '()', iface='org.freedesktop.DBus.Peer')
        eq(r, {'ok': '()'}, 'Peer.Ping after the table')
        eq(strip_last_refresh(state(w, gio)), before, 'properties and Describe() after the table')
        r = gio.call('ConfigureDomain', args(s(NOVA), "'amd-sev-snp'", sv([])))
        check('sev-snp' in r.get('ok', ''), 'ConfigureDomain after the table: %r' % r)
        r = gio.call('GetModel', args("'amd-sev-snp'"))
        eq(r, {'ok': "(objectpath '/org/memcrypt1/model/amd_sev_snp',)"}, 'GetModel after the table')
        check(w.daemon.poll() is None, 'memcryptd exited: %s' % w.daemon.returncode)
        return '%d malformed calls, each with its error name' % len(CASES)


# The XML attacks, scaled down (each over a limit all the same), and the limit that stops it.
ATTACKS = [
    ('1 MiB of <vsock/> (131k findings): 20000 elements', 'ValidateDomain',
     args(s(NOVA.replace('<devices>', '<devices>' + '<vsock/>' * 20000, 1)), sv([])), 'the limit of elements'),
    ('an element with 96k attributes: 20000', 'ValidateDomain',
     args(s(NOVA.replace('<devices>', '<devices><vsock %s/>' % ' '.join("a%d=''" % i for i in range(20000)), 1)),
          sv([])), 'the limit of attributes per element'),
    ('the same for ConfigureDomain', 'ConfigureDomain',
     args(s(NOVA.replace('<devices>', '<devices><vsock %s/>' % ' '.join("a%d=''" % i for i in range(20000)), 1)),
          "'amd-sev'", sv([])), 'the limit of attributes per element'),
    ("50k <hostdev type='pci'/>: 20000", 'ConfigureDomain',
     args(s(NOVA.replace('<devices>', '<devices>' + "<hostdev mode='subsystem' type='pci'/>" * 20000, 1)),
          "'amd-sev'", sv([])), 'the limit of elements'),
    ('1 MiB nested (18 MB configured): 20000 deep', 'ConfigureDomain',
     args(s(NOVA.replace('<devices>', '<devices><metadata>%s</metadata>' % ('<n>' * 20000 + '</n>' * 20000), 1)),
          "'amd-sev'", sv([])), 'the limit of depth'),
]
MANY_FINDINGS = NOVA.replace('<devices>', '<devices>' + "<hostdev mode='subsystem' type='pci'/>" * 1000, 1)
NOBODY = 65534


def test_xml_attacks():
    uid = NOBODY if harness.is_root() else None
    with World(host='milan-snp') as w:
        gio = Gio(w, uid=uid)
        for what, method, text, words in ATTACKS:
            gio.send(method, text)
            # a second client, while the attack is sent: answered
            r = w.busctl('call', harness.BUS_NAME, MANAGER_PATH, 'org.freedesktop.DBus.Peer', 'Ping', uid=uid)
            eq(r.returncode, 0, '%s: a second client\'s Ping (%r)' % (what, r))
            r = gio.receive(method)
            eq(r.get('error'), E + 'InvalidDomainXml', '%s: %s' % (what, r.get('message') or str(r.get('ok'))[:300]))
            check(words in r['message'], '%s: the message does not name %r: %s' % (what, words, r['message']))
        # within the limits, with over 1000 findings: 256 listed, then one saying how many more
        r = gio.call('ValidateDomain', args(s(MANY_FINDINGS), sv([])))
        check('ok' in r, 'ValidateDomain of 1000 hostdevs: %r' % r)
        eq(r['ok'].count("('error', ") + r['ok'].count("('warning', "), 256 + 1, 'findings listed')
        check("'more-findings'" in r['ok'] and 'more findings are not listed (at most 256' in r['ok'],
              'no more-findings finding: %s' % r['ok'][-600:])
        check(w.daemon.poll() is None, 'memcryptd exited: %s' % w.daemon.returncode)
        return '%d attacks, each refused by its limit' % len(ATTACKS)


TESTS = [
    ('the table covers every method with arguments, at least 60 cases', test_table_size),
    ('milan-snp: every malformed call gets its exact error name; state and service unchanged', test_table),
    ("the issue's XML attacks, scaled down: each InvalidDomainXml naming its limit, a second client's Ping "
     'answered; findings capped at 256 and one more', test_xml_attacks),
]

if __name__ == '__main__':
    tap_main(TESTS)
