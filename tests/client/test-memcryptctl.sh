#!/bin/bash
# memcryptctl's command line without a service: help, version, usage errors (exit 2), option
# values and domain XML files checked before connecting, and an unreachable bus (exit 1). tests/integration runs the verbs against a real memcryptd.
set -uo pipefail

ctl=${1:?}
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/../tap.sh"
tap_prog=$ctl

nobus() { DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/memcrypt-test expect_exit "$@"; }

check "--help lists the verbs and exits 0" expect_exit 0 "model NAME" --help
check "-h is --help" expect_exit 0 "Exit status: 0 success" -h
check "--help wins over a bad verb" expect_exit 0 "doctor" frobnicate --help
check "--version" expect_exit 0 "memcryptctl 0.1.0" --version
check "unknown verb exits 2" expect_exit 2 "unknown command 'frobnicate'" frobnicate
check "unknown option exits 2" expect_exit 2 "unrecognized option '--frobnicate'" --frobnicate
check "usage errors point at --help" expect_exit 2 "Try 'memcryptctl --help'" --frobnicate
check "model needs a name" expect_exit 2 "'model' needs an argument" model
check "model takes one name" expect_exit 2 "too many arguments for 'model'" model amd-sev amd-sev-es
check "status takes no argument" expect_exit 2 "too many arguments for 'status'" status extra
check "bad --json mode exits 2" expect_exit 2 "unknown --json mode 'yaml'" --json=yaml status
check "usage is checked before connecting" nobus 2 "unknown command" frobnicate
check "unreachable bus exits 1" nobus 1 "memcryptctl: cannot connect to the system bus" status
check "default verb needs the bus too" nobus 1 "cannot connect" --no-legend
for verb in models doctor describe refresh monitor "model amd-sev" resolve "launch-security amd-sev"; do
        # shellcheck disable=SC2086
        check "$verb without a bus exits 1" nobus 1 "memcryptctl:" $verb --json
done

# ---- resolve, launch-security, configure, validate: usage errors need no service ----
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo '<domain type="kvm"/>' >"$tmp/domain.xml"

check "--help lists the request verbs" expect_exit 0 "configure MODEL FILE|-" --help
check "--help names validate's exit status" expect_exit 0 "4 validate found an error" --help
check "resolve takes no argument" expect_exit 2 "too many arguments for 'resolve'" resolve amd-sev
check "launch-security needs a model" expect_exit 2 "'launch-security' needs an argument: launch-security MODEL" \
        launch-security
check "configure needs a model and a file" expect_exit 2 "'configure' needs arguments: configure MODEL FILE|-" configure
check "configure needs a file" expect_exit 2 "'configure' needs an argument" configure amd-sev
check "validate needs a file" expect_exit 2 "'validate' needs an argument: validate FILE|-" validate
check "validate takes one file" expect_exit 2 "too many arguments for 'validate'" validate a.xml b.xml
check "--flavor wants KEY=VALUE" expect_exit 2 "--flavor expects KEY=VALUE, not 'hw:mem_encryption'" \
        resolve --flavor hw:mem_encryption
check "--image wants a key" expect_exit 2 "--image expects KEY=VALUE, not '=uefi'" resolve --image =uefi
check "--flavor with one key twice" expect_exit 2 "--flavor hw:mem_encryption is given twice" \
        resolve --flavor hw:mem_encryption=true --flavor hw:mem_encryption=false
check "--flavor needs a value" expect_exit 2 "option '--flavor' needs a value" resolve --flavor
check "--flavor is resolve's" expect_exit 2 "--flavor does not apply to 'validate'" validate --flavor a=b "$tmp/domain.xml"
check "--policy is not resolve's" expect_exit 2 "--policy does not apply to 'resolve'" resolve --policy 0x33
check "--model is validate's" expect_exit 2 "--model does not apply to 'configure'" \
        configure amd-sev "$tmp/domain.xml" --model amd-sev
check "--option is not status's" expect_exit 2 "--option does not apply to 'status'" status --option vcek=yes
check "a boolean option takes a boolean" expect_exit 2 "--option kernel_hashes=maybe: not a boolean" \
        launch-security amd-sev --option kernel_hashes=maybe
for key in allow_debug keep_balloon author_key vcek; do
        check "$key is a boolean" expect_exit 2 "--option $key=2: not a boolean (true, false, yes, no, 1, 0)" \
                configure amd-sev-snp - --option "$key=2"
done
for policy in 0x 0xzz -1 +3 " 3" 0x0x33 18446744073709551616 3.0; do
        check "--policy '$policy' is refused" expect_exit 2 "--policy $policy: not a policy" \
                launch-security amd-sev --policy "$policy"
done
check "--option policy= is a number too" expect_exit 2 "--option policy=high: not a policy" \
        launch-security amd-sev --option policy=high
check "--policy and --option policy= are one option" expect_exit 2 "option 'policy' is given twice" \
        launch-security amd-sev --policy 0x33 --option policy=0x37
check "--model and --option model= are one option" expect_exit 2 "option 'model' is given twice" \
        validate - --model amd-sev --option model=amd-sev-es
check "--option wants KEY=VALUE" expect_exit 2 "--option expects KEY=VALUE, not 'vcek'" \
        launch-security amd-sev-snp --option vcek
check "usage is checked before the file is read" nobus 2 "not a boolean" \
        validate /nonexistent/domain.xml --option keep_balloon=maybe

# Values the command line takes: each reaches the (missing) bus, so parsing let them through.
check "booleans in any spelling" nobus 1 "cannot connect" launch-security amd-sev-snp --option kernel_hashes=YES \
        --option allow_debug=False --option vcek=1 --option author_key=No
check "hex and decimal policies" nobus 1 "cannot connect" launch-security amd-sev --policy 0X0033
check "the largest policy" nobus 1 "cannot connect" launch-security amd-sev --policy 18446744073709551615
check "an option the service will judge is sent as a string" nobus 1 "cannot connect" \
        launch-security amd-sev --option frobnicate=1 --option dh_cert=AAAA

# The domain XML file is read (and refused) before connecting.
head -c $((1024 * 1024)) /dev/zero | tr '\0' ' ' >"$tmp/1mib.xml"
cp "$tmp/1mib.xml" "$tmp/big.xml" && echo >>"$tmp/big.xml"
printf '<domain>\0</domain>' >"$tmp/nul.xml"
printf '<domain>\377</domain>' >"$tmp/latin1.xml"
check "a file larger than 1 MiB is refused" nobus 1 "'$tmp/big.xml' is larger than 1 MiB" validate "$tmp/big.xml"
check "so is such standard input" bash -c "DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/x '$ctl' configure amd-sev - \
        <'$tmp/big.xml' 2>&1 | grep -qF 'standard input is larger than 1 MiB'; [ \${PIPESTATUS[0]} = 1 ]"
check "1 MiB exactly is sent" nobus 1 "cannot connect" validate "$tmp/1mib.xml"
check "a missing file" nobus 1 "cannot open '/nonexistent/domain.xml': No such file or directory" \
        configure amd-sev /nonexistent/domain.xml
check "a directory" nobus 1 "cannot read '$tmp': Is a directory" validate "$tmp"
# A FIFO nobody writes: open() would wait for a writer forever (timeout is only the hang guard).
mkfifo "$tmp/fifo"
fifo_refused() {
        local out
        out=$(DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/x timeout 60 "$ctl" "$@" 2>&1 </dev/null)
        [ $? = 1 ] && grep -qF "'$tmp/fifo': it is a FIFO, not a regular file" <<<"$out" ||
                { echo "# memcryptctl $*: ${out:0:300}"; return 1; }
}
check "a FIFO is refused, not waited on" fifo_refused validate "$tmp/fifo"
check "a FIFO as configure's file" fifo_refused configure amd-sev "$tmp/fifo"
check "a character device" nobus 1 "cannot read '/dev/zero': it is a character device, not a regular file" \
        validate /dev/zero
check "a NUL byte" nobus 1 "contains a NUL byte" validate "$tmp/nul.xml"
check "not UTF-8" nobus 1 "is not UTF-8 text" validate "$tmp/latin1.xml"
check "- reads standard input" bash -c "DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/x '$ctl' validate - \
        <'$tmp/domain.xml' 2>&1 | grep -qF 'cannot connect'"

# ---- attest: usage errors and the --header/--secret files, before connecting ----
printf 'AAEC\nAwQF\n' >"$tmp/hdr.b64"
cp "$tmp/hdr.b64" "$tmp/sec.b64"
printf 'AAEC\0' >"$tmp/nul.b64"
head -c $((256 * 1024 + 1)) /dev/zero | tr '\0' 'A' >"$tmp/big.b64"
check "--help lists the attest commands" expect_exit 0 "attest measurement DOMAIN" --help
check "attest needs a command" expect_exit 2 "'attest' needs a command: platform, measurement, inject" attest
check "attest knows its commands" expect_exit 2 "unknown command 'attest frob' (attest takes platform" attest frob
check "attest platform takes no argument" expect_exit 2 "too many arguments for 'attest platform'" \
        attest platform extra
check "attest measurement needs a domain" expect_exit 2 \
        "'attest measurement' needs an argument: attest measurement DOMAIN" attest measurement
check "attest inject needs a domain" expect_exit 2 "'attest inject' needs an argument" \
        attest inject --header "$tmp/hdr.b64" --secret "$tmp/sec.b64"
check "attest inject needs both files" expect_exit 2 "'attest inject' needs --header FILE and --secret FILE" \
        attest inject guest --header "$tmp/hdr.b64"
check "--header is inject's" expect_exit 2 "--header does not apply to 'attest platform'" \
        attest platform --header "$tmp/hdr.b64"
check "--resume is inject's" expect_exit 2 "--resume does not apply to 'attest measurement'" \
        attest measurement guest --resume
check "--address is a number" expect_exit 2 "--address 4k: not an address" \
        attest inject guest --header "$tmp/hdr.b64" --secret "$tmp/sec.b64" --address 4k
check "--secret given twice" expect_exit 2 "--secret is given twice" \
        attest inject guest --header "$tmp/hdr.b64" --secret "$tmp/sec.b64" --secret "$tmp/sec.b64"
check "a missing header file" nobus 1 "cannot open the header file '/nonexistent/h': No such file or directory" \
        attest inject guest --header /nonexistent/h --secret "$tmp/sec.b64"
check "a secret that is not text" nobus 1 "the secret file '$tmp/nul.b64' is not base64 text" \
        attest inject guest --header "$tmp/hdr.b64" --secret "$tmp/nul.b64"
check "a secret file over 256 KiB" nobus 1 "larger than 256 KiB" \
        attest inject guest --header "$tmp/hdr.b64" --secret "$tmp/big.b64"
check "a directory as the header" nobus 1 "cannot read the header file '$tmp': Is a directory" \
        attest inject guest --header "$tmp" --secret "$tmp/sec.b64"
check "a FIFO as the header file" fifo_refused attest inject guest --header "$tmp/fifo" --secret "$tmp/sec.b64"
check "--raw takes any bytes" nobus 1 "cannot connect" \
        attest inject guest --header "$tmp/nul.b64" --secret "$tmp/nul.b64" --raw
check "--raw is inject's" expect_exit 2 "--raw does not apply to 'attest platform'" attest platform --raw
check "line-broken base64 files and every option reach the bus" nobus 1 "cannot connect" \
        attest inject guest --header "$tmp/hdr.b64" --secret "$tmp/sec.b64" --resume --address 0x800000 --json
for verb in "attest platform" "attest measurement guest"; do
        # shellcheck disable=SC2086
        check "$verb without a bus exits 1" nobus 1 "memcryptctl:" $verb --json
done

tap_done
