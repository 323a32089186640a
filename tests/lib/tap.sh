# tests/lib/tap.sh - TAP output and clean-up for integration test scripts.
#
# Source it, call `tap_plan N`, then `tap_ok COND-EXIT "description"` or
# the helpers below.  Scratch space: $TAP_TMP (removed on exit, also on
# failure or interrupt); register extra clean-up with `tap_on_exit CMD`.
set -u
TAP_N=0
TAP_FAILED=0
TAP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/marfs-test.XXXXXX")
TAP_CLEANUP=()

tap_on_exit() { TAP_CLEANUP+=("$*"); }

_tap_exit() {
    local rc=$?
    local i
    for ((i = ${#TAP_CLEANUP[@]} - 1; i >= 0; i--)); do
        eval "${TAP_CLEANUP[$i]}" >/dev/null 2>&1 || true
    done
    rm -rf "$TAP_TMP"
    exit "$rc"
}
trap _tap_exit EXIT
trap 'exit 130' INT TERM

tap_plan() { echo "1..$1"; }

# tap_ok STATUS DESCRIPTION: status 0 passes.
tap_ok() {
    TAP_N=$((TAP_N + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $TAP_N - $2"
    else
        echo "not ok $TAP_N - $2"
        TAP_FAILED=$((TAP_FAILED + 1))
    fi
}

# tap_is GOT WANT DESCRIPTION: exact string comparison, diff on failure.
tap_is() {
    if [ "$1" = "$2" ]; then
        tap_ok 0 "$3"
    else
        tap_ok 1 "$3"
        printf '# got:  %s\n# want: %s\n' "$1" "$2" | head -40
    fi
}

tap_diag() { printf '# %s\n' "$@"; }

# Exit status of the script: failures were already reported as "not ok".
tap_done() { [ "$TAP_FAILED" -eq 0 ]; }
