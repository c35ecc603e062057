#!/bin/sh
# stop-and-remove.sh NAME [SECS]: stop (TERM, KILL after SECS) and remove.
MNT=${COCIN_MNT:-/cocin}
[ $# -ge 1 ] || { echo "usage: $0 NAME [SECS]" >&2; exit 2; }
echo "stop -t ${2:-10}" >"$MNT/$1/ctl" || exit 1
rmdir "$MNT/$1"
