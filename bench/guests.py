#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""memcryptd with thousands of guests (issue 17's figures), references measured in the same run.

Sets up what the integration tests use (tests/integration/harness.py and libvirtd.py): a private
bus, a private libvirtd, and memcryptd --root=SNAPSHOT following libvirt's test driver inside that
libvirtd (test+unix:///default?socket=...). Then:
  1. bench-guests: for each number of running encrypted guests, memcryptd's and libvirtd's CPU per
     lifecycle event, event -> signal p99, GetAll/Describe/ListEncryptedDomains against Ping, and a
     storm of starts and destroys against libvirt's own time;
  2. idle: memcryptd's wakeups (context switches of all its threads) over --idle seconds while
     connected to libvirt with the guests running, its anonymous memory (RssAnon) and PSS.

Usage: bench/guests.py BUILD_DIR [SNAPSHOT_DIR] [--guests=0,1000,2000] [--events=250] [--storm=500]
                       [--idle=60]"""

import os
import shutil
import sys
import time

from benchlib import SOURCE_ROOT, option, proc_status_kib
import harness  # noqa: E402  (on the path through benchlib)
from libvirtd import Libvirtd  # noqa: E402


def pss_kib(pid):
    try:
        with open('/proc/%d/smaps_rollup' % pid) as f:
            for line in f:
                if line.startswith('Pss:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def switches(pid):
    """Context switches of every thread: each wakeup of an idle thread is at least one."""
    total = 0
    for tid in os.listdir('/proc/%d/task' % pid):
        with open('/proc/%d/task/%s/status' % (pid, tid)) as f:
            for line in f:
                if line.startswith(('voluntary_ctxt_switches:', 'nonvoluntary_ctxt_switches:')):
                    total += int(line.split()[1])
    return total


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    build = os.path.abspath(args[0])
    snapshot = os.path.abspath(args[1] if len(args) > 1 else
                               os.path.join(SOURCE_ROOT, 'tests/fixtures/hosts/milan-snp-off'))
    bench = os.path.join(build, 'bench', 'bench-guests')
    idle = option('idle', 60.0)
    os.environ['MEMCRYPTD'] = os.path.join(build, 'service', 'memcryptd')

    with harness.World(root=snapshot, polkit='none', daemon=False, quiet=True) as w:
        lv = Libvirtd(w).start()
        uri = 'test+unix:///default?socket=' + lv.socket_path
        w.root = os.path.join(w.tmp, 'root')
        shutil.copytree(snapshot, w.root, symlinks=True)
        w.start_daemon(['--libvirt-uri=' + uri])
        pid = w.daemon.pid
        r = harness.run([bench, '--uri=' + uri, '--memcryptd=%d' % pid, '--libvirtd=%d' % lv.libvirtd.pid,
                         '--guests=' + option('guests', '0,1000,2000'), '--events=' + option('events', '250'),
                         '--storm=' + option('storm', '500')], env=w.env(), timeout=3600)
        sys.stdout.write(r.stdout)
        if r.returncode != 0:
            sys.stderr.write(r.stderr)
            return 1
        # Idle, connected, with the guests still running: how often does memcryptd wake up?
        before = switches(pid)
        time.sleep(idle)        # the measurement itself: an idle period, not a synchronisation
        woke = switches(pid) - before
        mem = proc_status_kib(pid, 'RssAnon', 'VmRSS')
        print('idle %g s with the guests running: %d wakeups (%.1f a minute); RssAnon %d KiB, Pss %d KiB, '
              'VmRSS %d KiB' % (idle, woke, woke * 60 / idle, mem['RssAnon'], pss_kib(pid), mem['VmRSS']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
