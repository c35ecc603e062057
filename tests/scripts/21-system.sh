#!/bin/bash
# Script tests for `system df`, `system prune [-a] [--volumes] [-f]`,
# `info [-f]` and `version`: what they count and remove, and their bad
# inputs.
. "$(dirname "$0")/lib.sh"

P=c21x$$ # container names: cgroups are named after them, keep them unique
SL=5$$   # the containers' sleeps: "sleep ${SL}NN", this run's own
command -v jq >/dev/null || { t_skip system "jq is not installed"; exit 0; }

list_containers() { ls "$ROOT/containers" 2>/dev/null | sort | tr '\n' ' '; }
row() { cocin system df | awk -v t="$1" 'index($0, t) == 1 {sub("^" t " *", ""); print}'; }

cocin run --rm busybox true >/dev/null 2>&1 # the image, once
tar -C "$ROOT/images/busybox/rootfs" -cf "$T/bb.tar" . && cocin import "$T/bb.tar" "${P}img" >/dev/null 2>&1 || t_skip system "no second image"

# a running container with a named volume, an exited one with an
# anonymous volume and 100000 bytes in its layer, an unused volume
cocin run -d --name "${P}up" -v "${P}used:/d" busybox sleep "${SL}01" >/dev/null 2>&1
cocin run --name "${P}ex" -v /anon "${P}img" sh -c 'head -c 100000 /dev/zero >/big' >/dev/null 2>&1
cocin volume create "${P}free" >/dev/null 2>&1
ANON=$(jq -r '.mounts[0].volume' "$ROOT/containers/${P}ex/config.json")

t_begin "system df: images, containers and volumes, how many are in use, their bytes and what is reclaimable"
out=$(cocin system df 2>&1)
[ "$(head -1 <<<"$out" | tr -s ' ')" = "TYPE TOTAL ACTIVE SIZE RECLAIMABLE" ] || t_fail "header: [$out]"
read -r total active size rec pct <<<"$(row Images)"
[ "$total $active" = "2 2" ] && [ "$rec $pct" = "0B (0%)" ] || t_fail "images: [$(row Images)]"
read -r total active size rec pct <<<"$(row Containers)"
[ "$total $active" = "2 1" ] && [ "$rec" = "$size" ] && [ "$pct" = "(100%)" ] && [ "$rec" = 100kB ] || t_fail "containers: [$(row Containers)]"
read -r total active size rec pct <<<"$(row 'Local Volumes')"
[ "$total $active" = "3 2" ] || t_fail "volumes: [$(row 'Local Volumes')]"
t_end

t_begin "info: the counts, the root, the host; -f for one of docker's keys"
out=$(cocin info 2>&1)
grep -qx "Containers: 2" <<<"$out" && grep -qx " Running: 1" <<<"$out" && grep -qx " Stopped: 1" <<<"$out" &&
  grep -qx "Images: 2" <<<"$out" && grep -qx "Volumes: 3" <<<"$out" && grep -qx "Root Dir: $ROOT" <<<"$out" &&
  grep -qx "Kernel Version: $(uname -r)" <<<"$out" && grep -qx "CPUs: $(nproc)" <<<"$out" || t_fail "info: [$out]"
[ "$(cocin info -f '{{.ContainersRunning}}/{{.Containers}} {{.Images}} {{.NCPU}}')" = "1/2 2 $(nproc)" ] ||
  t_fail "-f: $(cocin info -f '{{.ContainersRunning}}/{{.Containers}} {{.Images}} {{.NCPU}}' 2>&1)"
cocin info -f '{{json .SecurityOptions}}' | jq -e 'index("name=seccomp,profile=builtin") != null' >/dev/null || t_fail "security options"
t_end

t_begin "version: cocin's version and the kernel's"
out=$(cocin version 2>&1)
[ "$(head -1 <<<"$out")" = "cocin version $("$COCIN" --version | cut -d' ' -f2)" ] && grep -qx " Kernel: $(uname -r)" <<<"$out" || t_fail "[$out]"
t_end

t_begin "system prune: no yes, nothing done; -f: the containers that do not run (their anonymous volumes stay)"
echo n | cocin system prune >/dev/null 2>&1
[ "$(list_containers)" = "${P}ex ${P}up " ] || t_fail "pruned without a yes: $(list_containers)"
out=$(cocin system prune -f 2>&1)
grep -qx "Deleted Containers:" <<<"$out" && grep -qx "$(jq -r .id "$ROOT/containers/${P}up/config.json" 2>/dev/null)" <<<"$out" && t_fail "removed the running one"
[ "$(list_containers)" = "${P}up " ] || t_fail "left: $(list_containers) [$out]"
grep -q '^Total reclaimed space: 100kB$' <<<"$out" || t_fail "[$out]"
[ -d "$ROOT/volumes/$ANON" ] && [ -d "$ROOT/images/${P}img" ] || t_fail "an image or volume went without -a or --volumes"
t_end

t_begin "system prune -a --volumes: the images and anonymous volumes nothing uses too; named volumes stay"
out=$(echo y | cocin system prune -a --volumes 2>&1)
grep -qx "Deleted Images:" <<<"$out" && grep -qx "${P}img" <<<"$out" && grep -qx "Deleted Volumes:" <<<"$out" &&
  grep -qx "$ANON" <<<"$out" || t_fail "[$out]"
[ ! -e "$ROOT/images/${P}img" ] && [ -d "$ROOT/images/busybox" ] || t_fail "images: $(ls "$ROOT/images")"
[ ! -e "$ROOT/volumes/$ANON" ] && [ -d "$ROOT/volumes/${P}free" ] && [ -d "$ROOT/volumes/${P}used" ] ||
  t_fail "volumes: $(ls "$ROOT/volumes")"
t_end

t_begin "docker's management forms: container ls/rm/..., image ls/rm/inspect/prune; their --help is the verb's"
cocin run --name "${P}m" busybox true >/dev/null 2>&1 || t_fail run
[ "$(cocin container ls -aq -f name="^${P}m\$")" = "$(cocin ps -aq -f name="^${P}m\$")" ] &&
  [ -n "$(cocin container ls -aq -f name="^${P}m\$")" ] || t_fail "container ls -a"
[ "$(cocin container inspect -f '{{.name}}' "${P}m")" = "${P}m" ] || t_fail "container inspect"
out=$(cocin container rm "${P}m" 2>&1); [ "$out" = "${P}m" ] || t_fail "container rm: [$out]"
[ "$(cocin image ls -q)" = "$(cocin images -q)" ] || t_fail "image ls -q"
cocin import "$T/bb.tar" "${P}img2" >/dev/null 2>&1 || t_fail import
out=$(cocin image inspect "${P}img2" 2>&1)
[ "$(jq -r '.[0] | [.Name, (.RepoTags | join(",")), .RootFS] | join(" ")' <<<"$out")" = "${P}img2 ${P}img2:latest $ROOT/images/${P}img2/rootfs" ] &&
  [ "$(jq '.[0].Size > 1000000' <<<"$out")" = true ] || t_fail "image inspect: [$out]"
[ "$(cocin image inspect -f '{{.Name}}' busybox)" = busybox ] || t_fail "image inspect -f"
out=$(cocin image prune -f 2>&1); [ "$out" = "Total reclaimed space: 0B" ] || t_fail "image prune: [$out]"
[ -d "$ROOT/images/${P}img2" ] || t_fail "image prune without -a removed an image"
out=$(cocin image prune -a -f 2>&1)
grep -qx "${P}img2" <<<"$out" && [ ! -e "$ROOT/images/${P}img2" ] && [ -d "$ROOT/images/busybox" ] || t_fail "image prune -a: [$out]"
cocin import "$T/bb.tar" "${P}img3" >/dev/null 2>&1
out=$(cocin image rm "${P}img3" 2>&1); [ "$out" = "${P}img3" ] || t_fail "image rm: [$out]"
[ "$(cocin container ls --help)" = "$(cocin ps --help)" ] && [ "$(cocin image rm --help)" = "$(cocin rmi --help)" ] || t_fail "--help"
cocin container prune --help | grep -q '^Usage: cocin container prune' || t_fail "container prune --help"
t_end

bad() { # NAME PATTERN ARGS...: exit 1 (WANT=125: a flag that cannot be read)
  local n=$1 pat=$2 rc; shift 2
  t_begin "$n"
  cocin "$@" >"$T/bo" 2>"$T/be"; rc=$?
  [ "$rc" = "${WANT:-1}" ] || t_fail "exit $rc"
  grep -qF -- "$pat" "$T/be" || t_fail "stderr lacks [$pat]: $(head -c 300 "$T/be")"
  [ "$(asan_filter <"$T/be" | grep -c .)" = 1 ] || t_fail "not one line: $(head -c 300 "$T/be")"
  t_end
}
bad "system: no command" 'give a command: df or prune' system
bad "system: an unknown command" 'unknown command "frob"' system frob
bad "system df: an argument" 'takes no arguments: x' system df x
WANT=125 bad "system prune: an unknown flag" 'unknown' system prune --bogus
bad "info: a bad template" 'info: --format' info -f '{{'
bad "version: an argument" 'takes no arguments: x' version x
bad "container: an unknown command" 'unknown command "frob"' container frob
bad "image: no command" 'give a command: ls, rm, import, inspect or prune' image
bad "image: an unknown command" 'unknown command "frob"' image frob
bad "image inspect: no such image" "no such image: ${P}nosuch" image inspect "${P}nosuch"

t_begin "no container or process left"
for c in "$ROOT"/containers/*/; do [ -d "$c" ] && cocin rm -f "$(basename "$c")" >/dev/null 2>&1; done
[ -z "$(list_containers)" ] || t_fail "containers: $(list_containers)"
wait_for no_proc "sleep ${SL}[0-9][0-9]\$" || t_fail "processes: $(pgrep -af "sleep ${SL}" | head -3)"
t_end
