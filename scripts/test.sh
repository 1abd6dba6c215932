#!/usr/bin/env bash
# Sets up, builds and runs every test (unit + integration) through ctest.
# Integration tests need root and BPF; outside CI they skip with the reason,
# under CI=true a missing capability fails them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure --timeout 300 "$@"
