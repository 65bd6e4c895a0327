#!/usr/bin/env bash
# The firewall at scale, Berth against dockerd 20.10 (Debian docker.io), side by side in one run with
# ratios: network connect + disconnect latency and rule counts with 10, 100 and 1000 networks, and
# iperf3 throughput through a published port. Prints a markdown section; see bench/README.md.
#   usage: bench/firewall.sh [--quick] [--only berth]   (root; BERTH_BIN_DIR = release build products)
#   --only berth: dockerd is not started; the tables have Berth's columns only.
#
# Layout, all inside namespaces this script creates (the machine's own network, nftables/iptables
# and interfaces are never touched; nothing leaves loopback or these namespaces):
#   netns $NSB  : berthd (data and exec roots under $ROOT), its `inet berth` table, bridges.
#   netns $NSD  : dockerd 20.10 with its managed containerd (roots under $ROOT), its iptables rules,
#                 docker0 and bridges.
#   netns $NSOB : "outside" for Berth: veth fwo0 10.99.0.2/24, whose peer fwd0 10.99.0.1/24 is in $NSB.
#   netns $NSOD : "outside" for dockerd, the same addresses, its peer in $NSD.
# The veth pairs are made inside the daemons' namespaces (`ip -n`) and their other ends moved straight
# into the outside namespaces; the outside namespaces have no other link and no route anywhere else.
# The daemons are started exactly as bench/peers.sh starts them (scripts/in-sandbox.sh: a private
# mount namespace with the cgroup hierarchies mounted again; dockerd with tmpfs over /etc/docker and
# /run/containerd there, TMPDIR and --cgroup-parent of its own), plus
# `--default-address-pool base=10.128.0.0/9,size=24` for both, so 1000 networks fit.
# iperf3 servers are the host's binary run in a container's network namespace (nsenter -n; busybox
# has no iperf3); they are ended by their pid files at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BERTH_BIN_DIR:-$(swift build -c release --show-bin-path)}

# Repetitions, the same for both engines. The issue asks for ≥ 20 after a warm-up.
source bench/lib.sh
bench_args firewall.sh "$@"
REPS=20; IPERF_T=5; IPERF_ROUNDS=3
[ -n "$QUICK" ] && { REPS=5; IPERF_T=2; IPERF_ROUNDS=1; }
COUNTS="10 100 1000"              # user networks, created incrementally (10, 90 more, 900 more)
THROUGHPUT_AT="10 1000"           # network counts at which iperf3 runs
POOL=base=10.128.0.0/9,size=24    # 32768 /24s: room for 1000 networks in each daemon
NET=fw                            # networks fw-0001 … fw-1000; connect/disconnect uses fw-0001

TAG=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
NSB=berth-fwb-$TAG; NSD=berth-fwd-$TAG; NSOB=berth-fwob-$TAG; NSOD=berth-fwod-$TAG
ROOT=/tmp/berth-firewall-$TAG; BSOCK=$ROOT/berth.sock; DSOCK=$ROOT/docker.sock; RES=$ROOT/results
CGPARENT=berth-firewall-$TAG      # dockerd's --cgroup-parent (cgroupfs), removed at exit
DNS=192.0.2.53                    # TEST-NET-1, no route there: neither engine copies the host's resolvers
BPID=""; DPID=""; MADE_DIRS=""

# --- cleanup: iperf3 servers, containers (they outlive their daemons), daemons, namespaces, files -
cleanup() {
  set +e
  for f in "$ROOT"/iperf.*.pid; do
    [ -s "$f" ] && kill "$(tr -d '\0 \n' <"$f")" 2>/dev/null
  done
  timeout 120 python3 scripts/remove-all-containers.py "$BSOCK"
  timeout 120 python3 scripts/remove-all-containers.py "$DSOCK"
  [ -n "$BPID" ] && kill "$BPID" 2>/dev/null && wait "$BPID" 2>/dev/null
  dockerd_peer_stop
  reap_namespaces "$NSB" "$NSD" "$NSOB" "$NSOD"
  dockerd_peer_cleanup "$CGPARENT"
  [ -n "${BENCH_FIREWALL_KEEP_LOGS:-}" ] && mkdir -p "$BENCH_FIREWALL_KEEP_LOGS" && cp -r "$ROOT"/*.log "$RES" "$BENCH_FIREWALL_KEEP_LOGS"/
  rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[firewall.sh] $*" >&2; }   # progress goes to stderr; the report to stdout
die() { log "$*"; exit 1; }
mkdir -p "$RES/iperf"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

HEADING="## Firewall: networks at scale and published-port throughput (berth vs dockerd 20.10)"
ENGINES=(berth dockerd)
[ "$ONLY" = berth ] && { ENGINES=(berth); HEADING="## Firewall: networks at scale and published-port throughput (berth, --only berth)"; }
has_dockerd() { [ "${#ENGINES[@]}" -gt 1 ]; }
for t in python3 ip nft nsenter timeout; do command -v "$t" >/dev/null || die "$t is missing"; done
DOCKER=""; for c in /usr/local/bin/docker /usr/bin/docker; do [ -x "$c" ] && DOCKER=$c && break; done
[ -n "$DOCKER" ] || die "no docker CLI (scripts/install-deps.sh bench)"
[ -x "$BIN/berthd" ] || die "no berthd in $BIN (build with swift build -c release)"
if has_dockerd && { ! [ -x /usr/sbin/dockerd ] || ! command -v containerd >/dev/null; }; then
  echo "$HEADING"
  echo
  echo "**not measured**: dockerd or containerd is not installed (\`apt-get install docker.io containerd\`,"
  echo "with \`exit 101\` in /usr/sbin/policy-rc.d first so that no daemon starts on the host)."
  exit 0
fi
HAVE_IPERF=""; command -v iperf3 >/dev/null && HAVE_IPERF=1
dk() { timeout 60 "$DOCKER" -H "unix://$1" "${@:2}"; }   # dk SOCKET ARGS: the docker CLI, bounded
sock_of() { if [ "$1" = berth ]; then echo "$BSOCK"; else echo "$DSOCK"; fi; }
ns_of() { if [ "$1" = berth ]; then echo "$NSB"; else echo "$NSD"; fi; }
outside_of() { if [ "$1" = berth ]; then echo "$NSOB"; else echo "$NSOD"; fi; }

# --- namespaces: the two daemons', and an outside one joined to each by a veth pair --------------
log "engines: ${ENGINES[*]}; namespaces $NSB, $NSOB$(has_dockerd && echo ", $NSD, $NSOD"); state in $ROOT"
PAIRS=("$NSB:$NSOB"); has_dockerd && PAIRS+=("$NSD:$NSOD")
for pair in "${PAIRS[@]}"; do
  for ns in ${pair%:*} ${pair#*:}; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
done
for pair in "${PAIRS[@]}"; do
  in=${pair%:*}; out=${pair#*:}
  ip -n "$in" link add fwd0 type veth peer name fwo0 netns "$out"
  ip -n "$in" addr add 10.99.0.1/24 dev fwd0; ip -n "$in" link set fwd0 up
  ip -n "$out" addr add 10.99.0.2/24 dev fwo0; ip -n "$out" link set fwo0 up
done

# --- the two daemons (as bench/peers.sh starts them, plus the address pool) ----------------------
scripts/in-sandbox.sh "$NSB" "$BIN/berthd" -H "unix://$BSOCK" --data-root "$ROOT/berth-data" \
  --exec-root "$ROOT/berth-exec" --dns "$DNS" --default-address-pool "$POOL" >"$ROOT/berthd.log" 2>&1 &
BPID=$!
if has_dockerd; then
  dockerd_peer_start "$NSD" "$ROOT" "$DSOCK" "$CGPARENT" berth-firewall --dns "$DNS" --default-address-pool "$POOL"
fi
for eng in "${ENGINES[@]}"; do
  sock=$(sock_of "$eng")
  for _ in $(seq 1 150); do [ -S "$sock" ] && dk "$sock" version >/dev/null 2>&1 && break; sleep 0.2; done
done
dk "$BSOCK" version >/dev/null 2>&1 || { tail -20 "$ROOT/berthd.log" >&2; die "berthd did not start"; }
if has_dockerd; then
  dk "$DSOCK" version >/dev/null 2>&1 || { tail -20 "$ROOT/dockerd.log" >&2; die "dockerd did not start"; }
  DVER=$(dk "$DSOCK" version -f '{{.Server.Version}}')
fi

# --- image and the two long-running containers in each engine -----------------------------------
# fw-holder: on the default bridge, connected to fw-0001 and back in the latency runs.
# fw-iperf:  -p 5201:5201, with an iperf3 server in its network namespace.
scripts/busybox-rootfs.sh "$ROOT" "$ROOT/busybox.tar"
for eng in "${ENGINES[@]}"; do
  sock=$(sock_of $eng)
  dk "$sock" import --change 'CMD ["/bin/sh"]' "$ROOT/busybox.tar" alpine:latest >/dev/null
  dk "$sock" run -d --name fw-holder alpine sleep 100000 >/dev/null
  dk "$sock" run -d --name fw-iperf -p 5201:5201 alpine sleep 100000 >/dev/null
done

# --- iperf3 servers: the host's iperf3 in each fw-iperf container's network namespace -------------
declare -A CIP=()
if [ -n "$HAVE_IPERF" ]; then
  for eng in "${ENGINES[@]}"; do
    sock=$(sock_of $eng)
    pid=$(dk "$sock" inspect -f '{{.State.Pid}}' fw-iperf)
    CIP[$eng]=$(dk "$sock" inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' fw-iperf)
    [ "$pid" -gt 0 ] && [ -n "${CIP[$eng]}" ] || die "$eng: no pid or address for fw-iperf ($pid, ${CIP[$eng]})"
    nsenter -t "$pid" -n iperf3 -s -p 5201 -D --pidfile "$ROOT/iperf.$eng.pid" >/dev/null
    for _ in $(seq 1 50); do nsenter -t "$pid" -n ss -Hltn 'sport = :5201' | grep -q . && break; sleep 0.1; done
    log "$eng: fw-iperf at ${CIP[$eng]}, iperf3 server pid $(tr -d '\0 \n' <"$ROOT/iperf.$eng.pid")"
  done
fi

# One iperf3 client run: iperf ENGINE PATH N ROUND. Paths: (a) outside → 10.99.0.1 (DNAT), (b) the
# daemon's namespace → 127.0.0.1, (c) the daemon's namespace → the container (no NAT). -O 1 leaves
# out TCP slow start. A failed run keeps iperf3's own JSON error; the report marks it "failed".
iperf() {
  local eng=$1 path=$2 n=$3 r=$4 ns addr
  case $path in
    a) ns=$(outside_of "$eng"); addr=10.99.0.1 ;;
    b) ns=$(ns_of "$eng"); addr=127.0.0.1 ;;
    c) ns=$(ns_of "$eng"); addr=${CIP[$eng]} ;;
  esac
  timeout $((IPERF_T + 30)) ip netns exec "$ns" iperf3 -c "$addr" -p 5201 -t "$IPERF_T" -O 1 -J \
    >"$RES/iperf/$path.$n.$eng.$r.json" 2>/dev/null || log "iperf3 failed: $eng path $path at $n networks"
}
throughput() {   # throughput N: every path, IPERF_ROUNDS rounds, the engine order alternating
  local n=$1 order=("${ENGINES[@]}")
  log "throughput with $n networks: $IPERF_ROUNDS round(s) × 3 paths × ${IPERF_T}s per engine"
  for r in $(seq 1 "$IPERF_ROUNDS"); do
    for path in a b c; do
      for eng in "${order[@]}"; do iperf "$eng" "$path" "$n" "$r"; done
      order=("${order[@]:1}" "${order[0]}")
    done
  done
}

# Rules in each daemon's namespace: Berth's `inet berth` table (rules, and elements of its sets and
# maps, from `nft -j`); dockerd's `-A` lines from iptables-save, whichever backend holds them.
count_rules() {
  local n=$1 nftc legacy nftsave tool count
  nftc=$(ip netns exec "$NSB" nft -j list table inet berth | python3 bench/firewall_bench.py nftcount)
  if ! has_dockerd; then
    printf 'berth %s\n' "$nftc" >"$RES/rules.$n"; log "rules at $n networks: berth $nftc (rules, elements)"; return
  fi
  nftsave=$(ip netns exec "$NSD" iptables-save 2>/dev/null | grep -c '^-A' || true)
  legacy=0
  command -v iptables-legacy-save >/dev/null && legacy=$(ip netns exec "$NSD" iptables-legacy-save 2>/dev/null | grep -c '^-A' || true)
  tool="iptables-save($(iptables --version | grep -o '(.*)' | tr -d '()'))"; count=$nftsave
  if [ "$legacy" -gt "$nftsave" ]; then tool=iptables-legacy-save; count=$legacy; fi
  printf 'berth %s\ndockerd %s %s\n' "$nftc" "$count" "$tool" >"$RES/rules.$n"
  log "rules at $n networks: berth $nftc (rules, elements); dockerd $count ($tool; legacy $legacy, default $nftsave)"
}

# --- the runs: networks created incrementally; at each count rules, latency, maybe throughput -----
prev=0
for n in $COUNTS; do
  k=$((n - prev))
  for eng in "${ENGINES[@]}"; do
    log "$eng: creating $k networks ($prev → $n)"
    secs=$(timeout 3600 python3 bench/firewall_bench.py create "$(sock_of $eng)" "$NET" $((prev + 1)) "$k")
    echo "$eng $secs" >>"$RES/create.$n"
    log "$eng: $k networks in ${secs}s"
  done
  count_rules "$n"
  log "connect + disconnect at $n networks: $REPS runs per engine"
  EARGS=(); for eng in "${ENGINES[@]}"; do EARGS+=(--engine "$eng=$(sock_of "$eng")"); done
  timeout 900 python3 bench/firewall_bench.py connect "${EARGS[@]}" \
    --network "$NET-0001" --container fw-holder --reps "$REPS" --json "$RES/lat.$n.json"
  if [ -n "$HAVE_IPERF" ] && [[ " $THROUGHPUT_AT " == *" $n "* ]]; then throughput "$n"; fi
  prev=$n
done

# --- report -------------------------------------------------------------------------------------
B_ALIVE=no; kill -0 "$BPID" 2>/dev/null && B_ALIVE=yes
D_ALIVE=no; [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null && D_ALIVE=yes
PROXIES=0; has_dockerd && PROXIES=$(for p in $(ip netns pids "$NSD"); do cat "/proc/$p/comm" 2>/dev/null; done | grep -c '^docker-proxy$' || true)
echo "$HEADING"
echo
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) · kernel $(uname -r) · $(nproc) cores · berthd $("$BIN/berthd" --version 2>/dev/null | head -1)" \
  "$(basename "$BIN") build ·${DVER:+ dockerd $DVER ($(containerd --version | awk '{print "containerd " $3}')) ·} $(runc --version | head -1)" \
  "· $(nft --version) · $(iptables --version)${HAVE_IPERF:+ · $(iperf3 --version | head -1 | cut -d' ' -f1-2)}"
echo
if ! has_dockerd; then
  echo "Berth only (\`--only berth\`): dockerd was not started, so there are no dockerd columns or ratios."
  echo
fi
if has_dockerd; then
  WHO="Both daemons run at the same time, each"; DEFAULTS="dockerd: iptables, docker-proxy for 127.0.0.1; "
else
  WHO="berthd runs"; DEFAULTS=""
fi
cat <<EOF
$WHO in a network namespace of its own with its own data and exec
roots and \`--default-address-pool $POOL\`, defaults otherwise (${DEFAULTS}berthd: one nftables
table, published ports by DNAT only). Each has two busybox containers
running on the default bridge: \`fw-holder\` and \`fw-iperf\` (\`-p 5201:5201\`). Networks \`$NET-0001\` …
are created between the measurements, in steps to $(echo $COUNTS | tr ' ' ','). Load average before: $LOAD_BEFORE.

EOF
python3 bench/firewall_bench.py report "$RES"
if [ -z "$HAVE_IPERF" ]; then
  echo
  echo "(iperf3 is not installed: scripts/install-deps.sh bench)"
fi
echo
echo "Outside namespaces: 10.99.0.2/24, joined by a veth pair to 10.99.0.1/24 in the daemon's namespace."
berr=$(grep -ciE 'error|warn|fatal|crash|panic' "$ROOT/berthd.log" || true)
if has_dockerd; then
  echo "dockerd's docker-proxy processes at the end: $PROXIES. After the runs: berthd running=$B_ALIVE, dockerd running=$D_ALIVE."
  derr=$(grep -ciE 'level=(error|fatal)' "$ROOT/dockerd.log" || true)
  dwarn=$(grep -ci 'level=warning' "$ROOT/dockerd.log" || true)
  echo "Log lines with error/warning: berthd $berr; dockerd $derr errors, $dwarn warnings (its routine ones)."
else
  echo "After the runs: berthd running=$B_ALIVE. Log lines with error/warning: berthd $berr."
fi
if [ "$berr" -gt 0 ]; then
  echo
  echo '```'
  grep -iE 'error|warn|fatal|crash|panic' "$ROOT/berthd.log" | cut -d' ' -f2- | sort | uniq -c | sort -rn | head -10
  echo '```'
fi
