"""Asks a peer-echo.py server over tcp or udp and prints its answer, or "error: ..." and exit 1.
usage: peer-ask.py tcp|udp HOST PORT"""
import socket, sys

proto, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    if proto == "udp":
        s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.sendto(b"?", (host, port))
        print(s.recvfrom(200)[0].decode().strip())
    else:
        s = socket.create_connection((host, port), timeout=2)
        print(s.recv(200).decode().strip())
except OSError as e:
    print("error:", e)
    sys.exit(1)
