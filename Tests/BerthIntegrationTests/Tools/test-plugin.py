#!/usr/bin/env python3
"""A legacy (v1) Docker network plugin for the tests, stdlib only, on a unix socket.

NetworkDriver: a veth per endpoint; at Join the host end goes into the bridge named by the
network's `-o parent=BRIDGE` and the other end (SrcName) is handed to the daemon, DstPrefix
`eth`, no gateway (so the daemon adds docker_gwbridge), unless `-o gateway=yes` (the pool's
gateway is then returned). `-o routes=CIDR` adds a connected static route.
IpamDriver: pools from `--pools` (comma-separated CIDRs, first free one), addresses handed out in
order, the gateway typed as dockerd types it.

Every request is appended to --log as one JSON line {"method": ..., "body": ...}. A control file
(--control, JSON, re-read on every request) injects faults per method:
  {"err": {"NetworkDriver.Join": "text"}}     a 200 reply with Err (IpamDriver: Error)
  {"status": {"NetworkDriver.X": 500}}        that HTTP status ({"Err": ...} body; 404 plain)
  {"delay": {"NetworkDriver.X": 30}}          sleep that many seconds first
  {"crash": "NetworkDriver.X"}                exit(3) on that call, without a reply
usage: test-plugin.py --socket PATH --log PATH [--control PATH] [--pools 10.66.0.0/24,...]
"""
import argparse, ipaddress, json, os, socket, socketserver, subprocess, sys, threading, time
from http.server import BaseHTTPRequestHandler

args = argparse.ArgumentParser()
args.add_argument("--socket", required=True)
args.add_argument("--log", required=True)
args.add_argument("--control", default="")
args.add_argument("--pools", default="10.66.0.0/24,10.66.1.0/24")
args.add_argument("--state", default="", help="keeps networks and endpoints across restarts of the plugin")
opts = args.parse_args()

lock = threading.Lock()
networks = {}      # network id -> {"parent": ..., "gateway": ..., "routes": ...}
endpoints = {}     # endpoint id -> host-side veth name
pools = {}         # pool id -> {"net": ip_network, "next": int, "used": set}


def load_state():
    try:
        with open(opts.state) as f:
            doc = json.load(f)
        networks.update(doc.get("networks", {}))
        endpoints.update(doc.get("endpoints", {}))
    except Exception:
        pass


def save_state():
    if opts.state:
        with open(opts.state + ".tmp", "w") as f:
            json.dump({"networks": networks, "endpoints": endpoints}, f)
        os.replace(opts.state + ".tmp", opts.state)


def control():
    try:
        with open(opts.control) as f:
            return json.load(f)
    except Exception:
        return {}


def ip(*argv):
    subprocess.run(["ip", *argv], check=True, capture_output=True)


def network_driver(method, body):
    if method == "GetCapabilities":
        return {"Scope": "local", "ConnectivityScope": "local"}
    if method == "CreateNetwork":
        generic = (body.get("Options") or {}).get("com.docker.network.generic") or {}
        v4 = body.get("IPv4Data") or []
        networks[body["NetworkID"]] = {
            "parent": generic.get("parent", ""), "gateway": v4[0].get("Gateway", "") if v4 else "",
            "want_gateway": generic.get("gateway") == "yes", "routes": generic.get("routes", ""),
        }
        if not networks[body["NetworkID"]]["parent"]:
            return {"Err": "the -o parent=BRIDGE option is required"}
        return {}
    if method == "DeleteNetwork":
        networks.pop(body["NetworkID"], None)
        return {}
    if method == "CreateEndpoint":
        if body["NetworkID"] not in networks:
            return {"Err": "No such network " + body["NetworkID"]}
        return {}
    if method == "Join":
        net = networks.get(body["NetworkID"])
        if net is None:
            return {"Err": "No such network " + body["NetworkID"]}
        short = body["EndpointID"][:7]
        host, peer = "tph" + short, "tpc" + short
        ip("link", "add", host, "type", "veth", "peer", "name", peer)
        ip("link", "set", host, "master", net["parent"])
        ip("link", "set", host, "up")
        endpoints[body["EndpointID"]] = host
        reply = {"InterfaceName": {"SrcName": peer, "DstPrefix": "eth"}}
        if net["want_gateway"] and net["gateway"]:
            reply["Gateway"] = net["gateway"].split("/")[0]
        if net["routes"]:
            reply["StaticRoutes"] = [{"Destination": net["routes"], "RouteType": 1}]
        return reply
    if method == "Leave":
        return {}
    if method == "DeleteEndpoint":
        host = endpoints.pop(body["EndpointID"], None)
        if host:
            subprocess.run(["ip", "link", "del", host], capture_output=True)
        return {}
    if method == "EndpointOperInfo":
        return {"Value": {}}
    if method in ("DiscoverNew", "DiscoverDelete"):
        return {}
    return None


def ipam_driver(method, body):
    if method == "GetCapabilities":
        return {"RequiresMACAddress": False}
    if method == "GetDefaultAddressSpaces":
        return {"LocalDefaultAddressSpace": "tplocal", "GlobalDefaultAddressSpace": "tpglobal"}
    if method == "RequestPool":
        taken = {str(p["net"]) for p in pools.values()}
        want = body.get("Pool") or next((c for c in opts.pools.split(",") if c not in taken), "")
        if not want:
            return {"Error": "no pool left"}
        net = ipaddress.ip_network(want)
        pid = "tp-" + str(net)
        pools[pid] = {"net": net, "next": 1, "used": set()}
        return {"PoolID": pid, "Pool": str(net), "Data": {"com.docker.network.gateway": f"{net[1]}/{net.prefixlen}"}}
    if method == "ReleasePool":
        pools.pop(body.get("PoolID"), None)
        return {}
    if method == "RequestAddress":
        p = pools.get(body.get("PoolID"))
        if p is None:
            return {"Error": "no such pool " + str(body.get("PoolID"))}
        if body.get("Address"):
            a = ipaddress.ip_address(body["Address"])
        else:
            while p["net"][p["next"]] in p["used"]:
                p["next"] += 1
            a = p["net"][p["next"]]
        p["used"].add(a)
        return {"Address": f"{a}/{p['net'].prefixlen}", "Data": {}}
    if method == "ReleaseAddress":
        p = pools.get(body.get("PoolID"))
        if p:
            p["used"].discard(ipaddress.ip_address(body["Address"]))
        return {}
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            body = {"_raw": raw.decode(errors="replace")}
        method = self.path.lstrip("/")
        with lock:
            with open(opts.log, "a") as f:
                f.write(json.dumps({"method": method, "body": body, "accept": self.headers.get("Accept", "")}) + "\n")
        c = control()
        if c.get("crash") == method:
            os._exit(3)
        delay = (c.get("delay") or {}).get(method)
        if delay:
            time.sleep(float(delay))
        status = (c.get("status") or {}).get(method)
        if status:
            return self.reply(int(status), {"Err": f"injected status {status}"} if int(status) != 404 else None)
        subsystem, _, name = method.partition(".")
        errkey = "Error" if subsystem == "IpamDriver" else "Err"
        injected = (c.get("err") or {}).get(method)
        if injected:
            return self.reply(200, {errkey: injected})
        with lock:
            try:
                if method == "Plugin.Activate":
                    out = {"Implements": ["NetworkDriver", "IpamDriver"]}
                elif subsystem == "NetworkDriver":
                    out = network_driver(name, body)
                elif subsystem == "IpamDriver":
                    out = ipam_driver(name, body)
                else:
                    out = None
            except subprocess.CalledProcessError as e:
                out = {errkey: f"{' '.join(e.cmd)}: {e.stderr.decode(errors='replace').strip()}"}
            save_state()
        if out is None:
            return self.reply(404, None)
        self.reply(200, out)

    def reply(self, status, doc):
        data = b"404 page not found\n" if doc is None else json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.docker.plugins.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):
        conn, _ = self.socket.accept()
        return conn, ("plugin", 0)


load_state()
if os.path.exists(opts.socket):
    os.unlink(opts.socket)
os.makedirs(os.path.dirname(opts.socket), exist_ok=True)
Server(opts.socket, Handler).serve_forever()
