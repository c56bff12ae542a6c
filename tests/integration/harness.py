# SPDX-License-Identifier: LGPL-2.1-or-later
"""A private system bus with real parts, for memcryptd's integration tests and tools/private-bus.

Per test case, World starts (python3 stdlib only, no sleeps as synchronisation):

  1. dbus-daemon --nofork --print-address=FD with a generated system-bus-like configuration:
     <type>system</type>, <listen>unix:dir=TMP</listen>, <auth>EXTERNAL</auth>, the default-deny
     policy of /usr/share/dbus-1/system.conf, an <include> of OUR dbus/org.memcrypt1.conf from the
     source tree, and the rules polkitd needs (root or polkitd may own org.freedesktop.PolicyKit1).
     The address is read from the pipe: the bus is ready when it is printed.
  2. polkit, one of
       "real":  /usr/lib/polkit-1/polkitd in a private mount namespace (unshare -m), with temporary
                directories bind-mounted over /usr/share/polkit-1/actions (holding OUR
                dbus/org.memcrypt1.policy), /etc/polkit-1/rules.d (the test's .rules file) and
                /usr/share/polkit-1/rules.d (empty). Needs root; polkitd drops to the polkitd user
                itself. Nothing is written to the real system directories.
       "mock":  python3-dbusmock's polkitd template (org.freedesktop.DBus.Mock.SetAllowed).
       "none":  no polkit on the bus (memcryptd must fail closed).
       "auto":  real when root and unshare -m works, else mock.
     Readiness: `gdbus wait --system org.freedesktop.PolicyKit1` (NameOwnerChanged).
  3. memcryptd --root=<a copy of the snapshot in TMP> with DBUS_SYSTEM_BUS_ADDRESS set and
     NOTIFY_SOCKET pointing at a datagram socket we read: READY=1 is the synchronisation; then
     `gdbus wait --system org.memcrypt1` because READY=1 may precede the name.

close() kills everything it started (SIGTERM, then SIGKILL after a guard timeout), waits for each
process and removes the temporary directory; it runs on exceptions, SIGTERM and SIGINT too.

MEMCRYPT_VALGRIND=1 runs every memcryptd a World starts under valgrind memcheck (--leak-check=full,
errors and definite leaks count); close() stops it with SIGTERM (it must exit cleanly for the leak
check) and the `with World()` block fails when valgrind reported an error or a definite leak.
"""

import atexit
import ctypes
import json
import os
import pwd
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from testlib import BUS_DEFAULT_DELIVERY_RULES  # noqa: E402  (tests/testlib.py)

SOURCE_ROOT = os.environ.get('MEMCRYPT_SOURCE_ROOT') or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
HOSTS_DIR = os.environ.get('MEMCRYPT_HOSTS_DIR') or os.path.join(SOURCE_ROOT, 'tests', 'fixtures', 'hosts')
BUS_CONF = os.path.join(SOURCE_ROOT, 'dbus', 'org.memcrypt1.conf')
POLKIT_POLICY = os.path.join(SOURCE_ROOT, 'dbus', 'org.memcrypt1.policy')
POLKITD = '/usr/lib/polkit-1/polkitd'

BUS_NAME = 'org.memcrypt1'
MANAGER_PATH = '/org/memcrypt1'
MANAGER_IFACE = 'org.memcrypt1.Manager'
MODEL_IFACE = 'org.memcrypt1.Model'
MODELS = ('amd-sev', 'amd-sev-es', 'amd-sev-snp')

def _arg(name):
    """--NAME PATH or --NAME=PATH from the test's command line (meson passes build paths so)."""
    for i, a in enumerate(sys.argv):
        if a == '--' + name and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if a.startswith('--' + name + '='):
            return a.split('=', 1)[1]
    return None


MEMCRYPTCTL = _arg('memcryptctl') or os.environ.get('MEMCRYPTCTL')

TIMEOUT = float(os.environ.get('MEMCRYPT_TEST_TIMEOUT', '20'))   # a guard, never a synchronisation

VALGRIND = os.environ.get('MEMCRYPT_VALGRIND') == '1' or _arg('valgrind') == '1'   # meson passes --valgrind=1
VALGRIND_EXIT = 99      # memcryptd never exits with this itself
VALGRIND_ARGS = ['valgrind', '--error-exitcode=%d' % VALGRIND_EXIT, '--leak-check=full',
                 '--show-leak-kinds=definite', '--errors-for-leak-kinds=definite', '--num-callers=30',
                 '--suppressions=' + os.path.join(os.path.dirname(os.path.abspath(__file__)), 'valgrind.supp')]


def model_path(model):
    return MANAGER_PATH + '/model/' + model.replace('-', '_')


class Skip(Exception):
    pass


class HarnessError(Exception):
    pass


class Todo(Exception):
    """A known gap: tap_main() reports 'not ok N - NAME # TODO WHY' (an expected failure in meson)."""
    pass


def is_root():
    return os.geteuid() == 0


def have(cmd):
    return shutil.which(cmd) is not None


_can_unshare = None


def can_unshare_mount():
    global _can_unshare
    if _can_unshare is None:
        _can_unshare = False
        if is_root() and have('unshare'):
            try:
                _can_unshare = subprocess.run(['unshare', '-m', '--propagation', 'private', 'true'],
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                              timeout=TIMEOUT).returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                pass
    return _can_unshare


_dbus_python = None


def dbus_python():
    """A python3 interpreter that can import dbus (python3-dbus / dbusmock); the test's own
    interpreter may be a pyenv one without Debian's modules."""
    global _dbus_python
    if _dbus_python is None:
        _dbus_python = ''
        for p in (sys.executable, '/usr/bin/python3'):
            try:
                if p and subprocess.run([p, '-c', 'import dbus, dbusmock'], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, timeout=TIMEOUT).returncode == 0:
                    _dbus_python = p
                    break
            except (OSError, subprocess.TimeoutExpired):
                pass
    return _dbus_python or None


def default_polkit_mode():
    if is_root() and os.access(POLKITD, os.X_OK) and can_unshare_mount():
        return 'real'
    return 'mock'


def _pdeathsig():
    # Children die with the harness even if it is killed with SIGKILL (until they change uid).
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


# Every World alive in this process, closed on exit and on SIGTERM/SIGINT.
_worlds = []


def _close_all():
    for w in list(_worlds):
        w.close()


def _on_signal(signum, frame):
    _close_all()
    sys.exit(128 + signum)


atexit.register(_close_all)
for _s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_s, _on_signal)


def as_user(uid):
    """Command prefix that runs a command as UID with its primary group and no others."""
    if uid is None or uid == os.geteuid():
        return []
    if not is_root():
        raise Skip('switching to uid %d needs root' % uid)
    gid = pwd.getpwuid(uid).pw_gid if _uid_exists(uid) else uid
    return ['setpriv', '--reuid=%d' % uid, '--regid=%d' % gid, '--clear-groups']


def _uid_exists(uid):
    try:
        pwd.getpwuid(uid)
        return True
    except KeyError:
        return False


class Result:
    def __init__(self, argv, returncode, stdout, stderr):
        self.argv, self.returncode, self.stdout, self.stderr = argv, returncode, stdout, stderr

    def __repr__(self):
        return 'Result(%s, rc=%d, stdout=%r, stderr=%r)' % (
            ' '.join(shlex.quote(a) for a in self.argv), self.returncode, self.stdout[-2000:], self.stderr[-2000:])


_GDBUS_ERROR = re.compile(r'GDBus\.Error:([A-Za-z0-9_.]+):\s*(.*)', re.S)


class World:
    """One private bus with polkit and memcryptd. Use as a context manager."""

    def __init__(self, host='milan-snp', root=None, polkit='auto', granted_users=(), denied_users=(),
                 mock_allowed=(), daemon=True, daemon_args=(), memcryptd=None, memcrypt_conf=True,
                 extra_bus_policy='', quiet=False):
        self.host = host
        self.src_root = root if root else (os.path.join(HOSTS_DIR, host) if host else None)
        self.polkit_mode = default_polkit_mode() if polkit == 'auto' else polkit
        self.granted_users = list(granted_users)
        self.denied_users = list(denied_users)
        self.mock_allowed = list(mock_allowed)
        self.want_daemon = daemon
        self.daemon_args = list(daemon_args)
        self.memcryptd = memcryptd or os.environ.get('MEMCRYPTD')
        self.memcrypt_conf = memcrypt_conf
        self.extra_bus_policy = extra_bus_policy
        self.quiet = quiet
        self.procs = []          # (name, Popen), started order
        self.cleanups = []       # callables close() runs first, e.g. stopping guests a libvirtd started
        self.tmp = None
        self.address = None
        self.root = None
        self.daemon = None
        self.notify = None
        self.logs = {}
        self.valgrind_logs = []     # one per memcryptd started under valgrind

    # -- lifecycle ------------------------------------------------------------------------------

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        problems = self.close()
        if problems and exc[0] is None:
            raise AssertionError('valgrind found problems in memcryptd:\n' + '\n'.join(problems))
        return False

    def start(self):
        _worlds.append(self)
        self.tmp = tempfile.mkdtemp(prefix='memcrypt-bus.')
        os.chmod(self.tmp, 0o755)       # the bus socket must be reachable by other uids
        self.start_bus()
        if self.polkit_mode == 'real':
            self.start_real_polkit()
        elif self.polkit_mode == 'mock':
            self.start_mock_polkit()
        elif self.polkit_mode != 'none':
            raise HarnessError('unknown polkit mode %r' % self.polkit_mode)
        if self.want_daemon:
            if self.src_root in ('/', None):
                self.root = self.src_root or '/'
            else:
                self.root = os.path.join(self.tmp, 'root')
                shutil.copytree(self.src_root, self.root, symlinks=True)
            self.start_daemon()

    def close(self):
        """Stops everything; returns valgrind's reports of errors or definite leaks (MEMCRYPT_VALGRIND=1)."""
        if self.daemon and self.valgrind_logs and self.daemon.poll() is None:
            # The leak check runs at exit: a clean SIGTERM exit, with time for valgrind to finish.
            self.daemon.terminate()
            try:
                self.daemon.wait(timeout=TIMEOUT * 3)
            except subprocess.TimeoutExpired:
                pass
        for fn in reversed(self.cleanups):
            fn()
        self.cleanups = []
        for name, p in reversed(self.procs):
            stop_process(p)
        self.procs = []
        problems = [p for p in (valgrind_problems(log) for log in self.valgrind_logs) if p]
        self.valgrind_logs = []
        if self.notify:
            self.notify.close()
            self.notify = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
        if self in _worlds:
            _worlds.remove(self)
        for p in problems:
            sys.stderr.write(p + '\n')
        return problems

    def spawn(self, name, argv, log=True, stdout=None, stderr=None, env=None, **kw):
        """Start a process that close() will stop. Output goes to TMP/NAME.log unless given."""
        if log and stdout is None:
            path = os.path.join(self.tmp, name + '.log')
            self.logs[name] = path
            stdout = open(path, 'wb')
            stderr = subprocess.STDOUT
        try:
            p = subprocess.Popen(argv, stdin=kw.pop('stdin', subprocess.DEVNULL), stdout=stdout, stderr=stderr,
                                 env=env if env is not None else self.env(), preexec_fn=_pdeathsig, **kw)
        finally:
            if log and hasattr(stdout, 'close'):
                stdout.close()
        self.procs.append((name, p))
        return p

    def log(self, name):
        try:
            with open(self.logs[name], 'r', errors='replace') as f:
                return f.read()
        except (KeyError, OSError):
            return ''

    def all_logs(self):
        return '\n'.join('--- %s ---\n%s' % (n, self.log(n)) for n in self.logs)

    def env(self, **extra):
        e = dict(os.environ)
        e.pop('NOTIFY_SOCKET', None)
        if self.address:
            e['DBUS_SYSTEM_BUS_ADDRESS'] = self.address
        e.update(extra)
        return e

    # -- the bus --------------------------------------------------------------------------------

    def bus_config(self):
        me = pwd.getpwuid(os.geteuid()).pw_name
        include = ''
        if self.memcrypt_conf:
            if not os.path.exists(BUS_CONF):
                raise HarnessError('%s does not exist' % BUS_CONF)
            include = '  <include>%s</include>\n' % BUS_CONF
        polkit_owner = ['root']
        if _user_exists('polkitd'):
            polkit_owner.append('polkitd')
        if not is_root():
            polkit_owner.append(me)
        owners = ''.join('  <policy user="%s"><allow own="org.freedesktop.PolicyKit1"/></policy>\n' % u
                         for u in polkit_owner)
        nonroot = ''
        if not is_root():
            # Without root, memcryptd runs as this user: let it own the name (tests that need
            # uids other than ours are skipped in this mode).
            nonroot = ('  <policy user="%s"><allow own="%s"/>\n'
                       '    <allow send_destination="org.freedesktop.DBus" '
                       'send_interface="org.freedesktop.DBus.Monitoring"/></policy>\n' % (me, BUS_NAME))
        return '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- Generated by tests/integration/harness.py: a private bus shaped like the system bus. -->
<busconfig>
  <type>system</type>
  <listen>unix:dir=%(tmp)s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
%(delivery)s    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"
          send_member="UpdateActivationEnvironment"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Debug.Stats"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <!-- polkit, as /usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf, plus root -->
%(owners)s  <policy context="default">
    <allow send_destination="org.freedesktop.PolicyKit1"/>
  </policy>
%(nonroot)s%(include)s%(extra)s</busconfig>
''' % dict(tmp=self.tmp, delivery=BUS_DEFAULT_DELIVERY_RULES, owners=owners, nonroot=nonroot,
                  include=include, extra=self.extra_bus_policy)

    def start_bus(self):
        if not have('dbus-daemon'):
            raise Skip('dbus-daemon is not installed')
        for tool, package in (('gdbus', 'libglib2.0-bin'), ('busctl', 'systemd')):
            if not have(tool):
                raise HarnessError('%s is not installed (package %s; tools/setup installs it)' % (tool, package))
        conf = os.path.join(self.tmp, 'bus.conf')
        with open(conf, 'w') as f:
            f.write(self.bus_config())
        r, w = os.pipe()
        try:
            self.spawn('dbus-daemon', ['dbus-daemon', '--nofork', '--print-address=%d' % w,
                                       '--config-file=' + conf], pass_fds=(w,))
        finally:
            os.close(w)
        with os.fdopen(r, 'rb') as rf:
            line = read_line(rf, TIMEOUT, self.procs[-1][1])
        if not line:
            raise HarnessError('dbus-daemon printed no address:\n' + self.log('dbus-daemon'))
        self.address = line.decode().strip()

    def wait_name(self, name, proc=None, timeout=TIMEOUT):
        """Block until NAME has an owner on the bus (gdbus wait: NameOwnerChanged), TIMEOUT as a guard."""
        p = subprocess.Popen(['gdbus', 'wait', '--system', '--timeout', str(int(timeout)), name],
                             env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            out, _ = p.communicate(timeout=timeout + 5)
        except subprocess.TimeoutExpired:
            stop_process(p)
            out = b'(gdbus wait hung)'
        if p.returncode != 0:
            dead = '' if proc is None or proc.poll() is None else ' (the process exited with %s)' % proc.returncode
            raise HarnessError('%s did not appear on the bus%s: %s\n%s' % (name, dead, out.decode(errors='replace'),
                                                                           self.all_logs()))

    # -- polkit ---------------------------------------------------------------------------------

    def polkit_rules(self):
        lines = ['// Generated by tests/integration/harness.py',
                 'polkit.addRule(function(action, subject) {',
                 '    if (action.id.indexOf("org.memcrypt1.") != 0) return polkit.Result.NOT_HANDLED;']
        for u in self.granted_users:
            lines.append('    if (subject.user == %s) return polkit.Result.YES;' % json.dumps(u))
        for u in self.denied_users:
            lines.append('    if (subject.user == %s) return polkit.Result.NO;' % json.dumps(u))
        lines += ['    return polkit.Result.NOT_HANDLED;', '});', '']
        return '\n'.join(lines)

    def start_real_polkit(self):
        if not is_root():
            raise Skip('real polkitd needs root')
        if not os.access(POLKITD, os.X_OK):
            raise Skip('%s is not installed' % POLKITD)
        if not can_unshare_mount():
            raise Skip('unshare -m does not work here')
        if not os.path.exists(POLKIT_POLICY):
            raise HarnessError('%s does not exist' % POLKIT_POLICY)
        dirs = {}
        for d in ('actions', 'rules', 'rules-empty'):
            dirs[d] = os.path.join(self.tmp, 'polkit-' + d)
            os.mkdir(dirs[d])
            os.chmod(dirs[d], 0o755)    # polkitd reads them as the polkitd user
        shutil.copy(POLKIT_POLICY, dirs['actions'])
        with open(os.path.join(dirs['rules'], '50-memcrypt-test.rules'), 'w') as f:
            f.write(self.polkit_rules())
        for d in dirs.values():
            for n in os.listdir(d):
                os.chmod(os.path.join(d, n), 0o644)
        script = ('set -e; mount --bind "$1" /usr/share/polkit-1/actions; '
                  'mount --bind "$2" /etc/polkit-1/rules.d; '
                  'mount --bind "$3" /usr/share/polkit-1/rules.d; exec "$4"')
        p = self.spawn('polkitd', ['unshare', '-m', '--propagation', 'private', '--', 'sh', '-c', script, 'sh',
                                   dirs['actions'], dirs['rules'], dirs['rules-empty'], POLKITD])
        self.wait_name('org.freedesktop.PolicyKit1', p)

    def start_mock_polkit(self):
        py = dbus_python()
        if not py:
            raise Skip('python3-dbusmock is not installed')
        p = self.spawn('polkitd-mock', [py, '-m', 'dbusmock', '--system', '--template', 'polkitd'])
        self.wait_name('org.freedesktop.PolicyKit1', p)
        if self.mock_allowed:
            self.mock_set_allowed(self.mock_allowed)

    def mock_set_allowed(self, actions):
        arg = '@as [%s]' % ', '.join("'%s'" % a for a in actions)
        r = self.gdbus_call('org.freedesktop.PolicyKit1', '/org/freedesktop/PolicyKit1/Authority',
                            'org.freedesktop.DBus.Mock.SetAllowed', arg)
        if r.returncode != 0:
            raise HarnessError('SetAllowed failed: %r' % r)

    # -- memcryptd ------------------------------------------------------------------------------

    def start_daemon(self, extra_args=()):
        if not self.memcryptd or not os.access(self.memcryptd, os.X_OK):
            raise HarnessError('memcryptd not found (MEMCRYPTD=%r)' % self.memcryptd)
        sock_path = os.path.join(self.tmp, 'notify')
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(sock_path)
        args = [self.memcryptd, '--root=' + self.root] + self.daemon_args + list(extra_args)
        if VALGRIND:
            vlog = os.path.join(self.tmp, 'valgrind-%d.log' % len(self.valgrind_logs))
            self.valgrind_logs.append(vlog)
            args = VALGRIND_ARGS + ['--log-file=' + vlog] + args
        self.daemon = self.spawn('memcryptd', args, env=self.env(NOTIFY_SOCKET=sock_path))
        self.wait_ready(self.daemon)
        self.wait_name(BUS_NAME, self.daemon)

    def wait_ready(self, proc):
        deadline = time.monotonic() + TIMEOUT
        got = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise HarnessError('memcryptd sent no READY=1 within %gs (got %r)\n%s' % (TIMEOUT, got, self.all_logs()))
            # The 0.2 s cap only lets us notice a daemon that died; READY=1 wakes us at once.
            rd, _, _ = select.select([self.notify], [], [], min(left, 0.2))
            if rd:
                msg = self.notify.recv(4096).decode(errors='replace')
                got.append(msg)
                if 'READY=1' in msg.split('\n'):
                    return
            elif proc.poll() is not None:
                raise HarnessError('memcryptd exited with %s before READY=1\n%s' % (proc.returncode, self.all_logs()))

    def stop_daemon(self, sig=signal.SIGTERM):
        """Send SIG to memcryptd, return its exit status (guarded by TIMEOUT)."""
        p = self.daemon
        p.send_signal(sig)
        try:
            return p.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            stop_process(p)
            raise HarnessError('memcryptd did not exit within %gs of signal %d' % (TIMEOUT, sig))

    def dump(self, root=None):
        """memcryptd --root=SAME --dump, parsed."""
        r = run([self.memcryptd, '--root=' + (root or self.root), '--dump'], env=self.env())
        if r.returncode != 0:
            raise HarnessError('memcryptd --dump failed: %r' % r)
        return json.loads(r.stdout)

    # -- clients --------------------------------------------------------------------------------

    def run(self, argv, uid=None, **kw):
        return run(as_user(uid) + list(argv), env=self.env(), **kw)

    def busctl(self, *args, uid=None):
        return self.run(['busctl', '--system', '--no-pager'] + list(args), uid=uid)

    def busctl_json(self, *args, uid=None):
        r = self.busctl('--json=short', *args, uid=uid)
        if r.returncode != 0:
            raise AssertionError('busctl %s failed: %r' % (' '.join(args), r))
        return json.loads(r.stdout) if r.stdout.strip() else {}

    def get_all(self, path, iface, uid=None):
        """Properties.GetAll as {name: (signature, value)}."""
        j = self.busctl_json('call', BUS_NAME, path, 'org.freedesktop.DBus.Properties', 'GetAll', 's', iface,
                             uid=uid)
        return {k: (v['type'], v['data']) for k, v in j['data'][0].items()}

    def get_property(self, path, iface, name, uid=None):
        j = self.busctl_json('get-property', BUS_NAME, path, iface, name, uid=uid)
        return j['type'], j['data']

    def call(self, path, iface, method, signature='', *args, uid=None):
        """busctl call; returns the list of out values, raises on failure."""
        a = ['call', BUS_NAME, path, iface, method]
        if signature:
            a += [signature] + [str(x) for x in args]
        j = self.busctl_json(*a, uid=uid)
        return j.get('data', [])

    def gdbus_call(self, dest, path, method, *args, uid=None, interactive=False):
        argv = ['gdbus', 'call', '--system', '--dest', dest, '--object-path', path, '--method', method]
        if interactive:
            argv.append('--interactive')
        argv += ['--'] + list(args) if args else []
        return self.run(argv, uid=uid)

    def call_error(self, path, method, *args, uid=None, interactive=False, dest=BUS_NAME):
        """Call through gdbus (which prints error names); return (error name or None, message, Result)."""
        r = self.gdbus_call(dest, path, method, *args, uid=uid, interactive=interactive)
        if r.returncode == 0:
            return None, r.stdout, r
        m = _GDBUS_ERROR.search(r.stderr)
        if not m:
            return 'unparsed', r.stderr, r
        return m.group(1), m.group(2).strip(), r

    def listen(self, uid=None):
        """Start listen.py (a second client) and wait for its READY line; returns a Reader whose
        lines are JSON objects, one per signal."""
        py = dbus_python()
        if not py:
            raise Skip('python3-dbus/python3-gi are not installed')
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'listen.py')
        p = self.spawn('listen', as_user(uid) + [py, script], log=False, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
        rd = Reader(p)
        if not rd.wait_for(lambda l: l == 'READY'):
            raise HarnessError('listen.py did not subscribe: %r' % rd.lines)
        return rd

    def background(self, name, argv, uid=None):
        """Start a client in the background with stdout and stderr as one pipe; returns a Reader."""
        p = self.spawn(name, as_user(uid) + list(argv), log=False, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
        return Reader(p)

    def async_calls(self, conns=('0',), uid=None):
        """A client with calls in flight on connections named CONNS (AsyncCalls)."""
        return AsyncCalls(self, conns, uid)

    def introspect(self, path, dest=BUS_NAME):
        r = self.busctl('--xml-interface', 'introspect', dest, path)
        if r.returncode != 0:
            raise AssertionError('introspect %s failed: %r' % (path, r))
        return ET.fromstring(r.stdout)


class AsyncCalls:
    """async-calls.py as UID: send() returns at once, replies() reads them in arrival order."""

    def __init__(self, w, conns=('0',), uid=None):
        py = dbus_python()
        if not py:
            raise Skip('python3-dbus/python3-gi are not installed')
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'async-calls.py')
        self.p = w.spawn('async-calls-%d' % len(w.procs), as_user(uid) + [py, script] + list(conns), log=False,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.rd = Reader(self.p)
        check(self.rd.wait_for(lambda l: l == '"READY"') is not None, 'async-calls.py did not start', self.rd.lines)

    def send(self, rid, method, signature='', args=(), iface=MANAGER_IFACE, path=MANAGER_PATH, conn='0', **more):
        """MORE: async-calls.py's other request keys (args_file, brief)."""
        req = dict({'id': rid, 'conn': conn, 'dest': BUS_NAME, 'path': path, 'iface': iface, 'method': method,
                    'signature': signature, 'args': list(args)}, **more)
        self.p.stdin.write((json.dumps(req) + '\n').encode())
        self.p.stdin.flush()

    def ping(self, rid, conn='0'):
        self.send(rid, 'Ping', iface='org.freedesktop.DBus.Peer', conn=conn)

    def get_all(self, rid, conn='0'):
        self.send(rid, 'GetAll', 's', [MANAGER_IFACE], iface='org.freedesktop.DBus.Properties', conn=conn)

    def reply(self, timeout=TIMEOUT):
        line = self.rd.wait_for(lambda l: l.startswith('{'), timeout=timeout)
        check(line is not None, 'no reply within %gs; got %r' % (timeout, self.rd.lines))
        return json.loads(line)

    def replies(self, n, timeout=TIMEOUT):
        return [self.reply(timeout) for _ in range(n)]


def valgrind_problems(log):
    """The report in valgrind's LOG when it found errors or definite leaks, else None. A log
    without an ERROR SUMMARY (the process was killed) counts as a problem too."""
    try:
        with open(log, errors='replace') as f:
            text = f.read()
    except OSError:
        return None         # valgrind never started (the test failed earlier)
    m = re.search(r'ERROR SUMMARY: (\d+) errors', text)
    lost = re.search(r'definitely lost: ([\d,]+) bytes', text)
    if m and m.group(1) == '0' and (not lost or lost.group(1) == '0'):
        return None
    why = 'no ERROR SUMMARY: memcryptd did not exit cleanly' if not m else '%s errors' % m.group(1)
    return '--- %s (%s) ---\n%s' % (os.path.basename(log), why, text[-20000:])


def _user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def read_line(f, timeout, proc=None):
    """Read one line from pipe F, waiting at most TIMEOUT (a guard) and noticing PROC dying."""
    fd = f.fileno()
    buf = b''
    deadline = time.monotonic() + timeout
    while b'\n' not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        rd, _, _ = select.select([fd], [], [], left)
        if not rd:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        buf += chunk
    return buf.split(b'\n', 1)[0] if buf else None


def run(argv, env=None, timeout=None, input=None):
    p = subprocess.Popen(argv, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, preexec_fn=_pdeathsig)
    try:
        out, err = p.communicate(input=input, timeout=timeout or TIMEOUT)
    except subprocess.TimeoutExpired:
        stop_process(p)
        out, err = p.communicate()
        err += b'\n(killed after %gs)' % (timeout or TIMEOUT)
    return Result(argv, p.returncode, out.decode(errors='replace'), err.decode(errors='replace'))


def stop_process(p, timeout=5):
    if p.poll() is None:
        try:
            p.terminate()
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        except ProcessLookupError:
            p.wait()
    else:
        p.wait()


class Reader:
    """Reads lines of a background process's stdout without blocking forever."""

    def __init__(self, proc):
        self.proc = proc
        self.fd = proc.stdout.fileno()
        self.buf = b''
        self.lines = []
        self.pos = 0

    def _fill(self, timeout):
        rd, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if not rd:
            return False
        chunk = os.read(self.fd, 65536)
        if not chunk:
            return None
        self.buf += chunk
        while b'\n' in self.buf:
            line, self.buf = self.buf.split(b'\n', 1)
            self.lines.append(line.decode(errors='replace'))
        return True

    def next_line(self, deadline):
        """The next line not yet returned, waiting until DEADLINE (time.monotonic(); a guard);
        None at the deadline or at end of file."""
        while self.pos >= len(self.lines):
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if self._fill(left) is None:
                if self.pos >= len(self.lines):
                    return None
        self.pos += 1
        return self.lines[self.pos - 1]

    def wait_for(self, predicate, timeout=TIMEOUT):
        """Consume lines until one satisfies PREDICATE (TIMEOUT is a guard); return it or None."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.next_line(deadline)
            if line is None or predicate(line):
                return line


# -- TAP ----------------------------------------------------------------------------------------

def tap_main(tests):
    """Run [(name, function)] and print TAP; exit 1 when any test failed."""
    print('1..%d' % len(tests), flush=True)
    failed = 0
    for i, (name, fn) in enumerate(tests, 1):
        try:
            note = fn()
            print('ok %d - %s%s' % (i, name, (' # ' + note) if note else ''), flush=True)
        except Skip as e:
            print('ok %d - %s # SKIP %s' % (i, name, e), flush=True)
        except Todo as e:
            print('not ok %d - %s # TODO %s' % (i, name, e), flush=True)
        except Exception as e:
            failed += 1
            import traceback
            print('not ok %d - %s' % (i, name), flush=True)
            text = ''.join(traceback.format_exception(type(e), e, e.__traceback__))
            for line in text.rstrip().split('\n'):
                print('# ' + line, flush=True)
        finally:
            _close_all()
    sys.exit(1 if failed else 0)


def plain(v):
    """busctl --json's {"type", "data"} variants to plain values, recursively."""
    if isinstance(v, dict) and set(v) == {'type', 'data'}:
        return plain(v['data'])
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


def check(cond, msg, *detail):
    if not cond:
        raise AssertionError(msg + ''.join('\n' + str(d) for d in detail))


def eq(got, want, what):
    if got != want:
        raise AssertionError('%s: got %s, want %s' % (what, json.dumps(got, sort_keys=True, default=str),
                                                      json.dumps(want, sort_keys=True, default=str)))
