#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes memcrypt-errors.h from errors.tsv: gen-errors.py errors.tsv OUTPUT."""

import re
import sys

rows = []
with open(sys.argv[1]) as f:
    for n, line in enumerate(f, 1):
        if not line.strip() or line.startswith('#'):
            continue
        fields = line.split()
        if len(fields) != 3 or not re.fullmatch(r'[A-Z][A-Z_]*', fields[0]) or \
                not re.fullmatch(r'[A-Z][A-Za-z]*', fields[1]) or not re.fullmatch(r'E[A-Z]+', fields[2]):
            sys.exit('%s:%d: want ENUM Name ERRNO, got %r' % (sys.argv[1], n, line.strip()))
        rows.append(fields)
for column in (0, 1):
    names = [r[column] for r in rows]
    if len(set(names)) != len(names):
        sys.exit('%s: a name is listed twice' % sys.argv[1])

width = max(len(r[0]) for r in rows) + len('MEMCRYPT_ERROR_') + 1
out = ['/* SPDX-License-Identifier: LGPL-2.1-or-later */',
       '/* Generated from common/errors.tsv by common/gen-errors.py: do not edit. */',
       '#pragma once',
       '',
       '/* Error names of the service (org.memcrypt1(5), ERRORS). */',
       '#define MEMCRYPT_ERROR_PREFIX "org.memcrypt1.Error."']
out += ['#define %-*s "org.memcrypt1.Error.%s"' % (width, 'MEMCRYPT_ERROR_' + e, name) for e, name, _ in rows]
out += ['',
        '/* X(ENUM, "Name", ERRNO) for each error, in the table\'s order (errno.h names the errnos). */',
        '#define MEMCRYPT_ERROR_TABLE(X) \\']
out += ['        X(%s, "%s", %s)%s' % (e, name, errno, ' \\' if i < len(rows) - 1 else '')
        for i, (e, name, errno) in enumerate(rows)]
with open(sys.argv[2], 'w') as f:
    f.write('\n'.join(out) + '\n')
