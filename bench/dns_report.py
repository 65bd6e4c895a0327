#!/usr/bin/env python3
"""Reads bench/dns.sh's dnsperf outputs and prints the markdown table (or one figure for the script).

Run files in RUNDIR, written by dns.sh:
  CASE.ENGINE.sat.txt   closed-loop run (no -v): dnsperf's own QPS and average latency
  CASE.ENGINE.lat.txt   fixed-rate run with -v: one `> RCODE name type seconds` line per answered
                        query, from which p50/p99 are computed here (dnsperf 2.10 has no histogram)
  CASE.ENGINE.cpu       CPU seconds the serving process used during the .sat run (optional)
  CASE.rate             the fixed rate (queries/s) of the .lat runs
  upstream.sat.txt      dnsperf straight at the fake upstream (its ceiling)
usage: dns_report.py qps FILE          → the run's QPS as an integer (0 if none)
       dns_report.py table RUNDIR      → the markdown table
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
    """dnsperf's summary: qps, avg (s), sent, completed, lost, response codes."""
    if not text:
        return None
    def num(pattern, cast=float):
        m = re.search(pattern, text)
        return cast(m.group(1)) if m else None
    s = {
        "qps": num(r"Queries per second:\s+([\d.]+)"),
        "avg": num(r"Average Latency \(s\):\s+([\d.]+)"),
        "sent": num(r"Queries sent:\s+(\d+)", int),
        "completed": num(r"Queries completed:\s+(\d+)", int),
        "lost": num(r"Queries lost:\s+(\d+)", int),
        "rcodes": (re.search(r"Response codes:\s+(.*)", text) or [None, ""])[1].strip(),
    }
    lat = sorted(float(m.group(1)) for m in re.finditer(r"^> \S+ \S+ \S+ ([\d.]+)$", text, re.M))
    if lat:
        s["p50"] = pct(lat, 50)
        s["p99"] = pct(lat, 99)
        s["lat_n"] = len(lat)
    return s if s["qps"] is not None else None


def pct(sorted_values, p):
    """Nearest-rank percentile."""
    k = max(0, min(len(sorted_values) - 1, -(-len(sorted_values) * p // 100) - 1))
    return sorted_values[int(k)]


def ms(seconds):
    return "–" if seconds is None else f"{seconds * 1000:.3f} ms"


def ratio(a, b, fmt="{:.2f}×"):
    return "–" if not a or not b else fmt.format(a / b)


def table(rundir):
    print("| case | engine | QPS (closed loop) | avg (closed loop) | p50 @ fixed rate | p99 @ fixed rate "
          "| avg @ fixed rate | lost (closed / fixed) | server CPU per query | response codes |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    notes = []
    for case, case_label in CASES:
        rate = (read(os.path.join(rundir, f"{case}.rate")) or "").strip()
        got = {}
        for engine, engine_label in ENGINES:
            sat = stats(read(os.path.join(rundir, f"{case}.{engine}.sat.txt")))
            lat = stats(read(os.path.join(rundir, f"{case}.{engine}.lat.txt")))
            cpu = (read(os.path.join(rundir, f"{case}.{engine}.cpu")) or "").strip()
            got[engine] = (sat, lat)
            if not sat:
                print(f"| {case_label} | {engine_label} | not run | | | | | | | |")
                continue
            cpu_q = "–"
            if cpu and sat["completed"]:
                cpu_q = f"{float(cpu) / sat['completed'] * 1e6:.1f} µs"
            print(f"| {case_label} | {engine_label} | {sat['qps']:,.0f} | {ms(sat['avg'])} "
                  f"| {ms(lat and lat.get('p50'))} | {ms(lat and lat.get('p99'))} | {ms(lat and lat['avg'])} "
                  f"| {sat['lost']} / {lat['lost'] if lat else '–'} | {cpu_q} | {sat['rcodes']} |")
        (bs, bl), (as_, al) = got["berth"], got["aardvark"]
        print(f"| {case_label} | **Berth ÷ aardvark** | **{ratio(bs and bs['qps'], as_ and as_['qps'])}** "
              f"| {ratio(bs and bs['avg'], as_ and as_['avg'])} "
              f"| {ratio(bl and bl.get('p50'), al and al.get('p50'))} "
              f"| **{ratio(bl and bl.get('p99'), al and al.get('p99'))}** "
              f"| {ratio(bl and bl['avg'], al and al['avg'])} | | | |")
        if rate:
            notes.append(f"fixed rate for {case_label}: {rate} queries/s")
    up = stats(read(os.path.join(rundir, "upstream.sat.txt")))
    if up:
        print(f"| baseline: dnsperf straight at the fake upstream | (python, 1 thread) | {up['qps']:,.0f} "
              f"| {ms(up['avg'])} | | | | {up['lost']} / – | | {up['rcodes']} |")
    print()
    for n in notes:
        print(f"- {n}")


def main():
    if sys.argv[1] == "qps":
        s = stats(read(sys.argv[2]))
        print(int(s["qps"]) if s else 0)
    elif sys.argv[1] == "table":
        table(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
