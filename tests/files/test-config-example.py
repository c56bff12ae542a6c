#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""memcryptd.conf.example names every configuration key with its default.

Usage: test-config-example.py EXAMPLE CONFIG_C MEMCRYPTD HOST_SNAPSHOT

Every key of config.c's known_keys table is in the example, commented out, in
its group; with every "#Key=value" line uncommented, memcryptd loads the file
and its JSON report of HOST_SNAPSHOT is the same as with an empty
configuration (so each value shown is the default). Output is TAP.
"""

import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testlib import ok, done  # noqa: E402


def dump(memcryptd, config, root):
    # --no-libvirt: the report must not depend on a libvirt daemon of the machine.
    p = subprocess.run([memcryptd, f"--config={config}", f"--root={root}", "--no-libvirt", "--dump"],
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def main():
    example, config_c, memcryptd, root = sys.argv[1:5]
    with open(config_c, encoding="utf-8") as f:
        table = f.read().split("known_keys[]", 1)[1].split("};", 1)[0]
    known = re.findall(r'\{\s*"(\w+)",\s*"(\w+)"\s*\}', table)
    ok(len(known) >= 7, f"config.c's known_keys table read ({len(known)} keys)")

    with open(example, encoding="utf-8") as f:
        lines = f.read().splitlines()
    group, commented, active = None, {}, []
    for line in lines:
        if m := re.fullmatch(r"\[(\w+)\]", line):
            group = m.group(1)
        elif m := re.fullmatch(r"#(\w+)=(.*)", line):
            commented[(group, m.group(1))] = m.group(2)
        elif line and not line.startswith("#"):
            active.append(line)
    ok(not active, "every setting of the example is commented out", [f"active: {a}" for a in active])
    missing = [f"[{g}] {k}" for g, k in known if (g, k) not in commented]
    ok(not missing, "every key of config.c is in the example, in its group", [f"missing: {m}" for m in missing])
    extra = [f"[{g}] {k}" for g, k in commented if (g, k) not in known]
    ok(not extra, "the example names no key memcryptd does not know", [f"unknown: {e}" for e in extra])

    with tempfile.TemporaryDirectory(prefix="memcrypt-conf-") as tmp:
        uncommented = os.path.join(tmp, "all.conf")
        with open(uncommented, "w", encoding="utf-8") as f:
            f.write("\n".join(re.sub(r"^#(\w+=)", r"\1", line) for line in lines) + "\n")
        empty = os.path.join(tmp, "empty.conf")
        open(empty, "w").close()
        rc, with_all, err = dump(memcryptd, uncommented, root)
        ok(rc == 0, f"memcryptd loads the example with every key uncommented (exit {rc})", err.splitlines())
        rc0, with_none, err0 = dump(memcryptd, empty, root)
        ok(rc0 == 0 and with_all == with_none,
           "the report with every key uncommented equals the report with no configuration (the values are the defaults)",
           err0.splitlines() + [line for line in with_all.splitlines() if line not in with_none.splitlines()][:10])
    return done()


if __name__ == "__main__":
    sys.exit(main())
