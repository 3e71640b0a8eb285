"""TCP timed like UDP: the kernel's send and receive stamps time each probe
on the TCP connection, so a sender the scheduler holds up does not show as
a slow link. The truth is the echo peer's own hold (tcp_echo.py answers each
message a fixed time after it came) and its count of messages."""

import csv
import json
import os
import re
import signal
import subprocess
import time

from harness import build_shim, load_json, shim_env, spawn, start_peer, start_reflector, stop, ub, UDPBENCH, planned

HOLD_MS = 30
INTERVAL_MS = 10
STOP_S = 0.15


def rtts_ms(path):
    with open(path, newline="") as f:
        return [int(r["rtt_ns"]) / 1e6 for r in csv.DictReader(f) if r["status"] == "ok"]


def peer_counts(p):
    _, out, _ = stop(p)
    return json.loads(out.strip().splitlines()[-1])


def test_sender_stopped_while_echoes_are_in_flight(tmp):
    count = 60
    peer, port = start_peer("tcp_echo.py", tmp, "--hold-ms", str(HOLD_MS), "--mark", "25")
    rj, rc = os.path.join(tmp, "s.json"), os.path.join(tmp, "s.csv")
    sender = spawn([UDPBENCH, "--peer", "127.0.0.1:%d" % port, "--tcp", "-c", str(count),
                    "-i", "%dms" % INTERVAL_MS, "--json", rj, "--csv", rc, "-q"])
    # The 25th message has come: the echoes of the three before it are held, in flight.
    deadline = time.monotonic() + 10
    line = b""
    while time.monotonic() < deadline and b"mark 25" not in line:
        line += os.read(peer.stdout.fileno(), 64)
    assert b"mark 25" in line, line
    os.kill(sender.pid, signal.SIGSTOP)
    time.sleep(STOP_S)  # the length of the stop itself, not a wait for anything
    os.kill(sender.pid, signal.SIGCONT)
    out, err = sender.communicate(timeout=30)
    assert sender.returncode == 0, err
    truth = peer_counts(peer)
    j = load_json(rj)
    s, p = j["summary"], j["params"]
    # No false figures: every probe sent reached the peer and came back,
    # nothing late (slots the sender skipped while it caught up are no probes).
    assert s["sent"] + s["schedule"]["skipped"] == count, s["schedule"]
    sent = s["sent"]
    assert truth["received"] == truth["echoed"] == sent, (truth, sent)
    assert s["received"] == sent and s["lost"] == 0 and s["late"] == 0, s
    # Retransmissions are TCP's own (a tail-loss probe when the peer's ACK
    # waits): counted from TCP_INFO, and they never make an RTT below wrong.
    assert s["tcp_retransmits"] is not None, s
    assert p["clock"] == "kernel_tx+kernel_rx", p["clock"]
    assert s["kernel_tx_stamps"] == sent and s["kernel_rx_stamps"] == sent, s
    rtt = sorted(rtts_ms(rc))
    median = rtt[len(rtt) // 2]
    # Every echo was held HOLD_MS by the peer: no RTT below that, and none
    # anywhere near the stop. Echoes that came while the sender was stopped
    # waited in one receive buffer, which keeps only its newest segment's
    # stamp: at most the few echoes in flight apart (INTERVAL_MS each), far
    # less than the stop.
    assert rtt[0] >= HOLD_MS - 1, rtt
    assert rtt[-1] < median + STOP_S * 1e3 / 2, (median, rtt[-5:])
    # The stop is the sender's own lateness, in the result and in the report's
    # table: the probes it sent late, and the slots too far behind to send.
    late = s["schedule"]["late_ns"]
    assert late["max"] >= STOP_S * 1e9 * 0.5, late
    rep = os.path.join(tmp, "rep")
    r = ub("report", rj, "-o", rep, "--lang", "en")
    assert r.returncode == 0, r.stderr
    with open(os.path.join(rep, "summary.md"), encoding="utf-8") as f:
        row = re.search(r"^\| sender lateness p99 \| ([0-9.]+) ms \|", f.read(), re.M)
    assert row and float(row.group(1)) >= STOP_S * 1e3 * 0.5, row
    r = ub("report", rj, "-o", rep + "-zh", "--lang", "zh")
    with open(os.path.join(rep + "-zh", "index.html"), encoding="utf-8") as f:
        assert "<th>发送时刻偏差 p99</th>" in f.read()


def test_tcp_clock_names_the_stamps_it_got(tmp):
    """params.clock and the stamp counts when the kernel gives both stamps,
    only receive stamps, or none: every reply falls back probe by probe."""
    so = build_shim(tmp, "tstamp")
    count, size = 80, 60
    cases = [(None, "kernel_tx+kernel_rx", count, count),
             ("rx_only", "monotonic+kernel_rx", 0, count),
             ("refuse", "monotonic", 0, 0)]
    for mode, clock, ntx, nrx in cases:
        refl, port = start_reflector()
        rj = os.path.join(tmp, "%s.json" % mode)
        env = dict(os.environ, LANG="C")
        if mode:
            env.update(shim_env(so, UB_TEST_TSTAMP=mode))
        r = subprocess.run([UDPBENCH, "--peer", "127.0.0.1:%d" % port, "--tcp", "-c", str(count),
                            "-i", "2ms", "-s", str(size), "--json", rj, "-q"],
                           capture_output=True, text=True, timeout=60, env=env)
        assert r.returncode == 0, (mode, r.stderr)
        _, _, err = stop(refl)
        # The reflector's own count: every framed probe (2 + size octets) came back.
        m = re.search(r"bytes echoed (\d+)", err)
        assert m and int(m.group(1)) == count * (2 + size), (mode, err)
        j = load_json(rj)
        s = j["summary"]
        assert planned(s, count) and s["sent"] == s["received"] and s["lost"] == 0, (mode, s)
        assert j["params"]["clock"] == clock, (mode, j["params"]["clock"])
        assert (s["kernel_tx_stamps"], s["kernel_rx_stamps"]) == (ntx, nrx), (mode, s)
        assert s["rtt_ns"]["min"] > 0 and s["rtt_ns"]["max"] < 1e9, (mode, s["rtt_ns"])
