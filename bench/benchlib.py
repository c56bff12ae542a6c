# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared by the python benchmarks (events.py, guests.py, load.py): importing it puts the
integration harness (tests/integration) on the path; option() reads --NAME=VALUE; proc_status_kib()
reads memory figures of a process."""

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


def proc_status_kib(pid, *keys):
    """{KEY: KiB} of /proc/PID/status for each of KEYS (VmRSS, VmHWM, RssAnon, ...)."""
    out = {}
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            key = line.split(':', 1)[0]
            if key in keys:
                out[key] = int(line.split()[1])
    return out
