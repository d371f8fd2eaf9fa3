#!/bin/sh
# Runs every libFuzzer harness for SECONDS seconds (default 60) over a
# copy of its committed seed corpus. Fails on any crash, leak, timeout or
# out-of-memory; artifacts land in the work folder it prints.
#
# Every tests/fuzz/fuzz_NAME.cpp is a harness whose seeds are in
# tests/fuzz/corpus/NAME/. They are built in $LATCHKEYTEST_FUZZ_BUILD (default
# build/fuzz), configured with clang first if it does not exist.
set -eu

seconds=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${LATCHKEYTEST_FUZZ_BUILD:-$root/build/fuzz}
harnesses=""
for source in "$root"/tests/fuzz/fuzz_*.cpp; do
  name=$(basename "$source" .cpp)
  harnesses="$harnesses ${name#fuzz_}"
done

if [ ! -f "$build/build.ninja" ] && [ ! -f "$build/Makefile" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja \
    -DLATCHKEY_FUZZ=ON -DLATCHKEY_TESTS=ON -DLATCHKEY_BENCHMARKS=OFF \
    >/dev/null
fi
targets=""
for h in $harnesses; do targets="$targets fuzz_$h"; done
# shellcheck disable=SC2086
cmake --build "$build" --target $targets

work=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-fuzz.XXXXXX")
echo "fuzz work folder: $work"
failed=""
for h in $harnesses; do
  binary=$(find "$build" -type f -name "fuzz_$h" | head -n 1)
  mkdir -p "$work/$h/corpus" "$work/$h/artifacts"
  cp "$root/tests/fuzz/corpus/$h/"* "$work/$h/corpus/"
  echo "== fuzz_$h for ${seconds}s"
  if ! "$binary" "$work/$h/corpus" -max_total_time="$seconds" \
      -timeout=10 -rss_limit_mb=2048 -max_len=8192 -detect_leaks=1 \
      -print_final_stats=1 -artifact_prefix="$work/$h/artifacts/" \
      >"$work/$h/log" 2>&1; then
    failed="$failed $h"
    tail -n 40 "$work/$h/log"
  else
    grep -E "stat::number_of_executed_units|Done" "$work/$h/log" || true
  fi
done

if [ -n "$failed" ]; then
  echo "fuzzing FAILED:$failed (see $work)"
  exit 1
fi
echo "fuzzing passed: every harness ran ${seconds}s without a finding"
rm -rf "$work"
