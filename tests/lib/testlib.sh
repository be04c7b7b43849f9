# testlib.sh: what the shell tests share: a FAIL line and exit 1, step headings, the rule for labs
# (skip with 77 where none can be made, but never under CI=true), and clean-up that runs however
# the test ends. Source it after `set -euo pipefail`:
#   source "$(dirname "$0")/../lib/testlib.sh" tty_test
#   at_exit 'rm -rf "$tmp"'
testlib_name=$1
testlib_cleanups=()

fail() {
  printf '%s: FAIL: %s\n' "$testlib_name" "$*" >&2
  exit 1
}
step() { printf '== %s\n' "$*"; }

# at_exit CODE: run CODE (a string for eval) when the test ends, the last registered first.
at_exit() { testlib_cleanups+=("$1"); }
testlib_run_cleanups() {
  local i
  for ((i = ${#testlib_cleanups[@]} - 1; i >= 0; i--)); do
    eval "${testlib_cleanups[i]}" || true
  done
}
trap testlib_run_cleanups EXIT

# need_lab NETLAB: returns when labs can be made here; else exits 77 (skipped), or fails under
# CI=true, where the networked tests must run.
need_lab() {
  local why
  if ! why=$("$1" check 2>&1); then
    [[ ${CI:-} == true ]] && fail "CI=true but no lab can be made here: $why"
    printf '%s: SKIP: no lab here: %s\n' "$testlib_name" "$why"
    exit 77
  fi
}

# new_lab NETLAB PREFIX N: makes a lab of N hosts named PREFIX and this shell's pid (at most
# 12 characters), removed when the test ends; prints its name.
new_lab() {
  local name="$2$$"
  name=${name:0:12}
  # Owned by the test's shell ($$ there too), not by the $(...) subshell that runs this: that
  # one exits at once, and another test's `netlab gc` would then remove the lab under us.
  "$1" create "$name" "$3" --owner $$ >/dev/null || return 1
  printf '%s\n' "$name"
}
