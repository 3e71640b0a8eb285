# Runs the 掌控板 sender (imported as board_main) inside MicroPython with the
# stand-ins; a stateful reflector written here from RFC 8762 §4.3.1 answers
# through mpy_socket, dropping chosen probes on the way up and chosen replies
# on the way down. Checks the sender's counts and its `udpbench:` line, then
# measures what the send and receive path allocates.
# Its last line is "RESULT ok" or "RESULT FAIL <reasons>".
import gc
import json
import struct

import mpython
import socket

import board_main

failures = []
ADDR = ("10.0.0.1", 10000)


def check(cond, what):
    if not cond:
        failures.append(what)


class Reflector(object):
    """Numbers every probe that reaches it; replies are made ahead of time, so
    answering allocates nothing."""

    def __init__(self, n, up_drops, down_drops):
        self.up = up_drops
        self.down = down_drops
        self.counter = 0
        self.made = 0
        del socket.inbox[:]
        for _ in range(n):
            socket.inbox.append((bytearray(44), ADDR))
        socket.state["next"] = 0
        socket.state["ready"] = 0
        socket.state["keep"] = False
        socket.state["on_send"] = self.on_send
        socket.state["on_idle"] = None

    def on_send(self, data, addr):
        seq = (data[2] << 8) | data[3]
        if seq in self.up:
            return
        r = socket.inbox[self.made][0]
        struct.pack_into(">HH", r, 0, self.counter >> 16, self.counter & 0xffff)
        self.counter += 1
        for i in range(14):
            r[24 + i] = data[i]
        r[14] = data[14]
        r[15] = data[15]
        if seq in self.down:
            return
        self.made += 1
        socket.state["ready"] = self.made


def settings(**kw):
    base = {"WIFI_SSID": "classroom", "PEER": "10.0.0.1", "PORT": 10000, "INTERVAL_MS": 2,
            "TIMEOUT_MS": 1000, "SCREEN_EVERY_MS": 20}
    base.update(kw)
    for k in base:
        setattr(board_main, k, base[k])


def record_screens():
    """Wraps the stand-in OLED: returns a list holding the rectangles of the last screen shown."""
    oled = mpython.oled
    fill_rect = oled.fill_rect
    show = oled.show
    drawing = []
    last = []

    def rec_fill_rect(x, y, w, h, c):
        drawing.append((x, y, w, h))
        fill_rect(x, y, w, h, c)

    def rec_show():
        last[:] = drawing
        del drawing[:]
        show()

    oled.fill_rect = rec_fill_rect
    oled.show = rec_show
    return last


def split_check():
    up = (5, 17, 40, 41, 99, 150, 185)
    # 199 is the last probe: its lost reply looks like upstream loss to any sender.
    down = (8, 60, 61, 120, 199)
    Reflector(200, up, down)
    settings(COUNT=200)
    mpython.button_a.pressed = False
    printed = []
    board_main.print = printed.append
    last_rects = record_screens()
    try:
        res = board_main.main()
    finally:
        del board_main.print
        del mpython.oled.fill_rect
        del mpython.oled.show
    check(res is not None, "main() returned nothing")
    if res is None:
        return
    want = {"sent": 200, "received": 188, "lost_up": 8, "lost_down": 4}
    for k in want:
        check(res[k] == want[k], "%s %d, want %d" % (k, res[k], want[k]))
    lines = [l for l in printed if l.startswith("udpbench: ")]
    check(len(lines) == 1, "%d udpbench: lines" % len(lines))
    if lines:
        got = json.loads(lines[0][len("udpbench: "):])
        for k in want:
            check(got.get(k) == want[k], "udpbench: line has %s %r" % (k, got.get(k)))
        q = got.get("rtt_ms") or {}
        check(0 <= q.get("min", -1) <= q.get("median", -1) <= q.get("p90", -1) <= q.get("max", -1),
              "rtt_ms %r" % (q,))
    live = [s for s in mpython.oled.shows if s and s[0] == "188/200 up8 dn4"]
    check(len(live) >= 1, "final counters never on the screen")
    # The chart of the last 32 probes (168..199): a mark on top, no bar, for
    # the lost 185 and 199; a bar from the bottom edge for every other one.
    marks = [r[0] // 4 for r in last_rects if r[1] == 44 and r[3] == 2]
    bars = [r[0] // 4 for r in last_rects if r[1] + r[3] == 64 and r[1] > 44]
    check(marks == [185 - 168, 199 - 168], "lost marks in columns %r" % (marks,))
    check(sorted(bars) == [i for i in range(32) if i not in (17, 31)], "bars in %r" % (bars,))
    check(len(last_rects) > len(marks) + len(bars), "no large digits drawn")


def allocation():
    """Bytes allocated from the second probe's send to the last one's, screen off."""
    n = 200
    refl = Reflector(n, (), ())
    settings(COUNT=n, SCREEN_EVERY_MS=1000000)
    marks = [0, 0]
    inner = refl.on_send

    def on_send(data, addr):
        inner(data, addr)
        seq = (data[2] << 8) | data[3]
        if seq == 1:
            marks[0] = gc.mem_alloc()
        elif seq == n - 1:
            marks[1] = gc.mem_alloc()

    socket.state["on_send"] = on_send
    mpython.button_a.pressed = False
    board_main.print = lambda *a: None
    gc.collect()
    gc.disable()
    try:
        res = board_main.main()
    finally:
        gc.enable()
        del board_main.print
    check(res is not None and res["received"] == n, "clean run: %r" % (res,))
    return marks[1] - marks[0]


def run():
    try:
        split_check()
        extra = allocation()
        check(extra <= 256, "measuring allocated %d bytes for 200 probes" % extra)
        print("allocated while measuring: %d bytes" % extra)
    except Exception as exc:
        failures.append("%s: %s" % (type(exc).__name__, exc))
        raise
    finally:
        if failures:
            print("RESULT FAIL " + "; ".join(failures))
        else:
            print("RESULT ok")
