#!/bin/sh
# follow-log.sh NAME: the container's output so far, then new lines as they
# come (like docker logs -f).  Files only.
MNT=${COCIN_MNT:-/cocin}
[ $# = 1 ] || { echo "usage: $0 NAME" >&2; exit 2; }
exec tail -n +1 -f "$MNT/$1/container.log"
