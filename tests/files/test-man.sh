#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The built man pages: each is clean under `mandoc -T lint -W warning` (no
# warning, error or unsupported macro; style notes do not count), renders with
# `man -l` into text with its NAME section, and every page another page names
# in SEE ALSO among ours exists. Output is TAP.
#
# Usage: test-man.sh PAGE...
set -uo pipefail
. "$(dirname "$0")/../tap.sh"

[ $# -gt 0 ] || { echo "1..0 # SKIP man pages not built (no scdoc, or -Dman=disabled)"; exit 0; }

ours=()
for page in "$@"; do ours+=("$(basename "$page")"); done

for page in "$@"; do
        name=$(basename "$page")
        if command -v mandoc >/dev/null; then
                out=$(mandoc -T lint -W warning "$page" 2>&1)
                if [ -z "$out" ]; then ok "$name: mandoc -T lint -W warning reports nothing"
                else fail "$name: mandoc -T lint -W warning reports nothing"; sed 's/^/# /' <<<"$out"; fi
        else
                skip "$name: mandoc -T lint" "no mandoc"
        fi
        if command -v man >/dev/null; then
                text=$(MANWIDTH=80 man -l "$page" 2>&1)
                rc=$?
                if [ "$rc" = 0 ] && grep -qx 'NAME' <<<"$text"; then
                        ok "$name: man -l renders it with a NAME section"
                else
                        fail "$name: man -l renders it with a NAME section"
                        echo "# man -l exit $rc:"; head -20 <<<"$text" | sed 's/^/# /'
                fi
        else
                skip "$name: man -l" "no man"
        fi
        # Cross references to our own pages (memcrypt*, libmemcrypt, org.memcrypt1) must exist.
        missing=""
        for ref in $(sed 's/\\&//g' "$page" |
                     grep -o '\\fB\(memcrypt[a-z.]*\|libmemcrypt\|org\.memcrypt1\)\\fR([0-9])' |
                     sed 's/\\fB\(.*\)\\fR(\([0-9]\))/\1.\2/' | sort -u); do
                printf '%s\n' "${ours[@]}" | grep -qxF "$ref" || missing+=" $ref"
        done
        if [ -z "$missing" ]; then ok "$name: every page of ours it names exists"
        else fail "$name: every page of ours it names exists"; echo "# missing:$missing"; fi
done
tap_done
