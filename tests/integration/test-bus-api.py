#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""org.memcrypt1 on a private system bus: introspection, every property against
`memcryptd --root=SAME --dump`, every method, error names. Clients: busctl and gdbus."""

import json
import time

from expect import (MANAGER_METHODS, MANAGER_PROPERTIES, MANAGER_SIGNALS, MODEL_PROPERTIES, REQUEST_METHOD_ERRORS,
                    checks_expected, manager_expected, manager_get_all_expected, model_expected)
from harness import (BUS_NAME, MANAGER_IFACE, MANAGER_PATH, MODEL_IFACE, MODELS, World, check, eq, model_path,
                     tap_main)

STANDARD = {'org.freedesktop.DBus.Properties', 'org.freedesktop.DBus.Introspectable', 'org.freedesktop.DBus.Peer'}


def members(node, iface_name):
    for iface in node.findall('interface'):
        if iface.get('name') == iface_name:
            return iface
    raise AssertionError('interface %s not introspected; have %s' % (
        iface_name, [i.get('name') for i in node.findall('interface')]))


def test_introspection():
    with World() as w:
        root = w.introspect(MANAGER_PATH)
        names = {i.get('name') for i in root.findall('interface')}
        check(MANAGER_IFACE in names and STANDARD <= names, 'interfaces of %s: %s' % (MANAGER_PATH, names))
        mgr = members(root, MANAGER_IFACE)
        props = {p.get('name'): p.get('type') for p in mgr.findall('property')}
        eq(props, MANAGER_PROPERTIES, 'Manager properties')
        for p in mgr.findall('property'):
            eq(p.get('access'), 'read', 'access of ' + p.get('name'))
        meths = {}
        for m in mgr.findall('method'):
            ins = ''.join(a.get('type') for a in m.findall('arg') if a.get('direction', 'in') == 'in')
            outs = ''.join(a.get('type') for a in m.findall('arg') if a.get('direction') == 'out')
            for a in m.findall('arg'):
                check(a.get('name'), 'unnamed argument in %s' % m.get('name'))
            meths[m.get('name')] = (ins, outs)
        eq(meths, MANAGER_METHODS, 'Manager methods (in, out signatures)')
        sigs = {s.get('name'): ''.join(a.get('type') for a in s.findall('arg')) for s in mgr.findall('signal')}
        eq(sigs, MANAGER_SIGNALS, 'Manager signals')
        # the model objects are children of /org/memcrypt1/model
        kids = {n.get('name') for n in w.introspect(MANAGER_PATH + '/model').findall('node')}
        eq(kids, {'amd_sev', 'amd_sev_es', 'amd_sev_snp'}, 'children of /org/memcrypt1/model')
        for model in MODELS:
            node = w.introspect(model_path(model))
            names = {i.get('name') for i in node.findall('interface')}
            check(MODEL_IFACE in names and STANDARD <= names, 'interfaces of %s: %s' % (model_path(model), names))
            mi = members(node, MODEL_IFACE)
            eq({p.get('name'): p.get('type') for p in mi.findall('property')}, MODEL_PROPERTIES,
               'Model properties of ' + model)
            eq([m.get('name') for m in mi.findall('method')], [], 'Model methods')


def compare_properties(host):
    with World(host=host) as w:
        before = time.time() * 1e6
        d = w.dump()
        # GetAll, then each property with Get
        got = w.get_all(MANAGER_PATH, MANAGER_IFACE)
        want = manager_expected(d)
        last = got.pop('LastRefresh', None)
        eq(got, manager_get_all_expected(d), '%s: Manager GetAll' % host)
        check(last and last[0] == 't' and 0 < last[1] <= time.time() * 1e6 and last[1] > before - 600e6,
              '%s: LastRefresh %r is not a recent µs timestamp' % (host, last))
        for name, (sig, value) in want.items():
            eq(w.get_property(MANAGER_PATH, MANAGER_IFACE, name), (sig, value), '%s: Manager.%s' % (host, name))
        # The guest list by method: all of it, and each model's share of it.
        domains = want['EncryptedDomains'][1]
        eq(w.call(MANAGER_PATH, MANAGER_IFACE, 'ListEncryptedDomains', 's', '')[0], domains,
           '%s: ListEncryptedDomains("")' % host)
        for model in MODELS:
            eq(w.call(MANAGER_PATH, MANAGER_IFACE, 'ListEncryptedDomains', 's', model)[0],
               [e for e in domains if e[2] == model], '%s: ListEncryptedDomains(%s)' % (host, model))
        for model in MODELS:
            want = model_expected(d, model)
            eq(w.get_all(model_path(model), MODEL_IFACE), want, '%s: %s GetAll' % (host, model))
            for name, (sig, value) in want.items():
                eq(w.get_property(model_path(model), MODEL_IFACE, name), (sig, value),
                   '%s: %s.%s' % (host, model, name))
    return '%s: %d Manager + 3x%d Model properties' % (host, len(MANAGER_PROPERTIES), len(MODEL_PROPERTIES))


def test_methods():
    with World() as w:
        d = w.dump()
        # Describe: the report, equal to --dump (no key of the report is volatile today)
        (text,) = w.call(MANAGER_PATH, MANAGER_IFACE, 'Describe')
        eq(json.loads(text), d, 'Describe() vs --dump')
        # Doctor
        (checks,) = w.call(MANAGER_PATH, MANAGER_IFACE, 'Doctor')
        eq(checks, checks_expected(d), 'Doctor()')
        # GetModel
        for model in MODELS:
            eq(w.call(MANAGER_PATH, MANAGER_IFACE, 'GetModel', 's', model), [model_path(model)], 'GetModel ' + model)
        # Refresh as root: no polkit needed; LastRefresh moves, nothing else changes
        t0 = w.get_property(MANAGER_PATH, MANAGER_IFACE, 'LastRefresh')[1]
        eq(w.call(MANAGER_PATH, MANAGER_IFACE, 'Refresh'), [], 'Refresh()')
        t1 = w.get_property(MANAGER_PATH, MANAGER_IFACE, 'LastRefresh')[1]
        check(t1 > t0, 'LastRefresh did not advance over Refresh(): %d -> %d' % (t0, t1))
        got = w.get_all(MANAGER_PATH, MANAGER_IFACE)
        got.pop('LastRefresh')
        eq(got, manager_get_all_expected(d), 'Manager after a Refresh() of an unchanged host')


def test_method_errors():
    with World() as w:
        for bad in ('amd-bogus', 'amd_sev', 'AMD-SEV', ''):
            name, msg, r = w.call_error(MANAGER_PATH, MANAGER_IFACE + '.GetModel', "'%s'" % bad)
            eq(name, 'org.memcrypt1.Error.UnknownModel', 'GetModel(%r) error' % bad)
        name, msg, _ = w.call_error(MANAGER_PATH, MANAGER_IFACE + '.GetModel', "'amd-bogus'")
        check('amd-bogus' in msg, 'the UnknownModel message names the model: %r' % msg)
        # The same error through busctl: non-zero exit, message on stderr
        r = w.busctl('call', BUS_NAME, MANAGER_PATH, MANAGER_IFACE, 'GetModel', 's', 'amd-bogus')
        check(r.returncode != 0 and 'amd-bogus' in r.stderr, 'busctl GetModel amd-bogus: %r' % r)
        # The guest-request methods answer with named errors
        for method, (args, error) in REQUEST_METHOD_ERRORS.items():
            name, msg, r = w.call_error(MANAGER_PATH, MANAGER_IFACE + '.' + method, *args)
            eq(name, 'org.memcrypt1.Error.' + error, method + ' error')
        # Wrong signatures are refused by sd-bus, the daemon keeps running
        r = w.busctl('call', BUS_NAME, MANAGER_PATH, MANAGER_IFACE, 'GetModel', 'u', '7')
        check(r.returncode != 0 and 'nvalid arg' in r.stderr, 'GetModel(u 7) must fail with invalid arguments: %r' % r)
        name, msg, _ = w.call_error(MANAGER_PATH, MANAGER_IFACE + '.NoSuchMethod')
        eq(name, 'org.freedesktop.DBus.Error.UnknownMethod', 'unknown method error')
        name, msg, _ = w.call_error(model_path('amd-sev') + '_bogus', 'org.freedesktop.DBus.Properties.GetAll',
                                    "'%s'" % MODEL_IFACE)
        check(name in ('org.freedesktop.DBus.Error.UnknownObject', 'org.freedesktop.DBus.Error.UnknownMethod'),
              'GetAll on a model object that does not exist: %s' % name)
        name, msg, _ = w.call_error(MANAGER_PATH, 'org.freedesktop.DBus.Properties.Set', "'%s'" % MANAGER_IFACE,
                                    "'Health'", "<'ok'>")
        check(name in ('org.freedesktop.DBus.Error.PropertyReadOnly', 'org.freedesktop.DBus.Error.AccessDenied'),
              'Set of a read-only property: %s' % name)
        check(w.daemon.poll() is None, 'memcryptd died')


def test_unprivileged_reads():
    """Every read-only member works for an unprivileged uid (the bus policy admits them)."""
    with World() as w:
        d = w.dump()
        got = w.get_all(MANAGER_PATH, MANAGER_IFACE, uid=65534)
        got.pop('LastRefresh')
        eq(got, manager_get_all_expected(d), 'Manager GetAll as uid 65534')
        eq(w.get_all(model_path('amd-sev-snp'), MODEL_IFACE, uid=65534), model_expected(d, 'amd-sev-snp'),
           'amd-sev-snp GetAll as uid 65534')
        (text,) = w.call(MANAGER_PATH, MANAGER_IFACE, 'Describe', uid=65534)
        eq(json.loads(text), d, 'Describe() as uid 65534')
        (checks,) = w.call(MANAGER_PATH, MANAGER_IFACE, 'Doctor', uid=65534)
        eq(checks, checks_expected(d), 'Doctor() as uid 65534')
        eq(w.call(MANAGER_PATH, MANAGER_IFACE, 'GetModel', 's', 'amd-sev-es', uid=65534),
           [model_path('amd-sev-es')], 'GetModel as uid 65534')
        r = w.busctl('call', BUS_NAME, MANAGER_PATH, 'org.freedesktop.DBus.Peer', 'Ping', uid=65534)
        eq(r.returncode, 0, 'Peer.Ping as uid 65534 (%r)' % r)


TESTS = [
    ('introspection of /org/memcrypt1 and the three model objects lists every member', test_introspection),
    ('milan-snp: every property equals --dump', lambda: compare_properties('milan-snp')),
    ('rome-debian12: every property equals --dump', lambda: compare_properties('rome-debian12')),
    ('naples-sev: every property equals --dump', lambda: compare_properties('naples-sev')),
    ('milan-es-conflict: every property equals --dump', lambda: compare_properties('milan-es-conflict')),
    ('milan-psp-uninit (degraded): every property equals --dump', lambda: compare_properties('milan-psp-uninit')),
    ('Describe, Doctor, GetModel, Refresh', test_methods),
    ('error names: UnknownModel, InvalidArgument, InvalidDomainXml, InvalidArgs, UnknownMethod', test_method_errors),
    ('read-only members work for uid 65534', test_unprivileged_reads),
]

if __name__ == '__main__':
    tap_main(TESTS)
