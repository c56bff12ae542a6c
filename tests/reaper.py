#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs one test and fails it when it leaves a process behind.

meson runs every test through this wrapper (tests/meson.build, add_test_setup). It makes itself a
child subreaper (PR_SET_CHILD_SUBREAPER), so every process the test starts stays below it even when
it double-forks or its parent dies first: a QEMU that a private libvirtd started, a dbus-daemon, a
polkitd, a memcryptd. When the test has exited, any process still below the wrapper was left
running: the wrapper names each one on stderr, kills them all, and exits 1 (the test fails, also
when its own checks passed). Zombies are reaped, not counted: a process that has exited was stopped.

SIGTERM/SIGINT/SIGHUP (meson's timeout) are passed to the test, and what it leaves is killed.
Processes that end while the test runs are reaped at once, as init would.
"""

import ctypes
import os
import select
import signal
import subprocess
import sys

PR_SET_CHILD_SUBREAPER = 36


def children(pid):
    """PIDs whose parent is PID, from /proc/PID/task/*/children (CONFIG_PROC_CHILDREN) or a scan."""
    kids = set()
    try:
        for tid in os.listdir('/proc/%d/task' % pid):
            with open('/proc/%d/task/%s/children' % (pid, tid)) as f:
                kids.update(int(k) for k in f.read().split())
        return kids
    except OSError:
        pass
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            st = stat(int(entry))
            if st and st[1] == pid:
                kids.add(int(entry))
    return kids


def stat(pid):
    """(state, ppid, comm) of PID, or None when it is gone."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            s = f.read()
    except OSError:
        return None
    comm = s[s.index('(') + 1:s.rindex(')')]
    fields = s[s.rindex(')') + 2:].split()
    return fields[0], int(fields[1]), comm


def cmdline(pid):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            return f.read().replace(b'\0', b' ').decode(errors='replace').strip()[:300]
    except OSError:
        return '?'


def reap_zombies():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


PF_EXITING = 0x4


def exiting(pid):
    """True when PID has begun to exit (PF_EXITING) but is not a zombie yet."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            s = f.read()
    except OSError:
        return True
    return bool(int(s[s.rindex(')') + 2:].split()[6]) & PF_EXITING)


def wait_exit(pid, guard=10):
    """Wait (pidfd, a guard, no polling) until PID, which has begun to exit, has exited."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        select.select([fd], [], [], guard)
    finally:
        os.close(fd)


def subtree(root):
    """Every live process below ROOT (ROOT excluded), parents before children. A process that is
    already exiting (a subshell the test did not wait for, in its last moments) is waited for and
    reaped, not counted: it was not left running."""
    found, todo = [], [root]
    while todo:
        for kid in sorted(children(todo.pop())):
            st = stat(kid)
            if st and st[0] != 'Z' and exiting(kid):
                wait_exit(kid)
                reap_zombies()
                continue
            if st and st[0] != 'Z':
                found.append((kid, st[2]))
            todo.append(kid)
    return found


def kill_all(procs):
    for pid, _ in procs:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    # Each killed process is now our child (directly, or reparented to us as the subreaper):
    # wait for every one of them, which is what makes the kill complete.
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def main():
    if len(sys.argv) < 2:
        sys.stderr.write('usage: reaper.py COMMAND [ARG...]\n')
        return 2
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.stderr.write('reaper: PR_SET_CHILD_SUBREAPER failed: %s\n' % os.strerror(ctypes.get_errno()))
        return 2
    test = subprocess.Popen(sys.argv[1:])

    def forward(signum, frame):
        try:
            test.send_signal(signum)
        except ProcessLookupError:
            pass
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, forward)

    # Reap every process that ends below us while the test runs, not only the test: an orphan
    # that died stays a zombie until its subreaper waits for it, and libvirt, which kills a
    # guest's QEMU and waits until kill(pid, 0) fails, would wait on such a zombie in vain.
    while True:
        pid, wstatus = os.waitpid(-1, 0)
        if pid == test.pid:
            status = os.waitstatus_to_exitcode(wstatus)
            break
    reap_zombies()
    left = subtree(os.getpid())
    if not left:
        return status
    name = next((a for a in sys.argv[1:] if a.endswith(('.py', '.sh'))), sys.argv[1])
    sys.stderr.write('reaper: %s left %d process(es) running; killed:\n' % (os.path.basename(name), len(left)))
    for pid, comm in left:
        sys.stderr.write('reaper:   %d %s: %s\n' % (pid, comm, cmdline(pid)))
    kill_all(left)
    return status or 1


if __name__ == '__main__':
    sys.exit(main())
