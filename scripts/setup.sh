#!/usr/bin/env bash
# Installs the system packages Apus builds and tests with (Debian/Ubuntu, as root).
set -euo pipefail
need=()
# zstd unpacks the real kube-apiserver and etcd of ../shared/kubernetes/apiserver; iproute2
# (ip netns) gives the real-API tests' backends a non-loopback address.
# libnghttp2-dev: the HTTP/2 codec (ApusHTTP2); nghttp2-client: nghttp and h2load, HTTP/2 test peers;
# chromium: the browser that loads a page over h2 in the HTTP/2 tests.
for pkg in libssl-dev libpcre2-dev zlib1g-dev libcrypt-dev libnghttp2-dev nghttp2-client chromium curl nginx-light python3 openssl iproute2 zstd util-linux; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if ((${#need[@]})); then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# From PyPI: Python's websockets (13 or later, for its asyncio API; Debian's is too old), the
# real WebSocket client and server of the tunnel tests; and prometheus_client, whose text-format
# parser reads /metrics in the metrics tests.
pip_install() {
  python3 -m pip --version >/dev/null 2>&1 || {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends python3-pip >/dev/null
  }
  # A distribution Python refuses pip installs outside a venv (PEP 668) unless told otherwise.
  python3 -m pip install --quiet "$1" 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages "$1"
}
python3 -c 'import websockets.asyncio.client' 2>/dev/null || pip_install websockets
python3 -c 'import prometheus_client.parser' 2>/dev/null || pip_install prometheus_client
# Python's h2: hand-made HTTP/2 frame sequences (floods, resets, stalls) in the HTTP/2 tests.
python3 -c 'import h2.connection' 2>/dev/null || pip_install h2
# grpcio: the real gRPC client and server of the gRPC tests (every call type, deadlines,
# cancellation, health checking through Apus); grpcio-health-checking: the standard
# health service.
python3 -c 'import grpc' 2>/dev/null || pip_install grpcio
python3 -c 'import grpc_health.v1.health' 2>/dev/null || pip_install grpcio-health-checking
command -v swift >/dev/null || { echo "swift is not on PATH (Swift 6.x toolchain required)"; exit 1; }
