#!/usr/bin/env python3
"""One DNS query over UDP, for bench/dns.sh's correctness check before the load runs.

Prints `RCODE addr addr ...` (A/AAAA answers only; `TIMEOUT` if no reply in 2 s). Runs on the host
binary inside a container's network namespace (nsenter), like dnsperf.
  usage: dns_query.py SERVER NAME [A|AAAA]
"""
import random, socket, struct, sys

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def skip_name(msg, i):
    while True:
        n = msg[i]
        if n == 0:
            return i + 1
        if n & 0xC0 == 0xC0:
            return i + 2
        i += n + 1


def main():
    server, name = sys.argv[1], sys.argv[2]
    qtype = {"A": 1, "AAAA": 28}[sys.argv[3] if len(sys.argv) > 3 else "A"]
    qid = random.randrange(65536)
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l.encode() for l in name.strip(".").split(".")) + b"\x00"
    q += struct.pack("!HH", qtype, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(q, (server, 53))
    try:
        r, _ = s.recvfrom(4096)
    except socket.timeout:
        print("TIMEOUT")
        return
    rid, flags, qd, an = struct.unpack("!HHHH", r[:8])
    if rid != qid:
        print(f"BADID {rid} != {qid}")
        return
    i = 12
    for _ in range(qd):
        i = skip_name(r, i) + 4
    out = [RCODES.get(flags & 0xF, str(flags & 0xF))]
    for _ in range(an):
        i = skip_name(r, i)
        t, _c, _ttl, ln = struct.unpack("!HHIH", r[i:i + 10])
        i += 10
        if t == 1:
            out.append(socket.inet_ntop(socket.AF_INET, r[i:i + ln]))
        elif t == 28:
            out.append(socket.inet_ntop(socket.AF_INET6, r[i:i + ln]))
        i += ln
    print(" ".join(out))


if __name__ == "__main__":
    main()
