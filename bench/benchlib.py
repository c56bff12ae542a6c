# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared by the python benchmarks (events.py, expected.py, guests.py, load.py, stall.py, summary.py):
importing it puts the integration harness (tests/integration) on the path; option() reads
--NAME=VALUE; build_dir() finds the build to measure; proc_status_kib() reads memory figures of a
process; print_table() prints the figures with their goals."""

import os
import sys

SOURCE_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
sys.path.insert(0, os.path.join(SOURCE_ROOT, 'tests', 'integration'))
os.environ.setdefault('MEMCRYPT_SOURCE_ROOT', SOURCE_ROOT)


def option(name, default):
    """--NAME=VALUE from the command line, of DEFAULT's type; DEFAULT when it is not given."""
    for a in sys.argv[1:]:
        if a.startswith('--%s=' % name):
            return type(default)(a.split('=', 1)[1])
    return default


def build_dir():
    """The build to measure: the first argument that is not an option, else SOURCE_ROOT/build.
    MEMCRYPTD defaults to its daemon."""
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    build = os.path.abspath(args[0] if args else os.path.join(SOURCE_ROOT, 'build'))
    os.environ.setdefault('MEMCRYPTD', os.path.join(build, 'service', 'memcryptd'))
    return build


def print_table(rows):
    """ROWS of (figure, value, reference, ratio, goal) as one table, then how many goals they miss."""
    head = ('figure', 'value', 'reference (same run)', 'ratio', 'goal')
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(5)]
    line = lambda cells: '| ' + ' | '.join(str(c).ljust(w) for c, w in zip(cells, widths)) + ' |'
    print(line(head))
    print('|' + '|'.join('-' * (w + 2) for w in widths) + '|')
    for r in rows:
        print(line(r))
    print('\n%d figures, %d goals missed' % (len(rows), sum(1 for r in rows if 'MISS' in r[4])))


def proc_status_kib(pid, *keys):
    """{KEY: KiB} of /proc/PID/status for each of KEYS (VmRSS, VmHWM, RssAnon, ...)."""
    out = {}
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            key = line.split(':', 1)[0]
            if key in keys:
                out[key] = int(line.split()[1])
    return out
