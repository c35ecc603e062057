#!/bin/bash
# Script tests for cocinfs (issue 4): the tree, every file and verb, bad
# input through the files, exec and wait, permissions, the daemon's restart
# after kill -9, 50 concurrent writers, and the examples/ scripts.
# Mounts on $T/mnt (and $T/mnt2 for --allow-other), never on /cocin.
. "$(dirname "$0")/lib.sh"

if [ -z "$COCINFS" ] || [ ! -x "$COCINFS" ]; then t_skip fs "COCINFS not set"; exit 0; fi
if [ ! -c /dev/fuse ]; then t_skip fs "no /dev/fuse on this machine"; exit 0; fi
command -v jq >/dev/null || { t_skip fs "jq is not installed"; exit 0; }
HERE=$(cd "$(dirname "$0")" && pwd)
EXAMPLES=$HERE/../../examples

P=f40x$$          # container names: cgroups are named after them, keep them unique
M=$T/mnt
M2=$T/mnt2
chmod 711 "$T"    # let the unprivileged user reach the mountpoints
FSPID=""

list_containers() { ls -A "$ROOT/containers" 2>/dev/null | grep -v '^\.' | sort | tr '\n' ' '; }
# the daemonized cocinfs serving $M (the monitors it forked share its
# command line, not its name)
daemon_pid() {
  local p
  for p in $(pgrep -f -- "--root $ROOT $M\$"); do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = cocinfs ] && { echo "$p"; return; }
  done
}

# pywrite FILE CHUNK...: one write() per chunk (python escapes: \n \x00),
# then pread the reply at 0.  Prints "ERR <ENAME>" for a failed write and
# "REPLY <text>".
pywrite() {
  python3 - "$@" <<'EOF'
import errno, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
for c in sys.argv[2:]:
    data = c.encode('latin1').decode('unicode_escape').encode('latin1')
    if c.startswith('@BIG'):
        data = b'a' * int(c[4:]) + b'\n'
    try:
        os.write(fd, data)
    except OSError as e:
        print('ERR', errno.errorcode[e.errno])
        break
print('REPLY', os.pread(fd, 65536, 0).decode(errors='replace').strip().replace('\n', ' | '))
EOF
}

expect_fail() { # NAME PATTERN(errno text in ERR) : after ctl
  local n=$1 pat=$2
  if [ "$RC" = 0 ]; then echo "FAIL: $n: write succeeded (reply: $REPLY)"; return; fi
  if ! grep -qi -- "$pat" <<<"$ERR"; then echo "FAIL: $n: error [$ERR] lacks /$pat/"; return; fi
  if [ -z "$REPLY" ]; then echo "FAIL: $n: no message readable on the file"; return; fi
  echo "PASS: $n"
}

# ---------------------------------------------------------------- mount ----
t_begin fs-mount
fs_start_fg || t_fail "cocinfs did not mount $M: $(head -c 300 "$T/fs.err")"
[ -d "$M" ] || t_fail "mountpoint was not created"
grep -q "^cocinfs $M fuse.cocinfs .*default_permissions" /proc/mounts ||
  t_fail "mount options: $(grep " $M " /proc/mounts)"
[ "$(ls "$M")" = ctl ] || t_fail "empty root lists [$(ls "$M")]"
[ "$(stat -c %a "$M/ctl")" = 600 ] || t_fail "ctl mode $(stat -c %a "$M/ctl")"
t_end
if ! daemon_up; then echo "FAIL: fs: no daemon, giving up"; exit 1; fi

# ------------------------------------------------------------ run via ctl --
A=${P}a
t_begin fs-ctl-run
ctl "$M/ctl" "run -d --name $A busybox sh -c 'echo first; while :; do sleep 0.3; echo tick; done'"
[ "$RC" = 0 ] || t_fail "run failed: $ERR / $REPLY"
[ "$REPLY" = "$A" ] || t_fail "reply [$REPLY], want the name"
ls "$M" | grep -qx "$A" || t_fail "ls does not list $A: $(ls "$M")"
t_end

t_begin fs-ctl-run-keeps-the-daemon-on-the-host-network
# the container's network namespace is its init's: every thread of the
# daemon stays in the host's
host=$(readlink /proc/self/ns/net)
other=$(for t in /proc/"$FSPID"/task/*; do readlink "$t/ns/net"; done | grep -Fvx "$host" | head -1)
[ -z "$other" ] || t_fail "a daemon thread is in $other, not the host's $host"
got=$(cocin exec "$A" sh -c 'ls /sys/class/net | tr "\n" " "' 2>&1)
[ "$got" = "lo " ] || t_fail "the container's network: [$got]"
[ "$(readlink /proc/"$(cocin inspect "$A" | jq -r .pid)"/ns/net)" != "$host" ] || t_fail "the container is on the host's network"
t_end

B=${P}b
t_begin fs-ctl-run-no-d
echo "run --name $B busybox sh -c 'sleep 0.5; exit 3'" >"$M/ctl" || t_fail "echo > ctl failed"
wait_for test -d "$M/$B" || t_fail "$B not listed"
t_end

t_begin fs-ls-l-times
ct=$(jq -r .createTime "$ROOT/containers/$A/config.json")
want=$(date -d "$ct" +%s); got=$(stat -c %Y "$M/$A")
[ $((got - want)) -ge -2 ] && [ $((got - want)) -le 2 ] || t_fail "mtime $got, createTime $want"
ls -l "$M" | grep -q "^dr-xr-xr-x .* $A\$" || t_fail "ls -l: $(ls -l "$M" | head -3)"
ls -l "$M/$A" | grep -q "config.json" || t_fail "ls -l of the container dir"
t_end

t_begin fs-config-json
jq -e ".name == \"$A\" and (.id | test(\"^[0-9a-f]{64}$\"))" "$M/$A/config.json" >/dev/null ||
  t_fail "config.json: $(head -c 200 "$M/$A/config.json")"
cmp -s "$M/$A/config.json" "$ROOT/containers/$A/config.json" || t_fail "differs from the store"
[ "$(stat -c %s "$M/$A/config.json")" = "$(stat -c %s "$ROOT/containers/$A/config.json")" ] ||
  t_fail "stat size is not the file's"
t_end

t_begin fs-status
read -r st _ <"$M/$A/status"; [ "$st" = running ] || t_fail "running: [$(cat "$M/$A/status")]"
[ "$(stat -c %s "$M/$A/status")" = "$(wc -c <"$M/$A/status")" ] || t_fail "status size"
wait_for grep -q '^exited 3' "$M/$B/status" || t_fail "exited 3: [$(cat "$M/$B/status")]"
t_end

t_begin fs-log
wait_for grep -q tick "$M/$A/container.log" || t_fail "no tick in the log"
head -1 "$M/$A/container.log" | grep -qx first || t_fail "cat: $(head -c 100 "$M/$A/container.log")"
[ "$(tail -n 1 "$M/$A/container.log")" = tick ] || t_fail "tail -n 1"
n0=$(wc -l <"$M/$A/container.log")
# (ticks come every 0.3 s: ten seconds is room for a slow host)
timeout 10 tail -n 0 -f "$M/$A/container.log" >"$T/follow" 2>&1
grep -q tick "$T/follow" || t_fail "tail -f showed no new line in 10 s"
[ "$(wc -l <"$M/$A/container.log")" -gt "$n0" ] || t_fail "the log did not grow"
cmp -s "$M/$A/container.log" "$ROOT/containers/$A/container.log" ||
  [ "$(wc -c <"$M/$A/container.log")" -gt 0 ] || t_fail "log content"
t_end

t_begin fs-log-is-a-link
# reads and tail -f go to the log file itself
[ -L "$M/$A/container.log" ] || t_fail "not a symlink: $(ls -l "$M/$A/container.log")"
[ "$(readlink "$M/$A/container.log")" = "$(realpath "$ROOT")/containers/$A/container.log" ] ||
  t_fail "target: $(readlink "$M/$A/container.log")"
# the same file (A still writes to it, so its size may move between two stats)
[ "$(stat -L -c %d:%i "$M/$A/container.log")" = "$(stat -c %d:%i "$ROOT/containers/$A/container.log")" ] ||
  t_fail "the link does not lead to the log file"
readlink "$M/$A/status" >/dev/null 2>&1 && t_fail "status reads as a link"
t_end

t_begin fs-log-foreground
# a container run in the foreground (without -t) is logged too, as docker
# logs it: its output went to the terminal and to its log
"$COCIN" --root "$ROOT" run --name "${P}fg" busybox echo hi >/dev/null 2>&1
[ "$(readlink "$M/${P}fg/container.log")" = "$ROOT/containers/${P}fg/container.log" ] ||
  t_fail "not a link to its log: $(ls -l "$M/${P}fg/" 2>&1 | head -5)"
out=$(cat "$M/${P}fg/container.log" 2>&1) && [ "$out" = hi ] || t_fail "cat: [$out]"
# an open file stays good when the name comes back as a detached container
got=$(python3 - "$M/${P}fg/container.log" "$COCIN" "$ROOT" "${P}fg" <<'PY' 2>&1
import os, subprocess, sys, time
path, cocin, root, name = sys.argv[1:]
fd = os.open(path, os.O_RDONLY)                  # follows the link
link = os.open(path, os.O_PATH | os.O_NOFOLLOW)  # the FUSE inode itself
subprocess.run([cocin, "--root", root, "rm", name], capture_output=True)
subprocess.run([cocin, "--root", root, "run", "-d", "--name", name, "busybox", "echo", "x"],
               capture_output=True)
time.sleep(0.3)  # past the attribute timeout: the kernel asks the daemon again
try:
    os.fstat(fd)
    os.read(fd, 10)
    os.fstat(link)
    print("ok")
except OSError as e:
    print("error", e)
PY
)
[ "$got" = ok ] || t_fail "the open log after the name came back: $got"
"$COCIN" --root "$ROOT" rm -f "${P}fg" >/dev/null 2>&1
t_end

t_begin fs-stats
grep -q '^memory_usage [0-9]' "$M/$A/stats" && grep -q '^pids_current [0-9]' "$M/$A/stats" ||
  t_fail "stats: $(head -c 200 "$M/$A/stats")"
t_end

t_begin fs-top
# the container's processes as cocin top lists them (host pids); one that
# has exited has none: the header alone
hdr=$(printf '%-8s %7s %7s %2s %-5s %-8s %8s %s' UID PID PPID C STIME TTY TIME CMD)
got=$(cat "$M/$A/top")
[ "$(head -1 <<<"$got")" = "$hdr" ] || t_fail "header: [$(head -1 <<<"$got")]"
pid=$(jq -r .pid "$ROOT/containers/$A/config.json")
awk -v p="$pid" '$2 == p' <<<"$got" | grep -q ' sh -c echo first; while' || t_fail "no row for the init $pid: [$got]"
# the init's row as cocin top gives it (its TIME may move: A keeps busy)
initrow() { awk -v p="$pid" '$2 == p {print $1, $2, $3, $6, $8, $9}'; }
[ "$(initrow <<<"$got")" = "$("$COCIN" --root "$ROOT" top "$A" 2>&1 | initrow)" ] || t_fail "differs from cocin top"
wait_for sh -c "grep -q '^exited' '$M/$B/status'" || t_fail "$B did not exit: $(cat "$M/$B/status")"
[ "$(cat "$M/$B/top")" = "$hdr" ] || t_fail "exited: [$(cat "$M/$B/top")]"
t_end

t_begin fs-diff
# what a container changed, as cocin diff lists it
"$COCIN" --root "$ROOT" run --name "${P}df" busybox sh -c 'touch /tmp/made; rm /etc/group' >/dev/null 2>&1
[ "$(cat "$M/${P}df/diff" 2>&1)" = "$(printf 'C /etc\nD /etc/group\nC /tmp\nA /tmp/made')" ] ||
  t_fail "diff: [$(cat "$M/${P}df/diff" 2>&1)]"
[ "$(cat "$M/${P}df/diff")" = "$("$COCIN" --root "$ROOT" diff "${P}df" 2>&1)" ] || t_fail "differs from cocin diff"
[ "$(stat -c %a "$M/${P}df/diff")" = 444 ] || t_fail "mode $(stat -c %a "$M/${P}df/diff")"
{ echo x >"$M/${P}df/diff"; } 2>/dev/null && t_fail "diff was writable"
"$COCIN" --root "$ROOT" rm "${P}df" >/dev/null 2>&1
t_end

t_begin fs-commit
# commit through /cocin/ctl and a container's own ctl: the reply is the image
"$COCIN" --root "$ROOT" run --name "${P}cm" busybox sh -c 'echo made >/made' >/dev/null 2>&1
ctl "$M/ctl" "commit ${P}cm ${P}fsimg"
[ "$RC" = 0 ] && [ "$REPLY" = "${P}fsimg" ] || t_fail "top ctl: rc $RC reply [$REPLY] err [$ERR]"
ctl "$M/${P}cm/ctl" "commit ${P}fsimg2:latest"
[ "$RC" = 0 ] && [ "$REPLY" = "${P}fsimg2" ] || t_fail "container ctl: rc $RC reply [$REPLY] err [$ERR]"
[ "$("$COCIN" --root "$ROOT" run --rm "${P}fsimg2" cat /made 2>&1)" = made ] || t_fail "not in the image"
ctl "$M/ctl" "commit ${P}cm ${P}fsimg" # again: replaced, as docker moves a tag
[ "$RC" = 0 ] && [ "$REPLY" = "${P}fsimg" ] || t_fail "replace: rc $RC reply [$REPLY] err [$ERR]"
ctl "$M/ctl" "commit ${P}cm busybox"
[ "$RC" != 0 ] && grep -Eq "^commit: image busybox is (used|in use) by container " <<<"$REPLY" &&
  grep -q "Device or resource busy" <<<"$ERR" || t_fail "its own image: rc $RC reply [$REPLY] err [$ERR]"
ctl "$M/${P}cm/ctl" "commit a/b"
[ "$RC" != 0 ] && grep -q "Invalid argument" <<<"$ERR" || t_fail "bad name: rc $RC [$REPLY] [$ERR]"
ctl "$M/ctl" "commit ${P}nope x"
[ "$RC" != 0 ] && grep -q "No such file" <<<"$ERR" || t_fail "no container: rc $RC [$REPLY] [$ERR]"
ctl "$M/ctl" "commit ${P}cm"
[ "$RC" != 0 ] && grep -q "Invalid argument" <<<"$ERR" || t_fail "one argument: rc $RC [$REPLY] [$ERR]"
"$COCIN" --root "$ROOT" rm "${P}cm" >/dev/null 2>&1
"$COCIN" --root "$ROOT" rmi "${P}fsimg" "${P}fsimg2" >/dev/null 2>&1 || t_fail rmi
t_end

t_begin fs-update
# update through /cocin/ctl and a container's own ctl
"$COCIN" --root "$ROOT" run -d --name "${P}up" -m 20m busybox sleep 300 >/dev/null 2>&1
ctl "$M/ctl" "update -m 30m ${P}up"
[ "$RC" = 0 ] && [ "$REPLY" = "${P}up" ] || t_fail "top ctl: rc $RC reply [$REPLY] err [$ERR]"
ctl "$M/${P}up/ctl" "update --pids-limit 40"
[ "$RC" = 0 ] && [ "$REPLY" = "${P}up" ] || t_fail "container ctl: rc $RC reply [$REPLY] err [$ERR]"
[ "$(jq -c '[.limits.memory, .limits.pidsLimit]' "$M/${P}up/config.json")" = "[31457280,40]" ] ||
  t_fail "limits: $(jq -c .limits "$M/${P}up/config.json")"
grep -q '^pids_limit 40$' "$M/${P}up/stats" || t_fail "stats: $(cat "$M/${P}up/stats")"
ctl "$M/${P}up/ctl" "update"
[ "$RC" != 0 ] && grep -q "Invalid argument" <<<"$ERR" || t_fail "no limit: rc $RC [$REPLY] [$ERR]"
ctl "$M/${P}up/ctl" "update -m"
[ "$RC" != 0 ] && grep -q "Invalid argument" <<<"$ERR" && [ "$REPLY" = "update: flag needs an argument: -m" ] ||
  t_fail "-m without a value: rc $RC [$REPLY] [$ERR]"
ctl "$M/ctl" "update -m 2m ${P}up"
[ "$RC" != 0 ] && grep -q "Invalid argument" <<<"$ERR" || t_fail "bad value: rc $RC [$REPLY] [$ERR]"
ctl "$M/ctl" "update ${P}up --pids-limit 41" # flags after the name, as docker's
[ "$RC" = 0 ] && [ "$(jq .limits.pidsLimit "$M/${P}up/config.json")" = 41 ] ||
  t_fail "flag after the name: rc $RC [$REPLY] [$ERR]"
ctl "$M/${P}up/ctl" "commit ${P}upimg extra"
[ "$RC" != 0 ] && [ "$REPLY" = "commit: too many arguments (usage: commit IMAGE)" ] ||
  t_fail "container ctl commit with two words: rc $RC [$REPLY] [$ERR]"
ctl "$M/${P}up/ctl" "update --pids-limit 42 other"
[ "$RC" != 0 ] && [ "$REPLY" = "update: unexpected argument \"other\" (the container is ${P}up)" ] ||
  t_fail "container ctl with a second name: rc $RC [$REPLY] [$ERR]"
daemon_up || t_fail "daemon down"
"$COCIN" --root "$ROOT" rm -f "${P}up" >/dev/null 2>&1
t_end

t_begin fs-run-init-stop-signal
# run's --init and --stop-signal through /cocin/ctl: sleep as PID 2 gets QUIT
ctl "$M/ctl" "run --name ${P}ini --init --stop-signal QUIT busybox sleep 300"
[ "$RC" = 0 ] && [ "$REPLY" = "${P}ini" ] || t_fail "run: rc $RC reply [$REPLY] err [$ERR]"
[ "$(jq -c '[.init, .stopSignal]' "$M/${P}ini/config.json")" = "[true,3]" ] ||
  t_fail "record: $(jq -c '[.init, .stopSignal]' "$M/${P}ini/config.json")"
ctl "$M/${P}ini/ctl" "stop -t 30"
[ "$RC" = 0 ] && [ "$(jq .exitCode "$M/${P}ini/config.json")" = 131 ] ||
  t_fail "stop: rc $RC [$REPLY] exitCode $(jq .exitCode "$M/${P}ini/config.json")"
"$COCIN" --root "$ROOT" rm -f "${P}ini" >/dev/null 2>&1
t_end

t_begin fs-run-restart-status
# --restart through /cocin/ctl: its status file says "restarting N at T"
# while it waits, and the container's own ctl file's stop takes it back
ctl "$M/ctl" "run -d --name ${P}rst --restart always busybox sh -c 'exit 4'"
[ "$RC" = 0 ] && [ "$REPLY" = "${P}rst" ] || t_fail "run: rc $RC reply [$REPLY] err [$ERR]"
wait_long grep -q '^restarting 4 at ' "$M/${P}rst/status" || t_fail "status: $(cat "$M/${P}rst/status")"
ctl "$M/${P}rst/ctl" "stop"
[ "$RC" = 0 ] || t_fail "stop: rc $RC [$ERR]"
wait_long sh -c "grep -Eq '^(exited|stopped) ' '$M/${P}rst/status' && [ \"\$(jq -r '.restarting // false' '$M/${P}rst/config.json')\" = false ]" ||
  t_fail "after stop: $(cat "$M/${P}rst/status")"
"$COCIN" --root "$ROOT" rm -f "${P}rst" >/dev/null 2>&1
t_end

# --------------------------------------------------------------- exec ------
t_begin fs-exec
exec 3<>"$M/$A/exec"
echo 'sh -c "echo out; echo err >&2; exit 5"' >&3 || t_fail "exec write failed"
out=$(cat <&3); read -r code <&3; rest=$(cat <&3)
exec 3<&-
[ "$out" = "out
err" ] || t_fail "output [$out]"
[ "$code" = 5 ] || t_fail "status [$code]"
[ -z "$rest" ] || t_fail "more after the status: [$rest]"
t_end

t_begin fs-exec-flags
exec 3<>"$M/$A/exec"
echo "-e FOO=bar -w /tmp sh -c 'echo \$FOO \$(pwd)'" >&3
out=$(cat <&3); read -r code <&3; exec 3<&-
[ "$out" = "bar /tmp" ] && [ "$code" = 0 ] || t_fail "[$out] code [$code]"
t_end

t_begin fs-exec-127
exec 3<>"$M/$A/exec"; echo nosuchcmd >&3
cat <&3 >/dev/null; read -r code <&3; exec 3<&-
[ "$code" = 127 ] || t_fail "not found gave [$code]"
t_end

t_begin fs-exec-megabytes
exec 3<>"$M/$A/exec"; echo 'head -c 8000000 /dev/urandom' >&3
n=$(cat <&3 | wc -c); read -r code <&3; exec 3<&-
[ "$n" = 8000000 ] && [ "$code" = 0 ] || t_fail "$n bytes, code [$code]"
t_end

t_begin fs-exec-busy-and-errors
exec 3<>"$M/$A/exec"; echo 'sleep 0.2' >&3
echo 'true' >&3 2>"$T/e"; rc=$?
[ "$rc" != 0 ] && grep -qi "busy" "$T/e" || t_fail "second command: rc $rc $(cat "$T/e")"
cat <&3 >/dev/null; read -r code <&3; exec 3<&-
[ "$code" = 0 ] || t_fail "first command status [$code]"
ctl "$M/$B/exec" "true"; expect_fail fs-exec-not-running "No such process"
ctl "$M/$A/exec" "sh -c 'unbalanced"; expect_fail fs-exec-syntax "Invalid argument"
{ echo true >"$M/$A/exec"; } 2>/dev/null && t_fail "write-only open accepted"
# after the status, a refused second command leaves the end of file alone
exec 3<>"$M/$A/exec"; echo 'echo hi' >&3
cat <&3 >/dev/null; read -r code <&3
echo 'echo again' >&3 2>/dev/null && t_fail "a second command after the status was accepted"
rest=$(cat <&3); exec 3<&-
[ -z "$rest" ] || t_fail "reads after the status gave [$rest]"
t_end

t_begin fs-exec-close-kills
mark=$((40000 + $$ % 20000))
exec 3<>"$M/$A/exec"; echo "sleep $mark" >&3
wait_for pgrep -f "^sleep $mark\$" || t_fail "exec'd sleep not seen"
exec 3<&-
wait_for sh -c "! pgrep -f '^sleep $mark\$'" || t_fail "sleep survived the close"
t_end

t_begin fs-exec-close-kills-orphans
# what left the command's tree (an orphan, adopted by the container's
# init) goes too: its process group
orph=$((mark + 100))
exec 3<>"$M/$A/exec"; echo "sh -c '(sleep $orph &); exec sleep $((orph + 1))'" >&3
wait_for pgrep -f "^sleep $orph\$" || t_fail "the orphan sleep not seen"
wait_for pgrep -f "^sleep $((orph + 1))\$" || t_fail "the command's sleep not seen"
exec 3<&-
wait_for sh -c "! pgrep -f '^sleep $((orph + 1))\$'" || t_fail "the command survived the close"
wait_for sh -c "! pgrep -f '^sleep $orph\$'" || t_fail "its orphan survived the close"
t_end

t_begin fs-ctl-exec-detached
# exec through a ctl file is exec -d: the write returns once it runs
mark=$((mark + 1))
ctl "$M/ctl" "exec $A sh -c 'echo out; echo top > /fs-xd; exec sleep $mark'"
[ "$RC" = 0 ] && [ "$REPLY" = ok ] || t_fail "top ctl: rc $RC reply [$REPLY] err [$ERR]"
wait_for pgrep -f "^sleep $mark\$" || t_fail "top ctl: not running"
[ "$("$COCIN" --root "$ROOT" exec "$A" cat /fs-xd 2>&1)" = top ] || t_fail "top ctl: did not run inside"
xp=$(pgrep -f "^sleep $mark\$" | head -1); [ -n "$xp" ] && kill "$xp"
ctl "$M/$A/ctl" "exec -e W=c -w /tmp sh -c 'echo \$W\$(pwd) > /fs-xd2'"
[ "$RC" = 0 ] || t_fail "container ctl: rc $RC [$ERR] [$REPLY]"
wait_for "$COCIN" --root "$ROOT" exec "$A" test -s /fs-xd2
[ "$("$COCIN" --root "$ROOT" exec "$A" cat /fs-xd2 2>&1)" = c/tmp ] || t_fail "container ctl: flags lost"
wait_for no_proc "^sleep $mark\$" || t_fail "the command survived its kill"
t_end
printf 'FSV=from-file\n' >"$T/fsenv"
ctl "$M/$A/ctl" "exec --env-file $T/fsenv sh -c 'echo \$FSV > /fs-xd3'"
[ "$RC" = 0 ] && wait_for "$COCIN" --root "$ROOT" exec "$A" test -s /fs-xd3 &&
  [ "$("$COCIN" --root "$ROOT" exec "$A" cat /fs-xd3)" = from-file ] &&
  echo "PASS: fs-ctl-exec-env-file" || echo "FAIL: fs-ctl-exec-env-file: rc $RC [$ERR] [$REPLY]"
ctl "$M/ctl" "exec --env-file fsenv $A true"; expect_fail fs-ctl-env-file-relative "Invalid argument"
grep -q "absolute path" <<<"$REPLY" || echo "FAIL: fs-ctl-env-file-relative-message: [$REPLY]"
# --cidfile is the CLI's: cocinfs would write a host file as root for the writer
ctl "$M/ctl" "run --cidfile $T/fscid busybox true"; expect_fail fs-ctl-cidfile-refused "Invalid argument"
grep -q "cidfile is the CLI's" <<<"$REPLY" && [ ! -e "$T/fscid" ] ||
  echo "FAIL: fs-ctl-cidfile-refused-message: [$REPLY] $(ls "$T/fscid" 2>&1)"
ctl "$M/ctl" "exec $A nosuchcmd"; expect_fail fs-ctl-exec-not-found "No such file"
grep -q 'nosuchcmd' <<<"$REPLY" || echo "FAIL: fs-ctl-exec-not-found-message: [$REPLY]"
ctl "$M/$A/ctl" "exec /etc/passwd"; expect_fail fs-ctl-exec-not-executable "Permission denied"
ctl "$M/$B/ctl" "exec true"; expect_fail fs-ctl-exec-not-running "No such process"
ctl "$M/ctl" "exec -it $A sh"; expect_fail fs-ctl-exec-tty "Invalid argument"
ctl "$M/$A/ctl" "exec -i cat"; expect_fail fs-ctl-exec-interactive "Invalid argument"
ctl "$M/ctl" "exec $A"; expect_fail fs-ctl-exec-no-command "Invalid argument"
ctl "$M/ctl" "exec -d -t $A sh"; expect_fail fs-ctl-exec-d-tty "Invalid argument"
ctl "$M/$A/ctl" "exec -w /x"; expect_fail fs-ctl-exec-flags-no-command "Invalid argument"
ctl "$M/$A/ctl" "exec -e"; expect_fail fs-ctl-exec-env-no-value "Invalid argument"
ctl "$M/$A/ctl" "exec -w rel true"; expect_fail fs-ctl-exec-relative-workdir "Invalid argument"
ctl "$M/$A/ctl" "exec -u ::bad true"; expect_fail fs-ctl-exec-bad-user "Invalid argument"
ctl "$M/ctl" "exec ../x true"; expect_fail fs-ctl-exec-bad-name "Invalid argument"
ctl "$M/ctl" "exec ${P}nosuch true"; expect_fail fs-ctl-exec-unknown "No such file"
ctl "$M/$A/exec" "-d true"; expect_fail fs-exec-file-refuses-d "Invalid argument"

# --------------------------------------------------------------- wait ------
C=${P}c
t_begin fs-wait
ctl "$M/ctl" "run --name $C busybox sh -c 'sleep 1; exit 4'"
code=$(cat "$M/$C/wait"); [ "$code" = 4 ] || t_fail "wait gave [$code]"
[ "$(cat "$M/$B/wait")" = 3 ] || t_fail "wait on an exited one"
timeout 1 cat "$M/$A/wait" >/dev/null; rc=$?
[ "$rc" = 124 ] || t_fail "wait on a running container returned ($rc)"
daemon_up || t_fail "daemon down after an interrupted wait"
t_end

t_begin fs-stop-interrupted
# a shell as PID 1 ignores TERM: the stop waits its 30 s, and is
# interrupted; the container lives on and takes its mark back (pause
# would say "being stopped" for ever)
S=${P}s
ctl "$M/ctl" "run -d --name $S busybox sh -c 'while :; do sleep 1; done'"
timeout -s INT 1 sh -c "echo 'stop -t 30' > '$M/$S/ctl'" 2>/dev/null
[ "$(jq -r '.stopRequested // false' "$ROOT/containers/$S/config.json")" = false ] ||
  t_fail "the stop's mark stayed: $(jq -c . "$ROOT/containers/$S/config.json" | head -c 300)"
echo pause > "$M/$S/ctl" 2>"$T/e" || t_fail "pause after the interrupted stop: $(cat "$T/e")"
"$COCIN" --root "$ROOT" rm -f "$S" >/dev/null 2>&1
daemon_up || t_fail "daemon down after an interrupted stop"
t_end

t_begin fs-files-keep-to-the-container-they-opened
# ctl, wait and exec opened on a container act on it only: once it is
# removed and its name taken again, they fail with ENOENT, and the new
# container is untouched
N=${P}ho
ctl "$M/ctl" "run --name $N busybox sleep 100"
exec 5<>"$M/$N/ctl" 6<"$M/$N/wait" 7<>"$M/$N/exec"
ctl "$M/ctl" "rm -f $N"
ctl "$M/ctl" "run --name $N busybox sleep 100"
nid=$(jq -r .id "$M/$N/config.json")
timeout 10 cat <&6 >"$T/hw" 2>&1 && t_fail "wait read the new one: $(cat "$T/hw")"
grep -q "No such file" "$T/hw" || t_fail "wait: $(cat "$T/hw")"
for cmd in kill stop "rm -f"; do
  echo "$cmd" >&5 2>"$T/hc" && t_fail "$cmd through the old ctl succeeded"
  grep -q "No such file" "$T/hc" || t_fail "$cmd: $(cat "$T/hc")"
done
echo "echo in" >&7 2>"$T/hx" && t_fail "exec through the old exec file succeeded"
grep -q "No such file" "$T/hx" || t_fail "exec: $(cat "$T/hx")"
exec 5>&- 6<&- 7>&-
grep -q ^running "$M/$N/status" || t_fail "the new one: $(cat "$M/$N/status")"
[ "$(jq -r .id "$M/$N/config.json")" = "$nid" ] || t_fail "the new one was replaced"
ctl "$M/ctl" "rm -f $N"
t_end

t_begin fs-rm-f-of-a-corrupt-record-through-its-ctl
N=${P}cr
ctl "$M/ctl" "run --name $N busybox true"
wait_for grep -q ^exited "$M/$N/status" || t_fail "never exited"
# its cgroup, which the damaged record no longer names, goes by hand
cgs=$(jq -r '.cgroup.paths // {} | .[]' "$ROOT/containers/$N/config.json" | sort -u)
echo '{"bad' >"$ROOT/containers/$N/config.json"
for d in $cgs; do rmdir "$d" 2>/dev/null; done
ctl "$M/$N/ctl" "rm -f"; [ "$RC" = 0 ] || t_fail "rm -f: $ERR $REPLY"
[ ! -e "$ROOT/containers/$N" ] || t_fail "left"
t_end

t_begin fs-stop-forever-ends-with-the-writers-signal
# stop -t -1 of a container that ignores TERM waits for ever; a signal to
# the writer ends that wait (EINTR), sends nothing more, frees the thread
N=${P}sfv
ctl "$M/ctl" "run --name $N busybox sh -c 'trap \"\" TERM; echo ready; while :; do sleep 0.1; done'"
wait_for grep -q ready "$ROOT/containers/$N/container.log" || t_fail "not ready"
timeout -k 5 -s INT 1 sh -c "echo 'stop -t -1' >'$M/$N/ctl'"; rc=$?
[ "$rc" = 124 ] || t_fail "the writer did not end with its INT (rc $rc: killed after 5 s)"
grep -q ^running "$M/$N/status" || t_fail "status: $(cat "$M/$N/status")"
ctl "$M/ctl" "rm -f $N"
t_end

t_begin fs-wait-rm
# a --rm container's record goes with it: the code reaches the reader
# (it ends when told to, once the reader waits: a file in its volume)
mkdir -p "$T/fwr"
ctl "$M/ctl" "run --rm --name ${C}r -v $T/fwr:/g busybox sh -c 'until [ -e /g/go ]; do usleep 20000; done; exit 6'"
cat "$M/${C}r/wait" >"$T/fwr.out" 2>&1 & wr=$!
wait_long sh -c "ls -a '$ROOT/containers/${C}r' | grep -q '^.wait-'" || t_fail "the reader does not wait"
touch "$T/fwr/go"
wait "$wr"
code=$(cat "$T/fwr.out"); [ "$code" = 6 ] || t_fail "wait gave [$code]"
# (the kernel keeps a name it looked up for 0.1 s, cocinfs's entry timeout)
wait_for sh -c "[ ! -e '$M/${C}r' ]" || t_fail "not removed"
t_end

# Blocked readers never take every worker thread: 12 waiters on a running
# container, and the rest of the tree still answers; the excess get EAGAIN.
t_begin fs-wait-many-readers
wpids=()
for i in $(seq 1 60); do cat "$M/$A/wait" >"$T/w$i" 2>&1 & wpids+=($!); done
# told PREFIX: a reader whose output file is PREFIXn was told EAGAIN (the
# files globbed at each look: a reader started in the background opens its
# file when it runs, and one globbed once could miss the very ones told)
told() { grep -ql "temporarily unavailable" "$1"[0-9]* 2>/dev/null; }
wait_long told "$T/w" || t_fail "no reader was told EAGAIN"
timeout 10 cat "$M/$A/status" >/dev/null || t_fail "status not served with 60 blocked waiters"
kill "${wpids[@]}" 2>/dev/null; wait "${wpids[@]}" 2>/dev/null
daemon_up || t_fail "daemon down"
t_end

# Readers of one wait fd (pread: no file position lock between them; at
# offsets a page apart, or the page cache makes one read of them) each
# wait in a slot of their own, not asleep on the handle's lock without one:
# the excess are told EAGAIN, and the tree still answers.
t_begin fs-wait-one-fd-many-readers
python3 -c '
import errno, os, sys, threading, time
fd = os.open(sys.argv[1], os.O_RDONLY)
told = threading.Event()
def read(i):
    try:
        os.pread(fd, 16, i * 4096)
    except OSError as e:
        if e.errno == errno.EAGAIN:
            told.set()
for i in range(70):
    threading.Thread(target=read, args=(i,), daemon=True).start()
if told.wait(60):
    print("told", flush=True)
time.sleep(600)' "$M/$A/wait" >"$T/w1fd" 2>&1 &
wp=$!
t_track $wp
wait_long grep -q told "$T/w1fd" || t_fail "no reader was told EAGAIN: $(cat "$T/w1fd")"
timeout 10 cat "$M/$A/status" >/dev/null || t_fail "status not served with 70 readers of one wait fd"
kill $wp; wait $wp 2>/dev/null
daemon_up || t_fail "daemon down"
t_end

# stop waits out its timeout in the daemon: a dozen of them at once must
# leave the tree served (ls returns while every stop still waits)
t_begin fs-parallel-stops-leave-the-tree-served
spids=()
for i in $(seq 1 12); do
  ctl "$M/ctl" "run --name ${P}st$i busybox sh -c 'trap \"\" TERM; sleep 1000'"
done
for i in $(seq 1 12); do (echo 'stop -t 4' >"$M/${P}st$i/ctl") & spids+=($!); done
sleep 0.5
timeout 20 ls "$M" >/dev/null || t_fail "ls not served"
timeout 20 cat "$M/$A/status" >/dev/null || t_fail "status not served"
left=0
for p in "${spids[@]}"; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
[ "$left" -ge 1 ] || t_fail "the stops ended before ls was served: no proof"
wait "${spids[@]}" 2>/dev/null
for i in $(seq 1 12); do grep -q '^stopped' "$M/${P}st$i/status" || t_fail "${P}st$i: $(cat "$M/${P}st$i/status")"; done
ctl "$M/ctl" "rm $(for i in $(seq 1 12); do printf '%s ' "${P}st$i"; done)"
[ "$RC" = 0 ] || t_fail "rm: $ERR"
t_end

# ----------------------------------------------------- per-container ctl --
t_begin fs-container-ctl
ctl "$M/$C/ctl" "kill"; [ "$RC" != 0 ] && grep -qi "no such process" <<<"$ERR" ||
  t_fail "kill on exited: rc $RC [$ERR]"
D=${P}d
ctl "$M/ctl" "run --name $D busybox sleep 60"
ctl "$M/$D/ctl" "kill CONT"; [ "$RC" = 0 ] && [ "$REPLY" = "$D" ] || t_fail "kill CONT: $ERR $REPLY"
ctl "$M/$D/ctl" "rm"; [ "$RC" != 0 ] && grep -qi busy <<<"$ERR" || t_fail "rm running: $RC $ERR"
ctl "$M/$D/ctl" "stop -t 1"; [ "$RC" = 0 ] && [ "$REPLY" = "$D" ] || t_fail "stop: $ERR $REPLY"
grep -q '^stopped' "$M/$D/status" || t_fail "status after stop: $(cat "$M/$D/status")"
# stop -s: that signal first (its TERM trap would have ended it with 7)
ctl "$M/ctl" "run --name ${P}ds busybox sh -c 'trap \"exit 7\" TERM; echo ready; while :; do usleep 50000; done'"
wait_for grep -q ready "$ROOT/containers/${P}ds/container.log" || t_fail "not ready"
ctl "$M/${P}ds/ctl" "stop -s KILL -t 30"; [ "$RC" = 0 ] && [ "$REPLY" = "${P}ds" ] || t_fail "stop -s: $ERR $REPLY"
[ "$(jq .exitCode "$M/${P}ds/config.json")" = 137 ] || t_fail "stop -s KILL: exitCode $(jq .exitCode "$M/${P}ds/config.json")"
ctl "$M/ctl" "restart -s KILL -t 30 ${P}ds"; [ "$RC" = 0 ] || t_fail "top ctl restart -s: $ERR"
ctl "$M/ctl" "rm -f ${P}ds"
ctl "$M/$D/ctl" "stop $A"; [ "$RC" != 0 ] || t_fail "stop with another name accepted"
ctl "$M/$D/ctl" "run busybox true"; [ "$RC" != 0 ] && grep -q 'verbs: exec stop kill rm' <<<"$REPLY" ||
  t_fail "run in a container ctl: $REPLY"
ctl "$M/$D/ctl" "rm"; [ "$RC" = 0 ] || t_fail "rm: $ERR $REPLY"
[ ! -e "$M/$D" ] || t_fail "directory still there after rm"
[ ! -d "$ROOT/containers/$D" ] || t_fail "state left after rm"
t_end

t_begin fs-top-ctl-verbs
E=${P}e
ctl "$M/ctl" "run --name $E busybox sleep 60"
ctl "$M/ctl" "kill -s TERM $E"; [ "$RC" = 0 ] || t_fail "kill -s TERM: $ERR"
ctl "$M/ctl" "stop -t 1 $E"; [ "$RC" = 0 ] && [ "$REPLY" = "$E" ] || t_fail "stop: $ERR $REPLY"
ctl "$M/ctl" "rm $E $C"; [ "$RC" = 0 ] && [ "$REPLY" = "$E
$C" ] || t_fail "rm two: [$REPLY]"
t_end

t_begin fs-ctl-start-restart
S=${P}st
ctl "$M/ctl" "run --name $S busybox sh -c 'echo ran; sleep 60'"
ctl "$M/$S/ctl" "stop -t 0"; [ "$RC" = 0 ] || t_fail "stop: $ERR"
ctl "$M/$S/ctl" "start"; [ "$RC" = 0 ] && [ "$REPLY" = "$S" ] || t_fail "start: rc $RC [$ERR] [$REPLY]"
grep -q '^running' "$M/$S/status" || t_fail "status after start: $(cat "$M/$S/status")"
pid1=$(jq -r .pid "$M/$S/config.json")
ctl "$M/$S/ctl" "restart -t 0"; [ "$RC" = 0 ] && [ "$REPLY" = "$S" ] || t_fail "restart: rc $RC [$ERR]"
grep -q '^running' "$M/$S/status" || t_fail "status after restart: $(cat "$M/$S/status")"
[ "$(jq -r .pid "$M/$S/config.json")" != "$pid1" ] || t_fail "restart kept the pid"
ctl "$M/ctl" "start $S"; [ "$RC" = 0 ] && [ "$REPLY" = "$S" ] || t_fail "start of a running one: $ERR"
wait_for sh -c "[ \$(grep -c ran '$M/$S/container.log') -ge 3 ]"
[ "$(grep -c ran "$M/$S/container.log")" = 3 ] || t_fail "log: $(cat "$M/$S/container.log")"
ctl "$M/ctl" "restart -t 0 $S"; [ "$RC" = 0 ] || t_fail "top restart: $ERR"
ctl "$M/$S/ctl" "start $S"; expect_fail "start with a name in a container's ctl" "Invalid argument"
ctl "$M/ctl" "start ${P}nosuch"; expect_fail "start of nobody" "No such file"
ctl "$M/ctl" "start"; expect_fail "start without a name" "Invalid argument"
ctl "$M/ctl" "restart -t x $S"; expect_fail "restart -t x" "Invalid argument"
ctl "$M/$S/ctl" "pause"; [ "$RC" = 0 ] && [ "$REPLY" = "$S" ] || t_fail "pause: rc $RC [$ERR]"
grep -q '^paused pid ' "$M/$S/status" || t_fail "status when paused: $(cat "$M/$S/status")"
ctl "$M/$S/ctl" "pause"; expect_fail "pause of a paused container" "already in progress"
ctl "$M/$S/exec" "true"; expect_fail "exec into a paused container" "busy"
ctl "$M/$S/ctl" "pause $S"; expect_fail "pause with a name in a container's ctl" "Invalid argument"
ctl "$M/ctl" "unpause $S"; [ "$RC" = 0 ] || t_fail "unpause: rc $RC [$ERR]"
ctl "$M/$S/ctl" "unpause"; expect_fail "unpause of a container not paused" "already in progress"
grep -q '^running pid ' "$M/$S/status" || t_fail "status after unpause: $(cat "$M/$S/status")"
ctl "$M/$S/ctl" "stop -t 0"; [ "$RC" = 0 ] || t_fail "stop: $ERR"
ctl "$M/$S/ctl" "pause"; expect_fail "pause of an exited container" "No such process"
ctl "$M/$S/ctl" "rm -f"; [ "$RC" = 0 ] || t_fail "rm -f: $ERR"
t_end

t_begin fs-top-ctl-by-id
ctl "$M/ctl" "run --name ${P}byid busybox sleep 60"
bid=$(jq -r .id "$M/${P}byid/config.json" 2>/dev/null)
ctl "$M/ctl" "stop -t 0 ${bid:0:10}"; [ "$RC" = 0 ] && [ "$REPLY" = "${bid:0:10}" ] || t_fail "stop by id prefix: $ERR [$REPLY]"
ctl "$M/ctl" "rm $bid"; [ "$RC" = 0 ] || t_fail "rm by id: $ERR $REPLY"
[ -e "$M/${P}byid" ] && t_fail "still listed after rm by id"
ctl "$M/ctl" "rm 0123456789ab"; [ "$RC" != 0 ] && grep -q "No such file" <<<"$ERR" || t_fail "rm of an id nobody has: rc $RC [$ERR]"
t_end

t_begin fs-rmdir
F=${P}f
ctl "$M/ctl" "run --name $F busybox sleep 60"
rmdir "$M/$F" 2>"$T/e" && t_fail "rmdir of a running container succeeded"
grep -qi "busy" "$T/e" || t_fail "rmdir running: $(cat "$T/e")"
echo kill >"$M/$F/ctl"
wait_for sh -c "! grep -q ^running '$M/$F/status'"
rmdir "$M/$F" || t_fail "rmdir of an exited container failed"
[ ! -e "$M/$F" ] && [ ! -d "$ROOT/containers/$F" ] || t_fail "still there"
t_end

t_begin "fs-mv: mv renames a container; its open ctl follows it; bad targets refused"
MA=${P}mva
ctl "$M/ctl" "run --name $MA busybox sleep 60"; [ "$RC" = 0 ] || t_fail "run: $ERR"
ctl "$M/ctl" "run --name ${P}mvo busybox sleep 60"
exec 4<>"$M/$MA/ctl"   # opened on the container before it is renamed
mv "$M/$MA" "$M/${P}mvb" 2>"$T/e" || t_fail "mv: $(cat "$T/e")"
[ -e "$M/$MA" ] && t_fail "old name still listed"
[ -d "$M/${P}mvb" ] && grep -q '^running' "$M/${P}mvb/status" || t_fail "new name: $(cat "$M/${P}mvb/status" 2>&1)"
[ "$(jq -r .name "$M/${P}mvb/config.json")" = "${P}mvb" ] || t_fail "config.json's name"
[ "$("$COCIN" --root "$ROOT" inspect -f '{{.name}}' "${P}mvb" 2>&1)" = "${P}mvb" ] || t_fail "the CLI's view"
printf 'kill\n' >&4 2>"$T/e" || t_fail "kill through the ctl opened before: $(cat "$T/e")"
exec 4<&-
wait_for sh -c "! grep -q ^running '$M/${P}mvb/status'" || t_fail "not killed: $(cat "$M/${P}mvb/status")"
# rename(2)'s errno for each refused target: a name in use, an invalid
# one, ctl, into another container's directory; a file; ctl itself
mvrc() { python3 -c 'import errno, os, sys
try:
    os.rename(sys.argv[1], sys.argv[2]); print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])' "$@"; }
[ "$(mvrc "$M/${P}mvb" "$M/${P}mvo")" = EEXIST ] || t_fail "onto a name in use: $(mvrc "$M/${P}mvb" "$M/${P}mvo")"
[ "$(mvrc "$M/${P}mvb" "$M/bad name")" = EINVAL ] || t_fail "an invalid name"
# (ctl is a file: the kernel refuses a directory over it first)
[ "$(mvrc "$M/${P}mvb" "$M/ctl")" = ENOTDIR ] || t_fail "onto ctl: $(mvrc "$M/${P}mvb" "$M/ctl")"
[ "$(mvrc "$M/${P}mvb" "$M/${P}mvo/${P}mvb")" = EPERM ] || t_fail "into another container"
[ "$(mvrc "$M/${P}mvb/status" "$M/${P}mvs")" = EPERM ] || t_fail "a file"
[ "$(mvrc "$M/ctl" "$M/${P}ctl2")" = EPERM ] || t_fail "ctl: $(mvrc "$M/ctl" "$M/${P}ctl2")"
[ -d "$M/${P}mvb" ] && [ -d "$M/${P}mvo" ] && [ -e "$M/ctl" ] || t_fail "changed: $(ls "$M" | tr '\n' ' ')"
[ "$(list_containers | tr ' ' '\n' | grep -c "^${P}mv")" = 2 ] || t_fail "containers: $(list_containers)"
ctl "$M/ctl" "rm -f ${P}mvb ${P}mvo"
t_end

# ------------------------------------------------------------ bad input ----
before=$(list_containers)
ctl "$M/ctl" "frobnicate x"; expect_fail fs-bad-unknown-verb "Invalid argument"
grep -q 'unknown command "frobnicate" (verbs: run create exec stop kill rm start restart pause unpause commit update)' <<<"$REPLY" ||
  echo "FAIL: fs-bad-unknown-verb-message: [$REPLY]"
ctl "$M/ctl" "stop"; expect_fail fs-bad-missing-args "Invalid argument"
ctl "$M/ctl" "run"; expect_fail fs-bad-run-no-image "Invalid argument"
ctl "$M/ctl" "run busybox sh -c 'echo"; expect_fail fs-bad-unbalanced "Invalid argument"
ctl "$M/ctl" "run --name ../x busybox true"; expect_fail fs-bad-name-dotdot "Invalid argument"
ctl "$M/ctl" "run --name a/b busybox true"; expect_fail fs-bad-name-slash "Invalid argument"
ctl "$M/ctl" "run --name ctl busybox true"; expect_fail fs-bad-name-reserved "Invalid argument"
ctl "$M/ctl" "stop ../../etc"; expect_fail fs-bad-stop-dotdot "Invalid argument"
ctl "$M/ctl" "rm nosuch$P"; expect_fail fs-bad-unknown-container "No such file or directory"
ctl "$M/ctl" "run nosuchimage$P true"; expect_fail fs-bad-unknown-image "No such file or directory"
ctl "$M/ctl" "run busybox nosuchcmd$P"; expect_fail fs-bad-unknown-command "No such file or directory"
ctl "$M/ctl" "run --name $A busybox true"; expect_fail fs-bad-name-taken "File exists"
ctl "$M/ctl" "rm $A"; expect_fail fs-bad-rm-running "Device or resource busy"
ctl "$M/ctl" "run -i busybox sh"; expect_fail fs-bad-run-i "Invalid argument"
ctl "$M/ctl" "kill -s NOSIG $A"; expect_fail fs-bad-signal "Invalid argument"
ctl "$M/ctl" "stop -t abc $A"; expect_fail fs-bad-timeout "Invalid argument"
ctl "$M/ctl" "run -e HOME busybox true"; expect_fail fs-env-without-value "Invalid argument"
ctl "$M/$A/exec" "-e HOME env"; expect_fail fs-exec-env-without-value "Invalid argument"

t_begin fs-bad-1mib-line
out=$(pywrite "$M/ctl" "@BIG1048576")
grep -q "ERR EINVAL" <<<"$out" && grep -q "too long" <<<"$out" || t_fail "$out"
t_end
t_begin fs-bad-nul
out=$(pywrite "$M/ctl" 'stop a\x00b\n')
grep -q "ERR EINVAL" <<<"$out" && grep -qi "NUL" <<<"$out" || t_fail "$out"
t_end
t_begin fs-split-write
G=${P}g
out=$(pywrite "$M/ctl" "ru" "n --name $G busy" 'box sleep 30\n')
grep -q "ERR" <<<"$out" && t_fail "$out"
grep -q "REPLY $G" <<<"$out" || t_fail "reply: $out"
[ -d "$M/$G" ] || t_fail "not created"
out=$(pywrite "$M/ctl" "rm -f $G\nrm nosuch$P\nrm $G\n")
grep -q "ERR ENOENT" <<<"$out" && grep -q "REPLY $G | no such container" <<<"$out" ||
  t_fail "lines of one write: $out"
t_end
t_begin fs-line-without-newline
H2=${P}h
printf 'run --name %s busybox sleep 30' "$H2" >"$M/ctl"
wait_for test -d "$M/$H2" || t_fail "a last line without newline did not run at close"
echo "rm -f $H2" >"$M/ctl"
t_end
t_begin fs-truncate-ok
: >"$M/ctl" || t_fail "truncating ctl failed"
truncate -s 0 "$M/ctl" || t_fail "truncate(1) on ctl"
t_end

t_begin fs-namespace-ops
mkdir "$M/x$P" 2>"$T/e" && t_fail "mkdir succeeded"; grep -qi "not permitted" "$T/e" || t_fail "mkdir: $(cat "$T/e")"
rm -f "$M/$A/status" 2>"$T/e" && t_fail "unlink succeeded"; grep -qi "not permitted" "$T/e" || t_fail "unlink: $(cat "$T/e")"
{ : >"$M/$A/newfile"; } 2>"$T/e" && t_fail "create succeeded"; grep -qi "not permitted" "$T/e" || t_fail "create: $(cat "$T/e")"
{ echo x >"$M/$A/status"; } 2>"$T/e" && t_fail "writing status succeeded"
grep -qi "permission denied" "$T/e" || t_fail "write status: $(cat "$T/e")"
[ -e "$M/nosuch$P" ] && t_fail "nosuch exists"
[ -e "$M/$A/nosuch" ] && t_fail "nosuch file exists"
ln -s x "$M/lnk$P" 2>"$T/e" && t_fail "symlink succeeded"; grep -qi "not permitted" "$T/e" || t_fail "symlink: $(cat "$T/e")"
ln "$M/$A/status" "$M/$A/hard" 2>"$T/e" && t_fail "link succeeded"; grep -qi "not permitted" "$T/e" || t_fail "link: $(cat "$T/e")"
t_end

t_begin fs-ls-lists-only-containers
# a run's directory before its first record, or one a killed run left, is
# no container: ps -a does not list it, nor does ls
mkdir "$ROOT/containers/ghost$P"
ls "$M" | grep -qx "ghost$P" && t_fail "ls lists a directory without config.json"
[ -e "$M/ghost$P" ] && t_fail "ghost$P can be looked up"
rmdir "$ROOT/containers/ghost$P"
t_end

t_begin fs-container-ctl-option-without-value
for l in "stop -t" "kill -s" "stop --time"; do
  ctl "$M/$A/ctl" "$l"
  [ "$RC" != 0 ] && grep -q "flag needs an argument: ${l#* }$" <<<"$REPLY" || t_fail "$l: rc $RC [$REPLY]"
done
t_end

t_begin fs-bad-input-leaves-nothing
[ "$(list_containers)" = "$before" ] || t_fail "before [$before] after [$(list_containers)]"
daemon_up || t_fail "daemon down"
t_end

# ---------------------------------------------------------- permissions ----
if command -v setpriv >/dev/null; then
  NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  t_begin fs-perm-no-allow-other
  "${NOBODY[@]}" sh -c "ls '$M'" >/dev/null 2>&1 && t_fail "nobody can list without --allow-other"
  "${NOBODY[@]}" sh -c "echo 'rm -f $A' > '$M/ctl'" 2>/dev/null && t_fail "nobody wrote ctl"
  [ -d "$M/$A" ] || t_fail "container gone"
  t_end
  t_begin fs-perm-allow-other
  "$COCINFS" --foreground --allow-other --root "$ROOT" "$M2" 2>"$T/fs2.err" &
  FS2=$!; t_track "$FS2"
  if wait_for mounted "$M2"; then
    "${NOBODY[@]}" cat "$M2/$A/status" >/dev/null 2>&1 || t_fail "nobody cannot read status"
    # the state root is root's alone: here the daemon serves the log
    [ -L "$M2/$A/container.log" ] && t_fail "container.log is a link under --allow-other"
    "${NOBODY[@]}" head -1 "$M2/$A/container.log" 2>&1 | grep -qx first ||
      t_fail "nobody cannot read the log: $("${NOBODY[@]}" head -c 200 "$M2/$A/container.log" 2>&1)"
    [ "$(stat -c %s "$M2/$A/container.log")" -gt 0 ] || t_fail "served log has size 0"
    "${NOBODY[@]}" sh -c "echo 'rm -f $A' > '$M2/ctl'" 2>"$T/e" && t_fail "nobody wrote /ctl"
    grep -qi "permission denied" "$T/e" || t_fail "ctl: $(cat "$T/e")"
    "${NOBODY[@]}" sh -c "echo stop > '$M2/$A/ctl'" 2>/dev/null && t_fail "nobody wrote ctl"
    "${NOBODY[@]}" sh -c "exec 3<>'$M2/$A/exec'" 2>/dev/null && t_fail "nobody opened exec"
    grep -q ^running "$M/$A/status" || t_fail "the container was touched"
    t_end
    # other users may hold only half of the blocking slots: root's wait is served
    t_begin fs-perm-allow-other-users-cannot-take-every-slot
    upids=()
    for i in $(seq 1 40); do "${NOBODY[@]}" cat "$M2/$A/wait" >"$T/u$i" 2>&1 & upids+=($!); done
    # (on a failure: what the readers got, how many threads the daemon has
    # and what it said, to tell a daemon short of threads from a bug)
    wait_long told "$T/u" ||
      t_fail "no other user's reader was told EAGAIN: readers got [$(cat "$T"/u[0-9]* | sort | uniq -c | head -3 | tr '\n' ' ')], daemon threads $(ls /proc/"$FS2"/task 2>/dev/null | wc -l), its stderr [$(tail -c 300 "$T/fs2.err")]"
    cat "$M2/$A/wait" >"$T/rootwait" 2>&1 & rw=$!
    sleep 1
    kill -0 "$rw" 2>/dev/null || t_fail "root's wait did not block: $(cat "$T/rootwait")"
    kill "$rw" "${upids[@]}" 2>/dev/null; wait "$rw" "${upids[@]}" 2>/dev/null
    t_end
    fusermount3 -u "$M2"
  else
    t_fail "--allow-other mount failed: $(head -c 300 "$T/fs2.err")"
  fi
  kill "$FS2" 2>/dev/null; wait "$FS2" 2>/dev/null
  t_end
  # a name run again has a new log: the served one (--allow-other) shows
  # it, not the old one's cached pages, while a reader still holds the old
  # one (a mount and root of its own: the daemon's first sight of the name)
  t_begin fs-perm-allow-other-log-of-a-name-run-again
  LR=$T/lr; mkdir -p "$LR/root" "$LR/mnt"; cp -a "$ROOT/images" "$LR/root/"
  "$COCINFS" --foreground --allow-other --root "$LR/root" "$LR/mnt" 2>"$T/fs3.err" &
  FS3=$!; t_track "$FS3"
  if wait_for mounted "$LR/mnt"; then
    echo "run --name rl busybox sh -c 'echo first-run-output-1111111111; sleep 1'" >"$LR/mnt/ctl"
    wait_for grep -q first-run "$LR/mnt/rl/container.log" || t_fail "first log"
    tail -n +1 -f "$LR/mnt/rl/container.log" >/dev/null 2>&1 & tp=$!
    cat "$LR/mnt/rl/wait" >/dev/null
    echo rm >"$LR/mnt/rl/ctl"
    echo "run --name rl busybox sh -c 'echo SECOND'" >"$LR/mnt/ctl"
    # it ends; the old reader's tail -f looks at its file meanwhile
    wait_long grep -q '^exited' "$LR/mnt/rl/status" || t_fail "the second did not end: $(cat "$LR/mnt/rl/status")"
    [ "$(cat "$LR/mnt/rl/container.log")" = SECOND ] || t_fail "served log: [$(head -c 100 "$LR/mnt/rl/container.log")]"
    kill "$tp" 2>/dev/null; wait "$tp" 2>/dev/null
    echo "rm -f rl" >"$LR/mnt/ctl"
    fusermount3 -u "$LR/mnt"
  else
    t_fail "mount: $(head -c 300 "$T/fs3.err")"
  fi
  kill "$FS3" 2>/dev/null; wait "$FS3" 2>/dev/null
  t_end
else
  t_skip fs-perm "setpriv not installed"
fi

# ----------------------------------------------------- no /dev/fuse leak ---
t_begin fs-no-fuse-fd-leak
mon=$(jq -r .monitorPid "$ROOT/containers/$A/config.json"); pid=$(jq -r .pid "$ROOT/containers/$A/config.json")
for p in $mon $pid; do
  [ -d "/proc/$p" ] || { t_fail "process $p not found"; continue; }
  ls -l "/proc/$p/fd" 2>/dev/null | grep -q /dev/fuse && t_fail "/dev/fuse open in $p"
done
ls -l /proc/"$FSPID"/fd | grep -q /dev/fuse || t_fail "the daemon itself has no /dev/fuse?"
grep -q '^SigBlk:[[:space:]]*0*$' "/proc/$pid/status" || t_fail "container blocks signals: $(grep SigBlk "/proc/$pid/status")"
t_end

# ----------------------------------------------------- kill -9 restart -----
t_begin fs-restart-after-kill9
K=${P}k
ctl "$M/ctl" "run --name $K busybox sh -c 'sleep 1; exit 7'"
# what an exec file started dies with the daemon, as it would at close
mk=$((30000 + $$ % 20000))
( exec 3<>"$M/$A/exec"; echo "sh -c 'setsid sleep $mk & sleep $((mk + 1))'" >&3; cat <&3 ) >/dev/null 2>&1 &
xp=$!
wait_for pgrep -f "^sleep $((mk + 1))\$" || t_fail "the exec'd command did not start"
kill -9 "$FSPID"; wait "$FSPID" 2>/dev/null; FSPID=""
wait_for no_proc "^sleep $mk\$" || t_fail "the exec'd command's child outlived the daemon"
wait_for no_proc "^sleep $((mk + 1))\$" || t_fail "the exec'd command outlived the daemon"
kill "$xp" 2>/dev/null; wait "$xp" 2>/dev/null
wait_for sh -c "jq -e '.status == \"exited\"' '$ROOT/containers/$K/config.json'" || t_fail "$K did not exit"
stat "$M" 2>&1 | grep -qi "not connected" || t_fail "expected a dead mount: $(stat "$M" 2>&1 | head -1)"
"$COCINFS" --root "$ROOT" "$M" || t_fail "restart failed"   # daemonizes this time
FSPID=$(daemon_pid); [ -n "$FSPID" ] && t_track "$FSPID"
wait_for ls "$M/$K" || t_fail "mount does not work after restart"
grep -q '^exited 7' "$M/$K/status" || t_fail "status after restart: $(cat "$M/$K/status" 2>&1)"
grep -q ^running "$M/$A/status" || t_fail "$A lost its status"
[ "$(grep -c " $M " /proc/mounts)" = 1 ] || t_fail "mounts: $(grep " $M " /proc/mounts)"
t_end

t_begin fs-exec-on-a-daemon-started-without-stdio
# none of the daemon's own descriptors may take 0, 1 or 2
M3=$T/mnt3; mkdir -p "$M3"
"$COCINFS" --foreground --root "$ROOT" "$M3" 0<&- 1>&- 2>&- &
FS3=$!; t_track "$FS3"
if wait_for mounted "$M3"; then
  exec 3<>"$M3/$A/exec"; echo "sh -c 'echo start; sleep 0.3; echo end'" >&3
  out=$(cat <&3); read -r code <&3; exec 3<&-
  [ "$out" = "$(printf 'start\nend')" ] && [ "$code" = 0 ] || t_fail "exec: [$out] status [$code]"
  fusermount3 -u "$M3"
else
  t_fail "no mount"
fi
kill "$FS3" 2>/dev/null; wait "$FS3" 2>/dev/null
t_end

t_begin fs-no-second-daemon-over-a-live-mount
"$COCINFS" --root "$ROOT" "$M" >"$T/o" 2>&1 && t_fail "a second daemon mounted over the live one"
grep -q "is mounted already" "$T/o" || t_fail "message: $(cat "$T/o")"
[ "$(grep -c " $M " /proc/mounts)" = 1 ] || t_fail "mounts: $(grep " $M " /proc/mounts)"
daemon_up || t_fail "the running daemon was disturbed"
t_end

t_begin fs-restart-at-once-after-kill9-under-load
# a restart right after kill -9, while readers keep the tree busy: one mount
for round in 1 2 3; do
  ( for j in $(seq 200); do cat "$M/$A/status"; done >/dev/null 2>&1 ) & lp=$!
  sleep 0.2
  kill -9 "$FSPID"; wait "$FSPID" 2>/dev/null; FSPID=""
  "$COCINFS" --root "$ROOT" "$M" >"$T/o" 2>&1 || t_fail "round $round: restart: $(cat "$T/o")"
  FSPID=$(daemon_pid); [ -n "$FSPID" ] && t_track "$FSPID"
  wait "$lp" 2>/dev/null
done
[ "$(grep -c " $M " /proc/mounts)" = 1 ] || t_fail "mounts: $(grep -c " $M " /proc/mounts)"
daemon_up || t_fail "daemon down"
t_end

t_begin fs-restart-while-the-old-daemon-dies-mid-request
# the new daemon's own statfs is in flight when the old one dies: the
# kernel ends it with ECONNABORTED, which is a dead mount too (it was taken
# for none: the restart failed or mounted over the dead one)
kill -STOP "$FSPID"
"$COCINFS" --root "$ROOT" "$M" >"$T/o" 2>&1 & np=$!
sleep 0.3
kill -9 "$FSPID"; FSPID=""
wait "$np" || t_fail "restart: $(cat "$T/o")"
FSPID=$(daemon_pid); [ -n "$FSPID" ] && t_track "$FSPID"
[ "$(grep -c " $M " /proc/mounts)" = 1 ] || t_fail "mounts: $(grep -c " $M " /proc/mounts)"
daemon_up || t_fail "daemon down"
t_end

# -------------------------------------------------- 50 concurrent writers --
t_begin fs-50-concurrent-runs
for i in $(seq 1 50); do
  (echo "run --name ${P}n$i busybox sleep 30" >"$M/ctl") 2>>"$T/conc.err" &
done
wait
n=$(ls "$M" | grep -c "^${P}n")
[ "$n" = 50 ] || t_fail "$n containers listed: $(head -c 300 "$T/conc.err")"
ids=$(for i in $(seq 1 50); do jq -r .id "$M/${P}n$i/config.json"; done | sort -u | grep -c '^[0-9a-f]\{64\}$')
[ "$ids" = 50 ] || t_fail "$ids unique valid ids"
bad=0; for i in $(seq 1 50); do jq -e . "$M/${P}n$i/config.json" >/dev/null 2>&1 || bad=$((bad + 1)); done
[ "$bad" = 0 ] || t_fail "$bad corrupt config.json"
names=$(for i in $(seq 1 50); do printf '%s ' "${P}n$i"; done)
ctl "$M/ctl" "rm -f $names"; [ "$RC" = 0 ] || t_fail "rm -f of the 50: $ERR"
[ "$(ls "$M" | grep -c "^${P}n")" = 0 ] || t_fail "left after rm -f"
daemon_up || t_fail "daemon down"
t_end

# ----------------------------------------------------- --network via ctl ---
t_begin fs-ctl-network-host
N=${P}net
ctl "$M/ctl" "run -d --name $N --network host busybox sleep 30"
[ "$RC" = 0 ] || t_fail "run: $ERR $REPLY"
[ "$(jq -r .network "$M/$N/config.json" 2>&1)" = host ] || t_fail "network: $(jq -r .network "$M/$N/config.json" 2>&1)"
pid=$(jq -r .pid "$M/$N/config.json" 2>/dev/null)
[ "$(readlink "/proc/$pid/ns/net")" = "$(readlink /proc/self/ns/net)" ] || t_fail "not on the host's network"
ctl "$M/ctl" "rm -f $N"
t_end
if ! command -v busybox >/dev/null; then t_skip fs-ctl-publish "no busybox on the host"; else
t_begin fs-ctl-publish
port=$(free_port)
N=${P}pub
ctl "$M/ctl" "run -d --name $N -p 127.0.0.1:$port:80 busybox httpd -f -p 80 -h /etc"
[ "$RC" = 0 ] || t_fail "run: $ERR $REPLY"
fetch() { timeout 5 busybox wget -q -O - "http://127.0.0.1:$port/hostname" 2>/dev/null; }
wait_for fetch || t_fail "nothing on $port"
[ "$(fetch)" = "$N" ] || t_fail "fetched [$(fetch)]"
ctl "$M/ctl" "rm -f $N"
t_end
fi
t_begin fs-ctl-network-container
ctl "$M/ctl" "run -d --name ${P}nm busybox sleep 30"
ctl "$M/ctl" "run -d --name ${P}ns --network container:${P}nm busybox sleep 30"
[ "$RC" = 0 ] || t_fail "run: $ERR $REPLY"
a=$(jq -r .pid "$M/${P}nm/config.json" 2>/dev/null); b=$(jq -r .pid "$M/${P}ns/config.json" 2>/dev/null)
[ -n "$b" ] && [ "$(readlink "/proc/$a/ns/net")" = "$(readlink "/proc/$b/ns/net")" ] || t_fail "not in ${P}nm's network"
ctl "$M/ctl" "run -d --name ${P}nx --network container:nosuch busybox sleep 30"
[ "$RC" != 0 ] && grep -q "no such container" <<<"$REPLY" || t_fail "unknown: $RC [$REPLY]"
ctl "$M/ctl" "rm -f ${P}nm ${P}ns"
t_end
before=$(list_containers)
ctl "$M/ctl" "run -d --name ${P}nb --network bridge busybox sleep 30"
expect_fail fs-ctl-network-bridge "Invalid argument"
t_begin fs-ctl-network-bridge-says-why
grep -q "cocin has the modes none" <<<"$REPLY" || t_fail "reply: $REPLY"
[ "$(list_containers)" = "$before" ] || t_fail "left: $(list_containers)"
t_end

# ------------------------------------------------------------ examples ------
if [ -d "$EXAMPLES" ]; then
  export COCIN_MNT=$M
  X=${P}x
  t_begin fs-example-launch-and-wait
  out=$("$EXAMPLES/launch-and-wait.sh" "$X" busybox sh -c 'echo hello from x; sleep 1000' 2>&1) ||
    t_fail "launch-and-wait: $out"
  grep -q ^running "$M/$X/status" || t_fail "not running"
  t_end
  t_begin fs-example-exec-in
  out=$("$EXAMPLES/exec-in.sh" "$X" sh -c 'echo inside; exit 6' 2>&1); rc=$?
  [ "$rc" = 6 ] && [ "$out" = inside ] || t_fail "rc $rc out [$out]"
  t_end
  t_begin fs-example-ps
  "$EXAMPLES/ps.sh" >"$T/ps" 2>&1 || t_fail "ps.sh failed"
  grep -q "^$X .*running" "$T/ps" || t_fail "ps.sh: $(head -5 "$T/ps")"
  t_end
  t_begin fs-example-follow-log
  timeout 5 "$EXAMPLES/follow-log.sh" "$X" >"$T/fl" 2>&1
  grep -q "hello from x" "$T/fl" || t_fail "follow-log: $(head -c 200 "$T/fl")"
  t_end
  t_begin fs-example-snapshot
  "$EXAMPLES/exec-in.sh" "$X" touch /made >/dev/null 2>&1 || t_fail "exec-in touch"
  out=$("$EXAMPLES/snapshot.sh" "$X" "${P}snap" 2>&1) || t_fail "snapshot: $out"
  grep -qx 'A /made' <<<"$out" && grep -qx "image: ${P}snap" <<<"$out" || t_fail "snapshot: [$out]"
  [ -e "$ROOT/images/${P}snap/rootfs/made" ] || t_fail "no /made in the image"
  "$EXAMPLES/exec-in.sh" "$X" touch /made2 >/dev/null 2>&1 || t_fail "exec-in touch 2"
  out=$("$EXAMPLES/snapshot.sh" "$X" "${P}snap" 2>&1) || t_fail "a second snapshot to the same name: [$out]"
  [ -e "$ROOT/images/${P}snap/rootfs/made2" ] || t_fail "the second snapshot did not replace the first"
  out=$("$EXAMPLES/snapshot.sh" "$X" busybox 2>&1) && t_fail "a snapshot over its own image worked"
  grep -q "image busybox is in use by container" <<<"$out" || t_fail "over its own image: [$out]"
  "$COCIN" --root "$ROOT" rmi "${P}snap" >/dev/null 2>&1 || t_fail rmi
  t_end
  t_begin fs-example-stop-and-remove
  "$EXAMPLES/stop-and-remove.sh" "$X" 1 >/dev/null 2>&1 || t_fail "stop-and-remove failed"
  [ ! -e "$M/$X" ] || t_fail "still there"
  t_end
  t_begin fs-example-wait-healthy
  ctl "$M/ctl" "run -d --name ${P}hy --health-cmd true --health-interval 100ms busybox sleep 30"
  out=$("$EXAMPLES/wait-healthy.sh" "${P}hy" 60 2>&1); rc=$?
  [ "$rc" = 0 ] && [ "$out" = "${P}hy: healthy" ] || t_fail "healthy: rc $rc [$out]"
  ctl "$M/ctl" "run -d --name ${P}hn --health-cmd false --health-interval 100ms --health-retries 1 busybox sleep 30"
  out=$("$EXAMPLES/wait-healthy.sh" "${P}hn" 60 2>&1); rc=$?
  [ "$rc" = 1 ] && [ "$out" = "${P}hn: unhealthy" ] || t_fail "unhealthy: rc $rc [$out]"
  out=$("$EXAMPLES/wait-healthy.sh" "${P}nosuch" 1 2>&1); rc=$?
  [ "$rc" = 1 ] || t_fail "no such container: rc $rc [$out]"
  echo "rm -f ${P}hy ${P}hn" >"$M/ctl" 2>/dev/null
  t_end
  t_begin fs-example-restart-loop
  R=${P}r
  "$EXAMPLES/restart-loop.sh" "$R" busybox sh -c 'echo run; sleep 0.3; exit 1' >"$T/rl" 2>&1 & rlp=$!
  twice() { [ "$(grep -c restarting "$T/rl")" -ge 2 ]; }
  wait_long twice || t_fail "restart-loop: $(head -c 300 "$T/rl")"
  kill "$rlp" 2>/dev/null; wait "$rlp" 2>/dev/null
  echo "rm -f $R" >"$M/ctl" 2>/dev/null
  t_end
fi

# ------------------------------------------------------------- cleanup -----
ctl "$M/ctl" "rm -f $A $B $K"
t_begin fs-unmount
fusermount3 -u "$M" || t_fail "unmount failed"
if [ -n "$FSPID" ]; then
  for _ in $(seq 1 50); do kill -0 "$FSPID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$FSPID" 2>/dev/null && t_fail "daemon still running after unmount"
fi
[ -z "$(list_containers)" ] || t_fail "containers left: $(list_containers)"
t_end
