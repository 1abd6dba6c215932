#!/usr/bin/env bash
# Performance figures of docs/PERFORMANCE.md, measured side by side with their
# baselines and peers in one run (A/B/A/B, medians, ratios). Root, ~5 minutes.
#   scripts/bench.sh                 build, install missing peers, run everything
#   BENCH_ONLY=5,4 scripts/bench.sh  only some figures (1..9; 8 cost per failure, 9 agent idle)
#   BENCH_MICRO=0                    skip the Google Benchmark micro run
#   BENCH_FORCE=1                    measure even when the machine is not quiet
# Repetitions: BENCH_REPS, BENCH_STORM_REPS, BENCH_STORM_COUNT, BENCH_LAT_N,
# BENCH_WHO_PROCS, BENCH_WHO_REPS, BENCH_START_REPS, BENCH_COST_REPS,
# BENCH_COST_COUNT, BENCH_IDLE_S (see bench/sysbench.py).
# Ends with one table: figure | target | measured | met.
# Raw numbers: build-bench/results.txt (+ micro.json); the targets table and the
# raw records as JSON: build-bench/results.json (BENCH_JSON). Not run by the tests.
# Exit 3: not root, or the machine is not quiet (bindtrace pins in /sys/fs/bpf,
# a bindtrace or bpftrace running, tracing links that are not this run's).
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

# Cleanup: sysbench.py kills every child it started (atexit and on TERM/INT/HUP),
# removes the pins of the agents it ran and puts kernel.bpf_stats_enabled back;
# the 2,000 socket holders read their stdin from one pipe it owns, so they exit
# on EOF even if it is killed outright. Should it be killed outright, the trap
# here does the pins and the sysctl again. Nothing here kills by name.
stats_sysctl=/proc/sys/kernel/bpf_stats_enabled
stats_before=$(cat "$stats_sysctl" 2>/dev/null || echo 0)
export BENCH_PIN_DIR="/sys/fs/bpf/bt-bench-$$"
pypid=
cleanup() {
  if [[ -d $BENCH_PIN_DIR ]]; then
    for b in "$root/build-bench/under-test/bindtrace" "${BT_BINDTRACE:-}" "$root/build/user/bindtrace"; do
      [[ -x $b ]] && { "$b" unpin --pin-dir "$BENCH_PIN_DIR" >/dev/null 2>&1 || true; break; }
    done
    rmdir "$BENCH_PIN_DIR" 2>/dev/null || echo "bench: $BENCH_PIN_DIR left behind" >&2
  fi
  if [[ -w $stats_sysctl && $(cat "$stats_sysctl") != "$stats_before" ]]; then
    echo "$stats_before" >"$stats_sysctl" || true
  fi
}
on_signal() {
  if [[ -n $pypid ]]; then
    kill -TERM "$pypid" 2>/dev/null || true  # timeout passes it on to sysbench.py
    wait "$pypid" 2>/dev/null || true
  fi
  exit "$1"
}
trap cleanup EXIT
trap 'on_signal 129' HUP
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

# Refuse to measure on a machine that is not quiet (before building: say it now).
python3 "$root/bench/sysbench.py" --check-quiet

# The product as users get it (build/), and the bench programs (build-bench/).
"$root/scripts/build.sh" >/dev/null
cmake --preset bench -S "$root" >/dev/null
cmake --build "$root/build-bench" -j"$(nproc)" --target bindtrace_micro bt_who_warm bt_bare_loader >/dev/null
mkdir -p "$root/build-bench"

# Snapshot the binaries under test: build/ may be rebuilt while this runs.
snap="$root/build-bench/under-test"
mkdir -p "$snap"
for i in 1 2 3 4 5; do
  # bindtrace-http.so beside it: the agent opens it from the executable's directory.
  if cp "$root/build/user/bindtrace" "$snap/bindtrace.tmp" && cp "$root/build/testprogs/bt_sock" "$snap/bt_sock" &&
     cp "$root/build/user/bindtrace-http.so" "$snap/bindtrace-http.so" &&
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
export BENCH_JSON="${BENCH_JSON:-$root/build-bench/results.json}"
export BENCH_DEFER_TABLE=1  # the targets table comes last, after the micro run
rm -f "$BENCH_JSON"
# In the background and waited for, so that a signal to this script reaches it (on_signal).
timeout --signal=TERM --kill-after=30 "${BENCH_TIMEOUT:-1200}" python3 "$root/bench/sysbench.py" &
pypid=$!
wait "$pypid"
pypid=

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

python3 "$root/bench/sysbench.py" --final-table
