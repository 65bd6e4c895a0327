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

if [ -x /usr/local/bin/docker ] || command -v docker >/dev/null; then
  echo; echo "== The real docker CLI against berthd =="
  DOCKER=$(command -v /usr/local/bin/docker docker | head -1)
  run "$DOCKER" -H "$BERTH_HOST" network ls
fi

echo; echo "== Clean up =="
run berth network rm alpine-net db-net
run berth network prune -f
run berth network ls
echo; echo "demo finished; removing namespace $NS and $ROOT"
