# shellcheck shell=bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# TAP for the bash test scripts. Source it relative to the script:
#
#       . "$(dirname "$0")/tap.sh"                 (tests/)
#       . "$(dirname "$0")/../tap.sh"              (tests/*/)
#
# then number test points with ok/fail/skip or check, and end with `tap_done`: the plan, a
# "# N passed, N failed" comment, and the exit status (1 when any point failed).

passed=0 failed=0 skipped=0

ok()   { passed=$((passed + 1)); echo "ok $((passed + failed + skipped)) - $1"; }
fail() { failed=$((failed + 1)); echo "not ok $((passed + failed + skipped)) - $1"; }
# skip NAME WHY
skip() { skipped=$((skipped + 1)); echo "ok $((passed + failed + skipped)) - $1 # SKIP $2"; }
# check NAME COMMAND...: one point, passed when COMMAND succeeds.
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }

# expect_exit CODE NEEDLE ARGS...: "$tap_prog" ARGS exits with CODE and prints NEEDLE on stdout or
# stderr. Set tap_prog (the program under test) before using it.
expect_exit() {
        local code=$1 needle=$2; shift 2
        local out rc
        out=$("${tap_prog:?set tap_prog before expect_exit}" "$@" 2>&1 </dev/null); rc=$?
        [ "$rc" = "$code" ] && grep -qF -- "$needle" <<<"$out" ||
                { echo "# ${tap_prog##*/} $*: exit $rc, output: ${out:0:300}"; return 1; }
}

tap_done() {
        echo "1..$((passed + failed + skipped))"
        echo "# $passed passed, $failed failed$([ "$skipped" = 0 ] || echo ", $skipped skipped")"
        [ "$failed" = 0 ]
}
