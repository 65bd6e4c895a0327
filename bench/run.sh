#!/usr/bin/env bash
# Berth benchmarks: in-process micro-benchmarks, then API latency against a release-build berthd
# in a sandbox network namespace. Figures go to bench/results/latest.md and stdout.
#   usage: bench/run.sh [--quick] [--only berth]
# Ends with the side-by-side runs, each with its own namespaces and daemons: bench/dns.sh (the
# embedded DNS against podman's aardvark-dns with dnsperf), bench/peers.sh (Engine API and
# docker CLI latency against dockerd 20.10 and podman 4.3, with ratios), bench/footprint.sh (ping
# RTT and iperf3 between two containers on one bridge; daemon memory and start time with 100
# containers on 10 networks) and bench/firewall.sh (the firewall against dockerd's iptables:
# connect latency and rule counts with up to 1000 networks, iperf3 through a published port) and
# bench/overlay.sh (three-host overlay networks on etcd against dockerd 20.10's classic overlay).
# --quick: fewer repetitions and shorter runs everywhere. --only berth: no peer is started (no
# dockerd, no podman); every section prints Berth's columns only. Both combine.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BERTH_BIN_DIR:-$(swift build -c release --show-bin-path)}
source bench/lib.sh
bench_args run.sh "$@"
PASS=(); [ -n "$QUICK" ] && PASS+=(--quick); [ -n "$ONLY" ] && PASS+=(--only "$ONLY")   # for the sub-scripts
REPS=30; [ -n "$QUICK" ] && REPS=10
TAG=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
NS=berth-bench-$TAG; ROOT=/tmp/berth-bench-$TAG; SOCK=$ROOT/berth.sock; PID=""
cleanup() { python3 scripts/remove-all-containers.py "$SOCK"; [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; ip netns del "$NS" 2>/dev/null; rm -rf "$ROOT"; }
trap cleanup EXIT
mkdir -p "$ROOT" bench/results
OUT=bench/results/latest.md
# Everything below goes to the screen and to $OUT; no pipeline subshell, so the EXIT trap
# sees the daemon's PID and always stops it.
exec > >(tee "$OUT")
echo "# Berth benchmark results"
echo
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) · kernel $(uname -r) · $(nproc) cores · release build"
echo
echo "## In-process (no root)"
echo
# google/swift-benchmark: each measurement repeated until it has run for --min-time seconds;
# the time column is per iteration, ± the standard deviation.
MICRO=(--quiet --time-unit us); [ -n "$QUICK" ] && MICRO+=(--min-time 0.2)
echo '```'
"$BIN/berth-microbench" "${MICRO[@]}"
echo '```'
echo
echo "## Engine API latency (one keep-alive connection, $REPS runs after warm-up)"
echo
ip netns add "$NS"; ip netns exec "$NS" ip link set lo up
scripts/in-sandbox.sh "$NS" "$BIN/berthd" -D -H "unix://$SOCK" --data-root "$ROOT/data" --exec-root "$ROOT/exec" >"$ROOT/berthd.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
echo "| operation | median | min | max |"
echo "|---|---|---|---|"
# A busybox-static root filesystem stands in for alpine (no registry here).
scripts/busybox-rootfs.sh "$ROOT" "$ROOT/busybox.tar"
python3 bench/api_latency.py "$SOCK" --reps "$REPS" --label berth --image-tar "$ROOT/busybox.tar"
echo
python3 bench/start_steps.py "$ROOT/berthd.log"
echo
echo "berthd resident memory after the run: $(awk '/VmRSS/ {print $2, $3}' /proc/$PID/status)"
echo
# Embedded DNS vs aardvark-dns: its own sandboxes, daemons and cleanup; progress on stderr.
BERTH_BIN_DIR="$BIN" bench/dns.sh "${PASS[@]}"
echo
# Engine API latency against dockerd 20.10 and podman 4.3: the same layout (own namespaces,
# daemons, cleanup).
BERTH_BIN_DIR="$BIN" bench/peers.sh "${PASS[@]}"
echo
# Container-to-container ping/iperf3, and memory with 100 containers: the same layout.
BERTH_BIN_DIR="$BIN" bench/footprint.sh "${PASS[@]}"
echo
# The firewall at scale and published-port throughput against dockerd 20.10: the same layout.
BERTH_BIN_DIR="$BIN" bench/firewall.sh "${PASS[@]}"
echo
BERTH_BIN_DIR="$BIN" bench/overlay.sh "${PASS[@]}"
