"""A server on TCP and UDP PORT that answers each client with the address it sees the client
come from ("tcp 10.99.0.1"), so a test can tell masquerading and DNAT apart. Dual-stack where the
namespace has IPv6 (IPv4 clients show as plain IPv4), IPv4 only otherwise.
usage: peer-echo.py PORT"""
import socket, sys, threading

port = int(sys.argv[1])


def bind(kind):
    try:
        s = socket.socket(socket.AF_INET6, kind)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::", port))
        return s
    except OSError:
        s = socket.socket(socket.AF_INET, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port))
        return s


def show(addr):
    return addr[len("::ffff:"):] if addr.startswith("::ffff:") else addr


t = bind(socket.SOCK_STREAM)
t.listen(16)
u = bind(socket.SOCK_DGRAM)


def udp():
    while True:
        _, peer = u.recvfrom(2048)
        u.sendto(("udp " + show(peer[0]) + "\n").encode(), peer)


threading.Thread(target=udp, daemon=True).start()
while True:
    c, peer = t.accept()
    c.sendall(("tcp " + show(peer[0]) + "\n").encode())
    c.close()
