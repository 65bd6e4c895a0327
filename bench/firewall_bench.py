#!/usr/bin/env python3
"""Helpers for bench/firewall.sh (Berth against dockerd: networks at scale, published-port throughput).

usage: firewall_bench.py create SOCKET PREFIX FIRST COUNT     creates networks PREFIX-FIRST ... over
                                                              one keep-alive connection; prints the
                                                              seconds it took
       firewall_bench.py connect --engine LABEL=SOCKET ... --network NAME --container NAME
                                 --reps N [--warmup N] [--settle S] --json FILE
                                                              network connect + disconnect of a
                                                              running container, engines interleaved
       firewall_bench.py nftcount                             stdin: `nft -j list table ...`;
                                                              prints "RULES ELEMENTS"
       firewall_bench.py report DIR                           the markdown tables from DIR's files

The HTTP client, the interleaving (A B, B A, ... with an untimed settle pause before each turn) and
the warm-up come from api_latency.py, so these figures are taken the way peers.sh takes its own.
"""
import glob, json, os, statistics, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_latency import Engine, measure   # noqa: E402  (same directory)

B, D = "berth", "dockerd"

# --- create -------------------------------------------------------------------------------------
def create(sock, prefix, first, count):
    e = Engine("create", sock)
    t = time.perf_counter()
    for i in range(first, first + count):
        e.call("POST", "/networks/create", {"Name": f"{prefix}-{i:04d}", "Driver": "bridge", "CheckDuplicate": True})
    print(f"{time.perf_counter() - t:.3f}")

# --- connect ------------------------------------------------------------------------------------
def connect(args):
    import argparse
    ap = argparse.ArgumentParser(prog="firewall_bench.py connect")
    ap.add_argument("--engine", action="append", required=True, metavar="LABEL=SOCKET")
    ap.add_argument("--network", required=True)
    ap.add_argument("--container", required=True, help="name of a running container in every engine")
    ap.add_argument("--reps", type=int, required=True)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--settle", type=float, default=0.05)
    ap.add_argument("--json", required=True)
    a = ap.parse_args(args)
    engines = [Engine(*s.split("=", 1)) for s in a.engine]
    for e in engines:   # by ID, as the API is called (names resolved once, untimed)
        e.holder = json.loads(e.call("GET", f"/containers/{a.container}/json"))["Id"]
        e.net = json.loads(e.call("GET", f"/networks/{a.network}"))["Id"]

    def fn(e):
        e.call("POST", f"/networks/{e.net}/connect", {"Container": e.holder})
        e.call("POST", f"/networks/{e.net}/disconnect", {"Container": e.holder})

    samples = measure(fn, engines, a.reps, warmup=a.warmup, settle=a.settle)
    with open(a.json, "w") as f:
        json.dump({"reps": a.reps, "warmup": a.warmup, "settle": a.settle, "samples": samples}, f)

# --- nftcount -----------------------------------------------------------------------------------
def nftcount():
    doc = json.load(sys.stdin)["nftables"]
    rules = sum(1 for o in doc if "rule" in o)
    elements = sum(len((o.get("set") or o.get("map"))["elem"] or [])
                   for o in doc if ("set" in o or "map" in o) and "elem" in (o.get("set") or o.get("map")))
    print(rules, elements)

# --- report -------------------------------------------------------------------------------------
def ms(x):
    return f"{x:.2f} ms" if x < 100 else f"{x:.0f} ms"

def ratio(b, d):
    if not d or b is None:
        return "–"
    r = b / d
    return f"**{r:.2f}×**" + (f" ({1 / r:.1f}× faster)" if r < 0.8 else "")

def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

def rules_of(d, n, kind="rules"):
    """KIND.N as {label: [fields]}; rules.N: 'berth RULES ELEMENTS' and 'dockerd RULES TOOL' lines."""
    out = {}
    try:
        for line in open(os.path.join(d, f"{kind}.{n}")):
            f = line.split()
            out[f[0]] = f[1:]
    except OSError:
        pass
    return out

def berth_only(d):
    """True when the run had no dockerd (firewall.sh --only berth): Berth's columns only."""
    return not any(D in rules_of(d, os.path.basename(f).split(".")[1]) for f in glob.glob(os.path.join(d, "rules.*")))

def latency_table_berth(d, ns):
    print("| extra networks | Berth median | Berth min – max | Berth rules (set elements) |")
    print("|---|---|---|---|")
    med, reps, warm = {}, None, None
    for n in ns:
        doc, r = load(os.path.join(d, f"lat.{n}.json")), rules_of(d, n)
        br = f"{r[B][0]} ({r[B][1]})" if B in r else "n/a"
        if not doc:
            print(f"| {n} | not measured | | {br} |")
            continue
        reps, warm = doc["reps"], doc["warmup"]
        b = doc["samples"][B]
        med[n] = statistics.median(b)
        print(f"| {n} | {ms(med[n])} | {ms(min(b))} – {ms(max(b))} | {br} |")
    lo, hi = ns[0], ns[-1]
    if lo in med and hi in med:
        g = med[hi] / med[lo]
        print(f"| median at {hi} ÷ at {lo} | **{g:.2f}×** | | |")
        print()
        print(f"Berth's connect + disconnect at {hi} networks is {g:.2f}× its figure at {lo}: "
              f"{'within' if g <= 1.2 else '**not** within'} the issue's 1.2× goal.")
    created, prev = [], 0
    for n in ns:
        c = rules_of(d, n, "create")
        if B in c:
            created.append((prev, n, float(c[B][0])))
        prev = n
    if created:
        print()
        print("| network create, one keep-alive connection (not the figure measured above) | Berth |")
        print("|---|---|")
        for lo_n, hi_n, cb in created:
            print(f"| {hi_n - lo_n} networks, from {lo_n} to {hi_n} | {cb:.1f} s ({cb / (hi_n - lo_n) * 1000:.1f} ms each) |")
    print()
    if reps is not None:
        print(f"network connect + disconnect of a running container on the default bridge, to the first user network; "
              f"{reps} runs at each count after {warm} warm-ups, an untimed 50 ms pause before each run. Rules: "
              f"Berth's `inet berth` table (`nft -j`) and the elements of its sets and maps.")

def latency_table(d, ns):
    if berth_only(d):
        return latency_table_berth(d, ns)
    print("| extra networks | Berth median | dockerd median | Berth ÷ dockerd | Berth min – max | dockerd min – max "
          "| Berth rules (set elements) | dockerd rules |")
    print("|---|---|---|---|---|---|---|---|")
    med = {}
    reps = warm = None
    tool = "iptables"
    for n in ns:
        doc = load(os.path.join(d, f"lat.{n}.json"))
        r = rules_of(d, n)
        br = f"{r[B][0]} ({r[B][1]})" if B in r else "n/a"
        dr = r[D][0] if D in r else "n/a"
        if D in r and len(r[D]) > 1:
            tool = r[D][1]
        if not doc:
            print(f"| {n} | not measured | | | | | {br} | {dr} |")
            continue
        reps, warm = doc["reps"], doc["warmup"]
        b, dd = doc["samples"][B], doc["samples"][D]
        mb, md = statistics.median(b), statistics.median(dd)
        med[n] = (mb, md)
        print(f"| {n} | {ms(mb)} | {ms(md)} | {ratio(mb, md)} | {ms(min(b))} – {ms(max(b))} | {ms(min(dd))} – {ms(max(dd))} "
              f"| {br} | {dr} |")
    lo, hi = ns[0], ns[-1]
    if lo in med and hi in med:
        gb, gd = med[hi][0] / med[lo][0], med[hi][1] / med[lo][1]
        ok = "within" if gb <= 1.2 else "**not** within"
        print(f"| median at {hi} ÷ at {lo} | **{gb:.2f}×** | **{gd:.2f}×** | | | | | |")
        print()
        print(f"Berth's connect + disconnect at {hi} networks is {gb:.2f}× its figure at {lo}: {ok} the "
              f"issue's 1.2× goal. dockerd: {gd:.2f}×.")
    # create.N: 'berth SECONDS' and 'dockerd SECONDS', the time to go from the previous count to N
    created, prev = [], 0
    for n in ns:
        c = rules_of(d, n, "create")
        if B in c and D in c:
            created.append((prev, n, float(c[B][0]), float(c[D][0])))
        prev = n
    if created:
        print()
        print("| network create, one keep-alive connection (not the figure measured above) | Berth | dockerd | Berth ÷ dockerd |")
        print("|---|---|---|---|")
        for lo_n, hi_n, cb, cd in created:
            k = hi_n - lo_n
            print(f"| {k} networks, from {lo_n} to {hi_n} | {cb:.1f} s ({cb / k * 1000:.1f} ms each) "
                  f"| {cd:.1f} s ({cd / k * 1000:.1f} ms each) | {ratio(cb, cd)} |")
    print()
    if reps is not None:
        print(f"network connect + disconnect (POST /networks/ID/connect with the container's ID, then /disconnect) of a "
              f"running container on the default bridge, to the first user network; {reps} runs per engine at each count after {warm} "
              f"warm-ups each, the engines taking turns run by run (A B, B A, …), an untimed 50 ms pause before "
              f"each run. Rules: in the daemon's namespace only, with one published port and two containers "
              f"running. Berth: rules in its `inet berth` table (`nft -j`), and the elements of its sets and "
              f"maps; dockerd: `-A` lines of `{tool}`.")

def gbit(doc):
    if not doc or "error" in doc:
        return None
    try:
        return doc["end"]["sum_received"]["bits_per_second"] / 1e9
    except (KeyError, TypeError):
        return None

PATHS = [
    ("a", "outside namespace → daemon namespace's address:5201 (DNAT)"),
    ("b", "daemon namespace → 127.0.0.1:5201 (Berth: DNAT, route_localnet; dockerd: docker-proxy)"),
    ("c", "daemon namespace → container IP:5201 (no NAT: the floor)"),
]

def throughput_table(d):
    phases = sorted({os.path.basename(f).split(".")[1] for f in glob.glob(os.path.join(d, "iperf", "*.json"))},
                    key=int)
    if not phases:
        print("published-port throughput: **not measured**")
        return
    only_b = berth_only(d)
    if only_b:
        print("| path | networks | Berth Gbit/s | Berth min – max |")
        print("|---|---|---|---|")
    else:
        print("| path | networks | Berth Gbit/s | dockerd Gbit/s | Berth ÷ dockerd | Berth min – max | dockerd min – max |")
        print("|---|---|---|---|---|---|---|")
    failed, runs = [], 0
    for key, name in PATHS:
        for ph in phases:
            vals = {}
            for eng in ((B,) if only_b else (B, D)):
                xs = []
                for f in sorted(glob.glob(os.path.join(d, "iperf", f"{key}.{ph}.{eng}.*.json"))):
                    g = gbit(load(f))
                    if g is None:
                        failed.append(os.path.basename(f))
                    else:
                        xs.append(g)
                vals[eng] = xs
                runs = max(runs, len(xs))
            b, dd = vals[B], vals.get(D, [])
            mb = statistics.median(b) if b else None
            md = statistics.median(dd) if dd else None
            f = lambda x: f"{x:.2f}" if x is not None else "failed"
            rr = "–" if mb is None or md is None else f"**{mb / md:.2f}×**"
            rng = lambda xs: f"{min(xs):.2f} – {max(xs):.2f}" if xs else ""
            if only_b:
                print(f"| ({key}) {name} | {ph} | {f(mb)} | {rng(b)} |")
            else:
                print(f"| ({key}) {name} | {ph} | {f(mb)} | {f(md)} | {rr} | {rng(b)} | {rng(dd)} |")
    print()
    print(f"iperf3, one TCP stream, median of {runs} run(s) per engine, path and network count, the engines taking "
          f"turns; higher is better, and above 1 in the ratio column means Berth is faster.")
    if failed:
        print()
        print(f"Failed iperf3 runs: {', '.join(failed)}")

def report(d):
    ns = sorted(int(os.path.basename(f).split(".")[1]) for f in glob.glob(os.path.join(d, "rules.*")))
    print("### Network connect + disconnect with many networks")
    print()
    latency_table(d, ns)
    print()
    print("### Throughput through a published port (iperf3)")
    print()
    throughput_table(d)

if __name__ == "__main__":
    cmd, rest = sys.argv[1], sys.argv[2:]
    if cmd == "create":
        create(rest[0], rest[1], int(rest[2]), int(rest[3]))
    elif cmd == "connect":
        connect(rest)
    elif cmd == "nftcount":
        nftcount()
    elif cmd == "report":
        report(rest[0])
    else:
        sys.exit(__doc__)
