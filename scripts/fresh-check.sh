#!/usr/bin/env bash
# The fresh-machine check: runs README's two commands, `make demo` and `make test`, in a new Debian 12
# root made by `debootstrap --variant=minbase bookworm`, as a new user's machine would run them.
#
# Into the root come only what a machine of this kind brings before the project: the Swift toolchain
# (/opt/swift, read-only), the base packages Swift itself needs, `make` and `git` (to run README's
# commands and clone), the machine's local copies of the Swift packages (/opt/swift-packages, read-only,
# with the system git configuration that points github.com at them) and its registry settings
# (certificate and pip variables, pip's configuration, its local wheels). Everything else the demo
# and the tests use must come from scripts/install-deps.sh, run by make inside the root.
#
# The project is cloned from its committed HEAD (uncommitted changes are not checked). The root lives
# in its own mount namespace, so nothing it mounts is seen by the machine; its daemons run in network
# namespaces of their own, as everywhere. Took about 10 minutes on 2 cores here (set-up ~1, make demo
# 159 s, make test 243 s, with debootstrap's packages cached from an earlier run). Run by hand or by
# `make fresh-check`; CI does not run it.
#
#   usage: scripts/fresh-check.sh [--keep] [--only demo|test] [--rev REV]
#     --keep       keep the root afterwards (under $BERTH_FRESH_DIR, default /var/tmp/berth-fresh)
#     --only X     run only `make demo` or only `make test`
#     --rev REV    check this commit instead of HEAD
set -euo pipefail

# Packages the Swift toolchain itself needs on Debian 12: the C toolchain and linker it drives, git for
# the package manager, and the libraries its compiler, runtime and Foundation load. libsqlite3-dev is
# left out although Swift's own images carry it: it is Berth's build dependency, so install-deps.sh
# must bring it.
SWIFT_BASE="binutils gcc git libc6-dev libcurl4-openssl-dev libedit2 libgcc-12-dev libicu-dev libncurses-dev
  libpython3-dev libstdc++-12-dev libxml2-dev libz3-dev pkg-config tzdata uuid-dev zlib1g-dev unzip"
# README's commands are make targets; a machine that can run them has make.
MACHINE_BASE="make"

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${BERTH_FRESH_DIR:-/var/tmp/berth-fresh}

if [ "${1:-}" = --inner ]; then
  # Second stage, in a private mount namespace: mount what the root needs, then run README's commands.
  root=$2; logs=$3; only=$4; hostlogs=$3
  bind_ro() { [ -e "$1" ] || return 0; mkdir -p "$root$1"; mount --bind "$1" "$root$1"; mount -o remount,bind,ro "$root$1"; }
  # The root is a mount point of its own, as / is on a machine: `ip netns exec` marks / a slave mount.
  mount --bind "$root" "$root"
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys"
  mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
  mount -t tmpfs -o mode=755 tmpfs "$root/run"
  mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
  bind_ro /opt/swift
  bind_ro /opt/swift-packages
  bind_ro /opt/wheels
  cp /etc/resolv.conf /etc/hosts "$root/etc/"
  for f in /etc/gitconfig /etc/gitignore; do [ -f "$f" ] && cp "$f" "$root$f"; done
  # The machine's certificate bundle, at a path of its own so that the root's ca-certificates package
  # stays the root's; the variables and pip's configuration that name the bundle are pointed there.
  bundle=/etc/ssl/certs/ca-certificates.crt
  carried=/usr/local/share/berth-fresh/machine-ca.crt
  mkdir -p "$root$(dirname $carried)"
  [ -f $bundle ] && cp $bundle "$root$carried"
  for f in /etc/pip.conf /root/.config/pip/pip.conf /root/.pip/pip.conf; do
    [ -f "$f" ] || continue
    mkdir -p "$root$(dirname "$f")"; sed "s#$bundle#$carried#g" "$f" > "$root$f"
  done
  envs=(HOME=/root TERM=xterm LANG=C.UTF-8 PATH=/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
  while IFS='=' read -r k v; do
    case "$k" in PIP_*|*_CA_BUNDLE|*_CA_CERTS|*CA_CERTS_FILE|*CAINFO|SSL_CERT_FILE|SSL_CERT_DIR|*SSL_ROOTS_FILE_PATH|*_CERT_FILE)
      envs+=("$k=${v//$bundle/$carried}");; esac
  done < <(env)
  # The logs stay reachable from inside; then the root becomes this namespace's / (pivot_root, not
  # chroot: runc's containers and `runc exec` must see a real mount-namespace root, as on a machine).
  readlink /proc/self/ns/mnt > "$logs/mount-namespace"
  mkdir -p "$root/fresh-logs"; mount --bind "$logs" "$root/fresh-logs"; logs=/fresh-logs
  mkdir -p "$root/.old-root"; cd "$root"; pivot_root . .old-root; cd /
  umount -l /.old-root && rmdir /.old-root
  in_root() { /usr/bin/env -i "${envs[@]}" /bin/bash -c "$1"; }

  base=$(echo $SWIFT_BASE $MACHINE_BASE)
  echo "== set-up: the base packages Swift needs, and make: $base"
  in_root "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends $base >/dev/null" \
    >"$logs/setup.log" 2>&1 || { tail -30 "$logs/setup.log"; exit 1; }
  in_root 'swift --version 2>&1 | head -1; . /etc/os-release; echo "$PRETTY_NAME, $(dpkg-query -W -f=. | wc -c) packages"'
  rc=0
  for target in demo test; do
    [ -z "$only" ] || [ "$only" = "$target" ] || continue
    echo "== make $target (log: $hostlogs/$target.log)"
    start=$(date +%s)
    if in_root "cd /root/berth && make $target" >"$logs/$target.log" 2>&1; then r=0; else r=$?; fi
    echo "make $target: exit $r after $(( $(date +%s) - start )) s; its last lines:"
    tail -n 25 "$logs/$target.log" | sed 's/^/  | /'
    [ $r -eq 0 ] || rc=1
  done
  exit $rc
fi

keep=0; only=""; rev=HEAD
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1;;
    --only) only=$2; shift;;
    --rev) rev=$2; shift;;
    *) echo "usage: scripts/fresh-check.sh [--keep] [--only demo|test] [--rev REV]" >&2; exit 2;;
  esac; shift
done
[ "$(id -u)" = 0 ] || { echo "fresh-check: run as root (it makes a Debian root and mounts into it)" >&2; exit 1; }
[ -x /opt/swift/usr/bin/swift ] || { echo "fresh-check: needs the Swift toolchain at /opt/swift to bind into the root" >&2; exit 1; }
"$repo/scripts/install-deps.sh" fresh

commit=$(git -C "$repo" rev-parse "$rev")
stamp=$(date -u +%Y%m%dT%H%M%SZ)
root=$work/root-$stamp
logs=$work/logs-$stamp
mkdir -p "$work" "$logs"
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

cleanup() {
  # Whatever still runs in the root's mount namespace (a daemon a failed test left) is ended first.
  ns=$(cat "$logs/mount-namespace" 2>/dev/null || true)
  if [ -n "$ns" ]; then
    for p in /proc/[0-9]*; do
      [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ] && kill -KILL "${p#/proc/}" 2>/dev/null
    done
  fi
  if [ $keep = 0 ] && [ -d "$root" ]; then rm -rf --one-file-system "$root"; else echo "root kept at $root"; fi
}
trap cleanup EXIT

echo "== fresh-check of $commit ($(git -C "$repo" log -1 --format=%s "$commit" | cut -c1-70))"
echo "== debootstrap --variant=minbase bookworm $root $mirror"
# The packages debootstrap fetches are kept between runs (a tarball of .debs); the root is new each time.
if [ ! -f "$work/minbase-debs.tgz" ]; then
  debootstrap --variant=minbase --make-tarball="$work/minbase-debs.tgz" bookworm "$work/tarball-tmp" "$mirror" >"$logs/debootstrap.log" 2>&1 \
    || { tail -20 "$logs/debootstrap.log"; exit 1; }
  rm -rf "$work/tarball-tmp"
fi
debootstrap --variant=minbase --unpack-tarball="$work/minbase-debs.tgz" bookworm "$root" "$mirror" >>"$logs/debootstrap.log" 2>&1 \
  || { tail -20 "$logs/debootstrap.log"; exit 1; }
git clone -q --no-local "$repo" "$root/root/berth"
git -C "$root/root/berth" checkout -q "$commit"

unshare --mount --propagation private "$0" --inner "$root" "$logs" "$only"
