#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine, as root:
#   bash examples/quickstart.sh
# installs what is missing, builds cocin and cocinfs, mounts /cocin, starts a
# demo container on the built-in busybox image through the filesystem, and
# shows what to type next.  Run it again at any time: it is idempotent.
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
[ "$(id -u)" = 0 ] || { echo "quickstart: run as root (containers need namespaces and mounts)" >&2; exit 2; }
bash tests/deps.sh
if [ -d build ]; then meson setup --reconfigure build >/dev/null; else meson setup build >/dev/null; fi
ninja -C build >/dev/null
COCIN=$TOP/build/cli/cocin
COCINFS=$TOP/build/fs/cocinfs
MNT=${COCIN_MNT:-/cocin}

# Mount /cocin unless a live cocinfs is already there (a dead one is
# cleared by cocinfs itself).
if ! grep -q " $MNT fuse.cocinfs " /proc/mounts || ! ls "$MNT" >/dev/null 2>&1; then
  "$COCINFS" "$MNT"
fi
echo "== cocinfs is mounted at $MNT"

# A demo container, started by writing to the ctl file.
[ -d "$MNT/demo" ] && echo 'rm -f demo' >"$MNT/ctl"
echo 'run -d --name demo busybox sh -c "echo hello from $(hostname); while true; do date; sleep 2; done"' >"$MNT/ctl"
sleep 1
echo "== ls $MNT"
ls "$MNT"
echo "== cat $MNT/demo/status"
cat "$MNT/demo/status"
echo "== cat $MNT/demo/container.log"
cat "$MNT/demo/container.log"
echo "== $COCIN ps"
"$COCIN" ps
cat <<EOT

What to type next:
  ls -l $MNT                                   # ps, with creation times
  tail -f $MNT/demo/container.log              # logs -f
  exec 3<>$MNT/demo/exec; echo 'ps' >&3; cat <&3; read code <&3; echo "exit \$code"
  echo 'exec touch /hello' > $MNT/demo/ctl     # exec -d: in the background
  echo 'run -d --name web -p 8080:80 busybox httpd -f -p 80 -h /etc' > $MNT/ctl
  busybox wget -qO- 127.0.0.1:8080/hostname    # the host's 8080 is web's 80 (-p)
  echo stop > $MNT/demo/ctl; cat $MNT/demo/status
  rmdir $MNT/demo                              # rm
  $COCIN run -it --rm busybox sh               # a terminal needs the CLI
  bash tests/run-all.sh                        # every test
EOT
