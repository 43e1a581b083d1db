#!/usr/bin/env bash
# tools/demo_loop.sh — the demo without root (tools/demo.sh runs it when it cannot build networks):
# a driver package installed from INF files and run from the command line. From an empty root: install the loop NIC miniport (Net) and the
# probe protocol (NetTrans), add two loop adapters on one wire, start the host, send probe
# frames across, print the probe's verdict and `strata stats`, stop.
set -euo pipefail
build=${1:-build}
strata="$build/bin/strata"
root=$(mktemp -d /tmp/strata-demo-XXXXXX)
trap '"$strata" --root "$root" stop >/dev/null 2>&1 || true; rm -rf "$root"' EXIT
s() { echo "\$ strata $*"; "$strata" --root "$root" "$@"; echo; }

s lint "$build/drivers/netloop.inf" "$build/drivers/netprobe.inf"
s install "$build/drivers/netloop.inf"
s install "$build/drivers/netprobe.inf"
s components
s device add strata_loop --name left --param Wire=7
s device add strata_loop --name right --param Wire=7 --param IndicationStyle=1
s bindings
s start
s status
s probe send left --count 100000 --size 256 --batch 32
s probe send right --count 20000 --size 1514 --batch 1
s probe stats
s stats
s stop
