#!/usr/bin/env bash
# The main job: berthd in a sandbox network namespace (with its own mount namespace, data and
# exec roots), then the notes' networking walkthrough with the berth CLI, as far as Berth goes
# today. Nothing touches the machine's own network; everything is removed at the end.
set -euo pipefail
BIN=${BERTH_BIN_DIR:-$(swift build --show-bin-path)}
TAG=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
NS=berth-demo-$TAG
ROOT=/tmp/berth-demo-$TAG
SOCK=$ROOT/berth.sock
export BERTH_HOST=unix://$SOCK
PID=""

cleanup() {
  python3 "$(dirname "$0")/remove-all-containers.py" "$SOCK"
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$ROOT"
}
trap cleanup EXIT

start_daemon() {
  "$(dirname "$0")/in-sandbox.sh" "$NS" "$BIN/berthd" -H "unix://$SOCK" --data-root "$ROOT/data" --exec-root "$ROOT/exec" >>"$ROOT/berthd.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do [ -S "$SOCK" ] && "$BIN/berth" version >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "berthd did not start:"; cat "$ROOT/berthd.log"; exit 1
}

# Echo a command as one would type it: arguments with spaces or shell characters in single quotes.
if [ -t 1 ]; then B=$'\033[1m'; N=$'\033[0m'; else B=""; N=""; fi
quote() { case "$1" in *[[:space:]\'\"\$\{\}\|\&\;\<\>\(\)\*\?]*) printf "'%s'" "${1//\'/\'\\\'\'}";; *) printf '%s' "$1";; esac; }
step() { local out="" a; for a in "$@"; do out+="$(quote "$a") "; done; printf '\n%s$ %s%s\n' "$B" "${out% }" "$N"; }
run() { step "$@"; set +e; "$@"; local rc=$?; set -e; [ $rc -ne 0 ] && echo "[exit status $rc]"; return 0; }
berth() { "$BIN/berth" "$@"; }

mkdir -p "$ROOT"
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
echo "berthd runs in network namespace $NS; state in $ROOT; socket $BERTH_HOST"
start_daemon

echo; echo "== The default networks (notes: 'docker network ls') =="
run berth network ls
run berth network inspect bridge

echo; echo "== A user-defined bridge network (notes: 'docker network create --driver bridge alpine-net') =="
run berth network create --driver bridge alpine-net
run berth network ls
run berth network inspect alpine-net
printf '\n%s$ ip -br addr%s   # inside the daemon namespace: the Linux bridges Berth made\n' "$B" "$N"
ip netns exec "$NS" ip -br addr

echo; echo "== What a new user gets wrong, and what Berth says =="
run berth network create alpine-net
run berth network create --subnet 172.18.0.0/24 overlap-net
run berth network create --subnet 300.1.1.0/24 bad-net
run berth network create --subnet 10.1.0.0/16 --gateway 10.2.0.1 bad-gw
run berth network rm bridge
run berth network inspect doesnotexist

echo; echo "== Explicit IPAM, filters and formats =="
run berth network create --subnet 10.20.0.0/24 --ip-range 10.20.0.128/25 --gateway 10.20.0.254 --label tier=db db-net
run berth network ls --filter label=tier=db
run berth network ls --format '{{.Name}}: {{.Driver}}'
run berth network inspect -f '{{range .IPAM.Config}}{{.Subnet}} via {{.Gateway}}{{end}}' db-net

echo; echo "== berthd restarts: networks keep their ids and subnets =="
printf '\n%s$ kill -TERM <berthd>; berthd ...%s\n' "$B" "$N"
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
start_daemon
run berth network ls

DOCKER=""
for c in /usr/local/bin/docker /usr/bin/docker; do [ -x "$c" ] && DOCKER=$c && break; done
if [ -n "$DOCKER" ] && [ -x /bin/busybox ]; then
  docker() { "$DOCKER" -H "$BERTH_HOST" "$@"; }
  echo; echo "== Containers, with the real docker CLI against berthd =="
  echo "No registry is reachable here, so alpine:latest is a stand-in: a busybox-static root filesystem"
  echo "imported with 'docker import' and tagged alpine, which has the ash, ip and ping the notes use."
  "$(dirname "$0")/busybox-rootfs.sh" "$ROOT" "$ROOT/busybox.tar"
  run docker import --change 'CMD ["sh"]' "$ROOT/busybox.tar" busybox:latest
  run docker tag busybox:latest alpine:latest

  echo; echo "-- The default bridge network (notes: 'Use the default bridge network') --"
  run docker run -dit --name alpine1 alpine ash
  run docker run -dit --name alpine2 alpine ash
  run docker container ls
  run docker network inspect bridge
  run docker exec alpine1 ip addr show
  run docker exec alpine1 ping -c 2 172.17.0.3
  run docker container stop -t 1 alpine1 alpine2
  run docker container rm alpine1 alpine2

  echo; echo "-- A user-defined bridge (notes: 'Use user-defined bridge networks') --"
  run docker run -dit --name alpine1 --network alpine-net alpine ash
  run docker run -dit --name alpine2 --network alpine-net alpine ash
  run docker run -dit --name alpine3 alpine ash
  run docker run -dit --name alpine4 --network alpine-net alpine ash
  run docker network connect bridge alpine4
  run docker container ls
  run docker network inspect -f '{{range .Containers}}{{.Name}} {{.IPv4Address}} {{.MacAddress}}{{"\n"}}{{end}}' alpine-net
  run docker network inspect -f '{{range .Containers}}{{.Name}} {{.IPv4Address}} {{.MacAddress}}{{"\n"}}{{end}}' bridge
  run docker exec alpine1 ping -c 2 172.18.0.3
  echo "(alpine3 is on another bridge: by IP it is unreachable from alpine1)"
  run docker exec alpine1 ping -c 1 -w 2 172.17.0.2
  run docker exec alpine4 ip route
  run docker exec alpine4 ping -c 1 172.17.0.2
  echo "(name resolution, 'ping alpine2', arrives with the embedded DNS server: next issue)"

  echo; echo "-- berthd is killed; the containers keep running and a new berthd adopts them --"
  printf '\n%s$ kill -KILL <berthd>; berthd ...%s\n' "$B" "$N"
  kill -KILL "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  start_daemon
  run docker ps
  run docker exec alpine1 ping -c 1 172.18.0.4
  run docker rm -f alpine1 alpine2 alpine3 alpine4
fi

echo; echo "== Clean up =="
run berth network rm alpine-net db-net
run berth network prune -f
run berth network ls
echo; echo "demo finished; removing namespace $NS and $ROOT"
