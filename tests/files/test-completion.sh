#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The bash completion of memcryptctl: for a command line typed so far, the
# candidates _memcryptctl offers (commands, model names, the options of each
# command, option keys and values, files), as bash-completion would see them.
# Output is TAP.
#
# Usage: test-completion.sh COMPLETION_FILE [MEMCRYPTCTL]
set -uo pipefail
. "$(dirname "$0")/../tap.sh"

completion=$(realpath "$1")
memcryptctl=${2-}
bash_completion=/usr/share/bash-completion/bash_completion
[ -r "$bash_completion" ] || { echo "1..0 # SKIP no bash-completion ($bash_completion)"; exit 0; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/files" "$tmp/files/dir"
touch "$tmp/files/guest.xml" "$tmp/files/notes.txt"

# candidates LINE: the sorted candidates for LINE (the cursor at its end), one a line. LINE is
# split into COMP_WORDS as readline does: at blanks, and around runs of COMP_WORDBREAKS
# characters such as '=' and ':'.
candidates() {
        (cd "$tmp/files" && bash --norc --noprofile -c '
                . "$1"; . "$2"
                compopt() { :; }        # outside a real completion it only complains
                line=$3
                words=()
                for w in $line; do
                        while [ -n "$w" ]; do
                                if [[ $w =~ ^([=:]+)(.*)$ ]] || [[ $w =~ ^([^=:]+)(.*)$ ]]; then
                                        words+=("${BASH_REMATCH[1]}"); w=${BASH_REMATCH[2]}
                                fi
                        done
                done
                [[ $line == *" " ]] && words+=("")
                COMP_WORDS=("${words[@]}")
                COMP_CWORD=$((${#words[@]} - 1))
                COMP_LINE=$line
                COMP_POINT=${#line}
                _memcryptctl
                printf "%s\n" "${COMPREPLY[@]}" | sort
        ' bash "$bash_completion" "$completion" "$1")
}

# expect NAME LINE CANDIDATE...: exactly these candidates.
expect() {
        local name=$1 line=$2; shift 2
        local got want
        got=$(candidates "$line" | grep -v '^$')
        want=$(printf '%s\n' "$@" | grep -v '^$' | sort)
        if [ "$got" = "$want" ]; then ok "$name"
        else fail "$name"; echo "# '$line': got: $(tr '\n' ' ' <<<"$got")"; echo "# want: $(tr '\n' ' ' <<<"$want")"; fi
}
# expect_has NAME LINE HAS HASNOT: HAS (space-separated) offered, none of HASNOT.
expect_has() {
        local name=$1 line=$2 has=$3 hasnot=$4 got w bad=""
        got=$(candidates "$line")
        for w in $has; do grep -qxF -- "$w" <<<"$got" || bad+=" missing $w"; done
        for w in $hasnot; do grep -qxF -- "$w" <<<"$got" && bad+=" unexpected $w"; done
        if [ -z "$bad" ]; then ok "$name"; else fail "$name"; echo "# '$line':$bad"; fi
}

expect "every command" "memcryptctl " \
        status models model domains doctor describe refresh monitor resolve launch-security configure validate \
        attest measure
expect "commands by prefix" "memcryptctl mo" model models monitor
expect "commands by prefix d" "memcryptctl d" domains doctor describe
expect "model names after domains" "memcryptctl domains amd-sev-" amd-sev-es amd-sev-snp
expect "nothing after domains MODEL" "memcryptctl domains amd-sev " ""
expect "model names after model" "memcryptctl model " amd-sev amd-sev-es amd-sev-snp
expect "model names by prefix after launch-security" "memcryptctl launch-security amd-sev-" amd-sev-es amd-sev-snp
expect "model names after configure" "memcryptctl --no-legend configure " amd-sev amd-sev-es amd-sev-snp
expect "nothing after model NAME" "memcryptctl model amd-sev " ""
expect "attest commands" "memcryptctl attest " platform measurement inject verify expected
expect_has "attest expected takes a document, its files and --option" "memcryptctl attest expected --" \
        "--domain-xml --kernel --initrd --option --json" "--header --secret --raw --model"
expect "attest expected --option keys" "memcryptctl attest expected g --option vcpu" vcpu_signature=
expect "attest expected vmsa_form values" "memcryptctl attest expected g --option vmsa_form=" init2 legacy
expect "XML files and directories after validate" "memcryptctl validate " dir guest.xml
expect "XML files after configure MODEL" "memcryptctl configure amd-sev-snp " dir guest.xml
expect "model names after --model" "memcryptctl validate --model " amd-sev amd-sev-es amd-sev-snp
# readline replaces only what follows the last '=' or ':' of the word (COMP_WORDBREAKS), so the
# candidates are what follows it.
expect "--json modes" "memcryptctl --json=" pretty short off
expect "--json mode by prefix" "memcryptctl status --json=s" short
expect_has "validate takes --model and --option, not --flavor" "memcryptctl validate --" \
        "--model --option --json --no-legend --help" "--flavor --image --policy --header"
expect_has "resolve takes --flavor and --image, not --option" "memcryptctl resolve --" \
        "--flavor --image --json" "--option --model --policy --raw"
expect_has "configure takes --policy and --option" "memcryptctl configure amd-sev guest.xml --" \
        "--policy --option" "--model --flavor --secret"
expect "attest inject options by prefix" "memcryptctl attest inject guest --r" --raw --resume
expect_has "attest measurement takes no inject options" "memcryptctl attest measurement --" \
        "--json" "--header --secret --raw"
expect "--option keys by prefix" "memcryptctl configure amd-sev --option kernel_h" kernel_hashes=
expect "--option boolean values" "memcryptctl configure amd-sev --option kernel_hashes=" true false
expect "--option model values" "memcryptctl validate - --option model=amd-sev-s" amd-sev-snp
expect "--image firmware type values" "memcryptctl resolve --image hw_firmware_type=" uefi bios
expect "--flavor keys with a colon" "memcryptctl resolve --flavor hw:mem_encryption" \
        mem_encryption= mem_encryption_model=
expect "--flavor boolean values" "memcryptctl resolve --flavor hw:mem_encryption=" true false
expect "--flavor model values" "memcryptctl resolve --flavor hw:mem_encryption_model=amd-sev-e" amd-sev-es
expect_has "attest verify takes its own options" "memcryptctl attest verify --" \
        "--measurement --api-major --api-minor --build-id --policy --tik --tk --expected --json" \
        "--header --raw --model --no-legend"
expect_has "measure takes sev-snp-measure's options" "memcryptctl measure --" \
        "--mode --ovmf --kernel --initrd --append --vcpus --vcpu-type --vmsa-init --output-format" \
        "--model --option --no-legend --header"
expect "measure modes" "memcryptctl measure --mode " sev seves snp snp:ovmf-hash
expect "measure mode with a colon" "memcryptctl measure --mode snp:" ovmf-hash
# The vCPU types are the list that ends memcryptctl measure --help: a stand-in memcryptctl on PATH
# with its own list shows they come from there, and the real one gives its own.
mkdir "$tmp/fake" "$tmp/real"
printf '#!/bin/sh\nprintf "usage\\n\\nvCPU types:\\n  EPYC EPYC-Milan EPYC-Milan-v1\\n  EPYC-Genoa EPYC-Test\\n"\n' \
        >"$tmp/fake/memcryptctl"
chmod +x "$tmp/fake/memcryptctl"
PATH=$tmp/fake:$PATH expect "vCPU types by prefix, from measure --help" \
        "memcryptctl measure --mode seves --vcpu-type EPYC-" EPYC-Milan EPYC-Milan-v1 EPYC-Genoa EPYC-Test
if [ -n "$memcryptctl" ]; then
        ln -s "$(realpath "$memcryptctl")" "$tmp/real/memcryptctl"
        PATH=$tmp/real:$PATH expect "vCPU types of this memcryptctl" "memcryptctl measure --vcpu-type EPYC-M" \
                $("$memcryptctl" measure --help | sed -n '/^vCPU types:/,$p' | sed 1d | tr ' ' '\n' | grep '^EPYC-M')
fi
expect "files after --ovmf" "memcryptctl measure --ovmf " dir guest.xml notes.txt
expect "a value of measure is no command argument" "memcryptctl measure --vcpus 4 --" \
        $(candidates "memcryptctl measure --")
# Every option memcryptctl's help names is offered for some command, so a new option cannot be
# left out of the completion unnoticed.
if [ -n "$memcryptctl" ]; then
        offered=$(for line in "memcryptctl --" "memcryptctl status --" "memcryptctl resolve --" \
                        "memcryptctl launch-security amd-sev --" "memcryptctl validate --" \
                        "memcryptctl attest inject g --" "memcryptctl attest verify --" "memcryptctl measure --" \
                        "memcryptctl attest expected --"; do
                        candidates "$line"; done | sort -u)
        missing=""
        for o in $( ("$memcryptctl" --help; "$memcryptctl" measure --help; "$memcryptctl" attest verify --help) 2>&1 |
                    grep -o -- '--[a-z][a-z-]*' | sort -u); do
                grep -qxF -- "$o" <<<"$offered" || missing+=" $o"
        done
        if [ -z "$missing" ]; then ok "every option of memcryptctl's help is offered"
        else fail "every option of memcryptctl's help is offered"; echo "# missing:$missing"; fi
fi
expect "a command after options with values" "memcryptctl --json=short model amd-sev-snp " ""
expect "the command is found after an option's value" "memcryptctl validate --model amd-sev g" guest.xml
tap_done
