#!/usr/bin/env bash
# Where `cocin run --rm busybox true` spends its time: builds cocin with
# -Dtrace=true in BUILD_DIR (default build-trace), runs it N times (default
# 200) with COCIN_TRACE_FD, and prints for each traced step the median time
# since the CLI's main(), the median time since the step before in the
# same process (CLI, monitor, init), and since the step just before it in
# any process (a wait for another process shows there).  Runs are GAP seconds apart (default
# 0.02: each start finds the host idle, as a single run does).  A
# developer's tool, not a test.
# Usage: bash tests/bench/trace.sh [N] [BUILD_DIR] [-- extra run flags]
set -eu
cd "$(dirname "$0")/../.."
N=${1:-200}
B=${2:-build-trace}
shift $(($# < 2 ? $# : 2))
[ "${1:-}" = -- ] && shift
[ -d "$B" ] || meson setup "$B" -Dtrace=true >/dev/null
meson configure "$B" -Dtrace=true >/dev/null
ninja -C "$B" >/dev/null
W=$(mktemp -d /tmp/cocin-trace.XXXXXX)
cgparents() { find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name cocin 2>/dev/null | sort; }
cgparents >"$W/cgparents"
trap 'for d in $(cgparents | comm -13 "$W/cgparents" -); do rmdir "$d" 2>/dev/null; done; rm -rf "$W"' EXIT
COCIN=$PWD/$B/cli/cocin
"$COCIN" --root "$W/root" run --rm busybox true # builds the image
unshare -m --propagation private bash -c '
  for i in $(seq 1 "$1"); do
    echo "RUN" >&9
    COCIN_TRACE_FD=9 "$2" --root "$3/root" run --rm "${@:4}" busybox true
    sleep "${GAP:-0.02}" # an idle host between runs (GAP=0: back to back)
  done 9>>"$3/trace.log"' _ "$N" "$COCIN" "$W" "$@"
python3 - "$W/trace.log" <<'PY'
import collections, statistics, sys
runs = open(sys.argv[1]).read().split("RUN\n")[1:]
since_start, step = collections.defaultdict(list), collections.defaultdict(list)
prev_any = collections.defaultdict(list) # since the event just before, in any process
for r in runs:
    ev = [l.split() for l in r.strip().splitlines()]
    t0 = next((float(t) for _, p, t in ev if p == "cli-start"), None)
    if t0 is None:
        continue
    last = {}
    times = sorted(float(t) for _, _, t in ev)
    for pid, p, t in ev:
        t = float(t)
        i = times.index(t)
        if i:
            prev_any[p].append((t - times[i - 1]) * 1e3)
        since_start[p].append((t - t0) * 1e3)
        if pid in last:
            step[p].append((t - last[pid]) * 1e3)
        last[pid] = t
print(f"{'step':20s} {'since main':>10s} {'step took':>10s} {'since any':>10s}   (ms, medians of {len(runs)} runs)")
for p in sorted(since_start, key=lambda p: statistics.median(since_start[p])):
    s = f"{statistics.median(step[p]):10.3f}" if step[p] else " " * 10
    a = f"{statistics.median(prev_any[p]):10.3f}" if prev_any[p] else " " * 10
    print(f"{p:20s} {statistics.median(since_start[p]):10.3f} {s} {a}")
PY
