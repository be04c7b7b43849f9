#!/usr/bin/env bash
# tty_test: output for a person and output for a program. On a terminal (a pseudo-terminal from
# script(1)) discover's table is colored and ping / ping --speed keep a live status line; with
# NO_COLOR there is no color, and through a pipe or with --json there is neither color nor
# status line, only the records.
#   tty_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
mcast=$build/cli/mcast
netlab=$src/scripts/netlab
# shellcheck source=../lib/testlib.sh
source "$src/tests/lib/testlib.sh" tty_test
tmp=$(mktemp -d /tmp/mcast-tty.XXXXXX)
at_exit 'rm -rf "$tmp"'
need_lab "$netlab"
command -v script >/dev/null || fail "script(1) is missing (util-linux)"

lab=$(new_lab "$netlab" tty 2)
at_exit '"$netlab" destroy "$lab" >/dev/null 2>&1'
export MCAST_SYSTEM_CONFIG=/nonexistent
XDG_CONFIG_HOME=$tmp/h2 "$netlab" exec "$lab" h2 "$mcast" announce --timeout 40s --name responder 2>/dev/null &
responder=$!
at_exit 'kill "$responder" 2>/dev/null; wait "$responder" 2>/dev/null'
export XDG_CONFIG_HOME=$tmp/h1
"$netlab" exec "$lab" h1 "$mcast" id >/dev/null 2>&1
"$netlab" exec "$lab" h1 "$mcast" discover --expect 1 --timeout 5s >/dev/null || fail "no responder"

ESC=$'\e'
CR=$'\r'
# on_tty FILE CMD...: runs CMD in h1 with a pseudo-terminal as stdin, stdout and stderr, and
# the terminal type of a real terminal emulator: the caller's TERM (dumb under CI, in a chroot)
# is not the terminal under test. $TTY_TERM overrides it for one call.
on_tty() {
  local file=$1
  shift
  script -qfec "$(printf '%q ' "$netlab" exec "$lab" h1 env TERM="${TTY_TERM:-xterm-256color}" "$@")" \
    "$file" >/dev/null
}

on_tty "$tmp/discover.tty" env -u NO_COLOR "$mcast" discover --expect 1 --timeout 3s
grep -q "${ESC}\[1mNAME" "$tmp/discover.tty" || fail "discover on a terminal: no bold header"
on_tty "$tmp/discover-nc.tty" env NO_COLOR=1 "$mcast" discover --expect 1 --timeout 3s
grep -q "NAME" "$tmp/discover-nc.tty" || fail "discover with NO_COLOR printed no table"
! grep -q "$ESC" "$tmp/discover-nc.tty" || fail "discover with NO_COLOR is colored"
on_tty "$tmp/discover-json.tty" "$mcast" discover --json --expect 1 --timeout 3s
! grep -q "$ESC" "$tmp/discover-json.tty" || fail "discover --json on a terminal has escapes"

on_tty "$tmp/speed.tty" "$mcast" ping --speed --rate 400 --duration 1s
grep -q "${CR}${ESC}\[Kspeed: [0-9]* sent in [0-9.]* s, [0-9]*/s (asked 400/s)" "$tmp/speed.tty" ||
  fail "ping --speed on a terminal: no live status line: $(cat -v "$tmp/speed.tty" | head -3)"
redraws=$(grep -o "${CR}${ESC}\[Kspeed: [0-9]* sent" "$tmp/speed.tty" | sort -u | wc -l)
((redraws >= 3)) || fail "ping --speed: the status line was not redrawn with new counts ($redraws)"
grep -q "responder .* received *[0-9]* " "$tmp/speed.tty" || fail "ping --speed: no result row"
on_tty "$tmp/ping.tty" "$mcast" ping --count 3 --interval 200ms
grep -q "${CR}${ESC}\[Kping: [0-9]* probes\? sent, [0-9]* repl" "$tmp/ping.tty" ||
  fail "ping on a terminal: no live status line"
on_tty "$tmp/ping-q.tty" "$mcast" ping -q --count 2 --interval 100ms
! grep -q "${ESC}\[K" "$tmp/ping-q.tty" || fail "ping -q shows a status line"
# A dumb terminal cannot erase a line: no status line there, the results all the same.
TTY_TERM=dumb on_tty "$tmp/speed-dumb.tty" "$mcast" ping --speed --rate 400 --duration 1s
! grep -q "${ESC}\[K" "$tmp/speed-dumb.tty" || fail "ping --speed with TERM=dumb shows a status line"
grep -q "responder .* received *[0-9]* " "$tmp/speed-dumb.tty" || fail "ping --speed with TERM=dumb: no result row"

"$netlab" exec "$lab" h1 "$mcast" ping --speed --rate 400 --duration 1s >"$tmp/speed.out" 2>&1
grep -q "responder .* received *[0-9]* " "$tmp/speed.out" || fail "piped ping --speed: no result row"
! grep -q -e "$ESC" -e "$CR" "$tmp/speed.out" || fail "piped ping --speed has escapes or a status line"
"$netlab" exec "$lab" h1 "$mcast" discover --expect 1 --timeout 3s >"$tmp/discover.out" 2>&1
! grep -q "$ESC" "$tmp/discover.out" || fail "piped discover is colored"
echo "tty_test: ok"
