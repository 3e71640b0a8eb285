#!/usr/bin/python3
"""STAMP Session-Reflector, unauthenticated mode (RFC 8762, SSID per RFC 8972).

Reflected packet layout (offsets in octets, network byte order):
   0  Sequence Number (4)        stateful: own counter per (src addr,
                                 src port, SSID) from 0; stateless: copy
                                 of the received Sequence Number
   4  Timestamp T3 (8, NTP)      taken just before transmission
  12  Error Estimate (2)         S=0 (unsynchronised), Multiplier != 0
  14  SSID (2)                   copied from the received packet
  16  Receive Timestamp T2 (8)   taken when the packet was read
  24  Session-Sender Sequence Number (4)
  28  Session-Sender Timestamp (8)
  36  Session-Sender Error Estimate (2)
  38  MBZ (2)
  40  Ses-Sender TTL (1)         TTL / Hop Limit of the received packet
                                 (255 when the kernel does not report it)
  41  MBZ to the end             the reply has the request's length
Requests shorter than 44 octets are dropped.

Usage: stamp_reflector.py --bind ADDR --port N [--stateless]
                          [--ready-file F] [--max-seconds S]
At exit prints one JSON line: {"received":N,"reflected":N,"dropped_short":N}.
"""

import argparse
import socket
import struct
import sys
import time

import peercommon as pc

PROG = "stamp_reflector"
MIN_LEN = 44
UNKNOWN_TTL = 255
HEAD = struct.Struct("!IQHHQ")  # seq, T3, error estimate, SSID, T2


def enable_ttl_reporting(sock):
    """Ask the kernel for the received TTL / Hop Limit; return what worked."""
    enabled = []
    if sock.family == socket.AF_INET6:
        try:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
            enabled.append("IPV6_RECVHOPLIMIT")
        except (OSError, AttributeError):
            pass
    try:
        sock.setsockopt(socket.IPPROTO_IP, pc.IP_RECVTTL, 1)
        enabled.append("IP_RECVTTL")
    except OSError:
        pass
    return enabled


def ttl_from_ancillary(ancdata):
    for level, ctype, cdata in ancdata:
        is_v4 = level == socket.IPPROTO_IP and ctype == socket.IP_TTL
        is_v6 = (level == socket.IPPROTO_IPV6
                 and ctype == getattr(socket, "IPV6_HOPLIMIT", -1))
        if not (is_v4 or is_v6) or not cdata:
            continue
        if len(cdata) >= 4:
            return struct.unpack("=i", cdata[:4])[0] & 0xFF
        return cdata[0]
    return UNKNOWN_TTL


class Reflector:
    def __init__(self, stateless):
        self.stateless = stateless
        self.counters = {}
        self.errest = pc.error_estimate(synced=False)

    def next_seq(self, src, ssid, request):
        if self.stateless:
            return struct.unpack_from("!I", request, 0)[0]
        key = (src[0], src[1], ssid)
        seq = self.counters.get(key, 0)
        self.counters[key] = (seq + 1) & 0xFFFFFFFF
        return seq

    def build(self, request, src, t2_ns, ttl):
        ssid = struct.unpack_from("!H", request, 14)[0]
        reply = bytearray(len(request))
        seq = self.next_seq(src, ssid, request)
        HEAD.pack_into(reply, 0, seq, 0, self.errest, ssid, pc.ns_to_ntp(t2_ns))
        reply[24:38] = request[0:14]
        reply[40] = ttl
        return reply


def main(argv=None):
    parser = argparse.ArgumentParser(prog="stamp_reflector.py",
                                     description=__doc__.splitlines()[0])
    pc.add_server_args(parser)
    parser.add_argument("--stateless", action="store_true",
                        help="copy the sender's sequence number instead of "
                             "keeping a per-session counter")
    args = parser.parse_args(argv)

    stop = pc.StopFlag(args.max_seconds)
    sock = pc.bound_udp_socket(args.bind, args.port)
    if not enable_ttl_reporting(sock):
        pc.log(PROG, "TTL reporting unavailable; Sender TTL will be %d"
               % UNKNOWN_TTL)
    pc.write_ready_file(args.ready_file, sock.getsockname()[1])

    reflector = Reflector(args.stateless)
    anc_size = socket.CMSG_SPACE(4) * 4
    received = reflected = dropped_short = 0
    try:
        while not stop.should_stop():
            sock.settimeout(max(0.001, min(pc.POLL_SECONDS, stop.remaining())))
            try:
                data, ancdata, _flags, src = sock.recvmsg(65535, anc_size)
            except socket.timeout:
                continue
            except InterruptedError:
                continue
            t2_ns = time.time_ns()
            received += 1
            if len(data) < MIN_LEN:
                dropped_short += 1
                continue
            reply = reflector.build(data, src, t2_ns,
                                    ttl_from_ancillary(ancdata))
            struct.pack_into("!Q", reply, 4, pc.ns_to_ntp(time.time_ns()))
            try:
                sock.sendto(reply, src)
                reflected += 1
            except OSError as exc:
                pc.log(PROG, "sendto %r failed: %s" % (src, exc))
    finally:
        sock.close()
        pc.emit_json({"received": received, "reflected": reflected,
                      "dropped_short": dropped_short})
    return 0


if __name__ == "__main__":
    sys.exit(main())
