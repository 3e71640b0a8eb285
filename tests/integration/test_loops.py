"""Reflection loops. One datagram with a forged source — a reflector's own
address and port, or another reflector's — must not set reflectors
answering each other, or themselves, for ever: the loop dies within a few
packets. Counted by the reflectors, by nftables in a namespace the test
makes, and by the independent peers (written from the RFC text) that take
part in the loop. The forged datagrams leave a raw socket
(peers/spoof_udp.py), only towards loopback."""

import json
import os
import signal
import struct
import time

from harness import PEERS, PYTHON, need_root, run, start_peer, start_reflector, stop
from test_flood import assert_adds_up, parse_counters, snapshot
from test_netns import counters, make_netns, nft

WINDOW_S = 3.0        # how long a loop is given to go on
LOOP_BOUND = 20       # replies the reflectors may send in that time, all together
SPOOF_TTL = 77        # tells the forged datagrams from the reflectors' replies (TTL 64)
NTP_UNIX = 2208988800


def request_hex(seq=0):
    """A STAMP sender packet (RFC 8762 §4.2.1): seq, T1 now (NTP), error estimate, SSID, zeros."""
    now = time.time()
    t1 = (int(now) + NTP_UNIX) << 32 | int((now % 1) * (1 << 32))
    return (struct.pack("!IQHH", seq, t1, 0x0001, 0) + bytes(28)).hex()


def spoof(src, dst, netns=None):
    """Sends one forged request from src ("ip:port") to dst; returns how many left."""
    argv = [PYTHON, os.path.join(PEERS, "spoof_udp.py"), "--src", src, "--dst", dst,
            "--payload-hex", request_hex(), "--ttl", str(SPOOF_TTL)]
    if netns:
        argv = ["ip", "netns", "exec", netns] + argv
    r = run(argv, timeout=30)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])["sent"]


def test_one_spoofed_datagram_self_and_pair(tmp):
    need_root("forging a source address with a raw socket")
    ns = make_netns()
    # No rate cap: only the loop rules can stop a loop here.
    a, pa = start_reflector("--max-rate", "0", "--no-tcp", netns=ns)
    b, pb = start_reflector("--max-rate", "0", "--no-tcp", netns=ns)
    ports = "{ %d, %d }" % (pa, pb)
    nft(ns, "add", "table", "inet", "ubtest")
    nft(ns, "add", "chain", "inet", "ubtest", "out", "{ type filter hook output priority 0 ; }")
    # On loopback every datagram passes output once: the replies (from a
    # reflector's port, the kernel's TTL) and the forged ones (TTL 77).
    nft(ns, "add", "rule", "inet", "ubtest", "out", "ip", "ttl", "!=", str(SPOOF_TTL), "udp",
        "sport", ports, "counter", "comment", '"reflected"')
    nft(ns, "add", "rule", "inet", "ubtest", "out", "ip", "ttl", str(SPOOF_TTL), "udp", "dport",
        ports, "counter", "comment", '"forged"')
    sent = 0
    # Self: each reflector's own address and port. Pair: A is told B asked.
    sent += spoof("127.0.0.1:%d" % pa, "127.0.0.1:%d" % pa, ns)
    sent += spoof("127.0.0.1:%d" % pb, "127.0.0.1:%d" % pb, ns)
    sent += spoof("127.0.0.1:%d" % pb, "127.0.0.1:%d" % pa, ns)
    t_spoofed = time.monotonic()
    assert sent == 3
    time.sleep(WINDOW_S)  # the measurement window: what the loop does in 3 s
    nft_counts = counters(ns)
    ca, cb = snapshot(a), snapshot(b)
    took = time.monotonic() - t_spoofed
    for p in (a, b):
        code, _, err = stop(p, signal.SIGTERM, timeout=10)
        assert code == 0, err
    print("  loop: 3 forged datagrams; in %.1f s nftables counted %s; reflector A %s; B %s"
          % (took, nft_counts, ca, cb))
    assert nft_counts["forged"] == 3, nft_counts
    assert nft_counts["reflected"] <= LOOP_BOUND, nft_counts
    assert ca["reflected"] + cb["reflected"] <= LOOP_BOUND, (ca, cb)
    # Both reflectors did get the forged datagrams (and whatever came back), and say why they stopped.
    assert ca["received"] >= 2 and cb["received"] >= 1, (ca, cb)
    assert ca["reflected"] + cb["reflected"] == nft_counts["reflected"], (ca, cb, nft_counts)
    assert ca["from itself"] == 1 and cb["from itself"] == 1, (ca, cb)
    assert cb["looks like a reply"] >= 1, cb
    assert_adds_up(ca)
    assert_adds_up(cb)


def peer_counts(p):
    code, out, err = stop(p, signal.SIGTERM, timeout=10)
    assert code == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_loop_with_independent_peers_dies(tmp):
    need_root("forging a source address with a raw socket")
    # Default settings: the rate cap alone would let a loop run at 20000 a second.
    for script, args, answered in (("stamp_reflector.py", [], "reflected"),
                                   ("stamp_reflector.py", ["--stateless"], "reflected"),
                                   ("echo.py", [], "echoed")):
        refl, port = start_reflector("--no-tcp")
        peer, pport = start_peer(script, tmp, *args)
        # Each is told the other asked.
        assert spoof("127.0.0.1:%d" % pport, "127.0.0.1:%d" % port) == 1
        assert spoof("127.0.0.1:%d" % port, "127.0.0.1:%d" % pport) == 1
        time.sleep(2.0)  # the window in which a loop would run
        pc = peer_counts(peer)
        code, _, err = stop(refl, signal.SIGTERM)
        assert code == 0, err
        c = parse_counters(err)
        print("  %s %s: the peer counted %s; udpbench %s" % (script, " ".join(args), pc, c))
        # udpbench answers the forged request (and, from an echo, the forged one echoed
        # back); the peer answers its forged one and udpbench's replies. Then it stops.
        assert c["reflected"] <= 3 and pc[answered] <= 3, (c, pc)
        assert c["looks like a reply"] >= 1, c
        assert pc["received"] >= 1, pc
        assert_adds_up(c)
        os.remove(os.path.join(tmp, "%s.ready" % script))
