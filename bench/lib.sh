# Shared by the bench scripts (sourced): their flags, and dockerd as a peer in a namespace of its
# own: started, stopped, and everything it left removed. Podman's counterpart is podman_peer.sh.

# bench_args NAME ARGS...: reads `--quick` and `--only berth` into QUICK and ONLY.
bench_args() {
  local name=$1; shift
  QUICK=""; ONLY=""
  while [ $# -gt 0 ]; do
    case $1 in
      --quick) QUICK=1 ;;
      --only) ONLY=${2:-}; shift ;;
      --only=*) ONLY=${1#--only=} ;;
      *) echo "usage: bench/$name [--quick] [--only berth]" >&2; exit 2 ;;
    esac
    shift
  done
  [ -z "$ONLY" ] || [ "$ONLY" = berth ] || { echo "--only takes berth" >&2; exit 2; }
}

# dockerd_peer_start NS ROOT SOCKET CGPARENT LABEL [DOCKERD ARGS...]: dockerd 20.10 (with its managed
# containerd) in namespace NS, roots under ROOT, through scripts/in-sandbox.sh. In that private mount
# namespace tmpfs covers /etc/docker (dockerd writes key.json there) and /run/containerd
# (containerd's shim sockets), so nothing of the machine's is written; their mount points are made
# only if missing and recorded in MADE_DIRS for dockerd_peer_cleanup. TMPDIR: when its first dial of
# containerd races containerd's start, dockerd restarts it, and containerd writes a goroutine dump to
# $TMPDIR. Sets DPID (in-sandbox.sh and `ip netns exec` exec, so it is dockerd's own pid).
dockerd_peer_start() {
  local ns=$1 root=$2 sock=$3 cg=$4 label=$5; shift 5
  for d in /etc/docker /run/containerd; do [ -d "$d" ] || { mkdir "$d"; MADE_DIRS+=" $d"; }; done
  mkdir -p "$root/docker-tmp"
  TMPDIR=$root/docker-tmp scripts/in-sandbox.sh "$ns" /bin/sh -c "
    mount -t tmpfs -o mode=755 $label-etc-docker /etc/docker &&
    mount -t tmpfs -o mode=711 $label-containerd /run/containerd &&
    exec \"\$@\"" dockerd-wrap /usr/sbin/dockerd -H "unix://$sock" --data-root "$root/docker-data" \
    --exec-root "$root/docker-exec" --pidfile "$root/dockerd.pid" --cgroup-parent "/$cg" \
    "$@" >"$root/dockerd.log" 2>&1 &
  DPID=$!
}

# dockerd_peer_stop: SIGTERM (dockerd stops its managed containerd on the way out), up to 30 s, then SIGKILL.
dockerd_peer_stop() {
  [ -n "${DPID:-}" ] || return 0
  if kill -TERM "$DPID" 2>/dev/null; then
    for _ in $(seq 1 120); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$DPID" 2>/dev/null
    wait "$DPID" 2>/dev/null
  fi
  return 0
}

# reap_namespaces NS...: anything still in these namespaces was started by the script (containerd,
# shims, conmon, docker-proxy, iperf3): ended by pid, then the namespaces deleted (their links,
# bridges and rules go with them).
reap_namespaces() {
  local ns sig pids p
  for ns in "$@"; do
    ip netns list | grep -qw "^$ns" || continue
    for sig in TERM KILL; do
      pids=$(ip netns pids "$ns" 2>/dev/null)
      [ -z "$pids" ] && break
      log "leftover processes in $ns: $pids (SIG$sig)"
      for p in $pids; do kill -"$sig" "$p" 2>/dev/null; done
      sleep 1
    done
    ip netns del "$ns" 2>/dev/null
  done
  return 0
}

# dockerd_peer_cleanup CGPARENT: dockerd's cgroup parent (runc removed the containers' own cgroups
# under it; rmdir removes only empty directories, deepest first) and the mount points made for it.
dockerd_peer_cleanup() {
  local c d
  for c in /sys/fs/cgroup/*/"$1"; do
    [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  for d in ${MADE_DIRS:-}; do rmdir "$d" 2>/dev/null; done   # empty: dockerd wrote into the tmpfs over it
  return 0
}
