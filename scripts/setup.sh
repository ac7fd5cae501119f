#!/usr/bin/env bash
# Installs the system packages Apus builds and tests with (Debian/Ubuntu, as root).
set -euo pipefail
need=()
# zstd unpacks the real kube-apiserver and etcd of ../shared/kubernetes/apiserver; iproute2
# (ip netns) gives the real-API tests' backends a non-loopback address.
for pkg in libssl-dev libpcre2-dev zlib1g-dev libcrypt-dev curl nginx-light python3 openssl iproute2 zstd util-linux; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if ((${#need[@]})); then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Python's websockets (13 or later, for its asyncio API): the real WebSocket client and server
# of the tunnel tests. Debian's python3-websockets is too old, so it comes from pip.
if ! python3 -c 'import websockets.asyncio.client' 2>/dev/null; then
  python3 -m pip --version >/dev/null 2>&1 || {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends python3-pip >/dev/null
  }
  # A distribution Python refuses pip installs outside a venv (PEP 668) unless told otherwise.
  python3 -m pip install --quiet websockets 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages websockets
fi
command -v swift >/dev/null || { echo "swift is not on PATH (Swift 6.x toolchain required)"; exit 1; }
