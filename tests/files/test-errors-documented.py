#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every row of common/errors.tsv is documented with its errno: org.memcrypt1(5) lists
'*Name* (ERRNO)' and libmemcrypt(3)'s table 'Name' then 'ERRNO'; and neither page names an
org.memcrypt1 error that the table lacks. A new error is one row plus these two entries."""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from testlib import ok, done  # noqa: E402

root = os.environ.get('MEMCRYPT_SOURCE_ROOT') or os.path.join(os.path.dirname(__file__), '..', '..')
rows = []
with open(os.path.join(root, 'common', 'errors.tsv')) as f:
    rows = [line.split() for line in f if line.strip() and not line.startswith('#')]
with open(os.path.join(root, 'man', 'org.memcrypt1.5.scd')) as f:
    bus_page = f.read()
with open(os.path.join(root, 'man', 'libmemcrypt.3.scd')) as f:
    lib_page = f.read()

ok(len(rows) >= 16, 'errors.tsv has the 16 published errors or more', ['%d rows' % len(rows)])
for _, name, errno in rows:
    ok(re.search(r'\*%s\*[^\n]*?\(%s\)' % (name, errno), bus_page) is not None,
       'org.memcrypt1(5) documents %s (%s)' % (name, errno))
    ok(re.search(r'\|\s+%s\n:\s+%s\n' % (name, errno), lib_page) is not None,
       'libmemcrypt(3) documents %s (%s)' % (name, errno))
known = {name for _, name, _ in rows}
for page, text in (('org.memcrypt1(5)', bus_page), ('libmemcrypt(3)', lib_page)):
    named = set(re.findall(r'org\.memcrypt1\.Error\.([A-Za-z]+)', text))
    ok(named <= known, '%s names no error outside errors.tsv' % page, sorted(named - known))
sys.exit(done())
