#!/usr/bin/env bash
# Installs every build and test dependency from Debian. Idempotent: quiet and
# quick when everything is present; one `apt-get update` only when something
# is missing.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ clang llvm pkg-config
  libbpf-dev bpftool libelf-dev zlib1g-dev
  libcli11-dev nlohmann-json3-dev libsystemd-dev libcpp-httplib-dev libtomlplusplus-dev libyaml-cpp-dev
  # packaging (CPack .deb) and the man page check
  dpkg-dev file man-db bash-completion
  # tests
  googletest libgtest-dev libgmock-dev iproute2 python3 supervisor tmux screen systemd postgresql-15 util-linux nginx
  # benchmarks and their peers
  libbenchmark-dev
  # fuzz targets (libFuzzer + sanitizer runtimes for clang)
  libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "setup: missing packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Packages with daemons (nginx, postgresql, supervisor) must not start them:
# tests start their own, on ports they choose.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
