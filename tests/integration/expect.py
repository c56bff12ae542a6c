# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the bus must say, derived from `memcryptd --root=SAME --dump` (org.memcrypt1(5) and
"JSON report"): property name -> (D-Bus signature, value as busctl --json=short prints it)."""

MANAGER_PROPERTIES = {
    'Version': 's', 'NodeName': 's', 'Health': 's', 'HealthMessage': 's', 'UsableModels': 'as',
    'CpuVendor': 's', 'CpuGeneration': 's', 'CBitPosition': 'u', 'ReducedPhysBits': 'u',
    'AsidCount': 'u', 'MinSevAsid': 'u', 'KernelVersion': 's', 'LibvirtVersion': 's',
    'QemuVersion': 's', 'SevFirmwareVersion': 's', 'LibvirtConnected': 'b', 'RunningDomains': 'u',
    'EncryptedDomains': 'a(sss)', 'LastRefresh': 't',
}

MODEL_PROPERTIES = {
    'Name': 's', 'Usable': 'b', 'Reasons': 'a(ssss)', 'Trait': 's', 'ResourceProvider': 's',
    'AsidFirst': 'u', 'AsidLast': 'u', 'SlotsTotal': 'u', 'SlotsUsed': 'u', 'SlotsFree': 'u',
    'DefaultPolicy': 't', 'Firmware': 'as', 'RunningDomains': 'u',
}

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


# Properties that grow with the host: only Get reads them (GetAll leaves them out).
EXPLICIT_PROPERTIES = {'EncryptedDomains'}


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


def model_expected(d, model):
    m = model_of(d, model)
    return {
        'Name': ('s', m['model']),
        'Usable': ('b', m['usable']),
        'Reasons': ('a(ssss)', [[r['code'], r['severity'], r['message'], r['hint']] for r in m['reasons']]),
        'Trait': ('s', m['trait']),
        'ResourceProvider': ('s', m['resource_provider']),
        'AsidFirst': ('u', m['asid_first']),
        'AsidLast': ('u', m['asid_last']),
        'SlotsTotal': ('u', m['slots_total']),
        'SlotsUsed': ('u', m['slots_used']),
        'SlotsFree': ('u', m['slots_free']),
        'DefaultPolicy': ('t', int(m['default_policy'], 16)),
        'Firmware': ('as', list(m['firmware'])),
        'RunningDomains': ('u', m['running_domains']),
    }


def checks_expected(d):
    return [[c['id'], c['model'], c['category'], c['status'], c['message'], c['hint']] for c in d['checks']]


# Properties that never change after start-up or are not signalled (interfaces/org.memcrypt1.Manager.xml).
MANAGER_UNSIGNALLED = {'Version', 'CpuVendor', 'CpuGeneration', 'CBitPosition', 'ReducedPhysBits',
                       'AsidCount', 'MinSevAsid', 'LastRefresh'}
MODEL_UNSIGNALLED = {'Name', 'Trait'}
# CapabilitiesChanged names every model with any changed property (org.memcrypt1(5), Signals).
CAPABILITY_PROPERTIES = set(MODEL_PROPERTIES) - {'Name', 'Trait'}


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
