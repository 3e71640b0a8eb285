"""udpbench against STAMP and TWAMP-light peers it did not write: the
independent reflector and sender under peers/ (written from RFC 8762, RFC
8972, RFC 5357 and RFC 4656), stateful and stateless, PTP timestamps,
38- and 41-octet replies, 14-octet requests, authenticated mode, replies
of another size. Every figure is held against what the peers counted
themselves, the relay's truth log or a capture; the peers themselves are
held against Wireshark's TWAMP-Test dissector."""

import csv
import datetime
import json
import os
import re
import signal
import socket
import threading

from harness import (PEERS, PYTHON, load_json, need_root, need_tool, run, start_peer,
                     start_reflector, stop, ub, planned)
from test_analyze import Capture, analyze
from test_cli import free_udp_port
from test_relay import finish_relay, start_relay, trailing_down_drops

MS = 1000000
S = 1000000000


def counts_of(p):
    """Stops an independent peer; returns the counters it printed at exit."""
    code, out, err = stop(p)
    assert code == 0, err
    return json.loads(out.strip().splitlines()[-1])


def reflector(tmp, *args, name="refl"):
    return start_peer("stamp_reflector.py", tmp, *args, name=name)


def measure(tmp, port, *args, name="run"):
    """udpbench against 127.0.0.1:port; returns (process, JSON or None, CSV rows)."""
    rj, rc = os.path.join(tmp, name + ".json"), os.path.join(tmp, name + ".csv")
    r = ub("--peer", "127.0.0.1:%d" % port, "--json", rj, "--csv", rc, *args)
    j = load_json(rj) if os.path.exists(rj) else None
    rows = []
    if os.path.exists(rc):
        with open(rc, newline="") as f:
            rows = list(csv.DictReader(f))
    return r, j, rows


def own_sender(tmp, port, *args, name="sender"):
    """The independent session-sender against 127.0.0.1:port; returns its result."""
    out = os.path.join(tmp, name + ".json")
    r = run([PYTHON, os.path.join(PEERS, "stamp_sender.py"), "--peer", "127.0.0.1",
             "--port", str(port), "--json", out] + [str(a) for a in args])
    assert r.returncode == 0, r.stderr
    return load_json(out)


def reflector_line(text):
    """udpbench reflect's last counter line."""
    lines = [ln for ln in text.splitlines() if "udpbench reflector: received" in ln]
    assert lines, "no counter line in %r" % text
    return lines[-1]


def key_files(tmp):
    paths = []
    for name in ("k1", "k2"):
        path = os.path.join(tmp, name + ".key")
        with open(path, "w") as f:
            f.write(os.urandom(32).hex() + "\n")
        paths.append(path)
    return paths


def messages(r):
    return [ln for ln in r.stderr.splitlines() if ln.startswith("udpbench:")]


# --- the peers themselves, read by Wireshark -------------------------------

def wall_clock(text):
    """A Wireshark absolute time ("Dec  6, 2026 04:33:30.270832488 UTC") in ns."""
    m = re.match(r"(\w+ +\d+, \d+ \d+:\d+:\d+)\.(\d+)", text.strip())
    assert m, text
    day = datetime.datetime.strptime(" ".join(m.group(1).split()), "%b %d, %Y %H:%M:%S")
    day = day.replace(tzinfo=datetime.timezone.utc)
    return int(day.timestamp()) * S + int(m.group(2).ljust(9, "0")[:9])


TSHARK_FIELDS = ("ip.dst", "udp.srcport", "udp.length", "twamp.test.seq_number",
                 "twamp.test.timestamp", "twamp.test.error_estimate.z",
                 "twamp.test.receive_timestamp", "twamp.test.sender_seq_number",
                 "twamp.test.sender_timestamp", "twamp.test.sender_ttl")


def test_independent_peers_agree_with_wireshark(tmp):
    """The reflector and sender under peers/ against a decoder neither of
    them nor udpbench wrote: STAMP (stateless, NTP), and RFC 5357's 41-octet
    reply with PTP timestamps to a 14-octet request. (The dissector takes a
    38-octet datagram for a request; the reflector's 38-octet form is the
    41-octet one cut before its last MBZ octet.)"""
    need_root("capturing on loopback")
    need_tool("tshark")
    configs = [(["--stateless"], ["--ssid", 7], 44, 44, "0"),
               (["--twamp-light-size", 41, "--timestamp", "ptp"], ["--size", 14], 14, 41, "1")]
    for n, (rargs, sargs, req_len, reply_len, z) in enumerate(configs):
        peer, port = reflector(tmp, *[str(a) for a in rargs], name="r%d" % n)
        where = os.path.join(tmp, "cap%d" % n)  # a file of its own for each capture
        os.mkdir(where)
        cap = Capture(where, port)
        mine = own_sender(tmp, port, "--count", 5, "--interval", 0.01, "--ttl", 33, *sargs,
                          name="s%d" % n)
        assert mine["received"] == 5 and mine["invalid"] == 0, mine
        path = cap.finish(10)
        stop(peer)
        argv = ["tshark", "-r", path, "-d", "udp.port==%d,twamp.test" % port, "-T", "fields",
                "-E", "separator=|"]
        for f in TSHARK_FIELDS:
            argv += ["-e", f]
        r = run(argv)
        assert r.returncode == 0, r.stderr
        rows = [dict(zip(TSHARK_FIELDS, ln.split("|"))) for ln in r.stdout.strip().splitlines()]
        rows = [x for x in rows if x["ip.dst"] == "127.0.0.1"]  # not the capture's warm-up
        requests = [x for x in rows if x["udp.srcport"] != str(port)]
        replies = [x for x in rows if x["udp.srcport"] == str(port)]
        what = "reflector %s, sender %s" % (rargs, sargs)
        assert len(requests) == len(replies) == 5, (what, rows)
        assert {x["udp.length"] for x in requests} == {str(8 + req_len)}, what
        assert {x["udp.length"] for x in replies} == {str(8 + reply_len)}, what
        assert [int(x["twamp.test.seq_number"]) for x in requests] == list(range(5)), what
        t1 = {x["twamp.test.seq_number"]: x["twamp.test.timestamp"] for x in requests}
        for x in replies:
            sseq = x["twamp.test.sender_seq_number"]
            assert x["twamp.test.seq_number"] == sseq, (what, x)
            assert x["twamp.test.sender_timestamp"] == t1[sseq], (what, x)
            # The reply's own error estimate comes first, the sender's copy second.
            own_z = x["twamp.test.error_estimate.z"].split(",")[0]
            assert own_z in ((z, "False") if z == "0" else (z, "True")), (what, x)
            # T2 lies within a second of T1: the format the Z bit names, at the right place.
            skew = wall_clock(x["twamp.test.receive_timestamp"]) - wall_clock(t1[sseq])
            assert 0 <= skew < S, (what, x)
            assert x["twamp.test.sender_ttl"] == "33", (what, x)


# --- Must show: stateless and stateful reflectors through a lossy link -----

def test_stateless_reflector_behind_upstream_loss_gives_no_split(tmp):
    peer, rport = reflector(tmp, "--stateless")
    relay, port, truth = start_relay(tmp, rport, "--loss-up", "10%", "--seed", 3)
    r, j, _ = measure(tmp, port, "-c", 1000, "-i", "1ms", "--timeout", "500ms")
    t = finish_relay(relay, truth)
    mine = counts_of(peer)
    assert r.returncode == 0, r.stderr
    s, p = j["summary"], j["params"]
    print("  relay dropped %d up, %d down; udpbench: lost %s, up %s, down %s, reflector %s"
          % (t["up"]["dropped"], t["down"]["dropped"], s["lost"], s["lost_up"], s["lost_down"],
             p.get("reflector")))
    assert planned(s, 1000) and t["up"]["in"] == s["sent"], (t["up"], s)
    assert t["down"]["dropped"] == 0, t["down"]
    assert 60 <= t["up"]["dropped"] <= 140, t["up"]
    assert mine["received"] == mine["reflected"] == t["up"]["out"], (mine, t["up"])
    # The total is exact whatever the reflector is.
    assert s["lost"] == t["up"]["dropped"] and s["received"] == mine["reflected"], (s, t["up"])
    assert p["mode"] == "stamp", p["mode"]
    assert p.get("reflector") == "stateless", p.get("reflector")
    # Its sequence number is a copy of the sender's: no split can be known.
    for key in ("lost_up", "lost_down", "reordered_up", "reordered_down"):
        assert s[key] is None, (key, s[key])
    why = s.get("split_why")
    assert isinstance(why, str) and len(why.split()) >= 4 and why.rstrip().endswith("."), why
    assert "stateless" in r.stdout, r.stdout


def test_stateful_reflector_split_equals_truth(tmp):
    peer, rport = reflector(tmp)
    relay, port, truth = start_relay(tmp, rport, "--loss-up", "8%", "--loss-down", "5%",
                                     "--seed", 9)
    r, j, _ = measure(tmp, port, "-c", 1000, "-i", "1ms", "--timeout", "500ms")
    t = finish_relay(relay, truth)
    mine = counts_of(peer)
    assert r.returncode == 0, r.stderr
    s, p = j["summary"], j["params"]
    trailing = trailing_down_drops(t)
    print("  relay dropped %d up, %d down (%d after the last reply through); udpbench: up %s, "
          "down %s, reflector %s" % (t["up"]["dropped"], t["down"]["dropped"], trailing,
                                     s["lost_up"], s["lost_down"], p.get("reflector")))
    # One session at the reflector, its counter numbering every reply it sent.
    assert mine["sessions"] == 1 and mine["reflected"] == t["down"]["in"], (mine, t["down"])
    assert t["up"]["dropped"] > 30 and t["down"]["dropped"] > 20, (t["up"], t["down"])
    assert p["mode"] == "stamp" and p.get("reflector") == "stateful", (p["mode"],
                                                                        p.get("reflector"))
    assert s["lost"] == t["up"]["dropped"] + t["down"]["dropped"], (s["lost"], t)
    assert s["lost_up"] == t["up"]["dropped"] + trailing, (s["lost_up"], t["up"], trailing)
    assert s["lost_down"] == t["down"]["dropped"] - trailing, (s["lost_down"], t["down"])
    assert s["reordered_up"] == t["up"]["reordered"] == 0, s["reordered_up"]
    assert s["reordered_down"] == t["down"]["reordered"] == 0, s["reordered_down"]
    assert s.get("split_why", "absent") is None, s.get("split_why", "absent")



def test_auto_mode_goes_on_with_binary_requests_once_a_stamp_reflector_answered(tmp):
    # Auto mode starts with text probes a script survives; once a STAMP
    # reflector has answered one, it has shown what it is, and the rest of
    # the run goes as binary requests. The reflector counts which it got.
    for how, kind in (((), "stateful"), (("--stateless",), "stateless")):
        peer, port = reflector(tmp, *how, name="refl-" + kind)
        r, j, rows = measure(tmp, port, "-c", 300, "-i", "1ms", name="run-" + kind)
        mine = counts_of(peer)
        assert r.returncode == 0, r.stderr
        s, p = j["summary"], j["params"]
        print("  %s reflector got %d printable and %d binary requests (%d printable after "
              "a binary one); udpbench: received %s, reflector %s" %
              (kind, mine["printable"], mine["binary"], mine["printable_after_binary"],
               s["received"], p.get("reflector")))
        assert mine["received"] == mine["reflected"] == s["received"] == s["sent"] == 300, \
            (mine, s["sent"], s["received"])
        # Text first, then binary for good: only the probes in flight before the first reply stay text.
        assert 1 <= mine["printable"] <= 30, mine
        assert mine["binary"] == 300 - mine["printable"], mine
        assert mine["printable_after_binary"] == 0, mine
        assert p["mode"] == "stamp" and p.get("reflector") == kind, (p["mode"], p.get("reflector"))
        assert s["lost"] == 0 and s["duplicates"] == 0 and s["reordered"] == 0, s
        assert len(rows) == 300 and all(x["status"] == "ok" for x in rows), rows[:3]
        if kind == "stateful":
            # The reflector's counter runs on across the switch: reply k carries k.
            assert [int(x["refl_seq"]) for x in rows] == list(range(300)), \
                [x["refl_seq"] for x in rows][:12]
            assert s["lost_up"] == 0 and s["lost_down"] == 0 and not s.get("refl_restarts"), s


def test_udpbench_reflector_keeps_one_session_across_the_switch_to_binary(tmp):
    # The reflector reads a text probe's number and T1 from its text, so the
    # binary requests that follow continue that session: no restart,
    # whichever format T1 has on the wire (PTP's seconds would seem to jump
    # forward from the text's octets, NTP's back).
    for fmt in ("ntp", "ptp"):
        refl, port = start_reflector("--max-rate", "0")
        r, j, rows = measure(tmp, port, "-c", 200, "-i", "1ms", "--timestamp", fmt,
                             name="run-" + fmt)
        code, _, err = stop(refl)
        assert r.returncode == 0 and code == 0, (r.stderr, err)
        line = reflector_line(err)
        print("  --timestamp %s: %s" % (fmt, line))
        assert "sessions 1 (total 1)" in line and "restarted 0" in line, line
        s = j["summary"]
        assert s["received"] == s["sent"] == 200 and s["lost_up"] == 0, s
        assert [int(x["refl_seq"]) for x in rows] == list(range(200)), \
            [x["refl_seq"] for x in rows][:12]


# --- Must show: PTP timestamps ----------------------------------------------

def test_ptp_reflector_clock_within_a_second_and_rtt_unscaled(tmp):
    # The reflector holds each reply 40 ms: T3 - T2 is 40 ms and more, read as
    # PTP. Read as NTP it would come out 4.29 times smaller (9.3 ms) and put T2
    # decades off; scaled the other way it would be 172 ms.
    peer, port = reflector(tmp, "--timestamp", "ptp", "--hold-ms", "40")
    r, j, rows = measure(tmp, port, "-c", 100, "-i", "5ms")
    mine = counts_of(peer)
    assert r.returncode == 0, r.stderr
    s, p = j["summary"], j["params"]
    assert s["received"] == mine["reflected"] == 100, (s["received"], mine)
    ok = [x for x in rows if x["status"] == "ok"]
    assert len(ok) == 100, len(ok)
    start = p["start_time_ns"]
    worst = max(abs(int(x["refl_rx_ns"]) - (start + int(x["tx_ns"]))) for x in ok)
    print("  T2 at most %.3f ms from the sender's clock; reflector time median %s ns; "
          "rtt median %s ns" % (worst / MS, s["reflector_proc_ns"]["median"],
                                s["rtt_ns"]["median"]))
    assert worst < S, "the reflector's T2 is %.1f s off the sender's clock" % (worst / S)
    held = [int(x["refl_tx_ns"]) - int(x["refl_rx_ns"]) for x in ok]
    assert all(40 * MS <= h <= 150 * MS for h in held), (min(held), max(held))
    assert 40 * MS <= s["reflector_proc_ns"]["median"] <= 100 * MS, s["reflector_proc_ns"]
    assert -100000 <= s["rtt_ns"]["min"] and s["rtt_ns"]["median"] < 10 * MS, s["rtt_ns"]
    assert p.get("reflector_timestamp") == "ptp", p.get("reflector_timestamp")
    assert p.get("timestamp") == "ntp", p.get("timestamp")


def test_udpbench_sender_ptp_t1_read_by_independent_reflector(tmp):
    # The sender's T1 in PTP format, read by the independent reflector by its Z bit.
    peer, port = reflector(tmp)
    r, j, _ = measure(tmp, port, "-c", 50, "-i", "2ms", "--mode", "stamp", "--timestamp", "ptp")
    mine = counts_of(peer)
    assert r.returncode == 0, r.stderr
    assert j["summary"]["received"] == 50 and j["params"].get("timestamp") == "ptp", j["params"]
    assert mine.get("t1_ptp") == 50 and "t1_ntp" not in mine, mine
    assert mine["t1_skew_ns_max"] < S, mine


def test_udpbench_reflector_ptp_read_by_independent_sender(tmp):
    # udpbench reflect's T2 and T3 in PTP format, read by the independent sender.
    refl, port = start_reflector("--timestamp", "ptp")
    got = own_sender(tmp, port, "--count", 50, "--interval", 0.002)
    stop(refl)
    assert got["received"] == 50, got
    assert got["reflector_timestamps"] == ["ptp"], got["reflector_timestamps"]
    assert got["t2_minus_t1_ns_max"] < S, got["t2_minus_t1_ns_max"]
    assert 0 <= got["proc_ns_median"] < 10 * MS, got["proc_ns_median"]
    assert 0 < got["rtt_ns_median"] < 10 * MS, got["rtt_ns_median"]


# --- Must show: TWAMP-light -------------------------------------------------

def twamp_light_reflector(tmp, size):
    peer, port = reflector(tmp, "--twamp-light-size", str(size))
    r, j, rows = measure(tmp, port, "-c", 300, "-i", "1ms")
    mine = counts_of(peer)
    assert mine["received"] >= 300 and mine["reflected"] == mine["received"], mine
    assert r.returncode == 0, (r.returncode, r.stderr)
    s = j["summary"]
    assert (s["sent"], s["received"], s["lost"]) == (300, 300, 0), s
    return {x["ttl"] for x in rows if x["status"] == "ok"}


def test_twamp_light_41_octet_replies_all_received(tmp):
    ttls = twamp_light_reflector(tmp, 41)
    assert ttls == {"64"}, ttls  # the TTL the requests arrived with, from octet 40


def test_twamp_light_38_octet_replies_all_received_without_ttl(tmp):
    ttls = twamp_light_reflector(tmp, 38)
    assert ttls == {""}, ttls  # no TTL octet: the column is empty


def twamp_counts(line):
    answered = re.search(r"twamp-light (\d+)", line)
    unanswered = re.search(r"twamp-light unanswered (\d+)( \(--twamp-light answers them\))?",
                           line)
    short = re.search(r"short (\d+)", line)
    return (int(answered.group(1)) if answered else None,
            int(unanswered.group(1)) if unanswered else None,
            bool(unanswered and unanswered.group(2)),
            int(short.group(1)) if short else None)


def test_twamp_light_14_octet_sender_answered_with_option(tmp):
    refl, port = start_reflector("--twamp-light")
    got = own_sender(tmp, port, "--size", 14, "--count", 100, "--interval", 0.002,
                     "--ttl", 40)
    code, _, err = stop(refl, signal.SIGTERM)
    line = reflector_line(err)
    print("  14-octet sender: %d/%d answered, reply sizes %s; %s"
          % (got["received"], got["sent"], got["reply_sizes"], line))
    assert got["received"] == 100 and got["invalid"] == 0, got
    assert got["reply_sizes"] == [41], got["reply_sizes"]  # RFC 5357's base reply, no more
    assert got["reflector_seqs"] == list(range(100)), got["reflector_seqs"][:5]
    assert set(got["sender_ttls"]) == {40}, set(got["sender_ttls"])
    answered, unanswered, _, short = twamp_counts(line)
    assert answered == 100 and not unanswered and short == 0, line


def test_twamp_light_14_octet_sender_refused_without_option(tmp):
    refl, port = start_reflector()
    got = own_sender(tmp, port, "--size", 14, "--count", 50, "--interval", 0.002,
                     "--timeout", 0.3)
    code, _, err = stop(refl, signal.SIGTERM)
    line = reflector_line(err)
    print("  14-octet sender without --twamp-light: %d answered; %s" % (got["received"], line))
    assert got["received"] == 0 and got["reply_sizes"] == [], got
    answered, unanswered, hint, short = twamp_counts(line)
    assert unanswered == 50 and hint, line
    assert short == 0, line  # counted apart, not as short


def test_twamp_light_sender_restarting_on_its_port_starts_at_zero(tmp):
    # TWAMP-light senders use a fixed port, and a 14-octet request has no SSID.
    refl, port = start_reflector("--twamp-light")
    lport = free_udp_port()
    seqs = []
    for n in range(2):
        got = own_sender(tmp, port, "--size", 14, "--count", 50, "--interval", 0.002,
                         "--local-port", lport, name="run%d" % n)
        assert got["received"] == 50, got
        seqs.append(got["reflector_seqs"])
    stop(refl)
    assert seqs[0] == list(range(50)), seqs[0][:5]
    assert seqs[1] == list(range(50)), "second run's reflector counter: %s..." % seqs[1][:5]


# --- Must show: authenticated mode in captures -----------------------------

def check_keyed_capture(tmp, path, port, key, other, probes, answered, ssid):
    aj = os.path.join(tmp, "a.json")
    r = analyze(path, "--port", port, "--json", aj, "-q")
    assert r.returncode == 0, r.stderr
    j = load_json(aj)
    s, p = j["summary"], j["params"]
    print("  analyze: %d sent, %d received, authenticated %s (the peers: %d, %d)"
          % (s["sent"], s["received"], p.get("authenticated"), probes, answered))
    assert p.get("authenticated") is True, p.get("authenticated")
    assert (s["sent"], s["received"]) == (probes, answered), s
    assert s["reflector_proc_ns"]["n"] == answered, s["reflector_proc_ns"]
    assert p["ssid"] == ssid, (p["ssid"], ssid)  # read at octet 26 of the keyed layout
    r = analyze(path, "--port", port, "--key", key, "--json", aj, "-q")
    assert r.returncode == 0, r.stderr
    s = load_json(aj)["summary"]
    assert (s["sent"], s["received"], s.get("auth_failed")) == (probes, answered, 0), s
    os.remove(aj)
    r = analyze(path, "--port", port, "--key", other, "--json", aj, "-q")
    assert os.path.exists(aj), (r.returncode, r.stderr)
    s = load_json(aj)["summary"]
    assert s["received"] == 0, s
    # Every reply fails the other key; requests fail it too, and may be counted as well.
    assert s.get("auth_failed") in (answered, probes + answered), s.get("auth_failed")


def test_analyze_reads_authenticated_capture_of_independent_peers(tmp):
    need_root("capturing on loopback")
    key, other = key_files(tmp)
    peer, port = reflector(tmp, "--key", key)
    cap = Capture(tmp, port)
    got = own_sender(tmp, port, "--key", key, "--size", 128, "--ssid", 0x1234,
                     "--count", 100, "--interval", 0.002)
    path = cap.finish(got["sent"] + got["received"])
    mine = counts_of(peer)
    assert got["received"] == mine["reflected"] == 100, (got, mine)
    check_keyed_capture(tmp, path, port, key, other, got["sent"], got["received"], 0x1234)


def test_analyze_reads_authenticated_capture_of_udpbench(tmp):
    need_root("capturing on loopback")
    key, other = key_files(tmp)
    refl, port = start_reflector("--no-tcp", "--key", key)
    cap = Capture(tmp, port)
    r, j, _ = measure(tmp, port, "--key", key, "-c", 100, "-i", "2ms", "-q")
    assert r.returncode == 0, r.stderr
    s = j["summary"]
    path = cap.finish(s["sent"] + s["received"])
    stop(refl)
    assert (s["sent"], s["received"]) == (100, 100), s
    check_keyed_capture(tmp, path, port, key, other, s["sent"], s["received"],
                        j["params"]["ssid"])


# --- Must show: reply size --------------------------------------------------

def test_replies_of_another_size_are_counted_and_said(tmp):
    peer, port = reflector(tmp, "--reply-size", "64")
    r, j, _ = measure(tmp, port, "-c", 200, "-i", "2ms", "-s", 100)
    mine = counts_of(peer)
    assert r.returncode == 0, r.stderr
    s = j["summary"]
    assert s["received"] == mine["reflected"] == 200, (s["received"], mine)
    assert s.get("size_mismatch") == 200, s.get("size_mismatch")
    said = [ln for ln in r.stdout.splitlines() if "size" in ln.lower() and "200" in ln]
    assert said, "the summary does not mention the 200 replies of another size:\n" + r.stdout


# --- Exit codes and messages ------------------------------------------------

def fixed_answer_server(answer):
    """A thread answering every datagram with answer; returns (port, finish), where
    finish() stops it and returns its counts."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.1", 0))
    srv.settimeout(0.1)
    counts = {"received": 0, "answered": 0}
    done = threading.Event()

    def serve():
        while not done.is_set():
            try:
                _, addr = srv.recvfrom(2048)
            except socket.timeout:
                continue
            counts["received"] += 1
            srv.sendto(answer, addr)
            counts["answered"] += 1

    t = threading.Thread(target=serve, daemon=True)
    t.start()

    def finish():
        done.set()
        t.join(2)
        srv.close()
        return counts

    return srv.getsockname()[1], finish


def test_replies_matching_no_probe_exit_3(tmp):
    port, finish = fixed_answer_server(b"OK")
    try:
        r, j, _ = measure(tmp, port, "--mode", "stamp", "-c", 50, "-i", "2ms",
                          "--timeout", "300ms", "-q")
    finally:
        counts = finish()
    assert counts["answered"] == 50, counts
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert j is not None, "no JSON written: " + r.stderr
    assert j["summary"]["received"] == 0 and j["summary"]["ignored_replies"] == 50, j["summary"]
    said = messages(r)
    assert len(said) == 1 and "repl" in said[0], r.stderr
    assert "is a reflector running there" not in said[0], said[0]


def test_tcp_to_a_closed_port_exits_3_with_json(tmp):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # bound, never listening, closed: connecting is refused
    r, j, _ = measure(tmp, port, "--tcp", "-c", 5, "-i", "10ms", "-q")
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert j is not None, "no JSON written: " + r.stderr
    assert j["summary"]["received"] == 0, j["summary"]
    assert len(messages(r)) == 1, r.stderr


def test_replies_all_failing_authentication_say_so(tmp):
    key, other = key_files(tmp)
    # It signs its replies with its key and answers whatever comes.
    peer, port = reflector(tmp, "--key", key, "--no-verify")
    r, j, _ = measure(tmp, port, "--key", key, "-c", 50, "-i", "2ms", "-q", name="same")
    assert r.returncode == 0 and j["summary"]["received"] == 50, r.stderr  # its replies verify
    r, j, _ = measure(tmp, port, "--key", other, "-c", 50, "-i", "2ms", "--timeout", "300ms",
                      "-q", name="other")
    mine = counts_of(peer)
    assert mine["reflected"] == 100, mine
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert j["summary"]["received"] == 0 and j["summary"]["auth_failed"] == 50, j["summary"]
    said = messages(r)
    assert len(said) == 1, r.stderr
    assert re.search(r"authenticat", said[0], re.I) and "key" in said[0], said[0]
    assert "is a reflector running there" not in said[0], said[0]
