"""The reflector on its own: sizes, short requests, counters, signals."""

import os
import random
import re
import signal
import socket
import struct
import time

from harness import PEERS, PYTHON, load_json, run, start_reflector, stop, ub, wait_line, planned
from test_cli import free_udp_port
from test_flood import parse_counters
from test_relay import finish_relay, start_relay


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
    # Shorter than a STAMP packet: never answered, only counted (from 14 octets, as
    # TWAMP-light requests that --twamp-light would answer).
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
    m = wait_line(refl.stderr, r"received (\d+), reflected (\d+), short (\d+).*"
                  r"twamp-light unanswered (\d+)")
    assert m.groups() == (str(len(sizes) + 5), str(len(sizes) + 1), "2", "2"), m.group(0)
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


COUNTERS = r"received (\d+), reflected (\d+), short (\d+), too long (\d+), bad key (\d+), " \
           r"rate capped (\d+), sessions refused (\d+), send errors (\d+), sessions (\d+) " \
           r"\(total (\d+)\), evicted (\d+)"


def burst_from_one_source(port, n):
    """Sends n requests back to back from one socket; returns how many were answered."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    got = 0
    for i in range(n):
        s.send(request(i, 44))
        while i % 100 == 99:  # drain what came back so far
            try:
                s.recv(100)
                got += 1
            except BlockingIOError:
                break
    s.settimeout(0.5)
    try:
        while got < n:
            s.recv(100)
            got += 1
    except socket.timeout:
        pass
    s.close()
    return got


def test_counter_line_names_every_kind_and_adds_up(tmp):
    refl, port = start_reflector()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect(("127.0.0.1", port))
    for n in (10, 44, 1472, 1473, 1500):
        s.send(request(n, n) if n >= 16 else bytes(n))
    s.send(request(1, 44))
    assert struct.unpack_from("!I", s.recv(2048), 24)[0] == 44
    assert struct.unpack_from("!I", s.recv(2048), 24)[0] == 1472
    assert struct.unpack_from("!I", s.recv(2048), 24)[0] == 1
    code, _, err = stop(refl, signal.SIGTERM)
    assert code == 0, err
    m = re.search(COUNTERS, err)
    assert m, err
    c = [int(x) for x in m.groups()]
    # received, reflected, short, too long (over 1472 octets), the rest nothing.
    assert c[:8] == [6, 3, 1, 2, 0, 0, 0, 0], m.group(0)
    assert c[0] == sum(c[1:8])


def test_default_rate_cap_and_max_rate_zero(tmp):
    # Default 20000/s with bursts of 2000: 10000 back-to-back requests from one
    # address take far less than the 0.4 s that would earn the rest.
    n = 10000
    refl, port = start_reflector()
    t0 = time.monotonic()
    got = burst_from_one_source(port, n)
    code, _, err = stop(refl, signal.SIGTERM)
    c = [int(x) for x in re.search(COUNTERS, err).groups()]
    assert 2000 <= got < n and c[1] == got and c[5] == n - got, (got, c, time.monotonic() - t0)
    # --max-rate 0: no cap at all.
    refl, port = start_reflector("--max-rate", "0")
    got = burst_from_one_source(port, n)
    code, _, err = stop(refl, signal.SIGTERM)
    c = [int(x) for x in re.search(COUNTERS, err).groups()]
    assert got == n and c[5] == 0, (got, c)


def test_hardening_options_on_the_command_line(tmp):
    r = ub("reflect", "--help")
    assert r.returncode == 0
    for opt in ("--max-rate N", "--max-sessions N", "--sessions-per-source N", "--key FILE"):
        assert opt in r.stdout, r.stdout
    for args, opt in ((["--max-rate", "fast"], "--max-rate"),
                      (["--max-rate", "-5"], "--max-rate"),
                      (["--max-sessions", "0"], "--max-sessions"),
                      (["--max-sessions", "2M"], "--max-sessions"),
                      (["--sessions-per-source", "0"], "--sessions-per-source"),
                      (["--sessions-per-source", "many"], "--sessions-per-source"),
                      (["--key"], "--key")):
        r = ub("reflect", "--port", "0", *args, timeout=10)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert opt in r.stderr and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
    # Units work: 5k sessions, 2.5k a second, 1k a source.
    refl, _ = start_reflector("--max-sessions", "5k", "--max-rate", "2.5k",
                              "--sessions-per-source", "1k")
    code, _, _ = stop(refl, signal.SIGTERM)
    assert code == 0


def test_sender_restarting_on_its_port_starts_over(tmp):
    # A TWAMP-light style sender (the independent one) from a fixed port with SSID 0, twice.
    refl, port = start_reflector()
    lport = free_udp_port()
    seqs = []
    for n in range(2):
        out = os.path.join(tmp, "run%d.json" % n)
        r = run([PYTHON, os.path.join(PEERS, "stamp_sender.py"), "--peer", "127.0.0.1",
                 "--port", str(port), "--count", "100", "--interval", "0.002", "--ssid", "0",
                 "--local-port", str(lport), "--json", out])
        assert r.returncode == 0, r.stderr
        j = load_json(out)
        assert j["sent"] == 100 and j["received"] == 100, j
        seqs.append(j["reflector_seqs"])
    code, _, err = stop(refl, signal.SIGTERM)
    c = parse_counters(err)
    print("  the same port twice: reflector counters %s..%s, then %s..%s; reflector %s"
          % (seqs[0][0], seqs[0][-1], seqs[1][0], seqs[1][-1], c))
    # RFC 8972 §4: a sender that starts over is a new session; its counter starts at 0.
    assert seqs[0] == list(range(100)) and seqs[1] == list(range(100)), seqs[1][:5]
    assert c["restarted"] == 1 and c["total"] == 2, c


def test_reordered_requests_are_no_restart(tmp):
    key = os.path.join(tmp, "k")
    with open(key, "w") as f:
        f.write(os.urandom(32).hex() + "\n")
    for keyed in ([], ["--key", key]):
        refl, rport = start_reflector(*keyed)
        relay, port, truth = start_relay(tmp, rport, "--reorder-up", "10%", "--seed", 7)
        rj = os.path.join(tmp, "r.json")
        r = ub("--peer", "127.0.0.1:%d" % port, "-c", 2000, "-i", "1ms", "--json", rj, "-q",
               *keyed)
        assert r.returncode == 0, r.stderr
        t = finish_relay(relay, truth)
        s = load_json(rj)["summary"]
        code, _, err = stop(refl, signal.SIGTERM)
        c = parse_counters(err)
        print("  %s: the relay reordered %d requests; the sender got %d/%d (reordered up %s); "
              "reflector %s" % ("keyed" if keyed else "plain", t["up"]["reordered"],
                                s["received"], s["sent"], s["reordered_up"], c))
        assert t["up"]["reordered"] > 50, t["up"]  # there was reordering to tell apart
        assert c["restarted"] == 0 and c["replayed"] == 0 and c["total"] == 1, c
        assert planned(s, 2000) and s["received"] == s["sent"] and s["lost_up"] == 0, s
        assert s["reordered_up"] == t["up"]["reordered"], (s, t["up"])


# RFC 5357 §4.1.2: the least unauthenticated TWAMP-Test sender packet. Sequence Number,
# Timestamp (NTP), Error Estimate (S=1, Z=0, Scale 0, Multiplier 1): 14 octets, no padding.
def twamp_light_request(seq):
    return struct.pack("!IIIH", seq, 0xE91B2C3D, 0x40000000, 0x8001)


def no_datagram_waiting(s):
    """True when nothing has arrived on s (it is read without waiting)."""
    s.setblocking(False)
    try:
        s.recv(4096)
        return False
    except BlockingIOError:
        return True
    finally:
        s.setblocking(True)


def counters_once_received(refl, n, timeout=5.0):
    """Asks for the counter line (SIGUSR1) until it shows n datagrams received; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        refl.send_signal(signal.SIGUSR1)
        line = wait_line(refl.stderr, r"udpbench reflector: received .*").group(0)
        if parse_counters(line)["received"] >= n or time.monotonic() > deadline:
            return line


def test_twamp_light_14_octet_request(tmp):
    # Without --twamp-light: dropped, counted, and the counter line says what would answer it.
    refl, port = start_reflector("--no-tcp")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect(("127.0.0.1", port))
    s.send(twamp_light_request(5))
    line = counters_once_received(refl, 1)
    assert "received 1, reflected 0, short 0, " in line, line
    hint = "twamp-light 0, twamp-light unanswered 1 (--twamp-light answers them)"
    assert line.endswith(hint), line
    # The counter line came after the datagram was handled: no reply is on its way.
    assert no_datagram_waiting(s)
    stop(refl)

    # With it: RFC 5357 §4.2.1's 41-octet reflector packet, read here from the RFC's figure.
    refl, port = start_reflector("--no-tcp", "--twamp-light")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect(("127.0.0.1", port))
    replies = []
    for seq in (5, 6):
        s.send(twamp_light_request(seq))
        replies.append(s.recv(4096))
    code, _, err = stop(refl)
    c = parse_counters(err)
    print("  a 14-octet TWAMP-light request: replies of %s octets; reflector %s"
          % ([len(r) for r in replies], c))
    for k, r in enumerate(replies):
        assert len(r) == 41, len(r)
        rseq, t3s, t3f, ee, mbz, t2s, t2f, sseq, st1, sfrac, see, mbz2, ttl = struct.unpack(
            "!IIIHHIIIIIHHB", r)
        assert rseq == k, rseq                      # the reflector's own counter
        assert (sseq, st1, sfrac, see) == (5 + k, 0xE91B2C3D, 0x40000000, 0x8001)
        assert mbz == 0 and mbz2 == 0 and ttl == 64, (mbz, mbz2, ttl)
        assert t2s and 0 <= t3s - t2s <= 1, (t2s, t3s)
    assert c["received"] == 2 and c["reflected"] == 2 and c["twamp-light"] == 2, c
    assert c["twamp-light unanswered"] == 0 and c["short"] == 0, c
    # A short request has no room for an HMAC: the option does not go with --key.
    key = os.path.join(tmp, "k")
    with open(key, "w") as f:
        f.write(os.urandom(32).hex() + "\n")
    r = ub("reflect", "--twamp-light", "--key", key, "--port", "0")
    assert r.returncode == 2 and "--twamp-light" in r.stderr and "--key" in r.stderr, r.stderr


def test_ptp_timestamps(tmp):
    refl, port = start_reflector("--no-tcp", "--timestamp", "ptp")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect(("127.0.0.1", port))
    s.send(request(1, 44))
    r = s.recv(4096)
    now = time.time()
    stop(refl)
    assert len(r) == 44, len(r)
    t3s, t3n, ee = struct.unpack_from("!IIH", r, 4)
    t2s, t2n = struct.unpack_from("!II", r, 16)
    # RFC 8762 §4.2.1: Z (the second bit of the error estimate) set says PTP format.
    assert ee & 0x4000, hex(ee)
    # PTP truncated: seconds since 1970 on the TAI scale, then nanoseconds (below 10^9).
    tai_minus_utc = round(time.clock_gettime(time.CLOCK_TAI) - time.time())
    assert t2n < 10**9 and t3n < 10**9, (t2n, t3n)
    t2 = t2s + t2n / 1e9 - tai_minus_utc
    t3 = t3s + t3n / 1e9 - tai_minus_utc
    print("  PTP reflector on loopback: T2 %.6f s, T3 %.6f s from the wall clock (TAI-UTC %d)"
          % (t2 - now, t3 - now, tai_minus_utc))
    assert abs(t2 - now) < 1 and abs(t3 - now) < 1, (t2 - now, t3 - now)
    assert 0 <= t3 - t2 < 0.1, t3 - t2
    # The sender's fields come back as they went.
    assert r[24:38] == request(1, 44)[0:14]
    r = ub("reflect", "--timestamp", "tai", "--port", "0")
    assert r.returncode == 2 and "--timestamp" in r.stderr, r.stderr
