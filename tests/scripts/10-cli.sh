#!/bin/bash
# Script tests for the foundation CLI (issue 2): run and its flags, the
# container's view of the world, detached containers, ps/logs/inspect/wait,
# stop/kill/rm, the monitor, and every bad input leaving nothing behind.
. "$(dirname "$0")/lib.sh"

H=${TESTHELPER:-}
# Container names carry a per-run prefix: cgroups are named after containers,
# so two runs of this script (or another script) must not pick the same name.
P=c10x$$
CI=()                      # -v option mounting the helper, when we have it
[ -n "$H" ] && [ -x "$H" ] && CI=(-v "$(readlink -f "$H"):/cinfo:ro")
need_helper() { [ ${#CI[@]} -gt 0 ] || { t_skip "$1" "TESTHELPER not set"; return 1; }; }

# container dirs; a removed one goes to containers/.trash first (run --rm's monitor
# deletes it there after it has answered)
list_containers() { ls "$ROOT/containers" 2>/dev/null | sort | tr '\n' ' '; }
trash() { ls -A "$ROOT/containers/.trash" 2>/dev/null; }
no_trash() { [ -z "$(trash)" ]; }
cfg() { jq -r "$2" "$ROOT/containers/$1/config.json" 2>/dev/null; }
cfgc() { jq -c "$2" "$ROOT/containers/$1/config.json" 2>/dev/null; } # compact JSON
status_of() { cocin inspect "$1" 2>/dev/null | jq -r .status; }
is_running() { [ "$(cfg "$1" .status)" = running ]; }
is_exited() { local s; s=$(status_of "$1"); [ "$s" = exited ] || [ "$s" = stopped ]; }
pid_alive() { [ -n "$1" ] && [ "$1" != null ] && kill -0 "$1" 2>/dev/null; }
# says1 WANT ARGS...: `cocin ARGS` exits 1 with WANT, its one line (125,
# docker's code, when WANT is a flag that cannot be read)
says1() {
  local want=$1 out rc code=1; shift
  case $want in *": unknown flag: "* | *": unknown shorthand flag: "* | *": flag needs an argument: "*) code=125 ;; esac
  out=$(cocin "$@" 2>&1); rc=$?
  [ "$rc" = "$code" ] && [ "$out" = "$want" ] || t_fail "$*: rc $rc [$out]"
}
# cgroup directories named NAME under a cocin parent anywhere in the hierarchy
cgroup_dirs() { find /sys/fs/cgroup -maxdepth 6 -type d -path "*/cocin/$1" 2>/dev/null; }
# all per-container cgroups (pids hierarchy; cgroups may be named by id)
cgroup_snap() { find /sys/fs/cgroup/pids /sys/fs/cgroup/unified -maxdepth 3 -mindepth 2 -type d -path '*/cocin/*' 2>/dev/null | sort; }
# the cgroup directories a container records in its config.json
cgroup_paths() { cfg "$1" '.cgroup.paths // {} | .[]' | sort -u; }
# cgroups that appeared since CG_BEFORE and belong to no container of any
# test root (other scripts may run at the same time)
new_cgroups() {
  local d id
  comm -13 <(echo "$CG_BEFORE") <(cgroup_snap) | while read -r d; do
    id=${d##*/}
    [ -d "$d" ] || continue
    grep -qs -- "$id" /tmp/cocin-test.*/*/containers/*/config.json && continue
    echo "$d"
  done
}
no_new_cgroup() { [ -z "$(new_cgroups)" ]; }
cgroups_gone() { local d; for d in "$@"; do [ -d "$d" ] && { echo "$d"; return 1; }; done; return 0; }

# check_clean NAME BEFORE MARK: nothing new in $ROOT/containers compared with
# BEFORE, no process whose command line carries MARK, no mount under the
# container dir, no cgroup named after the container.
check_clean() {
  local name=$1 before=$2 mark=$3 after new
  after=$(list_containers)
  # (a monitor finishes its housekeeping at idle priority after it answered:
  # on a busy host that waits for idle CPUs)
  wait_long no_new_cgroup
  new=$(new_cgroups | head -3)
  [ -z "$new" ] || t_fail "new cgroup left: $new"
  [ "$after" = "$before" ] || t_fail "containers dir changed: before [$before] after [$after]"
  if [ -n "$mark" ] && ! wait_long no_proc "$mark"; then
    t_fail "process left: $(pgrep -af -- "$mark" | head -3)"
  fi
  if grep -q " $ROOT/containers/" /proc/mounts; then
    t_fail "mount left: $(grep " $ROOT/containers/" /proc/mounts | head -2)"
  fi
  if [ -n "$name" ] && [ -n "$(cgroup_dirs "$name")" ]; then
    t_fail "cgroup left: $(cgroup_dirs "$name" | head -2)"
  fi
}

# A directory a run left when it died before its monitor wrote the first
# record: no container to ps or rm yet; rm removes it once it is 30 s old
# (checked at the end of this script, which runs longer than that).
mkdir -p "$ROOT/containers/${P}left/upper" "$ROOT/containers/${P}left/work"
LEFT_MADE=$(date +%s)
t_begin "a directory without a record is no container, and not removed while young"
cocin ps -a 2>&1 | grep -q "${P}left" && t_fail "ps lists it"
cocin rm "${P}left" >"$T/o" 2>&1 && t_fail "rm of a young leftover succeeded"
grep -q "no such container" "$T/o" || t_fail "rm says: $(cat "$T/o")"
[ -d "$ROOT/containers/${P}left" ] || t_fail "removed while young"
cocin run --rm --name "${P}left" busybox true >"$T/o" 2>&1 && t_fail "run took the name"
grep -q "already in use" "$T/o" || t_fail "run says: $(cat "$T/o")"
t_end

# bad_run TESTNAME REGEX NAME CMD...: CMD must fail with one clear line matching
# REGEX on stderr and leave nothing behind.  The command line carries a unique
# marker so a leftover process can be found.
bad_run() {
  local tn=$1 pat=$2 name=$3; shift 3
  local before rc mark=m$RANDOM$RANDOM$$
  t_begin "$tn"
  before=$(list_containers); CG_BEFORE=$(cgroup_snap)
  "$@" "$mark" >"$T/bo" 2>"$T/be" </dev/null; rc=$?
  [ "$rc" != 0 ] || t_fail "succeeded: $*"
  grep -qiE -- "$pat" "$T/be" || t_fail "stderr lacks /$pat/: $(head -c 300 "$T/be")"
  # (a sanitizer build's clone child adds ASan's own 3-line warning: not ours)
  [ "$(asan_filter <"$T/be" | grep -c .)" -le 2 ] || t_fail "more than a clear line on stderr: $(head -c 300 "$T/be")"
  check_clean "$name" "$before" "$mark"
  t_end
}

# ---------------------------------------------------------------- run basics
t_eq "run --rm echo hi" "hi" "$(cocin run --rm busybox echo hi 2>&1)"

cocin run --rm busybox sh -c 'exit 3' >/dev/null 2>&1
t_eq "run exit code 3 propagated" 3 "$?"
t_eq "run exit code 0 propagated" 0 "$(cocin run --rm busybox true >/dev/null 2>&1; echo $?)"

t_begin "foreground run killed by SIGKILL exits 137"
cocin run --name "${P}fgk" busybox sleep 1000 >/dev/null 2>&1 &
fg=$!
wait_for is_running "${P}fgk" || t_fail "not running"
cocin kill "${P}fgk" >/dev/null 2>&1 || t_fail "kill failed"
wait_child $fg; rc=$?
[ "$rc" = 137 ] || t_fail "CLI exited $rc"
t_end

t_begin "foreground run without --rm: container kept, exited with its code"
cocin run --name "${P}fg" busybox sh -c 'echo fgout; exit 6' >"$T/o" 2>&1
[ "$(cat "$T/o")" = fgout ] || t_fail "output [$(cat "$T/o")]"
[ "$(cfg "${P}fg" .status)" = exited ] || t_fail "status $(cfg "${P}fg" .status)"
[ "$(cfg "${P}fg" .exitCode)" = 6 ] || t_fail "exitCode $(cfg "${P}fg" .exitCode)"
[ "$(cfg "${P}fg" .finishedAt)" != null ] || t_fail "finishedAt"
cocin ps -a | grep " ${P}fg " | grep -q 'Exited (6)' || t_fail "ps -a: $(cocin ps -a | grep " ${P}fg ")"
cocin rm "${P}fg" >/dev/null 2>&1 || t_fail "rm"
t_end

cocin run --rm busybox sh -c 'exit 255' >/dev/null 2>&1
t_eq "run exit code 255 propagated" 255 "$?"

t_eq "run: 1 MB of output arrives intact" 1000000 "$(cocin run --rm busybox head -c 1000000 /dev/urandom 2>/dev/null | wc -c)"

if [ ${#CI[@]} -gt 0 ]; then
  t_begin "run foreground: TERM to the CLI is forwarded to the container"
  # not the cocin function: $! must be the CLI itself, not a subshell
  "$COCIN" --root "$ROOT" run --name "${P}sp" "${CI[@]}" busybox /cinfo trap-term >"$T/sp" 2>&1 &
  cli=$!
  wait_for grep -q ready "$T/sp" || t_fail "not ready: $(cat "$T/sp")"
  kill -TERM $cli
  wait_child $cli; rc=$?
  [ "$rc" = 42 ] || t_fail "CLI exited $rc (want the container's 42)"
  [ "$(cfg "${P}sp" .exitCode)" = 42 ] || t_fail "exitCode $(cfg "${P}sp" .exitCode)"
  t_end
fi

t_begin "run --sig-proxy=false: TERM ends the CLI (143), the container runs on, logged; a --rm one too, removed at its end"
# (without it the container's output pipe would close with the CLI: no more ticks logged)
for rm in "" --rm; do
  n="${P}spf${rm:+r}"
  "$COCIN" --root "$ROOT" run $rm --sig-proxy=false --name "$n" busybox \
    sh -c 'i=0; while :; do echo tick-$i; i=$((i+1)); sleep 0.1; done' >"$T/spf" 2>&1 &
  cli=$!
  t_track $cli
  wait_for grep -q tick-1 "$T/spf" || t_fail "$rm: no output [$(cat "$T/spf")]"
  kill -TERM $cli
  wait_child $cli; rc=$?
  [ "$rc" = 143 ] || t_fail "$rm: rc $rc (want 143: TERM ended the CLI)"
  is_running "$n" || t_fail "$rm: the container ended: $(cfg "$n" .status)"
  seen=$(grep -c tick "$T/spf")
  logged_on() { [ "$(cocin logs "$n" 2>/dev/null | grep -c tick)" -gt $((seen + 3)) ]; }
  wait_for logged_on || t_fail "$rm: not logged on: the CLI saw $seen, the log has $(cocin logs "$n" 2>&1 | grep -c tick)"
  cocin stop -t 1 "$n" >/dev/null 2>&1 || t_fail "$rm: stop"
  if [ -n "$rm" ]; then
    wait_for eval '[ ! -e "$ROOT/containers/$n" ]' || t_fail "--rm: not removed at its end"
  else
    [ "$(cfg "$n" .status)" = stopped ] || t_fail "status $(cfg "$n" .status)"
    cocin rm "$n" >/dev/null 2>&1 || t_fail "rm"
  fi
done
# passed on by default, and with =true (the container's 42, not the CLI's 143)
if [ ${#CI[@]} -gt 0 ]; then
  "$COCIN" --root "$ROOT" run --rm --sig-proxy=true "${CI[@]}" busybox /cinfo trap-term >"$T/spt" 2>&1 &
  cli=$!
  t_track $cli
  wait_for grep -q ready "$T/spt" || t_fail "=true: not ready: $(cat "$T/spt")"
  kill -TERM $cli
  wait_child $cli; rc=$?
  [ "$rc" = 42 ] || t_fail "=true: CLI exited $rc (want the container's 42)"
fi
# a reader that goes while the CLI runs (`| head`) ends it as without the
# flag: the container meets EPIPE, nothing is logged on for ever
out=$(cocin_bounded run --rm --sig-proxy=false busybox yes 2>/dev/null | head -1; echo "${PIPESTATUS[0]}")
[ "$(echo "$out" | head -1)" = y ] && [ "$(echo "$out" | tail -1)" != 137 ] ||
  t_fail "| head: [$(echo "$out" | tr '\n' ' ')] (137: it did not end)"
out=$(cocin run --rm --sig-proxy=maybe busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && [ "$out" = 'cocin: run: --sig-proxy takes true or false (--sig-proxy=false), not "maybe"' ] ||
  t_fail "bad value: rc $rc [$out]"
out=$(cocin create --sig-proxy=false --name "${P}spc" busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && [ "$out" = 'cocin: create: unknown flag: --sig-proxy (run'"'"'s and attach'"'"'s: a created container starts detached)' ] ||
  t_fail "create: rc $rc [$out]"
[ -e "$ROOT/containers/${P}spc" ] && t_fail "create left ${P}spc"
t_end

t_begin "run foreground: a TERM while the container starts does not orphan it"
# The CLI blocks the signals it passes on before it starts anything: a TERM
# either ends it before it made a container, or waits to be passed on (sleep,
# as a pid namespace's init without a handler, ignores it) and the CLI stays
# with its container to the end.
dead() { [ ! -e "/proc/$1" ] || [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" = Z ]; }
settled() { dead "$cli" || is_running "${P}ste"; }
for d in 0 0.001 0.002 0.004 0.008 0.016; do
  "$COCIN" --root "$ROOT" run --name "${P}ste" busybox sleep 8765431 >/dev/null 2>&1 &
  cli=$!
  sleep "$d"
  kill -TERM $cli
  wait_for settled || t_fail "delay $d: neither ended nor started"
  if dead "$cli"; then
    wait $cli
    [ -e "$ROOT/containers/${P}ste" ] && t_fail "delay $d: the CLI ended, its container $(cfg "${P}ste" .status) stays"
  else
    cocin kill -s KILL "${P}ste" >/dev/null 2>&1
    wait_child $cli; rc=$?
    [ "$rc" = 137 ] || t_fail "delay $d: CLI exited $rc, want the container's 137"
  fi
  wait_for no_proc "sleep 8765431" || t_fail "delay $d: the container runs on"
  cocin rm -f "${P}ste" >/dev/null 2>&1
done
t_end

t_begin "run -i passes stdin"
got=$(printf 'line1\nline2\n' | cocin run --rm -i busybox cat 2>&1)
[ "$got" = "$(printf 'line1\nline2')" ] || t_fail "got [$got]"
t_end

t_begin "run foreground: stdout and stderr kept apart"
cocin run --rm busybox sh -c 'echo out; echo err >&2' >"$T/o1" 2>"$T/e1"
[ "$(cat "$T/o1")" = out ] || t_fail "stdout [$(cat "$T/o1")]"
[ "$(cat "$T/e1")" = err ] || t_fail "stderr [$(cat "$T/e1")]"
t_end

t_begin "run args reach the program unjoined"
got=$(cocin run --rm busybox printf '[%s]' 'a b' '' 'c;d' '$HOME' 2>&1)
[ "$got" = '[a b][][c;d][$HOME]' ] || t_fail "got [$got]"
t_end

t_begin "run: busybox image appears on first use and is listed"
cocin images >"$T/img" 2>&1 || t_fail "images failed: $(cat "$T/img")"
grep -qw busybox "$T/img" || t_fail "images lacks busybox: $(cat "$T/img")"
[ -d "$ROOT/images/busybox" ] || t_fail "no $ROOT/images/busybox"
t_end

# ------------------------------------------------------------- bad inputs
bad_run "run missing command names it" '"?nosuchcmd[0-9]*"?.*(not found|no such file)|(not found|no such file).*nosuchcmd' \
  "${P}nc" cocin run --name "${P}nc" busybox nosuchcmd
# same, foreground --rm and with an absolute path
bad_run "run missing absolute command names it" '/bin/nosuchcmd' "${P}nc2" \
  cocin run --rm --name "${P}nc2" busybox /bin/nosuchcmd
bad_run "run missing command -d" 'nosuchcmd' "${P}nc3" \
  cocin run -d --name "${P}nc3" busybox nosuchcmd
t_begin "run missing command exit code is non-zero (125/126/127)"
cocin run --rm busybox nosuchcmd >/dev/null 2>&1; rc=$?
case $rc in 125|126|127) ;; *) t_fail "exit $rc" ;; esac
t_end
bad_run "run unknown image" 'no such image.*nosuchimage|nosuchimage.*(not found|no such)' "${P}ui" \
  cocin run --name "${P}ui" nosuchimage true
bad_run "run image name with ../ refused" 'no such image|invalid' "${P}ui2" \
  cocin run --name "${P}ui2" ../../.. /bin/true
bad_run "run unknown flag" 'unknown (flag|option).*--bogus|--bogus' "${P}uf" \
  cocin run --bogus --name "${P}uf" busybox true
bad_run "run unknown short flag" 'unknown (flag|option|shorthand)|invalid option|-Z' "${P}uf2" \
  cocin run -Z --name "${P}uf2" busybox true
bad_run "run -t without a terminal" 'the input device is not a TTY' "${P}tt" \
  cocin run -t --rm --name "${P}tt" busybox true
bad_run "run -it without a terminal" 'the input device is not a TTY' "${P}tt2" \
  cocin run -it --name "${P}tt2" busybox true
bad_run "run missing volume source" "$T/nonexistent" "${P}mv" \
  cocin run --rm --name "${P}mv" -v "$T/nonexistent:/data" busybox true
bad_run "run -v with a relative path alone (an anonymous volume's must be absolute)" 'volume|absolute|invalid' "${P}mv2" \
  cocin run --rm --name "${P}mv2" -v relative busybox true
bad_run "run -v with a volume name of one character" 'neither an absolute host path nor a volume name' "${P}mv4" \
  cocin run --rm --name "${P}mv4" -v a:/x busybox true
bad_run "run -v with a relative host path (./dir is no volume name)" 'neither an absolute host path nor a volume name' "${P}mv5" \
  cocin run --rm --name "${P}mv5" -v ./dir:/x busybox true
bad_run "run -v with a relative container path" 'volume|absolute|invalid' "${P}mv3" \
  cocin run --rm --name "${P}mv3" -v "$T:relative" busybox true
bad_run "run -e without =" 'env|KEY=VALUE|invalid|=' "${P}be" \
  cocin run --rm --name "${P}be" -e "=novar" busybox true
bad_run "run -u neither a name nor a number" 'invalid user' "${P}bu" \
  cocin run --rm --name "${P}bu" -u 'no body:x' busybox true
bad_run "run -u a name the image's passwd lacks" 'unable to find user nosuch: no matching entries in passwd file' "${P}bu2" \
  cocin run --rm --name "${P}bu2" -u nosuch busybox true
bad_run "run -u a group the image's group file lacks" 'unable to find group nosuch: no matching entries in group file' "${P}bu3" \
  cocin run --rm --name "${P}bu3" -u nobody:nosuch busybox true
t_err "run with no image" 'image|usage|requires' cocin run --rm

long=$(printf 'a%.0s' $(seq 200))
bad_run "name ../x refused" 'invalid container name' "" cocin run --name ../x busybox true
bad_run "name a/b refused" 'invalid container name' "" cocin run --name a/b busybox true
bad_run "empty name refused" 'invalid container name|empty' "" cocin run --name "" busybox true
bad_run "200-char name refused" 'invalid container name|128' "$long" cocin run --name "$long" busybox true
bad_run "name ctl refused" 'invalid container name|reserved' "ctl" cocin run --name ctl busybox true
bad_run "name .hidden refused" 'invalid container name' "" cocin run --name .hidden busybox true
bad_run "name with space refused" 'invalid container name' "" cocin run --name "a b" busybox true
t_eq "no ../x made outside the containers dir" no "$([ -e "$ROOT/x" ] || [ -e "$T/x" ] && echo yes || echo no)"

t_begin "valid names: [._-] accepted"
cocin run --name "${P}a.b_c-D9" busybox true >"$T/o" 2>&1 || t_fail "a.b_c-D9 refused: $(cat "$T/o")"
cocin rm -f "${P}a.b_c-D9" >/dev/null 2>&1
t_end
t_begin "valid name of 128 chars runs (hostname longer than 64)"
n128=a$(printf 'b%.0s' $(seq 127))
cocin run --name "$n128" busybox true >"$T/o" 2>&1 || t_fail "refused: $(cat "$T/o")"
cocin rm -f "$n128" >/dev/null 2>&1
before=$(list_containers); CG_BEFORE=$(cgroup_snap)
cocin run --rm --name "$n128" busybox true >/dev/null 2>&1
check_clean "$n128" "$before" ""
t_end

t_begin "duplicate name refused, first container untouched"
cocin run -d --name "${P}dup" busybox sleep 1000 >/dev/null 2>&1 || t_fail "first run failed"
id1=$(cfg "${P}dup" .id); pid1=$(cfg "${P}dup" .pid)
before=$(list_containers)
cocin run -d --name "${P}dup" busybox sleep 999 >"$T/o" 2>&1 && t_fail "second run succeeded"
grep -qiE 'already in use|exists' "$T/o" || t_fail "message: $(cat "$T/o")"
[ "$(list_containers)" = "$before" ] || t_fail "containers changed"
[ "$(cfg "${P}dup" .id)" = "$id1" ] || t_fail "config.json overwritten"
pid_alive "$pid1" || t_fail "first container's pid $pid1 died"
pgrep -f "sleep 999" >/dev/null && t_fail "second container process exists"
[ "$(status_of "${P}dup")" = running ] || t_fail "first container not running"
t_end

t_begin "duplicate name of an exited container refused too"
cocin run --name "${P}dupx" busybox true >/dev/null 2>&1
cocin run --name "${P}dupx" busybox echo again >"$T/o" 2>&1 && t_fail "second run succeeded"
grep -qiE 'already in use|exists' "$T/o" || t_fail "message: $(cat "$T/o")"
t_end

# ---------------------------------------------------------- environment
if need_helper "env starts clean"; then
  t_begin "env starts clean"
  export COCIN_TEST_LEAK=leaky USER=${USER:-root} SSH_CONNECTION="1.2.3.4 5 6.7.8.9 22" SSH_AUTH_SOCK=/tmp/x
  got=$(cocin run --rm --name "${P}env" "${CI[@]}" busybox /cinfo env 2>&1 | sed 's/=.*//' | sort | tr '\n' ' ')
  [ "$got" = "HOME HOSTNAME PATH " ] || t_fail "keys [$got]"
  full=$(cocin run --rm --name "${P}env" "${CI[@]}" busybox /cinfo env 2>&1)
  grep -qx "HOSTNAME=${P}env" <<<"$full" || t_fail "HOSTNAME: $full"
  grep -qx "HOME=/root" <<<"$full" || t_fail "HOME: $full"
  grep -q "^PATH=.*/bin" <<<"$full" || t_fail "PATH: $full"
  grep -qE 'COCIN_TEST_LEAK|SSH_|^USER=' <<<"$full" && t_fail "host vars leaked: $full"
  unset COCIN_TEST_LEAK SSH_CONNECTION SSH_AUTH_SOCK
  t_end

  t_begin "-e K=V repeatable, values kept verbatim"
  got=$(cocin run --rm "${CI[@]}" -e A=1 -e 'B=two words' -e C= -e 'D=x=y' busybox /cinfo env 2>&1)
  for want in A=1 'B=two words' C= D=x=y; do grep -qxF -- "$want" <<<"$got" || t_fail "lacks [$want]: $got"; done
  [ "$(grep -c . <<<"$got")" = 7 ] || t_fail "want 7 vars: $got"
  t_end

  t_begin "-e KEY without a value takes the caller's (docker's CLI), or none"
  export COCIN_T_FROM="from the caller=1"
  unset COCIN_T_ABSENT
  got=$(cocin run --rm "${CI[@]}" -e COCIN_T_FROM -e COCIN_T_ABSENT -e=E=eq busybox /cinfo env 2>&1)
  grep -qxF "COCIN_T_FROM=from the caller=1" <<<"$got" || t_fail "run: $got"
  grep -q "COCIN_T_ABSENT" <<<"$got" && t_fail "an unset one was set: $got"
  grep -qxF "E=eq" <<<"$got" || t_fail "-e=E=eq: $got"
  unset COCIN_T_FROM
  for bad in "" "=x"; do
    o=$(cocin run --rm -e "$bad" busybox true 2>&1) && t_fail "-e [$bad] accepted"
    [ "$o" = "cocin: run: invalid environment \"$bad\": expected KEY=VALUE" ] || t_fail "message [$o]"
  done
  t_end

  t_begin "--env-file: KEY=VALUE lines, comments and blanks skipped, files first and -e last"
  printf '# a comment\n\nA=1\n  B=two words\nC=\nCOCIN_T_FILE\nA=again\r\n' >"$T/env1"
  printf 'D=x=y\nA=second file\n' >"$T/env2"
  export COCIN_T_FILE="from the caller"
  got=$(cocin run --rm "${CI[@]}" --env-file "$T/env1" -e A=flag --env-file "$T/env2" busybox /cinfo env 2>&1)
  unset COCIN_T_FILE
  for want in A=flag 'B=two words' C= D=x=y 'COCIN_T_FILE=from the caller'; do
    grep -qxF -- "$want" <<<"$got" || t_fail "lacks [$want]: $got"
  done
  [ "$(grep -c '^A=' <<<"$got")" = 1 ] || t_fail "A twice: $got"
  got=$(cocin run --rm "${CI[@]}" --env-file "$T/env2" busybox /cinfo env 2>&1)
  grep -qxF "A=second file" <<<"$got" || t_fail "the file's last A: $got"
  # a byte-order mark (Windows editors) is dropped, UTF-8 values kept; a pipe is read
  printf '\357\273\277BOM=1\nU=\303\251t\303\251\n' >"$T/envbom"
  got=$(cocin run --rm "${CI[@]}" --env-file "$T/envbom" --env-file <(printf 'PIPED=yes\n') busybox /cinfo env 2>&1)
  for want in BOM=1 "U=$(printf '\303\251t\303\251')" PIPED=yes; do
    grep -qxF -- "$want" <<<"$got" || t_fail "lacks [$want]: $got"
  done
  t_end

  t_begin "--env-file bad input: one line each, nothing left"
  before=$(ls "$ROOT/containers" | wc -l)
  printf 'GOOD=1\nBAD KEY=1\n' >"$T/envbad"
  printf 'A=\0b\n' >"$T/envnul"
  printf '=x\n' >"$T/envempty"
  printf 'A=1\nB=\377\n' >"$T/envutf"
  head -c 1048577 /dev/zero | tr '\0' a >"$T/envbig"
  for c in "$T/envbad|line 2: variable \"BAD KEY\" contains whitespace" \
           "$T/nosuch|$T/nosuch: No such file or directory" \
           "$T|not a regular file or a pipe" \
           "$T/envnul|holds a NUL byte" \
           "$T/envempty|--env-file $T/envempty: line 1: invalid environment \"=x\"" \
           "$T/envutf|line 2: invalid UTF-8" \
           "$T/envbig|over 1 MiB"; do
    o=$(cocin run --rm --env-file "${c%%|*}" busybox true 2>&1); rc=$?
    [ "$rc" = 125 ] && [ "$(grep -c . <<<"$o")" = 1 ] && grep -qF -- "${c#*|}" <<<"$o" ||
      t_fail "${c%%|*}: rc $rc [$o]"
  done
  o=$(cocin run --rm --env-file 2>&1) && t_fail "--env-file without a value accepted"
  [ "$(ls "$ROOT/containers" | wc -l)" = "$before" ] || t_fail "a container was left"
  t_end

  t_begin "-e overrides a default (HOME, PATH)"
  got=$(cocin run --rm "${CI[@]}" -e HOME=/tmp -e PATH=/bin busybox /cinfo env 2>&1)
  grep -qx HOME=/tmp <<<"$got" || t_fail "HOME not overridden: $got"
  [ "$(grep -c '^HOME=' <<<"$got")" = 1 ] || t_fail "HOME twice: $got"
  [ "$(grep -c '^PATH=' <<<"$got")" = 1 ] || t_fail "PATH twice: $got"
  t_end

  t_begin "-dt env adds TERM"
  cocin run -dt --name "${P}envt" "${CI[@]}" busybox /cinfo env >/dev/null 2>&1 </dev/null || t_fail "-dt refused"
  wait_for is_exited "${P}envt" || t_fail "did not exit"
  got=$(cocin logs "${P}envt" 2>&1 | tr -d '\r' | sed 's/=.*//' | sort | tr '\n' ' ')
  [ "$got" = "HOME HOSTNAME PATH TERM " ] || t_fail "keys [$got]"
  t_end

  # ---------------------------------------------------------- -w -h -u
  t_eq "-w existing dir" /tmp "$(cocin run --rm -w /tmp "${CI[@]}" busybox /cinfo cwd 2>&1)"
  t_eq "-w missing dir created" /new/deep/dir "$(cocin run --rm -w /new/deep/dir "${CI[@]}" busybox /cinfo cwd 2>&1)"
  t_eq "default cwd is /" / "$(cocin run --rm "${CI[@]}" busybox /cinfo cwd 2>&1)"
  t_eq "default hostname = name" "${P}hn" "$(cocin run --rm --name "${P}hn" "${CI[@]}" busybox /cinfo hostname 2>&1)"
  t_eq "-h sets hostname" myhost "$(cocin run --rm -h myhost --name "${P}hn2" "${CI[@]}" busybox /cinfo hostname 2>&1)"
  t_eq "--hostname long form" other "$(cocin run --rm --hostname other "${CI[@]}" busybox /cinfo hostname 2>&1)"
  t_eq "-u 1000:1000" "1000 1000" "$(cocin run --rm -u 1000:1000 "${CI[@]}" busybox /cinfo uid 2>&1)"
  t_eq "-u 1234 (uid only)" 1234 "$(cocin run --rm -u 1234 "${CI[@]}" busybox /cinfo uid 2>&1 | cut -d' ' -f1)"
  t_eq "default user root" "0 0" "$(cocin run --rm "${CI[@]}" busybox /cinfo uid 2>&1)"
fi

# -u names and numbers through the image's own /etc/passwd and /etc/group
mkdir -p "$T/uimg"
cp -a "$ROOT/images/busybox/rootfs/." "$T/uimg/"
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:2000::/home/app:/bin/sh\n' >"$T/uimg/etc/passwd"
printf 'root:x:0:\nwheel:x:10:root,app\nstaff:x:50:app\napps:x:2000:\nnogroup:x:65534:\n' >"$T/uimg/etc/group"
tar -C "$T/uimg" -cf "$T/uimg.tar" . && cocin import "$T/uimg.tar" "${P}uimg" >/dev/null 2>&1 ||
  echo "FAIL: -u: import of the test image failed"
ids() { cocin run --rm "$@" "${P}uimg" sh -c 'echo "$(id -u) $(id -g) [$(id -G)] $HOME"' 2>&1; }
t_eq "-u NAME: uid, group and home from passwd, groups from group" "1000 2000 [2000 10 50] /home/app" "$(ids -u app)"
t_eq "-u UID in passwd: the same" "1000 2000 [2000 10 50] /home/app" "$(ids -u 1000)"
t_eq "-u NAME:GROUP by name: that group only (runc's rule)" "1000 65534 [65534] /home/app" "$(ids -u app:nogroup)"
t_eq "-u UID not in passwd: group 0, HOME=/ (docker's)" "1234 0 [0] /" "$(ids -u 1234)"
t_eq "-u root: root's groups" "0 0 [0 10] /root" "$(ids -u root)"
t_eq "-e HOME wins over passwd's" "1000 2000 [2000 10 50] /x" "$(ids -u app -e HOME=/x)"
t_begin "without -u: root, and none of the caller's supplementary groups"
got=$(setpriv --groups 6,4242 "$COCIN" --root "$ROOT" run --rm busybox id -G 2>&1)
[ "$got" = 0 ] || t_fail "groups [$got]"
t_end
t_eq "--group-add: names from the image's group, numbers as they are, once each" "0 0 [0 50 4242] /root" \
  "$(ids --group-add staff --group-add 4242 --group-add 50)"
t_eq "--group-add with -u: after the user's own groups" "1000 65534 [65534 10] /home/app" "$(ids -u app:nogroup --group-add wheel)"
t_begin "--group-add: kept for exec and start; docker's HostConfig.GroupAdd"
cocin run -d --name "${P}ga" --group-add staff "${P}uimg" sleep 1000 >/dev/null 2>&1 || t_fail run
[ "$(cocin exec "${P}ga" id -G 2>&1)" = "0 50" ] || t_fail "exec: $(cocin exec "${P}ga" id -G 2>&1)"
[ "$(cocin exec -u app "${P}ga" id -G 2>&1)" = "2000 10 50" ] || t_fail "exec -u: $(cocin exec -u app "${P}ga" id -G 2>&1)"
[ "$(cocin inspect -f '{{json .groupAdd}} {{json .HostConfig.GroupAdd}}' "${P}ga")" = '["staff"] ["staff"]' ] ||
  t_fail "record: $(cocin inspect -f '{{json .groupAdd}} {{json .HostConfig.GroupAdd}}' "${P}ga")"
cocin rm -f "${P}ga" >/dev/null 2>&1
t_end
bad_run "--group-add of a name the image lacks: said at the start" 'run: unable to find group nosuch: no matching entries in group file' "${P}ga1" \
  cocin run --rm --name "${P}ga1" --group-add nosuch "${P}uimg" true
bad_run "--group-add of no group's word" 'run: invalid --group-add "a:b": expected a group.s name or number' "${P}ga2" \
  cocin run --rm --name "${P}ga2" --group-add a:b busybox true

# ------------------------------------------------------ --ipc and --uts
t_begin "--ipc host, --uts host: the host's namespaces (and /dev/shm, and hostname); exec joins them"
hipc=$(readlink /proc/self/ns/ipc) huts=$(readlink /proc/self/ns/uts)
[ "$(cocin run --rm busybox sh -c 'readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts' 2>&1 | tr '\n' ' ')" != "$hipc $huts " ] ||
  t_fail "the default shares them"
echo shared >"/dev/shm/cocin-test-$$"
got=$(cocin run --rm --ipc host --uts host busybox sh -c 'readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts; hostname; cat /etc/hostname; cat /dev/shm/cocin-test-'$$ 2>&1 | tr '\n' ' ')
[ "$got" = "$hipc $huts $(hostname) $(hostname) shared " ] || t_fail "host's: [$got]"
cocin run -d --name "${P}ipc" --ipc host busybox sleep 100 >/dev/null 2>&1 || t_fail "run -d"
[ "$(cocin exec "${P}ipc" readlink /proc/self/ns/ipc 2>&1)" = "$hipc" ] || t_fail "exec: $(cocin exec "${P}ipc" readlink /proc/self/ns/ipc 2>&1)"
[ "$(cocin exec "${P}ipc" hostname 2>&1)" = "${P}ipc" ] || t_fail "its own uts: $(cocin exec "${P}ipc" hostname 2>&1)"
[ "$(cocin inspect -f '{{.ipc}} {{.HostConfig.IpcMode}} {{.HostConfig.UTSMode}}' "${P}ipc")" = "host host " ] ||
  t_fail "record: $(cocin inspect -f '{{.ipc}} {{.HostConfig.IpcMode}} {{.HostConfig.UTSMode}}' "${P}ipc")"
cocin rm -f "${P}ipc" >/dev/null 2>&1
rm -f "/dev/shm/cocin-test-$$"
t_eq "--ipc private is the default's" "$(cocin run --rm --ipc private busybox readlink /proc/self/ns/ipc 2>&1 | grep -c "^$hipc\$")" 0
t_end
bad_run "--ipc of no mode refused" 'run: --ipc "container:x": cocin has the modes private' "${P}ipc1" \
  cocin run --rm --name "${P}ipc1" --ipc container:x busybox true
bad_run "--uts of no mode refused" 'run: --uts "private": cocin has the mode host' "${P}uts1" \
  cocin run --rm --name "${P}uts1" --uts private busybox true
bad_run "-h with --uts host refused" 'run: -h with --uts host: the container.s hostname is the host.s' "${P}uts2" \
  cocin run --rm --name "${P}uts2" --uts host -h x busybox true
bad_run "--shm-size with --ipc host refused" 'run: --shm-size with --ipc host: /dev/shm is the host.s' "${P}ipc2" \
  cocin run --rm --name "${P}ipc2" --ipc host --shm-size 1m busybox true
bad_run "--sysctl of IPC's with --ipc host refused" 'run: --sysctl kernel.shmmax with --ipc host: the IPC namespace is the host.s' "${P}ipc3" \
  cocin run --rm --name "${P}ipc3" --ipc host --sysctl kernel.shmmax=1000 busybox true

# ------------------------------------------- /etc/hostname and /etc/hosts
t_begin "/etc/hostname and /etc/hosts name the hostname (the name, or -h)"
got=$(cocin run --rm --name "${P}eh" busybox sh -c 'cat /etc/hostname; grep -c "^127.0.1.1.${HOSTNAME}\$" /etc/hosts; hostname -i' 2>&1)
[ "$got" = "$(printf '%s\n1\n127.0.1.1' "${P}eh")" ] || t_fail "default: [$got]"
got=$(cocin run --rm -h web.example busybox sh -c 'cat /etc/hostname; grep "^127" /etc/hosts' 2>&1)
[ "$got" = "$(printf 'web.example\n127.0.0.1\tlocalhost\n127.0.1.1\tweb.example')" ] || t_fail "-h: [$got]"
t_end

t_begin "/etc/hosts: writable inside, the image's file untouched, nothing left in the layer"
got=$(cocin run --rm --name "${P}eh2" busybox sh -c 'echo "10.0.0.1 db" >>/etc/hosts && grep -c db /etc/hosts && ls -a /dev | grep -c "^\.host"' 2>&1)
[ "$got" = "$(printf '1\n0')" ] || t_fail "got [$got]"
grep -q "${P}eh2\|db" "$ROOT/images/busybox/rootfs/etc/hosts" && t_fail "the image's hosts changed"
cocin run -d --name "${P}eh3" busybox sleep 1000 >/dev/null 2>&1 || t_fail "run -d"
[ -e "$ROOT/containers/${P}eh3/upper/etc" ] && t_fail "etc/ copied up: $(ls -la "$ROOT/containers/${P}eh3/upper/etc")"
t_eq "exec sees them" "${P}eh3" "$(cocin exec "${P}eh3" cat /etc/hostname 2>&1)"
cocin rm -f "${P}eh3" >/dev/null 2>&1
t_end

t_begin "/etc/hostname and /etc/hosts: an image without them, --read-only, a volume over them"
mkdir -p "$T/noetc/bin" && cp "$ROOT/images/busybox/rootfs/bin/busybox" "$T/noetc/bin/" &&
  ln -s busybox "$T/noetc/bin/sh" && ln -s busybox "$T/noetc/bin/cat" &&
  tar -C "$T/noetc" -cf "$T/noetc.tar" . && cocin import "$T/noetc.tar" "${P}noetc" >/dev/null 2>&1 ||
  t_fail "import"
got=$(cocin run --rm -h bare1 "${P}noetc" cat /etc/hostname 2>&1)
[ "$got" = bare1 ] || t_fail "no /etc in the image: [$got]"
got=$(cocin run --rm --read-only -h ro1 busybox sh -c 'cat /etc/hostname; echo x >>/etc/hosts && echo wrote' 2>&1)
[ "$got" = "$(printf 'ro1\nwrote')" ] || t_fail "--read-only: [$got]"
echo "1.2.3.4 mine" >"$T/myhosts"
got=$(cocin run --rm -v "$T/myhosts:/etc/hosts:ro" busybox cat /etc/hosts 2>&1)
[ "$got" = "1.2.3.4 mine" ] || t_fail "a volume on /etc/hosts: [$got]"
ln -s /nowhere/etc "$T/noetc/etc"
tar -C "$T/noetc" -cf "$T/noetc2.tar" . && cocin import "$T/noetc2.tar" "${P}noetc2" >/dev/null 2>&1 ||
  t_fail "import 2"
got=$(cocin run --rm "${P}noetc2" sh -c 'echo ran' 2>&1)
[ "$got" = ran ] || t_fail "an /etc that cannot take them: [$got]"
t_end

t_begin "/etc/hosts through an image's symlinks: a volume at its target wins, /dev is left alone"
rm -f "$T/noetc/etc" && mkdir -p "$T/noetc/etc/hostname" "$T/noetc/srv" &&
  ln -s /srv/hosts "$T/noetc/etc/hosts" && echo image >"$T/noetc/srv/hosts" &&
  tar -C "$T/noetc" -cf "$T/noetc3.tar" . && cocin import "$T/noetc3.tar" "${P}noetc3" >/dev/null 2>&1 ||
  t_fail "import 3"
got=$(cocin run --rm -v "$T/myhosts:/srv/hosts" "${P}noetc3" cat /etc/hosts 2>&1)
[ "$got" = "1.2.3.4 mine" ] || t_fail "a volume where /etc/hosts points: [$got]"
got=$(cocin run --rm "${P}noetc3" sh -c 'cat /etc/hosts | grep -c 127.0.1.1; [ -d /etc/hostname ] && echo dir' 2>&1)
[ "$got" = "$(printf '1\ndir')" ] || t_fail "a symlinked /etc/hosts, a directory /etc/hostname: [$got]"
rm -f "$T/noetc/etc/hosts" && ln -s /dev/null "$T/noetc/etc/hosts" &&
  tar -C "$T/noetc" -cf "$T/noetc4.tar" . && cocin import "$T/noetc4.tar" "${P}noetc4" >/dev/null 2>&1 ||
  t_fail "import 4"
got=$(cocin run --rm "${P}noetc4" sh -c 'echo x >/etc/hosts; cat /dev/null | wc -c; [ -c /dev/null ] && echo chr' 2>&1)
[ "$got" = "$(printf '0\nchr')" ] || t_fail "/etc/hosts -> /dev/null: [$got]"
t_end

t_begin "umask 022 inside whatever the caller's (docker's): mount points made, files the command makes"
rm -rf "$T/noetc/etc" && tar -C "$T/noetc" -cf "$T/noetc5.tar" . &&
  cocin import "$T/noetc5.tar" "${P}noetc5" >/dev/null 2>&1 || t_fail "import 5"
got=$( (umask 077 && "$COCIN" --root "$ROOT" run --rm -u 1000 "${P}noetc5" sh -c 'umask; cat /etc/hostname >/dev/null && echo read' 2>&1) )
[ "$got" = "$(printf '0022\nread')" ] || t_fail "got [$got]"
# a root whose busybox image is built under umask 077: its directories,
# and the container's /, still open to every user
got=$( (umask 077 && "$COCIN" --root "$T/um077" run --rm -u 1000 busybox sh -c 'ls / >/dev/null && id -u' 2>&1) )
[ "$got" = 1000 ] || t_fail "umask 077 at the image's build: [$got]"
t_end

# ------------------------------------------------------------- volumes
mkdir -p "$T/vol" "$T/vol2" "$T/volro"
echo hostdata >"$T/volro/f"
t_begin "-v rw: written inside, visible on host"
cocin run --rm -v "$T/vol:/data" busybox sh -c 'echo inside > /data/new' >"$T/o" 2>&1 || t_fail "run: $(cat "$T/o")"
[ "$(cat "$T/vol/new" 2>/dev/null)" = inside ] || t_fail "host sees [$(cat "$T/vol/new" 2>&1)]"
t_end

t_begin "-v :ro: write fails, read works"
cocin run --rm -v "$T/volro:/data:ro" busybox sh -c 'echo x > /data/g' >"$T/o" 2>&1 && t_fail "write succeeded"
grep -qi 'read-only' "$T/o" || t_fail "message: $(cat "$T/o")"
[ -e "$T/volro/g" ] && t_fail "file appeared on host"
[ "$(cocin run --rm -v "$T/volro:/data:ro" busybox cat /data/f 2>&1)" = hostdata ] || t_fail "cannot read"
t_end

t_begin "several -v at once (dir, dir, file)"
echo one >"$T/vol/a"; echo two >"$T/vol2/b"; echo three >"$T/single"
got=$(cocin run --rm -v "$T/vol:/v1" -v "$T/vol2:/mnt/v2:ro" -v "$T/single:/etc/single" busybox \
  sh -c 'cat /v1/a /mnt/v2/b /etc/single' 2>&1)
[ "$got" = "$(printf 'one\ntwo\nthree')" ] || t_fail "got [$got]"
t_end

t_begin "-v :ro keeps the source's nosuid,nodev,noexec"
mkdir -p "$T/nsx"
if mount -t tmpfs -o nosuid,nodev,noexec tmpfs "$T/nsx" 2>/dev/null; then
  o=$(cocin run --rm -v "$T/nsx:/s:ro" busybox grep " /s " /proc/mounts 2>&1)
  for f in ro nosuid nodev noexec; do
    case ",$(echo "$o" | awk '{print $4}')," in *,$f,*) ;; *) t_fail "no $f in [$o]" ;; esac
  done
  umount "$T/nsx"
else
  t_fail "cannot mount a tmpfs for the test"
fi
t_end

t_begin "-v destination through the image's symlinks (relative and absolute) stays in the image"
mkdir -p "$T/simg" && cp -a "$ROOT/images/busybox/rootfs/." "$T/simg/" && mkdir -p "$T/simg/run" &&
  ln -sfn ../run "$T/simg/var/run" && ln -sfn /run "$T/simg/abs" && ln -sfn /etc "$T/simg/hostetc" &&
  tar -C "$T/simg" -cf "$T/simg.tar" . && cocin import "$T/simg.tar" "${P}sym" >/dev/null 2>&1 ||
  t_fail "cannot build the image"
mkdir -p "$T/sv" && echo hi >"$T/sv/f"
o=$(cocin run --rm -v "$T/sv:/var/run/x" -v "$T/sv:/abs/y" -v "$T/sv:/hostetc/z" "${P}sym" sh -c 'cat /run/x/f /run/y/f /etc/z/f' 2>&1)
[ "$o" = "$(printf 'hi\nhi\nhi')" ] || t_fail "got [$o]"
[ -e /etc/z ] && t_fail "a volume landed in the host's /etc"
t_end

t_begin "rm removes a deep tree the container made, even with few fds"
cocin run --name "${P}deep" busybox sh -c 'mkdir -p $(printf "d/%.0s" $(seq 1500))' >/dev/null 2>&1
( ulimit -n 32; "$COCIN" --root "$ROOT" rm "${P}deep" ) >"$T/o" 2>&1 || t_fail "rm: $(head -c 300 "$T/o")"
ls -A "$ROOT/containers" | grep -q -e "${P}deep" && t_fail "left: $(ls -A "$ROOT/containers")"
no_trash || t_fail "trash left: $(trash)"
t_end

t_begin "-v into /dev, over /dev/shm, onto a file of /proc: seen, as under docker"
echo lxcfs-like >"$T/fakeinfo"
o=$(cocin run --rm -v "$T/vol:/dev/myvol" -v "$T/vol2:/dev/shm" -v "$T/single:/dev/one" \
  -v "$T/fakeinfo:/proc/cpuinfo:ro" busybox sh -c 'cat /dev/myvol/a /dev/shm/b /dev/one /proc/cpuinfo; echo w > /dev/shm/new' 2>&1)
[ "$o" = "$(printf 'one\ntwo\nthree\nlxcfs-like')" ] || t_fail "got [$o]"
[ "$(cat "$T/vol2/new" 2>/dev/null)" = w ] || t_fail "a write to /dev/shm did not reach the volume"
rm -f "$T/vol2/new"
t_end

t_begin "a file given as stdin or stdout cannot be reopened from inside for more access"
echo original >"$T/ro-in"; echo SECRET >"$T/ap-out"
o=$(cocin run --rm -i busybox sh -c 'cat; echo PWNED > /proc/self/fd/0' <"$T/ro-in" 2>&1)
[ "$o" = original ] || t_fail "stdin copied: [$o]"
[ "$(cat "$T/ro-in")" = original ] || t_fail "a read-only stdin file was written: $(cat "$T/ro-in")"
cocin run --rm busybox sh -c ': > /proc/self/fd/1; echo appended; echo to-err >&2' >>"$T/ap-out" 2>"$T/err-out"
[ "$(cat "$T/ap-out")" = "$(printf 'SECRET\nappended')" ] || t_fail "an append-only stdout was truncated: $(cat "$T/ap-out")"
[ "$(cat "$T/err-out")" = to-err ] || t_fail "stderr: $(cat "$T/err-out")"
cocin run -d --name "${P}rx" busybox sleep 1000 >/dev/null 2>&1
cocin exec -i "${P}rx" sh -c 'cat; echo PWNED > /proc/self/fd/0; exit 3' <"$T/ro-in" >"$T/x-out" 2>&1; rc=$?
[ "$rc" = 3 ] && [ "$(cat "$T/x-out")" = original ] || t_fail "exec -i: rc $rc [$(cat "$T/x-out")]"
[ "$(cat "$T/ro-in")" = original ] || t_fail "exec: a read-only stdin file was written"
# exec returns when its command ends, not when a process it left in the
# background lets go of the output file's pipe
timeout 60 "$COCIN" --root "$ROOT" exec "${P}rx" sh -c 'sleep 7321 & echo fg' >"$T/x-out" 2>&1; rc=$?
[ "$rc" = 0 ] && [ "$(cat "$T/x-out")" = fg ] || t_fail "exec with a background child: rc $rc [$(cat "$T/x-out")]"
cocin rm -f "${P}rx" >/dev/null 2>&1
t_end

t_begin "-v over /dev keeps docker's masked paths masked"
o=$(cocin run --rm -v "$T/vol:/dev" busybox sh -c 'wc -c </proc/keys; wc -c </proc/timer_list' 2>&1)
[ "$o" = "$(printf '0\n0')" ] || t_fail "masked files read [$o]"
t_end

t_begin "-v destination spelled with // or /./ is tidied; one that is / in disguise is refused"
o=$(cocin run --rm -v "$T/vol//:/x//y/./" busybox cat /x/y/a 2>&1)
[ "$o" = one ] || t_fail "//-spelled volume: [$o]"
for d in // /./ /. ///; do
  cocin run --rm -v "$T/vol:$d" busybox true >"$T/o" 2>&1 && t_fail "-v X:$d accepted"
  grep -q "cannot mount over /" "$T/o" || t_fail "-v X:$d: $(cat "$T/o")"
done
t_end

t_begin "-v options: docker's list; z, Z and the like change nothing; a destination twice is refused"
[ "$(cocin run --rm -v "$T/vol:/x:ro,z" busybox sh -c 'touch /x/n 2>/dev/null && echo rw || echo ro' 2>&1)" = ro ] ||
  t_fail "ro,z is not read-only"
[ "$(cocin run --rm -v "$T/vol:/x:Z" busybox sh -c 'touch /x/n 2>/dev/null && echo rw || echo ro' 2>&1)" = rw ] ||
  t_fail "Z is not read-write"
rm -f "$T/vol/n"
o=$(cocin run --rm -v "$T/vol:/x:shared" busybox true 2>&1) && t_fail ":shared accepted"
grep -q 'invalid volume option "shared"' <<<"$o" || t_fail "shared: $o"
o=$(cocin run --rm -v "$T/vol:/x:ro,rw" busybox true 2>&1) && t_fail ":ro,rw accepted"
grep -q "both ro and rw" <<<"$o" || t_fail "ro,rw: $o"
o=$(cocin run --rm -v "$T/vol:/x" -v "$T/vol:/x/" busybox true 2>&1) && t_fail "two volumes on /x accepted"
[ "$o" = "cocin: run: duplicate mount point: /x" ] || t_fail "duplicate: $o"
t_end

t_begin "-v under the read-only /sys: one clear line"
cocin run --rm -v "$T/vol:/sys/cocin-test" busybox true >"$T/o" 2>&1 && t_fail "accepted"
[ "$(asan_filter <"$T/o" | grep -c .)" = 1 ] && grep -q "/sys/cocin-test" "$T/o" || t_fail "message: $(cat "$T/o")"
t_end

t_begin "volume mounts do not leak to the host"
cocin run --rm -v "$T/vol:/data" busybox true >/dev/null 2>&1
grep -q " $ROOT" /proc/mounts && t_fail "host mounts under root: $(grep " $ROOT" /proc/mounts)"
t_end

# ------------------------------------------------------------- namespaces
if need_helper "pid namespace"; then
  t_eq "pid namespace: init is pid 1" "1 0" "$(cocin run --rm "${CI[@]}" busybox /cinfo pid 2>&1)"
  t_begin "pid namespace: host processes invisible"
  n=$(cocin run --rm busybox sh -c 'ls -d /proc/[0-9]* | wc -l' 2>&1)
  [ "$n" -le 3 ] 2>/dev/null || t_fail "container sees $n pids"
  t_end

  t_begin "mount namespace: only the container's mounts"
  cocin run --rm -v "$T/vol:/data" "${CI[@]}" busybox /cinfo mounts >"$T/m" 2>&1 || t_fail "run: $(head -3 "$T/m")"
  awk '{print $2}' "$T/m" | grep -vE '^/$|^/(proc|dev|sys)(/|$)|^/cinfo$|^/data$|^/etc/(hosts|hostname)$' >"$T/extra"
  [ -s "$T/extra" ] && t_fail "unexpected mounts: $(tr '\n' ' ' <"$T/extra")"
  grep -qE '^overlay / overlay ' "$T/m" || t_fail "root is not overlay: $(head -1 "$T/m")"
  grep -q " $T" "$T/m" && grep -v '^overlay' "$T/m" | grep -q " $T" && t_fail "host path mountpoint visible"
  t_end
fi

t_begin "mount namespace: container mounts invisible on the host while running"
cocin run -d --name "${P}mns" busybox sleep 1000 >/dev/null 2>&1 || t_fail "run -d"
wait_for is_running "${P}mns"
grep -E " $ROOT/containers/${P}mns|/containers/${P}mns/" /proc/mounts >"$T/hm"
[ -s "$T/hm" ] && t_fail "host sees: $(head -2 "$T/hm")"
cocin rm -f "${P}mns" >/dev/null 2>&1
t_end

t_begin "uts namespace"
hh=$(hostname)
got=$(cocin run --rm -h "${P}uts" busybox sh -c 'hostname; cat /proc/sys/kernel/hostname' 2>&1)
[ "$got" = "$(printf '%s\n%s' "${P}uts" "${P}uts")" ] || t_fail "inside [$got]"
[ "$(hostname)" = "$hh" ] || t_fail "host hostname changed to $(hostname)"
t_end

t_begin "every namespace differs from the host's"
for ns in pid mnt uts ipc net cgroup; do
  host=$(readlink /proc/self/ns/$ns 2>/dev/null) || continue
  # pid: the container's init lives in the new pid namespace itself
  inside=$(cocin run --rm busybox readlink /proc/1/ns/$ns 2>&1)
  [ -n "$inside" ] && [ "$inside" != "$host" ] || t_fail "$ns: host $host inside [$inside]"
done
t_end

t_begin "container init starts with default signal dispositions"
got=$(cocin run --rm busybox grep -E '^Sig(Ign|Blk)' /proc/self/status 2>&1 | tr '\n\t' '  ')
[ "$got" = "SigBlk: 0000000000000000 SigIgn: 0000000000000000 " ] || t_fail "foreground: $got"
cocin run -d --name "${P}sig" busybox grep -E '^Sig(Ign|Blk)' /proc/self/status >/dev/null 2>&1
wait_for is_exited "${P}sig"
got=$(cocin logs "${P}sig" 2>&1 | tr '\n\t' '  ')
[ "$got" = "SigBlk: 0000000000000000 SigIgn: 0000000000000000 " ] || t_fail "detached: $got"
got=$(cocin run --rm busybox sh -c 'yes | head -n 2' 2>&1)
[ "$got" = "$(printf 'y\ny')" ] || t_fail "yes|head: $got"
t_end

t_begin "ipc namespace"
if command -v ipcmk >/dev/null; then
  qid=$(ipcmk -Q 2>/dev/null | grep -oE '[0-9]+$')
  n=$(cocin run --rm busybox sh -c 'grep -c . /proc/sysvipc/msg' 2>&1)
  [ "$n" = 1 ] || t_fail "container /proc/sysvipc/msg has $n lines (host queue $qid visible?)"
  [ -n "$qid" ] && ipcrm -q "$qid"
  # and a queue made inside is not on the host
  before=$(grep -c . /proc/sysvipc/shm)
  cocin run --rm busybox sh -c 'ls /proc/sysvipc >/dev/null' >/dev/null 2>&1
  [ "$(grep -c . /proc/sysvipc/shm)" = "$before" ] || t_fail "host shm changed"
else
  t_fail "ipcmk missing"
fi
t_end

t_begin "net namespace: only lo, and it is up"
got=$(cocin run --rm busybox sh -c 'ls /sys/class/net | tr "\n" " "; cat /sys/class/net/lo/flags' 2>&1)
[ "$got" = "lo 0x9" ] || t_fail "got [$got]"
cocin run --rm busybox ip addr >"$T/ip" 2>&1
grep -q 'inet 127.0.0.1/8' "$T/ip" || t_fail "ip addr: $(cat "$T/ip")"
grep -qE '^[0-9]+: lo:.*UP' "$T/ip" || t_fail "lo not UP: $(cat "$T/ip")"
[ "$(grep -cE '^[0-9]+:' "$T/ip")" = 1 ] || t_fail "more than one link: $(cat "$T/ip")"
cocin run --rm busybox ping -c1 -W1 127.0.0.1 >"$T/o" 2>&1 || t_fail "ping lo: $(cat "$T/o")"
t_end

# ---------------------------------------------------------- /proc /dev /sys
t_begin "/dev nodes"
got=$(cocin run --rm busybox sh -c 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T" /dev/$d; done' 2>&1)
want="/dev/null character special file 1:3
/dev/zero character special file 1:5
/dev/full character special file 1:7
/dev/random character special file 1:8
/dev/urandom character special file 1:9
/dev/tty character special file 5:0"
[ "$got" = "$want" ] || t_fail "got [$got]"
t_end

t_begin "/dev nodes work"
got=$(cocin run --rm busybox sh -c 'echo x > /dev/null && head -c 4 /dev/zero | od -An -tx1 | tr -d " " && head -c 8 /dev/urandom | wc -c; echo x > /dev/full || echo fullerr' 2>&1)
echo "$got" | grep -qx 00000000 || t_fail "/dev/zero: $got"
echo "$got" | grep -qx 8 || t_fail "/dev/urandom: $got"
echo "$got" | grep -q 'No space left' || t_fail "/dev/full: $got"
t_end

t_begin "/dev is tmpfs with pts (newinstance) and shm"
cocin run --rm busybox cat /proc/self/mounts >"$T/m" 2>&1
grep -qE '^[^ ]+ /dev tmpfs ' "$T/m" || t_fail "/dev not tmpfs"
grep -qE '^[^ ]+ /dev/pts devpts .*ptmxmode=' "$T/m" || t_fail "/dev/pts: $(grep pts "$T/m")"
grep -qE '^[^ ]+ /dev/shm tmpfs ' "$T/m" || t_fail "/dev/shm missing"
got=$(cocin run --rm busybox sh -c 'ls -d /dev/ptmx /dev/pts/ptmx && echo s > /dev/shm/x && cat /dev/shm/x' 2>&1)
[ "$got" = "$(printf '/dev/ptmx\n/dev/pts/ptmx\ns')" ] || t_fail "got [$got]"
t_end

t_begin "/proc mounted nosuid,nodev,noexec; /sys read-only"
grep -E '^proc /proc proc ' "$T/m" | grep -q nosuid || t_fail "proc nosuid: $(grep ' /proc ' "$T/m")"
grep -E '^proc /proc proc ' "$T/m" | grep -q nodev || t_fail "proc nodev"
grep -E '^proc /proc proc ' "$T/m" | grep -q noexec || t_fail "proc noexec"
grep -qE '^[^ ]+ /sys sysfs ro[, ]' "$T/m" || t_fail "sys not ro: $(grep ' /sys ' "$T/m")"
cocin run --rm busybox sh -c 'mkdir /sys/kernel/x || touch /sys/x' >"$T/o" 2>&1 && t_fail "could write /sys"
grep -qi 'read-only' "$T/o" || t_fail "msg: $(cat "$T/o")"
t_end

# ---------------------------------------------------------- rootfs overlay
t_begin "rootfs is an overlay: writes stay in the container"
img="$ROOT/images/busybox"
sum_before=$(cd "$img" && find . -printf '%p %s %m\n' | sort | md5sum)
cocin run --name "${P}ov1" busybox sh -c 'echo data > /newfile && rm /bin/ls && echo bb > /etc/ovtest' >"$T/o" 2>&1 \
  || t_fail "write in ov1: $(cat "$T/o")"
got=$(cocin run --rm --name "${P}ov2" busybox sh -c 'test -e /newfile && echo leaked; test -e /etc/ovtest && echo leaked2; test -e /bin/ls && echo lsok' 2>&1)
[ "$got" = lsok ] || t_fail "second container saw [$got]"
sum_after=$(cd "$img" && find . -printf '%p %s %m\n' | sort | md5sum)
[ "$sum_before" = "$sum_after" ] || t_fail "image dir changed"
find "$img" -name newfile -o -name ovtest | grep -q . && t_fail "file in image"
t_end

kv=$(uname -r); kmaj=${kv%%.*}; kmin=${kv#*.}; kmin=${kmin%%[!0-9]*}
if [ "$kmaj" -gt 5 ] || { [ "$kmaj" = 5 ] && [ "$kmin" -ge 10 ]; }; then
  t_begin "a --rm container's overlay is volatile, a kept one's is not"
  # overlayfs syncs the whole filesystem under the upper layer at unmount
  # unless mounted volatile (Linux 6.x shows it as fsync=volatile); a --rm
  # container is thrown away at its end anyway
  got=$(cocin run --rm busybox grep ' / overlay ' /proc/mounts 2>&1)
  case ",$(awk '{print $4}' <<<"$got")," in *,volatile,* | *,fsync=volatile,*) ;; *) t_fail "--rm root mount: [$got]" ;; esac
  cocin run --rm busybox sh -c 'echo x > /f && sync && sync -f /f' >"$T/o" 2>&1 || t_fail "sync in the container: $(cat "$T/o")"
  got=$(cocin run --name "${P}kept" busybox grep ' / overlay ' /proc/mounts 2>&1)
  case "$got" in *volatile*) t_fail "kept root mount: [$got]" ;; overlay*) ;; *) t_fail "kept: [$got]" ;; esac
  cocin rm "${P}kept" >/dev/null 2>&1 || t_fail "rm kept"
  t_end
else
  t_skip "the overlay is volatile" "Linux $kv has no volatile overlay (5.10): the plain mount is used"
fi

t_begin "the root overlay is the same under a state root deeper than fsconfig takes"
# (the init mounts it with mount(2), whose options may be a page long; a
# thread of run's that mounted it with fsconfig, 256 bytes a path, did
# until session 20: the deep root stays tested)
long="$T/$(printf 'l%.0s' $(seq 250))"
for r in "$ROOT" "$long"; do
  got=$("$COCIN" --root "$r" run --rm busybox grep ' / ' /proc/self/mountinfo 2>&1)
  case "$got" in *" - overlay overlay rw,lowerdir=$r/images/busybox/rootfs,upperdir=$r/containers/"*) ;;
    *) t_fail "--rm root mount under ${#r}-byte root: [$got]" ;; esac
  "$COCIN" --root "$r" run --name "${P}ovl" busybox sh -c 'echo kept > /f' >"$T/o" 2>&1 || t_fail "kept run: $(cat "$T/o")"
  "$COCIN" --root "$r" start "${P}ovl" >/dev/null 2>&1 || t_fail "start under ${#r}-byte root"
  "$COCIN" --root "$r" wait "${P}ovl" >/dev/null 2>&1
  got=$("$COCIN" --root "$r" logs "${P}ovl" 2>&1)
  [ -z "$got" ] || t_fail "logs: [$got]"
  got=$("$COCIN" --root "$r" run --rm -v "$r/containers/${P}ovl/upper:/u:ro" busybox cat /u/f 2>&1)
  [ "$got" = kept ] || t_fail "the kept layer under ${#r}-byte root: [$got]"
  "$COCIN" --root "$r" rm "${P}ovl" >/dev/null 2>&1 || t_fail "rm under ${#r}-byte root"
done
[ -z "$(ls -A "$long/containers" 2>/dev/null | grep -v '^\.trash$')" ] || t_fail "left: $(ls -A "$long/containers")"
rm -rf "$long"
t_end

if command -v setpriv >/dev/null; then
  t_begin "run without CAP_SYS_ADMIN: one clear message, nothing left"
  # the monitor's clone fails: its failure is the message, and the monitor
  # removes what was made
  before=$(list_containers); CG_BEFORE=$(cgroup_snap)
  setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin \
    "$COCIN" --root "$ROOT" run --rm --name "${P}nocap" busybox true >"$T/o" 2>&1
  rc=$?
  [ "$rc" = 125 ] || t_fail "exit $rc, want 125"
  [ "$(wc -l <"$T/o")" = 1 ] && grep -q "^cocin: run: .*: Operation not permitted$" "$T/o" ||
    t_fail "message: $(head -c 300 "$T/o")"
  check_clean "${P}nocap" "$before" ""
  no_trash || t_fail "trash left: $(trash)"
  t_end
fi

t_begin "--rm leaves nothing"
wait_for no_trash
before=$(list_containers); CG_BEFORE=$(cgroup_snap)
cocin run --rm --name "${P}rm" busybox sh -c 'echo x > /f' >/dev/null 2>&1 || t_fail "run"
check_clean "${P}rm" "$before" ""
cocin run --rm busybox true >/dev/null 2>&1
check_clean "" "$before" ""
# the monitor deletes the files and cgroup of the taken-away container
# after it has answered
wait_long no_trash || t_fail "trash left: $(trash)"
t_end

t_begin "--rm cleanup finishes while every CPU is busy"
# the monitor's work after its answer runs SCHED_IDLE: it yields to a next
# run, and must still finish when nothing leaves a CPU idle
busy=()
for i in $(seq 1 "$(nproc)"); do
  cocin run -d --name "${P}busy$i" busybox sh -c 'while :; do :; done' >/dev/null 2>&1 ||
    t_fail "busy container $i"
  busy+=("${P}busy$i")
done
before=$(list_containers); CG_BEFORE=$(cgroup_snap)
cocin run --rm --name "${P}idle" busybox true >/dev/null 2>&1 || t_fail "run --rm"
wait_long no_trash || t_fail "trash left: $(trash)"
check_clean "${P}idle" "$before" ""
cocin rm -f "${busy[@]}" >/dev/null 2>&1 || t_fail "rm -f the busy ones"
t_end

t_begin "a removal whose monitor died is finished by a later one"
# what a monitor killed between its answer and its deletion leaves: a trash
# entry with its config.json (and the cgroup it records)
cocin run --name "${P}sw" busybox true >/dev/null 2>&1 || t_fail "run"
cgs=$(cgroup_paths "${P}sw")
[ -n "$cgs" ] || t_fail "no cgroup recorded"
mkdir -p "$ROOT/containers/.trash"
mv "$ROOT/containers/${P}sw" "$ROOT/containers/.trash/0123456789abcdef"
# an entry whose remover is still at work (it holds the lock) is left alone
mkdir "$ROOT/containers/.trash/busy" && exec 7<"$ROOT/containers/.trash/busy" && flock 7
cocin run --rm busybox true >/dev/null 2>&1 || t_fail "run --rm"
wait_for test ! -e "$ROOT/containers/.trash/0123456789abcdef" || t_fail "not swept: $(trash)"
for d in $cgs; do wait_for test ! -d "$d" || t_fail "its cgroup left: $d"; done
[ -d "$ROOT/containers/.trash/busy" ] || t_fail "a locked entry was swept"
exec 7<&-
cocin run --name "${P}sw2" busybox true >/dev/null 2>&1 && cocin rm "${P}sw2" >/dev/null 2>&1 ||
  t_fail "run, rm"
no_trash || t_fail "rm did not sweep: $(trash)"
t_end

t_begin "a container whose config.json a crash emptied: ps -a shows it, rm -f removes it"
cocin run --name "${P}cr" busybox true >/dev/null 2>&1 || t_fail "run"
# the crash: config.json loses its data, and (at the reboot) its cgroup goes
cgs=$(cgroup_paths "${P}cr")
: >"$ROOT/containers/${P}cr/config.json"
for d in $cgs; do rmdir "$d" 2>/dev/null; done
cocin ps -a | grep -q "${P}cr .*unknown (corrupt state)" || t_fail "ps -a: $(cocin ps -a | grep "${P}cr")"
out=$(cocin rm "${P}cr" 2>&1) && t_fail "rm without -f removed it"
grep -q "corrupt config.json" <<<"$out" || t_fail "rm: $out"
out=$(cocin rm -f "${P}cr" 2>&1) || t_fail "rm -f: $out"
[ -e "$ROOT/containers/${P}cr" ] && t_fail "still there"
wait_for no_trash || t_fail "trash left: $(trash)"
t_end

t_begin "concurrent rm on a fresh root: each removes its container"
# the first removals race to make the trash directory
for k in 1 2 3; do
  R2=$T/fresh$k; mkdir -p "$R2/images"; cp -a "$ROOT/images/busybox" "$R2/images/"
  for i in 1 2 3 4 5 6; do "$COCIN" --root "$R2" run --name "c$i" busybox true >/dev/null 2>&1; done
  for i in 1 2 3 4 5 6; do "$COCIN" --root "$R2" rm "c$i" >"$T/rm$i" 2>&1 & done
  wait
  left=$(ls "$R2/containers")
  [ -z "$left" ] || t_fail "round $k: left [$left], rm said: $(cat "$T"/rm? | tr '\n' ' ')"
done
t_end

t_begin "containers/ on a filesystem of its own: run --rm and rm remove"
R3=$T/ownfs; mkdir -p "$R3/containers" "$R3/images"; cp -a "$ROOT/images/busybox" "$R3/images/"
if mount -t tmpfs tmpfs "$R3/containers"; then
  out=$("$COCIN" --root "$R3" run --rm --name a busybox echo ok 2>&1) || t_fail "run --rm: $out"
  "$COCIN" --root "$R3" run --name b busybox true >/dev/null 2>&1 || t_fail "run b"
  out=$("$COCIN" --root "$R3" rm b 2>&1) || t_fail "rm: $out"
  wait_for sh -c "[ -z \"\$(ls -A '$R3/containers/.trash')\" ]" || t_fail "trash: $(ls -A "$R3/containers/.trash")"
  [ -z "$(ls "$R3/containers")" ] || t_fail "left: $(ls "$R3/containers")"
  # no inode left at each step in turn (the layers, the first record, the
  # record of the start, the overlay's work directory, the trash): one
  # message, nothing left but the (empty) trash
  umount "$R3/containers"
  for n in 3 4 5 6 7 8; do
    mount -t tmpfs -o nr_inodes=$n tmpfs "$R3/containers" || { t_fail "mount tmpfs $n"; break; }
    "$COCIN" --root "$R3" run --rm --name c busybox true >"$T/o" 2>&1; rc=$?
    [ "$rc" = 125 ] && grep -q "No space left on device" "$T/o" && [ "$(asan_filter <"$T/o" | wc -l)" = 1 ] ||
      t_fail "$n inodes: exit $rc: $(head -c 300 "$T/o")"
    wait_for sh -c "[ -z \"\$(ls -A '$R3/containers' | grep -vx .trash)\$(ls -A '$R3/containers/.trash' 2>/dev/null)\" ]" ||
      t_fail "$n inodes: left: $(ls -A "$R3/containers" "$R3/containers/.trash" 2>/dev/null | tr '\n' ' ')"
    umount "$R3/containers"
  done
else
  t_fail "mount tmpfs"
fi
t_end

t_begin "a full state filesystem: stop and rm -f still work (they free the space)"
R4=$T/fullfs; mkdir -p "$R4/containers" "$R4/images"; cp -a "$ROOT/images/busybox" "$R4/images/"
if mount -t tmpfs -o size=4m tmpfs "$R4/containers"; then
  "$COCIN" --root "$R4" run -d --name y busybox sleep 5000 >/dev/null 2>&1 || t_fail "run y"
  # (it fills the filesystem once run has answered: a fill that came
  # first would make its own start fail to write its record)
  "$COCIN" --root "$R4" run -d --name filler busybox sh -c 'until [ -e /go ]; do sleep 0.05; done; dd if=/dev/zero of=/big bs=4k; sleep 5000' >/dev/null 2>&1 ||
    t_fail "run filler"
  "$COCIN" --root "$R4" exec filler touch /go >/dev/null 2>&1 || t_fail "exec filler"
  wait_for sh -c "[ \"\$(df --output=avail '$R4/containers' | tail -1)\" -lt 8 ]" || t_fail "never full"
  out=$("$COCIN" --root "$R4" stop -t 0 y 2>&1) || t_fail "stop on a full filesystem: $out"
  [ "$("$COCIN" --root "$R4" inspect y 2>&1 | jq -r .status)" = running ] && t_fail "y still running"
  out=$("$COCIN" --root "$R4" rm -f filler 2>&1) || t_fail "rm -f on a full filesystem: $out"
  out=$("$COCIN" --root "$R4" rm y 2>&1) || t_fail "rm y: $out"
  wait_for sh -c "[ -z \"\$(ls -A '$R4/containers' | grep -vx .trash)\$(ls -A '$R4/containers/.trash' 2>/dev/null)\" ]" ||
    t_fail "left: $(ls -A "$R4/containers" "$R4/containers/.trash" 2>/dev/null | tr '\n' ' ')"
  umount "$R4/containers"
else
  t_fail "mount tmpfs"
fi
t_end

t_begin "a record without a status is corrupt: wait returns, rm -f removes"
cocin run --name "${P}ns" busybox true >/dev/null 2>&1 || t_fail "run"
cgs=$(cgroup_paths "${P}ns")
echo '{"id":"x"}' >"$ROOT/containers/${P}ns/config.json"
for d in $cgs; do rmdir "$d" 2>/dev/null; done
out=$(timeout 20 "$COCIN" --root "$ROOT" wait "${P}ns" 2>&1); rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] && grep -q "corrupt config.json" <<<"$out" || t_fail "wait: rc $rc: $out"
cocin rm -f "${P}ns" >/dev/null 2>&1 || t_fail "rm -f"
[ -e "$ROOT/containers/${P}ns" ] && t_fail "still there"
t_end

t_begin "an init whose monitor died before recording it running is found running"
# the window: the init is ready and execs, its monitor is killed before it
# writes "running" (the record still says created, its creator is dead)
cocin run -d --name "${P}uw" busybox sleep 1000 >/dev/null 2>&1 || t_fail "run"
mon=$(cfg "${P}uw" .monitorPid); ipid=$(cfg "${P}uw" .pid)
kill -9 "$mon" 2>/dev/null; wait_for test ! -e "/proc/$mon"
jq '.status = "created" | .creatorPid = .monitorPid | .creatorStartTime = .monitorStartTime
    | del(.startedAt)' "$ROOT/containers/${P}uw/config.json" >"$T/c.json" &&
  cat "$T/c.json" >"$ROOT/containers/${P}uw/config.json"
[ "$(status_of "${P}uw")" = running ] || t_fail "status $(status_of "${P}uw")"
cocin ps | grep -q " ${P}uw  *$ipid " || t_fail "ps: $(cocin ps | grep "${P}uw")"
cocin stop -t 0 "${P}uw" >/dev/null 2>&1 || t_fail "stop"
wait_for test ! -e "/proc/$ipid" || t_fail "the init $ipid still runs"
is_exited "${P}uw" || t_fail "after stop: $(status_of "${P}uw")"
cocin rm "${P}uw" >/dev/null 2>&1 || t_fail "rm"
t_end

t_begin "rm -f of a running --rm container succeeds (its monitor removes it)"
cocin run --rm -d --name "${P}rmf" busybox sleep 100 >/dev/null 2>&1 || t_fail "run"
out=$(cocin rm -f "${P}rmf" 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = "${P}rmf" ] || t_fail "rm -f: exit $rc: [$out]"
wait_for test ! -e "$ROOT/containers/${P}rmf" || t_fail "dir still there"
t_end

t_begin "--rm -d leaves nothing after exit"
before=$(list_containers); CG_BEFORE=$(cgroup_snap)
cocin run --rm -d --name "${P}rmd" busybox sh -c 'sleep 0.3' >/dev/null 2>&1 || t_fail "run"
wait_long test ! -e "$ROOT/containers/${P}rmd" || t_fail "dir still there"
check_clean "${P}rmd" "$before" ""
wait_long no_trash || t_fail "trash left: $(trash)"
t_end

if need_helper "no host fds leak into the container"; then
  t_begin "no host fds leak into the container"
  exec 7>"$T/leak7" 8<"$T/leak7"
  got=$(cocin run --rm "${CI[@]}" busybox /cinfo fds 2>&1 | tr '\n' ' ')
  [ "$got" = "0 1 2 " ] || t_fail "foreground fds [$got]"
  cocin run -d --name "${P}fds" "${CI[@]}" busybox /cinfo fds >/dev/null 2>&1
  wait_for is_exited "${P}fds"
  got=$(cocin logs "${P}fds" 2>&1 | tr '\n' ' ')
  [ "$got" = "0 1 2 " ] || t_fail "detached fds [$got]"
  cocin run -dt --name "${P}fdt" "${CI[@]}" busybox /cinfo fds >/dev/null 2>&1 </dev/null
  wait_for is_exited "${P}fdt"
  got=$(cocin logs "${P}fdt" 2>&1 | tr -d '\r' | tr '\n' ' ')
  [ "$got" = "0 1 2 " ] || t_fail "-dt fds [$got]"
  exec 7>&- 8<&-
  t_end
fi

# ---------------------------------------------------------- detached, ps
t_begin "run -d prints a 64-hex id; ps shows it"
id=$(cocin run -d --name "${P}d1" busybox sleep 1000 2>"$T/e")
[[ $id =~ ^[0-9a-f]{64}$ ]] || t_fail "id [$id] $(cat "$T/e")"
[ "$(cfg "${P}d1" .id)" = "$id" ] || t_fail "config id differs"
[ "$(status_of "${P}d1")" = running ] || t_fail "status $(status_of "${P}d1")"
cocin ps >"$T/ps" 2>&1
[ "$(head -1 "$T/ps" | tr -s ' ' | sed 's/ $//')" = "ID NAME PID STATUS COMMAND CREATED" ] || t_fail "header [$(head -1 "$T/ps")]"
line=$(grep -E "^${id:0:12} +${P}d1 " "$T/ps")
[ -n "$line" ] || t_fail "no row for ${P}d1: $(cat "$T/ps")"
grep -q " $(cfg "${P}d1" .pid) " <<<"$line" || t_fail "pid not shown: $line"
grep -qE ' Up ' <<<"$line" || t_fail "status not Up: $line"
grep -q 'sleep 1000' <<<"$line" || t_fail "command not shown: $line"
grep -qE 'ago *$' <<<"$line" || t_fail "created not 'ago': $line"
t_end

t_begin "container exiting by itself: ps -a Exited (N) ... ago, inspect exited"
cocin run -d --name "${P}ex" busybox sh -c 'exit 3' >/dev/null 2>&1
wait_for is_exited "${P}ex" || t_fail "never exited: $(status_of "${P}ex")"
cocin ps >"$T/ps" 2>&1
grep -q " ${P}ex " "$T/ps" && t_fail "exited container in ps without -a"
cocin ps -a >"$T/psa" 2>&1
grep -E " ${P}ex " "$T/psa" | grep -qE 'Exited \(3\) .*ago' || t_fail "ps -a row: $(grep " ${P}ex " "$T/psa")"
grep -qE " ${P}d1 .* Up " "$T/psa" || t_fail "running one missing from ps -a"
cocin inspect "${P}ex" >"$T/insp" 2>&1 || t_fail "inspect failed"
[ "$(jq -r .status "$T/insp")" = exited ] || t_fail "status $(jq -r .status "$T/insp")"
[ "$(jq -r .exitCode "$T/insp")" = 3 ] || t_fail "exitCode $(jq -r .exitCode "$T/insp")"
[ "$(jq -r .finishedAt "$T/insp")" != null ] || t_fail "no finishedAt"
[ "$(jq -c .args "$T/insp")" = '["sh","-c","exit 3"]' ] || t_fail "args $(jq -c .args "$T/insp")"
for k in pid id name command createTime status image; do
  [ "$(jq "has(\"$k\")" "$T/insp")" = true ] || t_fail "inspect lacks $k"
done
t_end

t_begin "inspect -f: {{.key}}, {{.a.b}}, {{json .key}}, <no value>, one line per container"
out=$(cocin inspect -f '{{.status}} {{.exitCode}} {{json .args}} {{.nope}} {{json .nope}} {{ .name }}' "${P}ex" 2>&1)
t_eq inspect-format-line "exited 3 [\"sh\",\"-c\",\"exit 3\"] <no value> null ${P}ex" "$out"
out=$(cocin inspect --format='{{.security.seccomp}}/{{.limits}}' "${P}ex" 2>&1)
t_eq inspect-format-nested "default/{}" "$out"
[ "$(cocin inspect -f '{{json .}}' "${P}ex" 2>/dev/null | jq -r .id)" = "$(cfg "${P}ex" .id)" ] ||
  t_fail "json . is not the record"
# several: a line each, an unknown one said on stderr, exit 1
out=$(cocin inspect -f '{{.name}}' "${P}ex" "${P}nope" "${P}ex" 2>"$T/err"); rc=$?
[ "$rc" = 1 ] || t_fail "rc $rc with an unknown one"
[ "$out" = "$(printf '%s\n%s' "${P}ex" "${P}ex")" ] || t_fail "lines [$out]"
grep -qx "cocin: no such container: ${P}nope" "$T/err" || t_fail "stderr [$(cat "$T/err")]"
for bad in '{{status}}' '{{.status' '{{.a.}}' '{{.a b}}' '{{json}}'; do
  out=$(cocin inspect -f "$bad" "${P}ex" 2>&1) && t_fail "format $bad accepted: $out"
  [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && grep -q '^cocin: inspect: --format' <<<"$out" ||
    t_fail "format $bad: [$out]"
done
cocin inspect -f >"$T/out" 2>&1 && t_fail "-f without a value accepted"
grep -qx 'cocin: inspect: flag needs an argument: -f' "$T/out" || t_fail "-f alone: $(cat "$T/out")"
cocin inspect --bogus "${P}ex" >"$T/out" 2>&1 && t_fail "--bogus accepted"
t_end

t_begin "inspect -f: docker's keys (.State.Pid, .Config.Image, .HostConfig.Memory, ...)"
mkdir -p "$T/dk"
cocin run -d --name "${P}dk" -l tier=web -e K=V -w /tmp -u 1:2 -m 64m --cpus 1.5 --pids-limit 50 \
  --restart on-failure:3 --stop-signal USR1 --tmpfs /t:size=1m -v "$T/dk:/h:ro" --cap-drop NET_RAW \
  busybox sleep 100 >/dev/null 2>&1
wait_for is_running "${P}dk" || t_fail "not running: $(status_of "${P}dk")"
f='{{.State.Status}} {{.State.Running}} {{.State.Paused}} {{.State.ExitCode}} {{.State.FinishedAt}}'
[ "$(cocin inspect -f "$f" "${P}dk")" = "running true false 0 0001-01-01T00:00:00Z" ] ||
  t_fail "state: $(cocin inspect -f "$f" "${P}dk")"
[ "$(cocin inspect -f '{{.State.Pid}} {{.Id}} {{.State.StartedAt}}' "${P}dk")" = \
  "$(cfg "${P}dk" .pid) $(cfg "${P}dk" .id) $(cfg "${P}dk" .startedAt)" ] ||
  t_fail "pid, id: $(cocin inspect -f '{{.State.Pid}} {{.Id}} {{.State.StartedAt}}' "${P}dk")"
f='{{.Name}} {{.Path}} {{json .Args}} {{.Image}} {{.Created}} {{.RestartCount}}'
[ "$(cocin inspect -f "$f" "${P}dk")" = "/${P}dk sleep [\"100\"] busybox $(cfg "${P}dk" .createTime) 0" ] ||
  t_fail "top: $(cocin inspect -f "$f" "${P}dk")"
f='{{.Config.Image}} {{json .Config.Cmd}} {{json .Config.Env}} {{.Config.WorkingDir}} {{.Config.User}} {{.Config.Hostname}} {{json .Config.Labels}} {{.Config.StopSignal}}'
[ "$(cocin inspect -f "$f" "${P}dk")" = "busybox [\"sleep\",\"100\"] [\"K=V\"] /tmp 1:2 ${P}dk {\"tier\":\"web\"} SIGUSR1" ] ||
  t_fail "config: $(cocin inspect -f "$f" "${P}dk")"
f='{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{json .HostConfig.RestartPolicy}} {{json .HostConfig.CapDrop}} {{json .HostConfig.Tmpfs}} {{.HostConfig.NetworkMode}}'
[ "$(cocin inspect -f "$f" "${P}dk")" = '67108864 1500000000 50 {"Name":"on-failure","MaximumRetryCount":3} ["CAP_NET_RAW"] {"/t":"size=1m"} none' ] ||
  t_fail "host config: $(cocin inspect -f "$f" "${P}dk")"
[ "$(cocin inspect -f '{{json .Mounts}}' "${P}dk")" = \
  "[{\"Type\":\"bind\",\"Source\":\"$T/dk\",\"Destination\":\"/h\",\"Mode\":\"ro\",\"RW\":false,\"Propagation\":\"rprivate\"}]" ] ||
  t_fail "mounts: $(cocin inspect -f '{{json .Mounts}}' "${P}dk")"
# no health check: none, as docker's State has no Health then
[ "$(cocin inspect -f '{{json .State.Health}} {{json .Config.Healthcheck}}' "${P}dk")" = "null null" ] ||
  t_fail "health: $(cocin inspect -f '{{json .State.Health}} {{json .Config.Healthcheck}}' "${P}dk")"
# cocin's own keys still there, and {{json .}} is the record alone
[ "$(cocin inspect -f '{{.status}} {{.State.Status}}' "${P}dk")" = "running running" ] ||
  t_fail "both: $(cocin inspect -f '{{.status}} {{.State.Status}}' "${P}dk")"
[ "$(cocin inspect -f '{{json .}}' "${P}dk" | jq 'has("State")')" = false ] || t_fail "json . has State"
cocin pause "${P}dk" >/dev/null 2>&1 || t_fail "pause"
[ "$(cocin inspect -f '{{.State.Status}} {{.State.Running}} {{.State.Paused}}' "${P}dk")" = "paused true true" ] ||
  t_fail "paused: $(cocin inspect -f '{{.State.Status}} {{.State.Running}} {{.State.Paused}}' "${P}dk")"
cocin unpause "${P}dk" >/dev/null 2>&1
cocin kill "${P}dk" >/dev/null 2>&1
wait_for is_exited "${P}dk" || t_fail "kill: $(status_of "${P}dk")"
f='{{.State.Status}} {{.State.Running}} {{.State.Pid}} {{.State.ExitCode}} {{.State.FinishedAt}}'
[ "$(cocin inspect -f "$f" "${P}dk")" = "exited false 0 137 $(cfg "${P}dk" .finishedAt)" ] ||
  t_fail "exited: $(cocin inspect -f "$f" "${P}dk")"
cocin rm -f "${P}dk" >/dev/null 2>&1
cocin create --name "${P}dc" busybox true >/dev/null 2>&1 || t_fail "create"
[ "$(cocin inspect -f '{{.State.Status}} {{.State.StartedAt}} {{.State.Pid}}' "${P}dc")" = "created 0001-01-01T00:00:00Z 0" ] ||
  t_fail "created: $(cocin inspect -f '{{.State.Status}} {{.State.StartedAt}} {{.State.Pid}}' "${P}dc")"
cocin rm -f "${P}dc" >/dev/null 2>&1
t_end

t_begin "ps -q lists 12-hex ids of running containers only"
cocin ps -q >"$T/psq" 2>&1
grep -vqE '^[0-9a-f]{12}$' "$T/psq" && t_fail "bad line: $(cat "$T/psq")"
grep -qx "${id:0:12}" "$T/psq" || t_fail "running id missing"
grep -qx "$(cfg "${P}ex" .id | cut -c1-12)" "$T/psq" && t_fail "exited id listed"
cocin ps -a -q >"$T/psaq" 2>&1
grep -qx "$(cfg "${P}ex" .id | cut -c1-12)" "$T/psaq" || t_fail "ps -a -q lacks the exited one"
[ "$(grep -c . "$T/psaq")" = "$(ls "$ROOT"/containers/*/config.json 2>/dev/null | wc -l)" ] ||
  t_fail "ps -a -q count differs from the containers with a record"
t_end

t_eq "ps -aq combined" "$(cocin ps -a -q 2>&1)" "$(cocin ps -aq 2>&1)"

t_begin "ps: one line per container, newest first, columns as wide as their cells"
cocin run -d --name "${P}nl" busybox sh -c "$(printf 'echo a\nsleep 1000')" >/dev/null 2>&1
cocin run -d --name "${P}utf" busybox sh -c 'echo ééééééééééééééééééé; sleep 1000' >/dev/null 2>&1
long=${P}$(printf 'n%.0s' $(seq 1 60))
cocin run -d --name "$long" busybox sleep 1000 >/dev/null 2>&1
cocin ps >"$T/ps" 2>&1
[ "$(grep -c . "$T/ps")" = "$(( $(cocin ps -q | grep -c .) + 1 ))" ] || t_fail "not one line each: $(cat "$T/ps")"
grep -q ' sh -c echo a\\nsleep 1000 ' "$T/ps" || t_fail "newline not shown as \\n: $(grep "${P}nl" "$T/ps")"
iconv -f UTF-8 -t UTF-8 "$T/ps" >/dev/null 2>&1 || t_fail "ps printed invalid UTF-8"
grep "${P}utf " "$T/ps" | grep -q 'éé\.\.\. ' || t_fail "long command not cut with ...: $(grep "${P}utf " "$T/ps")"
[ "$(cut -c1-12 "$T/ps" | sed -n 2p)" = "$(cfg "$long" .id | cut -c1-12)" ] || t_fail "newest not first: $(sed -n 2p "$T/ps")"
grep -q " $long " "$T/ps" || t_fail "a long name is cut: $(grep "${P}nnn" "$T/ps")"
# aligned: every STATUS cell ("Up ...") starts under the header's STATUS
at=$(head -1 "$T/ps" | awk '{ print index($0, "STATUS") }')
[ "$(awk -v at="$at" 'NR > 1 && substr($0, at, 3) != "Up " { print }' "$T/ps")" = "" ] ||
  t_fail "columns not aligned under STATUS (at $at): $(cat "$T/ps")"
cocin rm -f "${P}nl" "${P}utf" "$long" >/dev/null 2>&1
t_end

# ps --filter and --format, docker's: what cleanup scripts are made of
cocin run -d --name "${P}zqa" busybox sleep 1000 >/dev/null 2>&1
cocin run --name "${P}zqb" busybox sh -c 'exit 3' >/dev/null 2>&1
cocin run --name "${P}zqc" busybox true >/dev/null 2>&1
cocin run -d --name "${P}zqd" busybox sleep 1000 >/dev/null 2>&1
cocin stop -t 0 "${P}zqd" >/dev/null 2>&1
mine() { grep "^${P}zq[a-d]$" | sort | tr '\n' ' '; } # only this test's containers
t_eq "ps -f status=exited: every container (no -a needed), stopped ones too" "${P}zqb ${P}zqc ${P}zqd " \
  "$(cocin ps -f status=exited --format '{{.Names}}' 2>&1 | mine)"
t_eq "ps -f status=running" "${P}zqa " "$(cocin ps -f status=running --format '{{.Names}}' 2>&1 | mine)"
t_eq "ps -f status=stopped: cocin's own state" "${P}zqd " "$(cocin ps -f status=stopped --format '{{.Names}}' 2>&1 | mine)"
t_eq "ps -f exited=3" "${P}zqb " "$(cocin ps -f exited=3 --format '{{.Names}}' 2>&1 | mine)"
t_eq "ps -f exited=137 (stop's KILL)" "${P}zqd " "$(cocin ps -f exited=137 --format '{{.Names}}' 2>&1 | mine)"
t_eq "ps -a -f name: a regular expression, as docker's" "${P}zqa ${P}zqb " \
  "$(cocin ps -a -f "name=^${P}zq[ab]\$" --format '{{.Names}}' 2>&1 | mine)"
t_eq "ps -a -f name twice: either" "${P}zqa ${P}zqc " \
  "$(cocin ps -a -f "name=${P}zqa" -f "name=${P}zqc" --format '{{.Names}}' 2>&1 | mine)"
t_eq "ps -f two keys: both" "${P}zqc " \
  "$(cocin ps -f status=exited -f exited=0 -f "name=${P}zq" --format '{{.Names}}' 2>&1 | mine)"
t_eq "ps -a -f id=PREFIX" "${P}zqa" \
  "$(cocin ps -a -f "id=^$(cfg "${P}zqa" .id | cut -c1-8)" --format '{{.Names}}' 2>&1)"
t_eq "ps -a -f ancestor=busybox:latest" "${P}zqa ${P}zqb ${P}zqc ${P}zqd " \
  "$(cocin ps -a -f ancestor=busybox:latest --format '{{.Names}}' 2>&1 | mine)"
t_eq "ps -aq -f: the ids, for rm \$(...)" "$(cfg "${P}zqb" .id | cut -c1-12)" "$(cocin ps -aq -f exited=3 -f "name=${P}zqb" 2>&1)"
t_eq "ps --no-trunc -q: whole ids" "$(cfg "${P}zqa" .id)" "$(cocin ps --no-trunc -q -f "name=${P}zqa" 2>&1)"

t_begin "ps --format: fields, \\t, json, table"
got=$(cocin ps -a -f "name=${P}zqb" --format '{{.ID}}\t{{ .Names }}|{{.Image}}|{{.Command}}|{{.State}}|{{.Status}}|{{.Pid}}' 2>&1)
want="$(cfg "${P}zqb" .id | cut -c1-12)	${P}zqb|busybox|\"sh -c exit 3\"|exited|Exited (3) "
[ "${got:0:${#want}}" = "$want" ] || t_fail "fields: [$got]"
[[ $got == *" ago|-" ]] || t_fail "status and pid: [$got]"
got=$(cocin ps -f "name=${P}zqa" --format '{{.Pid}} {{.CreatedAt}} {{.RunningFor}}' 2>&1)
[[ $got =~ ^$(cfg "${P}zqa" .pid)\ 20[0-9]{2}-[0-9]{2}-[0-9]{2}\ [0-9:]{8}\ \+0000\ UTC\ .*ago$ ]] || t_fail "pid, created: [$got]"
got=$(cocin ps -f "name=${P}zqa" --format json 2>&1)
[ "$(jq -r '.Names + " " + .State' <<<"$got" 2>&1)" = "${P}zqa running" ] || t_fail "json: [$got]"
nt() { jq -c 'del(.RunningFor, .Status)'; } # the two that move with the clock
[ "$(cocin ps -f "name=${P}zqa" --format '{{json .}}' 2>&1 | nt)" = "$(nt <<<"$got")" ] || t_fail "{{json .}} differs from json"
cocin ps -a -f "name=${P}zq" --format 'table {{.Names}}\t{{.Status}}' >"$T/tab" 2>&1
[[ $(head -1 "$T/tab") =~ ^NAMES\ {3,}STATUS$ ]] || t_fail "table header: [$(head -1 "$T/tab")]"
[ "$(grep -c . "$T/tab")" = 5 ] || t_fail "table rows: $(cat "$T/tab")"
at=$(head -1 "$T/tab" | awk '{ print index($0, "STATUS") }')
[ "$(awk -v at="$at" 'NR > 1 && substr($0, at, 2) !~ /Up|Ex/ { print }' "$T/tab")" = "" ] ||
  t_fail "table not aligned: $(cat "$T/tab")"
t_end

t_begin "ps -n N, -l: the last created, whatever their state, after the filters; -s: sizes"
got=$(cocin ps -n 2 -f "name=${P}zq" --format '{{.Names}}' 2>&1 | tr '\n' ' ')
[ "$got" = "${P}zqd ${P}zqc " ] || t_fail "-n 2: [$got]"
got=$(cocin ps --last=3 -f "name=${P}zq" --format '{{.Names}}' 2>&1 | tr '\n' ' ')
[ "$got" = "${P}zqd ${P}zqc ${P}zqb " ] || t_fail "--last=3: [$got]"
got=$(cocin ps -lq -f "name=${P}zq" 2>&1)
[ "$got" = "$(cfg "${P}zqd" .id | cut -c1-12)" ] || t_fail "-lq: [$got]"
got=$(cocin ps -l -n 2 -f "name=${P}zq" --format '{{.Names}}' 2>&1 | tr '\n' ' ')
[ "$got" = "${P}zqd ${P}zqc " ] || t_fail "-n wins over -l: [$got]"
got=$(cocin ps -n 0 -f "name=${P}zq" --format '{{.Names}}' 2>&1 | tr '\n' ' ')
[ "$got" = "${P}zqa " ] || t_fail "-n 0 is no limit (running ones): [$got]"
got=$(cocin ps -n 0 -l -f "name=${P}zq" --format '{{.Names}}' 2>&1 | tr '\n' ' ')
[ "$got" = "${P}zqa " ] || t_fail "-n 0 -l: -n given, no limit (docker's): [$got]"
got=$(cocin ps -n -1 -l -f "name=${P}zq" --format '{{.Names}}' 2>&1 | tr '\n' ' ')
[ "$got" = "${P}zqd " ] || t_fail "-n -1 (docker's default) -l: the last: [$got]"
cocin run --name "${P}zqs" busybox sh -c 'head -c 5000 /dev/zero >/big' >/dev/null 2>&1
got=$(cocin ps -a -f "name=${P}zqs" --format '{{.Names}} {{.Size}}' 2>&1)
[[ $got =~ ^${P}zqs\ 5kB\ \(virtual\ [0-9.]+[kMG]B\)$ ]] || t_fail "{{.Size}} (measured without -s): [$got]"
cocin ps -as -f "name=${P}zqs" >"$T/pss" 2>&1
[[ $(head -1 "$T/pss") =~ CREATED\ +SIZE$ ]] && [[ $(sed -n 2p "$T/pss") == *" 5kB (virtual "*B")" ]] ||
  t_fail "-s table: $(cat "$T/pss")"
[ "$(cocin ps -a -f "name=${P}zqs" --format '{{json .}}' | jq -r .Size)" = 0B ] || t_fail "json without -s"
out=$(cocin ps -n x 2>&1); rc=$?
[ "$rc" = 125 ] && [ "$out" = 'cocin: ps: invalid --last "x": expected a number' ] || t_fail "-n x: rc $rc [$out]"
cocin rm "${P}zqs" >/dev/null 2>&1
t_end

t_err "ps -f with an unknown key" 'invalid filter "foo=1"' cocin ps -f foo=1
t_err "ps -f status= a state nobody has" 'a status is one of' cocin ps -f status=sleeping
t_err "ps -f exited= not a number" 'an exit code is a number' cocin ps -f exited=x
t_err "ps -f name= a broken regular expression" 'not a regular expression' cocin ps -f 'name=('
t_err "ps -f without its argument" 'flag needs an argument' cocin ps -f
t_err "ps --format with an unknown field" 'unknown field "\.Foo"' cocin ps --format '{{.Foo}}'
t_err "ps --format with an unclosed {{" 'without its' cocin ps --format '{{.ID'
t_err "ps -f exited=256" 'an exit code is a number from 0 to 255' cocin ps -f exited=256
t_err "ps -f exited= (empty)" 'an exit code is a number' cocin ps -f exited=
t_err "ps -f id= a broken regular expression" 'not a regular expression' cocin ps -f 'id=('
t_eq "ps --format table alone: the default columns, docker's layout" "CONTAINER ID" "$(cocin ps --format table 2>&1 | head -1 | cut -c1-12)"
cocin rm -f "${P}zqa" "${P}zqb" "${P}zqc" "${P}zqd" >/dev/null 2>&1

# ------------------------------------------------- logs of the foreground
t_begin "a container run in the foreground is logged too (docker's): stdout and stderr, exit code kept"
out=$(cocin run --name "${P}fl" busybox sh -c 'echo out; echo err >&2; exit 4' 2>"$T/err"); rc=$?
[ "$out" = out ] && [ "$(cat "$T/err")" = err ] && [ $rc = 4 ] || t_fail "caller got [$out] [$(cat "$T/err")] rc $rc"
[ "$(cocin logs "${P}fl" 2>&1 | sort | tr '\n' ' ')" = "err out " ] || t_fail "logs: [$(cocin logs "${P}fl" 2>&1)]"
cocin rm "${P}fl" >/dev/null 2>&1
got=$(cocin run --rm --name "${P}fr" busybox echo gone 2>&1)
[ "$got" = gone ] || t_fail "--rm in the foreground: [$got]"
t_end

t_begin "a foreground container whose reader stops (| head) meets EPIPE as before, its log has what came"
cocin run --name "${P}fh" busybox sh -c 'echo one; echo two; exec yes' 2>/dev/null | head -2 >"$T/h"
[ "$(cat "$T/h")" = "$(printf 'one\ntwo')" ] || t_fail "head got [$(cat "$T/h")]"
wait_for is_exited "${P}fh" || t_fail "yes runs on: $(status_of "${P}fh")"
[ "$(cocin logs "${P}fh" 2>/dev/null | head -2 | tr '\n' ' ')" = "one two " ] || t_fail "log start: $(cocin logs "${P}fh" 2>&1 | head -3)"
cocin rm -f "${P}fh" >/dev/null 2>&1
t_end

# ------------------------------------------------------- start, restart
t_begin "start: an exited container runs again: its id, record, layer and log kept"
cocin run -d --name "${P}sa" -e A=1 -h sahost -v "$T/vol:/v" busybox \
  sh -c 'echo "run $A $(hostname) $(cat /f 2>/dev/null)"; echo kept >/f; exit 3' >/dev/null 2>&1
wait_for is_exited "${P}sa"
id0=$(cfg "${P}sa" .id); created0=$(cfg "${P}sa" .createTime); started0=$(cfg "${P}sa" .startedAt)
[ "$(cocin start "${P}sa" 2>&1)" = "${P}sa" ] || t_fail "start did not answer the name"
[ "$(cocin wait "${P}sa" 2>&1)" = 3 ] || t_fail "wait after start: $(cocin wait "${P}sa" 2>&1)"
[ "$(cocin logs "${P}sa" 2>&1)" = "$(printf 'run 1 sahost \nrun 1 sahost kept')" ] ||
  t_fail "log: [$(cocin logs "${P}sa" 2>&1)]"
[ "$(cfg "${P}sa" .id)" = "$id0" ] || t_fail "id changed"
[ "$(cfg "${P}sa" .createTime)" = "$created0" ] || t_fail "createTime changed"
[ "$(cfg "${P}sa" .startedAt)" != "$started0" ] || t_fail "startedAt not renewed"
[ "$(cfg "${P}sa" '.status + " " + (.exitCode|tostring)')" = "exited 3" ] || t_fail "record: $(cfg "${P}sa" .status)"
cocin rm "${P}sa" >"$T/out" 2>&1 || t_fail "rm: $(cat "$T/out")"
t_end

t_begin "start of a running container answers its name and changes nothing; restart gives a new init"
cocin run -d --name "${P}sb" busybox sleep 1000 >/dev/null 2>&1
pid0=$(cfg "${P}sb" .pid)
[ "$(cocin start "${P}sb" 2>&1)" = "${P}sb" ] || t_fail "start of a running one"
[ "$(cfg "${P}sb" .pid)" = "$pid0" ] || t_fail "start of a running one changed its pid"
[ "$(cocin restart -t 0 "${P}sb" 2>&1)" = "${P}sb" ] || t_fail "restart did not answer the name"
[ "$(status_of "${P}sb")" = running ] || t_fail "after restart: $(status_of "${P}sb")"
pid1=$(cfg "${P}sb" .pid)
[ "$pid1" != "$pid0" ] && ! kill -0 "$pid0" 2>/dev/null || t_fail "old init $pid0 / new $pid1"
[ "$(cocin exec "${P}sb" hostname 2>&1)" = "${P}sb" ] || t_fail "exec after restart"
cocin stop -t 0 "${P}sb" >/dev/null 2>&1
[ "$(cocin start "${P}sb" 2>&1)" = "${P}sb" ] && [ "$(status_of "${P}sb")" = running ] ||
  t_fail "start of a stopped one: $(status_of "${P}sb")"
cocin rm -f "${P}sb" >/dev/null 2>&1
t_end

t_begin "top lists the container's processes, exec'd ones too, with the host's pids; bad input refused"
cocin run -d --name "${P}top" busybox sh -c 'sleep 1000 & exec sleep 999' >/dev/null 2>&1
wait_for is_running "${P}top"
cocin exec "${P}top" sleep 998 >/dev/null 2>&1 &
ex=$!
t_track "$ex"
pid=$(cfg "${P}top" .pid)
row_with() { awk -v c="$1" 'NR > 1 && substr($0, index($0, $8)) == c' "$T/top"; }
wait_for sh -c "'$COCIN' --root '$ROOT' top '${P}top' >'$T/top' 2>&1 && grep -q 'sleep 998\$' '$T/top' &&
  grep -q 'sleep 999\$' '$T/top' && grep -q 'sleep 1000\$' '$T/top'" ||
  t_fail "exec'd process not listed: $(cat "$T/top")"
[ "$(head -1 "$T/top")" = "$(printf '%-8s %7s %7s %2s %-5s %-8s %8s %s' UID PID PPID C STIME TTY TIME CMD)" ] ||
  t_fail "header: $(head -1 "$T/top")"
[ "$(row_with 'sleep 999' | awk '{print $1, $2}')" = "root $pid" ] || t_fail "the init $pid: $(cat "$T/top")"
[ "$(row_with 'sleep 1000' | awk '{print $3}')" = "$pid" ] || t_fail "its child: $(cat "$T/top")"
[ "$(row_with 'sleep 1000' | awk '{print $4, $6, $7}')" = "0 ? 00:00:00" ] || t_fail "C TTY TIME: $(cat "$T/top")"
[ "$(grep -c . "$T/top")" = 4 ] || t_fail "rows: $(cat "$T/top")"
t_err "top without a name" "cocin: top: requires exactly one container name" cocin top
t_err "top with a flag" "cocin: top: unknown flag: -x" cocin top -x "${P}top"
t_err "top with ps options" "cocin: top: ps options are not supported: aux" cocin top "${P}top" aux
t_err "top of an unknown container" "cocin: no such container: ${P}nosuch" cocin top "${P}nosuch"
cocin stop -t 0 "${P}top" >/dev/null 2>&1
t_err "top of a stopped container" "cocin: container ${P}top is not running" cocin top "${P}top"
wait "$ex" 2>/dev/null
cocin rm -f "${P}top" >/dev/null 2>&1
t_end

t_begin "top lists the processes of a pid namespace nested in the container"
# docker top lists every process of the container; one in a namespace of
# its own (a sandbox, unshare -p) is the container's too
cocin run -d --privileged --name "${P}topn" busybox sh -c 'unshare -p -f sleep 997 & exec sleep 999' >/dev/null 2>&1
# (the nested sleep itself: its parent's command line ends in "sleep 997" too)
wait_for sh -c "'$COCIN' --root '$ROOT' top '${P}topn' >'$T/top' 2>&1 && grep -Eq ':[0-9][0-9] sleep 997\$' '$T/top'" ||
  t_fail "nested: $(cat "$T/top")"
[ "$(grep -c . "$T/top")" = 4 ] || t_fail "rows: $(cat "$T/top")"
cocin rm -f "${P}topn" >/dev/null 2>&1
t_end

lu=$(awk -F: 'length($1) > 8 && $3 > 0 {print $1 ":" $3; exit}' /etc/passwd)
if [ -z "$lu" ]; then
  t_skip "top cuts a host user name over 8 characters" "no host user with a name over 8 characters"
else
  t_begin "top cuts a host user name over 8 characters as ps does (systemd+)"
  cocin run -d -u "${lu#*:}" --name "${P}topu" busybox sleep 995 >/dev/null 2>&1
  wait_for is_running "${P}topu"
  cocin top "${P}topu" >"$T/top" 2>&1
  want=$(printf '%.7s+' "${lu%%:*}")
  [ "$(awk 'NR == 2 {print $1}' "$T/top")" = "$want" ] || t_fail "want $want: $(cat "$T/top")"
  cocin rm -f "${P}topu" >/dev/null 2>&1
  t_end
fi

t_begin "top lists a process in a cgroup below the container's"
# a container with the rights to (--privileged) may make cgroups of its
# own: its processes there are the container's all the same; the test
# moves one from the host, in every hierarchy
cocin run -d --name "${P}topc" busybox sh -c 'sleep 996 & exec sleep 999' >/dev/null 2>&1
wait_for is_running "${P}topc" || t_fail "not running"
ipid=$(cfg "${P}topc" .pid)
wait_for sh -c "pgrep -P $ipid >/dev/null"
kid=$(pgrep -P "$ipid" | head -1)
for d in $(cfg "${P}topc" '.cgroup.paths // {} | .[]'); do # v1 (the hosts here)
  mkdir -p "$d/sub" && echo "$kid" >"$d/sub/cgroup.procs" || t_fail "move into $d/sub"
done
cocin top "${P}topc" >"$T/top" 2>&1
grep -q " $kid .* sleep 996\$" "$T/top" || t_fail "the process below not listed: $(cat "$T/top")"
cocin rm -f "${P}topc" >"$T/o" 2>&1 || t_fail "rm -f: $(cat "$T/o")"
for d in $(find /sys/fs/cgroup -maxdepth 6 -type d -path "*/cocin/*" -name sub 2>/dev/null); do
  t_fail "left: $d"
done
t_end

t_begin "two starts at once: one runs the container, whose layer stays whole"
# Only the start whose monitor claims the container may mount its layers:
# a second overlay on one work directory empties the first's, and the
# running container could then no longer write a file of its image.
cocin run -d --name "${P}sr" busybox sleep 1000 >/dev/null 2>&1
for i in 1 2 3 4 5 6 7 8; do
  cocin stop -t 0 "${P}sr" >/dev/null 2>&1
  cocin start "${P}sr" >"$T/s1" 2>&1 &
  s1=$!
  cocin start "${P}sr" >"$T/s2" 2>&1 &
  s2=$!
  wait "$s1"; r1=$?; wait "$s2"; r2=$?
  [ "$r1" = 0 ] || [ "$r2" = 0 ] || t_fail "round $i: no start succeeded: $(cat "$T/s1" "$T/s2")"
  for f in s1 s2; do # the other one answers the name too, or says it is starting
    grep -qx "${P}sr" "$T/$f" || grep -q "is starting" "$T/$f" || t_fail "round $i: $(cat "$T/$f")"
  done
  wait_for is_running "${P}sr"
  got=$(cocin exec "${P}sr" sh -c "echo $i >> /etc/profile && tail -1 /etc/profile && mkdir -p /root/d$i && echo ok" 2>&1)
  [ "$got" = "$(printf '%s\nok' "$i")" ] || { t_fail "round $i: copy-up in the running container: [$got]"; break; }
done
cocin rm -f "${P}sr" >/dev/null 2>&1
t_end

t_begin "start of a container run in the foreground: detached, logged after what it logged then"
cocin run --name "${P}sc" busybox echo fg >/dev/null 2>&1
cocin start "${P}sc" >/dev/null 2>&1 || t_fail "start"
wait_for is_exited "${P}sc"
[ "$(cocin logs "${P}sc" 2>&1)" = "$(printf 'fg\nfg')" ] || t_fail "log: [$(cocin logs "${P}sc" 2>&1)]"
cocin rm "${P}sc" >/dev/null 2>&1
t_end

t_begin "start that fails (its volume's source is gone): one line, exited 125, nothing left running"
mkdir -p "$T/gone"
cocin run --name "${P}sd" -v "$T/gone:/g" busybox true >/dev/null 2>&1
rmdir "$T/gone"
cocin start "${P}sd" >"$T/out" 2>&1 && t_fail "start succeeded"
grep -q "^cocin: start: .*$T/gone" "$T/out" || t_fail "message: $(cat "$T/out")"
[ "$(grep -c . "$T/out")" = 1 ] || t_fail "more than one line: $(cat "$T/out")"
[ "$(cfg "${P}sd" '.status + " " + (.exitCode|tostring)')" = "exited 125" ] || t_fail "record: $(cfg "${P}sd" '.status + " " + (.exitCode|tostring)')"
mkdir -p "$T/gone"
cocin start "${P}sd" >"$T/out" 2>&1 || t_fail "start once the source is back: $(cat "$T/out")"
wait_for is_exited "${P}sd"
[ "$(cfg "${P}sd" .exitCode)" = 0 ] || t_fail "exit code after the second start"
cocin rm "${P}sd" >"$T/out" 2>&1 || t_fail "rm: $(cat "$T/out")"
t_end

# ------------------------------------------------------- pause, unpause
ticks() { grep -c tick "$ROOT/containers/$1/container.log" 2>/dev/null; }
ticks_over() { [ "$(ticks "$1")" -gt "$2" ]; } # for wait_for: counted at each try
t_begin "pause freezes every process, unpause thaws them; ps, inspect and status say so"
cocin run -d --name "${P}pz" busybox sh -c 'while :; do echo tick; sleep 0.05; done' >/dev/null 2>&1
wait_for ticks_over "${P}pz" 2
[ "$(cocin pause "${P}pz" 2>&1)" = "${P}pz" ] || t_fail "pause did not answer the name"
n1=$(ticks "${P}pz"); sleep 0.5; n2=$(ticks "${P}pz")
[ "$n1" = "$n2" ] || t_fail "ticks went on while paused: $n1 -> $n2"
fz=$(cfg "${P}pz" .cgroup.paths.freezer) # cgroup v1 (this host's); v2 has cgroup.freeze
[ "$fz" = null ] || grep -q FROZEN "$fz/freezer.state" || t_fail "freezer not FROZEN"
[ "$(cfg "${P}pz" .paused)" = true ] || t_fail "inspect: paused [$(cfg "${P}pz" .paused)]"
cocin ps -f "name=${P}pz" >"$T/ps" 2>&1
grep -q "(Paused)" "$T/ps" || t_fail "ps: $(cat "$T/ps")"
[ "$(cocin ps -f status=paused --format '{{.Names}} {{.State}}' 2>&1 | grep "^${P}pz ")" = "${P}pz paused" ] ||
  t_fail "ps -f status=paused: $(cocin ps -f status=paused --format '{{.Names}}' 2>&1)"
cocin ps -f status=running --format '{{.Names}}' 2>&1 | grep -qx "${P}pz" && t_fail "a paused one listed as running"
t_err "pause of a paused one" "is already paused" cocin pause "${P}pz"
t_err "exec into a paused one" "is paused: unpause it first" cocin exec "${P}pz" true
[ "$(cocin unpause "${P}pz" 2>&1)" = "${P}pz" ] || t_fail "unpause did not answer the name"
wait_for ticks_over "${P}pz" "$((n2 + 2))" || t_fail "no ticks after unpause"
[ "$(cfg "${P}pz" .paused)" = null ] || t_fail "still marked paused"
t_err "unpause of one not paused" "is not paused" cocin unpause "${P}pz"
t_end

t_begin "stop, kill -s KILL and rm -f of a paused container end it"
cocin pause "${P}pz" >/dev/null 2>&1
cocin stop -t 1 "${P}pz" >"$T/out" 2>&1 || t_fail "stop: $(cat "$T/out")"
[ "$(status_of "${P}pz")" = stopped ] || t_fail "after stop: $(status_of "${P}pz")"
[ "$(cfg "${P}pz" .paused)" = null ] || t_fail "stopped and still marked paused"
cocin start "${P}pz" >/dev/null 2>&1 && cocin pause "${P}pz" >/dev/null 2>&1 || t_fail "start, pause"
cocin kill -s KILL "${P}pz" >"$T/out" 2>&1 || t_fail "kill: $(cat "$T/out")"
wait_for is_exited "${P}pz" || t_fail "KILL did not end a paused one: $(status_of "${P}pz")"
cocin start "${P}pz" >/dev/null 2>&1 && cocin pause "${P}pz" >/dev/null 2>&1 || t_fail "start, pause 2"
cocin rm -f "${P}pz" >"$T/out" 2>&1 || t_fail "rm -f: $(cat "$T/out")"
[ ! -e "$ROOT/containers/${P}pz" ] || t_fail "still there after rm -f"
t_end

cocin run --name "${P}pe" busybox true >/dev/null 2>&1
t_err "pause of an exited container" "container ${P}pe is not running" cocin pause "${P}pe"
t_err "unpause of an exited container" "container ${P}pe is not running" cocin unpause "${P}pe"
t_begin "restart of a paused container runs it again, thawed"
cocin run -d --name "${P}pr" busybox sleep 4567127 >/dev/null 2>&1 && cocin pause "${P}pr" >/dev/null 2>&1
cocin restart -t 0 "${P}pr" >"$T/out" 2>&1 || t_fail "restart: $(cat "$T/out")"
[ "$(status_of "${P}pr")" = running ] && [ "$(cfg "${P}pr" .paused)" = null ] || t_fail "after restart: $(status_of "${P}pr") paused $(cfg "${P}pr" .paused)"
[ "$(cocin exec "${P}pr" echo thawed 2>&1)" = thawed ] || t_fail "exec after restart"
cocin rm -f "${P}pr" >/dev/null 2>&1
t_end
t_err "pause without a name" "requires at least one container name" cocin pause
cocin rm "${P}pe" >/dev/null 2>&1

t_err "start of no container" "no such container: ${P}nosuch" cocin start "${P}nosuch"
t_err "start without a name" "requires at least one container name" cocin start
# ---- start -a (docker's: started and attached; its output, its code)
t_begin "start -a: its output, stdout and stderr (one stream, as its log has them), and its exit code; a second shows that start's only"
cocin create --name "${P}sax" busybox sh -c 'echo out-$((1+1)); echo err-3 >&2; exit 4' >/dev/null 2>&1
cocin start -a "${P}sax" >"$T/sa.out" 2>"$T/sa.err"; rc=$?
[ "$rc" = 4 ] && [ "$(cat "$T/sa.out")" = "out-2
err-3" ] && [ ! -s "$T/sa.err" ] || t_fail "rc $rc out [$(cat "$T/sa.out")] err [$(cat "$T/sa.err")]"
cocin container start --attach "${P}sax" >"$T/sa.out" 2>&1; rc=$?
[ "$rc" = 4 ] && [ "$(grep -c . "$T/sa.out")" = 2 ] || t_fail "again: rc $rc [$(cat "$T/sa.out")]"
[ "$(cocin logs "${P}sax" 2>&1 | grep -c out-2)" = 2 ] || t_fail "log: $(cocin logs "${P}sax" 2>&1)"
t_end
t_begin "start -a: INT, TERM and HUP passed on to the container (docker's sig-proxy); attach's too"
cocin create --name "${P}sgx" busybox sh -c 'trap "echo got-int; exit 9" INT; echo ready; while :; do sleep 0.1; done' >/dev/null 2>&1
# (the binary itself, not the cocin function's subshell: its pid gets the signal)
"$COCIN" --root "$ROOT" start -a "${P}sgx" >"$T/sg.out" 2>&1 &
sg=$!
t_track $sg
wait_for grep -q ready "$T/sg.out" || t_fail "not ready: $(cat "$T/sg.out")"
kill -INT $sg
wait_child $sg; rc=$?
[ "$rc" = 9 ] && grep -q got-int "$T/sg.out" || t_fail "rc $rc [$(cat "$T/sg.out")]"
cocin start "${P}sgx" >/dev/null 2>&1
wait_for grep -q ready "$ROOT/containers/${P}sgx/container.log"
"$COCIN" --root "$ROOT" attach "${P}sgx" >"$T/sg.out" 2>&1 &
sg=$!
t_track $sg
# (attach follows the log from its end: nothing shows that it is there
# but INT blocked, to be passed on)
blocks_int() { local m; m=$(awk '/^SigBlk/ {print $2}' "/proc/$1/status" 2>/dev/null) && [ -n "$m" ] && (((16#$m & 2) != 0)); }
wait_for blocks_int $sg || t_fail "attach blocks no INT"
kill -INT $sg
wait_child $sg; rc=$?
[ "$rc" = 9 ] && grep -q got-int "$T/sg.out" || t_fail "attach: rc $rc [$(cat "$T/sg.out")]"
t_end
t_begin "start -a of a running container: its output from now until it ends, its code"
mkdir -p "$T/sr"
cocin run -d --name "${P}srx" -v "$T/sr:/t" busybox sh -c 'echo early; while [ ! -e /t/go ]; do sleep 0.1; done; echo late; exit 3' >/dev/null 2>&1
wait_for grep -q early "$ROOT/containers/${P}srx/container.log"
"$COCIN" --root "$ROOT" start -a "${P}srx" >"$T/sr.out" 2>&1 &
sr=$!
t_track $sr
wait_for blocks_int $sr || t_fail "start -a blocks no INT" # (its start of the log taken before)
touch "$T/sr/go"
wait_child $sr; rc=$?
[ "$rc" = 3 ] && [ "$(cat "$T/sr.out")" = late ] || t_fail "rc $rc [$(cat "$T/sr.out")]"
t_end
t_begin "start -a of a -t container that ends at once (its terminal gone before the attach, or not): its output, its code"
cocin create -t --name "${P}stx" busybox sh -c 'echo fast-$((1+1)); exit 2' >/dev/null 2>&1
for i in 1 2 3; do
  cocin start -a "${P}stx" </dev/null >"$T/st.out" 2>&1; rc=$?
  [ "$rc" = 2 ] && [ "$(tr -d '\r' <"$T/st.out")" = fast-2 ] || t_fail "start $i: rc $rc [$(cat -A "$T/st.out")]"
done
t_end
t_begin "start -a of a create --rm container that ends at once: its output, its code, then gone (docker's)"
for i in 1 2 3; do
  cocin create --rm --name "${P}smx" busybox sh -c 'echo rm-out-$((2+2)); exit 6' >/dev/null 2>&1
  cocin start -a "${P}smx" >"$T/sm.out" 2>&1; rc=$?
  [ "$rc" = 6 ] && [ "$(cat "$T/sm.out")" = rm-out-4 ] || t_fail "start $i: rc $rc [$(cat "$T/sm.out")]"
  wait_for test ! -e "$ROOT/containers/${P}smx" || t_fail "start $i: not removed"
done
t_end
t_begin "-di: attach sends your input to its stdin; the input's end ends neither the attach nor the container"
cocin run -di --name "${P}dix" busybox sh >/dev/null 2>&1 || t_fail "run -di"
printf 'echo in-$((3+4))\n' | "$COCIN" --root "$ROOT" attach "${P}dix" >"$T/di1" 2>&1 &
a1=$!
t_track $a1
wait_for grep -q in-7 "$T/di1" || t_fail "first attach: [$(cat "$T/di1")]"
kill -0 $a1 2>/dev/null || t_fail "the attach ended with its input"
[ "$(status_of "${P}dix")" = running ] || t_fail "status after the first: $(status_of "${P}dix")"
kill -KILL $a1
wait $a1 2>/dev/null
# --no-stdin watches only; another attach's input ends it, both get its code
printf 'echo leaked\n' | "$COCIN" --root "$ROOT" attach --no-stdin "${P}dix" >"$T/di2" 2>&1 &
a2=$!
t_track $a2
wait_for blocks_int $a2 || t_fail "attach --no-stdin not waiting"
printf 'echo mark-$((1+1)); exit 6\n' | cocin_bounded attach "${P}dix" >"$T/di3" 2>&1; rc=$?
[ "$rc" = 6 ] && [ "$(cat "$T/di3")" = mark-2 ] || t_fail "second attach: rc $rc [$(cat "$T/di3")]"
wait_child $a2; rc=$?
[ "$rc" = 6 ] && grep -q mark-2 "$T/di2" || t_fail "--no-stdin attach: rc $rc [$(cat "$T/di2")]"
cocin logs "${P}dix" 2>&1 | grep -q leaked && t_fail "--no-stdin sent its input"
[ "$(cocin logs "${P}dix" 2>&1 | tr '\n' ' ')" = "in-7 mark-2 " ] || t_fail "log: $(cocin logs "${P}dix" 2>&1)"
t_end
t_begin "attach --sig-proxy=false: TERM ends the attach (143), the container runs on; by default it is passed on"
cocin run -d --name "${P}sgp" busybox sh -c 'while :; do echo tick; sleep 0.2; done' >/dev/null 2>&1 || t_fail "run"
"$COCIN" --root "$ROOT" attach --sig-proxy=false "${P}sgp" >"$T/sp1" 2>&1 &
s1=$!
t_track $s1
wait_for grep -q tick "$T/sp1" || t_fail "no output: [$(cat "$T/sp1")]"
kill -TERM $s1
wait_child $s1; rc=$?
[ "$rc" = 143 ] || t_fail "--sig-proxy=false: rc $rc"
is_running "${P}sgp" || t_fail "the container ended"
# passed on (sh as pid 1 ignores TERM): the attach lives to tell the end
"$COCIN" --root "$ROOT" attach --sig-proxy=true "${P}sgp" >"$T/sp2" 2>&1 &
s2=$!
t_track $s2
wait_for grep -q tick "$T/sp2" || t_fail "no output: [$(cat "$T/sp2")]"
kill -TERM $s2
cocin stop -t 1 "${P}sgp" >/dev/null 2>&1
wait_child $s2; rc=$?
[ "$rc" = 137 ] || t_fail "--sig-proxy=true: rc $rc (143: TERM ended it)"
out=$(cocin attach --sig-proxy=maybe "${P}sgp" 2>&1); rc=$?
[ "$rc" = 125 ] && [ "$out" = 'cocin: attach: --sig-proxy takes true or false (--sig-proxy=false), not "maybe"' ] ||
  t_fail "bad value: rc $rc [$out]"
cocin rm -f "${P}sgp" >/dev/null 2>&1
t_end
t_begin "create -i (docker's StdinOnce): start -ai gives it your input and its end, a quick one says nothing"
cocin create -i --name "${P}diy" busybox sh >/dev/null 2>&1 || t_fail "create -i"
printf 'echo from-start; exit 4\n' | cocin_bounded start -ai "${P}diy" >"$T/dy" 2>&1; rc=$?
[ "$rc" = 4 ] && [ "$(cat "$T/dy")" = from-start ] || t_fail "start -ai: rc $rc [$(cat "$T/dy")]"
[ "$(cocin inspect --format '{{.Config.StdinOnce}} {{.Config.OpenStdin}}' "${P}diy" 2>&1)" = "true true" ] ||
  t_fail "inspect: $(cocin inspect --format '{{.Config.StdinOnce}}' "${P}diy" 2>&1)"
[ "$(cocin inspect --format '{{.Config.StdinOnce}}' "${P}dix" 2>&1)" = false ] || t_fail "a -di one is not once"
# the end of the input is cat's
cocin create -i --name "${P}dic" busybox cat >/dev/null 2>&1 || t_fail "create -i cat"
printf 'abc\n' | cocin_bounded start -ai "${P}dic" >"$T/dc" 2>&1; rc=$?
[ "$rc" = 0 ] && [ "$(cat "$T/dc")" = abc ] || t_fail "start -ai cat: rc $rc [$(cat "$T/dc")]"
# a non-blocking stdin (a terminal left so): waited on, not taken for its end
{ sleep 0.3; printf 'late\n'; } | python3 -c 'import fcntl, os, sys
fcntl.fcntl(0, fcntl.F_SETFL, fcntl.fcntl(0, fcntl.F_GETFL) | os.O_NONBLOCK)
os.execvp(sys.argv[1], sys.argv[1:])' timeout -s KILL 60 "$COCIN" --root "$ROOT" start -ai "${P}dic" >"$T/dn" 2>&1; rc=$?
[ "$rc" = 0 ] && [ "$(cat "$T/dn")" = late ] || t_fail "non-blocking stdin: rc $rc [$(cat "$T/dn")]"
# one that ends at once: its stdin was ours as it started, nothing to say
cocin create -i --name "${P}diq" busybox echo quick >/dev/null 2>&1 || t_fail "create -i echo"
for i in 1 2 3; do
  printf 'x\n' | cocin_bounded start -ai "${P}diq" >"$T/dq" 2>"$T/dq.err"; rc=$?
  [ "$rc" = 0 ] && [ "$(cat "$T/dq")" = quick ] && [ ! -s "$T/dq.err" ] ||
    t_fail "quick $i: rc $rc [$(cat "$T/dq")] [$(cat "$T/dq.err")]"
done
t_end
t_begin "create -i, started: the first attach takes its stdin, a second is told and follows, the first's end is its"
cocin start "${P}diy" >/dev/null 2>&1 || t_fail "start"
mkfifo "$T/dyf"
cocin_bounded attach "${P}diy" <"$T/dyf" >"$T/dy1" 2>&1 &
a5=$!
t_track $a5
exec 7>"$T/dyf"
echo 'echo first-in' >&7
wait_for grep -q first-in "$T/dy1" || t_fail "first attach: [$(cat "$T/dy1")]"
# (7>&-: a copy of the fifo's writer in it would keep the first's input open)
echo 'echo second' | cocin_bounded attach "${P}diy" >"$T/dy2" 2>"$T/dy2.err" 7>&- &
a6=$!
t_track $a6
wait_for grep -q "takes no input now" "$T/dy2.err" || t_fail "second told: [$(cat "$T/dy2.err")]"
echo 'echo more-in' >&7
wait_for grep -q more-in "$T/dy2" || t_fail "second follows: [$(cat "$T/dy2")]"
exec 7>&-
wait_child $a5; rc=$?
[ "$rc" = 0 ] && [ "$(tr '\n' ' ' <"$T/dy1")" = "first-in more-in " ] || t_fail "first: rc $rc [$(cat "$T/dy1")]"
wait_child $a6; rc=$?
[ "$rc" = 0 ] || t_fail "second: rc $rc"
cocin logs "${P}diy" 2>&1 | grep -q second && t_fail "the second's input went in"
[ "$(status_of "${P}diy")" = exited ] || t_fail "status: $(status_of "${P}diy")"
cocin rm -f "${P}dic" "${P}diq" >/dev/null 2>&1
t_end
t_begin "attach to a foreground run -i container: its input is its run's (said once), its output followed"
cocin run -i --name "${P}dnx" busybox sleep 4567130 </dev/null >/dev/null 2>&1 &
dn=$!
t_track $dn
wait_for is_running "${P}dnx" || t_fail "not running"
echo 'echo x' | "$COCIN" --root "$ROOT" attach "${P}dnx" >"$T/dn.out" 2>"$T/dn.err" &
a4=$!
t_track $a4
wait_for grep -q "takes no input" "$T/dn.err" || t_fail "no word: [$(cat "$T/dn.err")]"
[ "$(cat "$T/dn.err")" = "cocin: attach: ${P}dnx takes no input now (one run with -di does while it runs, one created with -i the first attach after its start)" ] ||
  t_fail "said: [$(cat "$T/dn.err")]"
kill -0 $a4 2>/dev/null || t_fail "the attach did not go on"
cocin rm -f "${P}dnx" >/dev/null 2>&1
wait_child $a4
wait_child $dn
cocin rm -f "${P}dix" "${P}diy" >/dev/null 2>&1
t_end
cocin run -d --name "${P}spz" busybox sleep 4567129 >/dev/null 2>&1 && cocin pause "${P}spz" >/dev/null 2>&1
t_err "start -a of a paused container: docker's refusal" "start: cannot start a paused container, try unpause instead" cocin start -a "${P}spz"
cocin rm -f "${P}sax" "${P}sgx" "${P}srx" "${P}stx" "${P}spz" >/dev/null 2>&1
t_err "start -a of two" "start: you cannot start and attach multiple containers at once" cocin start -a "${P}x" "${P}y"
t_err "start -a of none" "start: requires at least one container name" cocin start -ai
t_err "start -a of no container" "no such container: ${P}nosuch" cocin start -a "${P}nosuch"
t_err "start -a: bad --detach-keys" 'start: invalid --detach-keys "ctrl-1"' cocin start -a --detach-keys ctrl-1 "${P}x"
t_err "restart -t x" "invalid timeout" cocin restart -t x "${P}x"

# Docker's idioms: `docker stop $(docker run -d ...)`, `docker rm -f $(docker ps -aq)`
t_begin "every verb takes the id run -d prints, or a prefix of it"
nid=$(cocin run -d busybox sh -c 'echo by-id; sleep 1000' 2>"$T/e")
[[ $nid =~ ^[0-9a-f]{64}$ ]] || t_fail "run -d printed [$nid] $(cat "$T/e")"
wait_for grep -q by-id "$ROOT/containers/${nid:0:12}/container.log" 2>/dev/null
[ "$(cocin inspect "$nid" 2>&1 | jq -r .id)" = "$nid" ] || t_fail "inspect by id: $(cocin inspect "$nid" 2>&1 | head -2)"
[ "$(cocin exec "${nid:0:20}" hostname 2>&1)" = "${nid:0:12}" ] || t_fail "exec by prefix: $(cocin exec "${nid:0:20}" hostname 2>&1)"
[ "$(cocin logs "${nid:0:7}" 2>&1)" = by-id ] || t_fail "logs by prefix: $(cocin logs "${nid:0:7}" 2>&1)"
cocin stats --no-stream "$nid" >"$T/st" 2>&1 || t_fail "stats by id: $(cat "$T/st")"
[ "$(cocin stop -t 0 "$nid" 2>&1)" = "$nid" ] || t_fail "stop by id does not answer the id given"
[ "$(status_of "${nid:0:12}")" = stopped ] || t_fail "status after stop by id: $(status_of "${nid:0:12}")"
[ "$(cocin wait "${nid:0:9}" 2>&1)" = 137 ] || t_fail "wait by prefix: $(cocin wait "${nid:0:9}" 2>&1)"
cocin rm "$nid" >"$T/out" 2>&1 || t_fail "rm by id: $(cat "$T/out")"
[ -e "$ROOT/containers/${nid:0:12}" ] && t_fail "still there after rm by id"
t_err "an id nobody has" 'no such container: 0123456789ab' cocin rm -f 0123456789ab
t_end

t_begin "rm -f \$(ps -aq) removes named containers too"
cocin run -d --name "${P}byq" busybox sleep 1000 >/dev/null 2>&1
q=$(cocin ps -aq | grep -x "$(cfg "${P}byq" .id | cut -c1-12)")
[ -n "$q" ] || t_fail "ps -aq lacks ${P}byq"
[ -n "$q" ] && { cocin rm -f $q >"$T/out" 2>&1 || t_fail "rm -f $q: $(cat "$T/out")"; }
[ -e "$ROOT/containers/${P}byq" ] && { t_fail "${P}byq still there"; cocin rm -f "${P}byq" >/dev/null 2>&1; }
t_end

t_begin "a prefix that fits several ids is refused, naming the count"
# sixteen first digits: seventeen containers share one at the least
made=()
for i in $(seq 1 17); do
  cocin run --name "${P}amb$i" busybox true >/dev/null 2>&1 && made+=("${P}amb$i")
done
dup=$(for n in "${made[@]}"; do cfg "$n" .id | cut -c1; done | sort | uniq -d | head -1)
if [ -z "$dup" ]; then
  t_fail "no two ids share a first digit"
else
  cocin inspect "$dup" >"$T/out" 2>&1 && t_fail "inspect $dup succeeded"
  grep -qE "^cocin: [0-9]+ containers have an id starting with $dup: give more of it$" "$T/out" ||
    t_fail "message: $(cat "$T/out")"
  [ "$(grep -c . "$T/out")" = 1 ] || t_fail "more than one line: $(cat "$T/out")"
fi
cocin rm "${made[@]}" >/dev/null 2>&1
t_end

t_begin "rm -f of a hex-named leftover directory leaves the container whose id it prefixes"
vid=$(cocin run -d --name "${P}victim" busybox sleep 1000 2>/dev/null)
mkdir "$ROOT/containers/${vid:0:4}" # a run killed before its first record left it
cocin rm -f "${vid:0:4}" >/dev/null 2>&1
[ "$(status_of "${P}victim")" = running ] || t_fail "the container ${P}victim was touched: $(status_of "${P}victim")"
rmdir "$ROOT/containers/${vid:0:4}" 2>/dev/null
cocin rm -f "${P}victim" >/dev/null 2>&1
t_end

t_begin "a name wins over an id prefix"
cocin run --name "${P}w1" busybox true >/dev/null 2>&1
hex=$(cfg "${P}w1" .id | cut -c1-8)
cocin run --name "$hex" busybox true >/dev/null 2>&1
[ "$(cocin inspect "$hex" 2>&1 | jq -r .name)" = "$hex" ] || t_fail "inspect $hex did not take the name"
cocin rm "${P}w1" "$hex" >/dev/null 2>&1
t_end

t_begin "logs capture stdout and stderr"
cocin run -d --name "${P}lg" busybox sh -c 'echo to-out; echo to-err >&2; echo out2' >/dev/null 2>&1
wait_for is_exited "${P}lg"
got=$(cocin logs "${P}lg" 2>&1)
[ "$got" = "$(printf 'to-out\nto-err\nout2')" ] || t_fail "got [$got]"
[ "$(cat "$ROOT/containers/${P}lg/container.log")" = "$got" ] || t_fail "container.log differs"
t_end

t_begin "logs --tail 2"
cocin run -d --name "${P}tl" busybox sh -c 'for i in 1 2 3 4 5; do echo l$i; done' >/dev/null 2>&1
wait_for is_exited "${P}tl"
got=$(cocin logs --tail 2 "${P}tl" 2>&1)
[ "$got" = "$(printf 'l4\nl5')" ] || t_fail "got [$got]"
[ "$(cocin logs --tail 0 "${P}tl" 2>&1)" = "" ] || t_fail "--tail 0 printed [$(cocin logs --tail 0 "${P}tl" 2>&1)]"
[ "$(cocin logs --tail 100 "${P}tl" 2>&1 | wc -l)" = 5 ] || t_fail "--tail 100"
[ "$(cocin logs --tail all "${P}tl" 2>&1 | wc -l)" = 5 ] || t_fail "--tail all"
[ "$(cocin logs --tail -1 "${P}tl" 2>&1 | wc -l)" = 5 ] || t_fail "--tail -1 (docker: all)"
out=$(cocin logs --tail x "${P}tl" 2>&1) && t_fail "--tail x accepted"
[ "$out" = 'cocin: logs: invalid --tail "x": expected a number, or all' ] || t_fail "message [$out]"
t_end

t_begin "logs -f follows until the container exits"
cocin run -d --name "${P}lf" busybox sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do echo f$i; sleep 0.2; done' >/dev/null 2>&1
cocin logs -f "${P}lf" >"$T/lf" 2>&1 &
lfpid=$!; t_track $lfpid
wait_for grep -q f2 "$T/lf" || t_fail "no early line"
# (alive first, then the last line: in the other order it could print f10
# and end between the two looks)
alive=0
kill -0 $lfpid 2>/dev/null && alive=1
grep -q f10 "$T/lf" || [ $alive = 1 ] || t_fail "logs -f exited before the container did"
wait_for is_exited "${P}lf"
wait_for sh -c "! kill -0 $lfpid" || t_fail "logs -f did not exit after the container"
wait $lfpid 2>/dev/null
[ "$(cat "$T/lf")" = "$(printf 'f%s\n' 1 2 3 4 5 6 7 8 9 10)" ] || t_fail "got [$(tr '\n' ' ' <"$T/lf")]"
t_end

t_begin "logs -f on an exited container returns"
cocin logs -f "${P}tl" >"$T/lf2" 2>&1 &
p=$!; t_track $p
wait_for sh -c "! kill -0 $p" || t_fail "still following an exited container"
[ "$(grep -c . "$T/lf2")" = 5 ] || t_fail "got [$(cat "$T/lf2")]"
t_end

t_begin "-dt logs a pty's output"
cocin run -dt --name "${P}pty" busybox sh -c 'tty; echo pty-line; test -t 1 && echo isatty' >/dev/null 2>&1 </dev/null || t_fail "-dt refused"
wait_for is_exited "${P}pty"
got=$(cocin logs "${P}pty" 2>&1 | tr -d '\r')
grep -qx pty-line <<<"$got" || t_fail "line: $got"
grep -qx isatty <<<"$got" || t_fail "not a tty: $got"
[ "$(cfg "${P}pty" .tty)" = true ] || t_fail "config tty not true"
t_end
t_begin "-dt: the pty belongs to the container's /dev/pts (tty names it)"
grep -qE '^/dev/pts/[0-9]+$' <<<"$got" || t_fail "tty printed: $(head -1 <<<"$got")"
t_end

t_begin "-dt: line-buffered output logged while running"
cocin run -dt --name "${P}ptl" busybox sh -c 'echo early; sleep 1000' >/dev/null 2>&1 </dev/null
wait_for grep -q early "$ROOT/containers/${P}ptl/container.log" || t_fail "line not logged while running"
cocin rm -f "${P}ptl" >/dev/null 2>&1
t_end

t_begin "-dt removed while it starts: run returns, nothing left"
# the monitor must not wait for a pty from an init that was killed first
hung=0
for i in $(seq 1 40); do
  timeout 20 "$COCIN" --root "$ROOT" run -dt --name "${P}dtr" busybox sleep 8765432 \
    >/dev/null 2>&1 </dev/null &
  rpid=$!
  sleep "0.00$((i % 7))"
  cocin rm -f "${P}dtr" >/dev/null 2>&1
  wait "$rpid"; [ $? = 124 ] && hung=$((hung + 1))
  cocin rm -f "${P}dtr" >/dev/null 2>&1
done
[ "$hung" = 0 ] || t_fail "run -dt hung $hung times"
wait_for no_proc "sleep 8765432" ||
  t_fail "process left: $(pgrep -af 'sleep 8765432' | head -2)"
t_end

t_begin "rm without -f refuses a container that is starting or running"
cocin run -d --name "${P}rs" busybox sleep 1000 >/dev/null 2>&1 &
rpid=$!
refused=0
for _ in $(seq 1 200); do
  out=$(cocin rm "${P}rs" 2>&1) && { t_fail "rm without -f removed it: $out"; break; }
  case $out in *"is starting"* | *"is running"*) refused=1 ;; esac
  is_running "${P}rs" && break
done
wait "$rpid" || t_fail "run -d failed while rm was refused"
is_running "${P}rs" || t_fail "not running after the refused rms: $(status_of "${P}rs")"
# the starting window is a few ms: the loop may miss it, never the running one
out=$(cocin rm "${P}rs" 2>&1) && t_fail "rm without -f removed a running container: $out"
case $out in *"is running"*) refused=1 ;; esac
[ "$refused" = 1 ] || t_fail "no refusal seen: $out"
cocin rm -f "${P}rs" >/dev/null 2>&1
t_end

is_starting() { [ "$(cfg "$1" .status)" = created ]; }
if command -v strace >/dev/null; then
  t_begin "rm -f of a starting container kills its init before its files go"
  # strace holds each process's first mkdir for 4 s: the monitor's is
  # its cgroup, the init's /dev/pts; so the container stays "created" with
  # its init outside any cgroup, where removing the cgroup would miss it
  strace -f -qq -o /dev/null -e trace=mkdir -e inject=mkdir:delay_enter=4000000:when=1 \
    "$COCIN" --root "$ROOT" run -d --name "${P}sr" busybox sleep 4567123 >"$T/o" 2>&1 &
  rpid=$!
  wait_for is_starting "${P}sr" || t_fail "never seen starting: $(status_of "${P}sr")"
  ip=$(cfg "${P}sr" .pid)
  cocin rm -f "${P}sr" >"$T/o2" 2>&1 || t_fail "rm -f: $(cat "$T/o2")"
  st=$(awk '{print $3}' "/proc/$ip/stat" 2>/dev/null)
  case $st in "" | Z) ;; *) t_fail "its init ($ip) is there after rm -f, state $st" ;; esac
  wait "$rpid" && t_fail "the run succeeded"
  grep -q "was removed while it started" "$T/o" || t_fail "run said: $(cat "$T/o")"
  [ ! -e "$ROOT/containers/${P}sr" ] || t_fail "directory left"
  wait_for no_proc "sleep 4567123" || t_fail "left: $(pgrep -af 'sleep 4567123')"
  t_end
  t_begin "stop of a starting container waits for its start, then stops it"
  strace -f -qq -o /dev/null -e trace=mkdir -e inject=mkdir:delay_enter=4000000:when=1 \
    "$COCIN" --root "$ROOT" run -d --name "${P}ss" busybox sleep 4567124 >"$T/o" 2>&1 &
  rpid=$!
  wait_for is_starting "${P}ss" || t_fail "never seen starting: $(status_of "${P}ss")"
  cocin stop -t 0 "${P}ss" >"$T/o2" 2>&1 || t_fail "stop: $(cat "$T/o2")"
  [ "$(cfg "${P}ss" .status)" = stopped ] || t_fail "status after stop: $(status_of "${P}ss")"
  wait "$rpid" || t_fail "the run failed: $(cat "$T/o")"
  wait_for no_proc "sleep 4567124" || t_fail "left: $(pgrep -af 'sleep 4567124')"
  cocin rm "${P}ss" >/dev/null 2>&1 || t_fail "rm"
  t_end
  # the same for a start of a stopped container: held as above, it is
  # claimed (created, by its monitor) with its layers in use
  t_begin "rm -f of a container being started again: the start fails, nothing left"
  cocin run -d --name "${P}rs" busybox sleep 4567125 >/dev/null 2>&1 && cocin stop -t 0 "${P}rs" >/dev/null 2>&1
  strace -f -qq -o /dev/null -e trace=mkdir -e inject=mkdir:delay_enter=4000000:when=1 \
    "$COCIN" --root "$ROOT" start "${P}rs" >"$T/o" 2>&1 &
  rpid=$!
  wait_for is_starting "${P}rs" || t_fail "never seen starting: $(status_of "${P}rs")"
  cocin start "${P}rs" >"$T/o3" 2>&1 && t_fail "a second start during the first succeeded"
  grep -q "is starting" "$T/o3" || t_fail "second start said: $(cat "$T/o3")"
  cocin rm -f "${P}rs" >"$T/o2" 2>&1 || t_fail "rm -f: $(cat "$T/o2")"
  wait "$rpid" && t_fail "the start succeeded"
  grep -q "removed" "$T/o" || t_fail "start said: $(cat "$T/o")"
  [ ! -e "$ROOT/containers/${P}rs" ] || t_fail "directory left"
  wait_for no_proc "sleep 4567125" || t_fail "left: $(pgrep -af 'sleep 4567125')"
  t_end
  t_begin "wait and stop of a container being started again wait for that start"
  # its first run ends at once with 5; the next finds /ran and sleeps
  cocin run --name "${P}ws" busybox sh -c '[ -e /ran ] && sleep 4567126; touch /ran; exit 5' >/dev/null 2>&1
  strace -f -qq -o /dev/null -e trace=mkdir -e inject=mkdir:delay_enter=4000000:when=1 \
    "$COCIN" --root "$ROOT" start "${P}ws" >"$T/o" 2>&1 &
  rpid=$!
  wait_for is_starting "${P}ws" || t_fail "never seen starting: $(status_of "${P}ws")"
  cocin wait "${P}ws" >"$T/w" 2>&1 &
  wpid=$!
  cocin stop -t 0 "${P}ws" >"$T/o2" 2>&1 || t_fail "stop: $(cat "$T/o2")"
  wait "$rpid" || t_fail "the start failed: $(cat "$T/o")"
  [ "$(cfg "${P}ws" .status)" = stopped ] || t_fail "status after stop: $(status_of "${P}ws")"
  wait "$wpid"; [ "$(cat "$T/w")" = 137 ] || t_fail "wait gave [$(cat "$T/w")], not the new run's 137"
  wait_for no_proc "sleep 4567126" || t_fail "left: $(pgrep -af 'sleep 4567126')"
  cocin rm "${P}ws" >/dev/null 2>&1 || t_fail "rm"
  t_end
else
  t_skip "rm -f and stop of a starting container" "no strace to hold it starting"
fi

t_begin "name reused after rm starts a fresh log"
cocin run -d --name "${P}re" busybox echo first >/dev/null 2>&1
wait_for is_exited "${P}re"
oid=$(cfg "${P}re" .id)
cocin rm "${P}re" >/dev/null 2>&1 || t_fail "rm failed"
cocin run -d --name "${P}re" busybox echo second >/dev/null 2>&1
wait_for is_exited "${P}re"
[ "$(cocin logs "${P}re" 2>&1)" = second ] || t_fail "logs [$(cocin logs "${P}re" 2>&1)]"
[ "$(cfg "${P}re" .id)" != "$oid" ] || t_fail "same id reused"
t_end

# ---------------------------------------------------------- stop / kill / rm
t_begin "stop: shell PID 1 ignoring TERM is killed after -t"
cocin run -d --name "${P}st" busybox sh -c 'while :; do sleep 1; done' >/dev/null 2>&1
pid=$(cfg "${P}st" .pid)
cocin stop -t 1 "${P}st" >"$T/o" 2>&1 || t_fail "stop failed: $(cat "$T/o")"
pid_alive "$pid" && t_fail "pid $pid still alive"
s=$(status_of "${P}st"); { [ "$s" = stopped ] || [ "$s" = exited ]; } || t_fail "status $s"
[ "$(cfg "${P}st" .exitCode)" = 137 ] || t_fail "exitCode $(cfg "${P}st" .exitCode) (want 137: SIGKILL)"
[ "$(cfg "${P}st" .finishedAt)" != null ] || t_fail "no finishedAt"
cocin ps >"$T/ps"; grep -q " ${P}st " "$T/ps" && t_fail "still in ps"
wait_for no_proc "${P}st" || t_fail "monitor left: $(pgrep -af "${P}st")"
t_end

if need_helper "stop: TERM handler"; then
  t_begin "stop: a process trapping TERM exits with its own code (42)"
  cocin run -d --name "${P}tt" "${CI[@]}" busybox /cinfo trap-term >/dev/null 2>&1
  wait_for grep -q ready "$ROOT/containers/${P}tt/container.log" || t_fail "not ready"
  cocin stop -t 30 "${P}tt" >"$T/o" 2>&1 || t_fail "stop failed: $(cat "$T/o")"
  [ "$(cfg "${P}tt" .exitCode)" = 42 ] || t_fail "exitCode $(cfg "${P}tt" .exitCode)"
  cocin ps -a | grep " ${P}tt " | grep -q 'Exited (42)' || t_fail "ps -a: $(cocin ps -a | grep " ${P}tt ")"
  t_end
fi

t_begin "stop of an exited container succeeds and rm works"
cgs=$(cgroup_paths "${P}ex")
cocin stop "${P}ex" >"$T/o" 2>&1 || t_fail "stop exited: $(cat "$T/o")"
[ "$(cfg "${P}ex" .exitCode)" = 3 ] || t_fail "exit code changed to $(cfg "${P}ex" .exitCode)"
cocin rm "${P}ex" >"$T/o" 2>&1 || t_fail "rm: $(cat "$T/o")"
[ -e "$ROOT/containers/${P}ex" ] && t_fail "dir left"
left=$(cgroups_gone $cgs) || t_fail "cgroup left: $left"
t_end

t_begin "stop -t 0 kills at once"
cocin run -d --name "${P}s0" busybox sleep 1000 >/dev/null 2>&1
pid=$(cfg "${P}s0" .pid)
cocin stop -t 0 "${P}s0" >"$T/o" 2>&1 || t_fail "stop: $(cat "$T/o")"
pid_alive "$pid" && t_fail "pid alive"
is_exited "${P}s0" || t_fail "status $(status_of "${P}s0")"
t_end

t_begin "stop -t -1 waits for as long as it takes, without SIGKILL"
# its TERM handler takes 2 s: -t 1 would have killed it, -t -1 lets it end
cocin run -d --name "${P}sf" busybox sh -c 'trap "sleep 2; exit 7" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null 2>&1
wait_for grep -q ready "$ROOT/containers/${P}sf/container.log" || t_fail "not ready"
# (timeout: a guard against a hang, not a measure)
timeout 120 "$COCIN" --root "$ROOT" stop -t -1 "${P}sf" >"$T/o" 2>&1 || t_fail "stop: $(cat "$T/o")"
[ "$(cfg "${P}sf" .exitCode)" = 7 ] || t_fail "exitCode $(cfg "${P}sf" .exitCode)"
out=$(cocin stop -t -2 "${P}sf" 2>&1) && t_fail "-t -2 accepted"
[ "$out" = 'cocin: stop: invalid timeout "-2": expected seconds, or -1 for no limit' ] || t_fail "message [$out]"
cocin rm "${P}sf" >/dev/null 2>&1 || t_fail "rm"
t_end

t_begin "--stop-signal: what stop sends first"
cocin run -d --name "${P}ssg" --stop-signal USR1 busybox sh -c 'trap "echo got-usr1; exit 7" USR1; echo ready; while :; do usleep 50000; done' >/dev/null 2>&1
wait_for grep -q ready "$ROOT/containers/${P}ssg/container.log" || t_fail "not ready"
cocin stop "${P}ssg" >"$T/o" 2>&1 || t_fail "stop: $(cat "$T/o")"
[ "$(cfg "${P}ssg" .exitCode)" = 7 ] && grep -q got-usr1 "$ROOT/containers/${P}ssg/container.log" ||
  t_fail "exitCode $(cfg "${P}ssg" .exitCode), log $(cat "$ROOT/containers/${P}ssg/container.log")"
[ "$(cfg "${P}ssg" .stopSignal)" = 10 ] || t_fail "recorded: $(cfg "${P}ssg" .stopSignal)"
cocin rm "${P}ssg" >/dev/null 2>&1
t_end

t_begin "stop -s SIGNAL, restart -s (docker 23's): that signal first, instead of its own"
cocin run -d --name "${P}ssi" --stop-signal USR1 busybox sh -c \
  'trap "echo got-usr1; exit 7" USR1; trap "echo got-int; exit 5" INT; trap "echo got-hup; exit 6" HUP; echo ready; while :; do usleep 50000; done' >/dev/null 2>&1
wait_for grep -q ready "$ROOT/containers/${P}ssi/container.log" || t_fail "not ready"
cocin stop -s INT "${P}ssi" >"$T/o" 2>&1 || t_fail "stop -s: $(cat "$T/o")"
[ "$(cfg "${P}ssi" .exitCode)" = 5 ] && [ "$(cfg "${P}ssi" .status)" = stopped ] &&
  grep -q got-int "$ROOT/containers/${P}ssi/container.log" ||
  t_fail "stop -s INT: exitCode $(cfg "${P}ssi" .exitCode), $(cfg "${P}ssi" .status)"
cocin start "${P}ssi" >/dev/null 2>&1
wait_for sh -c "[ \$(grep -c ready '$ROOT/containers/${P}ssi/container.log') = 2 ]" || t_fail "not ready again"
cocin restart --signal=SIGHUP -t 30 "${P}ssi" >"$T/o" 2>&1 || t_fail "restart -s: $(cat "$T/o")"
grep -q got-hup "$ROOT/containers/${P}ssi/container.log" && [ "$(cfg "${P}ssi" .status)" = running ] ||
  t_fail "restart --signal HUP: $(cfg "${P}ssi" .status), $(tail -3 "$ROOT/containers/${P}ssi/container.log")"
cocin stop "${P}ssi" >/dev/null 2>&1 # its own signal again, this time
[ "$(cfg "${P}ssi" .exitCode)" = 7 ] && grep -q got-usr1 "$ROOT/containers/${P}ssi/container.log" ||
  t_fail "its own signal after -s: exitCode $(cfg "${P}ssi" .exitCode)"
out=$(cocin stop -s BOGUS "${P}ssi" 2>&1); rc=$?
[ "$rc" = 1 ] && [ "$out" = 'cocin: stop: invalid signal "BOGUS"' ] || t_fail "bad signal: rc $rc [$out]"
cocin rm -f "${P}ssi" >/dev/null 2>&1
t_end

t_begin "--stop-timeout: how long stop waits before KILL; stop -t still decides"
# its TERM handler takes half a second: --stop-timeout 0 kills it first
# (137); -t 30 lets it end with its own code (7), however slow the host
cocin run -d --name "${P}sto" --stop-timeout 0 busybox sh -c 'trap "usleep 500000; exit 7" TERM; echo ready; while :; do usleep 50000; done' >/dev/null 2>&1
wait_for grep -q ready "$ROOT/containers/${P}sto/container.log" || t_fail "not ready"
cocin stop "${P}sto" >"$T/o" 2>&1 || t_fail "stop: $(cat "$T/o")"
[ "$(cfg "${P}sto" .exitCode)" = 137 ] || t_fail "its 0 s: exitCode $(cfg "${P}sto" .exitCode)"
cocin start "${P}sto" >/dev/null 2>&1 || t_fail start
wait_for sh -c "[ \$(grep -c ready '$ROOT/containers/${P}sto/container.log') = 2 ]" || t_fail "not ready again"
cocin stop -t 30 "${P}sto" >"$T/o" 2>&1 || t_fail "stop -t 30: $(cat "$T/o")"
[ "$(cfg "${P}sto" .exitCode)" = 7 ] || t_fail "-t 30: exitCode $(cfg "${P}sto" .exitCode)"
[ "$(cocin inspect -f '{{.stopTimeout}}' "${P}sto")" = 0 ] || t_fail "recorded: $(cocin inspect -f '{{.stopTimeout}}' "${P}sto")"
cocin rm "${P}sto" >/dev/null 2>&1
t_end
bad_run "run --stop-signal that is no signal" 'run: invalid --stop-signal "NOPE": a signal' "${P}bss" \
  cocin run --rm --name "${P}bss" --stop-signal NOPE busybox true
bad_run "run --stop-timeout below -1" 'run: invalid --stop-timeout "-2": expected seconds, or -1' "${P}bst" \
  cocin run --rm --name "${P}bst" --stop-timeout -2 busybox true

t_begin "--init: cocin-init is PID 1, from a sealed memfd; the command PID 2; its exit code"
# (COCIN_LEAK_CHECK: of the caller's environment, which PID 1's must not show)
COCIN_LEAK_CHECK=host cocin run --rm --init -e K=v busybox sh -c 'tr "\0" " " </proc/1/cmdline; echo; cat /proc/1/comm; echo $$; readlink /proc/1/exe; tr "\0" "\n" </proc/1/environ | sort | tr "\n" " "; echo; exit 3' >"$T/o" 2>&1; rc=$?
out=$(asan_filter <"$T/o")
[ "$rc" = 3 ] || t_fail "exit $rc"
# (the error pipe's fd number is the init's: any digits)
[ "$(sed -n 1p <<<"$out" | sed 's/^cocin-init [0-9]* -- /cocin-init N -- /')" = 'cocin-init N -- sh -c tr "\0" " " </proc/1/cmdline; echo; cat /proc/1/comm; echo $$; readlink /proc/1/exe; tr "\0" "\n" </proc/1/environ | sort | tr "\n" " "; echo; exit 3 ' ] || t_fail "cmdline [$out]"
[ "$(sed -n 2,4p <<<"$out")" = "$(printf 'cocin-init\n2\n/memfd:cocin-init (deleted)')" ] || t_fail "[$out]"
# PID 1's environment is the container's, nothing of the caller's
[ "$(sed -n 5p <<<"$out")" = "HOME=/root HOSTNAME=$(sed -n 5p <<<"$out" | sed 's/.*HOSTNAME=\([^ ]*\).*/\1/') K=v PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin " ] || t_fail "environ [$out]"
t_end

t_begin "--init: stop's TERM reaches a shell that as PID 1 would ignore it (143, not 137)"
cocin run -d --init --name "${P}in" busybox sh -c 'echo ready; while :; do usleep 50000; done' >/dev/null 2>&1
wait_for grep -q ready "$ROOT/containers/${P}in/container.log" || t_fail "not ready"
cocin stop -t 30 "${P}in" >"$T/o" 2>&1 || t_fail "stop: $(cat "$T/o")"
[ "$(cfg "${P}in" .exitCode)" = 143 ] || t_fail "exitCode $(cfg "${P}in" .exitCode)"
# kill -s passes through too, to the command's process group
cocin start "${P}in" >/dev/null 2>&1 || t_fail start
wait_for is_running "${P}in"
cocin kill -s USR2 "${P}in" >/dev/null 2>&1 || t_fail "kill -s USR2"
wait_for is_exited "${P}in" || t_fail "USR2 did not end it"
[ "$(cfg "${P}in" .exitCode)" = 140 ] || t_fail "USR2: exitCode $(cfg "${P}in" .exitCode)"
cocin rm "${P}in" >/dev/null 2>&1
t_end

t_begin "--init: exec, cp and --network container: reach a container whose PID 1 is cocin-init"
cocin run -d --init --name "${P}ix" busybox sh -c 'echo ready; exec sleep 1000' >/dev/null 2>&1
wait_for grep -q ready "$ROOT/containers/${P}ix/container.log" || t_fail "not ready"
[ "$(cocin exec "${P}ix" cat /proc/1/comm 2>/dev/null)" = cocin-init ] || t_fail "exec: $(cocin exec "${P}ix" cat /proc/1/comm 2>&1)"
echo in >"$T/ix"
cocin cp "$T/ix" "${P}ix:/ix" >"$T/o" 2>&1 && [ "$(cocin exec "${P}ix" cat /ix 2>/dev/null)" = in ] || t_fail "cp in: $(cat "$T/o")"
cocin cp "${P}ix:/ix" "$T/ixback" >"$T/o" 2>&1 && [ "$(cat "$T/ixback")" = in ] || t_fail "cp out: $(cat "$T/o")"
a=$(cocin exec "${P}ix" readlink /proc/self/ns/net 2>/dev/null) # (PID 1's own is closed to it)
b=$(cocin run --rm --network "container:${P}ix" busybox readlink /proc/self/ns/net 2>/dev/null)
[ -n "$a" ] && [ "$a" = "$b" ] || t_fail "--network container: [$a] [$b]"
cocin rm -f "${P}ix" >/dev/null 2>&1
t_end
if need_helper "--init with --privileged"; then
t_begin "--init with --privileged and CAP_SYS_PTRACE: PID 1 is cocin-init alone, its file sealed"
# a container that may ptrace finds only cocin-init in PID 1: no mapping of
# cocin's binary or of a library, and the memfd it runs from sealed
cocin run --rm --init --privileged "${CI[@]}" busybox sh -c 'awk "{print \$6}" /proc/1/maps | sort -u | tr "\n" " "; echo; /cinfo seals /proc/1/exe' >"$T/o" 2>&1 || t_fail "run: $(cat "$T/o")"
out=$(asan_filter <"$T/o")
[ "$(sed -n 1p <<<"$out" | tr ' ' '\n' | grep -v -e '^$' -e '^\[' | sort -u)" = "/memfd:cocin-init" ] || t_fail "maps [$out]"
[ "$(sed -n 2p <<<"$out")" = 'seal shrink grow write' ] || t_fail "seals [$out]"
out=$(cocin run --rm --init --cap-add SYS_PTRACE busybox sh -c 'cat /proc/1/comm; kill -0 1 && echo signalable' 2>&1)
[ "$(asan_filter <<<"$out")" = "$(printf 'cocin-init\nsignalable')" ] || t_fail "SYS_PTRACE [$out]"
t_end
fi

INIT_BIN=${BUILD:-$(cd "$(dirname "$COCIN")/.." && pwd)}/runtime/cocin-init
if [ ! -x "$INIT_BIN" ]; then
  t_skip "cocin-init run by hand" "no $INIT_BIN"
else
  t_begin "cocin-init run by hand, with no error pipe or a bad one, says its usage (125)"
  for args in "" "x -- true" "2 -- true" "3 x true" "99 -- true" "3 --"; do
    # shellcheck disable=SC2086 # the words are the arguments
    out=$("$INIT_BIN" $args 2>&1 3>/dev/null); rc=$?
    [ "$rc" = 125 ] && [ "$out" = "usage: cocin-init ERRFD -- COMMAND [ARG...] (cocin run --init runs it)" ] ||
      t_fail "[$args]: rc $rc [$out]"
  done
  t_end
fi

if need_helper "--init: the command's fds"; then
  t_begin "--init: the command holds only its stdio (the error pipe and the memfd closed); as -u 1000 too"
  for u in root 1000; do
    out=$(cocin run --rm --init -u "$u" "${CI[@]}" busybox /cinfo fds 2>&1)
    [ "$(asan_filter <<<"$out" | tr '\n' ' ')" = "0 1 2 " ] || t_fail "-u $u: [$out]"
  done
  t_end
fi
t_begin "--init: a command that cannot be exec'd is said as without it (126); --ulimit fsize=1 does not hinder PID 1"
cocin run --rm --init busybox /etc/passwd >"$T/o" 2>&1; rc=$?
[ "$rc" = 126 ] && [ "$(asan_filter <"$T/o")" = 'cocin: run: exec "/etc/passwd": Permission denied' ] || t_fail "rc $rc [$(cat "$T/o")]"
out=$(cocin run --rm --init --ulimit fsize=1 busybox sh -c 'ulimit -f' 2>&1)
[ "$(asan_filter <<<"$out")" = 0 ] || t_fail "fsize: [$out]"
t_end

t_begin "--init: an orphan is reaped; a missing command is said as without it (127)"
out=$(cocin run --rm --init busybox sh -c 'sh -c "sleep 0.3 & echo \$! >/orphan"; p=$(cat /orphan); for i in $(seq 100); do [ -e /proc/$p ] || { echo reaped; break; }; usleep 100000; done' 2>/dev/null)
[ "$out" = reaped ] || t_fail "orphan: [$out]"
cocin run --rm --init busybox nosuchcmd >"$T/o" 2>&1; rc=$?
out=$(asan_filter <"$T/o")
[ "$rc" = 127 ] && [ "$out" = 'cocin: run: exec "nosuchcmd": executable file not found in $PATH' ] || t_fail "rc $rc [$out]"
t_end

# ------------------------------------------------------------ --restart
restart_settled() { # NAME COUNT: ended, COUNT restarts made, none pending, its restarter gone
  [ "$(cfg "$1" '(.status | sub("stopped"; "exited")) + " " + (.restartCount // 0 | tostring) + " " + (.restarting // false | tostring)')" = "exited $2 false" ] &&
    ! pid_alive "$(cfg "$1" .restarterPid)"
}
t_begin "--restart on-failure:2: a failing command runs twice more, then stays exited; counted"
cocin run -d --name "${P}rf" --restart on-failure:2 busybox sh -c 'echo run; exit 3' >/dev/null 2>&1 || t_fail run
wait_long restart_settled "${P}rf" 2 || t_fail "not settled: $(cfgc "${P}rf" .)"
[ "$(grep -c '^run$' "$ROOT/containers/${P}rf/container.log")" = 3 ] || t_fail "log: $(cat "$ROOT/containers/${P}rf/container.log")"
[ "$(cfgc "${P}rf" .restartPolicy)" = '{"name":"on-failure","maximumRetryCount":2}' ] || t_fail "policy $(cfgc "${P}rf" .restartPolicy)"
[ "$(cfg "${P}rf" .exitCode)" = 3 ] && cocin ps -a | grep "${P}rf" | grep -q 'Exited (3)' ||
  t_fail "ps: $(cocin ps -a | grep "${P}rf")"
cocin rm "${P}rf" >/dev/null 2>&1
t_end

t_begin "--restart on-failure leaves an exit 0 alone, and no policy (the default) never restarts"
cocin run -d --name "${P}r0" --restart on-failure busybox true >/dev/null 2>&1 || t_fail run
cocin run -d --name "${P}rn" busybox false >/dev/null 2>&1 || t_fail "run (no policy)"
# the exit and the decision are one write of the record: once exited, settled
for n in "${P}r0" "${P}rn"; do
  wait_for is_exited "$n" || t_fail "$n did not end"
  [ "$(cfg "$n" '.restarting // false')" = false ] && [ "$(cfg "$n" '.restartCount // 0')" = 0 ] || t_fail "$n: $(cfgc "$n" .)"
done
cocin rm "${P}r0" "${P}rn" >/dev/null 2>&1
t_end

t_begin "--restart always: restarts after exit 0; ps and ps -f status=restarting see it; stop takes it back"
cocin run -d --name "${P}ra" --restart always busybox sh -c 'echo r; exit 0' >/dev/null 2>&1 || t_fail run
wait_long sh -c "[ \$(jq '.restartCount // 0' '$ROOT/containers/${P}ra/config.json') -ge 3 ]" || t_fail "restarts: $(cfgc "${P}ra" .)"
# (listed without -a, as docker lists a restarting container)
wait_long sh -c "'$COCIN' --root '$ROOT' ps | grep '${P}ra' | grep -q 'Restarting (0)'" || t_fail "ps: $(cocin ps -a | grep "${P}ra")"
wait_long sh -c "'$COCIN' --root '$ROOT' ps -q -f status=restarting | grep -qx '$(cfg "${P}ra" .id | cut -c1-12)'" || t_fail "ps -f status=restarting"
wait_long sh -c "'$COCIN' --root '$ROOT' inspect -f '{{.State.Status}} {{.State.Restarting}}' '${P}ra' | grep -qx 'restarting true'" ||
  t_fail "inspect's State.Status: $(cocin inspect -f '{{.State.Status}} {{.State.Restarting}}' "${P}ra")"
cocin stop "${P}ra" >"$T/o" 2>&1 || t_fail "stop: $(cat "$T/o")"
n=$(cfg "${P}ra" '.restartCount // 0')
# whatever was under way when stop came (a start, at most) ends, then nothing more
wait_long restart_settled "${P}ra" "$n" || wait_long restart_settled "${P}ra" "$((n + 1))" ||
  t_fail "after stop: $(cfgc "${P}ra" .)"
[ "$(grep -c '^r$' "$ROOT/containers/${P}ra/container.log")" = "$(( $(cfg "${P}ra" '.restartCount // 0') + 1 ))" ] ||
  t_fail "runs: log $(grep -c . "$ROOT/containers/${P}ra/container.log"), count $(cfg "${P}ra" .restartCount)"
cocin rm "${P}ra" >/dev/null 2>&1
t_end

t_begin "--restart: kill ends it for good; kill -s HUP leaves the policy on (the command ends, it restarts)"
cocin run -d --init --name "${P}rk" --restart always busybox sleep 1000 >/dev/null 2>&1 || t_fail run
wait_for is_running "${P}rk" || t_fail "not running"
cocin kill -s HUP "${P}rk" >/dev/null 2>&1 || t_fail "kill -s HUP"
wait_long sh -c "[ \"\$(jq -r '.status + \" \" + (.restartCount // 0 | tostring)' '$ROOT/containers/${P}rk/config.json')\" = 'running 1' ]" ||
  t_fail "HUP: $(cfgc "${P}rk" .)"
cocin kill "${P}rk" >/dev/null 2>&1 || t_fail kill
wait_long restart_settled "${P}rk" 1 || t_fail "after kill: $(cfgc "${P}rk" .)"
[ "$(cfg "${P}rk" .exitCode)" = 137 ] || t_fail "exit $(cfg "${P}rk" .exitCode)"
# a start of the user's clears kill's mark: the policy is on again
cocin start "${P}rk" >/dev/null 2>&1 && wait_for is_running "${P}rk" || t_fail start
[ "$(cfg "${P}rk" '.noRestart // false')" = false ] || t_fail "mark kept: $(cfgc "${P}rk" .)"
cocin rm -f "${P}rk" >/dev/null 2>&1
t_end

t_begin "--restart: a start of the user's while one waits starts it at once and counts from 0; rm ends the wait"
mkdir -p "$T/rs"
cocin run -d --name "${P}rs" --restart always -v "$T/rs:/rs" busybox sh -c '[ -e /rs/stay ] && exec sleep 1000; exit 1' >/dev/null 2>&1 || t_fail run
# the wait doubles: from the sixth on it is 3.2 s or more
wait_long sh -c "[ \$(jq '.restartDelay // 0' '$ROOT/containers/${P}rs/config.json') -ge 3200 ] && [ \$(jq -r .restarting '$ROOT/containers/${P}rs/config.json') = true ]" ||
  t_fail "no long wait: $(cfgc "${P}rs" .)"
waiter=$(cfg "${P}rs" .restarterPid)
touch "$T/rs/stay"
cocin start "${P}rs" >"$T/o" 2>&1 || t_fail "start: $(cat "$T/o")"
wait_for is_running "${P}rs" || t_fail "not running: $(cfgc "${P}rs" .)"
[ "$(cfg "${P}rs" '.restartCount // 0')" = 0 ] || t_fail "count: $(cfgc "${P}rs" .)"
wait_for sh -c "! kill -0 $waiter" || t_fail "the restarter $waiter still waits"
rm -f "$T/rs/stay"
cocin rm -f "${P}rs" >/dev/null 2>&1
# rm of one waiting to restart (nothing runs: no -f needed) leaves nothing
cocin run -d --name "${P}rr" --restart always busybox false >/dev/null 2>&1 || t_fail "run rr"
wait_long sh -c "[ \$(jq '.restartDelay // 0' '$ROOT/containers/${P}rr/config.json') -ge 3200 ] && [ \$(jq -r .restarting '$ROOT/containers/${P}rr/config.json') = true ]" ||
  t_fail "rr: no long wait: $(cfgc "${P}rr" .)"
waiter=$(cfg "${P}rr" .restarterPid)
cocin rm "${P}rr" >"$T/o" 2>&1 || t_fail "rm: $(cat "$T/o")"
wait_for sh -c "! kill -0 $waiter" || t_fail "the restarter $waiter outlived rm"
[ ! -e "$ROOT/containers/${P}rr" ] || t_fail "rr is still there"
t_end

t_begin "--restart: kill of one waiting to restart takes the restart back (docker's kill of a restarting one); kill -s HUP has nothing to reach"
cocin run -d --name "${P}rw" --restart always busybox false >/dev/null 2>&1 || t_fail run
wait_long sh -c "[ \$(jq '.restartDelay // 0' '$ROOT/containers/${P}rw/config.json') -ge 1600 ] && [ \$(jq -r .restarting '$ROOT/containers/${P}rw/config.json') = true ]" ||
  t_fail "no long wait: $(cfgc "${P}rw" .)"
waiter=$(cfg "${P}rw" .restarterPid)
cocin kill -s HUP "${P}rw" >"$T/o" 2>&1; rc=$?
[ "$rc" = 1 ] && [ "$(asan_filter <"$T/o")" = "cocin: container ${P}rw is not running" ] || t_fail "HUP: rc $rc [$(cat "$T/o")]"
n=$(cfg "${P}rw" '.restartCount // 0')
cocin kill "${P}rw" >"$T/o" 2>&1 || t_fail "kill: $(cat "$T/o")"
wait_for sh -c "! kill -0 $waiter" || t_fail "the restarter $waiter outlived kill"
# (the wait was taken back, or the start it had begun was killed: one more at most)
restart_settled "${P}rw" "$n" || restart_settled "${P}rw" "$((n + 1))" || t_fail "after kill: $(cfgc "${P}rw" .)"
cocin rm "${P}rw" >"$T/o" 2>&1 || t_fail "rm: $(cat "$T/o")"
t_end

t_begin "update --restart: a policy for an exited container's next ends; --restart no ends a loop; bad ones"
cocin run -d --name "${P}ru" busybox sh -c 'exit 2' >/dev/null 2>&1 || t_fail run
wait_for is_exited "${P}ru" || t_fail "did not end"
out=$(cocin update --restart on-failure:1 "${P}ru" 2>&1); [ "$(asan_filter <<<"$out")" = "${P}ru" ] || t_fail "update: [$out]"
[ "$(cfgc "${P}ru" .restartPolicy)" = '{"name":"on-failure","maximumRetryCount":1}' ] || t_fail "policy $(cfgc "${P}ru" .restartPolicy)"
cocin start "${P}ru" >/dev/null 2>&1 || t_fail start
wait_long restart_settled "${P}ru" 1 || t_fail "not restarted once: $(cfgc "${P}ru" .)"
cocin run -d --name "${P}rl" --restart always busybox false >/dev/null 2>&1 || t_fail "run rl"
wait_long sh -c "[ \$(jq '.restartCount // 0' '$ROOT/containers/${P}rl/config.json') -ge 2 ]" || t_fail "rl: no loop"
cocin update --restart no "${P}rl" >"$T/o" 2>&1 || t_fail "update no: $(cat "$T/o")"
n=$(cfg "${P}rl" '.restartCount // 0')
wait_long restart_settled "${P}rl" "$n" || wait_long restart_settled "${P}rl" "$((n + 1))" || t_fail "rl: still restarting: $(cfgc "${P}rl" .)"
[ "$(cfg "${P}rl" .restartPolicy)" = null ] || t_fail "rl: policy kept $(cfgc "${P}rl" .restartPolicy)"
says1 'cocin: update: invalid --restart "later": no, on-failure[:MAX-RETRIES], always or unless-stopped' update --restart later "${P}ru"
cocin run -d --rm --name "${P}rm" busybox sleep 100 >/dev/null 2>&1 || t_fail "run --rm"
says1 "cocin: update ${P}rm: --restart always: it is removed when it ends (--rm), it cannot run again" update --restart always "${P}rm"
[ "$(cfg "${P}rm" .restartPolicy)" = null ] || t_fail "--rm one given a policy"
cocin rm -f "${P}ru" "${P}rl" "${P}rm" >/dev/null 2>&1
t_end

bad_run "run --restart that is no policy" 'run: invalid --restart "sometimes": no, on-failure\[:MAX-RETRIES\], always or unless-stopped' "${P}rb1" \
  cocin run --rm --name "${P}rb1" --restart sometimes busybox true
bad_run "run --restart always:3 (a maximum is on-failure's)" 'run: invalid --restart "always:3": only on-failure takes a maximum of retries' "${P}rb2" \
  cocin run --name "${P}rb2" --restart always:3 busybox true
bad_run "run --restart on-failure:-1" 'run: invalid --restart "on-failure:-1": the maximum of retries is a number from 0' "${P}rb3" \
  cocin run --name "${P}rb3" --restart on-failure:-1 busybox true
bad_run "run --restart with --rm" 'run: --restart always with --rm: a container removed when it ends cannot run again' "${P}rb4" \
  cocin run --rm --name "${P}rb4" --restart always busybox true

t_begin "--tmpfs: a tmpfs of its own, noexec,nosuid,nodev unless said; its options; with --read-only"
cocin run --rm --read-only --tmpfs /scratch --tmpfs /run:size=1m,mode=700,exec busybox sh -c 'grep -E " /(scratch|run) " /proc/mounts | sort; echo x >/scratch/f && cat /scratch/f; touch /nope 2>/dev/null || echo root-ro' >"$T/o" 2>&1 || t_fail "run: $(cat "$T/o")"
out=$(asan_filter <"$T/o")
grep -E '^tmpfs /run tmpfs rw,nosuid,nodev,.*size=1024k.*mode=700' <<<"$out" | grep -qv noexec || t_fail "/run: [$out]"
grep -E '^tmpfs /scratch tmpfs rw,nosuid,nodev,noexec' <<<"$out" >/dev/null || t_fail "/scratch: [$out]"
[ "$(tail -2 <<<"$out" | tr '\n' ' ')" = "x root-ro " ] || t_fail "writes: [$out]"
# kept in the record: a start mounts it again, empty
cocin create --name "${P}tf" --tmpfs /t busybox sh -c 'ls -A /t; touch /t/f; grep -c " /t tmpfs " /proc/mounts' >/dev/null 2>&1 || t_fail create
cocin start "${P}tf" >/dev/null 2>&1; wait_for is_exited "${P}tf"
cocin start "${P}tf" >/dev/null 2>&1; wait_for sh -c "[ \$(grep -c . '$ROOT/containers/${P}tf/container.log') = 2 ]"
[ "$(cat "$ROOT/containers/${P}tf/container.log")" = "$(printf '1\n1')" ] || t_fail "start again: $(cat "$ROOT/containers/${P}tf/container.log")"
[ -e "$ROOT/containers/${P}tf/upper/t/f" ] && t_fail "the tmpfs's file reached the layer"
cocin rm "${P}tf" >/dev/null 2>&1
t_end
bad_run "--tmpfs with a relative path" 'run: invalid --tmpfs "tmp": the path must be absolute' "${P}tf1" \
  cocin run --rm --name "${P}tf1" --tmpfs tmp busybox true
bad_run "--tmpfs with an unknown option" 'run: invalid tmpfs option "size=lots"' "${P}tf2" \
  cocin run --rm --name "${P}tf2" --tmpfs /t:size=lots busybox true
bad_run "--tmpfs over /" 'run: invalid --tmpfs "/": cannot mount over /' "${P}tf3" \
  cocin run --rm --name "${P}tf3" --tmpfs / busybox true
bad_run "--tmpfs where a volume goes" 'run: duplicate mount point: /x' "${P}tf4" \
  cocin run --rm --name "${P}tf4" -v /tmp:/x --tmpfs /x busybox true
bad_run "--tmpfs in /proc" 'run: invalid --tmpfs "/proc/self": not in /proc' "${P}tf5" \
  cocin run --rm --name "${P}tf5" --tmpfs /proc/self busybox true
mkdir -p "$T/pv"
bad_run "a volume over the container's /proc/1 is refused: its masks would not hold" \
  "covers the container's /proc/1" "${P}tf6" cocin run --rm --name "${P}tf6" -v "$T/pv:/proc/1" busybox true
t_begin "--tmpfs and volumes nest by depth, whatever their order: a volume inside a tmpfs stays seen"
mkdir -p "$T/nest" && echo deep >"$T/nest/f"
got=$(cocin run --rm -v "$T/nest:/tn/inner" --tmpfs /tn busybox cat /tn/inner/f 2>/dev/null)
[ "$got" = deep ] || t_fail "volume under a tmpfs hidden: [$got]"
got=$(cocin run --rm --tmpfs /tn/a/b --tmpfs /tn busybox sh -c 'grep -c " /tn/a/b tmpfs " /proc/mounts; ls -d /tn/a/b' 2>/dev/null)
[ "$got" = "$(printf '1\n/tn/a/b')" ] || t_fail "tmpfs under a tmpfs hidden: [$got]"
t_end

t_begin "--ulimit: the container's limits, exec's too, kept in the record; a later one for a name wins"
cocin run --rm --ulimit nofile=1024:2048 --ulimit core=0 --ulimit nproc=900 --ulimit nproc=500 busybox sh -c 'ulimit -n; ulimit -Hn; ulimit -c; ulimit -u' >"$T/o" 2>&1 ||
  t_fail "run: $(cat "$T/o")"
[ "$(asan_filter <"$T/o" | tr '\n' ' ')" = "1024 2048 0 500 " ] || t_fail "limits: [$(cat "$T/o")]"
cocin run -d --name "${P}ul" --ulimit nofile=500:600 busybox sleep 100 >/dev/null 2>&1 || t_fail "run -d"
[ "$(cocin exec "${P}ul" sh -c 'echo $(ulimit -n) $(ulimit -Hn)' 2>/dev/null)" = "500 600" ] ||
  t_fail "exec: $(cocin exec "${P}ul" sh -c 'ulimit -n' 2>&1)"
[ "$(cocin inspect -f '{{json .ulimits}}' "${P}ul")" = '[{"name":"nofile","soft":500,"hard":600}]' ] ||
  t_fail "record: $(cocin inspect -f '{{json .ulimits}}' "${P}ul")"
cocin rm -f "${P}ul" >/dev/null 2>&1
t_end
bad_run "--ulimit with the soft limit above the hard" 'run: invalid --ulimit "nofile=2048:1024": the soft limit is above the hard' "${P}ul1" \
  cocin run --rm --name "${P}ul1" --ulimit nofile=2048:1024 busybox true
bad_run "--ulimit of no such resource" 'run: invalid --ulimit "bogus=1": expected NAME=SOFT' "${P}ul2" \
  cocin run --rm --name "${P}ul2" --ulimit bogus=1 busybox true
bad_run "--ulimit above what the kernel allows: the kernel's reason, named" 'run: --ulimit nofile: Operation not permitted' "${P}ul3" \
  cocin run --rm --name "${P}ul3" --ulimit nofile=99999999999 busybox true

t_begin "--shm-size: /dev/shm's size (docker's 64m without it), kept for a start"
[ "$(cocin run --rm busybox df -k /dev/shm 2>&1 | awk 'NR == 2 {print $2}')" = 65536 ] ||
  t_fail "default: $(cocin run --rm busybox df -k /dev/shm 2>&1)"
cocin create --name "${P}shm" --shm-size 1g busybox df -k /dev/shm >/dev/null 2>&1 || t_fail create
cocin start "${P}shm" >/dev/null 2>&1 || t_fail start
wait_for is_exited "${P}shm" || t_fail "start: $(status_of "${P}shm")"
[ "$(awk 'NR == 2 {print $2}' "$ROOT/containers/${P}shm/container.log")" = 1048576 ] ||
  t_fail "1g: $(cat "$ROOT/containers/${P}shm/container.log")"
[ "$(cfg "${P}shm" .shmSize) $(cocin inspect -f '{{.HostConfig.ShmSize}}' "${P}shm")" = "1073741824 1073741824" ] ||
  t_fail "record: $(cfg "${P}shm" .shmSize)"
cocin rm -f "${P}shm" >/dev/null 2>&1
t_end
t_eq "--shm-size 0: docker's default" 65536 "$(cocin run --rm --shm-size 0 busybox df -k /dev/shm 2>&1 | awk 'NR == 2 {print $2}')"
bad_run "--shm-size -1 refused" 'run: --shm-size -1: the size must be a positive number of bytes' "${P}shm1" \
  cocin run --rm --name "${P}shm1" --shm-size -1 busybox true
bad_run "--shm-size of no size refused" 'run: --shm-size 1q: invalid size' "${P}shm2" \
  cocin run --rm --name "${P}shm2" --shm-size 1q busybox true

t_begin "--sysctl: the container's own namespaces' parameters, at each start; the host's stay"
host_fwd=$(cat /proc/sys/net/ipv4/ip_forward) host_shm=$(cat /proc/sys/kernel/shmmax)
out=$(cocin run --name "${P}sc" --sysctl net.ipv4.ip_forward=1 --sysctl kernel.shmmax=1000000 \
  --sysctl "net.ipv4.ip_local_port_range=2000 3000" --sysctl kernel.shmmax=2000000 busybox \
  sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_local_port_range' 2>&1)
[ "$(printf '%s' "$out" | asan_filter | tr '\t\n' '  ')" = "1 2000000 2000 3000 " ] || t_fail "inside: [$out]"
[ "$(cat /proc/sys/net/ipv4/ip_forward) $(cat /proc/sys/kernel/shmmax)" = "$host_fwd $host_shm" ] ||
  t_fail "the host's changed: $(cat /proc/sys/net/ipv4/ip_forward) $(cat /proc/sys/kernel/shmmax)"
[ "$(cfgc "${P}sc" .sysctls)" = '{"net.ipv4.ip_forward":"1","kernel.shmmax":"2000000","net.ipv4.ip_local_port_range":"2000 3000"}' ] ||
  t_fail "record: $(cfgc "${P}sc" .sysctls)"
[ "$(cocin inspect -f '{{json .HostConfig.Sysctls}}' "${P}sc")" = "$(cfgc "${P}sc" .sysctls)" ] ||
  t_fail "inspect: $(cocin inspect -f '{{json .HostConfig.Sysctls}}' "${P}sc")"
cocin start "${P}sc" >/dev/null 2>&1 || t_fail start
wait_for is_exited "${P}sc"
# (the log has the first run's lines too)
[ "$(asan_filter <"$ROOT/containers/${P}sc/container.log" | tail -n 3 | tr '\t\n' '  ')" = "1 2000000 2000 3000 " ] ||
  t_fail "start: [$(cat "$ROOT/containers/${P}sc/container.log")]"
# read-only once it runs, as docker's /proc/sys
o=$(cocin run --rm --sysctl net.ipv4.ip_forward=1 busybox sh -c 'echo 0 >/proc/sys/net/ipv4/ip_forward' 2>&1) &&
  t_fail "written inside: $o"
cocin rm -f "${P}sc" >/dev/null 2>&1
t_end
bad_run "--sysctl outside the container's namespaces refused, named" 'run: invalid --sysctl "kernel.hostname=x": kernel.hostname is not allowed' "${P}sc1" \
  cocin run --rm --name "${P}sc1" --sysctl kernel.hostname=x busybox true
bad_run "--sysctl of the host's vm refused" 'run: invalid --sysctl "vm.swappiness=1": vm.swappiness is not allowed' "${P}sc2" \
  cocin run --rm --name "${P}sc2" --sysctl vm.swappiness=1 busybox true
for k in 'net..ipv4=1' 'net.ipv4/../../x=1' 'net.ipv4.ip_forward' '=1' '.net.x=1'; do
  bad_run "--sysctl \"$k\": no KEY=VALUE of words" "run: invalid --sysctl \"[^\"]*\": expected KEY=VALUE" "${P}sc3" \
    cocin run --rm --name "${P}sc3" --sysctl "$k" busybox true
done
bad_run "--sysctl net.* with --network host refused" 'run: --sysctl net.ipv4.ip_forward with --network host: the network is not the container.s own' "${P}sc4" \
  cocin run --rm --name "${P}sc4" --network host --sysctl net.ipv4.ip_forward=1 busybox true
bad_run "--sysctl of a parameter this kernel lacks: said at the start" 'run: --sysctl net.nope.x: this kernel has no such parameter' "${P}sc5" \
  cocin run --rm --name "${P}sc5" --sysctl net.nope.x=1 busybox true
bad_run "--sysctl value the kernel refuses: its reason" 'run: --sysctl kernel.shmmax=abc: the kernel refused the value: Invalid argument' "${P}sc6" \
  cocin run --rm --name "${P}sc6" --sysctl kernel.shmmax=abc busybox true

t_begin "--cidfile: the id written (no newline), for run -d, a foreground run and create"
cocin run -d --name "${P}cid" --cidfile "$T/cid1" busybox sleep 100 >"$T/cidout" 2>&1 || t_fail "run -d: $(cat "$T/cidout")"
[ "$(cat "$T/cid1")" = "$(cfg "${P}cid" .id)" ] && [ "$(cat "$T/cidout")" = "$(cat "$T/cid1")" ] &&
  [ "$(wc -l <"$T/cid1")" = 0 ] || t_fail "run -d: [$(cat "$T/cid1")]"
cocin rm -f "${P}cid" >/dev/null 2>&1
[ "$(cocin run --name "${P}cid2" --cidfile "$T/cid2" busybox sh -c 'exit 3' 2>&1; echo $?)" = 3 ] || t_fail "foreground's code"
[ "$(cat "$T/cid2")" = "$(cfg "${P}cid2" .id)" ] || t_fail "foreground: [$(cat "$T/cid2")]"
cocin rm -f "${P}cid2" >/dev/null 2>&1
cocin create --name "${P}cid3" --cidfile "$T/cid3" busybox true >/dev/null 2>&1 || t_fail create
[ "$(cat "$T/cid3")" = "$(cfg "${P}cid3" .id)" ] || t_fail "create: [$(cat "$T/cid3")]"
cocin rm -f "${P}cid3" >/dev/null 2>&1
t_end
echo kept >"$T/cidx"
bad_run "--cidfile of a file there already: docker's words, the file kept" "run: container ID file found, make sure the other container isn't running or delete $T/cidx" "${P}cid4" \
  cocin run --rm --name "${P}cid4" --cidfile "$T/cidx" busybox true
t_eq "--cidfile there already: kept as it was" kept "$(cat "$T/cidx")"
bad_run "--cidfile of a run that fails: the file gone again" 'run: exec "/nonexist": executable file not found' "${P}cid5" \
  cocin run --rm --name "${P}cid5" --cidfile "$T/cid5" busybox /nonexist
t_ok "--cidfile of a run that fails: no file" test ! -e "$T/cid5"
bad_run "--cidfile in a missing directory: said" "run: --cidfile $T/nodir/cid: No such file or directory" "${P}cid6" \
  cocin run --rm --name "${P}cid6" --cidfile "$T/nodir/cid" busybox true

t_begin "stop several names at once"
cocin run -d --name "${P}m1" busybox sleep 1000 >/dev/null 2>&1
cocin run -d --name "${P}m2" busybox sleep 1000 >/dev/null 2>&1
cocin stop -t 1 "${P}m1" "${P}m2" >"$T/o" 2>&1 || t_fail "stop: $(cat "$T/o")"
is_exited "${P}m1" || t_fail "m1 $(status_of "${P}m1")"
is_exited "${P}m2" || t_fail "m2 $(status_of "${P}m2")"
cocin rm "${P}m1" "${P}m2" >"$T/o" 2>&1 || t_fail "rm: $(cat "$T/o")"
t_end

t_begin "kill -s HUP delivers HUP"
cocin run -d --name "${P}hup" busybox sh -c 'trap "echo got-hup; exit 9" HUP; echo armed; while :; do sleep 0.1; done' >/dev/null 2>&1
wait_for grep -q armed "$ROOT/containers/${P}hup/container.log" || t_fail "not armed"
cocin kill -s HUP "${P}hup" >"$T/o" 2>&1 || t_fail "kill: $(cat "$T/o")"
wait_for is_exited "${P}hup" || t_fail "did not exit"
grep -q got-hup "$ROOT/containers/${P}hup/container.log" || t_fail "no got-hup in log"
[ "$(cfg "${P}hup" .exitCode)" = 9 ] || t_fail "exitCode $(cfg "${P}hup" .exitCode)"
t_end

t_begin "kill -s SIGUSR1 / numeric signal spelling accepted"
cocin run -d --name "${P}usr" busybox sh -c 'trap "echo u1" USR1; trap "echo u2; exit 0" USR2; echo armed; while :; do sleep 0.1; done' >/dev/null 2>&1
wait_for grep -q armed "$ROOT/containers/${P}usr/container.log"
cocin kill -s SIGUSR1 "${P}usr" >"$T/o" 2>&1 || t_fail "SIGUSR1: $(cat "$T/o")"
wait_for grep -q u1 "$ROOT/containers/${P}usr/container.log" || t_fail "no u1"
cocin kill -s 12 "${P}usr" >"$T/o" 2>&1 || t_fail "-s 12: $(cat "$T/o")"
wait_for is_exited "${P}usr" || t_fail "USR2 (12) did not end it"
t_end
t_err "kill -s bogus signal" 'signal' cocin kill -s NOSUCHSIG "${P}d1"

t_begin "kill default is KILL"
cocin run -d --name "${P}kl" busybox sleep 1000 >/dev/null 2>&1
pid=$(cfg "${P}kl" .pid)
cocin kill "${P}kl" >"$T/o" 2>&1 || t_fail "kill: $(cat "$T/o")"
wait_for is_exited "${P}kl" || t_fail "still $(status_of "${P}kl")"
pid_alive "$pid" && t_fail "pid alive"
[ "$(cfg "${P}kl" .exitCode)" = 137 ] || t_fail "exitCode $(cfg "${P}kl" .exitCode)"
t_end
t_err "kill of an exited container fails" 'not running|exited|no such process' cocin kill "${P}kl"

t_begin "rm of a running container without -f fails, rm -f works"
pid=$(cfg "${P}d1" .pid); cgs=$(cgroup_paths "${P}d1")
[ -n "$cgs" ] || t_fail "no cgroup paths recorded"
cocin rm "${P}d1" >"$T/o" 2>&1 && t_fail "rm succeeded"
grep -qiE 'running' "$T/o" || t_fail "message: $(cat "$T/o")"
[ "$(grep -c . "$T/o")" = 1 ] || t_fail "not one line: $(cat "$T/o")"
[ -d "$ROOT/containers/${P}d1" ] || t_fail "container dir gone"
[ "$(status_of "${P}d1")" = running ] || t_fail "status $(status_of "${P}d1")"
pid_alive "$pid" || t_fail "process died"
cocin rm -f "${P}d1" >"$T/o" 2>&1 || t_fail "rm -f: $(cat "$T/o")"
[ -e "$ROOT/containers/${P}d1" ] && t_fail "dir left after rm -f"
wait_for sh -c "! kill -0 $pid" || t_fail "process $pid survived rm -f"
wait_for no_proc "--name ${P}d1 " ||
  t_fail "monitor survived: $(pgrep -af -- "--name ${P}d1 ")"
left=$(cgroups_gone $cgs) || t_fail "cgroup left: $left"
t_end

for v in stop rm logs kill inspect wait; do
  t_err "$v of unknown container" 'no such container' cocin "$v" "${P}nosuch"
done
t_err "exec of unknown container" 'no such container' cocin exec "${P}nosuch" true
t_err "rm -f of unknown container" 'no such container' cocin rm -f "${P}nosuch"
t_err "unknown verb" 'unknown|usage' cocin frobnicate
t_err "ps unknown flag" 'unknown|flag|usage' cocin ps --bogus

# docker's code for a flag it cannot read is 125, every verb's; what the
# verb then fails at is 1
t_begin "a flag that cannot be read: one line, exit 125, whatever the verb"
for v in "ps" "logs x" "stop x" "kill x" "rm x" "start x" "restart x" "pause x" "unpause x" \
  "wait x" "inspect x" "top x" "port x" "rename x y" "cp x:/a /tmp/b" "diff x" "commit x y" \
  "update x" "stats --no-stream" "export x" "import - x" "images" "rmi x" "volume ls" \
  "volume rm x" "system df" "system prune" "container ls" "image ls" "info" "version" \
  "run busybox true" "create busybox true" "exec x true"; do
  read -r -a w <<<"$v"
  case ${w[0]} in volume | system | container | image) n=2 ;; *) n=1 ;; esac # (VERB SUBVERB)
  for bad in --bogus -Z; do
    cocin "${w[@]:0:n}" "$bad" "${w[@]:n}" </dev/null >"$T/o" 2>"$T/e"
    rc=$?
    [ "$rc" = 125 ] || t_fail "$v $bad: exit $rc"
    # (container ls says ps's, image ls images')
    [ "$(wc -l <"$T/e")" = 1 ] && grep -q "^cocin: [a-z ]*: unknown \(shorthand \)\?flag.*${bad#--}" "$T/e" ||
      t_fail "$v $bad: [$(cat "$T/e")]"
    [ -s "$T/o" ] && t_fail "$v $bad: output [$(head -c 200 "$T/o")]"
  done
done
for args in "logs --tail" "stop -t" "ps --format" "kill -s"; do
  read -r -a w <<<"$args"
  cocin "${w[@]}" >/dev/null 2>"$T/e"
  rc=$?
  [ "$rc" = 125 ] && grep -q 'flag needs an argument' "$T/e" || t_fail "$args: exit $rc [$(cat "$T/e")]"
done
for args in "stop -t x" "restart --time=1.5"; do # (docker's int flags)
  read -r -a w <<<"$args"
  cocin "${w[@]}" "${P}nosuch" >/dev/null 2>"$T/e"
  rc=$?
  [ "$rc" = 125 ] && grep -q 'invalid timeout' "$T/e" || t_fail "$args: exit $rc [$(cat "$T/e")]"
done
"$COCIN" --root >/dev/null 2>"$T/e"; rc=$?
[ "$rc" = 125 ] && [ "$(cat "$T/e")" = "cocin: flag needs an argument: --root" ] || t_fail "--root alone: exit $rc [$(cat "$T/e")]"
cocin --bogus ps >/dev/null 2>"$T/e"; rc=$?
[ "$rc" = 125 ] && [ "$(cat "$T/e")" = "cocin: unknown global flag: --bogus (see cocin --help)" ] ||
  t_fail "global: exit $rc [$(cat "$T/e")]"
cocin stop "${P}nosuch" 2>/dev/null; rc=$?
[ "$rc" = 1 ] || t_fail "stop of no such container: exit $rc, want 1"
cocin logs x y 2>/dev/null; rc=$?
[ "$rc" = 1 ] || t_fail "logs with two names: exit $rc, want 1"
t_end

t_begin "rm of several, one unknown: the known ones are removed, exit non-zero"
cocin run --name "${P}r1" busybox true >/dev/null 2>&1
cocin rm "${P}r1" "${P}nosuch" >"$T/o" 2>&1 && t_fail "succeeded"
grep -q 'no such container' "$T/o" || t_fail "msg: $(cat "$T/o")"
[ -e "$ROOT/containers/${P}r1" ] && t_fail "r1 not removed"
t_end

t_begin "wait prints the exit code"
cocin run -d --name "${P}w" busybox sh -c 'sleep 0.5; exit 5' >/dev/null 2>&1
got=$(cocin wait "${P}w" 2>&1)
[ "$got" = 5 ] || t_fail "got [$got]"
is_exited "${P}w" || t_fail "status after wait: $(status_of "${P}w")"
got=$(cocin wait "${P}w" 2>&1)
[ "$got" = 5 ] || t_fail "wait of an already-exited container: [$got]"
t_end

t_begin "wait of several names prints each code in order"
cocin run -d --name "${P}w1" busybox sh -c 'exit 1' >/dev/null 2>&1
cocin run -d --name "${P}w2" busybox sh -c 'sleep 0.3; exit 2' >/dev/null 2>&1
got=$(cocin wait "${P}w1" "${P}w2" 2>&1 | tr '\n' ' ')
[ "$got" = "1 2 " ] || t_fail "got [$got]"
t_end

t_begin "wait of a --rm container prints its code, to every waiter, though its record goes"
# it ends when told to (a file in its volume), once both waiters wait
mkdir -p "$T/wrv"
cocin run -d --rm --name "${P}wr" -v "$T/wrv:/g" busybox sh -c 'until [ -e /g/go ]; do usleep 20000; done; exit 4' >/dev/null 2>&1
cocin wait "${P}wr" >"$T/w1" 2>&1 & w1=$!
cocin wait "${P}wr" >"$T/w2" 2>&1 & w2=$!
wait_long sh -c "[ \$(ls -a '$ROOT/containers/${P}wr' | grep -c '^.wait-') = 2 ]" || t_fail "two waiters not seen"
touch "$T/wrv/go"
wait "$w1" || t_fail "first wait failed: $(cat "$T/w1")"
wait "$w2" || t_fail "second wait failed: $(cat "$T/w2")"
[ "$(cat "$T/w1") $(cat "$T/w2")" = "4 4" ] || t_fail "codes [$(cat "$T/w1")] [$(cat "$T/w2")]"
[ ! -e "$ROOT/containers/${P}wr" ] || t_fail "not removed"
o=$(cocin wait "${P}wr" 2>&1) && t_fail "wait after the removal succeeded: $o"
cocin run -d --rm --name "${P}wk" busybox sleep 100 >/dev/null 2>&1
cocin wait "${P}wk" >"$T/w3" 2>&1 & w3=$!
wait_for sh -c "ls -a '$ROOT/containers/${P}wk' | grep -q '^.wait-'" || t_fail "no waiter seen"
cocin kill "${P}wk" >/dev/null 2>&1
wait "$w3"; [ "$(cat "$T/w3")" = 137 ] || t_fail "killed: [$(cat "$T/w3")]"
t_end

t_begin "logs -f ends when its container is removed, though the name is taken again"
cocin run -d --name "${P}lr" busybox sh -c 'echo old; sleep 100' >/dev/null 2>&1
wait_for grep -q old "$ROOT/containers/${P}lr/container.log" || t_fail "no output"
timeout 20 "$COCIN" --root "$ROOT" logs -f "${P}lr" >"$T/lr" 2>&1 & lp=$!
wait_for grep -q old "$T/lr" || t_fail "logs -f printed nothing" # it follows the old one
cocin rm -f "${P}lr" >/dev/null 2>&1
cocin run -d --name "${P}lr" busybox sh -c 'echo new; sleep 100' >/dev/null 2>&1
wait "$lp"; rc=$?
[ "$rc" = 0 ] || t_fail "logs -f went on following (rc $rc)"
[ "$(cat "$T/lr")" = old ] || t_fail "output [$(cat "$T/lr")]"
cocin rm -f "${P}lr" >/dev/null 2>&1
t_end

if command -v strace >/dev/null; then
  t_begin "exec into a container that stops meanwhile: 'not running'"
  for when in enter exit; do # the init dies before / after exec joins its namespaces
    # the container must still run when exec first looks at it: a slow
    # start (ASan, strace, a busy machine) finds it exited, and is tried
    # again with a container that lives longer
    for life in 0.3 1 3; do
      cocin run -d --name "${P}xs" busybox sleep $life >/dev/null 2>&1
      delay=$(awk "BEGIN { print int(($life + 0.5) * 1000000) }")
      out=$(strace -f -qq -o /dev/null -e trace=setns -e inject=setns:delay_$when=$delay \
        "$COCIN" --root "$ROOT" exec "${P}xs" echo hi 2>&1); rc=$?
      cocin rm -f "${P}xs" >/dev/null 2>&1
      [ "$out" = "cocin: container ${P}xs is not running (status: exited)" ] && [ "$rc" = 125 ] ||
        break
    done
    [ "$rc" = 125 ] || t_fail "$when: rc $rc"
    [ "$out" = "cocin: container ${P}xs is not running" ] || t_fail "$when: [$out]"
  done
  t_end
  t_begin "rm -f of a container whose name is taken again meanwhile leaves the new one"
  # strace holds the first rm -f after it has found the old container
  cocin run -d --name "${P}rt" busybox sleep 100 >/dev/null 2>&1
  strace -f -qq -o /dev/null -e trace=poll -e inject=poll:delay_enter=4000000:when=3 \
    "$COCIN" --root "$ROOT" rm -f "${P}rt" >"$T/rt" 2>&1 & sp=$!
  # it has found the old one once it marked it (or, done already, removed it)
  marked() { [ "$(cfg "${P}rt" .removeRequested)" = true ] || [ ! -e "$ROOT/containers/${P}rt/config.json" ]; }
  wait_for marked || t_fail "the first rm -f did not begin"
  cocin rm -f "${P}rt" >/dev/null 2>&1
  nid=$(cocin run -d --name "${P}rt" busybox sleep 100 2>&1)
  wait "$sp" || t_fail "the first rm -f: $(cat "$T/rt")"
  [ "$(cfg "${P}rt" .id)" = "$nid" ] && is_running "${P}rt" || t_fail "the new one was removed: $(status_of "${P}rt")"
  cocin rm -f "${P}rt" >/dev/null 2>&1
  t_end
fi

t_begin "inspect and wait refuse flags they do not have; rm -v is taken"
o=$(cocin inspect -s "${P}w" 2>&1) && t_fail "inspect -s accepted"
[ "$o" = "cocin: inspect: unknown shorthand flag: 's' in -s" ] || t_fail "inspect: [$o]"
# a capital's key docker does not have either is missing, as Go's templates say
[ "$(cocin inspect -f '{{.Nope}} {{.State.Nope}}' "${P}w" 2>&1)" = "<no value> <no value>" ] ||
  t_fail "docker's missing keys: $(cocin inspect -f '{{.Nope}} {{.State.Nope}}' "${P}w" 2>&1)"
o=$(cocin wait --bogus "${P}w" 2>&1) && t_fail "wait --bogus accepted"
[ "$o" = "cocin: wait: unknown flag: --bogus" ] || t_fail "wait: [$o]"
cocin rm -fv "${P}w" >"$T/o" 2>&1 || t_fail "rm -fv: $(cat "$T/o")"
[ ! -e "$ROOT/containers/${P}w" ] || t_fail "rm -fv left it"
t_end

t_begin "detached container without -i gets EOF on stdin"
cocin run -d --name "${P}cat" busybox cat >/dev/null 2>&1
wait_for is_exited "${P}cat" || t_fail "cat still $(status_of "${P}cat")"
[ "$(cfg "${P}cat" .exitCode)" = 0 ] || t_fail "exitCode $(cfg "${P}cat" .exitCode)"
t_end

t_begin "concurrent runs with one name: exactly one wins"
rp=()
for i in 1 2 3 4; do
  cocin run -d --name "${P}race" busybox sleep 1000 >"$T/race$i" 2>&1 &
  rp+=($!)
done
wait "${rp[@]}"
ok=0; for i in 1 2 3 4; do grep -qE '^[0-9a-f]{64}$' "$T/race$i" && ok=$((ok+1)); done
[ $ok = 1 ] || t_fail "$ok runs succeeded: $(cat "$T"/race? | tr '\n' ' ')"
n=$(pgrep -f -- "--name ${P}race busybox sleep 1000" | wc -l)
# the monitor keeps the CLI's argv: one monitor for the one container
pid=$(cfg "${P}race" .pid)
pid_alive "$pid" || t_fail "winner not running"
[ "$n" -le 1 ] || t_fail "$n monitors for one name"
cocin rm -f "${P}race" >/dev/null 2>&1
t_end

t_begin "logs -f ends when the container is removed"
cocin run -d --name "${P}lfr" busybox sleep 1000 >/dev/null 2>&1
cocin logs -f "${P}lfr" >/dev/null 2>&1 &
p=$!; t_track $p
wait_for is_running "${P}lfr"
cocin rm -f "${P}lfr" >/dev/null 2>&1
wait_for sh -c "! kill -0 $p" || t_fail "logs -f still running after rm -f"
t_end

t_begin "--help for each verb"
for v in run exec ps logs stop kill rm wait inspect images import start restart pause unpause stats top; do
  cocin "$v" --help >"$T/o" 2>&1 || t_fail "$v --help exited non-zero"
  grep -qi usage "$T/o" || t_fail "$v --help: $(head -1 "$T/o")"
done
t_end

# ---------------------------------------------------------- the monitor
t_begin "monitor outlives the CLI and records the exit"
# it ends when told to (a file in its volume), after the checks below
mkdir -p "$T/monv"
cocin run -d --name "${P}mon" -v "$T/monv:/g" busybox sh -c 'until [ -e /g/go ]; do usleep 20000; done; exit 4' >"$T/o" 2>&1 &
cli=$!
wait_child $cli; rc=$?
[ "$rc" = 0 ] || t_fail "run -d exited $rc: $(cat "$T/o")"
mp=$(cfg "${P}mon" .monitorPid)
if [ "$(status_of "${P}mon")" = running ]; then
  if pid_alive "$mp"; then
    ppid=$(awk '/^PPid:/{print $2}' /proc/"$mp"/status)
    [ "$ppid" != "$$" ] && [ "$ppid" != "$cli" ] || t_fail "monitor $mp is a child of the test ($ppid)"
    # not in our process group / session either (setsid)
    [ "$(ps -o sid= -p "$mp" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ] || t_fail "monitor in our session"
  else
    t_fail "monitorPid $mp not alive while running"
  fi
else
  t_fail "not running right after run -d: $(status_of "${P}mon")"
fi
touch "$T/monv/go"
wait_long is_exited "${P}mon" || t_fail "exit not recorded"
[ "$(cfg "${P}mon" .exitCode)" = 4 ] || t_fail "exitCode $(cfg "${P}mon" .exitCode)"
[ "$(cfg "${P}mon" .finishedAt)" != null ] || t_fail "finishedAt not set"
wait_for sh -c "! kill -0 $mp" || t_fail "monitor $mp did not exit"
t_end

t_begin "run -d returns with its stdout closed (command substitution)"
# if the monitor kept our stdout pipe, $(...) would wait for the container
cocin run -d --name "${P}cs" busybox sleep 1000 >"$T/csid" 2>&1 &
p=$!
wait_for sh -c "! kill -0 $p" || t_fail "run -d did not return"
exec 9< <(cocin run -d --name "${P}cs2" busybox sleep 1000 2>/dev/null)
read -r -t 10 line <&9
cat <&9 >/dev/null &  # EOF comes only if nobody else holds the pipe
catp=$!
wait_for sh -c "! kill -0 $catp" || { t_fail "pipe held open by monitor/container"; kill "$catp" 2>/dev/null; }
exec 9<&-
cocin rm -f "${P}cs" "${P}cs2" >/dev/null 2>&1
t_end

t_begin "pid reuse: stop/kill do not signal an unrelated process"
cocin run -d --name "${P}pr" busybox sleep 0.2 >/dev/null 2>&1
wait_for is_exited "${P}pr" || t_fail "did not exit"
sleep 1000 &
victim=$!; t_track $victim
cf="$ROOT/containers/${P}pr/config.json"
# pretend the monitor died before recording the exit and the pid was reused
jq --argjson p "$victim" '.status="running" | .pid=$p | .exitCode=null | .finishedAt=null' "$cf" >"$cf.tmp" && mv "$cf.tmp" "$cf"
cocin stop -t 1 "${P}pr" >"$T/o" 2>&1
kill -0 $victim 2>/dev/null || t_fail "stop killed unrelated pid $victim"
cocin kill "${P}pr" >"$T/o" 2>&1
kill -0 $victim 2>/dev/null || t_fail "kill killed unrelated pid $victim"
t_end
t_begin "pid reuse: ps does not show the dead container Up with a reused pid"
cocin ps >"$T/ps" 2>&1
grep -E " ${P}pr " "$T/ps" | grep -q ' Up ' && t_fail "ps shows it Up: $(grep " ${P}pr " "$T/ps")"
t_end
t_begin "pid reuse: rm -f does not signal the unrelated process"
cocin rm -f "${P}pr" >"$T/o" 2>&1 || t_fail "rm -f: $(cat "$T/o")"
kill -0 $victim 2>/dev/null || t_fail "rm -f killed unrelated pid $victim"
kill $victim 2>/dev/null; wait $victim 2>/dev/null
t_end

# ---------------------------------------------------------- images, import
t_begin "import a rootfs tarball as an image and run it"
tar -C "$ROOT/images/busybox/rootfs" -cf "$T/bb.tar" . 2>"$T/o" || t_fail "tar: $(cat "$T/o")"
cocin import "$T/bb.tar" "${P}img" >"$T/o" 2>&1 || t_fail "import: $(cat "$T/o")"
cocin images >"$T/img" 2>&1
grep -qw "${P}img" "$T/img" || t_fail "images lacks it: $(cat "$T/img")"
# docker's columns: IMAGE CREATED SIZE (three digits, powers of 1000)
head -1 "$T/img" | grep -qE '^IMAGE +CREATED +SIZE$' || t_fail "header: $(head -1 "$T/img")"
grep -qE "^${P}img +(Less than a second|[0-9]+ seconds?) ago +[0-9.]+(B|kB|MB|GB)$" "$T/img" ||
  t_fail "row: $(grep "${P}img" "$T/img")"
# -q: the names alone, sorted; what is not an image directory is no image
ln -s "$ROOT/images/busybox" "$ROOT/images/${P}link"; : >"$ROOT/images/${P}file"
cocin images -q >"$T/imgq" 2>&1
grep -qx busybox "$T/imgq" && grep -qx "${P}img" "$T/imgq" && ! grep -q "${P}link\|${P}file" "$T/imgq" &&
  sort -c "$T/imgq" && [ "$(grep -c . "$T/imgq")" = "$(($(grep -c . "$T/img") - 1))" ] || t_fail "-q: $(cat "$T/imgq" | tr '\n' ' ')"
grep -q "${P}link\|${P}file" "$T/img" && t_fail "listed a link or a file"
rm -f "$ROOT/images/${P}link" "$ROOT/images/${P}file"
o=$(cocin images -a 2>&1) && t_fail "images -a accepted"
[ "$o" = "cocin: images: unknown flag: -a" ] || t_fail "images -a: [$o]"
got=$(cocin run --rm "${P}img" echo from-import 2>&1)
[ "$got" = from-import ] || t_fail "run: $got"
gzip -c "$T/bb.tar" >"$T/bb.tar.gz"
cocin import "$T/bb.tar.gz" "${P}imgz" >"$T/o" 2>&1 || t_fail "import .tar.gz: $(cat "$T/o")"
[ "$(cocin run --rm "${P}imgz" echo gz 2>&1)" = gz ] || t_fail "run gz image"
t_end
t_begin "import - reads the tarball from standard input, compressed or not (docker import -)"
cocin import - "${P}imgs" <"$T/bb.tar" >"$T/o" 2>&1 || t_fail "import -: $(cat "$T/o")"
cocin import - "${P}imgsz" <"$T/bb.tar.gz" >"$T/o" 2>&1 || t_fail "import - of a .tar.gz: $(cat "$T/o")"
[ "$(cocin run --rm "${P}imgsz" echo stdin 2>&1)" = stdin ] || t_fail "run the image from stdin"
[ "$(jq -r .source "$ROOT/images/${P}imgs/image.json")" = - ] || t_fail "source: $(cat "$ROOT/images/${P}imgs/image.json")"
o=$(echo not a tarball | cocin import - "${P}imgb" 2>&1) && t_fail "garbage imported"
[ "$(grep -c . <<<"$o")" = 1 ] && grep -q "does not look like a tar archive" <<<"$o" || t_fail "message [$o]"
[ ! -e "$ROOT/images/${P}imgb" ] || t_fail "a failed import left an image"
[ -z "$(ls -A "$ROOT/images" | grep '^\.tmp')" ] || t_fail "temporary left: $(ls -A "$ROOT/images")"
t_end
t_err "import of a missing tarball" "$T/nosuch.tar|no such file" cocin import "$T/nosuch.tar" "${P}img2"
t_eq "failed import leaves no image" no "$([ -e "$ROOT/images/${P}img2" ] && echo yes || echo no)"
t_begin "import of something that is no tarball: one line naming tar's reason, no image"
echo garbage >"$T/garbage.tar"
for src in "$T/garbage.tar" "$T"; do
  cocin import "$src" "${P}img3" >"$T/o" 2>&1 && t_fail "import $src succeeded"
  [ "$(grep -c . "$T/o")" = 1 ] || t_fail "import $src: not one line: $(cat "$T/o")"
  grep -q "^cocin: image ${P}img3: tar failed (status 2): tar: " "$T/o" || t_fail "import $src: $(cat "$T/o")"
  [ -e "$ROOT/images/${P}img3" ] && t_fail "import $src left an image"
done
t_end
t_eq "IMAGE:latest is the image (docker's default tag)" latest "$(cocin run --rm busybox:latest echo latest 2>&1)"
t_err "another tag is refused, saying why" 'no tags but :latest' cocin run --rm busybox:1.36 true
t_err "import with an invalid image name" 'invalid|name' cocin import "$T/bb.tar" "../evil"
t_begin "import over an image replaces it, as docker moves a tag; not one a container uses"
ino=$(stat -c %i "$ROOT/images/${P}imgs")
cocin import "$T/bb.tar.gz" "${P}imgs" >"$T/o" 2>&1 || t_fail "replace: $(cat "$T/o")"
[ "$(stat -c %i "$ROOT/images/${P}imgs")" != "$ino" ] || t_fail "not replaced"
[ "$(jq -r .source "$ROOT/images/${P}imgs/image.json")" = "$(readlink -f "$T/bb.tar.gz")" ] ||
  t_fail "source: $(cat "$ROOT/images/${P}imgs/image.json")"
cocin create --name "${P}imgu" "${P}imgs" true >/dev/null 2>&1 || t_fail create
o=$(cocin import "$T/bb.tar" "${P}imgs" 2>&1) && t_fail "replaced under a container"
[ "$o" = "cocin: import: image ${P}imgs is used by container ${P}imgu (created): commit or import to another name" ] ||
  t_fail "message [$o]"
cocin rm "${P}imgu" >/dev/null 2>&1
ls -A "$ROOT/images" | grep -q '^\.\(tmp\|rm\)-' && t_fail "left: $(ls -A "$ROOT/images")"
t_end

# ---------------------------------------------------------- two roots
t_begin "same name in two state roots runs side by side"
R2=$T/root2; mkdir -p "$R2"
cocin run -d --name "${P}same" busybox sleep 1000 >/dev/null 2>&1 || t_fail "first root"
"$COCIN" --root "$R2" run -d --name "${P}same" busybox sleep 1000 >"$T/o" 2>&1 || t_fail "second root: $(cat "$T/o")"
"$COCIN" --root "$R2" rm -f "${P}same" >/dev/null 2>&1
[ "$(status_of "${P}same")" = running ] || t_fail "first container disturbed: $(status_of "${P}same")"
cocin rm -f "${P}same" >/dev/null 2>&1
t_end

t_begin "COCIN_ROOT environment selects the root"
got=$(COCIN_ROOT=$ROOT "$COCIN" ps -a 2>&1 | grep -c " ${P}lg ")
[ "$got" = 1 ] || t_fail "COCIN_ROOT not honoured: $got"
t_end

t_begin "rm removes a directory a dead run left, once it is 30 s old"
# (from the directory's own ctime, which rm judges by: a clock or an entry
# that moved it since LEFT_MADE is waited for, not failed on)
# A wall clock stepped back while we slept (a VM's time sync) makes the
# directory young again: wait for it anew, up to three times.
gone=no
for try in 1 2 3; do
  made=$(stat -c %Z "$ROOT/containers/${P}left" 2>/dev/null || echo "$LEFT_MADE")
  left=$((made + 31 - $(date +%s)))
  [ "$left" -gt 0 ] && sleep "$left"
  if out=$(cocin rm "${P}left" 2>&1); then gone=yes; break; fi
  [ -d "$ROOT/containers/${P}left" ] || break
done
[ "$gone" = yes ] ||
  t_fail "rm: $out (try $try; ctime $(stat -c %Z "$ROOT/containers/${P}left" 2>&1), now $(date +%s), made at $LEFT_MADE)"
[ -e "$ROOT/containers/${P}left" ] && t_fail "still there"
t_end

# ---------------------------------------------------------- cp
t_begin "cp: host to a running container and back: files, directories, modes, symlinks"
cocin run -d --name "${P}cp" -w /work busybox sleep 1000 >/dev/null 2>&1 || t_fail run
S=$T/cpsrc; rm -rf "$S"; mkdir -p "$S/d/sub"; echo hi >"$S/d/f"; echo g >"$S/d/sub/g"
chmod 640 "$S/d/f"; chmod 711 "$S/d/sub"; ln -s ../f "$S/d/sub/up"
cocin cp "$S/d" "${P}cp:/tmp/" >"$T/o" 2>&1 || t_fail "dir into /tmp/: $(cat "$T/o")"
[ -s "$T/o" ] && t_fail "cp printed: $(cat "$T/o")"
[ "$(cocin exec "${P}cp" cat /tmp/d/f /tmp/d/sub/g 2>&1)" = "$(printf 'hi\ng')" ] || t_fail "contents"
[ "$(cocin exec "${P}cp" stat -c %a /tmp/d/f /tmp/d/sub 2>&1 | tr '\n' ' ')" = "640 711 " ] || t_fail "modes"
[ "$(cocin exec "${P}cp" readlink /tmp/d/sub/up 2>&1)" = ../f ] || t_fail "symlink not kept as one"
cocin cp "$S/d/." "${P}cp:/opt/" >/dev/null 2>&1 || t_fail "DIR/. into a directory"
[ "$(cocin exec "${P}cp" ls /opt 2>&1 | tr '\n' ' ')" = "f sub " ] || t_fail "/. copied [$(cocin exec "${P}cp" ls /opt 2>&1)]"
cocin cp "$S/d" "${P}cp:/newdir" >/dev/null 2>&1 || t_fail "dir to a new name"
[ "$(cocin exec "${P}cp" cat /newdir/f 2>&1)" = hi ] || t_fail "new dir's contents"
cocin cp "$S/d/f" "${P}cp:/etc/renamed" >/dev/null 2>&1 || t_fail "file to a new name"
[ "$(cocin exec "${P}cp" cat /etc/renamed 2>&1)" = hi ] || t_fail "renamed file"
# a relative container path is from its root, as docker takes it (not -w's /work)
cocin cp "$S/d/f" "${P}cp:rel" >/dev/null 2>&1 || t_fail "relative path"
[ "$(cocin exec "${P}cp" cat /rel 2>&1)" = hi ] || t_fail "relative: not in /"
# and back: owned by the copier (root) unless -a
cocin exec "${P}cp" sh -c 'mkdir -p /out/x; echo back >/out/x/b; chown -R 1234:5678 /out; ln -s /etc/passwd /out/x/abs' >/dev/null 2>&1
rm -rf "$T/back"
cocin cp "${P}cp:/out" "$T/back" >"$T/o" 2>&1 || t_fail "container to host: $(cat "$T/o")"
[ "$(cat "$T/back/x/b" 2>&1)" = back ] || t_fail "back: $(ls -R "$T/back" 2>&1)"
[ "$(stat -c %u:%g "$T/back/x/b")" = 0:0 ] || t_fail "owner without -a: $(stat -c %u:%g "$T/back/x/b")"
[ "$(readlink "$T/back/x/abs")" = /etc/passwd ] || t_fail "the symlink itself"
rm -rf "$T/back"
cocin cp -a "${P}cp:/out" "$T/back" >/dev/null 2>&1 || t_fail "cp -a"
[ "$(stat -c %u:%g "$T/back/x/b")" = 1234:5678 ] || t_fail "owner with -a: $(stat -c %u:%g "$T/back/x/b")"
chown 4321:8765 "$S/d/f"
cocin cp -a "$S/d/f" "${P}cp:/tmp/own" >/dev/null 2>&1
[ "$(cocin exec "${P}cp" stat -c %u:%g /tmp/own 2>&1)" = 4321:8765 ] || t_fail "into with -a"
cocin cp "$S/d/f" "${P}cp:/tmp/own2" >/dev/null 2>&1
[ "$(cocin exec "${P}cp" stat -c %u:%g /tmp/own2 2>&1)" = 0:0 ] || t_fail "into without -a"
t_end

t_begin "cp: a container's symlinks never reach the host's files"
echo host-secret >"$T/secret"; echo host-file >"$T/hostfile"
cocin exec "${P}cp" sh -c "ln -s $T/secret /tmp/evil; ln -s $T/hostfile /tmp/hl; ln -s $T /tmp/ld" >/dev/null 2>&1
rm -f "$T/got"
cocin cp "${P}cp:/tmp/evil" "$T/got" >/dev/null 2>&1 || t_fail "the link itself"
[ "$(readlink "$T/got")" = "$T/secret" ] && [ -L "$T/got" ] || t_fail "not copied as a link"
rm -f "$T/got"
out=$(cocin cp -L "${P}cp:/tmp/evil" "$T/got" 2>&1) && t_fail "-L read the host's file: $(cat "$T/got")"
grep -q "No such file" <<<"$out" || t_fail "-L: [$out]"
[ -e "$T/got" ] && t_fail "-L made $(cat "$T/got")"
cocin cp "$S/d/f" "${P}cp:/tmp/hl" >/dev/null 2>&1
[ "$(cat "$T/hostfile")" = host-file ] || t_fail "a write through a symlink reached the host"
cocin cp "$S/d/f" "${P}cp:/tmp/ld/planted" >/dev/null 2>&1
[ -e "$T/planted" ] && t_fail "a write through a symlinked directory reached the host"
cocin cp "${P}cp:/tmp/ld/secret" "$T/got2" >/dev/null 2>&1 && t_fail "a read through a symlinked directory: $(cat "$T/got2")"
# ".." never climbs out of its root: c:/.. is its root (no state root's files)
rm -rf "$T/up"
cocin cp "${P}cp:/tmp/.." "$T/up" >"$T/o" 2>&1 || t_fail "c:/tmp/..: $(cat "$T/o")"
[ -d "$T/up/tmp/d" ] && [ ! -e "$T/up/containers" ] && [ ! -e "$T/up/upper" ] || t_fail "/tmp/.. is not its root: $(ls "$T/up" | tr '\n' ' ')"
rm -rf "$T/up"
cocin cp "${P}cp:/.." "$T/up" >/dev/null 2>&1 || t_fail "c:/.."
[ -d "$T/up/etc" ] && [ ! -e "$T/up/config.json" ] || t_fail "/.. is not its root: $(ls "$T/up" | tr '\n' ' ')"
# (its root: /proc, /sys and device nodes left out)
[ -d "$T/up/proc" ] && [ -z "$(ls -A "$T/up/proc")" ] && [ ! -e "$T/up/dev/null" ] || t_fail "kernel files copied"
# a device node or a FIFO the container put where cp writes is replaced,
# never written through; one it reads is refused, never read (nor waited on)
cocin exec "${P}cp" sh -c 'mknod /tmp/node c 1 5; mkfifo /tmp/ff; ln -s /tmp/ff /tmp/lf' >"$T/o" 2>&1 || t_fail "mknod: $(cat "$T/o")"
cocin cp "$S/d/f" "${P}cp:/tmp/node" >"$T/o" 2>&1 || t_fail "onto a node: $(cat "$T/o")"
cocin cp "$S/d/f" "${P}cp:/tmp/ff" >"$T/o" 2>&1 || t_fail "onto a FIFO: $(cat "$T/o")"
[ "$(cocin exec "${P}cp" sh -c 'test -f /tmp/node && test -f /tmp/ff && cat /tmp/node /tmp/ff' 2>&1)" = "$(printf 'hi\nhi')" ] ||
  t_fail "not replaced: $(cocin exec "${P}cp" ls -l /tmp/node /tmp/ff 2>&1)"
cocin exec "${P}cp" sh -c 'rm /tmp/node /tmp/ff; mknod /tmp/node c 1 5; mkfifo /tmp/ff' >/dev/null 2>&1
out=$(timeout 20 "$COCIN" --root "$ROOT" cp "${P}cp:/tmp/node" "$T/n" 2>&1) && t_fail "read a node"
[ "$out" = "cocin: cp: /tmp/node: a device, FIFO or socket is not copied" ] || t_fail "node: [$out]"
out=$(timeout 20 "$COCIN" --root "$ROOT" cp -L "${P}cp:/tmp/lf" "$T/n" 2>&1) && t_fail "read a FIFO"
[ "$out" = "cocin: cp: /tmp/lf: a device, FIFO or socket is not copied" ] || t_fail "FIFO: [$out]"
[ -e "$T/n" ] && t_fail "made $T/n"
# the kernel's files are not copied, named or reached by a link
for src in /proc /proc/cpuinfo /sys/kernel; do
  out=$(cocin cp "${P}cp:$src" "$T/k" 2>&1) && t_fail "copied $src"
  [ "$out" = "cocin: cp: $src: the kernel's files (/proc, /sys) are not copied" ] || t_fail "$src: [$out]"
done
cocin exec "${P}cp" ln -s /proc/self/status /tmp/kl >/dev/null 2>&1
out=$(cocin cp -L "${P}cp:/tmp/kl" "$T/k" 2>&1) && t_fail "copied through a link to /proc"
[ -e "$T/k" ] && t_fail "made $T/k"
t_end

t_begin "cp: trailing slashes as docker reads them; set-id bits only with -a"
cocin exec "${P}cp" sh -c 'mkdir -p /tmp/real; echo in >/tmp/real/x; ln -s /tmp/real /tmp/rl; echo f >/tmp/plain; cp /bin/busybox /tmp/suid; chmod 4755 /tmp/suid' >/dev/null 2>&1
rm -rf "$T/ts"; mkdir "$T/ts"
cocin cp "${P}cp:/tmp/rl/" "$T/ts/" >"$T/o" 2>&1 || t_fail "link/: $(cat "$T/o")"
[ -d "$T/ts/rl" ] && [ ! -L "$T/ts/rl" ] && [ "$(cat "$T/ts/rl/x")" = in ] || t_fail "link/ not followed: $(ls -l "$T/ts")"
cocin cp "${P}cp:/tmp/rl" "$T/ts/rl2" >/dev/null 2>&1
[ -L "$T/ts/rl2" ] || t_fail "a link without / is copied as a link"
out=$(cocin cp "${P}cp:/tmp/plain/" "$T/ts/" 2>&1) && t_fail "file/ copied"
[ "$out" = "cocin: cp: /tmp/plain/: not a directory" ] || t_fail "file/: [$out]"
: >"$T/ts/afile"
out=$(cocin cp "$S/d/f" "${P}cp:/tmp/plain/" 2>&1) && t_fail "into file/"
[ "$out" = "cocin: cp: /tmp/plain/: not a directory" ] || t_fail "dst file/: [$out]"
cocin cp "${P}cp:/tmp/suid" "$T/ts/suid" >/dev/null 2>&1
[ "$(stat -c %a "$T/ts/suid")" = 755 ] || t_fail "setuid kept without -a: $(stat -c %a "$T/ts/suid")"
cocin cp -a "${P}cp:/tmp/suid" "$T/ts/suid2" >/dev/null 2>&1
[ "$(stat -c %a "$T/ts/suid2")" = 4755 ] || t_fail "setuid lost with -a: $(stat -c %a "$T/ts/suid2")"
rm -rf "$T/ts"
t_end

t_begin "cp: a stopped container (its layers mounted meanwhile) and a created one"
cocin stop -t 0 "${P}cp" >/dev/null 2>&1
rm -rf "$T/st"
cocin cp "${P}cp:/tmp/d" "$T/st" >"$T/o" 2>&1 || t_fail "out of a stopped one: $(cat "$T/o")"
[ "$(cat "$T/st/f" 2>&1)" = hi ] || t_fail "stopped: $(ls -R "$T/st" 2>&1)"
cocin cp "$S/d/f" "${P}cp:/root/while-stopped" >"$T/o" 2>&1 || t_fail "into a stopped one: $(cat "$T/o")"
grep -q " $ROOT" /proc/mounts && t_fail "a mount left: $(grep " $ROOT" /proc/mounts | head -1)"
cocin start "${P}cp" >/dev/null 2>&1 || t_fail start
[ "$(cocin exec "${P}cp" cat /root/while-stopped /etc/renamed 2>&1)" = "$(printf 'hi\nhi')" ] || t_fail "not in its layer"
cocin create --name "${P}cpc" busybox cat /conf >/dev/null 2>&1 || t_fail create
echo configured >"$T/conf"
cocin cp "$T/conf" "${P}cpc:/conf" >"$T/o" 2>&1 || t_fail "into a created one: $(cat "$T/o")"
cocin start "${P}cpc" >/dev/null 2>&1
wait_for is_exited "${P}cpc"
[ "$(cocin logs "${P}cpc" 2>&1)" = configured ] || t_fail "created: $(cocin logs "${P}cpc" 2>&1)"
cocin rm "${P}cpc" >/dev/null 2>&1
t_end

t_begin "cp: a stopped container's volumes, --read-only, and a container that has just ended"
mkdir -p "$T/vol" "$T/rovol"; echo ro >"$T/rovol/r"
cocin run -d --name "${P}cpv" -v "$T/vol:/data" -v "$T/rovol:/ro:ro" busybox true >/dev/null 2>&1
wait_for is_exited "${P}cpv"
cocin cp "$S/d/f" "${P}cpv:/data/f" >"$T/o" 2>&1 || t_fail "into a stopped one's volume: $(cat "$T/o")"
[ "$(cat "$T/vol/f" 2>&1)" = hi ] || t_fail "not in the volume"
out=$(cocin cp "$S/d/f" "${P}cpv:/ro/f" 2>&1) && t_fail "wrote a read-only volume"
grep -q "Read-only file system" <<<"$out" || t_fail "ro volume: [$out]"
[ -e "$T/rovol/f" ] && t_fail "the ro volume got it"
cocin cp "${P}cpv:/ro/r" "$T/r" >/dev/null 2>&1 && [ "$(cat "$T/r")" = ro ] || t_fail "out of a ro volume"
cocin rm "${P}cpv" >/dev/null 2>&1
# --read-only: its root is not written, running or stopped; its writable
# volume is, as docker's cp writes it
mkdir -p "$T/rwvol"
cocin run -d --name "${P}cpr" --read-only -v "$T/rwvol:/rw" busybox sleep 100 >/dev/null 2>&1
for state in running stopped; do
  [ "$state" = stopped ] && cocin stop -t 0 "${P}cpr" >/dev/null 2>&1
  out=$(cocin cp "$S/d/f" "${P}cpr:/f" 2>&1) && t_fail "into --read-only ($state)"
  grep -q "Read-only file system" <<<"$out" || t_fail "ro ($state): [$out]"
  rm -f "$T/rwvol/f"
  cocin cp "$S/d/f" "${P}cpr:/rw/f" >"$T/o" 2>&1 || t_fail "into its rw volume ($state): $(cat "$T/o")"
  [ "$(cat "$T/rwvol/f" 2>&1)" = hi ] || t_fail "not in the rw volume ($state)"
  cocin cp "${P}cpr:/etc/hostname" "$T/h" >/dev/null 2>&1 || t_fail "out of --read-only ($state)"
done
cocin rm -f "${P}cpr" >/dev/null 2>&1
# just ended: its root or its layers, whichever it finds, never a failure
for i in 1 2 3 4 5; do
  cocin run -d --name "${P}cpe$i" busybox sh -c 'echo made >/o; echo written' >/dev/null 2>&1
  # (the copy comes as it ends: once it has written, not before)
  wait_for grep -q written "$ROOT/containers/${P}cpe$i/container.log" || t_fail "not written ($i)"
  rm -f "$T/o$i"
  cocin cp "${P}cpe$i:/o" "$T/o$i" >"$T/o" 2>&1 || t_fail "just ended ($i): $(cat "$T/o")"
  [ "$(cat "$T/o$i" 2>&1)" = made ] || t_fail "just ended ($i): [$(cat "$T/o$i" 2>&1)]"
done
wait_for sh -c "! grep -q ' $ROOT' /proc/mounts" || t_fail "a mount left"
for i in 1 2 3 4 5; do cocin rm -f "${P}cpe$i" >/dev/null 2>&1; done
t_end

t_begin "cp: a start waits for a copy still at work in the container's last run"
if command -v strace >/dev/null; then
  cocin run -d --name "${P}cpw" busybox sh -c 'echo data >/d; sleep 1000' >/dev/null 2>&1
  wait_for is_running "${P}cpw"
  # strace holds the copy's write for 2 s (the copy's open root keeps the
  # old overlay alive meanwhile); the container is stopped and started
  strace -f -qq -o /dev/null -e trace=sendfile -e inject=sendfile:delay_enter=2000000 \
    "$COCIN" --root "$ROOT" cp "${P}cpw:/d" "$T/slow" >"$T/cpo" 2>&1 &
  cpid=$!
  # the copy is under way once its file is made beside the destination
  wait_for sh -c "ls -A '$T' | grep -q '^\.cocin-cp-'" || t_fail "the copy did not begin"
  cocin stop -t 0 "${P}cpw" >/dev/null 2>&1
  cocin start "${P}cpw" >/dev/null 2>&1 || t_fail "start"
  # the start answered only after the copy was done with the old overlay
  # (its file is in place before it lets go: whether cp has exited since
  # is the scheduler's affair)
  [ "$(cat "$T/slow" 2>/dev/null)" = data ] || t_fail "start returned while the copy still held the old layers"
  wait "$cpid" || t_fail "cp: $(cat "$T/cpo")"
  [ "$(cat "$T/slow" 2>&1)" = data ] || t_fail "copied [$(cat "$T/slow" 2>&1)]"
  cocin rm -f "${P}cpw" >/dev/null 2>&1
else
  t_skip "cp: start waits for a copy" "no strace"
fi
t_end

t_begin "cp: hard links within a tree stay links, both ways"
mkdir -p "$T/hl/d" && echo x >"$T/hl/a" && ln "$T/hl/a" "$T/hl/d/b"
cocin run -d --name "${P}hl" busybox sleep 100 >/dev/null 2>&1
cocin cp "$T/hl" "${P}hl:/t" >/dev/null 2>&1 || t_fail "cp in"
got=$(cocin exec "${P}hl" sh -c 'stat -c %i /t/a /t/d/b | uniq | wc -l; stat -c %h /t/a' 2>&1)
[ "$got" = "$(printf '1\n2')" ] || t_fail "in the container: [$got]"
cocin cp "${P}hl:/t" "$T/hlback" >/dev/null 2>&1 || t_fail "cp out"
[ "$(stat -c %i "$T/hlback/a")" = "$(stat -c %i "$T/hlback/d/b")" ] || t_fail "back on the host: two files"
# one name alone of a linked file is a file of its own
cocin cp "$T/hl/d" "${P}hl:/one" >/dev/null 2>&1 || t_fail "cp of one name"
[ "$(cocin exec "${P}hl" stat -c %h /one/b 2>&1)" = 1 ] || t_fail "one name: links [$(cocin exec "${P}hl" stat -c %h /one/b 2>&1)]"
cocin rm -f "${P}hl" >/dev/null 2>&1
t_end

t_begin "cp: bad inputs say one line, exit 1, and copy nothing"
mkfifo "$T/fifo"
says1 "cocin: cp: copying between containers is not supported" cp "${P}cp:/a" "${P}cp:/b"
says1 "cocin: cp: give one side as CONTAINER:PATH" cp "$S/d/f" "$T/x"
says1 'cocin: cp: "-" (a tar stream) is not supported: give a path' cp "${P}cp:/etc/hostname" -
says1 "cocin: cp: ${P}cp:: no path in the container" cp "${P}cp:" "$T/x"
says1 "cocin: no such container: ${P}nope" cp "${P}nope:/x" "$T/x"
says1 "cocin: cp: /nope: No such file or directory" cp "${P}cp:/nope" "$T/x"
says1 "cocin: cp: $T/nope: No such file or directory" cp "$T/nope" "${P}cp:/tmp/"
says1 "cocin: cp: /nodir/: no such directory" cp "$S/d/f" "${P}cp:/nodir/"
says1 "cocin: cp: /nodir: No such file or directory" cp "$S/d/f" "${P}cp:/nodir/x"
says1 "cocin: cp: cannot copy a directory to a file: /etc/renamed" cp "$S/d" "${P}cp:/etc/renamed"
says1 "cocin: cp: $T/fifo: a device, FIFO or socket is not copied" cp "$T/fifo" "${P}cp:/tmp/"
says1 "cocin: cp: unknown shorthand flag: 'x' in -x" cp -x "$S/d/f" "${P}cp:/tmp/"
says1 "cocin: cp: requires exactly 2 arguments: SRC DST (one of them CONTAINER:PATH)" cp "$S/d/f"
[ -e "$T/x" ] && t_fail "made $T/x"
cocin exec "${P}cp" test -e /nodir >/dev/null 2>&1 && t_fail "made /nodir"
cocin rm -f "${P}cp" >/dev/null 2>&1
t_end

# ---------------------------------------------------------- rename
t_begin "rename: a running container is known by its new name alone; its exit is recorded there"
cocin run -d --name "${P}rn1" -e K=v busybox sleep 100 >/dev/null 2>&1 || t_fail run
host=$(cocin exec "${P}rn1" hostname 2>&1)
out=$(cocin rename "${P}rn1" "${P}rn2" 2>&1); rc=$?
[ "$rc" = 0 ] && [ -z "$out" ] || t_fail "rename: rc $rc [$out]"
[ -d "$ROOT/containers/${P}rn1" ] && t_fail "old directory left"
[ "$(cfg "${P}rn2" .name)" = "${P}rn2" ] || t_fail "record's name [$(cfg "${P}rn2" .name)]"
cocin ps >"$T/ps" 2>&1
grep -q " ${P}rn2 " "$T/ps" && ! grep -q " ${P}rn1 " "$T/ps" || t_fail "ps: $(cat "$T/ps")"
[ "$(cocin exec "${P}rn2" sh -c 'echo $K' 2>&1)" = v ] || t_fail "exec by the new name"
# docker keeps the hostname
[ "$(cocin exec "${P}rn2" hostname 2>&1)" = "$host" ] || t_fail "hostname changed"
out=$(cocin exec "${P}rn1" true 2>&1) && t_fail "exec by the old name worked"
[ "$out" = "cocin: no such container: ${P}rn1" ] || t_fail "old name: [$out]"
cocin kill -s KILL "${P}rn2" >/dev/null 2>&1 || t_fail "kill by the new name"
wait_for is_exited "${P}rn2" || t_fail "never exited: $(status_of "${P}rn2")"
[ "$(cfg "${P}rn2" .exitCode)" = 137 ] || t_fail "exitCode [$(cfg "${P}rn2" .exitCode)] (the monitor lost it?)"
t_end

t_begin "rename: wait and logs -f begun before a rename follow the container"
# it goes on when told to (a file in its volume), after the rename
mkdir -p "$T/rfv"
cocin run -d --name "${P}rf1" -v "$T/rfv:/g" busybox sh -c 'echo one; until [ -e /g/go ]; do usleep 20000; done; echo two; exit 6' >/dev/null 2>&1
"$COCIN" --root "$ROOT" wait "${P}rf1" >"$T/wait" 2>&1 & wpid=$!; t_track "$wpid"
cocin logs -f "${P}rf1" >"$T/logs" 2>&1 & lpid=$!; t_track "$lpid"
wait_for grep -q one "$T/logs"
# the wait has found it once it watches its monitor (a pidfd)
wait_long sh -c "ls -l /proc/$wpid/fd 2>/dev/null | grep -q pidfd" || t_fail "the wait does not watch it"
cocin rename "${P}rf1" "${P}rf2" >/dev/null 2>&1 || t_fail rename
touch "$T/rfv/go"
wait "$wpid"; rc=$?
[ "$rc" = 0 ] && [ "$(cat "$T/wait")" = 6 ] || t_fail "wait: rc $rc [$(cat "$T/wait")]"
wait "$lpid"
[ "$(cat "$T/logs")" = "$(printf 'one\ntwo')" ] || t_fail "logs -f: [$(cat "$T/logs")]"
cocin rm "${P}rf2" >/dev/null 2>&1
t_end

t_begin "rename: a --rm container renamed while it runs is removed when it ends"
cocin run -d --rm --name "${P}rr1" busybox sleep 100 >/dev/null 2>&1
cocin wait "${P}rr1" >"$T/rrw" 2>&1 & rrw=$!; t_track "$rrw"
# (its FIFO made in the container's directory before the rename)
has_fifo() { ls "$ROOT/containers/${P}rr1" 2>/dev/null | grep -q '^\.wait'; }
wait_for has_fifo || ls -a "$ROOT/containers/${P}rr1" >"$T/rrls" 2>&1
cocin rename "${P}rr1" "${P}rr2" >/dev/null 2>&1 || t_fail rename
cocin stop -t 0 "${P}rr2" >/dev/null 2>&1 || t_fail "stop by the new name"
wait "$rrw"
[ "$(cat "$T/rrw")" = 137 ] || t_fail "wait across the rename: [$(cat "$T/rrw")]"
gone_rr() { [ ! -e "$ROOT/containers/${P}rr2" ] && [ ! -e "$ROOT/containers/${P}rr1" ]; }
wait_for gone_rr || t_fail "left: $(list_containers)"
t_end

t_begin "rename: a foreground run passes its signals on to the renamed container"
# (the binary itself, not the cocin function's subshell: its pid gets the signal)
"$COCIN" --root "$ROOT" run --name "${P}fg1" busybox sh -c 'trap "exit 9" INT; sleep 100 & wait' >"$T/fg" 2>&1 &
fpid=$!
t_track "$fpid"
wait_for is_running "${P}fg1" || t_fail "not running"
# its trap is set (SIGINT, bit 1 of SigCgt): a signal before it would be lost
trapped() { local c; c=$(awk '/^SigCgt/ {print $2}' "/proc/$(cfg "${P}fg1" .pid)/status" 2>/dev/null); [ -n "$c" ] && [ $((0x$c & 2)) = 2 ]; }
wait_for trapped || t_fail "no trap"
cocin rename "${P}fg1" "${P}fg2" >/dev/null 2>&1 || t_fail rename
kill -INT "$fpid"
wait "$fpid"; rc=$?
[ "$rc" = 9 ] || t_fail "run exited $rc, not the container's 9: $(cat "$T/fg")"
cocin rm -f "${P}fg2" >/dev/null 2>&1
t_end

t_begin "rename: an exited container, by id prefix; start runs it under the new name"
id=$(cocin run -d --name "${P}re1" busybox sh -c 'hostname' 2>/dev/null)
wait_for is_exited "${P}re1"
cocin rename "${id:0:10}" "${P}re2" >"$T/o" 2>&1 || t_fail "by id: $(cat "$T/o")"
cocin start "${P}re2" >/dev/null 2>&1 || t_fail start
wait_for is_exited "${P}re2"
[ "$(cocin logs "${P}re2" 2>&1 | sort -u)" = "${P}re1" ] || t_fail "logs [$(cocin logs "${P}re2" 2>&1)]"
cocin rm "${P}re2" >/dev/null 2>&1 || t_fail rm
t_end

t_begin "rename: bad inputs say one line, exit 1, and change nothing"
cocin run -d --name "${P}rb1" busybox sleep 100 >/dev/null 2>&1
cocin run -d --name "${P}rb2" busybox sleep 100 >/dev/null 2>&1
says1 "cocin: the container name \"${P}rb2\" is already in use" rename "${P}rb1" "${P}rb2"
says1 "cocin: container ${P}rb1 has that name already" rename "${P}rb1" "${P}rb1"
says1 "cocin: no such container: ${P}nope" rename "${P}nope" "${P}x"
says1 'cocin: invalid container name "../x": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed' rename "${P}rb1" ../x
says1 'cocin: invalid container name "ctl": reserved by cocinfs' rename "${P}rb1" ctl
says1 'cocin: invalid container name "": a name must not be empty' rename "${P}rb1" ""
says1 "cocin: rename: requires exactly 2 arguments: CONTAINER NEW_NAME" rename "${P}rb1"
says1 "cocin: rename: requires exactly 2 arguments: CONTAINER NEW_NAME" rename "${P}rb1" a b
says1 "cocin: rename: unknown shorthand flag: 'f' in -f" rename -f "${P}rb1" x
[ "$(cfg "${P}rb1" .name)" = "${P}rb1" ] && [ "$(cfg "${P}rb2" .name)" = "${P}rb2" ] ||
  t_fail "records changed"
is_running "${P}rb1" && is_running "${P}rb2" || t_fail "not running"
cocin rm -f "${P}rb1" "${P}rb2" >/dev/null 2>&1
t_end

# ---------------------------------------------------------- diff
t_begin "diff: added, changed and deleted paths, sorted, running and exited"
cocin create --name "${P}df" busybox sh -c 'mkdir -p /tmp/a/b; echo x >/tmp/a/b/f; rm /etc/group
  echo >>/etc/passwd; rm -rf /usr/sbin; mkdir /usr/sbin; touch /usr/sbin/new
  ln -s /etc/shadow /lnk; touch "/tmp/two
lines"; sleep 100' >/dev/null 2>&1 || t_fail create
out=$(cocin diff "${P}df" 2>&1); rc=$?
[ "$rc" = 0 ] && [ -z "$out" ] || t_fail "a created container: rc $rc [$out]"
cocin start "${P}df" >/dev/null 2>&1 || t_fail start
has_new() { cocin diff "${P}df" 2>/dev/null | grep -q '^A /usr/sbin/new$'; }
wait_for has_new || t_fail "running: [$(cocin diff "${P}df" 2>&1)]"
cocin stop -t 0 "${P}df" >/dev/null 2>&1
cocin diff "${P}df" >"$T/diff" 2>&1 || t_fail "rc $?: $(cat "$T/diff")"
# the opaque /usr/sbin hides every applet the image had there
grep -q '^D /usr/sbin/httpd$' "$T/diff" || t_fail "no D for a hidden applet"
grep -v '^D /usr/sbin/' "$T/diff" >"$T/rest"
printf '%s\n' 'C /etc' 'D /etc/group' 'C /etc/passwd' 'A /lnk' 'C /tmp' 'A /tmp/a' 'A /tmp/a/b' \
  'A /tmp/a/b/f' 'A /tmp/two?lines' 'C /usr' 'C /usr/sbin' 'A /usr/sbin/new' >"$T/want"
diff "$T/want" "$T/rest" >"$T/dd" || t_fail "$(cat "$T/dd")"
sort -c -k2 "$T/diff" 2>/dev/null || t_fail "not sorted by path"
# the symlink was never followed (no host /etc/shadow read), nothing was mounted
grep -q " $ROOT/containers/${P}df" /proc/mounts && t_fail "a mount left"
cocin rm "${P}df" >/dev/null 2>&1
t_end

t_begin "diff: bad inputs say one line, exit 1"
says1 "cocin: no such container: ${P}nope" diff "${P}nope"
says1 "cocin: diff: requires exactly one container name" diff
says1 "cocin: diff: requires exactly one container name" diff a b
says1 "cocin: diff: unknown shorthand flag: 'x' in -x" diff -x
says1 "cocin: no such container: -x" diff -- -x
# a tree nested deeper than diff goes is refused, saying so
cocin run --name "${P}dd" busybox sh -c 'i=0; while [ $i -lt 130 ]; do mkdir d; cd d; i=$((i+1)); done' >/dev/null 2>&1
out=$(cocin diff "${P}dd" 2>&1); rc=$?
[ "$rc" = 1 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q "nested too deep (over 128 levels)" <<<"$out" ||
  t_fail "deep: rc $rc [$(head -c 300 <<<"$out")]"
cocin rm "${P}dd" >/dev/null 2>&1
# an exited container whose image was removed (rmi -f) has nothing to compare with
tar -C "$ROOT/images/busybox/rootfs" -cf "$T/dimg.tar" . && cocin import "$T/dimg.tar" "${P}dimg" >/dev/null 2>&1 ||
  t_fail import
cocin run --name "${P}dg" "${P}dimg" touch /x >/dev/null 2>&1 || t_fail run
cocin rmi -f "${P}dimg" >/dev/null 2>&1 || t_fail rmi
says1 "cocin: diff: image ${P}dimg of ${P}dg no longer exists" diff "${P}dg"
cocin rm "${P}dg" >/dev/null 2>&1
t_end

# ---------------------------------------------------------- commit
t_begin "commit: an exited container's changes make an image; owners, modes kept; volumes not"
mkdir -p "$T/cmv" && echo vol >"$T/cmv/v"
cocin run --name "${P}cm1" -v "$T/cmv:/vol" busybox sh -c 'echo hello >/root/f; chown 5:6 /root/f
  chmod 4750 /root/f; rm /etc/group; mkdir -p /srv/d; ln -s /root/f /srv/link; echo more >/vol/w
  echo same >/root/h1; ln /root/h1 /srv/d/h2' \
  >/dev/null 2>&1 || t_fail run
out=$(cocin commit "${P}cm1" "${P}img1" 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = "${P}img1" ] || t_fail "commit: rc $rc [$out]"
cocin images -q 2>&1 | grep -qx "${P}img1" || t_fail "not in images: $(cocin images -q 2>&1)"
got=$(cocin run --rm "${P}img1" sh -c 'cat /root/f; stat -c "%u:%g %a" /root/f; readlink /srv/link
  test -d /srv/d && echo dir; test -e /etc/group || echo nogroup; ls -A /vol | wc -l' 2>&1)
[ "$got" = "$(printf 'hello\n5:6 4750\n/root/f\ndir\nnogroup\n0')" ] || t_fail "in the image: [$got]"
[ "$(jq -r .source "$ROOT/images/${P}img1/image.json")" = "commit of container ${P}cm1 ($(cfg "${P}cm1" .id | cut -c1-12))" ] ||
  t_fail "image.json: $(cat "$ROOT/images/${P}img1/image.json")"
ls -A "$ROOT/images" | grep -q '^\.tmp' && t_fail "a temporary image left"
# a hard link stays one (docker's layers keep them)
I1=$ROOT/images/${P}img1/rootfs
[ "$(stat -c %i "$I1/root/h1")" = "$(stat -c %i "$I1/srv/d/h2")" ] && [ "$(stat -c %h "$I1/root/h1")" = 2 ] ||
  t_fail "hard link: $(stat -c '%i %h' "$I1/root/h1" "$I1/srv/d/h2" 2>&1)"
# a container of it holds it; an image of an image
cocin run -d --name "${P}cm2" "${P}img1" sleep 100 >/dev/null 2>&1 || t_fail "run on the image"
says1 "cocin: image ${P}img1 is in use by container ${P}cm2 (running): stop and remove it first" rmi "${P}img1"
cocin exec "${P}cm2" touch /second >/dev/null 2>&1
cocin commit "${P}cm2" "${P}img2" >/dev/null 2>&1 || t_fail "commit of a container of a committed image"
cocin run --rm "${P}img2" sh -c 'test -e /second && cat /root/f' 2>&1 | grep -qx hello || t_fail "img2"
cocin rm -f "${P}cm1" "${P}cm2" >/dev/null 2>&1
cocin rmi "${P}img1" "${P}img2" >/dev/null 2>&1 || t_fail rmi
t_end

t_begin "commit and cp -a keep extended attributes (file capabilities, user.*)"
cocin run --name "${P}cx" busybox sh -c 'echo x >/root/x' >/dev/null 2>&1 || t_fail run
U=$ROOT/containers/${P}cx/upper/root/x
python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.cocin", b"kept")' "$U" || t_fail "setxattr"
command -v setcap >/dev/null && setcap cap_net_raw+ep "$U"
cocin commit "${P}cx" "${P}imgx" >/dev/null 2>&1 || t_fail commit
X=$ROOT/images/${P}imgx/rootfs/root/x
[ "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.cocin").decode())' "$X" 2>&1)" = kept ] ||
  t_fail "user.cocin not kept"
if command -v getcap >/dev/null; then
  getcap "$X" | grep -q cap_net_raw || t_fail "file capability lost: [$(getcap "$X")]"
fi
cocin cp -a "${P}cx:/root/x" "$T/xa" >/dev/null 2>&1 || t_fail "cp -a"
[ "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.cocin").decode())' "$T/xa" 2>&1)" = kept ] ||
  t_fail "cp -a: user.cocin not kept"
cocin cp "${P}cx:/root/x" "$T/xn" >/dev/null 2>&1 || t_fail "cp"
python3 -c 'import os, sys; os.getxattr(sys.argv[1], "user.cocin")' "$T/xn" 2>/dev/null && t_fail "cp without -a kept it"
cocin rm "${P}cx" >/dev/null 2>&1
cocin rmi "${P}imgx" >/dev/null 2>&1 || t_fail rmi
t_end

t_begin "commit: a running container is paused meanwhile; its mounts stay out; devices and FIFOs kept"
cocin run -d --name "${P}cm3" busybox sh -c 'mkfifo /ff; mknod /nul c 1 3; chown 5:6 /nul; chmod 620 /nul; echo live >/live; exec sleep 100' >/dev/null 2>&1
has_live() { cocin exec "${P}cm3" cat /live 2>/dev/null | grep -q live; }
wait_for has_live || t_fail "not running"
cocin commit "${P}cm3" "${P}img3" >"$T/cmo" 2>&1 || t_fail "commit: $(cat "$T/cmo")"
[ "$(status_of "${P}cm3")" = running ] || t_fail "after commit: $(status_of "${P}cm3")"
[ "$(cocin run --rm "${P}img3" cat /live 2>&1)" = live ] || t_fail "no /live in the image"
got=$(stat -c '%F %t,%T %u:%g %a' "$ROOT/images/${P}img3/rootfs/ff" "$ROOT/images/${P}img3/rootfs/nul" 2>&1)
[ "$got" = "$(printf 'fifo 0,0 0:0 644\ncharacter special file 1,3 5:6 620')" ] || t_fail "devices, FIFOs: [$got]"
# /dev, /proc and /sys as empty as in busybox (its tmpfs, proc and sysfs
# are not its layers'), and the image's own empty /etc/hostname
I3=$ROOT/images/${P}img3/rootfs
[ -z "$(find "$I3/dev" "$I3/proc" "$I3/sys" -mindepth 1)" ] && [ ! -s "$I3/etc/hostname" ] ||
  t_fail "mounts copied: $(find "$I3/dev" "$I3/proc" "$I3/sys" -mindepth 1 | head -3) [$(cat "$I3/etc/hostname")]"
# a paused one stays paused
cocin pause "${P}cm3" >/dev/null 2>&1 || t_fail pause
cocin commit "${P}cm3" "${P}img4" >/dev/null 2>&1 || t_fail "commit of a paused one"
[ "$(cfg "${P}cm3" .paused)" = true ] || t_fail "no longer paused: $(status_of "${P}cm3")"
cocin unpause "${P}cm3" >/dev/null 2>&1
grep -q " $ROOT/images" /proc/mounts && t_fail "a mount left: $(grep " $ROOT/images" /proc/mounts)"
cocin rm -f "${P}cm3" >/dev/null 2>&1
cocin rmi "${P}img3" "${P}img4" >/dev/null 2>&1 || t_fail rmi
t_end

t_begin "commit: an interrupt to cocin while the container is paused acts once it is thawed"
cocin run -d --name "${P}ci" busybox sh -c 'head -c 300000000 /dev/zero >/big; echo ok; exec sleep 100' >/dev/null 2>&1
big() { cocin logs "${P}ci" 2>/dev/null | grep -q ok; }
wait_long big || t_fail "no big file"
"$COCIN" --root "$ROOT" commit "${P}ci" "${P}imgi" >"$T/ci" 2>&1 &
cpid=$!
t_track "$cpid"
is_paused() { [ "$(cfg "${P}ci" .paused)" = true ]; }
if wait_for is_paused; then
  kill -INT "$cpid"
  wait "$cpid"
  [ "$(cfg "${P}ci" .paused)" = true ] && t_fail "left paused"
  [ "$(stat -c %s "$ROOT/images/${P}imgi/rootfs/big" 2>&1)" = 300000000 ] || t_fail "the image: $(ls -la "$ROOT/images/" 2>&1)"
else
  wait "$cpid"
  t_skip "commit interrupted while paused" "the copy ended before the test saw it paused"
fi
ls -A "$ROOT/images" | grep -q '^\.tmp' && t_fail "a temporary image left"
cocin rmi -f "${P}imgi" >/dev/null 2>&1
t_end

t_begin "commit: a pause its user gives while it reads stays after it"
"$COCIN" --root "$ROOT" commit "${P}ci" "${P}imgi" >"$T/ci" 2>&1 &
cpid=$!
t_track "$cpid"
held() { [ "$(cfg "${P}ci" .pauseHeld)" != null ]; } # the commit's own pause
if wait_for is_paused && held; then
  cocin pause "${P}ci" >"$T/cp" 2>&1 || t_fail "pause: $(cat "$T/cp")"
  wait "$cpid" || t_fail "commit: $(cat "$T/ci")"
  [ "$(cfg "${P}ci" .paused)" = true ] || t_fail "thawed by the commit"
  fz=$(cfg "${P}ci" .cgroup.paths.freezer) # cgroup v1 (this host's)
  [ "$fz" = null ] || grep -q FROZEN "$fz/freezer.state" || t_fail "freezer not FROZEN"
  cocin unpause "${P}ci" >"$T/cp" 2>&1 || t_fail "unpause: $(cat "$T/cp")"
  [ "$(cfg "${P}ci" .paused)" = true ] && t_fail "still paused"
  [ "$(cfg "${P}ci" .pauseHeld)" = null ] || t_fail "pauseHeld left in the record"
else
  wait "$cpid"
  t_skip "pause during a commit" "the copy ended before the test saw it paused"
fi
cocin rm -f "${P}ci" >/dev/null 2>&1
cocin rmi -f "${P}imgi" >/dev/null 2>&1
t_end

t_begin "commit: a created container gives its image; bad inputs say one line and make nothing"
cocin create --name "${P}cm5" busybox true >/dev/null 2>&1 || t_fail create
cocin commit "${P}cm5" "${P}img5:latest" >/dev/null 2>&1 || t_fail "commit of a created one"
diff <(cd "$ROOT/images/busybox/rootfs" && find . | sort) <(cd "$ROOT/images/${P}img5/rootfs" && find . | sort) >"$T/cmd" ||
  t_fail "differs from busybox: $(head -5 "$T/cmd")"
ino=$(stat -c %i "$ROOT/images/${P}img5")
cocin commit "${P}cm5" "${P}img5" >"$T/o" 2>&1 || t_fail "commit over its own last image: $(cat "$T/o")"
[ "$(stat -c %i "$ROOT/images/${P}img5")" != "$ino" ] || t_fail "${P}img5 not replaced"
o=$(cocin commit "${P}cm5" busybox 2>&1) && t_fail "busybox replaced under its containers"
grep -Eqx "cocin: commit: image busybox is used by container [^ ]+ \([a-z]+\): commit or import to another name" <<<"$o" ||
  t_fail "commit over its own image: [$o]"
says1 "cocin: no such container: ${P}nope" commit "${P}nope" "${P}img6"
says1 'cocin: commit: invalid image name "a/b"' commit "${P}cm5" a/b
says1 "cocin: commit: image \"x:v1\": cocin's images have no tags but :latest (cocin images lists them)" commit "${P}cm5" x:v1
says1 "cocin: commit: requires exactly 2 arguments: CONTAINER IMAGE" commit "${P}cm5"
says1 "cocin: commit: unknown shorthand flag: 'p' in -p" commit -p "${P}cm5" "${P}img6"
[ -e "$ROOT/images/${P}img6" ] && t_fail "img6 made"
ls -A "$ROOT/images" | grep -q '^\.tmp' && t_fail "a temporary image left"
cocin rm "${P}cm5" >/dev/null 2>&1
cocin rmi "${P}img5" >/dev/null 2>&1 || t_fail rmi
t_end

# ---------------------------------------------------------- export
t_begin "export: a container's filesystem as a tarball, which import takes back"
mkdir -p "$T/exv" && echo vol >"$T/exv/v"
cocin run --name "${P}ex" -v "$T/exv:/vol" busybox sh -c 'echo hello >/root/f; chown 5:6 /root/f
  rm /etc/group; ln -s /root/f /root/link' >/dev/null 2>&1 || t_fail run
cocin export "${P}ex" >"$T/ex.tar" 2>"$T/ex.err" || t_fail "export: $(cat "$T/ex.err")"
tar -tvf "$T/ex.tar" >"$T/ex.list" 2>&1 || t_fail "not a tarball: $(head -3 "$T/ex.list")"
grep -q ' 5/6 .* \./root/f$' "$T/ex.list" || t_fail "no ./root/f owned 5/6: $(grep root/f "$T/ex.list")"
grep -q '\./root/link -> /root/f$' "$T/ex.list" || t_fail "no symlink"
grep -q '\./etc/group$' "$T/ex.list" && t_fail "a deleted file exported"
grep -q '\./vol/v$' "$T/ex.list" && t_fail "a volume's file exported"
cocin import "$T/ex.tar" "${P}eximg" >/dev/null 2>&1 || t_fail import
[ "$(cocin run --rm "${P}eximg" cat /root/f 2>&1)" = hello ] || t_fail "the imported image"
# -o FILE, from a running container (not paused: docker's export does not)
cocin run -d --name "${P}ex2" busybox sh -c 'echo live >/live; exec sleep 100' >/dev/null 2>&1
has_live2() { cocin exec "${P}ex2" cat /live 2>/dev/null | grep -q live; }
wait_for has_live2 || t_fail "not running"
cocin export -o "$T/ex2.tar" "${P}ex2" >"$T/ex2.out" 2>&1 || t_fail "export -o: $(cat "$T/ex2.out")"
[ -s "$T/ex2.out" ] && t_fail "export -o printed [$(cat "$T/ex2.out")]"
tar -tf "$T/ex2.tar" 2>/dev/null | grep -qx './live' || t_fail "no ./live in the -o file"
tar -tf "$T/ex2.tar" 2>/dev/null | grep -q '^\./proc/.' && t_fail "/proc's files exported"
[ "$(status_of "${P}ex2")" = running ] || t_fail "after export: $(status_of "${P}ex2")"
# -o onto a device writes to it (never replaces it); a new file takes the umask
cocin export -o /dev/null "${P}ex2" >/dev/null 2>&1 || t_fail "export -o /dev/null"
[ -c /dev/null ] || t_fail "/dev/null is no longer a device"
(umask 077 && "$COCIN" --root "$ROOT" export -o "$T/ex3.tar" "${P}ex") >/dev/null 2>&1 || t_fail "export -o with umask 077"
[ "$(stat -c %a "$T/ex3.tar")" = 600 ] || t_fail "mode $(stat -c %a "$T/ex3.tar") under umask 077"
# a reader that goes away early: one line, the container untouched
out=$(cocin export "${P}ex2" 2>&1 >/dev/null | head -c 0; cocin export "${P}ex2" 2>"$T/exp.err" | head -c 100 >/dev/null; cat "$T/exp.err")
[ -z "$out" ] || grep -q "export: tar: the reader of its output went away" <<<"$out" || t_fail "early reader: [$out]"
[ "$(status_of "${P}ex2")" = running ] || t_fail "after an early reader: $(status_of "${P}ex2")"
cocin rm -f "${P}ex" "${P}ex2" >/dev/null 2>&1
cocin rmi "${P}eximg" >/dev/null 2>&1 || t_fail rmi
t_end

t_begin "export: bad inputs say one line, exit 1, and leave no file"
echo keep >"$T/exkeep"
says1 "cocin: no such container: ${P}nope" export -o "$T/exkeep" "${P}nope"
[ "$(cat "$T/exkeep")" = keep ] || t_fail "-o FILE changed by a failed export"
says1 "cocin: export: requires exactly one container name" export
says1 "cocin: export: requires exactly one container name" export a b
says1 "cocin: export: unknown shorthand flag: 'x' in -x" export -x a
says1 "cocin: export: flag needs an argument: -o" export -o
cocin create --name "${P}exb" busybox true >/dev/null 2>&1
says1 "cocin: export: $T/nodir/x.tar: No such file or directory" export -o "$T/nodir/x.tar" "${P}exb"
ls "$T" | grep -q '\.cocin-' && t_fail "a temporary file left: $(ls "$T" | grep '\.cocin-')"
cocin rm "${P}exb" >/dev/null 2>&1
if command -v script >/dev/null; then
  script -qec "$COCIN --root $ROOT export x" /dev/null >"$T/extty" 2>&1
  grep -q "refusing to write a tarball to a terminal" "$T/extty" || t_fail "to a terminal: $(head -c 200 "$T/extty")"
fi
t_end

# ---------------------------------------------------------- container prune
t_begin "container prune removes every container that does not run, after a yes"
PR=$T/prune-root
pr() { "$COCIN" --root "$PR" "$@"; }
pr run --name px busybox sh -c 'head -c 2000000 /dev/zero >/f' >/dev/null 2>&1 || t_fail "run px"
pr run -d --name py busybox sleep 100 >/dev/null 2>&1 || t_fail "run py"
pr stop -t 0 py >/dev/null 2>&1
pr create --name pc busybox true >/dev/null 2>&1 || t_fail "create pc"
pr run -d --name pr busybox sleep 100 >/dev/null 2>&1 || t_fail "run pr"
ids=$(for c in px py pc; do jq -r .id "$PR/containers/$c/config.json"; done | sort)
# no answer (or no): nothing removed
out=$(pr container prune </dev/null 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$(ls "$PR/containers" | wc -l)" = 4 ] || t_fail "without a yes: rc $rc [$out] $(ls "$PR/containers")"
grep -q 'Are you sure you want to continue' <<<"$out" || t_fail "no question: [$out]"
out=$(echo y | pr container prune 2>&1); rc=$?
[ "$rc" = 0 ] || t_fail "prune: rc $rc [$out]"
[ "$(sed -n '/^Deleted Containers:$/,/^$/p' <<<"$out" | grep -E '^[0-9a-f]{64}$' | sort)" = "$ids" ] || t_fail "ids: [$out]"
grep -Eq '^Total reclaimed space: 2(\.[0-9]+)?MB$' <<<"$out" || t_fail "space: [$out]"
[ "$(ls "$PR/containers")" = pr ] || t_fail "left: $(ls "$PR/containers")"
out=$(pr container prune -f 2>&1)
[ "$out" = "Total reclaimed space: 0B" ] || t_fail "nothing to prune: [$out]"
pr rm -f pr >/dev/null 2>&1
t_end

t_begin "container prune: bad inputs say one line, exit 1"
out=$(cocin container frob 2>&1); rc=$?
[ "$rc" = 1 ] && [ "$(wc -l <<<"$out")" = 1 ] || t_fail "container frob: rc $rc [$out]"
says1 "cocin: container prune: unknown shorthand flag: 'x' in -x" container prune -x
says1 "cocin: container prune: takes no names: web" container prune web
t_end

t_begin "flags may follow the names, as docker's verbs read them"
cocin run -d --name "${P}ia" busybox sh -c 'echo one; echo two; sleep 1000' >/dev/null 2>&1
wait_for sh -c "[ \"\$(\"$COCIN\" --root \"$ROOT\" logs ${P}ia | wc -l)\" = 2 ]" || t_fail "no logs"
[ "$(cocin logs "${P}ia" --tail 1 2>&1)" = two ] || t_fail "logs NAME --tail 1"
[ "$(cocin inspect "${P}ia" -f '{{.name}}' 2>&1)" = "${P}ia" ] || t_fail "inspect NAME -f"
cocin kill "${P}ia" -s HUP >"$T/o" 2>&1 || t_fail "kill NAME -s HUP: $(cat "$T/o")"
cocin stop "${P}ia" -t 0 >"$T/o" 2>&1 && is_exited "${P}ia" || t_fail "stop NAME -t 0: $(cat "$T/o")"
echo hi >"$T/ia"
cocin cp "$T/ia" "${P}ia:/ia" -a >"$T/o" 2>&1 || t_fail "cp SRC DST -a: $(cat "$T/o")"
cocin commit "${P}ia" "${P}iaimg" >/dev/null 2>&1 || t_fail commit
cocin rmi "${P}iaimg" -f >"$T/o" 2>&1 || t_fail "rmi IMAGE -f: $(cat "$T/o")"
says1 "cocin: rm: unknown shorthand flag: 'x' in -x" rm "${P}ia" -x
says1 "cocin: no such container: -f" rm -- -f
cocin rm "${P}ia" -f >"$T/o" 2>&1 || t_fail "rm NAME -f: $(cat "$T/o")"
[ -e "$ROOT/containers/${P}ia" ] && t_fail "not removed"
# run's and exec's command follows the first word: its flags are its own
[ "$(cocin run --rm busybox echo -n x 2>&1)" = x ] || t_fail "run IMAGE echo -n"
t_end

# ---------------------------------------------------------- final leak check

t_begin "no leftover monitor or container processes after rm -f of all"
for c in "$ROOT"/containers/*/; do [ -d "$c" ] && cocin rm -f "$(basename "$c")" >/dev/null 2>&1; done
[ -z "$(list_containers)" ] || t_fail "left: $(list_containers)"
wait_for no_trash || t_fail "trash left: $(trash)"
wait_for no_proc "--root $ROOT "
pgrep -f -- "--root $ROOT " >"$T/left" && t_fail "processes: $(cat "$T/left" | tr '\n' ' ')"
grep -q " $ROOT" /proc/mounts && t_fail "mounts: $(grep " $ROOT" /proc/mounts | head -2)"
t_end
