#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""udpbench sender for the 虚谷号 (vvBoard, Python 3.5).

The board as client: a STAMP session-sender (RFC 8762 §4.2.1) that measures a
PC running `udpbench reflect` (or a board's reflector). Progress goes to the
console about once a second; at the end one line `udpbench: {...}` with sent,
received, lost_up, lost_down and rtt_ms {min, median, p90, max}.

    python3 udpbench_sender.py --peer 192.168.1.10 --count 100 --interval-ms 100

Settings come from the block below, then from udpbench_config.py beside this
file (the same file the 掌控板's sender.py reads), then from the command line.
"""

# ---- Settings / 设置 ---------------------------------------------------------
PEER = "192.168.1.10"     # 运行 `udpbench reflect` 的电脑的 IP / the PC's address
PORT = 10000              # the reflector's UDP port
COUNT = 100               # probes to send / 发送多少个包
INTERVAL_MS = 100         # one probe every INTERVAL_MS / 发包间隔
TIMEOUT_MS = 1000         # a reply later than this is late, not received / 超时
# -----------------------------------------------------------------------------

try:
    from udpbench_config import *  # noqa: F401,F403
except ImportError:
    pass

import argparse
import json
import os
import select
import signal
import socket
import struct
import sys
import time

STAMP_LEN = 44
ERR_EST = 0x3fff          # RFC 4656 §4.1.2: not synchronised, largest error stated
NTP_UNIX = 2208988800     # seconds from 1900 (NTP) to 1970 (Unix)
# Offsets in the reflector's reply, RFC 8762 §4.3.1.
R_SEQ, R_T3, R_SSID, R_T2, R_SENDER_SEQ = 0, 4, 14, 16, 24


def ntp_now():
    """The wall clock as a 64-bit NTP timestamp (seconds << 32 | fraction)."""
    t = time.time() + NTP_UNIX
    return (int(t) << 32) | int((t % 1) * 4294967296)


def held_seconds(reply):
    """T3 - T2: how long the reflector held the probe, or None when implausible."""
    t3, = struct.unpack_from("!Q", reply, R_T3)
    t2, = struct.unpack_from("!Q", reply, R_T2)
    d = (t3 - t2) / 4294967296.0
    return d if 0 <= d < 2 else None


def summary(rtts):
    if not rtts:
        return None
    v = sorted(rtts)
    n = len(v)
    med = v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
    p90 = v[max(0, (n * 9 + 9) // 10 - 1)]   # nearest rank
    return {"min": v[0], "median": med, "p90": p90, "max": v[-1]}


class Sender(object):
    def __init__(self, addr, count, interval, timeout):
        self.addr = addr
        self.count = count
        self.interval = interval
        self.timeout = timeout
        self.sock = socket.socket(addr[0], socket.SOCK_DGRAM)
        self.sock.setblocking(False)
        self.ssid = (os.getpid() & 0xfffe) | 1
        self.sent_at = {}        # seq -> monotonic send time, while in flight
        self.rtts = []           # ms, one per answered probe
        self.answered = set()
        self.timed_out = set()
        self.late = 0
        self.refl_top = -1
        self.duplicates = 0
        self.foreign = 0         # datagrams that were not replies to this run
        self.stop = False

    def send(self, seq):
        pkt = struct.pack("!IQHH", seq, ntp_now(), ERR_EST, self.ssid) + bytes(STAMP_LEN - 16)
        t = time.monotonic()
        try:
            self.sock.sendto(pkt, self.addr[4])
        except OSError:
            pass        # counted as lost
        self.sent_at[seq] = t

    def receive(self):
        while True:
            try:
                data = self.sock.recv(2048)
            except OSError:
                return      # nothing waiting (or a soft error: the probe counts as lost)
            t = time.monotonic()
            if len(data) < STAMP_LEN:
                self.foreign += 1
                continue
            ssid, = struct.unpack_from("!H", data, R_SSID)
            seq, = struct.unpack_from("!I", data, R_SENDER_SEQ)
            if ssid != self.ssid:
                self.foreign += 1
                continue
            if seq in self.answered:
                self.duplicates += 1
                continue
            if seq not in self.sent_at and seq not in self.timed_out:
                self.foreign += 1
                continue
            refl, = struct.unpack_from("!I", data, R_SEQ)
            self.refl_top = max(self.refl_top, refl)
            if seq in self.timed_out:
                # Reflected and back, but after the timeout: neither received nor lost.
                self.timed_out.discard(seq)
                self.late += 1
                continue
            rtt = t - self.sent_at.pop(seq)
            if rtt > self.timeout:
                self.late += 1   # not yet expired, but later than the timeout all the same
                continue
            held = held_seconds(data)
            if held is not None and held <= rtt:
                rtt -= held
            self.answered.add(seq)
            self.rtts.append(round(rtt * 1000, 3))

    def expire(self, now):
        for seq, t in list(self.sent_at.items()):
            if now - t > self.timeout:
                del self.sent_at[seq]
                self.timed_out.add(seq)

    def split(self, sent):
        """(lost_up, lost_down): the stateful reflector numbered every probe it
        answered (RFC 8762 §4.3), so numbers it gave out that never came back
        were replies lost on the way down."""
        lost = sent - len(self.rtts) - self.late
        down = min(lost, max(0, self.refl_top + 1 - len(self.rtts) - self.late))
        return lost - down, down

    def run(self):
        start = time.monotonic() + 0.02
        sent = 0
        report = start + 1
        while not self.stop:
            now = time.monotonic()
            if sent < self.count and now >= start + sent * self.interval:
                # Absolute schedule: a late probe does not shift the ones after it.
                self.send(sent)
                sent += 1
                continue
            self.receive()
            self.expire(now)
            if sent >= self.count and not self.sent_at:
                break
            if now >= report:
                report += 1
                up, down = self.split(sent - len(self.sent_at))
                last = self.rtts[-1] if self.rtts else None
                print("rtt %s ms  sent %d received %d lost up %d down %d"
                      % ("--" if last is None else "%.2f" % last, sent, len(self.rtts), up, down))
                sys.stdout.flush()
            if sent < self.count:
                wait = start + sent * self.interval - now
            else:
                wait = self.timeout
            select.select([self.sock], [], [], max(0.0, min(wait, 0.1)))
        # Stopped early: probes still in flight are not counted as sent.
        sent -= len(self.sent_at)
        up, down = self.split(sent)
        return {"sent": sent, "received": len(self.rtts), "lost_up": up, "lost_down": down,
                "late": self.late, "duplicates": self.duplicates, "foreign": self.foreign,
                "stopped": self.stop,
                "rtt_ms": summary(self.rtts)}


def main():
    ap = argparse.ArgumentParser(description="udpbench STAMP sender for the 虚谷号")
    ap.add_argument("--peer", default=PEER, help="reflector address (default %(default)s)")
    ap.add_argument("--port", type=int, default=PORT, help="reflector port (default %(default)s)")
    ap.add_argument("--count", type=int, default=COUNT, help="probes (default %(default)s)")
    ap.add_argument("--interval-ms", type=int, default=INTERVAL_MS,
                    help="ms between probes (default %(default)s)")
    ap.add_argument("--timeout-ms", type=int, default=TIMEOUT_MS,
                    help="a later reply is late, not received (default %(default)s)")
    args = ap.parse_args()
    if not 0 < args.port < 65536:
        ap.error("--port must be 1..65535")
    if args.count < 1 or args.interval_ms < 1 or args.timeout_ms < 1:
        ap.error("--count, --interval-ms and --timeout-ms must be at least 1")
    try:
        addr = socket.getaddrinfo(args.peer, args.port, 0, socket.SOCK_DGRAM)[0]
    except socket.gaierror as exc:
        print("udpbench sender: cannot resolve %s: %s" % (args.peer, exc), file=sys.stderr)
        return 1
    s = Sender(addr, args.count, args.interval_ms / 1000.0, args.timeout_ms / 1000.0)

    def on_signal(signum, frame):
        s.stop = True
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print("udpbench sender: -> %s:%d, %d probes every %d ms"
          % (args.peer, args.port, args.count, args.interval_ms))
    res = s.run()
    print("udpbench: " + json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
