"""A server on TCP and UDP PORT that answers each client with the address it sees the client
come from ("tcp 10.99.0.1"), so a test can tell masquerading and DNAT apart.
usage: peer-echo.py PORT"""
import socket, sys, threading

port = int(sys.argv[1])
t = socket.socket()
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("0.0.0.0", port))
t.listen(16)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("0.0.0.0", port))


def udp():
    while True:
        _, peer = u.recvfrom(2048)
        u.sendto(("udp " + peer[0] + "\n").encode(), peer)


threading.Thread(target=udp, daemon=True).start()
while True:
    c, peer = t.accept()
    c.sendall(("tcp " + peer[0] + "\n").encode())
    c.close()
