#!/usr/bin/env python3
"""Reads bench/dns.sh's dnsperf outputs and prints the markdown table (or one figure for the script).

Run files in RUNDIR, written by dns.sh (CASE: local | forward; ENGINE: berth | aardvark | floor,
`floor` being dnsperf straight at the fake upstream, without an engine: the noise floor):
  CASE.ENGINE.sat.N.txt  closed-loop round N (no -v): dnsperf's own QPS and average latency
  CASE.ENGINE.cpu.N      CPU seconds the serving process used during that round
  CASE.ENGINE.lat.N.txt  fixed-rate round N with -v: one `> RCODE name type seconds` line per answered
                         query, from which p50/p99 are computed here (dnsperf 2.10 has no histogram)
  CASE.rate              the fixed rate (queries/s) of the .lat rounds
  upstream.floor.sat.1.txt  closed loop straight at the fake upstream (its ceiling)
Rounds are summarised by their median (and the range), which keeps a stall of this VM that hits
one round from deciding the figure.
usage: dns_report.py qps RUNDIR CASE ENGINE   → median closed-loop QPS as an integer (0 if none)
       dns_report.py table RUNDIR             → the markdown table
"""
import os, re, sys

ENGINES = [("berth", "Berth embedded DNS"), ("aardvark", "aardvark-dns 1.4")]
CASES = [("local", "local name (container, A)"), ("forward", "forwarded name (fake upstream, A)")]


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def stats(text):
    """dnsperf's summary (qps, avg in s, sent, completed, lost, rcode counts) and -v percentiles."""
    if not text:
        return None
    def num(pattern, cast=float):
        m = re.search(pattern, text)
        return cast(m.group(1)) if m else None
    s = {
        "qps": num(r"Queries per second:\s+([\d.]+)"),
        "avg": num(r"Average Latency \(s\):\s+([\d.]+)"),
        "completed": num(r"Queries completed:\s+(\d+)", int) or 0,
        "lost": num(r"Queries lost:\s+(\d+)", int) or 0,
        "rcodes": {},
    }
    m = re.search(r"Response codes:\s+(.*)", text)
    for code, count in re.findall(r"([A-Z]+) (\d+) \(", m.group(1) if m else ""):
        s["rcodes"][code] = int(count)
    lat = sorted(float(m.group(1)) for m in re.finditer(r"^> \S+ \S+ \S+ ([\d.]+)$", text, re.M))
    if lat:
        s["p50"], s["p99"], s["lat_n"] = pct(lat, 50), pct(lat, 99), len(lat)
    return s if s["qps"] is not None else None


def pct(sorted_values, p):
    """Nearest-rank percentile."""
    k = -(-len(sorted_values) * p // 100) - 1
    return sorted_values[max(0, min(len(sorted_values) - 1, int(k)))]


def median(values):
    v = sorted(x for x in values if x is not None)
    n = len(v)
    return None if not n else (v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2)


def load_rounds(rundir, stem):
    """[(stats, cpu seconds or None)] for STEM.1.txt, STEM.2.txt, ..."""
    out, r = [], 1
    while (text := read(os.path.join(rundir, f"{stem}.{r}.txt"))) is not None:
        s = stats(text)
        if s:
            cpu = (read(os.path.join(rundir, stem.replace(".sat", ".cpu") + f".{r}")) or "").strip()
            out.append((s, float(cpu) if cpu and stem.endswith(".sat") else None))
        r += 1
    return out


def closed_loop(rundir, case, engine):
    runs = load_rounds(rundir, f"{case}.{engine}.sat")
    if not runs:
        return None
    qps = [s["qps"] for s, _ in runs]
    completed = sum(s["completed"] for s, _ in runs)
    cpu = [c for _, c in runs if c is not None]
    rcodes = {}
    for s, _ in runs:
        for k, v in s["rcodes"].items():
            rcodes[k] = rcodes.get(k, 0) + v
    return {
        "qps": median(qps), "qps_min": min(qps), "qps_max": max(qps),
        "avg": median([s["avg"] for s, _ in runs]), "lost": sum(s["lost"] for s, _ in runs),
        "cpu_per_query": sum(cpu) / completed if cpu and len(cpu) == len(runs) and completed else None,
        "rcodes": rcodes, "completed": completed, "rounds": len(runs),
    }


def fixed_rate(rundir, case, engine):
    runs = [s for s, _ in load_rounds(rundir, f"{case}.{engine}.lat") if "p99" in s]
    if not runs:
        return None
    n = sum(s["lat_n"] for s in runs)
    p99s = [s["p99"] for s in runs]
    return {
        "p50": median([s["p50"] for s in runs]), "p99": median(p99s), "p99_min": min(p99s), "p99_max": max(p99s),
        "avg": sum(s["avg"] * s["lat_n"] for s in runs) / n, "lost": sum(s["lost"] for s in runs),
        "rounds": len(runs), "n": n,
    }


def ms(seconds):
    return "–" if seconds is None else f"{seconds * 1000:.3f} ms"


def ratio(a, b):
    return "–" if not a or not b else f"{a / b:.2f}×"


def rcode_text(rcodes):
    total = sum(rcodes.values())
    return ", ".join(f"{k} {v:,} ({100 * v / total:.1f}%)" for k, v in sorted(rcodes.items(), key=lambda kv: -kv[1])) or "–"


def table(rundir):
    print("| case | engine | QPS, closed loop (range) | avg, closed loop | p50 @ fixed rate | p99 @ fixed rate (range) "
          "| avg @ fixed rate | lost (closed / fixed) | server CPU per query | response codes (closed loop) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    notes = []
    goal = ((None, None), (None, None))
    for case, case_label in CASES:
        got = {}
        for engine, engine_label in ENGINES:
            sat, lat = closed_loop(rundir, case, engine), fixed_rate(rundir, case, engine)
            got[engine] = (sat, lat)
            if not sat:
                if engine == "berth" or os.path.exists(os.path.join(rundir, f"{case}.{engine}.sat.1.txt")):
                    print(f"| {case_label} | {engine_label} | not run | | | | | | | |")
                continue    # (no aardvark at all: dns.sh --only berth, or podman not installed)
                continue
            cpu_q = "–" if sat["cpu_per_query"] is None else f"{sat['cpu_per_query'] * 1e6:.1f} µs"
            p99 = "–" if not lat else f"{lat['p99'] * 1000:.3f} ms ({lat['p99_min'] * 1000:.2f}–{lat['p99_max'] * 1000:.2f})"
            print(f"| {case_label} | {engine_label} | {sat['qps']:,.0f} ({sat['qps_min'] / 1000:.1f}k–{sat['qps_max'] / 1000:.1f}k) "
                  f"| {ms(sat['avg'])} | {ms(lat and lat['p50'])} | {p99} | {ms(lat and lat['avg'])} "
                  f"| {sat['lost']} / {lat['lost'] if lat else '–'} | {cpu_q} | {rcode_text(sat['rcodes'])} |")
        (bs, bl), (as_, al) = got["berth"], got["aardvark"]
        if case == "local":
            goal = (got["berth"], got["aardvark"])
        g = lambda d, k: d and d[k]
        if as_ is not None or al is not None:
          print(f"| {case_label} | **Berth ÷ aardvark** | **{ratio(g(bs, 'qps'), g(as_, 'qps'))}** "
              f"| {ratio(g(bs, 'avg'), g(as_, 'avg'))} | {ratio(g(bl, 'p50'), g(al, 'p50'))} "
              f"| **{ratio(g(bl, 'p99'), g(al, 'p99'))}** | {ratio(g(bl, 'avg'), g(al, 'avg'))} "
              f"| | {ratio(g(bs, 'cpu_per_query'), g(as_, 'cpu_per_query'))} | |")
        fl = fixed_rate(rundir, case, "floor")
        if fl:
            print(f"| {case_label} | floor: dnsperf → fake upstream, no engine | | | {ms(fl['p50'])} "
                  f"| {fl['p99'] * 1000:.3f} ms ({fl['p99_min'] * 1000:.2f}–{fl['p99_max'] * 1000:.2f}) "
                  f"| {ms(fl['avg'])} | – / {fl['lost']} | | |")
        rate = (read(os.path.join(rundir, f"{case}.rate")) or "").strip()
        if rate and bl and bs:
            notes.append(f"{case_label}: closed loop {bs['rounds']} rounds per engine; fixed rate {rate} queries/s, "
                         f"{bl['rounds']} rounds per engine ({bl['n']:,} Berth latencies)")
    up = closed_loop(rundir, "upstream", "floor")
    if up:
        print(f"| baseline | dnsperf → fake upstream, no engine (python, 1 thread) | {up['qps']:,.0f} "
              f"| {ms(up['avg'])} | | | | {up['lost']} / – | | {rcode_text(up['rcodes'])} |")
    print()
    for n in notes:
        print(f"- {n}")
    (bs, bl), (as_, _) = goal
    if bs and as_ and bl:
        r = bs["qps"] / as_["qps"]
        print(f"- issue's goal for local names: QPS ≥ 2× aardvark's — {'met' if r >= 2 else '**not met**'} ({r:.2f}×); "
              f"p99 < 1 ms — {'met' if bl['p99'] < 1e-3 else '**not met**'} ({bl['p99'] * 1000:.3f} ms at the fixed rate)")


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "qps":
        s = closed_loop(sys.argv[2], sys.argv[3], sys.argv[4])
        print(int(s["qps"]) if s else 0)
    elif len(sys.argv) == 3 and sys.argv[1] == "table":
        table(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
