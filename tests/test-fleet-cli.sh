#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# memcryptd --dump=json|prometheus|nfd on every test host: promtool accepts each exposition, every
# node-feature-discovery line is a valid label, both carry the JSON report's verdicts; the alert
# rules of docs/fleet.md pass `promtool check rules` and fire as their unit test expects.
set -uo pipefail

: "${MEMCRYPTD:?run through meson test}" "${MEMCRYPT_HOSTS_DIR:?}" "${MEMCRYPT_SOURCE_ROOT:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
tap_prog=$MEMCRYPTD

if ! command -v promtool >/dev/null; then
        fail "promtool is installed (Debian package prometheus; tools/setup installs it)"
        tap_done
        exit
fi

check "--dump=yaml is refused, naming the formats" expect_exit 2 "--dump=yaml: expected json, prometheus or nfd" --dump=yaml
host=$MEMCRYPT_HOSTS_DIR/milan-snp
"$MEMCRYPTD" --root="$host" --dump >"$tmp/plain.json" && "$MEMCRYPTD" --root="$host" --dump=json >"$tmp/json.json"
check "--dump alone is --dump=json" cmp -s "$tmp/plain.json" "$tmp/json.json"

# The verdicts of the JSON report as the lines each format must contain (values only, any order).
expected() {  # expected JSON FORMAT
        python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
out = []
for m in d['models']:
    if sys.argv[2] == 'prometheus':
        out.append('memcrypt_model_usable{model="%s"} %d' % (m['model'], m['usable']))
        for s in ('total', 'used', 'free'):
            out.append('memcrypt_slots{model="%s",state="%s"} %d' % (m['model'], s, m['slots_' + s]))
        for r in m['reasons']:
            out.append('memcrypt_reason{model="%s",code="%s",severity="%s"} 1' % (m['model'], r['code'], r['severity']))
    else:
        out.append('memcrypt-%s=%s' % (m['model'], 'true' if m['usable'] else 'false'))
        out.append('memcrypt-%s-slots=%d' % (m['model'], m['slots_total']))
if sys.argv[2] == 'prometheus':
    for h in ('ok', 'degraded', 'conflict'):
        out.append('memcrypt_health{state="%s"} %d' % (h, d['health'] == h))
    out.append('memcrypt_libvirt_connected %d' % d['host']['libvirt_connected'])
    if d['host']['sev_firmware']:
        out.append('memcrypt_sev_firmware_info{version="%s"} 1' % d['host']['sev_firmware'])
elif d['host']['sev_firmware']:
    out.append('memcrypt-sev-firmware=' + d['host']['sev_firmware'])
print('\n'.join(out))
PY
}

# NAME=VALUE: a label name (NFD adds its feature.node.kubernetes.io/ prefix) and a value of at most
# 63 characters of [A-Za-z0-9._-] that begins and ends with a letter or digit.
label_re='^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?=([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$'

labels_valid() {  # labels_valid FILE
        local line bad=0
        while IFS= read -r line; do
                [[ $line =~ $label_re ]] || { echo "# not a valid label line: '$line'"; bad=1; }
                case $line in *free*|*used*) echo "# fast-changing label: '$line'"; bad=1 ;; esac
        done <"$1"
        [ -s "$1" ] && [ "$bad" = 0 ]
}

contains_all() {  # contains_all WANT GOT
        local missing
        missing=$(grep -vxF -f "$2" "$1")
        [ -z "$missing" ] || { sed 's/^/# missing: /' <<<"$missing"; return 1; }
}

shopt -s nullglob
hosts=0
for host in "$MEMCRYPT_HOSTS_DIR"/*/; do
        name=$(basename "$host")
        hosts=$((hosts + 1))
        "$MEMCRYPTD" --root="$host" --dump >"$tmp/$name.json"
        "$MEMCRYPTD" --root="$host" --dump=prometheus >"$tmp/$name.prom"
        "$MEMCRYPTD" --root="$host" --dump=nfd >"$tmp/$name.labels"
        out=$(promtool check metrics <"$tmp/$name.prom" 2>&1)
        rc=$?
        [ $rc = 0 ] && [ -z "$out" ] && grep -q '^memcrypt_' "$tmp/$name.prom"
        if [ $? = 0 ]; then ok "$name: promtool check metrics is clean"
        else fail "$name: promtool check metrics is clean"; sed 's/^/# /' <<<"$out"; fi
        expected "$tmp/$name.json" prometheus >"$tmp/$name.want-prom"
        check "$name: the metrics carry the report's verdicts" contains_all "$tmp/$name.want-prom" "$tmp/$name.prom"
        check "$name: every node label line is valid, none fast-changing" labels_valid "$tmp/$name.labels"
        expected "$tmp/$name.json" nfd >"$tmp/$name.want-labels"
        check "$name: the node labels carry the report's verdicts" contains_all "$tmp/$name.want-labels" "$tmp/$name.labels"
done
check "every test host was checked" test "$hosts" -ge 12

# The alert rules as docs/fleet.md shows them: the yaml block that begins with 'groups:'.
python3 - "$MEMCRYPT_SOURCE_ROOT/docs/fleet.md" "$tmp/alerts.yml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
blocks = [b for b in re.findall(r'```yaml\n(.*?)```', text, re.S) if b.startswith('groups:')]
assert len(blocks) == 1, 'expected one ```yaml block beginning with groups: in docs/fleet.md'
open(sys.argv[2], 'w').write(blocks[0])
PY
check "docs/fleet.md has one alert rules block" test -s "$tmp/alerts.yml"
out=$(promtool check rules "$tmp/alerts.yml" 2>&1)
if [ $? = 0 ]; then ok "promtool check rules accepts the documented alerts"
else fail "promtool check rules accepts the documented alerts"; sed 's/^/# /' <<<"$out"; fi
cp "$(dirname "$0")/fleet-alerts.test.yml" "$tmp/"
out=$(cd "$tmp" && promtool test rules fleet-alerts.test.yml 2>&1)
if [ $? = 0 ]; then ok "promtool test rules: the alerts fire when they should and only then"
else fail "promtool test rules: the alerts fire when they should and only then"; sed 's/^/# /' <<<"$out"; fi

tap_done
