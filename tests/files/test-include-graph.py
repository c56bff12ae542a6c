#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The include graph of common/, service/ and client/ (docs/design.md, "Layers").

Usage: test-include-graph.py SOURCE_ROOT

Every #include "..." of a .c or .h file below those folders is an edge. A header and the source
of the same name in the same folder (eval.h, eval.c) are one unit: a circle is a path of edges
from a unit back to itself, and there must be none. Each folder belongs to a layer and may include
only the layers it is allowed to (service never includes client, the core never the probes,
common nothing above itself). Every quoted include names exactly one file of the tree, or a header
the build generates. Output is TAP.
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

# The layer of a folder (the longest prefix wins) and what each layer may include.
LAYERS = {
    "common": "common",
    "service/probe": "probe",
    "service/core": "core",
    "service/attest": "attest",
    "service": "service",               # service/daemon, service/host, service/bus
    "client": "client",
}
ALLOWED = {
    "common": {"common"},
    "probe": {"common", "probe"},
    "core": {"common", "core"},
    "attest": {"common", "probe", "core", "attest"},
    "service": {"common", "probe", "core", "attest", "service"},
    "client": {"common", "client"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer(path):
    best = max((p for p in LAYERS if path == p or path.startswith(p + "/")), key=len, default=None)
    return LAYERS[best] if best else None


def unit(path):
    return os.path.splitext(path)[0]


def sources(root):
    found = []
    for top in TOPS:
        for d, dirs, files in os.walk(os.path.join(root, top)):
            dirs.sort()
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    found.append(os.path.relpath(os.path.join(d, f), root))
    return found


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


def main():
    root = os.path.abspath(sys.argv[1])

    # The cycle finder itself, on a graph whose answer is known.
    ok(cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
       and cycles({"a": {"b"}, "b": set()}) == [],
       "the circle finder finds a -> b -> c -> a and nothing in a -> b")

    files = sources(root)
    ok(len(files) > 100, f"common/, service/ and client/ hold C files ({len(files)})")
    by_suffix = {}
    for f in files:
        parts = f.split("/")
        for i in range(len(parts)):
            by_suffix.setdefault("/".join(parts[i:]), []).append(f)

    unresolved, ambiguous, refused = [], [], []
    edges = {unit(f): set() for f in files}
    for f in files:
        with open(os.path.join(root, f), encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
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
                    continue
                if len(targets) > 1:
                    ambiguous.append(f"{f}:{n}: {name} is {', '.join(targets)}")
                    continue
                target = targets[0]
                if layer(target) not in ALLOWED[layer(f)]:
                    refused.append(f"{f}:{n}: {layer(f)} includes {target} ({layer(target)})")
                if unit(target) != unit(f):
                    edges[unit(f)].add(unit(target))

    ok(not unresolved, "every quoted include names a file of the tree or a generated header", unresolved)
    ok(not ambiguous, "no quoted include could name two files", ambiguous)
    ok(not refused, "each layer includes only the layers below it (no service -> client, no core -> probe, "
       "common includes nothing above it)", refused)
    found = cycles(edges)
    ok(not found, f"no include circle between units (header + source of one name) among {len(edges)}",
       [" -> ".join(c) for c in found])
    return done()


if __name__ == "__main__":
    sys.exit(main())
