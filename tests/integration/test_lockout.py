"""Floods that once locked senders out of the reflector: thousands of new
sessions from one address or from many, and a captured authenticated request
replayed from thousands of source ports. A sender that measures meanwhile
(udpbench's own, its JSON the figures) must get its probes answered and an
exact up/down split; the reflector's counters say what it dropped and why.
Replays are counted against what the test itself sent, and (as root, the
forged ports leave a raw socket) against the reflector's counters."""

import json
import os
import socket
import threading
import time

from harness import (PEERS, PYTHON, UDPBENCH, load_json, need_root, spawn, start_reflector, stop,
                     planned)
from test_flood import (assert_adds_up, auth_request, check_auth_reply, parse_counters,
                        snapshot, stamp_request)

FLOOD_PPS = 6000


def wait_received(refl, at_least, timeout=15.0):
    """Waits (bounded) until the reflector has read at least that many datagrams; returns its counters."""
    deadline = time.monotonic() + timeout
    while True:
        c = snapshot(refl)
        if c["received"] >= at_least:
            return c
        assert time.monotonic() < deadline, "the reflector read only %r" % c
        time.sleep(0.05)  # between two looks at a counter that is known to grow


class Flood(threading.Thread):
    """Sends requests of many sessions, round after round, at FLOOD_PPS until stopped (or 30 s)."""

    def __init__(self, port, sources, ssids):
        super().__init__(daemon=True)
        self.port, self.ssids = port, ssids
        self.socks = []
        for ip in sources:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((ip, 0))
            s.setblocking(False)
            self.socks.append(s)
        self.halt = threading.Event()
        self.sent = 0

    def run(self):
        t0 = time.monotonic()
        n = 0
        while not self.halt.is_set() and time.monotonic() - t0 < 30:
            for _ in range(60):  # 60 every 10 ms
                sock = self.socks[n % len(self.socks)]
                ssid = self.ssids[(n // len(self.socks)) % len(self.ssids)]
                try:
                    sock.sendto(stamp_request(n // (len(self.socks) * len(self.ssids)), 44, ssid),
                                ("127.0.0.1", self.port))
                    self.sent += 1
                except BlockingIOError:
                    pass
                n += 1
            for sock in self.socks:  # the replies are of no interest: keep the buffers empty
                try:
                    while True:
                        sock.recv(2048)
                except (BlockingIOError, ConnectionRefusedError):
                    pass
            wait = t0 + n / FLOOD_PPS - time.monotonic()
            if wait > 0:
                time.sleep(wait)  # pacing the flood

    def finish(self):
        self.halt.set()
        self.join(timeout=10)
        for s in self.socks:
            s.close()


def measure(tmp, name, port, count, *extra):
    """Starts udpbench's sender (a session from 127.0.0.1); returns (process, json path)."""
    rj = os.path.join(tmp, name + ".json")
    p = spawn([UDPBENCH, "--peer", "127.0.0.1:%d" % port, "-c", str(count), "-i", "10ms",
               "--json", rj, "-q"] + list(extra))
    return p, rj


def result(p, rj):
    _, err = p.communicate(timeout=60)
    assert p.returncode == 0, err.decode(errors="replace")
    return load_json(rj)["summary"]


def during_flood(refl, flood, at_least, measure_now):
    """Starts flood and, once the reflector has read at_least datagrams, calls measure_now();
    returns what it returned and the reflector's counters at exit (checked to add up)."""
    flood.start()
    try:
        wait_received(refl, at_least)
        got = measure_now()
    finally:
        flood.finish()
    code, _, err = stop(refl)
    assert code == 0, err
    c = parse_counters(err)
    assert_adds_up(c)
    return got, c


def test_ssids_from_one_address_lock_no_one_out(tmp):
    refl, port = start_reflector()
    flood = Flood(port, ["127.0.0.2"], list(range(1, 4201)))
    # Once the table (4096) would be full of sessions heard within the last second.
    s, c = during_flood(refl, flood, 4200, lambda: result(*measure(tmp, "during", port, 300)))
    print("  4200 SSIDs from 127.0.0.2 (%d requests): the sender got %d/%d, lost up/down %s/%s; "
          "reflector %s" % (flood.sent, s["received"], s["sent"], s["lost_up"], s["lost_down"], c))
    assert planned(s, 300) and s["received"] >= 285, s
    assert s["lost_up"] == 0 and s["lost_down"] == s["lost"], s
    # The flooding address holds at most its 64 sessions; the measuring one its own.
    assert c["sessions"] <= 64 + 1, c


def test_sessions_from_many_addresses_lock_no_one_out(tmp):
    refl, port = start_reflector()
    # A session that measures before the flood, and one that begins during it.
    before = measure(tmp, "before", port, 700)
    flood = Flood(port, ["127.0.0.%d" % x for x in range(10, 210)], list(range(1, 26)))

    def both():
        s_during = result(*measure(tmp, "during", port, 300))
        return result(*before), s_during

    # Once every one of the 5000 flood sessions has begun.
    (s_before, s_during), c = during_flood(refl, flood, 5000 + 100, both)
    print("  5000 sessions from 200 addresses (%d requests): the sender from before got %d/%d "
          "(lost up %s), the one from during %d/%d (lost up %s); reflector %s"
          % (flood.sent, s_before["received"], s_before["sent"], s_before["lost_up"],
             s_during["received"], s_during["sent"], s_during["lost_up"], c))
    for s in (s_before, s_during):
        assert s["received"] >= 0.95 * s["sent"], s
        assert s["lost_up"] == 0 and s["lost_down"] == s["lost"], s
    assert c["evicted"] > 0, c  # the table really was full


def key_file(tmp):
    key = os.urandom(32)
    path = os.path.join(tmp, "stamp.key")
    with open(path, "w") as f:
        f.write(key.hex() + "\n")
    return key, path


def test_signed_request_replayed_is_answered_once(tmp):
    key, path = key_file(tmp)
    refl, port = start_reflector("--key", path)
    req = auth_request(key, 5, 112)
    first = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    first.settimeout(2)
    first.connect(("127.0.0.1", port))
    first.send(req)
    check_auth_reply(key, req, first.recv(2048))
    # Captured and sent again: 50 times from its own port, 50 from ports of its own.
    others = []
    for i in range(100):
        if i < 50:
            first.send(req)
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.connect(("127.0.0.1", port))
            s.send(req)
            others.append(s)
    c = wait_received(refl, 101)
    answered = 0
    for s in [first] + others:
        s.settimeout(0.2 if s is first else 0.01)
        try:
            while True:
                s.recv(2048)
                answered += 1
        except socket.timeout:
            pass
    print("  one signed request sent 101 times: answered once, then %d more; reflector %s"
          % (answered, c))
    assert answered == 0, answered
    assert c["reflected"] == 1 and c["replayed"] == 100, c
    assert_adds_up(c)


def test_keyed_sender_during_a_replay_flood(tmp):
    need_root("forging 4300 source ports with a raw socket")
    key, path = key_file(tmp)
    refl, port = start_reflector("--key", path)
    # A request an attacker captured from an earlier run, whose session is long over.
    req = auth_request(key, 0, 112, ssid=1234)
    spoofer = spawn([PYTHON, os.path.join(PEERS, "spoof_udp.py"), "--src",
                     "127.0.0.2:20000-24299", "--dst", "127.0.0.1:%d" % port,
                     "--payload-hex", req.hex(), "--count", str(FLOOD_PPS * 10),
                     "--rate", str(FLOOD_PPS), "--max-seconds", "12"])
    try:
        wait_received(refl, 4300)  # every forged port has been heard from
        p, rj = measure(tmp, "keyed", port, 300, "--key", path)
        s = result(p, rj)
    finally:
        code, out, _ = stop(spoofer)
    flood = json.loads(out.strip().splitlines()[-1])
    c = wait_received(refl, flood["sent"] + s["sent"])
    code, _, err = stop(refl)
    assert code == 0, err
    print("  replay flood: %d copies of one signed request from 4300 ports in %.1f s; the keyed "
          "sender got %d/%d (lost up %s); reflector %s"
          % (flood["sent"], flood["seconds"], s["received"], s["sent"], s["lost_up"], c))
    assert flood["sent"] >= 4300 + 300, flood
    assert planned(s, 300) and s["received"] >= 285, s
    assert s["lost_up"] == 0, s
    # The first copy was answered (it was new here), every later one dropped as a replay.
    assert c["reflected"] == 1 + s["received"], c
    assert c["replayed"] == flood["sent"] - 1, (c, flood)
    assert_adds_up(parse_counters(err))
