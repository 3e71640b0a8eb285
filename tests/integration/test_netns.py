"""Loss measured against ground truth udpbench did not compute: nftables
counters of random drops, in a network namespace the test creates."""

import json
import os
import re
import subprocess
import time
import uuid

from harness import (PEERS, PYTHON, Skip, load_json, need_root, need_tool, on_cleanup, run,
                     start_reflector, stop, ub, planned)


def make_netns():
    need_root("a network namespace")
    need_tool("nft")
    name = "ubtest-%s" % uuid.uuid4().hex[:8]
    r = run(["ip", "netns", "add", name])
    if r.returncode != 0:
        raise Skip("cannot create a network namespace: %s" % r.stderr.strip())
    on_cleanup(lambda: run(["ip", "netns", "del", name]))
    r = run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"])
    assert r.returncode == 0, r.stderr
    return name


def make_pair():
    """Two namespaces joined by a veth pair: the sender's and the reflector's hosts."""
    sender, refl = make_netns(), make_netns()
    a, b = "ubs%s" % sender[-6:], "ubr%s" % refl[-6:]
    for cmd in (["ip", "link", "add", a, "type", "veth", "peer", "name", b],
                ["ip", "link", "set", a, "netns", sender],
                ["ip", "link", "set", b, "netns", refl],
                ["ip", "netns", "exec", sender, "ip", "addr", "add", "198.18.0.1/24", "dev", a],
                ["ip", "netns", "exec", refl, "ip", "addr", "add", "198.18.0.2/24", "dev", b],
                ["ip", "netns", "exec", sender, "ip", "link", "set", a, "up"],
                ["ip", "netns", "exec", refl, "ip", "link", "set", b, "up"]):
        r = run(cmd)
        if r.returncode != 0:
            raise Skip("cannot build a veth pair between namespaces: %s" % r.stderr.strip())
    return sender, refl


def nft(ns, *args):
    r = run(["ip", "netns", "exec", ns, "nft"] + list(args))
    assert r.returncode == 0, (args, r.stderr)
    return r.stdout


def counters(ns):
    """Packets counted by each rule, by the rule's comment."""
    out = json.loads(nft(ns, "-j", "list", "table", "inet", "ubtest"))
    got = {}
    for item in out["nftables"]:
        rule = item.get("rule")
        if not rule:
            continue
        for expr in rule["expr"]:
            if "counter" in expr:
                got[rule.get("comment", "")] = expr["counter"]["packets"]
    return got


def test_random_drops_match_nft_counters(tmp):
    ns = make_netns()
    refl, port = start_reflector(netns=ns)
    nft(ns, "add", "table", "inet", "ubtest")
    nft(ns, "add", "chain", "inet", "ubtest", "in", "{ type filter hook input priority 0 ; }")
    # On loopback every datagram passes input once: requests towards the
    # reflector (up) and replies from it (down) are dropped independently.
    nft(ns, "add", "rule", "inet", "ubtest", "in", "udp", "dport", str(port), "numgen", "random",
        "mod", "100", "<", "5", "counter", "drop", "comment", '"up"')
    nft(ns, "add", "rule", "inet", "ubtest", "in", "udp", "sport", str(port), "numgen", "random",
        "mod", "100", "<", "8", "counter", "drop", "comment", '"down"')
    rj = os.path.join(tmp, "r.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 3000, "-i", "1ms", "--timeout", "200ms",
           "--json", rj, "-q", netns=ns)
    assert r.returncode == 0, r.stderr
    c = counters(ns)
    s = load_json(rj)["summary"]
    up, down = c["up"], c["down"]
    assert up > 50 and down > 100, c  # the impairment really happened
    # a busy host may skip a slot (never a lost probe): count what left
    assert s["sent"] + s["schedule"]["skipped"] == 3000, s["schedule"]
    assert s["lost"] == up + down, (s["lost"], c)
    assert s["received"] == s["sent"] - up - down
    # Replies dropped after the last one that arrived leave no gap in the
    # reflector's counter: those few are counted upstream.
    assert s["lost_down"] <= down and s["lost_up"] >= up, (s["lost_up"], s["lost_down"], c)
    assert s["lost_up"] - up <= 3, (s["lost_up"], up)
    assert s["lost_up"] + s["lost_down"] == s["lost"]
    assert s["reordered"] == 0 and s["duplicates"] == 0
    assert s["loss_bursts"]["count"] > 0
    _, _, err = stop(refl)
    m = re.search(r"received (\d+), reflected (\d+)", err)
    # The reflector's own count of what reached it agrees with nftables.
    assert int(m.group(1)) == s["sent"] - up, (m.group(0), up)


def test_two_hosts_nft_drops_match_lost_up_and_down(tmp):
    sender, reflns = make_pair()
    refl, port = start_reflector(bind="198.18.0.2", netns=reflns)
    n = 3000
    for ns, chain_rule, name in (
            # Upstream: requests dropped as they reach the reflector's host.
            (reflns, ["udp", "dport", str(port)], "up"),
            # Downstream: replies dropped as they reach the sender's host; the last
            # 10 probes' replies (sender seq at UDP payload offset 24) are spared, so
            # no drop falls after the last reply that arrives, where no reflector
            # counter could tell it from an upstream one.
            (sender, ["udp", "sport", str(port), "@th,256,32", "<", str(n - 10)], "down")):
        nft(ns, "add", "table", "inet", "ubtest")
        nft(ns, "add", "chain", "inet", "ubtest", "in", "{ type filter hook input priority 0 ; }")
        nft(ns, "add", "rule", "inet", "ubtest", "in", *chain_rule, "numgen", "random", "mod", "100",
            "<", "6", "counter", "drop", "comment", '"%s"' % name)
    rj = os.path.join(tmp, "r.json")
    # STAMP probes: the downstream rule reads the sender's number at offset 24 as binary
    r = ub("--peer", "198.18.0.2:%d" % port, "-c", n, "-i", "1ms", "--timeout", "300ms",
           "--mode", "stamp", "--json", rj, "-q", netns=sender)
    assert r.returncode == 0, r.stderr
    up, down = counters(reflns)["up"], counters(sender)["down"]
    s = load_json(rj)["summary"]
    assert up > 60 and down > 60, (up, down)
    assert (s["lost_up"], s["lost_down"]) == (up, down), (s["lost_up"], s["lost_down"], up, down)
    # a busy host may skip a slot (never a lost probe): count what left
    assert s["sent"] + s["schedule"]["skipped"] == n, s["schedule"]
    assert s["lost"] == up + down and s["received"] == s["sent"] - up - down, s


def test_udp_gaps_tcp_waits_on_the_same_lossy_link(tmp):
    sender, reflns = make_pair()
    refl, port = start_reflector(bind="198.18.0.2", netns=reflns)
    # 5 % of packets dropped each way on the test port, UDP and TCP alike (th = either).
    for ns, match, name in ((reflns, ["th", "dport", str(port)], "up"),
                            (sender, ["th", "sport", str(port)], "down")):
        nft(ns, "add", "table", "inet", "ubtest")
        nft(ns, "add", "chain", "inet", "ubtest", "in", "{ type filter hook input priority 0 ; }")
        nft(ns, "add", "rule", "inet", "ubtest", "in", *match, "numgen", "random", "mod", "100",
            "<", "5", "counter", "drop", "comment", '"%s"' % name)
    res = {}
    for proto in ("udp", "tcp"):
        rj = os.path.join(tmp, "%s.json" % proto)
        args = ["--peer", "198.18.0.2:%d" % port, "-c", 500, "-i", "10ms", "--json", rj, "-q"]
        if proto == "tcp":
            args.append("--tcp")
        r = ub(*args, netns=sender)
        assert r.returncode == 0, (proto, r.stderr)
        res[proto] = load_json(rj)["summary"]
    udp, tcp = res["udp"], res["tcp"]
    # UDP: the ordinary letter — losses stay lost.
    assert udp["lost"] > 0 and udp["tcp_retransmits"] is None, udp
    # TCP: the registered letter — nothing lost, but resent, and the waiting shows.
    assert tcp["lost"] == 0 and tcp["received"] == 500, tcp
    assert tcp["tcp_retransmits"] > 0, tcp
    assert tcp["rtt_ns"]["p99"] > udp["rtt_ns"]["p99"], (tcp["rtt_ns"], udp["rtt_ns"])


def test_full_interface_queue_is_counted_not_fatal(tmp):
    """A 1 Mbit/s token bucket on the namespace's loopback: probes at 40 Mbit/s
    overflow its queue; with IP_RECVERR each drop is a counted send error."""
    ns = make_netns()
    r = run(["ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", "lo", "root", "tbf",
             "rate", "1mbit", "burst", "4k", "latency", "20ms"])
    if r.returncode != 0:
        raise Skip("no tbf qdisc: %s" % r.stderr.strip())
    refl, port = start_reflector("--no-tcp", "--max-rate", "0", netns=ns)
    rj = os.path.join(tmp, "r.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 4000, "-i", "20us", "-s", 1000,
           "--timeout", "300ms", "--json", rj, "-q", netns=ns)
    assert r.returncode == 0, r.stderr
    _, _, err = stop(refl)
    got = int(re.search(r"received (\d+)", err).group(1))
    s = load_json(rj)["summary"]
    assert planned(s, 4000) and s["received"] + s["lost"] == s["sent"], s
    assert s["send_errors"] > 0, s
    # A probe the kernel refused never left: the reflector saw at most the rest.
    assert got <= 4000 - s["send_errors"], (got, s["send_errors"])
    assert s["lost"] >= s["send_errors"], s


UPLOAD = """
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end, sent, gap = time.monotonic() + float(sys.argv[2]), 0, 1400 * 8 / 6e6
while time.monotonic() < end and sent < 5000:
    try:
        s.sendto(b"u" * 1400, (sys.argv[1], 9))
    except OSError:
        pass
    sent += 1
    time.sleep(gap)
"""


def test_a_queue_on_this_host_counts_in_the_round_trip(tmp):
    """A 4 Mbit/s token bucket on the sender's own uplink, kept full by a 6 Mbit/s
    UDP upload from the same host: the probes wait in that queue behind the
    upload, and the round trip must say so. Ground truth: an independent STAMP
    sender (stamp_sender.py, T1 read from the clock as it sends) run beside
    udpbench through the same queue, and tc's own backlog."""
    sender, reflns = make_pair()
    dev = "ubs%s" % sender[-6:]
    r = run(["ip", "netns", "exec", sender, "tc", "qdisc", "add", "dev", dev, "root", "tbf",
             "rate", "4mbit", "burst", "4k", "limit", "100k"])
    if r.returncode != 0:
        raise Skip("no tbf qdisc: %s" % r.stderr.strip())
    refl, port = start_reflector("--no-tcp", bind="198.18.0.2", netns=reflns)
    up = subprocess.Popen(["ip", "netns", "exec", sender, PYTHON, "-c", UPLOAD, "198.18.0.2",
                           "6"])
    on_cleanup(lambda: (up.kill(), up.wait()))
    # the queue is full (100 KB is 200 ms at 4 Mbit/s) before the probes start
    deadline, backlog = time.monotonic() + 3, 0
    while time.monotonic() < deadline and backlog < 60000:
        q = run(["ip", "netns", "exec", sender, "tc", "-s", "qdisc", "show", "dev", dev]).stdout
        m = re.search(r"backlog (\d+)b", q)
        backlog = int(m.group(1)) if m else 0
        time.sleep(0.05)
    assert backlog >= 60000, q
    pj, rj = os.path.join(tmp, "py.json"), os.path.join(tmp, "ub.json")
    py = subprocess.Popen(["ip", "netns", "exec", sender, PYTHON,
                           os.path.join(PEERS, "stamp_sender.py"), "--peer", "198.18.0.2",
                           "--port", str(port), "--count", "100", "--interval", "0.02",
                           "--timeout", "1", "--json", pj], stdout=subprocess.DEVNULL)
    r = ub("--peer", "198.18.0.2:%d" % port, "-c", 100, "-i", "20ms", "--json", rj, "-q",
           netns=sender)
    assert r.returncode == 0, r.stderr
    assert py.wait(timeout=30) == 0
    stop(refl)
    mine, theirs = load_json(rj)["summary"]["rtt_ns"]["median"], load_json(pj)["rtt_ns_median"]
    print("  a full 100 KB queue at 4 Mbit/s: udpbench median %.1f ms, stamp_sender.py %.1f ms"
          % (mine / 1e6, theirs / 1e6))
    assert theirs > 100e6, theirs  # the queue was there for both
    assert abs(mine - theirs) < 0.2 * theirs, (mine, theirs)
