#!/usr/bin/env python3
"""Markdown tables with ratios for bench/peers.sh (Berth against dockerd and podman), from the raw samples.

usage: peers_report.py api API.json            (api_latency.py --json output)
       peers_report.py cli DIR                 (hyperfine --export-json files DIR/<round>.<engine>.json)
       peers_report.py rss LABEL=KB[/PEAK] ... (resident memory rows; first label is Berth's)
One table per run, a row per operation; columns: each engine's median, Berth ÷ each peer (of the
medians: below 1 means Berth is faster, or smaller), then each engine's min – max. The engines are
whichever the run measured (api_latency.py's --engine order, Berth first), so `--only berth` gives
Berth's columns only. A row an engine has no samples for says "not measured".
"""
import glob, json, os, statistics, sys

B = "berth"
ORDER = ["berth", "dockerd", "podman"]     # column order; others after these

def ms(x):
    return f"{x:.2f} ms" if x < 100 else f"{x:.0f} ms"

def ratio(b, d):
    if b is None or d is None or d <= 0 or b <= 0:
        return "–"
    r = b / d
    # the ratio, and for a clear win its inverse as "N× faster", which reads better
    return f"**{r:.2f}×**" + (f" ({1 / r:.1f}× faster)" if r < 0.8 else "")

def ordered(engines):
    return sorted(engines, key=lambda e: (ORDER.index(e) if e in ORDER else len(ORDER), e))

def header(first, engines):
    peers = [e for e in engines if e != B]
    cols = [first] + [f"{e} median" for e in engines] + [f"berth ÷ {p}" for p in peers] + [f"{e} min – max" for e in engines]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))

def row(name, samples, engines, notes=None):
    """samples: {engine: [ms]}; notes: {engine: reason} for engines without samples."""
    notes = notes or {}
    med = {e: statistics.median(samples[e]) if samples.get(e) else None for e in engines}
    cells = [name]
    for e in engines:
        cells.append(ms(med[e]) if med[e] is not None else f"not measured ({notes.get(e, 'no samples')})")
    for p in engines:
        if p != B:
            cells.append(ratio(med.get(B), med[p]))
    for e in engines:
        xs = samples.get(e)
        cells.append(f"{ms(min(xs))} – {ms(max(xs))}" if xs else "")
    print("| " + " | ".join(cells) + " |")
    return med

def api(path):
    doc = json.load(open(path))
    engines = ordered(doc["engines"])
    header("operation", engines)
    med = {}
    for op in doc["ops"]:
        med[op["name"]] = row(op["name"], op["samples"], engines, op.get("not_measured"))
    on, off = "run -d --network bench-net (create + start)", "run -d --network none (create + start)"
    if on in med and off in med:
        cost = {e: (med[on][e] - med[off][e]) if med[on][e] is not None and med[off][e] is not None else None
                for e in engines}
        cells = ["the network's own cost in run -d (difference of medians)"]
        cells += [ms(cost[e]) if cost[e] is not None else "–" for e in engines]
        cells += [ratio(cost[B], cost[p]) for p in engines if p != B]
        cells += [""] * len(engines)
        print("| " + " | ".join(cells) + " |")
    print()
    block = doc.get("block", 1)
    turns = "run by run" if block == 1 else f"every {block} runs"
    settle = (f"; an untimed {doc['settle'] * 1000:.0f} ms pause before each turn of an operation that "
              "changes state" if doc.get("settle") else "")
    print(f"{doc['reps']} runs per engine and operation after {doc['warmup']} warm-ups each, the engines "
          f"taking turns {turns} (A B C, C B A, …), one keep-alive connection per daemon{settle}.")
    notes = list(doc.get("notes", []))
    if "podman" in engines:
        notes += [
            "podman is measured through its Docker-compatible API (`podman system service`, API 1.41 paths). "
            "Differences in what the same call does: `network create` only writes podman's network config "
            "file — netavark makes the bridge and its firewall rules when the first container joins the "
            "network (so that cost shows in podman's `run -d`, not in its create + rm); berthd and dockerd "
            "make the bridge at create. `network inspect bridge` answers with podman's default network "
            "(named `podman`, served as `bridge`). `network connect`/`disconnect` of a running container "
            "runs netavark setup/teardown for that network each time. The image import goes through the "
            "same API call and is stored as `localhost/alpine:latest`, which `alpine` resolves to.",
        ]
    for note in notes:
        print(f"\n- {note}")

def cli(d):
    # merge every round's runs per (engine, command); hyperfine's own medians are per round
    times, rounds, engines = {}, set(), set()
    for f in sorted(glob.glob(os.path.join(d, "*.json"))):
        rnd, engine = os.path.basename(f).split(".")[:2]
        rounds.add(rnd); engines.add(engine)
        for r in json.load(open(f))["results"]:
            times.setdefault((r["command"], engine), []).extend(t * 1000 for t in r["times"])
    engines = ordered(engines)
    cmds = list(dict.fromkeys(c for c, _ in times))
    header("docker CLI command (whole process, wall time)", engines)
    for c in cmds:
        row(c, {e: times.get((c, e)) for e in engines}, engines)
    n = len(next(iter(times.values()))) if times else 0
    print()
    print(f"hyperfine, {n} runs per engine and command in {len(rounds)} round(s), the engine order rotating "
          "from round to round, each round after 2 warm-ups; the container a `run -d` made is removed "
          "(untimed, hyperfine --prepare) before the next run. The same docker CLI talks to every socket "
          "(podman's through its Docker-compatible API).")

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
    b = kb.get(labels[0]) if labels else None
    parts = []
    if b:
        for l in labels[1:]:
            if l in kb and not l.startswith("containerd"):
                parts.append(f"{labels[0]} ÷ {l}: **{b / kb[l]:.2f}×**")
        dk = [l for l in labels if l.startswith("dockerd") or l.startswith("containerd")]
        if len(dk) == 2 and all(l in kb for l in dk):
            parts.append(f"{labels[0]} ÷ ({dk[0]} + {dk[1]}): **{b / (kb[dk[0]] + kb[dk[1]]):.2f}×**")
    if parts:
        print("\n" + "; ".join(parts))

if __name__ == "__main__":
    what = sys.argv[1]
    {"api": lambda: api(sys.argv[2]), "cli": lambda: cli(sys.argv[2]), "rss": lambda: rss(sys.argv[2:])}[what]()
