#!/usr/bin/python3
"""mcast_probe: the smallest multicast sender and receiver, for netlab's own tests of a --routed lab's
router (tests/lab/netlab_routed_test.sh), so that a router fault shows without mcast in the way. Runs only
inside a lab host (netlab exec): it sends.

  mcast_probe.py recv GROUP PORT SECONDS [SOURCE]   join GROUP on eth0 (SSM: only SOURCE), print "joined",
                                                     then each datagram as "TEXT FROM TTL" until SECONDS
  mcast_probe.py send GROUP PORT TTL COUNT TEXT     send COUNT datagrams "TEXT I", 100 ms apart
"""
import select
import socket
import struct
import sys
import time

IP_MULTICAST_ALL = 49
IP_ADD_SOURCE_MEMBERSHIP = 39
IP_RECVTTL = 12
IPV6_RECVHOPLIMIT = 51
IPV6_HOPLIMIT = 52
MCAST_JOIN_SOURCE_GROUP = 46


def sockaddr_in6(address):
    b = struct.pack("H2s4s16s4s", socket.AF_INET6, b"\0\0", b"\0" * 4,
                    socket.inet_pton(socket.AF_INET6, address), b"\0" * 4)
    return b + b"\0" * (128 - len(b))  # a sockaddr_storage


def recv(group, port, seconds, source):
    v6 = ":" in group
    index = socket.if_nametoindex("eth0")
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::" if v6 else "0.0.0.0", port))
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)
        if source:
            s.setsockopt(socket.IPPROTO_IPV6, MCAST_JOIN_SOURCE_GROUP,
                         struct.pack("I4x", index) + sockaddr_in6(group) + sockaddr_in6(source))
        else:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                         socket.inet_pton(socket.AF_INET6, group) + struct.pack("I", index))
    else:
        s.setsockopt(socket.IPPROTO_IP, IP_MULTICAST_ALL, 0)
        s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
        if source:
            s.setsockopt(socket.IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP,
                         socket.inet_aton(group) + socket.inet_aton("0.0.0.0") + socket.inet_aton(source))
        else:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                         struct.pack("4s4si", socket.inet_aton(group), b"\0" * 4, index))
    print("joined", flush=True)
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if not select.select([s], [], [], left)[0]:
            continue
        data, anc, _, addr = s.recvmsg(2048, 64)
        ttl = -1
        for level, kind, value in anc:
            if (level, kind) in ((socket.IPPROTO_IP, socket.IP_TTL), (socket.IPPROTO_IPV6, IPV6_HOPLIMIT)):
                ttl = struct.unpack("i", value[:4])[0] if len(value) >= 4 else value[0]
        print(data.decode(errors="replace"), addr[0], ttl, flush=True)


def send(group, port, ttl, count, text):
    v6 = ":" in group
    index = socket.if_nametoindex("eth0")
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
    if v6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, ttl)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
    else:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, struct.pack("4s4si", b"\0" * 4, b"\0" * 4, index))
    for i in range(count):
        s.sendto(f"{text} {i}".encode(), (group, port))
        time.sleep(0.1)


def main():
    a = sys.argv[1:]
    if len(a) in (4, 5) and a[0] == "recv":
        recv(a[1], int(a[2]), float(a[3]), a[4] if len(a) == 5 else None)
    elif len(a) == 6 and a[0] == "send":
        send(a[1], int(a[2]), int(a[3]), int(a[4]), a[5])
    else:
        sys.exit(__doc__)


main()
