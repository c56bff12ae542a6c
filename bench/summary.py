#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""One table of every benchmark's figures, for bench/run: figure, its value, the reference
measured in the same run, the ratio, and the goal (with ok/MISS where the benchmark judges it).

Reads what bench/run saved in OUTPUT_DIR: bench-probe.txt, bench-domain.txt, bench-bus.txt,
events.txt, bench-measure.txt, guests.txt, stall.txt (their own tables, unchanged) and load.json (bench/load.py --json). A file that is
missing or whose table cannot be read gives a row saying so, never a silent gap.

Usage: bench/summary.py OUTPUT_DIR"""

import json
import os
import re
import sys

from benchlib import print_table

ROWS = []       # (figure, value, reference, ratio, goal)


def row(figure, value, reference='-', ratio='-', goal='-'):
    ROWS.append((figure, value, reference, ratio, goal))


def read(out_dir, name):
    try:
        with open(os.path.join(out_dir, name), errors='replace') as f:
            return f.read()
    except OSError:
        row('%s: no output' % name, '-', goal='did not run')
        return None


def tables(text):
    """Every markdown table in TEXT as a list of {header: cell} rows."""
    out, header, rows = [], None, []
    for line in text.split('\n') + ['']:
        line = line.strip()
        if line.startswith('|') and line.endswith('|'):
            cells = [c.strip() for c in line[1:-1].split('|')]
            if header is None:
                header = cells
            elif not all(re.fullmatch(r':?-+:?', c) for c in cells):
                rows.append(dict(zip(header, cells)))
            continue
        if header is not None:
            out.append(rows)
        header, rows = None, []
    return out


def num(text):
    m = re.search(r'-?[\d.]+', text or '')
    return float(m.group(0)) if m else None


def probe(text):
    for t in tables(text):
        ref = next((r for r in t if r.get('figure (µs)', '').startswith('reference')), None)
        if not ref:
            continue
        refs = 'read /proc/cpuinfo: %s µs' % ref['p50']
        for r in t:
            if r is ref:
                continue
            row(r['figure (µs)'], 'p50 %s µs, p99 %s µs' % (r['p50'], r['p99']), refs,
                r['vs ref'].replace('x', '×'), r['goal'] + ' (p99)')
        return
    row('bench-probe: table not found', '-')


def domain(text):
    for t in tables(text):
        ref = next((r for r in t if r.get('operation', '').startswith('reference')), None)
        if not ref:
            continue
        refs = 'parse + format: %s µs' % ref['p50 µs']
        for r in t:
            if r is ref or r['operation'].startswith('of which'):
                continue
            row('in-process: %s' % r['operation'], 'p50 %s µs, %s/s' % (r['p50 µs'], r['ops/s']), refs,
                r['p50 ×ref'], r['goal'])
        return
    row('bench-domain: table not found', '-')


def bus(text):
    found = False
    for t in tables(text):
        if t and 'clients' in t[0]:
            found = True
            ping, last = {}, ''
            for r in t:
                op, n = r['operation'], r['clients']
                if op.startswith('Peer.Ping'):
                    ping[n] = r['p50 µs']
                    continue
                name = '%s: %s' % (last, op.strip()) if op.startswith('same,') else op
                last = op if not op.startswith('same,') else last
                row('bus, %s client%s: %s' % (n, '' if n == '1' else 's', name),
                    'p50 %s µs, %s calls/s' % (r['p50 µs'], r['calls/s']),
                    'Peer.Ping: %s µs' % ping.get(n, '?'), r['p50 ×Ping'], r['goal'])
        elif t and 'start-up and memory' in t[0]:
            found = True
            ref = next((r for r in t if r['start-up and memory'].startswith('reference')), None)
            for r in t:
                if r is ref:
                    continue
                what = r['start-up and memory']
                m = re.search(r'([\d.]+)× reference', r['detail'])
                if what.startswith('start-up') and ref:
                    row('bus: ' + what, r['p50'], 'exec --version: %s' % ref['p50'],
                        m.group(1) + '×' if m else '-', r['goal'])
                else:
                    row('bus: ' + what, r['p50'], '-', '-', r['goal'])
    m = re.search(r'ConfigureDomain p50 over its echo floor.*?: ([\d.]+)× with 1 client, ([\d.]+)× with 16', text)
    if m:
        row('bus: ConfigureDomain over its echo floor', '1 client %s×, 16 clients %s×' % m.groups(),
            'echo floor (same bytes, no work)', '%s×' % m.group(1), '-')
    if not found:
        row('bench-bus: tables not found', '-')


def events(text):
    ping = re.search(r'reference: Peer\.Ping round trip\s+p50\s+([\d.]+) ms', text)
    for m in re.finditer(r'^(domain \w+ -> PropertiesChanged)\s+p50\s+([\d.]+) ms\s+p99\s+([\d.]+) ms.*?'
                         r'\(([\d.]+)x Ping p50\)', text, re.M):
        what, p50, p99, ratio = m.groups()
        row('events: ' + what, 'p50 %s ms, p99 %s ms' % (p50, p99),
            'Peer.Ping: %s ms' % ping.group(1) if ping else '-', ratio + '×',
            'p99 < 50 ms %s' % ('ok' if float(p99) < 50 else 'MISS'))
    m = re.search(r'memcryptd VmRSS after (.*) \(([+-]\d+) KiB from (\d+) to (\d+)\)', text)
    if m:
        row('events: VmRSS from %s to %s refreshes' % (m.group(3), m.group(4)), '%s KiB' % m.group(2),
            m.group(1).split(',')[0], '-', 'flat once warm')
    elif 'refresh memory: skipped' in text:
        row('events: VmRSS over refreshes', 'skipped (needs root)')
    if not ping:
        row('events.py: figures not found', '-')


def measure(text):
    for t in tables(text):
        if not t or 'measurement' not in t[0]:
            continue
        for r in t:
            row('measure: ' + r['measurement'], 'p50 %s ms' % r['p50 ms'],
                '%s: %s ms' % (r['floor (same bytes, same run)'], r['floor ms']), r['ratio'], r['goal'])
        return
    row('bench-measure: table not found', '-')


def expected(text):
    """bench/expected.py's table: a repeat for unchanged files (the cache) against Peer.Ping."""
    t = next(t for t in tables(text) if t and 'call' in t[0])
    repeat = next(r for r in t if r['call'].startswith('repeat'))
    ping = next(r for r in t if r['call'].startswith('Peer.Ping'))
    first = next(r for r in t if r['call'].startswith('first'))
    row('expected measurement: repeat, unchanged files (cache)', 'p50 %s ms, p99 %s ms' % (
        repeat['p50 ms'], repeat['p99 ms']), 'Peer.Ping: %s ms' % ping['p50 ms'], repeat['vs Ping p50'],
        '< 1 ms %s' % repeat['goal'])
    row('expected measurement: first call (64 MiB kernel hashed)', '%s ms' % first['p50 ms'], '-', '-', '-')


def load(text):
    d = json.loads(text)
    ping = next((k for k in d['kinds'] if k['kind'].startswith('Peer.Ping')), None)
    for k in d['kinds']:
        if k is ping:
            continue
        row('load, %d clients: %s' % (d['clients'], k['kind']),
            'p50 %.2f ms, p99 %.2f ms, %.0f/s' % (k['p50_us'] / 1000, k['p99_us'] / 1000, k['per_s']),
            'Peer.Ping: %.2f ms' % (ping['p50_us'] / 1000) if ping else '-',
            '%.2f×' % (k['p50_us'] / ping['p50_us']) if ping else '-',
            '0 unexpected %s' % ('ok' if k['unexpected'] == 0 else 'MISS (%d)' % k['unexpected']))
    row('load, %d clients: all calls for %.0f s' % (d['clients'], d['seconds']), '%.0f calls/s' % d['per_s'],
        '-', '-', '0 unexpected %s' % ('ok' if d['unexpected'] == 0 else 'MISS (%d)' % d['unexpected']))
    row('load: memcryptd VmRSS before / after', '%.1f / %.1f MiB' % (d['rss_before_kib'] / 1024,
                                                                   d['rss_after_kib'] / 1024),
        'before: %.1f MiB' % (d['rss_before_kib'] / 1024), '%.2f×' % (d['rss_after_kib'] / d['rss_before_kib']),
        '-')


def stall(text):
    """bench/stall.py's table: Ping p99 and max under each attack against idle Ping."""
    t = next(t for t in tables(text) if t and 'attack' in t[0])
    idle = t[0]
    for r in t[1:]:
        ratio = num(r['p99 ms']) / num(idle['p99 ms']) if num(idle['p99 ms']) else float('nan')
        row('Ping p99 / max (ms) under ' + r['attack'], '%s / %s' % (r['p99 ms'], r['max ms']),
            'idle p99 %s ms' % idle['p99 ms'], '%.1fx' % ratio,
            'p99 <= 50, max <= 250, RSS <= 128 MiB (%s MiB): %s' % (r['peak RSS MiB'], r['goal']))


def guests(text):
    """bench/guests.py's table already has this table's columns, goals judged: taken as it is."""
    t = next(t for t in tables(text) if t and 'figure' in t[0] and 'goal' in t[0])
    for r in t:
        row(r['figure'], r['value'], r['reference (same run)'], r['ratio'], r['goal'])


def main():
    out_dir = sys.argv[1]
    for name, fn in (('bench-probe.txt', probe), ('bench-domain.txt', domain), ('bench-bus.txt', bus),
                     ('events.txt', events), ('bench-measure.txt', measure), ('expected.txt', expected),
                     ('guests.txt', guests),
                     ('stall.txt', stall),
                     ('load.json', load)):
        text = read(out_dir, name)
        if text is None:
            continue
        try:
            fn(text)
        except (KeyError, ValueError, TypeError, AttributeError) as e:
            row('%s: cannot read its figures (%s)' % (name, e), '-')
    print_table(ROWS)


if __name__ == '__main__':
    main()
