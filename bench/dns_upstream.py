#!/usr/bin/env python3
"""A fake upstream DNS server for bench/dns.sh: answers every A query with one fixed address.

It runs inside a benchmark namespace (never on the machine's own network), standing in for the
resolvers both engines forward unknown names to, so "forwarded name" figures measure the engines'
forwarding paths against the same, local, instant upstream. Single-threaded UDP loop: its own
ceiling is printed by dns.sh as a baseline (dnsperf straight at it), so one can tell when a
forwarded figure is bounded by this server rather than by the engine.

Replies: A → NOERROR with ANSWER_IP (TTL 60); any other type → NOERROR, no answers; a packet too
short or without exactly one question is dropped. The question is copied back verbatim (EDNS/OPT
in the query is ignored and not echoed).
  usage: dns_upstream.py [--listen 127.0.0.53] [--port 53] [--answer 198.51.100.7]
"""
import argparse, ipaddress, socket, struct, sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", default="127.0.0.53")
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--answer", default="198.51.100.7")  # TEST-NET-2: documentation range
    args = ap.parse_args()
    rdata = ipaddress.IPv4Address(args.answer).packed
    # name = pointer to the question (offset 12), type A, class IN, TTL 60, rdlength 4
    answer_a = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + rdata

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((args.listen, args.port))
    print(f"fake upstream on {args.listen}:{args.port}", file=sys.stderr, flush=True)
    recv, send = s.recvfrom, s.sendto
    while True:
        q, peer = recv(4096)
        if len(q) < 17 or q[4:6] != b"\x00\x01":
            continue
        # walk the question name's labels (no compression in a question we care about)
        i = 12
        n = len(q)
        while i < n and q[i] != 0:
            i += q[i] + 1
        end = i + 5  # zero byte, qtype, qclass
        if end > n:
            continue
        qtype = q[i + 1] << 8 | q[i + 2]
        rd = q[2] & 0x01
        if qtype == 1:
            head = q[0:2] + bytes((0x80 | rd, 0x80)) + b"\x00\x01\x00\x01\x00\x00\x00\x00"
            send(head + q[12:end] + answer_a, peer)
        else:
            head = q[0:2] + bytes((0x80 | rd, 0x80)) + b"\x00\x01\x00\x00\x00\x00\x00\x00"
            send(head + q[12:end], peer)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
