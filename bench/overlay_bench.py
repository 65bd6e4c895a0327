#!/usr/bin/env python3
"""Multi-host overlay figures for one engine on a three-host rig that bench/overlay.sh made.

  overlay_bench.py measure LABEL SOCK1 SOCK2 SOCK3 PID3 LANNS ETCDURL API OUT.json [--reps N] [--iperf-t S] [--forget-cap S]
  overlay_bench.py report BERTH.json [DOCKER.json]

measure drives the docker CLI against each host's socket (host i = SOCKi) and writes OUT.json:
  create      : `network create -d overlay` on host 1 until `network inspect` answers on host 3 (s)
  run_ping    : `run -d` on host 2 until a container on host 1 pings it by name (s), and the run alone
  connect     : `network connect` + `network disconnect` of a running container on host 2 (s)
  ping_rtt    : busybox ping between containers on hosts 1 and 2, average RTT (ms)
  iperf       : iperf3 TCP from host 1's container to host 2's (Gbit/s)
  etcd        : etcd requests per container start on host 2 (metrics delta less the idle rate)
  forget      : host 3's daemon SIGKILLed until its container's name stops resolving on host 1 (s)
API is "v3" (gRPC handled by etcd, Berth through the JSON gateway) or "v2" (dockerd's libkv).
"""
import json, os, re, signal, statistics, subprocess, sys, time

DOCKER = next(p for p in ("/usr/local/bin/docker", "/usr/bin/docker") if os.path.exists(p))


def docker(sock, *args, timeout=60):
    return subprocess.run([DOCKER, "-H", "unix://" + sock, *args], capture_output=True, text=True, timeout=timeout)


def must(sock, *args):
    r = docker(sock, *args)
    if r.returncode != 0:
        raise SystemExit(f"docker {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout.strip()


def until(cond, cap, step=0.01):
    start = time.monotonic()
    while time.monotonic() - start < cap:
        if cond():
            return time.monotonic() - start
        time.sleep(step)
    return None


def etcd_requests(lan, url, api):
    """etcd's request counters by method: gRPC started (v3, what the JSON gateway calls) or the v2 store's."""
    out = subprocess.run(["ip", "netns", "exec", lan, "curl", "-s", url + "/metrics"], capture_output=True, text=True).stdout
    counts = {}
    for line in out.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r'grpc_server_started_total\{grpc_method="(\w+)"', line) if api == "v3" else \
            re.match(r"etcd_debugging_store_(reads|writes|watch_requests)_total(\{[^}]*\})?", line)
        if m:
            key = m.group(1) + (m.group(2) or "" if api == "v2" else "")
            counts[key] = counts.get(key, 0) + float(line.rsplit(" ", 1)[1])
    return counts


def delta(a, b):
    return {k: b.get(k, 0) - a.get(k, 0) for k in b if b.get(k, 0) - a.get(k, 0)}


def pid(sock, c):
    return must(sock, "inspect", "-f", "{{.State.Pid}}", c)


def measure(label, s1, s2, s3, pid3, lan, url, api, out, reps, iperf_t, forget_cap):
    d = {"label": label}
    img = "alpine"
    # create → visible on host 3
    creates, visible = [], []
    for i in range(reps):
        name = f"ovc{i}"
        t0 = time.monotonic()
        must(s1, "network", "create", "-d", "overlay", "--attachable", "--subnet", f"10.76.{i}.0/24", name)
        creates.append(time.monotonic() - t0)
        seen = until(lambda: docker(s3, "network", "inspect", name).returncode == 0, 30)
        visible.append(None if seen is None else time.monotonic() - t0)
        for n in [name]:
            docker(s1, "network", "rm", n)
        until(lambda: docker(s3, "network", "inspect", name).returncode != 0, 30)
    d["create"] = {"call": creates, "visible": visible}

    must(s1, "network", "create", "-d", "overlay", "--attachable", "--subnet", "10.77.0.0/24", "ovb")
    until(lambda: docker(s2, "network", "inspect", "ovb").returncode == 0 and docker(s3, "network", "inspect", "ovb").returncode == 0, 30)
    must(s1, "run", "-d", "--name", "c1", "--network", "ovb", img, "sleep", "100000")
    # run on host 2 → pingable by name from host 1
    runs, pings = [], []
    for i in range(reps):
        name = f"r{i}"
        t0 = time.monotonic()
        must(s2, "run", "-d", "--name", name, "--network", "ovb", img, "sleep", "100000")
        runs.append(time.monotonic() - t0)
        ok = until(lambda: docker(s1, "exec", "c1", "ping", "-c", "1", "-W", "1", name).returncode == 0, 30, 0.0)
        pings.append(None if ok is None else time.monotonic() - t0)
    d["run_ping"] = {"run": runs, "pingable": pings}

    # etcd requests per start: k starts on host 2, less what the three idle hosts send meanwhile
    # (lease keep-alives, node refreshes), measured over a quiet window of its own
    k = max(3, reps)
    a = etcd_requests(lan, url, api); t0 = time.monotonic()
    for i in range(k):
        must(s2, "run", "-d", "--name", f"e{i}", "--network", "ovb", img, "sleep", "100000")
    busy = time.monotonic() - t0; b = etcd_requests(lan, url, api)
    quiet = 10.0
    time.sleep(quiet); c = etcd_requests(lan, url, api)
    starts, idle = delta(a, b), delta(b, c)
    rate = sum(idle.values()) / quiet
    d["etcd"] = {"per_start": (sum(starts.values()) - rate * busy) / k, "idle_per_s": rate,
                 "starts": k, "during_starts": starts, "idle": idle, "seconds": busy}
    for i in range(k):
        docker(s2, "rm", "-f", f"e{i}")

    # connect + disconnect of a running container on host 2
    must(s2, "run", "-d", "--name", "lc", img, "sleep", "100000")
    conn = []
    for _ in range(reps * 2):
        t0 = time.monotonic()
        must(s2, "network", "connect", "ovb", "lc")
        must(s2, "network", "disconnect", "ovb", "lc")
        conn.append(time.monotonic() - t0)
    d["connect"] = conn

    # ping RTT and iperf3 c1 (host 1) → r0 (host 2)
    target = must(s2, "inspect", "-f", "{{.NetworkSettings.Networks.ovb.IPAddress}}", "r0")
    r = docker(s1, "exec", "c1", "ping", "-c", "20", "-i", "0.05", target)
    m = re.search(r"= [0-9.]+/([0-9.]+)/", r.stdout)
    d["ping_rtt"] = float(m.group(1)) if m else None
    srv = subprocess.Popen(["nsenter", "-t", pid(s2, "r0"), "-n", "iperf3", "-s", "-1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    cli = subprocess.run(["nsenter", "-t", pid(s1, "c1"), "-n", "iperf3", "-c", target, "-t", str(iperf_t), "-O", "1", "-J"],
                         capture_output=True, text=True, timeout=iperf_t + 30)
    try:
        d["iperf"] = json.loads(cli.stdout)["end"]["sum_received"]["bits_per_second"] / 1e9
    except Exception:
        d["iperf"] = None
    srv.kill()

    # host 3's daemon SIGKILLed: until host 1 no longer resolves its container
    must(s3, "run", "-d", "--name", "d3", "--network", "ovb", img, "sleep", "100000")
    until(lambda: docker(s1, "exec", "c1", "ping", "-c", "1", "-W", "1", "d3").returncode == 0, 30, 0.0)
    os.kill(pid3, signal.SIGKILL)
    t0 = time.monotonic()
    gone = until(lambda: docker(s1, "exec", "c1", "nslookup", "d3", "127.0.0.11").returncode != 0, forget_cap, 0.2)
    d["forget"] = gone
    d["forget_cap"] = forget_cap
    with open(out, "w") as f:
        json.dump(d, f)


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def report(paths):
    runs = [json.load(open(p)) for p in paths]
    labels = [r["label"] for r in runs]

    def row(name, vals, unit, lower_better=True, fmt="{:.0f}"):
        cells = [("–" if v is None else fmt.format(v) + " " + unit) if not isinstance(v, str) else v for v in vals]
        ratio = ""
        if len(vals) == 2 and all(isinstance(v, (int, float)) for v in vals) and vals[0] and vals[1]:
            x = vals[1] / vals[0] if lower_better else vals[0] / vals[1]
            ratio = f"{x:.1f}×"
        print(f"| {name} | " + " | ".join(cells) + (f" | {ratio} |" if len(vals) == 2 else " |"))

    head = "| measurement | " + " | ".join(labels) + (" | Berth ahead by |" if len(runs) == 2 else " |")
    print(head)
    print("|---" * (len(runs) + 1 + (1 if len(runs) == 2 else 0)) + "|")
    ms = lambda xs: None if med(xs) is None else med(xs) * 1000
    row("`network create` on host 1 (call)", [ms(r["create"]["call"]) for r in runs], "ms")
    row("create on host 1 → listed on host 3", [ms(r["create"]["visible"]) for r in runs], "ms")
    row("`run -d` on host 2 (call)", [ms(r["run_ping"]["run"]) for r in runs], "ms")
    row("`run -d` on host 2 → pinged by name from host 1", [ms(r["run_ping"]["pingable"]) for r in runs], "ms")
    row("`network connect` + `disconnect` on host 2", [ms(r["connect"]) for r in runs], "ms")
    row("ping RTT across hosts (avg of 20)", [r["ping_rtt"] for r in runs], "ms", fmt="{:.3f}")
    row("iperf3 TCP across hosts", [r["iperf"] for r in runs], "Gbit/s", lower_better=False, fmt="{:.2f}")
    row("etcd requests per container start", [r["etcd"]["per_start"] for r in runs], "", fmt="{:.1f}")
    row("etcd requests per second, idle (3 hosts)", [r["etcd"]["idle_per_s"] for r in runs], "", fmt="{:.1f}")
    forget = [r["forget"] if r["forget"] is not None else f"not within {r['forget_cap']:.0f} s" for r in runs]
    row("daemon of host 3 SIGKILLed → its container's name gone on host 1", forget, "s", fmt="{:.1f}")
    print()
    print("Medians; the create, run and connect rows over " + ", ".join(f"{r['label']} {len(r['create']['call'])}" for r in runs)
          + " repetitions. Each call is one docker CLI process (about 40 ms of the figures is the CLI itself).")
    for r in runs:
        e = r["etcd"]
        fmt = lambda m: ", ".join(f"{k} {v:.0f}" for k, v in sorted(m.items())) or "none"
        print(f"{r['label']}: etcd requests during {e['starts']} starts: {fmt(e['during_starts'])}; in 10 idle seconds: {fmt(e['idle'])}.")


if __name__ == "__main__":
    if sys.argv[1] == "measure":
        a = sys.argv[2:]
        opts = {"--reps": 5, "--iperf-t": 5, "--forget-cap": 60}
        pos = []
        i = 0
        while i < len(a):
            if a[i] in opts:
                opts[a[i]] = float(a[i + 1]) if a[i] == "--forget-cap" else int(a[i + 1]); i += 2
            else:
                pos.append(a[i]); i += 1
        label, s1, s2, s3, pid3, lan, url, api, out = pos
        measure(label, s1, s2, s3, int(pid3), lan, url, api, out, opts["--reps"], opts["--iperf-t"], opts["--forget-cap"])
    else:
        report(sys.argv[2:])
