#!/bin/bash
# launch-and-wait.sh NAME IMAGE [COMMAND...]: start a container through
# $COCIN_MNT/ctl (default /cocin) and wait until it runs.  Files only.
set -eu
. "$(dirname "$0")/lib.sh"
[ $# -ge 2 ] || { echo "usage: $0 NAME IMAGE [COMMAND...]" >&2; exit 2; }
name=$1; shift
exec 3<>"$MNT/ctl"
if ! ctl_words run -d --name "$name" "$@" >&3; then
  echo "run failed: $(cat <&3)" >&2   # the reason is on the same open file
  exit 1
fi
exec 3<&-
for _ in $(seq 1 100); do
  read -r state rest <"$MNT/$name/status"
  case $state in
    running) echo "$name: running ${rest}"; exit 0 ;;
    exited|stopped) echo "$name: $state $rest" >&2; exit 1 ;;
  esac
  sleep 0.1
done
echo "$name: still not running" >&2
exit 1
