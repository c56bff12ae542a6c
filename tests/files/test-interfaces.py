#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The installed interface XML must equal the daemon's runtime introspection.

Runs `$MEMCRYPTD --bus-introspect=TMPDIR` and compares, for each interface,
interfaces/<name>.xml (the documented file that is installed) with
TMPDIR/<name>.xml after removing doc:* elements and whitespace: the same
members in the same order, the same attributes (arg names, types,
directions, access) and the same annotations. It also checks that the
documented file documents the interface and every member and argument.
Any drift fails. Output is TAP.

Usage: test-interfaces.py [RUNTIME_DIR]
  RUNTIME_DIR  compare with the files in RUNTIME_DIR instead of running
               $MEMCRYPTD (for checking hand-written XML against a
               prototype).
"""

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

DOC_NS = "http://www.freedesktop.org/dbus/1.0/doc.dtd"
INTERFACES = ["org.memcrypt1.Manager", "org.memcrypt1.Model", "org.memcrypt1.Attestation"]
MEMBER_TAGS = ("method", "property", "signal")


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=()):
        self.n += 1
        print(f"{'ok' if cond else 'not ok'} {self.n} - {name}")
        if not cond:
            self.failed += 1
            for line in diag:
                print(f"# {line}")
        return cond

    def finish(self):
        print(f"1..{self.n}")
        return 1 if self.failed else 0


def is_doc(el):
    return el.tag.startswith("{" + DOC_NS + "}")


def strip(el):
    """(tag, attributes, children) with doc:* elements removed; text outside
    doc elements must be whitespace (the bus never sees it, but stray text
    is a mistake)."""
    if (el.text or "").strip():
        raise ValueError(f"text {el.text.strip()!r} inside <{el.tag}>")
    children = []
    for c in el:
        if (c.tail or "").strip():
            raise ValueError(f"text {c.tail.strip()!r} after <{c.tag}>")
        if is_doc(c):
            continue
        children.append(strip(c))
    return (el.tag, tuple(sorted(el.attrib.items())), tuple(children))


def describe(node):
    tag, attrs, children = node
    a = " ".join(f'{k}="{v}"' for k, v in attrs)
    lines = [f"<{tag} {a}>"]
    for c in children:
        lines += ["  " + l for l in describe(c)]
    return lines


def member_key(node):
    tag, attrs, _ = node
    return f"{tag} {dict(attrs).get('name', '?')}"


def find_interface(root, name):
    found = [i for i in root.findall("interface") if i.get("name") == name]
    return found[0] if len(found) == 1 else None


def has_doc(el):
    """A <doc:doc> child holding a non-empty <doc:description><doc:para>."""
    d = el.find(f"{{{DOC_NS}}}doc")
    if d is None:
        return False
    paras = d.findall(f"{{{DOC_NS}}}description/{{{DOC_NS}}}para")
    return any("".join(p.itertext()).strip() for p in paras)


def undocumented(iface):
    missing = [] if has_doc(iface) else ["the interface"]
    for m in iface:
        if is_doc(m) or m.tag not in MEMBER_TAGS:
            continue
        if not has_doc(m):
            missing.append(f"{m.tag} {m.get('name')}")
        for a in m.findall("arg"):
            if not has_doc(a):
                missing.append(f"{m.tag} {m.get('name')} arg {a.get('name')}")
    return missing


def check_interface(tap, name, installed_path, runtime_path):
    try:
        inst_root = ET.parse(installed_path).getroot()
    except (OSError, ET.ParseError) as e:
        tap.ok(False, f"{name}: installed XML parses", [str(e)])
        return
    ifaces = inst_root.findall("interface")
    if not tap.ok(inst_root.tag == "node" and len(ifaces) == 1 and ifaces[0].get("name") == name,
                  f"{name}: installed XML is one <node> holding just this interface",
                  [f"root <{inst_root.tag}>, interfaces {[i.get('name') for i in ifaces]}"]):
        return
    inst_iface = ifaces[0]
    extra = [c.tag for c in inst_root if not is_doc(c) and c.tag != "interface"]
    tap.ok(not extra, f"{name}: installed XML has nothing else in <node>", [f"extra: {extra}"])

    missing = undocumented(inst_iface)
    tap.ok(not missing, f"{name}: interface, every member and every argument documented",
           [f"no <doc:doc><doc:description><doc:para>: {m}" for m in missing])

    try:
        run_root = ET.parse(runtime_path).getroot()
    except (OSError, ET.ParseError) as e:
        tap.ok(False, f"{name}: runtime introspection parses", [str(e)])
        return
    run_iface = find_interface(run_root, name)
    if not tap.ok(run_iface is not None, f"{name}: runtime introspection has the interface",
                  [f"interfaces: {[i.get('name') for i in run_root.findall('interface')]}"]):
        return

    try:
        inst = strip(inst_iface)
        run = strip(run_iface)
    except ValueError as e:
        tap.ok(False, f"{name}: no stray text outside doc elements", [str(e)])
        return

    tap.ok(inst[1] == run[1], f"{name}: interface attributes", [f"installed {inst[1]}", f"runtime   {run[1]}"])
    inst_keys = [member_key(c) for c in inst[2]]
    run_keys = [member_key(c) for c in run[2]]
    tap.ok(inst_keys == run_keys, f"{name}: same members in the same order ({len(run_keys)})",
           [f"installed: {', '.join(inst_keys)}", f"runtime:   {', '.join(run_keys)}",
            f"only installed: {sorted(set(inst_keys) - set(run_keys))}",
            f"only runtime:   {sorted(set(run_keys) - set(inst_keys))}"])

    run_by_key = {member_key(c): c for c in run[2]}
    for c in inst[2]:
        key = member_key(c)
        r = run_by_key.get(key)
        if r is None:
            tap.ok(False, f"{name}: {key} arguments and annotations", ["not in the runtime introspection"])
            continue
        tap.ok(c == r, f"{name}: {key} arguments and annotations",
               ["installed:"] + describe(c) + ["runtime:"] + describe(r))


def main():
    tap = Tap()
    src = os.environ.get("MEMCRYPT_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
    with tempfile.TemporaryDirectory(prefix="memcrypt-introspect-") as tmp:
        if len(sys.argv) > 1:
            runtime_dir = sys.argv[1]
        else:
            runtime_dir = tmp
            daemon = os.environ.get("MEMCRYPTD")
            if not tap.ok(bool(daemon), "MEMCRYPTD names the built daemon"):
                return tap.finish()
            p = subprocess.run([daemon, f"--bus-introspect={tmp}"], capture_output=True, text=True,
                               timeout=60)
            tap.ok(p.returncode == 0, f"memcryptd --bus-introspect exits 0 (got {p.returncode})",
                   (p.stderr or p.stdout).splitlines()[:10])
        for name in INTERFACES:
            check_interface(tap, name, os.path.join(src, "interfaces", name + ".xml"),
                            os.path.join(runtime_dir, name + ".xml"))
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
