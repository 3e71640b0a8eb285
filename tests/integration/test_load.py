"""Latency under load (send --load, reflect --allow-load).

Two network namespaces joined by a veth pair, with a 4 Mbit/s tbf bottleneck
on the way the load goes: the round trip under load grows many times over the
idle one (bufferbloat), and the octets the load moved are checked against a
capture taken where the bottleneck hands segments on (tcpdump on the ifb
device, read back by tcpdump: each octet of sequence space once, however often
it was sent), and its rate against the bottleneck's own byte counter (tc -s
qdisc), neither computed by udpbench.

The tbf sits on the receiving side's ingress (through an ifb device), where a
router's queue is on a real path; a queue on the sending host's own egress
counts in the round trip as well (send stamps are taken as a datagram enters
the interface's queue: test_netns covers that).

On loopback: a reflector without --allow-load refuses in one line and the
probes' result is complete; its caps end a load that asks for more; a peer
that only echoes TCP (an independent framed echo, and the 虚谷号's script)
is told apart from a refusal."""

import os
import re
import threading
import time

from harness import (PEERS, PYTHON, ROOT, Skip, load_json, need_root, need_tool, on_cleanup,
                     run, spawn, start_peer, start_reflector, stop, ub, wait_line)

RATE_BPS = 4000000
SENDER_IP, REFL_IP = "198.18.7.1", "198.18.7.2"
LOAD_ARGS = ["--load-idle", "1500ms", "--load-time", "4s"]


def make_bottleneck_pair(receiver):
    """Namespaces s and r joined by veth, a 4 Mbit/s tbf on the receiver's ingress
    (receiver "r" for upload, "s" for download); returns (names, veth, ifb)."""
    need_root("the namespaces of the latency-under-load test")
    need_tool("ip")
    need_tool("tc")
    need_tool("ss")
    tag = "ubld%d" % os.getpid()
    ns = {"s": tag + "s", "r": tag + "r"}
    dev = {"s": "ubld-s", "r": "ubld-r"}
    for n in ns.values():
        r = run(["ip", "netns", "add", n])
        if r.returncode != 0:
            raise Skip("cannot make a network namespace: " + r.stderr.strip())
        on_cleanup(lambda n=n: run(["ip", "netns", "del", n]))
    ifb = "ubld-ifb"
    rx = ns[receiver]
    steps = [["ip", "-n", ns["s"], "link", "add", dev["s"], "type", "veth", "peer", "name",
              dev["r"], "netns", ns["r"]],
             ["ip", "-n", ns["s"], "addr", "add", SENDER_IP + "/24", "dev", dev["s"]],
             ["ip", "-n", ns["r"], "addr", "add", REFL_IP + "/24", "dev", dev["r"]]]
    steps += [["ip", "-n", ns[k], "link", "set", d, "up"]
              for k in "sr" for d in (dev[k], "lo")]
    # wire-size packets, as a real link carries them
    steps += [["ip", "netns", "exec", ns[k], PYTHON, os.path.join(PEERS, "plain_offloads.py"),
               dev[k]] for k in "sr"]
    steps += [["ip", "-n", rx, "link", "add", ifb, "type", "ifb"],
              ["ip", "-n", rx, "link", "set", ifb, "up"],
              ["tc", "-n", rx, "qdisc", "add", "dev", dev[receiver], "handle", "ffff:", "ingress"],
              ["tc", "-n", rx, "filter", "add", "dev", dev[receiver], "parent", "ffff:", "protocol",
               "all", "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect",
               "dev", ifb],
              # 4 Mbit/s with 150 ms of queue behind it: deep enough to bloat
              ["tc", "-n", rx, "qdisc", "add", "dev", ifb, "root", "tbf", "rate", "4mbit",
               "burst", "4kb", "latency", "150ms"]]
    for argv in steps:
        r = run(argv)
        if r.returncode != 0:
            raise Skip("cannot build the bottleneck (%s): %s" % (" ".join(argv[:6]),
                                                                  r.stderr.strip()))
    return ns, ifb


class Sampler:
    """Reads, every 50 ms until stopped, the octets and packets the bottleneck
    passed (tc -s qdisc), each reading bracketed by the clock just before and
    after its command: on a busy machine a command can take a good part of a second."""

    def __init__(self, netns, ifb):
        self.netns, self.ifb = netns, ifb
        self.samples = []  # (before ns, after ns, octets, packets)
        self.halt = threading.Event()
        self.th = threading.Thread(target=self.loop, daemon=True)

    def one(self):
        t0 = time.time_ns()
        tc = run(["tc", "-n", self.netns, "-s", "qdisc", "show", "dev", self.ifb],
                 timeout=10).stdout
        t1 = time.time_ns()
        m = re.search(r"Sent (\d+) bytes (\d+) pkt", tc)
        self.samples.append((t0, t1, int(m.group(1)), int(m.group(2))))

    def loop(self):
        deadline = time.monotonic() + 60
        while not self.halt.is_set() and time.monotonic() < deadline:
            self.one()
            self.halt.wait(0.05)

    def __enter__(self):
        self.th.start()
        return self

    def __exit__(self, *exc):
        self.halt.set()
        self.th.join(timeout=10)


def rate_bounds(readings, t_from, t_to):
    """From bracketed readings (before ns, after ns, counter...) of counters that only
    grow, the first and the last inside [t_from, t_to]: per counter, the least and
    the most it can have grown a second between them. Each was read at some moment
    inside its bracket, so the growth is divided by the longest and by the shortest
    time the two moments can be apart."""
    inside = [r for r in readings if t_from <= (r[0] + r[1]) // 2 <= t_to]
    assert len(inside) >= 10, (len(readings), len(inside))
    a, b = inside[0], inside[-1]
    longest, shortest = (b[1] - a[0]) / 1e9, (b[0] - a[1]) / 1e9
    assert shortest > 0.6 * (t_to - t_from) / 1e9, (shortest, a[:2], b[:2])
    return [((y - x) / longest, (y - x) / shortest) for x, y in zip(a[2:], b[2:])]


def capture(netns, dev, port, path):
    """tcpdump on dev in netns, the load's TCP port only; returns once it listens."""
    need_tool("tcpdump")
    p = spawn(["ip", "netns", "exec", netns, "tcpdump", "-i", dev, "-n", "-U", "-s", "128",
               "-w", path, "tcp port %d" % port])
    wait_line(p.stderr, r"listening on", timeout=10)
    return p


SEGMENT = re.compile(r"^(\d+)\.(\d{6}) IP6? (\S+)\.(\d+) > (\S+)\.(\d+): .*?seq (\d+):(\d+),")


def octets_arrived(path, port, to_port, t_from, t_to):
    """Read back by tcpdump: the octets of sequence space the load's segments
    carried past the bottleneck between t_from and t_to (wall ns), on every
    connection to (to_port) or from the port. Returns (each octet counted once
    however often it was sent; only those from where each connection's
    data began up to its first gap: what its receiver had in order)."""
    r = run(["tcpdump", "-nn", "-S", "-tt", "-r", path], timeout=30)
    assert r.returncode == 0, r.stderr
    got = {}  # connection: [first seq, [(from, to) offsets]]
    for line in r.stdout.splitlines():
        m = SEGMENT.match(line)
        if not m:
            continue
        ts = int(m.group(1)) * 1000000000 + int(m.group(2)) * 1000
        dport = int(m.group(6)) if to_port else int(m.group(4))
        if dport != port or not t_from <= ts <= t_to:
            continue
        seq, end = int(m.group(7)), int(m.group(8))
        conn = got.setdefault(m.group(3, 4, 5, 6), [seq, []])
        lo = (seq - conn[0]) % (1 << 32)
        conn[1].append((lo, lo + (end - seq) % (1 << 32)))
    total = in_order = 0
    for _, spans in got.values():
        spans.sort()
        reach, gap = spans[0][0], False
        for lo, hi in spans:
            gap = gap or lo > reach
            if hi > reach:
                total += hi - max(lo, reach)
                in_order += 0 if gap else hi - max(lo, reach)
                reach = hi
    return total, in_order


def bufferbloat(tmp, direction):
    receiver = "r" if direction == "up" else "s"
    ns, ifb = make_bottleneck_pair(receiver)
    refl, port = start_reflector("--allow-load", bind=REFL_IP, netns=ns["r"])
    rj = os.path.join(tmp, "r.json")
    pcap = os.path.join(tmp, "bottleneck.pcap")
    dump = capture(ns[receiver], ifb, port, pcap)
    with Sampler(ns[receiver], ifb) as smp:
        r = ub("--peer", "%s:%d" % (REFL_IP, port), "--load", direction, *LOAD_ARGS,
               "--json", rj, "-q", netns=ns["s"], timeout=60)
    stop(dump)
    stop(refl)
    assert r.returncode == 0, (r.returncode, r.stderr)
    res = load_json(rj)
    load = res["summary"]["load"]
    assert load["direction"] == direction and load["ran"] and load["ended"] == "plan", load
    idle, loaded = load["rtt_idle_ns"], load["rtt_loaded_ns"]
    # Must show: the loaded median at least 5 times the idle one
    assert loaded["median"] >= 5 * idle["median"], (idle, loaded)
    got = load["throughput_bps"][direction]
    other = load["throughput_bps"]["down" if direction == "up" else "up"]
    assert other is None, load["throughput_bps"]
    assert 2.5e6 <= got <= 4.4e6, got
    # ground truth over the loaded phase, as the JSON places it from slot 0
    t0 = res["params"]["start_time_ns"]
    span = (t0 + load["loaded_from_ns"], t0 + load["loaded_to_ns"])
    # what crossed the bottleneck in the loaded phase, each octet once: up, what the
    # reflector has, acknowledged or selectively acknowledged; down, what the sender's
    # kernel has in order (beyond a gap a drop left, it has not counted them yet)
    every, in_order = octets_arrived(pcap, port, direction == "up", *span)
    arrived = every if direction == "up" else in_order
    moved = load["bytes"][direction]
    assert abs(moved - arrived) <= 0.05 * arrived, (moved, arrived)
    assert abs(got - moved * 8e9 / (span[1] - span[0])) <= 0.01 * got, (got, moved, span)
    (wire_lo, wire_hi), (pps_lo, _) = rate_bounds(smp.samples, *span)
    wire_lo, wire_hi = wire_lo * 8, wire_hi * 8
    # the bottleneck passed about 4 Mbit/s (frames with their Ethernet header) and no
    # more than it carried can have arrived: TCP/IP headers are 66 octets a packet
    assert wire_hi >= 0.85 * RATE_BPS and wire_lo <= 1.05 * RATE_BPS, (wire_lo, wire_hi)
    assert got <= (wire_hi - 66 * 8 * pps_lo) * 1.05, (got, wire_hi, pps_lo)
    # the chart's series: throughput bin by bin over the loaded phase, nothing outside it
    series = load["series"]
    assert series and all(b[direction + "_bps"] == 0 for b in series if b["phase"] == "idle")
    inner = [b for b in series if b["phase"] == "loaded"]
    assert sum(b[direction + "_bps"] for b in inner) / len(inner) > 2e6, inner
    print("  %s: rtt median idle %.3f ms, loaded %.1f ms; throughput %.2f Mbit/s, %d octets "
          "(capture %d, with what was beyond a gap %d); bottleneck wire %.2f..%.2f Mbit/s"
          % (direction, idle["median"] / 1e6, loaded["median"] / 1e6, got / 1e6, moved, arrived, every,
             wire_lo / 1e6, wire_hi / 1e6))
    return load


def test_load_up_bufferbloat_tbf(tmp):
    bufferbloat(tmp, "up")


def test_load_down_bufferbloat_tbf(tmp):
    bufferbloat(tmp, "down")


def test_reflector_without_allow_load_refuses_in_one_line(tmp):
    refl, port = start_reflector()
    rj = os.path.join(tmp, "r.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "--load", "up", "--load-idle", "300ms",
           "--load-time", "1s", "--json", rj, "-q")
    # the same line in Chinese for a classroom; the JSON keeps it in English
    zh = ub("--peer", "127.0.0.1:%d" % port, "--load", "up", "--load-idle", "300ms",
            "--load-time", "1s", "--lang", "zh", "-q")
    _, _, err = stop(refl)
    zl = [x for x in zh.stderr.splitlines() if x.strip()]
    assert zh.returncode == 1 and len(zl) == 1 and "不允许负载" in zl[0], zl
    assert "负载下时延（上行）：未运行：反射端" in zh.stdout, zh.stdout
    assert r.returncode == 1, (r.returncode, r.stderr)
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "does not allow load" in lines[0] and "--allow-load" in lines[0], lines
    s = load_json(rj)["summary"]
    # the probes ran the whole plan and every one came back
    assert s["sent"] >= 150 and s["received"] == s["sent"], (s["sent"], s["received"])
    assert s["load"]["ran"] is False and "does not allow load" in s["load"]["error"]
    assert s["load"]["throughput_bps"] == {"up": 0, "down": None}
    assert "latency under load (up): not run" in r.stdout, r.stdout
    # the first connection's answer settles it: no more are asked for
    assert re.search(r"load asked 2, refused 2, ended at the cap 0", err), err


def test_caps_end_a_load_session(tmp):
    refl, port = start_reflector("--allow-load", "--load-max-duration", "1s",
                                 "--load-max-rate", "8M")
    rj = os.path.join(tmp, "r.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "--load", "down", "--load-idle", "300ms",
           "--load-time", "3s", "--load-streams", "2", "--json", rj)
    # both ways under one cap: neither starves the other
    bj = os.path.join(tmp, "both.json")
    rb = ub("--peer", "127.0.0.1:%d" % port, "--load", "both", "--load-idle", "300ms",
            "--load-time", "1s", "--load-streams", "2", "--json", bj, "-q")
    _, _, err = stop(refl)
    assert rb.returncode == 0, rb.stderr
    tb = load_json(bj)["summary"]["load"]["throughput_bps"]
    assert tb["up"] >= 2e6 and tb["down"] >= 2e6, tb
    assert r.returncode == 0, r.stderr
    assert "the reflector allows 1s of load a connection" in r.stderr, r.stderr
    load = load_json(rj)["summary"]["load"]
    assert load["ended"] == "cap" and load["granted_ns"] == 1000000000, load
    span = load["loaded_to_ns"] - load["loaded_from_ns"]
    assert 0.9e9 <= span <= 1.5e9, span
    assert "ended the load at its cap" in r.stdout, r.stdout
    # the rate cap holds over all connections together: 8 Mbit/s and a burst
    assert 3e6 <= load["throughput_bps"]["down"] <= 8.8e6, load["throughput_bps"]
    m = re.search(r"load asked (\d+), refused (\d+), ended at the cap (\d+), open (\d+), "
                  r"bytes sunk (\d+), bytes sourced (\d+)", err)
    assert m and m.groups()[:2] == ("6", "0") and m.group(4) == "0", err
    assert int(m.group(3)) >= 2, m.group(0)
    # 1 s at 8 Mbit/s for the download run, at most 1 s more shared with the upload
    assert int(m.group(6)) <= 2 * 8e6 / 8 + 200000, m.group(0)
    # the report draws it: round trip and throughput over time, the load shaded
    out = os.path.join(tmp, "rep")
    r = ub("report", rj, "-o", out, "--lang", "en")
    assert r.returncode == 0, r.stderr
    assert os.path.getsize(os.path.join(out, "load-r.png")) > 10000
    with open(os.path.join(out, "gnuplot", "r-load.dat")) as f:
        rows = [x.split() for x in f if not x.startswith("#")]
    loaded = [float(x[4]) for x in rows if load["loaded_from_ns"] / 1e9 <= float(x[0])
              and float(x[0]) + 0.25 <= load["loaded_to_ns"] / 1e9]
    assert loaded and all(v > 1 for v in loaded), rows
    with open(os.path.join(out, "gnuplot", "load-r.set.gp")) as f:
        assert "Latency under load" in f.read()


def test_echo_only_peers_are_told_from_a_refusal(tmp):
    # an independent framed TCP echo beside an independent STAMP reflector, on one port
    refl, port = start_peer("stamp_reflector.py", tmp)
    echo, _ = start_peer("tcp_echo.py", tmp, "--port", str(port))
    rj = os.path.join(tmp, "r.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "--load", "both", "--load-idle", "300ms",
           "--load-time", "1s", "--json", rj, "-q")
    stop(echo)
    stop(refl)
    assert r.returncode == 1, (r.returncode, r.stderr)
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "only echoes TCP" in lines[0], lines
    s = load_json(rj)["summary"]
    assert s["received"] == s["sent"] >= 150, (s["sent"], s["received"])
    assert "only echoes TCP" in s["load"]["error"]
    # the 虚谷号's reflector script: STAMP on UDP, a byte echo on TCP
    vv = spawn([PYTHON, os.path.join(ROOT, "peers", "vvboard", "udpbench_reflector.py"),
                "--bind", "127.0.0.1", "--port", "0", "--max-seconds", "60"])
    port = int(wait_line(vv.stderr, r"listening on \S+:(\d+) ", timeout=10).group(1))
    r = ub("--peer", "127.0.0.1:%d" % port, "--load", "up", "--load-idle", "300ms",
           "--load-time", "1s", "--json", rj, "-q")
    stop(vv)
    assert r.returncode == 1, (r.returncode, r.stderr)
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "only echoes TCP" in lines[0], lines
    s = load_json(rj)["summary"]
    assert s["received"] == s["sent"] >= 150 and s["lost_up"] == 0, s


def test_load_options_are_checked(tmp):
    for args, word in ((["--load", "sideways"], "--load 'sideways'"),
                       (["--load-time", "2s"], "need --load"),
                       (["--load", "up", "-c", "100"], "not --count"),
                       (["--load", "up", "-d", "2s"], "--duration"),
                       (["--load", "up", "--load-streams", "17"], "--load-streams"),
                       (["--load", "up", "--load-idle", "31s"], "--load-idle")):
        r = ub("--peer", "127.0.0.1:9", *args)
        assert r.returncode == 2 and word in r.stderr, (args, r.returncode, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = ub("reflect", "--allow-load", "--no-tcp")
    assert r.returncode == 2 and "--allow-load" in r.stderr, r.stderr


def test_bufferbloat_uplink_scenario_runs_its_load(tmp):
    need_root("the packet-level link of the bufferbloat-uplink scenario")
    out = os.path.join(tmp, "bb")
    # 6 s: 1.5 s idle, 3 s of upload, 1.5 s idle
    r = ub("scenario", "run", "bufferbloat-uplink", "-o", out, "-c", 600, "-q", timeout=120)
    assert r.returncode == 0, r.stderr
    if not os.path.exists(os.path.join(out, "truth-udp.json")):
        with open(os.path.join(out, "summary.txt")) as f:
            text = f.read()
        # only a packet-level link that cannot be made here excuses a run without its load
        assert "the load was left out" in text, text
        raise Skip("no packet-level link here: " + text.strip().splitlines()[-1])
    res = load_json(os.path.join(out, "udp.json"))
    load = res["summary"]["load"]
    assert load["ran"] and load["direction"] == "up" and load["ended"] == "plan", load
    assert res["summary"]["sent"] == 600, res["summary"]["sent"]
    # 8 ms each way idle; behind 80 packets of upload at 1 Mbit/s, hundreds of ms
    assert 15e6 <= load["rtt_idle_ns"]["median"] <= 30e6, load["rtt_idle_ns"]
    assert load["rtt_loaded_ns"]["median"] >= 5 * load["rtt_idle_ns"]["median"], load
    assert 0.5e6 <= load["throughput_bps"]["up"] <= 1.0e6, load["throughput_bps"]
    truth = load_json(os.path.join(out, "truth-udp.json"))
    # the emulator carried the load too, and its one queue overflowed
    assert truth["up"]["in"] > res["summary"]["sent"] + 300, truth["up"]
    assert truth["up"]["queue_dropped"] > 0, truth["up"]
    assert os.path.getsize(os.path.join(out, "report", "load-udp.png")) > 10000
    # the report's table puts idle beside loaded, for comparing setups
    with open(os.path.join(out, "report", "summary.md")) as f:
        md = f.read()
    assert re.search(r"\| RTT median idle → under load \| [\d.]+ ms → [\d.]+ ms \|", md), md
    assert re.search(r"\| load throughput \| up 0\.\d+ Mbit/s \|", md), md
    with open(os.path.join(out, "summary.txt")) as f:
        text = f.read()
    assert "upload throughput" in text and "count the load's packets too" in text, text
    # too short a run for load: the probes run alone, and the summary says why
    out = os.path.join(tmp, "short")
    r = ub("scenario", "run", "bufferbloat-uplink", "-o", out, "-c", 100, "-q", timeout=60)
    assert r.returncode == 0, r.stderr
    assert "load" not in load_json(os.path.join(out, "udp.json"))["summary"]
    with open(os.path.join(out, "summary.txt")) as f:
        assert "the load was left out" in f.read()


def test_allow_load_leaves_the_tcp_echo_alone(tmp):
    import socket
    import struct
    refl, port = start_reflector("--allow-load")
    # a frame as long as an ask but without its magic, split across two writes: echoed as it came
    frame = struct.pack("!H", 32) + b"UBLOAX" + bytes(range(26))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(frame[:5])
        s.sendall(frame[5:] + frame)
        got = b""
        while len(got) < 2 * len(frame):
            chunk = s.recv(4096)
            assert chunk, got
            got += chunk
    assert got == frame + frame, got
    # udpbench --tcp probes beside it: every one echoed
    rj = os.path.join(tmp, "t.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "--tcp", "-c", 50, "-i", "5ms", "--json", rj, "-q")
    _, _, err = stop(refl)
    assert r.returncode == 0, r.stderr
    assert load_json(rj)["summary"]["received"] == 50
    assert "load asked" not in err, err
