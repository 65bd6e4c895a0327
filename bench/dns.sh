#!/usr/bin/env bash
# Embedded DNS vs Podman's aardvark-dns, side by side with dnsperf, in one run (issue: Berth ≥ 2×
# aardvark's QPS, p99 < 1 ms for local names). Prints a markdown section; see bench/README.md.
#   usage: bench/dns.sh [--quick] [--only berth]   (root; BERTH_BIN_DIR = release build products)
#   --only berth: podman/aardvark-dns are not started; the table has Berth's columns only.
#
# Layout, all inside namespaces this script creates (the machine's own network, nftables and
# interfaces are never touched; nothing leaves loopback or these namespaces):
#   berth side  : netns $NSB — berthd (--dns 127.0.0.53) and a fake upstream on 127.0.0.53:53;
#                 containers `target` and `client` on user network bench-net; dnsperf runs in the
#                 client's netns against 127.0.0.11 (berthd's per-container server).
#   podman side : netns $NSP — podman/netavark/aardvark-dns, and the same fake upstream on
#                 127.0.0.53:53; same two containers; dnsperf runs in the client's netns against
#                 the network's gateway address, where aardvark-dns listens.
# Both engines thus forward to an identical upstream in their own namespace. aardvark-dns 1.4 takes
# its upstreams from /etc/resolv.conf when it starts, so podman runs in a private mount namespace
# (held open by a `sleep` process; entered with nsenter, not `ip netns exec`, whose /sys remount
# hides the cgroup mounts runc needs) where a resolv.conf naming 127.0.0.53 is bind-mounted; it also
# gets tmpfs on /run/containers (netavark's state) and /var/lib/containers (podman's blob cache),
# so no other podman on the machine is disturbed and nothing is left behind.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BERTH_BIN_DIR:-$(swift build -c release --show-bin-path)}

# dnsperf settings, the same for both engines. Closed loop: 4 client sockets, 1 thread (2 cores
# here: one for dnsperf, the rest for the server), up to 100 queries in flight → maximum QPS and
# average latency (which, at saturation, is mostly queueing: 100 in flight ÷ QPS).
# Fixed rate: open-loop runs at one rate for both engines (half the slower engine's closed-loop QPS,
# at most 10k/s) with -v, whose per-query lines give p50/p99 — latency at a load both can carry.
# This VM stalls for milliseconds now and then (a plain python echo server shows p99 jumping from
# 0.15 to 2 ms between identical runs), so the fixed-rate runs are short rounds, interleaved
# between the engines (order alternating), and the table gives the median round's percentiles
# with the range; a floor row (dnsperf → the fake upstream directly, no engine) shows the noise.
source bench/lib.sh
bench_args dns.sh "$@"
SAT_SECS=3; SAT_ROUNDS=3; LAT_SECS=2; ROUNDS=4; WARM_SECS=1
[ -n "$QUICK" ] && { SAT_SECS=1; SAT_ROUNDS=2; LAT_SECS=1; ROUNDS=2; }
CLIENTS=4; THREADS=1; INFLIGHT=100; TIMEOUT=2; RATE_CAP=10000
DNSPERF_COMMON=(-c "$CLIENTS" -T "$THREADS" -t "$TIMEOUT")
LOCAL_NAME=target                       # the other container's name
FWD_NAME=www.upstream.bench.test        # unknown to both engines → forwarded
UPSTREAM_IP=127.0.0.53                  # fake upstream, inside each engine's namespace
UPSTREAM_ANSWER=198.51.100.7            # what it answers (TEST-NET-2; never contacted)

TAG=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
NSB=berth-dnsb-$TAG; NSP=berth-dnsp-$TAG
ROOT=/tmp/berth-dnsbench-$TAG; SOCK=$ROOT/berth.sock; PR=$ROOT/podman; RUNS=$ROOT/runs
PFLAGS="--root $PR/root --runroot $PR/run --tmpdir $PR/tmp --network-config-dir $PR/networks --storage-driver overlay --network-backend netavark --cgroup-manager cgroupfs --events-backend file"
BPID=""; UPB=""; UPP=""; HOLD=""; A_SRV_PID=""; MADE_DIRS=""; MADE_LIBPOD_CG=""; PODMAN_OK=""

# --- cleanup: containers first (they outlive their daemons), then daemons, namespaces, files ----
cleanup() {
  set +e
  # podman's state is only visible in the held mount namespace: enter it through the holder, or
  # through aardvark-dns (started in it) should the holder have died
  local in=""
  for t in $HOLD $A_SRV_PID; do kill -0 "$t" 2>/dev/null && { in=$t; break; }; done
  if [ -n "$in" ]; then
    timeout 60 nsenter -t "$in" -m -n podman $PFLAGS rm -f -t 0 -a >/dev/null 2>&1
    timeout 30 nsenter -t "$in" -m -n podman $PFLAGS network rm -f bench-net >/dev/null 2>&1
    # aardvark-dns exits with its last network; make sure (its pid file is in the private tmpfs)
    local ap; ap=$(nsenter -t "$in" -m cat /run/containers/networks/aardvark-dns/aardvark.pid 2>/dev/null)
    [ -n "$ap" ] && kill "$ap" 2>/dev/null
  fi
  # podman's overlay mounts live in the held mount namespace: they go with it
  [ -n "$HOLD" ] && kill "$HOLD" 2>/dev/null && wait "$HOLD" 2>/dev/null
  python3 scripts/remove-all-containers.py "$SOCK"
  [ -n "$BPID" ] && kill "$BPID" 2>/dev/null && wait "$BPID" 2>/dev/null
  for p in $UPB $UPP; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  ip netns del "$NSB" 2>/dev/null; ip netns del "$NSP" 2>/dev/null
  for d in $MADE_DIRS; do rmdir "$d" 2>/dev/null; done   # empty: podman wrote into the tmpfs over it
  # podman's cgroupfs parent (libpod_parent, with conmon's child) when this run made it; rmdir
  # removes only empty cgroups, so a cgroup still in use by anyone is left alone
  if [ -n "$MADE_LIBPOD_CG" ]; then
    for c in /sys/fs/cgroup/*/libpod_parent; do rmdir "$c/conmon" "$c" 2>/dev/null; done
  fi
  [ -n "${BENCH_DNS_KEEP_LOG:-}" ] && cp "$ROOT/berthd.log" "$BENCH_DNS_KEEP_LOG"
  rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[dns.sh] $*" >&2; }       # progress goes to stderr; the report to stdout
die() { log "$*"; exit 1; }
mkdir -p "$ROOT" "$RUNS" "$PR"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

for t in dnsperf nsenter unshare python3; do command -v "$t" >/dev/null || die "$t is missing (scripts/install-deps.sh bench)"; done
DOCKER=""; for c in /usr/local/bin/docker /usr/bin/docker; do [ -x "$c" ] && DOCKER=$c && break; done
[ -n "$DOCKER" ] || die "no docker CLI"
[ -x "$BIN/berthd" ] || die "no berthd in $BIN (build with swift build -c release)"
docker() { timeout 60 "$DOCKER" -H "unix://$SOCK" "$@"; }

# A busybox-static root filesystem stands in for alpine in both engines (no registry here).
scripts/busybox-rootfs.sh "$ROOT" "$ROOT/busybox.tar"
printf '%s A\n' "$LOCAL_NAME" > "$ROOT/local.q"
printf '%s A\n' "$FWD_NAME" > "$ROOT/forward.q"

# start_upstream NS: the fake upstream in namespace NS; echoes its pid
start_upstream() {
  ip netns exec "$1" python3 bench/dns_upstream.py --listen "$UPSTREAM_IP" --answer "$UPSTREAM_ANSWER" \
    >>"$ROOT/upstream-$1.log" 2>&1 &
  echo $!
}
wait_upstream() {  # NS
  for _ in $(seq 1 50); do
    [ "$(ip netns exec "$1" python3 bench/dns_query.py "$UPSTREAM_IP" probe.test)" = "NOERROR $UPSTREAM_ANSWER" ] && return 0
    sleep 0.1
  done
  die "fake upstream in $1 did not answer"
}

# --- Berth ---------------------------------------------------------------------------------------
log "berth: namespace $NSB, state in $ROOT"
ip netns add "$NSB"; ip netns exec "$NSB" ip link set lo up
UPB=$(start_upstream "$NSB"); wait_upstream "$NSB"
scripts/in-sandbox.sh "$NSB" "$BIN/berthd" -H "unix://$SOCK" --data-root "$ROOT/data" --exec-root "$ROOT/exec" \
  --dns "$UPSTREAM_IP" >"$ROOT/berthd.log" 2>&1 &
BPID=$!
for _ in $(seq 1 100); do [ -S "$SOCK" ] && docker version >/dev/null 2>&1 && break; sleep 0.1; done
docker version >/dev/null 2>&1 || { cat "$ROOT/berthd.log" >&2; die "berthd did not start"; }
docker import --change 'CMD ["sh"]' "$ROOT/busybox.tar" alpine:latest >/dev/null
docker network create bench-net >/dev/null
docker run -d --name target --network bench-net alpine sleep 3600 >/dev/null
docker run -d --name client --network bench-net alpine sleep 3600 >/dev/null
B_CLIENT=$(docker inspect -f '{{.State.Pid}}' client)
B_TARGET_IP=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' target)
B_SERVER=127.0.0.11

# --- Podman --------------------------------------------------------------------------------------
# podman in the held namespaces; conmon's "failed to connect to syslog" (no syslog here) is noise
p() { timeout 120 nsenter -t "$HOLD" -m -n podman $PFLAGS "$@" 2> >(grep -v 'failed to connect to syslog' >&2); }
if [ "$ONLY" = berth ]; then
  log "--only berth: podman and aardvark-dns not started"
elif command -v podman >/dev/null && [ -x /usr/lib/podman/aardvark-dns ] && [ -x /usr/lib/podman/netavark ]; then
  log "podman: namespace $NSP, state in $PR"
  ip netns add "$NSP"; ip netns exec "$NSP" ip link set lo up
  UPP=$(start_upstream "$NSP"); wait_upstream "$NSP"
  # Settings as in ../shared/peers/podman-containers.conf (this VM lacks CAP_SYS_RESOURCE: cap rlimits).
  mkdir -p "$PR/tmp" "$PR/networks"
  cat > "$PR/containers.conf" <<EOF
[containers]
log_driver = "k8s-file"
netns = "bridge"
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PR/run/events.log"
tmp_dir = "$PR/tmp"
runtime = "runc"
helper_binaries_dir = ["/usr/lib/podman"]
[network]
network_backend = "netavark"
network_config_dir = "$PR/networks"
EOF
  printf '[storage]\ndriver = "overlay"\nrunroot = "%s/run"\ngraphroot = "%s/root"\n' "$PR" "$PR" > "$PR/storage.conf"
  export CONTAINERS_CONF=$PR/containers.conf CONTAINERS_STORAGE_CONF=$PR/storage.conf
  echo "nameserver $UPSTREAM_IP" > "$PR/resolv.conf"
  # podman writes netavark's state under /run/containers and a blob cache under /var/lib/containers
  # whatever --root says: tmpfs over both in the held namespace (mount points made if missing).
  for d in /run/containers /var/lib/containers; do [ -d "$d" ] || { mkdir "$d"; MADE_DIRS+=" $d"; }; done
  [ -d /sys/fs/cgroup/memory/libpod_parent ] || [ -d /sys/fs/cgroup/unified/libpod_parent ] || MADE_LIBPOD_CG=1
  # The held mount namespace (see the header): resolv.conf → fake upstream, private podman state.
  nsenter --net="/run/netns/$NSP" unshare --mount --propagation private -- /bin/sh -c \
    'mount --bind "$1" /etc/resolv.conf && mount -t tmpfs -o mode=755 bench-netavark /run/containers &&
     mount -t tmpfs -o mode=700 bench-podman-cache /var/lib/containers && exec sleep 100000' \
    hold "$PR/resolv.conf" &
  HOLD=$!
  for _ in $(seq 1 50); do nsenter -t "$HOLD" -m grep -q "$UPSTREAM_IP" /etc/resolv.conf 2>/dev/null && break; sleep 0.1; done
  p import -q --change 'CMD ["/bin/sh"]' "$ROOT/busybox.tar" docker.io/library/alpine:latest >/dev/null
  p network create bench-net >/dev/null
  p run -d --name target --network bench-net alpine sleep 3600 >/dev/null
  p run -d --name client --network bench-net alpine sleep 3600 >/dev/null
  P_CLIENT=$(p inspect -f '{{.State.Pid}}' client)
  P_TARGET_IP=$(p inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' target)
  P_SERVER=$(p network inspect -f '{{range .Subnets}}{{.Gateway}}{{end}}' bench-net)
  P_DNS=$(p network inspect -f '{{.DNSEnabled}}' bench-net)
  [ "$P_DNS" = true ] || die "podman network bench-net has dns_enabled=$P_DNS (aardvark-dns not used)"
  PODMAN_OK=1
else
  log "podman, netavark or aardvark-dns not installed (scripts/install-deps.sh bench): Berth only"
fi

# --- correctness first: each engine must answer both names right, else the figures mean little ---
CHECKS=()
check() {  # ENGINE CLIENT_PID SERVER NAME WANT
  local got; got=$(timeout 10 nsenter -t "$2" -n python3 bench/dns_query.py "$3" "$4" 2>&1 || true)
  if [ "$got" = "NOERROR $5" ]; then CHECKS+=("$1: $4 → $5 ✓")
  else CHECKS+=("$1: $4 → **$got** (expected NOERROR $5) ✗"); fi
}
check berth "$B_CLIENT" "$B_SERVER" "$LOCAL_NAME" "$B_TARGET_IP"
check berth "$B_CLIENT" "$B_SERVER" "$FWD_NAME" "$UPSTREAM_ANSWER"
if [ -n "$PODMAN_OK" ]; then
  check aardvark "$P_CLIENT" "$P_SERVER" "$LOCAL_NAME" "$P_TARGET_IP"
  check aardvark "$P_CLIENT" "$P_SERVER" "$FWD_NAME" "$UPSTREAM_ANSWER"
fi

# --- load runs --------------------------------------------------------------------------------------
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }   # utime + stime
# dnsperf_to TARGET SERVER QUERYFILE SECS OUT [extra dnsperf args]; TARGET: berth | aardvark | floor
dnsperf_to() {
  local target=$1 server=$2 qf=$3 secs=$4 out=$5 enter; shift 5
  case $target in
    berth) enter=(nsenter -t "$B_CLIENT" -n) ;;
    aardvark) enter=(nsenter -t "$P_CLIENT" -n) ;;
    floor) enter=(ip netns exec "$NSB") ;;       # the fake upstream, from its own namespace
  esac
  timeout $((secs + 20)) "${enter[@]}" dnsperf -s "$server" -d "$qf" -l "$secs" "${DNSPERF_COMMON[@]}" "$@" \
    >"$out" 2>&1 || log "dnsperf exited non-zero ($out)"
}
server_of() { case $1 in berth) echo "$B_SERVER" ;; aardvark) echo "$P_SERVER" ;; floor) echo "$UPSTREAM_IP" ;; esac; }
ENGINES=(berth); [ -n "$PODMAN_OK" ] && ENGINES+=(aardvark)
[ -n "$PODMAN_OK" ] && A_SRV_PID=$(nsenter -t "$HOLD" -m cat /run/containers/networks/aardvark-dns/aardvark.pid 2>/dev/null || true)
HZ=$(getconf CLK_TCK)
for case in local forward; do
  # closed loop: SAT_ROUNDS interleaved rounds too (other load on the machine comes and goes)
  for engine in "${ENGINES[@]}"; do
    dnsperf_to "$engine" "$(server_of "$engine")" "$ROOT/$case.q" "$WARM_SECS" /dev/null -q "$INFLIGHT"
  done
  log "$case: closed loop, $SAT_ROUNDS rounds of ${SAT_SECS}s per engine (after ${WARM_SECS}s warm-ups)"
  order=("${ENGINES[@]}")
  for r in $(seq 1 "$SAT_ROUNDS"); do
    for engine in "${order[@]}"; do
      spid=$BPID; [ "$engine" = aardvark ] && spid=$A_SRV_PID   # Berth's servers run inside berthd
      t0=$(cpu_ticks "$spid")
      dnsperf_to "$engine" "$(server_of "$engine")" "$ROOT/$case.q" "$SAT_SECS" "$RUNS/$case.$engine.sat.$r.txt" -q "$INFLIGHT"
      t1=$(cpu_ticks "$spid")
      [ -n "$spid" ] && awk -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN { printf "%.3f\n", (b - a) / hz }' > "$RUNS/$case.$engine.cpu.$r"
    done
    order=("${order[@]:1}" "${order[0]}")
  done
  # the fixed rate: half the slower engine's median closed-loop QPS, capped, the same for both engines
  rate=$RATE_CAP
  for engine in "${ENGINES[@]}"; do
    q=$(python3 bench/dns_report.py qps "$RUNS" "$case" "$engine"); h=$(( q / 2 / 100 * 100 ))
    [ "$h" -gt 0 ] && [ "$h" -lt "$rate" ] && rate=$h
  done
  echo "$rate" > "$RUNS/$case.rate"
  log "$case: $ROUNDS rounds at $rate/s, ${LAT_SECS}s each, per-query latencies"
  order=("${ENGINES[@]}" floor)
  for r in $(seq 1 "$ROUNDS"); do
    for engine in "${order[@]}"; do
      dnsperf_to "$engine" "$(server_of "$engine")" "$ROOT/$case.q" "$LAT_SECS" "$RUNS/$case.$engine.lat.$r.txt" \
        -q "$INFLIGHT" -Q "$rate" -v
    done
    order=("${order[@]:1}" "${order[0]}")   # rotate, so no engine always runs first after a pause
  done
done
log "baseline: dnsperf straight at the fake upstream, closed loop ${SAT_SECS}s"
dnsperf_to floor "$UPSTREAM_IP" "$ROOT/forward.q" "$SAT_SECS" "$RUNS/upstream.floor.sat.1.txt" -q "$INFLIGHT"

# --- report -------------------------------------------------------------------------------------
B_ALIVE=no; kill -0 "$BPID" 2>/dev/null && B_ALIVE=yes
echo "## Embedded DNS vs aardvark-dns (dnsperf)"
echo
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) · kernel $(uname -r) · $(nproc) cores · berthd release build ·" \
  "$(dnsperf -h 2>&1 | grep -m1 -o 'Version [0-9.]*' | sed 's/Version/dnsperf/') ·" \
  "$(dpkg-query -W -f='aardvark-dns ${Version}, netavark ' aardvark-dns 2>/dev/null)$(dpkg-query -W -f='${Version}, ' netavark 2>/dev/null)$(podman --version 2>/dev/null)"
echo
cat <<EOF
dnsperf (host binary, UDP) runs inside the client container's network namespace against the
server that container's resolv.conf names: Berth \`$B_SERVER\` (nftables-redirected, inside the
container, to berthd's listener for that container, so queries stay on the container's loopback);
aardvark-dns on the podman network's gateway \`${P_SERVER:-n/a}\` (across the veth and bridge). That
difference is each design's own. Same settings for both: \`-c $CLIENTS -T $THREADS -t $TIMEOUT -q $INFLIGHT\`.
Closed loop: \`-l $SAT_SECS\`, $SAT_ROUNDS interleaved rounds per engine after a ${WARM_SECS} s warm-up; the median
round's QPS, the range in brackets. Fixed rate: \`-Q <rate> -l $LAT_SECS -v\`, $ROUNDS interleaved rounds;
p50/p99 (nearest rank) from \`-v\`'s per-query latencies (dnsperf 2.10 has no histogram option), the
median round's, p99's range over rounds in brackets. Names: local \`$LOCAL_NAME\` (the other container);
forwarded \`$FWD_NAME\` → a fake upstream (\`bench/dns_upstream.py\`, $UPSTREAM_IP:53) in each
engine's own namespace: berthd \`--dns $UPSTREAM_IP\`, aardvark-dns reads it from the resolv.conf it
starts with; the same upstream reached the same way (loopback of the engine's namespace), so the
forwarded rows are comparable. Server CPU per query: CPU time of the whole berthd, or of the
aardvark-dns process, over the closed-loop rounds ÷ queries answered. $(nproc) cores, dnsperf takes
about one: the closed-loop figures are CPU-bound for both engines. Load average before the run: $LOAD_BEFORE.

EOF
python3 bench/dns_report.py table "$RUNS"
echo
echo "Answers checked before the runs:"
for c in "${CHECKS[@]}"; do echo "- $c"; done
if [ "$ONLY" = berth ]; then echo "- aardvark-dns: not started (\`--only berth\`)"
else [ -n "$PODMAN_OK" ] || echo "- aardvark-dns: **not measured** (podman/netavark/aardvark-dns not installed)"; fi
echo
berr=$(grep -ciE 'error|warn|fatal|crash|panic' "$ROOT/berthd.log" || true)
echo "berthd after the runs: running=$B_ALIVE, resident memory $(awk '/VmRSS/ {print $2, $3}' "/proc/$BPID/status" 2>/dev/null || echo n/a), $berr log lines with error/warning."
if [ "$berr" -gt 0 ]; then
  echo
  echo '```'
  grep -iE 'error|warn|fatal|crash|panic' "$ROOT/berthd.log" | cut -d' ' -f2- | sort | uniq -c | sort -rn | head -10
  echo '```'
fi
