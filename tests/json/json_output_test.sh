#!/usr/bin/env bash
# json_output_test: the real --json output of every command, in every mode that writes a record
# type of its own, checked against the tables of docs/json.md by json_schema.py: a field the
# document does not list, a field it promises that is missing, or a wrong type fails the test,
# and so does a documented record type that no command here produced (--expect-all), so a new
# record type in the document needs a run here too.
#
# Everything that touches the network runs in a 3-host lab (scripts/netlab), never in this
# machine's own network namespace. Without the privileges for a lab it exits 77 (skipped),
# except under CI=true, where labs must work.
#   json_output_test.sh      (MCAST_BIN, MCAST_INJECT: the binaries; default: build/ of the tree;
#                             JSON_TEST_KEEP=DIR: keep every run's output there)
# shellcheck disable=SC2016 # backticks in single quotes are literal: markdown, the validator's words
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mcast=${MCAST_BIN:-$src/build/cli/mcast}
inject=${MCAST_INJECT:-$src/build/tests/mcast-inject}
python=${MCAST_PYTHON:-/usr/bin/python3}
schema=$src/tests/json/json_schema.py
netlab=$src/scripts/netlab
started=$SECONDS

fail() {
  printf 'json_output_test: FAIL: %s\n' "$*" >&2
  exit 1
}
step() { printf '== %s (%ss)\n' "$*" "$((SECONDS - started))"; }

for f in "$mcast" "$inject"; do [[ -x $f ]] || fail "$f: not built"; done
"$python" -c 'import jsonschema' 2>/dev/null ||
  fail "$python has no jsonschema module: install python3-jsonschema (scripts/deps)"

check_rc=0
why=$("$netlab" check 2>&1) || check_rc=$?
if ((check_rc != 0)); then
  [[ ${CI:-} == true ]] && fail "CI=true but no lab can be made here: $why"
  ((check_rc == 77)) || fail "netlab check failed ($check_rc): $why"
  echo "json_output_test: SKIP: no lab here: $why"
  exit 77
fi

tmp=$(mktemp -d /tmp/mcast-json.XXXXXX)
out=$tmp/out # NAME.jsonl (stdout) and NAME.err (stderr) of every run
mkdir "$out"
lab=js$$
declare -A bg_pid=()
cleanup() {
  local name
  for name in "${!bg_pid[@]}"; do kill "${bg_pid[$name]}" 2>/dev/null || true; done
  for name in "${!bg_pid[@]}"; do wait "${bg_pid[$name]}" 2>/dev/null || true; done
  "$netlab" destroy "$lab" >/dev/null 2>&1 || true
  if [[ -n ${JSON_TEST_KEEP:-} ]]; then
    mkdir -p "$JSON_TEST_KEEP"
    cp "$out"/* "$JSON_TEST_KEEP"/ 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
"$netlab" create "$lab" 3 --owner $$ >/dev/null

# mcast on host H with H's key and H's own config directory (trust store, known names).
argv_of() { # argv_of H ARGS... -> sets argv
  local h=$1
  shift
  argv=("$netlab" exec "$lab" "h$h" env "XDG_CONFIG_HOME=$tmp/c$h" "XDG_CACHE_HOME=$tmp/k$h"
    "$mcast" "$@" --json
    --identity "$tmp/h$h.pem")
}
# run RC NAME H ARGS...: run to the end; its exit status must be RC (a|b for either).
run() {
  local want=$1 name=$2 rc=0
  shift 2
  argv_of "$@"
  "${argv[@]}" >"$out/$name.jsonl" 2>"$out/$name.err" </dev/null || rc=$?
  [[ "|$want|" == *"|$rc|"* ]] ||
    fail "$name: mcast ${*:2} exited $rc, not $want; stderr: $(cat "$out/$name.err")"
}
# start NAME H ARGS...: in the background; finish NAME RC waits for it.
start() {
  local name=$1
  shift
  argv_of "$@"
  "${argv[@]}" >"$out/$name.jsonl" 2>"$out/$name.err" </dev/null &
  bg_pid[$name]=$!
}
finish() {
  local name=$1 want=$2 rc=0
  wait "${bg_pid[$name]}" || rc=$?
  unset "bg_pid[$name]"
  [[ "|$want|" == *"|$rc|"* ]] ||
    fail "$name (background) exited $rc, not $want; stderr: $(cat "$out/$name.err")"
}
stop() { # stop NAME RC: SIGTERM (announce says goodbye), then finish
  kill -TERM "${bg_pid[$1]}" 2>/dev/null || true
  finish "$@"
}
wait_for() { # wait_for FILE TEXT SECONDS
  local deadline=$((SECONDS + $3))
  until grep -q -- "$2" "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "no '$2' in $1 after $3 s: $(cat "$1" 2>/dev/null)"
    sleep 0.05
  done
}
id_of() { sed -n 's/.*"id":"\([0-9a-f]\{64\}\)".*/\1/p' "$out/$1.jsonl"; }

step "identity: id --new, id"
for h in 1 2 3; do run 0 "id_new$h" "$h" id --new; done
run 0 id 1 id
id1=$(id_of id_new1)
id2=$(id_of id_new2)
id3=$(id_of id_new3)
[[ -n $id1 && -n $id2 && -n $id3 ]] || fail "no id in the identity records"

step "error records: a usage error, a send error, trust show of nobody"
run 2 error_usage 1 listen --count nope
run 2 error_send 1 send --json-values 'not json'
run 1 error_trust 1 trust show nosuch
run 0 trust_empty 1 trust list
run 1 error_listen 1 listen --topic nothing-here --timeout 300ms
[[ $(grep -c '"type":"error"' "$out/error_listen.jsonl") == 1 ]] &&
  grep -q '"command":"listen","message":"no message arrived"' "$out/error_listen.jsonl" ||
  fail "listen with nothing received: no error record: $(cat "$out/error_listen.jsonl")"
grep -qx 'mcast listen: no message arrived' "$out/error_listen.err" ||
  fail "listen with nothing received said nothing on stderr: $(cat "$out/error_listen.err")"

step "a send whose IPv6 this host refuses: exit 0, a warning record, the same line on stderr"
"$netlab" exec "$lab" h1 ip6tables -A OUTPUT -d ff00::/8 -j DROP
run 0 warning_send 1 send -v --topic t half
"$netlab" exec "$lab" h1 ip6tables -D OUTPUT -d ff00::/8 -j DROP
grep -q '"type":"warning","command":"send","message":"IPv6 multicast refused on eth0: Operation not permitted' \
  "$out/warning_send.jsonl" || fail "send: no warning record: $(cat "$out/warning_send.jsonl")"
grep -q '^mcast send: warning: IPv6 multicast refused on eth0' "$out/warning_send.err" ||
  fail "send: no warning on stderr: $(cat "$out/warning_send.err")"

step "config: the global settings and ping's, from a file, a variable and the command line"
mkdir -p "$tmp/c1/mcast"
printf 'ttl = 2\n[ping]\ninterval = 200ms\n' >"$tmp/c1/mcast/config"
run 0 config_global 1 config
argv_of 1 config ping -4
MCAST_PING_COUNT=3 "${argv[@]}" >"$out/config_ping.jsonl" 2>"$out/config_ping.err" ||
  fail "config ping: $(cat "$out/config_ping.err")"
for want in '"name":"ttl","value":"2","from":"'"$tmp"'/c1/mcast/config:1","source":"user"' \
  '"name":"count","value":"3","from":"MCAST_PING_COUNT","source":"environment"' \
  '"name":"ipv4","value":true,"from":"command line","source":"command_line"' \
  '"name":"interval","value":"200ms"'; do
  grep -qF "$want" "$out/config_ping.jsonl" || fail "config ping: no $want in $(cat "$out/config_ping.jsonl")"
done
rm "$tmp/c1/mcast/config"

step "listen -v --stats, send -v, a bad datagram"
start announce2 2 announce -v --name two --meta role=test --interval 1s --weather-interval 1s --timeout 120s
start respond3 3 ping --respond --timeout 60s
start listen 1 listen -v --stats --timeout 2500ms
wait_for "$out/listen.err" "listening on" 10
"$netlab" exec "$lab" h3 "$inject" eth0 239.255.77.67 7767 "$(printf 'ab%.0s' {1..200})"
run 0 send 2 send -v --json-values --topic t --repeat 2 --interval 50ms \
  '["text", 42, 2.5, -1E300, null, true, {"bytes": "AAE="}, {"float": "nan"}, {"float": "-inf"}, [1, ["deep", []]]]'
finish listen 0

step "discover, trust add/list/show"
run 0 discover 1 discover --expect 1
run 0 trust_add 1 trust add two --note lab
run 0 trust_list 1 trust list
run 0 trust_show 1 trust show two

step "discover --watch: a join and a leave, a conflict and updates"
start watch 1 discover --watch --timeout 8s
sleep 0.5
# h3 announces with its own key the name of friend "two" (name_of_friend, name_seen_with), and a
# twin on h3 uses h2's key (conflict in discover and in both announce processes).
start announce3 3 announce -v --name two --timeout 2s
argv_of 3 announce -v --name twin --timeout 3s
argv[-1]=$tmp/h2.pem
"${argv[@]}" >"$out/twin.jsonl" 2>"$out/twin.err" </dev/null || fail "twin: $(cat "$out/twin.err")"
finish announce3 0
# An update: h3's node reads new metadata on SIGHUP (a twin is no update: it keeps its own row).
mkdir -p "$tmp/c3/mcast"
printf '[announce]\nmeta = v=1\n' >"$tmp/c3/mcast/config"
start reload3 3 announce --name three --timeout 3s
sleep 1
printf '[announce]\nmeta = v=2\n' >"$tmp/c3/mcast/config"
kill -HUP "${bg_pid[reload3]}"
finish reload3 0
rm "$tmp/c3/mcast/config"
finish watch 0

step "ping: replies, summaries, result, error"
run 1 ping 1 ping --count 2 --interval 100ms --timeout 500ms --unicast-too \
  --peer "${id2:0:12}" --peer "${id3:0:12}" --peer 0123456789ab

step "ping: a local EPERM (this host's firewall refuses IPv4 multicast): local_failures, error"
"$netlab" exec "$lab" h1 iptables -A OUTPUT -d 224.0.0.0/4 -j DROP
run 1 ping_eperm 1 ping --count 2 --interval 100ms --timeout 500ms
"$netlab" exec "$lab" h1 iptables -D OUTPUT -d 224.0.0.0/4 -j DROP
grep -q '"errno":1' "$out/ping_eperm.jsonl" || fail "ping_eperm: no local failure in $(cat "$out/ping_eperm.jsonl")"

step "discover that finds nothing matching: error"
run 1 discover_none 1 discover --name 'zzz*' --timeout 1s
grep -q '"type":"error"' "$out/discover_none.jsonl" || fail "discover_none: no error record"

step "ping --speed, --find-max"
run 0 speed 1 ping --speed --rate 2000 --duration 300ms
run 1 speed_short 1 ping --speed --rate 2000 --duration 300ms --expect 5 --max-loss 0
for t in result error; do
  grep -q "\"type\":\"$t\"" "$out/speed_short.jsonl" || fail "speed_short: no $t record"
done
run "0|1" speed_max 1 ping --speed --find-max --duration 100ms

step "pair: request, code, paired; --list; refused"
start accept3 3 pair --answer "$id1" --yes --timeout 10s
sleep 0.3
run 0 pair 1 pair "$id3" --yes --timeout 10s
finish accept3 0
start list2 2 pair --list --timeout 2500ms
sleep 0.3
start pair_refused 1 pair "$id2" --yes --timeout 3s
sleep 1.2 # the request repeats every second until answered: --list sees it first
run 1 accept_refusing 2 pair --answer --timeout 4s # no --yes and no terminal: refuses
finish list2 0
finish pair_refused 1
grep -q '"type":"error"' "$out/pair_refused.jsonl" || fail "pair_refused: no error record"
for event in request code paired refused; do
  grep -q "\"event\":\"$event\"" "$out"/{pair,accept3,list2,pair_refused,accept_refusing}.jsonl ||
    fail "no pair record with event $event"
done

step "yield: start, yield, clear, exit (the advice from a file, as the tests of yield do)"
# Not through argv_of: its --json would land after "--", among CMD's arguments. CMD prints
# nothing, so that the file holds only yield's records.
yield_run() { # yield_run NAME RC ARGS...
  local name=$1 want=$2 rc=0
  shift 2
  "$netlab" exec "$lab" h1 env "XDG_CONFIG_HOME=$tmp/c1" "$mcast" yield --json \
    --advice-file "$tmp/advice" "$@" >"$out/$name.jsonl" 2>"$out/$name.err" </dev/null || rc=$?
  ((rc == want)) || fail "$name: mcast yield $* exited $rc, not $want: $(cat "$out/$name.err")"
}
printf 'yield 2Mbit json test\n' >"$tmp/advice"
yield_run yield 0 --mode throttle --min-rate 3Mbit -- \
  sh -c "sleep 1; echo clear > '$tmp/advice'; sleep 1"
yield_run yield_killed 143 -- sh -c 'sleep 0.5; kill -TERM $$'
for event in start yield clear exit; do
  grep -q "\"event\":\"$event\"" "$out/yield.jsonl" || fail "no yield record with event $event"
done
grep -q '"signal":15' "$out/yield_killed.jsonl" || fail "no signal in yield's exit record"

step "weather and activity: h2's resident node holds a declaration; h3 (no node) listens itself"
run 0 activity_set 2 activity set live-stream --rate 8Mbit --label json --for 1m
run 0 activity_list 2 activity list
wait_for "$out/activity_set.jsonl" '"type":"activity"' 1
sleep 0.5
run 0 weather 2 weather
run 0 weather_watch 2 weather --watch --count 2 --interval 200ms
run 0 weather_listen 3 weather --listen 2s
grep -q '"class":"live-stream"' "$out/weather_listen.jsonl" ||
  fail "h3 did not hear h2's declaration: $(cat "$out/weather_listen.jsonl")"
run 1 weather_none 1 activity clear a999
# Cleared, so that the shares served below go at full speed (serving gives way to live streams).
decl=$(sed -n 's/.*"type":"activity","id":"\([^"]*\)".*/\1/p' "$out/activity_set.jsonl" | head -n 1)
[[ -n $decl ]] || fail "no declaration id: $(cat "$out/activity_set.jsonl")"
run 0 activity_clear 2 activity clear "$decl"

step "share and search: h2's resident node shares a folder, h1 finds a file in it"
mkdir -p "$tmp/share2/2024"
printf 'not really a film' >"$tmp/share2/2024/Holiday.mkv"
run 0 share_add 2 share add "$tmp/share2" --label films
deadline=$((SECONDS + 20))
until run 0 share_list 2 share list && grep -q '"files":1' "$out/share_list.jsonl"; do
  ((SECONDS < deadline)) || fail "h2 did not index its share: $(cat "$out/share_list.jsonl")"
  sleep 0.2
done
run 0 search 1 search holiday --type video
grep -q '"path":"2024/Holiday.mkv"' "$out/search.jsonl" ||
  fail "h1 did not find h2's file: $(cat "$out/search.jsonl")"
run 1 search_none 1 search nosuchfile

step "fetch: h1 fetches a file of many blocks from h2 and h3, h3's copy changed under its node"
# big.bin spans more than one request (4 MiB), so that both holders are asked at once. h3 holds
# the same bytes, catalogued; then its copy changes behind its node's back: other bytes written
# through a shared mapping that stays open (writes to a mapping raise no inotify event, and its
# close would), so its node keeps the old hashes and serves bytes that do not match them: a bad
# holder, as on a real LAN.
head -c $((5 * 1024 * 1024 + 1000)) /dev/urandom >"$tmp/share2/big.bin"
mkdir -p "$tmp/share3"
cp "$tmp/share2/big.bin" "$tmp/share3/big.bin"
start node3 3 announce --name three --timeout 120s
wait_for "$out/node3.err" "announcing" 10
run 0 share_add3 3 share add "$tmp/share3" --label mirror
deadline=$((SECONDS + 20))
until run 0 share_list2 2 share list && grep -q '"files":2' "$out/share_list2.jsonl" &&
  run 0 share_list3 3 share list && grep -q '"files":1' "$out/share_list3.jsonl"; do
  ((SECONDS < deadline)) || fail "h2 and h3 did not index big.bin: $(cat "$out"/share_list[23].jsonl)"
  sleep 0.2
done
python3 -c '
import mmap, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 0)
os.close(fd)
m[0:65536] = os.urandom(65536)
m.flush()
print("changed", flush=True)
time.sleep(300)
' "$tmp/share3/big.bin" >"$out/mapper.out" &
mapper=$!
wait_for "$out/mapper.out" changed 10
sleep 1 # were there an event, h3's indexer would have hashed it again by now
run 0 search_big 1 search big.bin
root=$(sed -n 's/.*"node":"'"$id2"'".*"root":"\([0-9a-f]\{64\}\)".*/\1/p' "$out/search_big.jsonl")
[[ -n $root ]] || fail "h1 did not find big.bin on h2: $(cat "$out/search_big.jsonl")"
grep -q '"node":"'"$id3"'".*"root":"'"$root"'"' "$out/search_big.jsonl" ||
  fail "h1 did not find h3's big.bin with the same hash: $(cat "$out/search_big.jsonl")"
mkdir -p "$tmp/f1" "$tmp/f2"
# From h3 alone: its first block does not verify (bad_holder), no holder is left (error, exit 2).
run 2 fetch_bad 1 fetch "${id3:0:12}-${root:0:12}" -o "$tmp/f1/big.bin"
grep -q '"type":"bad_holder","node":"'"$id3"'"' "$out/fetch_bad.jsonl" ||
  fail "fetch from h3 alone: no bad_holder record: $(cat "$out/fetch_bad.jsonl")"
[[ ! -e $tmp/f1/big.bin ]] || fail "a fetch from a bad holder alone made the file"
# From both (a hash prefix names every holder): the file, verified, byte for byte.
run 0 fetch 1 fetch "${root:0:16}" -o "$tmp/f1/big.bin"
grep -q '"type":"fetched".*"holders":2' "$out/fetch.jsonl" ||
  fail "fetch: no fetched record from two holders: $(cat "$out/fetch.jsonl")"
cmp "$tmp/share2/big.bin" "$tmp/f1/big.bin" || fail "the fetched file differs from h2's"
kill "$mapper" 2>/dev/null || true
wait "$mapper" 2>/dev/null || true

step "search --streaming: h2 served big.bin to h1 a moment ago; a live stream declared on h3"
run 0 activity_live 3 activity set live-stream --rate 4Mbit --label film --for 30s
sleep 0.5 # the node's weather takes its own declaration with its next report (200 ms)
run 0 search_streaming 3 search --streaming
grep -q '"type":"streaming_activity".*"label":"film"' "$out/search_streaming.jsonl" ||
  fail "search --streaming: no live stream from h3: $(cat "$out/search_streaming.jsonl")"

step "fetch --stream: curl reads a range from the URL it prints"
start stream 1 fetch --stream "${id2:0:12}-${root:0:12}" -o "$tmp/f2/big.bin"
wait_for "$out/stream.jsonl" '"type":"stream"' 10
url=$(sed -n 's/.*"type":"stream","url":"\([^"]*\)".*/\1/p' "$out/stream.jsonl")
[[ $url == http://127.0.0.1:* ]] || fail "stream: no URL: $(cat "$out/stream.jsonl")"
"$netlab" exec "$lab" h1 curl -sf -r 3000000-3999999 -o "$tmp/range.bin" "$url" ||
  fail "curl of $url failed"
[[ $(stat -c %s "$tmp/range.bin") == 1000000 ]] &&
  cmp -i 3000000:0 -n 1000000 "$tmp/share2/big.bin" "$tmp/range.bin" ||
  fail "the bytes 3000000-3999999 curl read differ from the source's"
deadline=$((SECONDS + 20))
until [[ -e $tmp/f2/big.bin ]]; do
  ((SECONDS < deadline)) || fail "stream: the file was not complete after 20 s"
  sleep 0.1
done
stop stream 0
cmp "$tmp/share2/big.bin" "$tmp/f2/big.bin" || fail "the streamed file differs from h2's"

stop node3 0
stop respond3 0
stop announce2 0

step "validate every line against docs/json.md"
types=message,stats,drop,node,join,update,leave,conflict,announce,reply,summary,result,speed
types+=,speed_max,friend,pair,identity,sent,config_file,setting,scope,weather,activity,yield,error,warning
types+=,share,found,search_end,serving,streaming_activity,fetch_progress,bad_holder,fetched,stream
documented=$("$python" "$schema" --list-types | paste -sd, -)
[[ $(tr , '\n' <<<"$documented" | sort) == $(tr , '\n' <<<"$types" | sort) ]] ||
  fail "docs/json.md documents the types $documented, this test expects $types: run the" \
    "commands that write the new ones here, and add them to the list"
# Each file is one run (NAME.jsonl, from `run NAME ...` or `start NAME ...` above).
(cd "$out" && "$python" "$schema" --expect-types "$types" --expect-all ./*.jsonl) ||
  fail "the output does not match docs/json.md (above: run:line, the line, what is wrong)"

step "the check fails when it should"
line=$(grep -h '"type":"message"' "$out/listen.jsonl" | head -1)
[[ -n $line ]] || fail "listen received no message"
if "$python" "$schema" <<<"${line%\}},\"bogus\":1}" >"$tmp/neg.txt" 2>&1 ||
  ! grep -q 'field `bogus`: not documented' "$tmp/neg.txt"; then
  fail "a message with an undocumented field passed: $(cat "$tmp/neg.txt")"
fi
grep -v '^| `seq` | integer | yes | per-incarnation' "$src/docs/json.md" >"$tmp/json.md"
cmp -s "$src/docs/json.md" "$tmp/json.md" && fail "could not remove the seq row of message"
if "$python" "$schema" --doc "$tmp/json.md" "$out/listen.jsonl" >"$tmp/neg.txt" 2>&1 ||
  ! grep -q 'field `seq`: not documented' "$tmp/neg.txt"; then
  fail "output passed a document without the seq row of message: $(cat "$tmp/neg.txt")"
fi

step "ok: $(cat "$out"/*.jsonl | wc -l) records"
