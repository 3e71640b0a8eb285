"""The per-probe CSV as people open it: rows in probe order (a lost probe's
row where its number is, late and duplicate rows after their probe's own),
every number a plain integer, read by pandas with the README's own lines,
and its counts held against the relay's truth log."""

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time

from harness import (ROOT, Skip, UDPBENCH, load_json, spawn, start_reflector, stop, ub)
from test_relay import finish_relay, start_relay

README = os.path.join(ROOT, "README.md")
OWN = ("ok", "lost")

# Runs the README's pandas lines in the folder holding r.csv and reports what
# pandas made of the file: each column's dtype, and seq, status, refl_rx_ns as text.
PANDAS_PROBE = r"""
import json, sys
%s
print(json.dumps({"dtypes": {c: str(t) for c, t in df.dtypes.items()},
                  "seq": [None if v is pd.NA else int(v) for v in df["seq"]],
                  "status": list(df["status"]),
                  "refl_rx_ns": [None if v is pd.NA else str(v) for v in df["refl_rx_ns"]]}))
"""


def readme_pandas():
    """The README's Python block that reads a CSV with pandas (exactly one)."""
    with open(README, encoding="utf-8") as f:
        blocks = [b for b in re.findall(r"```python\n(.*?)```", f.read(), re.S)
                  if "pd.read_csv(" in b]
    assert len(blocks) == 1, "README.md: want one ```python block with pd.read_csv, got %d" % len(blocks)
    assert '"r.csv"' in blocks[0], blocks[0]
    return blocks[0]


def pandas_python():
    """An interpreter that has pandas: this one, or Debian's (python3-pandas)."""
    for py in (sys.executable, "/usr/bin/python3"):
        if os.path.exists(py) and subprocess.run([py, "-c", "import pandas"],
                                                 capture_output=True).returncode == 0:
            return py
    raise Skip("pandas not installed (Debian: python3-pandas; make deps-test installs it)")


def read_with_pandas(path):
    """What pandas gives for path, read by the README's lines."""
    py = pandas_python()
    folder = os.path.dirname(path)
    target = os.path.join(folder, "r.csv")
    if path != target:
        os.replace(path, target)
    r = subprocess.run([py, "-c", PANDAS_PROBE % readme_pandas()], cwd=folder,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, "the README's pandas lines failed:\n" + r.stderr
    return json.loads(r.stdout), target


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def check_plain_integers(path):
    """Every cell but status: digits (a minus at most) or empty, never 1e9 or 12.0."""
    rows = read_rows(path)
    assert rows, path
    for i, r in enumerate(rows):
        for col, v in r.items():
            if col != "status":
                assert re.fullmatch(r"-?[0-9]*", v), "%s row %d: %s=%r" % (path, i + 1, col, v)
    return rows


def check_order(rows, sent):
    """Own rows (ok, lost) are 0..sent-1 in order, each once; extras follow their own row."""
    own = [int(r["seq"]) for r in rows if r["status"] in OWN]
    assert own == list(range(sent)), "own rows out of probe order: first misplaced at %s" % next(
        (i for i, s in enumerate(own) if s != i), len(own))
    seen = set()
    for i, r in enumerate(rows):
        s = int(r["seq"])
        if r["status"] in OWN:
            seen.add(s)
        else:
            assert s in seen, "row %d (%s of %d) before its probe's own row" % (i + 1, r["status"], s)


def check_pandas(got, rows, tcp=False):
    want = ["seq", "tx_ns", "rx_ns", "rtt_ns", "reordered", "refl_seq", "refl_rx_ns",
            "refl_tx_ns", "ttl"] + (["tcp_retransmits", "tcp_rto_ns"] if tcp else [])
    for c in want:
        assert got["dtypes"].get(c) == "Int64", "pandas read %s as %s" % (c, got["dtypes"].get(c))
    assert got["dtypes"]["status"] == "object", got["dtypes"]
    assert got["seq"] == [int(r["seq"]) for r in rows]
    assert got["status"] == [r["status"] for r in rows]
    # The reflector's 19-digit stamps come back exact, not through a float.
    want = [r["refl_rx_ns"] or None for r in rows]
    bad = [(a, b) for a, b in zip(got["refl_rx_ns"], want) if a != b]
    assert not bad, "pandas changed refl_rx_ns: %s became %s" % (bad[0][1], bad[0][0])


def test_lossy_run_rows_in_probe_order_match_truth(tmp):
    # Loss both ways and reordering through the relay (seeded), a second peer
    # straight to the reflector: one file each, both in probe order. A lost
    # probe is known only at its timeout, 100 probes after it was sent.
    refl, rport = start_reflector()
    relay, port, truth = start_relay(tmp, rport, "--loss-up", "6%", "--loss-down", "6%",
                                     "--reorder", "10%", "--delay", "2ms", "--jitter", "1ms",
                                     "--seed", 21)
    rj, rc = os.path.join(tmp, "run.json"), os.path.join(tmp, "run.csv")
    r = ub("--peer", "127.0.0.1:%d" % port, "--peer", "127.0.0.1:%d" % rport, "--mode", "stamp",
           "--count", 1500, "--interval", "2ms", "--timeout", "200ms", "--json", rj, "--csv", rc,
           "-q")
    assert r.returncode == 0, r.stderr
    t = finish_relay(relay, truth)
    stop(refl)
    res = load_json(rj)["peers"]
    assert not t["events_truncated"], "truth log cut short"

    lossy = os.path.join(tmp, "run-127.0.0.1_%d.csv" % port)
    clean = os.path.join(tmp, "run-127.0.0.1_%d.csv" % rport)
    for path, one in ((lossy, res[0]), (clean, res[1])):
        rows = check_plain_integers(path)
        check_order(rows, one["summary"]["sent"])
    s = res[0]["summary"]
    rows = read_rows(lossy)
    lost = {int(r["seq"]) for r in rows if r["status"] == "lost"}
    ok = [r for r in rows if r["status"] == "ok"]

    # Ground truth: the relay's log of what it dropped, by direction. (A
    # sender running late, under a sanitizer, skips slots: count what was sent.)
    assert t["up"]["in"] == s["sent"] > 1200, (t["up"], s["sent"])
    dropped_up = {e["seq"] for e in t["events"] if e["dir"] == "up" and e["action"] == "drop"}
    assert len(dropped_up) == t["up"]["dropped"] > 30, t["up"]
    assert t["down"]["dropped"] > 30, t["down"]
    assert dropped_up <= lost, sorted(dropped_up - lost)[:10]
    assert len(lost) == t["up"]["dropped"] + t["down"]["dropped"], (len(lost), t["up"], t["down"])
    assert len(ok) == t["down"]["out"], (len(ok), t["down"])
    # The reflector numbered what reached it; the numbers dropped down never came back.
    counters = {int(r["refl_seq"]) for r in ok}
    assert len(set(range(t["up"]["out"])) - counters) == t["down"]["dropped"], t["down"]
    assert t["down"]["reordered"] > 20 and any(r["reordered"] == "1" for r in ok), t["down"]

    # Each lost probe's row stands where its number is.
    for k in lost:
        assert int(rows[k]["seq"]) == k and rows[k]["status"] == "lost", (k, rows[k])

    got, path = read_with_pandas(lossy)
    check_pandas(got, read_rows(path))


def test_late_and_duplicate_rows_follow_their_probe(tmp):
    # Copies both ways and a way back slower than the timeout for some
    # replies: dup rows and late rows, each after its probe's own row.
    refl, rport = start_reflector()
    relay, port, truth = start_relay(tmp, rport, "--duplicate", "5%", "--delay-down", "40ms",
                                     "--jitter-down", "30ms", "--seed", 4)
    rj, rc = os.path.join(tmp, "dup.json"), os.path.join(tmp, "dup.csv")
    r = ub("--peer", "127.0.0.1:%d" % port, "--mode", "stamp", "--count", 800, "--interval",
           "2ms", "--timeout", "50ms", "--json", rj, "--csv", rc, "-q")
    assert r.returncode == 0, r.stderr
    t = finish_relay(relay, truth)
    stop(refl)
    s = load_json(rj)["summary"]
    rows = check_plain_integers(rc)
    check_order(rows, s["sent"])
    n = {st: sum(1 for r in rows if r["status"] == st) for st in ("ok", "lost", "late", "dup")}
    assert n["late"] == s["late"] > 10 and n["dup"] == s["duplicates"] > 10, (n, s)
    assert t["up"]["duplicated"] + t["down"]["duplicated"] > 20, (t["up"], t["down"])
    # Every reply that left the relay is in the file (a first copy, late, or a
    # copy) but those that were still on the way when the sender's wait for
    # the last probe (one timeout) ended: at most a timeout's worth of probes.
    got = n["ok"] + n["late"] + n["dup"]
    assert t["down"]["out"] - 40 <= got <= t["down"]["out"], (n, t["down"])
    # A late reply's probe was written off: its own row says lost.
    own = {int(r["seq"]): r["status"] for r in rows if r["status"] in OWN}
    assert all(own[int(r["seq"])] == "lost" for r in rows if r["status"] == "late")
    got, path = read_with_pandas(rc)
    check_pandas(got, read_rows(path))


def test_tcp_csv_reads_as_integers_in_order(tmp):
    refl, rport = start_reflector()
    rj, rc = os.path.join(tmp, "tcp.json"), os.path.join(tmp, "tcp.csv")
    r = ub("--peer", "127.0.0.1:%d" % rport, "--tcp", "--count", 200, "--interval", "1ms",
           "--json", rj, "--csv", rc, "-q")
    stop(refl)
    assert r.returncode == 0, r.stderr
    rows = check_plain_integers(rc)
    assert "tcp_rto_ns" in rows[0], rows[0].keys()
    check_order(rows, load_json(rj)["summary"]["sent"])
    got, path = read_with_pandas(rc)
    check_pandas(got, read_rows(path), tcp=True)


def test_interrupted_run_leaves_rows_in_order(tmp):
    # Ctrl-C in the middle of a lossy run: what waited for earlier probes is
    # written, in order, and every probe sent has its own row.
    refl, rport = start_reflector()
    relay, port, truth = start_relay(tmp, rport, "--loss", "10%", "--seed", 8)
    rj, rc = os.path.join(tmp, "int.json"), os.path.join(tmp, "int.csv")
    p = spawn([UDPBENCH, "--peer", "127.0.0.1:%d" % port, "--mode", "stamp", "--count", "20000",
               "--interval", "1ms", "--timeout", "300ms", "--json", rj, "--csv", rc, "-q"])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (os.path.exists(rc) and os.path.getsize(rc) > 20000):
        assert p.poll() is None, p.stderr.read()
        time.sleep(0.05)  # polling a file the sender writes; bounded above
    code, _, err = stop(p, signal.SIGINT, timeout=10)
    finish_relay(relay, truth)
    stop(refl)
    assert code == 0, err
    s = load_json(rj)["summary"]
    assert s["interrupted"] and 0 < s["sent"] < 20000, s
    rows = check_plain_integers(rc)
    check_order(rows, s["sent"])
    assert sum(1 for r in rows if r["status"] == "lost") == s["lost"] > 0, s
