#!/bin/sh
# wsk_sample.sh — builds a WSK echo server driver out of tree the way docs/drivers.md tells a driver
# author, then runs it under `strata sc` and echoes through it (issue 5, item 5). Two ctests use it
# (tests/ddk/CMakeLists.txt):
#   Ddk.WskSampleStyle_{gcc,clang}      tests/ddk/wsk_sample_style.c, ours, on port 40017;
#   Ddk.WskMicrosoftSample_{gcc,clang}  Microsoft's WSK echo server sample (Windows-driver-samples,
#       network/wsk/echosrv), unchanged, on port 40007 (fixed in its source). Microsoft's code is
#       not part of this repository: with no SOURCE arguments, every *.c of $STRATA_WSK_SAMPLE_DIR
#       is built; without that variable the test reports itself skipped (exit 77, SKIP_RETURN_CODE).
#
#   wsk_sample.sh COMPILER OUTPUT_DIR STRATA_COMMAND CMAKE_COMMAND STRATA_WPP_CMAKE PKG_CONFIG_PATH
#                 SERVICE PORT [SOURCE...]
#
# The sources are one image. Their .tmh files come from cmake/StrataWpp.cmake's script mode; the
# image is built free and checked (-DDBG=1) with -Wall -Wextra -Werror and pkg-config's flags, linked
# with --no-undefined. The free image then runs in a host of its own (--root OUTPUT_DIR/root,
# started with --verify): sc create SERVICE, start, sc start; python3 echoes 1 to 65536 bytes
# through PORT on 127.0.0.1 and on ::1 and half-closes; sc stop, stop. The host's stop report must
# show no pool leak and its log no verifier report. Without python3 only the build is checked.
set -u
compiler=$1 out=$2 strata=$3 cmake=$4 wpp_cmake=$5
PKG_CONFIG_PATH=$6
export PKG_CONFIG_PATH
service=$7 port=$8
shift 8

if [ $# -eq 0 ]; then
  if [ -z "${STRATA_WSK_SAMPLE_DIR:-}" ]; then
    echo "STRATA_WSK_SAMPLE_DIR is not set: Microsoft's WSK echo server sample is not checked"
    exit 77
  fi
  set -- "$STRATA_WSK_SAMPLE_DIR"/*.c
  if [ ! -f "$1" ]; then
    echo "$STRATA_WSK_SAMPLE_DIR: no .c source (expected Microsoft's network/wsk/echosrv, wsksmple.c)" >&2
    exit 1
  fi
fi
sources=$(printf '%s;' "$@")

rm -rf "$out" && mkdir -p "$out" || exit 1
"$cmake" -DOUTPUT_DIR="$out" -DSOURCES="${sources%;}" -P "$wpp_cmake" || exit 1
flags=$(pkg-config --cflags --libs strata-ddk) || exit 1
# $flags unquoted: pkg-config's words.
# shellcheck disable=SC2086
"$compiler" -std=gnu11 -Wall -Wextra -Werror -I"$out" -shared -fPIC -Wl,--no-undefined \
  -o "$out/$service.sys" "$@" $flags || exit 1
# shellcheck disable=SC2086
"$compiler" -std=gnu11 -Wall -Wextra -Werror -DDBG=1 -I"$out" -shared -fPIC -Wl,--no-undefined \
  -o "$out/${service}_checked.sys" "$@" $flags || exit 1
echo "built $service.sys and ${service}_checked.sys from $*"

if ! command -v python3 >/dev/null 2>&1; then
  echo "python3 not found: the driver was built, not run"
  exit 0
fi

root="$out/root"
mkdir -p "$root" || exit 1
cleanup() { "$strata" --root "$root" stop >/dev/null 2>&1; }
trap cleanup EXIT
export WSK_SAMPLE_PORT="$port"

# Something else on the port would answer in the driver's place.
python3 - <<'EOF' || exit 1
import os, socket, sys
port = int(os.environ["WSK_SAMPLE_PORT"])
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
try:
    s.bind(("::", port))
except OSError as e:
    sys.exit(f"port {port} is in use ({e}); the driver's port is fixed in its source")
s.close()
EOF

"$strata" --root "$root" sc create "$service" --binary "$out/$service.sys" || exit 1
"$strata" --root "$root" start --verify || exit 1
"$strata" --root "$root" sc start "$service" || exit 1

# The driver creates its listening socket on its worker thread after DriverEntry has returned, so
# the client retries refused connections until a deadline (there is no event to wait on from here).
python3 - <<'EOF' || exit 1
import os, socket, sys, time
port = int(os.environ["WSK_SAMPLE_PORT"])

def connect(address, family):
    deadline = time.monotonic() + 20
    while True:
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect(address)
            return s
        except ConnectionRefusedError:
            s.close()
            if time.monotonic() > deadline:
                sys.exit(f"nothing listens on {address}")
            time.sleep(0.05)

def echo(address, family):
    s = connect(address, family)
    for size in (1, 100, 2048, 5000, 65536):
        data = os.urandom(size)
        s.sendall(data)
        got = b""
        while len(got) < size:
            chunk = s.recv(65536)
            if not chunk:
                sys.exit(f"{address}: closed after {len(got)} of {size} bytes")
            got += chunk
        if got != data:
            sys.exit(f"{address}: {size} bytes came back changed")
    s.shutdown(socket.SHUT_WR)
    if s.recv(1) != b"":
        sys.exit(f"{address}: data after the echo")
    s.close()
    print(f"echoed over {address[0]} port {port}")

echo(("127.0.0.1", port), socket.AF_INET)
echo(("::1", port), socket.AF_INET6)
EOF

"$strata" --root "$root" sc stop "$service" || exit 1
"$strata" --root "$root" stop || exit 1
trap - EXIT
if ! grep -q '"pool_leaks":\[\]' "$root/stop-report.json"; then
  echo "the host's stop report shows leaks:" >&2
  cat "$root/stop-report.json" >&2
  exit 1
fi
if grep 'verifier: driver=' "$root/host.log" >&2; then
  echo "the verifier reported the driver (above)" >&2
  exit 1
fi
echo "$service echoed over IPv4 and IPv6 and unloaded cleanly"
