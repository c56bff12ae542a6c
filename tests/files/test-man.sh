#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The built man pages: each is clean under `mandoc -T lint -W warning` (no
# warning, error or unsupported macro; style notes do not count), renders with
# `man -l` into text with its NAME section, and every page another page names
# in SEE ALSO among ours exists. Output is TAP.
#
# With --help-of=PAGE=COMMAND... (before the pages), every long option the
# COMMAND's --help names must appear in the rendered PAGE (memcryptd's options
# in memcryptd(8), memcryptctl's in memcryptctl(1)), so a new option is
# documented or the test says which.
#
# Usage: test-man.sh [--help-of=PAGE=COMMAND...]... PAGE...
set -uo pipefail
. "$(dirname "$0")/../tap.sh"

declare -A help_of=()
while [[ ${1-} == --help-of=* ]]; do
        spec=${1#--help-of=}
        help_of[${spec%%=*}]+="${spec#*=};"
        shift
done

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
        # Every option of the command's help is in the page.
        if [ -n "${help_of[$name]-}" ] && command -v man >/dev/null; then
                text=$(MANWIDTH=250 man -l "$page" 2>/dev/null)
                missing=""
                IFS=';' read -ra commands <<<"${help_of[$name]}"
                for cmd in "${commands[@]}"; do
                        for o in $($cmd --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u); do
                                grep -q -- "$o\b" <<<"$text" || missing+=" $o"
                        done
                done
                if [ -z "$missing" ]; then ok "$name: documents every option its command's --help names"
                else fail "$name: documents every option its command's --help names"; echo "# missing:$missing"; fi
        fi
        # Cross references to our own pages (memcrypt*, libmemcrypt, org.memcrypt1) must exist.
        missing=""
        for ref in $(sed 's/\\&//g' "$page" |
                     grep -o '\\fB\(memcrypt[a-z.]*\|libmemcrypt\|org\.memcrypt1\)\\fR([0-9])' |
                     sed 's/\\fB\(.*\)\\fR(\([0-9]\))/\1.\2/' | sort -u); do
                grep -qxF -- "$ref" <<<"$(printf '%s\n' "${ours[@]}")" || missing+=" $ref"
        done
        if [ -z "$missing" ]; then ok "$name: every page of ours it names exists"
        else fail "$name: every page of ours it names exists"; echo "# missing:$missing"; fi
done
tap_done
