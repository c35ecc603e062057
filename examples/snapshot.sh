#!/bin/sh
# snapshot.sh NAME IMAGE: what container NAME changed in its filesystem
# (its diff file: A added, C changed, D deleted), then a new image of it
# (commit, through its own ctl file: a running container is paused
# meanwhile).  Files only.  Run the image: echo 'run IMAGE ...' >/cocin/ctl
MNT=${COCIN_MNT:-/cocin}
[ $# -eq 2 ] || { echo "usage: $0 NAME IMAGE" >&2; exit 2; }
cat "$MNT/$1/diff" || exit 1
exec 3<>"$MNT/$1/ctl" || exit 1
if printf 'commit %s\n' "$2" >&3; then
  echo "image: $(cat <&3)"
else
  cat <&3 >&2 # the reason, on the same open file
  exit 1
fi
