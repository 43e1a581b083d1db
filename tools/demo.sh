#!/usr/bin/env bash
# tools/demo.sh — what `./run demo` shows (issue 6): real traffic through the NDIS stack.
# As root: two network namespaces, A and B. A reaches the host over a veth pair whose near end
# the afpacket miniport drives; passthru sits above it, and strata_tap exposes the binding above
# passthru as a TAP interface that moves into B. ping and a short iperf3 then run from A to B,
# through afpacket → passthru → strata_tap, while `strata capture` records the edges above and
# below passthru. Prints the per-edge counters and the capture file's path, and removes everything it
# created. Without root it runs the same kind of stack over loop adapters with probe traffic
# (tools/demo_loop.sh) and says so.
set -euo pipefail
build=${1:-build}
strata="$build/bin/strata"

if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1 || [ ! -e /dev/net/tun ]; then
  echo "demo: not root (or no network namespaces or /dev/net/tun): running the stack over loop adapters"
  echo "demo: with probe traffic instead; run it as root to send real traffic through afpacket and strata_tap"
  echo
  exec "$(dirname "$0")/demo_loop.sh" "$build"
fi

tag=sd$$
ns_a=${tag}a; ns_b=${tag}b
wire=${tag}w; peer=${tag}p; tap=${tag}t
addr_a=198.18.0.1; addr_b=198.18.0.2
root=$(mktemp -d /tmp/strata-demo-XXXXXX)
capture=/tmp/strata-demo-$$.pcapng
capture_pid=""

cleanup() {
  [ -n "$capture_pid" ] && kill "$capture_pid" 2>/dev/null || true
  "$strata" --root "$root" stop >/dev/null 2>&1 || true
  ip netns delete "$ns_a" 2>/dev/null || true
  ip netns delete "$ns_b" 2>/dev/null || true
  ip link delete "$wire" 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT
s() { echo "\$ strata $*"; "$strata" --root "$root" "$@"; echo; }
sh_() { echo "\$ $*"; "$@"; echo; }

echo "demo: namespace $ns_a ($addr_a) --veth--> host: afpacket -> passthru -> strata_tap --TAP--> namespace $ns_b ($addr_b)"
echo
ip netns add "$ns_a"
ip netns add "$ns_b"
ip link add "$wire" type veth peer name "$peer"
ip link set "$peer" netns "$ns_a"
ip -n "$ns_a" addr add "$addr_a/24" dev "$peer"
ip -n "$ns_a" link set "$peer" up
ip -n "$ns_a" link set lo up
ip -n "$ns_b" link set lo up
sysctl -qw "net.ipv6.conf.$wire.disable_ipv6=1"
ip link set "$wire" up

s lint "$build/drivers/netafpacket.inf" "$build/drivers/netpassthru.inf" "$build/drivers/netpassthru_m.inf" \
  "$build/drivers/netstrata_tap.inf"
s install "$build/drivers/netafpacket.inf"
s install "$build/drivers/netpassthru.inf"
s install "$build/drivers/netstrata_tap.inf"
s reg add 'HKLM\SYSTEM\CurrentControlSet\Services\strata_tap\Parameters' /v TapName /t REG_SZ /d "$tap"
s device add strata_afpacket --name wan --param "Interface=$wire"
s bindings
s start

for _ in $(seq 100); do [ -e "/sys/class/net/$tap" ] && break; sleep 0.1; done
[ -e "/sys/class/net/$tap" ] || { echo "demo: strata_tap did not create $tap" >&2; exit 1; }
ip link set "$tap" netns "$ns_b"
ip -n "$ns_b" addr add "$addr_b/24" dev "$tap"
ip -n "$ns_b" link set "$tap" up

s capture --list
above=$("$strata" --root "$root" capture --list --json | grep -o '"strata_tap@[^"]*"' | head -1 | tr -d '"')
below=$("$strata" --root "$root" capture --list --json | grep -o '"passthru@[^"]*"' | head -1 | tr -d '"')
echo "\$ strata capture $above $below -w $capture --count 60 &"
"$strata" --root "$root" capture "$above" "$below" -w "$capture" --count 60 > "$root/capture.out" 2>&1 &
capture_pid=$!
for _ in $(seq 100); do grep -q "capturing on" "$root/capture.out" 2>/dev/null && break; sleep 0.1; done
echo

sh_ ip netns exec "$ns_a" ping -c 5 -i 0.2 "$addr_b"
ip netns exec "$ns_b" iperf3 -s -1 -B "$addr_b" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do ip netns exec "$ns_b" ss -ltn 2>/dev/null | grep -q ":5201" && break; sleep 0.1; done
sh_ ip netns exec "$ns_a" iperf3 -c "$addr_b" -t 3 -f m
wait "$server" || true

wait "$capture_pid" || true
capture_pid=""
cat "$root/capture.out"
echo
s stats
s stop
echo "demo: the capture of the edges above and below passthru is $capture (tshark -r $capture)"
