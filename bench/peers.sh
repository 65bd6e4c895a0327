#!/usr/bin/env bash
# Engine API latency, Berth against dockerd 20.10 (Debian docker.io) and podman 4.3 (its
# Docker-compatible API service), side by side in one run with ratios (issue 6). Prints a markdown
# section; see bench/README.md.
#   usage: bench/peers.sh [--quick] [--only berth]   (root; BERTH_BIN_DIR = release build products)
#   --only berth: no peers are started; the tables have Berth's columns only.
#
# Layout, all inside namespaces this script creates (the machine's own network, nftables/iptables
# and interfaces are never touched; nothing leaves loopback or these namespaces):
#   netns $NSB : berthd (data and exec roots under $ROOT), as bench/run.sh starts it.
#   netns $NSD : dockerd 20.10 with its managed containerd (roots under $ROOT). Its iptables rules,
#                docker0 and bridges live in this namespace only; it has no link to anything else.
#   netns $NSP : podman 4.3 `system service` (API socket and all state under $ROOT/podman), in a
#                private mount namespace as bench/dns.sh runs podman: see bench/podman_peer.sh.
# Both are started through scripts/in-sandbox.sh: `ip netns exec` gives each a private (rslave)
# mount namespace, and the cgroup hierarchies are mounted again there (the /sys remount hides them
# from runc). For dockerd two host paths that it or containerd write whatever the roots say are
# covered by tmpfs in its private mount namespace: /etc/docker (dockerd 20.10 writes key.json
# there) and /run/containerd (containerd 1.6 puts shim sockets in /run/containerd/s).
# Same as ../shared/peers/start-dockerd.sh, but with names and roots of our own (random tag), so
# it never collides with a peer-docker someone else runs, and everything is removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BERTH_BIN_DIR:-$(swift build -c release --show-bin-path)}

. bench/podman_peer.sh

source bench/lib.sh
bench_args peers.sh "$@"

# Repetitions, the same for every engine. The issue asks for ≥ 20 after a warm-up.
REPS=20; CLI_ROUNDS=2; CLI_RUNS=10          # hyperfine: 2 rounds × 10 runs = 20 per engine
[ -n "$QUICK" ] && { REPS=5; CLI_ROUNDS=1; CLI_RUNS=5; }
SETTLE=0.05                                 # untimed pause before each state-changing API run (below)

TAG=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
NSB=berth-peerb-$TAG; NSD=berth-peerd-$TAG; NSP=berth-peerp-$TAG
ROOT=/tmp/berth-peers-$TAG; BSOCK=$ROOT/berth.sock; DSOCK=$ROOT/docker.sock; PSOCK=$ROOT/podman/podman.sock
CGPARENT=berth-peers-$TAG                    # dockerd's --cgroup-parent (cgroupfs), removed at exit
# Containers get a DNS server nobody has (TEST-NET-1; no route leads there from the namespaces),
# so no engine copies the host's resolv.conf servers; nothing here resolves names anyway.
DNS=192.0.2.53
BPID=""; DPID=""; MADE_DIRS=""

# --- cleanup: containers first (they outlive their daemons), then daemons, namespaces, files ----
cleanup() {
  set +e
  # the CLI benchmark's container and anything api_latency.py left when it failed halfway
  timeout 120 python3 scripts/remove-all-containers.py "$BSOCK"
  timeout 120 python3 scripts/remove-all-containers.py "$DSOCK"
  podman_peer_stop          # its containers, networks, service, holder, namespace (bench/podman_peer.sh)
  [ -n "$BPID" ] && kill "$BPID" 2>/dev/null && wait "$BPID" 2>/dev/null
  dockerd_peer_stop
  reap_namespaces "$NSB" "$NSD"
  dockerd_peer_cleanup "$CGPARENT"
  [ -n "${BENCH_PEERS_KEEP_LOGS:-}" ] && mkdir -p "$BENCH_PEERS_KEEP_LOGS" && cp "$ROOT"/*.log "$BENCH_PEERS_KEEP_LOGS"/
  rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[peers.sh] $*" >&2; }      # progress goes to stderr; the report to stdout
die() { log "$*"; exit 1; }
mkdir -p "$ROOT/cli"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

for t in python3 ip timeout; do command -v "$t" >/dev/null || die "$t is missing"; done
DOCKER=""; for c in /usr/local/bin/docker /usr/bin/docker; do [ -x "$c" ] && DOCKER=$c && break; done
[ -n "$DOCKER" ] || die "no docker CLI (scripts/install-deps.sh bench)"
[ -x "$BIN/berthd" ] || die "no berthd in $BIN (build with swift build -c release)"
dk() { timeout 60 "$DOCKER" -H "unix://$1" "${@:2}"; }   # dk SOCKET ARGS: the docker CLI, bounded

# The engines of this run: Berth always; each peer when installed and not --only berth. A peer
# that is missing is named in the report ("not measured"), and the run goes on without it.
ENGINES=(berth); SKIPPED=()
if [ "$ONLY" = berth ]; then
  SKIPPED+=("dockerd and podman: not started (--only berth)")
else
  if [ -x /usr/sbin/dockerd ] && command -v containerd >/dev/null; then ENGINES+=(dockerd)
  else SKIPPED+=("dockerd 20.10: not measured (dockerd or containerd not installed: \`apt-get install docker.io containerd\`, with \`exit 101\` in /usr/sbin/policy-rc.d first so that no daemon starts on the host)"); fi
  if podman_peer_available; then ENGINES+=(podman)
  else SKIPPED+=("podman 4.3: not measured (podman, netavark, aardvark-dns or conmon not installed: scripts/install-deps.sh bench)"); fi
fi
has() { [[ " ${ENGINES[*]} " == *" $1 "* ]]; }
sock_of() { case $1 in berth) echo "$BSOCK" ;; dockerd) echo "$DSOCK" ;; podman) echo "$PSOCK" ;; esac; }

# --- the daemons ---------------------------------------------------------------------------------
log "engines: ${ENGINES[*]}; state in $ROOT"
ip netns add "$NSB"; ip netns exec "$NSB" ip link set lo up
scripts/in-sandbox.sh "$NSB" "$BIN/berthd" -H "unix://$BSOCK" --data-root "$ROOT/berth-data" \
  --exec-root "$ROOT/berth-exec" --dns "$DNS" >"$ROOT/berthd.log" 2>&1 &
BPID=$!
if has dockerd; then
  ip netns add "$NSD"; ip netns exec "$NSD" ip link set lo up
  dockerd_peer_start "$NSD" "$ROOT" "$DSOCK" "$CGPARENT" berth-peers --dns "$DNS"
fi
if has podman; then
  # podman_peer_start makes $NSP, the held mount namespace and the API service (bench/podman_peer.sh)
  podman_peer_start "$NSP" "$ROOT/podman" "$DNS" || die "podman system service did not start"
  [ "$PODMAN_SOCK" = "$PSOCK" ] || die "podman socket $PODMAN_SOCK, expected $PSOCK"
fi
for e in "${ENGINES[@]}"; do
  sock=$(sock_of "$e")
  for _ in $(seq 1 150); do [ -S "$sock" ] && dk "$sock" version >/dev/null 2>&1 && break; sleep 0.2; done
done
dk "$BSOCK" version >/dev/null 2>&1 || { tail -20 "$ROOT/berthd.log" >&2; die "berthd did not start"; }
if has dockerd; then
  dk "$DSOCK" version >/dev/null 2>&1 || { tail -20 "$ROOT/dockerd.log" >&2; die "dockerd did not start"; }
  DVER=$(dk "$DSOCK" version -f '{{.Server.Version}}')
fi
has podman && PVER=$(dk "$PSOCK" version -f '{{.Server.Version}}')

# --- the same image in each: a busybox-static root filesystem as alpine:latest (no registry) ------
# (podman's compat API imports it too: POST /images/create?fromSrc=-, stored as localhost/alpine)
scripts/busybox-rootfs.sh "$ROOT" "$ROOT/busybox.tar"
for e in "${ENGINES[@]}"; do
  sock=$(sock_of "$e")
  dk "$sock" import --change 'CMD ["/bin/sh"]' "$ROOT/busybox.tar" alpine:latest >/dev/null
  # smoke test, so a broken engine fails here with its own message rather than mid-benchmark
  dk "$sock" run -d --name smoke alpine sleep 1 >/dev/null
  dk "$sock" rm -f smoke >/dev/null
done

# --- Engine API latency: one keep-alive connection per daemon, runs interleaved ------------------
log "API latency: $REPS runs per operation and engine"
# Runs alternate between the engines one by one (drift on this shared machine then hits all
# alike). A daemon's work does not end with its answer (containerd shims exiting, the kernel
# tearing down veths and namespaces under the global rtnl lock), so each timed run of an operation
# that changes state starts after a 50 ms pause, and measures one engine, not the other's leftovers.
# Tried on 2026-11-29: 300 ms pauses, or turns of 5 runs (--block 5), moved the medians less than
# the machine's own drift between runs; the load of other work on the machine matters far more.
EARGS=(); for e in "${ENGINES[@]}"; do EARGS+=(--engine "$e=$(sock_of "$e")"); done
# The macvlan rows: each daemon's namespace gets a veth pair, bmv0 the networks' parent.
ns_of() { case $1 in berth) echo "$NSB" ;; dockerd) echo "$NSD" ;; podman) echo "$NSP" ;; esac; }
for e in "${ENGINES[@]}"; do
  ns=$(ns_of "$e")
  ip -n "$ns" link add bmv0 type veth peer name bmv1 && ip -n "$ns" link set bmv0 up && ip -n "$ns" link set bmv1 up
done
timeout 900 python3 bench/api_latency.py "${EARGS[@]}" --macvlan-parent bmv0 \
  --containers --time-rm --reps "$REPS" --settle "$SETTLE" --json "$ROOT/api.json"

# --- docker CLI end to end: the real docker CLI against each socket, hyperfine -------------------
HAVE_HF=""; command -v hyperfine >/dev/null && HAVE_HF=1
if [ -n "$HAVE_HF" ]; then
  log "docker CLI: $CLI_ROUNDS round(s) × $CLI_RUNS runs per engine (hyperfine)"
  # a user network like the API runs' (api_latency.py removed its own at the end)
  for e in "${ENGINES[@]}"; do dk "$(sock_of "$e")" network create bench-net >/dev/null; done
  order=("${ENGINES[@]}")
  for r in $(seq 1 "$CLI_ROUNDS"); do
    for engine in "${order[@]}"; do
      sock=$(sock_of "$engine")
      d="$DOCKER -H unix://$sock"
      # --prepare removes the previous run's container (untimed), so every run -d starts from the
      # same state and the name is free; `ps` needs no preparation. -N: no shell in the timing.
      timeout 300 hyperfine -N --style none --warmup 2 --runs "$CLI_RUNS" --export-json "$ROOT/cli/$r.$engine.json" \
        --prepare "sh -c '$d rm -f bench-cli >/dev/null 2>&1 || true'" \
        -n "docker run -d --network bench-net" "$d run -d --name bench-cli --network bench-net alpine sleep 1000" \
        --prepare true \
        -n "docker ps (CLI floor: start-up + one cheap call)" "$d ps -q" >/dev/null 2>"$ROOT/hyperfine.log" \
        || { cat "$ROOT/hyperfine.log" >&2; die "hyperfine failed ($engine)"; }
      dk "$sock" rm -f bench-cli >/dev/null 2>&1 || true
    done
    order=("${order[@]:1}" "${order[0]}")   # rotate which engine goes first
  done
fi

# --- memory: after all the work, with no containers left ---------------------------------------
status_kb() { awk '/^VmRSS/ {r=$2} /^VmHWM/ {h=$2} END {print r "/" h}' "/proc/$1/status" 2>/dev/null || echo n/a; }
RSS_ARGS=("berthd=$(status_kb "$BPID")")
ALIVE="berthd running=$(kill -0 "$BPID" 2>/dev/null && echo yes || echo no) with $(dk "$BSOCK" ps -aq | wc -l) containers"
if has dockerd; then
  CPID=$(pgrep -P "$DPID" -x containerd | head -1 || true)      # dockerd's managed containerd
  C_MEM=n/a; [ -n "$CPID" ] && C_MEM=$(status_kb "$CPID")
  RSS_ARGS+=("dockerd=$(status_kb "$DPID")" "containerd (dockerd's, managed)=$C_MEM")
  ALIVE+=", dockerd running=$(kill -0 "$DPID" 2>/dev/null && echo yes || echo no) with $(dk "$DSOCK" ps -aq | wc -l) containers"
fi
if has podman; then
  RSS_ARGS+=("podman system service=$(status_kb "$PODMAN_SVC")")
  ALIVE+=", podman service running=$(kill -0 "$PODMAN_SVC" 2>/dev/null && echo yes || echo no) with $(dk "$PSOCK" ps -aq | wc -l) containers"
fi

# --- report -------------------------------------------------------------------------------------
HEADING="## Engine API latency: Berth vs dockerd 20.10 vs podman 4.3"
[ "$ONLY" = berth ] && HEADING="## Engine API latency: Berth (--only berth)"
echo "$HEADING"
echo
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) · kernel $(uname -r) · $(nproc) cores · berthd $("$BIN/berthd" --version 2>/dev/null | head -1) release build ·" \
  "${DVER:+dockerd $DVER ($(containerd --version | awk '{print "containerd " $3}')) · }${PVER:+podman $PVER (API service; netavark $(dpkg-query -W -f='${Version}' netavark 2>/dev/null)) · }$(runc --version | head -1) ·" \
  "docker CLI $("$DOCKER" --version | awk '{print $3}' | tr -d ,)${HAVE_HF:+ · $(hyperfine --version)}"
echo
DESC="berthd: runc under conmon, nftables in its namespace"
has dockerd && DESC+="; dockerd: overlay2, cgroupfs, its managed containerd, iptables in its namespace"
has podman && DESC+="; podman: \`podman system service\` — its Docker-compatible API — overlay, cgroupfs, runc under conmon, netavark + aardvark-dns"
cat <<EOF
Engines: ${ENGINES[*]}. Each daemon runs at the same time as the others, in a network namespace of its
own with its own data and exec roots, defaults otherwise ($DESC); containers \`--dns $DNS\` for all.
The same busybox-static root filesystem is imported into each as \`alpine:latest\` over the API;
containers run \`sleep 1000\`. Lower is better in the ratio columns (below 1: Berth faster). Load
average before: $LOAD_BEFORE.
EOF
for s in "${SKIPPED[@]}"; do echo; echo "- **${s%%:*}**:${s#*:}"; done
echo
python3 bench/peers_report.py api "$ROOT/api.json"
echo
if [ -n "$HAVE_HF" ]; then
  python3 bench/peers_report.py cli "$ROOT/cli"
else
  echo "docker CLI timings: **not measured** (hyperfine is not installed: scripts/install-deps.sh bench)"
fi
echo
python3 bench/peers_report.py rss "${RSS_ARGS[@]}"
echo
echo "After the runs: $ALIVE."
berr=$(grep -ciE 'error|warn|fatal|crash|panic' "$ROOT/berthd.log" || true)
LOGS="berthd $berr"
if has dockerd; then
  # dockerd 20.10 logs a warning or two per removed container ("cleaning up after shim disconnected")
  # and a few at start (devmapper, containerd config version): counted, not shown
  derr=$(grep -ciE 'level=(error|fatal)' "$ROOT/dockerd.log" || true)
  dwarn=$(grep -ci 'level=warning' "$ROOT/dockerd.log" || true)
  LOGS+="; dockerd $derr errors, $dwarn warnings (its routine ones)"
fi
if has podman; then
  perr=$(grep -ciE 'level=(error|fatal)' "$ROOT/podman/service.log" || true)
  LOGS+="; podman service $perr errors"
fi
echo "Log lines with error/warning: $LOGS."
if [ "$berr" -gt 0 ]; then
  echo
  echo '```'
  grep -iE 'error|warn|fatal|crash|panic' "$ROOT/berthd.log" | cut -d' ' -f2- | sort | uniq -c | sort -rn | head -10
  echo '```'
fi
