#!/usr/bin/env bash
# Container-to-container network and daemon footprint, Berth against dockerd 20.10 and podman 4.3,
# side by side in one run with ratios (issue 6): (a) ping RTT and iperf3 throughput between two
# containers on one user bridge; (b) daemon resident memory with 100 containers on 10 networks
# (issue's goal: berthd's RSS under a third of dockerd's), and how long creating + starting those
# 100 containers took. Prints a markdown section; see bench/README.md.
#   usage: bench/footprint.sh [--quick] [--only berth]   (root; BERTH_BIN_DIR = release build products)
#   --only berth: no peers are started; the tables have Berth's column only.
#
# Layout, all inside namespaces this script creates (the machine's own network, nftables/iptables
# and interfaces are never touched; nothing leaves loopback or these namespaces):
#   netns $NSB : berthd (data and exec roots under $ROOT), started as bench/peers.sh starts it.
#   netns $NSD : dockerd 20.10 with its managed containerd (roots under $ROOT), as bench/peers.sh
#                starts it: scripts/in-sandbox.sh, tmpfs over /etc/docker and /run/containerd in its
#                private mount namespace, TMPDIR and --cgroup-parent of its own.
#   netns $NSP : podman 4.3 `system service` (state under $ROOT/podman), in a private mount
#                namespace with tmpfs covers, as bench/dns.sh runs podman: bench/podman_peer.sh.
# Containers have their own network namespaces on their engine's bridges inside those namespaces.
# ping (the host's busybox-static, the same binary the image holds) and iperf3 (the host's binary;
# busybox has none) run in the containers' network namespaces with `nsenter -t PID -n`; the iperf3
# servers are ended by their pid files at exit. The exit trap force-removes every container of every
# engine first (they outlive their daemons), stops the daemons, ends anything left in the
# namespaces by pid, deletes the namespaces, dockerd's cgroup parent and the roots.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BERTH_BIN_DIR:-$(swift build -c release --show-bin-path)}
. bench/podman_peer.sh

source bench/lib.sh
bench_args footprint.sh "$@"

# The same settings for every engine.
PING_COUNT=20; PING_INTERVAL=0.05; PING_ROUNDS=3   # busybox ping -c 20 -i 0.05, 3 interleaved rounds
IPERF_T=5; IPERF_ROUNDS=3                          # iperf3 -t 5 -O 1, 3 interleaved rounds
NETS=10; PER_NET=10                                # 100 containers on 10 user networks
SETTLE=2                                           # seconds after the last container starts
[ -n "$QUICK" ] && { PING_ROUNDS=1; IPERF_T=2; IPERF_ROUNDS=1; }   # the 100 containers stay: it is the point

TAG=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
NSB=berth-fpb-$TAG; NSD=berth-fpd-$TAG; NSP=berth-fpp-$TAG
ROOT=/tmp/berth-footprint-$TAG; BSOCK=$ROOT/berth.sock; DSOCK=$ROOT/docker.sock; PSOCK=$ROOT/podman/podman.sock
RES=$ROOT/results
CGPARENT=berth-footprint-$TAG                # dockerd's --cgroup-parent (cgroupfs), removed at exit
DNS=192.0.2.53                               # TEST-NET-1, no route there: no engine copies the host's resolvers
BPID=""; DPID=""; MADE_DIRS=""

# --- cleanup: iperf3 servers, containers (they outlive their daemons), daemons, namespaces, files -
cleanup() {
  set +e
  for f in "$ROOT"/iperf.*.pid; do
    [ -s "$f" ] && kill "$(tr -d '\0 \n' <"$f")" 2>/dev/null
  done
  timeout 300 python3 scripts/remove-all-containers.py "$BSOCK"
  timeout 300 python3 scripts/remove-all-containers.py "$DSOCK"
  podman_peer_stop          # its containers, networks, service, holder, namespace (bench/podman_peer.sh)
  [ -n "$BPID" ] && kill "$BPID" 2>/dev/null && wait "$BPID" 2>/dev/null
  dockerd_peer_stop
  reap_namespaces "$NSB" "$NSD"
  dockerd_peer_cleanup "$CGPARENT"
  [ -n "${BENCH_FOOTPRINT_KEEP_LOGS:-}" ] && mkdir -p "$BENCH_FOOTPRINT_KEEP_LOGS" && cp -r "$ROOT"/*.log "$RES" "$BENCH_FOOTPRINT_KEEP_LOGS"/
  rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[footprint.sh] $*" >&2; }   # progress goes to stderr; the report to stdout
die() { log "$*"; exit 1; }
mkdir -p "$RES"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

for t in python3 ip nsenter timeout busybox; do command -v "$t" >/dev/null || die "$t is missing"; done
DOCKER=""; for c in /usr/local/bin/docker /usr/bin/docker; do [ -x "$c" ] && DOCKER=$c && break; done
[ -n "$DOCKER" ] || die "no docker CLI (scripts/install-deps.sh bench)"
[ -x "$BIN/berthd" ] || die "no berthd in $BIN (build with swift build -c release)"
HAVE_IPERF=""; command -v iperf3 >/dev/null && HAVE_IPERF=1
dk() { timeout 120 "$DOCKER" -H "unix://$1" "${@:2}"; }   # dk SOCKET ARGS: the docker CLI, bounded

# The engines of this run: Berth always; each peer when installed and not --only berth.
ENGINES=(berth); SKIPPED=()
if [ "$ONLY" = berth ]; then
  SKIPPED+=("dockerd and podman: not started (--only berth)")
else
  if [ -x /usr/sbin/dockerd ] && command -v containerd >/dev/null; then ENGINES+=(dockerd)
  else SKIPPED+=("dockerd 20.10: not measured (dockerd or containerd not installed: \`apt-get install docker.io containerd\`, with \`exit 101\` in /usr/sbin/policy-rc.d first)"); fi
  if podman_peer_available; then ENGINES+=(podman)
  else SKIPPED+=("podman 4.3: not measured (podman, netavark, aardvark-dns or conmon not installed: scripts/install-deps.sh bench)"); fi
fi
has() { [[ " ${ENGINES[*]} " == *" $1 "* ]]; }
sock_of() { case $1 in berth) echo "$BSOCK" ;; dockerd) echo "$DSOCK" ;; podman) echo "$PSOCK" ;; esac; }
ns_of() { case $1 in berth) echo "$NSB" ;; dockerd) echo "$NSD" ;; podman) echo "$NSP" ;; esac; }

# --- the daemons (as bench/peers.sh starts them) -------------------------------------------------
log "engines: ${ENGINES[*]}; state in $ROOT"
ip netns add "$NSB"; ip netns exec "$NSB" ip link set lo up
scripts/in-sandbox.sh "$NSB" "$BIN/berthd" -H "unix://$BSOCK" --data-root "$ROOT/berth-data" \
  --exec-root "$ROOT/berth-exec" --dns "$DNS" >"$ROOT/berthd.log" 2>&1 &
BPID=$!
if has dockerd; then
  ip netns add "$NSD"; ip netns exec "$NSD" ip link set lo up
  dockerd_peer_start "$NSD" "$ROOT" "$DSOCK" "$CGPARENT" berth-footprint --dns "$DNS"
fi
if has podman; then
  podman_peer_start "$NSP" "$ROOT/podman" "$DNS" || die "podman system service did not start"
fi
for e in "${ENGINES[@]}"; do
  sock=$(sock_of "$e")
  for _ in $(seq 1 150); do [ -S "$sock" ] && dk "$sock" version >/dev/null 2>&1 && break; sleep 0.2; done
  dk "$sock" version >/dev/null 2>&1 || die "$e did not start (see its log under $ROOT)"
done
DVER=""; PVER=""
has dockerd && DVER=$(dk "$DSOCK" version -f '{{.Server.Version}}')
has podman && PVER=$(dk "$PSOCK" version -f '{{.Server.Version}}')

scripts/busybox-rootfs.sh "$ROOT" "$ROOT/busybox.tar"
for e in "${ENGINES[@]}"; do
  dk "$(sock_of "$e")" import --change 'CMD ["/bin/sh"]' "$ROOT/busybox.tar" alpine:latest >/dev/null
done

# Processes in an engine's namespace with their VmRSS; podman's mount-namespace holder (a `sleep`
# this script started) is left out. snapshot PHASE → $RES/procs.ENGINE.PHASE
snapshot() {
  for e in "${ENGINES[@]}"; do
    python3 bench/footprint_bench.py procs "$(ns_of "$e")" \
      | awk -v skip="${PODMAN_HOLD:-none}" '$1 != skip' >"$RES/procs.$e.$1"
  done
}
snapshot idle

# --- (a) two containers on one bridge: ping and iperf3 -------------------------------------------
declare -A APID=() BPIDC=() BIP=()
for e in "${ENGINES[@]}"; do
  sock=$(sock_of "$e")
  dk "$sock" network create fp-pair >/dev/null
  dk "$sock" run -d --name fp-a --network fp-pair alpine sleep 100000 >/dev/null
  dk "$sock" run -d --name fp-b --network fp-pair alpine sleep 100000 >/dev/null
  APID[$e]=$(dk "$sock" inspect -f '{{.State.Pid}}' fp-a)
  BPIDC[$e]=$(dk "$sock" inspect -f '{{.State.Pid}}' fp-b)
  BIP[$e]=$(dk "$sock" inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' fp-b)
  [ "${APID[$e]}" -gt 0 ] && [ "${BPIDC[$e]}" -gt 0 ] && [ -n "${BIP[$e]}" ] || die "$e: no pid or address for fp-a/fp-b"
  # warm-up: ARP and the first conntrack entry, untimed
  timeout 20 nsenter -t "${APID[$e]}" -n busybox ping -c 3 -i 0.05 -q "${BIP[$e]}" >/dev/null \
    || die "$e: fp-a cannot ping fp-b (${BIP[$e]})"
  log "$e: fp-a (pid ${APID[$e]}) → fp-b ${BIP[$e]}"
done
log "ping: $PING_ROUNDS round(s) × -c $PING_COUNT -i $PING_INTERVAL per engine"
order=("${ENGINES[@]}")
for r in $(seq 1 "$PING_ROUNDS"); do
  for e in "${order[@]}"; do
    timeout 60 nsenter -t "${APID[$e]}" -n busybox ping -c "$PING_COUNT" -i "$PING_INTERVAL" "${BIP[$e]}" \
      >"$RES/ping.$e.$r.txt" 2>&1 || log "$e: ping round $r exited non-zero"
  done
  order=("${order[@]:1}" "${order[0]}")
done
if [ -n "$HAVE_IPERF" ]; then
  for e in "${ENGINES[@]}"; do
    nsenter -t "${BPIDC[$e]}" -n iperf3 -s -p 5201 -D --pidfile "$ROOT/iperf.$e.pid" >/dev/null
    for _ in $(seq 1 50); do nsenter -t "${BPIDC[$e]}" -n ss -Hltn 'sport = :5201' | grep -q . && break; sleep 0.1; done
  done
  log "iperf3: $IPERF_ROUNDS round(s) × ${IPERF_T}s per engine"
  order=("${ENGINES[@]}")
  for r in $(seq 1 "$IPERF_ROUNDS"); do
    for e in "${order[@]}"; do
      timeout $((IPERF_T + 30)) nsenter -t "${APID[$e]}" -n iperf3 -c "${BIP[$e]}" -p 5201 -t "$IPERF_T" -O 1 -J \
        >"$RES/iperf.$e.$r.json" 2>/dev/null || log "$e: iperf3 round $r failed"
    done
    order=("${order[@]:1}" "${order[0]}")
  done
  for e in "${ENGINES[@]}"; do
    [ -s "$ROOT/iperf.$e.pid" ] && kill "$(tr -d '\0 \n' <"$ROOT/iperf.$e.pid")" 2>/dev/null || true
  done
fi
printf '{"count": %s, "interval": "%s", "ping_rounds": %s, "iperf_t": %s}\n' \
  "$PING_COUNT" "$PING_INTERVAL" "$PING_ROUNDS" "$IPERF_T" >"$RES/net.meta.json"
# the pair goes, so the memory figures below are of exactly 100 containers and 10 networks
for e in "${ENGINES[@]}"; do
  sock=$(sock_of "$e")
  dk "$sock" rm -f fp-a fp-b >/dev/null
  dk "$sock" network rm fp-pair >/dev/null
done

# --- (b) 100 containers on 10 networks: start time, then memory -----------------------------------
# One engine at a time, so one's starts do not compete with another's for the 2 cores.
for e in "${ENGINES[@]}"; do
  log "$e: $NETS networks, $((NETS * PER_NET)) containers"
  timeout 1800 python3 bench/footprint_bench.py fill "$(sock_of "$e")" "$NETS" "$PER_NET" >"$RES/fill.$e"
  log "$e: networks, containers in $(cat "$RES/fill.$e") s"
  n=$(dk "$(sock_of "$e")" ps -q | wc -l)
  [ "$n" -eq $((NETS * PER_NET)) ] || die "$e: $n containers running, expected $((NETS * PER_NET))"
done
sleep "$SETTLE"
snapshot full
printf '{"nets": %s, "per_net": %s, "settle": %s}\n' "$NETS" "$PER_NET" "$SETTLE" >"$RES/mem.meta.json"

# --- report -------------------------------------------------------------------------------------
if [ "$ONLY" = berth ]; then
  echo "## Container network and daemon footprint: Berth (--only berth)"
else
  echo "## Container network and daemon footprint: Berth vs dockerd 20.10 vs podman 4.3"
fi
echo
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) · kernel $(uname -r) · $(nproc) cores · berthd $("$BIN/berthd" --version 2>/dev/null | head -1) $(basename "$BIN") build ·" \
  "${DVER:+dockerd $DVER ($(containerd --version | awk '{print "containerd " $3}')) · }${PVER:+podman $PVER (API service; netavark $(dpkg-query -W -f='${Version}' netavark 2>/dev/null)) · }$(runc --version | head -1)" \
  "${HAVE_IPERF:+· $(iperf3 --version | head -1 | cut -d' ' -f1-2) }· busybox $(busybox | head -1 | awk '{print $2}')"
echo
echo "Engines: ${ENGINES[*]}, each in a network namespace of its own (as in the API latency section), containers"
echo "\`--dns $DNS\`. Load average before: $LOAD_BEFORE."
for s in "${SKIPPED[@]}"; do echo; echo "- **${s%%:*}**:${s#*:}"; done
echo
python3 bench/footprint_bench.py report "$RES"
[ -n "$HAVE_IPERF" ] || { echo; echo "(iperf3 is not installed: scripts/install-deps.sh bench)"; }
echo
ALIVE="berthd running=$(kill -0 "$BPID" 2>/dev/null && echo yes || echo no)"
has dockerd && ALIVE+=", dockerd running=$(kill -0 "$DPID" 2>/dev/null && echo yes || echo no)"
has podman && ALIVE+=", podman service running=$(kill -0 "$PODMAN_SVC" 2>/dev/null && echo yes || echo no)"
berr=$(grep -ciE 'error|warn|fatal|crash|panic' "$ROOT/berthd.log" || true)
echo "After the runs: $ALIVE; berthd log lines with error/warning: $berr."
if [ "$berr" -gt 0 ]; then
  echo
  echo '```'
  grep -iE 'error|warn|fatal|crash|panic' "$ROOT/berthd.log" | cut -d' ' -f2- | sort | uniq -c | sort -rn | head -10
  echo '```'
fi
