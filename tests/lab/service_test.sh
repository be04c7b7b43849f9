#!/usr/bin/env bash
# service_test: the resident node as a service. The installed units pass `systemd-analyze
# verify` (plain and template instance), and a running `mcast announce` re-reads its config on
# SIGHUP (what `systemctl reload` sends): a new name is announced under the same id, and a
# broken config is reported while the node goes on with the settings it had.
#   service_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
mcast=$build/cli/mcast
netlab=$src/scripts/netlab
# shellcheck source=../lib/testlib.sh
source "$src/tests/lib/testlib.sh" service_test
tmp=$(mktemp -d /tmp/mcast-service.XXXXXX)
at_exit 'rm -rf "$tmp"'
announce_pid=""

if command -v systemd-analyze >/dev/null; then
  step "systemd-analyze verify on the installed units"
  prefix=$tmp/prefix
  cmake --install "$build" --prefix "$prefix" --component runtime >/dev/null
  units=$prefix/lib/systemd/system
  cp "$units/mcast-announce@.service" "$units/mcast-announce@lab1.service"
  for unit in mcast-announce.service mcast-announce@lab1.service; do
    # MANPATH lets verify find the pages named in Documentation=.
    if ! out=$(MANPATH=$prefix/share/man SYSTEMD_LOG_LEVEL=warning \
      systemd-analyze verify --man=yes "$units/$unit" 2>&1) || [[ -n $out ]]; then
      fail "systemd-analyze verify $unit: $out"
    fi
  done
  # systemd's own rating of the sandbox: exposure at most 2.0 of 10 ("OK").
  if systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
    systemd-analyze security --offline=yes --threshold=20 "$units/mcast-announce.service" \
      >"$tmp/security.txt" 2>&1 || fail "sandbox exposure above 2.0: $(tail -1 "$tmp/security.txt")"
  fi
  grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$units/mcast-announce.service" || fail "no reload by SIGHUP"
  for key in User=mcast ProtectSystem=strict NoNewPrivileges=yes StateDirectory=mcast \
    RestartPreventExitStatus=2; do
    grep -q "^$key\$" "$units/mcast-announce.service" || fail "unit lacks $key"
  done
  # The user it runs as, made by systemd-sysusers into a scratch root.
  mkdir -p "$tmp/sysroot/etc"
  systemd-sysusers --root="$tmp/sysroot" "$prefix/lib/sysusers.d/mcast.conf" >/dev/null 2>&1 ||
    fail "systemd-sysusers rejects lib/sysusers.d/mcast.conf"
  grep -q '^mcast:x:[0-9]*:[0-9]*:mcast node:/var/lib/mcast:/usr/sbin/nologin$' "$tmp/sysroot/etc/passwd" ||
    fail "no mcast user from sysusers: $(cat "$tmp/sysroot/etc/passwd")"
elif [[ ${CI:-} == true ]]; then
  fail "CI=true but systemd-analyze is missing (scripts/deps installs systemd)"
else
  echo "(no systemd-analyze here: units not verified)"
fi

need_lab "$netlab"

step "announce re-reads its config on SIGHUP"
lab=$(new_lab "$netlab" svc 2)
at_exit '"$netlab" destroy "$lab" >/dev/null 2>&1'
at_exit '[[ -n $announce_pid ]] && kill "$announce_pid" 2>/dev/null'
home1=$tmp/h1 home2=$tmp/h2
mkdir -p "$home1/mcast" "$home2/mcast"
printf '[announce]\nname = alpha\ninterval = 1s\n' >"$home1/mcast/config"
env1=(env XDG_CONFIG_HOME="$home1" MCAST_SYSTEM_CONFIG=/nonexistent)
env2=(env XDG_CONFIG_HOME="$home2" MCAST_SYSTEM_CONFIG=/nonexistent)
"$netlab" exec "$lab" h1 "${env1[@]}" "$mcast" announce --timeout 600s 2>"$tmp/announce.err" &
announce_pid=$!

# The name h2 sees for the one node on the LAN (its id in $tmp/id).
seen_name() {
  "$netlab" exec "$lab" h2 "${env2[@]}" "$mcast" discover --json --expect 1 --timeout 3s >"$tmp/disc.json" || true
  jq -r 'select(.type == "node") | .id' "$tmp/disc.json" | head -1 >"$tmp/id"
  jq -r 'select(.type == "node") | .name' "$tmp/disc.json" | head -1
}
# Waits up to 5 s for h2 to see the name $1.
expect_name() {
  local name
  for _ in 1 2 3 4 5; do
    name=$(seen_name)
    [[ $name == "$1" ]] && return 0
    sleep 1
  done
  fail "expected the node to be called '$1', h2 sees '${name:-nothing}'"
}
expect_name alpha
first_id=$(cat "$tmp/id")
[[ ${#first_id} == 64 ]] || fail "no node id: '$first_id'"

printf '[announce]\nname = beta\ninterval = 1s\n' >"$home1/mcast/config"
kill -HUP "$announce_pid"
expect_name beta
[[ $(cat "$tmp/id") == "$first_id" ]] || fail "the id changed on reload"
wait_for_reload_note() {
  for _ in $(seq 50); do
    grep -q "settings read again" "$tmp/announce.err" && return 0
    sleep 0.1
  done
  fail "no note of the reload: $(cat "$tmp/announce.err")"
}
wait_for_reload_note

step "a broken config on SIGHUP is reported and the node keeps its settings"
# wait_err TEXT: waits up to 5 s for TEXT (a grep pattern) in announce's stderr.
wait_err() {
  for _ in $(seq 50); do
    grep -q -- "$1" "$tmp/announce.err" && return 0
    sleep 0.1
  done
  fail "announce did not say '$1': $(cat "$tmp/announce.err")"
}
printf '[announce]\nname = gamma\nintreval = 1s\n' >"$home1/mcast/config"
kill -HUP "$announce_pid"
wait_err "reload: .*config:3: unknown setting 'intreval' in \[announce\] (still running as before)"
kill -0 "$announce_pid" 2>/dev/null || fail "announce died on a broken config"
expect_name beta

step "SIGHUP reads the trust store again"
printf '[announce]\nname = beta\naccept = trusted\n' >"$home1/mcast/config"
kill -HUP "$announce_pid"
wait_err "reload: --accept trusted: the trust store has no friend yet"
h2_id=$("$netlab" exec "$lab" h2 "${env2[@]}" "$mcast" id --json | jq -r .id)
"$netlab" exec "$lab" h1 "${env1[@]}" "$mcast" trust add "$h2_id" --note "from the test" >/dev/null 2>"$tmp/trust.err"
reloads=$(grep -c "settings read again" "$tmp/announce.err")
kill -HUP "$announce_pid"
for _ in $(seq 50); do
  (($(grep -c "settings read again" "$tmp/announce.err") > reloads)) && break
  sleep 0.1
done
(($(grep -c "settings read again" "$tmp/announce.err") > reloads)) ||
  fail "no reload once a friend was added: $(tail -2 "$tmp/announce.err")"

step "settings that pass their checks but do not start: the old ones go on"
printf '[announce]\nname = beta\ninterface = eth9\n' >"$home1/mcast/config"
kill -HUP "$announce_pid"
wait_err "reload: interface 'eth9' does not exist (still running as before)"
kill -0 "$announce_pid" 2>/dev/null || fail "announce died on a reload that did not start"
expect_name beta

step "a burst of SIGHUPs, then SIGTERM: a goodbye and exit 0 at once"
printf '[announce]\nname = beta\n' >"$home1/mcast/config"
"$netlab" exec "$lab" h2 "${env2[@]}" "$mcast" discover --watch --json --timeout 20s \
  >"$tmp/watch.json" 2>/dev/null &
watch_pid=$!
at_exit 'kill "$watch_pid" 2>/dev/null'
for _ in $(seq 50); do grep -q '"type":"join"' "$tmp/watch.json" && break; sleep 0.1; done
grep -q '"type":"join"' "$tmp/watch.json" || fail "the watcher never saw the node"
for _ in $(seq 20); do kill -HUP "$announce_pid"; done
kill -TERM "$announce_pid"
# The TERM must not be lost in the reloads: announce ends within seconds (its --timeout is 600 s).
for _ in $(seq 100); do kill -0 "$announce_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$announce_pid" 2>/dev/null && fail "announce still runs 10 s after SIGTERM (lost in the reloads)"
wait "$announce_pid" || fail "announce exited with status $? on SIGTERM"
announce_pid=""
for _ in $(seq 50); do grep -q '"reason":"goodbye"' "$tmp/watch.json" && break; sleep 0.1; done
grep -q '"type":"leave".*"reason":"goodbye"' "$tmp/watch.json" ||
  fail "no goodbye seen: $(tail -2 "$tmp/watch.json")"
echo "service_test: ok"
