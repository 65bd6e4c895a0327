#!/usr/bin/env python3
"""A fake upstream resolver for the tests, run inside a test namespace (never a real outside one).
usage: fake-upstream.py ADDRESS PORT
Answers A for outside.example. with 198.51.100.7 (and counts queries), NXDOMAIN for anything else,
over UDP and TCP. Prints "ready" once both sockets listen."""
import socket, struct, sys, threading

def answer(query):
    qid, flags = struct.unpack(">HH", query[:4])
    off = 12
    labels = []
    while query[off]:
        labels.append(query[off + 1:off + 1 + query[off]].decode().lower())
        off += 1 + query[off]
    question = query[12:off + 5]
    name = ".".join(labels)
    if name == "outside.example":
        header = struct.pack(">HHHHHH", qid, 0x8180 | (flags & 0x0100), 1, 1, 0, 0)
        rr = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton("198.51.100.7")
        return header + question + rr
    return struct.pack(">HHHHHH", qid, 0x8183 | (flags & 0x0100), 1, 0, 0, 0) + question

def serve_udp(sock):
    while True:
        data, peer = sock.recvfrom(4096)
        sock.sendto(answer(data), peer)

def serve_tcp(sock):
    while True:
        conn, _ = sock.accept()
        with conn:
            data = conn.recv(4096)
            reply = answer(data[2:])
            conn.sendall(struct.pack(">H", len(reply)) + reply)

addr, port = sys.argv[1], int(sys.argv[2])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind((addr, port))
t = socket.socket()
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind((addr, port))
t.listen(16)
threading.Thread(target=serve_tcp, args=(t,), daemon=True).start()
print("ready", flush=True)
serve_udp(u)
