#!/bin/bash
# Script tests for `cocin exec` (issue 2): joins every namespace, the
# container's root, env, workdir, cgroup and capabilities; argv is exec'd as
# given (no system(), no joining); exit codes 126/127 and the command's own.
. "$(dirname "$0")/lib.sh"

H=${TESTHELPER:-}
P=c20x$$
CI=()
[ -n "$H" ] && [ -x "$H" ] && CI=(-v "$(readlink -f "$H"):/cinfo:ro")

cfg() { jq -r "$2" "$ROOT/containers/$1/config.json" 2>/dev/null; }
status_of() { cocin inspect "$1" 2>/dev/null | jq -r .status; }
is_running() { [ "$(cfg "$1" .status)" = running ]; }
is_exited() { local s; s=$(status_of "$1"); [ "$s" = exited ] || [ "$s" = stopped ]; }

C=${P}main
if ! cocin run -d --name "$C" -e FROMRUN=yes -e 'SPACED=a b' -w /srv/app "${CI[@]}" busybox \
     sh -c 'echo in-container > /cfile; echo ready; exec sleep 100000' >"$T/o" 2>&1; then
  echo "FAIL: exec setup: run -d failed: $(cat "$T/o")"
  exit 0
fi
wait_for grep -q ready "$ROOT/containers/$C/container.log" || echo "FAIL: exec setup: container not ready"
IPID=$(cfg "$C" .pid)

# ---------------------------------------------------------------- basics
t_eq "exec echo" hi "$(cocin exec "$C" echo hi 2>&1)"
t_eq "exec sees the container's files" in-container "$(cocin exec "$C" cat /cfile 2>&1)"
t_eq "exec hostname is the container's" "$C" "$(cocin exec "$C" hostname 2>&1)"
t_eq "exec: umask 022 whatever the caller's" 0022 "$( (umask 077 && cocin exec "$C" sh -c umask) 2>&1)"

t_begin "exec joins every namespace of the container"
for ns in pid mnt uts ipc net cgroup; do
  want=$(readlink /proc/"$IPID"/ns/$ns 2>/dev/null) || continue
  got=$(cocin exec "$C" readlink /proc/self/ns/$ns 2>&1)
  [ "$got" = "$want" ] || t_fail "$ns: container $want, exec [$got]"
  [ "$got" != "$(readlink /proc/self/ns/$ns)" ] || t_fail "$ns: exec is in the host's"
done
t_end

t_begin "exec is in the container's pid namespace"
got=$(cocin exec "$C" sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; echo $$' 2>&1)
[ "$(sed -n 1p <<<"$got")" = "sleep 100000 " ] || t_fail "/proc/1 is [$(sed -n 1p <<<"$got")]"
p=$(sed -n 2p <<<"$got")
[ "$p" -gt 1 ] 2>/dev/null && [ "$p" -lt 1000 ] || t_fail "own pid [$p] does not look namespaced"
if [ ${#CI[@]} -gt 0 ]; then
  got=$(cocin exec "$C" /cinfo pid 2>&1)
  [ "${got#* }" = 0 ] || t_fail "cinfo pid: parent should be outside (0): [$got]"
fi
n=$(cocin exec "$C" sh -c 'ls -d /proc/[0-9]* | wc -l' 2>&1)
[ "$n" -le 4 ] 2>/dev/null || t_fail "sees $n pids"
t_end

t_begin "exec is in the container's root (overlay), not the host's"
got=$(cocin exec "$C" sh -c 'grep " / " /proc/self/mounts | cut -d" " -f1,3; test -e /work && echo host-work; ls /' 2>&1)
[ "$(head -1 <<<"$got")" = "overlay overlay" ] || t_fail "root mount [$(head -1 <<<"$got")]"
grep -q host-work <<<"$got" && t_fail "sees the host's /work"
t_end

t_begin "exec joins the container's cgroup"
cocin exec "$C" sleep 7777 >/dev/null 2>&1 &
ep=$!; t_track $ep
wait_for pgrep -x -f "sleep 7777" || t_fail "exec'd sleep not found"
hp=$(pgrep -x -f "sleep 7777" | head -1)
if [ -n "$hp" ]; then
  [ "$(cat /proc/"$hp"/cgroup)" = "$(cat /proc/"$IPID"/cgroup)" ] || t_fail "cgroups differ: $(diff <(cat /proc/"$hp"/cgroup) <(cat /proc/"$IPID"/cgroup) | tr '\n' ' ')"
  pp=$(cfg "$C" '.cgroup.paths.pids // empty')
  [ -z "$pp" ] || grep -qx "$hp" "$pp/cgroup.procs" || t_fail "not in $pp/cgroup.procs"
  kill "$hp" 2>/dev/null
fi
wait $ep 2>/dev/null
t_end

t_begin "exec has the container's capabilities"
a=$(cocin exec "$C" grep -E '^Cap(Prm|Eff|Bnd|Inh|Amb)' /proc/self/status 2>&1)
b=$(grep -E '^Cap(Prm|Eff|Bnd|Inh|Amb)' /proc/"$IPID"/status)
[ -n "$a" ] && [ "$a" = "$b" ] || t_fail "exec [$a] vs init [$b]"
t_end

# ---------------------------------------------------------- env, workdir, user
t_begin "exec uses the container's environment"
cocin exec "$C" env >"$T/env" 2>&1
grep -qx FROMRUN=yes "$T/env" || t_fail "FROMRUN missing: $(tr '\n' ' ' <"$T/env")"
grep -qx 'SPACED=a b' "$T/env" || t_fail "SPACED missing"
grep -qx "HOSTNAME=$C" "$T/env" || t_fail "HOSTNAME"
grep -q '^PATH=' "$T/env" || t_fail "PATH"
t_end

t_begin "exec env is clean (no host variables)"
export COCIN_EXEC_LEAK=leak SSH_CONNECTION="1 2 3 4"
keys=$(cocin exec "$C" env 2>&1 | sed 's/=.*//' | sort | tr '\n' ' ')
unset COCIN_EXEC_LEAK SSH_CONNECTION
[ "$keys" = "FROMRUN HOME HOSTNAME PATH SPACED " ] || t_fail "keys [$keys]"
t_end

t_begin "exec -e adds and overrides"
got=$(cocin exec -e NEW=1 -e FROMRUN=over -e 'Q=x y' "$C" env 2>&1)
grep -qx NEW=1 <<<"$got" || t_fail "NEW"
grep -qx FROMRUN=over <<<"$got" || t_fail "override: $(grep FROMRUN <<<"$got")"
[ "$(grep -c '^FROMRUN=' <<<"$got")" = 1 ] || t_fail "FROMRUN twice"
grep -qx 'Q=x y' <<<"$got" || t_fail "Q"
t_end

t_eq "exec uses the container's workdir" /srv/app "$(cocin exec "$C" pwd 2>&1)"
t_eq "exec -w" /tmp "$(cocin exec -w /tmp "$C" pwd 2>&1)"
t_eq "exec --workdir" /etc "$(cocin exec --workdir /etc "$C" pwd 2>&1)"
t_err "exec -w missing dir fails" 'nosuchdir|no such file' cocin exec -w /nosuchdir "$C" pwd
t_eq "exec -u 1000:1000" "1000 1000" "$(cocin exec -u 1000:1000 "$C" sh -c 'echo $(id -u) $(id -g)' 2>&1)"
t_eq "exec -u 1234" 1234 "$(cocin exec -u 1234 "$C" id -u 2>&1)"
t_eq "exec default user root" 0 "$(cocin exec "$C" id -u 2>&1)"
t_eq "exec -u a name from the image's passwd" "65534 /" "$(cocin exec -u nobody "$C" sh -c 'echo $(id -u) $HOME' 2>&1)"
t_begin "exec -u a name the image lacks: one line, 125"
out=$(cocin exec -u nosuch "$C" true 2>&1); rc=$?
[ "$rc" = 125 ] || t_fail "rc $rc"
[ "$out" = "cocin: exec: unable to find user nosuch: no matching entries in passwd file" ] || t_fail "[$out]"
t_end
t_begin "exec --env-file, before -e; a bad file refused"
printf 'XF=file\nXG=file\n' >"$T/xenv"
[ "$(cocin exec --env-file "$T/xenv" -e XG=flag "$C" sh -c 'echo $XF $XG' 2>&1)" = "file flag" ] ||
  t_fail "got $(cocin exec --env-file "$T/xenv" -e XG=flag "$C" sh -c 'echo $XF $XG' 2>&1)"
cocin exec --env-file "$T/nosuch" "$C" true >"$T/o" 2>&1; rc=$?
[ "$rc" = 125 ] && grep -q "exec: --env-file $T/nosuch: No such file" "$T/o" || t_fail "missing file: rc $rc $(cat "$T/o")"
t_end

t_begin "exec -e KEY takes the caller's value, or none"
out=$(COCIN_T_X="from caller" "$COCIN" --root "$ROOT" exec -e COCIN_T_X -e COCIN_T_NONE "$C" env 2>&1)
grep -qx "COCIN_T_X=from caller" <<<"$out" || t_fail "[$out]"
grep -q COCIN_T_NONE <<<"$out" && t_fail "an unset one was set: [$out]"
t_end

# ---------------------------------------------------------- exit codes
cocin exec "$C" sh -c 'exit 7' >/dev/null 2>&1
t_eq "exec exit code 7" 7 "$?"
cocin exec "$C" true >/dev/null 2>&1
t_eq "exec exit code 0" 0 "$?"
cocin exec "$C" false >/dev/null 2>&1
t_eq "exec exit code 1" 1 "$?"

t_begin "exec not found: 127 with a message naming it"
cocin exec "$C" nosuchcmd >"$T/o" 2>&1; rc=$?
[ "$rc" = 127 ] || t_fail "exit $rc"
grep -q nosuchcmd "$T/o" || t_fail "message: $(cat "$T/o")"
cocin exec "$C" /no/such/path >"$T/o" 2>&1; rc=$?
[ "$rc" = 127 ] || t_fail "absolute: exit $rc"
grep -q /no/such/path "$T/o" || t_fail "message: $(cat "$T/o")"
t_end

t_begin "exec not executable: 126 with a message"
cocin exec "$C" /etc/passwd >"$T/o" 2>&1; rc=$?
[ "$rc" = 126 ] || t_fail "exit $rc"
grep -qiE '/etc/passwd.*permission denied|permission denied.*/etc/passwd' "$T/o" || t_fail "message: $(cat "$T/o")"
cocin exec "$C" /etc >"$T/o" 2>&1; rc=$?
[ "$rc" = 126 ] || t_fail "directory: exit $rc"
t_end

t_begin "exec killed by a signal: 128+N"
cocin exec "$C" sh -c 'kill -KILL $$' >/dev/null 2>&1; rc=$?
[ "$rc" = 137 ] || t_fail "exit $rc"
t_end

# ---------------------------------------------------------- argv, stdio
t_eq "exec args with spaces stay separate" '[a b][][  c  ]' "$(cocin exec "$C" printf '[%s]' 'a b' '' '  c  ' 2>&1)"
t_eq "exec: ; is literal (no shell)" '[x; echo injected]' "$(cocin exec "$C" printf '[%s]' 'x; echo injected' 2>&1)"
t_eq "exec: \$VAR and globs literal" '[$HOME][*][`id`]' "$(cocin exec "$C" printf '[%s]' '$HOME' '*' '`id`' 2>&1)"
t_eq "exec: argument that looks like a flag reaches the program" '[-e][--rm]' "$(cocin exec "$C" printf '[%s]' -e --rm 2>&1)"

t_eq "exec of an absolute path" ok "$(cocin exec "$C" /bin/echo ok 2>&1)"

t_eq "exec -i passes stdin" "$(printf 'hi\nthere')" "$(printf 'hi\nthere\n' | cocin exec -i "$C" cat 2>&1)"
t_eq "exec -i binary-safe stdin" "$(head -c 4096 /etc/services | md5sum)" "$(head -c 4096 /etc/services | cocin exec -i "$C" md5sum 2>&1)"

t_begin "exec -i and run -i: a command that writes much before it reads does not hang the relay"
# (input from a file and output to one both go through the CLI's pipes;
# the input waits while the container does not read it, its output flows)
head -c 1000000 /dev/zero >"$T/in1m"
cocin_bounded exec -i "$C" sh -c 'head -c 1000000 /dev/zero; cat >/dev/null; echo done >&2' \
  <"$T/in1m" >"$T/out1m" 2>"$T/err1m"; rc=$?
[ "$rc" = 0 ] && [ "$(wc -c <"$T/out1m")" = 1000000 ] && grep -q done "$T/err1m" ||
  t_fail "exec: rc $rc, $(wc -c <"$T/out1m") bytes out [$(cat "$T/err1m")]"
cocin_bounded run --rm -i busybox sh -c 'head -c 1000000 /dev/zero; cat >/dev/null; echo done >&2' \
  <"$T/in1m" >"$T/out1m" 2>"$T/err1m"; rc=$?
[ "$rc" = 0 ] && [ "$(wc -c <"$T/out1m")" = 1000000 ] && grep -q done "$T/err1m" ||
  t_fail "run: rc $rc, $(wc -c <"$T/out1m") bytes out [$(cat "$T/err1m")]"
t_end

t_begin "exec: stdout and stderr kept apart"
cocin exec "$C" sh -c 'echo out; echo err >&2' >"$T/o1" 2>"$T/e1"
[ "$(cat "$T/o1")" = out ] || t_fail "stdout [$(cat "$T/o1")]"
[ "$(cat "$T/e1")" = err ] || t_fail "stderr [$(cat "$T/e1")]"
t_end

if [ ${#CI[@]} -gt 0 ]; then
  t_begin "exec: no host fds leak"
  exec 7>"$T/leak"
  got=$(cocin exec "$C" /cinfo fds 2>&1 | tr '\n' ' ')
  exec 7>&-
  [ "$got" = "0 1 2 " ] || t_fail "fds [$got]"
  t_end
fi

t_begin "exec: the command has a session and process group of its own"
got=$(cocin exec "$C" sh -c 'echo $$; cut -d" " -f5,6 /proc/$$/stat' 2>&1 | tr '\n' ' ')
set -- $got
[ $# = 3 ] && [ "$2" = "$1" ] && [ "$3" = "$1" ] || t_fail "pid, pgrp, session: [$got]"
t_end

t_begin "exec: INT, TERM and HUP sent to the CLI are passed on to the command, its code is the CLI's"
for sig in INT TERM HUP; do
  rm -f "$T/sg"
  "$COCIN" --root "$ROOT" exec "$C" sh -c "trap 'echo got-$sig; exit 7' $sig; echo ready; while :; do sleep 0.1; done" >"$T/sg" 2>&1 &
  cli=$!
  t_track $cli
  wait_for grep -q ready "$T/sg" || t_fail "$sig: not ready [$(cat "$T/sg")]"
  kill -$sig $cli
  wait_child $cli; rc=$?
  [ "$rc" = 7 ] && grep -q "got-$sig" "$T/sg" || t_fail "$sig: rc $rc [$(cat "$T/sg")]"
done
# to its process group, as a terminal's Ctrl-C: what it runs in the
# foreground goes too, not left to the container's init
"$COCIN" --root "$ROOT" exec "$C" sh -c 'echo ready; sleep 7771; echo after' >"$T/sg" 2>&1 &
cli=$!
t_track $cli
wait_for grep -q ready "$T/sg" && wait_for pgrep -f '^sleep 7771$' || t_fail "group: not ready [$(cat "$T/sg")]"
kill -INT $cli
wait_child $cli; rc=$?
[ "$rc" = 130 ] || t_fail "group: rc $rc [$(cat "$T/sg")]"
wait_for no_proc '^sleep 7771$' || t_fail "its sleep runs on"
t_end

t_begin "exec -t without a terminal refused"
cocin exec -t "$C" true >"$T/o" 2>&1 </dev/null && t_fail "succeeded"
grep -q 'the input device is not a TTY' "$T/o" || t_fail "message: $(cat "$T/o")"
t_end

t_begin "exec does not change the container"
[ "$(status_of "$C")" = running ] || t_fail "status $(status_of "$C")"
[ "$(cfg "$C" .pid)" = "$IPID" ] || t_fail "pid changed"
t_end

t_begin "exec'd process does not outlive exec"
cocin exec "$C" sh -c 'echo done' >/dev/null 2>&1
n=$(cocin exec "$C" sh -c 'ls -d /proc/[0-9]* | wc -l' 2>&1)
[ "$n" -le 4 ] 2>/dev/null || t_fail "$n processes in the container: $(cocin exec "$C" ps 2>&1 | tr '\n' ' ')"
t_end

# ---------------------------------------------------------- bad input
t_err "exec of unknown container" 'no such container' cocin exec "${P}nosuch" true
t_err "exec without a command" 'command|usage|requires' cocin exec "$C"
t_err "exec unknown flag" 'unknown|flag' cocin exec --bogus "$C" true

t_begin "exec into an exited container fails clearly"
cocin run -d --name "${P}ex" busybox true >/dev/null 2>&1
wait_for is_exited "${P}ex"
cocin exec "${P}ex" true >"$T/o" 2>&1; rc=$?
[ "$rc" != 0 ] || t_fail "succeeded"
grep -qiE 'not running' "$T/o" || t_fail "message: $(cat "$T/o")"
[ "$(grep -c . "$T/o")" = 1 ] || t_fail "not one line: $(cat "$T/o")"
t_end

t_begin "exec into a stopped container fails clearly, nothing runs on the host"
cocin run -d --name "${P}st" busybox sleep 100000 >/dev/null 2>&1
cocin stop -t 1 "${P}st" >/dev/null 2>&1
rm -f "$T/hostmark"
cocin exec "${P}st" touch "$T/hostmark" >"$T/o" 2>&1 && t_fail "succeeded"
grep -qiE 'not running' "$T/o" || t_fail "message: $(cat "$T/o")"
[ -e "$T/hostmark" ] && t_fail "command ran on the host"
t_end

t_begin "exec when the recorded pid is stale does not run on the host"
cocin run -d --name "${P}stale" busybox sleep 0.2 >/dev/null 2>&1
wait_for is_exited "${P}stale"
sleep 100000 &
victim=$!; t_track $victim
cf="$ROOT/containers/${P}stale/config.json"
jq --argjson p "$victim" '.status="running" | .pid=$p | .exitCode=null | .finishedAt=null' "$cf" >"$cf.tmp" && mv "$cf.tmp" "$cf"
rm -f "$T/hostmark2"
cocin exec "${P}stale" touch "$T/hostmark2" >"$T/o" 2>&1 && t_fail "exec succeeded into a pid that is not the container"
[ -e "$T/hostmark2" ] && t_fail "command ran with the host's root"
kill $victim 2>/dev/null; wait $victim 2>/dev/null
cocin rm -f "${P}stale" >/dev/null 2>&1
t_end

# ---------------------------------------------------------------- exec -d
# gone, or a zombie its adopter has yet to reap
ended() { [ ! -e "/proc/$1/stat" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
t_begin "exec -d returns once the command runs; it goes on in the container, output nowhere"
mark=$((7000 + $$ % 1000))
out=$(cocin exec -d "$C" sh -c "echo visible; echo started > /xd; exec sleep $mark" 2>&1); rc=$?
[ "$rc" = 0 ] && [ -z "$out" ] || t_fail "rc $rc [$out]"
wait_for pgrep -f "^sleep $mark\$" || t_fail "not running after exec -d returned"
xp=$(pgrep -f "^sleep $mark\$" | head -1)
[ "$(cocin exec "$C" cat /xd 2>&1)" = started ] || t_fail "the command did not run in the container"
[ -n "$xp" ] && [ "$(readlink /proc/$xp/ns/pid)" = "$(readlink /proc/$IPID/ns/pid)" ] ||
  t_fail "not in the container's pid namespace"
[ -n "$xp" ] && [ "$(readlink /proc/$xp/ns/mnt)" = "$(readlink /proc/$IPID/ns/mnt)" ] ||
  t_fail "not in the container's mount namespace"
# its waiting helper is in a session of its own, not the caller's
hp=$(awk '{print $4}' /proc/$xp/stat 2>/dev/null)
[ -n "$hp" ] && [ "$(awk '{print $6}' /proc/$hp/stat)" != "$(awk '{print $6}' /proc/$$/stat)" ] ||
  t_fail "the helper shares the caller's session"
[ -n "$xp" ] && kill "$xp" # the command this test started
wait_for no_proc "^sleep $mark\$" || t_fail "the command did not end"
[ -n "$hp" ] && { wait_for ended "$hp" || t_fail "its helper outlived it"; }
t_end

t_begin "exec -d of a command not found: 127, not executable: 126, one line each"
cocin exec -d "$C" nosuchcmd >"$T/o" 2>&1; rc=$?
[ "$rc" = 127 ] || t_fail "not found: exit $rc"
[ "$(wc -l <"$T/o")" = 1 ] && grep -q 'exec "nosuchcmd": executable file not found' "$T/o" ||
  t_fail "message: $(cat "$T/o")"
cocin exec -d "$C" /etc/passwd >"$T/o" 2>&1; rc=$?
[ "$rc" = 126 ] || t_fail "not executable: exit $rc"
grep -qi 'permission denied' "$T/o" || t_fail "message: $(cat "$T/o")"
cocin exec -d -w /nosuchdir "$C" true >"$T/o" 2>&1; rc=$?
[ "$rc" = 125 ] && grep -q nosuchdir "$T/o" || t_fail "missing workdir: exit $rc $(cat "$T/o")"
t_end

t_err "exec -d -t refused" 'cannot be combined with -t' cocin exec -d -t "$C" true
t_err "exec -d -i refused" 'cannot be combined with -i' cocin exec -di "$C" true
t_err "exec -d into an unknown container" 'no such container' cocin exec -d "${P}nosuch" true
t_begin "exec -d into a stopped or a paused container: refused, 125"
cocin exec -d "${P}st" true >"$T/o" 2>&1; rc=$?
[ "$rc" = 125 ] && grep -q "container ${P}st is not running" "$T/o" || t_fail "stopped: rc $rc $(cat "$T/o")"
cocin run -d --name "${P}xp" busybox sleep 100000 >/dev/null 2>&1
wait_for is_running "${P}xp"
cocin pause "${P}xp" >/dev/null 2>&1 || t_fail "pause"
cocin exec -d "${P}xp" true >"$T/o" 2>&1; rc=$?
[ "$rc" = 125 ] && grep -q "is paused: unpause it first" "$T/o" || t_fail "paused: rc $rc $(cat "$T/o")"
cocin rm -f "${P}xp" >/dev/null 2>&1
t_end

t_begin "exec -d: the command and its helper end with the container"
cocin run -d --name "${P}xd" busybox sleep 100000 >/dev/null 2>&1
wait_for is_running "${P}xd" || t_fail "not running"
mark2=$((mark + 1000))
cocin exec -d "${P}xd" sleep "$mark2" >"$T/o" 2>&1 || t_fail "exec -d: $(cat "$T/o")"
wait_for pgrep -f "^sleep $mark2\$" || t_fail "not running"
hp=$(awk '{print $4}' /proc/"$(pgrep -f "^sleep $mark2\$" | head -1)"/stat 2>/dev/null)
cocin rm -f "${P}xd" >"$T/o" 2>&1 || t_fail "rm -f: $(cat "$T/o")"
wait_for no_proc "^sleep $mark2\$" || t_fail "the command outlived the container"
[ -n "$hp" ] && { wait_for ended "$hp" || t_fail "its helper outlived the container"; }
t_end

# ---------------------------------------------------------- in a -dt / -i container
t_begin "exec into a -dt container"
cocin run -dt --name "${P}tty" busybox sh -c 'echo ready; exec sleep 100000' >/dev/null 2>&1 </dev/null
wait_for is_running "${P}tty" || t_fail "not running"
got=$(cocin exec "${P}tty" echo ok 2>&1)
[ "$got" = ok ] || t_fail "got [$got]"
t_end

t_begin "exec and run with stdin and stdout closed: /dev/null there, no fd of cocin's"
cocin exec "$C" sh -c 'readlink /proc/self/fd/0 >&2; echo ran >&2' >&- <&- 2>"$T/cl"; rc=$?
[ "$rc" = 0 ] && [ "$(tr '\n' ' ' <"$T/cl")" = "/dev/null ran " ] || t_fail "exec: rc $rc [$(cat "$T/cl")]"
cocin run --rm busybox sh -c 'readlink /proc/self/fd/0 >&2; echo ran >&2' >&- <&- 2>"$T/cl"; rc=$?
[ "$rc" = 0 ] && [ "$(tr '\n' ' ' <"$T/cl")" = "/dev/null ran " ] || t_fail "run: rc $rc [$(cat "$T/cl")]"
t_end

t_begin "exec -u applies to the exec only"
cocin exec -u 1000 "$C" true >/dev/null 2>&1
[ "$(cocin exec "$C" id -u 2>&1)" = 0 ] || t_fail "later exec not root"
t_end

t_begin "exec after the container was stopped and removed: no such container"
cocin rm -f "${P}st" >/dev/null 2>&1
cocin exec "${P}st" true >"$T/o" 2>&1 && t_fail "succeeded"
grep -q 'no such container' "$T/o" || t_fail "message: $(cat "$T/o")"
t_end
