#!/usr/bin/env bash
# Performance figures of docs/PERFORMANCE.md, measured side by side with their
# baselines and peers in one run (A/B/A/B, medians, ratios). Root, ~5 minutes.
#   scripts/bench.sh                 build, install missing peers, run everything
#   BENCH_ONLY=5,4 scripts/bench.sh  only some figures (1..7)
#   BENCH_MICRO=0                    skip the Google Benchmark micro run
# Repetitions: BENCH_REPS, BENCH_STORM_REPS, BENCH_STORM_COUNT, BENCH_LAT_N,
# BENCH_WHO_PROCS, BENCH_WHO_REPS, BENCH_START_REPS (see bench/sysbench.py).
# Raw numbers: build-bench/results.txt (+ micro.json). Not run by the tests.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [[ $(id -u) -ne 0 ]]; then
  echo "bench: needs root (BPF, other processes' sockets)" >&2
  exit 3
fi

# Peers, only when missing.
need=()
command -v bpftrace >/dev/null || need+=(bpftrace)
command -v lsof >/dev/null || need+=(lsof)
command -v fuser >/dev/null || need+=(psmisc)
command -v ss >/dev/null || need+=(iproute2)
command -v bpftool >/dev/null || need+=(bpftool)
command -v python3 >/dev/null || need+=(python3)
if ((${#need[@]})); then
  echo "bench: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
    echo "bench: could not install ${need[*]}; those figures will be missing" >&2
fi

# The product as users get it (build/), and the bench programs (build-bench/).
"$root/scripts/build.sh" >/dev/null
cmake --preset bench -S "$root" >/dev/null
cmake --build "$root/build-bench" -j"$(nproc)" --target bindtrace_micro bt_who_warm bt_bare_loader >/dev/null
mkdir -p "$root/build-bench"

# Cleanup: sysbench.py kills every child it started (atexit and on TERM/INT/HUP),
# and the 2,000 socket holders read their stdin from one pipe it owns, so they
# exit on EOF even if it is killed outright. Nothing here kills by name.

# Snapshot the binaries under test: build/ may be rebuilt while this runs.
snap="$root/build-bench/under-test"
mkdir -p "$snap"
for i in 1 2 3 4 5; do
  if cp "$root/build/user/bindtrace" "$snap/bindtrace.tmp" && cp "$root/build/testprogs/bt_sock" "$snap/bt_sock" &&
     "$snap/bindtrace.tmp" --version >/dev/null 2>&1; then
    mv "$snap/bindtrace.tmp" "$snap/bindtrace"
    break
  fi
  sleep 3; "$root/scripts/build.sh" >/dev/null || true
done
[[ -x $snap/bindtrace ]] || { echo "bench: no usable build/user/bindtrace" >&2; exit 1; }
export BT_BINDTRACE="$snap/bindtrace"
export BT_SOCK="$snap/bt_sock"
export BT_WHO_WARM="$root/build-bench/bench/bt_who_warm"
export BT_BARE_LOADER="$root/build-bench/bench/bt_bare_loader"
export BENCH_OUT="${BENCH_OUT:-$root/build-bench/results.txt}"
timeout --signal=TERM --kill-after=30 "${BENCH_TIMEOUT:-900}" python3 "$root/bench/sysbench.py"

if [[ ${BENCH_MICRO:-1} != 0 ]]; then
  echo
  echo "### In-process costs (bench/micro.cpp, Google Benchmark, median of 3)"
  echo
  timeout 300 "$root/build-bench/bench/bindtrace_micro" --benchmark_repetitions=3 \
    --benchmark_report_aggregates_only=true --benchmark_min_time=0.1 \
    --benchmark_out="$root/build-bench/micro.json" --benchmark_out_format=json 2>/dev/null |
    awk '/_median/ { sub(/_median/, "", $1); printf "| %s | %s %s |\n", $1, $2, $3 }' |
    { echo "| benchmark | time per op |"; echo "|---|---|"; cat; }
fi
