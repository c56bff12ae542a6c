#!/bin/bash
# memcryptctl's command line without a service: help, version, usage errors (exit 2), and an
# unreachable bus (exit 1). tests/integration runs the verbs against a real memcryptd.
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
for verb in models doctor describe refresh monitor "model amd-sev"; do
        # shellcheck disable=SC2086
        check "$verb without a bus exits 1" nobus 1 "memcryptctl:" $verb --json
done

tap_done
