#!/usr/bin/env bash
# Installs the system packages Apus builds and tests with (Debian/Ubuntu, as root).
set -euo pipefail
need=()
for pkg in libssl-dev libpcre2-dev zlib1g-dev curl nginx-light python3 openssl; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if ((${#need[@]})); then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "swift is not on PATH (Swift 6.x toolchain required)"; exit 1; }
