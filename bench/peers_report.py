#!/usr/bin/env python3
"""Markdown tables with ratios for bench/peers.sh (Berth against dockerd), from the raw samples.

usage: peers_report.py api API.json            (api_latency.py --json output)
       peers_report.py cli DIR                 (hyperfine --export-json files DIR/<round>.<engine>.json)
       peers_report.py rss LABEL=KB ...        (resident memory rows; first label is Berth's)
Ratios are Berth ÷ dockerd of the medians: below 1 means Berth is faster (or smaller).
"""
import glob, json, os, statistics, sys

B, D = "berth", "dockerd"

def ms(x):
    return f"{x:.2f} ms" if x < 100 else f"{x:.0f} ms"

def ratio(b, d):
    if d <= 0:
        return "–"
    r = b / d
    # the ratio, and for a clear win its inverse as "N× faster", which reads better
    return f"**{r:.2f}×**" + (f" ({1 / r:.1f}× faster)" if r < 0.8 else "")

def api(path):
    doc = json.load(open(path))
    print("| operation | Berth median | dockerd median | Berth ÷ dockerd | Berth min – max | dockerd min – max |")
    print("|---|---|---|---|---|---|")
    med = {}
    for op in doc["ops"]:
        b, d = op["samples"][B], op["samples"][D]
        mb, md = statistics.median(b), statistics.median(d)
        med[op["name"]] = (mb, md)
        print(f"| {op['name']} | {ms(mb)} | {ms(md)} | {ratio(mb, md)} | {ms(min(b))} – {ms(max(b))} | {ms(min(d))} – {ms(max(d))} |")
    on, off = "run -d --network bench-net (create + start)", "run -d --network none (create + start)"
    if on in med and off in med:
        cb, cd = med[on][0] - med[off][0], med[on][1] - med[off][1]
        print(f"| the network's own cost in run -d (difference of medians) | {ms(cb)} | {ms(cd)} | "
              f"{ratio(cb, cd) if cb > 0 and cd > 0 else '–'} | | |")
    print()
    block = doc.get("block", 1)
    turns = "run by run" if block == 1 else f"every {block} runs"
    settle = (f"; an untimed {doc['settle'] * 1000:.0f} ms pause before each turn of an operation that "
              "changes state" if doc.get("settle") else "")
    print(f"{doc['reps']} runs per engine and operation after {doc['warmup']} warm-ups each, the engines "
          f"taking turns {turns} (A B, B A, …), one keep-alive connection per daemon{settle}.")

def cli(d):
    # merge every round's runs per (engine, command); hyperfine's own medians are per round
    times, rounds = {}, set()
    for f in sorted(glob.glob(os.path.join(d, "*.json"))):
        rnd, engine = os.path.basename(f).split(".")[:2]
        rounds.add(rnd)
        for r in json.load(open(f))["results"]:
            times.setdefault((r["command"], engine), []).extend(t * 1000 for t in r["times"])
    cmds = list(dict.fromkeys(c for c, _ in times))
    print("| docker CLI command (whole process, wall time) | Berth median | dockerd median | Berth ÷ dockerd | Berth min – max | dockerd min – max |")
    print("|---|---|---|---|---|---|")
    for c in cmds:
        b, dd = times.get((c, B)), times.get((c, D))
        if not b or not dd:
            continue
        mb, md = statistics.median(b), statistics.median(dd)
        print(f"| {c} | {ms(mb)} | {ms(md)} | {ratio(mb, md)} | {ms(min(b))} – {ms(max(b))} | {ms(min(dd))} – {ms(max(dd))} |")
    n = len(next(iter(times.values()))) if times else 0
    print()
    print(f"hyperfine, {n} runs per engine and command in {len(rounds)} round(s) of alternating engine order, "
          "each round after 2 warm-ups; the container a `run -d` made is removed (untimed, hyperfine --prepare) "
          "before the next run.")

def rss(pairs):
    kv = [(label, (val.split("/") + [""])[:2]) for label, val in (p.split("=", 1) for p in pairs)]
    print("| daemon process | resident memory (VmRSS) | peak (VmHWM) |")
    print("|---|---|---|")
    kb = {}
    for label, (now, peak) in kv:
        if now.isdigit():
            kb[label] = int(now)
            print(f"| {label} | {int(now) / 1024:.1f} MiB | {int(peak) / 1024:.1f} MiB |" if peak.isdigit() else f"| {label} | {int(now) / 1024:.1f} MiB | |")
        else:
            print(f"| {label} | n/a | |")
    labels = [l for l, _ in kv]
    if len(labels) >= 2 and labels[0] in kb and labels[1] in kb:
        b, d = kb[labels[0]], kb[labels[1]]
        line = f"\n{labels[0]} ÷ {labels[1]}: **{b / d:.2f}×**"
        if len(labels) >= 3 and labels[2] in kb:
            line += f"; {labels[0]} ÷ ({labels[1]} + {labels[2]}): **{b / (d + kb[labels[2]]):.2f}×**"
        print(line)

if __name__ == "__main__":
    what = sys.argv[1]
    {"api": lambda: api(sys.argv[2]), "cli": lambda: cli(sys.argv[2]), "rss": lambda: rss(sys.argv[2:])}[what]()
