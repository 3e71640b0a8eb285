"""The reflector on its own: sizes, short requests, counters, signals."""

import random
import signal
import socket
import struct
import time

from harness import start_reflector, stop, wait_line


def request(seq, size, ssid=7):
    return struct.pack("!IQHH", seq, 0x83AA7E8000000000 + seq, 0x0001, ssid) + bytes(size - 16)


def test_reply_size_equals_request_and_short_dropped(tmp):
    refl, port = start_reflector()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect(("127.0.0.1", port))
    rng = random.Random(1)
    sizes = [44, 45, 100, 1000, 1472] + [rng.randrange(44, 1473) for _ in range(50)]
    for i, n in enumerate(sizes):
        s.send(request(i, n))
        reply = s.recv(4096)
        assert len(reply) == n, (n, len(reply))
        seq, = struct.unpack_from("!I", reply, 0)
        sseq, = struct.unpack_from("!I", reply, 24)
        assert seq == i and sseq == i
        assert reply[14:16] == struct.pack("!H", 7)  # SSID copied
    # Shorter than a STAMP packet: never answered, only counted.
    for n in (0, 1, 16, 43):
        s.send(bytes(n))
    s.send(request(99, 44))
    reply = s.recv(4096)
    assert struct.unpack_from("!I", reply, 24)[0] == 99  # the short ones got nothing back
    s.settimeout(0.2)
    try:
        extra = s.recv(4096)
        raise AssertionError("unexpected reply of %d bytes" % len(extra))
    except socket.timeout:
        pass
    refl.send_signal(signal.SIGUSR1)
    m = wait_line(refl.stderr, r"received (\d+), reflected (\d+), short (\d+)")
    assert m.groups() == (str(len(sizes) + 5), str(len(sizes) + 1), "4"), m.group(0)
    code, _, _ = stop(refl, signal.SIGINT)
    assert code == 0


def test_ssid_makes_separate_sessions(tmp):
    refl, port = start_reflector()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect(("127.0.0.1", port))
    seen = []
    for ssid in (1, 1, 2, 1, 2):
        s.send(request(0, 44, ssid))
        seen.append(struct.unpack_from("!I", s.recv(100), 0)[0])
    # RFC 8972: each SSID is its own session with its own counter.
    assert seen == [0, 1, 0, 2, 1], seen


def test_session_timeout_restarts_counter(tmp):
    refl, port = start_reflector("--session-timeout", "100ms")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect(("127.0.0.1", port))
    s.send(request(0, 44))
    assert struct.unpack_from("!I", s.recv(100), 0)[0] == 0
    s.send(request(1, 44))
    assert struct.unpack_from("!I", s.recv(100), 0)[0] == 1
    # Idle sessions are swept about once a second; wait (bounded) until it is gone.
    deadline = time.monotonic() + 5
    first = None
    while time.monotonic() < deadline:
        time.sleep(0.3)
        s.send(request(2, 44, ssid=99))  # a different session, to drive the sweep
        s.recv(100)
        s.send(request(3, 44))
        first = struct.unpack_from("!I", s.recv(100), 0)[0]
        if first == 0:
            break
    assert first == 0, "session never expired"
