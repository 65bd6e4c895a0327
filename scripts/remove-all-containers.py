#!/usr/bin/env python3
"""Force-removes every container of the berthd at SOCKET (cleanup for tests, demo and bench).

Containers outlive berthd by design (conmon supervises them), so stopping a sandboxed daemon
without removing its containers would leave their processes running. Silent if the daemon is gone.
usage: remove-all-containers.py SOCKET
"""
import http.client, json, socket, sys

class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=60)
        self.path = path
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(60)
        self.sock.connect(self.path)

def main():
    try:
        c = UnixConnection(sys.argv[1])
        c.request("GET", "/v1.41/containers/json?all=1")
        ids = [x["Id"] for x in json.loads(c.getresponse().read())]
        for cid in ids:
            c.request("DELETE", f"/v1.41/containers/{cid}?force=1")
            c.getresponse().read()
    except (OSError, ValueError, http.client.HTTPException):
        pass

if __name__ == "__main__":
    main()
