# SPDX-License-Identifier: LGPL-2.1-or-later
"""A private libvirtd and virtlogd for one World: session-mode daemons with every socket, state
and log directory under the World's temporary directory, so nothing of the host's libvirt is
used or touched. As root they run as uid 65534 (root's libvirtd is always the system one);
otherwise as the calling user. Readiness is their sd_notify READY=1 on a datagram socket we
read, never a sleep. Domains are QEMU TCG guests ('qemu' type), so no KVM is needed."""

import os
import select
import shutil
import signal
import socket
import subprocess
import time

from harness import TIMEOUT, HarnessError, Skip, is_root, run

NOBODY = 65534

TCG_DOMAIN = """<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices><memballoon model='none'/></devices>
</domain>
"""


class Libvirtd:
    def __init__(self, world, conf=''):
        """CONF: libvirtd.conf's text (e.g. keepalive_interval, log_filters), none by default."""
        self.w = world
        self.conf = conf
        self.base = os.path.join(world.tmp, 'libvirt')
        self.home = os.path.join(self.base, 'home')
        self.runtime = os.path.join(self.base, 'run')
        self.socket_path = os.path.join(self.runtime, 'libvirt', 'libvirt-sock')
        self.uri = 'qemu+unix:///session?socket=' + self.socket_path
        self.libvirtd = None
        self.virtlogd = None
        self.starts = 0
        world.cleanups.append(self.stop_guests)

    def _check_installed(self):
        for prog in ('libvirtd', 'virtlogd', 'virsh', 'qemu-system-x86_64'):
            if not shutil.which(prog) and not os.path.exists('/usr/sbin/' + prog):
                raise Skip('%s is not installed (tools/setup installs it)' % prog)

    def _env(self, notify):
        return {
            'PATH': os.environ.get('PATH', '/usr/bin:/bin') + ':/usr/sbin:/sbin',
            'HOME': self.home,
            'XDG_RUNTIME_DIR': self.runtime,
            'XDG_CONFIG_HOME': os.path.join(self.home, '.config'),
            'XDG_CACHE_HOME': os.path.join(self.home, '.cache'),
            'XDG_DATA_HOME': os.path.join(self.home, '.local', 'share'),
            'NOTIFY_SOCKET': notify,
        }

    def _argv(self, prog):
        if is_root():
            return ['setpriv', '--reuid=%d' % NOBODY, '--regid=%d' % NOBODY, '--clear-groups', prog]
        return [prog]

    def _prepare(self):
        conf_dir = os.path.join(self.home, '.config', 'libvirt')
        dirs = (self.home, self.runtime) + ((os.path.join(self.home, '.config'), conf_dir) if self.conf else ())
        for d in dirs:
            os.makedirs(d, exist_ok=True)
            if is_root():       # libvirtd runs as nobody and writes beside its configuration
                os.chown(d, NOBODY, NOBODY)
        os.chmod(self.runtime, 0o700)
        if self.conf:
            with open(os.path.join(conf_dir, 'libvirtd.conf'), 'w') as f:
                f.write(self.conf)

    def _start(self, prog):
        """Start PROG and wait for its READY=1 (TIMEOUT is a guard)."""
        path = os.path.join(self.base, '%s-notify-%d' % (prog, self.starts))
        self.starts += 1
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        os.chmod(path, 0o777)
        try:
            p = self.w.spawn('%s-%d' % (prog, self.starts), self._argv(prog), env=self._env(path), cwd=self.base)
            deadline = time.monotonic() + TIMEOUT
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HarnessError('%s sent no READY=1 within %gs\n%s' % (prog, TIMEOUT, self.w.all_logs()))
                rd, _, _ = select.select([sock], [], [], min(left, 0.2))
                if rd and b'READY=1' in sock.recv(4096).split(b'\n'):
                    return p
                if not rd and p.poll() is not None:
                    raise HarnessError('%s exited with %s\n%s' % (prog, p.returncode, self.w.all_logs()))
        finally:
            sock.close()

    def start(self):
        self._check_installed()
        self._prepare()
        if not self.virtlogd:
            self.virtlogd = self._start('virtlogd')
        self.libvirtd = self._start('libvirtd')
        return self

    def kill(self):
        """SIGKILL libvirtd, as a crash would (no goodbye to its clients)."""
        self.libvirtd.send_signal(signal.SIGKILL)
        self.libvirtd.wait(timeout=TIMEOUT)

    def guest_pids(self):
        """PIDs of the QEMU processes of this libvirtd's guests: every state file of a guest lies
        under our directory, so its command line names it (a guest outlives a killed libvirtd)."""
        pids = []
        for entry in os.listdir('/proc'):
            if not entry.isdigit():
                continue
            try:
                with open('/proc/%s/cmdline' % entry, 'rb') as f:
                    argv = f.read().split(b'\0')
            except OSError:
                continue
            if argv and argv[0].endswith(b'qemu-system-x86_64') and any(self.base.encode() in a for a in argv):
                pids.append(int(entry))
        return pids

    def stop_guests(self):
        """Kill every guest QEMU of this libvirtd and wait until each has exited: libvirtd leaves
        its guests running when it stops, and a test must leave no process behind."""
        for pid in self.guest_pids():
            try:
                fd = os.pidfd_open(pid)
            except ProcessLookupError:
                continue
            try:
                signal.pidfd_send_signal(fd, signal.SIGKILL)
                if not select.select([fd], [], [], TIMEOUT)[0]:
                    raise HarnessError('guest QEMU %d did not exit after SIGKILL within %gs' % (pid, TIMEOUT))
            finally:
                os.close(fd)

    def virsh(self, *args, timeout=None):
        r = run(['virsh', '-q', '-c', self.uri] + list(args), timeout=timeout or TIMEOUT * 3)
        if r.returncode != 0:
            raise AssertionError('virsh %s failed: %r' % (' '.join(args), r))
        return r.stdout

    def create_tcg(self, name):
        path = os.path.join(self.base, name + '.xml')
        with open(path, 'w') as f:
            f.write(TCG_DOMAIN % name)
        os.chmod(path, 0o644)
        # A new libvirtd probes QEMU's capabilities before its first guest: on a busy 2-core
        # machine that alone can take longer than the usual guard.
        self.virsh('create', path, timeout=TIMEOUT * 6)

    def destroy(self, name):
        self.virsh('destroy', name)
