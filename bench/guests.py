#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""memcryptd with thousands of guests (issue 17's figures and goals), references measured in the
same run.

Sets up what the integration tests use (tests/integration/harness.py and libvirtd.py): a private
bus, a private libvirtd, and memcryptd --root=SNAPSHOT following libvirt's test driver inside that
libvirtd (test+unix:///default?socket=...). Then, in each of --runs fresh setups:
  1. memory idle and connected, before any guest: memcryptd's anonymous memory and PSS
     (/proc/PID/smaps_rollup), libvirtd's as the reference;
  2. bench-guests: for each number of running encrypted guests (--guests, ascending), memcryptd's and
     libvirtd's CPU per lifecycle event, event -> signal p99, GetAll/Describe/ListEncryptedDomains
     against Peer.Ping, and for each size of --storm a storm of starts and destroys against
     libvirt's own time; meanwhile signal-sizes.py measures every signal memcryptd sends;
  3. in the last run only, with the guests still running: --idle seconds in which nothing is asked,
     counting the wakeups (voluntary context switches, every thread) of memcryptd and, over the same
     seconds, of references: a bare libvirt client following events on the same libvirtd
     (bench-libvirt-idle: libvirtd's own keepalive pings), a sleeping `sleep`, the bus's
     dbus-daemon and libvirtd; then memcryptd's and libvirtd's memory again.
Each figure is the median over the runs (ratios: the median of each run's ratio against its own
reference). Prints each run's raw lines, then one table with the goals judged (ok / MISS).

Usage: bench/guests.py BUILD_DIR [SNAPSHOT_DIR] [--guests=2000,5000] [--events=250]
                       [--storm=500,3000] [--runs=3] [--idle=60] [--config=MEMCRYPTD_CONF]
                       [--libvirtd-keepalive=SEC]
--config gives memcryptd a configuration file (e.g. another RefreshIntervalSec=, which also sets its
keepalive); --libvirtd-keepalive sets the private libvirtd's keepalive_interval (libvirtd.conf; -1:
libvirtd sends no pings), to show what wakes an idle daemon."""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

from benchlib import SOURCE_ROOT, option, print_table
import harness  # noqa: E402  (on the path through benchlib)
from libvirtd import Libvirtd  # noqa: E402

# Issue 17's goals.
GOAL_CPU_X = 2.0            # memcryptd CPU per event <= 2x libvirtd's, at 2000 and 5000 guests
GOAL_AT_GUESTS = 2000       # the CPU, latency and call goals are set for 2000 guests and more
GOAL_STORM_X, GOAL_STORM_MS = 1.5, 200.0
GOAL_GETALL_X, GOAL_DESCRIBE_X = 2.0, 20.0
GOAL_SIGNAL_BYTES = 4096
GOAL_P99_MS = 50.0
GOAL_WAKEUPS_MIN = 4.0
GOAL_ANON_IDLE_KIB, GOAL_PSS_IDLE_KIB, GOAL_ANON_5000_KIB = 3 * 1024, 4 * 1024, 10 * 1024

MEASURE_RE = re.compile(r'guests (\d+): cpu per event memcryptd ([\d.]+) us, libvirtd ([\d.]+) us .*?'
                        r'p99 ([\d.]+) ms; Ping p50 ([\d.]+) us; GetAll ([\d.]+)x Ping; Describe ([\d.]+)x Ping; '
                        r'ListEncryptedDomains ([\d.]+)x Ping')
STORM_RE = re.compile(r'storm of (\d+) at (\d+) guests: starts: libvirt ([\d.]+) ms, last signal ([\d.]+) ms .*?'
                      r'destroys: libvirt ([\d.]+) ms, last signal ([\d.]+) ms')


def smaps_kib(pid):
    """{'Anonymous': KiB, 'Pss': KiB, 'Rss': KiB} of /proc/PID/smaps_rollup."""
    out = {}
    with open('/proc/%d/smaps_rollup' % pid) as f:
        for line in f:
            key = line.split(':', 1)[0]
            if key in ('Anonymous', 'Pss', 'Rss'):
                out[key] = int(line.split()[1])
    return out


def anon_breakdown(pid):
    """Where PID's anonymous memory is (/proc/PID/smaps), KiB: the heap, copies of library pages
    (relocations, .data, .bss), and other anonymous mappings (thread arenas and stacks)."""
    out = {'heap': 0, 'libraries': 0, 'other': 0}
    name = ''
    with open('/proc/%d/smaps' % pid) as f:
        for line in f:
            fields = line.split()
            if re.match(r'^[0-9a-f]+-[0-9a-f]+ ', line):
                name = fields[5] if len(fields) > 5 else ''
            elif fields[0] == 'Anonymous:':
                kib = int(fields[1])
                out['heap' if name == '[heap]' else 'libraries' if name.startswith('/') else 'other'] += kib
    return out


def thread_wakeups(pid):
    """{(tid, name): voluntary context switches} of every thread of PID: each time it slept and was woken."""
    out = {}
    for tid in os.listdir('/proc/%d/task' % pid):
        try:
            with open('/proc/%d/task/%s/comm' % (pid, tid)) as f:
                name = f.read().strip()
            with open('/proc/%d/task/%s/status' % (pid, tid)) as f:
                for line in f:
                    if line.startswith('voluntary_ctxt_switches:'):
                        out[(tid, name)] = int(line.split()[1])
        except OSError:
            pass        # a thread that ended meanwhile
    return out


def wakeups(pid):
    """Voluntary context switches of every thread of PID."""
    return sum(thread_wakeups(pid).values())


def wakeups_by_thread(before, after):
    """{thread name: wakeups} between two thread_wakeups(); a thread that ended meanwhile is left out."""
    out = {}
    for key, n in after.items():
        out[key[1]] = out.get(key[1], 0) + n - before.get(key, 0)
    return out


def gi_python():
    """An interpreter with python3-gi for signal-sizes.py (the bench's own may be a pyenv one)."""
    for p in (sys.executable, '/usr/bin/python3'):
        if p and subprocess.run([p, '-c', 'import gi'], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL).returncode == 0:
            return p
    return None


def read_ready(p, what):
    line = p.stdout.readline()
    if line.strip() != 'READY':
        raise harness.HarnessError('%s did not start: %r' % (what, line))


def one_run(build, snapshot, args, idle):
    """One fresh setup; returns its figures and raw output."""
    os.environ['MEMCRYPTD'] = os.path.join(build, 'service', 'memcryptd')
    res = {'measure': {}, 'storm': {}}
    with harness.World(root=snapshot, polkit='none', daemon=False, quiet=True) as w:
        ka = args['libvirtd_keepalive']
        lv = Libvirtd(w, conf='keepalive_interval = %d\n' % int(ka) if ka else '')
        lv.start()
        uri = 'test+unix:///default?socket=' + lv.socket_path
        w.root = os.path.join(w.tmp, 'root')
        shutil.copytree(snapshot, w.root, symlinks=True)
        w.start_daemon(['--libvirt-uri=' + uri] + (['--config=' + args['config']] if args['config'] else []))
        pid, lv_pid = w.daemon.pid, lv.libvirtd.pid
        res['mem_idle'], res['lv_mem_idle'] = smaps_kib(pid), smaps_kib(lv_pid)
        res['raw_mem'] = 'memcryptd anonymous memory idle, 0 guests (KiB): %r\n' % anon_breakdown(pid)
        # The sleeping reference starts now, so its own start-up is long over when the idle seconds come.
        sleeper = w.spawn('sleep', ['sleep', '86400'], log=False) if idle > 0 else None

        py = gi_python()
        sizes = None
        if py:
            sizes = w.spawn('signal-sizes', [py, os.path.join(SOURCE_ROOT, 'bench', 'signal-sizes.py')], log=False,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            read_ready(sizes, 'signal-sizes.py')
        r = harness.run([os.path.join(build, 'bench', 'bench-guests'), '--uri=' + uri, '--memcryptd=%d' % pid,
                         '--libvirtd=%d' % lv_pid, '--guests=' + args['guests'], '--events=' + args['events'],
                         '--storm=' + args['storm']], env=w.env(), timeout=7200)
        res['raw'] = r.stdout
        if r.returncode != 0:
            raise harness.HarnessError('bench-guests failed:\n%s%s' % (r.stdout, r.stderr))
        for m in MEASURE_RE.finditer(r.stdout):
            n = int(m.group(1))
            res['measure'][n] = dict(zip(('mc_us', 'lv_us', 'p99_ms', 'ping_us', 'getall_x', 'describe_x', 'list_x'),
                                         map(float, m.groups()[1:])))
        for m in STORM_RE.finditer(r.stdout):
            s, n = int(m.group(1)), int(m.group(2))
            res['storm'][(n, s)] = dict(zip(('lv_start', 'sig_start', 'lv_stop', 'sig_stop'),
                                            map(float, m.groups()[2:])))
        if sizes:
            out, _ = sizes.communicate(timeout=harness.TIMEOUT)
            res['signals'] = json.loads(out.strip().split('\n')[-1])

        if idle > 0:
            # The references run through the same idle seconds as memcryptd.
            client = w.spawn('libvirt-client', [os.path.join(build, 'bench', 'bench-libvirt-idle'), uri], log=False,
                             stdout=subprocess.PIPE, text=True)
            read_ready(client, 'bench-libvirt-idle')
            bus_pid = next(p.pid for name, p in w.procs if name == 'dbus-daemon')
            pids = {'memcryptd': pid, 'libvirt-client': client.pid, 'sleep': sleeper.pid,
                    'dbus-daemon': bus_pid, 'libvirtd': lv_pid}
            before = {k: wakeups(v) for k, v in pids.items()}
            threads_before = thread_wakeups(pid)
            time.sleep(idle)        # the measurement itself: an idle period, not a synchronisation
            res['wakeups_min'] = {k: (wakeups(v) - before[k]) * 60.0 / idle for k, v in pids.items()}
            by_thread = wakeups_by_thread(threads_before, thread_wakeups(pid))
            res['mem_guests'], res['lv_mem_guests'] = smaps_kib(pid), smaps_kib(lv_pid)
            res['raw_mem'] += 'memcryptd anonymous memory idle, %s guests (KiB): %r\n' % (
                args['guests'].split(',')[-1], anon_breakdown(pid))
            res['raw_mem'] += 'wakeups a minute: %r\n' % res['wakeups_min']
            res['raw_mem'] += 'memcryptd wakeups in %g s by thread: %r\n' % (idle, by_thread)
    return res


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def verdict(ok):
    return 'ok' if ok else 'MISS'


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    build = os.path.abspath(args[0])
    snapshot = os.path.abspath(args[1] if len(args) > 1 else
                               os.path.join(SOURCE_ROOT, 'tests/fixtures/hosts/milan-snp-off'))
    opts = {'guests': option('guests', '2000,5000'), 'events': option('events', '250'),
            'storm': option('storm', '500,3000'), 'config': os.path.abspath(option('config', '')) if option('config', '') else '',
            'libvirtd_keepalive': option('libvirtd-keepalive', '')}
    runs, idle = option('runs', 3), option('idle', 60.0)
    guests = [int(n) for n in opts['guests'].split(',')]
    storms = [int(s) for s in opts['storm'].split(',') if int(s) > 0]

    results = []
    for i in range(runs):
        sys.stderr.write('guests.py: run %d of %d\n' % (i + 1, runs))
        res = one_run(build, snapshot, opts, idle if i == runs - 1 else 0)
        print('run %d:' % (i + 1))
        sys.stdout.write(res['raw'])
        sys.stdout.write(res['raw_mem'])
        results.append(res)
        sys.stdout.flush()

    rows = []

    def row(figure, value, reference='-', ratio='-', goal='-'):
        rows.append((figure, value, reference, ratio, goal))

    def over(key, n, field):
        return [r['measure'][n][field] for r in results if n in r['measure']]

    for n in guests:
        judged = n >= GOAL_AT_GUESTS
        mc, lv = med(over('measure', n, 'mc_us')), med(over('measure', n, 'lv_us'))
        cpu_x = med([r['measure'][n]['mc_us'] / r['measure'][n]['lv_us'] for r in results
                     if n in r['measure'] and r['measure'][n]['lv_us'] > 0])
        if mc is None:
            row('%d guests' % n, 'not measured')
            continue
        if cpu_x is None:   # too few events for /proc/PID/stat's 10 ms ticks
            row('%d guests: memcryptd CPU per event' % n, '%.0f µs' % mc, 'libvirtd: %.0f µs' % lv, '-',
                'too few events to judge')
        else:
            row('%d guests: memcryptd CPU per event' % n, '%.0f µs' % mc, 'libvirtd: %.0f µs' % lv,
                '%.2f×' % cpu_x, '≤ %g× %s' % (GOAL_CPU_X, verdict(cpu_x <= GOAL_CPU_X)) if judged else '-')
        p99, ping = med(over('measure', n, 'p99_ms')), med(over('measure', n, 'ping_us'))
        row('%d guests: event → signal p99' % n, '%.1f ms' % p99, 'Peer.Ping p50: %.0f µs' % ping,
            '%.0f×' % (p99 * 1000 / ping), '≤ %g ms %s' % (GOAL_P99_MS, verdict(p99 <= GOAL_P99_MS)))
        for field, name, goal in (('getall_x', 'Manager GetAll', GOAL_GETALL_X),
                                  ('describe_x', 'Describe', GOAL_DESCRIBE_X),
                                  ('list_x', 'ListEncryptedDomains', None)):
            x = med(over('measure', n, field))
            row('%d guests: %s p50' % (n, name), '%.0f µs' % (x * ping), 'Peer.Ping p50: %.0f µs' % ping,
                '%.2f×' % x, '≤ %g× %s' % (goal, verdict(x <= goal)) if goal and judged else '-')
        for s in storms:
            got = [r['storm'][(n, s)] for r in results if (n, s) in r['storm']]
            if not got:
                row('%d guests: storm of %d' % (n, s), 'not measured')
                continue
            for kind in ('start', 'stop'):
                sig, lvt = med([g['sig_' + kind] for g in got]), med([g['lv_' + kind] for g in got])
                x = med([g['sig_' + kind] / g['lv_' + kind] for g in got])
                goal = '-'
                if kind == 'start':
                    goal = '≤ %g× or ≤ %g ms %s' % (GOAL_STORM_X, GOAL_STORM_MS,
                                                    verdict(x <= GOAL_STORM_X or sig <= GOAL_STORM_MS))
                row('%d guests: storm of %d %s: last signal' % (n, s, 'starts' if kind == 'start' else 'destroys'),
                    '%.0f ms' % sig, 'libvirt: %.0f ms' % lvt, '%.2f×' % x, goal)

    sizes = [r.get('signals') for r in results if r.get('signals') is not None]
    if sizes:
        pc = max(s.get('PropertiesChanged', {}).get('max_bytes', 0) for s in sizes)
        others = ', '.join('%s %d B' % (k, max(s.get(k, {}).get('max_bytes', 0) for s in sizes))
                           for k in sorted({k for s in sizes for k in s}) if k != 'PropertiesChanged')
        row('largest PropertiesChanged (%s guests)' % opts['guests'], '%d B' % pc,
            'other signals: %s' % (others or 'none'), '-',
            '≤ %d B %s' % (GOAL_SIGNAL_BYTES, verdict(pc <= GOAL_SIGNAL_BYTES)))
    else:
        row('largest PropertiesChanged', 'not measured (python3-gi missing)')

    mem = [r['mem_idle'] for r in results]
    lvm = [r['lv_mem_idle'] for r in results]
    anon, pss = med([m['Anonymous'] for m in mem]), med([m['Pss'] for m in mem])
    row('idle, connected, 0 guests: anonymous memory / PSS', '%.1f / %.1f MiB' % (anon / 1024, pss / 1024),
        'libvirtd: %.1f / %.1f MiB' % (med([m['Anonymous'] for m in lvm]) / 1024, med([m['Pss'] for m in lvm]) / 1024),
        '%.2f× (PSS)' % (pss / med([m['Pss'] for m in lvm])),
        'anon ≤ 3 MiB %s, PSS ≤ 4 MiB %s' % (verdict(anon <= GOAL_ANON_IDLE_KIB), verdict(pss <= GOAL_PSS_IDLE_KIB)))
    last = results[-1]
    if 'wakeups_min' in last:
        m, lm = last['mem_guests'], last['lv_mem_guests']
        row('idle, connected, %d guests: anonymous memory / PSS' % guests[-1],
            '%.1f / %.1f MiB' % (m['Anonymous'] / 1024, m['Pss'] / 1024),
            'libvirtd: %.1f / %.1f MiB' % (lm['Anonymous'] / 1024, lm['Pss'] / 1024),
            '%.2f× (PSS)' % (m['Pss'] / lm['Pss']),
            'anon ≤ 10 MiB at 5000 %s' % verdict(m['Anonymous'] <= GOAL_ANON_5000_KIB) if guests[-1] >= 5000 else '-')
        wk = last['wakeups_min']
        row('idle, connected, %d guests: wakeups a minute (last run, %g s)' % (guests[-1], idle),
            '%.1f' % wk['memcryptd'],
            'bare libvirt client %.1f, sleep %.1f, dbus-daemon %.1f, libvirtd %.1f' % (
                wk['libvirt-client'], wk['sleep'], wk['dbus-daemon'], wk['libvirtd']),
            '%.2f× (libvirt client)' % (wk['memcryptd'] / wk['libvirt-client']) if wk['libvirt-client'] else '-',
            '≤ %g %s' % (GOAL_WAKEUPS_MIN, verdict(wk['memcryptd'] <= GOAL_WAKEUPS_MIN)))

    print('\nmedian of %d runs (guests %s, %s events each way, storms %s):\n' % (runs, opts['guests'],
                                                                               opts['events'], opts['storm']))
    print_table(rows)
    return 0


if __name__ == '__main__':
    sys.exit(main())
