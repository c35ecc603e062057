#!/bin/bash
# Script tests for volumes (docker's local driver): -v NAME:PATH (made at
# its first use, filled from the image), -v PATH (anonymous: gone with
# --rm and rm -v), `cocin volume create|ls|inspect|rm|prune`, the lock
# that keeps `volume rm` from a volume a run is about to mount, every bad
# input with nothing left behind, and volumes through cocinfs's ctl.
. "$(dirname "$0")/lib.sh"

P=c17x$$ # container names: cgroups are named after them, keep them unique
SL=8$$   # the containers' sleeps: "sleep ${SL}NN", this run's own
command -v jq >/dev/null || { t_skip volume "jq is not installed"; exit 0; }

V=$ROOT/volumes
cfg() { jq -r "$2" "$ROOT/containers/$1/config.json" 2>/dev/null; }
list_volumes() { ls "$V" 2>/dev/null | sort | tr '\n' ' '; }
left_aside() { ls -A "$V" 2>/dev/null | grep -E '^\.(rm|tmp)-' | tr '\n' ' '; }
list_containers() { ls "$ROOT/containers" 2>/dev/null | sort | tr '\n' ' '; }
nlines() { printf '%s\n' "$1" | wc -l; }
is_exited() { [ "$(cfg "$1" .status)" = exited ] || [ "$(cfg "$1" .status)" = stopped ]; }
# bad NAME PATTERN CMD...: one clear line on stderr, exit 1 (125 for run and
# create, and for a flag that cannot be read: WANT=125), and the volumes and
# containers as they were
bad() {
  local n=$1 pat=$2 want=${WANT:-1} vb cb rc; shift 2
  [ "$2" = run ] || [ "$2" = create ] && want=125
  t_begin "$n"
  vb=$(list_volumes); cb=$(list_containers)
  "$@" >"$T/bo" 2>"$T/be" </dev/null; rc=$?
  [ "$rc" = "$want" ] || t_fail "exit $rc, not $want: $*"
  grep -qE -- "$pat" "$T/be" || t_fail "stderr lacks /$pat/: $(head -c 300 "$T/be")"
  [ "$(asan_filter <"$T/be" | grep -c .)" = 1 ] || t_fail "not one line on stderr: $(head -c 300 "$T/be")"
  [ "$(list_volumes)" = "$vb" ] || t_fail "volumes: $(list_volumes), were $vb"
  [ "$(list_containers)" = "$cb" ] || t_fail "containers: $(list_containers), were $cb"
  [ -z "$(left_aside)" ] || t_fail "left aside: $(left_aside)"
  t_end
}

cocin run --rm busybox true >/dev/null 2>&1 # the image, once

# ============================================================ named ===

t_begin "-v NAME:PATH makes the volume at its first use; a second container sees what the first wrote"
out=$(cocin run --rm -v "${P}data:/data" busybox sh -c 'echo kept >/data/f; ls -ld /data' 2>&1) || t_fail "run: $out"
grep -q '^drwxr-xr-x ' <<<"$out" || t_fail "mode inside: [$out]"
[ -d "$V/${P}data/_data" ] && [ "$(cat "$V/${P}data/_data/f" 2>/dev/null)" = kept ] || t_fail "on the host: $(ls -la "$V/${P}data" 2>&1)"
[ "$(jq -r '.name + " " + (.anonymous | tostring)' "$V/${P}data/volume.json")" = "${P}data false" ] ||
  t_fail "volume.json: $(cat "$V/${P}data/volume.json")"
out=$(cocin run --rm -v "${P}data:/elsewhere:ro" busybox sh -c 'cat /elsewhere/f; echo x >/elsewhere/g' 2>&1)
grep -q '^kept$' <<<"$out" && grep -q 'Read-only file system' <<<"$out" || t_fail "second run: [$out]"
[ -z "$(left_aside)" ] || t_fail "left aside: $(left_aside)"
t_end

t_begin "a new volume is filled from the image's files at its path (owners and modes too); an existing one is not"
mkdir -p "$T/bb" && cp -a "$ROOT/images/busybox/rootfs/." "$T/bb/"
mkdir -p "$T/bb/srv/app" && echo conf >"$T/bb/srv/app/app.conf" && chmod 0750 "$T/bb/srv/app" &&
  chown 123:45 "$T/bb/srv/app/app.conf"
tar -C "$T/bb" -cf "$T/app.tar" . && cocin import "$T/app.tar" "${P}img" >/dev/null 2>&1 || t_fail import
out=$(cocin run --rm -v "${P}app:/srv/app" "${P}img" sh -c 'cat /srv/app/app.conf; echo mine >>/srv/app/app.conf' 2>&1)
[ "$out" = conf ] || t_fail "first run: [$out]"
[ "$(stat -c '%a' "$V/${P}app/_data")" = 750 ] && [ "$(stat -c '%u:%g' "$V/${P}app/_data/app.conf")" = 123:45 ] ||
  t_fail "modes/owners: $(stat -c '%a %u:%g %n' "$V/${P}app/_data" "$V/${P}app/_data/app.conf" 2>&1)"
out=$(cocin run --rm -v "${P}app:/srv/app" "${P}img" cat /srv/app/app.conf 2>&1)
[ "$(printf '%s' "$out" | tr '\n' ' ')" = "conf mine" ] || t_fail "second run (refilled?): [$out]"
# a path the image lacks: an empty volume, the path made in the container
out=$(cocin run --rm -v "${P}empty:/no/such/dir" busybox ls -A /no/such/dir 2>&1)
[ -z "$out" ] && [ -z "$(ls -A "$V/${P}empty/_data")" ] || t_fail "empty: [$out]"
t_end

t_begin "--mount: type=volume (filled; volume-nocopy: not), type=bind (readonly), type=tmpfs (size, mode)"
out=$(cocin run --rm --mount "source=${P}mv,target=/srv/app" "${P}img" cat /srv/app/app.conf 2>&1)
[ "$out" = conf ] || t_fail "volume: [$out]"
out=$(cocin run --rm --mount "type=volume,src=${P}nc,dst=/srv/app,volume-nocopy" "${P}img" ls -A /srv/app 2>&1)
[ -z "$out" ] && [ -d "$V/${P}nc/_data" ] || t_fail "volume-nocopy: [$out]"
mkdir -p "$T/bind" && echo b >"$T/bind/f"
out=$(cocin run --rm --mount "type=bind,source=$T/bind,target=/b,readonly" busybox sh -c 'cat /b/f; touch /b/g' 2>&1)
grep -q '^b$' <<<"$out" && grep -q 'Read-only file system' <<<"$out" || t_fail "bind: [$out]"
out=$(cocin run --rm --mount type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770 busybox sh -c 'grep " /t " /proc/mounts; stat -c %a /t' 2>&1)
grep -q 'size=1024k' <<<"$out" && grep -qx 1770 <<<"$out" || t_fail "tmpfs: [$out]"
# an anonymous one by --mount goes with --rm as -v's does
before=$(list_volumes)
cocin run --rm --mount target=/anon busybox true >/dev/null 2>&1 || t_fail "anonymous"
wait_for sh -c "[ \"\$(ls '$V' | sort | tr '\n' ' ')\" = '$before' ]" || t_fail "--rm left: $(list_volumes), was $before"
cocin volume rm "${P}mv" "${P}nc" >/dev/null 2>&1
t_end

t_begin "an empty volume is filled at its next mount too (docker's rule; made by volume create, or emptied)"
cocin volume create "${P}ev" >/dev/null 2>&1 || t_fail "volume create"
out=$(cocin run --rm -v "${P}ev:/srv/app" "${P}img" sh -c 'cat /srv/app/app.conf; rm /srv/app/app.conf' 2>&1)
[ "$out" = conf ] || t_fail "a created volume: [$out]"
out=$(cocin run --rm -v "${P}ev:/srv/app" "${P}img" cat /srv/app/app.conf 2>&1)
[ "$out" = conf ] || t_fail "an emptied one: [$out]"
out=$(cocin run --rm -v "${P}ev:/srv/app:nocopy" "${P}img" sh -c 'rm /srv/app/app.conf; ls -A /srv/app' 2>&1)
out=$(cocin run --rm -v "${P}ev:/srv/app:nocopy" "${P}img" ls -A /srv/app 2>&1)
[ -z "$out" ] || t_fail "nocopy filled it: [$out]"
# a run refused for its name (docker's first check) fills none; nor does create
cocin run -d --name "${P}evn" busybox sleep 1000 >/dev/null 2>&1 || t_fail "run"
for verb in run create; do
  out=$(cocin $verb --name "${P}evn" -v "${P}ev:/srv/app" "${P}img" true 2>&1) && t_fail "$verb: not refused"
  echo "$out" | grep -q 'is already in use' || t_fail "$verb: [$out]"
  [ -z "$(ls -A "$V/${P}ev/_data")" ] || t_fail "$verb, refused, filled it: $(ls -A "$V/${P}ev/_data")"
done
cocin rm -f "${P}evn" >/dev/null 2>&1
cocin volume rm "${P}ev" >/dev/null 2>&1
t_end

t_begin "runs that make one new volume at once all get the same one"
for i in 1 2 3 4; do # (each waits for the same file: they start within a moment)
  sh -c 'while [ ! -e "$1" ]; do :; done; shift; exec "$@"' _ "$T/race.go" \
    "$COCIN" --root "$ROOT" run --rm -v "${P}race:/r" busybox sh -c "echo $i >/r/$i" >"$T/race$i" 2>&1 &
  pids[$i]=$!
done
touch "$T/race.go"
for i in 1 2 3 4; do wait "${pids[$i]}" || t_fail "run $i: $(cat "$T/race$i")"; done
[ "$(ls "$V/${P}race/_data" 2>/dev/null | tr '\n' ' ')" = "1 2 3 4 " ] ||
  t_fail "files: $(ls "$V/${P}race/_data" 2>&1 | tr '\n' ' ') $(cat "$T"/race? | head -c 300)"
[ -z "$(left_aside)" ] || t_fail "left aside: $(left_aside)"
t_end

# ========================================================= anonymous ===

t_begin "-v PATH: an anonymous volume, named by a random id, recorded; --rm removes it"
cocin run -d --name "${P}an" -v /data -v /ro:ro busybox sh -c "echo a >/data/a; exec sleep ${SL}01" >/dev/null 2>&1 || t_fail run
names=$(cfg "${P}an" '[.mounts[] | select(.anonymous) | .volume] | join(" ")')
for n in $names; do
  grep -qE '^[0-9a-f]{64}$' <<<"$n" && [ "$(jq -r .anonymous "$V/$n/volume.json")" = true ] || t_fail "volume $n: $(cat "$V/$n/volume.json" 2>&1)"
done
[ "$(wc -w <<<"$names")" = 2 ] || t_fail "anonymous volumes: [$names]"
cocin exec "${P}an" sh -c 'touch /ro/x' >"$T/o" 2>&1 && t_fail "/ro is writable"
grep -q 'Read-only file system' "$T/o" || t_fail "/ro: $(cat "$T/o")"
cocin rm -f "${P}an" >/dev/null 2>&1
for n in $names; do [ -d "$V/$n" ] || t_fail "rm without -v removed $n"; done
for n in $names; do cocin volume rm "$n" >/dev/null 2>&1 || t_fail "volume rm $n"; done
t_end

t_begin "run --rm returns with its anonymous volumes gone (a volume was mounted: seen inside)"
before=$(list_volumes)
out=$(cocin run --rm -v /tmpdata busybox sh -c 'echo x >/tmpdata/x; grep -c " /tmpdata " /proc/mounts' 2>&1)
[ "$out" = 1 ] || t_fail "--rm run: [$out]"
[ "$(list_volumes)" = "$before" ] || t_fail "--rm left: $(list_volumes), was $before"
# detached: the volume is there while it runs, gone once it has ended
cocin run -d --rm --name "${P}dr" -v /tmpdata busybox sleep "${SL}05" >/dev/null 2>&1 || t_fail "run -d --rm"
n=$(cfg "${P}dr" '.mounts[0].volume')
[ -n "$n" ] && [ -d "$V/$n" ] || t_fail "no volume while it runs: [$n] $(list_volumes)"
cocin stop -t 0 "${P}dr" >/dev/null 2>&1
wait_long sh -c "[ ! -e '$V/$n' ]" || t_fail "$n left after the --rm container ended"
t_end

t_begin "rm -v removes a container's anonymous volumes, never a named one"
cocin run --name "${P}rv" -v /anon -v "${P}named:/n" busybox true >/dev/null 2>&1 || t_fail run
anon=$(cfg "${P}rv" '.mounts[] | select(.anonymous) | .volume')
[ -d "$V/$anon" ] && [ -d "$V/${P}named" ] || t_fail "volumes: $(list_volumes)"
out=$(cocin rm -v "${P}rv" 2>&1); [ "$out" = "${P}rv" ] || t_fail "rm -v: [$out]"
[ ! -e "$V/$anon" ] || t_fail "the anonymous volume is left"
[ -d "$V/${P}named" ] || t_fail "the named volume went"
t_end

# ====================================================== create, start ===

t_begin "create makes the volumes and records them; start mounts them"
cocin create --name "${P}cr" -v "${P}cv:/cv" -v /ca busybox sh -c 'echo started >/cv/s; ls /ca' >/dev/null 2>&1 || t_fail create
[ "$(cfg "${P}cr" '[.mounts[] | .volume != null] | all')" = true ] && [ -d "$V/${P}cv" ] || t_fail "record: $(cfg "${P}cr" .mounts)"
cocin start "${P}cr" >/dev/null 2>&1 && wait_for is_exited "${P}cr" || t_fail start
[ "$(cat "$V/${P}cv/_data/s" 2>/dev/null)" = started ] || t_fail "not written: $(ls -la "$V/${P}cv/_data" 2>&1)"
# cp into a stopped container's volume path lands in the volume
echo copied >"$T/cpf"
cocin cp "$T/cpf" "${P}cr:/cv/cpf" >"$T/o" 2>&1 || t_fail "cp: $(cat "$T/o")"
[ "$(cat "$V/${P}cv/_data/cpf" 2>/dev/null)" = copied ] || t_fail "cp did not reach the volume"
cocin rm -v "${P}cr" >/dev/null 2>&1
t_end

# ============================================================ volume verbs ===

t_begin "volume create [NAME]: prints the name; an existing one is no error; without a name, anonymous"
out=$(cocin volume create "${P}made" 2>&1); [ "$out" = "${P}made" ] || t_fail "create: [$out]"
out=$(cocin volume create "${P}made" 2>&1); [ "$out" = "${P}made" ] || t_fail "again: [$out]"
[ -d "$V/${P}made/_data" ] && [ -z "$(ls -A "$V/${P}made/_data")" ] || t_fail "not an empty volume"
out=$(cocin volume create 2>&1)
grep -qE '^[0-9a-f]{64}$' <<<"$out" && [ "$(jq -r .anonymous "$V/$out/volume.json" 2>/dev/null)" = true ] || t_fail "anonymous: [$out]"
UNNAMED=$out
out=$(cocin volume create --name "${P}old" -d local 2>&1); [ "$out" = "${P}old" ] || t_fail "--name, -d local: [$out]"
cocin volume rm "${P}old" >/dev/null 2>&1
t_end

t_begin "volume ls: DRIVER and VOLUME NAME; -q; -f dangling=, name="
cocin run -d --name "${P}use" -v "${P}made:/m" busybox sleep "${SL}02" >/dev/null 2>&1 || t_fail run
out=$(cocin volume ls 2>&1)
[ "$(head -1 <<<"$out")" = "DRIVER    VOLUME NAME" ] && grep -qx "local     ${P}made" <<<"$out" || t_fail "ls: [$out]"
[ "$(cocin volume ls -q | tr '\n' ' ')" = "$(list_volumes)" ] || t_fail "ls -q: $(cocin volume ls -q | tr '\n' ' ')"
cocin volume ls -q -f dangling=true | grep -qx "${P}made" && t_fail "a used one is dangling"
cocin volume ls -q -f dangling=false | grep -qx "${P}made" || t_fail "dangling=false lacks it"
cocin volume ls -q -f dangling=true | grep -qx "$UNNAMED" || t_fail "dangling=true lacks the unused one"
[ "$(cocin volume ls -q --filter name="${P}ma")" = "${P}made" ] || t_fail "name=: $(cocin volume ls -q -f name="${P}ma")"
# two filters: both hold
[ -z "$(cocin volume ls -q -f dangling=true -f name="${P}ma")" ] || t_fail "dangling=true and name=: $(cocin volume ls -q -f dangling=true -f name="${P}ma")"
[ "$(cocin volume ls -q -f dangling=false -f name="${P}ma")" = "${P}made" ] || t_fail "dangling=false and name="
t_end

t_begin "volume inspect: docker's array; -f for one key; several names"
out=$(cocin volume inspect "${P}made" 2>&1)
[ "$(jq -r '.[0] | [.Name, .Driver, .Scope, .Mountpoint] | join(" ")' <<<"$out")" = "${P}made local local $V/${P}made/_data" ] ||
  t_fail "inspect: [$out]"
jq -e '.[0].CreatedAt | test("^[0-9]{4}-")' <<<"$out" >/dev/null || t_fail "CreatedAt: [$out]"
[ "$(cocin volume inspect -f '{{.Mountpoint}}' "${P}made" 2>&1)" = "$V/${P}made/_data" ] || t_fail "-f"
[ "$(cocin volume inspect "${P}made" "$UNNAMED" | jq -r '[.[].Name] | join(" ")')" = "${P}made $UNNAMED" ] || t_fail "two names"
[ "$(cocin volume inspect "$UNNAMED" | jq -c '.[0].Labels')" = '{"com.docker.volume.anonymous":""}' ] || t_fail "anonymous label"
# one missing: the others' array, and its error (docker's)
cocin volume inspect "${P}made" "${P}nosuch" >"$T/o" 2>"$T/e"; rc=$?
[ "$rc" = 1 ] && [ "$(jq -r '[.[].Name] | join(" ")' "$T/o")" = "${P}made" ] &&
  [ "$(asan_filter <"$T/e")" = "cocin: no such volume: ${P}nosuch" ] || t_fail "one missing: rc $rc [$(cat "$T/o")] [$(cat "$T/e")]"
[ "$(cocin volume inspect "${P}nosuch" 2>/dev/null)" = "[]" ] || t_fail "none found: not []"
t_end

t_begin "volume rm: refused while a container uses it, running or not, naming it; then removed"
out=$(cocin volume rm "${P}made" 2>&1); rc=$?
[ "$rc" = 1 ] && [ "$out" = "cocin: volume ${P}made is in use by container ${P}use: remove it first" ] || t_fail "running: rc $rc [$out]"
cocin stop -t 0 "${P}use" >/dev/null 2>&1
out=$(cocin volume rm "${P}made" 2>&1); rc=$?
[ "$rc" = 1 ] && grep -q "in use by container ${P}use" <<<"$out" || t_fail "exited: rc $rc [$out]"
[ -d "$V/${P}made" ] || t_fail "removed anyway"
cocin rm "${P}use" >/dev/null 2>&1
out=$(cocin volume rm "${P}made" 2>&1); [ "$out" = "${P}made" ] || t_fail "rm: [$out]"
[ ! -e "$V/${P}made" ] && [ -z "$(left_aside)" ] || t_fail "left: $(list_volumes) $(left_aside)"
out=$(cocin volume rm -f "${P}made" 2>&1); rc=$?
[ "$rc" = 0 ] && [ -z "$out" ] || t_fail "rm -f of a missing one: rc $rc [$out]"
t_end

t_begin "volume rm waits for a run that holds the volume (until its container is recorded)"
cocin volume create "${P}held" >/dev/null 2>&1
python3 - "$V/${P}held" "$T/held.ok" "$T/held.go" <<'EOF' &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(fd, fcntl.LOCK_SH)          # as a run holds it
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]):
    time.sleep(0.05)
EOF
hp=$!
t_track "$hp"
wait_for test -e "$T/held.ok" || t_fail "no holder"
cocin volume rm "${P}held" >"$T/hrm" 2>&1 &
rp=$!
t_track "$rp"
ino=$(stat -c %i "$V/${P}held")
wait_for grep -qE -- "-> FLOCK +ADVISORY +WRITE +[0-9]+ [0-9a-f]+:[0-9a-f]+:$ino " /proc/locks || t_fail "volume rm does not wait for the lock"
[ -d "$V/${P}held" ] || t_fail "removed while held"
touch "$T/held.go"
wait "$rp" || t_fail "volume rm: $(cat "$T/hrm")"
wait "$hp"
[ ! -e "$V/${P}held" ] || t_fail "not removed once let go"
t_end

t_begin "volume prune: unused anonymous volumes only (-f: no question); -a: every unused one"
cocin volume create "${P}keep" >/dev/null 2>&1
cocin run -d --name "${P}pu" -v /inuse busybox sleep "${SL}03" >/dev/null 2>&1 || t_fail run
inuse=$(cfg "${P}pu" '.mounts[0].volume')
out=$(cocin volume prune -f 2>&1)
grep -qx "$UNNAMED" <<<"$out" && grep -q '^Deleted Volumes:$' <<<"$out" && grep -q '^Total reclaimed space: ' <<<"$out" ||
  t_fail "prune: [$out]"
[ ! -e "$V/$UNNAMED" ] && [ -d "$V/$inuse" ] && [ -d "$V/${P}keep" ] || t_fail "after prune: $(list_volumes)"
# no answer (not a yes): nothing done
echo n | cocin volume prune -a >/dev/null 2>&1
[ -d "$V/${P}keep" ] || t_fail "pruned without a yes"
out=$(echo y | cocin volume prune -a 2>&1)
grep -qx "${P}keep" <<<"$out" && [ ! -e "$V/${P}keep" ] && [ -d "$V/$inuse" ] || t_fail "prune -a: [$out] $(list_volumes)"
cocin rm -f -v "${P}pu" >/dev/null 2>&1
[ ! -e "$V/$inuse" ] || t_fail "rm -f -v left $inuse"
t_end

# ========================================================= failures ===

t_begin "a run that fails takes away the volumes it made, and keeps one that was there"
cocin volume create "${P}pre" >/dev/null 2>&1
before=$(list_volumes)
out=$(cocin run --rm -v "${P}pre:/p" -v "${P}new:/n" -v /a busybox nosuchcmd 2>&1); rc=$?
[ "$rc" = 127 ] || t_fail "rc $rc [$out]"
[ "$(list_volumes)" = "$before" ] || t_fail "volumes: $(list_volumes), were $before"
out=$(cocin run --name "${P}dup" -v "${P}new2:/n" busybox true 2>&1) || t_fail "first: $out"
before=$(list_volumes)
out=$(cocin run --name "${P}dup" -v "${P}new3:/n" -v /b busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && grep -q "already in use" <<<"$out" || t_fail "name in use: rc $rc [$out]"
[ "$(list_volumes)" = "$before" ] || t_fail "after the name clash: $(list_volumes), were $before"
# a host port in use (the run fails after its name is reserved)
port=$(free_port)
cocin run -d --name "${P}port" -p "$port:80" busybox sleep "${SL}06" >/dev/null 2>&1 || t_fail "the port's holder"
out=$(cocin run --rm --name "${P}port2" -p "$port:80" -v "${P}new4:/n" -v /c busybox true 2>&1); rc=$?
[ "$rc" = 125 ] || t_fail "port in use: rc $rc [$out]"
[ "$(list_volumes)" = "$before" ] && [ ! -e "$ROOT/containers/${P}port2" ] || t_fail "after the port: $(list_volumes), were $before"
# create's failures too
out=$(cocin create --name "${P}dup" -v "${P}new5:/n" busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && [ "$(list_volumes)" = "$before" ] || t_fail "create, name in use: rc $rc [$out] $(list_volumes)"
cocin rm -f "${P}dup" "${P}port" >/dev/null 2>&1
cocin volume rm "${P}pre" "${P}new2" >/dev/null 2>&1
[ -z "$(left_aside)" ] || t_fail "left aside: $(left_aside)"
t_end

t_begin "a file mounted where a read-only volume has no such file: the reason, not ENOENT"
mkdir -p "$T/rov"
out=$(cocin run --rm -v "$T/rov:/c:ro" -v /etc/hostname:/c/f busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && grep -q 'create /c/f in the container: Read-only file system' <<<"$out" ||
  t_fail "rc $rc [$out]"
[ -z "$(ls -A "$T/rov")" ] || t_fail "made in the volume: $(ls -A "$T/rov")"
t_end

bad "volume: no command" 'give a command' cocin volume
bad "volume: an unknown command" 'unknown command "frob"' cocin volume frob
bad "volume create: an invalid name" 'invalid volume name "a/b"' cocin volume create a/b
bad "volume create: a one-character name" 'invalid volume name "x"' cocin volume create x
bad "volume create: two names" 'at most one name' cocin volume create "${P}n1" "${P}n2"
bad "volume create: another driver" 'the local driver only' cocin volume create -d nfs "${P}n1"
WANT=125 bad "volume create: a label (not kept by cocin)" 'unknown' cocin volume create --label a=b "${P}n1"
bad "volume rm: no name" 'requires at least one volume name' cocin volume rm
bad "volume rm: no such volume" "no such volume: ${P}nosuch" cocin volume rm "${P}nosuch"
bad "volume rm: a path is no name" 'invalid volume name' cocin volume rm ../containers
bad "volume inspect: no such volume" "no such volume: ${P}nosuch" cocin volume inspect "${P}nosuch"
bad "volume inspect: a bad template" 'volume inspect: --format' cocin volume inspect -f '{{' "${P}x1"
bad "volume ls: an unknown filter" 'invalid filter "label=x"' cocin volume ls -f label=x
bad "volume ls: a name given" 'takes no names' cocin volume ls "${P}x"
WANT=125 bad "volume prune: an unknown flag" 'unknown' cocin volume prune --bogus
bad "run -v: a volume name of one character" 'neither an absolute host path nor a volume name' \
  cocin run --rm -v q:/x busybox true
bad "run -v: an anonymous volume at a relative path" "the container's path must be absolute" \
  cocin run --rm -v rel busybox true
bad "run -v: a named volume with a bad option" 'invalid volume option "zz"' \
  cocin run --rm -v "${P}v:/x:zz" busybox true
bad "run --mount: a bind without a source" 'a bind mount needs a source' \
  cocin run --rm --mount type=bind,target=/x busybox true
bad "run --mount: an unknown field" 'unknown or unsupported field "volume-opt=o=x"' \
  cocin run --rm --mount target=/x,volume-opt=o=x busybox true
bad "run --mount: no target" 'target is required' \
  cocin run --rm --mount "source=${P}v" busybox true
bad "run --mount: a missing bind source" "volume source $T/nosuch" \
  cocin run --rm --mount "type=bind,src=$T/nosuch,dst=/x" busybox true
bad "create -v: a named volume over /" 'cannot mount over /' \
  cocin create --name "${P}cz" -v "${P}v:/" busybox true

# ============================================================ cocinfs ===

if [ -z "$COCINFS" ] || [ ! -x "$COCINFS" ]; then
  t_skip fs-volume "COCINFS not set"
else
  M=$T/mnt
  mkdir -p "$M"
  FSPID=""
  if fs_start_fg; then
    t_begin "fs: ctl run -v NAME:PATH and -v PATH; the container's config.json shows them; ctl rm -f -v, and its own ctl's"
    ctl "$M/ctl" "run -d --name ${P}fv -v ${P}fsv:/d -v /fa busybox sh -c 'echo fs >/d/f; exec sleep ${SL}04'"
    [ "$RC" = 0 ] || t_fail "run: rc $RC [$ERR] [$REPLY]"
    wait_for test -s "$V/${P}fsv/_data/f" || t_fail "not written"
    [ "$(jq -r '[.mounts[].volume != null] | all' "$M/${P}fv/config.json" 2>/dev/null)" = true ] ||
      t_fail "config.json: $(jq -c .mounts "$M/${P}fv/config.json" 2>&1)"
    anon=$(jq -r '.mounts[] | select(.anonymous) | .volume' "$M/${P}fv/config.json")
    ctl "$M/ctl" "rm -f -v ${P}fv"
    [ "$RC" = 0 ] || t_fail "rm: rc $RC [$ERR] [$REPLY]"
    [ -n "$anon" ] && [ ! -e "$V/$anon" ] && [ -d "$V/${P}fsv" ] || t_fail "after rm -v: $(list_volumes)"
    # a container's own ctl: rm -f -v
    ctl "$M/ctl" "run -d --name ${P}fw -v /fa2 busybox sleep ${SL}07"
    anon2=$(jq -r '.mounts[0].volume' "$M/${P}fw/config.json" 2>/dev/null)
    ctl "$M/${P}fw/ctl" "rm -f -v"
    [ "$RC" = 0 ] && [ -n "$anon2" ] && [ ! -e "$V/$anon2" ] && [ ! -e "$ROOT/containers/${P}fw" ] ||
      t_fail "own ctl rm -f -v: rc $RC [$ERR] [$REPLY] $(list_volumes)"
    ctl "$M/ctl" "run -d --name ${P}fb -v q:/x busybox true"
    [ "$RC" != 0 ] && grep -q "neither an absolute host path nor a volume name" <<<"$REPLY" || t_fail "bad -v: rc $RC [$REPLY]"
    daemon_up || t_fail "the daemon: $(head -c 300 "$T/fs.err")"
    t_end
  else
    echo "FAIL: fs-volume: cocinfs did not mount $M: $(head -c 300 "$T/fs.err")"
  fi
  fs_stop
fi

t_begin "no container, mount, process, or half-made or half-removed volume left"
for c in "$ROOT"/containers/*/; do [ -d "$c" ] && cocin rm -f -v "$(basename "$c")" >/dev/null 2>&1; done
[ -z "$(list_containers)" ] || t_fail "containers: $(list_containers)"
wait_for no_proc "sleep ${SL}[0-9][0-9]\$" || t_fail "processes: $(pgrep -af "sleep ${SL}" | head -3)"
grep -q " $ROOT" /proc/mounts && t_fail "mounts: $(grep " $ROOT" /proc/mounts | head -2)"
[ -z "$(left_aside)" ] || t_fail "left aside: $(left_aside)"
t_end
