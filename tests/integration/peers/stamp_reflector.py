#!/usr/bin/python3
"""STAMP Session-Reflector (RFC 8762, SSID per RFC 8972) or TWAMP-light reflector (RFC 5357).

Unauthenticated STAMP reply (offsets in octets, network byte order):
   0  Sequence Number (4)        stateful: own counter per (src addr,
                                 src port, SSID) from 0; stateless: copy
                                 of the received Sequence Number
   4  Timestamp T3 (8)           taken just before transmission
  12  Error Estimate (2)         S=0 (unsynchronised), Multiplier != 0,
                                 Z=1 with --timestamp ptp
  14  SSID (2)                   copied from the received packet
  16  Receive Timestamp T2 (8)   taken when the packet was read
  24  Session-Sender Sequence Number (4)
  28  Session-Sender Timestamp (8)
  36  Session-Sender Error Estimate (2)
  38  MBZ (2)
  40  Ses-Sender TTL (1)         TTL / Hop Limit of the received packet
                                 (255 when the kernel does not report it)
  41  MBZ to the end             the reply has the request's length
                                 (--reply-size N: N octets instead)
Requests shorter than 44 octets are dropped.

--key FILE: authenticated mode (RFC 8762 4.2.2 / 4.3.2). Requests of 112
octets or more whose HMAC (octets 96..111: HMAC-SHA-256 of octets 0..95,
first 16 octets) verifies under the key are answered; the reply has the
same fields at other offsets (T3 @16, Error Estimate @24, SSID @26, T2 @32,
Session-Sender Sequence Number @48, Timestamp @64, Error Estimate @72,
TTL @80, MBZ between them) and its own HMAC at 96. --no-verify answers
requests whatever their HMAC says (the reply is still signed).

--twamp-light-size 41|38: a TWAMP-light reflector (RFC 5357 4.2.1,
unauthenticated). Requests of 14 octets or more (Sequence Number @0,
Timestamp @4, Error Estimate @12, padding) are answered with exactly 41
octets (the layout above with MBZ instead of the SSID at 14..15 and no
padding), or 38 octets: the same without the last MBZ and the TTL. The
stateful counter is kept per (src addr, src port).

--timestamp ptp writes T2 and T3 in the PTPv2 truncated format (seconds
since 1970 on the TAI scale, nanoseconds) and sets Z in the error
estimate. --hold-ms D sends each reply D milliseconds after its request
came, so T3 - T2 is at least D.

Usage: stamp_reflector.py --bind ADDR --port N [--stateless]
                          [--timestamp ntp|ptp] [--reply-size N]
                          [--twamp-light-size 41|38] [--key FILE [--no-verify]]
                          [--hold-ms D] [--ready-file F] [--max-seconds S]
At exit prints one JSON line: {"received":N,"reflected":N,"dropped_short":N,
"auth_failed":N,"send_errors":N,"sessions":N,"t1_ntp":N,"t1_ptp":N,
"t1_skew_ns_max":N,"printable":N,"binary":N,"printable_after_binary":N}:
t1_ntp and t1_ptp count the answered requests by the format their Z bit
gives T1, t1_skew_ns_max is the largest distance between a T1 so decoded
and this host's clock when the request came. printable counts the answered
requests made only of printable ASCII (and line ends), as a script that
decodes text needs them, binary the others, printable_after_binary the
printable ones that came after the first binary one.
"""

import argparse
import heapq
import socket
import struct
import sys
import time

import peercommon as pc

PROG = "stamp_reflector"
UNKNOWN_TTL = 255


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
    def __init__(self, args):
        self.stateless = args.stateless
        self.ptp = args.timestamp == "ptp"
        self.key = pc.read_key(args.key) if args.key else None
        self.verify = not args.no_verify
        if self.key:
            self.layout = pc.AUTHENTICATED
        elif args.twamp_light_size:
            self.layout = pc.TWAMP_LIGHT
        else:
            self.layout = pc.STAMP
        self.twamp_size = args.twamp_light_size
        self.reply_size = args.reply_size
        self.counters = {}
        self.t1_formats = {}
        self.t1_skew_ns_max = 0
        self.kinds = {"printable": 0, "binary": 0, "printable_after_binary": 0}
        self.errest = pc.error_estimate(synced=False, ptp=self.ptp)

    def acceptable(self, request):
        """None when the request is answered, else the counter it goes to."""
        if len(request) < self.layout.min_request:
            return "dropped_short"
        if self.key and self.verify and not pc.auth_ok(self.key, request):
            return "auth_failed"
        return None

    def next_seq(self, src, ssid, request):
        if self.stateless:
            return struct.unpack_from("!I", request, 0)[0]
        key = (src[0], src[1], ssid)
        seq = self.counters.get(key, 0)
        self.counters[key] = (seq + 1) & 0xFFFFFFFF
        return seq

    def size_for(self, request):
        if self.twamp_size:
            return self.twamp_size
        return self.reply_size or len(request)

    def build(self, request, src, t2_ns, ttl):
        lay = self.layout
        ssid = None
        if lay.ssid is not None:
            ssid = struct.unpack_from("!H", request, lay.req_ssid)[0]
        size = self.size_for(request)
        reply = bytearray(max(size, lay.reply_len))
        struct.pack_into("!I", reply, 0, self.next_seq(src, ssid, request))
        struct.pack_into("!H", reply, lay.ee, self.errest)
        if ssid is not None:
            struct.pack_into("!H", reply, lay.ssid, ssid)
        struct.pack_into("!Q", reply, lay.t2, pc.timestamp(t2_ns, self.ptp))
        reply[lay.sseq:lay.sseq + 4] = request[0:4]
        reply[lay.st1:lay.st1 + 8] = request[lay.req_t1:lay.req_t1 + 8]
        reply[lay.see:lay.see + 2] = request[lay.req_ee:lay.req_ee + 2]
        reply[lay.ttl] = ttl
        self.note_request_clock(request, t2_ns)
        self.note_request_kind(request)
        return reply[:size]

    def note_request_kind(self, request):
        """Counts printable requests (what a text-decoding script survives) and binary ones."""
        if all(0x20 <= b < 0x7F or b in (0x0A, 0x0D) for b in request):
            self.kinds["printable"] += 1
            if self.kinds["binary"]:
                self.kinds["printable_after_binary"] += 1
        else:
            self.kinds["binary"] += 1

    def note_request_clock(self, request, t2_ns):
        """Counts the format of each request's T1 (its Z bit) and how far
        T1 lies from this host's clock when read by it."""
        errest, = struct.unpack_from("!H", request, self.layout.req_ee)
        t1, = struct.unpack_from("!Q", request, self.layout.req_t1)
        fmt = "t1_ptp" if pc.is_ptp(errest) else "t1_ntp"
        self.t1_formats[fmt] = self.t1_formats.get(fmt, 0) + 1
        skew = abs(t2_ns - pc.timestamp_ns(t1, errest))
        self.t1_skew_ns_max = max(self.t1_skew_ns_max, skew)

    def finish(self, reply):
        """Stamps T3 (and signs) just before the reply leaves."""
        struct.pack_into("!Q", reply, self.layout.t3,
                         pc.timestamp(time.time_ns(), self.ptp))
        if self.key:
            reply[96:112] = pc.auth_hmac(self.key, reply)
        return reply


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="stamp_reflector.py",
                                     description=__doc__.splitlines()[0])
    pc.add_server_args(parser)
    parser.add_argument("--stateless", action="store_true",
                        help="copy the sender's sequence number instead of "
                             "keeping a per-session counter")
    parser.add_argument("--timestamp", choices=("ntp", "ptp"), default="ntp",
                        help="format of T2 and T3 (default ntp)")
    parser.add_argument("--reply-size", type=int, default=0,
                        help="answer with N octets whatever the request's size")
    parser.add_argument("--twamp-light-size", type=int, choices=(41, 38),
                        help="TWAMP-light reflector answering with this many octets")
    parser.add_argument("--key", metavar="FILE",
                        help="authenticated mode with the key in FILE (hex or raw)")
    parser.add_argument("--no-verify", action="store_true",
                        help="with --key: answer requests whose HMAC fails too")
    parser.add_argument("--hold-ms", type=float, default=0.0,
                        help="send each reply this many ms after its request came")
    args = parser.parse_args(argv)
    if args.key and args.twamp_light_size:
        parser.error("--key and --twamp-light-size exclude each other")
    if args.no_verify and not args.key:
        parser.error("--no-verify needs --key")
    low = 112 if args.key else 44
    if args.reply_size and not low <= args.reply_size <= 65507:
        parser.error("--reply-size must be %d..65507 here" % low)
    if args.reply_size and args.twamp_light_size:
        parser.error("--reply-size and --twamp-light-size exclude each other")
    if not 0 <= args.hold_ms <= 10000:
        parser.error("--hold-ms must be 0..10000")
    return args


def serve(sock, reflector, stop, hold_ns):
    counts = {"received": 0, "reflected": 0, "dropped_short": 0,
              "auth_failed": 0, "send_errors": 0}
    anc_size = socket.CMSG_SPACE(4) * 4
    pending = []  # (due monotonic ns, order, reply, src)
    order = 0
    while not stop.should_stop():
        now = time.monotonic_ns()
        while pending and pending[0][0] <= now:
            _, _, reply, dst = heapq.heappop(pending)
            try:
                sock.sendto(reflector.finish(reply), dst)
                counts["reflected"] += 1
            except OSError as exc:
                counts["send_errors"] += 1
                pc.log(PROG, "sendto %r failed: %s" % (dst, exc))
        wait = min(pc.POLL_SECONDS, stop.remaining())
        if pending:
            wait = min(wait, (pending[0][0] - now) / 1e9)
        sock.settimeout(max(0.0005, wait))
        try:
            data, ancdata, _flags, src = sock.recvmsg(65535, anc_size)
        except (socket.timeout, InterruptedError):
            continue
        t2_ns = time.time_ns()
        counts["received"] += 1
        refused = reflector.acceptable(data)
        if refused:
            counts[refused] += 1
            continue
        reply = reflector.build(data, src, t2_ns, ttl_from_ancillary(ancdata))
        order += 1
        heapq.heappush(pending, (time.monotonic_ns() + hold_ns, order, reply, src))
    counts["unsent_at_exit"] = len(pending)
    return counts


def main(argv=None):
    args = parse_args(argv)
    stop = pc.StopFlag(args.max_seconds)
    reflector = Reflector(args)
    sock = pc.bound_udp_socket(args.bind, args.port)
    if not enable_ttl_reporting(sock):
        pc.log(PROG, "TTL reporting unavailable; Sender TTL will be %d"
               % UNKNOWN_TTL)
    pc.write_ready_file(args.ready_file, sock.getsockname()[1])
    counts = {}
    try:
        counts = serve(sock, reflector, stop, int(args.hold_ms * 1e6))
    finally:
        sock.close()
        counts["sessions"] = len(reflector.counters)
        counts.update(reflector.t1_formats)
        counts.update(reflector.kinds)
        counts["t1_skew_ns_max"] = reflector.t1_skew_ns_max
        pc.emit_json(counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
