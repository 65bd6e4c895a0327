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
    net = [a + b for a, b in zip(steps.get("sandbox", []), steps.get("endpoints", []))]
    if net:
        print(f"\nThe network's own cost in a start (sandbox + endpoints), median: {statistics.median(net):.1f} ms")
