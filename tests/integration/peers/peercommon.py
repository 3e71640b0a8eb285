"""Shared helpers for the integration-test peers (standard library only).

Wire facts used here:
  * NTP 64-bit timestamp (RFC 5905 / RFC 4656 section 4.1.2): 32-bit
    unsigned seconds since 1900-01-01 00:00 UTC, then a 32-bit binary
    fraction of a second, both in network byte order.
  * PTPv2 truncated timestamp (RFC 8186 section 2.3, RFC 8762 section
    4.2.1): 32-bit seconds since 1970-01-01 00:00 on the TAI scale, then
    32-bit nanoseconds. TAI runs ahead of UTC by the offset the kernel
    keeps (CLOCK_TAI - CLOCK_REALTIME; 0 where nobody set it).
  * Error Estimate (RFC 4656 section 4.1.2, Z bit from RFC 8186):
    |S|Z| Scale (6 bits) | Multiplier (8 bits)|, estimate =
    Multiplier * 2^(-32) * 2^Scale seconds; Multiplier must not be zero.
    Z=0: the timestamps it goes with are NTP, Z=1: PTP truncated.
  * Authenticated mode (RFC 8762 sections 4.2.2 and 4.3.2): the HMAC field
    at octets 96..111 is HMAC-SHA-256 over octets 0..95, cut to its first
    16 octets.
"""

import hashlib
import hmac
import json
import os
import re
import signal
import socket
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


Z_BIT = 0x4000


def tai_offset():
    """Whole seconds TAI is ahead of UTC on this host, as the kernel says."""
    return round(time.clock_gettime(time.CLOCK_TAI) - time.time())


def ns_to_ptp(ns, offset=None):
    """Unix-epoch nanoseconds -> 64-bit PTP truncated value (TAI)."""
    if offset is None:
        offset = tai_offset()
    sec, nsec = divmod(ns, NS_PER_S)
    return ((sec + offset) & 0xFFFFFFFF) << 32 | nsec


def ptp_to_ns(value, offset=None):
    """64-bit PTP truncated value (TAI) -> Unix-epoch nanoseconds."""
    if offset is None:
        offset = tai_offset()
    return ((value >> 32) - offset) * NS_PER_S + (value & 0xFFFFFFFF)


def error_estimate(synced=False, scale=22, multiplier=1, ptp=False):
    """Pack an RFC 4656 error estimate; Z=1 when ptp.

    The default Scale=22, Multiplier=1 states an error of 2^-10 s (~1 ms).
    """
    if not 1 <= multiplier <= 255:
        raise ValueError("multiplier must be 1..255")
    if not 0 <= scale <= 63:
        raise ValueError("scale must be 0..63")
    z = Z_BIT if ptp else 0
    return ((0x8000 if synced else 0) | z | (scale << 8) | multiplier) & 0xFFFF


def is_ptp(errest):
    return bool(errest & Z_BIT)


def timestamp(ns, ptp):
    """The wire value of Unix-epoch ns in the format ptp selects."""
    return ns_to_ptp(ns) if ptp else ns_to_ntp(ns)


def timestamp_ns(value, errest):
    """Decodes a wire timestamp by the Z bit of its own error estimate."""
    return ptp_to_ns(value) if is_ptp(errest) else ntp_to_ns(value)


def read_key(path):
    """A key file: hex digits (an even number, at least 32) or raw octets.

    One trailing newline is not part of the key.
    """
    with open(path, "rb") as f:
        raw = f.read()
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    text = raw.decode("ascii", "replace")
    if len(text) >= 32 and len(text) % 2 == 0 and re.fullmatch(r"[0-9a-fA-F]+", text):
        return bytes.fromhex(text)
    return raw


def auth_hmac(key, packet):
    """RFC 8762 authenticated mode: HMAC-SHA-256 of octets 0..95, first 16 octets."""
    return hmac.new(key, bytes(packet[:96]), hashlib.sha256).digest()[:16]


def auth_ok(key, packet):
    return len(packet) >= 112 and hmac.compare_digest(auth_hmac(key, packet),
                                                      bytes(packet[96:112]))


class Layout:
    """Octet offsets of the fields of one test packet format.

    Request: Sequence Number at 0, Timestamp T1 at req_t1, Error Estimate
    at req_ee, SSID (RFC 8972) at req_ssid or None. Reply: Sequence Number
    at 0, Timestamp T3 at t3, Error Estimate at ee, SSID at ssid or None,
    Receive Timestamp T2 at t2, the Session-Sender Sequence Number,
    Timestamp and Error Estimate at sseq, st1 and see, Ses-Sender TTL at
    ttl. min_request and reply_len are the shortest request and the full
    reply; both sides keep reply octets past the fields at zero.
    """

    def __init__(self, name, min_request, req_t1, req_ee, req_ssid,
                 t3, ee, ssid, t2, sseq, st1, see, ttl, reply_len):
        self.name, self.min_request = name, min_request
        self.req_t1, self.req_ee, self.req_ssid = req_t1, req_ee, req_ssid
        self.t3, self.ee, self.ssid, self.t2 = t3, ee, ssid, t2
        self.sseq, self.st1, self.see, self.ttl = sseq, st1, see, ttl
        self.reply_len = reply_len


# RFC 8762 4.2.1 / 4.3.1 with the RFC 8972 SSID at 14.
STAMP = Layout("stamp", 44, 4, 12, 14, 4, 12, 14, 16, 24, 28, 36, 40, 44)
# RFC 8762 4.2.2 / 4.3.2: MBZ blocks between the fields, SSID at 26, HMAC at 96.
AUTHENTICATED = Layout("authenticated", 112, 16, 24, 26, 16, 24, 26, 32, 48, 64, 72, 80, 112)
# RFC 5357 4.1.2 / 4.2.1 unauthenticated: a 14-octet request, no SSID
# (reply octets 14..15 are MBZ), the reply ends with the TTL at octet 40.
TWAMP_LIGHT = Layout("twamp-light", 14, 4, 12, None, 4, 12, None, 16, 24, 28, 36, 40, 41)


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
    "Z_BIT", "tai_offset", "ns_to_ptp", "ptp_to_ns", "is_ptp", "timestamp",
    "timestamp_ns", "read_key", "auth_hmac", "auth_ok", "Layout", "STAMP",
    "AUTHENTICATED", "TWAMP_LIGHT",
    "error_estimate", "resolve", "bound_udp_socket", "write_ready_file",
    "StopFlag", "emit_json", "log", "add_server_args",
]
