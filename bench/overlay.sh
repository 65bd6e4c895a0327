#!/usr/bin/env bash
# Multi-host overlay networks, Berth against dockerd 20.10's classic overlay (--cluster-store),
# each on a three-host rig on one etcd (issue 15): network create on host 1 → usable on host 3,
# run on host 2 → pinged by name from host 1, connect + disconnect, ping RTT and iperf3 across
# hosts, etcd requests per container start, and how long the others keep the name of a container
# whose host's daemon was SIGKILLed. Prints a markdown section with ratios; see bench/README.md.
#   usage: bench/overlay.sh [--quick] [--only berth]   (root; BERTH_BIN_DIR = release build products)
#
# Layout, all inside namespaces this script creates (nothing of the machine's network is touched):
#   netns $LAN      : bridge lan0 10.98.0.1/24 and etcd 3.4 (v3, and v2 for dockerd's libkv) on it.
#   netns $NS-bI    : Berth host I (10.98.0.1I), berthd --cluster-store etcd://10.98.0.1:2379.
#   netns $NS-dI    : dockerd host I (10.98.0.2I), --cluster-store etcd://10.98.0.1:2379, as
#                     bench/lib.sh starts a peer dockerd; hosts are joined to lan0 by veths.
# Every daemon runs in a UTS namespace of its own (dockerd's serf needs distinct node names).
# The engines run one after the other (Berth first), each alone on the machine's two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BERTH_BIN_DIR:-$(swift build -c release --show-bin-path)}
source bench/lib.sh
source scripts/cluster-lan.sh
bench_args overlay.sh "$@"
REPS=5; IPERF_T=5; FORGET_CAP=60
[ -n "$QUICK" ] && { REPS=3; IPERF_T=2; FORGET_CAP=30; }

TAG=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
LAN=berth-ovl-$TAG; NS=berth-ov-$TAG; ROOT=/tmp/berth-overlay-$TAG
CGPARENT=berth-overlay-$TAG; MADE_DIRS=""; ETCD=""
declare -A PIDS=()
log() { echo "overlay: $*" >&2; }

cleanup() {
  set +e
  for s in "$ROOT"/*/*.sock; do [ -S "$s" ] && timeout 120 python3 scripts/remove-all-containers.py "$s"; done
  for k in "${!PIDS[@]}"; do kill "${PIDS[$k]}" 2>/dev/null; done
  for k in "${!PIDS[@]}"; do wait "${PIDS[$k]}" 2>/dev/null; done
  [ -n "$ETCD" ] && kill "$ETCD" 2>/dev/null && wait "$ETCD" 2>/dev/null
  for e in b d; do for i in 1 2 3; do reap_namespaces "$NS-$e$i"; done; done
  reap_namespaces "$LAN"
  for i in 1 2 3; do dockerd_peer_cleanup "$CGPARENT-$i"; done
  rm -rf "$ROOT"
}
trap cleanup EXIT
mkdir -p "$ROOT"

lan_up "$LAN" "$ROOT" --enable-v2=true
ETCD=$ETCD_PID
scripts/busybox-rootfs.sh "$ROOT" "$ROOT/busybox.tar" >/dev/null

# host E I ADDRESS: its namespace, joined to the LAN.
host() {
  mkdir -p "$ROOT/$1$2"
  lan_host "$LAN" "$NS-$1$2" "l$1$2-$TAG" "p$1$2-$TAG" "$3"
}

wait_api() {
  for _ in $(seq 1 240); do "$DOCKER" -H "unix://$1" version >/dev/null 2>&1 && return 0; sleep 0.25; done
  log "no daemon at $1"; return 1
}
DOCKER=""
for c in /usr/local/bin/docker /usr/bin/docker; do [ -x "$c" ] && DOCKER=$c && break; done

echo "### Multi-host overlay on etcd: three hosts, Berth against dockerd 20.10 classic overlay"
echo
start_berth() {
  local i=$1 sock=$ROOT/b$1/berth.sock
  unshare --uts bash -c "echo berth-h$i >/proc/sys/kernel/hostname && exec scripts/in-sandbox.sh $NS-b$i $BIN/berthd -H unix://$sock \
    --data-root $ROOT/b$i/data --exec-root $ROOT/b$i/exec --dns 10.98.0.1$i \
    --cluster-store etcd://10.98.0.1:2379 --cluster-advertise 10.98.0.1$i" >>"$ROOT/b$i/berthd.log" 2>&1 &
  PIDS[b$i]=$!
  wait_api "$sock"
}
start_docker() {
  local i=$1 sock=$ROOT/d$1/docker.sock
  mkdir -p "$ROOT/d$i/docker-tmp"
  TMPDIR=$ROOT/d$i/docker-tmp unshare --uts /bin/sh -c "echo docker-h$i >/proc/sys/kernel/hostname && exec scripts/in-sandbox.sh $NS-d$i /bin/sh -c '
    mount -t tmpfs -o mode=755 ovl-etc-docker /etc/docker && mount -t tmpfs -o mode=711 ovl-containerd /run/containerd &&
    exec /usr/sbin/dockerd -H unix://$sock --data-root $ROOT/d$i/docker-data --exec-root $ROOT/d$i/docker-exec \
      --pidfile $ROOT/d$i/dockerd.pid --cgroup-parent /$CGPARENT-$i --dns 10.98.0.2$i \
      --cluster-store etcd://10.98.0.1:2379 --cluster-advertise 10.98.0.2$i:2376'" >>"$ROOT/d$i/dockerd.log" 2>&1 &
  PIDS[d$i]=$!
  wait_api "$sock"
}
# stop_engine E SOCKNAME: host 3's daemon (killed by the measurement) started again so that every
# host's containers are removed through their own daemon (they outlive it), then all three stopped.
stop_engine() {
  local e=$1 i
  { wait "${PIDS[${e}3]}"; } 2>/dev/null || true
  if [ "$e" = b ]; then start_berth 3; else start_docker 3; fi
  for i in 1 2 3; do
    timeout 120 python3 scripts/remove-all-containers.py "$ROOT/$e$i/$2"
    kill "${PIDS[$e$i]}" 2>/dev/null; wait "${PIDS[$e$i]}" 2>/dev/null || true; unset "PIDS[$e$i]"
  done
  for i in 1 2 3; do reap_namespaces "$NS-$e$i"; done
}

log "Berth: three berthd hosts"
for i in 1 2 3; do
  host b "$i" "10.98.0.1$i"
  start_berth "$i"
  "$DOCKER" -H "unix://$ROOT/b$i/berth.sock" import --change 'CMD ["sh"]' "$ROOT/busybox.tar" alpine:latest >/dev/null
done
python3 bench/overlay_bench.py measure Berth "$ROOT/b1/berth.sock" "$ROOT/b2/berth.sock" "$ROOT/b3/berth.sock" "${PIDS[b3]}" \
  "$LAN" http://10.98.0.1:2379 v3 "$ROOT/berth.json" --reps "$REPS" --iperf-t "$IPERF_T" --forget-cap "$FORGET_CAP"
stop_engine b berth.sock
RESULTS=("$ROOT/berth.json")

if [ -z "$ONLY" ]; then
  log "dockerd 20.10: three hosts"
  for d in /etc/docker /run/containerd; do [ -d "$d" ] || { mkdir "$d"; MADE_DIRS+=" $d"; }; done
  for i in 1 2 3; do
    host d "$i" "10.98.0.2$i"
    start_docker "$i"
    "$DOCKER" -H "unix://$ROOT/d$i/docker.sock" import --change 'CMD ["sh"]' "$ROOT/busybox.tar" alpine:latest >/dev/null
  done
  sleep 3   # serf: the hosts find each other through the store
  python3 bench/overlay_bench.py measure "dockerd 20.10" "$ROOT/d1/docker.sock" "$ROOT/d2/docker.sock" "$ROOT/d3/docker.sock" "${PIDS[d3]}" \
    "$LAN" http://10.98.0.1:2379 v2 "$ROOT/docker.json" --reps "$REPS" --iperf-t "$IPERF_T" --forget-cap "$FORGET_CAP"
  stop_engine d docker.sock
  RESULTS+=("$ROOT/docker.json")
fi
python3 bench/overlay_bench.py report "${RESULTS[@]}"
[ -n "${BENCH_OVERLAY_KEEP:-}" ] && cp "${RESULTS[@]}" "$BENCH_OVERLAY_KEEP"/
echo
echo "etcd 3.4.23 in its own namespace; Berth speaks its v3 API through the JSON gateway (lease keep-alives every"
echo "third of a 10 s TTL per host, two leases), dockerd 20.10 its v2 API through libkv plus serf gossip between hosts."
echo "A dockerd host that dies leaves its endpoints in etcd until it returns; Berth's leave with its lease."
