#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Refresh() and polkit on a private system bus: real polkitd (in a mount namespace, with OUR
dbus/org.memcrypt1.policy and a test .rules file) when root, else python3-dbusmock's template."""

import os
import pwd
import xml.etree.ElementTree as ET

from harness import (MANAGER_IFACE, MANAGER_PATH, POLKIT_POLICY, Skip, World, check, eq, is_root, run,
                     stop_process, tap_main)

REFRESH = MANAGER_IFACE + '.Refresh'
NOT_AUTHORIZED = 'org.memcrypt1.Error.NotAuthorized'
INTERACTIVE = 'org.freedesktop.DBus.Error.InteractiveAuthorizationRequired'

GRANTED_UID = 1         # "daemon" on Debian: granted org.memcrypt1.refresh by the test rule
DENIED_UID = 65534      # "nobody": refused by the test rule
DEFAULT_UID = 2         # "bin": no rule, so the action's allow_any default applies


def user(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        raise Skip('no user with uid %d' % uid)


def real_world(**kw):
    if not is_root():
        raise Skip('real polkitd needs root (the dbusmock cases cover this mode)')
    return World(polkit='real', granted_users=[user(GRANTED_UID)], denied_users=[user(DENIED_UID)], **kw)


def last_refresh(w):
    return w.get_property(MANAGER_PATH, MANAGER_IFACE, 'LastRefresh')[1]


def refresh_ok(w, uid, what):
    t0 = last_refresh(w)
    name, msg, r = w.call_error(MANAGER_PATH, REFRESH, uid=uid)
    eq(name, None, '%s: Refresh() error (%s)' % (what, msg))
    check(last_refresh(w) > t0, '%s: LastRefresh did not advance' % what)


def refresh_refused(w, uid, want, what, interactive=False):
    t0 = last_refresh(w)
    name, msg, r = w.call_error(MANAGER_PATH, REFRESH, uid=uid, interactive=interactive)
    eq(name, want, '%s: Refresh() error (message: %s)' % (what, msg))
    check('org.memcrypt1.refresh' in msg, '%s: the message names the action: %r' % (what, msg))
    eq(last_refresh(w), t0, '%s: LastRefresh moved although Refresh() was refused' % what)
    check(w.daemon.poll() is None, 'memcryptd died')


def test_root_real_polkit():
    with real_world() as w:
        refresh_ok(w, 0, 'root with polkitd')


def test_root_without_polkit():
    with World(polkit='none') as w:
        # as root: uid 0; else our own uid, which memcryptd (running as us) also does not ask about
        refresh_ok(w, None, 'uid %d without polkit (root is never asked)' % os.geteuid())


def test_denied():
    with real_world() as w:
        refresh_refused(w, DENIED_UID, NOT_AUTHORIZED, 'uid %d denied by the rule' % DENIED_UID)
        refresh_refused(w, DENIED_UID, NOT_AUTHORIZED, 'uid %d denied by the rule, interactive' % DENIED_UID,
                        interactive=True)
        # busctl sees a failure too (its exit status; busctl prints only the message)
        r = w.busctl('call', 'org.memcrypt1', MANAGER_PATH, MANAGER_IFACE, 'Refresh', uid=DENIED_UID)
        check(r.returncode != 0 and 'org.memcrypt1.refresh' in r.stderr, 'busctl Refresh as nobody: %r' % r)


def test_granted():
    with real_world() as w:
        refresh_ok(w, GRANTED_UID, 'uid %d granted by the rule' % GRANTED_UID)
        # memcryptd keeps no verdict between calls: a second call is asked again and still allowed
        refresh_ok(w, GRANTED_UID, 'uid %d granted by the rule, again' % GRANTED_UID)
        refresh_refused(w, DENIED_UID, NOT_AUTHORIZED, 'uid %d right after a granted call' % DENIED_UID)


def test_granted_concurrent():
    """Several callers waiting on polkit at once: each call is re-dispatched with its own verdict."""
    with real_world() as w:
        t0 = last_refresh(w)
        procs = []
        for i in range(4):
            for uid in (GRANTED_UID, DENIED_UID):
                procs.append((uid, w.background('refresh-%d-%d' % (uid, i), [
                    'gdbus', 'call', '--system', '--dest', 'org.memcrypt1', '--object-path', MANAGER_PATH,
                    '--method', REFRESH], uid=uid)))
        for uid, rd in procs:
            rd.wait_for(lambda l: False, timeout=10)     # read to EOF (a guard timeout only)
            rc = rd.proc.wait(timeout=10)
            out = '\n'.join(rd.lines)
            if uid == GRANTED_UID:
                eq(rc, 0, 'granted concurrent Refresh (%s)' % out)
            else:
                check(rc != 0 and NOT_AUTHORIZED in out, 'denied concurrent Refresh: %s' % out)
        check(last_refresh(w) > t0, 'LastRefresh did not advance')
        check(w.daemon.poll() is None, 'memcryptd died')


def policy_default():
    """allow_any of org.memcrypt1.refresh in OUR policy file (the answer for a caller without a
    session and without a rule)."""
    root = ET.parse(POLKIT_POLICY).getroot()
    for a in root.findall('action'):
        if a.get('id') == 'org.memcrypt1.refresh':
            return a.find('defaults/allow_any').text.strip()
    raise AssertionError('%s has no org.memcrypt1.refresh action' % POLKIT_POLICY)


def test_policy_default():
    default = policy_default()
    with real_world() as w:
        what = 'uid %d without a rule (allow_any=%s)' % (DEFAULT_UID, default)
        if default.startswith('auth_'):
            # polkit answers "challenge": without the interactive flag the caller is told so ...
            refresh_refused(w, DEFAULT_UID, INTERACTIVE, what)
            # ... and with it, no agent can answer here: refused
            refresh_refused(w, DEFAULT_UID, NOT_AUTHORIZED, what + ', interactive', interactive=True)
        elif default == 'no':
            refresh_refused(w, DEFAULT_UID, NOT_AUTHORIZED, what)
        else:
            refresh_ok(w, DEFAULT_UID, what)
    return 'allow_any=' + default


def test_polkit_absent():
    with World(polkit='none') as w:
        uid = DENIED_UID if is_root() else None
        if uid is None:
            raise Skip('needs a uid other than ours')
        refresh_refused(w, uid, NOT_AUTHORIZED, 'no polkit on the bus (fail closed)')
        refresh_refused(w, uid, NOT_AUTHORIZED, 'no polkit on the bus, interactive', interactive=True)


def test_polkit_killed():
    """polkitd goes away after start-up: refused, not allowed."""
    with real_world() as w:
        for name, p in w.procs:
            if name == 'polkitd':
                stop_process(p)
        refresh_refused(w, GRANTED_UID, NOT_AUTHORIZED, 'polkitd stopped')
        refresh_ok(w, 0, 'root after polkitd stopped')


def test_mock_allowed():
    with World(polkit='mock', mock_allowed=['org.memcrypt1.refresh']) as w:
        if not is_root():
            raise Skip('every caller has our uid, which memcryptd does not ask polkit about')
        refresh_ok(w, DENIED_UID, 'dbusmock polkitd allowing org.memcrypt1.refresh')


def test_mock_denied():
    with World(polkit='mock', mock_allowed=['org.memcrypt1.inject-launch-secret']) as w:
        if not is_root():
            raise Skip('every caller has our uid, which memcryptd does not ask polkit about')
        refresh_refused(w, DENIED_UID, NOT_AUTHORIZED, 'dbusmock polkitd not allowing org.memcrypt1.refresh')


CHECK_SELF = """
import dbus, sys
bus = dbus.SystemBus()
auth = dbus.Interface(bus.get_object('org.freedesktop.PolicyKit1', '/org/freedesktop/PolicyKit1/Authority'),
                      'org.freedesktop.PolicyKit1.Authority')
r = auth.CheckAuthorization(('system-bus-name', {'name': dbus.String(bus.get_unique_name())}), sys.argv[1],
                            dbus.Dictionary({}, signature='ss'), dbus.UInt32(0), '')
print('%d %d' % (bool(r[0]), bool(r[1])))
"""


def test_polkitd_answers():
    """What real polkitd answers here, asked directly (CheckAuthorization for the caller's own bus
    name): the ground truth the daemon's verdicts rest on."""
    from harness import dbus_python
    py = dbus_python()
    if not py:
        raise Skip('python3-dbus is not installed')
    default = policy_default()
    want = {0: '1 0', GRANTED_UID: '1 0', DENIED_UID: '0 0',
            DEFAULT_UID: {'no': '0 0', 'yes': '1 0'}.get(default, '0 1')}
    with real_world(daemon=False) as w:
        got = {}
        for uid in want:
            r = w.run([py, '-c', CHECK_SELF, 'org.memcrypt1.refresh'], uid=uid)
            got[uid] = r.stdout.strip() or r.stderr.strip()[-200:]
        eq(got, want, '(authorized, challenge) by uid')
    return 'root, granted, denied, default(%s): %s' % (default, ', '.join(got[u] for u in want))


TESTS = [
    ('root: Refresh() succeeds with real polkitd', test_root_real_polkit),
    ('root (the daemon\'s own uid): Refresh() succeeds without polkit', test_root_without_polkit),
    ('uid 65534 denied by a polkit rule: NotAuthorized', test_denied),
    ('uid 1 granted by a polkit rule: Refresh() succeeds', test_granted),
    ('4 granted and 4 denied Refresh() calls pending at once', test_granted_concurrent),
    ('uid 2 without a rule gets the policy file default', test_policy_default),
    ('polkit absent: NotAuthorized (fail closed)', test_polkit_absent),
    ('polkitd stopped after start-up: NotAuthorized', test_polkit_killed),
    ('dbusmock polkitd: SetAllowed grants Refresh()', test_mock_allowed),
    ('dbusmock polkitd: other actions allowed only: NotAuthorized', test_mock_denied),
    ('real polkitd answers CheckAuthorization as the rules and policy file say', test_polkitd_answers),
]

if __name__ == '__main__':
    tap_main(TESTS)
