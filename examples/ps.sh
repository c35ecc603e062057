#!/bin/sh
# ps.sh: a docker-ps-like table from $COCIN_MNT/*/status.  Files only.
MNT=${COCIN_MNT:-/cocin}
printf '%-24s %-8s %s\n' NAME STATE DETAILS
for d in "$MNT"/*/; do
  [ -r "$d/status" ] || continue
  read -r state details <"$d/status" || continue
  printf '%-24s %-8s %s\n' "$(basename "$d")" "$state" "$details"
done
