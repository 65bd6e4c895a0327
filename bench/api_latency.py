#!/usr/bin/env python3
"""Times Engine API operations against a daemon socket: median, min, max over N runs after a warm-up.

usage: api_latency.py SOCKET [--reps N] [--label NAME]
Prints markdown rows. Talks HTTP/1.1 with keep-alive on one connection, as the docker SDK does,
so the figures are the daemon's latency, not process start-up of a CLI.
"""
import argparse, http.client, json, socket, statistics, sys, time

class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(self.path)

def call(conn, method, path, body=None, expect=(200, 201, 204)):
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers={"Content-Type": "application/json"} if body is not None else {})
    r = conn.getresponse()
    data = r.read()
    if r.status not in expect:
        sys.exit(f"{method} {path} -> {r.status}: {data.decode()}")
    return data

def timeit(fn, reps, warmup=3):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples), min(samples), max(samples)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--label", default="berth")
    a = ap.parse_args()
    conn = UnixConnection(a.socket)
    v = "/v1.41"
    counter = [0]
    def create_rm():
        counter[0] += 1
        name = f"bench-{counter[0]}"
        nid = json.loads(call(conn, "POST", v + "/networks/create", {"Name": name, "Driver": "bridge"}))["Id"]
        call(conn, "DELETE", v + "/networks/" + nid)
    def inspect():
        call(conn, "GET", v + "/networks/bridge")
    def ls():
        call(conn, "GET", v + "/networks")
    for name, fn in [("network create + rm", create_rm), ("network inspect", inspect), ("network ls", ls)]:
        med, lo, hi = timeit(fn, a.reps)
        print(f"| {name} ({a.label}) | {med:.2f} ms | {lo:.2f} ms | {hi:.2f} ms |")

if __name__ == "__main__":
    main()
