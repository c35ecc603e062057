#!/bin/bash
# Script tests for the interactive terminal (issue 2): `run -it` and
# `exec -it` driven through a private tmux server: prompt, tty name, window
# size and resize, raw mode (Ctrl-C reaches the container), exit code, and the
# user's terminal restored afterwards.
. "$(dirname "$0")/lib.sh"

P=c25x$$
if ! command -v tmux >/dev/null; then
  t_skip "tty tests" "tmux not installed"
  exit 0
fi
CABS=$(readlink -f "$COCIN")
SOCK=$T/tmux.sock
TM() { tmux -S "$SOCK" "$@"; }
# our tmux server is ours alone (private socket): stop it before the cleanup
trap 'tmux -S "$SOCK" kill-server >/dev/null 2>&1; _t_cleanup' EXIT
# A session that lives as long as the server: killing the last test
# session would end the server, and a new session asked for while it exits
# fails ("server exited unexpectedly"), as it did once in CI.
TM new-session -d -s keep -x 80 -y 24 "sleep 100000" || { echo "FAIL: tmux: no server"; exit 1; }
TM set-option -g exit-empty off >/dev/null 2>&1

cfg() { jq -r "$2" "$ROOT/containers/$1/config.json" 2>/dev/null; }
is_running() { [ "$(cfg "$1" .status)" = running ]; }
pane() { TM capture-pane -p -J -t "$1" -S -500 2>/dev/null; }
pane_has() { pane "$1" | grep -qE -- "$2"; }
# the pane's current size as "ROWS COLS"
pane_size() { TM display-message -p -t "$1" '#{pane_height} #{pane_width}'; }
session_gone() { ! TM has-session -t "$1" 2>/dev/null; }
# the pane's last line that is not empty (a prompt waiting: "/ # ")
last_line() { pane "$1" | grep -v '^$' | tail -1; }
at_prompt() { [ "$(last_line "$1")" = "/ # " ]; }
# run a shell command line in a new detached 120x40 tmux session
start() {
  local s=$1; shift
  TM new-session -d -s "$s" -x 120 -y 40 -c "$PWD" "$*" 2>"$T/tmerr" || { t_fail "tmux: $(cat "$T/tmerr")"; return 1; }
  TM set-option -t "$s" remain-on-exit off >/dev/null 2>&1
}
send() { local s=$1; shift; TM send-keys -t "$s" "$@"; }
# type a command line and wait until MARKER (printed after it) shows up
run_line() {
  local s=$1 line=$2 mk=mk$RANDOM
  send "$s" "$line; echo $mk-\$((1+1))" Enter
  wait_for pane_has "$s" "^$mk-2"
}

# ------------------------------------------------------------ run -it
S=r1; N=${P}it
t_begin "run -it: a shell prompt"
start $S "stty -g > $T/stty.before; $CABS --root $ROOT run -it --rm --name $N busybox sh; echo \$? > $T/rc.run; stty -g > $T/stty.after; sleep 100000"
wait_for pane_has $S '^/ # ' || t_fail "no prompt: $(pane $S | tail -3)"
t_end

t_begin "run -it: commands run and print"
send $S 'echo $((6*7))' Enter
wait_for pane_has $S '^42$' || t_fail "no 42: $(pane $S | tail -3)"
t_end

t_begin "run -it: tty is /dev/pts/N"
send $S 'tty' Enter
wait_for pane_has $S '^/dev/pts/[0-9]+$' || t_fail "tty printed: $(pane $S | grep -A1 '# tty$' | tail -1)"
t_end

t_begin "run -it: stdin, stdout, stderr are the terminal"
run_line $S 'for f in 0 1 2; do test -t $f && echo fd$f-tty; done' || t_fail "no marker"
for f in 0 1 2; do pane_has $S "^fd$f-tty$" || t_fail "fd $f is not a tty"; done
t_end

t_begin "run -it: TERM is set"
run_line $S 'echo "term=[$TERM]"' || t_fail "no marker"
pane_has $S '^term=\[[a-z][-a-z0-9]*\]$' || t_fail "TERM: $(pane $S | grep term=)"
t_end

t_begin "run -it: stty size is the window size"
want=$(pane_size $S)
run_line $S 'echo size=$(stty size)' || t_fail "no marker"
pane_has $S "^size=$want\$" || t_fail "want [$want] got [$(pane $S | grep '^size=' | tail -1)]"
t_end

t_begin "run -it: resize reaches the container"
old=$(pane_size $S)
TM resize-window -t $S -x 100 -y 30 >/dev/null 2>&1
want=$(pane_size $S)
[ "$want" != "$old" ] || t_fail "tmux did not resize: [$want]"
ok=0
for i in 1 2 3 4 5; do   # the SIGWINCH is asynchronous: ask again a few times
  run_line $S 'echo rsz=$(stty size)' || true
  pane $S | grep '^rsz=' | tail -1 | grep -qx "rsz=$want" && { ok=1; break; }
  sleep 0.2
done
[ $ok = 1 ] || t_fail "want [$want] got [$(pane $S | grep '^rsz=' | tail -1)]"
t_end

t_begin "run -it: hostname and pid 1 are the container's"
run_line $S 'echo host=$(hostname) init=$(cat /proc/1/comm)' || t_fail "no marker"
pane_has $S "^host=$N init=sh\$" || t_fail "got [$(pane $S | grep '^host=' | tail -1)]"
t_end

t_begin "run -it: Ctrl-C interrupts the foreground command, the shell stays"
send $S 'sleep 3011; echo not-interrupted' Enter
# (C-c once the sleep runs: the terminal's foreground process then)
wait_for pgrep -f '^sleep 3011$' || t_fail "the sleep did not start"
send $S C-c
run_line $S 'echo alive' || t_fail "shell did not come back after Ctrl-C (SIGINT ignored?)"
pane_has $S '^not-interrupted$' && t_fail "the sleep was not interrupted"
t_end

t_begin "run -it: exit 7 reaches the CLI's exit code"
send $S 'exit 7' Enter
wait_for test -s "$T/rc.run" || t_fail "CLI did not return"
[ "$(cat "$T/rc.run" 2>/dev/null)" = 7 ] || t_fail "exit code [$(cat "$T/rc.run" 2>/dev/null)]"
t_end

t_begin "run -it: the user's terminal is restored"
wait_for test -s "$T/stty.after" || t_fail "no stty after"
[ "$(cat "$T/stty.before")" = "$(cat "$T/stty.after" 2>/dev/null)" ] || t_fail "stty before $(cat "$T/stty.before") after $(cat "$T/stty.after" 2>/dev/null)"
t_end

t_begin "run -it --rm: nothing left"
wait_for test ! -e "$ROOT/containers/$N" || t_fail "container dir left"
# the monitor (a fork of the CLI: the same command line) deletes the
# cgroup and the files after its answer, at idle priority: it goes soon
wait_long no_proc "^$CABS --root $ROOT run -it --rm --name $N " ||
  t_fail "process left: $(pgrep -af -- "^$CABS --root $ROOT run -it --rm --name $N ")"
t_end
TM kill-session -t $S >/dev/null 2>&1

t_begin "run -it: Ctrl-D (EOF) ends the shell with 0"
rm -f "$T/rc.eof"
start e1 "$CABS --root $ROOT run -it --rm --name ${P}eof busybox sh; echo \$? > $T/rc.eof; sleep 100000"
wait_for pane_has e1 '^/ # ' || t_fail "no prompt"
send e1 C-d
wait_for test -s "$T/rc.eof" || t_fail "CLI did not return"
[ "$(cat "$T/rc.eof" 2>/dev/null)" = 0 ] || t_fail "exit code [$(cat "$T/rc.eof" 2>/dev/null)]"
TM kill-session -t e1 >/dev/null 2>&1
t_end

t_begin "run -t (no -i) with a terminal: output through the pty, nothing typed reaches it (docker's), exit code"
rm -f "$T/rc.t"
start t1 "$CABS --root $ROOT run -t --rm busybox sh -c 'tty; test -t 1 && echo out-tty; read -t 3 x; echo \"read [\$x]\"; exit 3'; echo \$? > $T/rc.t; sleep 100000"
wait_for pane_has t1 '^out-tty' || t_fail "no output: $(pane t1 | tail -3)"
send t1 'typed' Enter
wait_long test -s "$T/rc.t" || t_fail "CLI did not return"
pane_has t1 '^read \[\]' || t_fail "what was typed reached it: $(pane t1 | tail -3)"
[ "$(cat "$T/rc.t" 2>/dev/null)" = 3 ] || t_fail "exit code [$(cat "$T/rc.t" 2>/dev/null)]"
pane_has t1 '^/dev/pts/[0-9]+' || t_fail "tty printed [$(pane t1 | head -1)]"
TM kill-session -t t1 >/dev/null 2>&1
t_end

t_begin "run -t (no -i): Ctrl-C ends the run (130); the container runs on, logged, its terminal attachable"
rm -f "$T/rc.t2"
start t2 "trap true INT; $CABS --root $ROOT run -t --name ${P}tn busybox sh -c 'echo up; while :; do echo tick; sleep 0.2; done'; echo \$? > $T/rc.t2; sleep 100000"
wait_for pane_has t2 '^up' || t_fail "no output: $(pane t2 | tail -3)"
send t2 C-c
wait_for test -s "$T/rc.t2" || t_fail "Ctrl-C did not end it: $(pane t2 | tail -3)"
[ "$(cat "$T/rc.t2" 2>/dev/null)" = 130 ] || t_fail "exit [$(cat "$T/rc.t2" 2>/dev/null)]"
is_running "${P}tn" || t_fail "the container ended"
n1=$(cocin logs "${P}tn" 2>&1 | grep -c tick)
wait_for sh -c "[ \$('$COCIN' --root '$ROOT' logs ${P}tn 2>&1 | grep -c tick) -gt $((n1 + 2)) ]" ||
  t_fail "not logged after the run ended: $n1 ticks"
[ -S "$ROOT/containers/${P}tn/attach.sock" ] || t_fail "its terminal not lent"
TM kill-session -t t2 >/dev/null 2>&1
cocin rm -f "${P}tn" >/dev/null 2>&1
t_end

t_begin "run -it of a kept container: the session is logged too (docker's)"
rm -f "$T/rc.lg"
start lg "$CABS --root $ROOT run -it --name ${P}lg busybox sh -c 'echo logged-it; exit 3'; echo \$? > $T/rc.lg; sleep 100000"
wait_for test -s "$T/rc.lg" || t_fail "CLI did not return"
[ "$(cat "$T/rc.lg" 2>/dev/null)" = 3 ] || t_fail "exit code [$(cat "$T/rc.lg" 2>/dev/null)]"
[ "$(cocin logs "${P}lg" 2>&1 | tr -d '\r')" = logged-it ] || t_fail "logs: [$(cocin logs "${P}lg" 2>&1)]"
TM kill-session -t lg >/dev/null 2>&1
cocin rm -f "${P}lg" >/dev/null 2>&1
t_end

t_begin "run -it: a program killed by a signal gives 128+N"
rm -f "$T/rc.sig"
start k1 "$CABS --root $ROOT run -it --name ${P}sig busybox sh; echo \$? > $T/rc.sig; sleep 100000"
wait_for pane_has k1 '^/ # ' || t_fail "no prompt"
"$COCIN" --root "$ROOT" kill "${P}sig" >/dev/null 2>&1
wait_for test -s "$T/rc.sig" || t_fail "CLI did not return"
[ "$(cat "$T/rc.sig" 2>/dev/null)" = 137 ] || t_fail "exit code [$(cat "$T/rc.sig" 2>/dev/null)]"
TM kill-session -t k1 >/dev/null 2>&1
t_end

# ------------------------------------------------------------ exec -it
C=${P}ex
cocin run -d --name "$C" -e FROMRUN=yes busybox sleep 100000 >/dev/null 2>&1
wait_for is_running "$C"
S=x1
t_begin "exec -it: a shell prompt in the container"
rm -f "$T/rc.exec"
start $S "stty -g > $T/xstty.before; $CABS --root $ROOT exec -it $C sh; echo \$? > $T/rc.exec; stty -g > $T/xstty.after; sleep 100000"
wait_for pane_has $S '^/ # ' || t_fail "no prompt: $(pane $S | tail -3)"
t_end

t_begin "exec -it: tty is /dev/pts/N"
send $S 'tty' Enter
wait_for pane_has $S '^/dev/pts/[0-9]+$' || t_fail "tty printed: $(pane $S | grep -A1 '# tty$' | tail -1)"
t_end

t_begin "exec -it: in the container (hostname, env, pid 1)"
run_line $S 'echo host=$(hostname) v=$FROMRUN init=$(cat /proc/1/comm)' || t_fail "no marker"
pane_has $S "^host=$C v=yes init=sleep\$" || t_fail "got [$(pane $S | grep '^host=' | tail -1)]"
t_end

t_begin "exec -it: stty size is the window size"
want=$(pane_size $S)
run_line $S 'echo size=$(stty size)' || t_fail "no marker"
pane_has $S "^size=$want\$" || t_fail "want [$want] got [$(pane $S | grep '^size=' | tail -1)]"
t_end

t_begin "exec -it: resize reaches the exec'd shell"
TM resize-window -t $S -x 90 -y 25 >/dev/null 2>&1
want=$(pane_size $S)
ok=0
for i in 1 2 3 4 5; do
  run_line $S 'echo rsz=$(stty size)' || true
  pane $S | grep '^rsz=' | tail -1 | grep -qx "rsz=$want" && { ok=1; break; }
  sleep 0.2
done
[ $ok = 1 ] || t_fail "want [$want] got [$(pane $S | grep '^rsz=' | tail -1)]"
t_end

t_begin "exec -it: Ctrl-C interrupts the foreground command, the shell stays"
send $S 'sleep 3012; echo not-interrupted' Enter
wait_for pgrep -f '^sleep 3012$' || t_fail "the sleep did not start"
send $S C-c
run_line $S 'echo alive' || t_fail "shell did not come back after Ctrl-C"
pane_has $S '^not-interrupted$' && t_fail "the sleep was not interrupted"
t_end

t_begin "exec -it: exit 5 reaches the CLI's exit code"
send $S 'exit 5' Enter
wait_for test -s "$T/rc.exec" || t_fail "CLI did not return"
[ "$(cat "$T/rc.exec" 2>/dev/null)" = 5 ] || t_fail "exit code [$(cat "$T/rc.exec" 2>/dev/null)]"
wait_for test -s "$T/xstty.after"
[ "$(cat "$T/xstty.before")" = "$(cat "$T/xstty.after" 2>/dev/null)" ] || t_fail "terminal not restored"
t_end
TM kill-session -t $S >/dev/null 2>&1

t_begin "exec -it: the container keeps running after the exec ends"
is_running "$C" || t_fail "status $(cfg "$C" .status)"
t_end

t_begin "exec -it into a stopped container fails clearly"
cocin stop -t 1 "$C" >/dev/null 2>&1
rm -f "$T/rc.x2"
start x2 "$CABS --root $ROOT exec -it $C sh; echo \$? > $T/rc.x2; sleep 100000"
wait_for test -s "$T/rc.x2" || t_fail "CLI did not return"
[ "$(cat "$T/rc.x2" 2>/dev/null)" != 0 ] || t_fail "exit code 0"
pane_has x2 'not running' || t_fail "message: $(pane x2 | head -2)"
TM kill-session -t x2 >/dev/null 2>&1
t_end

# ------------------------------------------------------------ run -it --init
t_begin "run -it --init: the shell is PID 2, on the terminal; Ctrl-C interrupts its command; its exit code"
rm -f "$T/rc.ri"
start ri "$CABS --root $ROOT run -it --rm --init busybox sh; echo \$? > $T/rc.ri; sleep 100000"
wait_for pane_has ri '^/ # ' || t_fail "no prompt: $(pane ri | tail -3)"
run_line ri 'echo pid-$$; test -t 0 && echo stdin-tty' || t_fail "no marker"
pane_has ri '^pid-2$' && pane_has ri '^stdin-tty$' || t_fail "pane: $(pane ri | tail -4)"
send ri 'sleep 3013; echo not-interrupted' Enter
wait_for pgrep -f '^sleep 3013$' || t_fail "the sleep did not start"
send ri C-c
run_line ri 'echo alive' || t_fail "shell did not come back after Ctrl-C"
pane_has ri '^not-interrupted$' && t_fail "the sleep was not interrupted"
send ri 'exit 6' Enter
wait_for test -s "$T/rc.ri" || t_fail "CLI did not return"
[ "$(cat "$T/rc.ri" 2>/dev/null)" = 6 ] || t_fail "exit code [$(cat "$T/rc.ri" 2>/dev/null)]"
TM kill-session -t ri >/dev/null 2>&1
t_end

# A CLI ended by a signal from outside gives the terminal back first (the
# container, its pty hung up, ends too)
for how in "run -it --rm --name ${P}tsig busybox sh:TERM:143" "exec -it ${P}ex1 sh:HUP:129"; do
  cmd=${how%%:*}; rest=${how#*:}; sig=${rest%%:*}; want=${rest#*:}
  [ "${cmd%% *}" = exec ] && { cocin run -d --name "${P}ex1" busybox sleep 100000 >/dev/null 2>&1; wait_for is_running "${P}ex1"; }
  t_begin "${cmd%% *} -it: SIG$sig to the CLI restores the terminal, exit $want"
  rm -f "$T/sig.pid" "$T/sig.rc" "$T/sig.before" "$T/sig.after"
  start sg "stty -g > $T/sig.before; sh -c 'echo \$\$ > $T/sig.pid; exec $CABS --root $ROOT $cmd 2>$T/sig.err'; echo \$? > $T/sig.rc; stty -g > $T/sig.after; sleep 100000"
  wait_for pane_has sg "^/ # " || t_fail "no prompt: $(pane sg | tail -3) $(cat $T/sig.err)"
  kill -$sig "$(cat "$T/sig.pid")" 2>/dev/null || t_fail "no CLI pid"
  wait_for test -s "$T/sig.after" || t_fail "the CLI did not end"
  [ "$(cat "$T/sig.rc" 2>/dev/null)" = "$want" ] || t_fail "exit [$(cat "$T/sig.rc" 2>/dev/null)]"
  [ "$(cat "$T/sig.before")" = "$(cat "$T/sig.after" 2>/dev/null)" ] ||
    t_fail "terminal left changed: before $(cat "$T/sig.before") after $(cat "$T/sig.after" 2>/dev/null)"
  TM kill-session -t sg >/dev/null 2>&1
  t_end
done
cocin rm -f "${P}ex1" >/dev/null 2>&1
wait_for test ! -e "$ROOT/containers/${P}tsig" # --rm: its shell ends on the hangup

t_begin "exec -t with a terminal but no -i: output, nothing typed reaches it, exit code"
cocin run -d --name "${P}ex2" busybox sleep 100000 >/dev/null 2>&1
wait_for is_running "${P}ex2"
rm -f "$T/rc.x3"
start x3 "$CABS --root $ROOT exec -t ${P}ex2 sh -c 'test -t 1 && echo x-tty; read -t 3 x; echo \"read [\$x]\"; exit 4'; echo \$? > $T/rc.x3; sleep 100000"
wait_for pane_has x3 '^x-tty' || t_fail "no output: $(pane x3 | tail -3)"
send x3 'typed' Enter
wait_long test -s "$T/rc.x3" || t_fail "CLI did not return"
pane_has x3 '^read \[\]' || t_fail "what was typed reached it: $(pane x3 | tail -3)"
[ "$(cat "$T/rc.x3" 2>/dev/null)" = 4 ] || t_fail "exit code [$(cat "$T/rc.x3" 2>/dev/null)]"
pane_has x3 '^x-tty' || t_fail "not a tty: $(pane x3 | head -2)"
TM kill-session -t x3 >/dev/null 2>&1
t_end

t_begin "exec without -t from a terminal: the terminal is not the command's (no /dev/tty), Ctrl-C reaches it once"
# (as the caller's controlling terminal, /dev/tty would let it read the
# user's keys, or push some into the shell with TIOCSTI)
# (the shell running the CLI traps INT too: the terminal's Ctrl-C reaches
# it as well, and a shell without a handler may end on it)
cat >"$T/x4.sh" <<'EOF'
trap 'echo shell-int' INT
"$1" --root "$2" exec "$3" sh -c '
  if cat /dev/tty </dev/null >/dev/null 2>&1; then echo tty-open; else echo no-tty; fi
  n=0; trap "n=\$((n+1))" INT
  echo ready; while [ ! -e /tmp/x4-go ]; do sleep 0.1; done; echo ints-$n; exit 3'
echo $? >"$4"
sleep 100000
EOF
rm -f "$T/rc.x4"
start x4 "sh $T/x4.sh $CABS $ROOT ${P}ex2 $T/rc.x4"
wait_for pane_has x4 '^ready' || t_fail "not ready: $(pane x4 | tail -3)"
pane_has x4 '^no-tty' || t_fail "the command opened the terminal: $(pane x4 | head -3)"
send x4 C-c
sleep 0.5 # (its trap counts it once its sleep, killed too, is reaped)
cocin exec "${P}ex2" touch /tmp/x4-go >/dev/null 2>&1
wait_long test -s "$T/rc.x4" || t_fail "CLI did not return: $(pane x4 | tail -3)"
[ "$(cat "$T/rc.x4" 2>/dev/null)" = 3 ] || t_fail "exit code [$(cat "$T/rc.x4" 2>/dev/null)]"
pane_has x4 '(^|C)ints-1$' || t_fail "INT not passed on once: $(pane x4 | tail -3)" # (^C: the terminal's echo)
TM kill-session -t x4 >/dev/null 2>&1
t_end

t_begin "exec -it: a paste the command does not read waits, its output still flows (no hang)"
# (a python pty stands for the user's terminal: 240 KB of lines typed at
# once into a command that prints 2 MB and never reads; a blocking write
# into its full terminal, its output unread meanwhile, hung both)
python3 - "$CABS" --root "$ROOT" exec -it "${P}ex2" sh -c 'sleep 1; yes | head -c 2000000; echo END; exit 5' >"$T/paste" 2>&1 <<'EOF'
import os, pty, select, sys, threading, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
def typist():
    try:
        os.write(fd, (b"x" * 79 + b"\n") * 3000)
    except OSError:
        pass
threading.Thread(target=typist, daemon=True).start()
got, deadline = b"", time.time() + 60
while time.time() < deadline:
    if select.select([fd], [], [], 0.5)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        got += chunk
if b"END" not in got:
    os.kill(pid, 9)
code = os.waitpid(pid, 0)[1]
print("END" if b"END" in got else "no END", len(got) >= 2000000, os.waitstatus_to_exitcode(code))
EOF
[ "$(cat "$T/paste")" = "END True 5" ] || t_fail "got [$(cat "$T/paste")]"
t_end

# ------------------------------------------------------------ attach
N=${P}at
cocin run -dit --name "$N" busybox sh >/dev/null 2>&1
wait_for is_running "$N"
t_begin "attach: a -dit container's terminal: its prompt, commands, our window size"
rm -f "$T/rc.at1"
start at1 "stty -g > $T/at.before; $CABS --root $ROOT attach $N; echo \$? > $T/rc.at1; stty -g > $T/at.after; sleep 100000"
send at1 Enter # (a new prompt: the first was printed before we came)
wait_for pane_has at1 '^/ # ' || t_fail "no prompt: $(pane at1 | tail -3)"
send at1 'echo $((6*7))' Enter
wait_for pane_has at1 '^42$' || t_fail "no 42: $(pane at1 | tail -3)"
send at1 'stty size' Enter
wait_for pane_has at1 '^40 120$' || t_fail "window size: $(pane at1 | tail -3)"
t_end

t_begin "attach: Ctrl-P Ctrl-Q detaches (exit 1, docker's words), the container runs on, the terminal restored"
send at1 C-p C-q
wait_for test -s "$T/rc.at1" || t_fail "attach did not end: $(pane at1 | tail -3)"
[ "$(cat "$T/rc.at1" 2>/dev/null)" = 1 ] || t_fail "exit [$(cat "$T/rc.at1" 2>/dev/null)]"
pane_has at1 'read escape sequence$' || t_fail "no message: $(pane at1 | tail -3)"
is_running "$N" || t_fail "the container ended"
[ "$(cat "$T/at.before")" = "$(cat "$T/at.after" 2>/dev/null)" ] || t_fail "terminal left changed"
TM kill-session -t at1 >/dev/null 2>&1
t_end

t_begin "attach again: the same shell; a second attach meanwhile refused; what it shows is logged; its exit code"
rm -f "$T/rc.at2"
start at2 "$CABS --root $ROOT attach --detach-keys ctrl-a,d $N; echo \$? > $T/rc.at2; sleep 100000"
send at2 Enter
wait_for pane_has at2 '^/ # ' || t_fail "no prompt: $(pane at2 | tail -3)"
send at2 'echo again-$((1+1))' Enter
wait_for pane_has at2 '^again-2$' || t_fail "no again-2: $(pane at2 | tail -3)"
out=$(cocin attach "$N" </dev/null 2>&1); rc=$?
[ "$rc" = 1 ] && [ "$out" = "cocin: attach: $N: another attach has its terminal" ] || t_fail "second attach: rc $rc [$out]"
cocin logs "$N" 2>&1 | grep -q '^again-2' || t_fail "not logged: $(cocin logs "$N" 2>&1 | tail -3)"
send at2 'exit 6' Enter
wait_for test -s "$T/rc.at2" || t_fail "attach did not end: $(pane at2 | tail -3)"
[ "$(cat "$T/rc.at2" 2>/dev/null)" = 6 ] || t_fail "exit [$(cat "$T/rc.at2" 2>/dev/null)]"
wait_for sh -c "[ \"\$(jq -r .status '$ROOT/containers/$N/config.json')\" = exited ]" || t_fail "not exited"
wait_for test ! -e "$ROOT/containers/$N/attach.sock" || t_fail "attach.sock left"
TM kill-session -t at2 >/dev/null 2>&1
t_end

t_begin "attach --detach-keys: its own keys detach"
cocin start "$N" >/dev/null 2>&1
wait_for is_running "$N"
rm -f "$T/rc.at3"
start at3 "$CABS --root $ROOT attach --detach-keys ctrl-a,d $N; echo \$? > $T/rc.at3; sleep 100000"
send at3 Enter
wait_for pane_has at3 '^/ # ' || t_fail "no prompt after start: $(pane at3 | tail -3)"
send at3 C-a d
wait_for test -s "$T/rc.at3" || t_fail "attach did not end"
[ "$(cat "$T/rc.at3" 2>/dev/null)" = 1 ] && is_running "$N" || t_fail "exit [$(cat "$T/rc.at3" 2>/dev/null)], $(cfg "$N" .status)"
TM kill-session -t at3 >/dev/null 2>&1
cocin rm -f "$N" >/dev/null 2>&1
t_end

t_begin "attach without a terminal: the output from now on, then the exit code"
mkdir -p "$T/atn"
cocin run -d --name "${P}atn" -v "$T/atn:/t" busybox sh -c \
  'echo before; i=0; while [ ! -e /t/stop ]; do i=$((i+1)); echo tick $i; sleep 0.1; done; echo err >&2; exit 3' >/dev/null 2>&1
wait_for sh -c "grep -q tick '$ROOT/containers/${P}atn/container.log'" || t_fail "no ticks"
cocin attach "${P}atn" >"$T/atn.out" 2>&1 &
apid=$!
wait_for sh -c "grep -q tick '$T/atn.out'" || t_fail "attach shows no output"
touch "$T/atn/stop"
wait "$apid"; rc=$?
[ "$rc" = 3 ] || t_fail "exit $rc"
grep -q '^before' "$T/atn.out" && t_fail "showed what came before"
tail -1 "$T/atn.out" | grep -qx err || t_fail "last line: $(tail -2 "$T/atn.out")"
cocin rm -f "${P}atn" >/dev/null 2>&1
t_end

t_begin "attach --no-stdin: watches (what is typed is not sent, the terminal not raw: Ctrl-C ends it); container attach"
cocin run -dit --name "${P}atw" busybox sh -c 'while :; do date +w-%s; sleep 0.2; done' >/dev/null 2>&1
wait_for is_running "${P}atw"
rm -f "$T/rc.at4"
# (the shell around it keeps going on Ctrl-C: a handler, not ignored, so
# that attach gets SIGINT as it comes)
start at4 "trap true INT; $CABS --root $ROOT container attach --no-stdin ${P}atw; echo \$? > $T/rc.at4; sleep 100000"
wait_for pane_has at4 '^w-[0-9]+' || t_fail "no output: $(pane at4 | tail -3)"
send at4 C-c
wait_for test -s "$T/rc.at4" || t_fail "Ctrl-C did not end it"
[ "$(cat "$T/rc.at4" 2>/dev/null)" = 130 ] || t_fail "exit [$(cat "$T/rc.at4" 2>/dev/null)]"
is_running "${P}atw" || t_fail "the container ended"
TM kill-session -t at4 >/dev/null 2>&1
cocin rm -f "${P}atw" >/dev/null 2>&1
t_end

t_begin "attach to a -dt container made without -i (docker's OpenStdin false): watches, nothing typed sent, Ctrl-C ends it"
cocin run -dt --name "${P}ato" busybox sh -c 'echo up; read x; echo "read [$x]"; sleep 100000' >/dev/null 2>&1
wait_for is_running "${P}ato"
rm -f "$T/rc.at6"
start at6 "trap true INT; $CABS --root $ROOT attach ${P}ato; echo \$? > $T/rc.at6; sleep 100000"
wait_for pgrep -f "attach ${P}ato\$" || t_fail "no attach"
sleep 0.3 # (its terminal taken)
send at6 'typed' Enter
sleep 0.5 # (what is typed would have reached it by now: it is not looked for below)
send at6 C-c
wait_for test -s "$T/rc.at6" || t_fail "Ctrl-C did not end it: $(pane at6 | tail -3)"
[ "$(cat "$T/rc.at6" 2>/dev/null)" = 130 ] || t_fail "exit [$(cat "$T/rc.at6" 2>/dev/null)]"
cocin logs "${P}ato" 2>&1 | grep -q 'read \[' && t_fail "input reached it: $(cocin logs "${P}ato" 2>&1 | tail -2)"
is_running "${P}ato" || t_fail "the container ended"
TM kill-session -t at6 >/dev/null 2>&1
cocin rm -f "${P}ato" >/dev/null 2>&1
t_end

t_begin "attach: a container run in the foreground with -it has its run's terminal: refused"
start at5 "$CABS --root $ROOT run -it --name ${P}atfg busybox sh; sleep 100000"
wait_for pane_has at5 '^/ # ' || t_fail "no prompt: $(pane at5 | tail -3)"
out=$(cocin attach "${P}atfg" </dev/null 2>&1); rc=$?
[ "$rc" = 1 ] && [ "$out" = "cocin: attach: ${P}atfg has no terminal to attach to (one run with -dt has, and one whose run -it was detached)" ] ||
  t_fail "rc $rc [$out]"
send at5 'exit' Enter
TM kill-session -t at5 >/dev/null 2>&1
cocin rm -f "${P}atfg" >/dev/null 2>&1
t_end

# ------------------------------------------------------------ run -it, detached
N=${P}dt
t_begin "run -it: Ctrl-P Ctrl-Q detaches (exit 0, nothing said, as docker's run), the container runs on, the terminal restored"
rm -f "$T/rc.dt1"
start dt1 "stty -g > $T/dt.before; $CABS --root $ROOT run -it --name $N busybox sh; echo \$? > $T/rc.dt1; stty -g > $T/dt.after; sleep 100000"
wait_for pane_has dt1 '^/ # ' || t_fail "no prompt: $(pane dt1 | tail -3)"
run_line dt1 'echo one-$((0+1))'
# output while detached: the monitor's to log
send dt1 '(sleep 1; echo bg-$((2+1))) &' Enter
# (its prompt back before the keys: what the pane shows last is then ours to judge)
wait_for at_prompt dt1 || t_fail "no prompt after the background line: $(last_line dt1)"
send dt1 C-p C-q
wait_for test -s "$T/rc.dt1" || t_fail "run did not end: $(pane dt1 | tail -3)"
[ "$(cat "$T/rc.dt1" 2>/dev/null)" = 0 ] || t_fail "exit [$(cat "$T/rc.dt1" 2>/dev/null)]"
at_prompt dt1 || t_fail "something said: [$(last_line dt1)]"
is_running "$N" || t_fail "the container ended: $(cfg "$N" .status)"
[ "$(cat "$T/dt.before")" = "$(cat "$T/dt.after" 2>/dev/null)" ] || t_fail "terminal left changed"
wait_for sh -c "'$COCIN' --root '$ROOT' logs $N 2>/dev/null | grep -q 'bg-3'" || t_fail "output after the detach not logged: $(cocin logs "$N" 2>&1 | tail -3)"
TM kill-session -t dt1 >/dev/null 2>&1
t_end

t_begin "run -it detached: attach finds its shell; the whole session logged; its exit code; no socket left"
rm -f "$T/rc.dt2"
start dt2 "$CABS --root $ROOT attach $N; echo \$? > $T/rc.dt2; sleep 100000"
send dt2 Enter
wait_for pane_has dt2 '^/ # ' || t_fail "no prompt: $(pane dt2 | tail -3)"
run_line dt2 'echo two-$((1+1))'
cocin logs "$N" >"$T/dt.log" 2>&1
grep -q '^one-1' "$T/dt.log" && grep -q '^two-2' "$T/dt.log" || t_fail "not logged: $(tail -5 "$T/dt.log")"
send dt2 'exit 4' Enter
wait_for test -s "$T/rc.dt2" || t_fail "attach did not end: $(pane dt2 | tail -3)"
[ "$(cat "$T/rc.dt2" 2>/dev/null)" = 4 ] || t_fail "exit [$(cat "$T/rc.dt2" 2>/dev/null)]"
wait_for sh -c "[ \"\$(jq -r .exitCode '$ROOT/containers/$N/config.json')\" = 4 ]" || t_fail "not recorded: $(cfg "$N" .exitCode)"
wait_for test ! -e "$ROOT/containers/$N/attach.sock" || t_fail "attach.sock left"
TM kill-session -t dt2 >/dev/null 2>&1
cocin rm -f "$N" >/dev/null 2>&1
t_end

t_begin "run -it renamed while it runs, its name taken by another: detached, its terminal is its own (attach by the new name), the other's untouched"
rm -f "$T/rc.dt5"
start dt5 "$CABS --root $ROOT run -it --name ${P}rn1 busybox sh; echo \$? > $T/rc.dt5; sleep 100000"
wait_for pane_has dt5 '^/ # ' || t_fail "no prompt: $(pane dt5 | tail -3)"
run_line dt5 'M=first-$((0+1))'
cocin rename "${P}rn1" "${P}rn2" >/dev/null 2>&1 || t_fail "rename"
cocin run -dit --name "${P}rn1" busybox sh >/dev/null 2>&1 || t_fail "run of the other"
wait_for is_running "${P}rn1"
send dt5 C-p C-q
wait_for test -s "$T/rc.dt5" || t_fail "run did not end: $(pane dt5 | tail -3)"
[ -S "$ROOT/containers/${P}rn2/attach.sock" ] && [ -S "$ROOT/containers/${P}rn1/attach.sock" ] ||
  t_fail "sockets: $(ls "$ROOT/containers/${P}rn2" "$ROOT/containers/${P}rn1" 2>&1 | tr '\n' ' ')"
start dt6 "$CABS --root $ROOT attach ${P}rn2; sleep 100000"
send dt6 Enter
wait_for pane_has dt6 '^/ # ' || t_fail "no prompt: $(pane dt6 | tail -3)"
send dt6 'echo "m=$M"' Enter
wait_for pane_has dt6 "^m=first-1" || t_fail "not its shell: $(pane dt6 | tail -3)"
cocin rm -f "${P}rn2" >/dev/null 2>&1
[ -S "$ROOT/containers/${P}rn1/attach.sock" ] || t_fail "the other's socket went with it"
TM kill-session -t dt5 >/dev/null 2>&1
TM kill-session -t dt6 >/dev/null 2>&1
cocin rm -f "${P}rn1" >/dev/null 2>&1
t_end

t_begin "run -it --rm --detach-keys: its own keys detach, Ctrl-P Ctrl-Q does not; removed when it ends after an attach"
rm -f "$T/rc.dt3" "$T/rc.dt4"
start dt3 "$CABS --root $ROOT run -it --rm --detach-keys ctrl-a,d --name $N busybox sh; echo \$? > $T/rc.dt3; sleep 100000"
wait_for pane_has dt3 '^/ # ' || t_fail "no prompt: $(pane dt3 | tail -3)"
send dt3 C-p C-q
run_line dt3 'echo still'
[ -e "$T/rc.dt3" ] && t_fail "Ctrl-P Ctrl-Q detached"
send dt3 C-a d
wait_for test -s "$T/rc.dt3" || t_fail "run did not end: $(pane dt3 | tail -3)"
[ "$(cat "$T/rc.dt3" 2>/dev/null)" = 0 ] && is_running "$N" || t_fail "exit [$(cat "$T/rc.dt3" 2>/dev/null)], $(cfg "$N" .status)"
start dt4 "$CABS --root $ROOT attach $N; echo \$? > $T/rc.dt4; sleep 100000"
send dt4 Enter
wait_for pane_has dt4 '^/ # ' || t_fail "no prompt: $(pane dt4 | tail -3)"
send dt4 'exit 5' Enter
wait_for test -s "$T/rc.dt4" || t_fail "attach did not end: $(pane dt4 | tail -3)"
[ "$(cat "$T/rc.dt4" 2>/dev/null)" = 5 ] || t_fail "exit [$(cat "$T/rc.dt4" 2>/dev/null)]"
wait_for test ! -e "$ROOT/containers/$N" || t_fail "not removed"
TM kill-session -t dt3 >/dev/null 2>&1
TM kill-session -t dt4 >/dev/null 2>&1
t_end

# ------------------------------------------------------------ start -ai
N=${P}st
cocin create -it --name "$N" busybox sh >/dev/null 2>&1
t_begin "start -ai of a created -it shell: its prompt (printed before we came: from its log), commands, our window size"
rm -f "$T/rc.st1"
start st1 "$CABS --root $ROOT start -ai $N; echo \$? > $T/rc.st1; sleep 100000"
wait_for pane_has st1 '^/ # ' || t_fail "no prompt: $(pane st1 | tail -3)"
run_line st1 'echo st-$((2+2))'
send st1 'stty size' Enter
wait_for pane_has st1 '^40 120$' || t_fail "window size: $(pane st1 | tail -3)"
t_end
t_begin "start -ai: Ctrl-P Ctrl-Q detaches (exit 0, nothing said, as docker's start); start -ai again attaches; its exit code"
send st1 C-p C-q
wait_for test -s "$T/rc.st1" || t_fail "start did not end: $(pane st1 | tail -3)"
[ "$(cat "$T/rc.st1" 2>/dev/null)" = 0 ] && is_running "$N" || t_fail "exit [$(cat "$T/rc.st1" 2>/dev/null)], $(cfg "$N" .status)"
rm -f "$T/rc.st2"
start st2 "$CABS --root $ROOT start -ai $N; echo \$? > $T/rc.st2; sleep 100000"
send st2 Enter
wait_for pane_has st2 '^/ # ' || t_fail "no prompt: $(pane st2 | tail -3)"
run_line st2 'echo again-$((3+3))'
send st2 'exit 8' Enter
wait_for test -s "$T/rc.st2" || t_fail "start did not end: $(pane st2 | tail -3)"
[ "$(cat "$T/rc.st2" 2>/dev/null)" = 8 ] || t_fail "exit [$(cat "$T/rc.st2" 2>/dev/null)]"
TM kill-session -t st1 >/dev/null 2>&1
TM kill-session -t st2 >/dev/null 2>&1
t_end
t_begin "start -a of a -t container (no -i): its output on its terminal; nothing typed reaches it"
cocin create -t --name "${P}st2" busybox sh -c 'tty; read x; echo "read [$x]"; exit 2' >/dev/null 2>&1
rm -f "$T/rc.st3"
start st3 "$CABS --root $ROOT start -a ${P}st2; echo \$? > $T/rc.st3; sleep 100000"
wait_for pane_has st3 '^/dev/pts/[0-9]+' || t_fail "no tty: $(pane st3 | tail -3)"
send st3 'typed' Enter
sleep 0.5 # (what is typed would have reached it by now: it is not looked for below)
cocin stop -t 1 "${P}st2" >/dev/null 2>&1
wait_for test -s "$T/rc.st3" || t_fail "start did not end"
[ "$(cat "$T/rc.st3" 2>/dev/null)" = 137 ] || t_fail "exit [$(cat "$T/rc.st3" 2>/dev/null)]: not stopped with KILL, its read returned"
cocin logs "${P}st2" 2>&1 | grep -q 'read \[' && t_fail "input reached it: $(cocin logs "${P}st2" 2>&1 | tail -2)"
TM kill-session -t st3 >/dev/null 2>&1
cocin rm -f "$N" "${P}st2" >/dev/null 2>&1
t_end

t_err "run: bad --detach-keys" 'run: invalid --detach-keys "ctrl-1"' cocin run --rm --detach-keys ctrl-1 busybox true
before=$(ls "$ROOT/containers" | wc -l)
out=$(cocin run --rm --detach-keys ctrl-1 busybox true 2>&1); rc=$?
t_eq "run: bad --detach-keys: one line, exit 125, nothing left" "125 1 $before" "$rc $(wc -l <<<"$out") $(ls "$ROOT/containers" | wc -l)"

t_begin "attach, no terminal of ours (a pipe): input goes in; rm -f of the container ends it with 137"
cocin run -dit --name "${P}atk" busybox sh >/dev/null 2>&1
wait_for is_running "${P}atk"
mkfifo "$T/atk.in"
cocin attach "${P}atk" <"$T/atk.in" >"$T/atk.out" 2>&1 &
apid=$!
exec 7>"$T/atk.in" # (held open: the attach's input does not end)
echo 'echo piped-$((3*3))' >&7
wait_for grep -q '^piped-9' "$T/atk.out" || t_fail "no output: $(tail -c 300 "$T/atk.out")"
cocin rm -f "${P}atk" >/dev/null 2>&1 || t_fail "rm -f"
wait "$apid"; rc=$?
exec 7>&-
[ "$rc" = 137 ] || t_fail "exit $rc: $(tail -c 300 "$T/atk.out")"
t_end

t_err "attach: no such container" "no such container" cocin attach "${P}nosuch"
t_err "attach: a stopped container" "attach: ${P}ex2 is not running \(status: (exited|stopped)\): start it first" \
  sh -c "'$COCIN' --root '$ROOT' stop -t 0 ${P}ex2 >/dev/null 2>&1; '$COCIN' --root '$ROOT' attach ${P}ex2"
t_err "attach: bad --detach-keys" 'attach: invalid --detach-keys "ctrl-1"' cocin attach --detach-keys ctrl-1 "${P}ex2"
t_err "attach: two names" 'attach: requires exactly one container name' cocin attach a b
cocin run -dt --name "${P}atp" busybox sleep 100000 >/dev/null 2>&1
cocin pause "${P}atp" >/dev/null 2>&1
t_err "attach: a paused container" "attach: ${P}atp is paused: unpause it first" cocin attach "${P}atp"
cocin rm -f "${P}atp" "${P}ex2" >/dev/null 2>&1
