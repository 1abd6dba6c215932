#!/usr/bin/env bash
# Sets up, builds, and runs bindtrace live (as root). Arguments go to bindtrace,
# e.g. scripts/run.sh --port 8000-8099 --json
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/build.sh" >&2
exec "$root/build/user/bindtrace" "$@"
