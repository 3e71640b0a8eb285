"""The sender against udpbench's own reflector on loopback: figures, outputs, signals."""

import csv
import json
import os
import signal
import time

from harness import load_json, spawn, start_reflector, stop, ub, UDPBENCH, wait_line, planned


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_stamp_loopback_2000(tmp):
    refl, port = start_reflector()
    rj, rc = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.csv")
    r = ub("--peer", "127.0.0.1", "--port", port, "--count", 2000, "--interval", "1ms",
           "--json", rj, "--csv", rc, "-q")
    assert r.returncode == 0, r.stderr
    s = load_json(rj)["summary"]
    p = load_json(rj)["params"]
    assert (s["sent"], s["received"], s["lost"]) == (2000, 2000, 0), s
    assert (s["lost_up"], s["lost_down"]) == (0, 0), s
    assert p["mode"] == "stamp" and p["proto"] == "udp" and p["count"] == 2000
    assert p["interval_ns"] == 1000000 and p["size"] == 44 and p["timeout_ns"] == 10**9
    assert s["rtt_ns"]["median"] > 0 and s["rtt_ns"]["min"] <= s["rtt_ns"]["median"] <= s["rtt_ns"]["max"]
    assert s["reflector_proc_ns"]["n"] == 2000
    assert s["schedule"]["late_ns"]["median"] >= 0 and "missed" in s["schedule"]
    rows = read_csv(rc)
    assert len(rows) == 2000 and all(x["status"] == "ok" for x in rows)
    # The reflector's own counter numbers the session from 0 in arrival order.
    assert sorted(int(x["refl_seq"]) for x in rows) == list(range(2000))
    assert {int(x["ttl"]) for x in rows} == {64}
    code, _, err = stop(refl)
    assert code == 0
    assert "received 2000, reflected 2000, short 0" in err, err


def test_ipv6_and_size(tmp):
    refl, port = start_reflector(bind="::1")
    rj = os.path.join(tmp, "r.json")
    r = ub("--peer", "[::1]:%d" % port, "-c", 200, "-i", "1ms", "-s", "1472", "--json", rj, "-q")
    assert r.returncode == 0, r.stderr
    j = load_json(rj)
    assert j["summary"]["received"] == 200 and j["params"]["size"] == 1472
    assert j["params"]["peer_addr"] == "[::1]:%d" % port


def test_dual_stack_default_bind(tmp):
    refl, port = start_reflector(bind=None)
    for peer in ("127.0.0.1", "[::1]"):
        rj = os.path.join(tmp, "r.json")
        r = ub("--peer", "%s:%d" % (peer, port), "-c", 50, "-i", "1ms", "--json", rj, "-q")
        assert r.returncode == 0, (peer, r.stderr)
        assert load_json(rj)["summary"]["received"] == 50, peer


def test_sessions_are_separate(tmp):
    refl, port = start_reflector()
    procs = [spawn([UDPBENCH, "--peer", "127.0.0.1:%d" % port, "-c", "300", "-i", "1ms",
                    "--csv", os.path.join(tmp, "%d.csv" % i), "-q"]) for i in range(3)]
    for p in procs:
        p.wait(timeout=30)
        assert p.returncode == 0
    for i in range(3):
        rows = read_csv(os.path.join(tmp, "%d.csv" % i))
        # Three senders at once: each session keeps its own reflector counter.
        assert sorted(int(x["refl_seq"]) for x in rows) == list(range(300))
    _, _, err = stop(refl)
    assert "sessions 3 (total 3)" in err, err


def test_json_to_stdout(tmp):
    refl, port = start_reflector()
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 20, "-i", "1ms", "--json", "-")
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["summary"]["received"] == 20 and j["udpbench"]["version"]
    assert "probes sent" in r.stderr  # the summary moves to stderr


def test_summary_table_en_zh(tmp):
    refl, port = start_reflector()
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 20, "-i", "1ms", "-q")
    assert r.returncode == 0
    assert "20 probes sent, 20 received, 0.00% loss" in r.stdout, r.stdout
    assert "rtt min/median/mean/p99/max" in r.stdout
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 20, "-i", "1ms", "-q", "--lang", "zh")
    assert "发送 20 个探测包，收到 20 个，丢包率 0.00%" in r.stdout, r.stdout
    assert "往返时延" in r.stdout


def test_duration_and_rate(tmp):
    refl, port = start_reflector()
    rj = os.path.join(tmp, "r.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-d", "500ms", "--rate", "200", "--json", rj, "-q")
    assert r.returncode == 0, r.stderr
    s = load_json(rj)["summary"]
    # 500 ms at 200 per second is 100 slots on an absolute schedule.
    assert planned(s, 100) and s["received"] == s["sent"], s


def test_sigint_keeps_results_valid(tmp):
    refl, port = start_reflector()
    rj, rc = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.csv")
    p = spawn([UDPBENCH, "--peer", "127.0.0.1:%d" % port, "-c", "100000", "-i", "1ms",
               "--json", rj, "--csv", rc])
    # Wait for the CSV to show replies, then interrupt as Ctrl-C would.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if os.path.exists(rc) and os.path.getsize(rc) > 2000:
            break
        time.sleep(0.05)
    code, out, err = stop(p, signal.SIGINT)
    assert code == 0, err
    j = load_json(rj)
    s = j["summary"]
    assert s["interrupted"] is True and 0 < s["sent"] < 100000
    assert s["received"] == s["sent"] and s["lost"] == 0, s
    rows = read_csv(rc)
    assert len(rows) == s["sent"], (len(rows), s["sent"])
    assert "probes sent" in out and "(stopped early)" in out


def test_auto_mode_detects_stamp(tmp):
    refl, port = start_reflector()
    rj = os.path.join(tmp, "r.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 10, "-i", "1ms", "--mode", "auto", "--json", rj, "-q")
    assert r.returncode == 0
    assert load_json(rj)["params"]["mode"] == "stamp"


def test_label_dscp_ttl_recorded(tmp):
    refl, port = start_reflector()
    rj, rc = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.csv")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 10, "-i", "1ms", "--label", "教室 A",
           "--dscp", 46, "--ttl", 17, "--json", rj, "--csv", rc, "-q")
    assert r.returncode == 0, r.stderr
    p = load_json(rj)["params"]
    assert p["label"] == "教室 A" and p["dscp"] == 46 and p["ttl"] == 17
    # The reflector reports the TTL the probes arrived with (RFC 8762 sender TTL).
    assert {int(x["ttl"]) for x in read_csv(rc)} == {17}


def test_ten_peers_at_once(tmp):
    ports = [start_reflector()[1] for _ in range(10)]
    rj = os.path.join(tmp, "r.json")
    args = []
    for p in ports:
        args += ["--peer", "127.0.0.1:%d" % p]
    r = ub(*args, "-c", 200, "-i", "2ms", "--json", rj, "--csv", os.path.join(tmp, "r.csv"), "-q")
    assert r.returncode == 0, r.stderr
    j = load_json(rj)
    assert len(j["peers"]) == 10 and j["udpbench"]["version"]
    assert sorted(p["params"]["port"] for p in j["peers"]) == sorted(ports)
    for p in j["peers"]:
        s = p["summary"]
        assert (s["sent"], s["received"], s["lost_up"], s["lost_down"]) == (200, 200, 0, 0), s
    for port in ports:
        rows = read_csv(os.path.join(tmp, "r-127.0.0.1_%d.csv" % port))
        assert len(rows) == 200
    # One row per peer in the terminal table.
    assert sum(1 for l in r.stdout.splitlines() if l.startswith("127.0.0.1:")) == 10, r.stdout


def test_peers_file_and_a_silent_peer(tmp):
    import socket
    refl, port = start_reflector()
    dead = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dead.bind(("127.0.0.1", 0))
    dead_port = dead.getsockname()[1]
    dead.close()  # nobody listens there: ICMP port unreachable
    pf = os.path.join(tmp, "peers.txt")
    with open(pf, "w") as f:
        f.write("# classroom\n127.0.0.1:%d\n\n127.0.0.1:%d  # the broken board\n" % (port, dead_port))
    rj = os.path.join(tmp, "r.json")
    r = ub("--peers", pf, "-c", 100, "-i", "2ms", "--json", rj, "-q")
    # One board answered: a measurement, with the silent one named.
    assert r.returncode == 0, r.stderr
    assert "no reply from 127.0.0.1:%d" % dead_port in r.stderr, r.stderr
    by_port = {p["params"]["port"]: p["summary"] for p in load_json(rj)["peers"]}
    assert by_port[port]["received"] == 100
    assert by_port[dead_port]["received"] == 0


def test_tcp_run_and_a_broken_connection(tmp):
    refl, port = start_reflector()
    rj, rc = os.path.join(tmp, "t.json"), os.path.join(tmp, "t.csv")
    r = ub("--peer", "127.0.0.1:%d" % port, "--tcp", "-c", 200, "-i", "1ms", "--json", rj,
           "--csv", rc, "-q")
    assert r.returncode == 0, r.stderr
    j = load_json(rj)
    s = j["summary"]
    assert j["params"]["proto"] == "tcp" and s["received"] == 200 and s["lost"] == 0, s
    # Loopback loses nothing, but a stalled virtual CPU can still make TCP resend once.
    assert s["tcp_retransmits"] is not None and s["tcp_rto_ns"] > 0, s
    assert s["tcp_broken_at"] is None, s
    rows = read_csv(rc)
    assert len(rows) == 200 and rows[0]["tcp_rto_ns"] != ""
    # The reflector goes away mid-run: the result says where TCP broke; the
    # schedule goes on and every probe after the break is lost.
    rj, rc = os.path.join(tmp, "b.json"), os.path.join(tmp, "b.csv")
    p = spawn([UDPBENCH, "--peer", "127.0.0.1:%d" % port, "--tcp", "-c", "5000", "-i", "1ms",
               "--json", rj, "--csv", rc, "-q"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (not os.path.exists(rc) or os.path.getsize(rc) < 5000):
        time.sleep(0.02)
    refl.kill()
    refl.wait()
    p.wait(timeout=30)
    assert p.returncode == 0, p.stderr.read()
    s = load_json(rj)["summary"]
    assert s["tcp_broken_at"] is not None and s["tcp_error"], s
    assert s["sent"] == 5000 and s["received"] == s["tcp_broken_at"], s
    assert s["lost"] == 5000 - s["received"] > 0, s
