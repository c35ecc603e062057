#!/bin/bash
# wait-healthy.sh NAME [SECONDS]: wait until a container started with
# --health-cmd passes its check (the status file ends with "(healthy)"),
# at most SECONDS (default 60).  Exit 0 healthy, 1 unhealthy, ended or
# timed out.  Files only.
set -eu
. "$(dirname "$0")/lib.sh"
[ $# -ge 1 ] || { echo "usage: $0 NAME [SECONDS]" >&2; exit 2; }
name=$1 secs=${2:-60}
for _ in $(seq 1 $((secs * 10))); do
  if ! read -r line <"$MNT/$name/status"; then
    echo "$name: no such container" >&2
    exit 1
  fi
  case $line in
    *"(healthy)") echo "$name: healthy"; exit 0 ;;
    *"(unhealthy)") echo "$name: unhealthy" >&2; exit 1 ;;
    running*|paused*|created*) ;; # (health: starting), or no result yet
    *) echo "$name: $line" >&2; exit 1 ;;
  esac
  sleep 0.1
done
echo "$name: not healthy after ${secs}s" >&2
exit 1
