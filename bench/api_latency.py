#!/usr/bin/env python3
"""Times Engine API operations against daemon sockets: median, min, max over N runs after a warm-up.

usage: api_latency.py SOCKET [--reps N] [--label NAME] [--image-tar TAR]
       api_latency.py --engine LABEL=SOCKET [--engine LABEL=SOCKET ...] [--containers] [--time-rm]
                      [--reps N] [--json FILE]
Prints markdown rows (or, with --json, writes every sample to FILE for bench/peers_report.py).
Talks HTTP/1.1 with keep-alive on one connection per daemon, as the docker SDK does, so the
figures are the daemon's latency, not process start-up of a CLI.

With several engines (bench/peers.sh: berthd, dockerd and podman's API service), each operation's repetitions are
interleaved sample by sample, the order alternating (A B, B A, ...), so drift on a shared machine
(other load coming and going) hits both engines alike; warm-ups run first, per engine.
"""
import argparse, http.client, json, socket, statistics, sys, time

V = "/v1.41"   # the API version berthd and dockerd 20.10 serve; podman 4.3's compat API takes it too

class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=120)   # a hung daemon fails the run, not hangs it
        self.path = path
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(120)
        self.sock.connect(self.path)

def call(conn, method, path, body=None, expect=(200, 201, 204), raw=None, label=""):
    payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
    conn.request(method, path, body=payload,
                 headers={"Content-Type": "application/json" if raw is None else "application/x-tar"} if payload is not None else {})
    r = conn.getresponse()
    data = r.read()
    if r.status not in expect:
        sys.exit(f"{label + ': ' if label else ''}{method} {path} -> {r.status}: {data.decode(errors='replace')}")
    return data

class Engine:
    """One daemon: its connection and the state the operations keep (names, containers made)."""
    def __init__(self, label, path):
        self.label, self.conn = label, UnixConnection(path)
        self.counter = 0
        self.made = []        # containers from the run -d operations, oldest first
        self.holder = None    # a running container for connect/disconnect
    def call(self, method, path, body=None, **kw):
        return call(self.conn, method, V + path, body, label=self.label, **kw)

def measure(fn, engines, reps, warmup=3, settle=0.0, block=1):
    """Samples (ms) per engine label; one engine gives exactly the old warm-up + reps sequence.
    Several engines take turns in blocks of `block` runs, the order mirrored every round
    (A B, B A, ...), so drift on the machine hits both alike. settle: an untimed pause before each
    block, so work the previous engine (or the kernel on its behalf: veth and namespace teardown
    hold the global rtnl lock) still does after answering does not land in the next one's runs."""
    for e in engines:
        for _ in range(warmup):
            fn(e)
    samples = {e.label: [] for e in engines}
    rnd = 0
    while len(samples[engines[0].label]) < reps:
        n = min(block, reps - len(samples[engines[0].label]))
        for e in (engines if rnd % 2 == 0 else engines[::-1]):
            if settle:
                time.sleep(settle)
            for _ in range(n):
                t = time.perf_counter()
                fn(e)
                samples[e.label].append((time.perf_counter() - t) * 1000)
        rnd += 1
    return samples

# --- operations: each takes an Engine -----------------------------------------------------------
def create_rm(e):
    e.counter += 1
    nid = json.loads(e.call("POST", "/networks/create", {"Name": f"bench-{e.counter}", "Driver": "bridge"}))["Id"]
    e.call("DELETE", "/networks/" + nid)

def inspect(e):
    e.call("GET", "/networks/bridge")

def ls(e):
    e.call("GET", "/networks")

def create_start(e, network):
    cid = json.loads(e.call("POST", "/containers/create",
                            {"Image": "alpine", "Cmd": ["sleep", "1000"], "HostConfig": {"NetworkMode": network}}))["Id"]
    e.call("POST", f"/containers/{cid}/start")
    return cid

def run_d(network):
    def fn(e):
        e.made.append(create_start(e, network))
    return fn

def rm_made(e):
    # `docker rm -f` of a running container: one of those the run -d operation just made
    e.call("DELETE", f"/containers/{e.made.pop(0)}?force=1")

def connect_disconnect(e):
    e.call("POST", "/networks/bench-net/connect", {"Container": e.holder})
    e.call("POST", "/networks/bench-net/disconnect", {"Container": e.holder})

def connect_disconnect_on(network):
    def fn(e):
        e.call("POST", f"/networks/{network}/connect", {"Container": e.holder})
        e.call("POST", f"/networks/{network}/disconnect", {"Container": e.holder})
    return fn

MACVLAN = "bench-mv"

def make_macvlan(engines, parent, log):
    """A macvlan network on PARENT (a veth end in each daemon's namespace) in every engine, or none."""
    made = []
    for e in engines:
        try:
            e.call("POST", "/networks/create", {"Name": MACVLAN, "Driver": "macvlan", "Options": {"parent": parent},
                                               "IPAM": {"Config": [{"Subnet": "10.231.0.0/24", "Gateway": "10.231.0.1"}]}})
            made.append(e)
        except Exception as err:
            log(f"macvlan rows skipped: {e.label} cannot create a macvlan network on {parent}: {err}")
            for m in made:
                m.call("DELETE", "/networks/" + MACVLAN)
            return False
    return True

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket", nargs="?")
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--label", default="berth")
    ap.add_argument("--engine", action="append", default=[], metavar="LABEL=SOCKET",
                    help="a daemon to measure (repeatable; operations interleave between them)")
    ap.add_argument("--image-tar", help="a root filesystem tarball to import as alpine:latest; enables container benchmarks")
    ap.add_argument("--containers", action="store_true",
                    help="container benchmarks with an alpine:latest the daemons already have")
    ap.add_argument("--time-rm", action="store_true",
                    help="also time rm -f of the containers run -d made (else they are removed untimed)")
    ap.add_argument("--block", type=int, default=1, metavar="N",
                    help="with several engines: runs per turn (default 1: alternate run by run)")
    ap.add_argument("--settle", type=float, default=0.0, metavar="SECONDS",
                    help="untimed pause before each turn (block) of the operations that change state "
                         "(not inspect and ls: after a pause their sub-millisecond times would mostly "
                         "measure this VM waking an idle CPU); default 0")
    ap.add_argument("--macvlan-parent", metavar="IF",
                    help="also time run -d and connect + disconnect on a macvlan network whose parent is IF "
                         "(a link in each daemon's namespace)")
    ap.add_argument("--json", metavar="FILE", help="write all samples to FILE instead of printing rows")
    a = ap.parse_args()
    specs = [s.split("=", 1) for s in a.engine]
    if a.socket:
        specs.insert(0, [a.label, a.socket])
    if not specs or any(len(s) != 2 for s in specs):
        ap.error("give SOCKET or --engine LABEL=SOCKET")
    engines = [Engine(label, path) for label, path in specs]
    containers = bool(a.image_tar) or a.containers
    log = (lambda m: print(f"[api_latency] {m}", file=sys.stderr, flush=True)) if a.json else (lambda m: None)

    rows = [("network create + rm", create_rm), ("network inspect", inspect), ("network ls", ls)]
    if containers:
        tar = open(a.image_tar, "rb").read() if a.image_tar else None
        for e in engines:
            if tar is not None:
                e.call("POST", "/images/create?fromSrc=-&repo=alpine&tag=latest", raw=tar)
            e.call("POST", "/networks/create", {"Name": "bench-net", "CheckDuplicate": True})
            e.holder = create_start(e, "bridge")
        rows.append(("run -d --network bench-net (create + start)", run_d("bench-net")))
        if a.time_rm:
            rows.append(("rm -f (running, on bench-net)", rm_made))
        rows.append(("run -d --network none (create + start)", run_d("none")))
        if a.time_rm:
            rows.append(("rm -f (running, --network none)", rm_made))
        rows.append(("network connect + disconnect (running container)", connect_disconnect))
        if a.macvlan_parent and make_macvlan(engines, a.macvlan_parent, lambda m: print(f"[api_latency] {m}", file=sys.stderr, flush=True)):
            rows.append(("run -d --network macvlan (create + start)", run_d(MACVLAN)))
            if a.time_rm:
                rows.append(("rm -f (running, on macvlan)", rm_made))
            rows.append(("network connect + disconnect, macvlan (running container)", connect_disconnect_on(MACVLAN)))

    ops = []
    for name, fn in rows:
        log(f"{name}: {len(engines)} engine(s) × {a.reps} runs")
        samples = measure(fn, engines, a.reps, settle=0.0 if fn in (inspect, ls) else a.settle, block=a.block)
        ops.append({"name": name, "samples": samples})
        if not a.json:
            for e in engines:
                xs = samples[e.label]
                print(f"| {name} ({e.label}) | {statistics.median(xs):.2f} ms | {min(xs):.2f} ms | {max(xs):.2f} ms |")
        if a.time_rm and name.startswith("run -d"):
            continue               # the next operation (rm -f) removes them, timed
        for e in engines:          # what run -d made, untimed; nothing left when rm -f was timed
            for cid in e.made:
                e.call("DELETE", f"/containers/{cid}?force=1")
            e.made.clear()
    if containers:
        for e in engines:
            if not a.json:
                med = {o["name"]: statistics.median(o["samples"][e.label]) for o in ops}
                cost = med["run -d --network bench-net (create + start)"] - med["run -d --network none (create + start)"]
                print(f"| the network's own cost in run -d (difference of medians) ({e.label}) | {cost:.2f} ms | | |")
            e.call("DELETE", f"/containers/{e.holder}?force=1")
            e.call("DELETE", "/networks/bench-net")
            if any(o["name"].startswith("run -d --network macvlan") for o in ops):
                e.call("DELETE", "/networks/" + MACVLAN)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"reps": a.reps, "warmup": 3, "settle": a.settle, "block": a.block, "engines": [e.label for e in engines], "ops": ops}, f)

if __name__ == "__main__":
    main()
