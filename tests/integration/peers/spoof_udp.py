#!/usr/bin/python3
"""Sends UDP datagrams with a source address and port of its choosing
through a raw IPv4 socket (IP_HDRINCL): what an attacker on the segment can
do, and what starts a reflection loop. Needs root (CAP_NET_RAW).

Headers as RFC 791 (IPv4: version 4, IHL 5, total length, identification,
TTL, protocol 17, header checksum) and RFC 768 (UDP: ports, length, and the
checksum over the pseudo-header, the UDP header and the data) lay them out.

Only loopback destinations (127.0.0.0/8) are accepted: the tests run it on
this host's loopback or inside a network namespace of their own.

Usage: spoof_udp.py --src 127.0.0.1:PORT[-PORT2] --dst 127.0.0.1:PORT
                    (--payload-hex HEX | --payload-file F)
                    [--count N] [--rate PPS] [--max-seconds S] [--ttl T]
With a port range the source port cycles through it, one datagram each.
Prints one JSON line at exit: {"sent": N, "seconds": S, "errors": N}.
"""

import argparse
import ipaddress
import socket
import struct
import sys
import time

import peercommon as pc

PROG = "spoof_udp"


def checksum(data):
    """The Internet checksum (RFC 1071): ones' complement of the ones' complement sum."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def datagram(src, sport, dst, dport, payload, ttl, ident):
    ulen = 8 + len(payload)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, ulen)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    csum = checksum(pseudo + udp) or 0xFFFF  # 0 means "no checksum"; send all ones instead
    udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
    head = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, ident & 0xFFFF, 0, ttl, 17, 0,
                       socket.inet_aton(src), socket.inet_aton(dst))
    head = head[:10] + struct.pack("!H", checksum(head)) + head[12:]
    return head + udp


def endpoint(text, allow_range=False):
    host, _, port = text.rpartition(":")
    lo, _, hi = port.partition("-")
    if hi and not allow_range:
        raise argparse.ArgumentTypeError("no port range here: %r" % text)
    ipaddress.IPv4Address(host)
    return host, int(lo), int(hi or lo)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="spoof_udp.py", description=__doc__.splitlines()[0])
    ap.add_argument("--src", required=True, type=lambda t: endpoint(t, True))
    ap.add_argument("--dst", required=True, type=endpoint)
    ap.add_argument("--payload-hex")
    ap.add_argument("--payload-file")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--rate", type=float, default=0, help="datagrams a second (0: at once)")
    ap.add_argument("--max-seconds", type=float, default=30.0)
    ap.add_argument("--ttl", type=int, default=64)
    args = ap.parse_args(argv)
    dst, dport, _ = args.dst
    if not ipaddress.IPv4Address(dst).is_loopback:
        ap.error("--dst must be a loopback address (127.0.0.0/8)")
    if args.payload_hex is not None:
        payload = bytes.fromhex(args.payload_hex)
    elif args.payload_file:
        with open(args.payload_file, "rb") as f:
            payload = f.read()
    else:
        ap.error("--payload-hex or --payload-file")
    src, plo, phi = args.src
    stop = pc.StopFlag(args.max_seconds)
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    sent = errors = 0
    start = time.monotonic()
    try:
        while sent + errors < args.count and not stop.should_stop():
            if args.rate > 0:
                due = start + (sent + errors) / args.rate
                wait = due - time.monotonic()
                if wait > 0.002:
                    time.sleep(wait)  # pacing the schedule
            sport = plo + (sent + errors) % (phi - plo + 1)
            pkt = datagram(src, sport, dst, dport, payload, args.ttl, sent + errors)
            try:
                sock.sendto(pkt, (dst, 0))
                sent += 1
            except OSError as exc:
                errors += 1
                if errors == 1:
                    pc.log(PROG, "sendto: %s" % exc)
    finally:
        sock.close()
        pc.emit_json({"sent": sent, "seconds": round(time.monotonic() - start, 3),
                      "errors": errors})
    return 0


if __name__ == "__main__":
    sys.exit(main())
