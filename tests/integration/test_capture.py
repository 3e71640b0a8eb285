"""Live capture with --pcap: the file, the wire times, permissions, interruption."""

import os
import re
import signal
import subprocess
import time

from harness import (UDPBENCH, load_json, need_root, need_tool, run, spawn, start_reflector,
                     stop, ub, wait_line)


def tcpdump_count(path, port):
    r = run(["tcpdump", "-n", "-r", path, "udp port %d" % port])
    assert r.returncode == 0, r.stderr
    return len([l for l in r.stdout.splitlines() if l.strip()])


def test_pcap_holds_every_packet_and_stack_time(tmp):
    need_root("capturing on loopback")
    need_tool("tcpdump")
    refl, port = start_reflector()
    cap, rj = os.path.join(tmp, "c.pcap"), os.path.join(tmp, "live.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 1000, "-i", "1ms", "--pcap", cap, "--json", rj, "-q")
    assert r.returncode == 0, r.stderr
    # tcpdump, not udpbench, reads the file: 1000 probes and 1000 replies.
    assert tcpdump_count(cap, port) == 2000
    s = load_json(rj)["summary"]
    assert s["received"] == 1000
    c = s["capture"]
    assert c["iface"] == "lo" and c["written"] == 2000 and c["dropped"] == 0, c
    st = s["stack_ns"]
    # Every probe was seen on the wire both ways: the host's share of each RTT.
    assert st["n"] == 1000, st
    assert st["median"] < s["rtt_ns"]["median"] + 1000000, (st, s["rtt_ns"])


def test_pcap_after_sigint_is_readable(tmp):
    need_root("capturing on loopback")
    need_tool("tcpdump")
    refl, port = start_reflector()
    cap, rj = os.path.join(tmp, "c.pcap"), os.path.join(tmp, "r.json")
    p = spawn([UDPBENCH, "--peer", "127.0.0.1:%d" % port, "-c", "100000", "-i", "1ms",
               "--pcap", cap, "--json", rj, "-q"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (not os.path.exists(cap) or os.path.getsize(cap) < 20000):
        time.sleep(0.05)
    code, out, err = stop(p, signal.SIGINT)
    assert code == 0, err
    s = load_json(rj)["summary"]
    n = tcpdump_count(cap, port)
    assert s["interrupted"] and n >= 2 * s["received"] and n > 100, (n, s["received"])


def test_capture_without_permission_stops_before_sending(tmp):
    need_root("switching to an unprivileged user")
    need_tool("setpriv")
    refl, port = start_reflector()
    cap = os.path.join(tmp, "c.pcap")
    os.chmod(tmp, 0o777)
    r = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
             UDPBENCH, "--peer", "127.0.0.1:%d" % port, "-c", "10", "--pcap", cap])
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert r.stderr.strip() == ("udpbench: capturing needs root or CAP_NET_RAW: run as root or "
                                "setcap cap_net_raw+ep ./udpbench"), r.stderr
    _, _, err = stop(refl)
    assert "received 0," in err, err  # not a single probe left
