"""The link emulator: udpbench's own figures, measured through `udpbench relay`,
held against the relay's truth log. The sender and the reflector are the real
binary; everything stays on loopback."""

import csv
import os
import re
import select
import shutil
import signal
import socket
import time

from harness import (LINK_PORTS, LINK_REFLECTOR, Skip, load_json, packet_link_namespaces, spawn,
                     start_peer, start_reflector, stop, trailing_down_drops, ub, UDPBENCH,
                     wait_line)

# Its queue and delay figures are timed: it runs alone (run.py -j).
SERIAL = True

SENDER_FIGURES = ("sent", "received", "lost", "lost_up", "lost_down", "late", "duplicates",
                  "reordered", "reordered_up", "reordered_down")
COUNTERS = ("in", "out", "dropped", "duplicated", "reordered", "delayed", "queue_dropped", "held")


class Link:
    """One emulator with a reflector behind it: the socket relay on loopback
    ("relay"), or the packet-level link between namespaces ("packet")."""

    def __init__(self, tmp, kind):
        self.tmp, self.kind = tmp, kind
        if kind == "packet":
            self.ns = packet_link_namespaces()
            self.refl, self.rport = start_reflector(bind=LINK_REFLECTOR, netns=self.ns["r"])
            self.host, self.port = LINK_REFLECTOR, self.rport
        else:
            self.ns = None
            self.refl, self.rport = start_reflector()
        self.relay = None

    def start(self, *opts, name="truth"):
        if self.kind == "packet":
            self.truth = os.path.join(self.tmp, name + ".json")
            self.relay = spawn(["ip", "netns", "exec", self.ns["l"], UDPBENCH, "relay",
                                "--between", LINK_PORTS, "--truth", self.truth]
                               + [str(o) for o in opts])
            wait_line(self.relay.stderr, r"relay carrying every packet between ")
        else:
            self.relay, self.port, self.truth = start_relay(self.tmp, self.rport, *opts, name=name)
            self.host = "127.0.0.1"

    def send(self, *args, name="run"):
        return send(self.tmp, self.port, *args, name=name, host=self.host,
                    netns=self.ns and self.ns["s"])

    def finish(self):
        return finish_relay(self.relay, self.truth)

    def stop(self):
        stop(self.refl)


def start_relay(tmp, target_port, *opts, name="truth", listen="127.0.0.1:0",
                target_host="127.0.0.1"):
    """Starts `udpbench relay` in front of target; returns (process, port, truth path)."""
    truth = os.path.join(tmp, name + ".json")
    argv = [UDPBENCH, "relay", "--listen", listen, "--to", "%s:%d" % (target_host, target_port),
            "--truth", truth] + [str(o) for o in opts]
    p = spawn(argv)
    m = wait_line(p.stderr, r"relay listening on \S+:(\d+) -> ")
    return p, int(m.group(1)), truth


def finish_relay(p, truth):
    """Stops the relay as the lead's CLI does at SIGTERM; returns the truth log."""
    code, _, err = stop(p, signal.SIGTERM)
    assert code == 0, err
    assert os.path.exists(truth), "no truth log written: " + err
    return load_json(truth)


def send(tmp, port, *args, name="run", host="127.0.0.1", netns=None):
    rj, rc = os.path.join(tmp, name + ".json"), os.path.join(tmp, name + ".csv")
    r = ub("--peer", "%s:%d" % (host, port), "--json", rj, "--csv", rc, "-q", *args, netns=netns)
    assert r.returncode == 0, r.stderr
    with open(rc, newline="") as f:
        rows = list(csv.DictReader(f))
    return load_json(rj)["summary"], rows


def check_loss_and_delay(tmp, kind):
    link = Link(tmp, kind)
    link.start("--loss-up", "10%", "--loss-down", "5%", "--delay", "2ms", "--seed", 7)
    s, _ = link.send("--count", 4000, "--interval", "1ms", "--timeout", "500ms")
    t = link.finish()

    assert t["seed"] == 7 and t["flows"] == 1, t["seed"]
    assert t["up"]["in"] == 4000 and t["down"]["in"] == t["up"]["out"], (t["up"], t["down"])
    # Seeded 10 % and 5 %: far inside binomial bounds (sd 19 and 14).
    assert 300 <= t["up"]["dropped"] <= 500 and 80 <= t["down"]["dropped"] <= 260, t
    trailing = trailing_down_drops(t)
    assert s["lost"] == t["up"]["dropped"] + t["down"]["dropped"], (s, t["up"], t["down"])
    assert s["lost_up"] == t["up"]["dropped"] + trailing, (s["lost_up"], t["up"], trailing)
    assert s["lost_down"] == t["down"]["dropped"] - trailing, (s["lost_down"], t["down"], trailing)
    assert s["received"] == t["down"]["out"] and s["late"] == 0
    assert t["up"]["delayed"] == t["up"]["out"] and t["down"]["delayed"] == t["down"]["out"]
    # 2 ms each way; the reflector's own time is taken out by STAMP (T3 - T2).
    # The relay's own latency on top is small, but not bounded on a busy
    # virtual machine or under AddressSanitizer: 2 ms of slack.
    assert 4000000 <= s["rtt_ns"]["median"] <= 6000000, s["rtt_ns"]
    # Never faster than the two added delays (a few us of slack: the kernel's
    # wall-clock stamps are mapped to the monotonic clock on both sides).
    assert s["rtt_ns"]["min"] >= 4000000 - 50000, s["rtt_ns"]
    link.stop()


def test_loss_and_delay_match_truth(tmp):
    check_loss_and_delay(tmp, "relay")


def test_packet_link_loss_and_delay_match_truth(tmp):
    check_loss_and_delay(tmp, "packet")


def check_duplicates_and_reordering(tmp, kind):
    link = Link(tmp, kind)
    link.start("--duplicate", "3%", "--reorder", "8%", "--seed", 11)
    s, rows = link.send("--count", 2000, "--interval", "1ms")
    t = link.finish()

    assert t["up"]["dropped"] == 0 and t["down"]["dropped"] == 0 and s["lost"] == 0, s
    assert t["up"]["duplicated"] > 20 and t["down"]["duplicated"] > 20, t
    assert t["up"]["reordered"] > 50 and t["down"]["reordered"] > 50, t
    # Every reply that left the relay arrived: the first copy or an extra one.
    assert s["received"] + s["duplicates"] == t["down"]["out"], (s, t["down"])
    # Upstream: the sender numbers in the order the reflector counted them.
    assert s["reordered_up"] == t["up"]["reordered"], (s["reordered_up"], t["up"])

    # Downstream: the reflector's numbers in the order they reached the sender,
    # every copy counted as it crossed the relay, duplicates removed first.
    assert s["reordered_down"] == t["down"]["reordered"], (s["reordered_down"], t["down"])
    held = [e for e in t["events"] if e["action"] == "hold"]
    assert len(held) == t["up"]["held"] + t["down"]["held"]
    link.stop()


def test_duplicates_and_reordering_match_truth(tmp):
    check_duplicates_and_reordering(tmp, "relay")


def test_packet_link_duplicates_and_reordering_match_truth(tmp):
    check_duplicates_and_reordering(tmp, "packet")


def check_deep_reordering(tmp, kind):
    # Replies overtaken by up to about a hundred others on the way back (50 ms
    # +- 40 ms at 1 ms a probe), with loss both ways: the reflector's counter
    # comes back far out of order, yet it never started again.
    link = Link(tmp, kind)
    link.start("--delay-down", "50ms", "--jitter-down", "40ms", "--loss-up", "3%",
               "--loss-down", "3%", "--seed", 5)
    s, rows = link.send("--count", 3000, "--interval", "1ms")
    t = link.finish()
    link.stop()

    assert t["down"]["reordered"] > 1000 and t["up"]["reordered"] == 0, (t["up"], t["down"])
    assert s["reflector_restarts"] == [], s["reflector_restarts"]
    trailing = trailing_down_drops(t)
    assert s["lost_up"] == t["up"]["dropped"] + trailing, (s["lost_up"], t["up"], trailing)
    assert s["lost_down"] == t["down"]["dropped"] - trailing, (s["lost_down"], t["down"])
    assert s["reordered_up"] == t["up"]["reordered"] == 0, s["reordered_up"]
    assert s["reordered_down"] == t["down"]["reordered"], (s["reordered_down"], t["down"])
    # The CSV carries the reflector's own counter: every value once, none twice.
    counters = [int(r["refl_seq"]) for r in rows if r["status"] == "ok"]
    assert len(counters) == len(set(counters)) == s["received"]


def test_fifo_delay_model_jitter_keeps_order(tmp):
    # 30 ms +- 20 ms each way at 1 ms a probe: drawn on their own (as tc-netem
    # does) the delays put many packets past each other; as a Wi-Fi station's
    # queue (fifo) each waits behind the one before it and none is passed.
    refl, rport = start_reflector()
    got = {}
    for model in ("independent", "fifo"):
        relay, port, truth = start_relay(tmp, rport, "--delay", "30ms", "--jitter", "20ms",
                                         "--delay-model", model, "--seed", 9, name=model)
        s, _ = send(tmp, port, "--count", 1500, "--interval", "1ms", name=model)
        t = finish_relay(relay, truth)
        assert t["config"]["up"]["delay_model"] == t["config"]["down"]["delay_model"] == model
        # A sender running late skips slots (under a sanitizer): count what was sent.
        assert s["lost"] == 0 and s["received"] == s["sent"] == t["up"]["in"] > 1000, s
        assert s["reordered_up"] == t["up"]["reordered"], (model, s["reordered_up"], t["up"])
        assert s["reordered_down"] == t["down"]["reordered"], (model, s["reordered_down"], t["down"])
        got[model] = (s, t)
    stop(refl)

    s, t = got["independent"]
    assert t["up"]["reordered"] > 300 and t["down"]["reordered"] > 300, (t["up"], t["down"])
    s, t = got["fifo"]
    assert s["reordered"] == 0 and t["up"]["reordered"] == t["down"]["reordered"] == 0, (s, t)
    # The delays the truth log gives are the ones the packets had: never below
    # what was drawn (10 ms at the least), and each one later than the one before.
    for d in ("up", "down"):
        ev = [e for e in t["events"] if e["dir"] == d and e["action"] == "delay"]
        assert len(ev) == s["sent"], (d, len(ev))
        assert min(e["delay_ns"] for e in ev) >= 10000000, d
        leave = [e["t_ns"] + e["delay_ns"] for e in sorted(ev, key=lambda e: e["seq"])]
        assert leave == sorted(leave), d
    # No faster than the fastest draw; waiting behind slow ones only adds.
    assert s["rtt_ns"]["min"] >= 20000000 - 50000, s["rtt_ns"]


def test_fifo_delay_model_other_impairments_match_truth(tmp):
    # Under fifo only --reorder reorders, and the sender's figures per
    # direction are the truth log's. Two links: losses both ways without
    # --reorder; then --reorder with losses only on the way there (a reply
    # lost on the way back would hide how its probe had arrived). Copies only
    # on the way back: a copy of a probe gets a number of its own from the
    # reflector, and were its reply lost, the sender would see a reply lost.
    common = ("--delay", "20ms", "--jitter", "15ms", "--jitter-dist", "pareto",
              "--delay-model", "fifo", "--duplicate-down", "2%", "--seed", 13)
    links = {"lossy": ("--loss-up", "3%", "--loss-burst-down", "1%,30%"),
             "reordering": ("--loss-burst-up", "1%,30%", "--reorder", "2%")}
    refl, rport = start_reflector()
    for name, opts in links.items():
        relay, port, truth = start_relay(tmp, rport, *(common + opts), name=name)
        s, _ = send(tmp, port, "--count", 2000, "--interval", "1ms", name=name)
        t = finish_relay(relay, truth)

        assert t["up"]["dropped"] > 10 and t["down"]["duplicated"] > 10, (name, t["up"], t["down"])
        assert t["up"]["duplicated"] == 0, (name, t["up"])
        trailing = trailing_down_drops(t)
        assert s["lost"] == t["up"]["dropped"] + t["down"]["dropped"], (name, s, t["up"], t["down"])
        assert s["lost_up"] == t["up"]["dropped"] + trailing, (name, s["lost_up"], t["up"], trailing)
        assert s["lost_down"] == t["down"]["dropped"] - trailing, (name, s["lost_down"], t["down"])
        assert s["received"] + s["duplicates"] == t["down"]["out"], (name, s, t["down"])
        assert s["reordered_up"] == t["up"]["reordered"], (name, s["reordered_up"], t["up"])
        assert s["reordered_down"] == t["down"]["reordered"], (name, s["reordered_down"], t["down"])
        for d in ("up", "down"):
            # Each packet put out of order is one held back, and none other.
            assert t[d]["reordered"] <= t[d]["held"], (name, d, t[d])
            if name == "reordering":
                assert t[d]["held"] > 10 and t[d]["reordered"] > 10, (name, d, t[d])
            else:
                assert t[d]["held"] == t[d]["reordered"] == 0, (name, d, t[d])
        if name == "lossy":
            assert t["down"]["dropped"] > 10, t["down"]
    stop(refl)


def test_deep_reordering_is_no_restart(tmp):
    check_deep_reordering(tmp, "relay")


def test_packet_link_deep_reordering_matches_truth(tmp):
    check_deep_reordering(tmp, "packet")


def run_seeded(tmp, rport, seed, name):
    relay, port, truth = start_relay(tmp, rport, "--loss", "5%", "--loss-burst", "1%,60%",
                                     "--delay", "1ms", "--duplicate", "3%", "--reorder", "8%",
                                     "--seed", seed, name=name)
    # No jitter: it reorders two packets sent close together (a late send
    # catching up, the two replies to a duplicate) by timing, not by seed.
    # And a held packet is passed by two later ones long before its 50 ms
    # bound: that would take 11 losses in a row, out of reach of short bursts.
    s, _ = send(tmp, port, "--count", 300, "--interval", "4ms", "--timeout", "300ms", name=name)
    return s, finish_relay(relay, truth)


def test_same_seed_same_truth(tmp):
    refl, rport = start_reflector()
    # The same seed gives the same link only for the same packets: a slot the
    # sender was too busy to keep (schedule.skipped) changes the input, so such a
    # pair is made again (at most three times).
    for attempt in range(3):
        s1, t1 = run_seeded(tmp, rport, 42, "a%d" % attempt)
        s2, t2 = run_seeded(tmp, rport, 42, "b%d" % attempt)
        if s1["schedule"]["skipped"] == s2["schedule"]["skipped"] == 0:
            break
    assert s1["schedule"]["skipped"] == s2["schedule"]["skipped"] == 0, "this host kept no schedule"
    s3, t3 = run_seeded(tmp, rport, 43, "c")

    def fates(t):
        # Each direction in its own order: how the two interleave is timing.
        return [[(e["flow"], e["seq"], e["action"], e.get("reason"), e["delay_ns"])
                 for e in t["events"] if e["dir"] == d] for d in ("up", "down")]

    for d in ("up", "down"):
        assert [t1[d][k] for k in COUNTERS] == [t2[d][k] for k in COUNTERS], (d, t1[d], t2[d])
    assert t1["up"]["dropped"] > 0 and t1["up"]["duplicated"] > 0 and t1["up"]["held"] > 0
    assert fates(t1) == fates(t2)
    assert [s1[k] for k in SENDER_FIGURES] == [s2[k] for k in SENDER_FIGURES], (s1, s2)
    # Another seed, another link.
    assert fates(t1) != fates(t3)
    stop(refl)


def test_rate_limit_queue_drops_and_bufferbloat(tmp):
    refl, rport = start_reflector()
    relay, port, truth = start_relay(tmp, rport, "--rate", "1mbit", "--queue", 10, "--seed", 3)
    s, rows = send(tmp, port, "--count", 400, "--interval", "0.5ms", "--size", 1000,
                   "--timeout", "2s")
    t = finish_relay(relay, truth)

    qdrops = [e for e in t["events"] if e["action"] == "queue_drop"]
    # 16 Mbit/s offered to a 1 Mbit/s link: most probes find the queue full.
    assert len(qdrops) == t["up"]["queue_dropped"] == t["up"]["dropped"] > 300, t["up"]
    assert s["lost"] == t["up"]["dropped"] + t["down"]["dropped"], (s, t)
    trailing = trailing_down_drops(t)
    assert s["lost_up"] == t["up"]["dropped"] + trailing, (s, t["up"])
    # A 1028-byte datagram takes 8.2 ms at 1 Mbit/s: the first one goes
    # straight through both ways; later ones wait behind ten in the queue.
    rtts = [int(r["rtt_ns"]) for r in rows if r["status"] == "ok"]
    assert rtts[0] < 30000000, rtts[:5]
    assert max(rtts) > 80000000 and max(rtts) > 4 * rtts[0], (rtts[0], max(rtts))
    assert max(rtts) < 150000000, max(rtts)
    stop(refl)


def test_two_senders_two_flows(tmp):
    refl, rport = start_reflector()
    relay, port, truth = start_relay(tmp, rport, "--delay", "1ms", "--seed", 5)
    runs = []
    for name in ("one", "two"):
        rj = os.path.join(tmp, name + ".json")
        runs.append((spawn([UDPBENCH, "--peer", "127.0.0.1:%d" % port, "--count", "500",
                            "--interval", "2ms", "--json", rj, "-q"]), rj))
    for p, rj in runs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        s = load_json(rj)["summary"]
        assert s["sent"] == 500 and s["received"] == 500 and s["lost"] == 0, s
        assert s["duplicates"] == 0 and s["reordered"] == 0, s
    t = finish_relay(relay, truth)
    assert t["flows"] == 2, t["flows"]
    assert t["up"]["in"] == t["up"]["out"] == 1000 and t["down"]["out"] == 1000, t
    stop(refl)


def test_ipv6_and_datagrams_that_are_not_stamp(tmp):
    try:
        probe = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        probe.bind(("::1", 0))
        probe.close()
    except OSError as exc:
        raise Skip("no IPv6 loopback: %s" % exc)
    echo = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    echo.bind(("::1", 0))
    echo.settimeout(2)
    relay, port, truth = start_relay(tmp, echo.getsockname()[1], "--seed", 1,
                                     listen="[::1]:0", target_host="[::1]")
    c = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    c.settimeout(2)
    sent = [b"", b"x", b"abc", b"\x00\x00\x00\x05hello", bytes(range(256)) * 20]
    for d in sent:
        c.sendto(d, ("::1", port))
        got, src = echo.recvfrom(65535)
        assert got == d, (d[:16], got[:16])
        echo.sendto(got[::-1], src)  # back through the relay's flow socket
        back = c.recv(65535)
        assert back == d[::-1]
    t = finish_relay(relay, truth)
    assert t["flows"] == 1 and t["up"]["in"] == t["up"]["out"] == len(sent), t["up"]
    assert t["down"]["in"] == t["down"]["out"] == len(sent), t["down"]
    assert t["listen"].startswith("[::1]:"), t["listen"]
    echo.close()
    c.close()


class StderrLog:
    """Everything a process wrote on stderr so far, read without blocking."""

    def __init__(self, p):
        self.p, self.text = p, ""
        os.set_blocking(p.stderr.fileno(), False)

    def wait_for(self, pattern, timeout=5.0, after=0):
        """Reads until pattern matches text from offset after on; returns the match."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.compile(pattern, re.M).search(self.text, after)
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %r within %.1fs; got %r" % (pattern, timeout, self.text))
            select.select([self.p.stderr], [], [], left)
            chunk = self.p.stderr.read()
            if chunk:
                self.text += chunk.decode(errors="replace")
            elif self.p.poll() is not None:
                raise AssertionError("relay exited: %r" % self.text)


def answered(socks, seen, timeout):
    """Waits up to timeout for replies on socks; adds each socket that got one to seen."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        waiting = [s for s in socks if s not in seen]
        if left <= 0 or not waiting:
            return
        r, _, _ = select.select(waiting, [], [], left)
        for s in r:
            s.recv(2048)
            seen.add(s)


def round_trip(sock, port, payload, timeout=5.0):
    sock.sendto(payload, ("127.0.0.1", port))
    sock.settimeout(timeout)
    data = sock.recv(2048)
    assert data == payload, (data, payload)


def test_flows_past_the_open_files_limit_are_refused_counted_and_said(tmp):
    """Under an open files limit of 64 the relay holds fewer flows than
    that; clients past them are refused, counted once each (equal to the
    test's own sockets that got no answer), said once on stderr with the
    remedy, and an established flow keeps working throughout. Once flows
    fall silent, a refused client gets the room of an idle one."""
    if not shutil.which("prlimit"):
        raise Skip("prlimit (util-linux) is not installed")
    echo, eport = start_peer("echo.py", tmp)
    truth = os.path.join(tmp, "truth.json")
    relay = spawn(["prlimit", "--nofile=64:64", "--", UDPBENCH, "relay", "--listen",
                   "127.0.0.1:0", "--to", "127.0.0.1:%d" % eport, "--truth", truth, "--seed", "1"])
    err = StderrLog(relay)
    m = err.wait_for(r"relay listening on \S+:(\d+) -> .* up to (\d+) flows \(open files limit (\d+)\)")
    port, most, limit = int(m.group(1)), int(m.group(2)), int(m.group(3))
    assert limit == 64 and 0 < most < 64, m.group(0)

    socks = []
    try:
        est = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        socks.append(est)
        est.bind(("127.0.0.1", 0))
        round_trip(est, port, b"established 0")
        burst = []
        for i in range(most + 20):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(s)
            s.bind(("127.0.0.1", 0))
            burst.append(s)
        for i, s in enumerate(burst):
            s.sendto(b"new %d" % i, ("127.0.0.1", port))
        round_trip(est, port, b"established 1")
        # every burst client is answered or refused: the relay's count settles on the rest
        got = set()
        deadline = time.monotonic() + 10
        while True:
            answered(burst, got, 0.2)
            mark = len(err.text)
            relay.send_signal(signal.SIGUSR1)
            m = err.wait_for(r"flows (\d+) \(alive \d+, at most \d+\), refused (\d+), evicted (\d+)",
                             after=mark)
            refused = int(m.group(2))
            if len(got) + refused == len(burst) or time.monotonic() > deadline:
                break
        unanswered = [s for s in burst if s not in got]
        assert refused == len(unanswered) > 0, (refused, len(unanswered), len(got))
        assert len(got) >= most - 1, (len(got), most)
        said = [l for l in err.text.splitlines() if "refusing new flows" in l]
        assert len(said) == 1, err.text
        assert "open files limit is 64" in said[0] and "ulimit -n" in said[0], said[0]

        # the established flow goes on; the burst's flows fall silent, and a
        # refused client, trying again, gets the room of one of them
        late = unanswered[0]
        deadline = time.monotonic() + 10
        n = 2
        while late not in got:
            assert time.monotonic() < deadline, "no room was made for a refused client"
            round_trip(est, port, b"established %d" % n)
            n += 1
            late.sendto(b"again", ("127.0.0.1", port))
            answered([late], got, 0.25)
        round_trip(est, port, b"established last")
    finally:
        code, _, rest = stop(relay, signal.SIGTERM)
        for s in socks:
            s.close()
    assert code == 0, err.text + rest
    t = load_json(truth)
    # each client that was refused counted once, however often it tried
    assert t["flows_refused"] == refused, (t["flows_refused"], refused)
    assert t["flows_evicted"] >= 1 and t["max_flows"] == most, t
    # the established flow was never pushed out: one flow for it, one per client served
    assert t["flows"] == 1 + len(got), (t["flows"], len(got))
    assert "refused %d" % refused in rest, rest


def test_relay_raises_its_open_files_limit(tmp):
    """The usual soft limit of 1024 open files would hold about 1,020
    flows: the relay raises it toward the hard limit and says how many
    flows it can hold."""
    if not shutil.which("prlimit"):
        raise Skip("prlimit (util-linux) is not installed")
    relay = spawn(["prlimit", "--nofile=1024:8192", "--", UDPBENCH, "relay", "--listen",
                   "127.0.0.1:0", "--to", "127.0.0.1:9"])
    err = StderrLog(relay)
    m = err.wait_for(r"up to (\d+) flows \(open files limit (\d+)\)")
    assert int(m.group(1)) == 4096 and 4096 < int(m.group(2)) <= 8192, m.group(0)
    code, _, rest = stop(relay, signal.SIGTERM)
    assert code == 0, err.text + rest
