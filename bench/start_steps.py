#!/usr/bin/env python3
"""Medians of berthd's per-step container start timings (its debug log's "start timings" lines).

usage: start_steps.py BERTHD_LOG
"""
import re, statistics, sys

steps = {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    if "start timings" not in line:
        continue
    for name, ms in re.findall(r"([a-z-]+)=([0-9.]+) ms", line):
        steps.setdefault(name, []).append(float(ms))
if steps:
    print("| start step (berthd's own timing, all runs) | median | min | max |")
    print("|---|---|---|---|")
    for name, xs in steps.items():
        print(f"| {name} | {statistics.median(xs):.1f} ms | {min(xs):.1f} ms | {max(xs):.1f} ms |")
    # The network's share of a start: its namespace, its endpoints and, on a user network, its DNS
    # server (sockets in the sandbox and the port-53 table there; 0 on the default bridge).
    runs = len(steps.get("sandbox", []))
    dns = steps.get("dns", [0.0] * runs)
    net = [a + b + c for a, b, c in zip(steps.get("sandbox", []), steps.get("endpoints", []), dns)]
    if net:
        print(f"\nThe network's own cost in a start (sandbox + endpoints + dns), median: {statistics.median(net):.1f} ms")
