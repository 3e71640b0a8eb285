#!/usr/bin/python3
"""STAMP / TWAMP-light Session-Sender (RFC 8762, RFC 5357).

Test packet layout (offsets in octets, network byte order), --size 44 or more:
   0  Sequence Number (4)   0, 1, 2, ...
   4  Timestamp T1 (8)      taken just before transmission (NTP, or PTP
                            with --timestamp ptp)
  12  Error Estimate (2)    S=0 (unsynchronised), Multiplier != 0, Z=1 for PTP
  14  SSID (2)              RFC 8972; 0 unless --ssid is given
  16  MBZ to the end        --size octets in total
--size 14..43: the RFC 5357 TWAMP-light sender packet, Sequence Number,
Timestamp and Error Estimate as above, then zero padding; no SSID (a
14-octet packet carries none). --key FILE: the RFC 8762 authenticated
layout (Sequence Number @0, MBZ, T1 @16, Error Estimate @24, SSID @26,
MBZ, HMAC @96 over octets 0..95; --size 112 or more).

A reply is taken when it came from the peer's address and port, carries
the fields of the reply layout (38 octets for TWAMP-light's short form,
41 with the TTL, 44 for STAMP, 112 and a valid HMAC when keyed), its
Session-Sender Sequence Number and Timestamp match a packet this run
sent, and its SSID matches (where the request had one). Each timestamp
is decoded by the Z bit of its own error estimate. For the first reply to
each probe:
    RTT = (T4 - T1) - (T3 - T2)
with T4 the receive time. Replies whose size differs from the request's
are taken and counted as size_mismatch.

Usage: stamp_sender.py --peer HOST --port N --count C --interval SECONDS
                       [--size 44] [--ssid X] [--ttl 255] [--timeout S]
                       [--timestamp ntp|ptp] [--key FILE]
                       [--local-port N] [--json FILE]
--local-port sends from a fixed UDP port, as TWAMP-light senders often do: a
second run then comes from the same address, port and SSID as the first.
Prints one JSON line (and writes it to --json FILE):
  {"sent","received","invalid","reflector_seqs","sender_ttls",
   "rtt_ns_median","reply_sizes","size_mismatch", ...}
"""

import argparse
import select
import socket
import statistics
import struct
import sys
import time

import peercommon as pc

PROG = "stamp_sender"
SHORTEST_REPLY = 38  # RFC 5357 reply fields through the sender's error estimate


def parse_ssid(text):
    value = int(text, 0)
    if not 0 <= value <= 0xFFFF:
        raise argparse.ArgumentTypeError("SSID must be 0..65535")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="stamp_sender.py",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--peer", required=True, help="reflector address")
    parser.add_argument("--port", type=int, required=True,
                        help="reflector UDP port")
    parser.add_argument("--count", type=int, required=True,
                        help="number of test packets")
    parser.add_argument("--interval", type=float, required=True,
                        help="seconds between test packets")
    parser.add_argument("--size", type=int, default=None,
                        help="test packet length in octets (default 44; 112 keyed)")
    parser.add_argument("--ssid", type=parse_ssid, default=0,
                        help="STAMP Session Identifier (decimal or 0x..)")
    parser.add_argument("--ttl", type=int, default=255,
                        help="IP TTL / Hop Limit of test packets")
    parser.add_argument("--timeout", type=float, default=1.0,
                        help="wait this long after the last probe")
    parser.add_argument("--timestamp", choices=("ntp", "ptp"), default="ntp",
                        help="format of T1 (default ntp)")
    parser.add_argument("--key", metavar="FILE",
                        help="authenticated mode with the key in FILE (hex or raw)")
    parser.add_argument("--local-port", type=int, default=0,
                        help="send from this UDP port (default: any free one)")
    parser.add_argument("--json", metavar="FILE",
                        help="also write the JSON result here")
    args = parser.parse_args(argv)
    low = 112 if args.key else 14
    if args.size is None:
        args.size = 112 if args.key else 44
    if args.size < low or args.size > 65507:
        parser.error("--size must be %d..65507" % low)
    if args.count < 0:
        parser.error("--count must be >= 0")
    if args.interval < 0 or args.timeout < 0:
        parser.error("--interval and --timeout must be >= 0")
    if not 1 <= args.ttl <= 255:
        parser.error("--ttl must be 1..255")
    if not 0 <= args.local_port <= 65535:
        parser.error("--local-port must be 0..65535")
    return args


def same_endpoint(a, b):
    return a[0] == b[0] and a[1] == b[1]


class Session:
    def __init__(self, args, peer_addr):
        self.args = args
        self.peer = peer_addr
        self.key = pc.read_key(args.key) if args.key else None
        if self.key:
            self.layout = pc.AUTHENTICATED
        elif args.size >= pc.STAMP.min_request:
            self.layout = pc.STAMP
        else:
            self.layout = pc.TWAMP_LIGHT
        self.ptp = args.timestamp == "ptp"
        self.errest = pc.error_estimate(synced=False, ptp=self.ptp)
        self.sent = {}            # seq -> T1 wire value as sent
        self.answered = set()
        self.received = 0
        self.invalid = 0
        self.invalid_reasons = {}
        self.duplicates = 0
        self.foreign = 0
        self.size_mismatch = 0
        self.reflector_seqs = []
        self.sender_ttls = []
        self.reply_sizes = set()
        self.reflector_errests = set()
        self.reflector_formats = set()
        self.rtts = []
        self.procs = []
        self.t2_minus_t1 = []

    def packet(self, seq):
        lay = self.layout
        buf = bytearray(self.args.size)
        t1 = pc.timestamp(time.time_ns(), self.ptp)
        struct.pack_into("!I", buf, 0, seq)
        struct.pack_into("!Q", buf, lay.req_t1, t1)
        struct.pack_into("!H", buf, lay.req_ee, self.errest)
        if lay.req_ssid is not None:
            struct.pack_into("!H", buf, lay.req_ssid, self.args.ssid)
        if self.key:
            buf[96:112] = pc.auth_hmac(self.key, buf)
        self.sent[seq] = t1
        return buf

    def reject(self, reason):
        self.invalid += 1
        self.invalid_reasons[reason] = self.invalid_reasons.get(reason, 0) + 1

    def on_reply(self, data, src, t4_ns):
        if not same_endpoint(src, self.peer):
            self.foreign += 1
            return
        lay = self.layout
        self.reply_sizes.add(len(data))
        if len(data) < max(SHORTEST_REPLY, lay.see + 2):
            self.reject("short")
            return
        if self.key and not pc.auth_ok(self.key, data):
            self.reject("auth")
            return
        rseq, = struct.unpack_from("!I", data, 0)
        t3, = struct.unpack_from("!Q", data, lay.t3)
        errest, = struct.unpack_from("!H", data, lay.ee)
        t2, = struct.unpack_from("!Q", data, lay.t2)
        sseq, = struct.unpack_from("!I", data, lay.sseq)
        t1, = struct.unpack_from("!Q", data, lay.st1)
        serrest, = struct.unpack_from("!H", data, lay.see)
        if sseq not in self.sent:
            self.reject("sender_seq")
            return
        if self.sent[sseq] != t1:
            self.reject("sender_timestamp")
            return
        if lay.ssid is not None and len(data) >= lay.reply_len:
            if struct.unpack_from("!H", data, lay.ssid)[0] != self.args.ssid:
                self.reject("ssid")
                return
        if sseq in self.answered:
            self.duplicates += 1
            return
        self.answered.add(sseq)
        self.received += 1
        if len(data) != self.args.size:
            self.size_mismatch += 1
        self.reflector_seqs.append(rseq)
        self.sender_ttls.append(data[lay.ttl] if len(data) > lay.ttl else None)
        self.reflector_errests.add(errest)
        self.reflector_formats.add("ptp" if pc.is_ptp(errest) else "ntp")
        t1_ns = pc.timestamp_ns(t1, serrest)
        t2_ns = pc.timestamp_ns(t2, errest)
        t3_ns = pc.timestamp_ns(t3, errest)
        self.procs.append(t3_ns - t2_ns)
        self.t2_minus_t1.append(t2_ns - t1_ns)
        self.rtts.append((t4_ns - t1_ns) - (t3_ns - t2_ns))

    def result(self, stopped_by):
        def median(xs):
            return int(statistics.median(xs)) if xs else None

        rtts = self.rtts
        return {
            "sent": len(self.sent),
            "received": self.received,
            "invalid": self.invalid,
            "reflector_seqs": self.reflector_seqs,
            "sender_ttls": self.sender_ttls,
            "rtt_ns_median": median(rtts),
            "reply_sizes": sorted(self.reply_sizes),
            "size_mismatch": self.size_mismatch,
            "rtt_ns_min": min(rtts) if rtts else None,
            "rtt_ns_max": max(rtts) if rtts else None,
            "proc_ns_median": median(self.procs),
            "t2_minus_t1_ns_max": max(map(abs, self.t2_minus_t1)) if rtts else None,
            "duplicates": self.duplicates,
            "foreign": self.foreign,
            "invalid_reasons": self.invalid_reasons,
            "reflector_error_estimates": sorted(self.reflector_errests),
            "reflector_timestamps": sorted(self.reflector_formats),
            "layout": self.layout.name,
            "ssid": self.args.ssid,
            "size": self.args.size,
            "stopped_by": stopped_by,
        }


def open_socket(args):
    family, peer = pc.resolve(args.peer, args.port)
    sock = socket.socket(family, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, args.ttl)
    else:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, args.ttl)
    if args.local_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", args.local_port))
    sock.setblocking(False)
    return sock, peer


def run(args):
    sock, peer = open_socket(args)
    session = Session(args, peer)
    total_budget = args.count * args.interval + args.timeout + 5.0
    stop = pc.StopFlag(total_budget)
    start = time.monotonic()
    next_seq = 0
    last_send = None
    stopped_by = "done"
    try:
        while True:
            if stop.should_stop():
                stopped_by = stop.reason()
                break
            now = time.monotonic()
            if next_seq < args.count and now >= start + next_seq * args.interval:
                try:
                    sock.sendto(session.packet(next_seq), peer)
                except OSError as exc:
                    pc.log(PROG, "sendto failed for seq %d: %s" % (next_seq, exc))
                next_seq += 1
                last_send = now = time.monotonic()
            if next_seq >= args.count:
                if len(session.answered) >= args.count:
                    break
                end = (last_send if last_send is not None else start) + args.timeout
                if now >= end:
                    break
                wake = end
            else:
                wake = start + next_seq * args.interval
            wait = max(0.0, min(wake - now, pc.POLL_SECONDS, stop.remaining()))
            readable, _, _ = select.select([sock], [], [], wait)
            if not readable:
                continue
            while True:
                try:
                    data, src = sock.recvfrom(65535)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError as exc:
                    pc.log(PROG, "recvfrom: %s" % exc)
                    break
                session.on_reply(data, src, time.time_ns())
    finally:
        sock.close()
    return session.result(stopped_by)


def main(argv=None):
    args = parse_args(argv)
    result = run(args)
    pc.emit_json(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
