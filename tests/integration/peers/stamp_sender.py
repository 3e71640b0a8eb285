#!/usr/bin/python3
"""STAMP / TWAMP-light Session-Sender, unauthenticated mode (RFC 8762).

Test packet layout (offsets in octets, network byte order):
   0  Sequence Number (4)   0, 1, 2, ...
   4  Timestamp T1 (8, NTP) taken just before transmission
  12  Error Estimate (2)    S=0 (unsynchronised), Multiplier != 0
  14  SSID (2)              RFC 8972; 0 unless --ssid is given
  16  MBZ to the end        --size octets in total (minimum 44)

A reply is valid when its length equals the request length, its
Session-Sender Sequence Number (@24) and Session-Sender Timestamp (@28)
match a packet this run sent, its SSID (@14) matches, and it came from
the peer's address and port. For each valid first reply to a probe:
    RTT = (T4 - T1) - (T3 - T2)
with T1 (@28), T2 (@16) and T3 (@4) read from the NTP fields and T4 the
receive time.

Usage: stamp_sender.py --peer HOST --port N --count C --interval SECONDS
                       [--size 44] [--ssid X] [--ttl 255] [--timeout S]
                       [--local-port N] [--json FILE]
--local-port sends from a fixed UDP port, as TWAMP-light senders often do: a
second run then comes from the same address, port and SSID as the first.
Prints one JSON line (and writes it to --json FILE):
  {"sent","received","invalid","reflector_seqs","sender_ttls",
   "rtt_ns_median","reply_sizes", ...}
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
MIN_LEN = 44
REPLY_HEAD = struct.Struct("!IQHHQIQH")  # through Session-Sender Error Estimate


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
    parser.add_argument("--size", type=int, default=MIN_LEN,
                        help="test packet length in octets (>= 44)")
    parser.add_argument("--ssid", type=parse_ssid, default=0,
                        help="STAMP Session Identifier (decimal or 0x..)")
    parser.add_argument("--ttl", type=int, default=255,
                        help="IP TTL / Hop Limit of test packets")
    parser.add_argument("--timeout", type=float, default=1.0,
                        help="wait this long after the last probe")
    parser.add_argument("--local-port", type=int, default=0,
                        help="send from this UDP port (default: any free one)")
    parser.add_argument("--json", metavar="FILE",
                        help="also write the JSON result here")
    args = parser.parse_args(argv)
    if args.size < MIN_LEN or args.size > 65507:
        parser.error("--size must be 44..65507")
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
        self.errest = pc.error_estimate(synced=False)
        self.sent = {}            # seq -> T1 NTP value as sent
        self.answered = set()
        self.received = 0
        self.invalid = 0
        self.invalid_reasons = {}
        self.duplicates = 0
        self.foreign = 0
        self.mbz_nonzero = 0
        self.reflector_seqs = []
        self.sender_ttls = []
        self.reply_sizes = set()
        self.reflector_errests = set()
        self.rtts = []

    def packet(self, seq):
        buf = bytearray(self.args.size)
        t1 = pc.ns_to_ntp(time.time_ns())
        struct.pack_into("!IQHH", buf, 0, seq, t1, self.errest, self.args.ssid)
        self.sent[seq] = t1
        return buf

    def reject(self, reason):
        self.invalid += 1
        self.invalid_reasons[reason] = self.invalid_reasons.get(reason, 0) + 1

    def on_reply(self, data, src, t4_ns):
        if not same_endpoint(src, self.peer):
            self.foreign += 1
            return
        self.reply_sizes.add(len(data))
        if len(data) < MIN_LEN:
            self.reject("short")
            return
        (rseq, t3, errest, ssid, t2, sseq, t1,
         _serrest) = REPLY_HEAD.unpack_from(data, 0)
        if len(data) != self.args.size:
            self.reject("size")
            return
        if sseq not in self.sent:
            self.reject("sender_seq")
            return
        if self.sent[sseq] != t1:
            self.reject("sender_timestamp")
            return
        if ssid != self.args.ssid:
            self.reject("ssid")
            return
        if sseq in self.answered:
            self.duplicates += 1
            return
        self.answered.add(sseq)
        self.received += 1
        if data[38:40] != b"\0\0" or any(data[41:MIN_LEN]):
            self.mbz_nonzero += 1
        self.reflector_seqs.append(rseq)
        self.sender_ttls.append(data[40])
        self.reflector_errests.add(errest)
        self.rtts.append((t4_ns - pc.ntp_to_ns(t1))
                         - (pc.ntp_to_ns(t3) - pc.ntp_to_ns(t2)))

    def result(self, stopped_by):
        rtts = self.rtts
        return {
            "sent": len(self.sent),
            "received": self.received,
            "invalid": self.invalid,
            "reflector_seqs": self.reflector_seqs,
            "sender_ttls": self.sender_ttls,
            "rtt_ns_median": int(statistics.median(rtts)) if rtts else None,
            "reply_sizes": sorted(self.reply_sizes),
            "rtt_ns_min": min(rtts) if rtts else None,
            "rtt_ns_max": max(rtts) if rtts else None,
            "duplicates": self.duplicates,
            "foreign": self.foreign,
            "mbz_nonzero": self.mbz_nonzero,
            "invalid_reasons": self.invalid_reasons,
            "reflector_error_estimates": sorted(self.reflector_errests),
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
