#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""[Export] PrometheusTextfile= and NodeFeatureFile= with real readers: memcryptd on a copy of a test
host writes both files at start; a real prometheus-node-exporter (only its textfile collector, on
127.0.0.1 and a free port) pointed at the directory serves the memcrypt series with the verdicts of
`memcryptd --root=SAME --dump`, and node_textfile_scrape_error 0; removing the SNP firmware
descriptor from the snapshot reaches both files without a Refresh() call (the PropertiesChanged
signal first, then the files, polled with a guard); nothing is left beside the files. A directory
that cannot be written (a read-only bind mount in memcryptd's own mount namespace, or mode 0555 for
a non-root run) gives Health degraded naming the file and the error, the daemon keeps answering,
and once the directory is writable again the next refresh writes the files and Health is ok."""

import json
import os
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import urllib.request

from harness import (MANAGER_IFACE, MANAGER_PATH, MODEL_IFACE, TIMEOUT, Reader, Skip, World, can_unshare_mount,
                     check, eq, have, is_root, model_path, run, tap_main)
import harness

NODE_EXPORTER = shutil.which('prometheus-node-exporter') or shutil.which('node_exporter')
PROM_NAME = 'memcrypt.prom'
NFD_NAME = 'memcrypt'
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


class Exports:
    """A configuration file naming the two export files, in directories of their own."""

    def __init__(self):
        self.base = tempfile.mkdtemp(prefix='memcrypt-fleet.')
        os.chmod(self.base, 0o755)
        self.textfile_dir = os.path.join(self.base, 'node-exporter')
        self.features_dir = os.path.join(self.base, 'features.d')
        os.mkdir(self.textfile_dir)
        os.mkdir(self.features_dir)
        self.prom = os.path.join(self.textfile_dir, PROM_NAME)
        self.nfd = os.path.join(self.features_dir, NFD_NAME)
        self.conf = os.path.join(self.base, 'memcryptd.conf')
        with open(self.conf, 'w') as f:
            f.write('[Export]\nPrometheusTextfile=%s\nNodeFeatureFile=%s\n' % (self.prom, self.nfd))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.base, ignore_errors=True)
        return False


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return None


def wait_file(path, pred, what):
    """Poll PATH until PRED(content) holds; TIMEOUT is a guard, the daemon's write the event."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        text = read(path)
        if text is not None and pred(text):
            return text
    raise AssertionError('%s: not within %gs; %s holds %r' % (what, TIMEOUT, path, read(path)))


def wait_property(w, path, iface, name, pred, what):
    deadline = time.monotonic() + TIMEOUT
    value = None
    while time.monotonic() < deadline:
        value = w.get_property(path, iface, name)[1]
        if pred(value):
            return value
    raise AssertionError('%s: %s is still %r after %gs' % (what, name, value, TIMEOUT))


LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def key(name, **labels):
    """A series as one string, labels sorted (node_exporter sorts them, memcryptd need not)."""
    return name + '{' + ','.join('%s="%s"' % kv for kv in sorted(labels.items())) + '}'


def samples(text):
    """{series: value} of an exposition, comments left out."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith('#'):
            continue
        m = SAMPLE.match(line)
        check(m, 'not a sample line: %r' % line)
        out[key(m.group(1), **dict(LABEL.findall(m.group(2) or '')))] = m.group(3)
    return out


def expected_series(d):
    """The series the verdicts of a --dump report must produce, with their values."""
    want = {}
    for m in d['models']:
        mod = m['model']
        want[key('memcrypt_model_usable', model=mod)] = str(int(m['usable']))
        for s in ('total', 'used', 'free'):
            want[key('memcrypt_slots', model=mod, state=s)] = str(m['slots_' + s])
        for r in m['reasons']:
            want[key('memcrypt_reason', model=mod, code=r['code'], severity=r['severity'])] = '1'
    for h in ('ok', 'degraded', 'conflict'):
        want[key('memcrypt_health', state=h)] = str(int(d['health'] == h))
    want[key('memcrypt_libvirt_connected')] = str(int(d['host']['libvirt_connected']))
    want[key('memcrypt_sev_firmware_info', version=d['host']['sev_firmware'])] = '1'
    return want


def check_series(got, d, what):
    want = expected_series(d)
    eq({k: got.get(k) for k in want}, want, what)
    reasons = sum(len(m['reasons']) for m in d['models'])
    eq(len([k for k in got if k.startswith('memcrypt_reason{')]), reasons, what + ': memcrypt_reason series')


def without_timestamp(text):
    return '\n'.join(l for l in text.splitlines() if not l.startswith('memcrypt_last_refresh_timestamp_seconds '))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def start_node_exporter(w, directory):
    """prometheus-node-exporter with only the textfile collector; returns its /metrics URL once it
    logged that it listens."""
    if not NODE_EXPORTER:
        raise AssertionError('prometheus-node-exporter is not installed (tools/setup installs it)')
    port = free_port()
    p = w.spawn('node-exporter', [NODE_EXPORTER, '--web.listen-address=127.0.0.1:%d' % port,
                                  '--collector.disable-defaults', '--collector.textfile',
                                  '--collector.textfile.directory=' + directory],
                log=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    rd = Reader(p)
    line = rd.wait_for(lambda l: 'Listening on' in l or 'level=error' in l)
    check(line and 'Listening on' in line, 'node_exporter did not start: %r' % rd.lines)
    return 'http://127.0.0.1:%d/metrics' % port


def scrape(url):
    with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
        eq(r.status, 200, 'HTTP status of ' + url)
        return r.read().decode()


def dump(w, fmt):
    r = run([w.memcryptd, '--root=' + w.root, '--dump=' + fmt], env=w.env())
    check(r.returncode == 0, 'memcryptd --dump=%s failed: %r' % (fmt, r))
    return r.stdout


def only_the_files(x):
    eq(sorted(os.listdir(x.textfile_dir)), [PROM_NAME], 'files in the textfile directory')
    eq(sorted(os.listdir(x.features_dir)), [NFD_NAME], 'files in features.d')
    for path in (x.prom, x.nfd):
        eq(stat.S_IMODE(os.stat(path).st_mode), 0o644, 'mode of ' + path)


def test_node_exporter_and_changes():
    with Exports() as x, World(host='milan-snp', daemon_args=['--config=' + x.conf]) as w:
        listener = w.listen()
        url = start_node_exporter(w, x.textfile_dir)
        # Written at start: the same content as --dump (the refresh time aside).
        prom = wait_file(x.prom, lambda t: True, 'the Prometheus textfile at start')
        eq(without_timestamp(prom), without_timestamp(dump(w, 'prometheus')), 'textfile content')
        eq(wait_file(x.nfd, lambda t: True, 'the feature file at start'), dump(w, 'nfd'), 'feature file content')
        only_the_files(x)
        last_ms = int(samples(prom)[key('memcrypt_last_refresh_timestamp_seconds')].replace('.', ''))
        eq(last_ms, w.get_property(MANAGER_PATH, MANAGER_IFACE, 'LastRefresh')[1] // 1000,
           'memcrypt_last_refresh_timestamp_seconds against LastRefresh (ms)')

        before = w.dump()
        got = samples(scrape(url))
        check_series(got, before, 'node_exporter before the edit')
        eq(got.get(key('node_textfile_scrape_error')), '0', 'node_textfile_scrape_error')
        eq(got.get(key('memcrypt_model_usable', model='amd-sev-snp')), '1', 'SNP usable before the edit')

        # The edit test-bus-signals makes: the daemon's inotify watch notices it, no Refresh() call.
        os.unlink(os.path.join(w.root, 'usr/share/qemu/firmware/30-edk2-ovmf-amdsev.json'))
        after = w.dump()
        snp = model_path('amd-sev-snp')
        line = listener.wait_for(lambda l: json.loads(l).get('signal') == 'PropertiesChanged'
                                 and json.loads(l).get('path') == snp)
        check(line and json.loads(line)['changed'].get('Usable') is False,
              'no PropertiesChanged(Usable=false) on %s: %r' % (snp, listener.lines))
        wait_file(x.nfd, lambda t: 'memcrypt-amd-sev-snp=false\n' in t, 'the feature file after the edit')
        eq(read(x.nfd), dump(w, 'nfd'), 'feature file after the edit')
        prom = wait_file(x.prom, lambda t: 'memcrypt_model_usable{model="amd-sev-snp"} 0\n' in t,
                         'the textfile after the edit')
        eq(without_timestamp(prom), without_timestamp(dump(w, 'prometheus')), 'textfile after the edit')
        got = samples(scrape(url))
        check_series(got, after, 'node_exporter after the edit')
        eq(got.get(key('memcrypt_reason', model='amd-sev-snp', code='firmware-missing', severity='error')), '1',
           'the reason of the lost model')
        eq(got.get(key('node_textfile_scrape_error')), '0', 'node_textfile_scrape_error after the edit')
        only_the_files(x)
        # The labels are valid line by line (test-fleet-cli.sh checks the same on every test host).
        for l in read(x.nfd).splitlines():
            check(re.match(r'^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?=[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}'
                           r'[A-Za-z0-9])?$', l), 'invalid label line %r' % l)
    return 'node_exporter %s' % NODE_EXPORTER


def readonly_wrapper(x, memcryptd):
    """A memcryptd that runs in a mount namespace of its own with the textfile directory bound
    read-only over itself (root), or None when the directory is simply made 0555 (non-root)."""
    if not is_root():
        os.chmod(x.textfile_dir, 0o555)
        return None
    if harness.VALGRIND:
        raise Skip('memcryptd runs through an unshare wrapper here, which valgrind would check instead')
    if not can_unshare_mount() or not have('nsenter'):
        raise Skip('needs unshare -m and nsenter as root for a read-only bind mount')
    path = os.path.join(x.base, 'memcryptd-ro')
    with open(path, 'w') as f:
        f.write('#!/bin/sh\nexec unshare -m --propagation private sh -c \'mount --bind "$0" "$0" && '
                'mount -o remount,bind,ro "$0" "$0" && exec "$@"\' %s %s "$@"\n' % (x.textfile_dir, memcryptd))
    os.chmod(path, 0o755)
    return path


def test_readonly_directory():
    with Exports() as x:
        wrapper = readonly_wrapper(x, os.environ.get('MEMCRYPTD'))
        with World(host='milan-snp', daemon_args=['--config=' + x.conf], memcryptd=wrapper) as w:
            health = wait_property(w, MANAGER_PATH, MANAGER_IFACE, 'Health', lambda v: v == 'degraded',
                                   'Health after a failed write')
            msg = w.get_property(MANAGER_PATH, MANAGER_IFACE, 'HealthMessage')[1]
            check(x.prom in msg and ('Read-only file system' in msg or 'Permission denied' in msg),
                  'HealthMessage does not name the file and the error: %r' % msg)
            eq(health, 'degraded', 'Health')
            # The other file is written, the daemon answers, the verdicts are those of the host.
            eq(wait_file(x.nfd, lambda t: True, 'the feature file'), dump(w, 'nfd'), 'feature file content')
            eq(w.get_property(model_path('amd-sev-snp'), MODEL_IFACE, 'Usable')[1], True, 'SNP usable')
            eq(os.listdir(x.textfile_dir), [], 'the read-only directory')
            check(w.daemon.poll() is None, 'memcryptd exited: %s' % w.all_logs())
            # Writable again: the next refresh writes the file and Health recovers.
            if wrapper:
                r = run(['nsenter', '-t', str(w.daemon.pid), '-m', 'umount', x.textfile_dir])
                check(r.returncode == 0, 'umount in memcryptd\'s namespace: %r' % r)
            else:
                os.chmod(x.textfile_dir, 0o755)
            eq(w.call(MANAGER_PATH, MANAGER_IFACE, 'Refresh'), [], 'Refresh()')
            wait_property(w, MANAGER_PATH, MANAGER_IFACE, 'Health', lambda v: v == 'ok', 'Health once writable')
            eq(w.get_property(MANAGER_PATH, MANAGER_IFACE, 'HealthMessage')[1], '', 'HealthMessage once writable')
            prom = wait_file(x.prom, lambda t: True, 'the textfile once writable')
            check('memcrypt_health{state="ok"} 1\n' in prom, 'textfile health: %r' % prom)
            only_the_files(x)
    return 'read-only bind mount' if wrapper else 'mode 0555'


TESTS = [
    ('node_exporter serves the verdicts from the textfile; a snapshot edit reaches both files', test_node_exporter_and_changes),
    ('a directory that cannot be written: Health degraded naming the file, no crash, recovery', test_readonly_directory),
]

if __name__ == '__main__':
    tap_main(TESTS)
