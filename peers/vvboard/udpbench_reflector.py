#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""udpbench STAMP reflector for the 虚谷号 (vvBoard): Python 3.5, standard library only.

A stateful STAMP session-reflector (RFC 8762 §4.3, unauthenticated mode) with
the RFC 8972 SSID at offset 14: every (source address, source port, SSID) is a
session with its own sequence counter, so `udpbench --peer BOARD` tells loss on
the way to the board from loss on the way back. Replies have the request's
size; requests shorter than 44 bytes (or longer than 1472) get no answer. A TCP
echo on the same port number serves `udpbench --tcp`. It also answers
`udpbench discover` on the same port (answer_discovery below; --name).

    python3 udpbench_reflector.py [--bind ADDR] [--port 10000] [--no-tcp]

SIGUSR1 prints the counters; SIGINT or SIGTERM stops and prints them.
The settings below are the defaults of the options; a udpbench_config.py
beside this file may set them instead (one file per board, the script as
shipped).
"""

# ---- Settings / 设置 (udpbench_config.py beside this file may set these) -------
PORT = 10000              # UDP port, and the TCP echo's port
BIND = ""                 # "" = every address, IPv4 and IPv6
SESSION_IDLE_S = 60.0     # a sender silent this long is forgotten (a TCP client too)
TCP_ECHO = True           # also echo TCP on PORT, for `udpbench --tcp`
TCP_MAX_CONNS = 64        # TCP clients at once (the 掌控板 takes 3: lwIP has few sockets)
WIRELESS_FILE = "/proc/net/wireless"  # where the kernel gives each Wi-Fi interface's signal
# ------------------------------------------------------------------------------

import argparse
import ctypes
import ctypes.util
import errno
import os
import select
import signal
import socket
import struct
import sys
import time

CONFIG_ERROR = None
try:
    from udpbench_config import *  # noqa: F401,F403
except ImportError as exc:
    # No such file is the usual case; an import failing inside the file is not.
    if not str(exc).endswith("'udpbench_config'"):
        CONFIG_ERROR = "%s: %s" % (type(exc).__name__, exc)
except Exception as exc:
    CONFIG_ERROR = "%s: %s" % (type(exc).__name__, exc)

STAMP_LEN = 44          # RFC 8762 §4.2.1: the smallest test packet
PKT_MAX = 1472          # one Ethernet frame over IPv4
NTP_UNIX_OFFSET = 2208988800   # RFC 5905 §6: 1900-01-01 to 1970-01-01 in seconds
UNSYNCED_ERR_NS = 16 * 10 ** 9  # RFC 5905 MAXDISP: the error claimed when the kernel says nothing
DRAIN_MAX = 64          # datagrams read per wake-up before looking at the other sockets
TCP_BUF = 1460          # octets read from a TCP client and not yet echoed, as on the 掌控板
TCP_ACTIVE_S = 1.0      # a TCP client this recently busy keeps its place against a newcomer

# Linux values for constants that Python 3.5's socket module may not export.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)
IP_TTL = getattr(socket, "IP_TTL", 2)
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)
IPV6_RECVHOPLIMIT = getattr(socket, "IPV6_RECVHOPLIMIT", 51)
IPV6_HOPLIMIT = getattr(socket, "IPV6_HOPLIMIT", 52)
IPV6_RECVPKTINFO = getattr(socket, "IPV6_RECVPKTINFO", 49)
IPV6_PKTINFO = getattr(socket, "IPV6_PKTINFO", 50)
IPPROTO_IPV6 = getattr(socket, "IPPROTO_IPV6", 41)

TIMESPEC = struct.Struct("@ll")
INT = struct.Struct("@i")
IN_PKTINFO = struct.Struct("=i4s4s")    # ifindex, spec_dst, addr
IN6_PKTINFO = struct.Struct("=16sI")    # addr, ifindex
HEAD = struct.Struct("!IIIHH")          # seq, T3 (seconds, fraction), error estimate, SSID
RX_TS = struct.Struct("!II")            # T2 at offset 16
ANC_SIZE = 256


def ntp_from_ns(unix_ns):
    """Returns (seconds, fraction) of the NTP 64-bit timestamp for Unix time in ns."""
    sec, rem = divmod(unix_ns, 10 ** 9)
    frac = ((rem << 32) + 10 ** 9 // 2) // 10 ** 9
    if frac >> 32:
        sec, frac = sec + 1, 0
    # Only the low 32 bits of the seconds go on the wire: the era is implied (RFC 5905 §6).
    return (sec + NTP_UNIX_OFFSET) & 0xffffffff, frac


def ntp_from_float(unix_s):
    return ntp_from_ns(int(round(unix_s * 1e9)))


def error_estimate(synced, err_ns):
    """RFC 4656 §4.1.2 field: S(1) Z(1)=0 Scale(6) Multiplier(8), the least value >= err_ns."""
    s_bit = 0x8000 if synced else 0
    units = -(-max(int(err_ns), 0) * (1 << 32) // 10 ** 9)   # ceiling, in 2^-32 s
    for scale in range(64):
        mult = -(-units // (1 << scale))
        if mult <= 0xff:
            # The Multiplier must not be zero (RFC 4656 §4.1.2).
            return s_bit | scale << 8 | max(mult, 1)
    return s_bit | 0x3fff


class Timex(ctypes.Structure):
    """struct timex from <sys/timex.h> as glibc lays it out on 64-bit Linux."""
    _fields_ = [
        ("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
        ("constant", ctypes.c_long), ("precision", ctypes.c_long),
        ("tolerance", ctypes.c_long), ("time_sec", ctypes.c_long),
        ("time_usec", ctypes.c_long), ("tick", ctypes.c_long), ("ppsfreq", ctypes.c_long),
        ("jitter", ctypes.c_long), ("shift", ctypes.c_int), ("stabil", ctypes.c_long),
        ("jitcnt", ctypes.c_long), ("calcnt", ctypes.c_long), ("errcnt", ctypes.c_long),
        ("stbcnt", ctypes.c_long), ("tai", ctypes.c_int), ("padding", ctypes.c_int * 11),
    ]


TIME_ERROR = 5
STA_UNSYNC = 0x0040


class ClockState(object):
    """Asks the kernel (ntp_adjtime, read only) whether the wall clock is synchronised."""

    def __init__(self):
        self.fn = None
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            self.fn = getattr(libc, "ntp_adjtime", None) or getattr(libc, "adjtimex", None)
        except OSError:
            self.fn = None

    def error_estimate(self):
        if self.fn is None:
            return error_estimate(False, UNSYNCED_ERR_NS)
        tx = Timex()
        state = self.fn(ctypes.byref(tx))
        if state < 0:
            return error_estimate(False, UNSYNCED_ERR_NS)
        synced = state != TIME_ERROR and not (tx.status & STA_UNSYNC)
        # esterror is the expected error; unsynchronised only the maxerror bound means anything.
        us = tx.esterror if synced else tx.maxerror
        return error_estimate(synced, UNSYNCED_ERR_NS if us < 0 else us * 1000)


class Counters(object):
    def __init__(self):
        self.received = 0
        self.reflected = 0
        self.short = 0
        self.too_long = 0
        self.send_errors = 0
        self.sessions_total = 0
        self.tcp_connections = 0
        self.tcp_bytes = 0
        self.tcp_refused = 0
        self.tcp_evicted = 0
        self.tcp_timed_out = 0


# -- discovery: answers `udpbench discover` (wire format: bench/reflect/discovery.h) --

DISC_MAGIC = b"UDPBENCH?DISCOVER 1 "
DISC_QUERY_LEN = 512      # every query; the answer is never larger
DISC_SOURCE_S = 0.5       # at most 2 answers a second to one address
DISC_ALL_PER_S = 50       # and 50 a second in all
VERSION = "0.1.0"
_disc = {"id": None, "last": {}, "second": 0.0, "count": 0, "answered": 0, "refused": 0}


def _on_link(host):
    """True when host is on a subnet of one of this machine's interfaces."""
    if host.startswith("::ffff:"):
        host = host[7:]
    try:
        if ":" not in host:
            a = struct.unpack("=I", socket.inet_aton(host))[0]
            with open("/proc/net/route") as f:
                for line in f.readlines()[1:]:
                    w = line.split()
                    # A route without a gateway is a directly connected subnet.
                    if len(w) > 7 and int(w[2], 16) == 0 and int(w[7], 16) != 0 \
                            and a & int(w[7], 16) == int(w[1], 16):
                        return True
            return False
        a = socket.inet_pton(socket.AF_INET6, host.split("%")[0])
        if a[0] == 0xfe and a[1] & 0xc0 == 0x80:
            return True
        with open("/proc/net/if_inet6") as f:
            for line in f:
                w = line.split()
                mine, plen = bytes.fromhex(w[0]), int(w[2], 16)
                nb, rb = divmod(plen, 8)
                if a[:nb] == mine[:nb] and (rb == 0 or (a[nb] ^ mine[nb]) >> (8 - rb) == 0):
                    return True
    except (OSError, ValueError, IndexError):
        pass
    return False


def _route_iface(peer):
    """The interface the route to peer leaves through: the longest prefix that
    holds it in the kernel's table (/proc/net/route, /proc/net/ipv6_route), or
    a link-local address's own interface; None when none is found."""
    host = peer[0][7:] if peer[0].startswith("::ffff:") else peer[0]
    best, dev = -1, None
    try:
        if ":" not in host:
            if host.startswith("127."):
                return "lo"
            a = struct.unpack("=I", socket.inet_aton(host))[0]
            with open("/proc/net/route") as f:
                for line in f.readlines()[1:]:
                    w = line.split()
                    if len(w) > 7:
                        dst, mask = int(w[1], 16), int(w[7], 16)
                        plen = bin(mask).count("1")
                        if a & mask == dst and plen > best:
                            best, dev = plen, w[0]
            return dev
        if len(peer) > 3 and peer[3]:
            return socket.if_indextoname(peer[3])
        a = socket.inet_pton(socket.AF_INET6, host.split("%")[0])
        with open("/proc/net/ipv6_route") as f:
            for line in f:
                w = line.split()
                if len(w) < 10:
                    continue
                dst, plen = bytes.fromhex(w[0]), int(w[1], 16)
                nb, rb = divmod(plen, 8)
                if a[:nb] == dst[:nb] and (rb == 0 or (a[nb] ^ dst[nb]) >> (8 - rb) == 0) \
                        and plen > best:
                    best, dev = plen, w[9]
    except (OSError, ValueError, IndexError):
        return None
    return dev


def wifi_signal(iface):
    """The signal level of iface in dBm from WIRELESS_FILE, or None (a wired
    interface, or no level). Lines after the two headers read
    "IFACE: STATUS LINK LEVEL NOISE ..."; old drivers give LEVEL as dBm + 256."""
    try:
        with open(WIRELESS_FILE) as f:
            for line in f.readlines()[2:]:
                name, _, rest = line.partition(":")
                if name.strip() != iface:
                    continue
                level = int(float(rest.split()[2].rstrip(".")))
                if 0 < level < 256:
                    level -= 256
                return level if -150 <= level < 0 else None
    except (OSError, ValueError, IndexError):
        pass
    return None


def answer_discovery(sock, data, ancdata, peer, name):
    """Answers a discovery query; returns True when data was discovery (answered or
    dropped), False for anything else (a STAMP request goes on as before)."""
    if data[:17] != DISC_MAGIC[:17]:
        return False
    d = _disc
    nonce = data[20:36]
    ok = (len(data) == DISC_QUERY_LEN and data[:20] == DISC_MAGIC and data[36] == 10
          and all(48 <= c <= 57 or 97 <= c <= 102 for c in nonce))
    # TTL 255 on arrival: no router between (RFC 5082); and an on-link source.
    for level, ctype, cdata in ancdata:
        if (level, ctype) in ((socket.IPPROTO_IP, IP_TTL), (IPPROTO_IPV6, IPV6_HOPLIMIT)) \
                and len(cdata) >= INT.size:
            ok = ok and INT.unpack_from(cdata)[0] == 255
    ok = ok and _on_link(peer[0])
    now = time.monotonic()
    last = d["last"].get(peer[0])
    ok = ok and (last is None or now - last >= DISC_SOURCE_S)
    if ok and now - d["second"] >= 1.0:
        d["second"], d["count"] = now, 0
    ok = ok and d["count"] < DISC_ALL_PER_S
    if not ok:
        d["refused"] += 1
        return True
    if len(d["last"]) >= 1024:
        d["last"].clear()
    d["last"][peer[0]] = now
    d["count"] += 1
    if d["id"] is None:
        d["id"] = os.urandom(8).hex() if hasattr(bytes, "hex") else "%016x" % id(d)
    name = "".join(c if ord(c) >= 32 and c not in "#\x7f" else "?" for c in name)
    while len(name.encode()) > 63:
        name = name[:-1]
    text = ("UDPBENCH!HERE 1 %s\nid=%s\nkind=vvboard\nname=%s\nversion=%s\nport=%d\n"
            % (nonce.decode(), d["id"], name, VERSION, sock.getsockname()[1]))
    # the board's own signal on the interface towards the asker, when that one is Wi-Fi
    iface = _route_iface(peer)
    dbm = wifi_signal(iface) if iface else None
    if dbm is not None:
        text += "rssi=%d\n" % dbm
    out = text.encode()
    if len(out) <= len(data):
        try:
            sock.sendto(out, peer)
            d["answered"] += 1
        except OSError:
            pass
    return True


def addr_str(addr, family):
    host, port = addr[0], addr[1]
    if family == socket.AF_INET6 and not host.startswith("::ffff:"):
        return "[%s]:%d" % (host, port)
    if host.startswith("::ffff:"):
        host = host[7:]
    return "%s:%d" % (host, port)


class Reflector(object):
    def __init__(self, args, log):
        self.args = args
        self.log = log
        self.cnt = Counters()
        self.sessions = {}   # (host, port, ssid) -> [next_seq, last_seen_monotonic]
        self.clock = ClockState()
        self.err_est = self.clock.error_estimate()
        self.use_pktinfo = False
        self.udp = None
        self.tcp = None
        self.conns = {}      # fd -> [socket, octets not yet echoed, monotonic a byte last moved]
        self.family = socket.AF_INET
        self.port = 0

    # -- sockets ---------------------------------------------------------------

    def _resolve(self):
        """Returns (family, sockaddr) to bind: the given address, else IPv6 any (dual stack) or IPv4 any."""
        a = self.args
        if a.bind:
            fam = socket.AF_INET6 if a.ipv6 else socket.AF_INET if a.ipv4 else socket.AF_UNSPEC
            infos = socket.getaddrinfo(a.bind, a.port, fam, socket.SOCK_DGRAM, 0,
                                       socket.AI_PASSIVE | socket.AI_NUMERICSERV)
            return infos[0][0], infos[0][4]
        if a.ipv4 or not socket.has_ipv6:
            return socket.AF_INET, ("0.0.0.0", a.port)
        return socket.AF_INET6, ("::", a.port)

    def _udp_socket(self, family, sockaddr):
        s = socket.socket(family, socket.SOCK_DGRAM)
        if family == socket.AF_INET6:
            s.setsockopt(IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if self.args.ipv6 else 0)
        s.bind(sockaddr)
        return s

    def open(self):
        family, sockaddr = self._resolve()
        try:
            s = self._udp_socket(family, sockaddr)
        except OSError as exc:
            if family != socket.AF_INET6 or self.args.bind or self.args.ipv6:
                raise
            # No IPv6 in this kernel: IPv4 alone.
            if exc.errno not in (errno.EAFNOSUPPORT, errno.EADDRNOTAVAIL, errno.EPROTONOSUPPORT):
                raise
            family, sockaddr = socket.AF_INET, ("0.0.0.0", self.args.port)
            s = self._udp_socket(family, sockaddr)
        if self.args.tcp:
            for tries in range(32):
                exc = self._open_tcp(family, s.getsockname())
                # --port 0 found a free UDP port whose TCP twin is taken: another pick
                if exc is None or self.args.port != 0 or exc.errno != errno.EADDRINUSE \
                        or tries == 31:
                    break
                s.close()
                s = self._udp_socket(family, sockaddr)
            if exc is not None:
                self.log("udpbench reflector: no TCP echo: %s" % exc)
        self.family = family
        self.udp = s
        self.port = s.getsockname()[1]
        s.setblocking(False)
        self._enable_metadata(s, family, wildcard=not self.args.bind)
        return s.getsockname()

    def _enable_metadata(self, s, family, wildcard):
        """Kernel receive timestamps (T2), the arriving TTL, and the destination address."""
        opts = [(socket.SOL_SOCKET, SO_TIMESTAMPNS), (socket.IPPROTO_IP, IP_RECVTTL)]
        if family == socket.AF_INET6:
            opts.append((IPPROTO_IPV6, IPV6_RECVHOPLIMIT))
        for level, name in opts:
            try:
                s.setsockopt(level, name, 1)
            except OSError:
                pass
        if wildcard:
            # Bound to every address: reply from the address the request went to.
            try:
                if family == socket.AF_INET6:
                    s.setsockopt(IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
                else:
                    s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
                self.use_pktinfo = True
            except OSError:
                self.use_pktinfo = False

    def _open_tcp(self, family, sockaddr):
        """The TCP echo on the UDP socket's port; returns None, or why it cannot listen."""
        t = socket.socket(family, socket.SOCK_STREAM)
        try:
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                t.setsockopt(IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if self.args.ipv6 else 0)
            t.bind(sockaddr)
            t.listen(16)
            t.setblocking(False)
            self.tcp = t
            return None
        except OSError as exc:
            t.close()
            return exc

    def close(self):
        for sock, _ in list(self.conns.values()):
            sock.close()
        self.conns.clear()
        for s in (self.udp, self.tcp):
            if s is not None:
                s.close()

    # -- STAMP -------------------------------------------------------------------

    def housekeeping(self, now):
        idle = self.args.session_timeout
        for key in [k for k, v in self.sessions.items() if now - v[1] > idle]:
            del self.sessions[key]
        self.sweep_tcp(now)
        self.err_est = self.clock.error_estimate()

    def _parse_ancillary(self, ancdata):
        rx_ns = None
        ttl = 255
        local = None
        for level, ctype, data in ancdata:
            if level == socket.SOL_SOCKET and ctype == SO_TIMESTAMPNS and len(data) >= TIMESPEC.size:
                sec, nsec = TIMESPEC.unpack_from(data)
                rx_ns = sec * 10 ** 9 + nsec
            elif level == socket.IPPROTO_IP and ctype == IP_TTL and len(data) >= INT.size:
                ttl = INT.unpack_from(data)[0]
            elif level == IPPROTO_IPV6 and ctype == IPV6_HOPLIMIT and len(data) >= INT.size:
                ttl = INT.unpack_from(data)[0]
            elif level == socket.IPPROTO_IP and ctype == IP_PKTINFO and len(data) >= IN_PKTINFO.size:
                _, _, dst = IN_PKTINFO.unpack_from(data)
                local = (socket.IPPROTO_IP, IP_PKTINFO, IN_PKTINFO.pack(0, dst, b"\0" * 4))
            elif level == IPPROTO_IPV6 and ctype == IPV6_PKTINFO and len(data) >= IN6_PKTINFO.size:
                dst, ifindex = IN6_PKTINFO.unpack_from(data)
                local = (IPPROTO_IPV6, IPV6_PKTINFO, IN6_PKTINFO.pack(dst, ifindex))
        return rx_ns, ttl, local

    def _session_seq(self, peer, ssid, now):
        key = (peer[0], peer[1], ssid)
        s = self.sessions.get(key)
        if s is None:
            s = [0, now]
            self.sessions[key] = s
            self.cnt.sessions_total += 1
        seq = s[0]
        s[0] = (seq + 1) & 0xffffffff
        s[1] = now
        return seq

    def reflect_one(self, data, flags, ancdata, peer, now):
        """Answers one datagram, or counts why it gets no answer."""
        cnt = self.cnt
        cnt.received += 1
        if flags & socket.MSG_TRUNC:
            cnt.too_long += 1
            return
        n = len(data)
        if answer_discovery(self.udp, data, ancdata, peer, self.args.name or socket.gethostname()):
            return
        if n < STAMP_LEN:
            # Never answered: no amplification, no garbage back.
            cnt.short += 1
            return
        rx_ns, ttl, local = self._parse_ancillary(ancdata)
        if rx_ns is None:
            t2s, t2f = ntp_from_float(time.time())
        else:
            t2s, t2f = ntp_from_ns(rx_ns)
        ssid = (data[14] << 8) | data[15]
        seq = self._session_seq(peer, ssid, now)
        reply = bytearray(n)
        RX_TS.pack_into(reply, 16, t2s, t2f)
        reply[24:38] = data[0:14]         # sender's sequence number, T1 and error estimate
        reply[40] = ttl if 0 <= ttl <= 255 else 255
        # T3 as late as possible (RFC 8762 §4.3.1).
        t3s, t3f = ntp_from_float(time.time())
        HEAD.pack_into(reply, 0, seq, t3s, t3f, self.err_est, ssid)
        try:
            if local is not None and self.use_pktinfo:
                try:
                    self.udp.sendmsg([reply], [local], 0, peer)
                except OSError as exc:
                    if exc.errno != errno.EINVAL:
                        raise
                    # An old kernel refusing the source address: plain sends from now on.
                    self.use_pktinfo = False
                    self.udp.sendto(reply, peer)
            else:
                self.udp.sendto(reply, peer)
            cnt.reflected += 1
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.ENOBUFS, errno.ECONNREFUSED, errno.EHOSTUNREACH,
                             errno.ENETUNREACH, errno.EPERM, errno.EMSGSIZE):
                cnt.send_errors += 1
            else:
                raise

    def drain_udp(self):
        anc = socket.CMSG_SPACE(ANC_SIZE)
        for _ in range(DRAIN_MAX):
            try:
                data, ancdata, flags, peer = self.udp.recvmsg(PKT_MAX + 1, anc)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                # An ICMP error from an earlier reply: soft, counted.
                if exc.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH):
                    self.cnt.send_errors += 1
                    continue
                raise
            self.reflect_one(data, flags, ancdata, peer, time.monotonic())

    # -- TCP echo ----------------------------------------------------------------

    # Kept in step with the 掌控板 script: the same echo and the same rules.
    # Every octet goes back as it came, so udpbench's frames (a 2-octet length,
    # then the message) come back whole. A client has TCP_BUF octets at most
    # in flight on the board, and nothing more is read from it until those
    # went back: a client that never reads stalls only itself, and is closed
    # after the session timeout without a byte moved, or sooner when a
    # newcomer needs its place (silent for TCP_ACTIVE_S).

    def accept_tcp(self):
        now = time.monotonic()
        for _ in range(16):
            try:
                c, _ = self.tcp.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if len(self.conns) >= self.args.tcp_max_conns:
                old = min(self.conns, key=lambda fd: self.conns[fd][2])
                if now - self.conns[old][2] < TCP_ACTIVE_S:
                    self.cnt.tcp_refused += 1
                    c.close()
                    continue
                self._drop_conn(old)
                self.cnt.tcp_evicted += 1
            c.setblocking(False)
            try:
                c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
            self.conns[c.fileno()] = [c, b"", now]
            self.cnt.tcp_connections += 1

    def _drop_conn(self, fd):
        c = self.conns.pop(fd, None)
        if c is not None:
            c[0].close()

    def sweep_tcp(self, now):
        for fd in [fd for fd, c in self.conns.items() if now - c[2] > self.args.session_timeout]:
            self._drop_conn(fd)
            self.cnt.tcp_timed_out += 1

    def tcp_readable(self, fd):
        c = self.conns.get(fd)
        if c is None or c[1]:
            return
        try:
            data = c[0].recv(TCP_BUF)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop_conn(fd)
            return
        if not data:
            self._drop_conn(fd)
            return
        c[1] = data
        c[2] = time.monotonic()
        self.tcp_writable(fd)

    def tcp_writable(self, fd):
        c = self.conns.get(fd)
        if c is None or not c[1]:
            return
        try:
            n = c[0].send(c[1])
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop_conn(fd)
            return
        if n:
            self.cnt.tcp_bytes += n
            c[1] = c[1][n:]
            c[2] = time.monotonic()

    # -- loop --------------------------------------------------------------------

    def counters_line(self):
        c = self.cnt
        lines = []
        if self.tcp is not None:
            lines.append("udpbench reflector: TCP connections %d (open %d), bytes echoed %d, "
                         "refused %d, evicted idle %d, timed out %d"
                         % (c.tcp_connections, len(self.conns), c.tcp_bytes, c.tcp_refused,
                            c.tcp_evicted, c.tcp_timed_out))
        lines.append("udpbench reflector: received %d, reflected %d, short %d, too long %d, "
                     "send errors %d, sessions %d (total %d)"
                     % (c.received, c.reflected, c.short, c.too_long, c.send_errors,
                        len(self.sessions), c.sessions_total))
        return "\n".join(lines)

    def run(self, stop, dump, wake_fd, deadline):
        last_house = time.monotonic()
        while not stop[0]:
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                break
            if dump[0]:
                dump[0] = False
                self.log(self.counters_line())
            if now - last_house >= 1.0:
                self.housekeeping(now)
                last_house = now
            timeout = 1.0
            if deadline is not None:
                timeout = max(0.0, min(timeout, deadline - now))
            rlist = [self.udp, wake_fd]
            if self.tcp is not None:
                rlist.append(self.tcp)
            wlist = []
            for fd, c in self.conns.items():
                # Read more only once what was read went back (bounded memory).
                if c[1]:
                    wlist.append(fd)
                else:
                    rlist.append(fd)
            try:
                r, w, _ = select.select(rlist, wlist, [], timeout)
            except InterruptedError:
                continue
            for fd in w:
                self.tcp_writable(fd)
            for x in r:
                if x is self.udp:
                    self.drain_udp()
                elif x is self.tcp:
                    self.accept_tcp()
                elif x is wake_fd:
                    try:
                        os.read(wake_fd, 512)
                    except OSError:
                        pass
                else:
                    self.tcp_readable(x)


def parse_duration(text):
    """Seconds from "60", "60s", "500ms", "2m"."""
    t = text.strip().lower()
    for suffix, mult in (("ms", 1e-3), ("us", 1e-6), ("s", 1.0), ("m", 60.0), ("h", 3600.0)):
        if t.endswith(suffix):
            return float(t[:-len(suffix)]) * mult
    return float(t)


def duration_arg(text):
    try:
        v = parse_duration(text)
    except ValueError:
        raise argparse.ArgumentTypeError("'%s' is not a duration (60s, 500ms, 2m)" % text)
    if v < 0:
        raise argparse.ArgumentTypeError("'%s' must not be negative" % text)
    return v


def port_arg(text):
    try:
        v = int(text, 10)
    except ValueError:
        v = -1
    if not 0 <= v <= 65535:
        raise argparse.ArgumentTypeError("'%s' must be 0..65535" % text)
    return v


def build_parser():
    p = argparse.ArgumentParser(
        prog="udpbench_reflector.py",
        description="STAMP (RFC 8762) session-reflector for udpbench, for the 虚谷号 and "
                    "any Linux with Python 3.5 or later.")
    p.add_argument("-b", "--bind", default=BIND,
                   help="listen on this address (default: all, IPv4 and IPv6)")
    p.add_argument("-p", "--port", type=port_arg, default=PORT,
                   help="UDP port (default %d; 0 picks a free one)" % PORT)
    p.add_argument("-4", dest="ipv4", action="store_true", help="IPv4 only")
    p.add_argument("-6", dest="ipv6", action="store_true", help="IPv6 only")
    p.add_argument("--session-timeout", type=duration_arg, default=SESSION_IDLE_S,
                   help="forget a session or TCP client silent this long (default %gs)"
                   % SESSION_IDLE_S)
    p.add_argument("--no-tcp", dest="tcp", action="store_false",
                   help="no TCP echo on the same port (it serves udpbench --tcp)")
    p.set_defaults(tcp=bool(TCP_ECHO))
    p.add_argument("--tcp-max-conns", type=int, default=TCP_MAX_CONNS,
                   help="TCP clients at once (default %d)" % TCP_MAX_CONNS)
    p.add_argument("--max-seconds", type=duration_arg, default=0.0,
                   help="stop after this long (default: run until stopped)")
    p.add_argument("--name", default="",
                   help="what udpbench discover lists (default: the host name)")
    p.add_argument("-q", "--quiet", action="store_true", help="no start-up line")
    return p


def main(argv=None):
    if CONFIG_ERROR is not None:
        print("udpbench_reflector.py: udpbench_config.py is broken: " + CONFIG_ERROR,
              file=sys.stderr)
        return 1
    args = build_parser().parse_args(argv)
    if args.tcp_max_conns < 1:
        print("udpbench_reflector.py: --tcp-max-conns must be 1 or more", file=sys.stderr)
        return 2
    if args.ipv4 and args.ipv6:
        print("udpbench_reflector.py: give -4 or -6, not both", file=sys.stderr)
        return 2

    def log(msg):
        sys.stderr.write(msg + "\n")
        sys.stderr.flush()

    refl = Reflector(args, log)
    try:
        local = refl.open()
    except (OSError, socket.gaierror) as exc:
        log("udpbench reflector: cannot listen on %s port %d: %s"
            % (args.bind or "every address", args.port, exc))
        return 1

    stop = [False]
    dump = [False]
    rfd, wfd = os.pipe()
    for fd in (rfd, wfd):
        os.set_blocking(fd, False)

    def on_stop(signum, frame):
        stop[0] = True

    def on_usr1(signum, frame):
        dump[0] = True

    old_wakeup = signal.set_wakeup_fd(wfd)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGTERM, on_stop)
    if hasattr(signal, "SIGUSR1"):
        signal.signal(signal.SIGUSR1, on_usr1)

    if not args.quiet:
        log("udpbench reflector listening on %s (STAMP, RFC 8762%s)"
            % (addr_str(local, refl.family), "; TCP echo" if refl.tcp is not None else ""))
    deadline = time.monotonic() + args.max_seconds if args.max_seconds > 0 else None
    try:
        refl.run(stop, dump, rfd, deadline)
    finally:
        log(refl.counters_line())
        refl.close()
        signal.set_wakeup_fd(old_wakeup)
        os.close(rfd)
        os.close(wfd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
