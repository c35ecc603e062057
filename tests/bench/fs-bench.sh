#!/bin/bash
# cocinfs benchmark (issue 4).  Needs root, /dev/fuse, hyperfine and jq.
#
#   COCINFS=build/fs/cocinfs tests/bench/fs-bench.sh [--quick]
#
# - `ls` and `ls -l` of the mount with 1000 containers vs a tmpfs directory
#   with 1000 entries                                  target <= 1.5x
# - `cat status` latency
# - reading a 200 MB container.log through the mount vs the file itself,
#   warm (repeated reads), the first read through the mount (the log itself
#   in the page cache), and both read from disk         target >= 0.7x
#   By default container.log is a symlink to the log file; with
#   --allow-other (a second mount) the daemon serves the bytes: both are
#   measured.
# Ratios compare medians (steadier than means on a busy machine).
# - daemon RSS idle and with 1000 containers listed   target idle <= 4 MB
#
# The 1000 containers are state directories with the config.json of an
# exited container, written directly into a temporary root: no container
# runs.  Everything lives in a temporary directory, unmounted at the end.
set -u
COCINFS=${COCINFS:-build/fs/cocinfs}
N=${N:-1000}
LOG_MB=${LOG_MB:-200}
RUNS=(-w 5 -r 60)
[ "${1:-}" = --quick ] && RUNS=(-w 1 -r 5)
for t in hyperfine jq; do command -v $t >/dev/null || { echo "SKIP: $t not installed"; exit 77; }; done
[ -x "$COCINFS" ] || { echo "SKIP: COCINFS=$COCINFS not built"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (tmpfs, drop_caches)"; exit 77; }

T=$(mktemp -d /tmp/cocin-bench.XXXXXX)
ROOT=$T/root M=$T/mnt M2=$T/mnt2 TM=$T/tmpfs
FSPID="" FS2PID=""
cleanup() {
  fusermount3 -u "$M" 2>/dev/null || umount -l "$M" 2>/dev/null
  fusermount3 -u "$M2" 2>/dev/null || umount -l "$M2" 2>/dev/null
  [ -n "$FSPID" ] && kill "$FSPID" 2>/dev/null
  [ -n "$FS2PID" ] && kill "$FS2PID" 2>/dev/null
  umount -l "$TM" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$ROOT/containers" "$M" "$M2" "$TM"

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
mean() { jq -r ".results[$2].median" "$1"; } # medians: steadier than means
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# ---- the daemon, idle -------------------------------------------------------
"$COCINFS" --foreground --root "$ROOT" "$M" &
FSPID=$!
for _ in $(seq 1 50); do grep -q " $M fuse.cocinfs" /proc/mounts && break; sleep 0.1; done
ls "$M" >/dev/null
sleep 0.2
RSS_IDLE=$(rss_kb "$FSPID")

# ---- 1000 exited containers, and a tmpfs dir with as many entries ----------
template='{"name":"NAME","image":"busybox","command":"sh -c true","args":["sh","-c","true"],
 "env":[],"hostname":"NAME","mounts":[],"detach":true,"tty":false,"interactive":false,
 "autoRemove":false,"limits":{},"id":"ID","pid":0,"createTime":"2026-01-01T00:00:00.000000000Z",
 "status":"exited","cgroup":null,"exitCode":0,"oomKilled":false,
 "finishedAt":"2026-01-01T00:00:01.000000000Z"}'
mount -t tmpfs -o size=64m tmpfs "$TM"
for i in $(seq -w 1 "$N"); do
  name=bench$i
  mkdir "$ROOT/containers/$name" "$TM/$name"
  id=$(printf "%064d" "$((10#$i))")
  printf '%s\n' "${template//NAME/$name}" | sed "s/\"ID\"/\"$id\"/" >"$ROOT/containers/$name/config.json"
done
[ "$(ls "$M" | wc -l)" = $((N + 1)) ] || { echo "FAIL: the mount lists $(ls "$M" | wc -l) entries"; exit 1; }

# ---- a 200 MB log -------------------------------------------------------------
LOG=$ROOT/containers/bench0001/container.log
head -c $((LOG_MB * 3 / 4 * 1024 * 1024)) /dev/urandom | base64 -w 120 >"$LOG"
cat "$LOG" >/dev/null

echo "== listing $N containers"
hyperfine -N "${RUNS[@]}" --prepare "sleep 0.15" --export-json "$T/ls.json" "ls $TM" "ls $M" 2>&1 | grep -E "Benchmark|Time"
hyperfine -N "${RUNS[@]}" --prepare "sleep 0.15" --export-json "$T/lsl.json" "ls -l $TM" "ls -l $M" 2>&1 | grep -E "Benchmark|Time"
RSS_FULL=$(rss_kb "$FSPID")

echo "== cat status"
hyperfine -N "${RUNS[@]}" --export-json "$T/st.json" "cat $ROOT/containers/bench0500/config.json" \
  "cat $M/bench0500/status" 2>&1 | grep -E "Benchmark|Time"

# log_bench TAG MOUNT: the three log measurements through MOUNT
log_bench() {
  local tag=$1 via=$2/bench0001/container.log
  hyperfine -N "${RUNS[@]}" --export-json "$T/log-$tag.json" "cat $LOG" "cat $via" \
    2>&1 | grep -E "Benchmark|Time"
  hyperfine -N -r 5 --export-json "$T/cold-$tag.json" \
    --prepare "sh -c 'echo 1 > /proc/sys/vm/drop_caches; cat $LOG > /dev/null'" \
    "cat $LOG" "cat $via" 2>&1 | grep -E "Benchmark|Time"
  # both from the disk: the page cache dropped before each read
  hyperfine -N -r 5 --export-json "$T/disk-$tag.json" \
    --prepare "sh -c 'echo 1 > /proc/sys/vm/drop_caches'" \
    "cat $LOG" "cat $via" 2>&1 | grep -E "Benchmark|Time"
}
echo "== reading a $(($(stat -c %s "$LOG") / 1000000)) MB log (container.log a symlink)"
log_bench link "$M"
"$COCINFS" --foreground --allow-other --root "$ROOT" "$M2" &
FS2PID=$!
for _ in $(seq 1 50); do grep -q " $M2 fuse.cocinfs" /proc/mounts && break; sleep 0.1; done
echo "== the same log served by the daemon (--allow-other)"
log_bench served "$M2"

LS=$(ratio "$(mean "$T/ls.json" 1)" "$(mean "$T/ls.json" 0)")
LSL=$(ratio "$(mean "$T/lsl.json" 1)" "$(mean "$T/lsl.json" 0)")
lr() { ratio "$(mean "$T/$1.json" 0)" "$(mean "$T/$1.json" 1)"; } # direct time / mount time
WARM_link=$(lr log-link) COLD_link=$(lr cold-link) DISK_link=$(lr disk-link)
WARM_served=$(lr log-served) COLD_served=$(lr cold-served) DISK_served=$(lr disk-served)
ST_MS=$(awk -v m="$(mean "$T/st.json" 1)" 'BEGIN { printf "%.2f", m * 1000 }')
MBS=$(awk -v m="$(mean "$T/log-served.json" 1)" -v s="$(stat -c %s "$LOG")" 'BEGIN { printf "%.0f", s / m / 1e6 }')

cat <<EOF

== cocinfs with $N containers                                  target
ls   of the mount / ls   of tmpfs      ${LS}x                   <= 1.5x
ls -l of the mount / ls -l of tmpfs    ${LSL}x                   <= 1.5x
cat status                             ${ST_MS} ms (process included)
log read through the link (default): mount speed / direct    target >= 0.7x
  warm                                 ${WARM_link}x
  first through the mount              ${COLD_link}x  (the log itself in the page cache)
  both from disk                       ${DISK_link}x
log served by the daemon (--allow-other): mount speed / direct
  warm                                 ${WARM_served}x  (${MBS} MB/s)
  first through the mount              ${COLD_served}x  (the log itself in the page cache)
  both from disk                       ${DISK_served}x
daemon RSS idle                        ${RSS_IDLE} kB               <= 4096 kB
daemon RSS after listing $N           ${RSS_FULL} kB
EOF
