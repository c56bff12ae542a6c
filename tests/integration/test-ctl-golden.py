#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""memcryptctl's output, byte for byte, as recorded in tests/fixtures/ctl: status, models, model NAME
(each model), describe and doctor, as text and as --json, against memcryptd serving a few fixture
hosts on a private bus. test-memcryptctl.py checks what the output means; this one proves that a
refactoring (issue 14: one property/report schema) changes none of it. A change meant to alter the
output re-records in the same commit and says so:

        MEMCRYPT_UPDATE_CTL=1 meson test -C build test-ctl-golden

Two things differ from run to run and are replaced before comparing: the copy of the host's root
the harness serves (the report's "root") and the time of the last refresh."""

import os
import re

import harness
from harness import HarnessError, World, check, eq, tap_main

RECORDED = os.path.join(harness.SOURCE_ROOT, 'tests', 'fixtures', 'ctl')
UPDATE = bool(os.environ.get('MEMCRYPT_UPDATE_CTL'))
# A usable SNP host with guests, one in conflict, one with SEV only, one with SEV off in the
# BIOS (degraded) and one that is itself a guest (no SEV numbers at all).
HOSTS = ('milan-snp', 'milan-es-conflict', 'rome-debian12', 'milan-bios-off', 'this-machine-guest')


def commands():
    """[(recording name, memcryptctl arguments)]"""
    out = [('status.txt', ['status']), ('status.json', ['--json', 'status']),
           ('models.txt', ['models']), ('models-no-legend.txt', ['models', '--no-legend']),
           ('models.json', ['--json', 'models']), ('models-short.json', ['--json=short', 'models'])]
    for m in harness.MODELS:
        out += [('model-%s.txt' % m, ['model', m]), ('model-%s.json' % m, ['--json', 'model', m])]
    out += [('describe.json', ['describe']), ('describe-pretty.json', ['--json', 'describe']),
            ('doctor.txt', ['doctor']), ('doctor.json', ['--json', 'doctor']),
            ('domains.txt', ['domains']), ('domains.json', ['--json', 'domains']),
            ('domains-snp.txt', ['domains', 'amd-sev-snp'])]
    return out


def normalise(w, text):
    text = text.replace(w.root, '@ROOT@')
    return re.sub(r'^( *Last refresh: ).*$', r'\1@TIME@', text, flags=re.M)


def golden(host):
    if not harness.MEMCRYPTCTL:
        raise HarnessError('memcryptctl was not built (no --memcryptctl PATH)')
    want_dir = os.path.join(RECORDED, host)
    names = set()
    with World(host=host, polkit='none') as w:
        env = dict(w.env(), NO_COLOR='1', TZ='UTC', LC_ALL='C.UTF-8')
        for name, args in commands():
            names.add(name)
            r = harness.run([harness.MEMCRYPTCTL] + args, env=env)
            eq(r.stderr, '', '%s: memcryptctl %s wrote to stderr' % (host, ' '.join(args)))
            got = normalise(w, r.stdout) + '-- exit status %d\n' % r.returncode
            path = os.path.join(want_dir, name)
            if UPDATE:
                os.makedirs(want_dir, exist_ok=True)
                with open(path, 'w', encoding='utf-8') as f:
                    f.write(got)
            check(os.path.exists(path), '%s: nothing recorded in %s' % (host, os.path.relpath(path, harness.SOURCE_ROOT)))
            with open(path, encoding='utf-8') as f:
                want = f.read()
            if got != want:
                import difflib
                diff = ''.join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), 'recorded', 'now'))
                raise AssertionError('%s: memcryptctl %s differs from %s\n%s' % (
                    host, ' '.join(args), os.path.relpath(path, harness.SOURCE_ROOT), diff[:4000]))
    # every recording is one the test makes: a renamed command must not leave a stale file
    stale = sorted(set(os.listdir(want_dir)) - names)
    eq(stale, [], '%s: recordings no command makes' % host)


def no_stale_hosts():
    eq(sorted(d for d in os.listdir(RECORDED) if os.path.isdir(os.path.join(RECORDED, d))), sorted(HOSTS),
       'tests/fixtures/ctl holds the recorded hosts only')


if __name__ == '__main__':
    tap_main([('%s output as recorded' % h, lambda h=h: golden(h)) for h in HOSTS] +
             [('no stale host recordings', no_stale_hosts)])
