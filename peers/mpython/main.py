# -*- coding: utf-8 -*-
# udpbench reflector for the 掌控板 (mPython board, MicroPython v1.12 firmware).
#
# A stateful STAMP session-reflector (RFC 8762 §4.3) with the RFC 8972 SSID at
# offset 14: each (address, port, SSID) of a sender has its own counter, so
# `udpbench --peer 192.168.4.1` on the PC tells loss on the way to the board
# from loss on the way back. Upload this file as main.py, reset the board, read
# IP:port on the screen, measure from the PC. Button A stops it. It also
# answers `udpbench discover` (answer_discovery below; NAME in the settings).

# ---- Settings / 设置 ---------------------------------------------------------
WIFI_SSID = ""            # 路由器名称; "" = the board makes its own hotspot (AP mode)
WIFI_PASSWORD = ""        # 路由器密码
AP_SSID = "udpbench"      # AP mode: name of the board's hotspot / 热点名称
AP_PASSWORD = "12345678"  # AP mode: 8 characters or more, or "" for an open hotspot
AP_CHANNEL = 6            # AP mode: 1, 6 or 11, whichever is least crowded
PORT = 10000              # UDP port; udpbench uses 10000 unless told otherwise
BIND = "0.0.0.0"          # listen on every interface of the board
WIFI_TIMEOUT_MS = 15000   # give up joining WIFI_SSID after this long
IDLE_MS = 50              # no datagram for this long = an idle moment (screen, gc)
SCREEN_EVERY_MS = 3000    # counters on the screen at most this often, in idle moments
CPU_HZ = 240000000        # run the ESP32 at full speed: less time between receive and reply
MAX_SESSIONS = 8          # senders served at once; the least recently heard is replaced
SESSION_IDLE_MS = 60000   # a sender silent this long is forgotten (a TCP client too)
TCP_ECHO = True           # also echo TCP on PORT, for `udpbench --tcp`
TCP_MAX_CONNS = 3         # lwIP on the ESP32 has few sockets: at most this many TCP clients
NAME = ""                 # what `udpbench discover` lists; "" = "掌控板-" + the end of the MAC
# -----------------------------------------------------------------------------

# A udpbench_config.py beside this file may set any of the names above, so one
# file per board changes them and this script stays as shipped.
# 同一目录下的 udpbench_config.py 可以改上面的任何设置，不必改本文件。
CONFIG_ERROR = None
try:
    from udpbench_config import *  # noqa: F401,F403
except ImportError as exc:
    # No such file is the usual case; an import failing inside the file is not.
    if not str(exc).endswith("'udpbench_config'"):
        CONFIG_ERROR = "%s: %s" % (type(exc).__name__, exc)
except Exception as exc:
    CONFIG_ERROR = "%s: %s" % (type(exc).__name__, exc)

import gc
import socket
import struct
import time

import machine
import network

try:
    import mpython
except ImportError:
    mpython = None
# The firmware makes `oled` only when it finds the display; plain MicroPython on
# a bare ESP32 has neither screen nor button. The reflector works without them.
oled = getattr(mpython, "oled", None)
button_a = getattr(mpython, "button_a", None)

STAMP_LEN = 44            # RFC 8762 §4.2.1: shorter datagrams are not requests
PKT_MAX = 1472            # largest payload in one Ethernet-sized frame
# RFC 4656 §4.1.2 error estimate: S=0 (not synchronised), Z=0 (NTP format),
# Scale 63, Multiplier 255, the largest error the field can state. The board
# has no synchronised wall clock, so its T2/T3 say nothing about absolute
# time; only their difference (time spent on the board) is meaningful.
ERR_EST = 0x3fff
UNKNOWN_TTL = 255         # MicroPython cannot read the arriving TTL
US_PER_S = 1000000
SMALL_MAX = 0x3fffffff    # MicroPython small-int limit on the ESP32: beyond it ints live on the heap
TCP_BUF = 1460            # octets read from a TCP client and not yet echoed: one segment
TCP_ACTIVE_MS = 1000      # a TCP client this recently busy keeps its place against a newcomer
TCP_POLL_MS = 1           # while a TCP client is connected, serve it at least this often
EAGAIN = 11               # errno of a nonblocking recv with nothing there (lwIP and Linux)
ETIMEDOUT = 110           # what MicroPython v1.12 on the ESP32 raises for a send that took nothing


def ntp_epoch_offset():
    """Seconds from the NTP era start (1900) to this port's time.time() epoch."""
    # MicroPython on the ESP32 counts from 2000-01-01, CPython from 1970-01-01.
    if time.localtime(86400)[0] == 2000:
        return 3155673600
    return 2208988800


def screen(lines):
    if oled is None:
        return
    oled.fill(0)
    y = 0
    for text in lines:
        oled.DispChar(text, 0, y)
        y += 16
    oled.show()


def screen_counters(received, reflected, dropped):
    """Redraws the two counter lines; IP:port above them stays as drawn once."""
    if oled is None:
        return
    oled.fill_rect(0, 32, 128, 32, 0)
    oled.DispChar("rx %d tx %d" % (received, reflected), 0, 32)
    oled.DispChar("drop %d  A=stop" % dropped, 0, 48)
    oled.show()


def start_network():
    """Joins WIFI_SSID or starts the hotspot; returns (ip, description) or (None, reason)."""
    sta = network.WLAN(network.STA_IF)
    ap = network.WLAN(network.AP_IF)
    if WIFI_SSID:
        # A live hotspot would share the radio with the station and add delay.
        ap.active(False)
        sta.active(True)
        if not sta.isconnected():
            sta.connect(WIFI_SSID, WIFI_PASSWORD)
        t0 = time.ticks_ms()
        while not sta.isconnected():
            if time.ticks_diff(time.ticks_ms(), t0) > WIFI_TIMEOUT_MS:
                return None, "no Wi-Fi: " + WIFI_SSID
            time.sleep_ms(200)
        return sta.ifconfig()[0], "WiFi " + WIFI_SSID
    if 0 < len(AP_PASSWORD) < 8:
        return None, "AP_PASSWORD < 8"
    # A station left scanning would take the radio off the hotspot's channel.
    sta.active(False)
    ap.active(True)
    if AP_PASSWORD:
        ap.config(essid=AP_SSID, password=AP_PASSWORD, channel=AP_CHANNEL,
                  authmode=getattr(network, "AUTH_WPA_WPA2_PSK", 4))
    else:
        ap.config(essid=AP_SSID, channel=AP_CHANNEL, authmode=0)
    return ap.ifconfig()[0], "AP " + AP_SSID


def open_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((BIND, PORT))
    port = PORT
    # MicroPython v1.12 on the ESP32 has no getsockname; the port is the one asked for.
    if hasattr(sock, "getsockname"):
        port = sock.getsockname()[1]
    sock.settimeout(IDLE_MS / 1000)
    return sock, port


def tcp_open(port):
    """The TCP echo's nonblocking listener on port, or None (TCP_ECHO off, or refused)."""
    if not TCP_ECHO:
        return None
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind((BIND, port))
        lsock.listen(TCP_MAX_CONNS)
        lsock.setblocking(False)
    except OSError as exc:
        lsock.close()
        print("udpbench reflector: no TCP echo: %s" % exc)
        return None
    return TcpEcho(lsock)


class TcpEcho(object):
    """Echoes every octet a TCP client sends, as `udpbench --tcp` expects.

    udpbench frames each probe as a 2-octet length and the message; an echo
    that returns the bytes as they came returns the frames too. Bounded on
    the board: TCP_MAX_CONNS clients, TCP_BUF octets each, and nothing more is
    read from a client until its last read went back, so a client that never
    reads stalls only itself; it is closed after SESSION_IDLE_MS without a
    byte moved, or sooner when a newcomer needs its place (silent for
    TCP_ACTIVE_MS). poll() runs in the UDP loop's idle moments only.
    """

    def __init__(self, lsock):
        self.lsock = lsock
        self.conns = []      # [socket, octets not yet echoed, ticks_ms a byte last moved]
        self.connections = 0
        self.bytes = 0
        self.refused = 0
        self.evicted = 0
        self.timed_out = 0

    def _close(self, i):
        try:
            self.conns[i][0].close()
        except OSError:
            pass
        self.conns.pop(i)

    def _accept(self, now_ms):
        for _ in range(TCP_MAX_CONNS + 1):
            try:
                conn, _ = self.lsock.accept()
            except OSError:
                return
            if len(self.conns) >= TCP_MAX_CONNS:
                old = 0
                for i in range(1, len(self.conns)):
                    if time.ticks_diff(self.conns[old][2], self.conns[i][2]) > 0:
                        old = i
                if time.ticks_diff(now_ms, self.conns[old][2]) < TCP_ACTIVE_MS:
                    conn.close()
                    self.refused += 1
                    continue
                self._close(old)
                self.evicted += 1
            conn.setblocking(False)
            nodelay = getattr(socket, "TCP_NODELAY", None)
            if nodelay is not None:
                try:
                    conn.setsockopt(socket.IPPROTO_TCP, nodelay, 1)
                except OSError:
                    pass
            self.conns.append([conn, b"", now_ms])
            self.connections += 1

    def _echo(self, c, now_ms):
        """Moves what it can; returns False when the client is gone."""
        if not c[1]:
            try:
                data = c[0].recv(TCP_BUF)
            except OSError as exc:
                return exc.args[0] in (EAGAIN, ETIMEDOUT)
            if not data:
                return False
            c[1] = data
            c[2] = now_ms
        try:
            n = c[0].send(c[1])
        except OSError as exc:
            return exc.args[0] in (EAGAIN, ETIMEDOUT)
        if n:
            self.bytes += n
            c[1] = c[1][n:]
            c[2] = now_ms
        return True

    def poll(self, now_ms):
        """Accepts, echoes and times out; returns how many clients are connected."""
        self._accept(now_ms)
        i = len(self.conns) - 1
        while i >= 0:
            c = self.conns[i]
            if not self._echo(c, now_ms):
                self._close(i)
            elif time.ticks_diff(now_ms, c[2]) > SESSION_IDLE_MS:
                self._close(i)
                self.timed_out += 1
            i -= 1
        return len(self.conns)

    def close(self):
        while self.conns:
            self._close(len(self.conns) - 1)
        self.lsock.close()

    def counts(self):
        return {"tcp_connections": self.connections, "tcp_bytes": self.bytes,
                "tcp_refused": self.refused, "tcp_evicted": self.evicted,
                "tcp_timed_out": self.timed_out}


# ---- Discovery: answers `udpbench discover` (wire format: bench/reflect/discovery.h) ----
DISC_MAGIC = b"UDPBENCH?DISCOVER 1 "
DISC_QUERY_LEN = 512      # every query; the answer is never larger
DISC_SOURCE_MS = 500      # at most 2 answers a second to one address
DISC_ALL_PER_S = 50       # and 50 a second in all
VERSION = "0.1.0"
_disc = {"id": None, "last": {}, "second": 0, "count": 0, "answered": 0, "refused": 0}


def _ip_int(text):
    n = 0
    for part in text.split("."):
        n = (n << 8) | (int(part) & 0xff)
    return n


def answer_discovery(sock, data, addr):
    """Answers a discovery query; returns True when data was discovery (answered or
    dropped), False for anything else (a STAMP request goes on as before)."""
    if data[:17] != DISC_MAGIC[:17]:
        return False
    d = _disc
    n = len(data)
    nonce = data[20:36]
    ok = n == DISC_QUERY_LEN and data[:20] == DISC_MAGIC and data[36] == 10
    for c in nonce:
        ok = ok and (48 <= c <= 57 or 97 <= c <= 102)
    sta = network.WLAN(network.STA_IF)
    on_sta = sta.active() and sta.isconnected()
    ifc = sta.ifconfig() if on_sta else network.WLAN(network.AP_IF).ifconfig()
    # MicroPython cannot read the arriving TTL: only a source on the board's own
    # subnet is answered, so no answer goes off-link.
    mask = _ip_int(ifc[1])
    try:
        ok = ok and (_ip_int(addr[0]) & mask) == (_ip_int(ifc[0]) & mask)
    except ValueError:
        ok = False
    now = time.ticks_ms()
    last = d["last"].get(addr[0])
    if ok and last is not None and time.ticks_diff(now, last) < DISC_SOURCE_MS:
        ok = False
    if ok and time.ticks_diff(now, d["second"]) >= 1000:
        d["second"] = now
        d["count"] = 0
    ok = ok and d["count"] < DISC_ALL_PER_S
    if not ok:
        d["refused"] += 1
        return True
    if len(d["last"]) >= 16:
        d["last"] = {}
    d["last"][addr[0]] = now
    d["count"] += 1
    if d["id"] is None:
        d["id"] = "%08x%08x" % (time.ticks_us() & 0xffffffff, (id(d) * 2654435761) & 0xffffffff)
    name = NAME
    if not name:
        mac = sta.config("mac")
        name = "掌控板-%02x%02x" % (mac[-2], mac[-1])
    name = "".join(c if ord(c) >= 32 and c not in "#\x7f" else "?" for c in name)
    while len(name.encode()) > 63:
        name = name[:-1]
    text = "UDPBENCH!HERE 1 %s\nid=%s\nkind=mpython\nname=%s\nversion=%s\nport=%d\naddr=%s\n" % (
        nonce.decode(), d["id"], name, VERSION,
        sock.getsockname()[1] if hasattr(sock, "getsockname") else PORT, ifc[0])
    if on_sta:
        try:
            text += "rssi=%d\n" % sta.status("rssi")
        except (ValueError, TypeError, OSError):
            pass
    out = text.encode()
    if len(out) <= n:
        try:
            sock.sendto(out, addr)
            d["answered"] += 1
        except OSError:
            pass
    return True


def serve(sock, tcp=None):
    """Reflects until button A; returns the counters.

    The echo path is written out in this one loop on purpose: MicroPython puts
    the frame of a call with more than a few locals on the heap, so helper
    calls, like printing, screen updates and gc.collect(), belong to idle
    moments only, and so does the TCP echo (tcp, a TcpEcho or None). While a
    TCP client is connected the UDP socket does not wait at all (on the ESP32
    any socket timeout under 100 ms waits 100 ms) and an idle moment ends
    with a sleep of TCP_POLL_MS instead, so both sides are looked at about
    every millisecond; with none connected the loop is as it was. Between
    recvfrom and sendto
    nothing is allocated: the reply
    is built in one preallocated buffer with pack_into, and times are kept as
    16-bit halves so that every integer stays a small int.
    """
    ticks_us = time.ticks_us
    ticks_ms = time.ticks_ms
    ticks_diff = time.ticks_diff
    sleep_ms = time.sleep_ms
    pack_into = struct.pack_into
    recvfrom = sock.recvfrom
    sendto = sock.sendto
    button = button_a

    buf = bytearray(PKT_MAX)
    mv = memoryview(buf)
    view = mv[:STAMP_LEN]
    view_len = STAMP_LEN
    # Fields that never change: error estimate @12, sender TTL @40; MBZ and padding stay zero.
    pack_into(">H", buf, 12, ERR_EST)
    buf[40] = UNKNOWN_TTL

    s_addr = [None] * MAX_SESSIONS
    s_ssid = [0] * MAX_SESSIONS
    s_seq = [0] * MAX_SESSIONS
    s_last = [0] * MAX_SESSIONS
    received = 0
    reflected = 0
    short = 0
    too_long = 0
    send_errors = 0
    sessions_total = 0

    # The board's clock as NTP seconds in two 16-bit halves plus microseconds,
    # advanced with ticks_diff: ticks_us wraps every 2^30 us (~17.9 min) and
    # ticks_diff is right for gaps under half of that, which the idle timeout
    # guarantees.
    ntp = int(time.time()) + ntp_epoch_offset()
    ntp_hi = (ntp >> 16) & 0xffff
    ntp_lo = ntp & 0xffff
    clk_us = 0
    clk_t = ticks_us()

    shown = 0
    screen_t = ticks_ms()
    tcp_clients = 0
    while True:
        if button is not None and button.value() == 0:
            break
        try:
            data, addr = recvfrom(PKT_MAX + 1)
        except OSError:
            # An idle moment: nothing waiting for IDLE_MS.
            t = ticks_us()
            d = ticks_diff(t, clk_t)
            if d > 0:
                clk_t = t
                clk_us += d
                if clk_us >= US_PER_S:
                    s = clk_us // US_PER_S
                    clk_us -= s * US_PER_S
                    ntp_lo += s
                    if ntp_lo > 0xffff:
                        ntp_hi = (ntp_hi + (ntp_lo >> 16)) & 0xffff
                        ntp_lo &= 0xffff
            now_ms = ticks_ms()
            if tcp is not None:
                n = tcp.poll(now_ms)
                if (n > 0) != (tcp_clients > 0):
                    sock.settimeout(0 if n > 0 else IDLE_MS / 1000)
                tcp_clients = n
            if ticks_diff(now_ms, screen_t) >= SCREEN_EVERY_MS:
                screen_t = now_ms
                for i in range(MAX_SESSIONS):
                    if s_addr[i] is not None and ticks_diff(now_ms, s_last[i]) > SESSION_IDLE_MS:
                        s_addr[i] = None
                if received != shown:
                    shown = received
                    screen_counters(received, reflected, short + too_long)
                gc.collect()
            if tcp_clients:
                sleep_ms(TCP_POLL_MS)
            continue

        # T2: the receive time, as soon as the datagram is ours.
        t = ticks_us()
        received += 1
        n = len(data)
        if n >= 17 and data[0] == 85 and answer_discovery(sock, data, addr):
            continue
        if n < STAMP_LEN:
            # Never answered: no amplification, no garbage back.
            short += 1
            continue
        if n > PKT_MAX:
            too_long += 1
            continue
        d = ticks_diff(t, clk_t)
        if d > 0:
            clk_t = t
            clk_us += d
            if clk_us >= US_PER_S:
                s = clk_us // US_PER_S
                clk_us -= s * US_PER_S
                ntp_lo += s
                if ntp_lo > 0xffff:
                    ntp_hi = (ntp_hi + (ntp_lo >> 16)) & 0xffff
                    ntp_lo &= 0xffff
        # Fraction = us * 2^32 / 10^6 in two 16-bit halves (65536 / 10^6 = 1024 / 15625),
        # so no product passes 2^30.
        f = clk_us * 1024
        fhi = f // 15625
        pack_into(">HHHH", buf, 16, ntp_hi, ntp_lo, fhi, ((f - fhi * 15625) * 65536) // 15625)

        # The session: this sender's address, port and SSID.
        ssid = (data[14] << 8) | data[15]
        now_ms = ticks_ms()
        k = -1
        free = -1
        lru = 0
        lru_age = -1
        for i in range(MAX_SESSIONS):
            a = s_addr[i]
            if a is None:
                if free < 0:
                    free = i
            elif s_ssid[i] == ssid and a == addr:
                k = i
                break
            else:
                age = ticks_diff(now_ms, s_last[i])
                if age > lru_age:
                    lru_age = age
                    lru = i
        if k < 0:
            k = free if free >= 0 else lru
            s_addr[k] = addr
            s_ssid[k] = ssid
            s_seq[k] = 0
            sessions_total += 1
        s_last[k] = now_ms
        seq = s_seq[k]
        # RFC 8762 §4.3.1: the reflector's own sequence number, per session, from 0.
        if seq < SMALL_MAX:
            s_seq[k] = seq + 1
        else:
            s_seq[k] = (seq + 1) % 4294967296
        pack_into(">HH", buf, 0, seq >> 16, seq & 0xffff)
        pack_into(">H", buf, 14, ssid)
        # Sender sequence number, T1 and error estimate, as they came (@24..37).
        for i in range(14):
            buf[24 + i] = data[i]
        if n != view_len:
            view = mv[:n]
            view_len = n

        # T3: as late as possible, just before the reply leaves (RFC 8762 §4.3.1).
        t = ticks_us()
        d = ticks_diff(t, clk_t)
        if d > 0:
            clk_t = t
            clk_us += d
            if clk_us >= US_PER_S:
                s = clk_us // US_PER_S
                clk_us -= s * US_PER_S
                ntp_lo += s
                if ntp_lo > 0xffff:
                    ntp_hi = (ntp_hi + (ntp_lo >> 16)) & 0xffff
                    ntp_lo &= 0xffff
        f = clk_us * 1024
        fhi = f // 15625
        pack_into(">HHHH", buf, 4, ntp_hi, ntp_lo, fhi, ((f - fhi * 15625) * 65536) // 15625)
        try:
            sendto(view, addr)
            reflected += 1
        except OSError:
            send_errors += 1

    sessions = 0
    for a in s_addr:
        if a is not None:
            sessions += 1
    counts = {"received": received, "reflected": reflected, "short": short,
              "too_long": too_long, "send_errors": send_errors, "sessions": sessions,
              "sessions_total": sessions_total}
    if tcp is not None:
        counts.update(tcp.counts())
    return counts


def main():
    try:
        machine.freq(CPU_HZ)
    except (ValueError, OSError):
        pass
    if CONFIG_ERROR is not None:
        screen(["udpbench_config.py", "is broken:", CONFIG_ERROR[:16], CONFIG_ERROR[16:32]])
        print("udpbench reflector: udpbench_config.py is broken: " + CONFIG_ERROR)
        return None
    screen(["udpbench", "starting Wi-Fi..."])
    ip, where = start_network()
    if ip is None:
        screen(["udpbench", where, "check the settings", "at the top of main.py"])
        print("udpbench reflector: " + where)
        return None
    sock, port = open_socket()
    tcp = tcp_open(port)
    # Drawn once: the address to give udpbench on the PC.
    screen(["%s:%d" % (ip, port), where, "rx 0 tx 0", "drop 0  A=stop"])
    print("udpbench reflector listening on %s:%d (STAMP, RFC 8762%s) via %s"
          % (ip, port, "; TCP echo" if tcp is not None else "", where))
    gc.collect()
    try:
        counts = serve(sock, tcp)
    finally:
        sock.close()
        if tcp is not None:
            tcp.close()
    screen(["%s:%d" % (ip, port), "stopped (A)",
            "rx %d tx %d" % (counts["received"], counts["reflected"]),
            "drop %d" % (counts["short"] + counts["too_long"])])
    print("udpbench reflector: received %d, reflected %d, short %d, too long %d, "
          "send errors %d, sessions %d (total %d)"
          % (counts["received"], counts["reflected"], counts["short"], counts["too_long"],
             counts["send_errors"], counts["sessions"], counts["sessions_total"]))
    if tcp is not None:
        print("udpbench reflector: TCP connections %d, bytes echoed %d, refused %d, "
              "evicted idle %d, timed out %d"
              % (counts["tcp_connections"], counts["tcp_bytes"], counts["tcp_refused"],
                 counts["tcp_evicted"], counts["tcp_timed_out"]))
    return counts


if __name__ == "__main__":
    main()
