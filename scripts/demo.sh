#!/usr/bin/env bash
# The main job: berthd in a sandbox network namespace (with its own mount namespace, data and
# exec roots), then the notes' networking walkthrough with the berth CLI and the docker CLI:
# networks, containers, names, published ports. Nothing touches the machine's own network; everything is removed at the end.
set -euo pipefail
BIN=${BERTH_BIN_DIR:-$(swift build --show-bin-path)}
TAG=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
NS=berth-demo-$TAG
OUT=berth-out-$TAG        # an "outside" host: a namespace of ours joined to the daemon's by a veth pair
ROOT=/tmp/berth-demo-$TAG
SOCK=$ROOT/berth.sock
export BERTH_HOST=unix://$SOCK
PID=""

cleanup() {
  python3 "$(dirname "$0")/remove-all-containers.py" "$SOCK"
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  [ -n "${WEBSRV:-}" ] && kill "$WEBSRV" 2>/dev/null
  ip netns del "$NS" 2>/dev/null || true
  ip netns del "$OUT" 2>/dev/null || true
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
  echo "(on alpine-net the embedded DNS server at 127.0.0.11 resolves container names)"
  run docker exec alpine1 cat /etc/resolv.conf
  run docker exec alpine1 ping -c 2 alpine2
  run docker exec alpine1 ping -c 1 -w 2 alpine3
  run docker exec alpine4 ping -c 1 alpine1
  run docker exec alpine4 ping -c 1 -w 2 alpine3

  echo; echo "-- Publishing a port (notes: 'Port Mapping', docker port) --"
  echo "An outside host for the demo: namespace $OUT, 10.99.0.2, joined to berthd's namespace (10.99.0.1)."
  ip netns add "$OUT"; ip -n "$OUT" link set lo up
  ip link add bd-"$TAG" netns "$NS" type veth peer name bo-"$TAG" netns "$OUT"
  ip -n "$NS" addr add 10.99.0.1/24 dev bd-"$TAG"; ip -n "$NS" link set bd-"$TAG" up
  ip -n "$OUT" addr add 10.99.0.2/24 dev bo-"$TAG"; ip -n "$OUT" link set bo-"$TAG" up
  run docker run -d -p 8080:80 --name web busybox sh -c 'mkdir -p /www && echo "hello from web" > /www/index.html && exec httpd -f -p 80 -h /www'
  sleep 0.5
  run docker ps
  run docker port web
  run docker port web 80
  run docker port web 80/tcp
  run docker port web 80/udp
  run docker inspect -f '{{json .NetworkSettings.Ports}}' web
  printf '\n%s$ curl http://10.99.0.1:8080/%s   # from the outside namespace\n' "$B" "$N"
  ip netns exec "$OUT" curl -s -m 3 http://10.99.0.1:8080/ || echo "[failed]"
  printf '\n%s$ curl http://127.0.0.1:8080/%s   # from the host (berthd'"'"'s namespace): no docker-proxy, NAT in the kernel\n' "$B" "$N"
  ip netns exec "$NS" curl -s -m 3 http://127.0.0.1:8080/ || echo "[failed]"
  echo "(from a container on another network, through the host's address)"
  run docker exec alpine1 sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 3 10.99.0.1 8080 | tail -1'
  run docker run -d --name e3 -p 8080:80 busybox sleep 100
  printf '\n%s$ nft list table inet berth%s   # inside the daemon namespace: fixed rules, sets and maps\n' "$B" "$N"
  ip netns exec "$NS" nft list table inet berth
  echo; echo "(masquerading: a container reaches the outside host, which sees berthd's address there)"
  ip netns exec "$OUT" python3 -c 'import socket
t=socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind(("0.0.0.0", 7000)); t.listen(4)
while True:
    c, p = t.accept(); c.sendall(("you are " + p[0] + "\n").encode()); c.close()' &
  WEBSRV=$!
  sleep 0.5
  run docker exec alpine1 nc -w 3 10.99.0.2 7000

  echo; echo "-- berthd is killed; the containers keep running and a new berthd adopts them --"
  printf '\n%s$ kill -KILL <berthd>; berthd ...%s\n' "$B" "$N"
  kill -KILL "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  start_daemon
  run docker ps
  run docker exec alpine1 ping -c 1 alpine4
  echo "(the published port survived: berthd rebuilt its table from its store)"
  ip netns exec "$OUT" curl -s -m 3 http://10.99.0.1:8080/ || echo "[failed]"

  echo; echo "-- A macvlan network (notes: 'macvlan: assign a MAC address to a container, making it appear as a physical device') --"
  echo "The parent is berthd's end of the veth to the outside host: containers appear on that \"LAN\" with MACs of their own."
  echo "-o berth.host_shim=true (beyond dockerd) also lets the host itself reach them, which the kernel otherwise forbids."
  run docker network create -d macvlan --subnet 10.99.0.0/24 --gateway 10.99.0.2 --ip-range 10.99.0.128/25 \
    -o parent=bd-"$TAG" -o berth.host_shim=true lan
  run docker run -d --name lanweb --network lan busybox sh -c 'mkdir -p /www && echo "hello from the LAN" > /www/index.html && exec httpd -f -p 80 -h /www'
  sleep 0.5
  run docker exec lanweb ip addr show eth0
  printf '\n%s$ curl http://10.99.0.128/%s   # from the outside host, straight to the container: no port published, no NAT\n' "$B" "$N"
  ip netns exec "$OUT" curl -s -m 3 http://10.99.0.128/ || echo "[failed]"
  printf '\n%s$ ip neigh show 10.99.0.128%s   # the outside host learned the container'"'"'s own MAC\n' "$B" "$N"
  ip netns exec "$OUT" ip neigh show 10.99.0.128
  echo "(the outside host sees the container's own address, not berthd's)"
  run docker exec lanweb nc -w 3 10.99.0.2 7000
  printf '\n%s$ curl http://10.99.0.128/%s   # from the host, through the shim Berth made\n' "$B" "$N"
  ip netns exec "$NS" curl -s -m 3 http://10.99.0.128/ || echo "[failed]"
  run docker rm -f lanweb
  run docker network rm lan

  run docker rm -f alpine1 alpine2 alpine3 alpine4 web e3
fi

echo; echo "== Clean up =="
run berth network rm alpine-net db-net
run berth network prune -f
run berth network ls
echo; echo "demo finished; removing namespace $NS and $ROOT"
