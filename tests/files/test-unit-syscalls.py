#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every system call memcryptd makes is allowed by its unit's SystemCallFilter=.

The unit fails denied calls with EPERM instead of killing the daemon, so a
call the filter misses would not crash memcryptd: a probe would quietly fail.
This runs memcryptd under strace (1) serving the bus on a private
dbus-daemon (a test host, no libvirt) while a client calls Describe, Doctor,
GetModel, Refresh, GetAll and Introspect, and (2) with --dump on this
machine, and checks every call against the filter as systemd-analyze
expands it. Skips when strace, dbus-daemon, busctl or systemd-analyze is
missing or ptrace is not permitted. Output is TAP.

Usage: test-unit-syscalls.py BUILT_UNIT [--skip=REASON]
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testlib import BUS_DEFAULT_DELIVERY_RULES, ok, skip_all, done  # noqa: E402

# Calls the filter denies on purpose, and why that is harmless.
EXPECTED_DENIED = {
    "set_mempolicy": "libnuma (loaded by libvirt) probes MPOL_PREFERRED_MANY at load and copes with EPERM",
}


def expand(group, seen=None):
    """The system calls of @group (or the call itself), recursively."""
    seen = set() if seen is None else seen
    if not group.startswith("@"):
        return {group}
    if group in seen:
        return set()
    seen.add(group)
    out = subprocess.run(["systemd-analyze", "syscall-filter", group], capture_output=True, text=True,
                         check=True).stdout
    calls = set()
    for line in out.splitlines()[1:]:
        word = line.strip()
        if word and not word.startswith("#"):
            calls |= expand(word, seen)
    return calls


def allowed_calls(unit):
    """SystemCallFilter= as systemd applies it: the first allow list, minus
    ~ lists, plus later allow lists."""
    allowed = None
    for line in open(unit, encoding="utf-8"):
        m = re.match(r"^SystemCallFilter=(.*)$", line.strip())
        if not m:
            continue
        value = m.group(1).strip()
        deny = value.startswith("~")
        calls = set()
        for word in value.lstrip("~").split():
            calls |= expand(word)
        if deny:
            if allowed is not None:  # a deny list alone is not what this unit uses
                allowed -= calls
        else:
            allowed = calls if allowed is None else allowed | calls
    return allowed


def traced_calls(trace_file):
    calls = set()
    with open(trace_file, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"^\d+\s+([a-z0-9_]+)\(", line)
            if m:
                calls.add(m.group(1))
    return calls


def check(name, used, allowed):
    bad = sorted(used - allowed - set(EXPECTED_DENIED))
    for c in sorted(used & set(EXPECTED_DENIED) - allowed):
        print(f"# {c}: denied on purpose: {EXPECTED_DENIED[c]}")
    ok(not bad, f"{name}: all {len(used)} system calls are allowed by the unit", [f"denied: {c}" for c in bad])


def bus_config(tmp):
    return f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={tmp}/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
{BUS_DEFAULT_DELIVERY_RULES}  </policy>
</busconfig>
"""


def run_bus(daemon, hosts, tmp):
    conf = os.path.join(tmp, "bus.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write(bus_config(tmp))
    bus = subprocess.Popen(["dbus-daemon", "--nofork", "--nopidfile", "--nosyslog", f"--config-file={conf}",
                            "--print-address"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        address = bus.stdout.readline().strip()
        if not ok(address.startswith("unix:"), "private dbus-daemon is listening"):
            return None
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address)
        trace = os.path.join(tmp, "bus.trace")
        # With both [Export] files, so the writer thread's calls are traced too.
        export_conf = os.path.join(tmp, "export.conf")
        with open(export_conf, "w", encoding="utf-8") as f:
            f.write(f"[Export]\nPrometheusTextfile={tmp}/memcrypt.prom\nNodeFeatureFile={tmp}/memcrypt\n")
        d = subprocess.Popen(["strace", "-f", "-qq", "-o", trace, daemon, f"--root={hosts}/milan-snp",
                              f"--config={export_conf}", "--no-libvirt", "--exit-on-idle=2"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        busctl = ["busctl", f"--address={address}"]
        calls = [
            ["call", "org.memcrypt1", "/org/memcrypt1", "org.memcrypt1.Manager", "Describe"],
            ["call", "org.memcrypt1", "/org/memcrypt1", "org.memcrypt1.Manager", "Doctor"],
            ["call", "org.memcrypt1", "/org/memcrypt1", "org.memcrypt1.Manager", "GetModel", "s", "amd-sev-snp"],
            ["call", "org.memcrypt1", "/org/memcrypt1", "org.memcrypt1.Manager", "Refresh"],
            ["call", "org.memcrypt1", "/org/memcrypt1/model/amd_sev_snp", "org.freedesktop.DBus.Properties",
             "GetAll", "s", "org.memcrypt1.Model"],
            ["introspect", "org.memcrypt1", "/org/memcrypt1"],
        ]
        # Wait for the name (the daemon probes before it asks for it): NameOwnerChanged, not polling.
        subprocess.run(["gdbus", "wait", "--system", "--timeout", "30", "org.memcrypt1"],
                       env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address), capture_output=True)
        answered = []
        for c in calls:
            r = subprocess.run(busctl + c, capture_output=True, text=True, timeout=30)
            answered.append((c[4] if c[0] == "call" else c[0], r.returncode, r.stderr.strip()))
        bad = [f"{m}: {err}" for m, rc, err in answered if rc != 0]
        ok(not bad, f"memcryptd answered {len(calls)} calls under strace", bad)
        try:
            _, err = d.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            d.kill()
            _, err = d.communicate()
        ok(d.returncode == 0, f"memcryptd exits on idle with status 0 (got {d.returncode})", err.splitlines()[-10:])
        written = [p for p in ("memcrypt.prom", "memcrypt") if os.path.isfile(os.path.join(tmp, p))]
        ok(len(written) == 2, f"memcryptd wrote both [Export] files (found {written})")
        return trace
    finally:
        bus.terminate()
        bus.wait(timeout=10)


def main():
    unit = sys.argv[1]
    for a in sys.argv[2:]:
        if a.startswith("--skip="):
            skip_all(a.split("=", 1)[1])
    daemon = os.environ.get("MEMCRYPTD")
    hosts = os.environ.get("MEMCRYPT_HOSTS_DIR")
    for tool in ("strace", "dbus-daemon", "busctl", "systemd-analyze"):
        if not shutil.which(tool):
            skip_all(f"no {tool}")
    if subprocess.run(["strace", "-qq", "-o", os.devnull, "true"], capture_output=True).returncode != 0:
        skip_all("strace cannot trace here (ptrace not permitted)")

    allowed = allowed_calls(unit)
    if not ok(bool(allowed), f"the unit has a SystemCallFilter= allow list ({len(allowed or ())} calls)"):
        return done()

    with tempfile.TemporaryDirectory(prefix="memcrypt-syscalls-") as tmp:
        trace = run_bus(daemon, hosts, tmp)
        if trace:
            check("serving the bus", traced_calls(trace), allowed)

        trace = os.path.join(tmp, "dump.trace")
        r = subprocess.run(["strace", "-f", "-qq", "-o", trace, daemon, "--dump", "--no-libvirt"],
                           capture_output=True, text=True, timeout=120)
        ok(r.returncode == 0, f"memcryptd --dump on this machine exits 0 (got {r.returncode})",
           r.stderr.splitlines()[-10:])
        check("--dump on this machine", traced_calls(trace), allowed)
    return done()


if __name__ == "__main__":
    sys.exit(main())
