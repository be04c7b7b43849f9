#!/usr/bin/env bash
# netlab's --routed labs, checked without mcast: the router configs it writes (no root), then real labs in
# which tests/lab/mcast_probe.py sends through the router. smcroute: site-scope IPv4 (TTL 15) and IPv6 (ff05::)
# cross between the LANs, one hop (TTL 14 on arrival), link scope (TTL 1, ff02::) does not; unicast is routed;
# a stopped router forwards nothing and a restarted one forwards again. pimd: SSM (S,G) joins with IGMPv3,
# each listener hearing the source it chose. Exits 77 (skipped) when labs cannot be made here.
#   netlab_routed_test.sh NETLAB PROBE
set -euo pipefail
netlab=$1 probe=$2
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# --- the configs, no root needed -----------------------------------------------------------------------------
conf=$("$netlab" router-config lab1 smcroute --segments 3 --subnet 10.9.8)
for line in 'phyint eth0 enable' 'phyint eth2 enable' 'mroute from eth0 group 239.255.0.0/16 to eth1 eth2' \
  'mroute from eth2 group ff05::/16 to eth0 eth1' 'mroute from eth1 group 232.0.0.0/8 to eth0 eth2'; do
  grep -qxF -- "$line" <<<"$conf" || fail "no line '$line' in: $conf"
done
grep -q 'ff02' <<<"$conf" && fail "link-scope IPv6 must never be routed: $conf"
conf=$("$netlab" router-config lab1 pimd --subnet 10.9.8)
grep -qxF 'rp-address 10.9.8.254 224.0.0.0/4' <<<"$conf" || fail "pimd RP: $conf"
grep -qxF 'phyint eth1 enable' <<<"$conf" || fail "pimd phyint: $conf"
for bad in "router-config lab1 mrouted" "router-config lab1 pimd --segments 1" \
  "router-config lab1 pimd --segments 9" "create lab1 2 --segments 2" "create lab1 2 --router pimd" \
  "create lab1 2 --routed --gateway" "create lab1 3 --routed --segments 4" "create lab1 2 --routed --router x" \
  "create lab1 2 --routed --subnet 10.0.255"; do
  rc=0
  # shellcheck disable=SC2086 # words of a command line
  "$netlab" $bad >/dev/null 2>&1 || rc=$?
  ((rc == 2)) || fail "netlab $bad exited $rc, expected 2"
done

# --- real labs ------------------------------------------------------------------------------------------------
if ! "$netlab" check 2>/dev/null; then
  echo "skipped: labs cannot be made here"
  exit 77
fi
lab=nlrt$$
tmp=$(mktemp -d)
# shellcheck disable=SC2064 # expand now
trap "'$netlab' destroy '$lab'; rm -rf '$tmp'" EXIT

# listen NAME HOST GROUP [SOURCE]: a receiver in the background, writing to $tmp/NAME, joined on return;
# it runs until `stop` (at most 60 s), so that a slow start of the senders on a loaded machine cannot make a
# receiver give up before they send.
listeners=()
listen() {
  local name=$1 host=$2 group=$3 source=${4:-} i
  "$netlab" exec "$lab" "$host" "$probe" recv "$group" 7000 60 $source >"$tmp/$name" 2>&1 &
  listeners+=($!)
  for ((i = 0; i < 100; i++)); do
    grep -q '^joined' "$tmp/$name" 2>/dev/null && return 0
    sleep 0.05
  done
  fail "receiver $name did not join: $(cat "$tmp/$name")"
}
send() { "$netlab" exec "$lab" "$1" "$probe" send "$2" 7000 "$3" 3 "$4"; }
# stop: end the receivers once what was sent has had time to arrive (netlab exec runs the probe itself).
stop() {
  sleep 0.5
  kill "${listeners[@]}" 2>/dev/null || true
  wait "${listeners[@]}" 2>/dev/null || true
  listeners=()
}
heard() { grep -c "^$2 " "$tmp/$1" || true; }

"$netlab" create "$lab" 4 --routed
[[ $("$netlab" addr "$lab" h3) == 10.77.1.3 ]] || fail "h3 is not on the second LAN"
[[ $("$netlab" addr "$lab" h2) == 10.77.0.2 ]] || fail "h2 is not on the first LAN"
[[ $("$netlab" addr "$lab" h4 6g) == fd77:4d:1::4 ]] || fail "h4's ULA: $("$netlab" addr "$lab" h4 6g)"
"$netlab" exec "$lab" h1 ping -c1 -W2 10.77.1.3 >/dev/null || fail "IPv4 unicast is not routed"
"$netlab" exec "$lab" h1 ping -c1 -W2 fd77:4d:1::4 >/dev/null || fail "IPv6 unicast is not routed"

listen a h3 239.255.77.67
listen b h4 ff05::4d43
listen c h4 ff02::4d43
send h1 239.255.77.67 15 site4
send h1 239.255.77.67 1 link4
send h2 ff05::4d43 15 site6
send h2 ff02::4d43 15 link6
stop
(($(heard a site4) == 3)) || fail "site-scope IPv4 did not cross: $(cat "$tmp/a")"
grep -q '^site4 0 10.77.0.1 14$' "$tmp/a" || fail "site-scope IPv4 did not arrive one hop away: $(cat "$tmp/a")"
(($(heard a link4) == 0)) || fail "TTL 1 crossed the router: $(cat "$tmp/a")"
(($(heard b site6) == 3)) || fail "ff05:: did not cross: $(cat "$tmp/b")"
grep -q '^site6 0 fd77:4d::2 14$' "$tmp/b" || fail "ff05:: did not arrive one hop away: $(cat "$tmp/b")"
(($(heard c link6) == 0)) || fail "ff02:: crossed the router: $(cat "$tmp/c")"

"$netlab" router "$lab" stop
listen d h3 239.255.77.67
send h1 239.255.77.67 15 stopped
stop
(($(heard d stopped) == 0)) || fail "a stopped router forwarded: $(cat "$tmp/d")"
"$netlab" router "$lab" start
listen e h3 239.255.77.67
send h1 239.255.77.67 15 again
stop
(($(heard e again) == 3)) || fail "the restarted router does not forward: $(cat "$tmp/e")"
"$netlab" destroy "$lab"

if ! "$netlab" router-config x pimd >/dev/null || [[ ! -x /usr/sbin/pimd && ! -x /opt/mcast-lab/pimd/usr/sbin/pimd ]]; then
  fail "pimd is not installed (scripts/deps)"
fi
"$netlab" create "$lab" 4 --routed --router pimd
listen f h3 232.1.2.3 10.77.0.1
listen g h4 232.1.2.3 10.77.0.2
send h1 232.1.2.3 15 from1 &
sender=$!
send h2 232.1.2.3 15 from2
wait "$sender"
routes=$("$netlab" router "$lab" status) # while the listeners are still joined
stop
(($(heard f from1) == 3 && $(heard f from2) == 0)) || fail "SSM listener of h1 heard: $(cat "$tmp/f")"
(($(heard g from2) == 3 && $(heard g from1) == 0)) || fail "SSM listener of h2 heard: $(cat "$tmp/g")"
grep -qE '^\(10\.77\.0\.[12],232\.1\.2\.3\).*Oifs: eth1' <<<"$routes" ||
  fail "pimd has no (S,G) route to the second LAN: $routes"
echo "ok"
