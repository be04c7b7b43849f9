#!/usr/bin/env bash
# wireshark_test.sh: proves that the Wireshark dissector (contrib/wireshark/mcast.lua) decodes
# what mcast really sends. Two parts, each a ctest of its own:
#   --vectors  every datagram of tests/vectors/ wrapped in UDP (text2pcap): the valid ones decode
#              to the expected fields and values, each reject vector is marked with the reason a
#              receiver counts (those the dissector can tell: not bad_signature or forged_root); and each
#              sequence of tests/vectors/sequences decodes step by step, repeats marked as copies;
#   --lab      in a two-host lab, tshark captures on h2 what `mcast send`, `mcast announce` and
#              mcast-inject (malformed datagrams) send from h1, over IPv4 and IPv6, and the capture
#              must decode to exactly what was sent, with the sender's real key; then what real
#              runs of announce, ping, ping --speed and pair send must be named in Info, with
#              payloads of the shape docs/protocol.md gives them.
# Neither runs on the machine's own network: every send and capture is inside the lab.
#
#   tests/lab/wireshark_test.sh [--vectors] [--lab] [--mcast PATH] [--inject PATH] [--keep DIR]
# runs both parts by default; --keep copies the captures to DIR for a look in Wireshark. The
# binaries default to $MCAST_BIN and $MCAST_INJECT, else those in build/.
#
# Exit 0 passed, 1 failed, 77 skipped: tshark is missing, or (--lab) no lab can be made here.
# With CI=true nothing is skipped: CI must have both, so their absence is a failure.
set -euo pipefail
shopt -s inherit_errexit

root=$(cd "$(dirname "$0")/../.." && pwd)
dissector=$root/contrib/wireshark/mcast.lua
netlab=$root/scripts/netlab
mcast=${MCAST_BIN:-$root/build/cli/mcast}
inject=${MCAST_INJECT:-$root/build/tests/mcast-inject}
keep=""
run_vectors=0
run_lab=0
while (($#)); do
  case $1 in
    --vectors) run_vectors=1; shift ;;
    --lab) run_lab=1; shift ;;
    --mcast) mcast=$2; shift 2 ;;
    --inject) inject=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) echo "wireshark_test: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
if ((!run_vectors && !run_lab)); then run_vectors=1 run_lab=1; fi

# Failures are counted in a file: checks also run inside $(...), whose variables do not come back.
fail() { echo "FAIL: $*" >&2; echo "$*" >>"$tmp/failures"; }
pass() { echo "ok: $*"; }
# expect_eq WHAT GOT WANT
expect_eq() {
  if [[ $2 == "$3" ]]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}
skip_or_fail() { # the layer cannot run here: a skip, except in CI
  if [[ ${CI:-} == true ]]; then
    echo "wireshark_test: CI=true but $*" >&2
    exit 1
  fi
  echo "wireshark_test: skipped: $*" >&2
  exit 77
}

for tool in tshark text2pcap; do
  command -v "$tool" >/dev/null || skip_or_fail "$tool is not installed (scripts/deps installs tshark)"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wireshark-test.XXXXXX")
: >"$tmp/failures"
lab=""
capture_pid=""
cleanup() {
  if [[ -n $capture_pid ]]; then
    kill -INT "$capture_pid" 2>/dev/null || true
    wait "$capture_pid" 2>/dev/null || true
  fi
  [[ -z $lab ]] || "$netlab" destroy "$lab" || true
  if [[ -n $keep ]] && mkdir -p "$keep"; then
    cp "$tmp"/*.pcap* "$keep"/ 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# tshark reads no personal configuration or plugins (an installed copy of the dissector would
# clash with the one under test), and writes nothing to the real home.
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/config
mkdir -p "$HOME" "$XDG_CONFIG_HOME"

# decode PCAP ARGS...: tshark with the dissector; a Lua error anywhere fails the test.
decode() {
  local pcap=$1 err=$tmp/decode.err
  shift
  if ! tshark -n -r "$pcap" -X "lua_script:$dissector" "$@" 2>"$err"; then
    cat "$err" >&2
    fail "tshark $* failed"
    return 0
  fi
  if grep -qi 'lua' "$err"; then
    cat "$err" >&2
    fail "the dissector reported a Lua error"
  fi
}

# check_no_lua_errors PCAP: the full dissection of every frame shows no Lua error.
check_no_lua_errors() {
  local out
  out=$(decode "$1" -V)
  if grep -qi 'lua error' <<<"$out"; then
    grep -i -B3 'lua error' <<<"$out" >&2
    fail "Lua error in the dissection of $1"
  else
    pass "no Lua error in the full dissection of ${1##*/}"
  fi
}

# json_field FILE NAME: the value of "NAME": in a one-line JSON file (strings unquoted).
json_field() {
  sed -nE 's/.*"'"$2"'":("([^"]*)"|(-?[0-9]+)).*/\2\3/p' "$1"
}

vectors_test() {
  echo "== dissector against tests/vectors"
  local v n=0
  local -a names=()
  : >"$tmp/vectors.txt"
  for v in "$root"/tests/vectors/*.json; do
    # od's offset-and-hex lines are text2pcap's input; each datagram starts at offset 0.
    json_field "$v" datagram | xxd -r -p | od -Ax -tx1 -v >>"$tmp/vectors.txt"
    names+=("$v")
    n=$((n + 1))
  done
  if ! text2pcap -q -4 10.77.0.1,239.255.77.67 -u 40000,7767 "$tmp/vectors.txt" "$tmp/vectors.pcap" \
    2>"$tmp/text2pcap.err"; then
    cat "$tmp/text2pcap.err" >&2
    fail "text2pcap could not wrap the vectors"
    return
  fi
  local rows
  rows=$(decode "$tmp/vectors.pcap" -T fields -E separator='|' -E aggregator=';' \
    -e frame.number -e mcast.reject_reason -e mcast.topic -e mcast.seq -e mcast.sender_key \
    -e mcast.incarnation -e mcast.timestamp -e mcast.type -e mcast.flags -e mcast.version)
  expect_eq "one decoded row per vector" "$(wc -l <<<"$rows")" "$n"
  local i=0 name reject reason topic seq key inc ts type flags version
  while IFS='|' read -r _ reason topic seq key inc ts type flags version; do
    v=${names[i]}
    i=$((i + 1))
    name=$(basename "$v" .json)
    reject=$(sed -nE 's/.*"reject":"([a-z_0-9]+)".*/\1/p' "$v")
    if [[ -n $reject ]]; then
      # The dissector has no Ed25519: a bad signature (of a datagram or of a batch's root) is
      # the one reject it cannot see.
      [[ $reject == bad_signature || $reject == forged_root ]] && reject=""
      expect_eq "$name: marked as" "$reason" "$reject"
      continue
    fi
    expect_eq "$name: no error" "$reason" ""
    expect_eq "$name: version" "$version" 1
    expect_eq "$name: type" "$type" "$(printf '0x%02x' "$(json_field "$v" type)")"
    expect_eq "$name: flags" "$flags" "$(printf '0x%04x' "$(json_field "$v" flags)")"
    expect_eq "$name: topic" "$topic" "$(json_field "$v" topic)"
    expect_eq "$name: seq" "$seq" "$(json_field "$v" seq)"
    expect_eq "$name: sender key" "$key" "$(json_field "$v" sender_key)"
    expect_eq "$name: incarnation" "$inc" "0x$(json_field "$v" incarnation)"
    expect_eq "$name: timestamp" "$ts" "$(json_field "$v" timestamp)"
  done <<<"$rows"

  # Every value of the scalar vector, in order: the int64 extremes and -0 must survive.
  local scalars
  scalars=$(decode "$tmp/vectors.pcap" -Y 'mcast.topic == "sensors/kitchen"' -T fields -E separator='|' \
    -E aggregator=';' -e mcast.count -e mcast.value.type -e mcast.value.int -e mcast.value.float -e mcast.value.bool)
  expect_eq "valid-scalars: values" "$scalars" \
    "9|0x00;0x02;0x01;0x03;0x03;0x03;0x03;0x04;0x04|0;-1;-9223372036854775808;9223372036854775807|21.5;-0|1;0"
  local text
  text=$(decode "$tmp/vectors.pcap" -Y 'mcast.topic == "chat"' -T fields -E separator='|' -E aggregator=';' \
    -e mcast.value.string -e mcast.value.bytes)
  expect_eq "valid-text-bytes: values" "$text" 'grüß dich 👋;a\x00b|<MISSING>;00ff10'
  local nested
  nested=$(decode "$tmp/vectors.pcap" -Y 'mcast.topic == "deep"' -T fields -E aggregator=';' -e mcast.value.count)
  expect_eq "valid-nested: list counts" "$nested" "1;1;1;1;1;1;1;1;0;2;1"
  local sender_id
  sender_id=$(decode "$tmp/vectors.pcap" -Y 'mcast.topic == "chat"' -T fields -e mcast.sender_id)
  expect_eq "sender id is the SHA-256 of the key" "$sender_id" \
    "$(json_field "$root/tests/vectors/valid-text-bytes.json" sender_key | xxd -r -p | sha256sum | cut -d' ' -f1)"
  # Section 12: a weather report's essentials in Info, and exactly the vectors marked
  # "shape": false (valid datagrams whose tuple a receiver ignores) warned as mcast.bad_shape.
  # One tshark run: each costs seconds on a loaded machine.
  local weather shaped want_shaped=""
  weather=$(decode "$tmp/vectors.pcap" -Y 'mcast.type == 0x0f || mcast.bad_shape' -T fields \
    -E separator='|' -e mcast.seq -e mcast.bad_shape -e _ws.col.Info)
  [[ $weather == *'|Weather report seq=24 sender=3097e2dee2cb "media-pc" every 5000 ms: live-stream, backup; 1 link; gateway'* ]] ||
    fail "Info of valid-weather-report: '$weather'"
  [[ $(grep '^25|' <<<"$weather") == '25||Weather report seq=25 sender=3097e2dee2cb "" every 5000 ms: live-stream, backup; 1 link' ]] ||
    fail "Info of valid-weather-anonymous: '$weather'"
  for v in "$root"/tests/vectors/*.json; do
    if grep -q '"shape":false' "$v"; then want_shaped+="$(json_field "$v" seq)"$'\n'; fi
  done
  shaped=$(awk -F'|' '$2 != "" { print $1 }' <<<"$weather" | sort -n)
  expect_eq "bad_shape exactly on the vectors marked \"shape\": false" "$shaped" \
    "$(printf '%s' "$want_shaped" | sort -n)"
  [[ -n $shaped ]] || fail "no vector of the wrong shape"
  # Section 3.4: the batch fields of the batch-signed vectors, their paths checked by SHA-256
  # (the forged root's path is sound: only its signature, which the dissector cannot check, is not).
  local batches
  batches=$(decode "$tmp/vectors.pcap" -Y 'mcast.batch.path_status' -T fields -E separator='|' \
    -e mcast.batch.index -e mcast.batch.size -e mcast.flags.batch | sort)
  expect_eq "batch-signed vectors whose path leads to their root" "$batches" $'0|3|1\n1|3|1\n2|3|1'
  check_no_lua_errors "$tmp/vectors.pcap"
  sequences_test
}

# The stateful sequences (tests/vectors/sequences): the dissector keeps no replay state, so each
# datagram must decode without a reject reason, and a datagram that repeats an earlier step's
# bytes (a duplicate or replay) must be marked as a copy of that step's frame.
sequences_test() {
  command -v jq >/dev/null || { fail "jq is missing (scripts/deps installs it)"; return; }
  local seq name rows frame reason copy
  for seq in "$root"/tests/vectors/sequences/*.json; do
    name=sequences/$(basename "$seq" .json)
    : >"$tmp/seq.txt"
    local -a hexes=()
    mapfile -t hexes < <(jq -r '.steps[].datagram' "$seq")
    local h
    for h in "${hexes[@]}"; do
      xxd -r -p <<<"$h" | od -Ax -tx1 -v >>"$tmp/seq.txt"
    done
    text2pcap -q -4 10.77.0.1,239.255.77.67 -u 40000,7767 "$tmp/seq.txt" "$tmp/seq.pcap" 2>/dev/null ||
      { fail "$name: text2pcap failed"; continue; }
    rows=$(decode "$tmp/seq.pcap" -T fields -E separator='|' -e frame.number -e mcast.reject_reason -e mcast.copy_of)
    expect_eq "$name: one row per step" "$(wc -l <<<"$rows")" "${#hexes[@]}"
    while IFS='|' read -r frame reason copy; do
      expect_eq "$name: step $frame has no stateless fault" "$reason" ""
      local want="" i
      for ((i = 0; i < frame - 1; i++)); do
        if [[ ${hexes[i]} == "${hexes[frame - 1]}" ]]; then want=$((i + 1)); break; fi
      done
      expect_eq "$name: step $frame copy of" "$copy" "$want"
    done <<<"$rows"
  done
}

# wait_for FILE TEXT: until a background command has written TEXT to FILE (10 s at most).
wait_for() {
  local deadline=$((SECONDS + 10))
  until grep -qF -- "$2" "$1" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      fail "no '$2' in ${1##*/} after 10 s: $(cat "$1" 2>/dev/null)"
      return 0
    fi
    sleep 0.05
  done
}

lab_test() {
  echo "== dissector against a capture in a lab"
  local rc=0
  "$netlab" check || rc=$?
  ((rc == 0)) || skip_or_fail "no lab can be made here (netlab check: $rc)"
  [[ -x $mcast ]] || { fail "no mcast binary at $mcast (--mcast PATH)"; return; }
  [[ -x $inject ]] || { fail "no mcast-inject at $inject (--inject PATH)"; return; }

  lab=wsd$$
  lab=${lab:0:12}
  "$netlab" create "$lab" 2
  local h1_v6
  h1_v6=$("$netlab" addr "$lab" h1 6)

  # Identities: A sends from h1; on h2, B announces and accepts a pairing, C answers pings.
  # Each host has its own config directory (trust store), none of them the real one.
  local name
  for name in a b c; do
    "$mcast" id --new --identity "$tmp/$name.pem" >/dev/null 2>&1
    "$mcast" id --json --identity "$tmp/$name.pem" >"$tmp/$name.json"
  done
  local key=$tmp/a.pem public_key node_id b_id
  public_key=$(json_field "$tmp/a.json" public_key)
  node_id=$(json_field "$tmp/a.json" id)
  b_id=$(json_field "$tmp/b.json" id)
  [[ $public_key =~ ^[0-9a-f]{64}$ ]] || { fail "mcast id printed no public key: $(cat "$tmp/a.json")"; return; }
  # (Commands put in the background are simple commands, not these functions, so that $! is the
  # process itself and a signal reaches it.)
  local h1_env=XDG_CONFIG_HOME=$tmp/config-h1 h2_env=XDG_CONFIG_HOME=$tmp/config-h2
  on_h1() { env "$h1_env" "$netlab" exec "$lab" h1 "$@"; }

  # Capture on h2 with the project's port as capture filter; -P -l prints each packet as it is
  # written, which is how we know the capture is running.
  local cap=$tmp/capture.pcapng
  env "$h2_env" "$netlab" exec "$lab" h2 tshark -n -i eth0 -f 'udp port 7767' -w "$cap" -P -l \
    >"$tmp/live.txt" 2>"$tmp/capture.err" &
  capture_pid=$!
  local canaries=0 deadline=$((SECONDS + 15))
  until [[ -s $tmp/live.txt ]]; do
    if ! kill -0 "$capture_pid" 2>/dev/null; then
      cat "$tmp/capture.err" >&2
      fail "tshark did not start capturing in h2"
      return
    fi
    ((SECONDS < deadline)) || { fail "tshark in h2 captured nothing within 15 s"; return; }
    on_h1 "$mcast" send -4 --identity "$key" --topic wireshark/canary ready
    canaries=$((canaries + 1))
    sleep 0.3
  done
  pass "capturing in h2 (after $canaries canary datagrams)"
  local ready
  ready=$(wc -l <"$tmp/live.txt")

  # First what the checks below count exactly: three data messages (seq 1-3, each over IPv4 and
  # IPv6) with a value of every type, one announcement per family, and three malformed datagrams
  # from the test vectors.
  local t0 t1
  t0=$(date +%s%N)
  on_h1 "$mcast" send --identity "$key" --topic wireshark/test --repeat 3 --interval 100ms \
    --json-values '["hello wireshark", 42, -7, 21.5, true, false, null, {"bytes":"3q2+7w=="}, [1, "nested", [2.5]]]'
  t1=$(date +%s%N)
  on_h1 "$mcast" announce --once --identity "$key" --name wsnode --meta role=dissector-test
  local bad_magic truncated bad_length
  bad_magic=$(json_field "$root/tests/vectors/reject-magic.json" datagram)
  truncated=$(json_field "$root/tests/vectors/reject-truncated.json" datagram)
  bad_length=$(json_field "$root/tests/vectors/reject-length.json" datagram)
  on_h1 "$inject" eth0 239.255.77.67 7767 "$bad_magic" "$truncated"
  on_h1 "$inject" eth0 ff02::4d43 7767 "$bad_length"
  local sent=$((6 + 2 + 3))
  deadline=$((SECONDS + 10))
  while (($(wc -l <"$tmp/live.txt") < ready + sent && SECONDS < deadline)); do sleep 0.1; done

  # Then the well-known payloads, from real runs: presence (B announces, then says goodbye; A's
  # pair and ping query), pairing (A pairs with B), ping (C answers A) and a speed test.
  # Each says when it is ready (B's first announcement is out, so A's pair can find it).
  env "$h2_env" "$netlab" exec "$lab" h2 "$mcast" announce -v --json --identity "$tmp/b.pem" --name wsnode-b \
    --timeout 4s >"$tmp/b-announce.txt" 2>&1 &
  local b_announce=$!
  env "$h2_env" "$netlab" exec "$lab" h2 "$mcast" pair -v --accept "$node_id" --yes --identity "$tmp/b.pem" --timeout 4s \
    >"$tmp/b-pair.txt" 2>&1 &
  local b_pair=$!
  env "$h2_env" "$netlab" exec "$lab" h2 "$mcast" ping -v --respond --identity "$tmp/c.pem" --timeout 4s \
    >"$tmp/c-ping.txt" 2>&1 &
  local c_ping=$!
  wait_for "$tmp/b-announce.txt" '"type":"announce"'
  wait_for "$tmp/b-pair.txt" 'waiting for a pairing request'
  wait_for "$tmp/c-ping.txt" 'answering pings'
  on_h1 "$mcast" pair "$b_id" --yes --identity "$key" --timeout 3s >"$tmp/a-pair.txt" 2>&1 ||
    fail "A could not pair with B: $(cat "$tmp/a-pair.txt")"
  # (--yes takes a full id, so pair runs no discovery: a query and its answer come from here.)
  on_h1 "$mcast" discover --expect 1 --timeout 2s --identity "$key" >/dev/null 2>&1 || true
  on_h1 "$mcast" ping --count 1 --timeout 300ms --identity "$key" >"$tmp/a-ping.txt" 2>&1 || true
  on_h1 "$mcast" ping --speed -4 --rate 20 --duration 200ms --identity "$key" >"$tmp/a-speed.txt" 2>&1 || true
  wait "$b_announce" "$b_pair" "$c_ping" || true
  # Until the capture has seen nothing new for half a second.
  local lines=-1
  while (($(wc -l <"$tmp/live.txt") != lines)); do
    lines=$(wc -l <"$tmp/live.txt")
    sleep 0.5
  done
  kill -INT "$capture_pid"
  wait "$capture_pid" || true
  capture_pid=""
  # The data messages: every header field and every value, per family.
  local rows
  rows=$(decode "$cap" -Y 'mcast.topic == "wireshark/test"' -T fields -E separator='|' -E aggregator=';' \
    -e ip.src -e ipv6.src -e mcast.version -e mcast.type -e mcast.flags -e mcast.sender_key \
    -e mcast.sender_id -e mcast.incarnation -e mcast.seq -e mcast.timestamp -e mcast.topic -e mcast.count \
    -e mcast.value.type -e mcast.value.string -e mcast.value.int -e mcast.value.float -e mcast.value.bool \
    -e mcast.value.bytes -e mcast.signature -e mcast.reject_reason)
  expect_eq "data datagrams decoded" "$(wc -l <<<"$rows")" 6
  local src4 src6 version type flags sender id inc seq ts topic count types strings ints floats bools bytes sig reason
  local seqs4="" seqs6="" incs="" last_ts=0
  local -A sig_of
  while IFS='|' read -r src4 src6 version type flags sender id inc seq ts topic count types strings ints floats bools \
    bytes sig reason; do
    local at="seq $seq from ${src4:-$src6}"
    if [[ $src4 == 10.77.0.1 && -z $src6 ]]; then
      seqs4+="$seq "
    elif [[ -z $src4 && $src6 == "$h1_v6" ]]; then
      seqs6+="$seq "
    else
      fail "$at: unexpected source '$src4' '$src6'"
    fi
    expect_eq "$at: version" "$version" 1
    expect_eq "$at: type" "$type" 0x01
    expect_eq "$at: flags" "$flags" 0x0000
    expect_eq "$at: sender key is mcast id's public key" "$sender" "$public_key"
    expect_eq "$at: sender id is mcast id's id" "$id" "$node_id"
    expect_eq "$at: topic" "$topic" wireshark/test
    expect_eq "$at: tuple count" "$count" 9
    expect_eq "$at: value types" "$types" "0x05;0x03;0x03;0x04;0x02;0x01;0x00;0x06;0x07;0x03;0x05;0x07;0x04"
    expect_eq "$at: strings" "$strings" "hello wireshark;nested"
    expect_eq "$at: ints" "$ints" "42;-7;1"
    expect_eq "$at: floats" "$floats" "21.5;2.5"
    expect_eq "$at: booleans" "$bools" "1;0"
    expect_eq "$at: bytes" "$bytes" deadbeef
    expect_eq "$at: not marked malformed" "$reason" ""
    [[ $sig =~ ^[0-9a-f]{128}$ ]] || fail "$at: signature '$sig' is not 64 bytes"
    # The same datagram goes out over both families: same bytes, same signature.
    if [[ -n ${sig_of[$seq]:-} ]]; then
      expect_eq "$at: same signature over both families" "$sig" "${sig_of[$seq]}"
    fi
    sig_of[$seq]=$sig
    incs+="$inc"$'\n'
    if ((ts < t0 || ts > t1)); then fail "$at: timestamp $ts not within the send ($t0-$t1)"; fi
    if ((ts < last_ts)); then fail "$at: timestamp $ts earlier than the one before"; fi
    last_ts=$ts
  done <<<"$rows"
  expect_eq "IPv4 sequence numbers" "$seqs4" "1 2 3 "
  expect_eq "IPv6 sequence numbers" "$seqs6" "1 2 3 "
  expect_eq "one incarnation for the whole send" "$(sort -u <<<"${incs%$'\n'}" | wc -l)" 1
  [[ $incs =~ ^0x[0-9a-f]{16} && ! $incs =~ ^0x0{16} ]] || fail "incarnation '${incs%%$'\n'*}' is not a nonzero u64"

  # The Info column names type, topic, seq and the short sender id.
  local info
  info=$(decode "$cap" -Y 'mcast.topic == "wireshark/test" && mcast.seq == 2 && ip')
  [[ $info == *"Data topic=\"wireshark/test\" seq=2 sender=${node_id:0:12} (\"hello wireshark\", 42, -7, 21.5, true, false, null, deadbeef (4 bytes), [1, \"nested\", [2.5]])"* ]] ||
    fail "Info of data seq 2: '$info'"
  info=$(decode "$cap" -Y "mcast.type == 0x02 && mcast.sender_id == \"$node_id\"")
  expect_eq "A's announcement decoded (one per family)" \
    "$(grep -c "Announce seq=1 sender=${node_id:0:12} \"wsnode\" lifetime 90000 ms, 2 addresses" <<<"$info")" 2
  local announce
  announce=$(decode "$cap" -Y "mcast.type == 0x02 && ipv6 && mcast.sender_id == \"$node_id\"" \
    -T fields -E aggregator=';' -e mcast.value.string)
  expect_eq "A's announcement: strings" "$announce" "wsnode;10.77.0.1;eth0;$h1_v6;eth0;role;dissector-test"

  # Every well-known message type is named in Info, its values by name in the tree, and has the
  # shape docs/protocol.md gives it (the dissector warns, mcast.bad_shape, when it does not).
  local c_id a=${node_id:0:12} b=${b_id:0:12}
  c_id=$(json_field "$tmp/c.json" id)
  local c=${c_id:0:12}
  info=$(decode "$cap" -Y 'mcast.type != 0x01')
  local pattern
  for pattern in \
    "Announce seq=[0-9]+ sender=$b \"wsnode-b\" lifetime 90000 ms, 2 addresses" \
    "Goodbye seq=[0-9]+ sender=$b" \
    "Query seq=[0-9]+ sender=$a [0-9]+ known nodes?" \
    "Ping probe seq=[0-9]+ sender=$a #1 IPv4 multicast" \
    "Ping probe seq=[0-9]+ sender=$a #1 IPv6 multicast" \
    "Ping reply seq=[0-9]+ sender=$c #1 IPv4 multicast from \"[^\"]*\" hold [0-9]+ ns" \
    "Speed data seq=[0-9]+ sender=$a #1" \
    "Speed end seq=[0-9]+ sender=$a [0-9]+ sent" \
    "Pair request seq=1 sender=$a from \"[^\"]*\" to ${b_id:0:16}" \
    "Pair response seq=[0-9]+ sender=$b from \"[^\"]*\"" \
    "Pair reveal seq=[0-9]+ sender=$a" \
    "Pair confirm seq=[0-9]+ sender=$a" \
    "Pair confirm seq=[0-9]+ sender=$b"; do
    if grep -Eq -- "$pattern" <<<"$info"; then pass "Info: $pattern"; else fail "no Info like: $pattern"; fi
  done
  expect_eq "ping probe values by name" "$(decode "$cap" -O mcast -V -Y 'mcast.type == 0x06 && ip' |
    grep -Eo '\[[0-9]\] (run|seq|family|unicast|targets|pad): [a-z0-9]+' | head -6 | cut -d: -f1 | tr '\n' ' ')" \
    "[0] run [1] seq [2] family [3] unicast [4] targets [5] pad "
  expect_eq "no well-known payload of the wrong shape" \
    "$(decode "$cap" -Y 'mcast.bad_shape' -T fields -e frame.number -e _ws.expert.message)" ""

  # The malformed datagrams are marked with expert info, named as a receiver counts them.
  local bad
  bad=$(decode "$cap" -Y 'mcast.reject_reason' -T fields -E separator='|' -e ip.src -e ipv6.src -e mcast.reject_reason)
  expect_eq "malformed datagrams marked" "$bad" "10.77.0.1||bad_magic
10.77.0.1||truncated
|$h1_v6|bad_length"
  expect_eq "bad magic has expert info (malformed, error)" "$(decode "$cap" -T fields -e _ws.expert.message \
    -Y 'mcast.bad_magic && _ws.expert.group == "Malformed" && _ws.expert.severity == "Error"')" \
    'Magic is "mCST", not "MCST"'

  expect_eq "truncated datagram has expert info" \
    "$(decode "$cap" -Y 'mcast.truncated && _ws.expert.severity == "Error"' -T fields -e mcast.seq)" 1
  expect_eq "no valid datagram marked malformed" \
    "$(decode "$cap" -Y 'mcast && !mcast.reject_reason && _ws.expert.severity >= "Warning"' -T fields -e frame.number)" ""
  check_no_lua_errors "$cap"
}

start=$SECONDS
((run_vectors)) && vectors_test
((run_lab)) && lab_test
failures=$(wc -l <"$tmp/failures")
echo "wireshark_test: $failures failure(s) in $((SECONDS - start)) s"
((failures == 0))
