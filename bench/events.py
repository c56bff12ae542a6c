#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Event latency and refresh memory of a live memcryptd (issue 5's figures).

Sets up what the integration tests use (tests/integration/harness.py and libvirtd.py): a private
bus, a private libvirtd, and memcryptd --root=SNAPSHOT following libvirt's test driver inside that
libvirtd (test+unix:///default?socket=...). Then:
  1. bench-events: libvirt lifecycle event -> PropertiesChanged(RunningDomains) at a client,
     p50/p99 against Peer.Ping and a bare libvirt call measured in the same run (goal: p99 < 50 ms);
  2. the daemon's VmRSS after 10, N and 2N Refresh() calls (goal: memory flat once warm).

Usage: bench/events.py BUILD_DIR [SNAPSHOT_DIR] [--samples=N] [--refreshes=N]"""

import os
import shutil
import sys

from benchlib import SOURCE_ROOT, option, proc_status_kib
import harness  # noqa: E402  (on the path through benchlib)
from libvirtd import Libvirtd  # noqa: E402


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    build = os.path.abspath(args[0])
    snapshot = os.path.abspath(args[1] if len(args) > 1 else os.path.join(SOURCE_ROOT, 'tests/fixtures/hosts/milan-snp'))
    samples, refreshes = option('samples', 300), option('refreshes', 10000)
    bench = os.path.join(build, 'bench', 'bench-events')
    os.environ['MEMCRYPTD'] = os.path.join(build, 'service', 'memcryptd')

    with harness.World(root=snapshot, polkit='none', daemon=False, quiet=True) as w:
        lv = Libvirtd(w).start()
        uri = 'test+unix:///default?socket=' + lv.socket_path
        w.root = os.path.join(w.tmp, 'root')
        shutil.copytree(snapshot, w.root, symlinks=True)
        w.start_daemon(['--libvirt-uri=' + uri])
        r = harness.run([bench, '--uri=' + uri, '--samples=%d' % samples], env=w.env(), timeout=600)
        sys.stdout.write(r.stdout)
        if r.returncode != 0:
            sys.stderr.write(r.stderr)
            return 1
        if not harness.is_root():
            print('refresh memory: skipped (Refresh() without polkit needs root)')
            return 0
        pid, done, rss = w.daemon.pid, 0, []
        # Checkpoints 10, N and 2N: allocator caches settle in the first thousands; growth
        # between N and 2N would be a leak (heap bytes in use are checked by test-live).
        for n in (10, refreshes, 2 * refreshes):
            r = harness.run([bench, '--refreshes=%d' % (n - done)], env=w.env(), timeout=1200)
            if r.returncode:
                sys.stderr.write(r.stderr)
                return 1
            done = n
            rss.append((n, proc_status_kib(pid, 'VmRSS')['VmRSS']))
        print('memcryptd VmRSS after ' + ', '.join('%d refreshes: %d KiB' % x for x in rss) +
              ' (%+d KiB from %d to %d)' % (rss[2][1] - rss[1][1], rss[1][0], rss[2][0]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
