"""udpbench report end to end: real gnuplot, real PNG and SVG files, the
messages when an input, gnuplot or the Chinese font is missing, and the chart
data held against the summary of a result the sender really wrote."""

import json
import os
import random
import re
import shutil
import struct
import xml.etree.ElementTree as ET

from harness import UDPBENCH, Skip, load_json, need_tool, run, ub

MS = 1000000
CSV_HEAD = "seq,tx_ns,rx_ns,rtt_ns,status,reordered,refl_seq,refl_rx_ns,refl_tx_ns,ttl"


def need_report():
    r = ub("report", "--help")
    if r.returncode != 0 or not r.stdout.startswith("Usage: udpbench report"):
        raise Skip("udpbench report is not wired into the command line yet")
    need_tool("gnuplot")


def need_cjk_font():
    need_tool("fc-list")
    r = run(["fc-list", ":lang=zh", "family"])
    if not r.stdout.strip():
        raise Skip("no Chinese font installed (Debian package fonts-wqy-zenhei)")


def rank(v, per10k):
    """Nearest rank, as bench/stats.c computes the summary."""
    k = (len(v) * per10k + 9999) // 10000
    return v[max(k, 1) - 1]


def dist(v):
    v = sorted(v)
    return {"n": len(v), "min": v[0], "mean": sum(v) // len(v), "median": rank(v, 5000),
            "p90": rank(v, 9000), "p95": rank(v, 9500), "p99": rank(v, 9900),
            "p999": rank(v, 9990), "max": v[-1], "stddev": 0}


def bursts(lost_seqs, n):
    lost = set(lost_seqs)
    runs, cur = [], 0
    for s in range(n):
        if s in lost:
            cur += 1
        elif cur:
            runs.append(cur)
            cur = 0
    if cur:
        runs.append(cur)
    return {"count": len(runs), "mean_len": sum(runs) / len(runs) if runs else None,
            "max_len": max(runs) if runs else 0}


def write_result(tmp, name, params, summary, rows, head=CSV_HEAD):
    with open(os.path.join(tmp, name + ".json"), "w") as f:
        json.dump({"udpbench": {"version": "0.1.0", "format": 1},
                   "params": params, "summary": summary}, f)
    with open(os.path.join(tmp, name + ".csv"), "w") as f:
        f.write(head + "\n")
        for r in rows:
            f.write(",".join("" if c is None else str(c) for c in r) + "\n")
    return os.path.join(tmp, name + ".json")


def synthetic_pair(tmp, n=300, seed=5):
    """A UDP and a TCP result shaped like the sender's on one link that drops
    5 % each way: UDP probes go missing, TCP messages wait for a resend
    (200 ms RTO, doubling) and the ones behind them wait too."""
    rnd = random.Random(seed)
    iv, tmax = 10 * MS, 1000 * MS
    params = {"peer": "198.18.0.2", "peer_addr": "198.18.0.2:10000", "port": 10000,
              "mode": "stamp", "count": n, "interval_ns": iv, "size": 44, "timeout_ns": tmax,
              "start_time": "2026-01-05T08:00:00Z", "clock": "monotonic",
              "label": "Lossy Wi-Fi"}

    ok, lost, refl, up, down = [], [], 0, 0, 0
    for s in range(n):
        tx = s * iv
        if rnd.random() < 0.05:
            up += 1
            lost.append(s)
            continue
        r, refl = refl, refl + 1
        if rnd.random() < 0.05:
            down += 1
            lost.append(s)
            continue
        rtt = 20 * MS + int(rnd.expovariate(1 / (3 * MS)))
        ok.append([s, tx, tx + rtt, rtt, "ok", 0, r, 1, 2, 64])
    ok.sort(key=lambda row: row[2])
    top, reordered = -1, 0
    for row in ok:  # RFC 4737 NextExp
        if row[0] < top:
            row[5] = 1
            reordered += 1
        top = max(top, row[0])
    rows = ok + [[s, s * iv, None, None, "lost", 0, None, None, None, None] for s in lost]
    udp_sum = {"sent": n, "received": len(ok), "lost": len(lost),
               "loss_pct": 100.0 * len(lost) / n, "lost_up": up, "lost_down": down,
               "late": 0, "duplicates": 0, "reordered": reordered,
               "reorder_pct": 100.0 * reordered / len(ok), "loss_bursts": bursts(lost, n),
               "rtt_ns": dist([row[3] for row in ok]), "jitter_ns": MS,
               "tcp_retransmits": None, "tcp_rto_ns": None}
    udp = write_result(tmp, "udp", dict(params, proto="udp"), udp_sum, rows)

    rows, prev_rx, retx = [], 0, 0
    for s in range(n):
        tx, wait, rto = s * iv, 0, 200 * MS
        while rnd.random() < 0.0975:  # the segment or its echo dropped: resend after the RTO
            wait += rto
            rto *= 2
            retx += 1
        rx = max(tx + 20 * MS + int(rnd.expovariate(1 / (3 * MS))) + wait, prev_rx)
        prev_rx = rx
        rows.append([s, tx, rx, rx - tx, "ok", 0, None, None, None, None, retx, 204 * MS])
    tcp_sum = {"sent": n, "received": n, "lost": 0, "loss_pct": 0.0, "lost_up": None,
               "lost_down": None, "late": 0, "duplicates": 0, "reordered": 0,
               "loss_bursts": bursts([], n), "rtt_ns": dist([row[3] for row in rows]),
               "jitter_ns": 4 * MS, "tcp_retransmits": retx, "tcp_rto_ns": 408 * MS}
    tcp = write_result(tmp, "tcp", dict(params, proto="tcp", mode="stamp"), tcp_sum, rows,
                       CSV_HEAD + ",tcp_retransmits,tcp_rto_ns")
    assert udp_sum["lost"] > 0 and retx > 0, (udp_sum["lost"], retx)
    return udp, tcp


def png_size(path):
    """(width, height) from the IHDR chunk; fails unless the file is a PNG."""
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "%s is not a PNG" % path
    assert head[12:16] == b"IHDR", "%s has no IHDR first" % path
    return struct.unpack(">II", head[16:24])


def data_rows(path):
    with open(path) as f:
        return [line.split() for line in f if line.strip() and not line.startswith("#")]


def test_report_zh_writes_pngs_and_index(tmp):
    need_report()
    need_cjk_font()
    udp, tcp = synthetic_pair(tmp)
    out = os.path.join(tmp, "out")
    r = ub("report", udp, tcp, "-o", out, "--lang", "zh")
    assert r.returncode == 0, r.stderr
    pngs = sorted(f for f in os.listdir(out) if f.endswith(".png"))
    assert len(pngs) >= 4, pngs
    assert "udp-vs-tcp.png" in pngs and "compare.png" in pngs, pngs
    for p in pngs:
        assert png_size(os.path.join(out, p)) == (1600, 900), p
    with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
        html = f.read()
    shown = re.findall(r'<img src="([^"]+)"', html)
    assert sorted(shown) == pngs, (shown, pngs)
    assert "Lossy Wi-Fi (UDP)" in html and "Lossy Wi-Fi (TCP)" in html
    assert "往返时间" in html, "index.html is not in Chinese"
    assert os.path.exists(os.path.join(out, "summary.md"))
    # gnuplot said nothing: a log is kept only when it did
    logs = [f for f in os.listdir(os.path.join(out, "gnuplot")) if f.endswith(".log")]
    assert not logs, logs


def test_report_svg_carries_chinese_text(tmp):
    need_report()
    need_cjk_font()
    udp, tcp = synthetic_pair(tmp)
    out = os.path.join(tmp, "out")
    r = ub("report", udp, tcp, "-o", out, "--lang", "zh", "--format", "svg")
    assert r.returncode == 0, r.stderr
    svgs = sorted(f for f in os.listdir(out) if f.endswith(".svg"))
    assert "udp-vs-tcp.svg" in svgs and len(svgs) >= 4, svgs
    for s in svgs:
        path = os.path.join(out, s)
        ET.parse(path)  # well-formed
        with open(path, encoding="utf-8") as f:
            text = f.read()
        assert re.search(r"[\u4e00-\u9fff]", text), "%s has no Chinese text" % s
    with open(os.path.join(out, "udp-vs-tcp.svg"), encoding="utf-8") as f:
        lesson = f.read()
    assert "UDP 像平信" in lesson and "TCP 像挂号信" in lesson
    assert not [f for f in os.listdir(out) if f.endswith(".png")]


def test_report_redraws_from_its_folder(tmp):
    need_report()
    udp, tcp = synthetic_pair(tmp)
    out = os.path.join(tmp, "out")
    r = ub("report", udp, tcp, "-o", out, "--lang", "en")
    assert r.returncode == 0, r.stderr
    chart = os.path.join(out, "udp-vs-tcp.png")
    with open(chart, "rb") as f:
        first = f.read()
    os.unlink(chart)
    charts = os.path.join(out, "gnuplot", "charts.sh")
    r = run(["sh", charts])
    assert r.returncode == 0, r.stderr
    with open(chart, "rb") as f:
        assert f.read() == first, "charts.sh drew something else than udpbench report"
    # an edit to a template shows in the next drawing
    with open(os.path.join(out, "gnuplot", "style.gp"), "a") as f:
        f.write('set label 99 "edited" at screen 0.5, screen 0.5\n')
    r = run(["sh", charts])
    assert r.returncode == 0, r.stderr
    assert png_size(chart) == (1600, 900)
    with open(chart, "rb") as f:
        assert f.read() != first, "the edited template made no difference"


def test_report_missing_input_is_one_line(tmp):
    need_report()
    out = os.path.join(tmp, "out")
    r = ub("report", os.path.join(tmp, "nothere.json"), "-o", out)
    assert r.returncode in (1, 2), (r.returncode, r.stderr)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and "nothere.json" in lines[0], r.stderr
    assert not os.path.exists(out)


def test_report_names_the_missing_packages(tmp):
    need_report()
    udp, tcp = synthetic_pair(tmp)
    empty = os.path.join(tmp, "bin-empty")
    os.mkdir(empty)
    r = run([UDPBENCH, "report", udp, "-o", os.path.join(tmp, "a")], env={"PATH": empty})
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert r.returncode == 1 and len(lines) == 1 and "gnuplot-nox" in lines[0], r.stderr

    # gnuplot there, but fontconfig knows no Chinese font
    nofont = os.path.join(tmp, "bin-nofont")
    os.mkdir(nofont)
    os.symlink(shutil.which("gnuplot"), os.path.join(nofont, "gnuplot"))
    with open(os.path.join(nofont, "fc-list"), "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(os.path.join(nofont, "fc-list"), 0o755)
    r = run([UDPBENCH, "report", udp, "-o", os.path.join(tmp, "b"), "--lang", "zh"],
            env={"PATH": nofont})
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert r.returncode == 1 and len(lines) == 1 and "fonts-wqy-zenhei" in lines[0], r.stderr
    # English needs no Chinese font
    r = run([UDPBENCH, "report", udp, "-o", os.path.join(tmp, "c"), "--lang", "en"],
            env={"PATH": nofont})
    assert r.returncode == 0, r.stderr


def test_report_data_matches_a_real_run(tmp):
    """Charts from what the sender really wrote (the emulated crowded
    classroom): box statistics equal the summary, one lost mark per lost
    probe, and the up and down rows hold the summary's split."""
    need_report()
    res = os.path.join(tmp, "run")
    r = ub("scenario", "run", "crowded-classroom", "-o", res, "-c", 300, "-q", timeout=180)
    assert r.returncode == 0, r.stderr
    udp = os.path.join(res, "udp.json")
    s = load_json(udp)["summary"]
    assert s["lost"] > 0 and s["lost_up"] is not None, s
    out = os.path.join(tmp, "out")
    r = ub("report", udp, "-o", out, "--lang", "en")
    assert r.returncode == 0, r.stderr
    work = os.path.join(out, "gnuplot")

    box = data_rows(os.path.join(work, "compare.dat"))
    assert len(box) == 1
    rtt = s["rtt_ns"]
    for col, key in ((3, "median"), (5, "p95"), (6, "p99")):
        assert abs(float(box[0][col]) * MS - rtt[key]) < 1, (key, box[0][col], rtt[key])
    assert abs(float(box[0][7]) - s["loss_pct"]) < 1e-3

    lost = data_rows(os.path.join(work, "udp-lost.dat"))
    late = data_rows(os.path.join(work, "udp-late.dat"))
    assert len(lost) + len(late) == s["lost"] and len(late) == s["late"]
    up = data_rows(os.path.join(work, "udp-loss-up.dat"))
    down = data_rows(os.path.join(work, "udp-loss-down.dat"))
    late_row = data_rows(os.path.join(work, "udp-loss-late.dat"))
    assert (len(up), len(down) + len(late_row)) == (s["lost_up"], s["lost_down"])

    cdf = data_rows(os.path.join(work, "udp-cdf.dat"))
    assert len(cdf) == s["received"] == rtt["n"]
    assert abs(float(cdf[-1][1]) - 100.0) < 1e-9
    assert all(float(a[0]) <= float(b[0]) for a, b in zip(cdf, cdf[1:]))

    reord = data_rows(os.path.join(work, "udp-reordered.dat"))
    assert len(reord) == s["reordered"]
    assert max([int(row[2]) for row in reord] or [0]) == s["reorder_extent_max"]
