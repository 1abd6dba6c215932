#!/usr/bin/env bash
# Sets up, builds and runs every test (unit + integration) through ctest.
# Integration tests need root and BPF; outside CI they skip with the reason,
# under CI (any non-empty value) a missing capability fails them, and so does
# this script when any integration test was skipped. What a killed earlier
# run left behind (processes, pins, netns, cgroups, mounts) is swept before
# and after (scripts/sweep.sh). Nothing here waits without a deadline.
# Then: the unit tests again under ASan + UBSan (build-asan), and a short
# libFuzzer run of every fuzz target on its seed corpus (build-fuzz). Both
# build directories are kept, so later runs build incrementally.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh"   # every build and test dependency (quick when all are present)
"$root/scripts/build.sh"
"$root/scripts/sweep.sh"
trap '"$root/scripts/sweep.sh"' EXIT
cd "$root/build"
ctest_log="$(mktemp)"
ctest --output-on-failure --timeout 300 "$@" | tee "$ctest_log"
skipped="$(grep -c '(Skipped)$' "$ctest_log" || true)"
skipped_integration="$(grep '(Skipped)$' "$ctest_log" | grep -c ' integration\.' || true)"
rm -f "$ctest_log"
echo "test: $skipped skipped, $skipped_integration of them integration tests"
if [ -n "${CI:-}" ] && [ "$skipped_integration" -gt 0 ]; then
  echo "test: CI is set, but integration tests were skipped (they must run as root here)" >&2
  exit 1
fi

# 1. Unit and integration tests under AddressSanitizer + UndefinedBehaviorSanitizer
#    (the integration tests carry the ctest label "sanitized" in that build).
cmake --preset asan -S "$root" >/dev/null
cmake --build "$root/build-asan" --target unit_tests integration_tests -j"$(nproc)"
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
BINDTRACE_TEST_RUN=1 timeout --kill-after=10 900 "$root/build-asan/tests/unit_tests" --gtest_brief=1
echo "test: unit tests passed under ASan + UBSan"
(cd "$root/build-asan" && ctest -L sanitized --output-on-failure --timeout 300)
echo "test: integration tests passed under ASan + UBSan"
unset ASAN_OPTIONS UBSAN_OPTIONS

# 2. Every fuzz target for a few seconds on a scratch copy of its seeds (the
#    fuzzer adds what it finds to the corpus directory it is given).
cmake --preset fuzz -S "$root" >/dev/null
cmake --build "$root/build-fuzz" --target fuzzers -j"$(nproc)"
fuzz_tmp="$(mktemp -d)"
trap 'rm -rf "$fuzz_tmp"; "$root/scripts/sweep.sh"' EXIT
# Every target that was built runs, and each must have seeds.
for fuzzer in "$root"/build-fuzz/fuzz/*_fuzz; do
  name="$(basename "$fuzzer" _fuzz)"
  seeds="$root/fuzz/corpus/$name/"
  if [ ! -d "$seeds" ]; then
    echo "test: fuzz target $name has no seeds (fuzz/corpus/$name/)" >&2
    exit 1
  fi
  mkdir -p "$fuzz_tmp/$name"
  cp -R "$seeds". "$fuzz_tmp/$name/"
  echo "test: fuzzing $name for 5s"
  mkdir -p "$root/build-fuzz/artifacts"
  # -timeout: one input that runs 10 s is a hang; `timeout`: the whole run.
  if ! timeout --kill-after=10 120 "$fuzzer" -max_total_time=5 -timeout=10 -rss_limit_mb=2048 \
         -artifact_prefix="$root/build-fuzz/artifacts/$name-" "$fuzz_tmp/$name" >"$fuzz_tmp/$name.log" 2>&1; then
    cat "$fuzz_tmp/$name.log" >&2
    echo "test: fuzz target $name failed; reproducer in build-fuzz/artifacts/ (named above)" >&2
    exit 1
  fi
done
echo "test: fuzz targets ran clean: $(cd "$root/build-fuzz/fuzz" && echo *_fuzz)"
