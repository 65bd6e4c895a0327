#!/usr/bin/env bash
# Installs what building, testing and the demo need on a fresh Debian 12 machine (as root).
# Idempotent: installs only what is missing, so repeated `make` runs stay fast.
#   usage: scripts/install-deps.sh [build|test|bench|fresh]
set -euo pipefail
what=${1:-test}

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
want() { for p in "$@"; do have_pkg "$p" || need+=("$p"); done; }

if [ "$what" = fresh ]; then
  # The fresh-machine check (scripts/fresh-check.sh) makes its Debian root with debootstrap and clones
  # the project into it; everything else is installed inside that root.
  want debootstrap git
else
  # Build: SQLite headers for GRDB. Run: iproute2 for the sandbox namespaces, util-linux for nsenter.
  want libsqlite3-dev iproute2 util-linux python3 python3-pip ca-certificates
  # Firewall: libnftables headers (BerthFirewall links libnftables in-process; no nft children).
  want libnftables-dev
  # berthd unpacks `docker import` tarballs and layers compressed with bzip2, xz or zstd through them.
  want bzip2 xz-utils zstd
  # The demo, the tests and the benchmarks look at and change the table with `nft` (nftables), read and
  # set sysctls and find processes (procps: sysctl, pgrep), and fetch published ports with curl.
  if [ "$what" != build ]; then want nftables procps curl; fi
  # Tests drive the real docker CLI; use the one at /usr/local/bin when the machine has it,
  # else Debian's docker.io (its daemon is never started: policy-rc.d refuses service starts).
  docker_cli=""
  for c in /usr/local/bin/docker /usr/bin/docker; do [ -x "$c" ] && docker_cli=$c && break; done
  if [ -z "$docker_cli" ] && [ "$what" != build ]; then want docker.io; fi
  # Benchmarks: hyperfine for CLI timings, dnsperf against the embedded DNS; podman with netavark and
  # aardvark-dns as the peer they are measured against (run in their own namespace, never on the host's).
  # dockerd 20.10 (docker.io with its containerd) is the other peer; bench/peers.sh runs it in a namespace.
  if [ "$what" = bench ]; then want hyperfine dnsperf iperf3 podman netavark aardvark-dns docker.io containerd; fi
  # Image tests and the demo build a busybox root filesystem from Debian's static busybox.
  if [ "$what" != build ]; then want busybox-static; fi
  # Containers run under runc, each supervised by conmon (BerthRuntime; its tests use busybox-static too).
  if [ "$what" != build ]; then want runc conmon; fi
  # Multi-host (overlay) tests and the demo run etcd, the cluster store, in a namespace of their own
  # (Debian's 3.4; its service is never started here: policy-rc.d refuses it during the install).
  if [ "$what" != build ]; then want etcd-server; fi
  # Compose projects in the tests run with Debian's docker-compose 1.29 (it brings its own docker-py 5).
  if [ "$what" != build ]; then want docker-compose; fi
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

[ "$what" = fresh ] && exit 0

# The docker SDK for Python 7, a client the tests use. Debian's docker-compose needs its own
# docker-py 5 in the system's site-packages, so where python3 sees an older SDK the new one goes
# into a directory of its own (/opt/berth-pydeps) that only the tests put on PYTHONPATH.
if [ "$what" != build ] && ! python3 -c 'import docker, sys; sys.exit(int(docker.__version__.split(".")[0]) < 7)' 2>/dev/null \
   && ! PYTHONPATH=/opt/berth-pydeps python3 -c 'import docker, sys; sys.exit(int(docker.__version__.split(".")[0]) < 7)' 2>/dev/null; then
  python3 -m pip install -q --upgrade --target /opt/berth-pydeps 'docker>=7.1,<8'
fi

command -v swift >/dev/null || { echo "swift is not on PATH: Berth needs the Swift 6 toolchain (/opt/swift on these machines)" >&2; exit 1; }
