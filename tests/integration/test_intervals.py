"""Interval records (--report-interval) and named boards: the lines a run
prints, the JSON's intervals held against the relay's truth log, names from a
--peers file in the terminal, the JSON and the CSV file names, and a board
that never answered present everywhere as "no reply"."""

import csv
import os
import re
import socket

from harness import load_json, run, start_reflector, stop, trailing_down_drops, ub, UDPBENCH, planned
from test_relay import finish_relay, start_relay

LINE = re.compile(r"^\[\s*([\d.]+)-\s*([\d.]+) (?:s|秒)\] (.*?)\s*"
                  r"(?:sent|发送)\s+(\d+)\s+(?:received|收到)\s+(\d+)\s+(?:lost|丢失)\s+(\d+)")


def interval_lines(text):
    return [LINE.match(l) for l in text.splitlines() if LINE.match(l)]


def silent_socket():
    """A bound UDP socket that never answers: a dead board, with no ICMP to tell."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    return s


def test_lines_when_stdout_is_a_pipe(tmp):
    refl, port = start_reflector()
    # `udpbench --peer P -c 400 -i 10ms | cat`: stdout is a pipe, not a terminal
    pj = os.path.join(tmp, "pipe.json")
    r = run(["sh", "-c", "%s --peer 127.0.0.1:%d -c 400 -i 10ms --json %s | cat"
             % (UDPBENCH, port, pj)])
    assert r.returncode == 0, r.stderr
    lines = interval_lines(r.stdout)
    s = load_json(pj)["summary"]
    # 4 s of probes: four whole seconds, the default interval (a fifth when a host that
    # stalled sent the last slots after 4 s)
    starts = [float(m.group(1)) for m in lines]
    assert starts[:4] == [0.0, 1.0, 2.0, 3.0] and starts[4:] in ([], [4.0]), r.stdout
    assert planned(s, 400), r.stdout
    assert sum(int(m.group(4)) for m in lines) == s["sent"], r.stdout
    assert sum(int(m.group(5)) for m in lines) == s["received"] == s["sent"], r.stdout
    # the lines come before the summary
    assert r.stdout.index("[   3.0-") < r.stdout.index("rtt min/"), r.stdout
    # in Chinese too, and -q keeps them out; --report-interval 0 as well
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 60, "-i", "10ms", "--report-interval",
           "200ms", "--lang", "zh")
    assert r.returncode == 0 and len(interval_lines(r.stdout)) == 3, r.stdout
    assert "往返时延 中位数" in r.stdout, r.stdout
    for quiet in (["-q"], ["--report-interval", "0"]):
        rj = os.path.join(tmp, "q.json")
        r = ub("--peer", "127.0.0.1:%d" % port, "-c", 30, "-i", "10ms", "--json", rj, *quiet)
        assert r.returncode == 0 and not interval_lines(r.stdout), r.stdout
        j = load_json(rj)
        assert ("intervals" in j) == (quiet == ["-q"]), quiet
    stop(refl)


def test_bad_report_interval_is_a_usage_error(tmp):
    for bad in ("-1s", "1us", "soon", "2h"):
        r = ub("--peer", "127.0.0.1:9", "--report-interval", bad, "-c", 1)
        assert r.returncode == 2, (bad, r.returncode, r.stderr)
        assert "--report-interval" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def truth_losses(t, n):
    """Sender numbers lost on the way there and on the way back, from the truth log."""
    up = {e["seq"] for e in t["events"] if e["dir"] == "up" and e["action"] in ("drop", "queue_drop")}
    down_k = {e["seq"] for e in t["events"]
              if e["dir"] == "down" and e["action"] in ("drop", "queue_drop")}
    # no reordering: the reflector's k-th reply answers the k-th probe that reached it
    passed = [i for i in range(n) if i not in up]
    return up, {passed[k] for k in down_k}


def test_interval_records_match_the_truth_log(tmp):
    refl, rport = start_reflector()
    relay, port, truth = start_relay(tmp, rport, "--loss-up", "6%", "--loss-down", "6%",
                                     "--seed", 5)
    rj, rc = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.csv")
    # STAMP from the first probe: the truth log numbers packets by their first octets
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 1200, "-i", "5ms", "--report-interval",
           "500ms", "--json", rj, "--csv", rc, "--timeout", "300ms", "--mode", "stamp")
    assert r.returncode == 0, r.stderr
    t = finish_relay(relay, truth)
    j = load_json(rj)
    s, iv = j["summary"], j["intervals"]
    assert j["params"]["report_interval_ns"] == 500000000
    with open(rc, newline="") as f:
        tx = {int(row["seq"]): int(row["tx_ns"]) for row in csv.DictReader(f)}
    up, down = truth_losses(t, 1200)
    # what the sender cannot tell apart: downstream drops after the last reply count as up
    trailing = trailing_down_drops(t)
    assert len(up) + len(down) == s["lost"] and s["lost_up"] == len(up) + trailing, (s, len(up))
    # every figure adds up to the summary's
    for k in ("sent", "received", "lost", "lost_up", "lost_down"):
        assert sum(x[k] for x in iv) == s[k], (k, sum(x[k] for x in iv), s[k])
    # each record against the truth, by the probes' send times
    span = 500000000
    want_up, want_down, sent = {}, {}, {}
    for seq, ns in tx.items():
        k = ns // span
        sent[k] = sent.get(k, 0) + 1
        want_up[k] = want_up.get(k, 0) + (seq in up)
        want_down[k] = want_down.get(k, 0) + (seq in down)
    # a run of losses across two records that mixes both ways is shared in proportion
    lost = sorted(up | down)
    crossing = sum(1 for a, b in zip(lost, lost[1:]) if b == a + 1 and tx[a] // span != tx[b] // span)
    off = 0
    for k, x in enumerate(iv):
        assert x["start_ns"] == k * span and x["end_ns"] == (k + 1) * span, x
        assert x["sent"] == sent.get(k, 0), (k, x, sent.get(k))
        assert x["lost"] == want_up.get(k, 0) + want_down.get(k, 0), (k, x)
        off += abs(x["lost_up"] - want_up.get(k, 0))
        if x["rtt_median_ns"] is not None:
            assert x["rtt_median_ns"] <= x["rtt_p90_ns"] <= x["rtt_max_ns"], x
    assert off <= trailing + 2 * crossing, (off, trailing, crossing)
    print("  %d records; lost up %d down %d (truth %d, %d); %d runs across records"
          % (len(iv), s["lost_up"], s["lost_down"], len(up), len(down), crossing))
    stop(refl)


def test_named_boards_and_a_dead_one(tmp):
    refl_a, pa = start_reflector()
    refl_b, pb = start_reflector()
    dead = silent_socket()
    pf = os.path.join(tmp, "class.txt")
    with open(pf, "w") as f:
        f.write("# 三年级二班\n127.0.0.1:%d 小明\n127.0.0.1:%d  Board   two  # by the door\n"
                "127.0.0.1:%d 坏了的板子\n" % (pa, pb, dead.getsockname()[1]))
    rj, rc = os.path.join(tmp, "c.json"), os.path.join(tmp, "c.csv")
    r = ub("--peers", pf, "-c", 150, "-i", "10ms", "--json", rj, "--csv", rc, "--timeout",
           "200ms")
    assert r.returncode == 0, r.stderr
    # the table names every board, the dead one with "no reply" instead of a time
    rows = {l.split()[0]: l for l in r.stdout.splitlines()}
    assert "小明" in rows and "Board" in rows and "坏了的板子" in rows, r.stdout
    assert "no reply" in rows["坏了的板子"] and "0us" not in rows["坏了的板子"], r.stdout
    assert "no reply from 坏了的板子 (127.0.0.1:%d)" % dead.getsockname()[1] in r.stderr, r.stderr
    # interval lines carry the names, one block an interval in the boards' order,
    # the silent board's line too (it comes a Tmax after the others')
    lines = interval_lines(r.stdout)
    assert {m.group(3) for m in lines} == {"小明", "Board two", "坏了的板子"}, r.stdout
    assert [m.group(3) for m in lines[:3]] == ["小明", "Board two", "坏了的板子"], r.stdout
    starts = [float(m.group(1)) for m in lines]
    assert starts == sorted(starts) and len(lines) == 3 * 2, r.stdout
    peers = load_json(rj)["peers"]
    by_name = {p["params"]["name"]: p for p in peers}
    assert set(by_name) == {"小明", "Board two", "坏了的板子"}, by_name.keys()
    d = by_name["坏了的板子"]
    assert d["summary"]["received"] == 0 and d["summary"]["rtt_ns"] is None, d["summary"]
    assert sum(x["lost"] for x in d["intervals"]) == 150, d["intervals"]
    assert all(x["rtt_median_ns"] is None for x in d["intervals"]), d["intervals"]
    # one CSV a board, named for it
    for name in ("小明", "Board_two", "坏了的板子"):
        assert os.path.exists(os.path.join(tmp, "c-%s.csv" % name)), os.listdir(tmp)
    # Chinese table: 无应答
    r = ub("--peers", pf, "-c", 20, "-i", "10ms", "--timeout", "100ms", "--lang", "zh", "-q")
    assert r.returncode == 0, r.stderr
    line = [l for l in r.stdout.splitlines() if l.startswith("坏了的板子")][0]
    assert "无应答" in line, r.stdout
    dead.close()
    stop(refl_a)
    stop(refl_b)


def test_bad_names_are_one_line_errors(tmp):
    pf = os.path.join(tmp, "bad.txt")
    cases = [("127.0.0.1:9 小明\n127.0.0.1:10 小明\n", "line 2"),
             ("127.0.0.1:9 a\x1b[31mred\n", "control character"),
             ("127.0.0.1:9 " + "长" * 22 + "\n", "longer than 63")]
    for text, why in cases:
        with open(pf, "w") as f:
            f.write(text)
        r = ub("--peers", pf, "-c", 1)
        assert r.returncode == 2, (text, r.returncode, r.stderr)
        assert why in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
