#!/bin/bash
# Script tests for create (docker's: a container's record, layers and log
# made, not started; start starts it detached) and rmi (an image removed
# unless a container uses it): their good paths, every bad input with
# nothing left behind, runs racing rmi, and create through cocinfs's ctl.
. "$(dirname "$0")/lib.sh"

P=c16x$$          # container names: cgroups are named after them, keep them unique
SL=9$$            # the containers' sleeps: "sleep ${SL}NN", this run's own
command -v jq >/dev/null || { t_skip create-rmi "jq is not installed"; exit 0; }
HAVE_PY=0
command -v python3 >/dev/null && HAVE_PY=1

cfg() { jq -r "$2" "$ROOT/containers/$1/config.json" 2>/dev/null; }
status_of() { cocin inspect "$1" 2>/dev/null | jq -r .status; }
is_status() { [ "$(cfg "$1" .status)" = "$2" ]; }
is_exited() { local s; s=$(status_of "$1"); [ "$s" = exited ] || [ "$s" = stopped ]; }
gone() { [ ! -e "$ROOT/containers/$1" ]; }
# (a removed container passes through containers/.trash: not listed)
list_containers() { ls "$ROOT/containers" 2>/dev/null | sort | tr '\n' ' '; }
same_containers() { [ "$(list_containers)" = "$1" ]; }
list_images() { ls -A "$ROOT/images" 2>/dev/null | sort | tr '\n' ' '; }
rm_left() { ls -A "$ROOT/images" 2>/dev/null | grep '^\.rm-' | tr '\n' ' '; }
nlines() { printf '%s\n' "$1" | wc -l; }
# an image's files are all there: its rootfs, and a run of it works
image_whole() { [ -x "$ROOT/images/$1/rootfs/bin/busybox" ] && cocin run --rm "$1" true >/dev/null 2>&1; }

# Images of our own: busybox's root filesystem, imported under a new name.
cocin run --rm busybox true >/dev/null 2>&1
if ! tar -C "$ROOT/images/busybox/rootfs" -cf "$T/bb.tar" . 2>"$T/tar.err"; then
  echo "FAIL: create-rmi: no busybox image to make test images from: $(head -c 300 "$T/tar.err")"
  exit 1
fi
mkimg() { cocin import "$T/bb.tar" "$1" >/dev/null 2>&1; }

# locker MODE DIR TAG [RENAME_TO]: a process holding DIR flock'ed (sh or
# ex: a run's hold, an rmi's) from $T/TAG.held on until $T/TAG.go exists;
# then, given RENAME_TO, it renames DIR (as rmi does) and exits, releasing
# it.  LOCKER is its pid.
cat >"$T/locker.py" <<'EOF'
import fcntl, os, sys, time
d, mode, held, go = sys.argv[1:5]
fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(fd, fcntl.LOCK_EX if mode == "ex" else fcntl.LOCK_SH)
open(held, "w").close()
for _ in range(1200):
    if os.path.exists(go):
        break
    time.sleep(0.05)
if len(sys.argv) > 5:
    os.rename(d, sys.argv[5])
EOF
LOCKER=""
locker() {
  python3 "$T/locker.py" "$2" "$1" "$T/$3.held" "$T/$3.go" ${4:+"$4"} 2>"$T/$3.err" &
  LOCKER=$!
  t_track "$LOCKER"
  wait_for test -e "$T/$3.held"
}
release() { touch "$T/$1.go"; wait "$LOCKER" 2>/dev/null; }
# waiter_on READ|WRITE INODE: a process waits for the flock of that inode
waiter_on() { grep -qE -- "-> FLOCK +ADVISORY +$1 +[0-9]+ [0-9a-f]+:[0-9a-f]+:$2 " /proc/locks; }

# ============================================================== create ===

A=${P}a
t_begin "create: prints the full id, writes the record (created, no creator), layers and log; starts nothing"
before_mounts=$(grep -c " $ROOT" /proc/mounts)
out=$(cocin create --name "$A" busybox sh -c 'echo hello; exit 3' 2>"$T/err"); rc=$?
[ "$rc" = 0 ] || t_fail "exit $rc: $(cat "$T/err")"
[ -s "$T/err" ] && t_fail "stderr: $(cat "$T/err")"
grep -qE '^[0-9a-f]{64}$' <<<"$out" || t_fail "printed [$out], not a 64-hex id"
[ "$(cfg "$A" .id)" = "$out" ] || t_fail "recorded id $(cfg "$A" .id), printed $out"
[ "$(cfg "$A" .status)" = created ] || t_fail "status $(cfg "$A" .status)"
for k in creatorPid pid monitorPid startedAt; do
  [ "$(cfg "$A" "has(\"$k\")")" = false ] || t_fail "the record has $k: $(cfg "$A" ".$k")"
done
[ "$(cfg "$A" .name)" = "$A" ] && [ "$(cfg "$A" .image)" = busybox ] || t_fail "name/image: $(cfg "$A" .name) $(cfg "$A" .image)"
[ "$(jq -c .args "$ROOT/containers/$A/config.json")" = '["sh","-c","echo hello; exit 3"]' ] ||
  t_fail "args: $(jq -c .args "$ROOT/containers/$A/config.json")"
[ -n "$(cfg "$A" .createTime | grep -E '^[0-9]{4}-')" ] || t_fail "createTime: $(cfg "$A" .createTime)"
for d in upper work; do [ -d "$ROOT/containers/$A/$d" ] || t_fail "no $d"; done
[ -f "$ROOT/containers/$A/container.log" ] || t_fail "no container.log"
[ -s "$ROOT/containers/$A/container.log" ] && t_fail "log not empty: $(head -c 100 "$ROOT/containers/$A/container.log")"
[ "$(status_of "$A")" = created ] || t_fail "inspect status: $(status_of "$A")"
[ "$(grep -c " $ROOT" /proc/mounts)" = "$before_mounts" ] || t_fail "a mount: $(grep " $ROOT" /proc/mounts | head -2)"
t_end

t_begin "ps lists a created container only with -a, as Created"
cocin ps --format '{{.Names}}' 2>&1 | grep -qx "$A" && t_fail "ps lists it"
out=$(cocin ps -a --format '{{.Names}} {{.Status}} {{.State}}' -f "name=^$A\$" 2>&1)
[ "$out" = "$A Created created" ] || t_fail "ps -a: [$out]"
out=$(cocin ps -a -q -f status=created 2>&1)
grep -qx "$(cfg "$A" .id | cut -c1-12)" <<<"$out" || t_fail "ps -a -q -f status=created: [$out]"
cocin ps -a 2>&1 | grep -qE "^[0-9a-f]{12} +$A +- +Created +" || t_fail "ps -a table: $(cocin ps -a 2>&1 | grep "$A")"
t_end

t_begin "a created container: stop is a no-op, kill, pause and exec are refused, logs is empty"
out=$(cocin stop "$A" 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = "$A" ] || t_fail "stop: exit $rc [$out]"
is_status "$A" created || t_fail "after stop: $(cfg "$A" .status)"
[ "$(cfg "$A" 'has("creatorPid")')" = false ] || t_fail "stop left a creator in the record"
out=$(cocin kill "$A" 2>&1); rc=$?
[ "$rc" = 1 ] && [ "$out" = "cocin: container $A is not running" ] || t_fail "kill: exit $rc [$out]"
out=$(cocin pause "$A" 2>&1) && t_fail "pause succeeded: [$out]"
out=$(cocin exec "$A" true 2>&1); rc=$?
[ "$rc" = 125 ] && [ "$(nlines "$out")" = 1 ] && grep -q "is not running" <<<"$out" || t_fail "exec: exit $rc [$out]"
out=$(cocin logs "$A" 2>&1); rc=$?
[ "$rc" = 0 ] && [ -z "$out" ] || t_fail "logs: exit $rc [$out]"
is_status "$A" created || t_fail "at the end: $(cfg "$A" .status)"
t_end

t_begin "wait blocks on a created container until it is started and exits; start runs it detached"
cocin wait "$A" >"$T/wait.out" 2>&1 &
wpid=$!
t_track "$wpid"
sleep 0.5   # not a timing assertion: it must not have returned at all
kill -0 "$wpid" 2>/dev/null || t_fail "wait returned before the start: [$(cat "$T/wait.out")]"
out=$(timeout 30 "$COCIN" --root "$ROOT" start "$A" 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = "$A" ] || t_fail "start: exit $rc [$out]"
wait "$wpid"; rc=$?
[ "$rc" = 0 ] && [ "$(cat "$T/wait.out")" = 3 ] || t_fail "wait: exit $rc [$(cat "$T/wait.out")]"
wait_for is_exited "$A" || t_fail "status $(status_of "$A")"
[ "$(cfg "$A" .exitCode)" = 3 ] || t_fail "exitCode $(cfg "$A" .exitCode)"
[ "$(cocin logs "$A" 2>&1)" = hello ] || t_fail "logs: [$(cocin logs "$A" 2>&1)]"
t_end

t_begin "start of a created container returns at once with it running (detached), its output logged"
B=${P}b
cocin create --name "$B" busybox sh -c "echo up; exec sleep ${SL}16" >/dev/null 2>&1 || t_fail "create"
out=$(timeout 30 "$COCIN" --root "$ROOT" start "$B" 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = "$B" ] || t_fail "start: exit $rc [$out]"
wait_for is_status "$B" running || t_fail "status $(cfg "$B" .status)"
wait_for grep -qx up "$ROOT/containers/$B/container.log" || t_fail "log: $(head -c 100 "$ROOT/containers/$B/container.log")"
[ "$(cocin logs "$B" 2>&1)" = up ] || t_fail "logs: [$(cocin logs "$B" 2>&1)]"
[ "$(cocin exec "$B" echo in 2>&1)" = in ] || t_fail "exec once running"
cocin ps --format '{{.Names}}' | grep -qx "$B" || t_fail "ps does not list it running"
out=$(cocin start "$B" 2>&1); rc=$?
[ "$rc" = 0 ] || t_fail "a second start: exit $rc [$out]"
[ "$(grep -c up "$ROOT/containers/$B/container.log")" = 1 ] || t_fail "ran twice"
cocin rm -f "$B" >/dev/null 2>&1
wait_for no_proc "sleep ${SL}16\$" || t_fail "left: $(pgrep -af "sleep ${SL}16")"
t_end

t_begin "rm removes a created container without -f; rm -f too"
cocin rm "$A" >"$T/o" 2>&1 || t_fail "rm of the exited one: $(cat "$T/o")"
cocin create --name "$A" busybox true >/dev/null 2>&1 || t_fail "create"
out=$(cocin rm "$A" 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = "$A" ] || t_fail "rm: exit $rc [$out]"
gone "$A" || t_fail "still there: $(ls "$ROOT/containers/$A")"
cocin create --name "$A" busybox true >/dev/null 2>&1 || t_fail "create again"
out=$(cocin rm -f "$A" 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = "$A" ] || t_fail "rm -f: exit $rc [$out]"
gone "$A" || t_fail "still there after rm -f"
t_end

t_begin "create --rm: kept until it is started, removed once it exits; wait gives its code"
R=${P}rm
cocin create --rm --name "$R" busybox sh -c 'exit 4' >/dev/null 2>&1 || t_fail "create"
[ "$(cfg "$R" .autoRemove)" = true ] || t_fail "autoRemove $(cfg "$R" .autoRemove)"
cocin stop "$R" >/dev/null 2>&1 || t_fail "stop"
[ -d "$ROOT/containers/$R" ] || t_fail "removed before its start"
cocin wait "$R" >"$T/wait.out" 2>&1 &
wpid=$!
t_track "$wpid"
# the waiter's FIFO first: a --rm container that ends at once is gone soon
wait_for sh -c "ls -A '$ROOT/containers/$R' | grep -q '^\.wait'" || t_fail "no waiter"
cocin start "$R" >"$T/o" 2>&1 || t_fail "start: $(cat "$T/o")"
wait "$wpid"
[ "$(cat "$T/wait.out")" = 4 ] || t_fail "wait: [$(cat "$T/wait.out")]"
wait_for gone "$R" || t_fail "not removed after it exited: $(status_of "$R")"
t_end

t_begin "create without --name: named by its id's first 12 hex digits"
id=$(cocin create busybox true 2>"$T/err") || t_fail "create: $(cat "$T/err")"
if grep -qE '^[0-9a-f]{64}$' <<<"$id"; then
  [ "$(cfg "${id:0:12}" .id)" = "$id" ] || t_fail "no container ${id:0:12}: $(list_containers)"
  cocin rm "${id:0:12}" >/dev/null 2>&1 || t_fail "rm"
else
  t_fail "printed [$id]"
fi
t_end

t_begin "create takes run's options: env, workdir, hostname, volume, -t, used by the start"
mkdir -p "$T/vol"
cocin create --name "${P}op" -e CV=val -w /tmp -h "${P}hn" -v "$T/vol:/v" busybox \
  sh -c 'echo "$CV $(pwd) $(hostname)" > /v/out' >"$T/o" 2>&1 || t_fail "create: $(cat "$T/o")"
[ -e "$T/vol/out" ] && t_fail "it ran at create"
cocin start "${P}op" >/dev/null 2>&1 || t_fail "start"
wait_for is_exited "${P}op" || t_fail "status $(status_of "${P}op")"
[ "$(cat "$T/vol/out" 2>&1)" = "val /tmp ${P}hn" ] || t_fail "inside: [$(cat "$T/vol/out" 2>&1)]"
cocin rm "${P}op" >/dev/null 2>&1 || t_fail "rm"
cocin create -t --name "${P}tt" busybox tty >"$T/o" 2>&1 || t_fail "create -t: $(cat "$T/o")"
cocin start "${P}tt" >/dev/null 2>&1 || t_fail "start -t"
wait_for is_exited "${P}tt" || t_fail "-t: status $(status_of "${P}tt")"
cocin logs "${P}tt" 2>&1 | grep -q "^/dev/pts/" || t_fail "-t: logs [$(cocin logs "${P}tt" 2>&1)]"
cocin rm "${P}tt" >/dev/null 2>&1 || t_fail "rm -t"
t_end

t_begin "concurrent starts of a created container run it once"
for round in 1 2 3; do
  N=${P}cs$round
  cocin create --name "$N" busybox sh -c "echo ran; exec sleep ${SL}17" >/dev/null 2>&1 || t_fail "create $round"
  sp=()
  for k in 1 2 3 4; do
    (cocin start "$N" >"$T/cs.$k" 2>&1; echo "rc=$?" >>"$T/cs.$k") &
    sp+=($!); t_track $!
  done
  for p in "${sp[@]}"; do wait "$p"; done
  ok=0
  for k in 1 2 3 4; do
    if grep -qx "rc=0" "$T/cs.$k"; then ok=$((ok + 1))
    else grep -qE "is starting|running already" "$T/cs.$k" || t_fail "round $round start $k: $(tr '\n' ' ' <"$T/cs.$k")"
    fi
  done
  [ "$ok" -ge 1 ] || t_fail "round $round: no start succeeded"
  wait_for is_status "$N" running || t_fail "round $round: status $(cfg "$N" .status)"
  wait_for grep -qx ran "$ROOT/containers/$N/container.log"
  [ "$(grep -c ran "$ROOT/containers/$N/container.log")" = 1 ] || t_fail "round $round: ran $(grep -c ran "$ROOT/containers/$N/container.log") times"
  [ "$(pgrep -fc "^sleep ${SL}17\$")" = 1 ] || t_fail "round $round: $(pgrep -fc "^sleep ${SL}17\$") processes"
  cocin rm -f "$N" >/dev/null 2>&1
  wait_for no_proc "sleep ${SL}17\$" || t_fail "left: $(pgrep -af "sleep ${SL}17")"
done
t_end

t_begin "concurrent creates of one name: one wins, the others say it is in use, nothing else left"
before=$(list_containers)
N=${P}one
cp=()
for k in $(seq 1 6); do
  (cocin create --name "$N" busybox true >"$T/cc.$k" 2>&1; echo "rc=$?" >>"$T/cc.$k") &
  cp+=($!); t_track $!
done
for p in "${cp[@]}"; do wait "$p"; done
ok=0
for k in $(seq 1 6); do
  if grep -qx "rc=0" "$T/cc.$k"; then
    ok=$((ok + 1)); [ "$(head -1 "$T/cc.$k")" = "$(cfg "$N" .id)" ] || t_fail "winner printed $(head -1 "$T/cc.$k")"
  else
    grep -qx "rc=125" "$T/cc.$k" && grep -q "already in use" "$T/cc.$k" || t_fail "create $k: $(tr '\n' ' ' <"$T/cc.$k")"
  fi
done
[ "$ok" = 1 ] || t_fail "$ok creates succeeded"
is_status "$N" created || t_fail "status $(cfg "$N" .status)"
cocin rm "$N" >/dev/null 2>&1 || t_fail "rm"
[ "$(list_containers)" = "$before" ] || t_fail "left: $(list_containers)"
t_end

t_begin "create of a name in use: refused (exit 125, one line), the container there untouched"
cocin run -d --name "${P}used" busybox sleep ${SL}18 >/dev/null 2>&1 || t_fail "run"
cp "$ROOT/containers/${P}used/config.json" "$T/used.json"
out=$(cocin create --name "${P}used" busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && [ "$out" = "cocin: the container name \"${P}used\" is already in use (remove it: cocin rm ${P}used)" ] ||
  t_fail "exit $rc [$out]"
cmp -s "$T/used.json" "$ROOT/containers/${P}used/config.json" || t_fail "its record changed"
is_status "${P}used" running || t_fail "status $(cfg "${P}used" .status)"
for d in upper work container.log; do [ -e "$ROOT/containers/${P}used/$d" ] || t_fail "its $d is gone"; done
cocin rm -f "${P}used" >/dev/null 2>&1
wait_for no_proc "sleep ${SL}18\$" || t_fail "left: $(pgrep -af "sleep ${SL}18")"
t_end

t_begin "--network container:X at create: X need only exist, recorded by its id; the start joins X"
X=${P}nx
S=${P}ns
cocin create --name "$X" busybox sleep ${SL}19 >/dev/null 2>&1 || t_fail "create X"
out=$(cocin create --name "$S" --network "container:$X" busybox sleep ${SL}20 2>&1); rc=$?
[ "$rc" = 0 ] || t_fail "create with X created: exit $rc [$out]"
xid=$(cfg "$X" .id)
[ "$(cfg "$S" .network)" = "container:$xid" ] || t_fail "network: $(cfg "$S" .network), X's id $xid"
# its start needs X running: refused, and it stays created (startable)
out=$(cocin start "$S" 2>&1); rc=$?
[ "$rc" != 0 ] && grep -q "container:$xid: it is not running" <<<"$out" || t_fail "start before X: exit $rc [$out]"
is_status "$S" created || t_fail "after the failed start: $(cfg "$S" .status)"
[ "$(cfg "$S" 'has("creatorPid")')" = false ] || t_fail "the failed start left its creator recorded"
cocin start "$X" >/dev/null 2>&1 || t_fail "start X"
out=$(cocin start "$S" 2>&1) || t_fail "start: $out"
wait_for is_status "$S" running || t_fail "status $(cfg "$S" .status)"
xpid=$(cfg "$X" .pid); npid=$(cfg "$S" .pid)
[ -n "$npid" ] && [ "$(readlink "/proc/$npid/ns/net")" = "$(readlink "/proc/$xpid/ns/net")" ] ||
  t_fail "S's netns $(readlink "/proc/$npid/ns/net"), X's $(readlink "/proc/$xpid/ns/net")"
# an exited X will do too, by id prefix
cocin stop -t 0 "$S" "$X" >/dev/null 2>&1
out=$(cocin create --name "${S}2" --network "container:${xid:0:12}" busybox true 2>&1) || t_fail "by id prefix, X exited: $out"
[ "$(cfg "${S}2" .network)" = "container:$xid" ] || t_fail "by prefix: $(cfg "${S}2" .network)"
cocin rm -f "$S" "${S}2" "$X" >/dev/null 2>&1
wait_for no_proc "sleep ${SL}(19|20)\$" || t_fail "left: $(pgrep -af "sleep ${SL}(19|20)")"
t_end

t_begin "--network container:X refused at create: unknown, itself, on the host's network (exit 125, one line, nothing left)"
cocin run -d --name "${P}hn" --network host busybox sleep ${SL}21 >/dev/null 2>&1 || t_fail "run host"
before=$(list_containers)
out=$(cocin create --name "${P}bn" --network "container:${P}nosuch" busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && [ "$out" = "cocin: create: --network container:${P}nosuch: no such container: ${P}nosuch" ] || t_fail "unknown: exit $rc [$out]"
out=$(cocin create --name "${P}bn" --network "container:${P}bn" busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && [ "$out" = "cocin: create: --network container:${P}bn: no such container: ${P}bn" ] || t_fail "itself: exit $rc [$out]"
out=$(cocin create --name "${P}bn" --network "container:${P}hn" busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && [ "$(nlines "$out")" = 1 ] && grep -q "^cocin: create: .*use --network host" <<<"$out" || t_fail "host's: exit $rc [$out]"
for v in "container:../x" "container:" "container:a/b"; do
  out=$(cocin create --name "${P}bn" --network "$v" busybox true 2>&1); rc=$?
  [ "$rc" = 125 ] && [ "$(nlines "$out")" = 1 ] && grep -q "^cocin: create: .*expected container:NAME" <<<"$out" || t_fail "$v: exit $rc [$out]"
done
out=$(cocin create --name "${P}bn" --network "container:${P}hn" -h x busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && grep -q "^cocin: create: " <<<"$out" || t_fail "-h: exit $rc [$out]"
gone "${P}bn" || t_fail "${P}bn left"
[ "$(list_containers)" = "$before" ] || t_fail "left: $(list_containers)"
cocin rm -f "${P}hn" >/dev/null 2>&1
wait_for no_proc "sleep ${SL}21\$"
t_end

t_begin "bad create input: one line 'cocin: create: ...', exit 125, nothing left behind"
before=$(list_containers)
imgs=$(list_images)
BN=${P}bad
chk() { # chk PATTERN ARGS...
  local pat=$1 out rc; shift
  out=$(cocin create "$@" 2>&1); rc=$?
  [ "$rc" = 125 ] || t_fail "create $*: exit $rc [$out]"
  [ "$(nlines "$out")" = 1 ] || t_fail "create $*: not one line: [$out]"
  grep -q -- "^cocin: create: " <<<"$out" || t_fail "create $*: not a create: message: [$out]"
  grep -q -- "$pat" <<<"$out" || t_fail "create $*: [$out] lacks /$pat/"
  gone "$BN" || { t_fail "create $*: left $BN"; cocin rm -f "$BN" >/dev/null 2>&1; }
}
chk "unknown shorthand flag: 'd'" --name "$BN" -d busybox true
chk "unknown shorthand flag: 'd'" --name "$BN" -dit busybox sh
chk "unknown shorthand flag: 'd'" --name "$BN" -td busybox sh
chk "" --name "$BN" --detach busybox true
chk "requires an IMAGE"
chk "requires an IMAGE" --name "$BN"
chk "no such image: ${P}nosuchimg" --name "$BN" "${P}nosuchimg" true
chk "no such image: ${P}nosuchimg" --name "$BN" "${P}nosuchimg:latest" true
chk "invalid container name \"\.\./x\"" --name ../x busybox true
chk "invalid container name" --name a/b busybox true
chk "invalid container name" --name "" busybox true
chk "no command given" --name "$BN" busybox ""
chk "unknown shorthand flag: 'x'" --name "$BN" -x busybox true
chk "unknown flag" --name "$BN" --bogus busybox true
chk "cocin has the modes none" --name "$BN" --network bridge busybox true
chk "give the host's port too" --name "$BN" -p 80 busybox true
chk "invalid size" --name "$BN" -m abc busybox true
chk "no tags but :latest" --name "$BN" busybox:1.0 true
chk "invalid image name" --name "$BN" ../img true
chk "invalid image name" --name "$BN" .rm-x true
chk "expected NAME:IP" --name "$BN" --add-host nope busybox true
chk "--name" --name
[ "$(list_containers)" = "$before" ] || t_fail "containers left: $(list_containers), was $before"
[ "$(list_images)" = "$imgs" ] || t_fail "images changed: $(list_images), was $imgs"
out=$(cocin create --help 2>&1); rc=$?
[ "$rc" = 0 ] && grep -q "Usage: cocin create" <<<"$out" || t_fail "--help: exit $rc [$out]"
t_end

# ================================================================= rmi ===

t_begin "rmi: removes an unused image, prints the name as given; NAME:latest is NAME"
I=${P}img
mkimg "$I" || t_fail "import"
out=$(cocin rmi "$I" 2>"$T/err"); rc=$?
[ "$rc" = 0 ] && [ "$out" = "$I" ] && [ ! -s "$T/err" ] || t_fail "rmi: exit $rc [$out] [$(cat "$T/err")]"
[ ! -e "$ROOT/images/$I" ] || t_fail "still there"
cocin images -q 2>&1 | grep -qx "$I" && t_fail "images lists it"
mkimg "$I" || t_fail "import 2"
out=$(cocin rmi "$I:latest" 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = "$I:latest" ] || t_fail "rmi NAME:latest: exit $rc [$out]"
[ ! -e "$ROOT/images/$I" ] || t_fail "NAME:latest: still there"
mkimg "$I" && mkimg "${I}2" || t_fail "import 3"
for f in -f --force; do
  out=$(cocin rmi "$f" "$I" "${I}2" 2>&1); rc=$?
  [ "$rc" = 0 ] && [ "$out" = "$I
${I}2" ] || t_fail "rmi $f two: exit $rc [$out]"
  mkimg "$I" && mkimg "${I}2" || t_fail "import 4"
done
out=$(cocin rmi -- "$I" 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = "$I" ] || t_fail "rmi -- NAME: exit $rc [$out]"
# the run's container is gone, and so no user of it
cocin run --rm "${I}2" true >/dev/null 2>&1 || t_fail "run --rm"
out=$(cocin rmi "${I}2" 2>&1) || t_fail "after a run --rm: $out"
[ -z "$(rm_left)" ] || t_fail ".rm-* left: $(rm_left)"
cocin rmi --help 2>&1 | grep -q "Usage: cocin rmi" || t_fail "--help"
t_end

t_begin "rmi busybox: removed, and built again by the next run"
cocin run --rm busybox true >/dev/null 2>&1
out=$(cocin rmi busybox 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = busybox ] || t_fail "rmi: exit $rc [$out]"
[ ! -e "$ROOT/images/busybox" ] || t_fail "still there"
out=$(cocin run --rm busybox echo back 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = back ] || t_fail "run after rmi: exit $rc [$out]"
[ -d "$ROOT/images/busybox/rootfs" ] || t_fail "not built again"
out=$(cocin rmi busybox:latest 2>&1) || t_fail "rmi busybox:latest: $out"
out=$(cocin create --name "${P}bb" busybox echo again 2>&1) || t_fail "create after rmi: $out"
cocin start "${P}bb" >/dev/null 2>&1 || t_fail "start"
wait_for is_exited "${P}bb" || t_fail "status $(status_of "${P}bb")"
[ "$(cocin logs "${P}bb" 2>&1)" = again ] || t_fail "logs: $(cocin logs "${P}bb" 2>&1)"
cocin rm "${P}bb" >/dev/null 2>&1
[ -z "$(rm_left)" ] || t_fail ".rm-* left: $(rm_left)"
t_end

t_begin "rmi refuses an image a running or paused container uses, even with -f (exit 1, one line, image kept)"
I=${P}inuse
U=${P}u
mkimg "$I" || t_fail "import"
cocin run -d --name "$U" "$I" sleep ${SL}22 >/dev/null 2>&1 || t_fail "run"
for f in "" -f; do
  out=$(cocin rmi $f "$I" 2>&1); rc=$?
  [ "$rc" = 1 ] && [ "$out" = "cocin: image $I is in use by container $U (running): stop and remove it first" ] ||
    t_fail "rmi $f (running): exit $rc [$out]"
done
cocin pause "$U" >/dev/null 2>&1 || t_fail "pause"
for f in "" -f; do
  out=$(cocin rmi $f "$I:latest" 2>&1); rc=$?
  [ "$rc" = 1 ] && [ "$out" = "cocin: image $I is in use by container $U (paused): stop and remove it first" ] ||
    t_fail "rmi $f (paused): exit $rc [$out]"
done
cocin unpause "$U" >/dev/null 2>&1 || t_fail "unpause"
[ "$(cocin exec "$U" echo ok 2>&1)" = ok ] || t_fail "the container is disturbed"
image_whole "$I" || t_fail "the image is not whole: $(ls "$ROOT/images/$I" 2>&1)"
[ -z "$(rm_left)" ] || t_fail ".rm-* left: $(rm_left)"
# with others in one rmi: those go, this one stays
mkimg "${I}f" || t_fail "import 2"
out=$(cocin rmi "${I}f" "$I" "${P}nosuch" 2>"$T/err"); rc=$?
[ "$rc" = 1 ] && [ "$out" = "${I}f" ] || t_fail "mixed: exit $rc [$out]"
[ "$(cat "$T/err")" = "cocin: image $I is in use by container $U (running): stop and remove it first
cocin: no such image: ${P}nosuch" ] || t_fail "mixed: stderr [$(cat "$T/err")]"
[ ! -e "$ROOT/images/${I}f" ] || t_fail "mixed: ${I}f kept"
image_whole "$I" || t_fail "mixed: the image is not whole"
t_end

t_begin "rmi without -f refuses an image an exited or stopped container uses; -f removes it, and its start then fails"
cocin stop -t 0 "$U" >/dev/null 2>&1 || t_fail "stop"
st=$(cfg "$U" .status)
out=$(cocin rmi "$I" 2>&1); rc=$?
[ "$rc" = 1 ] && [ "$out" = "cocin: image $I is used by container $U ($st): remove the container first, or use rmi -f" ] ||
  t_fail "rmi ($st): exit $rc [$out]"
image_whole "$I" || t_fail "the image is not whole"
cocin run --name "${P}ex" "$I" true >/dev/null 2>&1 || t_fail "run ex"
cocin rm "$U" >/dev/null 2>&1 || t_fail "rm $U"
out=$(cocin rmi "$I" 2>&1); rc=$?
[ "$rc" = 1 ] && [ "$out" = "cocin: image $I is used by container ${P}ex (exited): remove the container first, or use rmi -f" ] ||
  t_fail "rmi (exited): exit $rc [$out]"
image_whole "$I" || t_fail "the image is not whole (2)"
out=$(cocin rmi -f "$I" 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = "$I" ] || t_fail "rmi -f: exit $rc [$out]"
[ ! -e "$ROOT/images/$I" ] || t_fail "still there after -f"
out=$(cocin start "${P}ex" 2>&1); rc=$?
[ "$rc" != 0 ] && grep -q "no such image: $I" <<<"$out" || t_fail "start without its image: exit $rc [$out]"
is_exited "${P}ex" || t_fail "after the failed start: $(status_of "${P}ex")"
cocin rm "${P}ex" >/dev/null 2>&1 || t_fail "rm of the container whose image is gone"
wait_for no_proc "sleep ${SL}22\$" || t_fail "left: $(pgrep -af "sleep ${SL}22")"
[ -z "$(rm_left)" ] || t_fail ".rm-* left: $(rm_left)"
t_end

t_begin "rmi and a created container: refused without -f (created), removed with -f"
I=${P}cimg
mkimg "$I" || t_fail "import"
cocin create --name "${P}cr" "$I" true >/dev/null 2>&1 || t_fail "create"
out=$(cocin rmi "$I" 2>&1); rc=$?
[ "$rc" = 1 ] && [ "$out" = "cocin: image $I is used by container ${P}cr (created): remove the container first, or use rmi -f" ] ||
  t_fail "rmi: exit $rc [$out]"
image_whole "$I" || t_fail "the image is not whole"
out=$(cocin rmi -f "$I" 2>&1); rc=$?
[ "$rc" = 0 ] && [ "$out" = "$I" ] || t_fail "rmi -f: exit $rc [$out]"
is_status "${P}cr" created || t_fail "the container: $(cfg "${P}cr" .status)"
cocin rm "${P}cr" >/dev/null 2>&1 || t_fail "rm"
cocin rmi -f "$I" >/dev/null 2>&1
[ -z "$(rm_left)" ] || t_fail ".rm-* left: $(rm_left)"
t_end

t_begin "rmi refuses an image a starting container uses, even with -f"
# a container being started: "created" and its creator alive (here a sleep
# of ours stands in for the cocin that starts it)
I=${P}simg
mkimg "$I" || t_fail "import"
cocin run --name "${P}st" "$I" true >/dev/null 2>&1 || t_fail "run"
cp "$ROOT/containers/${P}st/config.json" "$T/st.json"
sleep ${SL}23 &
spid=$!
t_track "$spid"
sst=$(sed 's/.*) //' "/proc/$spid/stat" | awk '{print $20}')
jq --argjson p "$spid" --argjson s "$sst" '.status = "created" | .creatorPid = $p | .creatorStartTime = $s' \
  "$T/st.json" >"$T/st2.json" && cat "$T/st2.json" >"$ROOT/containers/${P}st/config.json"
for f in "" -f; do
  out=$(cocin rmi $f "$I" 2>&1); rc=$?
  [ "$rc" = 1 ] && [ "$out" = "cocin: image $I is in use by container ${P}st (starting): stop and remove it first" ] ||
    t_fail "rmi $f: exit $rc [$out]"
done
image_whole "$I" || t_fail "the image is not whole"
cat "$T/st.json" >"$ROOT/containers/${P}st/config.json"
kill "$spid"; wait "$spid" 2>/dev/null
cocin rm "${P}st" >/dev/null 2>&1 || t_fail "rm"
cocin rmi "$I" >/dev/null 2>&1 || t_fail "rmi after"
t_end

if command -v strace >/dev/null; then
  t_begin "rmi during a real start of a stopped container: refused (starting or running), the start completes"
  I=${P}timg
  mkimg "$I" || t_fail "import"
  N=${P}ts
  cocin run -d --name "$N" "$I" sleep ${SL}24 >/dev/null 2>&1 && cocin stop -t 0 "$N" >/dev/null 2>&1 || t_fail "run, stop"
  # strace holds each process's first mkdir for 4 s: the start stays
  # "created", its creator alive
  strace -f -qq -o /dev/null -e trace=mkdir -e inject=mkdir:delay_enter=4000000:when=1 \
    "$COCIN" --root "$ROOT" start "$N" >"$T/o" 2>&1 &
  rpid=$!
  t_track "$rpid"
  wait_for is_status "$N" created || t_fail "never seen starting: $(status_of "$N")"
  out=$(cocin rmi -f "$I" 2>&1); rc=$?
  [ "$rc" = 1 ] && grep -qxE "cocin: image $I is in use by container $N \((starting|running)\): stop and remove it first" <<<"$out" ||
    t_fail "rmi -f: exit $rc [$out]"
  wait_for is_status "$N" running || t_fail "the start did not complete: $(status_of "$N"): $(cat "$T/o")"
  image_whole "$I" || t_fail "the image is not whole"
  cocin rm -f "$N" >/dev/null 2>&1
  wait "$rpid" 2>/dev/null
  wait_for no_proc "sleep ${SL}24\$" || t_fail "left: $(pgrep -af "sleep ${SL}24")"
  cocin rmi "$I" >/dev/null 2>&1 || t_fail "rmi after"
  t_end
else
  t_skip "rmi during a real start" "no strace to hold it starting"
fi

t_begin "bad rmi input: exit 1, one line, no image removed, nothing left"
cocin run --rm busybox true >/dev/null 2>&1
I=${P}keep
mkimg "$I" || t_fail "import"
mkdir -p "$T/target/rootfs"; echo precious >"$T/target/rootfs/file"
ln -s "$T/target" "$ROOT/images/${P}lnk"
echo junk >"$ROOT/images/${P}file"
imgs=$(list_images)
rchk() { # rchk WANT ARGS...: exit 1 (125 for a flag that cannot be read), exactly WANT
  local want=$1 out rc code=1; shift
  case $want in *"unknown flag"* | *"unknown shorthand flag"*) code=125 ;; esac
  out=$(cocin rmi "$@" 2>&1); rc=$?
  [ "$rc" = "$code" ] && [ "$out" = "$want" ] || t_fail "rmi $*: exit $rc [$out]"
}
rchk "cocin: rmi: requires at least one image name"
rchk "cocin: rmi: requires at least one image name" -f
rchk "cocin: rmi: requires at least one image name" --
rchk "cocin: rmi: unknown shorthand flag: 'x' in -x" -x "$I"
rchk "cocin: rmi: unknown flag: --bogus" --bogus "$I"
rchk "cocin: rmi: unknown shorthand flag: 'x' in -fx" -fx "$I"
rchk "cocin: no such image: ${P}nosuch" "${P}nosuch"
rchk "cocin: no such image: ${P}nosuch" -f "${P}nosuch"
rchk "cocin: no such image: ${P}nosuch" "${P}nosuch:latest"
rchk "cocin: no such image: ${P}lnk" "${P}lnk"
rchk "cocin: no such image: ${P}lnk" -f "${P}lnk"
rchk "cocin: no such image: ${P}file" "${P}file"
for v in ../x ../../etc a/b .rm-x . .. "" "-" "$I/" "/$I"; do
  out=$(cocin rmi -- "$v" 2>&1); rc=$?
  [ "$rc" = 1 ] && [ "$(nlines "$out")" = 1 ] && grep -qE "^cocin: (invalid image name|no such image)" <<<"$out" ||
    t_fail "rmi '$v': exit $rc [$out]"
done
for v in "$I:1.0" "$I:" ":latest" "$I:latest:latest"; do
  out=$(cocin rmi "$v" 2>&1); rc=$?
  [ "$rc" = 1 ] && [ "$(nlines "$out")" = 1 ] && grep -qE "^cocin: (image \".*\": cocin's images have no tags but :latest|invalid image name)" <<<"$out" ||
    t_fail "rmi '$v': exit $rc [$out]"
done
[ "$(list_images)" = "$imgs" ] || t_fail "images changed: $(list_images), was $imgs"
[ "$(cat "$T/target/rootfs/file" 2>&1)" = precious ] || t_fail "the symlink's target was touched"
image_whole "$I" || t_fail "the image is not whole"
image_whole busybox || t_fail "busybox is not whole"
rm -f "$ROOT/images/${P}lnk" "$ROOT/images/${P}file"
cocin rmi "$I" >/dev/null 2>&1 || t_fail "rmi after"
[ -z "$(rm_left)" ] || t_fail ".rm-* left: $(rm_left)"
t_end

if [ "$HAVE_PY" = 1 ]; then
  t_begin "rmi waits for a run's hold on the image, then removes it"
  I=${P}held
  mkimg "$I" || t_fail "import"
  ino=$(stat -c %i "$ROOT/images/$I")
  locker sh "$ROOT/images/$I" h1 || t_fail "no hold: $(cat "$T/h1.err")"
  cocin rmi "$I" >"$T/rmi.out" 2>&1 &
  rpid=$!
  t_track "$rpid"
  wait_for waiter_on WRITE "$ino" || t_fail "rmi is not waiting for the lock: $(cat "$T/rmi.out")"
  kill -0 "$rpid" 2>/dev/null || t_fail "rmi ended while the image was held: $(cat "$T/rmi.out")"
  [ -x "$ROOT/images/$I/rootfs/bin/busybox" ] || t_fail "removed while held"
  release h1
  wait "$rpid"; rc=$?
  [ "$rc" = 0 ] && [ "$(cat "$T/rmi.out")" = "$I" ] || t_fail "rmi: exit $rc [$(cat "$T/rmi.out")]"
  [ ! -e "$ROOT/images/$I" ] || t_fail "still there"
  [ -z "$(rm_left)" ] || t_fail ".rm-* left: $(rm_left)"
  t_end

  t_begin "a run that waited for an rmi under way: no such image (imported), or busybox built again"
  I=${P}gone
  mkimg "$I" || t_fail "import"
  before=$(list_containers)
  ino=$(stat -c %i "$ROOT/images/$I")
  locker ex "$ROOT/images/$I" h2 "$ROOT/images/.rm-${P}a" || t_fail "no lock: $(cat "$T/h2.err")"
  cocin run --rm "$I" echo ran >"$T/run.out" 2>&1 &
  rpid=$!
  t_track "$rpid"
  wait_for waiter_on READ "$ino" || t_fail "the run is not waiting for the lock: $(cat "$T/run.out")"
  release h2   # renamed away, as rmi does, then unlocked
  wait "$rpid"; rc=$?
  [ "$rc" = 125 ] && [ "$(nlines "$(cat "$T/run.out")")" = 1 ] &&
    grep -q "^cocin: run: no such image: $I" "$T/run.out" || t_fail "run: exit $rc [$(cat "$T/run.out")]"
  wait_for same_containers "$before" || t_fail "left: $(list_containers)"
  # the same for busybox: built again, the run succeeds
  ino=$(stat -c %i "$ROOT/images/busybox")
  locker ex "$ROOT/images/busybox" h3 "$ROOT/images/.rm-${P}b" || t_fail "no lock (busybox): $(cat "$T/h3.err")"
  cocin run --rm busybox echo ran >"$T/run.out" 2>&1 &
  rpid=$!
  t_track "$rpid"
  wait_for waiter_on READ "$ino" || t_fail "the busybox run is not waiting for the lock: $(cat "$T/run.out")"
  release h3
  wait "$rpid"; rc=$?
  [ "$rc" = 0 ] && [ "$(cat "$T/run.out")" = ran ] || t_fail "busybox run: exit $rc [$(cat "$T/run.out")]"
  [ -x "$ROOT/images/busybox/rootfs/bin/busybox" ] || t_fail "busybox not built again"
  wait_for same_containers "$before" || t_fail "left: $(list_containers)"
  t_end

  t_begin "rmi and image builds sweep the .rm-* an earlier rmi left, but not one still held"
  # such leftovers (an rmi killed while deleting; an import since may
  # have swept the two renamed above already)
  mkdir -p "$ROOT/images/.rm-${P}a/rootfs" "$ROOT/images/.rm-${P}b/rootfs"
  mkdir -p "$ROOT/images/.rm-${P}held/rootfs"
  locker sh "$ROOT/images/.rm-${P}held" h4 || t_fail "no hold: $(cat "$T/h4.err")"
  I=${P}sw
  mkimg "$I" || t_fail "import"
  out=$(cocin rmi "$I" 2>&1) || t_fail "rmi: $out"
  [ "$(rm_left)" = ".rm-${P}held " ] || t_fail "after the rmi: [$(rm_left)], want only the held one"
  cocin images -q 2>&1 | grep -q '^\.rm-' && t_fail "images lists a .rm-*: $(cocin images 2>&1 | tr '\n' ' ')"
  release h4
  # a build killed half way (import, commit) leaves a .tmp-*: swept by the
  # next build once a minute old, unless its builder still holds it
  mkdir -p "$ROOT/images/.tmp-${P}old/rootfs" "$ROOT/images/.tmp-${P}young/rootfs"
  touch -d '2 minutes ago' "$ROOT/images/.tmp-${P}old"
  mkimg "$I" || t_fail "import 2"
  [ -d "$ROOT/images/.tmp-${P}old" ] && t_fail "an old .tmp-* left"
  [ -d "$ROOT/images/.tmp-${P}young" ] || t_fail "a young .tmp-* (a build under way?) swept"
  rm -rf "$ROOT/images/.tmp-${P}young"
  out=$(cocin rmi "$I" 2>&1) || t_fail "rmi 2: $out"
  [ -z "$(rm_left)" ] || t_fail "after the hold ended: [$(rm_left)]"
  t_end
else
  t_skip "rmi and image holds" "no python3 to hold a lock"
fi

# race: runs [N] of IMAGE (three loops, in the background) while rmi -f
# IMAGE is tried until it succeeds; every run must have succeeded or found
# no such image.  Sets RUNS_OK, RUNS_GONE.
race() {
  local img=$1 n=$2 k i r rc out removed=0 before p
  before=$(list_containers)
  rm -rf "$T/race"; mkdir -p "$T/race"
  local rp=()
  for k in 1 2 3; do
    (for i in $(seq 1 "$n"); do
       cocin run --rm "$img" true >"$T/race/$k.$i" 2>&1; echo $? >"$T/race/$k.$i.rc"
     done) &
    rp+=($!); t_track $!
  done
  # once the runs are under way (refused while one of them runs)
  wait_for test -e "$T/race/1.2.rc" || t_fail "the runs did not start"
  for i in $(seq 1 2000); do
    if cocin rmi -f "$img" >"$T/race/rmi" 2>&1; then removed=1; break; fi
    grep -qxE "cocin: image $img is in use by container [0-9a-f]{12} \((running|starting)\): stop and remove it first|cocin: no such image: $img" "$T/race/rmi" ||
      { t_fail "rmi -f said: $(cat "$T/race/rmi")"; break; }
  done
  for p in "${rp[@]}"; do wait "$p"; done
  [ "$removed" = 1 ] || cocin rmi -f "$img" >"$T/race/rmi" 2>&1 || t_fail "rmi -f after the runs: $(cat "$T/race/rmi")"
  [ "$removed" = 1 ] && [ "$(cat "$T/race/rmi")" != "$img" ] && t_fail "rmi -f printed [$(cat "$T/race/rmi")]"
  RUNS_OK=0 RUNS_GONE=0
  for r in "$T"/race/*.rc; do
    rc=$(cat "$r"); out=$(cat "${r%.rc}")
    if [ "$rc" = 0 ] && [ -z "$out" ]; then RUNS_OK=$((RUNS_OK + 1))
    elif [ "$rc" = 125 ] && [ "$(nlines "$out")" = 1 ] && grep -q "^cocin: run: no such image: $img" <<<"$out"; then
      RUNS_GONE=$((RUNS_GONE + 1))
    else t_fail "run $(basename "${r%.rc}"): exit $rc [$(head -c 300 <<<"$out")]"
    fi
  done
  [ $((RUNS_OK + RUNS_GONE)) = $((3 * n)) ] || t_fail "$((RUNS_OK + RUNS_GONE)) of $((3 * n)) runs accounted for"
  wait_for same_containers "$before" || t_fail "containers left: $(list_containers)"
  [ -z "$(rm_left)" ] || t_fail ".rm-* left: $(rm_left)"
}

t_begin "runs racing rmi -f of an imported image: each succeeds or finds no such image; nothing left"
I=${P}race
mkimg "$I" || t_fail "import"
race "$I" 25
[ ! -e "$ROOT/images/$I" ] || t_fail "the image is still there: $(ls -A "$ROOT/images/$I")"
# (the race is not asserted to have happened either way: RUNS_OK, RUNS_GONE)
cocin images -q 2>&1 | grep -qx "$I" && t_fail "images lists it"
t_end

t_begin "runs racing rmi -f of busybox: each succeeds or finds no such image; busybox works after"
race busybox 15
out=$(cocin run --rm busybox echo after 2>&1)
[ "$out" = after ] || t_fail "run after: [$out]"
[ -z "$(rm_left)" ] || t_fail ".rm-* left: $(rm_left)"
t_end

t_begin "creates racing rmi -f: each succeeds or finds no such image; nothing left"
I=${P}crace
mkimg "$I" || t_fail "import"
before=$(list_containers)
rm -rf "$T/cr"; mkdir -p "$T/cr"
# each created container removed at once: an rmi -f is refused only while
# one is being made
(for i in $(seq 1 30); do
   cocin create --name "${P}cr$i" "$I" true >"$T/cr/$i" 2>&1; echo $? >"$T/cr/$i.rc"
   [ -e "$ROOT/containers/${P}cr$i" ] && { cocin rm "${P}cr$i" >"$T/cr/$i.rm" 2>&1 || echo "rm failed" >>"$T/cr/$i.rm"; }
 done) &
cpid=$!
t_track "$cpid"
wait_for test -e "$T/cr/2.rc" || t_fail "the creates did not start"
removed=0
for i in $(seq 1 2000); do
  cocin rmi -f "$I" >"$T/cr/rmi" 2>&1 && { removed=1; break; }
  grep -qE "^cocin: image $I is (in use|used) by container ${P}cr[0-9]+ |^cocin: no such image: $I\$" "$T/cr/rmi" ||
    { t_fail "rmi -f said: $(cat "$T/cr/rmi")"; break; }
done
wait "$cpid"
[ "$removed" = 1 ] || cocin rmi -f "$I" >"$T/cr/rmi" 2>&1 || t_fail "rmi -f after the creates: $(cat "$T/cr/rmi")"
for r in "$T"/cr/*.rc; do
  i=$(basename "$r" .rc); rc=$(cat "$r"); out=$(cat "$T/cr/$i")
  if [ "$rc" = 0 ]; then
    grep -qxE '[0-9a-f]{64}' <<<"$out" || t_fail "create $i printed [$out]"
  elif ! { [ "$rc" = 125 ] && [ "$(nlines "$out")" = 1 ] && grep -q "^cocin: create: no such image: $I" <<<"$out"; }; then
    t_fail "create $i: exit $rc [$(head -c 300 <<<"$out")]"
  fi
  grep -q "rm failed" "$T/cr/$i.rm" 2>/dev/null && t_fail "rm of ${P}cr$i: $(cat "$T/cr/$i.rm")"
done
[ ! -e "$ROOT/images/$I" ] || t_fail "the image is still there"
[ "$(list_containers)" = "$before" ] || t_fail "left: $(list_containers)"
[ -z "$(rm_left)" ] || t_fail ".rm-* left: $(rm_left)"
t_end

# ===================================================== create via cocinfs ===

if [ -z "$COCINFS" ] || [ ! -x "$COCINFS" ]; then
  t_skip fs-create "COCINFS not set"
elif [ ! -c /dev/fuse ]; then
  t_skip fs-create "no /dev/fuse on this machine"
else
  M=$T/mnt
  FSPID=""
  # (mounted, fs_start_fg, fs_stop, ctl: lib.sh's)
  # fs_bad NAME ERRNO-TEXT REPLY-PATTERN LINE: the write fails with that
  # errno, one readable line of reason on the file, nothing left behind
  fs_bad() {
    local n=$1 e=$2 pat=$3 line=$4 before
    before=$(list_containers)
    ctl "$M/ctl" "$line"
    if [ "$RC" = 0 ]; then echo "FAIL: $n: write succeeded (reply: $REPLY)"
    elif ! grep -qi -- "$e" <<<"$ERR"; then echo "FAIL: $n: error [$ERR] lacks /$e/"
    elif [ -z "$REPLY" ] || [ "$(nlines "$REPLY")" != 1 ]; then echo "FAIL: $n: reply not one line: [$REPLY]"
    elif ! grep -q -- "$pat" <<<"$REPLY"; then echo "FAIL: $n: reply [$REPLY] lacks /$pat/"
    elif [ "$(list_containers)" != "$before" ]; then echo "FAIL: $n: left: $(list_containers), was $before"
    else echo "PASS: $n"
    fi
  }

  t_begin fs-create-mount
  fs_start_fg || t_fail "cocinfs did not mount $M: $(head -c 300 "$T/fs.err")"
  t_end
  if daemon_up; then
    F=${P}fa
    t_begin "fs: create through ctl replies with the name; the container is created, not started"
    ctl "$M/ctl" "create --name $F busybox sh -c 'echo via-ctl; exit 5'"
    [ "$RC" = 0 ] && [ "$REPLY" = "$F" ] || t_fail "rc $RC [$ERR] reply [$REPLY]"
    ls "$M" | grep -qx "$F" || t_fail "not listed: $(ls "$M" | tr '\n' ' ')"
    read -r st _ <"$M/$F/status"; [ "$st" = created ] || t_fail "status file: [$(cat "$M/$F/status")]"
    [ "$(jq -r .status "$M/$F/config.json")" = created ] || t_fail "config.json status"
    [ "$(jq -r 'has("creatorPid")' "$M/$F/config.json")" = false ] || t_fail "a creator recorded"
    [ -z "$(cat "$M/$F/container.log" 2>&1)" ] || t_fail "log: $(head -c 100 "$M/$F/container.log")"
    t_end

    t_begin "fs: start through ctl runs it detached; stop of a created one through its ctl is a no-op"
    G=${P}fb
    ctl "$M/ctl" "create --name $G busybox echo via-own-ctl"
    [ "$RC" = 0 ] && [ "$REPLY" = "$G" ] || t_fail "create $G: rc $RC [$ERR] [$REPLY]"
    ctl "$M/$G/ctl" "stop"; [ "$RC" = 0 ] || t_fail "stop of a created one: rc $RC [$ERR] [$REPLY]"
    is_status "$G" created || t_fail "after stop: $(cfg "$G" .status)"
    ctl "$M/$G/ctl" "kill"; [ "$RC" != 0 ] || t_fail "kill of a created one succeeded"
    ctl "$M/ctl" "start $F"; [ "$RC" = 0 ] && [ "$REPLY" = "$F" ] || t_fail "start: rc $RC [$ERR] [$REPLY]"
    wait_for grep -q '^exited 5' "$M/$F/status" || t_fail "status: [$(cat "$M/$F/status")]"
    [ "$(cat "$M/$F/container.log")" = via-ctl ] || t_fail "log: [$(cat "$M/$F/container.log")]"
    ctl "$M/$G/ctl" "start"; [ "$RC" = 0 ] && [ "$REPLY" = "$G" ] || t_fail "start via its ctl: rc $RC [$ERR] [$REPLY]"
    wait_for grep -q '^exited 0' "$M/$G/status" || t_fail "$G status: [$(cat "$M/$G/status")]"
    [ "$(cat "$M/$G/container.log")" = via-own-ctl ] || t_fail "$G log: [$(cat "$M/$G/container.log")]"
    ctl "$M/ctl" "rm $F $G"; [ "$RC" = 0 ] || t_fail "rm: rc $RC [$ERR] [$REPLY]"
    gone "$F" && gone "$G" || t_fail "not removed"
    t_end

    t_begin "fs: create without --name replies with the id-made name; --rm, --help"
    ctl "$M/ctl" "create busybox true"
    if [ "$RC" = 0 ] && grep -qxE '[0-9a-f]{12}' <<<"$REPLY"; then
      [ "$(cfg "$REPLY" .id | cut -c1-12)" = "$REPLY" ] || t_fail "no container $REPLY"
      n=$REPLY; ctl "$M/ctl" "rm $n"; [ "$RC" = 0 ] || t_fail "rm $n: $ERR"
    else
      t_fail "rc $RC [$ERR] reply [$REPLY]"
    fi
    ctl "$M/ctl" "create --rm --name ${P}fr busybox true"
    [ "$RC" = 0 ] && [ "$REPLY" = "${P}fr" ] || t_fail "--rm: rc $RC [$ERR] [$REPLY]"
    ctl "$M/ctl" "start ${P}fr"; [ "$RC" = 0 ] || t_fail "start --rm: rc $RC [$ERR]"
    wait_for gone "${P}fr" || t_fail "--rm: not removed after it exited"
    ctl "$M/ctl" "create --help"
    [ "$RC" = 0 ] && grep -q "create takes run's options" <<<"$REPLY" || t_fail "--help: rc $RC [$REPLY]"
    t_end

    fs_bad fs-create-d "Invalid argument" "^create: unknown shorthand flag: 'd'" "create --name ${P}fx -d busybox true"
    fs_bad fs-create-dit "Invalid argument" "^create: unknown shorthand flag: 'd'" "create --name ${P}fx -dit busybox sh"
    fs_bad fs-create-no-args "Invalid argument" "^create: " "create"
    fs_bad fs-create-no-image "Invalid argument" "^create: " "create --name ${P}fx"
    fs_bad fs-create-no-command "Invalid argument" "^create: no command given" "create --name ${P}fx busybox ''"
    fs_bad fs-create-bad-name "Invalid argument" "^create: invalid container name" "create --name ../x busybox true"
    fs_bad fs-create-bad-name-slash "Invalid argument" "^create: invalid container name" "create --name a/b busybox true"
    fs_bad fs-create-unbalanced "Invalid argument" "" "create busybox sh -c 'echo"
    fs_bad fs-create-bad-flag "Invalid argument" "^create: unknown shorthand flag: 'x'" "create --name ${P}fx -x busybox true"
    fs_bad fs-create-bad-network "Invalid argument" "^create: --network" "create --name ${P}fx --network bridge busybox true"
    fs_bad fs-create-bad-port "Invalid argument" "^create: -p 80" "create --name ${P}fx -p 80 busybox true"
    fs_bad fs-create-bad-tag "Invalid argument" "^create: image \"busybox:1.0\"" "create --name ${P}fx busybox:1.0 true"
    fs_bad fs-create-bad-image-name "Invalid argument" "^create: invalid image name" "create --name ${P}fx ../img true"
    fs_bad fs-create-unknown-image "No such file" "^create: no such image: ${P}nosuchimg" "create --name ${P}fx ${P}nosuchimg true"
    fs_bad fs-create-unknown-network "No such file" "^create: --network container:${P}nosuch: no such container" \
      "create --name ${P}fx --network container:${P}nosuch busybox true"
    ctl "$M/ctl" "create --name ${P}fd busybox true"
    fs_bad fs-create-name-in-use "File exists" "already in use" "create --name ${P}fd busybox true"
    ctl "$M/ctl" "rm ${P}fd"
    # a container's own ctl has no create
    ctl "$M/ctl" "run -d --name ${P}fo busybox sleep ${SL}25"
    before=$(list_containers)
    ctl "$M/${P}fo/ctl" "create busybox true"
    [ "$RC" != 0 ] && grep -qi "Invalid argument" <<<"$ERR" && grep -q "unknown command \"create\"" <<<"$REPLY" &&
      [ "$(list_containers)" = "$before" ] &&
      echo "PASS: fs-create-in-a-container-ctl" || echo "FAIL: fs-create-in-a-container-ctl: rc $RC [$ERR] [$REPLY]"
    ctl "$M/ctl" "rm -f ${P}fo"
    wait_for no_proc "sleep ${SL}25\$"
    gone "${P}fx" && echo "PASS: fs-create-bad-input-leaves-nothing" || echo "FAIL: fs-create-bad-input-leaves-nothing: ${P}fx left"
    daemon_up && echo "PASS: fs-create-daemon-still-serves" || echo "FAIL: fs-create-daemon-still-serves: $(head -c 300 "$T/fs.err")"
  else
    echo "FAIL: fs-create: no daemon, giving up on the fs tests"
  fi
  fs_stop
fi

t_begin "no container, mount, process or .rm-* left"
for c in "$ROOT"/containers/*/; do [ -d "$c" ] && cocin rm -f "$(basename "$c")" >/dev/null 2>&1; done
[ -z "$(list_containers)" ] || t_fail "containers: $(list_containers)"
wait_for no_proc "--root $ROOT " || t_fail "processes: $(pgrep -af -- "--root $ROOT " | head -3)"
wait_for no_proc "sleep ${SL}[0-9][0-9]\$" || t_fail "processes: $(pgrep -af "sleep ${SL}" | head -3)"
grep -q " $ROOT" /proc/mounts && t_fail "mounts: $(grep " $ROOT" /proc/mounts | head -2)"
[ -z "$(rm_left)" ] || t_fail ".rm-* left: $(rm_left)"
t_end
