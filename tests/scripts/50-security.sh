#!/bin/bash
# Issue 5: the escape battery.  Each attempt must fail in a default
# container; its positive twin (--privileged or the matching --cap-add)
# must work, so that a failure proves the confinement, not a broken
# container.  Needs root.  In-container probes: busybox, and the static
# tests/helper/escape (ESCAPE=path, default next to the cocin build).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then echo "SKIP: security: needs root"; exit 77; fi
BUILD=${BUILD:-$(cd "$(dirname "$COCIN")/.." && pwd)}
ESCAPE=${ESCAPE:-$BUILD/tests/helper/escape}

run() { cocin run --rm "$@"; }
# esc [FLAGS...] -- OP [ARG]: the escape helper in a fresh container
esc() {
  local flags=()
  while [ "$1" != "--" ]; do flags+=("$1"); shift; done
  shift
  run "${flags[@]}" -v "$ESCAPE:/escape:ro" busybox /escape "$@"
}
# refused NAME [FLAGS...] -- OP: the helper must report the call refused
refused() {
  local n=$1; shift
  esc "$@" >"$T/out" 2>&1; local rc=$?
  if [ $rc = 1 ]; then echo "PASS: $n"; else echo "FAIL: $n: exit $rc: $(head -c 300 "$T/out")"; fi
}
# allowed NAME [FLAGS...] -- OP: must pass the gate; SKIP where the host
# kernel itself lacks the call (the helper says "not available" there too)
allowed() {
  local n=$1; shift
  local op=() after=0 x
  for x in "$@"; do [ $after = 1 ] && op+=("$x"); [ "$x" = -- ] && after=1; done
  "$ESCAPE" "${op[@]}" >/dev/null 2>&1
  if [ $? = 3 ]; then t_skip "$n" "the host kernel has no ${op[0]}"; return; fi
  esc "$@" >"$T/out" 2>&1; local rc=$?
  if [ $rc = 0 ]; then echo "PASS: $n"; else echo "FAIL: $n: exit $rc: $(head -c 300 "$T/out")"; fi
}
status_field() { grep "^$1:" | awk '{print $2}'; }

# the image is built on first use; make sure a container runs at all
if ! run busybox true >"$T/out" 2>&1; then
  echo "FAIL: security: a default container does not start: $(head -c 300 "$T/out")"; exit 1
fi
if [ ! -x "$ESCAPE" ]; then echo "FAIL: security: escape helper not built at $ESCAPE"; exit 1; fi

HOST_BND=$(status_field CapBnd </proc/self/status)

# ---- /proc/self/status ------------------------------------------------------
run busybox cat /proc/self/status >"$T/st" 2>&1
t_eq "status: CapEff is docker's default" 00000000a80425fb "$(status_field CapEff <"$T/st")"
t_eq "status: CapBnd is docker's default" 00000000a80425fb "$(status_field CapBnd <"$T/st")"
t_eq "status: CapPrm is docker's default" 00000000a80425fb "$(status_field CapPrm <"$T/st")"
t_eq "status: CapInh empty" 0000000000000000 "$(status_field CapInh <"$T/st")"
t_eq "status: CapAmb empty" 0000000000000000 "$(status_field CapAmb <"$T/st")"
t_eq "status: Seccomp 2" 2 "$(status_field Seccomp <"$T/st")"
t_eq "status: NoNewPrivs 0 by default (as docker)" 0 "$(status_field NoNewPrivs <"$T/st")"
t_eq "status: no-new-privileges sets NoNewPrivs" 1 \
  "$(run --security-opt no-new-privileges busybox cat /proc/self/status | status_field NoNewPrivs)"
t_eq "status: seccomp=unconfined has no filter" 0 \
  "$(run --security-opt seccomp=unconfined busybox cat /proc/self/status | status_field Seccomp)"
run --privileged busybox cat /proc/self/status >"$T/st" 2>&1
t_eq "status: privileged keeps every capability" "$HOST_BND" "$(status_field CapEff <"$T/st")"
t_eq "status: privileged has no filter" 0 "$(status_field Seccomp <"$T/st")"
t_eq "status: cap-drop ALL" 0000000000000000 \
  "$(run --cap-drop ALL busybox cat /proc/self/status | status_field CapEff)"
t_eq "status: cap-drop ALL cap-add chown" 0000000000000001 \
  "$(run --cap-drop ALL --cap-add chown busybox cat /proc/self/status | status_field CapBnd)"
t_eq "status: uid 1000 ends with no capabilities" 0000000000000000 \
  "$(run -u 1000 busybox cat /proc/self/status | status_field CapEff)"
t_err "flags: unknown capability" "unknown capability: FOO" cocin run --rm --cap-add FOO busybox true
t_err "flags: bad security-opt" "unsupported security option" \
  cocin run --rm --security-opt apparmor=x busybox true
# a capability cocin itself lacks cannot be granted
for c in SYS_RESOURCE SYS_TIME LINUX_IMMUTABLE; do
  bit=$(awk -v c=$c 'BEGIN{split("SYS_RESOURCE 24 SYS_TIME 25 LINUX_IMMUTABLE 9",a," ");for(i=1;i<6;i+=2)if(a[i]==c)print a[i+1]}')
  if [ $(( (0x$HOST_BND >> bit) & 1 )) = 0 ]; then
    t_err "flags: cap-add of a capability cocin lacks fails the run" "does not hold" \
      cocin run --rm --cap-add $c busybox true
    break
  fi
done

# ---- mounts -------------------------------------------------------------------
t_err "mount: refused" "denied|not permitted" run busybox sh -c 'mkdir -p /m && mount -t tmpfs x /m'
t_ok "mount: works with --cap-add SYS_ADMIN" run --cap-add SYS_ADMIN busybox sh -c 'mkdir -p /m && mount -t tmpfs x /m'
refused "mount: syscall refused (helper)" -- mount
refused "mount: pivot_root refused" -- pivot_root
allowed "mount: pivot_root reaches the kernel with SYS_ADMIN" --cap-add SYS_ADMIN -- pivot_root

# ---- --read-only --------------------------------------------------------------
t_err "read-only: root not writable" "read-only" run --read-only busybox touch /x
t_err "read-only: remount / rw refused" "denied|not permitted" \
  run --read-only busybox mount -o remount,rw /
t_ok "read-only: /dev/shm and /proc stay writable mounts" \
  run --read-only busybox sh -c 'touch /dev/shm/x && echo 1 > /proc/self/oom_score_adj'
t_ok "read-only: root writable without --read-only" run busybox touch /x
t_ok "read-only: --privileged may remount it rw" \
  run --read-only --privileged busybox sh -c 'mount -o remount,rw / && touch /x'

# ---- /proc and /sys -----------------------------------------------------------
t_err "proc: write /proc/sys/kernel/hostname refused" "read-only" \
  run busybox sh -c 'echo evil > /proc/sys/kernel/hostname'
t_eq "proc: --privileged writes the container's hostname" evil \
  "$(run --privileged busybox sh -c 'echo evil > /proc/sys/kernel/hostname && hostname' 2>&1)"
if [ -e /proc/sysrq-trigger ]; then
  t_err "proc: write /proc/sysrq-trigger refused" "read-only" \
    run busybox sh -c 'echo h > /proc/sysrq-trigger'
  t_ok "proc: --privileged may write /proc/sysrq-trigger (h: help)" \
    run --privileged busybox sh -c 'echo h > /proc/sysrq-trigger'
else
  t_skip "proc: write /proc/sysrq-trigger refused" "the host kernel has no /proc/sysrq-trigger"
fi
for f in /proc/kcore /proc/timer_list /proc/keys; do
  if [ -e $f ] && [ -n "$(head -c 16 $f 2>/dev/null)" ]; then
    t_eq "proc: $f reads empty" 0 "$(run busybox sh -c "head -c 16 $f | wc -c" 2>&1)"
    t_eq "proc: $f readable with --privileged" 16 "$(run --privileged busybox sh -c "head -c 16 $f | wc -c" 2>&1)"
  else
    t_skip "proc: $f reads empty" "the host has no $f content"
  fi
done
t_eq "sys: /sys/firmware is empty" "" "$(run busybox ls /sys/firmware 2>&1)"
if [ -n "$(ls /sys/firmware)" ]; then
  t_ok "sys: /sys/firmware visible with --privileged" \
    run --privileged busybox sh -c '[ -n "$(ls /sys/firmware)" ]'
fi

# ---- devices --------------------------------------------------------------------
DEV=8:0
for d in /sys/block/vd* /sys/block/sd* /sys/block/nvme*; do
  [ -e "$d/dev" ] && { DEV=$(cat "$d/dev"); break; }
done
MA=${DEV%:*} MI=${DEV#*:}
t_err "devices: block device $DEV unreadable" "not permitted|denied|no such" \
  run busybox sh -c "mknod /b b $MA $MI && head -c1 /b >/dev/null"
if [ -e "/sys/dev/block/$DEV" ] && head -c1 "/dev/block/$DEV" >/dev/null 2>&1; then
  t_ok "devices: block device $DEV readable with --privileged" \
    run --privileged busybox sh -c "mknod /b b $MA $MI && head -c1 /b >/dev/null"
else
  t_skip "devices: block device $DEV readable with --privileged" "the host itself may not read $DEV"
fi
# The devices cgroup itself: /dev/fuse (c 10:229) opens on the host, is not in
# the default allow list, and opens again with --privileged.
if exec 9</dev/fuse 2>/dev/null; then
  exec 9<&-
  t_err "devices: char device 10:229 (fuse) refused by the devices cgroup" "not permitted" \
    run busybox sh -c "mknod /f c 10 229 && exec 3</f"
  t_ok "devices: char device 10:229 opens with --privileged" \
    run --privileged busybox sh -c "mknod /f c 10 229 && exec 3</f"
  # --device: the host's node at its place, allowed by the policy alone
  t_eq "devices: --device /dev/fuse: there with the host's mode, opens" \
    "$(stat -c '%t:%T %a' /dev/fuse) opened" \
    "$(run --device /dev/fuse busybox sh -c 'echo "$(stat -c "%t:%T %a" /dev/fuse) $(exec 3<>/dev/fuse && echo opened)"' 2>&1)"
  t_ok "devices: --device HOST:CONTAINER:r opens for reading" \
    run --device /dev/fuse:/dev/x/fz:r busybox sh -c "exec 3</dev/x/fz"
  t_err "devices: --device HOST:CONTAINER:r does not open for writing" "not permitted" \
    run --device /dev/fuse:/dev/x/fz:r busybox sh -c "exec 3<>/dev/x/fz"
  t_begin "devices: --device kept for a start; docker's HostConfig.Devices"
  cocin run --name sec-dev-$$ --device /dev/fuse:/dev/fz busybox sh -c "exec 3<>/dev/fz" >"$T/o" 2>&1 ||
    t_fail "run: $(cat "$T/o")"
  cocin start sec-dev-$$ >/dev/null 2>&1 || t_fail start
  wait_for sh -c "'$COCIN' --root '$ROOT' inspect -f '{{.status}}' sec-dev-$$ | grep -qx exited"
  [ "$(cocin inspect -f '{{.exitCode}} {{json .HostConfig.Devices}}' sec-dev-$$)" = \
    '0 [{"PathOnHost":"/dev/fuse","PathInContainer":"/dev/fz","CgroupPermissions":"rwm"}]' ] ||
    t_fail "record: $(cocin inspect -f '{{.exitCode}} {{json .devices}}' sec-dev-$$)"
  cocin rm -f sec-dev-$$ >/dev/null 2>&1
  t_end
  # --device DIR: every device below it, at its place below CONTAINER
  # (docker's walk: links and other files passed over), each one allowed;
  # looked at again by each start, the directory kept in the record
  t_begin "devices: --device of a directory: its devices below it, at each start"
  DD=$T/devdir
  mkdir -p "$DD/sub" && mknod "$DD/fz" c 10 229 && mknod "$DD/sub/nul" c 1 3 &&
    ln -s /dev/fuse "$DD/link" && : >"$DD/file" && mkfifo "$DD/fifo" || t_fail "setup"
  got=$(run --device "$DD:/dev/mine" busybox sh -c \
    'find /dev/mine | sort | tr "\n" " "; stat -c "%t:%T" /dev/mine/fz /dev/mine/sub/nul | tr "\n" " "; exec 3<>/dev/mine/fz && echo opened' 2>&1)
  [ "$got" = "/dev/mine /dev/mine/fz /dev/mine/sub /dev/mine/sub/nul a:e5 1:3 opened" ] || t_fail "run: [$got]"
  cocin run --name sec-dd-$$ --device "$DD:/dev/mine" busybox sh -c 'ls /dev/mine | tr "\n" " "; echo' >"$T/o" 2>&1 ||
    t_fail "named run: $(cat "$T/o")"
  mknod "$DD/fz2" c 10 229
  cocin start sec-dd-$$ >/dev/null 2>&1 || t_fail start
  wait_for sh -c "'$COCIN' --root '$ROOT' inspect -f '{{.status}}' sec-dd-$$ | grep -qx exited"
  got=$(cocin logs sec-dd-$$ 2>&1 | tr '\n' '|')
  [ "$got" = "fz sub |fz fz2 sub |" ] || t_fail "logs of two starts: [$got]"
  [ "$(cocin inspect -f '{{json .HostConfig.Devices}}' sec-dd-$$)" = \
    '[{"PathOnHost":"'"$DD"'","PathInContainer":"/dev/mine","CgroupPermissions":"rwm"}]' ] ||
    t_fail "record: $(cocin inspect -f '{{json .devices}}' sec-dd-$$)"
  cocin rm -f sec-dd-$$ >/dev/null 2>&1
  t_end
  t_err "devices: --device of a directory: a node given twice said" \
    "run: --device $DD: /dev/mine/fz is given twice \(/dev/fuse, $DD/fz\)" \
    run --device /dev/fuse:/dev/mine/fz --device "$DD:/dev/mine" busybox true
fi
t_err "devices: --device of no such host node: said" "run: --device /dev/nonexist-$$: No such file or directory" \
  run --device /dev/nonexist-$$ busybox true
t_err "devices: --device of no device node: said" "run: --device /etc/hostname: not a device node" \
  run --device /etc/hostname:/dev/h busybox true
t_err "devices: --device into /dev/shm refused (nodev)" 'run: invalid --device "/dev/null:/dev/shm/n": /dev/shm and /dev/pts are filesystems of their own' \
  run --device /dev/null:/dev/shm/n busybox true
t_err "devices: --device over cocin's own node refused" 'run: invalid --device "/dev/fuse:/dev/null": /dev/null is cocin.s own' \
  run --device /dev/fuse:/dev/null busybox true
t_begin "devices: --device of a directory nested too deep: said"
deep=$T/deep p=$T/deep
for _ in $(seq 17); do p=$p/d; done
mkdir -p "$p"
out=$(run --device "$deep:/dev/deep" busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && [ "$out" = "cocin: run: --device $deep: directories more than 16 deep" ] || t_fail "rc $rc [$out]"
t_end
t_err "devices: --device through a link of /dev refused" "run: --device /dev/null: /dev/fd is not a directory" \
  run --device /dev/null:/dev/fd/n busybox true
t_err "devices: --device outside the container's /dev refused" 'run: invalid --device "/dev/null:/tmp/n": cocin makes devices in the container.s /dev only' \
  run --device /dev/null:/tmp/n busybox true
t_err "devices: --device with bad permissions refused" 'run: invalid --device "/dev/null:rwx": "rwx" is neither the container.s path nor permissions' \
  run --device /dev/null:rwx busybox true
t_err "devices: --device with bad permissions after a path refused" 'run: invalid --device "/dev/null:/dev/n:x": the permissions are r, w and m' \
  run --device /dev/null:/dev/n:x busybox true
# (console exists only with -t; fd, stdin, stdout, stderr are symlinks)
t_eq "devices: only the default nodes in /dev" "full null ptmx pts random shm tty urandom zero" \
  "$(run busybox sh -c 'ls /dev | grep -v -x -e fd -e stdin -e stdout -e stderr -e core -e mqueue -e console | sort | tr "\n" " " | sed "s/ $//"')"

# ---- no device policy (cgroup v2 here is a fake root: nothing enforces) ------
# Without a devices controller cocin drops MKNOD and mounts the root nodev,
# so no device node but its own /dev ones can be made or opened.
FAKE=$T/fakev2
mkdir -p "$FAKE"
echo "cpu memory pids cpuset" >"$FAKE/cgroup.controllers"
: >"$FAKE/cgroup.subtree_control"
v2run() { COCIN_CGROUP_ROOT=$FAKE COCIN_CGROUP_MODE=v2 "$COCIN" --root "$ROOT" run --rm "$@"; }
t_err "devices (no policy): mknod refused" "not permitted" \
  v2run busybox sh -c "mknod /dev/hw c 10 183"
t_ok "devices (no policy): the root filesystem is nodev" \
  v2run busybox sh -c "grep ' / overlay ' /proc/mounts | grep -q nodev"
mkdir -p "$T/devvol" && mknod "$T/devvol/null2" c 1 3 2>/dev/null &&
  t_err "devices (no policy): a device node in a volume cannot be opened" "denied|not permitted" \
    v2run -v "$T/devvol:/v" busybox sh -c "echo x > /v/null2"
t_ok "devices (no policy): /dev/null still works" v2run busybox sh -c "echo x > /dev/null"
t_ok "devices (no policy): --privileged may mknod" \
  v2run --privileged busybox sh -c "mknod /dev/hw c 10 183"
t_err "devices (no policy): --device with fewer permissions than rwm refused" \
  "run: --device /dev/null:r: this host has no devices cgroup to keep the permissions" \
  v2run --device /dev/null:/dev/n2:r busybox true
t_err "devices (no policy): create refuses it too (its start never could)" \
  "create: --device /dev/null:r: this host has no devices cgroup to keep the permissions" \
  env COCIN_CGROUP_ROOT="$FAKE" COCIN_CGROUP_MODE=v2 "$COCIN" --root "$ROOT" create --name "sec-cdv-$$" \
  --device /dev/null:/dev/n2:r busybox true
[ -e "$ROOT/containers/sec-cdv-$$" ] && echo "FAIL: devices (no policy): create left sec-cdv-$$"
t_ok "devices (no policy): --device with rwm: there" v2run --device /dev/null:/dev/n2 busybox sh -c "echo x >/dev/n2"

# ---- v2's devices policy: a BPF program, live on the host's cgroup2 mount ---
U=/sys/fs/cgroup/unified
if [ "$(stat -f -c %T "$U" 2>/dev/null)" = cgroup2fs ]; then
  v2live() { COCIN_CGROUP_ROOT=$U COCIN_CGROUP_MODE=v2 "$COCIN" --root "$ROOT" run --rm "$@"; }
  if v2live busybox sh -c 'grep -q "^CapBnd:.*a80425fb" /proc/self/status' >/dev/null 2>&1; then
    t_ok "devices (v2 BPF): mknod allowed, as docker does" v2live busybox mknod /dev/hw c 10 183
    t_err "devices (v2 BPF): a char device outside the list cannot be opened" "not permitted" \
      v2live busybox sh -c "mknod /dev/hw c 10 183 && head -c1 /dev/hw"
    t_ok "devices (v2 BPF): the default nodes work" \
      v2live busybox sh -c "echo x > /dev/null && head -c1 /dev/urandom >/dev/null"
    t_ok "devices (v2 BPF): --privileged opens it" \
      v2live --privileged busybox sh -c "mknod /dev/hw c 10 183 && head -c1 /dev/hw >/dev/null"
    if [ -e /dev/fuse ]; then
      t_ok "devices (v2 BPF): --device /dev/fuse opens" \
        v2live --device /dev/fuse busybox sh -c "exec 3<>/dev/fuse"
      t_err "devices (v2 BPF): --device HOST:r does not open for writing" "not permitted" \
        v2live --device /dev/fuse:r busybox sh -c "exec 3<>/dev/fuse"
    fi
  else
    t_skip "devices (v2 BPF)" "the kernel refused the BPF device program here (fallback in use)"
  fi
fi

# ---- kernel: modules, reboot, kexec, keys ----------------------------------------
refused "kernel: init_module refused" -- init_module
refused "kernel: finit_module refused" -- finit_module
refused "kernel: delete_module refused" -- delete_module
allowed "kernel: init_module passes the gate with --cap-add SYS_MODULE" --cap-add SYS_MODULE -- init_module
refused "kernel: reboot refused" -- reboot
allowed "kernel: reboot passes the gate with --cap-add SYS_BOOT" --cap-add SYS_BOOT -- reboot
refused "kernel: kexec_load refused" -- kexec_load
refused "kernel: kexec_file_load refused" -- kexec_file_load
allowed "kernel: kexec_load passes the gate with --privileged" --privileged -- kexec_load
refused "kernel: keyctl refused" -- keyctl
refused "kernel: add_key refused" -- add_key
refused "kernel: request_key refused" -- request_key
allowed "kernel: keyctl works with --privileged" --privileged -- keyctl
allowed "kernel: keyctl works with seccomp=unconfined" --security-opt seccomp=unconfined -- keyctl
refused "kernel: swapon refused" -- swapon
refused "kernel: syslog refused" -- syslog
allowed "kernel: syslog works with --cap-add SYSLOG" --cap-add SYSLOG -- syslog
refused "kernel: bpf refused" -- bpf
allowed "kernel: bpf passes the gate with --cap-add SYS_ADMIN" --cap-add SYS_ADMIN -- bpf
refused "kernel: perf_event_open refused" -- perf_event_open
allowed "kernel: perf_event_open works with --cap-add SYS_ADMIN" --cap-add SYS_ADMIN -- perf_event_open
refused "kernel: userfaultfd refused" -- userfaultfd
allowed "kernel: userfaultfd works with --privileged" --privileged -- userfaultfd
refused "kernel: io_uring refused" -- io_uring
refused "kernel: socket(AF_VSOCK) refused" -- vsock
[ "$(uname -m)" = x86_64 ] && allowed "kernel: an i386 program's socketcall(SOCKET) reaches the kernel, as under docker" -- i386_socket
refused "kernel: personality(READ_IMPLIES_EXEC) refused" -- personality
refused "kernel: kcmp refused" -- kcmp
allowed "kernel: kcmp works with --cap-add SYS_PTRACE" --cap-add SYS_PTRACE -- kcmp
allowed "kernel: ptrace of a child allowed (docker, kernel >= 4.8)" -- ptrace

# ---- namespaces -------------------------------------------------------------------
t_err "ns: unshare -U refused" "not permitted|denied" run busybox unshare -U true
t_err "ns: unshare -m refused" "not permitted|denied" run busybox unshare -m true
refused "ns: unshare(CLONE_NEWUSER) refused" -- unshare-user
refused "ns: unshare(CLONE_NEWNS) refused" -- unshare-mount
refused "ns: clone(CLONE_NEWUSER) refused" -- clone-newuser
refused "ns: clone3 refused (ENOSYS)" -- clone3
refused "ns: setns refused" -- setns
t_ok "ns: unshare -m works with --cap-add SYS_ADMIN" run --cap-add SYS_ADMIN busybox unshare -m true
allowed "ns: unshare(CLONE_NEWUSER) works with --cap-add SYS_ADMIN" --cap-add SYS_ADMIN -- unshare-user
allowed "ns: clone(CLONE_NEWUSER) works with --cap-add SYS_ADMIN" --cap-add SYS_ADMIN -- clone-newuser
allowed "ns: setns works with --cap-add SYS_ADMIN" --cap-add SYS_ADMIN -- setns
t_ok "ns: plain fork still works (clone without namespace flags)" run busybox sh -c '(true) && true'

# ---- the host's processes and files --------------------------------------------------
t_eq "pid: the command is pid 1" 1 "$(run busybox sh -c 'echo $$')"
t_eq "pid: only the container's processes (ls is alone)" 1 "$(run busybox ls /proc | grep -E '^[0-9]+$' | tr '\n' ' ' | sed 's/ $//')"
sleep 30 & HOSTPID=$!; t_track $HOSTPID
t_err "pid: kill -0 of a host pid fails" "no such|not permitted|can't kill" run busybox kill -0 $HOSTPID
kill $HOSTPID 2>/dev/null
mkdir -p "$T/hostdir"; echo secret > "$T/hostdir/marker"
t_err "fs: host file via /proc/1/root is not there" "no such" run busybox cat "/proc/1/root$T/hostdir/marker"
t_err "fs: host file via a .. walk is not there" "no such" run busybox cat "/../../../../..$T/hostdir/marker"
refused "fs: chroot escape does not reach the host" -- chroot-escape "$T/hostdir/marker"
allowed "fs: the marker is found where it is mounted (twin)" -v "$T/hostdir:$T/hostdir" -- chroot-escape "$T/hostdir/marker"
t_eq "fs: working directory is inside the new root" / "$(run busybox readlink /proc/self/cwd)"

# ---- hostname -----------------------------------------------------------------------
HN=$(hostname)
t_err "uts: hostname refused" "not permitted|denied" run busybox hostname evil
t_eq "uts: hostname works with --cap-add SYS_ADMIN" evil "$(run --cap-add SYS_ADMIN busybox sh -c 'hostname evil && hostname')"
t_eq "uts: the host's hostname is unchanged" "$HN" "$(hostname)"

# ---- file descriptors ----------------------------------------------------------------
exec 7</etc/hostname 8>"$T/leak"
t_eq "fds: only 0 1 2 (and ls's own) in the container" "0 1 2 3" \
  "$(run busybox ls /proc/self/fd | tr '\n' ' ' | sed 's/ $//')"
refused "fds: no host fd above 2 (helper)" -- host-fds
exec 7<&- 8>&-

# ---- exec ------------------------------------------------------------------------------
NAME=sec-exec-$$
# (the watcher outlives the checks and the 6 s of execs below, on a slow host too)
if cocin run -d --name $NAME -v "$ESCAPE:/escape:ro" busybox /escape watch-exe 14 >"$T/out" 2>&1; then
  cocin exec $NAME cat /proc/self/status >"$T/st" 2>&1
  t_eq "exec: CapEff as the container's" 00000000a80425fb "$(status_field CapEff <"$T/st")"
  t_eq "exec: CapBnd as the container's" 00000000a80425fb "$(status_field CapBnd <"$T/st")"
  t_eq "exec: Seccomp 2" 2 "$(status_field Seccomp <"$T/st")"
  t_err "exec: mount refused" "denied|not permitted" cocin exec $NAME sh -c 'mkdir -p /m && mount -t tmpfs x /m'
  end=$(( $(date +%s) + 6 ))
  while [ "$(date +%s)" -lt $end ]; do cocin exec $NAME true >/dev/null 2>&1; done
  wait_long sh -c "'$COCIN' --root '$ROOT' logs $NAME | grep -q watch-exe:"
  cocin logs $NAME >"$T/log" 2>&1
  if grep -q "^LEAK" "$T/log"; then
    echo "FAIL: exec: a joining process's /proc/PID/exe was readable: $(grep LEAK "$T/log" | head -3)"
  elif grep -q "watch-exe:" "$T/log"; then
    echo "PASS: exec: no joining process's /proc/PID/exe readable ($(grep -m1 scans "$T/log"))"
  else
    echo "FAIL: exec: the watcher said nothing: $(head -c 300 "$T/log")"
  fi
  cocin rm -f $NAME >/dev/null 2>&1
else
  echo "FAIL: exec: cannot start a detached container: $(head -c 300 "$T/out")"
fi
exit 0
