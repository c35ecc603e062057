#!/bin/bash
# Script tests for run's --network: none (the default, the container's own
# namespace with only its loopback, up) and host (the host's namespace,
# its name, hosts and resolv.conf), through run, exec and start; a server
# inside is reachable from the host only with host; bad modes refused.
. "$(dirname "$0")/lib.sh"

P=n15x$$
command -v jq >/dev/null || { t_skip network "jq is not installed"; exit 0; }
command -v busybox >/dev/null || { t_skip network "no busybox on the host (busybox-static)"; exit 0; }
cfg() { jq -r "$2" "$ROOT/containers/$1/config.json" 2>/dev/null; }
netns_of() { readlink "/proc/$1/ns/net" 2>/dev/null; }
HOSTNET=$(readlink /proc/self/ns/net)
# (busybox's wget -T crashes on a refused connection: timeout(1) instead)
fetch() { timeout 5 busybox wget -q -O - "http://127.0.0.1:$1/hostname" 2>/dev/null; }

t_begin "default network: the container's own namespace, with lo, and lo is up"
out=$(cocin run --rm busybox readlink /proc/self/ns/net 2>&1)
[ -n "$out" ] && [ "$out" != "$HOSTNET" ] || t_fail "netns [$out], the host's $HOSTNET"
out=$(cocin run --rm busybox cat /sys/class/net/lo/flags 2>&1)
# IFF_UP is bit 0 of flags
[ $((${out:-0} & 1)) = 1 ] || t_fail "lo is down: flags [$out]"
t_end

t_begin "--network none is the default: recorded as none"
cocin run -d --name "${P}none" --network none busybox sleep 60 >/dev/null 2>&1 || t_fail "run"
[ "$(cfg "${P}none" .network)" = none ] || t_fail "network: $(cfg "${P}none" .network)"
pid=$(cfg "${P}none" .pid)
[ "$(netns_of "$pid")" != "$HOSTNET" ] || t_fail "on the host's network"
cocin run -d --name "${P}dflt" busybox sleep 60 >/dev/null 2>&1
[ "$(cfg "${P}dflt" .network)" = none ] || t_fail "default recorded as $(cfg "${P}dflt" .network)"
cocin rm -f "${P}none" "${P}dflt" >/dev/null 2>&1
t_end

t_begin "--network host: the host's namespace, hostname, /etc/hosts and resolv.conf"
H=${P}host
cocin run -d --name "$H" --network host busybox sleep 60 >"$T/o" 2>&1 || t_fail "run: $(cat "$T/o")"
pid=$(cfg "$H" .pid)
[ "$(netns_of "$pid")" = "$HOSTNET" ] || t_fail "netns $(netns_of "$pid") is not the host's $HOSTNET"
[ "$(cfg "$H" .network)" = host ] || t_fail "network: $(cfg "$H" .network)"
[ "$(cfg "$H" .hostname)" = "$(hostname)" ] || t_fail "recorded hostname $(cfg "$H" .hostname)"
[ "$(cocin exec "$H" hostname 2>&1)" = "$(hostname)" ] || t_fail "hostname inside: $(cocin exec "$H" hostname 2>&1)"
[ "$(cocin exec "$H" cat /etc/hosts 2>&1)" = "$(cat /etc/hosts)" ] || t_fail "/etc/hosts is not the host's"
if [ -r /etc/resolv.conf ]; then
  [ "$(cocin exec "$H" cat /etc/resolv.conf 2>&1)" = "$(cat /etc/resolv.conf)" ] ||
    t_fail "/etc/resolv.conf is not the host's"
fi
[ "$(cocin exec "$H" sh -c 'echo $HOSTNAME' 2>&1)" = "$(hostname)" ] || t_fail "HOSTNAME"
# the host's devices are seen (sysfs shows its mounter's network)
# (the host's lo and its default route's device: others may come and go)
cocin exec "$H" ls /sys/class/net >"$T/devs" 2>&1
dflt=$(awk '$2 == "00000000" {print $1; exit}' /proc/net/route)
for d in lo $dflt; do grep -qx "$d" "$T/devs" || t_fail "no $d in: $(tr '\n' ' ' <"$T/devs")"; done
# no more power over the host's network than docker's defaults give:
# no NET_ADMIN (bit 12), a read-only /proc/sys (the same value written back)
capeff=$(cocin exec "$H" sh -c 'grep CapEff /proc/self/status' 2>&1 | awk '{print $2}')
[ -n "$capeff" ] && [ $(((0x$capeff >> 12) & 1)) = 0 ] || t_fail "NET_ADMIN in CapEff [$capeff]"
cocin exec "$H" sh -c 'cat /proc/sys/net/ipv4/ip_forward > /proc/sys/net/ipv4/ip_forward' >/dev/null 2>&1 &&
  t_fail "/proc/sys/net is writable"
# its hosts file is a copy: a write inside stays inside
before=$(cat /etc/hosts)
cocin exec "$H" sh -c 'echo "10.9.9.9 cocin-test-$$" >> /etc/hosts' >/dev/null 2>&1 || t_fail "write /etc/hosts inside"
[ "$(cat /etc/hosts)" = "$before" ] || t_fail "the host's /etc/hosts changed"
cocin exec "$H" grep -q 10.9.9.9 /etc/hosts || t_fail "the write did not stay inside"
# still its own uts, pid and mount namespaces
[ "$(readlink /proc/"$pid"/ns/uts)" != "$(readlink /proc/self/ns/uts)" ] || t_fail "host's uts"
[ "$(readlink /proc/"$pid"/ns/pid)" != "$(readlink /proc/self/ns/pid)" ] || t_fail "host's pid ns"
t_end

t_begin "--network host: exec joins the host's network; start runs it there again"
out=$(cocin exec "$H" readlink /proc/self/ns/net 2>&1)
[ "$out" = "$HOSTNET" ] || t_fail "exec: $out"
cocin stop -t 0 "$H" >/dev/null 2>&1 || t_fail "stop"
cocin start "$H" >/dev/null 2>&1 || t_fail "start"
pid=$(cfg "$H" .pid)
[ "$(netns_of "$pid")" = "$HOSTNET" ] || t_fail "after start: $(netns_of "$pid")"
[ "$(cocin exec "$H" hostname 2>&1)" = "$(hostname)" ] || t_fail "hostname after start"
cocin rm -f "$H" >/dev/null 2>&1
t_end

t_begin "--network host with -h: the given name, the host's hosts file"
out=$(cocin run --rm --network host -h "${P}h" busybox sh -c 'hostname; cat /etc/hostname' 2>&1)
[ "$out" = "${P}h
${P}h" ] || t_fail "[$out]"
[ "$(hostname)" != "${P}h" ] || t_fail "the host's hostname changed"
t_end

t_begin "a server inside: reachable from the host with --network host, not without"
port=$(free_port)
cocin run -d --name "${P}web" --network host busybox httpd -f -p "127.0.0.1:$port" -h /etc >"$T/o" 2>&1 ||
  t_fail "run: $(cat "$T/o")"
wait_for fetch "$port" || t_fail "nothing on 127.0.0.1:$port: $(cocin logs "${P}web" 2>&1 | head -3)"
[ "$(fetch "$port")" = "$(hostname)" ] || t_fail "fetched [$(fetch "$port")]"
cocin rm -f "${P}web" >/dev/null 2>&1
port=$(free_port)
cocin run -d --name "${P}web2" busybox httpd -f -p "127.0.0.1:$port" -h /etc >"$T/o" 2>&1 ||
  t_fail "run (none): $(cat "$T/o")"
# it serves inside its own namespace...
wait_for timeout 5 "$COCIN" --root "$ROOT" exec "${P}web2" wget -q -O /dev/null "http://127.0.0.1:$port/hostname" ||
  t_fail "not serving inside"
out=$(timeout 5 "$COCIN" --root "$ROOT" exec "${P}web2" wget -q -O - "http://127.0.0.1:$port/hostname" 2>&1)
[ "$out" = "${P}web2" ] || t_fail "inside: [$out]"
# ...and not on the host's
fetch "$port" >/dev/null && t_fail "reachable from the host without --network host"
cocin rm -f "${P}web2" >/dev/null 2>&1
t_end

t_begin "--network container:NAME: that container's network and hostname (a sidecar reaches its server on 127.0.0.1)"
port=$(free_port)
cocin run -d --name "${P}main" busybox httpd -f -p "127.0.0.1:$port" -h /etc >"$T/o" 2>&1 || t_fail "run main: $(cat "$T/o")"
cocin run -d --name "${P}side" --network "container:${P}main" busybox sleep 60 >"$T/o" 2>&1 ||
  t_fail "run side: $(cat "$T/o")"
mpid=$(cfg "${P}main" .pid); spid=$(cfg "${P}side" .pid)
[ -n "$spid" ] && [ "$(netns_of "$spid")" = "$(netns_of "$mpid")" ] || t_fail "side's netns $(netns_of "$spid"), main's $(netns_of "$mpid")"
[ "$(readlink /proc/"$spid"/ns/uts)" != "$(readlink /proc/"$mpid"/ns/uts)" ] || t_fail "one uts namespace"
[ "$(cfg "${P}side" .network)" = "container:$(cfg "${P}main" .id)" ] || t_fail "network: $(cfg "${P}side" .network) (recorded by id)"
[ "$(cocin exec "${P}side" hostname 2>&1)" = "${P}main" ] || t_fail "hostname: $(cocin exec "${P}side" hostname 2>&1)"
wait_for timeout 5 "$COCIN" --root "$ROOT" exec "${P}side" wget -q -O /dev/null "http://127.0.0.1:$port/hostname" ||
  t_fail "main not serving"
out=$(timeout 10 "$COCIN" --root "$ROOT" exec "${P}side" wget -q -O - "http://127.0.0.1:$port/hostname" 2>&1)
[ "$out" = "${P}main" ] || t_fail "the sidecar fetched [$out]"
# start joins it again
cocin stop -t 0 "${P}side" >/dev/null 2>&1 || t_fail "stop side"
cocin start "${P}side" >"$T/o" 2>&1 || t_fail "start side: $(cat "$T/o")"
spid=$(cfg "${P}side" .pid)
[ "$(netns_of "$spid")" = "$(netns_of "$mpid")" ] || t_fail "after start: $(netns_of "$spid")"
# by id too; and the network lives on while side runs, after main is gone
mid=$(cfg "${P}main" .id)
cocin run --rm --network "container:${mid:0:12}" busybox true >"$T/o" 2>&1 || t_fail "by id: $(cat "$T/o")"
cocin rm -f "${P}main" >/dev/null 2>&1
[ "$(cocin exec "${P}side" cat /sys/class/net/lo/operstate 2>&1)" != "" ] || t_fail "side lost its network"
# a start needs its network's container running
cocin stop -t 0 "${P}side" >/dev/null 2>&1
out=$(cocin start "${P}side" 2>&1); rc=$?
[ "$rc" != 0 ] && grep -q "container:$mid: no such container" <<<"$out" || t_fail "start without main: $rc [$out]"
# a later container given main's name is not joined in its stead
cocin run -d --name "${P}main" busybox sleep 60 >/dev/null 2>&1
out=$(cocin start "${P}side" 2>&1) && t_fail "start joined the new ${P}main"
cocin rm -f "${P}main" >/dev/null 2>&1
cocin rm -f "${P}side" >/dev/null 2>&1
t_end

t_begin "--network container:NAME refused: unknown, not running, itself, on the host's network, with -h or -p"
before=$(ls "$ROOT/containers" 2>/dev/null | sort | tr '\n' ' ')
out=$(cocin run --rm --network container:nosuch busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && [ "$out" = "cocin: run: --network container:nosuch: no such container: nosuch" ] || t_fail "unknown: $rc [$out]"
cocin run --name "${P}ended" busybox true >/dev/null 2>&1
out=$(cocin run --rm --network "container:${P}ended" busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && grep -q "it is not running" <<<"$out" || t_fail "ended: $rc [$out]"
cocin run -d --name "${P}hostnet" --network host busybox sleep 60 >/dev/null 2>&1
out=$(cocin run --rm --network "container:${P}hostnet" busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && grep -q "use --network host" <<<"$out" || t_fail "host's: $rc [$out]"
out=$(cocin run --name "${P}self" --network "container:${P}self" busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && grep -q "no such container: ${P}self" <<<"$out" || t_fail "itself: $rc [$out]"
out=$(cocin run --rm --network "container:${P}hostnet" -h x busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && grep -q -- "-h with --network container" <<<"$out" || t_fail "-h: $rc [$out]"
out=$(cocin run --rm --network "container:${P}hostnet" -p 8080:80 busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && grep -q -- "-p with --network container" <<<"$out" || t_fail "-p: $rc [$out]"
out=$(cocin run --rm --network "container:${P}hostnet" --add-host a:1.2.3.4 busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && grep -q -- "--add-host with --network container" <<<"$out" || t_fail "--add-host: $rc [$out]"
for v in "container:../x" "container:" "container:a/b"; do
  out=$(cocin run --rm --network "$v" busybox true 2>&1); rc=$?
  [ "$rc" = 125 ] && grep -q "expected container:NAME" <<<"$out" || t_fail "$v: $rc [$out]"
done
cocin rm -f "${P}ended" "${P}hostnet" >/dev/null 2>&1
[ "$(ls "$ROOT/containers" 2>/dev/null | sort | tr '\n' ' ')" = "$before" ] || t_fail "left: $(ls "$ROOT/containers")"
t_end

t_begin "bad --network values: one line, exit 125, nothing left behind"
before=$(ls "$ROOT/containers" 2>/dev/null | sort | tr '\n' ' ')
for v in bridge default "" HOST none,host; do
  out=$(cocin run --name "${P}bad" --network "$v" busybox true 2>&1); rc=$?
  [ "$rc" = 125 ] || t_fail "--network '$v': exit $rc"
  [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || t_fail "--network '$v': [$out]"
  grep -q "cocin has the modes none" <<<"$out" || t_fail "--network '$v': [$out]"
done
out=$(cocin run --network 2>&1); rc=$?
[ "$rc" = 125 ] && grep -q -- "--network" <<<"$out" || t_fail "no value: $rc [$out]"
[ "$(ls "$ROOT/containers" 2>/dev/null | sort | tr '\n' ' ')" = "$before" ] || t_fail "left: $(ls "$ROOT/containers")"
t_end

# ------------------------------------------------------------------ -p ---
WWW=$T/www
mkdir -p "$WWW"
head -c 3000000 /dev/urandom >"$WWW/big"
echo "page" >"$WWW/index.html"
want_sum=$(md5sum <"$WWW/big")
get() { timeout 10 busybox wget -q -O - "http://127.0.0.1:$1/$2" 2>/dev/null; }

t_begin "-p HOSTPORT:PORT: the host's port reaches a server in the container's own network"
port=$(free_port)
cocin run -d --name "${P}pub" -p "$port:80" -v "$WWW:/www:ro" busybox httpd -f -p 80 -h /www >"$T/o" 2>&1 ||
  t_fail "run: $(cat "$T/o")"
wait_for get "$port" index.html || t_fail "nothing on $port"
[ "$(get "$port" index.html)" = page ] || t_fail "page: [$(get "$port" index.html)]"
[ "$(get "$port" big | md5sum)" = "$want_sum" ] || t_fail "3 MB file changed on its way"
# twenty at once, whole
for i in $(seq 1 20); do (get "$port" big | md5sum >"$T/sum.$i") & done
wait
for i in $(seq 1 20); do [ "$(cat "$T/sum.$i")" = "$want_sum" ] || t_fail "client $i: $(cat "$T/sum.$i")"; done
# still the container's own network namespace
pid=$(cfg "${P}pub" .pid)
[ "$(netns_of "$pid")" != "$HOSTNET" ] || t_fail "on the host's network"
[ "$(cfg "${P}pub" '.ports[0] | "\(.hostIp) \(.hostPort) \(.containerPort) \(.protocol)"')" = "0.0.0.0 $port 80 tcp" ] ||
  t_fail "record: $(jq -c .ports "$ROOT/containers/${P}pub/config.json")"
# a port given no address listens on IPv6 too (where the host has it)
if grep -qE '^0{31}1 .* lo$' /proc/net/if_inet6 2>/dev/null; then # ::1 on lo
  out=$(python3 -c '
import socket, sys
s = socket.create_connection(("::1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
d = b""
while True:
    b = s.recv(65536)
    if not b: break
    d += b
print(d.split(b"\r\n\r\n", 1)[1].decode().strip())' "$port" 2>&1)
  [ "$out" = page ] || t_fail "over [::1]: [$out]"
fi
# docker's port and ps --format {{.Ports}}
# (and [::]'s, where it listens there too)
if grep -qi ":$(printf '%04X' "$port") .* 0A " /proc/net/tcp6 2>/dev/null; then
  want_port="80/tcp -> 0.0.0.0:$port
80/tcp -> [::]:$port"
  want_addr="0.0.0.0:$port
[::]:$port"
  want_ps="${P}pub 0.0.0.0:$port->80/tcp, :::$port->80/tcp"
  want_ns="{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"$port\"},{\"HostIp\":\"::\",\"HostPort\":\"$port\"}]}"
else
  want_port="80/tcp -> 0.0.0.0:$port"
  want_addr="0.0.0.0:$port"
  want_ps="${P}pub 0.0.0.0:$port->80/tcp"
  want_ns="{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"$port\"}]}"
fi
# docker's keys: what was asked, and where it listens
[ "$(cocin inspect -f '{{json .HostConfig.PortBindings}}' "${P}pub")" = "{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"$port\"}]}" ] ||
  t_fail "PortBindings: $(cocin inspect -f '{{json .HostConfig.PortBindings}}' "${P}pub")"
[ "$(cocin inspect -f '{{json .NetworkSettings.Ports}}' "${P}pub")" = "$want_ns" ] ||
  t_fail "NetworkSettings.Ports: $(cocin inspect -f '{{json .NetworkSettings.Ports}}' "${P}pub")"
[ "$(cocin port "${P}pub" 2>&1)" = "$want_port" ] || t_fail "port: $(cocin port "${P}pub" 2>&1)"
[ "$(cocin port "${P}pub" 80/tcp 2>&1)" = "$want_addr" ] || t_fail "port 80/tcp: $(cocin port "${P}pub" 80/tcp 2>&1)"
out=$(cocin port "${P}pub" 81 2>&1) && t_fail "port 81 succeeded"
[ "$out" = "cocin: port: no public port '81/tcp' published for ${P}pub" ] || t_fail "port 81: [$out]"
out=$(cocin port "${P}pub" 80/udp 2>&1) && t_fail "port 80/udp succeeded"
out=$(cocin port -x "${P}pub" 2>&1) && t_fail "port -x succeeded"
out=$(cocin port 2>&1) && t_fail "port without a name succeeded"
out=$(cocin ps --format '{{.Names}} {{.Ports}}' -f "name=^${P}pub\$" 2>&1)
[ "$out" = "$want_ps" ] || t_fail "ps .Ports: [$out]"
t_end

# a client in python: the request, then a half-close (halfclose) or
# nothing more; prints the md5 of the reply's body.  (A client that sends
# more than the server reads loses the reply's end with or without the
# relay: the server's close with input unread resets, and its kernel
# drops what it had not sent.)
pyget() {
  python3 - "$@" <<'PY'
import hashlib, socket, sys
port, path, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(("GET /%s HTTP/1.0\r\n\r\n" % path).encode())
if mode == "halfclose":
    s.shutdown(socket.SHUT_WR)
data = b""
while True:
    try:
        b = s.recv(65536)
    except OSError:
        break
    if not b:
        break
    data += b
body = data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""
print(hashlib.md5(body).hexdigest() + "  -")
PY
}

t_begin "-p: a client's half-close is passed on, and the whole reply comes back"
for i in 1 2 3; do
  got=$(pyget "$port" big halfclose)
  [ "$got" = "$want_sum" ] || t_fail "half-close ($i): $got"
done
t_end

t_begin "-p: a port in use fails the run with one line, exit 125, nothing left behind"
before=$(ls "$ROOT/containers" 2>/dev/null | sort | tr '\n' ' ')
out=$(cocin run -d --name "${P}pub2" -p "$port:80" busybox sleep 30 2>&1); rc=$?
[ "$rc" = 125 ] || t_fail "exit $rc"
[ "$out" = "cocin: run: publish 0.0.0.0:$port: Address already in use" ] || t_fail "[$out]"
[ "$(ls "$ROOT/containers" 2>/dev/null | sort | tr '\n' ' ')" = "$before" ] || t_fail "left: $(ls "$ROOT/containers")"
[ "$(get "$port" index.html)" = page ] || t_fail "the first container's port disturbed"
t_end

t_begin "-p: the relay ends with the container (port free, no process); start takes the port again"
mon=$(cfg "${P}pub" .monitorPid)
pgrep -P "$mon" -x cocin-proxy >/dev/null || t_fail "no relay under the monitor $mon"
cocin stop -t 1 "${P}pub" >/dev/null 2>&1 || t_fail "stop"
get "$port" index.html >/dev/null && t_fail "still served after stop"
[ -z "$(cocin port "${P}pub" 2>&1)" ] || t_fail "port of a stopped container: $(cocin port "${P}pub" 2>&1)"
[ -z "$(cocin ps -a --format '{{.Ports}}' -f "name=^${P}pub\$")" ] || t_fail "ps .Ports of a stopped one"
! grep -qi ":$(printf '%04X' "$port") .* 0A " /proc/net/tcp || t_fail "port still listening after stop"
[ -z "$(pgrep -P "$mon" -x cocin-proxy)" ] || t_fail "a relay left: $(pgrep -a -P "$mon")"
# a start finds its port taken: it fails with the reason, the container stays ended
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(1); time.sleep(60)' "$port" &
squatter=$!
t_track "$squatter"
wait_for grep -qi ":$(printf '%04X' "$port") .* 0A " /proc/net/tcp
out=$(cocin start "${P}pub" 2>&1) && t_fail "start succeeded on a taken port"
grep -q "publish 0.0.0.0:$port: Address already in use" <<<"$out" || t_fail "start: [$out]"
[ "$(cfg "${P}pub" .status)" != running ] || t_fail "running after a failed start"
kill "$squatter"; wait "$squatter" 2>/dev/null
cocin start "${P}pub" >/dev/null 2>&1 || t_fail "start"
wait_for get "$port" index.html || t_fail "not served after start"
cocin rm -f "${P}pub" >/dev/null 2>&1
t_end

t_begin "-p with a command that ends at once: the run succeeds, the port is free after"
port=$(free_port)
for i in 1 2 3 4 5; do
  out=$(cocin run --rm -p "$port:80" busybox true 2>&1) || t_fail "run $i: $out"
done
out=$(cocin run --rm -p "$port:80" busybox sh -c 'exit 3' 2>&1); rc=$?
[ "$rc" = 3 ] || t_fail "exit code $rc: $out"
! grep -qi ":$(printf '%04X' "$port") .* 0A " /proc/net/tcp || t_fail "port still listening"
t_end

t_begin "-p IP:HOSTPORT:PORT/tcp: bound to that address only; nothing listening inside closes the client"
port=$(free_port)
cocin run -d --name "${P}pub3" -p "127.0.0.1:$port:8080/tcp" busybox sleep 60 >"$T/o" 2>&1 || t_fail "run: $(cat "$T/o")"
grep -qi "0100007F:$(printf '%04X' "$port") 00000000:0000 0A" /proc/net/tcp || t_fail "not bound to 127.0.0.1:$port"
grep -qi ":$(printf '%04X' "$port") .* 0A " /proc/net/tcp6 && t_fail "an address given, yet IPv6 listens too"
# the relay accepts, finds nothing on 8080 inside, and closes: no hang
out=$(printf 'x' | timeout 5 busybox nc 127.0.0.1 "$port" 2>&1); rc=$?
[ "$rc" != 124 ] || t_fail "the client hung"
cocin rm -f "${P}pub3" >/dev/null 2>&1
t_end

t_begin "bad -p values: one line each, exit 125, nothing left behind"
before=$(ls "$ROOT/containers" 2>/dev/null | sort | tr '\n' ' ')
for v in 80 :80 127.0.0.1::80 abc:80 0:80 70000:80 8080:0 8080:80/udp 8080:80/sctp 8080:80/ 1.2.3:8080:80 ::1:8080:80 8080-8081:80 ""; do
  out=$(cocin run --name "${P}bad" -p "$v" busybox true 2>&1); rc=$?
  [ "$rc" = 125 ] || t_fail "-p '$v': exit $rc"
  [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || t_fail "-p '$v': [$out]"
done
out=$(cocin run -p 80 busybox true 2>&1)
grep -q "give the host's port too" <<<"$out" || t_fail "-p 80: [$out]"
out=$(cocin run -p 8080:80/udp busybox true 2>&1)
grep -q "tcp ports only" <<<"$out" || t_fail "udp: [$out]"
out=$(cocin run -p 8080:80 -p 8080:81 busybox true 2>&1)
grep -q "published twice" <<<"$out" || t_fail "twice: [$out]"
out=$(cocin run --network host -p 8080:80 busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && grep -q "ports are the host's already" <<<"$out" || t_fail "with host: $rc [$out]"
for f in -P --publish-all; do
  out=$(cocin run $f busybox true 2>&1); rc=$?
  [ "$rc" = 125 ] && grep -q "declare no ports" <<<"$out" || t_fail "$f: $rc [$out]"
done
[ "$(ls "$ROOT/containers" 2>/dev/null | sort | tr '\n' ' ')" = "$before" ] || t_fail "left: $(ls "$ROOT/containers")"
t_end

t_begin "--add-host NAME:IP: lines of /etc/hosts (IPv6 too, with --network host too), kept by start"
out=$(cocin run --rm --add-host db:10.0.0.5 --add-host six:fd00::1 busybox sh -c 'grep -v "^#" /etc/hosts | tail -2' 2>&1)
[ "$out" = "10.0.0.5	db
fd00::1	six" ] || t_fail "[$out]"
out=$(cocin run --rm --network host --add-host db:10.0.0.5 busybox tail -1 /etc/hosts 2>&1)
[ "$out" = "10.0.0.5	db" ] || t_fail "host: [$out]"
grep -q "10.0.0.5" /etc/hosts && t_fail "the host's /etc/hosts changed"
cocin run --name "${P}ah" --add-host db:10.0.0.5 busybox true >/dev/null 2>&1
eh=$(jq -c .extraHosts "$ROOT/containers/${P}ah/config.json" 2>&1)
[ "$eh" = '["db:10.0.0.5"]' ] || t_fail "record: $eh"
cocin start "${P}ah" >/dev/null 2>&1 || t_fail "start"
cocin rm -f "${P}ah" >/dev/null 2>&1
before=$(ls "$ROOT/containers" 2>/dev/null | sort | tr '\n' ' ')
for v in db 10.0.0.5 :1.2.3.4 db:999.1.1.1 "a b:1.2.3.4" db: ""; do
  out=$(cocin run --rm --add-host "$v" busybox true 2>&1); rc=$?
  [ "$rc" = 125 ] && [ "$out" = "cocin: run: invalid --add-host \"$v\": expected NAME:IP" ] || t_fail "'$v': $rc [$out]"
done
out=$(cocin run --rm --add-host db:host-gateway busybox true 2>&1); rc=$?
[ "$rc" = 125 ] && grep -q "no gateway to the host" <<<"$out" || t_fail "host-gateway: $rc [$out]"
[ "$(ls "$ROOT/containers" 2>/dev/null | sort | tr '\n' ' ')" = "$before" ] || t_fail "left: $(ls "$ROOT/containers")"
t_end

t_begin "the monitor makes the container's network and stays on the host's; a restart gets a new one"
N=${P}netmon
cocin run -d --name "$N" busybox sleep 60 >"$T/o" 2>&1 || t_fail "run: $(cat "$T/o")"
mon=$(cfg "$N" .monitorPid)
pid=$(cfg "$N" .pid)
[ -n "$mon" ] && [ "$(netns_of "$mon")" = "$HOSTNET" ] || t_fail "monitor $mon in $(netns_of "$mon")"
[ "$(netns_of "$pid")" != "$HOSTNET" ] || t_fail "the container on the host's network"
# sysfs was mounted once the init had joined it: its lo only
[ "$(cocin exec "$N" ls /sys/class/net 2>&1)" = lo ] || t_fail "/sys/class/net: $(cocin exec "$N" ls /sys/class/net 2>&1)"
cocin rm -f "$N" >/dev/null 2>&1
N=${P}netrs
cocin run -d --name "$N" --restart on-failure:1 busybox sh -c 'readlink /proc/self/ns/net; exit 3' >"$T/o" 2>&1 ||
  t_fail "run: $(cat "$T/o")"
wait_long sh -c "[ \$(jq '.restartCount // 0' '$ROOT/containers/$N/config.json') = 1 ] &&
  [ \$(jq -r '.restarting // false' '$ROOT/containers/$N/config.json') = false ] &&
  [ \$(jq -r .status '$ROOT/containers/$N/config.json') = exited ]" || t_fail "no restart: $(cfg "$N" .)"
cocin logs "$N" >"$T/nets" 2>&1
[ "$(grep -c '^net:' "$T/nets")" = 2 ] && [ "$(sort -u "$T/nets" | wc -l)" = 2 ] &&
  ! grep -qx "$HOSTNET" "$T/nets" || t_fail "namespaces of the two runs: $(tr '\n' ' ' <"$T/nets")"
cocin rm -f "$N" >/dev/null 2>&1
t_end

t_begin "--net is --network's older spelling; run --help names the modes"
out=$(cocin run --rm --net host busybox readlink /proc/self/ns/net 2>&1)
[ "$out" = "$HOSTNET" ] || t_fail "--net host: $out"
cocin run --help 2>&1 | grep -q -- "--network MODE .*none.*host" || t_fail "help"
t_end

t_begin "no container, mount or process left"
for c in "$ROOT"/containers/*/; do [ -d "$c" ] && cocin rm -f "$(basename "$c")" >/dev/null 2>&1; done
wait_for no_proc "--root $ROOT " || t_fail "processes: $(pgrep -af -- "--root $ROOT " | head -3)"
grep -q " $ROOT" /proc/mounts && t_fail "mounts: $(grep " $ROOT" /proc/mounts | head -2)"
t_end
