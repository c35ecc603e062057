#!/bin/bash
# restart-loop.sh NAME IMAGE [COMMAND...]: run the container, and whenever
# it exits, remove it and start it again (a tiny supervisor).  Files only:
# the wait file blocks until it exits and gives the exit code.  (cocin
# does this itself with run's --restart: echo 'run -d --restart always
# --name web busybox httpd -f' >/cocin/ctl; this script shows the files.)
set -u
. "$(dirname "$0")/lib.sh"
[ $# -ge 2 ] || { echo "usage: $0 NAME IMAGE [COMMAND...]" >&2; exit 2; }
name=$1; shift
while :; do
  if [ ! -d "$MNT/$name" ]; then
    ctl_words run -d --name "$name" "$@" >"$MNT/ctl" || exit 1
  fi
  code=$(cat "$MNT/$name/wait") || exit 1
  echo "$name exited with $code: restarting"
  echo rm >"$MNT/$name/ctl" || exit 1
  sleep 1
done
