#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""memcryptd's life on a private system bus: READY=1 only once the name is ours, SIGTERM and
SIGINT exit 0 and release the name (seen by another client as NameOwnerChanged), a restart
gets the name back, --exit-on-idle exits by itself."""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile

import harness
from harness import (BUS_NAME, MANAGER_IFACE, MANAGER_PATH, TIMEOUT, World, check, eq, tap_main)


def owner(w):
    name, msg, _ = w.call_error('/org/freedesktop/DBus', 'org.freedesktop.DBus.GetNameOwner', "'%s'" % BUS_NAME,
                                dest='org.freedesktop.DBus')
    return None if name else msg.strip().strip("(',)")


def released(w, listener, old_owner, what):
    line = listener.wait_for(lambda l: json.loads(l).get('signal') == 'NameOwnerChanged'
                             and json.loads(l)['new'] == '')
    check(line, '%s: no NameOwnerChanged(org.memcrypt1, %s, "") seen: %r' % (what, old_owner, listener.lines))
    eq(json.loads(line)['old'], old_owner, '%s: the old owner in NameOwnerChanged' % what)
    eq(owner(w), None, '%s: owner of org.memcrypt1 afterwards' % what)


def stop_with(sig):
    with World(polkit='none') as w:
        listener = w.listen()
        first = owner(w)
        check(first and first.startswith(':'), 'org.memcrypt1 has no owner after READY=1: %r' % first)
        rc = w.stop_daemon(sig)
        eq(rc, 0, 'exit status after signal %d\n%s' % (sig, w.log('memcryptd')))
        released(w, listener, first, 'signal %d' % sig)


def test_ready_means_owned():
    """READY=1 comes after the name is acquired: a client may call at once."""
    with World(polkit='none', daemon=False) as w:
        w.root = w.src_root
        path = os.path.join(w.tmp, 'notify')
        w.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        w.notify.bind(path)
        w.daemon = w.spawn('memcryptd', [w.memcryptd, '--root=' + w.root], env=w.env(NOTIFY_SOCKET=path))
        w.wait_ready(w.daemon)
        check(owner(w), 'org.memcrypt1 has no owner when READY=1 arrives')
        eq(w.get_property(MANAGER_PATH, MANAGER_IFACE, 'NodeName'), ('s', 'milan-snp'), 'NodeName right after READY')


def test_restart():
    with World(polkit='none') as w:
        listener = w.listen()
        first = owner(w)
        eq(w.stop_daemon(), 0, 'first exit status')
        released(w, listener, first, 'first SIGTERM')
        w.notify.close()
        os.unlink(os.path.join(w.tmp, 'notify'))
        w.start_daemon()
        second = owner(w)
        check(second and second != first, 'the restarted daemon owns the name: %r' % second)
        eq(w.get_property(MANAGER_PATH, MANAGER_IFACE, 'Health'), ('s', 'ok'), 'Health after restart')
        eq(w.stop_daemon(), 0, 'second exit status')


def test_exit_on_idle():
    with World(polkit='none', daemon_args=['--exit-on-idle=1']) as w:
        listener = w.listen()
        first = owner(w)
        eq(w.get_property(MANAGER_PATH, MANAGER_IFACE, 'Health'), ('s', 'ok'), 'Health')
        try:
            rc = w.daemon.wait(timeout=TIMEOUT)        # it exits by itself; TIMEOUT is a guard
        except subprocess.TimeoutExpired:
            raise AssertionError('memcryptd --exit-on-idle=1 still runs after %gs' % TIMEOUT)
        eq(rc, 0, 'exit status after idling\n' + w.log('memcryptd'))
        released(w, listener, first, 'exit on idle')


ACTIVATION_SERVICE = """[D-BUS Service]
Name=org.memcrypt1
Exec=/bin/sh -c 'DBUS_SYSTEM_BUS_ADDRESS="$DBUS_STARTER_ADDRESS" exec "$0" --root="$1" --exit-on-idle=30' %s %s
User=root
"""


def test_bus_gone_then_activation():
    """The bus daemon dies under memcryptd: it exits by itself with status 1 and a message, no
    signal and no core; a new bus then starts it again by activation for the first call."""
    svcdir = tempfile.mkdtemp(prefix='memcrypt-services.')
    os.chmod(svcdir, 0o755)
    try:
        with World(polkit='none', extra_bus_policy='  <servicedir>%s</servicedir>\n' % svcdir) as w:
            with open(os.path.join(svcdir, 'org.memcrypt1.service'), 'w') as f:
                f.write(ACTIVATION_SERVICE % (w.memcryptd, w.root))
            bus = [p for name, p in w.procs if name == 'dbus-daemon'][0]
            bus.kill()
            bus.wait()
            try:
                rc = w.daemon.wait(timeout=TIMEOUT)    # it exits by itself; TIMEOUT is a guard
            except subprocess.TimeoutExpired:
                raise AssertionError('memcryptd still runs %gs after its bus died' % TIMEOUT)
            eq(rc, 1, 'exit status after losing the bus\n' + w.log('memcryptd'))
            check('Lost the connection to the system bus' in w.log('memcryptd'), 'no message about the lost bus',
                  w.log('memcryptd'))
            w.start_bus()                               # a new bus, same policy and service directory
            describe = json.loads(w.call(MANAGER_PATH, MANAGER_IFACE, 'Describe')[0])
            eq(describe['health'], 'ok', 'Describe() answered by the activated memcryptd')
            check(owner(w), 'org.memcrypt1 has an owner after activation')
    finally:
        shutil.rmtree(svcdir, ignore_errors=True)
    return 'exit 1 on bus loss; activated again by the next call'


def no_glib_decoration(text, what):
    check('WARNING **' not in text and '** Message' not in text and 'memcryptd:' in text,
          '%s: GLib decoration instead of "memcryptd: MESSAGE" lines' % what, text)


def second_instance(w, env):
    """A second memcryptd on W's bus, its stderr in a file; returns (exit status, stderr)."""
    path = os.path.join(w.tmp, 'second.err')
    with open(path, 'wb') as err:
        st = os.fstat(err.fileno())
        env = dict(env, JOURNAL_STREAM='%d:%d' % (st.st_dev, st.st_ino)) if env.get('JOURNAL_STREAM') else env
        p = w.spawn('memcryptd-second', [w.memcryptd, '--root=' + w.root], log=False, stdout=subprocess.DEVNULL,
                    stderr=err, env=env)
    try:
        rc = p.wait(timeout=TIMEOUT)             # it exits by itself at once; TIMEOUT is a guard
    except subprocess.TimeoutExpired:
        raise AssertionError('a second memcryptd still runs after %gs: it waits for the name' % TIMEOUT)
    with open(path, errors='replace') as f:
        return rc, f.read()


def test_second_instance():
    """The name is requested without queueing: a second instance exits 1 at once and says why."""
    with World(polkit='none') as w:
        first = owner(w)
        rc, err = second_instance(w, w.env())
        eq(rc, 1, 'second instance exit status\n' + err)
        check('another process owns org.memcrypt1' in err, 'second instance: no "another process owns" message', err)
        check('Lost the connection' not in err, 'second instance claims the bus was lost', err)
        no_glib_decoration(err, 'second instance')
        eq(owner(w), first, 'the first instance still owns org.memcrypt1')
        # under systemd (stderr is the journal stream) the line carries its priority: <4> warning
        rc, err = second_instance(w, w.env(JOURNAL_STREAM='1'))
        eq(rc, 1, 'second instance under JOURNAL_STREAM: exit status')
        check(err.startswith('<4>memcryptd: another process owns org.memcrypt1'),
              'no <4> priority prefix with JOURNAL_STREAM naming stderr', err)


def test_strict_refusal_priority():
    """A failure that ends memcryptd reaches the journal with error priority (<3>), plain on a terminal."""
    with World(polkit='none', daemon=False) as w:
        path = os.path.join(w.tmp, 'strict.err')
        argv = [w.memcryptd, '--root=' + os.path.join(harness.HOSTS_DIR, 'milan-es-conflict'), '--strict']
        with open(path, 'wb') as err:
            st = os.fstat(err.fileno())
            rc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                env=w.env(JOURNAL_STREAM='%d:%d' % (st.st_dev, st.st_ino)), timeout=TIMEOUT).returncode
        with open(path, errors='replace') as f:
            text = f.read()
        eq(rc, 1, '--strict on milan-es-conflict: exit status\n' + text)
        check(text.startswith('<3>memcryptd: refusing to start (--strict)'), 'no <3> priority prefix', text)
        r = harness.run(argv, env=w.env())
        check(r.stderr.startswith('memcryptd: refusing to start (--strict)'), 'a prefix without the journal', r.stderr)


def test_no_bus():
    """No bus at the address: exit 1 naming the address and the error."""
    with World(polkit='none', daemon=False) as w:
        address = 'unix:path=' + os.path.join(w.tmp, 'no-such-bus')
        r = harness.run([w.memcryptd, '--root=' + w.src_root], env=w.env(DBUS_SYSTEM_BUS_ADDRESS=address))
        eq(r.returncode, 1, 'exit status without a bus\n%r' % r)
        check(address in r.stderr and 'No such file or directory' in r.stderr,
              'the message names the address and the error', r.stderr)
        no_glib_decoration(r.stderr, 'no bus')


def test_policy_refuses_name():
    """A user the bus policy does not let own org.memcrypt1: exit 1 saying so and how to run it."""
    with World(polkit='none') as w:
        r = w.run([w.memcryptd, '--root=' + w.src_root, '--no-libvirt'], uid=65534)
        eq(r.returncode, 1, 'exit status as uid 65534\n%r' % r)
        check('bus policy does not let uid 65534 own org.memcrypt1' in r.stderr and 'run memcryptd as root' in r.stderr,
              'the message says the policy refused the name and how to run it', r.stderr)
        check('Lost the connection' not in r.stderr, 'policy refusal claims the bus was lost', r.stderr)
        no_glib_decoration(r.stderr, 'policy refusal')


TESTS = [
    ('READY=1 is sent once org.memcrypt1 is owned', test_ready_means_owned),
    ('SIGTERM: exit 0, the name is released', lambda: stop_with(signal.SIGTERM)),
    ('SIGINT: exit 0, the name is released', lambda: stop_with(signal.SIGINT)),
    ('restart on the same bus gets the name back', test_restart),
    ('--exit-on-idle=1: exits 0 by itself and releases the name', test_exit_on_idle),
    ('the bus daemon dies: memcryptd exits 1 by itself; a new bus activates it again', test_bus_gone_then_activation),
    ('a second instance exits 1 at once: another process owns org.memcrypt1 (<4> under the journal)',
     test_second_instance),
    ('no bus: exit 1 naming the address and the error', test_no_bus),
    ('--strict refusal: error priority <3> under the journal, plain otherwise', test_strict_refusal_priority),
    ('the bus policy refuses the name: exit 1 saying so and how to run memcryptd', test_policy_refuses_name),
]

if __name__ == '__main__':
    tap_main(TESTS)
