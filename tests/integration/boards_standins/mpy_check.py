# Runs the 掌控板 script (imported as board_main) inside MicroPython with the
# stand-ins (mpython, network, machine, and mpy_socket as `socket`), feeds it
# STAMP requests and checks every reply against RFC 8762 §4.3.1. Then measures
# what the echo path allocates beyond what the stand-ins themselves do.
# Its last line is "RESULT ok" or "RESULT FAIL <reasons>".
import gc
import struct

import mpython
import network
import socket

import board_main

ERR_EST = 0x3fff
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def request(seq, size, ssid, t1_hi, t1_lo):
    b = bytearray(size)
    struct.pack_into(">IIIHH", b, 0, seq, t1_hi, t1_lo, 0x8001, ssid)
    # Non-zero padding: the reply must still carry zeros there.
    for i in range(44, size):
        b[i] = 0xa5
    return bytes(b)


def u32(b, off):
    return struct.unpack_from(">I", b, off)[0]


def u16(b, off):
    return struct.unpack_from(">H", b, off)[0]


def ntp_us(b, off):
    """A 64-bit NTP timestamp as whole microseconds."""
    sec = u32(b, off)
    frac = u32(b, off + 4)
    return sec * 1000000 + (frac * 1000000 >> 32)


def reset(script):
    del socket.inbox[:]
    del socket.outbox[:]
    socket.state["next"] = 0
    socket.state["idle"] = 0
    socket.state["on_receive"] = None
    socket.state["on_idle"] = None
    socket.state["keep"] = True
    socket.state["sent"] = 0
    del socket.streams[:]
    mpython.button_a.pressed = False
    for k in script:
        setattr(board_main, k, script[k])


def press_after(n_idle):
    def on_idle(count):
        if count >= n_idle:
            mpython.button_a.press()
    socket.state["on_idle"] = on_idle


def replies_check():
    """Sessions, sizes, copied fields and timestamps of the replies."""
    a = ("10.0.0.2", 5000)
    b = ("10.0.0.3", 6000)
    plan = [
        (a, 44, 7), (a, 45, 7), (b, 44, 7), (a, 100, 7), (a, 44, 9),
        (a, 20, 7), (a, 1500, 7), (a, 1472, 7), (b, 300, 7), (a, 44, 7),
    ]
    reqs = []
    for i, (addr, size, ssid) in enumerate(plan):
        reqs.append((request(1000 + i, size, ssid, 0xe0000000 + i, 0x12345678), addr))
    reset({"PORT": 10000, "BIND": "0.0.0.0", "IDLE_MS": 1, "SCREEN_EVERY_MS": 0})
    for data, addr in reqs:
        socket.inbox.append((data, addr))
    press_after(3)
    counts = board_main.main()
    check(counts is not None, "main() returned nothing")
    if counts is None:
        return
    check(counts["received"] == 10, "received %d, want 10" % counts["received"])
    check(counts["reflected"] == 8, "reflected %d, want 8" % counts["reflected"])
    check(counts["short"] == 1, "short %d, want 1" % counts["short"])
    check(counts["too_long"] == 1, "too long %d, want 1" % counts["too_long"])
    check(counts["sessions_total"] == 3, "sessions %d, want 3" % counts["sessions_total"])
    answered = [r for r in reqs if 44 <= len(r[0]) <= 1472]
    check(len(socket.outbox) == len(answered), "%d replies for %d requests"
          % (len(socket.outbox), len(answered)))
    want_seq = {}
    for (reply, to), (req, frm) in zip(socket.outbox, answered):
        key = (frm, u16(req, 14))
        seq = want_seq.get(key, 0)
        want_seq[key] = seq + 1
        check(to == frm, "reply to %r, request from %r" % (to, frm))
        check(len(reply) == len(req), "reply of %d bytes to a %d-byte request"
              % (len(reply), len(req)))
        check(u32(reply, 0) == seq, "reflector seq %d, want %d" % (u32(reply, 0), seq))
        check(u16(reply, 12) == ERR_EST, "error estimate 0x%04x" % u16(reply, 12))
        check(reply[14:16] == req[14:16], "SSID not copied")
        check(reply[24:38] == req[0:14], "sender seq/T1/error estimate not copied")
        check(reply[38:40] == b"\0\0" and reply[41:44] == b"\0\0\0", "MBZ not zero")
        check(reply[40] == 255, "sender TTL %d, want 255 (unknown)" % reply[40])
        check(reply[44:] == bytes(len(reply) - 44), "padding not zero")
        t2 = ntp_us(reply, 16)
        t3 = ntp_us(reply, 4)
        check(0 <= t3 - t2 < 1000000, "T3 - T2 = %d us" % (t3 - t2))
    shows = mpython.oled.shows
    check(any("10000" in " ".join(s) for s in shows), "IP:port never on the screen")
    check(any("rx 10 tx 8" in " ".join(s) for s in shows), "counters never on the screen")
    check(network.ifaces[network.AP_IF].is_active, "AP mode not started")


def tcp_check():
    """The TCP echo under MicroPython: frames as udpbench --tcp sends them, in odd pieces."""
    frames = b""
    for i in range(20):
        msg = request(i, 44 + i, 1, 0xe0000000, i)
        frames += struct.pack(">H", len(msg)) + msg
    pieces = []
    i = 0
    while i < len(frames):
        pieces.append(frames[i:i + 1 + (i % 97)])
        i += 1 + (i % 97)
    talker = socket.Stream(pieces + [None])
    # Never reads: takes 100 octets, then every send says EAGAIN.
    mute = socket.Stream([frames], window=100)
    reset({"PORT": 10000, "BIND": "0.0.0.0", "IDLE_MS": 1, "SCREEN_EVERY_MS": 0,
           "TCP_ECHO": True, "TCP_MAX_CONNS": 3})
    socket.streams.extend([mute, talker])
    press_after(len(pieces) + 20)
    counts = board_main.main()
    check(counts is not None and "tcp_bytes" in counts, "no TCP counters: %r" % (counts,))
    if counts is None or "tcp_bytes" not in counts:
        return
    check(bytes(talker.echoed) == frames, "TCP echo of %d octets, want the %d sent"
          % (len(talker.echoed), len(frames)))
    check(talker.closed, "a client that closed was not closed")
    check(bytes(mute.echoed) == frames[:100], "the client that never reads got %d octets"
          % len(mute.echoed))
    # A send that took nothing is not an error: the client stays, and is tried again.
    check(mute.stalls >= 2, "the client that never reads was tried %d times" % mute.stalls)
    check(counts["tcp_connections"] == 2, "TCP connections %d, want 2" % counts["tcp_connections"])
    check(counts["tcp_bytes"] == len(frames) + 100, "TCP bytes %d, want %d"
          % (counts["tcp_bytes"], len(frames) + 100))


def config_check():
    """udpbench_config.py beside the script, read by MicroPython itself: used, or named as broken."""
    import os
    import sys
    path = "/lib/udpbench_config.py"
    found = []
    for text in ("PORT = 4321\nWIFI_SSID = 'lab'\n", "PORT = = 1\n"):
        with open(path, "w") as f:
            f.write(text)
        for name in ("board_main", "udpbench_config"):
            if name in sys.modules:
                del sys.modules[name]
        b = __import__("board_main")
        found.append((b.CONFIG_ERROR, b.PORT, b.WIFI_SSID))
    os.remove(path)
    for name in ("board_main", "udpbench_config"):
        if name in sys.modules:
            del sys.modules[name]
    b = __import__("board_main")
    good, bad = found
    check(good == (None, 4321, "lab"), "udpbench_config.py not used: %r" % (good,))
    check(bad[0] is not None and bad[0].startswith("SyntaxError") and bad[1] == 10000,
          "a broken udpbench_config.py not named: %r" % (bad,))
    check(b.CONFIG_ERROR is None and b.PORT == 10000, "without the file: %r" % (b.CONFIG_ERROR,))


def echo_path_allocation(n):
    """Bytes the script allocates for n 44-byte requests, less what the stand-ins allocate."""
    addr = ("10.0.0.9", 7000)
    data = request(1, 44, 3, 0xe0000000, 0)
    marks = {}

    def on_receive(i):
        if i == 0:
            marks["start"] = gc.mem_alloc()

    def on_idle(count):
        if count == 1:
            marks["end"] = gc.mem_alloc()
        mpython.button_a.press()

    reset({"IDLE_MS": 1, "SCREEN_EVERY_MS": 1000000})
    for _ in range(n):
        socket.inbox.append((data, addr))
    socket.state["on_receive"] = on_receive
    socket.state["on_idle"] = on_idle
    socket.state["keep"] = False
    gc.collect()
    gc.disable()
    try:
        board_main.main()
    finally:
        gc.enable()
    script = marks["end"] - marks["start"]

    # The same calls on the stand-ins alone: receive, button, send.
    reset({})
    for _ in range(n):
        socket.inbox.append((data, addr))
    socket.state["on_receive"] = on_receive
    socket.state["keep"] = False
    sock = socket.socket()
    button = mpython.button_a
    reply = memoryview(bytearray(44))
    gc.collect()
    gc.disable()
    try:
        marks.clear()
        for _ in range(n):
            button.value()
            d, a = sock.recvfrom(1473)
            sock.sendto(reply, a)
        end = gc.mem_alloc()
    finally:
        gc.enable()
    return script - (end - marks["start"])


def run():
    try:
        replies_check()
        tcp_check()
        extra = echo_path_allocation(200)
        # A little slack for the first reply's one-off work; nothing per packet.
        check(extra <= 256, "the echo path allocated %d bytes for 200 requests" % extra)
        print("allocated beyond the stand-ins for 200 requests: %d bytes" % extra)
        config_check()
    except Exception as exc:
        failures.append("%s: %s" % (type(exc).__name__, exc))
        raise
    finally:
        if failures:
            print("RESULT FAIL " + "; ".join(failures))
        else:
            print("RESULT ok")
