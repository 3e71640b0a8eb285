"""`udpbench reflect --sessions-json`: what the reflector saw of a sender's
probes, per session, held against the relay's truth log (upstream drops,
copies and reordering) and against the sender's own upstream figures."""

import os
import signal
import socket
import struct
import time

from harness import load_json, start_reflector, stop, ub
from test_relay import finish_relay, start_relay

FATES = ("active", "evicted", "timed_out", "restarted")


def wait_file(path, timeout=5.0):
    """Waits (bounded) until path exists; returns its JSON."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        assert time.monotonic() < deadline, "no %s within %.0fs" % (path, timeout)
        time.sleep(0.02)
    return load_json(path)


def run_through_relay(tmp, count, *impair):
    """Reflector with --sessions-json behind a relay with impair; one stamp run.

    Returns (the sender's summary, the truth log, the figures on SIGUSR1,
    the figures at exit)."""
    sj = os.path.join(tmp, "sessions.json")
    refl, rport = start_reflector("--sessions-json", sj)
    relay, port, truth = start_relay(tmp, rport, *impair)
    rj = os.path.join(tmp, "run.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", count, "-i", "1ms", "--mode", "stamp",
           "--timeout", "500ms", "--json", rj, "-q")
    assert r.returncode == 0, r.stderr
    t = finish_relay(relay, truth)
    assert not os.path.exists(sj), "written before it was asked for"
    refl.send_signal(signal.SIGUSR1)
    on_usr1 = wait_file(sj)
    code, _, err = stop(refl, signal.SIGTERM)
    assert code == 0, err
    at_exit = load_json(sj)
    return load_json(rj)["summary"], t, on_usr1, at_exit


def one_session(doc):
    assert len(doc["sessions"]) == 1, doc
    x = doc["sessions"][0]
    assert x["peer"] == "127.0.0.1" and x["fate"] in FATES, x
    assert x["first_heard"] <= x["last_heard"] and x["first_heard"].endswith("Z"), x
    return x


def test_sessions_json_lost_is_upstream_drops(tmp):
    # Seed 4 drops the last probe too: a loss the reflector cannot see.
    s, t, on_usr1, at_exit = run_through_relay(tmp, 2000, "--loss-up", "10%", "--seed", 4)
    up_drops = {e["seq"] for e in t["events"] if e["dir"] == "up" and e["action"] == "drop"}
    assert len(up_drops) == t["up"]["dropped"] > 100, t["up"]
    # The reflector sees a gap only below the highest number that reached it.
    highest = max(set(range(t["up"]["in"])) - up_drops)
    seen_lost = sum(1 for q in up_drops if q < highest)
    assert highest < t["up"]["in"] - 1 and seen_lost < len(up_drops), (highest, t["up"])
    for doc in (on_usr1, at_exit):
        x = one_session(doc)
        assert x["fate"] == "active", x
        assert x["received"] == t["up"]["out"], (x, t["up"])
        assert x["lost"] == seen_lost, (x, seen_lost, t["up"])
        assert x["highest_seq"] == highest, (x, highest)
        assert x["duplicates"] == 0 and x["reordered"] == 0, x
        assert x["jitter_ns"] >= 0, x
    print("  --loss-up 10%%: truth up in %d out %d dropped %d (%d below the highest, %d); "
          "reflector received %d lost %d jitter %d ns; sender lost_up %d"
          % (t["up"]["in"], t["up"]["out"], t["up"]["dropped"], seen_lost, highest,
             x["received"], x["lost"], x["jitter_ns"], s["lost_up"]))
    # The sender's own upstream loss, seen from the other end.
    assert s["lost_up"] == t["up"]["dropped"], (s, t["up"])
    assert doc["ended_dropped"] == 0, doc


def test_sessions_json_reordered_and_duplicates(tmp):
    s, t, _, at_exit = run_through_relay(tmp, 2000, "--reorder", "8%", "--duplicate", "3%",
                                         "--seed", 11)
    x = one_session(at_exit)
    print("  --reorder 8%% --duplicate 3%%: reflector reordered %d duplicates %d received %d; "
          "sender reordered_up %d; truth up reordered %d duplicated %d out %d"
          % (x["reordered"], x["duplicates"], x["received"], s["reordered_up"],
             t["up"]["reordered"], t["up"]["duplicated"], t["up"]["out"]))
    assert t["up"]["dropped"] == 0 and t["up"]["reordered"] > 50, t["up"]
    assert t["up"]["duplicated"] > 20, t["up"]
    assert x["reordered"] == s["reordered_up"] == t["up"]["reordered"], (x, s["reordered_up"], t)
    assert x["duplicates"] == t["up"]["duplicated"], (x, t["up"])
    assert x["received"] == t["up"]["in"] == 2000 and x["lost"] == 0, (x, t["up"])
    assert x["received"] + x["duplicates"] == t["up"]["out"], (x, t["up"])


def test_sessions_json_keeps_timed_out_sessions(tmp):
    # Two runs (two source ports: two sessions); both fall silent past
    # --session-timeout and stay in the file with their figures, "timed_out".
    sj = os.path.join(tmp, "sessions.json")
    refl, rport = start_reflector("--sessions-json", sj, "--session-timeout", "200ms")
    for n in (30, 40):
        r = ub("--peer", "127.0.0.1:%d" % rport, "-c", n, "-i", "1ms", "--mode", "stamp", "-q")
        assert r.returncode == 0, r.stderr
    deadline, doc = time.monotonic() + 10, None
    while True:
        # Each SIGUSR1 writes the file anew (its "written" stamp moves on).
        last = doc and doc["written"]
        refl.send_signal(signal.SIGUSR1)
        while True:
            doc = wait_file(sj)
            if doc["written"] != last:
                break
            assert time.monotonic() < deadline, "SIGUSR1 did not rewrite " + sj
            time.sleep(0.02)
        if sorted(x["fate"] for x in doc["sessions"]) == ["timed_out", "timed_out"]:
            break
        assert time.monotonic() < deadline, doc
        time.sleep(0.05)
    got = sorted((x["received"], x["lost"], x["highest_seq"]) for x in doc["sessions"])
    assert got == [(30, 0, 29), (40, 0, 39)], doc
    code, _, err = stop(refl, signal.SIGTERM)
    assert code == 0, err


def stamp_request(seq, ssid):
    """An unauthenticated STAMP test packet (RFC 8762 §4.2.1, SSID of RFC 8972)."""
    now = time.time()
    ntp = (int(now) + 2208988800) << 32 | int((now % 1) * (1 << 32))
    return struct.pack("!IQHH", seq, ntp, 0, ssid) + bytes(28)


def test_sessions_json_sender_starting_over_is_a_new_session(tmp):
    # One socket (one port, one SSID) numbers 0..29, then starts over at 0..39
    # with later timestamps: the reflector ends the first session "restarted".
    sj = os.path.join(tmp, "sessions.json")
    refl, rport = start_reflector("--sessions-json", sj)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(2.0)
    try:
        for n in (30, 40):
            for q in range(n):
                sock.sendto(stamp_request(q, 77), ("127.0.0.1", rport))
                sock.recvfrom(2048)  # answered, so counted, before the next
    finally:
        sock.close()
    code, _, err = stop(refl, signal.SIGTERM)
    assert code == 0, err
    got = [(x["fate"], x["ssid"], x["received"], x["lost"]) for x in load_json(sj)["sessions"]]
    assert got == [("restarted", 77, 30, 0), ("active", 77, 40, 0)], got


def test_sessions_json_bad_path_is_one_line(tmp):
    bad = os.path.join(tmp, "no", "such", "dir", "s.json")
    refl, rport = start_reflector("--sessions-json", bad)
    r = ub("--peer", "127.0.0.1:%d" % rport, "-c", 5, "-i", "1ms", "--mode", "stamp", "-q")
    assert r.returncode == 0, r.stderr
    code, _, err = stop(refl, signal.SIGTERM)
    lines = [l for l in err.splitlines() if "--sessions-json" in l]
    assert code == 1 and len(lines) == 1 and bad in lines[0], (code, err)
    # The counters were still printed.
    assert "reflected 5" in err, err
