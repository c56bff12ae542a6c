#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Builds one man page from its scdoc source: scdoc < INPUT > OUTPUT, tidied.

Usage: scdoc-man.py SCDOC INPUT OUTPUT [INTERFACES_DIR]

With INTERFACES_DIR, a line "; properties IFACE WHAT" of INPUT (an scdoc comment) is
replaced by what interfaces/IFACE.xml says of the interface's properties, so a property is
documented once, in the interface XML, and the page follows it (docs/design.md, "A new Model
property"). WHAT is:
  signatures  "readonly TYPE Name;" two to a line, for the interface's code block
  signals     which properties are constant, not signalled or signalled without their value
              (EmitsChangedSignal)
  list        "*Name*" and the property's doc:para text, indented, for each property
The doc text is plain prose: it is escaped for scdoc, and the CamelCase names of the
interfaces' members and "page(N)" references are set in bold.

scdoc 1.11 writes a paragraph macro (.P) before and after every section
heading, which mandoc -T lint reports as "skipping paragraph macro"; this drops
each .P that starts nothing (right after .TH/.SH/.SS, or right before
.SH/.SS/.P or the end) and moves one that ends an indented block after its .RE, so the page is clean under `mandoc -T lint -W warning`.
It changes nothing else: groff ignores those macros anyway.
"""

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

DOC = "{http://www.freedesktop.org/dbus/1.0/doc.dtd}"
EMITS = "org.freedesktop.DBus.Property.EmitsChangedSignal"
SIGNATURE_COLUMN = 29     # "readonly s ResourceProvider; " fits, a longer one stands alone


def properties(directory, iface):
    """[(name, type, EmitsChangedSignal, [paragraph...])] of IFACE in document order."""
    root = ET.parse(os.path.join(directory, iface + ".xml")).getroot()
    found = [i for i in root.findall("interface") if i.get("name") == iface]
    if len(found) != 1:
        raise ValueError(f"{iface}.xml does not hold the interface {iface}")
    props = []
    for p in found[0].findall("property"):
        emits = next((a.get("value") for a in p.findall("annotation") if a.get("name") == EMITS), "true")
        paras = [" ".join("".join(para.itertext()).split())
                 for para in p.findall(f"{DOC}doc/{DOC}description/{DOC}para")]
        props.append((p.get("name"), p.get("type"), emits, [t for t in paras if t]))
    if not props:
        raise ValueError(f"{iface}.xml has no property")
    return props


def member_names(directory):
    """The names of every property, method and signal of the interfaces in DIRECTORY."""
    names = set()
    for f in os.listdir(directory):
        if f.endswith(".xml"):
            for iface in ET.parse(os.path.join(directory, f)).getroot().iter("interface"):
                names |= {m.get("name") for m in iface if m.tag in ("property", "method", "signal")}
    return names


def prose(text, names):
    """TEXT for scdoc: \\, * and _ escaped (one line: a continuation line starting with a
    dot would be a roff request); member names and page(N) in bold."""
    text = text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")
    text = re.sub(r"\b([A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*)\b(\(\))?",
                  lambda m: f"*{m.group(0)}*" if m.group(1) in names else m.group(0), text)
    return re.sub(r"\b([a-z][a-z0-9.\\_-]*[a-z0-9])\(([1-8])\)", r"*\1*(\2)", text)


def and_list(words):
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def signatures(props):
    items = [f"readonly {t} {n};" for n, t, _, _ in props]
    lines = []
    while items:
        first = items.pop(0)
        if len(first) < SIGNATURE_COLUMN and items and len(items[0]) < SIGNATURE_COLUMN:
            lines.append("      " + first.ljust(SIGNATURE_COLUMN) + items.pop(0))
        else:
            lines.append("      " + first)
    return lines


def signals(props):
    """One sentence: which properties are constant, change without a signal or are signalled
    without their value (EmitsChangedSignal const, false, invalidates)."""
    const = [f"*{n}*" for n, _, e, _ in props if e == "const"]
    quiet = [f"*{n}*" for n, _, e, _ in props if e == "false"]
    named = [f"*{n}*" for n, _, e, _ in props if e == "invalidates"]
    said = []
    if const:
        said.append(and_list(const) + (" is" if len(const) == 1 else " are") + " constant")
    if quiet:
        said.append(and_list(quiet) + (" changes" if len(quiet) == 1 else " change") + " without a signal")
    if named:
        said.append(and_list(named) + (" is" if len(named) == 1 else " are") + " named in *PropertiesChanged* without a value")
    rest = "every other property" if said else "every property"
    sentence = "; ".join(said + [rest + " is signalled with *PropertiesChanged* when it changes."])
    return [sentence[0].upper() + sentence[1:]]


def entries(props, names):
    """Each property's name in bold, then its paragraphs indented (one line each)."""
    lines = []
    for n, _, _, paras in props:
        if not paras:
            raise ValueError(f"property {n} has no doc:para")
        lines += ([""] if lines else []) + [f"*{n}*"]
        for i, text in enumerate(paras):
            lines += ([""] if i else []) + ["\t" + prose(text, names)]
    return lines


def expand(lines, directory):
    """LINES with each "; properties IFACE WHAT" replaced by its text."""
    out = []
    for line in lines:
        m = re.fullmatch(r"; properties (\S+) (\S+)", line.rstrip("\n"))
        if not m:
            out.append(line)
            continue
        props = properties(directory, m.group(1))
        what = m.group(2)
        if what == "signatures":
            out += signatures(props)
        elif what == "signals":
            out += signals(props)
        elif what == "list":
            out += entries(props, member_names(directory))
        else:
            raise ValueError(f"unknown directive {line.strip()!r}")
    return out


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
    with open(src, encoding="utf-8") as f:
        source = f.read().split("\n")
    if len(sys.argv) > 4:
        try:
            source = expand(source, sys.argv[4])
        except (OSError, ET.ParseError, ValueError) as e:
            sys.stderr.write(f"{src}: {e}\n")
            return 1
    p = subprocess.run([scdoc], input="\n".join(source).encode("utf-8"), capture_output=True, check=False)
    if p.returncode != 0:
        sys.stderr.write(f"{src}: {p.stderr.decode(errors='replace')}")
        return 1
    text = p.stdout.decode("utf-8")
    with open(dst, "w", encoding="utf-8") as f:
        f.write("\n".join(tidy(text.split("\n"))).rstrip("\n") + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
