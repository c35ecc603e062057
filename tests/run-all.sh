#!/usr/bin/env bash
# Every test of cocin, from a fresh Debian 12 machine, as root:
#   bash tests/run-all.sh
# installs what is missing, builds, runs the C unit tests and every script
# suite, then builds again with AddressSanitizer + UBSan and runs the whole
# suite once more, checks that an optimised (release) build compiles too,
# runs the ctl-parser fuzzer for a bounded time, checks
# that nothing leaked (mounts, cgroups, processes), and ends with one line:
#   N passed, N failed, N skipped
set -u
cd "$(dirname "$0")/.."
TOP=$PWD
[ "$(id -u)" = 0 ] || { echo "tests need root (namespaces, mounts, cgroups)"; exit 2; }
bash tests/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

PASS=0 FAIL=0 SKIP=0
LOG=$TOP/build-test-logs
rm -rf "$LOG"; mkdir -p "$LOG"
# Container cgroups that exist before the suites are not ours to judge.
cgdirs() { find /sys/fs/cgroup -mindepth 1 -type d -path '*/cocin/*' 2>/dev/null | sort; }
cgdirs >"$LOG/cgroups.before"
# cocin keeps its cocin/ directory at a hierarchy's root (like docker's
# /docker); the ones the suites made are removed at the end.
cgparents() { find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name cocin 2>/dev/null | sort; }
cgparents >"$LOG/cgparents.before"

build() { # build DIR [meson options...]
  local dir=$1; shift
  if [ -d "$dir" ]; then meson setup --reconfigure "$dir" "$@" >"$LOG/setup-$(basename "$dir").log" 2>&1
  else meson setup "$dir" "$@" >"$LOG/setup-$(basename "$dir").log" 2>&1; fi &&
    ninja -C "$dir" >"$LOG/build-$(basename "$dir").log" 2>&1
}

count() { # count LABEL FILE: add PASS/FAIL/SKIP lines of FILE
  local p f s
  p=$(grep -c '^PASS: ' "$2"); f=$(grep -c '^FAIL: ' "$2"); s=$(grep -c '^SKIP: ' "$2")
  PASS=$((PASS + p)); FAIL=$((FAIL + f)); SKIP=$((SKIP + s))
  printf '%-28s %4d passed %3d failed %3d skipped\n' "$1" "$p" "$f" "$s"
  grep -E '^(FAIL|SKIP): ' "$2" | sed 's/^/    /'
}

suite() { # suite BUILDDIR LABEL
  local b=$1 label=$2 t out
  for t in "$b"/tests/unit/test_*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    out="$LOG/$label-unit-$(basename "$t").log"
    "$t" >"$out" 2>&1; rc=$?
    sed -n 's/^ok [0-9]* - \(.*\)/PASS: \1/p; s/^not ok [0-9]* - \(.*\)/FAIL: \1/p' "$out" >"$out.r"
    [ $rc -ne 0 ] && ! grep -q '^FAIL' "$out.r" && echo "FAIL: $(basename "$t") exited $rc" >>"$out.r"
    count "$label $(basename "$t")" "$out.r"
  done
  for t in tests/scripts/[0-9]*.sh; do
    out="$LOG/$label-$(basename "$t" .sh).log"
    COCIN=$TOP/$b/cli/cocin COCINFS=$TOP/$b/fs/cocinfs TESTHELPER=$TOP/$b/tests/helper/cinfo \
      ESCAPE=$TOP/$b/tests/helper/escape BUILD=$TOP/$b \
      timeout 1200 bash "$t" >"$out" 2>&1; rc=$?
    if [ $rc -ne 0 ] && ! grep -q '^FAIL' "$out"; then
      echo "FAIL: $(basename "$t") exited $rc" >>"$out"
    fi
    count "$label $(basename "$t")" "$out"
  done
}

if build build; then
  suite build plain
else
  echo "FAIL: build failed: see $LOG/build-build.log"; tail -20 "$LOG/build-build.log"; FAIL=$((FAIL + 1))
fi

if [ "${COCIN_SKIP_ASAN:-0}" != 1 ]; then
  if build build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
    export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    suite build-asan asan
    unset ASAN_OPTIONS UBSAN_OPTIONS
  else
    echo "FAIL: sanitizer build failed: see $LOG/build-build-asan.log"; FAIL=$((FAIL + 1))
  fi
fi

# A user's optimised build (-O3 warns of more than -O2) compiles too: a
# build that fails on the first -Werror of another optimisation level is
# no release.
out=$LOG/release.log
if build build-release --buildtype=release && ! grep -q 'warning:' "$LOG/build-build-release.log"; then
  echo "PASS: a --buildtype=release build compiles without a warning" >"$out"
else
  echo "FAIL: --buildtype=release build failed: $(grep -m3 -E 'error|warning' "$LOG/build-build-release.log" | tr '\n' ' ')" >"$out"
fi
count "release build" "$out"

# clang builds the whole tree too: it refuses what gcc lets pass, a goto
# past a cleanup variable's start (twice in monitor.c, before this check)
out=$LOG/clang.log
if ! command -v clang >/dev/null; then
  echo "SKIP: clang build: clang is not installed" >"$out"
elif CC=clang build build-clang && ! grep -q 'warning:' "$LOG/build-build-clang.log"; then
  echo "PASS: a clang build compiles without a warning" >"$out"
else
  echo "FAIL: clang build failed or warned: $(grep -m3 -E 'error|warning' "$LOG/build-build-clang.log" | tr '\n' ' ')" >"$out"
fi
count "clang build" "$out"

if [ -x tests/fuzz/run.sh ]; then
  out=$LOG/fuzz.log
  bash tests/fuzz/run.sh >"$out" 2>&1 || echo "FAIL: fuzz run exited $?" >>"$out"
  count "fuzz" "$out"
fi

# Nothing left behind: mounts, cgroups, processes of the test roots.
out=$LOG/leaks.log
: >"$out"
m=$(grep -c ' /tmp/cocin-test' /proc/mounts)
[ "$m" = 0 ] && echo "PASS: no test mount left" >>"$out" || { echo "FAIL: $m test mounts left:" >>"$out"; grep ' /tmp/cocin-test' /proc/mounts >>"$out"; }
for d in $(cgparents | comm -13 "$LOG/cgparents.before" -); do rmdir "$d" 2>/dev/null; done
cg=$( (cgdirs; cgparents) | sort | comm -13 <(sort "$LOG/cgroups.before" "$LOG/cgparents.before") - | head -5)
[ -z "$cg" ] && echo "PASS: no container cgroup left" >>"$out" || echo "FAIL: cgroups left: $cg" >>"$out"
pr=$(pgrep -f 'cocin-test\.' | grep -v "^$$\$" | head -5)
[ -z "$pr" ] && echo "PASS: no test process left" >>"$out" || echo "FAIL: processes left: $(ps -o pid,args -p ${pr//$'\n'/,})" >>"$out"
# (a monitor that exited stays a zombie until init reaps it: not a leak)
# (nor --restart's restarters, cocin-restart, which end once their wait is over;
# nor --health-cmd's checkers, cocin-health, which end with their monitor)
mon=$(ps -eo pid=,stat=,comm= | awk '($3 == "cocin-monitor" || $3 == "cocin-restart" || $3 == "cocin-health") && $2 !~ /^Z/ {print $1}' | head -5)
[ -z "$mon" ] && echo "PASS: no monitor, restarter or health checker left" >>"$out" || echo "FAIL: monitors, restarters or health checkers left: $mon" >>"$out"
count "leak check" "$out"

echo
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" = 0 ]
