#!/usr/bin/env python3
"""Helpers for bench/footprint.sh (container-to-container network and daemon memory, Berth against
dockerd and podman).

usage: footprint_bench.py fill SOCKET NETS PER_NET      creates networks fp-net-01 … and PER_NET
                                                        containers on each (`sleep 100000`, create +
                                                        start, one keep-alive connection, one after
                                                        the other); prints "NET_SECONDS CONTAINER_SECONDS"
       footprint_bench.py procs NS                      the processes in network namespace NS:
                                                        "PID COMM VMRSS_KB PSS_KB" lines
       footprint_bench.py report DIR                    the markdown tables from DIR's files

The HTTP client comes from api_latency.py (one keep-alive connection, as the docker SDK uses).
"""
import glob, json, os, re, statistics, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_latency import Engine   # noqa: E402  (same directory)

ORDER = ["berth", "dockerd", "podman"]

# --- fill ---------------------------------------------------------------------------------------
def fill(sock, nets, per_net):
    e = Engine("fill", sock)
    t = time.perf_counter()
    for n in range(1, nets + 1):
        e.call("POST", "/networks/create", {"Name": f"fp-net-{n:02d}", "Driver": "bridge", "CheckDuplicate": True})
    t_net = time.perf_counter() - t
    t = time.perf_counter()
    for n in range(1, nets + 1):
        for i in range(1, per_net + 1):
            cid = json.loads(e.call("POST", f"/containers/create?name=fp-{n:02d}-{i:02d}",
                                    {"Image": "alpine", "Cmd": ["sleep", "100000"],
                                     "HostConfig": {"NetworkMode": f"fp-net-{n:02d}"}}))["Id"]
            e.call("POST", f"/containers/{cid}/start")
    print(f"{t_net:.3f} {time.perf_counter() - t:.3f}")

# --- procs --------------------------------------------------------------------------------------
def procs(ns):
    out = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.split()
    for pid in out:
        try:
            comm = open(f"/proc/{pid}/comm").read().strip()
            rss = re.search(r"^VmRSS:\s+(\d+)", open(f"/proc/{pid}/status").read(), re.M)
            # PSS: each shared page divided among the processes mapping it (sums add up honestly)
            pss = re.search(r"^Pss:\s+(\d+)", open(f"/proc/{pid}/smaps_rollup").read(), re.M)
        except OSError:
            continue           # gone meanwhile
        print(pid, comm, rss.group(1) if rss else 0, pss.group(1) if pss else 0)

# --- report -------------------------------------------------------------------------------------
def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

def engines_in(d, pattern):
    found = {os.path.basename(f).split(".")[1] for f in glob.glob(os.path.join(d, pattern))}
    return sorted(found, key=lambda e: (ORDER.index(e) if e in ORDER else 9, e))

def ratio(b, x, fmt="{:.2f}×"):
    return "–" if b is None or not x else "**" + fmt.format(b / x) + "**"

def ping_stats(d, eng):
    """Per-reply times of every round, and the rounds' summary averages (ping's own line)."""
    times, avgs, sent, recv = [], [], 0, 0
    for f in sorted(glob.glob(os.path.join(d, f"ping.{eng}.*.txt"))):
        text = open(f).read()
        times += [float(x) for x in re.findall(r"time=([\d.]+) ms", text)]
        m = re.search(r"min/avg/max = [\d.]+/([\d.]+)/[\d.]+ ms", text)
        if m:
            avgs.append(float(m.group(1)))
        m = re.search(r"(\d+) packets transmitted, (\d+) packets received", text)
        if m:
            sent += int(m.group(1)); recv += int(m.group(2))
    return times, avgs, sent, recv

def gbit(path):
    doc = load(path)
    try:
        return doc["end"]["sum_received"]["bits_per_second"] / 1e9
    except (KeyError, TypeError):
        return None

def net_table(d):
    engines = engines_in(d, "ping.*.1.txt")
    if not engines:
        print("ping / iperf3 between two containers: **not measured**")
        return
    peers = [e for e in engines if e != "berth"]
    cols = ["measure"] + engines + [f"berth ÷ {p}" for p in peers]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    ping = {e: ping_stats(d, e) for e in engines}
    med = {e: statistics.median(ping[e][0]) if ping[e][0] else None for e in engines}
    avg = {e: statistics.mean(ping[e][1]) if ping[e][1] else None for e in engines}
    f = lambda x, u: f"{x:.3f} {u}" if x is not None else "failed"
    def out(name, vals, with_ratios):
        cells = [name] + vals
        cells += [ratio(with_ratios["berth"], with_ratios[p]) if with_ratios else "" for p in peers]
        print("| " + " | ".join(cells) + " |")
    out("ping RTT, median of every reply", [f(med[e], "ms") for e in engines], med)
    out("ping RTT, avg (ping's summary, mean of rounds)", [f(avg[e], "ms") for e in engines], avg)
    out("ping RTT, min – max of every reply",
        [f"{min(ping[e][0]):.3f} – {max(ping[e][0]):.3f} ms" if ping[e][0] else "failed" for e in engines], None)
    out("ping replies received / sent", [f"{ping[e][3]} / {ping[e][2]}" for e in engines], None)
    thr, failed, rounds = {}, [], 0
    for e in engines:
        xs = []
        for fn in sorted(glob.glob(os.path.join(d, f"iperf.{e}.*.json"))):
            g = gbit(fn)
            (xs.append(g) if g is not None else failed.append(os.path.basename(fn)))
        thr[e] = xs
        rounds = max(rounds, len(xs))
    if any(thr.values()):
        mt = {e: statistics.median(thr[e]) if thr[e] else None for e in engines}
        out("iperf3 TCP throughput, median (higher is better)", [f(mt[e], "Gbit/s") for e in engines], mt)
        out("iperf3 min – max", [f"{min(thr[e]):.2f} – {max(thr[e]):.2f} Gbit/s" if thr[e] else "failed" for e in engines], None)
    meta = load(os.path.join(d, "net.meta.json")) or {}
    print()
    print(f"Two containers (`sleep`) on one user bridge network per engine. ping: busybox's (the host's busybox-static, "
          f"the same binary as in the image) run in container A's network namespace (`nsenter -t PID -n`), "
          f"`ping -c {meta.get('count', '?')} -i {meta.get('interval', '?')}` to container B's address, "
          f"{meta.get('ping_rounds', '?')} round(s) per engine after a 3-ping warm-up, the engines taking turns; lower is better. "
          f"iperf3: the host's binary, server in B's network namespace, client in A's, one TCP stream, "
          f"`-t {meta.get('iperf_t', '?')} -O 1`, {rounds} round(s) per engine taking turns; above 1 in the ratio "
          f"column means Berth is faster. The path is the same kind for every engine (veth → Linux bridge → veth); "
          f"what differs is each engine's firewall on it (berth: nftables; dockerd: iptables; podman: netavark's iptables).")
    if failed:
        print(f"\nFailed iperf3 runs: {', '.join(failed)}")

# procs.ENGINE.PHASE: "PID COMM RSS_KB PSS_KB" lines of every process in the engine's namespace
SUPERVISORS = {"conmon", "containerd-shim", "containerd-shim-runc-v2"}
def classify(eng, comm):
    if comm in SUPERVISORS or comm.startswith("containerd-shim"):
        return "supervisors"
    if eng == "berth" and comm == "berthd":
        return "daemon"
    if eng == "dockerd" and comm == "dockerd":
        return "daemon"
    if eng == "dockerd" and comm == "containerd":
        return "containerd"
    if eng == "podman" and comm == "podman":
        return "daemon"
    if eng == "podman" and comm == "aardvark-dns":
        return "dns"
    return "other"

def mem(d, eng, phase, col=2):
    """{group: (kB, processes, names)}; col 2: VmRSS, col 3: PSS."""
    groups = {}
    try:
        lines = open(os.path.join(d, f"procs.{eng}.{phase}")).read().split("\n")
    except OSError:
        return None
    for line in lines:
        f = line.split()
        if len(f) != 4:
            continue
        g = classify(eng, f[1])
        kb, n, names = groups.get(g, (0, 0, set()))
        groups[g] = (kb + int(f[col]), n + 1, names | {f[1]})
    return groups

def mib(kb):
    return f"{kb / 1024:.1f} MiB"

def mem_table(d):
    engines = engines_in(d, "procs.*.full")
    if not engines:
        print("daemon memory with 100 containers: **not measured**")
        return
    meta = load(os.path.join(d, "mem.meta.json")) or {}
    nets, per = meta.get("nets", "?"), meta.get("per_net", "?")
    full = {e: mem(d, e, "full") for e in engines}
    full_pss = {e: mem(d, e, "full", col=3) for e in engines}
    idle = {e: mem(d, e, "idle") for e in engines}
    peers = [e for e in engines if e != "berth"]
    label = {"berth": "berth", "dockerd": "dockerd", "podman": "podman"}
    cols = ["resident memory (VmRSS)"] + [label[e] for e in engines] + [f"berth ÷ {p}" for p in peers]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))

    def g(groups, key):
        return groups.get(key, (0, 0, set()))[0] if groups else None

    def daemon_total(e, groups):
        # what plays the daemon's part: berthd (embedded DNS included); dockerd + its containerd;
        # podman's API service + aardvark-dns (podman's DNS server is a process of its own)
        if not groups:
            return None
        return g(groups, "daemon") + g(groups, "containerd") + g(groups, "dns")

    def line(name, vals, ratios=True):
        cells = [name] + [mib(v) if v is not None else "–" for v in vals.values()]
        cells += [ratio(vals.get("berth"), vals.get(p)) if ratios else "" for p in peers]
        print("| " + " | ".join(cells) + " |")

    names = {"berth": "berthd", "dockerd": "dockerd", "podman": "`podman system service`"}
    line(f"daemon process, idle (image imported, no container): berthd / dockerd / podman API service",
         {e: g(idle[e], "daemon") for e in engines})
    line(f"daemon process, {nets} networks + {nets * per if isinstance(nets, int) else '?'} running containers",
         {e: g(full[e], "daemon") for e in engines})
    if "dockerd" in engines:
        line("dockerd's containerd (with 100 containers; separate process)", {e: (g(full[e], "containerd") if e == "dockerd" else None) for e in engines}, ratios=False)
    if "podman" in engines:
        line("aardvark-dns (podman's DNS server; berth's is inside berthd)", {e: (g(full[e], "dns") if e == "podman" else None) for e in engines}, ratios=False)
    line("**daemon total**: berthd; dockerd + containerd; podman service + aardvark-dns",
         {e: daemon_total(e, full[e]) for e in engines})
    sup = {e: g(full[e], "supervisors") for e in engines}
    cells = ["per-container supervisors, total (berth, podman: conmon; dockerd: containerd-shim-runc-v2)"]
    for e in engines:
        n = full[e].get("supervisors", (0, 0, set()))[1] if full[e] else 0
        cells.append(f"{mib(sup[e])} ({n} processes)" if full[e] else "–")
    cells += [ratio(sup.get("berth"), sup.get(p)) for p in peers]
    print("| " + " | ".join(cells) + " |")
    line("per-container supervisors, PSS total (shared pages split among the processes sharing them)",
         {e: g(full_pss[e], "supervisors") for e in engines})
    line("everything the engine runs besides the containers' own processes (daemon total + supervisors), PSS",
         {e: (daemon_total(e, full_pss[e]) or 0) + (g(full_pss[e], "supervisors") or 0) if full_pss[e] else None
          for e in engines})
    others = {e: full[e].get("other") for e in engines if full[e] and full[e].get("other")}
    times = {}
    for e in engines:
        try:
            tn, tc = open(os.path.join(d, f"fill.{e}")).read().split()
            times[e] = (float(tn), float(tc))
        except (OSError, ValueError):
            pass
    if times:
        cells = [f"time to create + start the {nets * per if isinstance(nets, int) else '?'} containers (one after the other, one keep-alive connection)"]
        cells += [f"{times[e][1]:.1f} s ({times[e][1] * 1000 / (nets * per):.0f} ms each)" if e in times else "–" for e in engines]
        cells += [ratio(times.get("berth", (0, None))[1], times.get(p, (0, None))[1]) for p in peers]
        print("| " + " | ".join(cells) + " |")
        cells = [f"time to create the {nets} networks first"]
        cells += [f"{times[e][0]:.2f} s" if e in times else "–" for e in engines]
        cells += [ratio(times.get("berth", (None, 0))[0], times.get(p, (None, 0))[0]) for p in peers]
        print("| " + " | ".join(cells) + " |")
    print()
    b = g(full.get("berth"), "daemon")
    if "dockerd" in engines and b and g(full["dockerd"], "daemon"):
        dd = g(full["dockerd"], "daemon")
        dc = dd + g(full["dockerd"], "containerd")
        print(f"- Issue 6's goal, berthd's RSS under a third of dockerd's with {nets * per if isinstance(nets, int) else '?'} containers on "
              f"{nets} networks: berthd ÷ dockerd = {b / dd:.2f}× — {'met' if b / dd < 1 / 3 else '**not met**'}; "
              f"berthd ÷ (dockerd + containerd) = {b / dc:.2f}× — {'met' if b / dc < 1 / 3 else '**not met**'}.")
    print(f"- {per} containers (`sleep 100000`) on each of {nets} user bridge networks per engine, made over the "
          f"Engine API one after the other (engines one at a time, so the start times do not compete); VmRSS read from "
          f"/proc after every engine had all of its containers running and a {meta.get('settle', '?')} s settle. "
          f"Rows are VmRSS (what /proc/PID/status says; pages shared between processes count in each) except the PSS rows, which use `/proc/PID/smaps_rollup`'s Pss so that a sum over many processes is honest. Processes counted: those in the engine's own network namespace (`ip netns pids`), grouped by name; the "
          f"containers' own `sleep` processes live in their own namespaces and are not counted (the same for all). "
          f"Idle: after the image import, before any container. Podman has no daemon in normal use: its figure is "
          f"the API service these benchmarks drive (`podman system service`), the process that does the work dockerd "
          f"and berthd do; a CLI-driven podman would have no resident process besides conmon and aardvark-dns.")
    if "podman" in engines and times:
        print("- podman's network create only writes its network config file; netavark makes the bridge and its "
              "firewall rules when the first container joins, so that cost is in podman's container starts here. "
              "berthd and dockerd make the bridge at create.")
    if others:
        print("- Also in the namespaces (not counted above): " + "; ".join(
            f"{e}: {', '.join(sorted(v[2]))} {mib(v[0])}" for e, v in others.items()))

def report(d):
    print("### Two containers on one bridge: ping RTT and iperf3 throughput")
    print()
    net_table(d)
    print()
    print("### Daemon memory with 100 containers on 10 networks")
    print()
    mem_table(d)

if __name__ == "__main__":
    cmd, rest = sys.argv[1], sys.argv[2:]
    if cmd == "fill":
        fill(rest[0], int(rest[1]), int(rest[2]))
    elif cmd == "procs":
        procs(rest[0])
    elif cmd == "report":
        report(rest[0])
    else:
        sys.exit(__doc__)
