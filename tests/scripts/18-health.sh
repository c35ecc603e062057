#!/bin/bash
# Script tests for health checks (--health-cmd and the flags that go with
# it, docker's HEALTHCHECK): starting, healthy and unhealthy as the test
# passes and fails, the start period, the timeout (the test killed), the
# output kept, the log's last five, a restart's reset, ps and its health
# filter, the status file through cocinfs, the checker's end with the
# container, and every bad input with nothing left behind.
. "$(dirname "$0")/lib.sh"

P=c18x$$ # container names: cgroups are named after them, keep them unique
SL=7$$   # the containers' sleeps: "sleep ${SL}NN", this run's own
command -v jq >/dev/null || { t_skip health "jq is not installed"; exit 0; }

cfg() { jq -r "$2" "$ROOT/containers/$1/config.json" 2>/dev/null; }
cfgc() { jq -c "$2" "$ROOT/containers/$1/config.json" 2>/dev/null; }
health_is() { [ "$(cfg "$1" .health.status)" = "$2" ]; }
probes_at_least() { [ "$(cfg "$1" '.health.log | length')" -ge "$2" ] 2>/dev/null; }
list_containers() { ls "$ROOT/containers" 2>/dev/null | sort | tr '\n' ' '; }
# the checkers (comm cocin-health) whose parent is pid $1
checkers_of() { ps -eo pid=,ppid=,stat=,comm= | awk -v m="$1" '$2 == m && $4 == "cocin-health" && $3 !~ /^Z/ {print $1}'; }

cocin run --rm busybox true >/dev/null 2>&1 # the image, once

t_begin "--health-cmd: starting, then unhealthy after --health-retries failures, healthy once it passes; ps shows it"
cocin run -d --name "${P}h" --health-cmd 'test -e /tmp/ok && echo fine' --health-interval 100ms \
  --health-retries 2 busybox sleep "${SL}01" >"$T/o" 2>&1 || t_fail "run: $(cat "$T/o")"
[ "$(cfgc "${P}h" .healthcheck)" = '{"test":["/bin/sh","-c","test -e /tmp/ok && echo fine"],"interval":100,"timeout":30000,"retries":2,"startPeriod":0}' ] ||
  t_fail "recorded: $(cfgc "${P}h" .healthcheck)"
wait_long health_is "${P}h" unhealthy || t_fail "not unhealthy: $(cfgc "${P}h" .health)"
[ "$(cfg "${P}h" .health.failingStreak)" -ge 2 ] || t_fail "streak: $(cfgc "${P}h" .health)"
cocin ps --format '{{.Names}} {{.Status}}' | grep -qE "^${P}h Up .* \(unhealthy\)$" || t_fail "ps: $(cocin ps --format '{{.Names}} {{.Status}}')"
cocin exec "${P}h" touch /tmp/ok || t_fail "exec"
wait_long health_is "${P}h" healthy || t_fail "not healthy: $(cfgc "${P}h" .health)"
[ "$(cfg "${P}h" '.health.failingStreak')" = 0 ] && [ "$(cfgc "${P}h" '.health.log[-1] | [.exitCode, .output]')" = '[0,"fine\n"]' ] ||
  t_fail "after a pass: $(cfgc "${P}h" .health)"
cocin ps --format '{{.Names}} {{.Status}}' | grep -qE "^${P}h Up .* \(healthy\)$" || t_fail "ps healthy"
[ "$(cocin ps -q -f health=healthy)" = "$(cfg "${P}h" .id | cut -c1-12)" ] || t_fail "ps -f health=healthy: $(cocin ps -q -f health=healthy)"
[ -z "$(cocin ps -q -f health=unhealthy -f name="${P}h")" ] || t_fail "ps -f health=unhealthy lists it"
wait_long probes_at_least "${P}h" 5
[ "$(cfg "${P}h" '.health.log | length')" = 5 ] || t_fail "the log keeps $(cfg "${P}h" '.health.log | length'), not 5"
# docker's keys for it: State.Health (its log's keys capitalised), Config.Healthcheck in ns
# (docker's CMD-SHELL for what --health-cmd gave)
f='{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{json .Config.Healthcheck}}'
[ "$(cocin inspect -f "$f" "${P}h")" = 'healthy 0 {"Test":["CMD-SHELL","test -e /tmp/ok && echo fine"],"Interval":100000000,"Timeout":30000000000,"StartPeriod":0,"Retries":2}' ] ||
  t_fail "inspect: $(cocin inspect -f "$f" "${P}h")"
[ "$(cocin inspect -f '{{json .State.Health.Log}}' "${P}h" | jq -c '.[-1] | [keys, .ExitCode]')" = '[["End","ExitCode","Output","Start"],0]' ] ||
  t_fail "inspect's log: $(cocin inspect -f '{{json .State.Health.Log}}' "${P}h")"
t_end

t_begin "a check's health begins at starting, with an empty log"
cocin run -d --name "${P}st" --health-cmd true --health-interval 1h busybox sleep "${SL}08" >/dev/null 2>&1 || t_fail run
[ "$(cfgc "${P}st" '.health | [.status, .failingStreak, (.log | length)]')" = '["starting",0,0]' ] || t_fail "health: $(cfgc "${P}st" .health)"
cocin ps --format '{{.Names}} {{.Status}}' | grep -qE "^${P}st Up .* \(health: starting\)$" || t_fail "ps: $(cocin ps --format '{{.Names}} {{.Status}}')"
cocin rm -f "${P}st" >/dev/null 2>&1
t_end

t_begin "a container without a check: no health, ps -f health=none"
cocin run -d --name "${P}n" busybox sleep "${SL}02" >/dev/null 2>&1 || t_fail run
[ "$(cfg "${P}n" 'has("health")')" = false ] && [ "$(cfg "${P}n" 'has("healthcheck")')" = false ] || t_fail "record: $(cfgc "${P}n" .)"
cocin ps -q -f health=none | grep -qx "$(cfg "${P}n" .id | cut -c1-12)" || t_fail "ps -f health=none"
cocin ps --format '{{.Names}} {{.Status}}' | grep -E "^${P}n " | grep -q '(' && t_fail "a health shown"
t_end

t_begin "the checker ends with the container, and a probe under way with it"
mon=$(cfg "${P}h" .monitorPid)
chk=$(checkers_of "$mon")
[ -n "$chk" ] || t_fail "no checker under monitor $mon"
cocin stop -t 0 "${P}h" >/dev/null 2>&1
# (stop returns once the monitor has recorded the end: the checker went before)
wait_for sh -c "! ps -o stat= -p '$chk' | grep -qv Z" || t_fail "the checker $chk outlived its container"
cocin ps -q -f health=healthy -f name="${P}h" | grep -q . && t_fail "an exited container listed healthy"
cocin rm -f "${P}h" >/dev/null 2>&1
t_end

t_begin "a start begins at starting again (the log kept, as docker keeps it); the start period counts from it"
# healthy while /run/ok is there; /run is a tmpfs, new at each start
cocin run -d --name "${P}rs" --tmpfs /run --health-cmd 'test -e /run/ok' --health-interval 100ms \
  --health-retries 1 --health-start-period 1h busybox sleep "${SL}10" >/dev/null 2>&1 || t_fail run
cocin exec "${P}rs" touch /run/ok || t_fail exec
wait_long health_is "${P}rs" healthy || t_fail "not healthy: $(cfgc "${P}rs" .health)"
cocin stop -t 0 "${P}rs" >/dev/null 2>&1
last=$(cfg "${P}rs" '.health.log[-1].start')
cocin start "${P}rs" >/dev/null 2>&1 || t_fail start
# its probes fail now; within the start period of this start they are not
# counted, only if the start made it "starting" again (else: unhealthy)
wait_long sh -c "[ \"\$(jq -c '.health.log[-1] | [.start != \"$last\", .exitCode]' '$ROOT/containers/${P}rs/config.json')\" = '[true,1]' ]" ||
  t_fail "no failing probe after the start: $(cfgc "${P}rs" .health)"
[ "$(cfgc "${P}rs" '.health | [.status, .failingStreak]')" = '["starting",0]' ] || t_fail "after the start: $(cfgc "${P}rs" .health)"
[ "$(cfg "${P}rs" '[.health.log[].exitCode] | index(0) != null')" = true ] || t_fail "the log was not kept: $(cfgc "${P}rs" .health.log)"
cocin rm -f "${P}rs" >/dev/null 2>&1
t_end

t_begin "a renamed container is still checked, under its new name"
cocin run -d --name "${P}rn" --health-cmd true --health-interval 100ms busybox sleep "${SL}11" >/dev/null 2>&1 || t_fail run
wait_long health_is "${P}rn" healthy || t_fail "not healthy: $(cfgc "${P}rn" .health)"
cocin rename "${P}rn" "${P}rn2" || t_fail rename
last=$(cfg "${P}rn2" '.health.log[-1].start')
wait_long sh -c "[ \"\$(jq -r '.health.log[-1].start' '$ROOT/containers/${P}rn2/config.json')\" != '$last' ]" ||
  t_fail "no probe recorded since the rename: $(cfgc "${P}rn2" .health)"
cocin rm -f "${P}rn2" >/dev/null 2>&1
t_end

t_begin "--health-start-period: failures within it are not counted (starting, streak 0)"
cocin run -d --name "${P}sp" --health-cmd false --health-interval 100ms --health-retries 1 \
  --health-start-period 1h busybox sleep "${SL}03" >/dev/null 2>&1 || t_fail run
wait_long probes_at_least "${P}sp" 3 || t_fail "no probes: $(cfgc "${P}sp" .health)"
[ "$(cfgc "${P}sp" '.health | [.status, .failingStreak]')" = '["starting",0]' ] &&
  [ "$(cfgc "${P}sp" '[.health.log[].exitCode] | unique')" = '[1]' ] || t_fail "health: $(cfgc "${P}sp" .health)"
cocin rm -f "${P}sp" >/dev/null 2>&1
t_end

t_begin "--health-timeout: a test that takes longer fails (exit -1, docker's words) and is killed"
cocin run -d --name "${P}to" --health-cmd "sleep ${SL}09" --health-interval 100ms --health-timeout 200ms \
  --health-retries 1 busybox sleep "${SL}04" >/dev/null 2>&1 || t_fail run
wait_long health_is "${P}to" unhealthy || t_fail "not unhealthy: $(cfgc "${P}to" .health)"
[ "$(cfgc "${P}to" '.health.log[0] | [.exitCode, .output]')" = '[-1,"Health check exceeded timeout (200ms)"]' ] ||
  t_fail "log: $(cfgc "${P}to" .health.log[0])"
# at most the probe under way at this moment: the earlier ones were killed
n=$(pgrep -fc "^sleep ${SL}09\$" || true)
[ "${n:-0}" -le 1 ] || t_fail "$n probes left running"
# a probe is under way nearly always: the container's end is recorded all the same
cocin stop -t 0 "${P}to" >/dev/null 2>&1 || t_fail stop
wait_long sh -c "[ \"\$(jq -r .status '$ROOT/containers/${P}to/config.json')\" = stopped ]" || t_fail "not recorded stopped: $(cfg "${P}to" .status)"
cocin rm -f "${P}to" >/dev/null 2>&1
wait_for sh -c "! pgrep -f '^sleep ${SL}09\$' >/dev/null" || t_fail "a probe outlived its container"
t_end

t_begin "a probe's output is kept, 4096 bytes at most; a test that cannot be run fails (127)"
cocin run -d --name "${P}out" --health-cmd 'head -c 10000 /dev/zero | tr "\0" x; exit 3' \
  --health-interval 100ms busybox sleep "${SL}05" >/dev/null 2>&1 || t_fail run
wait_long probes_at_least "${P}out" 1 || t_fail "no probe: $(cfgc "${P}out" .health)"
[ "$(cfgc "${P}out" '.health.log[0] | [.exitCode, (.output | length)]')" = '[3,4096]' ] ||
  t_fail "log: $(cfgc "${P}out" '.health.log[0] | [.exitCode, (.output | length)]')"
cocin rm -f "${P}out" >/dev/null 2>&1
cocin run -d --name "${P}nf" --health-cmd 'nosuchcommand' --health-interval 100ms busybox sleep "${SL}06" >/dev/null 2>&1 || t_fail run
wait_long probes_at_least "${P}nf" 1 || t_fail "no probe: $(cfgc "${P}nf" .health)"
[ "$(cfg "${P}nf" '.health.log[0].exitCode')" = 127 ] || t_fail "log: $(cfgc "${P}nf" .health.log[0])"
cocin rm -f "${P}nf" >/dev/null 2>&1
t_end

# ---------------------------------------------------------------- bad input
bad_health() { # NAME PATTERN RUN-ARGS...
  local n=$1 pat=$2 before rc; shift 2
  t_begin "$n"
  before=$(list_containers)
  cocin run -d --name "${P}bad" "$@" busybox true >"$T/bo" 2>"$T/be"; rc=$?
  [ "$rc" = 125 ] || t_fail "exit $rc"
  grep -qF -- "$pat" "$T/be" || t_fail "stderr lacks [$pat]: $(head -c 300 "$T/be")"
  [ "$(asan_filter <"$T/be" | grep -c .)" = 1 ] || t_fail "not one line: $(head -c 300 "$T/be")"
  [ "$(list_containers)" = "$before" ] || t_fail "left: $(list_containers)"
  t_end
}
bad_health "--health-interval that is no duration" 'invalid --health-interval "5x"' --health-cmd true --health-interval 5x
bad_health "--health-timeout that is negative" 'invalid --health-timeout "-1s"' --health-cmd true --health-timeout -1s
bad_health "--health-retries that is no number" 'invalid --health-retries "many"' --health-cmd true --health-retries many
bad_health "--health-interval without --health-cmd" 'need --health-cmd' --health-interval 1s
bad_health "--no-healthcheck with --health-cmd" '--no-healthcheck conflicts with --health-* options' --no-healthcheck --health-cmd true
bad_health "an empty --health-cmd" '--health-cmd: an empty command' --health-cmd ''
t_begin "ps -f health= with no such health"
out=$(cocin ps -f health=sick 2>&1); rc=$?
[ "$rc" = 1 ] && grep -q 'a health is one of starting, healthy, unhealthy, none' <<<"$out" || t_fail "rc $rc [$out]"
t_end

# ---------------------------------------------------------------- cocinfs
if [ -z "$COCINFS" ] || [ ! -x "$COCINFS" ]; then
  t_skip fs-health "COCINFS not set"
else
  M=$T/mnt
  mkdir -p "$M"
  FSPID=""
  if fs_start_fg; then
    t_begin "fs: ctl run --health-cmd; the status file says (healthy)"
    ctl "$M/ctl" "run -d --name ${P}fh --health-cmd 'true' --health-interval 100ms busybox sleep ${SL}07"
    [ "$RC" = 0 ] || t_fail "run: rc $RC [$ERR] [$REPLY]"
    wait_long health_is "${P}fh" healthy || t_fail "not healthy: $(cfgc "${P}fh" .health)"
    grep -qE '^running pid [0-9]+ since .* \(healthy\)$' "$M/${P}fh/status" || t_fail "status: $(cat "$M/${P}fh/status")"
    ctl "$M/ctl" "rm -f ${P}fh"
    t_end
  else
    echo "FAIL: fs-health: cocinfs did not mount $M: $(head -c 300 "$T/fs.err")"
  fi
  fs_stop
fi

t_begin "no container, checker or probe left"
for c in "$ROOT"/containers/*/; do [ -d "$c" ] && cocin rm -f "$(basename "$c")" >/dev/null 2>&1; done
[ -z "$(list_containers)" ] || t_fail "containers: $(list_containers)"
# (a checker's command line is its monitor's: the run's, with this root)
wait_for sh -c "! ps -eo stat=,comm=,args= | awk '\$1 !~ /^Z/ && \$2 == \"cocin-health\"' | grep -qF -- '--root $ROOT '" ||
  t_fail "checkers: $(ps -eo pid=,comm=,args= | awk '$2 == "cocin-health"' | head -3)"
wait_for no_proc "sleep ${SL}[0-9][0-9]\$" || t_fail "processes: $(pgrep -af "sleep ${SL}" | head -3)"
grep -q " $ROOT" /proc/mounts && t_fail "mounts: $(grep " $ROOT" /proc/mounts | head -2)"
t_end
