# Podman 4.3 (netavark, aardvark-dns) as a side-by-side peer serving the Docker-compatible API,
# for bench/peers.sh and bench/footprint.sh. Source it (bash); it defines functions only.
#
#   podman_peer_available                 true when podman, netavark, aardvark-dns and conmon exist
#   podman_peer_start NS DIR DNS          start it: network namespace NS (made here), all state in
#                                         DIR, containers' DNS server DNS; sets PODMAN_SOCK,
#                                         PODMAN_SVC (the `podman system service` pid) and PODMAN_HOLD
#   pp ARGS...                            the podman CLI on that state, in those namespaces
#   podman_peer_stop                      remove containers and networks, stop the service, end
#                                         anything left in NS by pid, delete NS (idempotent)
#
# Layout and isolation, as bench/dns.sh runs podman: the network namespace NS has only lo. A
# process holding a private mount namespace (`unshare --mount --propagation private`, entered with
# nsenter, not `ip netns exec`, whose /sys remount hides the cgroup mounts runc needs) has tmpfs over
# /run/containers (netavark's state, aardvark's config) and /var/lib/containers (podman's blob
# cache), which podman writes whatever --root says, and a resolv.conf naming DNS bind-mounted over
# /etc/resolv.conf (aardvark-dns takes its upstreams from there; podman copies it into containers on
# the default network). Everything else (storage, run root, tmp, network configs, events, the API
# socket) is under DIR. containers.conf caps the containers' rlimits (these machines lack
# CAP_SYS_RESOURCE; see ../shared/peers/). The API is `podman system service --time=0` on a unix
# socket in DIR, run in the same namespaces, so the docker CLI and api_latency.py can talk to it.
# Podman runs containers under libpod_parent (cgroupfs); that cgroup is removed at stop only when
# this run made it and it is empty, so another podman on the machine is never disturbed.

podman_peer_available() {
  command -v podman >/dev/null && [ -x /usr/lib/podman/netavark ] && [ -x /usr/lib/podman/aardvark-dns ] &&
    command -v conmon >/dev/null && command -v unshare >/dev/null && command -v nsenter >/dev/null
}

PODMAN_NS=""; PODMAN_DIR=""; PODMAN_HOLD=""; PODMAN_SVC=""; PODMAN_SOCK=""
PODMAN_MADE_DIRS=""; PODMAN_MADE_CG=""; PODMAN_FLAGS=""

# the podman CLI inside the held namespaces; conmon's "failed to connect to syslog" is noise here
pp() {
  timeout 120 nsenter -t "$PODMAN_HOLD" -m -n podman $PODMAN_FLAGS "$@" \
    2> >(grep -v 'failed to connect to syslog' >&2)
}

podman_peer_start() {  # NS DIR DNS
  PODMAN_NS=$1; PODMAN_DIR=$2; local dns=$3 d
  local pr=$PODMAN_DIR
  PODMAN_SOCK=$pr/podman.sock
  PODMAN_FLAGS="--root $pr/root --runroot $pr/run --tmpdir $pr/tmp --network-config-dir $pr/networks --storage-driver overlay --network-backend netavark --cgroup-manager cgroupfs --events-backend file"
  mkdir -p "$pr/tmp" "$pr/networks"
  cat > "$pr/containers.conf" <<EOF
[containers]
log_driver = "k8s-file"
netns = "bridge"
dns_servers = ["$dns"]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$pr/run/events.log"
tmp_dir = "$pr/tmp"
runtime = "runc"
helper_binaries_dir = ["/usr/lib/podman"]
[network]
network_backend = "netavark"
network_config_dir = "$pr/networks"
EOF
  printf '[storage]\ndriver = "overlay"\nrunroot = "%s/run"\ngraphroot = "%s/root"\n' "$pr" "$pr" > "$pr/storage.conf"
  export CONTAINERS_CONF=$pr/containers.conf CONTAINERS_STORAGE_CONF=$pr/storage.conf
  echo "nameserver $dns" > "$pr/resolv.conf"
  ip netns add "$PODMAN_NS"; ip -n "$PODMAN_NS" link set lo up
  # mount points for the tmpfs covers, made only if missing (removed again at stop)
  for d in /run/containers /var/lib/containers; do [ -d "$d" ] || { mkdir "$d"; PODMAN_MADE_DIRS+=" $d"; }; done
  [ -d /sys/fs/cgroup/memory/libpod_parent ] || [ -d /sys/fs/cgroup/unified/libpod_parent ] || PODMAN_MADE_CG=1
  nsenter --net="/run/netns/$PODMAN_NS" unshare --mount --propagation private -- /bin/sh -c \
    'mount --bind "$1" /etc/resolv.conf && mount -t tmpfs -o mode=755 bench-netavark /run/containers &&
     mount -t tmpfs -o mode=700 bench-podman-cache /var/lib/containers && exec sleep 1000000' \
    hold "$pr/resolv.conf" &
  PODMAN_HOLD=$!
  for _ in $(seq 1 50); do nsenter -t "$PODMAN_HOLD" -m grep -q "$dns" /etc/resolv.conf 2>/dev/null && break; sleep 0.1; done
  nsenter -t "$PODMAN_HOLD" -m grep -q "$dns" /etc/resolv.conf || return 1
  # The API service: exec'd by nsenter, so $! is the service's own pid.
  nsenter -t "$PODMAN_HOLD" -m -n podman $PODMAN_FLAGS system service --time=0 "unix://$PODMAN_SOCK" \
    >"$pr/service.log" 2>&1 &
  PODMAN_SVC=$!
  for _ in $(seq 1 100); do
    [ -S "$PODMAN_SOCK" ] && python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"GET /_ping HTTP/1.0\r\n\r\n"); sys.exit(0 if b"200" in s.recv(100) else 1)' "$PODMAN_SOCK" 2>/dev/null && return 0
    sleep 0.1
  done
  tail -20 "$pr/service.log" >&2
  return 1
}

podman_peer_stop() {
  [ -n "$PODMAN_NS" ] || return 0
  local in="" t pids p sig ap
  for t in $PODMAN_HOLD; do kill -0 "$t" 2>/dev/null && in=$t; done
  if [ -n "$in" ]; then
    timeout 180 nsenter -t "$in" -m -n podman $PODMAN_FLAGS rm -f -t 0 -a >/dev/null 2>&1
    timeout 60 nsenter -t "$in" -m -n podman $PODMAN_FLAGS network prune -f >/dev/null 2>&1
    # aardvark-dns exits with its last network; make sure (its pid file is in the private tmpfs)
    ap=$(nsenter -t "$in" -m cat /run/containers/networks/aardvark-dns/aardvark.pid 2>/dev/null)
    [ -n "$ap" ] && kill "$ap" 2>/dev/null
  fi
  [ -n "$PODMAN_SVC" ] && kill "$PODMAN_SVC" 2>/dev/null && wait "$PODMAN_SVC" 2>/dev/null
  # podman's overlay mounts live in the held mount namespace: they go with it
  [ -n "$PODMAN_HOLD" ] && kill "$PODMAN_HOLD" 2>/dev/null && wait "$PODMAN_HOLD" 2>/dev/null
  if ip netns list | grep -qw "^$PODMAN_NS"; then
    for sig in TERM KILL; do     # anything left in the namespace was started by us (conmon, sleep)
      pids=$(ip netns pids "$PODMAN_NS" 2>/dev/null)
      [ -z "$pids" ] && break
      for p in $pids; do kill -"$sig" "$p" 2>/dev/null; done
      sleep 1
    done
    ip netns del "$PODMAN_NS" 2>/dev/null
  fi
  for d in $PODMAN_MADE_DIRS; do rmdir "$d" 2>/dev/null; done
  if [ -n "$PODMAN_MADE_CG" ]; then
    for c in /sys/fs/cgroup/*/libpod_parent; do
      [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
    done
  fi
  PODMAN_NS=""; PODMAN_HOLD=""; PODMAN_SVC=""
  return 0
}
