#!/usr/bin/env bash
# Container start-up, side by side in one run (hyperfine):
#   cocin run --rm busybox true
#   crun run of the same rootfs (if crun is installed)
#   bare: clone + pivot_root + exec, the floor
# On hybrid-cgroup hosts crun refuses to start unless /sys/fs/cgroup/unified
# is unmounted, so all three run inside one private mount namespace where it
# is.  Prints the medians and the ratios.  Not a test: no assertion.
# Usage: bash tests/bench/run-bench.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/../.."
B=${1:-build}
COCIN=$PWD/$B/cli/cocin
BARE=$PWD/$B/tests/bench/bare
W=$(mktemp -d "${BENCH_DIR:-/tmp}/cocin-bench.XXXXXX") # BENCH_DIR: the filesystem the state lives on
# cocin keeps cocin/ at a cgroup hierarchy's root (like docker's /docker):
# the ones this run made go at the end
cgparents() { find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name cocin 2>/dev/null | sort; }
cgparents >"$W/cgparents"
trap 'for d in $(cgparents | comm -13 "$W/cgparents" -); do rmdir "$d" 2>/dev/null; done; rm -rf "$W"' EXIT
ROOT=$W/root
"$COCIN" --root "$ROOT" run --rm busybox true # builds the image
ROOTFS=$ROOT/images/busybox/rootfs

# crun's default spec has no seccomp filter: cocin-unconfined is the same
# configuration; cocin is cocin's default (docker's filter on).
cmds=(-n cocin "$COCIN --root $ROOT run --rm busybox true"
      -n cocin-unconfined "$COCIN --root $ROOT run --rm --security-opt seccomp=unconfined busybox true"
      -n bare "$BARE $ROOTFS /bin/true")
if command -v crun >/dev/null; then
  mkdir -p "$W/bundle"
  (cd "$W/bundle" && crun spec >/dev/null)
  jq --arg r "$ROOTFS" '.root.path = $r | .root.readonly = true | .process.terminal = false
      | .process.args = ["/bin/true"]' "$W/bundle/config.json" >"$W/bundle/c.json"
  mv "$W/bundle/c.json" "$W/bundle/config.json"
  cmds+=(-n crun "crun --root $W/crun run --bundle $W/bundle bench")
fi
# Each series starts after SETTLE seconds (default 61) of quiet: on an ext4
# without a journal (this VM's), allocating an inode skips every inode freed
# in the last 60 s (RECENTCY_MIN in fs/ext4/ialloc.c; 360 s while the inode
# table block is still dirty, and dirty blocks are written after 30 s), one
# by one from the start of the group, so a series would otherwise pay for
# the files the one before it made and deleted (cocin's state and overlay
# work directories, 12 inodes a start; crun's too).
# Two ways: back to back (hyperfine's default; each start overlaps what the
# one before left to the kernel), and one at a time on an idle host (a
# pause before each start), which is what a single command meets: there,
# work that waits for the kernel (an RCU grace period, an idle CPU waking
# up) shows in full.
# Back to back in ROUNDS rounds (default 2), the medians taken over the
# runs of every round: on this VM a series' place in the order swayed its
# median by up to 0.9 ms (the first series of a run was the slow one in
# three runs out of four), and a second round puts every command first or
# not far from it.
unshare -m --propagation private bash -c '
  umount /sys/fs/cgroup/unified 2>/dev/null || true
  for r in $(seq 1 "${ROUNDS:-2}"); do
    hyperfine -N --setup "sleep ${SETTLE:-61}" --warmup 5 --runs "${RUNS:-100}" \
      --export-json "$0/bench-$r.json" "${@}" >&2
    set -- "${@:4}" "${@:1:3}" # the next round starts with the next command (-n NAME CMD)
  done
  hyperfine -N --warmup 2 --runs "${IDLE_RUNS:-40}" --prepare "sleep 0.05" \
    --export-json "$0/idle.json" "${@}" >&2
' "$W" "${cmds[@]}"
ms() { printf '%.2f' "$(echo "$1*1000" | bc -l)"; }
report() { # TITLE JSON...: medians over the runs of every file
  local title=$1
  shift
  jq -rs '[.[].results[]] | group_by(.command)[]
          | "\(.[0].command) \([.[].times[]] | sort | .[length / 2 | floor])"' "$@" >"$W/med"
  med() { awk -v n="$1" '$1 == n {print $2}' "$W/med"; }
  c=$(med cocin); u=$(med cocin-unconfined); b=$(med bare); r=$(med crun)
  echo "$title: median start-up: cocin $(ms "$c") ms, cocin-unconfined $(ms "$u") ms, bare $(ms "$b") ms${r:+, crun $(ms "$r") ms}"
  printf '  ratio cocin/bare: %.2f, cocin-unconfined/bare: %.2f (target <= 2)\n' "$(echo "$c/$b" | bc -l)" "$(echo "$u/$b" | bc -l)"
  [ -z "$r" ] || printf '  ratio cocin/crun: %.2f, cocin-unconfined/crun: %.2f (target <= 0.7)\n' "$(echo "$c/$r" | bc -l)" "$(echo "$u/$r" | bc -l)"
}
report "back to back" "$W"/bench-*.json
for f in "$W"/bench-*.json; do # each round's own medians, to see the spread
  echo "  round $(basename "$f" .json | sed 's/bench-//'): $(jq -r '[.results[] | "\(.command) \(.median * 1000 | . * 100 | round / 100) ms"] | join(", ")' "$f")"
done
report "one at a time, idle host" "$W/idle.json"

# CPU time the whole host spends per start (all CPUs, kernel workers
# included; from /proc/stat), back to back: on 2 CPUs a start cannot take
# less than half of it.
busy() { # N CMD...: busy CPU ms per run
  local n=$1 a b; shift
  a=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9}' /proc/stat)
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1; done
  b=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9}' /proc/stat)
  echo "scale=2; ($b - $a) * 1000 / $(getconf CLK_TCK) / $n" | bc -l
}
unshare -m --propagation private bash -c "
  umount /sys/fs/cgroup/unified 2>/dev/null || true
  $(declare -f busy)
  echo \"busy CPU per start (all CPUs): cocin \$(busy 200 $COCIN --root $ROOT run --rm busybox true) ms, bare \$(busy 200 $BARE $ROOTFS /bin/true) ms (a shell's fork and exec included in both)\"
"
# A host that pages out cold memory on its own (a DAMON scheme, as on
# these VMs) takes back the binaries' and the image's page cache during
# each settle: the first runs of a series read them again, and series
# differ by more than the commands do.  Said, so the ratios are read so.
for k in /sys/kernel/mm/damon/admin/kdamonds/[0-9]*; do
  [ "$(cat "$k/state" 2>/dev/null)" = on ] || continue
  grep -qx pageout "$k"/contexts/*/schemes/*/action 2>/dev/null &&
    echo "note: DAMON pageout is on ($k): page cache is reclaimed while the host idles; expect noise between series"
done
exit 0
