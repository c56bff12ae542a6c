#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Builds one man page from its scdoc source: scdoc < INPUT > OUTPUT, tidied.

Usage: scdoc-man.py SCDOC INPUT OUTPUT

scdoc 1.11 writes a paragraph macro (.P) before and after every section
heading, which mandoc -T lint reports as "skipping paragraph macro"; this drops
each .P that starts nothing (right after .TH/.SH/.SS, or right before
.SH/.SS/.P or the end) and moves one that ends an indented block after its .RE, so the page is clean under `mandoc -T lint -W warning`.
It changes nothing else: groff ignores those macros anyway.
"""

import subprocess
import sys


def tidy(lines):
    # ".P .RE" (a paragraph opened at the end of an indented block) becomes
    # ".RE .P": the same break, outside the block.
    swapped = []
    for line in lines:
        if line.strip() == ".RE" and swapped and swapped[-1].strip() == ".P":
            swapped[-1:] = [".RE", ".P"]
        else:
            swapped.append(line)
    lines = swapped
    heads = (".TH ", ".SH ", ".SS ")
    out = []
    for i, line in enumerate(lines):
        if line.strip() == ".P":
            prev = out[-1] if out else ""
            nxt = next((x for x in lines[i + 1:] if x.strip()), "")
            if prev.startswith(heads) or nxt.startswith(heads) or nxt.strip() == ".P" or not nxt:
                continue
        out.append(line)
    return out


def main():
    scdoc, src, dst = sys.argv[1:4]
    with open(src, "rb") as f:
        p = subprocess.run([scdoc], stdin=f, capture_output=True, check=False)
    if p.returncode != 0:
        sys.stderr.write(f"{src}: {p.stderr.decode(errors='replace')}")
        return 1
    text = p.stdout.decode("utf-8")
    with open(dst, "w", encoding="utf-8") as f:
        f.write("\n".join(tidy(text.split("\n"))).rstrip("\n") + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
