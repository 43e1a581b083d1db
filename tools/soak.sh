#!/usr/bin/env bash
# tools/soak.sh — `./run soak MINUTES` (issue 7, deliverable 5): traffic through afpacket →
# passthru → strata_tap between two network namespaces while, at random, the adapter is reset
# (strata reset), powered D3 and back to D0 (strata pnp setpower), its bindings disabled and
# enabled again, the device removed and added, PnP-removed and rescanned, and its Linux
# interface deleted under it (surprise removal, then strata device rescan) — all with the
# verifier on — and finally stops the host under a ping flood. It prints one JSON line: the
# operations done, the traffic that got through, host crashes, pool and tag leaks at stop (a
# packet neither completed nor failed stays outstanding in its pool), verifier reports and sends
# still pending once the traffic stopped; exit 1 unless every one of those is zero. Needs root.
set -uo pipefail
minutes=${1:?usage: tools/soak.sh MINUTES [BUILD_DIR]}
build=${2:-build}
strata="$build/bin/strata"
[ "$(id -u)" -eq 0 ] || { echo "soak: needs root (network namespaces, veth, TAP)" >&2; exit 2; }
[[ "$minutes" =~ ^[0-9]+$ ]] && [ "$minutes" -ge 1 ] || { echo "soak: MINUTES must be a whole number >= 1, not '$minutes'" >&2; exit 2; }

tag=sk$$
ns_a=${tag}a; ns_b=${tag}b
wire=${tag}w; peer=${tag}p; tap=${tag}t
addr_a=198.18.1.1; addr_b=198.18.1.2
root=$(mktemp -d /tmp/strata-soak-XXXXXX)
log=$root/soak.log
traffic_pids=()
declare -A ops=([reset]=0 [power]=0 [rebind]=0 [readd]=0 [pnp_remove]=0 [surprise]=0)
crashes=0

say() { echo "soak: $*" | tee -a "$log" >&2; }
st() { "$strata" --root "$root" "$@" >>"$log" 2>&1; }

cleanup() {
  for p in "${traffic_pids[@]}"; do kill "$p" 2>/dev/null; done
  "$strata" --root "$root" stop >/dev/null 2>&1
  ip netns delete "$ns_a" 2>/dev/null; ip netns delete "$ns_b" 2>/dev/null
  ip link delete "$wire" 2>/dev/null
  [ -n "${keep_root:-}" ] || rm -rf "$root"
}
trap cleanup EXIT

make_wire() {
  ip link add "$wire" type veth peer name "$peer" netns "$ns_a"
  ip -n "$ns_a" addr add "$addr_a/24" dev "$peer"
  ip -n "$ns_a" link set "$peer" up
  sysctl -qw "net.ipv6.conf.$wire.disable_ipv6=1"
  ip link set "$wire" up
}

# strata_tap makes a fresh TAP in the host's namespace each time it binds: move it into B.
place_tap() {
  for _ in $(seq 100); do
    if [ -e "/sys/class/net/$tap" ]; then
      ip link set "$tap" netns "$ns_b" && ip -n "$ns_b" addr add "$addr_b/24" dev "$tap" 2>/dev/null
      ip -n "$ns_b" link set "$tap" up
      return 0
    fi
    ip -n "$ns_b" link show "$tap" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  say "strata_tap's $tap did not come back"
  return 1
}

host_alive() {
  if "$strata" --root "$root" status >/dev/null 2>&1; then return 0; fi
  crashes=$((crashes + 1))
  say "the host is gone (crash $crashes); starting it again"
  st start --verify
  place_tap
  return 1
}

ip netns add "$ns_a"; ip netns add "$ns_b"
ip -n "$ns_a" link set lo up; ip -n "$ns_b" link set lo up
make_wire
st install "$build/drivers/netafpacket.inf"
st install "$build/drivers/netpassthru.inf"
st install "$build/drivers/netstrata_tap.inf"
st reg add 'HKLM\SYSTEM\CurrentControlSet\Services\strata_tap\Parameters' /v TapName /t REG_SZ /d "$tap"
st device add strata_afpacket --name wan --param "Interface=$wire"
st start --verify || { say "strata start failed (see $log)"; keep_root=1; exit 1; }
place_tap || { keep_root=1; exit 1; }

# Traffic both ways that never gives up: ping floods and TCP in a loop.
ip netns exec "$ns_b" iperf3 -s -B "$addr_b" >/dev/null 2>&1 & traffic_pids+=($!)
( while :; do
    if ip netns exec "$ns_a" iperf3 -c "$addr_b" -t 5 -b 200M >/dev/null 2>&1; then echo >>"$root/tcp.ok"; else sleep 0.2; fi
  done ) & traffic_pids+=($!)
( while :; do
    ip netns exec "$ns_a" ping -q -i 0.01 -c 500 -W 1 "$addr_b" 2>/dev/null | grep -o '[0-9]* received' >>"$root/ping.ok"
    sleep 0.1
  done ) & traffic_pids+=($!)

say "running for $minutes minute(s); root $root; log $log"
end=$((SECONDS + minutes * 60))
while [ "$SECONDS" -lt "$end" ]; do
  sleep 1
  case $((RANDOM % 6)) in
    0) st reset wan && ops[reset]=$((ops[reset] + 1)) ;;
    1) st pnp wan setpower D3 && st pnp wan setpower D0 && ops[power]=$((ops[power] + 1)) ;;
    2) path=$("$strata" --root "$root" bindings --json 2>/dev/null | grep -o '"path": *"[^"]*strata_tap[^"]*"' | head -1 |
         sed 's/.*"\([^"]*\)"$/\1/')
       [ -n "$path" ] && st bind disable "$path" && st bind enable "$path" && place_tap && ops[rebind]=$((ops[rebind] + 1)) ;;
    3) st device remove wan && st device add strata_afpacket --name wan --param "Interface=$wire" && place_tap &&
         ops[readd]=$((ops[readd] + 1)) ;;
    4) st pnp wan remove && st device rescan && place_tap && ops[pnp_remove]=$((ops[pnp_remove] + 1)) ;;
    5) ip link delete "$wire"
       for _ in $(seq 100); do "$strata" --root "$root" status --json 2>/dev/null | grep -q '"removed"' && break; sleep 0.1; done
       make_wire && st device rescan && place_tap && ops[surprise]=$((ops[surprise] + 1)) ;;
  esac
  host_alive
done

for p in "${traffic_pids[@]}"; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
traffic_pids=()
host_alive
stats=$("$strata" --root "$root" --json stats 2>>"$log")
reports=$(echo "$stats" | grep -o '"reports": *[0-9]*' | awk -F: '{s += $2} END {print s + 0}')
echo "$stats" | grep -q '"enabled": true' || { say "the verifier was not on"; crashes=$((crashes + 1)); }
# Once traffic stopped nothing may still be pending anywhere: a send that is neither completed
# nor counted as failed is unaccounted for.
unaccounted=$(echo "$stats" | grep -o '"sends": *[0-9]*' | awk -F: '{s += $2} END {print s + 0}')
# `strata stop` under traffic: every packet sent must come back, completed or failed, before the
# drivers unload — a packet that did not shows as a pool leak and in the send ledger of the stop
# report.
ip netns exec "$ns_a" ping -q -f -w 10 "$addr_b" >/dev/null 2>&1 & flood=$!
ip netns exec "$ns_b" ping -q -f -w 10 "$addr_a" >/dev/null 2>&1 & flood_back=$!
sleep 2
"$strata" --root "$root" stop >>"$log" 2>&1 || [ -e "$root/stop-report.json" ] || crashes=$((crashes + 1))
kill "$flood" "$flood_back" 2>/dev/null
wait 2>/dev/null
stop_unaccounted=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["sends"]["unaccounted"])' \
  "$root/stop-report.json" 2>/dev/null || echo 0)
unaccounted=$((unaccounted + stop_unaccounted))
leaks=$(grep -o '"outstanding": *[0-9]*\|"blocks": *[0-9]*' "$root/stop-report.json" 2>/dev/null | awk -F: '{s += $2} END {print s + 0}')
[ -e "$root/stop-report.json" ] || leaks=unknown
tcp_runs=$(wc -l <"$root/tcp.ok" 2>/dev/null || echo 0)
pings=$(awk '{s += $1} END {print s + 0}' "$root/ping.ok" 2>/dev/null || echo 0)
line=$(printf '{"minutes":%d,"ops":{"reset":%d,"power":%d,"rebind":%d,"readd":%d,"pnp_remove":%d,"surprise":%d},"traffic":{"tcp_runs_completed":%d,"ping_replies":%d},"crashes":%d,"leaks":"%s","verifier_reports":%d,"unaccounted":%d}' \
  "$minutes" "${ops[reset]}" "${ops[power]}" "${ops[rebind]}" "${ops[readd]}" "${ops[pnp_remove]}" "${ops[surprise]}" \
  "$tcp_runs" "$pings" "$crashes" "$leaks" "$reports" "$unaccounted")
echo "$line"
if [ "$crashes" -ne 0 ] || [ "$leaks" != 0 ] || [ "$reports" -ne 0 ] || [ "$unaccounted" -ne 0 ]; then
  keep_root=1
  say "FAILED: see $log and $root"
  exit 1
fi
say "passed"
