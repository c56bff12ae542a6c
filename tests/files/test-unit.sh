#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The built memcryptd.service: systemd accepts every line of it, it is
# bus-activated and enabled at boot, it names its man pages, it may write only
# where the [Export] files go, and `systemd-analyze security` rates its
# exposure at 1.0 or below. Output is TAP.
#
# Usage: test-unit.sh BUILT_UNIT ACTIVATION_FILE
set -uo pipefail

unit=$1
activation=$2
n=0
failed=0
ok() {  # ok COND-EXIT-STATUS NAME [DIAGNOSTIC]
        n=$((n + 1))
        if [ "$1" = 0 ]; then
                echo "ok $n - $2"
        else
                echo "not ok $n - $2"
                failed=$((failed + 1))
                [ -n "${3:-}" ] && sed 's/^/# /' <<<"$3"
        fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
key() { sed -n "s/^$1=//p" "$2"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# systemd-analyze rates units by name: give it the real one.
cp "$unit" "$tmp/memcryptd.service"

# Unit structure.
# Bounded resources (docs/stall.md): memory with a soft limit below the hard one, and threads.
[ "$(key MemoryHigh "$unit")" = 192M ] && [ "$(key MemoryMax "$unit")" = 256M ] && [ "$(key TasksMax "$unit")" = 32 ]
ok $? "MemoryHigh=192M, MemoryMax=256M, TasksMax=32"
[ "$(key Type "$unit")" = notify ]; ok $? "Type=notify"
[ "$(key BusName "$unit")" = org.memcrypt1 ]; ok $? "BusName=org.memcrypt1"
# Enabled at boot, so signals are current for subscribers (bus activation still starts it too).
[ "$(sed -n '/^\[Install\]/,/^\[/p' "$unit" | sed -n 's/^WantedBy=//p')" = multi-user.target ]
ok $? "[Install] WantedBy=multi-user.target" "$(sed -n '/^\[Install\]/,$p' "$unit")"
[ "$(key Documentation "$unit")" = "man:memcryptd(8) man:memcryptctl(1) man:memcryptd.conf(5) man:org.memcrypt1(5)" ]
ok $? "Documentation= names the man pages" "$(grep ^Documentation= "$unit")"
grep -q '^ExecStart=/.*/memcryptd$' "$unit"; ok $? "ExecStart is an absolute path to memcryptd" "$(grep ^ExecStart= "$unit")"
! grep -q '@[a-z_]*@' "$unit"; ok $? "no unexpanded @placeholders@" "$(grep '@[a-z_]*@' "$unit")"
[ "$(key CapabilityBoundingSet "$unit")" = "" ] && grep -q '^CapabilityBoundingSet=$' "$unit"
ok $? "empty capability bounding set"
[ -n "$(key WatchdogSec "$unit")" ]; ok $? "WatchdogSec is set"
# Writable: exactly the directories of docs/fleet.md's defaults, each optional ('-').
[ "$(key ReadWritePaths "$unit" | tr '\n' ' ')" = \
  "-/var/lib/prometheus/node-exporter -/etc/kubernetes/node-feature-discovery/features.d " ]
ok $? "ReadWritePaths= is the textfile directory and features.d, both optional" "$(grep ^ReadWritePaths= "$unit")"
[ "$(key ProtectSystem "$unit")" = strict ]; ok $? "ProtectSystem=strict"

# The activation file names this unit (through its alias) and the same bus name.
[ "$(key Name "$activation")" = org.memcrypt1 ]; ok $? "activation file: Name=org.memcrypt1"
[ "$(key Exec "$activation")" = /bin/false ]; ok $? "activation file: Exec=/bin/false (systemd starts it)"
[ "$(key User "$activation")" = root ]; ok $? "activation file: User=root"
[ "$(key SystemdService "$activation")" = dbus-org.memcrypt1.service ]
ok $? "activation file: SystemdService=dbus-org.memcrypt1.service (the alias meson installs)"

if ! command -v systemd-analyze >/dev/null; then
        skip "systemd-analyze verify" "no systemd-analyze"
        skip "systemd-analyze security" "no systemd-analyze"
        echo "1..$n"
        exit $((failed > 0))
fi

# verify checks every key; ExecStart must exist, so point it at any executable.
mkdir "$tmp/verify"
sed "s|^ExecStart=.*|ExecStart=$(command -v true)|" "$unit" >"$tmp/verify/memcryptd.service"
out=$(cd "$tmp/verify" && systemd-analyze verify --man=no ./memcryptd.service 2>&1)
rc=$?
[ $rc = 0 ] && [ -z "$out" ]; ok $? "systemd-analyze verify: no unknown key, no bad value" "$out"

out=$(systemd-analyze security --offline=yes --threshold=20 "$tmp/memcryptd.service" 2>&1)
rc=$?
score=$(sed -n 's/^→ Overall exposure level for memcryptd.service: \([0-9.]*\) .*/\1/p' <<<"$out")
echo "# systemd-analyze security --offline=yes --threshold=20: exposure ${score:-?}"
grep '✗' <<<"$out" | sed 's/^/# /'
[ $rc = 0 ] && [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 1.0) }'
ok $? "exposure ${score:-?} <= 1.0 (systemd-analyze security --threshold=20)" "$out"

# The drop-in docs/fleet.md shows for another export directory (its one ```ini block that begins
# with [Service]): systemd takes every line of it, and the unit stays at 1.0 or below with it.
if [ -n "${MEMCRYPT_SOURCE_ROOT:-}" ] && [ -f "$MEMCRYPT_SOURCE_ROOT/docs/fleet.md" ]; then
        mkdir -p "$tmp/dropin/memcryptd.service.d"
        cp "$tmp/verify/memcryptd.service" "$tmp/dropin/"
        python3 - "$MEMCRYPT_SOURCE_ROOT/docs/fleet.md" >"$tmp/dropin/memcryptd.service.d/export.conf" <<'PY'
import re, sys
blocks = [b for b in re.findall(r'```ini\n(.*?)```', open(sys.argv[1]).read(), re.S) if b.startswith('[Service]')]
assert len(blocks) == 1, 'docs/fleet.md: expected one ```ini block beginning with [Service]'
sys.stdout.write(blocks[0])
PY
        grep -q '^ReadWritePaths=-/' "$tmp/dropin/memcryptd.service.d/export.conf"
        ok $? "docs/fleet.md has the ReadWritePaths= drop-in" "$(cat "$tmp/dropin/memcryptd.service.d/export.conf")"
        out=$(cd "$tmp/dropin" && SYSTEMD_UNIT_PATH="$tmp/dropin:" systemd-analyze verify --man=no memcryptd.service 2>&1)
        rc=$?
        [ $rc = 0 ] && [ -z "$out" ]; ok $? "systemd-analyze verify with the documented drop-in" "$out"
        out=$(SYSTEMD_UNIT_PATH="$tmp/dropin:" systemd-analyze security --offline=yes --threshold=20 memcryptd.service 2>&1)
        score=$(sed -n 's/^→ Overall exposure level for memcryptd.service: \([0-9.]*\) .*/\1/p' <<<"$out")
        [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 1.0) }'
        ok $? "exposure ${score:-?} <= 1.0 with the documented drop-in" "$out"
else
        skip "the documented drop-in" "no MEMCRYPT_SOURCE_ROOT/docs/fleet.md"
fi

echo "1..$n"
exit $((failed > 0))
