#!/bin/bash
# Script tests for -l/--label and --label-file (docker's labels: kept in
# the record, ps -f label=, {{.Labels}}) and --entrypoint (the command's
# first word), with their bad inputs, through the CLI and cocinfs's ctl.
. "$(dirname "$0")/lib.sh"

P=c19x$$ # container names: cgroups are named after them, keep them unique
SL=6$$   # the containers' sleeps: "sleep ${SL}NN", this run's own
command -v jq >/dev/null || { t_skip labels "jq is not installed"; exit 0; }

cfgc() { jq -c "$2" "$ROOT/containers/$1/config.json" 2>/dev/null; }
short() { jq -r .id "$ROOT/containers/$1/config.json" | cut -c1-12; }
list_containers() { ls "$ROOT/containers" 2>/dev/null | sort | tr '\n' ' '; }

cocin run --rm busybox true >/dev/null 2>&1 # the image, once

t_begin "-l KEY=VALUE, -l KEY, --label again: kept in the record as docker's object (a key given twice: the later value)"
cocin run -d --name "${P}a" -l app=web -l tier --label app=api --label 'note=a b=c' busybox sleep "${SL}01" >/dev/null 2>&1 || t_fail run
[ "$(cfgc "${P}a" .labels)" = '{"app":"api","tier":"","note":"a b=c"}' ] || t_fail "record: $(cfgc "${P}a" .labels)"
[ "$(cocin ps --format '{{.Names}} {{.Labels}}' -f name="^${P}a\$")" = "${P}a app=api,tier=,note=a b=c" ] ||
  t_fail "{{.Labels}}: $(cocin ps --format '{{.Names}} {{.Labels}}' -f name="^${P}a\$")"
cocin ps --format json -f name="^${P}a\$" | jq -e '.Labels == "app=api,tier=,note=a b=c"' >/dev/null || t_fail "json"
t_end

t_begin "ps -f label=KEY and label=KEY=VALUE (two label filters: either)"
cocin run -d --name "${P}b" -l app=db busybox sleep "${SL}02" >/dev/null 2>&1 || t_fail run
[ "$(cocin ps -q -f label=tier)" = "$(short "${P}a")" ] || t_fail "label=tier: $(cocin ps -q -f label=tier)"
[ "$(cocin ps -q -f label=app=db)" = "$(short "${P}b")" ] || t_fail "label=app=db: $(cocin ps -q -f label=app=db)"
[ -z "$(cocin ps -q -f label=app=web)" ] || t_fail "label=app=web (replaced by api): $(cocin ps -q -f label=app=web)"
[ "$(cocin ps -q -f label=app | wc -l)" = 2 ] || t_fail "label=app: $(cocin ps -q -f label=app)"
[ "$(cocin ps -q -f label=app=db -f label=app=api | wc -l)" = 2 ] || t_fail "two label filters"
t_end

t_begin "--label-file: a label a line, blank lines and # comments skipped; -l after it wins"
printf 'team=core\n\n# a comment\n  env = x \nteam=infra\n' >"$T/labels"
cocin create --name "${P}c" --label-file "$T/labels" -l team=ops busybox true >/dev/null 2>&1 || t_fail create
[ "$(cfgc "${P}c" .labels)" = '{"team":"ops","env ":" x"}' ] || t_fail "record: $(cfgc "${P}c" .labels)"
t_end

t_begin "--entrypoint: the command's first word, the words after the image its arguments; a start keeps it"
out=$(cocin run --rm --entrypoint echo busybox hi there 2>&1)
[ "$out" = "hi there" ] || t_fail "run: [$out]"
out=$(cocin run --rm --entrypoint /bin/pwd -w /etc busybox 2>&1)
[ "$out" = /etc ] || t_fail "alone: [$out]"
out=$(cocin run --rm --entrypoint '' busybox echo empty 2>&1) # (docker's: none)
[ "$out" = empty ] || t_fail "empty: [$out]"
cocin run --name "${P}e" --entrypoint /bin/echo busybox once >/dev/null 2>&1 || t_fail "kept"
[ "$(cfgc "${P}e" .args)" = '["/bin/echo","once"]' ] || t_fail "args: $(cfgc "${P}e" .args)"
cocin start "${P}e" >/dev/null 2>&1 && wait_for sh -c "[ \$(grep -c once '$ROOT/containers/${P}e/container.log') = 2 ]" ||
  t_fail "start: $(cat "$ROOT/containers/${P}e/container.log")"
out=$(cocin run --rm --entrypoint nosuchcmd busybox 2>&1); rc=$?
[ "$rc" = 127 ] && [ "$(asan_filter <<<"$out")" = 'cocin: run: exec "nosuchcmd": executable file not found in $PATH' ] || t_fail "missing: rc $rc [$out]"
t_end

bad() { # NAME PATTERN ARGS...
  local n=$1 pat=$2 before rc; shift 2
  t_begin "$n"
  before=$(list_containers)
  cocin run -d --name "${P}x" "$@" busybox true >"$T/bo" 2>"$T/be"; rc=$?
  [ "$rc" = 125 ] || t_fail "exit $rc"
  grep -qF -- "$pat" "$T/be" || t_fail "stderr lacks [$pat]: $(head -c 300 "$T/be")"
  [ "$(asan_filter <"$T/be" | grep -c .)" = 1 ] || t_fail "not one line: $(head -c 300 "$T/be")"
  [ "$(list_containers)" = "$before" ] || t_fail "left: $(list_containers)"
  t_end
}
bad "a label without a key" 'invalid label "=x": expected KEY=VALUE' -l =x
bad "an empty label" 'invalid label "": expected KEY=VALUE' -l ''
bad "a label key with a control character" 'a control character in its key' -l "$(printf 'a\tb=1')"
bad "a --label-file that is not there" "--label-file $T/nosuch: No such file or directory" --label-file "$T/nosuch"
printf 'ok=1\n=bad\n' >"$T/badlabels"
bad "a --label-file with a bad line" 'invalid label "=bad"' --label-file "$T/badlabels"
t_begin "ps -f label= with nothing after it"
out=$(cocin ps -f label= 2>&1); rc=$?
# (docker matches nothing and says nothing: a key no label has)
[ "$rc" = 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || t_fail "rc $rc [$out]"
t_end

if [ -z "$COCINFS" ] || [ ! -x "$COCINFS" ]; then
  t_skip fs-labels "COCINFS not set"
else
  M=$T/mnt
  mkdir -p "$M"
  FSPID=""
  if fs_start_fg; then
    t_begin "fs: ctl run -l and --entrypoint; config.json shows the labels"
    ctl "$M/ctl" "run -d --name ${P}f -l 'svc=a b' --entrypoint sleep busybox ${SL}03"
    [ "$RC" = 0 ] || t_fail "run: rc $RC [$ERR] [$REPLY]"
    [ "$(jq -c '[.labels, .args]' "$M/${P}f/config.json" 2>&1)" = "[{\"svc\":\"a b\"},[\"sleep\",\"${SL}03\"]]" ] ||
      t_fail "config.json: $(jq -c '[.labels, .args]' "$M/${P}f/config.json" 2>&1)"
    ctl "$M/ctl" "rm -f ${P}f"
    t_end
  else
    echo "FAIL: fs-labels: cocinfs did not mount $M: $(head -c 300 "$T/fs.err")"
  fi
  fs_stop
fi

t_begin "no container or process left"
for c in "$ROOT"/containers/*/; do [ -d "$c" ] && cocin rm -f "$(basename "$c")" >/dev/null 2>&1; done
[ -z "$(list_containers)" ] || t_fail "containers: $(list_containers)"
wait_for no_proc "sleep ${SL}[0-9][0-9]\$" || t_fail "processes: $(pgrep -af "sleep ${SL}" | head -3)"
t_end
