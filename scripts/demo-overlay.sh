#!/usr/bin/env bash
# The multi-host part of the demo: etcd and three berthd "hosts", each in a network namespace
# (and UTS name) of its own, joined by veths to a "LAN" bridge in another namespace. An overlay
# network made on host 1 is used on hosts 2 and 3; containers answer by name across hosts; host 3's
# berthd is killed and its names disappear from the others, then it comes back. Nothing touches
# the machine's own network; everything is removed at the end.
set -euo pipefail
BIN=${BERTH_BIN_DIR:-$(swift build --show-bin-path)}
TAG=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
LAN=berth-lan-$TAG
ROOT=/tmp/berth-overlay-demo-$TAG
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/cluster-lan.sh"
ETCD_PID=""
declare -A PIDS=()

DOCKER=""
for c in /usr/local/bin/docker /usr/bin/docker; do [ -x "$c" ] && DOCKER=$c && break; done
if [ -z "$DOCKER" ] || [ ! -x /usr/bin/etcd ] || [ ! -x /bin/busybox ]; then
  echo "multi-host demo skipped: it needs the docker CLI, etcd (etcd-server) and busybox-static (scripts/install-deps.sh test)"
  exit 0
fi

sock() { echo "$ROOT/h$1/berth.sock"; }
cleanup() {
  for i in 1 2 3; do [ -S "$(sock $i)" ] && python3 "$HERE/remove-all-containers.py" "$(sock $i)" || true; done
  for i in "${!PIDS[@]}"; do kill "${PIDS[$i]}" 2>/dev/null && wait "${PIDS[$i]}" 2>/dev/null || true; done
  [ -n "$ETCD_PID" ] && kill "$ETCD_PID" 2>/dev/null && wait "$ETCD_PID" 2>/dev/null || true
  for i in 1 2 3; do ip netns del "berth-h$i-$TAG" 2>/dev/null || true; done
  ip netns del "$LAN" 2>/dev/null || true
  rm -rf "$ROOT"
}
trap cleanup EXIT

if [ -t 1 ]; then B=$'\033[1m'; N=$'\033[0m'; else B=""; N=""; fi
quote() { case "$1" in *[[:space:]\'\"\$\{\}\|\&\;\<\>\(\)\*\?]*) printf "'%s'" "${1//\'/\'\\\'\'}";; *) printf '%s' "$1";; esac; }
# `on I docker ARGS`: the docker CLI against host I's berthd, echoed as typed there.
on() {
  local i=$1; shift; local out="" a
  for a in "$@"; do out+="$(quote "$a") "; done
  printf '\n%shost%s$ %s%s\n' "$B" "$i" "${out% }" "$N"
  set +e; "$DOCKER" -H "unix://$(sock "$i")" "${@:2}"; local rc=$?; set -e
  [ $rc -ne 0 ] && echo "[exit status $rc]"; return 0
}
quiet() { local i=$1; shift; "$DOCKER" -H "unix://$(sock "$i")" "$@"; }

start_host() {
  local i=$1 ns=berth-h$1-$TAG
  # A UTS namespace of its own so each host has its own name (network inspect's Peers show it).
  unshare --uts bash -c "echo host$i >/proc/sys/kernel/hostname && exec \"$HERE/in-sandbox.sh\" $ns \"$BIN/berthd\" -H unix://$(sock "$i") \
    --data-root $ROOT/h$i/data --exec-root $ROOT/h$i/exec --cluster-store etcd://10.98.0.1:2379 --cluster-advertise 10.98.0.1$i" \
    >>"$ROOT/h$i/berthd.log" 2>&1 &
  PIDS[$i]=$!
  for _ in $(seq 1 100); do [ -S "$(sock "$i")" ] && quiet "$i" version >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "berthd on host $i did not start:"; cat "$ROOT/h$i/berthd.log"; exit 1
}

echo; echo "== Multi-host overlay networks on etcd (notes: 'overlay: connect multiple Docker daemons together') =="
echo "Docker did this without swarm through --cluster-store until 23.0; Berth does it again, on etcd's v3 API."
mkdir -p "$ROOT"
lan_up "$LAN" "$ROOT"
echo "etcd runs in namespace $LAN at 10.98.0.1:2379; hosts 1-3 are at 10.98.0.11-13 on its LAN bridge"
"$HERE/busybox-rootfs.sh" "$ROOT" "$ROOT/busybox.tar" >/dev/null
for i in 1 2 3; do
  ns=berth-h$i-$TAG
  mkdir -p "$ROOT/h$i"
  lan_host "$LAN" "$ns" "lh$i-$TAG" "lp$i-$TAG" "10.98.0.1$i"
  start_host "$i"
  quiet "$i" import --change 'CMD ["sh"]' "$ROOT/busybox.tar" alpine:latest >/dev/null
done
printf '\n%s$ berthd --cluster-store etcd://10.98.0.1:2379 --cluster-advertise 10.98.0.1N%s   # on each host\n' "$B" "$N"
printf '\n%shost1$ curl --unix-socket berth.sock http://berth/info%s   # the fields dockerd 20.10 had (newer CLIs no longer print them)\n' "$B" "$N"
curl -s --unix-socket "$(sock 1)" http://berth/info | python3 -c 'import json, sys; i = json.load(sys.stdin); print("ClusterStore:", i["ClusterStore"]); print("ClusterAdvertise:", i["ClusterAdvertise"])'

echo; echo "-- One network for all hosts: made on host 1, at once on the others, Scope global --"
on 1 docker network create -d overlay --attachable ovnet
on 3 docker network ls --filter driver=overlay

echo; echo "-- Containers on hosts 2 and 3 reach each other by name and alias, over VXLAN --"
on 2 docker run -d --name c2 --network ovnet alpine sleep 1000
on 3 docker run -d --name c3 --network ovnet --network-alias web alpine sleep 1000
on 2 docker exec c2 ping -c 2 c3
on 2 docker exec c2 nslookup web 127.0.0.11
on 3 docker exec c3 ping -c 1 c2
echo "(one address space for the whole cluster: each address is claimed in etcd by compare-and-create)"
on 1 docker network inspect -f '{{range .Containers}}{{.Name}} {{.IPv4Address}}{{println}}{{end}}{{range .Peers}}peer {{.Name}} {{.IP}}{{println}}{{end}}' ovnet
echo "(the way out: a second endpoint on docker_gwbridge, dockerd's layout, so egress and -p work)"
on 3 docker exec c3 ip route

echo; echo "-- Host 3's berthd is killed: the others forget its containers when its 10 s lease runs out --"
printf '\n%shost3$ kill -KILL <berthd>%s\n' "$B" "$N"
kill -KILL "${PIDS[3]}"; wait "${PIDS[3]}" 2>/dev/null || true; unset 'PIDS[3]'
start=$(date +%s.%N)
for _ in $(seq 1 200); do quiet 2 exec c2 nslookup c3 127.0.0.11 >/dev/null 2>&1 || break; sleep 0.1; done
printf '(c3 gone from host 2'"'"'s DNS after %.1f s; in bench/overlay.sh dockerd 20.10 still answered after 60 s)\n' \
  "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')"
on 2 docker exec c2 ping -c 1 -W 1 c3

echo; echo "-- It comes back (its container never stopped): re-published, reachable again, same address --"
printf '\n%shost3$ berthd ...%s\n' "$B" "$N"
start_host 3
for _ in $(seq 1 50); do quiet 2 exec c2 ping -c 1 -W 1 c3 >/dev/null 2>&1 && break; sleep 0.1; done
on 2 docker exec c2 ping -c 1 c3

echo; echo "-- Clean up: containers on every host, then the network from any host --"
on 2 docker rm -f c2
on 3 docker rm -f c3
on 3 docker network rm ovnet
on 1 docker network ls --filter driver=overlay
echo; echo "multi-host demo finished; removing the hosts, etcd and $ROOT"
