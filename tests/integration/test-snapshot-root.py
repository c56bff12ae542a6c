#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A --root snapshot stays inside its root (issue 15): memcryptd serves a copy of milan-snp in
which host files are symbolic links to a secret file outside the root (absolute and relative
links, a file link, a directory link, a firmware descriptor, a libvirt domain, dev/sev.json).
None of the secret's bytes may appear in any property, Describe(), Doctor(), --dump or a
--snapshot copy; each such file is a missing file whose reason says a link leads out of the root.
A link inside the root, absolute as seen from it, is still followed."""

import json
import os
import shutil
import subprocess

import harness
from harness import (MANAGER_IFACE, MANAGER_PATH, MODEL_IFACE, MODELS, World, check, eq, model_path, run,
                     tap_main)

REFRESH = ['org.memcrypt1.refresh']
OUT_OF_ROOT = 'a symbolic link leads out of the root'


def refresh(w):
    eq(w.call(MANAGER_PATH, MANAGER_IFACE, 'Refresh'), [], 'Refresh()')
    check(w.daemon.poll() is None, 'memcryptd exited with %s' % w.daemon.returncode)


def everything(w):
    """All a client can read: every property, Describe() and Doctor(), as text."""
    out = [json.dumps(w.get_all(MANAGER_PATH, MANAGER_IFACE))]
    for m in MODELS:
        out.append(json.dumps(w.get_all(model_path(m), MODEL_IFACE)))
    for method in ('Describe', 'Doctor'):
        out.append(json.dumps(w.call(MANAGER_PATH, MANAGER_IFACE, method)))
    return '\n'.join(out)


def link(w, rel, target):
    path = os.path.join(w.root, rel)
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.symlink(target, path)


def test_links_out_of_the_root():
    with World(host='milan-snp', mock_allowed=REFRESH) as w:
        marker = 'MEMCRYPT-SECRET-%d' % os.getpid()
        outside = os.path.join(w.tmp, 'outside')
        os.makedirs(os.path.join(outside, 'firmware'))
        secret = os.path.join(outside, 'secret')
        with open(secret, 'w') as f:
            f.write(('%s\n' % marker) * 4)
        # a well-formed firmware descriptor and domain outside, so that only where they are keeps them out
        with open(os.path.join(w.root, 'usr/share/qemu/firmware/30-edk2-ovmf-amdsev.json')) as f:
            desc = json.load(f)
        desc['description'] = marker
        with open(os.path.join(outside, 'firmware', '10-secret.json'), 'w') as f:
            json.dump(desc, f)
        domains = os.path.join(w.root, 'libvirt', 'domains')
        some = sorted(n for n in os.listdir(domains) if n.endswith('.xml'))
        with open(os.path.join(domains, some[0])) as f:
            dom = f.read()
        with open(os.path.join(outside, 'domain.xml'), 'w') as f:
            f.write(dom.replace('<name>', '<name>%s-' % marker, 1))
        before = everything(w)
        check(marker not in before, 'test bug: the marker is there before the links')

        up = lambda rel: os.path.relpath(outside, os.path.dirname(os.path.join(w.root, rel)))  # noqa: E731
        links = {
            'proc/sys/kernel/hostname': secret,                                         # absolute
            'proc/sys/kernel/osrelease': os.path.join(up('proc/sys/kernel/osrelease'), 'secret'),  # ../../..
            'dev/sev.json': secret,
            'sys/module/kvm_amd/parameters/sev': os.path.join(up('sys/module/kvm_amd/parameters/sev'), 'secret'),
            'usr/share/qemu/firmware/10-secret.json': os.path.join(outside, 'firmware', '10-secret.json'),
            'etc/qemu/firmware': os.path.join(outside, 'firmware'),                    # a directory
            'libvirt/domains/00-secret.xml': os.path.join(outside, 'domain.xml'),
        }
        for rel, target in links.items():
            link(w, rel, target)
            check(os.path.exists(os.path.join(w.root, rel)), 'test bug: %s -> %s does not resolve' % (rel, target))
        refresh(w)
        seen = everything(w)
        check(marker not in seen, 'bytes of a file outside the root were published:',
              *[l[:300] for l in seen.splitlines() if marker in l])
        eq(w.get_property(MANAGER_PATH, MANAGER_IFACE, 'NodeName')[1] == marker, False, 'NodeName is the secret')
        check(OUT_OF_ROOT in seen, 'no reason says a link leads out of the root:', seen[:2000])
        # a model's reason names the file a link took out of the root
        reasons = json.dumps(w.get_all(model_path('amd-sev'), MODEL_IFACE)['Reasons'])
        check('/dev/sev.json: ' + OUT_OF_ROOT in reasons, 'no reason names /dev/sev.json: %s' % reasons[:1000])

        # --dump and a --snapshot copy of this root read nothing outside it either
        r = run([w.memcryptd, '--root=' + w.root, '--dump'], env=w.env())
        check(marker not in r.stdout + r.stderr, '--dump published the secret')
        snap = os.path.join(w.tmp, 'snap')
        r = run([w.memcryptd, '--root=' + w.root, '--snapshot=' + snap], env=w.env())
        for d, _, files in os.walk(snap):
            for n in files:
                with open(os.path.join(d, n), 'rb') as f:
                    check(marker.encode() not in f.read(), '--snapshot copied the secret into %s' % n)

        # an absolute link that stays inside the root is followed, as seen from the root
        inside = os.path.join(w.root, 'etc', 'node-name')
        os.makedirs(os.path.dirname(inside), exist_ok=True)
        with open(inside, 'w') as f:
            f.write('inside-the-root\n')
        link(w, 'proc/sys/kernel/hostname', '/etc/node-name')
        refresh(w)
        eq(w.get_property(MANAGER_PATH, MANAGER_IFACE, 'NodeName')[1], 'inside-the-root',
           'NodeName through an absolute link inside the root')
        check(w.daemon.poll() is None, 'memcryptd exited: %s' % w.daemon.returncode)
        return '%d links out of the root' % len(links)


TESTS = [
    ('milan-snp copy with links to a secret outside the root: none of it published, each a missing file '
     'with a reason; a link inside the root is followed', test_links_out_of_the_root),
]

if __name__ == '__main__':
    tap_main(TESTS)
