#!/usr/bin/env bash
# Published ports (-p): what the user-space relay costs.  A 256 MiB file
# fetched from busybox httpd in a container, side by side in one run
# (hyperfine): through -p (the relay, cocin-proxy) and, the floor, from
# the same server on the host's network (--network host: no relay).
# Also small requests (1 KiB) and the relay's memory (RSS) after them.
# Not a test: no assertion.  Usage: bash tests/bench/relay-bench.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/../.."
B=${1:-build}
COCIN=$PWD/$B/cli/cocin
command -v hyperfine >/dev/null || { echo "relay-bench: needs hyperfine" >&2; exit 2; }
W=$(mktemp -d /tmp/cocin-relay.XXXXXX)
R=$W/root
cgparents() { find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -type d -name cocin 2>/dev/null | sort; }
cgparents >"$W/cgparents"
cleanup() {
  "$COCIN" --root "$R" rm -f relay direct >/dev/null 2>&1 || true
  umount "$W/www" 2>/dev/null || true
  for d in $(cgparents | comm -13 "$W/cgparents" -); do rmdir "$d" 2>/dev/null; done
  rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/www"
mount -t tmpfs -o size=300m tmpfs "$W/www" # (the disk out of it)
head -c 268435456 /dev/zero >"$W/www/big"
head -c 1024 /dev/zero >"$W/www/small"
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 12768))
    grep -qi ":$(printf '%04X' "$p") " /proc/net/tcp /proc/net/tcp6 2>/dev/null || { echo "$p"; return; }
  done
  exit 1
}
P1=$(free_port)
P2=$(free_port)
while [ "$P2" = "$P1" ]; do P2=$(free_port); done
"$COCIN" --root "$R" run -d --name relay -p "127.0.0.1:$P1:80" -v "$W/www:/www:ro" busybox httpd -f -p 80 -h /www >/dev/null
"$COCIN" --root "$R" run -d --name direct --network host -v "$W/www:/www:ro" busybox httpd -f -p "127.0.0.1:$P2" -h /www >/dev/null
for p in "$P1" "$P2"; do
  for _ in $(seq 1 50); do busybox wget -q -O /dev/null "http://127.0.0.1:$p/small" 2>/dev/null && break; sleep 0.1; done
done
get() { echo "busybox wget -q -O /dev/null http://127.0.0.1:$1/$2"; }
hyperfine -N --warmup 2 --runs 15 --export-json "$W/big.json" \
  -n relay "$(get "$P1" big)" -n direct "$(get "$P2" big)" >&2
hyperfine -N --warmup 10 --runs 200 --export-json "$W/small.json" \
  -n relay "$(get "$P1" small)" -n direct "$(get "$P2" small)" >&2
med() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median' "$1"; }
rb=$(med "$W/big.json" relay); db=$(med "$W/big.json" direct)
rs=$(med "$W/small.json" relay); ds=$(med "$W/small.json" direct)
printf '256 MiB: relay %.0f ms (%.0f MiB/s), direct %.0f ms (%.0f MiB/s): ratio %.2f\n' \
  "$(echo "$rb*1000" | bc -l)" "$(echo "256/$rb" | bc -l)" "$(echo "$db*1000" | bc -l)" \
  "$(echo "256/$db" | bc -l)" "$(echo "$rb/$db" | bc -l)"
printf '1 KiB request: relay %.2f ms, direct %.2f ms: ratio %.2f (a wget start included in both)\n' \
  "$(echo "$rs*1000" | bc -l)" "$(echo "$ds*1000" | bc -l)" "$(echo "$rs/$ds" | bc -l)"
mon=$("$COCIN" --root "$R" inspect relay | jq -r .monitorPid)
proxy=$(pgrep -P "$mon" -x cocin-proxy)
echo "relay's memory: $(awk '/VmRSS/ {print $2, $3}' "/proc/$proxy/status") RSS (cocin-proxy, after $((15 + 2 + 200 + 10)) connections)"
