#!/usr/bin/env bash
# Build the ctl-parser fuzzer with clang (libFuzzer + ASan + UBSan) and run
# it for a bounded time (COCIN_FUZZ_SECONDS, default 30).  Prints one
# PASS:/FAIL:/SKIP: line for tests/run-all.sh.
set -u
cd "$(dirname "$0")/../.."
secs=${COCIN_FUZZ_SECONDS:-30}
if ! command -v clang >/dev/null; then
  echo "SKIP: fuzz ctl parser: clang is not installed"; exit 0
fi
log=$(mktemp /tmp/cocin-fuzz.XXXXXX)
trap 'rm -f "$log"' EXIT
if [ -d build-fuzz ]; then
  CC=clang meson setup --reconfigure build-fuzz -Dfuzz=true >"$log" 2>&1
else
  CC=clang meson setup build-fuzz -Dfuzz=true >"$log" 2>&1
fi || { echo "FAIL: fuzz ctl parser: meson setup: $(tail -3 "$log")"; exit 0; }
ninja -C build-fuzz tests/fuzz/fuzz_ctl >"$log" 2>&1 ||
  { echo "FAIL: fuzz ctl parser: build: $(grep -m3 -E "error:|undefined reference" "$log")"; exit 0; }
corpus=$(mktemp -d /tmp/cocin-fuzz-corpus.XXXXXX)
trap 'rm -f "$log"; rm -rf "$corpus"' EXIT
cp tests/fuzz/seeds/* "$corpus"/
if build-fuzz/tests/fuzz/fuzz_ctl -max_total_time="$secs" -max_len=4096 -print_final_stats=1 "$corpus" >"$log" 2>&1; then
  echo "PASS: fuzz ctl parser for ${secs}s: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}') inputs, no crash"
else
  echo "FAIL: fuzz ctl parser found a crash:"; grep -m20 -E 'ERROR|SUMMARY|#[0-9] ' "$log"
fi
