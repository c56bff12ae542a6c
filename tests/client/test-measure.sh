#!/bin/bash
# memcryptctl measure, offline, against the 77 vectors of tests/fixtures/measure (their synthetic
# firmware, kernel and initrd written by test-measure --write) as sev-snp-measure's command line
# gives them, then every kind of bad input: exit 1 or 2, one sentence on stderr, nothing on stdout.
set -uo pipefail

ctl=${1:?memcryptctl} synth=${2:?test-measure}
vectors=${MEMCRYPT_SOURCE_ROOT:?}/tests/fixtures/measure/vectors-synthetic.json
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/../tap.sh"
tap_prog=$ctl

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$synth" --write "$tmp" || { echo "Bail out! test-measure --write failed"; exit 1; }
cd "$tmp" || exit 1

# measures EXPECTED ARGS...: stdout is EXPECTED alone, stderr empty, exit 0.
measures() {
        local want=$1 out err rc; shift
        out=$("$ctl" measure "$@" 2>"$tmp/stderr"); rc=$?; err=$(cat "$tmp/stderr")
        [ "$rc" = 0 ] && [ "$out" = "$want" ] && [ -z "$err" ] ||
                { echo "# measure $*: exit $rc, stdout '$out', stderr '$err', expected '$want'"; return 1; }
}

# refuses CODE NEEDLE ARGS...: exit CODE, nothing on stdout, one line on stderr holding NEEDLE.
refuses() {
        local code=$1 needle=$2 out err rc; shift 2
        out=$("$ctl" measure "$@" 2>"$tmp/stderr" </dev/null); rc=$?; err=$(cat "$tmp/stderr")
        [ "$rc" = "$code" ] && [ -z "$out" ] && [ "$(wc -l <"$tmp/stderr")" = 1 ] && grep -qF -- "$needle" <<<"$err" ||
                { echo "# measure $*: exit $rc, stdout '$out', stderr '$err'"; return 1; }
}

# ---- the vectors: one line each, id TAB digest-or-"error" TAB argv (US-separated) ----
python3 - "$vectors" >"$tmp/vectors.tsv" <<'PY' || { echo "Bail out! cannot read $vectors"; exit 1; }
import json, sys
d = json.load(open(sys.argv[1]))
for v in d["vectors"]:
    if "argv" in v:
        argv = v["argv"][1:]
    else:   # seves-legacy-init: sev-snp-measure cannot say it; our --vmsa-init legacy does
        argv = ["--mode", "seves", "--ovmf", v["image"], "--vcpus", str(v["vcpus"]), "--vcpu-type", v["vcpu_type"]]
        if v["kernel_initrd_cmdline"]:
            argv += ["--kernel", "kernel.bin", "--initrd", "initrd.bin", "--append", d["cmdline"]]
        argv += ["--vmsa-init", "legacy"]
    print("%d\t%s\t%s" % (v["id"], v.get("digest_hex") or "error", "\x1f".join(argv)))
PY
n=0
while IFS=$'\t' read -r id want args; do
        IFS=$'\x1f' read -r -a argv <<<"$args"
        if [ "$want" = error ]; then
                check "vector $id: refused (${argv[*]:0:2})" refuses 1 "cannot measure a kernel, initrd or command line" \
                        "${argv[@]}"
        else
                check "vector $id: ${argv[*]:0:2} ${argv[*]:4:5}" measures "$want" "${argv[@]}"
        fi
        n=$((n + 1))
done <"$tmp/vectors.tsv"
check "all 77 vectors ran" [ "$n" = 77 ]

snp=(--mode snp --ovmf synth_amdsev_like.bin --vcpus 4 --vcpu-type EPYC-Milan)
want=0ef549f1242b2be14ade34bed0dfdadccb9deed0e6677940e36f0b13c0f88e5011c6a80ba3b18d3e0ff65b28d82f3fbb   # vector 24

# ---- the other spellings of the same inputs ----
check "--vcpu-sig instead of --vcpu-type" measures "$want" "${snp[@]:0:6}" --vcpu-sig 0xa00f11
check "--vcpu-sig in decimal" measures "$want" "${snp[@]:0:6}" --vcpu-sig 10489617
check "family/model/stepping instead of --vcpu-type" measures "$want" "${snp[@]:0:6}" \
        --vcpu-family 25 --vcpu-model 1 --vcpu-stepping 1
check "a versioned model has its base model's signature" measures "$want" "${snp[@]:0:6}" --vcpu-type EPYC-Milan-v2
check "--guest-features defaults to 0x1" measures "$want" "${snp[@]}" --guest-features 1
check "--vmm-type QEMU is the default" measures "$want" "${snp[@]}" --vmm-type QEMU
check "the verb may follow the options" test "$("$ctl" "${snp[@]}" measure)" = "$want"
seed=$("$ctl" measure --mode snp:ovmf-hash --ovmf synth_amdsev_like.bin)
check "snp:ovmf-hash is vector 11" [ "$seed" = 9867c97357cc6ef780b5f25a4ad9ba2ab1aba6030db6c3aa4d15361c82e17042ae35b821337bde279ca191f51cff6fae ]
check "--snp-ovmf-hash seeds the digest" measures "$want" "${snp[@]}" --snp-ovmf-hash "$seed"
other=$("$ctl" measure "${snp[@]}" --snp-ovmf-hash "${seed/9867/9868}")
check "another seed, another digest" test -n "$other" -a "$other" != "$want"
b64=$(python3 -c 'import base64, sys; print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode())' "$want")
check "--output-format base64" measures "$b64" "${snp[@]}" --output-format base64
check "-v names the mode" measures "Calculated SEV_SNP guest measurement: $want" "${snp[@]}" -v
json=$("$ctl" measure "${snp[@]}" --json=short 2>/dev/null)
check "--json: measurement, inputs, command" python3 - "$json" "$want" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
assert j["measurement"] == sys.argv[2], j
i = j["inputs"]
assert i["mode"] == "snp" and i["vcpus"] == 4 and i["vcpu_sig"] == "0xa00f11" and i["sev_features"] == "0x1", i
assert i["ovmf"] == {"path": "synth_amdsev_like.bin", "size": 65536,
                     "sha256": "0d7c4a7caa8b6b2edbdb863b595d38cd3620801a8aa6eb17049130ea9b8b2ac6"}, i
assert j["command"][:2] == ["memcryptctl", "measure"], j
PY
cmd=$(python3 -c 'import json,sys; print("\x1f".join(json.loads(sys.argv[1])["command"][2:]))' "$json")
IFS=$'\x1f' read -r -a cmd <<<"$cmd"
check "--json's command gives the same digest" measures "$want" "${cmd[@]}"
check "--seves-features sets the SEV-ES VMSA's features" python3 -c 'import sys; sys.exit(sys.argv[1] == sys.argv[2])' \
        "$("$ctl" measure --mode seves --ovmf synth_amdsev_like.bin --vcpus 1 --vcpu-type EPYC-v4 --seves-features 0x20)" \
        e1fc87adf9c623f0d28d64c425b623cf9216cdc4bf8ee8a4e6ba2d09e21bad62
check "--seves-features 0 is the default" measures e1fc87adf9c623f0d28d64c425b623cf9216cdc4bf8ee8a4e6ba2d09e21bad62 \
        --mode seves --ovmf synth_amdsev_like.bin --vcpus 1 --vcpu-type EPYC-v4 --seves-features 0

# ---- bad firmware: exit 1 naming the problem ----
cp synth_amdsev_like.bin good.bin
head -c 65535 good.bin >truncated.bin
head -c 61440 good.bin >cut-at-page.bin
: >empty.bin
truncate -s $((64 * 1024 * 1024 + 4096)) large.bin
mkfifo fifo.bin
# patch FILE OFFSET HEXBYTES: overwrite bytes in a copy of good.bin
patch() { cp good.bin "$1"; printf '%b' "$(sed 's/../\\x&/g' <<<"$3")" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
patch table-len.bin $((65536 - 50)) ffff              # the footer table's length: beyond the file
patch meta-outside.bin $((65536 - 50 - 70)) 00000200  # the metadata's offset from the end: 128 KiB
patch meta-sig.bin $((65536 - 4096)) 58               # "XSEV"
patch reset-zero.bin $((65536 - 50 - 22)) 00000000    # the SEV-ES reset address
patch bad-type.bin $((65536 - 4096 + 16 + 8)) 07      # section 0's type
for mode in sev "seves --vcpus 1 --vcpu-type EPYC" "snp --vcpus 1 --vcpu-type EPYC" snp:ovmf-hash; do
        # shellcheck disable=SC2086
        check "truncated firmware ($mode)" refuses 1 "not a whole number of 4096-byte pages (truncated?)" \
                --mode $mode --ovmf truncated.bin
        # shellcheck disable=SC2086
        check "firmware cut at a page ($mode)" refuses 1 "does not end with OVMF's GUIDed footer table" \
                --mode $mode --ovmf cut-at-page.bin
done
check "empty firmware" refuses 1 "firmware empty.bin: the firmware image is empty" --mode sev --ovmf empty.bin
check "a directory as firmware" refuses 1 "firmware $tmp: it is a directory" --mode sev --ovmf "$tmp"
check "firmware over the cap" refuses 1 "more than the 67108864 measured here" --mode sev --ovmf large.bin
check "a FIFO is refused, not read" refuses 1 "not a regular file" --mode sev --ovmf fifo.bin
check "a device is refused, not read" refuses 1 "not a regular file" --mode sev --ovmf /dev/zero
check "a missing firmware file" refuses 1 "firmware missing.bin: No such file or directory" --mode sev --ovmf missing.bin
check "a table length beyond the file" refuses 1 "beyond the start of the file" --mode sev --ovmf table-len.bin
check "metadata outside the image" refuses 1 "SEV metadata lies outside the image" --mode sev --ovmf meta-outside.bin
check "metadata without its signature" refuses 1 "signature 'ASEV'" --mode sev --ovmf meta-sig.bin
check "reset address 0 with 2 vCPUs" refuses 1 "reset block gives address 0" \
        --mode seves --ovmf reset-zero.bin --vcpus 2 --vcpu-type EPYC
check "reset address 0 with 1 vCPU measures" measures "$("$ctl" measure --mode seves --ovmf reset-zero.bin --vcpus 1 \
        --vcpu-type EPYC)" --mode seves --ovmf reset-zero.bin --vcpus 1 --vcpu-type EPYC
check "an unknown section type (SNP)" refuses 1 "section 0 has the unknown type 0x7" \
        --mode snp --ovmf bad-type.bin --vcpus 1 --vcpu-type EPYC
check "a kernel that is a FIFO" refuses 1 "kernel fifo.bin: it is not a regular file" \
        --mode sev --ovmf good.bin --kernel fifo.bin
check "an initrd that is a directory" refuses 1 "initrd $tmp: it is a directory" \
        --mode sev --ovmf good.bin --kernel kernel.bin --initrd "$tmp"

# ---- usage: exit 2 ----
check "0 vCPUs" refuses 2 "--vcpus 0: a guest has 1 to 512 vCPUs" "${snp[@]:0:4}" --vcpus 0 --vcpu-type EPYC
check "513 vCPUs" refuses 2 "--vcpus 513: a guest has 1 to 512 vCPUs" "${snp[@]:0:4}" --vcpus 513 --vcpu-type EPYC
check "vCPUs not a number" refuses 2 "--vcpus four" "${snp[@]:0:4}" --vcpus four --vcpu-type EPYC
check "an unknown vCPU model" refuses 2 "unknown --vcpu-type 'EPYC-Frobnicate'" "${snp[@]:0:6}" --vcpu-type EPYC-Frobnicate
check "no vCPU signature" refuses 2 "the vCPU signature is missing for --mode snp" "${snp[@]:0:6}"
check "no --vcpus" refuses 2 "--vcpus N is missing for --mode seves" --mode seves --ovmf good.bin --vcpu-type EPYC
check "two signatures" refuses 2 "give one of --vcpu-type" "${snp[@]}" --vcpu-sig 0x800f12
check "family without model" refuses 2 "go together" "${snp[@]:0:6}" --vcpu-family 25
check "no --mode" refuses 2 "--mode is missing" --ovmf good.bin
check "no --ovmf" refuses 2 "--ovmf is missing" --mode sev
check "an unknown mode" refuses 2 "unknown --mode 'tdx'" --mode tdx --ovmf good.bin
check "snp:svsm is not supported" refuses 2 "--mode snp:svsm is not supported" --mode snp:svsm --ovmf good.bin
check "ec2 is not supported" refuses 2 "--vmm-type ec2 is not supported" "${snp[@]}" --vmm-type ec2
check "an unknown VMM" refuses 2 "unknown --vmm-type 'kvmtool'" "${snp[@]}" --vmm-type kvmtool
check "--initrd needs --kernel" refuses 2 "--initrd and --append need --kernel" --mode sev --ovmf good.bin --initrd initrd.bin
check "--append needs --kernel" refuses 2 "--initrd and --append need --kernel" --mode sev --ovmf good.bin --append ro
check "a short seed" refuses 2 "--snp-ovmf-hash: 'abcd' is not 96 hex digits" "${snp[@]}" --snp-ovmf-hash abcd
check "a seed outside snp" refuses 2 "--snp-ovmf-hash applies to --mode snp only" --mode sev --ovmf good.bin \
        --snp-ovmf-hash "$seed"
check "a bad output format" refuses 2 "unknown --output-format 'raw'" "${snp[@]}" --output-format raw
check "a bad VMSA form" refuses 2 "unknown --vmsa-init 'init1'" "${snp[@]}" --vmsa-init init1
check "--guest-features not a number" refuses 2 "--guest-features 0xzz" "${snp[@]}" --guest-features 0xzz
check "an option given twice" refuses 2 "--ovmf is given twice" "${snp[@]}" --ovmf good.bin
check "an unknown option" refuses 2 "unrecognized option '--dump-vmsa'" "${snp[@]}" --dump-vmsa
check "a stray argument" refuses 2 "unexpected argument 'extra'" "${snp[@]}" extra
check "usage is checked before any file is read" refuses 2 "unknown --vcpu-type" --mode snp --ovmf fifo.bin \
        --vcpus 1 --vcpu-type nope
check "measure --help" expect_exit 0 "--vmsa-init FORM" measure --help
check "memcryptctl --help names measure" expect_exit 0 "measure --mode MODE --ovmf FILE" --help

# ---- attest verify: the owner's HMAC check, offline ----
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(16)))' >tik
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(16, 32)) + bytes(range(16)))' >tk
head -c 15 tik >short-tik
ld=0d7c4a7caa8b6b2edbdb863b595d38cd3620801a8aa6eb17049130ea9b8b2ac6      # vector 1
# mk_measurement LD POLICY: base64(HMAC-SHA256(TIK, 04 | 1 | 55 | 21 | policy | LD | nonce) | nonce)
mk_measurement() {
        python3 - "$1" "$2" <<'PY'
import base64, hmac, sys
nonce = bytes(range(100, 116))
msg = bytes([4, 1, 55, 21]) + int(sys.argv[2], 0).to_bytes(4, "little") + bytes.fromhex(sys.argv[1]) + nonce
print(base64.b64encode(hmac.new(bytes(range(16)), msg, "sha256").digest() + nonce).decode())
PY
}
m=$(mk_measurement "$ld" 0x1)
v=(attest verify --measurement "$m" --api-major 1 --api-minor 55 --build-id 21 --policy 0x1)
check "verify: a matching measurement" expect_exit 0 "OK: the launch measurement matches" "${v[@]}" --tik tik --expected "$ld"
check "verify: --tk holds TEK then TIK" expect_exit 0 "OK:" "${v[@]}" --tk tk --expected "$ld"
check "verify: the options may come first" expect_exit 0 "OK:" --tik tik --expected "$ld" "${v[@]}"
check "verify: another digest does not match" expect_exit 3 "does not match" "${v[@]}" --tik tik \
        --expected "${ld/0d7c/0d7d}"
check "verify: another policy does not match" expect_exit 3 "does not match" "${v[@]/0x1/0x3}" --tik tik --expected "$ld"
head -c 16 tk >other-tik
check "verify: another TIK does not match" expect_exit 3 "does not match" "${v[@]}" --tik other-tik --expected "$ld"
check "verify: --json" expect_exit 0 '"match" : true' "${v[@]}" --tik tik --expected "$ld" --json
check "verify: --json on a mismatch" expect_exit 3 '"match" : false' "${v[@]}" --tik tik --expected "${ld/0d7c/0d7d}" --json
check "verify: a short TIK" expect_exit 1 "the key file 'short-tik' has 15 bytes, not 16" "${v[@]}" --tik short-tik \
        --expected "$ld"
check "verify: a TIK that is a directory" expect_exit 1 "cannot read the key file" "${v[@]}" --tik "$tmp" --expected "$ld"
check "verify: a missing TIK" expect_exit 1 "cannot open the key file 'nope'" "${v[@]}" --tik nope --expected "$ld"
check "verify: a short measurement" expect_exit 2 "--measurement: 3 bytes of base64, not 48" "${v[@]/$m/AAAA}" --tik tik \
        --expected "$ld"
check "verify: an SNP digest is not SEV's" expect_exit 2 "--expected: not 64 hex digits" "${v[@]}" --tik tik \
        --expected "$want"
check "verify: a missing policy" expect_exit 2 "--policy is missing" "${v[@]:0:10}" --tik tik --expected "$ld"
check "verify: both --tik and --tk" expect_exit 2 "give one of --tik FILE and --tk FILE" "${v[@]}" --tik tik --tk tk \
        --expected "$ld"
check "verify: build id over 255" expect_exit 2 "--build-id 256: not a number from 0 to 255" "${v[@]/21/256}" --tik tik \
        --expected "$ld"
check "verify: --help" expect_exit 0 "--tk FILE" attest verify --help

tap_done
