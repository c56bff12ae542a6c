#!/bin/bash
# memcryptd as an operator runs it: options, exit codes, the report on this machine and on every
# test host, and snapshots that replay to the same report.
set -uo pipefail

: "${MEMCRYPTD:?run through meson test}" "${MEMCRYPT_HOSTS_DIR:?}"
tmp=$(mktemp -d)
trap 'umount "$tmp/full" 2>/dev/null; rm -rf "$tmp"' EXIT
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
tap_prog=$MEMCRYPTD

json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1"; }

check "--help lists --root and exits 0" expect_exit 0 "--root=DIR" --help
check "--version" expect_exit 0 "memcryptd 0.1.0" --version
check "unknown option exits 2" expect_exit 2 "Try 'memcryptd --help'" --frobnicate
check "stray argument exits 2" expect_exit 2 "unexpected argument 'extra'" --dump extra
check "--root must be a directory" expect_exit 2 "--root=/nonexistent: not a directory" --root=/nonexistent --dump
DBUS_SYSTEM_BUS_ADDRESS="unix:path=$tmp/no-bus" \
        check "without a system bus the service exits 1 and says why" \
        expect_exit 1 "cannot connect to the system bus at unix:path=$tmp/no-bus: No such file or directory" --no-libvirt
check "--exit-on-idle needs seconds > 0" expect_exit 2 "expected seconds from 1 to 86400" --exit-on-idle=0
check "--exit-on-idle is for the service only" expect_exit 2 "only applies to the bus service" --exit-on-idle --dump
mkdir "$tmp/introspect"
check "--bus-introspect writes the interfaces without a bus" expect_exit 0 "" --bus-introspect="$tmp/introspect"
check "introspection has the Manager's named arguments" \
        grep -q '<arg type="a{ss}" name="flavor_extra_specs" direction="in"/>' "$tmp/introspect/org.memcrypt1.Manager.xml"
check "introspection marks const Model properties" \
        grep -q 'name="Trait" type="s" access="read">' "$tmp/introspect/org.memcrypt1.Model.xml"
check "missing explicit config exits 2" expect_exit 2 "cannot read /nonexistent.conf" --config=/nonexistent.conf --dump
printf '[Service]\nLibvirtURL=x\n' >"$tmp/bad.conf"
check "config typo names the key" expect_exit 2 "unknown key 'LibvirtURL' in [Service]" --config="$tmp/bad.conf" --dump
check "empty --node-name refused" expect_exit 2 "--node-name" --node-name= --dump

# This machine: a valid report; every "no" has a message and a hint; a guest says so.
"$MEMCRYPTD" --dump --no-libvirt >"$tmp/live.json"
check "live report is JSON with three models" json "$tmp/live.json" \
        "assert [m['model'] for m in d['models']] == ['amd-sev','amd-sev-es','amd-sev-snp']"
check "every unusable model on this machine is explained" json "$tmp/live.json" \
        "assert all(m['usable'] or (m['reasons'] and all(r['message'] and r['hint'] for r in m['reasons'])) for m in d['models'])"
check "a guest is reported as running-in-guest" json "$tmp/live.json" \
        "assert not d['host']['in_guest'] or all([r['code'] for r in m['reasons']] == ['running-in-guest'] and not m['usable'] for m in d['models'])"
check "--node-name names the resource providers" expect_exit 0 '"resource_provider" : "rack7_amd_sev_snp"' \
        --dump --no-libvirt --node-name=rack7

# A relative --root is relative to the working directory (regression: it was read from /).
(cd "$MEMCRYPT_HOSTS_DIR" && "$MEMCRYPTD" --root=this-machine-guest --dump) >"$tmp/relative.json"
check "relative --root reads the snapshot" json "$tmp/relative.json" \
        "assert all([r['code'] for r in m['reasons']] == ['running-in-guest'] for m in d['models'])"

# Every test host: the report is complete, and a snapshot of it replays to the same report.
shopt -s nullglob
for host in "$MEMCRYPT_HOSTS_DIR"/*/; do
        name=$(basename "$host")
        "$MEMCRYPTD" --root="$host" --dump >"$tmp/$name.json" 2>"$tmp/$name.err"
        check "$name: report has every docs/design.md key" json "$tmp/$name.json" "
for k in ['version','node','health','health_message','host','models','checks']: assert k in d, k
for k in ['cpu_vendor','cpu_generation','in_guest','cbitpos','reduced_phys_bits','asid_count','min_sev_asid','kernel','libvirt','qemu','sev_firmware']: assert k in d['host'], k
for m in d['models']:
    for k in ['model','usable','trait','resource_provider','asid_first','asid_last','slots_total','slots_used','slots_free','default_policy','firmware','reasons']: assert k in m, k
    assert m['usable'] or m['slots_total'] == 0
for c in d['checks']: assert c['status'] in ('pass','warn','fail','skip','unknown') and c['category']
"
        "$MEMCRYPTD" --root="$host" --snapshot="$tmp/snap-$name" >/dev/null
        "$MEMCRYPTD" --root="$tmp/snap-$name" --dump >"$tmp/$name.replay.json"
        check "$name: snapshot replays to the same report" python3 -c "
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
a['host'].pop('root'); b['host'].pop('root')
assert a == b, [k for k in a if a[k] != b[k]]" "$tmp/$name.json" "$tmp/$name.replay.json"
done

# A snapshot that cannot be written: the error names the file, the exit status is 1.
check "snapshot under a regular file fails with 1" expect_exit 1 "cannot write" --no-libvirt --snapshot=/dev/null/snap
if [ "$(id -u)" = 0 ] && mkdir "$tmp/full" && mount -t tmpfs -o size=12k tmpfs "$tmp/full" 2>/dev/null; then
        check "full disk: snapshot fails with ENOSPC" expect_exit 1 "No space left on device" \
                --root="$MEMCRYPT_HOSTS_DIR/milan-snp" --snapshot="$tmp/full/snap"
else
        skip "full disk" "needs root to mount a small tmpfs"
fi

tap_done
