#!/usr/bin/env bash
# Sets up (scripts/setup.sh), configures and builds into build/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh"
cmake --preset default -S "$root" >/dev/null
cmake --build "$root/build" -j"$(nproc)"
