#!/bin/bash
# exec-in.sh NAME COMMAND...: run a command in a running container through
# its exec file; print its output and exit with its status.
#   open read-write, write one command line, read the output to EOF, then
#   read the exit status line.
set -u
. "$(dirname "$0")/lib.sh"
[ $# -ge 2 ] || { echo "usage: $0 NAME COMMAND..." >&2; exit 2; }
name=$1; shift
exec 3<>"$MNT/$name/exec" || exit 125
if ! ctl_words "$@" >&3; then
  echo "exec failed: $(cat <&3)" >&2
  exit 125
fi
cat <&3          # the output (stdout and stderr), up to EOF
read -r code <&3 # then the exit status
exec 3<&-
exit "${code:-125}"
