#!/bin/bash
# The report of every fixture host, as memcryptd --dump prints it in each format, is the one recorded
# in tests/fixtures/dumps. Refactoring must not change a byte of it (issue 14: "no behaviour
# changes"); a change that means to alter the report updates the recordings in the same commit:
#
#       MEMCRYPT_UPDATE_DUMPS=1 meson test -C build test-dumps.sh
#
# The refresh timestamp is the one line that differs from run to run; it is left out. The report's
# "root" names the checkout the test runs in; it is recorded as @HOSTS@/HOST.
set -uo pipefail

: "${MEMCRYPTD:?run through meson test}" "${MEMCRYPT_HOSTS_DIR:?}" "${MEMCRYPT_SOURCE_ROOT:?}"
# shellcheck shell=bash source=tests/tap.sh
. "$(dirname "$0")/tap.sh"

recorded=$MEMCRYPT_SOURCE_ROOT/tests/fixtures/dumps
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

dump() {  # HOST FORMAT: the report without its timestamp, the hosts' directory as @HOSTS@
        "$MEMCRYPTD" --root="$MEMCRYPT_HOSTS_DIR/$1" --dump="$2" |
                grep -v '^memcrypt_last_refresh_timestamp_seconds ' | sed "s|\"$MEMCRYPT_HOSTS_DIR/|\"@HOSTS@/|g"
}

hosts=0
for dir in "$MEMCRYPT_HOSTS_DIR"/*/; do
        host=$(basename "$dir")
        hosts=$((hosts + 1))
        for format in json prometheus nfd; do
                want=$recorded/$host.$format
                if ! dump "$host" "$format" >"$tmp/got"; then
                        fail "$host $format: memcryptd --dump failed"
                        continue
                fi
                if [ -n "${MEMCRYPT_UPDATE_DUMPS:-}" ]; then
                        cp "$tmp/got" "$want"
                fi
                if [ ! -s "$want" ]; then
                        fail "$host $format: nothing recorded in ${want#"$MEMCRYPT_SOURCE_ROOT"/}"
                elif diff -u "$want" "$tmp/got" >"$tmp/diff"; then
                        ok "$host $format is as recorded"
                else
                        fail "$host $format differs from ${want#"$MEMCRYPT_SOURCE_ROOT"/}"
                        sed 's/^/# /' "$tmp/diff" | head -40
                fi
        done
done
# Every recording belongs to a host that still exists: a renamed host must not leave stale files.
for want in "$recorded"/*.json "$recorded"/*.prometheus "$recorded"/*.nfd; do
        host=$(basename "${want%.*}")
        check "recording $(basename "$want") has its host" test -d "$MEMCRYPT_HOSTS_DIR/$host"
done
check "there are fixture hosts" test "$hosts" -gt 10
tap_done
