"""udpbench against independent peers (tests/integration/peers, written from the
RFC text) in both directions, and its packets through Wireshark's TWAMP-Test
dissector."""

import json
import os
import subprocess
import time

from harness import (PEERS, PYTHON, Skip, load_json, need_root, need_tool, run, spawn,
                     start_peer, start_reflector, stop, ub, UDPBENCH)


def test_echo_server_gives_echo_mode(tmp):
    peer, port = start_peer("echo.py", tmp)
    rj = os.path.join(tmp, "r.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 300, "-i", "1ms", "--json", rj, "-q")
    assert r.returncode == 0, r.stderr
    j = load_json(rj)
    s = j["summary"]
    assert j["params"]["mode"] == "echo"
    assert s["received"] == 300 and s["lost"] == 0
    # A verbatim echo has no reflector counter and no T2/T3: those figures are unknown.
    for key in ("lost_up", "lost_down", "reordered_up", "reordered_down", "reflector_proc_ns"):
        assert s[key] is None, key
    assert s["rtt_ns"]["median"] > 0


def test_text_mode_against_utf8_echo_script(tmp):
    peer, port = start_peer("text_echo.py", tmp)
    rj = os.path.join(tmp, "r.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 300, "-i", "1ms", "--mode", "text",
           "-s", 100, "--json", rj, "-q")
    assert r.returncode == 0, r.stderr
    s = load_json(rj)["summary"]
    assert s["received"] == 300 and s["lost"] == 0 and s["lost_up"] is None
    code, out, _ = stop(peer)
    counts = json.loads(out.strip().splitlines()[-1])
    # Every probe decoded as UTF-8 in the classroom script.
    assert counts == {"received": 300, "decode_errors": 0}, counts


def test_independent_sender_against_udpbench_reflector(tmp):
    refl, port = start_reflector()
    out = os.path.join(tmp, "s.json")
    r = run([PYTHON, os.path.join(PEERS, "stamp_sender.py"), "--peer", "127.0.0.1",
             "--port", str(port), "--count", "200", "--interval", "0.002", "--size", "44",
             "--ssid", "0", "--ttl", "33", "--json", out])
    assert r.returncode == 0, r.stderr
    j = load_json(out)
    # A 44-byte TWAMP-light style sender is answered, reply for reply, at its own size.
    assert j["sent"] == 200 and j["received"] == 200 and j["invalid"] == 0, j
    assert j["reflector_seqs"] == list(range(200))
    assert set(j["sender_ttls"]) == {33}
    assert j["reply_sizes"] == [44]
    assert j["rtt_ns_median"] > 0


def test_udpbench_against_independent_reflector(tmp):
    for stateless in (False, True):
        peer, port = start_peer("stamp_reflector.py", tmp, *(["--stateless"] if stateless else []))
        rj, rc = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.csv")
        r = ub("--peer", "127.0.0.1:%d" % port, "-c", 300, "-i", "1ms", "--mode", "stamp",
               "--json", rj, "--csv", rc, "-q")
        assert r.returncode == 0, r.stderr
        s = load_json(rj)["summary"]
        assert s["received"] == 300 and s["lost"] == 0, s
        assert s["lost_up"] == 0 and s["lost_down"] == 0
        assert s["reflector_proc_ns"]["n"] == 300
        stop(peer)
        os.remove(os.path.join(tmp, "stamp_reflector.py.ready"))


def test_tshark_twamp_dissector(tmp):
    need_root("capturing on loopback")
    need_tool("tshark")
    refl, port = start_reflector()
    cap = os.path.join(tmp, "c.pcap")
    # dumpcap writes the file as it goes; -a duration bounds it in any case.
    dump = spawn(["tshark", "-q", "-i", "lo", "-f", "udp port %d" % port, "-w", cap,
                  "-a", "duration:20"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not os.path.exists(cap):
        time.sleep(0.05)
    time.sleep(0.5)  # dumpcap opens the file before its filter is live: give it a moment
    rc = os.path.join(tmp, "r.csv")
    # STAMP probes from the first (auto would send text probes a dissector reads as numbers too)
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 50, "-i", "2ms", "-s", 60, "--mode", "stamp",
           "--csv", rc, "-q")
    assert r.returncode == 0, r.stderr
    # Wait until dumpcap has written all 100 packets, then stop it.
    want = 100
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        n = run(["tshark", "-r", cap, "-c", str(want)]).stdout.count("\n")
        if n >= want:
            break
        time.sleep(0.1)
    stop(dump, timeout=10)
    fields = ["udp.srcport", "udp.dstport", "udp.length", "twamp.test.seq_number",
              "twamp.test.timestamp", "twamp.test.sender_seq_number",
              "twamp.test.sender_timestamp", "twamp.test.sender_ttl",
              "twamp.test.receive_timestamp"]
    argv = ["tshark", "-r", cap, "-d", "udp.port==%d,twamp.test" % port, "-T", "fields",
            "-E", "separator=|"]
    for f in fields:
        argv += ["-e", f]
    r = run(argv)
    assert r.returncode == 0, r.stderr
    lines = [l.split("|") for l in r.stdout.strip().splitlines()]
    requests = [l for l in lines if l[1] == str(port)]
    replies = [l for l in lines if l[0] == str(port)]
    assert len(requests) == 50 and len(replies) == 50, (len(requests), len(replies))
    assert [int(l[3]) for l in requests] == list(range(50))
    assert all(l[2] == str(8 + 60) for l in lines)  # UDP length: 60-byte probes both ways
    import csv
    rows = {int(x["seq"]): x for x in csv.DictReader(open(rc))}
    for l in replies:
        sseq = int(l[5])
        # The dissector finds the sender's sequence number and the reflector's own counter.
        assert int(l[3]) == int(rows[sseq]["refl_seq"])
        assert int(l[7]) == 64
    # Timestamps: the dissector shows the reply's copy of T1 equal to the request's T1.
    t1 = {int(l[3]): l[4] for l in requests}
    for l in replies:
        assert l[6] == t1[int(l[5])], (l[6], t1[int(l[5])])
    # T2 (receive timestamp) falls within a second of T1: decoded at the right offset.
    assert all(l[8] and l[8][:12] == l[6][:12] for l in replies), replies[0]


def test_foreign_replies_are_ignored_and_counted(tmp):
    import socket
    import threading
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.1", 0))
    srv.settimeout(0.2)
    port = srv.getsockname()[1]
    done = threading.Event()

    def serve():
        while not done.is_set():
            try:
                data, addr = srv.recvfrom(2048)
            except socket.timeout:
                continue
            # First a reply of another session (its SSID and T1 changed), then a short
            # datagram, then the verbatim echo: only the last one is ours.
            bad = bytearray(data)
            bad[4] ^= 0xFF
            bad[14] ^= 0xFF
            srv.sendto(bytes(bad), addr)
            srv.sendto(b"hello", addr)
            srv.sendto(data, addr)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        rj = os.path.join(tmp, "r.json")
        r = ub("--peer", "127.0.0.1:%d" % port, "-c", 100, "-i", "2ms", "--json", rj, "-q")
    finally:
        done.set()
        t.join(2)
        srv.close()
    assert r.returncode == 0, r.stderr
    j = load_json(rj)
    s = j["summary"]
    assert j["params"]["mode"] == "echo"
    assert s["received"] == 100 and s["duplicates"] == 0, s
    assert s["ignored_replies"] == 200, s["ignored_replies"]
