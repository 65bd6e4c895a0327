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

def call(conn, method, path, body=None, expect=(200, 201, 204), raw=None):
    payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
    conn.request(method, path, body=payload,
                 headers={"Content-Type": "application/json" if raw is None else "application/x-tar"} if payload is not None else {})
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
    ap.add_argument("--image-tar", help="a root filesystem tarball to import as alpine:latest; enables container benchmarks")
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
    rows = [("network create + rm", create_rm), ("network inspect", inspect), ("network ls", ls)]
    if a.image_tar:
        with open(a.image_tar, "rb") as f:
            call(conn, "POST", v + "/images/create?fromSrc=-&repo=alpine&tag=latest", body=None, raw=f.read())
        call(conn, "POST", v + "/networks/create", {"Name": "bench-net"})
        made = []
        def run_d(network):
            def fn():
                cid = json.loads(call(conn, "POST", v + "/containers/create",
                                      {"Image": "alpine", "Cmd": ["sleep", "1000"], "HostConfig": {"NetworkMode": network}}))["Id"]
                call(conn, "POST", v + f"/containers/{cid}/start")
                made.append(cid)
            return fn
        holder = json.loads(call(conn, "POST", v + "/containers/create",
                                 {"Image": "alpine", "Cmd": ["sleep", "1000"], "HostConfig": {"NetworkMode": "bridge"}}))["Id"]
        call(conn, "POST", v + f"/containers/{holder}/start")
        def connect_disconnect():
            call(conn, "POST", v + "/networks/bench-net/connect", {"Container": holder})
            call(conn, "POST", v + "/networks/bench-net/disconnect", {"Container": holder})
        rows += [("run -d --network bench-net (create + start)", run_d("bench-net")),
                 ("run -d --network none (create + start)", run_d("none")),
                 ("network connect + disconnect (running container)", connect_disconnect)]
    results = {}
    for name, fn in rows:
        med, lo, hi = timeit(fn, a.reps)
        results[name] = med
        print(f"| {name} ({a.label}) | {med:.2f} ms | {lo:.2f} ms | {hi:.2f} ms |")
        if a.image_tar and name.startswith("run -d"):
            for cid in made:
                call(conn, "DELETE", v + f"/containers/{cid}?force=1")
            made.clear()
    if a.image_tar:
        cost = results["run -d --network bench-net (create + start)"] - results["run -d --network none (create + start)"]
        print(f"| the network's own cost in run -d (difference of medians) ({a.label}) | {cost:.2f} ms | | |")
        call(conn, "DELETE", v + f"/containers/{holder}?force=1")

if __name__ == "__main__":
    main()
