#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The documentation a user reads: README.md and docs/*.md.

Usage: test-docs.py SOURCE_ROOT

README.md stays a short front door (at most 25 KB) that starts with the two
set-up commands; every relative link in README.md and docs/*.md names a file of
the tree and, with #anchor, a heading of that file (GitHub's anchors); nothing
points outside the tree (no ../ paths, no DESIGN.md). Output is TAP.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testlib import ok, done  # noqa: E402

README_MAX = 25 * 1024


def anchors(path):
    """GitHub's heading anchors of a markdown file (outside code fences)."""
    found, fence = set(), False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                fence = not fence
            elif not fence and (m := re.match(r"#{1,6} (.*)", line)):
                text = m.group(1).strip().lower()
                found.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return found


def links(path):
    fence = False
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.startswith("```"):
                fence = not fence
            elif not fence:
                for target in re.findall(r"\]\(([^)\s]+)\)", line):
                    yield n, target


def main():
    root = os.path.abspath(sys.argv[1])
    readme = os.path.join(root, "README.md")
    size = os.path.getsize(readme)
    ok(size <= README_MAX, f"README.md is at most 25 KB ({size} bytes)")
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    first = text[:text.find("\n## ", text.find("\n## ") + 1)]
    ok("./tools/setup && ./tools/demo" in first and "./tools/setup && ./tools/run-tests" in first,
       "README.md gives the two set-up commands in its first section")

    docs = os.path.join(root, "docs")
    pages = [readme] + sorted(os.path.join(docs, p) for p in os.listdir(docs) if p.endswith(".md"))
    for page in pages:
        rel = os.path.relpath(page, root)
        bad = []
        with open(page, encoding="utf-8") as f:
            body = f.read()
        for word in ("../shared", "DESIGN.md"):
            if word in body:
                bad.append(f"mentions {word}, which is not in the tree")
        for n, target in links(page):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            path, _, anchor = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
            if not (dest + "/").startswith(os.path.normpath(root) + "/"):
                bad.append(f"line {n}: {target} leaves the tree")
            elif not os.path.exists(dest):
                bad.append(f"line {n}: {target}: no such file")
            elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                bad.append(f"line {n}: {target}: no heading with that anchor")
        ok(not bad, f"{rel}: every link resolves, nothing points outside the tree", bad)
    return done()


if __name__ == "__main__":
    sys.exit(main())
