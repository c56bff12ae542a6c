#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""`meson install --destdir` puts exactly the expected files under DESTDIR.

Usage: test-install.py BUILDDIR EXPECTED_LIST [--with=FEATURE]... name=DIR...

Runs `meson install -C BUILDDIR --no-rebuild --destdir TMP --quiet`, lists
every file and symlink under TMP and compares the list with EXPECTED_LIST
after replacing each {name} by its DIR. With --within-prefix=PREFIX it also
checks that nothing was installed outside PREFIX (true of a build whose
directory options are all left empty: pkg-config directories are rebased on
the prefix). A line "[FEATURE] path" of EXPECTED_LIST is expected only when
--with=FEATURE is given (e.g. the man pages, built only where scdoc is).
Output is TAP.
"""

import fnmatch
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testlib import ok, done  # noqa: E402


def installed(destdir):
    found = []
    for top, dirs, files in os.walk(destdir):
        for f in files + [d for d in dirs if os.path.islink(os.path.join(top, d))]:
            p = os.path.join(top, f)
            rel = "/" + os.path.relpath(p, destdir)
            found.append(f"{rel} -> {os.readlink(p)}" if os.path.islink(p) else rel)
    return sorted(found)


def expected(path, dirs, features):
    patterns = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                feature, line = line[1:].split("]", 1)
                if feature not in features:
                    continue
                line = line.strip()
            if line and not line.startswith("#"):
                patterns.append(line.format(**dirs))
    return patterns


def main():
    builddir, listfile = sys.argv[1], sys.argv[2]
    dirs, within, features = {}, None, set()
    for a in sys.argv[3:]:
        if a.startswith("--within-prefix="):
            within = a.split("=", 1)[1]
        elif a.startswith("--with="):
            features.add(a.split("=", 1)[1])
        else:
            k, v = a.split("=", 1)
            dirs[k] = v

    with tempfile.TemporaryDirectory(prefix="memcrypt-install-") as destdir:
        p = subprocess.run(["meson", "install", "-C", builddir, "--no-rebuild", "--destdir", destdir, "--quiet"],
                           capture_output=True, text=True, timeout=300)
        if not ok(p.returncode == 0, f"meson install --destdir exits 0 (got {p.returncode})",
                  (p.stderr + p.stdout).splitlines()[-20:]):
            return done()
        files = installed(destdir)

    for f in files:
        print(f"# installed {f}")
    patterns = expected(listfile, dirs, features)
    # fnmatch's * crosses "/": keep it inside one component.
    def match(f, pat):
        return fnmatch.fnmatchcase(f, pat) and f.count("/") == pat.count("/")

    unexpected = [f for f in files if not any(match(f, pat) for pat in patterns)]
    missing = [pat for pat in patterns if not any(match(f, pat) for f in files)]
    ok(not missing, f"every expected file is installed ({len(patterns)} expected)",
       [f"missing: {m}" for m in missing])
    ok(not unexpected, f"nothing else is installed ({len(files)} installed)",
       [f"unexpected: {u}" for u in unexpected])
    if within is not None:
        outside = [f for f in files if not (f.split(" -> ")[0] + "/").startswith(within.rstrip("/") + "/")]
        ok(not outside, f"everything is installed under the prefix {within}",
           [f"outside: {o}" for o in outside])
    return done()


if __name__ == "__main__":
    sys.exit(main())
