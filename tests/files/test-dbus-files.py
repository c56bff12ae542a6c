#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The shipped bus policy, activation file and polkit actions, checked as
files (tests/integration runs them on a real dbus-daemon and polkitd).

- dbus/org.memcrypt1.conf: only root may own org.memcrypt1; everyone may
  send to it only with one of the allowed interfaces; replies are received;
  dbus-daemon accepts the file (when dbus-daemon is installed).
- dbus/org.memcrypt1.policy: valid against polkit's DTD (when installed, via
  xmllint); exactly the two actions with the chosen defaults.
Output is TAP.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testlib import ok, skip, done  # noqa: E402

SRC = os.environ.get("MEMCRYPT_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
CONF = os.path.join(SRC, "dbus", "org.memcrypt1.conf")
POLICY = os.path.join(SRC, "dbus", "org.memcrypt1.policy")
POLKIT_DTD = "/usr/share/polkit-1/policyconfig-1.dtd"

ALLOWED_INTERFACES = {
    "org.memcrypt1.Manager", "org.memcrypt1.Model", "org.memcrypt1.Attestation",
    "org.freedesktop.DBus.Properties", "org.freedesktop.DBus.Introspectable", "org.freedesktop.DBus.Peer",
}
ACTIONS = {
    "org.memcrypt1.refresh": ("auth_admin_keep", "auth_admin_keep", "yes"),
    "org.memcrypt1.inject-launch-secret": ("auth_admin_keep", "auth_admin_keep", "auth_admin_keep"),
}


def rules(policy):
    return [(r.tag, dict(r.attrib)) for r in policy]


def check_bus_policy():
    root = ET.parse(CONF).getroot()
    policies = root.findall("policy")
    other = [c.tag for c in root if c.tag != "policy"]
    ok(root.tag == "busconfig" and not other, "bus policy: <busconfig> holding only <policy> elements",
       [f"other elements: {other}"])

    by_ctx = {}
    for p in policies:
        by_ctx[tuple(sorted(p.attrib.items()))] = rules(p)
    root_rules = by_ctx.get((("user", "root"),), [])
    default_rules = by_ctx.get((("context", "default"),), [])
    ok(set(by_ctx) <= {(("user", "root"),), (("context", "default"),)},
       "bus policy: only a root policy and the default policy", [f"policies: {list(by_ctx)}"])

    ok(("allow", {"own": "org.memcrypt1"}) in root_rules, "bus policy: root may own org.memcrypt1",
       [f"root rules: {root_rules}"])
    owns = [(t, a) for t, a in default_rules if "own" in a or "own_prefix" in a]
    ok(owns == [("deny", {"own": "org.memcrypt1"})], "bus policy: nobody else may own it",
       [f"default own rules: {owns}"])

    sends = [(t, a) for t, a in default_rules if any(k.startswith("send_") for k in a)]
    loose = [a for t, a in sends if t == "allow" and set(a) != {"send_destination", "send_interface"}]
    ok(not loose, "bus policy: every send rule names destination and interface (no bare send_destination)",
       [f"loose: {loose}"])
    allowed = {a.get("send_interface") for t, a in sends
               if t == "allow" and a.get("send_destination") == "org.memcrypt1"}
    ok(allowed == ALLOWED_INTERFACES, "bus policy: sends allowed to exactly the six interfaces",
       [f"missing: {sorted(ALLOWED_INTERFACES - allowed)}", f"extra: {sorted(allowed - ALLOWED_INTERFACES)}"])
    other_dest = [a for t, a in sends if a.get("send_destination") != "org.memcrypt1"]
    ok(not other_dest, "bus policy: no rule about other destinations", [str(a) for a in other_dest])
    ok(("allow", {"receive_sender": "org.memcrypt1"}) in default_rules,
       "bus policy: replies and signals from org.memcrypt1 are received")

    daemon = shutil.which("dbus-daemon")
    if not daemon:
        skip("dbus-daemon accepts the policy", "no dbus-daemon")
        return
    with tempfile.TemporaryDirectory(prefix="memcrypt-bus-") as tmp:
        conf = os.path.join(tmp, "bus.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={tmp}/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow user="*"/></policy>
  <include>{os.path.abspath(CONF)}</include>
</busconfig>
""")
        # --print-address prints once the configuration is loaded and the bus listens.
        p = subprocess.Popen([daemon, "--nofork", "--nopidfile", "--nosyslog", f"--config-file={conf}",
                              "--print-address"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = p.stdout.readline()
        finally:
            p.terminate()
            _, err = p.communicate(timeout=10)
        ok(line.startswith("unix:"), "dbus-daemon accepts the policy", err.splitlines()[:10])


def check_polkit_policy():
    xmllint = shutil.which("xmllint")
    if xmllint and os.path.exists(POLKIT_DTD):
        r = subprocess.run([xmllint, "--noout", "--dtdvalid", POLKIT_DTD, POLICY], capture_output=True, text=True)
        ok(r.returncode == 0, f"polkit policy is valid against {POLKIT_DTD}", r.stderr.splitlines()[:10])
    else:
        skip("polkit policy is valid against polkit's DTD", "no xmllint or no " + POLKIT_DTD)

    root = ET.parse(POLICY).getroot()
    actions = {a.get("id"): a for a in root.findall("action")}
    ok(set(actions) == set(ACTIONS), "polkit policy: exactly the actions " + ", ".join(sorted(ACTIONS)),
       [f"actions: {sorted(actions)}"])
    for aid, want in ACTIONS.items():
        a = actions.get(aid)
        got = tuple((a.findtext(f"defaults/{k}") or "").strip() for k in ("allow_any", "allow_inactive", "allow_active")) \
            if a is not None else None
        ok(got == want, f"polkit policy: {aid} defaults any/inactive/active = {'/'.join(want)}", [f"got {got}"])
        ok(a is not None and (a.findtext("description") or "").strip() and (a.findtext("message") or "").strip(),
           f"polkit policy: {aid} has a description and a message")


def main():
    check_bus_policy()
    check_polkit_policy()
    return done()


if __name__ == "__main__":
    sys.exit(main())
