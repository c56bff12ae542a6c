#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The dependency graph of common/, service/ and client/ (docs/design.md, "Layers").

Usage: test-include-graph.py SOURCE_ROOT

Two kinds of edges between files: every #include "..." of a .c or .h file below those folders,
and every use of a global function or variable, to the file that defines it. A header may declare
what several sources define (gates.h, domain-job.h, probe.h, attest-internal.h), so includes alone
hide the circle of a source calling into one that calls it back through such a header; the uses
show it. A header and the source of the same name in the same folder (eval.h, eval.c) are one
unit: a circle is a path of edges from a unit back to itself, and there must be none. Each folder
belongs to a layer and may depend only on the layers it is allowed to (service never on client,
the core never on the probes, common on nothing above itself, nothing below the bus glue on it).
Every quoted include names exactly one file of the tree, or a header the build generates. Below
the bus glue (service/bus/) nothing includes <systemd/sd-bus.h> or names an sd-bus type or
function: the bus layer owns the connection and the authorization glue. Output is TAP.

The C is read as text, not compiled: comments and literals are dropped, then the top-level
statements give the definitions (a source's non-static functions and variables) and the
declarations (which are not uses). A function only a macro defines (G_DEFINE_QUARK, ctl-output.c's
COLOR) belongs to the header that declares it.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testlib import ok, done  # noqa: E402

TOPS = ("common", "service", "client")

# Headers the build writes, and the layer that owns each.
GENERATED = {
    "memcrypt-errors.h": "common",      # common/gen-errors.py from common/errors.tsv
    "build-config.h": None,             # meson's configuration header: anyone may include it
}

# The layer of a folder or of one unit (the longest prefix wins) and what each layer may use.
LAYERS = {
    "common": "common",
    "service/probe": "probe",
    "service/core": "core",
    "service/attest": "attest",
    "service/daemon": "state",          # the Context, its property values, workers, authorization
    "service/host": "state",            # following the live host
    "service/bus": "bus",               # the sd-bus glue
    "service/daemon/main": "process",   # the process: options, the loop, serving the bus
    "service/daemon/daemon": "process",
    "client": "client",
}
ALLOWED = {
    "common": {"common"},
    "probe": {"common", "probe"},
    "core": {"common", "core"},
    "attest": {"common", "probe", "core", "attest"},
    "state": {"common", "probe", "core", "attest", "state"},
    "bus": {"common", "probe", "core", "attest", "state", "bus"},
    "process": {"common", "probe", "core", "attest", "state", "bus", "process"},
    "client": {"common", "client"},
}

# Who may touch sd-bus: the bus glue and the client library. common/error-map is the error table
# as sd-bus's errno map, which both of them register (it names sd-bus's map type, nothing else).
SD_BUS_LAYERS = {"bus", "client"}
SD_BUS_FILES = {"common/error-map.c", "common/error-map.h"}
SD_BUS_INCLUDE = re.compile(r"^\s*#\s*include\s*<systemd/sd-bus[\w-]*\.h>")
SD_BUS_NAME = re.compile(r"\b(?:sd_bus\w*|SD_BUS_\w+)\b")

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
IDENT = re.compile(r"[A-Za-z_]\w*")


def layer(path):
    u = unit(path)
    best = max((p for p in LAYERS if u == p or path.startswith(p + "/")), key=len, default=None)
    return LAYERS[best] if best else None


def unit(path):
    return os.path.splitext(path)[0]


def sources(root):
    found = {}
    for top in TOPS:
        for d, dirs, files in os.walk(os.path.join(root, top)):
            dirs.sort()
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    path = os.path.join(d, f)
                    with open(path, encoding="utf-8") as fh:
                        found[os.path.relpath(path, root)] = fh.read()
    return found


# --- C as text ---------------------------------------------------------------------------------

def strip_c(text):
    """TEXT without comments and with the insides of string and character literals dropped;
    newlines are kept, so line numbers stay right."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(" " + "\n" * text.count("\n", i, j))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split_directives(code):
    """(CODE with its preprocessor lines blanked, the directives' text but #include lines). What
    only a C++ compiler sees (#ifdef __cplusplus ... #endif: extern "C" { and its brace) goes."""
    body, directives = [], []
    lines = code.split("\n")
    k = 0
    while k < len(lines):
        block = [lines[k]]
        if re.match(r"\s*#\s*ifdef\s+__cplusplus\b", lines[k]):
            while k + 1 < len(lines) and not re.match(r"\s*#\s*endif\b", block[-1]):
                k += 1
                block.append(lines[k])
            body.extend([""] * len(block))
        elif lines[k].lstrip().startswith("#"):
            while block[-1].endswith("\\") and k + 1 < len(lines):
                k += 1
                block.append(lines[k])
            if not re.match(r"\s*#\s*include\b", block[0]):
                directives.append("\n".join(block))
            body.extend([""] * len(block))
        else:
            body.append(lines[k])
        k += 1
    return "\n".join(body), "\n".join(directives)


def matching(s, at, open_, close, step):
    depth = 0
    k = at
    while 0 <= k < len(s):
        if s[k] == open_:
            depth += 1
        elif s[k] == close:
            depth -= 1
            if depth == 0:
                return k
        k += step
    return -1


def blank_braces(s):
    """S with the inside of every outermost {...} blanked (same length)."""
    out, depth = [], 0
    for ch in s:
        if ch == "}":
            depth -= 1
        out.append(ch if depth == 0 or ch == "\n" else " ")
        if ch == "{":
            depth += 1
    return "".join(out)


def statements(code):
    """The top-level statements of CODE: (head, where the head starts, what follows it), where
    what follows is 'body' (a function's), 'init' (an initializer) or 'decl' (a ';'); and where
    the bodies of structs, unions and enums are (which are part of their statement's head)."""
    out, types, start, i, n, paren = [], [], 0, 0, len(code), 0
    while i < n:
        c = code[i]
        if c == "(":
            paren += 1
        elif c == ")":
            paren -= 1
        elif paren == 0 and c in ";{=":
            head = code[start:i]
            if c == "{" and re.search(r"\b(struct|union|enum)\b(\s+\w+)?\s*$", head):
                end = max(matching(code, i, "{", "}", 1), i)
                types.append((i, end))
                i = end + 1
                continue
            kind = {"{": "body", "=": "init", ";": "decl"}[c]
            if head.strip():
                out.append((blank_braces(head), start, kind))
            if c == "{":
                i = matching(code, i, "{", "}", 1)
            elif c == "=":
                while 0 <= i < n and code[i] != ";":
                    i = matching(code, i, "{", "}", 1) + 1 if code[i] == "{" else i + 1
            if not 0 <= i < n:
                break
            start = i + 1
        i += 1
    return out, types


def declared(head):
    """(name, its offset in HEAD, is a function) for the object a top-level statement declares or
    defines; None when it declares none (a type, a macro's invocation)."""
    s = head.rstrip()
    while s.endswith(")"):
        open_ = matching(s, len(s) - 1, ")", "(", -1)
        m = re.search(r"([A-Za-z_]\w*)\s*$", s[:open_]) if open_ >= 0 else None
        if not m:
            return None
        if m.group(1).startswith("G_GNUC") or m.group(1) == "__attribute__":
            s = s[:m.start()].rstrip()
            continue
        return m.group(1), m.start(), True
    s = re.sub(r"(\[[^\]]*\]\s*)+$", "", s)
    m = re.search(r"([A-Za-z_]\w*)\s*$", s)
    if not m or re.match(r"\s*(typedef|struct|union|enum)\b", s):
        return None
    return m.group(1), m.start(), False


def symbols(path, text):
    """What one file defines (a source's non-static functions and variables), declares (a
    header's functions) and uses (every other identifier but a member's name)."""
    code, directives = split_directives(strip_c(text))
    defines, declares, skip = set(), set(), set()
    found, types = statements(code)
    # A member's name is no use of a function of that name.
    for begin, end in types:
        code = code[:begin] + blank_braces(code[begin:end + 1]) + code[end + 1:]
    for head, at, kind in found:
        d = declared(head)
        if not d:
            continue
        name, pos, function = d
        skip.add(at + pos)
        qualifiers = head[:pos][head[:pos].rfind(")") + 1:]
        if re.search(r"\b(static|typedef)\b", qualifiers):
            continue
        if path.endswith(".h") and kind == "decl" and function:
            declares.add(name)
        elif path.endswith(".c") and kind != "decl" and (kind == "body") == function and "extern" not in qualifiers:
            defines.add(name)
    uses = set(IDENT.findall(directives))
    for m in IDENT.finditer(code):
        k = m.start() - 1
        while k >= 0 and code[k] in " \t\n":
            k -= 1
        if m.start() not in skip and not (k >= 0 and (code[k] == "." or code[k - 1:k + 1] == "->")):
            uses.add(m.group(0))
    return defines, declares, uses


# --- the graph ---------------------------------------------------------------------------------

def graph(files):
    """The edges between units of FILES ({path: text}): {unit: {unit: why}}, and what is wrong:
    (unresolved includes, ambiguous includes, refused edges)."""
    by_suffix = {}
    for f in files:
        parts = f.split("/")
        for i in range(len(parts)):
            by_suffix.setdefault("/".join(parts[i:]), []).append(f)

    unresolved, ambiguous, refused = [], [], []
    edges = {unit(f): {} for f in files}

    def edge(f, target, why, where):
        if layer(target) not in ALLOWED[layer(f)]:
            refused.append(f"{where}: {layer(f)} {why} ({layer(target)})")
        if unit(target) != unit(f):
            edges[unit(f)].setdefault(unit(target), why)

    for f, text in files.items():
        for n, line in enumerate(text.split("\n"), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            name = m.group(1)
            targets = by_suffix.get(name, [])
            if not targets:
                if name in GENERATED:
                    owner = GENERATED[name]
                    if owner and owner not in ALLOWED[layer(f)]:
                        refused.append(f"{f}:{n}: {layer(f)} includes {name} ({owner})")
                else:
                    unresolved.append(f"{f}:{n}: {name}")
            elif len(targets) > 1:
                ambiguous.append(f"{f}:{n}: {name} is {', '.join(targets)}")
            else:
                edge(f, targets[0], f"includes {targets[0]}", f"{f}:{n}")

    defined, declared_in, used = {}, {}, {}
    for f, text in files.items():
        defines, declares, used[f] = symbols(f, text)
        for name in defines:
            defined.setdefault(name, []).append(f)
        for name in declares:
            declared_in.setdefault(name, []).append(f)
    for f in files:
        for name in sorted(used[f]):
            owners = defined.get(name) or declared_in.get(name) or []
            # Two programs may each define a name (main): a file uses the one it may reach.
            reachable = [o for o in owners if layer(o) in ALLOWED[layer(f)]] or owners[:1]
            for owner in reachable:
                edge(f, owner, f"uses {name}() of {owner}", f)
    return edges, (unresolved, ambiguous, sorted(set(refused)))


def cycles(edges):
    """The strongly connected components of more than one node (Tarjan), each as one cycle through
    it (a list of nodes, first = last), sorted."""
    index, low, stack, on, comps = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)

    result = []
    for comp in comps:
        start = min(comp)
        # The shortest way back to START inside the component (breadth first).
        prev, queue, back = {start: None}, [start], None
        while queue and back is None:
            v = queue.pop(0)
            for w in sorted(edges.get(v, ())):
                if w == start:
                    back = v
                    break
                if w in comp and w not in prev:
                    prev[w] = v
                    queue.append(w)
        chain, node = [], back
        while node is not None:     # back, ..., start
            chain.append(node)
            node = prev[node]
        result.append(chain[::-1] + [start])
    return sorted(result)


def describe(cycle, edges):
    return " -> ".join([cycle[0]] + [f"{b} ({edges[a][b]})" for a, b in zip(cycle, cycle[1:])])


def sd_bus_uses(files):
    """Where a file below the bus glue includes sd-bus or names an sd-bus type or function."""
    found = []
    for f, text in files.items():
        if layer(f) in SD_BUS_LAYERS or f in SD_BUS_FILES:
            continue
        for n, (raw, code) in enumerate(zip(text.split("\n"), strip_c(text).split("\n")), 1):
            m = SD_BUS_INCLUDE.match(raw) or SD_BUS_NAME.search(code)
            if m:
                found.append(f"{f}:{n}: {layer(f)} uses {m.group(0).strip()}")
    return found


def main():
    root = os.path.abspath(sys.argv[1])

    # The parts on inputs whose answer is known.
    ok(cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
       and cycles({"a": {"b"}, "b": set()}) == [],
       "the circle finder finds a -> b -> c -> a and nothing in a -> b")
    # gates.h declares what gates.c and verdict.c define; verdict.c calls a gate through it, the
    # gate calls back verdict_note(): no include shows the circle, the uses do. other.c only names
    # gate_run() where it is no use: a member, a comment, a string.
    hidden = {
        "service/core/gates.h": "#pragma once\nvoid gate_run(int x);\nvoid verdict_note(const char *s);\n",
        "service/core/gates.c": '#include "gates.h"\nvoid gate_run(int x) { verdict_note("x"); }\n',
        "service/core/verdict.c": '#include "gates.h"\nstatic int verdict_new(void) { gate_run(1); return 0; }\n'
                                  "void verdict_note(const char *s) { }\n",
        "service/core/other.c": "static const struct { void (*gate_run)(int); } t[] = {{ .gate_run = 0 }};\n"
                                '/* gate_run() */ static const char *s = "gate_run()";\n'
                                "int other(void) { return t[0].gate_run != 0; }\n",
    }
    edges, _ = graph(hidden)
    ok(cycles(edges) == [["service/core/gates", "service/core/verdict", "service/core/gates"]]
       and not edges["service/core/other"]
       and symbols("service/core/verdict.c", hidden["service/core/verdict.c"])[0] == {"verdict_note"},
       "a circle through a header that declares the functions of two sources is found; static functions, "
       "members, comments and strings are no uses or definitions", [repr(edges)])
    planted = {
        "service/core/a.c": "#include <systemd/sd-bus.h>\n/* an sd_bus_message in a comment */\n"
                            'static const char *s = "sd_bus_error";\n',
        "service/host/b.c": "static void f(sd_bus_message *m) {}\n",
        "service/bus/c.c": "#include <systemd/sd-bus.h>\nstatic sd_bus *bus;\n",
    }
    ok(sd_bus_uses(planted) == ["service/core/a.c:1: core uses #include <systemd/sd-bus.h>",
                                "service/host/b.c:1: state uses sd_bus_message"],
       "the sd-bus check finds an include and a type below the bus glue, not comments, strings or the glue",
       sd_bus_uses(planted))

    files = sources(root)
    ok(len(files) > 100, f"common/, service/ and client/ hold C files ({len(files)})")
    edges, (unresolved, ambiguous, refused) = graph(files)
    ok(not unresolved, "every quoted include names a file of the tree or a generated header", unresolved)
    ok(not ambiguous, "no quoted include could name two files", ambiguous)
    ok(not refused, "each layer includes and uses only the layers below it (no service -> client, no core -> "
       "probe, nothing below the bus glue on it, common on nothing above it)", refused)
    found = cycles(edges)
    ok(not found, f"no circle of includes and uses between units (header + source of one name) among {len(edges)}",
       [describe(c, edges) for c in found])
    bus_free = sum(1 for f in files if layer(f) not in SD_BUS_LAYERS and f not in SD_BUS_FILES)
    ok(not sd_bus_uses(files), f"below the bus glue no file includes sd-bus or names an sd-bus type ({bus_free} files)",
       sd_bus_uses(files))
    return done()


if __name__ == "__main__":
    sys.exit(main())
