#!/usr/bin/env bash
# The miniupnpd.conf that `netlab create --gateway` writes, from `netlab gateway-config` (no root,
# no lab): the router's WAN and LAN interfaces, the uplink rates in bit/s, the lab's subnet only
# allowed to map ports, and bad --uplink values refused with exit 2.
set -euo pipefail
netlab=$1
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

conf=$("$netlab" gateway-config lab1 --subnet 10.9.8 --uplink 12mbit/345kbit)
want=(
  'ext_ifname=wan0' 'listening_ip=eth0' 'enable_upnp=yes' 'secure_mode=yes'
  'bitrate_up=12000000' 'bitrate_down=345000' 'allow 1024-65535 10.9.8.0/24 1024-65535'
  'deny 0-65535 0.0.0.0/0 0-65535' 'friendly_name=netlab lab1 gateway'
)
for line in "${want[@]}"; do
  grep -qxF -- "$line" <<<"$conf" || fail "no line '$line' in: $conf"
done
# The allow line comes before the catch-all deny: miniupnpd takes the first rule that matches.
allow=$(grep -n '^allow' <<<"$conf" | cut -d: -f1)
deny=$(grep -n '^deny' <<<"$conf" | cut -d: -f1)
((allow < deny)) || fail "deny before allow"

default=$("$netlab" gateway-config lab2)
grep -qxF 'bitrate_up=20000000' <<<"$default" || fail "default uplink is not 20mbit"
grep -qxF 'bitrate_down=50000000' <<<"$default" || fail "default downlink is not 50mbit"
grep -qxF 'allow 1024-65535 10.77.0.0/24 1024-65535' <<<"$default" || fail "default subnet"
"$netlab" gateway-config lab3 --uplink 1GBIT/2gbit | grep -qxF 'bitrate_down=2000000000' ||
  fail "units are case-insensitive"

for bad in 20mbit 20/50 20mbit/ /50mbit 0mbit/1mbit 20mb/50mb 1kbit/1kbit 11gbit/1gbit; do
  rc=0
  "$netlab" gateway-config lab4 --uplink "$bad" >/dev/null 2>&1 || rc=$?
  ((rc == 2)) || fail "--uplink '$bad' exited $rc, expected 2"
done
rc=0
"$netlab" create lab5 2 --uplink 1mbit/1mbit >/dev/null 2>&1 || rc=$?
((rc == 2)) || fail "--uplink without --gateway exited $rc, expected 2"
echo "ok"
