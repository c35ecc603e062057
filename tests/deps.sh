#!/usr/bin/env bash
# Install what cocin needs to build, run and test on Debian 12, if missing.
# Safe to run again: it only calls apt-get when a package is absent.
set -eu
pkgs=(meson ninja-build pkg-config gcc libc6-dev libfuse3-dev fuse3 libcjson-dev libcap-dev
      libseccomp-dev busybox-static jq bc iproute2 tmux hyperfine clang python3
      libclang-rt-14-dev util-linux procps psmisc strace musl-tools)
[ "${COCIN_WITH_CRUN:-1}" = 1 ] && pkgs+=(crun)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "cocin: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
