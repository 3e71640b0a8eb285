"""Shared helpers for the integration-test peers (standard library only).

Wire facts used here:
  * NTP 64-bit timestamp (RFC 5905 / RFC 4656 section 4.1.2): 32-bit
    unsigned seconds since 1900-01-01 00:00 UTC, then a 32-bit binary
    fraction of a second, both in network byte order.
  * Error Estimate (RFC 4656 section 4.1.2, Z bit from RFC 8186):
    |S|Z| Scale (6 bits) | Multiplier (8 bits)|, estimate =
    Multiplier * 2^(-32) * 2^Scale seconds; Multiplier must not be zero.
"""

import json
import os
import signal
import socket
import struct
import sys
import time

NTP_UNIX_OFFSET = 2208988800  # seconds from 1900-01-01 to 1970-01-01
NS_PER_S = 1_000_000_000
DEFAULT_MAX_SECONDS = 300.0
POLL_SECONDS = 0.1

# Linux value from <linux/in.h>; the Python socket module does not export it.
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)


def ns_to_ntp(ns):
    """Unix-epoch nanoseconds -> 64-bit NTP integer."""
    sec, rem = divmod(ns, NS_PER_S)
    frac = (rem << 32) // NS_PER_S
    return ((sec + NTP_UNIX_OFFSET) & 0xFFFFFFFF) << 32 | frac


def ntp_to_ns(value):
    """64-bit NTP integer -> Unix-epoch nanoseconds (era 0)."""
    sec = (value >> 32) - NTP_UNIX_OFFSET
    frac = value & 0xFFFFFFFF
    return sec * NS_PER_S + ((frac * NS_PER_S) >> 32)


def error_estimate(synced=False, scale=22, multiplier=1):
    """Pack an RFC 4656 error estimate (Z=0: NTP format).

    The default Scale=22, Multiplier=1 states an error of 2^-10 s (~1 ms).
    """
    if not 1 <= multiplier <= 255:
        raise ValueError("multiplier must be 1..255")
    if not 0 <= scale <= 63:
        raise ValueError("scale must be 0..63")
    return ((0x8000 if synced else 0) | (scale << 8) | multiplier) & 0xFFFF


def resolve(host, port, passive=False):
    """Return (family, sockaddr) for a numeric or named host."""
    flags = socket.AI_PASSIVE if passive else 0
    infos = socket.getaddrinfo(host, port, socket.AF_UNSPEC,
                               socket.SOCK_DGRAM, socket.IPPROTO_UDP, flags)
    if not infos:
        raise OSError("cannot resolve %r" % host)
    family, _, _, _, sockaddr = infos[0]
    return family, sockaddr


def bound_udp_socket(addr, port):
    family, sockaddr = resolve(addr, port, passive=True)
    sock = socket.socket(family, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    sock.bind(sockaddr)
    sock.settimeout(POLL_SECONDS)
    return sock


def write_ready_file(path, port):
    """Atomically publish the bound port so a waiting test sees all or nothing."""
    if not path:
        return
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w", encoding="ascii") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


class StopFlag:
    """Set by SIGTERM/SIGINT or when the run deadline passes."""

    def __init__(self, max_seconds):
        self.signalled = None
        if max_seconds is None or max_seconds <= 0:
            max_seconds = DEFAULT_MAX_SECONDS
        self.deadline = time.monotonic() + max_seconds
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum, _frame):
        self.signalled = signum

    def remaining(self):
        return self.deadline - time.monotonic()

    def should_stop(self):
        return self.signalled is not None or self.remaining() <= 0

    def reason(self):
        if self.signalled is not None:
            return signal.Signals(self.signalled).name
        return "max-seconds"


def emit_json(obj, path=None):
    line = json.dumps(obj, sort_keys=False)
    if path:
        tmp = "%s.%d.tmp" % (path, os.getpid())
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(line + "\n")
        os.replace(tmp, path)
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def log(prog, msg):
    sys.stderr.write("%s: %s\n" % (prog, msg))
    sys.stderr.flush()


def add_server_args(parser):
    parser.add_argument("--bind", required=True,
                        help="local address (IPv4 or IPv6 literal)")
    parser.add_argument("--port", type=int, required=True,
                        help="UDP port; 0 picks a free one")
    parser.add_argument("--ready-file",
                        help="write the bound port here once listening")
    parser.add_argument("--max-seconds", type=float,
                        default=DEFAULT_MAX_SECONDS,
                        help="exit after this long (default %(default)s)")


__all__ = [
    "NS_PER_S", "IP_RECVTTL", "POLL_SECONDS", "ns_to_ntp", "ntp_to_ns",
    "error_estimate", "resolve", "bound_udp_socket", "write_ready_file",
    "StopFlag", "emit_json", "log", "add_server_args",
]
