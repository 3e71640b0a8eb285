# -*- coding: utf-8 -*-
# udpbench sender for the 掌控板 (mPython board, MicroPython v1.12 firmware).
#
# The board as client: a STAMP session-sender (RFC 8762 §4.2.1) that measures a
# PC running `udpbench reflect` (or another board's reflector). The OLED shows
# the latest round-trip time in large digits, a bar chart of the recent ones
# (a lost probe is a gap with a mark on top) and the counters. Button A stops
# early. At the end one line `udpbench: {...}` goes to the serial console.
# Upload as sender.py (or as main.py to run it at start).

# ---- Settings / 设置 ---------------------------------------------------------
WIFI_SSID = ""            # 路由器名称 (the board must join the PC's network)
WIFI_PASSWORD = ""        # 路由器密码
PEER = "192.168.1.10"     # 运行 `udpbench reflect` 的电脑的 IP / the PC's address
PORT = 10000              # the reflector's UDP port
COUNT = 100               # probes to send, up to a few thousand / 发送多少个包
INTERVAL_MS = 100         # one probe every INTERVAL_MS / 发包间隔
TIMEOUT_MS = 1000         # a reply later than this is late, not received / 超时
WIFI_TIMEOUT_MS = 15000   # give up joining WIFI_SSID after this long
SCREEN_EVERY_MS = 300     # the screen is redrawn at most this often
# -----------------------------------------------------------------------------

# A udpbench_config.py beside this file overrides any setting above.
try:
    from udpbench_config import *  # noqa: F401,F403
except ImportError:
    pass

import gc
import socket
import struct
import time

try:
    import ujson as json
except ImportError:
    import json

import network

try:
    import mpython
except ImportError:
    mpython = None
# The screen and button exist only where the firmware found them.
oled = getattr(mpython, "oled", None)
button_a = getattr(mpython, "button_a", None)

# RFC 8762 §4.2.1, unauthenticated session-sender test packet (44 bytes):
#   0 sequence number (4)      4 timestamp T1 (8, NTP)   12 error estimate (2)
#   14 SSID (2, RFC 8972)      16..43 MBZ
# §4.3.1, the reflector's reply to it:
#   0 reflector sequence number (4)   4 T3 (8)   12 error estimate (2)  14 SSID
#   16 T2 receive timestamp (8)   24 sender sequence number (4)
#   28 sender timestamp (8)   36 sender error estimate (2)   40 sender TTL
STAMP_LEN = 44
RX_MAX = 1473             # a reply longer than one frame is not ours anyway
# RFC 4656 §4.1.2: S=0 (no external sync), Z=0 (NTP), largest error stated.
ERR_EST = 0x3fff
US_PER_S = 1000000
POLL_US = 200             # how long to wait between two looks at the socket
CHART_BARS = 32           # bars of 4 pixels: the whole 128-pixel width
STALE_MS = 2000           # with no reply at all, the screen is redrawn this often
LOST = -1                 # a chart entry for a probe that got no reply
SMALL = 0x4000            # upper 16 bits at or above this would leave small ints


def ntp_epoch_offset():
    """Seconds from the NTP era start (1900) to this port's time.time() epoch."""
    if time.localtime(86400)[0] == 2000:
        return 3155673600
    return 2208988800


# Seven segments a..g as (x, y, w, h) in a 12x24 cell; one bit mask per digit.
SEGMENTS = ((2, 0, 8, 3), (9, 2, 3, 10), (9, 12, 3, 10), (2, 21, 8, 3),
            (0, 12, 3, 10), (0, 2, 3, 10), (2, 10, 8, 3))
DIGITS = (0x3f, 0x06, 0x5b, 0x4f, 0x66, 0x6d, 0x7d, 0x07, 0x7f, 0x6f)


def big_text(s, x, y):
    """Draws digits, '.' and '-' 24 pixels high; returns the x after them."""
    for ch in s:
        if ch == ".":
            oled.fill_rect(x, y + 21, 3, 3, 1)
            x += 5
            continue
        mask = 0x40 if ch == "-" else DIGITS[ord(ch) - 48]
        for i in range(7):
            if mask & (1 << i):
                sx, sy, w, h = SEGMENTS[i]
                oled.fill_rect(x + sx, y + sy, w, h, 1)
        x += 15
    return x


def rtt_text(us):
    if us < 0:
        return "--"
    ms = us / 1000
    if ms < 10:
        return "%.2f" % ms
    if ms < 100:
        return "%.1f" % ms
    return "%d" % min(int(ms), 9999)


def draw(sent, received, lost_up, lost_down, last_us, chart, head):
    """The live screen: counters, the latest RTT large, recent RTTs as bars."""
    if oled is None:
        return
    oled.fill(0)
    oled.DispChar("%d/%d up%d dn%d" % (received, sent, lost_up, lost_down), 0, 0)
    x = big_text(rtt_text(last_us), 0, 17)
    oled.DispChar("ms", x + 2, 25)
    top = 1
    for v in chart:
        if v > top:
            top = v
    for i in range(CHART_BARS):
        v = chart[(head + i) % CHART_BARS]
        if v == LOST:
            # A lost probe: no bar, a mark at the top of its column.
            oled.fill_rect(i * 4, 44, 3, 2, 1)
        elif v > 0:
            h = max(1, v * 17 // top)
            oled.fill_rect(i * 4, 64 - h, 3, h, 1)
    oled.show()


def screen(lines):
    if oled is None:
        return
    oled.fill(0)
    y = 0
    for text in lines:
        oled.DispChar(text, 0, y)
        y += 16
    oled.show()


def join_wifi():
    """Joins WIFI_SSID, or keeps the network the board is already on.

    Returns (ip, None), or (None, the reason)."""
    sta = network.WLAN(network.STA_IF)
    sta.active(True)
    if not sta.isconnected():
        if not WIFI_SSID:
            return None, "set WIFI_SSID"
        sta.connect(WIFI_SSID, WIFI_PASSWORD)
    t0 = time.ticks_ms()
    while not sta.isconnected():
        if time.ticks_diff(time.ticks_ms(), t0) > WIFI_TIMEOUT_MS:
            return None, "no Wi-Fi: " + WIFI_SSID
        time.sleep_ms(200)
    return sta.ifconfig()[0], None


def quantiles(rtts, n):
    """{min, median, p90, max} in ms of the first n values (us), or None."""
    if n == 0:
        return None
    v = sorted(rtts[i] for i in range(n))
    if n % 2:
        med = v[n // 2]
    else:
        med = (v[n // 2 - 1] + v[n // 2]) / 2
    # p90 by nearest rank: the smallest value with 90 % of them at or below it.
    p90 = v[max(0, (n * 9 + 9) // 10 - 1)]
    return {"min": v[0] / 1000, "median": med / 1000, "p90": p90 / 1000, "max": v[-1] / 1000}


def measure(sock, addr):
    """Sends COUNT probes on an absolute schedule; returns the result dict.

    Nothing in the send and receive path allocates: one send buffer and one
    receive buffer are made before the first probe, every number stays a
    small int, and per-probe state lives in preallocated lists. Drawing and
    gc run only in the quiet moment after the newest probe was answered.
    """
    ticks_us = time.ticks_us
    ticks_ms = time.ticks_ms
    ticks_diff = time.ticks_diff
    ticks_add = time.ticks_add
    sleep_us = time.sleep_us
    pack_into = struct.pack_into
    sendto = sock.sendto
    # MicroPython's readinto returns None when nothing waits; CPython has recv_into.
    readinto = getattr(sock, "readinto", None)
    recv_into = getattr(sock, "recv_into", None)
    recv = getattr(sock, "recv", None)
    button = button_a

    count = COUNT
    interval_us = INTERVAL_MS * 1000
    timeout_us = TIMEOUT_MS * 1000
    # Probes in flight at most: a slot is reused only after its probe timed out.
    window = min(count, max(32, TIMEOUT_MS // max(1, INTERVAL_MS) + 8))
    slot_seq = [-1] * window
    slot_tx = [0] * window
    slot_rtt = [0] * window
    rtts = [0] * count
    chart = [0] * CHART_BARS
    head = 0

    tx = bytearray(STAMP_LEN)
    rx = bytearray(RX_MAX)
    ssid = (ticks_ms() & 0xfffe) | 1
    pack_into(">HH", tx, 12, ERR_EST, ssid)
    # The board's clock as NTP seconds in two 16-bit halves plus microseconds,
    # so every integer stays small.
    ntp = int(time.time()) + ntp_epoch_offset()
    ntp_hi = (ntp >> 16) & 0xffff
    ntp_lo = ntp & 0xffff
    clk_us = 0
    clk_t = ticks_us()

    sent = 0
    received = 0
    duplicates = 0
    late = 0
    foreign = 0
    refl_top = -1        # the highest reflector sequence number seen
    decided = 0          # probes below this have a reply or timed out
    last_us = -1
    newest_answered = -1
    stopped = False
    due = ticks_add(ticks_us(), 20000)
    drawn_ms = ticks_ms()
    while True:
        now = ticks_us()
        if sent < count and ticks_diff(now, due) >= 0:
            k = sent % window
            pack_into(">HH", tx, 0, sent >> 16, sent & 0xffff)
            # T1: the board's clock, advanced with ticks_diff (a send at least
            # every INTERVAL_MS keeps each step far below the ticks wrap).
            t = ticks_us()
            d = ticks_diff(t, clk_t)
            if d > 0:
                clk_t = t
                clk_us += d
                if clk_us >= US_PER_S:
                    d = clk_us // US_PER_S
                    clk_us -= d * US_PER_S
                    ntp_lo += d
                    if ntp_lo > 0xffff:
                        ntp_hi = (ntp_hi + (ntp_lo >> 16)) & 0xffff
                        ntp_lo &= 0xffff
            # Fraction = us * 2^32 / 10^6 in 16-bit halves, every product below 2^30.
            f = clk_us * 1024
            d = f // 15625
            pack_into(">HHHH", tx, 4, ntp_hi, ntp_lo, d, ((f - d * 15625) * 65536) // 15625)
            t = ticks_us()
            try:
                sendto(tx, addr)
            except OSError:
                pass      # a soft error: the probe simply counts as lost
            slot_seq[k] = sent
            slot_tx[k] = t
            slot_rtt[k] = -1
            sent += 1
            # Late or not, the next probe keeps its place on the schedule.
            due = ticks_add(due, interval_us)
            continue

        try:
            if readinto is not None:
                n = readinto(rx)
            elif recv_into is not None:
                n = recv_into(rx)
            else:
                # A port with neither: a fixed-size recv, copied (this allocates).
                data = recv(RX_MAX)
                n = len(data)
                rx[0:n] = data
        except OSError:
            n = None
        if n:
            t = ticks_us()
            if n < STAMP_LEN or ((rx[14] << 8) | rx[15]) != ssid:
                foreign += 1
                continue
            hi = (rx[24] << 8) | rx[25]
            seq = (hi << 16) | (rx[26] << 8) | rx[27] if hi < SMALL else -1
            if seq < 0 or seq >= sent:
                foreign += 1
                continue
            # RFC 8762 §4.3.1: the reflector's own number for this probe.
            hi = (rx[0] << 8) | rx[1]
            if hi < SMALL:
                hi = (hi << 16) | (rx[2] << 8) | rx[3]
                if hi > refl_top:
                    refl_top = hi
            k = seq % window
            if slot_seq[k] != seq:
                late += 1   # so late that its slot went to a newer probe
                continue
            if slot_rtt[k] != -1:
                duplicates += 1
                continue
            r = ticks_diff(t, slot_tx[k])
            if r > timeout_us:
                # Late: reflected and back, but after TIMEOUT_MS; neither
                # received nor lost (a lost mark on the chart all the same).
                slot_rtt[k] = -2
                late += 1
                continue
            # RFC 8762 §4.3.1: T3 - T2 is the time the reflector held the
            # probe; taken out of the RTT when plausible (0..2 s, below it).
            # Seconds from the 16-bit halves first, so every int stays small.
            h = (((rx[4] << 8) | rx[5]) - ((rx[16] << 8) | rx[17])) * 65536 \
                + ((rx[6] << 8) | rx[7]) - ((rx[18] << 8) | rx[19])
            if 0 <= h <= 2:
                h = h * US_PER_S \
                    + (((((rx[8] << 8) | rx[9]) - ((rx[20] << 8) | rx[21])) * 15625) >> 10) \
                    + (((((rx[10] << 8) | rx[11]) - ((rx[22] << 8) | rx[23])) * 15625) >> 26)
                if 0 <= h <= r:
                    r -= h
            slot_rtt[k] = r
            rtts[received] = r
            received += 1
            last_us = r
            if seq > newest_answered:
                newest_answered = seq
            continue

        # Nothing waiting: settle what is due, then wait a little.
        while decided < sent:
            k = decided % window
            if slot_rtt[k] >= 0:
                chart[head] = slot_rtt[k] // 100 + 1
            elif ticks_diff(now, slot_tx[k]) > timeout_us:
                chart[head] = LOST
            else:
                break
            head = (head + 1) % CHART_BARS
            decided += 1
        if decided >= count:
            break
        if button is not None and button.value() == 0:
            stopped = True
            break
        if sent >= count and received >= sent:
            break
        d = ticks_diff(ticks_ms(), drawn_ms)
        if d >= SCREEN_EVERY_MS and (newest_answered == sent - 1 or d >= STALE_MS):
            # The quiet moment: the newest probe is answered, the next not yet due
            # (or nothing came back for a while: the screen must still show it).
            lost_down = max(0, refl_top + 1 - received - late)
            draw(sent, received, max(0, sent - received - late - lost_down), lost_down,
                 last_us, chart, head)
            gc.collect()
            drawn_ms = ticks_ms()
            continue
        sleep_us(POLL_US)

    if stopped:
        # Probes still in flight when A was pressed are not counted as sent.
        for s in range(decided, sent):
            if slot_rtt[s % window] == -1:
                sent -= 1
    lost = sent - received - late
    # Replies the reflector numbered but that never came back were lost on the
    # way down; what it never numbered was lost on the way up (RFC 8762 §4.3:
    # a stateful reflector counts every probe it answers).
    lost_down = min(lost, max(0, refl_top + 1 - received - late))
    draw(sent, received, lost - lost_down, lost_down, last_us, chart, head)
    return {"sent": sent, "received": received, "lost_up": lost - lost_down,
            "lost_down": lost_down, "late": late, "duplicates": duplicates, "foreign": foreign,
            "stopped": stopped, "rtt_ms": quantiles(rtts, received)}


def main():
    screen(["udpbench sender", "Wi-Fi..."])
    ip, why = join_wifi()
    if ip is None:
        screen(["udpbench sender", why, "settings: top of", "sender.py"])
        print("udpbench sender: " + why)
        return None
    addr = socket.getaddrinfo(PEER, PORT)[0][-1]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0)
    screen(["-> %s:%d" % (PEER, PORT), "%d x %d ms" % (COUNT, INTERVAL_MS), "A = stop"])
    print("udpbench sender: %s -> %s:%d, %d probes every %d ms"
          % (ip, PEER, PORT, COUNT, INTERVAL_MS))
    gc.collect()
    try:
        res = measure(sock, addr)
    finally:
        sock.close()
    print("udpbench: " + json.dumps(res))
    return res


if __name__ == "__main__":
    main()
