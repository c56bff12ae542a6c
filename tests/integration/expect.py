# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the bus must say, derived from `memcryptd --root=SAME --dump` (org.memcrypt1(5) and
"JSON report"): property name -> (D-Bus signature, value as busctl --json=short prints it).

No property is listed here by hand. The names, signatures and change annotations come from the
documented interface XML (interfaces/*.xml, which test-interfaces holds equal to the daemon's
introspection); each Model property's value is its member of the report's model object, named by
its row in common/schema.h (the build's schema.json, from tests/schema-json.c), turned into the
bus's form by the row's kind. So a new Model property needs no line here, yet a bus value that is
not the report's, a property the bus lacks or has beyond the XML, or a wrong type still fails."""

import json
import os
import xml.etree.ElementTree as ET

_SOURCE = os.environ.get('MEMCRYPT_SOURCE_ROOT', os.path.join(os.path.dirname(__file__), '..', '..'))
_SCHEMA = os.environ.get('MEMCRYPT_SCHEMA')
if not _SCHEMA:
    raise RuntimeError('MEMCRYPT_SCHEMA names no schema.json: run through meson test, or set it to '
                       'BUILDDIR/tests/schema.json (docs/testing.md)')
with open(_SCHEMA) as _f:
    SCHEMA = json.load(_f)
MODEL_ROWS = {row['name']: row for row in SCHEMA['model']}


def _interface_properties(iface):
    """[(name, signature, EmitsChangedSignal)] of interfaces/IFACE.xml in document order."""
    root = ET.parse(os.path.join(_SOURCE, 'interfaces', iface + '.xml')).getroot()
    props = []
    for p in root.find('interface').findall('property'):
        emits = 'true'
        for a in p.findall('annotation'):
            if a.get('name') == 'org.freedesktop.DBus.Property.EmitsChangedSignal':
                emits = a.get('value')
        props.append((p.get('name'), p.get('type'), emits))
    return props


_MANAGER_XML = _interface_properties('org.memcrypt1.Manager')
_MODEL_XML = _interface_properties('org.memcrypt1.Model')

MANAGER_PROPERTIES = {name: sig for name, sig, _ in _MANAGER_XML}
MODEL_PROPERTIES = {name: sig for name, sig, _ in _MODEL_XML}

# name -> (in signature, out signature)
MANAGER_METHODS = {
    'Describe': ('', 's'),
    'Doctor': ('', 'a(ssssss)'),
    'Refresh': ('', ''),
    'GetModel': ('s', 'o'),
    'ListEncryptedDomains': ('s', 'a(sss)'),
    'ResolveRequest': ('a{ss}a{ss}', 'sa{su}as'),
    'GenerateLaunchSecurity': ('sa{sv}', 's'),
    'ConfigureDomain': ('ssa{sv}', 's'),
    'ValidateDomain': ('sa{sv}', 'a(ssss)'),
}
MANAGER_SIGNALS = {'CapabilitiesChanged': 'as', 'EncryptedDomainStarted': 'sss', 'EncryptedDomainStopped': 'sss'}

# One call per guest-request method that must fail, and the error it must fail with.
REQUEST_METHOD_ERRORS = {
    'ResolveRequest': (("@a{ss} {'hw:mem_encryption': 'maybe'}", '@a{ss} {}'), 'InvalidArgument'),
    'GenerateLaunchSecurity': (("'amd-bogus'", '@a{sv} {}'), 'UnknownModel'),
    'ConfigureDomain': (("'<domain/>'", "'amd-sev'", '@a{sv} {}'), 'InvalidDomainXml'),
    'ValidateDomain': (("'not xml'", '@a{sv} {}'), 'InvalidDomainXml'),
}


# Properties that grow with the host: only Get reads them (GetAll leaves them out). The XML marks
# them EmitsChangedSignal=invalidates (PropertiesChanged names them without a value): memcryptd
# invalidates exactly these.
EXPLICIT_PROPERTIES = {name for name, _, emits in _MANAGER_XML if emits == 'invalidates'}


def manager_get_all_expected(d):
    """What GetAll answers: manager_expected() without the EXPLICIT_PROPERTIES."""
    return {k: v for k, v in manager_expected(d).items() if k not in EXPLICIT_PROPERTIES}


def manager_expected(d):
    h = d['host']
    return {
        'Version': ('s', d['version']),
        'NodeName': ('s', d['node']),
        'Health': ('s', d['health']),
        'HealthMessage': ('s', d['health_message']),
        'UsableModels': ('as', [m['model'] for m in d['models'] if m['usable']]),
        'CpuVendor': ('s', h['cpu_vendor']),
        'CpuGeneration': ('s', h['cpu_generation']),
        'CBitPosition': ('u', h['cbitpos']),
        'ReducedPhysBits': ('u', h['reduced_phys_bits']),
        'AsidCount': ('u', h['asid_count']),
        'MinSevAsid': ('u', h['min_sev_asid']),
        'KernelVersion': ('s', h['kernel']),
        'LibvirtVersion': ('s', h['libvirt']),
        'QemuVersion': ('s', h['qemu']),
        'SevFirmwareVersion': ('s', h['sev_firmware']),
        'LibvirtConnected': ('b', h['libvirt_connected']),
        'RunningDomains': ('u', d['running_domains']),
        'EncryptedDomains': ('a(sss)', [[e['name'], e['uuid'], e['model']] for e in d['encrypted_domains']]),
    }


def model_of(d, model):
    for m in d['models']:
        if m['model'] == model:
            return m
    raise KeyError(model)


# The bus's form of a report member, by the schema row's kind.
_FROM_REPORT = {
    'string': lambda v: v,
    'bool': lambda v: v,
    'u32': lambda v: v,
    'u64': lambda v: v,
    'policy': lambda v: int(v, 16),         # the report writes the policy in hex
    'strv': list,
    'reasons': lambda v: [[r['code'], r['severity'], r['message'], r['hint']] for r in v],
    'domains': lambda v: [[e['name'], e['uuid'], e['model']] for e in v],
}


def model_expected(d, model):
    """Every property of the Model XML: its signature and its row's report member of MODEL's object."""
    m = model_of(d, model)
    want = {}
    for name, sig in MODEL_PROPERTIES.items():
        row = MODEL_ROWS.get(name)
        if row is None:
            raise AssertionError('Model.%s is in the interface XML but has no row in common/schema.h' % name)
        want[name] = (sig, _FROM_REPORT[row['kind']](m[row['json']]))
    return want


def checks_expected(d):
    return [[c['id'], c['model'], c['category'], c['status'], c['message'], c['hint']] for c in d['checks']]


# Properties that never change after start-up or are not signalled: EmitsChangedSignal const or
# false in the interface XML.
MANAGER_UNSIGNALLED = {name for name, _, emits in _MANAGER_XML if emits in ('const', 'false')}
MODEL_UNSIGNALLED = {name for name, _, emits in _MODEL_XML if emits in ('const', 'false')}
# CapabilitiesChanged names every model with any changed property (org.memcrypt1(5), Signals).
CAPABILITY_PROPERTIES = set(MODEL_PROPERTIES) - MODEL_UNSIGNALLED


def changed(before, after):
    """Property names whose expected value differs: (manager set, {model: set})."""
    mb, ma = manager_expected(before), manager_expected(after)
    mgr = {k for k in mb if mb[k] != ma[k]} - MANAGER_UNSIGNALLED
    models = {}
    for model in ('amd-sev', 'amd-sev-es', 'amd-sev-snp'):
        b, a = model_expected(before, model), model_expected(after, model)
        s = {k for k in b if b[k] != a[k]} - MODEL_UNSIGNALLED
        if s:
            models[model] = s
    return mgr, models
