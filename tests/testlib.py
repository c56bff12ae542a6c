# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared by the python test scripts (python3 standard library only, no side effects on import).

Import it from a script in a subdirectory of tests/ with:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from testlib import ok, skip, skip_all, done   # noqa: E402

TAP: ok() and skip() number the test points as they are printed; done() prints the plan and
returns the exit status (1 when any point failed).
"""

import sys

n = 0
failed = 0


def ok(cond, name, diag=()):
    """One test point; DIAG lines are printed as TAP comments when COND is false. Returns COND."""
    global n, failed
    n += 1
    print(f"{'ok' if cond else 'not ok'} {n} - {name}")
    if not cond:
        failed += 1
        for line in diag:
            print(f"# {line}")
    return cond


def skip(name, why):
    global n
    n += 1
    print(f"ok {n} - {name} # SKIP {why}")


def skip_all(why):
    """Skip the whole script: an empty plan with a reason, exit status 0."""
    print(f"1..0 # SKIP {why}")
    sys.exit(0)


def done():
    """Print the plan (after the points) and return the script's exit status."""
    print(f"1..{n}")
    return 1 if failed else 0


# The rules of /usr/share/dbus-1/system.conf's default policy that let replies and signals
# through and let every message be received; the private buses of the tests all use them.
BUS_DEFAULT_DELIVERY_RULES = """\
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
"""
