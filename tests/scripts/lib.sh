# cocin script-test library.  Source it from tests/scripts/*.sh.
#
# Each test prints one line "PASS: name", "FAIL: name: why" or
# "SKIP: name: why"; tests/run-all.sh counts them.  Every script gets its own
# temporary directory ($T) with a state root ($ROOT) and cleans up after
# itself: containers it started (by pid), mounts under $T, cgroups it made.
set -u

: "${COCIN:?COCIN must point at the built cocin binary}"
: "${COCINFS:=}"
: "${TESTHELPER:=}"   # static helper binary placed in test containers

T=$(mktemp -d /tmp/cocin-test.XXXXXX)
ROOT=$T/root
mkdir -p "$ROOT"
export COCIN_ROOT=$ROOT
# Share one busybox image across tests to save time: import is cheap anyway.

_pids_to_kill=()
_t_name=""
_t_failed=0

# One result line per test: a multi-check test collects its reasons and
# prints them on its single FAIL line at t_end.
t_begin() { _t_name=$1; _t_failed=0; _t_why=""; }
t_fail() { _t_failed=1; _t_why="${_t_why:+$_t_why; }$(printf '%s' "$*" | tr '\n' ' ')"; }
t_end() { if [ "$_t_failed" = 0 ]; then echo "PASS: $_t_name"; else echo "FAIL: $_t_name: $_t_why"; fi; _t_name=""; }
t_skip() { echo "SKIP: $1: $2"; }
# t_ok NAME CMD... : one-line test that CMD succeeds
t_ok() { local n=$1; shift; if "$@" >"$T/out" 2>&1; then echo "PASS: $n"; else echo "FAIL: $n: '$*' exited $?: $(head -c 400 "$T/out")"; fi; }
# t_err NAME PATTERN CMD... : CMD must fail and print PATTERN on stderr/stdout
t_err() {
  local n=$1 pat=$2; shift 2
  if "$@" >"$T/out" 2>&1; then echo "FAIL: $n: '$*' succeeded"; return; fi
  if grep -qiE -- "$pat" "$T/out"; then echo "PASS: $n"; else echo "FAIL: $n: output lacks /$pat/: $(head -c 400 "$T/out")"; fi
}
# expect_eq NAME WANT GOT
t_eq() { if [ "$2" = "$3" ]; then echo "PASS: $1"; else echo "FAIL: $1: want [$2] got [$3]"; fi; }

cocin() { "$COCIN" --root "$ROOT" "$@"; }
# the same, KILLed after a minute: for a verb that waits on input or a
# container, so that a hang fails its test instead of stalling the suite
cocin_bounded() { timeout -s KILL 60 "$COCIN" --root "$ROOT" "$@"; }
# A message without what a sanitizer build adds: its clone child's own
# three-line ASan warning is not ours.
asan_filter() {
  grep -v -e '^==[0-9]*==WARNING: ASan is ignoring' -e '^False positive error reports may follow' \
    -e '^For details see https://github.com/google/sanitizers/issues/189' || true
}

# Remember a pid to kill at exit (only processes we started).
t_track() { _pids_to_kill+=("$1"); }

# Wait (bounded) until a command succeeds; not a timing assertion, a poll.
wait_for() {
  local i
  for i in $(seq 1 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
# the same for up to a minute: what only has to happen, not happen soon
wait_long() {
  local i
  for i in $(seq 1 600); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
# wait for a background child of ours, KILLed if it has not ended within a
# minute: a hang fails its test instead of stalling the suite
ended() { local s; s=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null); [ -z "$s" ] || [ "$s" = Z ]; }
wait_child() {
  wait_long ended "$1" || kill -KILL "$1" 2>/dev/null
  wait "$1"
}

# A TCP port nobody listens on (from /proc/net/tcp, in hex), below the
# ephemeral range (32768 on): 20000-32767.
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 12768))
    grep -qi ":$(printf '%04X' "$p") " /proc/net/tcp /proc/net/tcp6 2>/dev/null || { echo "$p"; return; }
  done
  echo 29517
}

# cocinfs for a suite: mounted on $M (the suite sets it), its pid in $FSPID.
mounted() { grep -q " $1 fuse.cocinfs " /proc/mounts; }
daemon_up() { [ -n "$FSPID" ] && kill -0 "$FSPID" 2>/dev/null && ls "$M" >/dev/null 2>&1; }
# fs_start_fg [OPTIONS]: the daemon in the foreground, in the background of
# this shell, so its pid is exactly known.
fs_start_fg() {
  "$COCINFS" --foreground --root "$ROOT" "$@" "$M" 2>"$T/fs.err" &
  FSPID=$!
  t_track "$FSPID"
  wait_for mounted "$M"
}
fs_stop() {
  fusermount3 -u "$M" 2>/dev/null || umount -l "$M" 2>/dev/null
  [ -n "$FSPID" ] && { kill "$FSPID" 2>/dev/null; wait "$FSPID" 2>/dev/null; }
  FSPID=""
}
# ctl FILE LINE: write LINE (+ newline) on a read-write open of FILE, then
# read the reply from the same open file.  Sets RC, REPLY, ERR.
ctl() {
  local f=$1; shift
  if ! exec 3<>"$f"; then RC=1; REPLY=""; ERR="open failed"; return; fi
  printf '%s\n' "$*" >&3 2>"$T/ctl.err"; RC=$?
  REPLY=$(cat <&3)
  exec 3<&-
  ERR=$(cat "$T/ctl.err")
}

# No process whose command line matches (pgrep -f): for wait_for, which
# runs it in this shell (a `sh -c "! pgrep ..."` would match itself).
no_proc() { ! pgrep -f -- "$1" >/dev/null; }

_t_cleanup() {
  local p c
  # containers of this root: force-remove them (kills via the runtime)
  if [ -d "$ROOT/containers" ]; then
    for c in "$ROOT"/containers/*/; do
      [ -d "$c" ] || continue
      "$COCIN" --root "$ROOT" rm -f "$(basename "$c")" >/dev/null 2>&1
    done
  fi
  for p in "${_pids_to_kill[@]}"; do kill -9 "$p" 2>/dev/null; done
  # unmount anything left under our temp dir, deepest first
  grep " $T" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || fusermount3 -uz "$m" 2>/dev/null
  done
  rm -rf "$T"
}
trap _t_cleanup EXIT
