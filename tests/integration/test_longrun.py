"""Long runs: the long-run chart of `udpbench report` (smokeping's median line,
grey smoke of percentiles, the line coloured by each interval's loss) is
drawn for results of 300 interval records or more and not below, its loss
classes held against the relay's truth log for a real run and against the
records for a synthesized day; older results without the lower percentiles
still draw; and the sender's memory stays flat over a long --summary-only run."""

import csv
import json
import math
import os
import random
import subprocess
import time

from harness import UDPBENCH, Skip, load_json, spawn, start_reflector, stop, ub
from test_relay import finish_relay, start_relay
from test_report import data_rows, need_report, png_size

MIN_RECORDS = 300
TIME = "/usr/bin/time"
COLUMNS = 800
ROUND = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 300, 600, 900, 1200, 1800, 3600)


def loss_class(lost, sent):
    """Smokeping's loss colours as the chart's legend names them."""
    if sent == 0:
        return -1
    if lost == 0:
        return 0
    pct = 100.0 * lost / sent
    for c, top in ((1, 2.0), (2, 5.0), (3, 10.0), (4, 20.0)):
        if pct <= top:
            return c
    return 5


def rank(v, per10k):
    k = max(1, -(-per10k * len(v) // 10000))
    return v[k - 1]


def synth(path, n, span_s=1.0, seed=3, old=False, start=1796553720):
    """A result of n interval records made up from random round trips, loss
    rising and falling over the run, and an outage; old: without the lower
    percentiles (min, p10, p25, p75), as results written before them."""
    rnd = random.Random(seed)
    span = int(span_s * 1e9)
    recs = []
    for i in range(n):
        frac = i / n
        sent = 50
        p = (0.0, 0.01, 0.04, 0.08, 0.15, 0.4)[int(frac * 12) % 6]
        outage = 0.80 <= frac < 0.81
        rtts, lost = [], 0
        for _ in range(sent):
            if outage or rnd.random() < p:
                lost += 1
                continue
            rtts.append(int(2e6 + rnd.expovariate(1 / 3e6)))
        rtts.sort()
        rec = {"start_ns": i * span, "end_ns": (i + 1) * span, "sent": sent,
               "received": sent - lost, "lost": lost, "lost_up": None, "lost_down": None,
               "rtt_median_ns": rank(rtts, 5000) if rtts else None,
               "rtt_p90_ns": rank(rtts, 9000) if rtts else None,
               "rtt_max_ns": rtts[-1] if rtts else None}
        if not old:
            rec.update({"rtt_min_ns": rtts[0] if rtts else None,
                        "rtt_p10_ns": rank(rtts, 1000) if rtts else None,
                        "rtt_p25_ns": rank(rtts, 2500) if rtts else None,
                        "rtt_p75_ns": rank(rtts, 7500) if rtts else None})
        recs.append(rec)
    doc = {"udpbench": {"version": "0.1.0", "format": 1},
           "params": {"peer": "127.0.0.1", "port": 10000, "mode": "stamp", "protocol": "udp",
                      "label": "day at the lab", "start_time_ns": start * 10**9,
                      "report_interval_ns": span, "interval_ns": span // sent},
           "summary": {"sent": sum(r["sent"] for r in recs),
                       "received": sum(r["received"] for r in recs),
                       "lost": sum(r["lost"] for r in recs)},
           "intervals": recs}
    with open(path, "w") as f:
        json.dump(doc, f)
    return recs


def report(tmp, res, name, *opts):
    out = os.path.join(tmp, name)
    r = ub("report", res, "-o", out, *opts)
    assert r.returncode == 0, r.stderr
    return out, sorted(os.listdir(out))


def columns(out, slug):
    rows = data_rows(os.path.join(out, "gnuplot", "%s-longrun.dat" % slug))
    return [[float(x) for x in row] for row in rows]


def group_of(n):
    least = -(-n // COLUMNS)
    return next((g for g in ROUND if g >= least), least)


def test_longrun_chart_for_a_synthesized_day(tmp):
    """A day of 1 s records (86400): a column per 2 min (120 records, 720
    columns); each column's sent, lost and loss class are its records' sums,
    its min and max their extremes, and a column where nothing came back is
    marked; the chart is a 1600x900 PNG, in Chinese too."""
    need_report()
    res = os.path.join(tmp, "day.json")
    recs = synth(res, 86400)
    out, files = report(tmp, res, "out", "--lang", "en")
    assert "longrun-day.png" in files, files
    assert png_size(os.path.join(out, "longrun-day.png")) == (1600, 900)
    # the long-run chart takes the place of the per-interval RTT chart
    assert "ivrtt-day.png" not in files and "ivloss-day.png" in files, files
    cols = columns(out, "day")
    g = group_of(len(recs))
    assert g == 120 and len(cols) == 720, (g, len(cols))
    none = 0
    for j, c in enumerate(cols):
        part = recs[j * g:(j + 1) * g]
        sent = sum(r["sent"] for r in part)
        lost = sum(r["lost"] for r in part)
        assert (c[10], c[12]) == (sent, lost), (j, c)
        assert int(c[14]) == loss_class(lost, sent), (j, c, lost, sent)
        with_rtt = [r for r in part if r["rtt_median_ns"] is not None]
        if not with_rtt:
            assert all(math.isnan(x) for x in c[3:10]), c
            none += 1
            continue
        assert abs(c[3] - min(r["rtt_min_ns"] for r in with_rtt) / 1e6) < 1e-6, c
        assert abs(c[9] - max(r["rtt_max_ns"] for r in with_rtt) / 1e6) < 1e-6, c
        # the bands in order, the median between the records' own
        assert c[3] <= c[4] <= c[5] <= c[6] <= c[7] <= c[8] <= c[9], c
        meds = [r["rtt_median_ns"] / 1e6 for r in with_rtt]
        assert min(meds) - 1e-6 <= c[6] <= max(meds) + 1e-6, c
    # the outage (0.80-0.81 of the day: 864 records) has columns of no reply
    assert none >= 6, none
    assert {int(c[14]) for c in cols} == {0, 1, 2, 3, 4, 5}, sorted({int(c[14]) for c in cols})
    # x in local time: the run's start, as this machine's clock shows it
    off = time.localtime(1796553720).tm_gmtoff
    assert abs(cols[0][1] - (1796553720 + off)) < 1e-3, cols[0]
    settings = open(os.path.join(out, "gnuplot", "longrun-day.set.gp"), encoding="utf-8").read()
    assert "24 h 00 min" in settings and "a column per 2 min (120 records of 1 s)" in settings, settings
    out, files = report(tmp, res, "out-zh", "--lang", "zh", "--format", "svg")
    assert "longrun-day.svg" in files, files
    shown = open(os.path.join(out, "longrun-day.svg"), encoding="utf-8").read()
    for words in ("丢包 ≤ 2 %", "24 小时 00 分钟", "本地时间"):
        assert words in shown, words


def test_longrun_threshold_and_older_results(tmp):
    """299 records draw no long-run chart (the per-interval one instead), 300
    do; records without the lower percentiles still draw, the smoke from
    the median up; records that are not records are left out."""
    need_report()
    short = os.path.join(tmp, "short.json")
    synth(short, MIN_RECORDS - 1, span_s=0.1)
    _, files = report(tmp, short, "out-short")
    assert not any(f.startswith("longrun-") for f in files), files
    assert "ivrtt-short.png" in files, files
    just = os.path.join(tmp, "just.json")
    synth(just, MIN_RECORDS, span_s=0.1)
    out, files = report(tmp, just, "out-just")
    assert "longrun-just.png" in files and "ivrtt-just.png" not in files, files
    assert len(columns(out, "just")) == MIN_RECORDS
    # an older result: the lower figures are the median's
    old = os.path.join(tmp, "old.json")
    recs = synth(old, 600, old=True)
    out, files = report(tmp, old, "out-old")
    assert "longrun-old.png" in files, files
    cols = columns(out, "old")
    for c, r in zip(cols, recs):
        if r["rtt_median_ns"] is not None:
            assert c[3] == c[4] == c[5] == c[6] == c[7], c
            assert c[8] == r["rtt_p90_ns"] / 1e6 and c[9] == r["rtt_max_ns"] / 1e6, (c, r)
    settings = open(os.path.join(out, "gnuplot", "longrun-old.set.gp"), encoding="utf-8").read()
    assert "median-90 %" in settings and "full = 0" in settings, settings
    # hostile records among 300 good ones: skipped, the rest drawn
    bad = os.path.join(tmp, "bad.json")
    synth(bad, MIN_RECORDS)
    doc = load_json(bad)
    doc["intervals"][5:5] = ["x", {"start_ns": -1, "end_ns": 5}, {"start_ns": 9, "end_ns": 3},
                             {"start_ns": 0, "end_ns": 1, "sent": 2, "lost": 7},
                             {"start_ns": "0", "end_ns": 1e300},
                             {"start_ns": 0, "end_ns": 2**63 - 1, "sent": 2**63 - 1,
                              "lost": 2**63 - 1, "received": 0}]
    with open(bad, "w") as f:
        json.dump(doc, f)
    out, files = report(tmp, bad, "out-bad")
    assert len(columns(out, "bad")) == MIN_RECORDS, files
    # records at the far end of what a time can hold, and a start a century away
    far = os.path.join(tmp, "far.json")
    synth(far, MIN_RECORDS, start=4102444800)
    doc = load_json(far)
    for k, rec in enumerate(doc["intervals"]):
        rec["start_ns"], rec["end_ns"] = 2**62 + k * 2**52, 2**62 + (k + 1) * 2**52
    doc["intervals"][-1]["end_ns"] = 2**63 - 1
    doc["intervals"][0]["rtt_max_ns"] = 2**63 - 1
    with open(far, "w") as f:
        json.dump(doc, f)
    out, files = report(tmp, far, "out-far")
    assert "longrun-far.png" in files and len(columns(out, "far")) == MIN_RECORDS, files


def truth_lost_by_probe(t, n):
    up = {e["seq"] for e in t["events"] if e["dir"] == "up" and e["action"] in ("drop", "queue_drop")}
    down_k = {e["seq"] for e in t["events"]
              if e["dir"] == "down" and e["action"] in ("drop", "queue_drop")}
    passed = [i for i in range(n) if i not in up]
    return up | {passed[k] for k in down_k}


def test_longrun_chart_of_a_real_run_matches_the_truth_log(tmp):
    """15 s through the relay with bursts of loss, a record every 50 ms:
    300 records, the long-run chart, and each column's loss class is what
    the relay's truth log says of the probes sent in its 50 ms."""
    need_report()
    refl, rport = start_reflector()
    relay, port, truth = start_relay(tmp, rport, "--loss-burst", "8%,30%,60%", "--seed", 11)
    rj, rc = os.path.join(tmp, "real.json"), os.path.join(tmp, "real.csv")
    n = 3000
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", n, "-i", "5ms", "--report-interval", "50ms",
           "--json", rj, "--csv", rc, "--timeout", "1s", "--mode", "stamp", "-q",
           "--summary-only")
    assert r.returncode == 0, r.stderr
    t = finish_relay(relay, truth)
    stop(refl)
    lost = truth_lost_by_probe(t, n)
    j = load_json(rj)
    assert len(j["intervals"]) >= MIN_RECORDS, len(j["intervals"])
    with open(rc, newline="") as f:
        rows = list(csv.DictReader(f))
    tx = {int(row["seq"]): int(row["tx_ns"]) for row in rows}
    # a reply past Tmax (a host that stalled) is lost to its record too, though the relay passed it
    late = {int(row["seq"]) for row in rows if row["status"] == "late"}
    span = 50000000
    sent, gone = {}, {}
    for seq, ns in tx.items():
        sent[ns // span] = sent.get(ns // span, 0) + 1
        gone[ns // span] = gone.get(ns // span, 0) + (seq in lost or seq in late)
    # the report from the JSON alone: take the CSV away
    os.rename(rc, rc + ".away")
    out, files = report(tmp, rj, "out")
    assert "longrun-real.png" in files, files
    cols = columns(out, "real")
    assert len(cols) == len(j["intervals"]), (len(cols), len(j["intervals"]))
    seen = set()
    for k, c in enumerate(cols):
        assert (c[10], c[12]) == (sent.get(k, 0), gone.get(k, 0)), (k, c, sent.get(k), gone.get(k))
        assert int(c[14]) == loss_class(gone.get(k, 0), sent.get(k, 0)), (k, c)
        seen.add(int(c[14]))
    # bursts give quiet and lossy intervals alike
    assert 0 in seen and len(seen) >= 3, seen
    # and a run of 3 s has no long-run chart
    refl, rport = start_reflector()
    rj2 = os.path.join(tmp, "brief.json")
    r = ub("--peer", "127.0.0.1:%d" % rport, "-c", 300, "-i", "10ms", "--report-interval", "100ms",
           "--json", rj2, "-q")
    assert r.returncode == 0, r.stderr
    stop(refl)
    _, files = report(tmp, rj2, "out-brief")
    assert not any(f.startswith("longrun-") for f in files), files


def wait_bounded(p, timeout):
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        raise AssertionError("the sender did not end within %ds" % timeout)


def test_interval_records_cost_little_memory(tmp):
    """2000 records of 10 ms with --summary-only against the same run without
    records: the sender's peak memory grows by under 500 bytes a record
    (a record is 128 bytes; a JSON tree of them would be about 800 each at
    exit), and the JSON holds every record, valid."""
    if not os.access(TIME, os.X_OK):
        raise Skip("no %s (Debian package time)" % TIME)
    if "ASAN_OPTIONS" in os.environ:
        raise Skip("under AddressSanitizer the peak is its quarantine and shadow: the bound is for plain builds")
    refl, port = start_reflector()
    runs = {}
    for ri in ("10ms", "0"):
        rj = os.path.join(tmp, "ri-%s.json" % ri)
        # GNU time reports the peak of the program itself (a child forked
        # from Python would count the interpreter's pages it had before exec)
        peak = os.path.join(tmp, "peak-%s.txt" % ri)
        runs[ri] = (spawn([TIME, "-f", "%M", "-o", peak, UDPBENCH, "--peer", "127.0.0.1:%d" % port,
                           "-d", "20s", "-i", "1ms", "--summary-only", "--report-interval", ri,
                           "--json", rj, "-q"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), rj, peak)
    peak = {}
    for ri, (p, rj, pf) in runs.items():
        assert wait_bounded(p, 90) == 0, ri
        with open(pf) as f:
            peak[ri] = int(f.read().split()[-1])
    stop(refl)
    recs = load_json(runs["10ms"][1])["intervals"]
    assert len(recs) >= 1990, len(recs)
    assert load_json(runs["0"][1]).get("intervals") is None
    extra = (peak["10ms"] - peak["0"]) * 1024
    print("  peak %d kB with %d records, %d kB without: %.0f bytes a record"
          % (peak["10ms"], len(recs), peak["0"], extra / len(recs)))
    assert extra < 500 * len(recs), (peak, len(recs))
