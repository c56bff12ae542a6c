#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Load: CLIENTS concurrent clients on a private system bus for SECONDS (issue 7).

Starts what the integration tests use (tests/integration/harness.py's World: a private
dbus-daemon with our bus policy, polkit, memcryptd --root=milan-snp), reads memcryptd's VmRSS,
runs bench-load (one thread and bus connection per client; a mix of GetAll/Get, Describe, Doctor,
ResolveRequest, GenerateLaunchSecurity, ConfigureDomain and ValidateDomain of
tests/fixtures/domains, and invalid calls that must fail with their exact error names), reads
VmRSS again, checks Peer.Ping, and prints one table: per call kind the calls, calls/s, p50/p99/max
latency and unexpected outcomes. Exit status 1 on any unexpected outcome or a dead daemon.

Usage: bench/load.py BUILD_DIR [--clients=64] [--duration=60] [--tap] [--json=FILE]
       --tap: print the result as one TAP test (the short run in `meson test`, suite integration)
       --json=FILE: also write bench-load's result and the memory figures to FILE (bench/run)"""

import json
import os
import sys
import tempfile

from benchlib import SOURCE_ROOT, build_dir, option, proc_status_kib
import harness  # noqa: E402  (on the path through benchlib)


def memory_kib(pid):
    """VmRSS and VmHWM (peak) of PID, in KiB."""
    return proc_status_kib(pid, 'VmRSS', 'VmHWM')


def table(result, before, after):
    lines = ['%d clients, %.1f s, %d calls, %.0f calls/s, %d unexpected' % (
        result['clients'], result['seconds'], result['calls'], result['per_s'], result['unexpected']), '']
    ping = next((k['p50_us'] for k in result['kinds'] if k['kind'].startswith('Peer.Ping')), 0)
    head = ('call kind', 'calls', 'calls/s', 'p50 ms', 'p99 ms', 'max ms', 'p50 ×Ping', 'unexpected')
    fmt = '| %-24s | %8s | %8s | %7s | %7s | %8s | %9s | %10s |'
    lines.append(fmt % head)
    lines.append('|%s|%s:|%s:|%s:|%s:|%s:|%s:|%s:|' % ('-' * 26, '-' * 9, '-' * 9, '-' * 8, '-' * 8, '-' * 9,
                                                       '-' * 10, '-' * 11))
    for k in result['kinds']:
        lines.append(fmt % (k['kind'], k['calls'], '%.0f' % k['per_s'], '%.2f' % (k['p50_us'] / 1000),
                            '%.2f' % (k['p99_us'] / 1000), '%.1f' % (k['max_us'] / 1000),
                            '%.2f×' % (k['p50_us'] / ping) if ping else '-', k['unexpected']))
    lines.append(fmt % ('all', result['calls'], '%.0f' % result['per_s'], '', '', '', '', result['unexpected']))
    lines.append('')
    lines.append('memcryptd VmRSS: %.1f MiB before, %.1f MiB after (peak VmHWM %.1f MiB)' % (
        before['VmRSS'] / 1024, after['VmRSS'] / 1024, after['VmHWM'] / 1024))
    for p in result.get('problems', []):
        lines.append('unexpected: ' + p)
    return '\n'.join(lines)


def main():
    build = build_dir()
    clients, duration, tap = option('clients', 64), option('duration', 60.0), '--tap' in sys.argv
    bench = os.environ.get('BENCH_LOAD') or os.path.join(build, 'bench', 'bench-load')
    domains = os.path.join(SOURCE_ROOT, 'tests', 'fixtures', 'domains')
    if tap:
        print('1..1', flush=True)

    problems = []
    # The clients are one process of one uid: as many calls in flight as clients is the load
    # measured here (the per-uid limit, MaxCallsPerUser, is tests/integration/test-stall's).
    conf = tempfile.NamedTemporaryFile('w', prefix='memcrypt-load.', suffix='.conf')
    conf.write('[Service]\nMaxCallsPerUser=%d\nMaxQueuedCalls=%d\n' % (max(clients, 4), max(clients, 64)))
    conf.flush()
    with conf, harness.World(host='milan-snp', daemon_args=['--config=' + conf.name]) as w:
        pid = w.daemon.pid
        # Under valgrind the World's process is valgrind itself; its memory is not memcryptd's alone.
        before = memory_kib(pid)
        r = harness.run([bench, '--clients=%d' % clients, '--duration=%g' % duration, '--domains=' + domains],
                        env=w.env(), timeout=duration + 120)
        after = memory_kib(pid) if w.daemon.poll() is None else {'VmRSS': 0, 'VmHWM': 0}
        try:
            result = json.loads(r.stdout)
        except ValueError:
            raise harness.HarnessError('bench-load printed no result: %r\n%s' % (r, w.all_logs()))
        ping = w.busctl('call', harness.BUS_NAME, harness.MANAGER_PATH, 'org.freedesktop.DBus.Peer', 'Ping')
        if ping.returncode != 0 or w.daemon.poll() is not None:
            problems.append('memcryptd does not answer Ping after the load: %r' % ping)
        if result['unexpected']:
            problems.append('%d unexpected outcomes' % result['unexpected'])
        for k in result['kinds']:
            if k['calls'] == 0:
                problems.append('no %s call was made' % k['kind'])
        text = table(result, before, after)

    out = option('json', '')
    if out:
        with open(out, 'w') as f:
            json.dump(dict(result, rss_before_kib=before['VmRSS'], rss_after_kib=after['VmRSS'],
                           hwm_after_kib=after['VmHWM'], problems_found=problems), f)
    if tap:
        for line in text.split('\n'):
            print('# ' + line)
        print('%s 1 - %d clients for %gs on milan-snp: every reply as expected, memcryptd alive%s' % (
            'not ok' if problems else 'ok', clients, duration, ''.join('\n# ' + p for p in problems)))
    else:
        print(text)
        for p in problems:
            print('FAILED: ' + p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
