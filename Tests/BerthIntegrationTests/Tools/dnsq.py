#!/usr/bin/env python3
"""A tiny DNS client for the integration tests (no dig on these machines).
usage: dnsq.py [--tcp] [--type A|AAAA|PTR] NAME [SERVER [PORT]]
prints: rcode=N answers=a,b,c   (addresses for A/AAAA, names for PTR)"""
import random, socket, struct, sys

def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"

def read_name(msg, off):
    labels, jumped, end = [], False, off
    while True:
        n = msg[off]
        if n & 0xC0 == 0xC0:
            ptr = struct.unpack(">H", msg[off:off + 2])[0] & 0x3FFF
            if not jumped:
                end = off + 2
            jumped, off = True, ptr
            continue
        if n == 0:
            if not jumped:
                end = off + 1
            return ".".join(labels), end
        labels.append(msg[off + 1:off + 1 + n].decode())
        off += 1 + n

def main(argv):
    tcp, qtype = False, "A"
    while argv and argv[0].startswith("--"):
        if argv[0] == "--tcp":
            tcp = True; argv = argv[1:]
        elif argv[0] == "--type":
            qtype = argv[1]; argv = argv[2:]
    name = argv[0]
    server = argv[1] if len(argv) > 1 else "127.0.0.11"
    port = int(argv[2]) if len(argv) > 2 else 53
    types = {"A": 1, "PTR": 12, "AAAA": 28}
    qid = random.randint(0, 65535)
    query = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + encode_name(name) + struct.pack(">HH", types[qtype], 1)
    if tcp:
        s = socket.create_connection((server, port), timeout=5)
        s.sendall(struct.pack(">H", len(query)) + query)
        data = b""
        while len(data) < 2 or len(data) < 2 + struct.unpack(">H", data[:2])[0]:
            chunk = s.recv(65535)
            if not chunk:
                break
            data += chunk
        msg = data[2:]
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(5)
        s.sendto(query, (server, port))
        msg, _ = s.recvfrom(65535)
    rid, flags, qd, an, _, _ = struct.unpack(">HHHHHH", msg[:12])
    assert rid == qid, "id mismatch"
    off = 12
    for _ in range(qd):
        _, off = read_name(msg, off)
        off += 4
    answers = []
    for _ in range(an):
        _, off = read_name(msg, off)
        rtype, _, _, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
        off += 10
        rdata = msg[off:off + rdlen]
        if rtype == 1:
            answers.append(socket.inet_ntop(socket.AF_INET, rdata))
        elif rtype == 28:
            answers.append(socket.inet_ntop(socket.AF_INET6, rdata))
        elif rtype == 12:
            answers.append(read_name(msg, off)[0])
        off += rdlen
    tc = " tc" if flags & 0x0200 else ""
    print(f"rcode={flags & 0xF} answers={','.join(answers)}{tc}")

main(sys.argv[1:])
