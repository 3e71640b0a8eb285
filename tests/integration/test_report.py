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

from harness import UDPBENCH, Skip, free_udp_port, load_json, need_tool, run, start_reflector, ub

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
    assert "往返时延" in html, "index.html is not in Chinese"
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


def test_report_no_charts_and_named_gnuplot(tmp):
    """--no-charts writes the tables and index.html with no gnuplot at all
    (and says so on the page instead of showing missing images); --gnuplot
    names the program to draw with, found off PATH."""
    need_report()
    udp, tcp = synthetic_pair(tmp)
    empty = os.path.join(tmp, "bin-empty")
    os.mkdir(empty)
    out = os.path.join(tmp, "tables")
    r = run([UDPBENCH, "report", udp, tcp, "-o", out, "--no-charts"], env={"PATH": empty})
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip().splitlines()[-1] == os.path.join(out, "index.html"), r.stderr
    names = os.listdir(out)
    assert {"index.html", "summary.md", "summary.csv", "gnuplot"} <= set(names), names
    assert not [n for n in names if n.endswith((".png", ".svg"))], names
    with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
        page = f.read()
    assert "<img" not in page and "The charts were not drawn" in page, page[-800:]
    assert "Lossy Wi-Fi" in page
    # the charts' data and settings are there to draw later
    assert os.path.exists(os.path.join(out, "gnuplot", "charts.sh"))
    assert os.path.exists(os.path.join(out, "gnuplot", "rtt.gp"))

    # the message for a missing gnuplot names the way round it
    r = run([UDPBENCH, "report", udp, "-o", os.path.join(tmp, "x")], env={"PATH": empty})
    assert r.returncode == 1 and "--no-charts" in r.stderr, r.stderr

    # --gnuplot: a program off PATH draws every chart the page shows
    tools = os.path.join(tmp, "my tools")
    os.mkdir(tools)
    os.symlink(shutil.which("gnuplot"), os.path.join(tools, "gp"))
    out = os.path.join(tmp, "drawn")
    r = run([UDPBENCH, "report", udp, "-o", out, "--lang", "en", "--gnuplot",
             os.path.join(tools, "gp")], env={"PATH": empty})
    assert r.returncode == 0, r.stderr
    with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
        imgs = re.findall(r'<img src="([^"]+)"', f.read())
    assert imgs
    for name in imgs:
        with open(os.path.join(out, name), "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", name


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


# ---- texts from the data never reach a shell through gnuplot ----

def files_under(*roots):
    """Every file below the given folders, as paths."""
    found = set()
    for root in roots:
        for d, _, names in os.walk(root):
            found.update(os.path.join(d, n) for n in names)
    return found


def svg_text(path):
    """The text an SVG shows, its <text> elements joined by newlines (XML-unescaped)."""
    root = ET.parse(path).getroot()
    parts = []
    for el in root.iter():
        if el.tag.endswith("}text") or el.tag == "text":
            parts.append("".join(el.itertext()))
    return "\n".join(parts)


def assert_no_command_ran(before, *roots):
    """No file appeared below roots beyond what a report writes; none named by a payload."""
    new = files_under(*roots) - before
    ran = [f for f in new if re.search(r"(^|/)(pwn\d*|p)$", f)]
    assert not ran, "a command from the data ran: %s" % ran


LABEL_BRIEF = "x`touch p`"
LABEL_MANY = "x`touch${IFS}pwn1`$(touch${IFS}pwn2)'.system('touch${IFS}pwn3').'@mac\"<&>"


def test_report_label_runs_no_command_and_shows_literally(tmp):
    """A label with backquotes, $(...), system() and quotes, measured for
    real and drawn by gnuplot (and by charts.sh again): no command runs,
    in the work folder, the output folder or the current folder, and the
    SVG charts show the label as typed."""
    need_report()
    refl, port = start_reflector("--no-tcp")
    cwd = os.path.join(tmp, "cwd")
    os.mkdir(cwd)
    before = files_under(tmp)
    results = []
    for i, label in enumerate((LABEL_BRIEF, LABEL_MANY)):
        rj, rc = os.path.join(tmp, "r%d.json" % i), os.path.join(tmp, "r%d.csv" % i)
        r = run([UDPBENCH, "--peer", "127.0.0.1:%d" % port, "-c", "50", "-i", "1ms",
                 "--label", label, "--json", rj, "--csv", rc, "-q"], cwd=cwd)
        assert r.returncode == 0, r.stderr
        assert load_json(rj)["params"]["label"] == label
        results.append(rj)
    out = os.path.join(tmp, "out")
    r = run([UDPBENCH, "report", results[0], results[1], "-o", out, "--format", "svg",
             "--title", "T`touch pwn6`"], cwd=cwd)
    assert r.returncode == 0, r.stderr
    assert_no_command_ran(before, tmp)
    assert not os.listdir(cwd), os.listdir(cwd)
    for name in ("rtt-r0.svg", "rtt-r1.svg", "cdf.svg", "compare.svg", "loss-r1.svg"):
        shown = svg_text(os.path.join(out, name))
        want = LABEL_MANY if name != "rtt-r0.svg" else LABEL_BRIEF
        assert want in shown, "%s does not show %r: %r" % (name, want, shown[:400])
    assert LABEL_BRIEF in svg_text(os.path.join(out, "cdf.svg"))
    assert "T`touch pwn6`" in svg_text(os.path.join(out, "compare.svg"))
    # drawing again from the folder runs nothing either
    r = run(["sh", os.path.join(out, "gnuplot", "charts.sh")], cwd=cwd)
    assert r.returncode == 0, r.stderr
    assert_no_command_ran(before, tmp)
    with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
        html = f.read()
    assert "@mac&quot;&lt;&amp;&gt;" in html and "<&>" not in html
    # the output folder's own name is data too: gnuplot starts in it, never told its name
    odd = os.path.join(tmp, "out`touch pwn4`$(touch pwn5)")
    r = run([UDPBENCH, "report", results[0], "-o", odd, "--format", "svg"], cwd=cwd)
    assert r.returncode == 0, r.stderr
    assert_no_command_ran(before, tmp)
    assert LABEL_BRIEF in svg_text(os.path.join(odd, "rtt-r0.svg"))


SCENARIO = """[scenario]
name_zh = 教室`touch pwn7`$(touch pwn8)
name_en = Room`touch pwn9`$(touch pwn10)'.system('touch pwn11').'@mac
description_en = a name that tries to run commands
[link]
delay = 1ms
[probe]
count = 20
interval = 5ms
protocols = udp
"""


def test_scenario_name_runs_no_command(tmp):
    """A scenario whose names hold commands: `scenario run` (which draws
    its charts with gnuplot) creates no file, and the names appear in the
    charts as written."""
    need_report()
    ini = os.path.join(tmp, "evil.ini")
    with open(ini, "w", encoding="utf-8") as f:
        f.write(SCENARIO)
    cwd = os.path.join(tmp, "cwd")
    os.mkdir(cwd)
    before = files_under(tmp)
    for lang in ("en", "zh"):
        out = os.path.join(tmp, "run-" + lang)
        r = run([UDPBENCH, "scenario", "run", ini, "-o", out, "--lang", lang, "-q"], cwd=cwd,
                timeout=120)
        assert r.returncode == 0, r.stderr
        assert os.path.exists(os.path.join(out, "report", "index.html")), r.stderr
        assert_no_command_ran(before, tmp)
        assert not os.listdir(cwd), os.listdir(cwd)
        name = ("教室`touch pwn7`$(touch pwn8)" if lang == "zh" else
                "Room`touch pwn9`$(touch pwn10)'.system('touch pwn11').'@mac")
        assert load_json(os.path.join(out, "udp.json"))["params"]["label"] == name
        svg = os.path.join(tmp, "svg-" + lang)
        r = run([UDPBENCH, "report", os.path.join(out, "udp.json"), "-o", svg, "--format", "svg",
                 "--lang", lang], cwd=cwd)
        assert r.returncode == 0, r.stderr
        assert name in svg_text(os.path.join(svg, "rtt-udp.svg"))
        assert_no_command_ran(before, tmp)


# ---- results at the edges: drawn, or refused in one line ----

def edge_result(tmp, name, rows, label=None, head=CSV_HEAD):
    params = {"peer": "127.0.0.1:10000", "mode": "echo", "proto": "udp", "interval_ns": MS,
              "timeout_ns": 1000 * MS, "label": label or name}
    summary = {"sent": len(rows), "received": sum(1 for r in rows if r[4] == "ok"),
               "lost": sum(1 for r in rows if r[4] == "lost"), "loss_pct": 0.0,
               "lost_up": None, "lost_down": None}
    return write_result(tmp, name, params, summary, rows, head)


def replies(n, rtt):
    return [[i, i * MS, None, rtt, "ok", 0, None, None, None, None] for i in range(n)]


def test_report_draws_every_edge_case(tmp):
    """Round trips all 0, all 1 ns, all 5 ms, one reply, negative, the
    largest a CSV holds, only lost probes, no probe at all, a 300-character
    label: udpbench report draws each (SVGs well formed, exit 0) and
    gnuplot has nothing to complain about but crowded legends."""
    need_report()
    cases = {
        "zero": replies(20, 0), "one-ns": replies(20, 1), "five-ms": replies(20, 5 * MS),
        "single": replies(1, 3 * MS), "negative": replies(5, -5 * MS),
        "mixed-sign": replies(1, -5 * MS) + [[1, MS, None, 2 * MS, "ok", 0] + [None] * 4],
        "huge": replies(3, 2 ** 63 - 1), "huge-negative": replies(3, -2 ** 63),
        "lost-only": [[i, i * MS, None, None, "lost", 0, None, None, None, None]
                      for i in range(10)],
        "empty": [],
    }
    for name, rows in cases.items():
        res = edge_result(tmp, name, rows)
        out = os.path.join(tmp, "out-" + name)
        r = ub("report", res, "-o", out, "--format", "svg")
        assert r.returncode == 0, (name, r.stderr)
        svgs = [f for f in os.listdir(out) if f.endswith(".svg")]
        assert bool(svgs) == (name != "empty"), (name, svgs)
        for s in svgs:
            ET.parse(os.path.join(out, s))
        logs = {f: open(os.path.join(out, "gnuplot", f)).read()
                for f in os.listdir(os.path.join(out, "gnuplot")) if f.endswith(".log")}
        assert not logs, (name, logs)
    for label in ("L" * 300, "长" * 300):
        res = edge_result(tmp, "long", replies(10, 2 * MS), label=label)
        out = os.path.join(tmp, "out-long")
        r = ub("report", res, "-o", out, "--format", "svg", "--lang", "en")
        assert r.returncode == 0, r.stderr
        for s in (f for f in os.listdir(out) if f.endswith(".svg")):
            ET.parse(os.path.join(out, s))
        assert label[:100] in svg_text(os.path.join(out, "rtt-long.svg"))
        shutil.rmtree(out)


def test_report_refuses_json_numbers_in_one_line(tmp):
    need_report()
    for i, num in enumerate(("NaN", "Infinity", "-Infinity", "1e999")):
        path = os.path.join(tmp, "n%d.json" % i)
        with open(path, "w") as f:
            f.write('{"udpbench":{},"params":{},"summary":{"loss_pct":%s}}' % num)
        r = ub("report", path, "-o", os.path.join(tmp, "o%d" % i))
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        assert r.returncode == 2 and len(lines) == 1 and "is not JSON" in lines[0], r.stderr
        assert not os.path.exists(os.path.join(tmp, "o%d" % i))


def test_report_reads_a_csv_cut_by_a_full_disk(tmp):
    """A real run's CSV cut in the middle of a row, as a full disk leaves
    it: the report uses the complete rows, leaves the cut one out and says
    so in one line; exit 0."""
    need_report()
    refl, port = start_reflector("--no-tcp")
    rj, rc = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.csv")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 100, "-i", "1ms", "--json", rj, "--csv", rc,
           "-q")
    assert r.returncode == 0, r.stderr
    with open(rc) as f:
        text = f.read()
    lines = text.splitlines(keepends=True)
    keep = 61  # the header and 60 rows
    cut = "".join(lines[:keep]) + lines[keep][:len(lines[keep]) // 2]
    with open(rc, "w") as f:
        f.write(cut)
    out = os.path.join(tmp, "out")
    r = ub("report", rj, "-o", out, "--format", "svg")
    assert r.returncode == 0, r.stderr
    warn = [l for l in r.stderr.splitlines() if "cut short" in l]
    assert len(warn) == 1, r.stderr
    assert "line %d" % (keep + 1) in warn[0] and "the 60 complete rows" in warn[0], warn
    rtt = data_rows(os.path.join(out, "gnuplot", "r-rtt.dat"))
    ok = [l for l in lines[1:keep] if ",ok," in l]
    assert len(rtt) == len(ok), (len(rtt), len(ok))


# ---- a classroom of named boards, one of them silent ----

ODD_NAME = 'Ann "x" `touch pwn12` $(touch pwn13) <script>alert(1)</script> Ωμ\u200b𝔘\u0301ـ'
BOARD_NAMES = ["小明的掌控板", "Board B", "=1+2", "张三", "Li Lei", "Han Meimei", "王五",
               ODD_NAME, "+cmd|' /C calc'!A0", "赵六"]


def intervals_of(rows, iv, span, up_of):
    """Interval records (i16 format) from per-probe rows: spans of send time."""
    out = []
    n_iv = (max(r[1] for r in rows) // span + 1) if rows else 0
    for k in range(n_iv):
        part = [r for r in rows if k * span <= r[1] < (k + 1) * span]
        rtts = sorted(r[3] for r in part if r[4] == "ok")
        lost = [r for r in part if r[4] == "lost"]
        up = sum(1 for r in lost if up_of(r[0]))
        out.append({"start_ns": k * span, "end_ns": (k + 1) * span, "sent": len(part),
                    "received": len(rtts), "lost": len(lost), "lost_up": up,
                    "lost_down": len(lost) - up,
                    "rtt_median_ns": rank(rtts, 5000) if rtts else None,
                    "rtt_p90_ns": rank(rtts, 9000) if rtts else None,
                    "rtt_max_ns": rtts[-1] if rtts else None})
    return out


def classroom(tmp, names=BOARD_NAMES, dead=(6,), n=400, csv=True, intervals=True,
              stem="class", seed=7):
    """A result of several boards (one JSON with "peers", a CSV per board
    unless csv is false), shaped like the sender's: board k answers after
    about 4 + 3k ms and loses some probes up and down; boards in dead never
    answer. Returns the JSON's path."""
    rnd = random.Random(seed)
    iv, span, peers = 10 * MS, 500 * MS, []
    for k, name in enumerate(names):
        addr = "127.0.0.%d:10000" % (k + 2)
        rows, ups = [], set()
        for s in range(n):
            tx = s * iv
            gone = k in dead or rnd.random() < 0.01 * (k % 4)
            if gone:
                if k not in dead and rnd.random() < 0.5:
                    ups.add(s)
                elif k in dead:
                    ups.add(s)
                rows.append([s, tx, None, None, "lost", 0, None, None, None, None])
            else:
                rtt = (4 + 3 * k) * MS + int(rnd.expovariate(1 / (1.5 * MS)))
                rows.append([s, tx, tx + rtt, rtt, "ok", 0, s, 1, 2, 64])
        ok = [r[3] for r in rows if r[4] == "ok"]
        lost = [r[0] for r in rows if r[4] == "lost"]
        up = len(ups)
        summary = {"sent": n, "received": len(ok), "lost": len(lost),
                   "loss_pct": 100.0 * len(lost) / n, "lost_up": up, "lost_down": len(lost) - up,
                   "late": 0, "duplicates": 0, "reordered": 0, "reorder_pct": 0.0,
                   "loss_bursts": bursts(lost, n),
                   "rtt_ns": dist(ok) if ok else dict({"n": 0}, **{
                       key: None for key in ("min", "mean", "median", "p90", "p95", "p99",
                                             "p999", "max", "stddev")}),
                   "jitter_ns": MS if ok else None}
        # lost up: the reflector's counter skips nothing for them, so number the replies densely
        c = 0
        for r in rows:
            if r[4] == "ok" or (r[4] == "lost" and r[0] not in ups):
                if r[4] == "ok":
                    r[6] = c
                c += 1
        params = {"peer": addr, "peer_addr": addr, "port": 10000, "mode": "stamp",
                  "proto": "udp", "count": n, "interval_ns": iv, "size": 44,
                  "timeout_ns": 1000 * MS, "start_time": "2026-12-06T09:03:05.000000Z",
                  "start_time_ns": 1796547785 * 10 ** 9, "clock": "monotonic",
                  "label": "Room 3", "name": name,
                  "report_interval_ns": span if intervals else None}
        peer = {"params": params, "summary": summary}
        if intervals:
            peer["intervals"] = intervals_of(rows, iv, span, lambda s, u=ups: s in u)
        peers.append(peer)
        if csv:
            # the sender's name for a named board's CSV: FILE-NAME.csv, what could leave the folder _
            csv_name = re.sub(r"[:/\[\]\\ ]", "_", name)
            with open(os.path.join(tmp, "%s-%s.csv" % (stem, csv_name)), "w") as f:
                f.write(CSV_HEAD + "\n")
                for r in rows:
                    f.write(",".join("" if v is None else str(v) for v in r) + "\n")
    path = os.path.join(tmp, stem + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"udpbench": {"version": "0.1.0", "format": 1}, "peers": peers}, f,
                  ensure_ascii=False)
    return path


def svg_colours(path):
    """The stroke and fill colours an SVG draws with, as '#rrggbb'."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    found = set()
    for r, g, b in re.findall(r"rgb\(\s*(\d+),\s*(\d+),\s*(\d+)\)", text):
        found.add("#%02X%02X%02X" % (int(r), int(g), int(b)))
    return found


def read_summary_csv(path):
    import csv
    with open(path, "rb") as f:
        raw = f.read()
    assert raw.startswith(b"\xef\xbb\xbf"), "summary.csv has no UTF-8 byte order mark"
    return list(csv.DictReader(raw[3:].decode("utf-8").splitlines(keepends=True)))


def test_report_classroom_every_board_named_none_left_out(tmp):
    """Ten named boards, one silent (王五), names that try to run commands or
    inject markup and formulas: every table and chart holds every board by
    its name, the silent one as "no reply" (never 0 µs); the summary table
    leads index.html, the overview the charts; file names carry the names;
    summary.csv opens cleanly in a spreadsheet; no command runs."""
    need_report()
    need_cjk_font()
    res = classroom(tmp)
    cwd = os.path.join(tmp, "cwd")
    os.mkdir(cwd)
    before = files_under(tmp)
    env = dict(os.environ, TZ="Asia/Shanghai")
    for lang, no_reply in (("en", "no reply"), ("zh", "无应答")):
        out = os.path.join(tmp, "out-" + lang)
        r = run([UDPBENCH, "report", res, "-o", out, "--lang", lang, "--format", "svg"], cwd=cwd,
                env=env)
        assert r.returncode == 0, r.stderr
        assert_no_command_ran(before, tmp)
        assert not os.listdir(cwd), os.listdir(cwd)
        logs = [f for f in os.listdir(os.path.join(out, "gnuplot")) if f.endswith(".log")]
        assert not logs, logs

        # index.html: the table first, then the overview, then the rest; names escaped
        with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
            html = f.read()
        figures = re.findall(r'<img src="([^"]+)"', html)
        assert figures and figures[0] == "overview.svg", figures
        assert html.index("<table") < html.index("<figure"), "the summary table is not first"
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        # a row per board, by name; the silent one's round-trip cells say "no reply"
        table = html[html.index('<table class="class">'):html.index("</table>")]
        rows = table.split("</tr>")
        heads = re.findall(r"<th>([^<]*)</th>", rows[0])
        names = [re.search(r"<th>([^<]*)</th>", r).group(1) for r in rows[1:] if "<th>" in r]
        assert len(names) == len(BOARD_NAMES), names
        dead_row = [r for r in rows if "<th>王五</th>" in r]
        assert len(dead_row) == 1 and 'class="dead"' in dead_row[0], dead_row
        cells = re.findall(r"<td>([^<]*)</td>", dead_row[0])
        col = heads.index("RTT median" if lang == "en" else "往返时延 中位数")
        assert cells[col] == no_reply, (heads[col], cells)
        assert not [c for c in cells if c.startswith("0 µs") or c.startswith("0 微秒")], cells
        # the overview: every board, fastest first, the silent one last as "no reply"
        rows = data_rows(os.path.join(out, "gnuplot", "classview.dat"))
        assert len(rows) == len(BOARD_NAMES), rows
        medians = [float(x[3]) for x in rows[:-1]]
        assert medians == sorted(medians), medians
        assert rows[-1][3] == "NaN" and rows[-1][10] == "1", rows[-1]
        shown = svg_text(os.path.join(out, "overview.svg"))
        for name in BOARD_NAMES:
            want = name if len(name) < 24 else name[:20]
            assert want in shown, "overview.svg lacks %r" % want
        assert shown.count(no_reply) >= 2, shown
        # the compare chart keeps a place for the silent board
        shown = svg_text(os.path.join(out, "compare.svg"))
        assert no_reply in shown and "王五" in shown, shown[-300:]
        box = [l for l in data_rows(os.path.join(out, "gnuplot", "compare.dat"))]
        assert len(box) == len(BOARD_NAMES)
        assert not any(" 0 µs" in t or "0 微秒" in t for t in (shown,))

        # per-board file names lead with the name; the odd name shows literally
        svgs = os.listdir(out)
        assert "loss-Board_B-127.0.0.3_10000.svg" in svgs, svgs
        assert "rtt-Li_Lei-127.0.0.6_10000.svg" in svgs, svgs
        # a board that never answered has no time to draw: no 0 ms RTT chart, its losses say it
        assert not [s for s in svgs if s.startswith("rtt-") and "127.0.0.8_" in s], svgs
        assert no_reply in svg_text(os.path.join(out, "loss-class-127.0.0.8_10000.svg"))
        odd = [s for s in svgs if s.startswith("rtt-") and "127.0.0.9_" in s]
        assert odd == ["rtt-Ann_x_touch_pwn12_touch_pwn13_script_alert_1_scr-127.0.0.9_10000.svg"], odd
        assert ODD_NAME in svg_text(os.path.join(out, odd[0]))

        # summary.csv: a row per board, the silent one with empty round-trip cells
        table = read_summary_csv(os.path.join(out, "summary.csv"))
        assert [t["name"] for t in table] == [
            ("'" + n if n[0] in "=+-@" else n) for n in BOARD_NAMES], [t["name"] for t in table]
        dead = table[6]
        assert dead["received"] == "0" and dead["status"] == no_reply, dead
        assert all(dead[k] == "" for k in ("rtt_min_ms", "rtt_median_ms", "rtt_p90_ms",
                                           "rtt_p99_ms", "rtt_max_ms")), dead
        assert table[1]["start_local_time"] == "2026-12-06 17:03:05", table[1]
        summary = load_json(res)["peers"][1]["summary"]
        assert table[1]["rtt_median_ms"] == "%.3f" % (summary["rtt_ns"]["median"] / 1e6)
        assert table[1]["lost_up"] == str(summary["lost_up"])
        assert table[1]["loss_pct"] == "%.3f" % summary["loss_pct"]
    # drawing again from the folder runs nothing either
    r = run(["sh", os.path.join(tmp, "out-en", "gnuplot", "charts.sh")], cwd=cwd)
    assert r.returncode == 0, r.stderr
    assert_no_command_ran(before, tmp)


def test_report_many_boards_one_colour(tmp):
    """Forty boards: the overview grows tall enough for a row each, the
    compare chart uses one colour and no CDF with forty look-alike lines is
    drawn."""
    need_report()
    names = ["Board %02d" % i for i in range(40)]
    res = classroom(tmp, names=names, dead=(3, 17), n=60, intervals=False)
    out = os.path.join(tmp, "out")
    r = ub("report", res, "-o", out, "--lang", "en")
    assert r.returncode == 0, r.stderr
    w, h = png_size(os.path.join(out, "overview.png"))
    assert w == 1600 and h >= 40 * 40, (w, h)
    assert not os.path.exists(os.path.join(out, "cdf.png"))
    colours = {row[8] for row in data_rows(os.path.join(out, "gnuplot", "compare.dat"))}
    assert colours == {"1"}, colours
    rows = data_rows(os.path.join(out, "gnuplot", "classview.dat"))
    assert len(rows) == 40 and [x[10] for x in rows[-2:]] == ["1", "1"], rows[-2:]


def test_report_json_alone_draws_charts(tmp):
    """Results saved without their per-probe CSV: from the interval records
    alone `udpbench report` draws RTT over time, loss over time and the
    overview, and says the charts come from per-interval figures; the lost
    probes drawn add up to the summary's, up and down apart."""
    need_report()
    res = classroom(tmp, csv=False, stem="only")
    out = os.path.join(tmp, "out")
    r = ub("report", res, "-o", out, "--lang", "en", "--format", "svg")
    assert r.returncode == 0, r.stderr
    svgs = sorted(f for f in os.listdir(out) if f.endswith(".svg"))
    assert "overview.svg" in svgs, svgs
    peers = load_json(res)["peers"]
    work = os.path.join(out, "gnuplot")
    for p in peers:
        slug = [s[len("ivloss-"):-4] for s in svgs
                if s.startswith("ivloss-") and p["params"]["peer"].replace(":", "_") in s]
        assert len(slug) == 1, (p["params"]["peer"], svgs)
        assert "ivrtt-%s.svg" % slug[0] in svgs, svgs
        loss = data_rows(os.path.join(work, "%s-ivloss.dat" % slug[0]))
        assert len(loss) == len(p["intervals"])
        assert sum(int(x[5]) for x in loss) == p["summary"]["lost"]
        assert sum(int(x[6]) for x in loss) == p["summary"]["lost_up"]
        assert sum(int(x[7]) for x in loss) == p["summary"]["lost_down"]
        rtt = data_rows(os.path.join(work, "%s-ivrtt.dat" % slug[0]))
        assert len(rtt) == sum(1 for i in p["intervals"] if i["rtt_median_ns"] is not None)
        shown = svg_text(os.path.join(out, "ivrtt-%s.svg" % slug[0]))
        assert "per-interval figures" in shown, shown[:300]
        if p["summary"]["received"] == 0:
            assert "no reply" in shown
    # one board, one file, no CSV: the three charts all the same
    one = os.path.join(tmp, "one.json")
    doc = dict(peers[1])
    doc["udpbench"] = {"version": "0.1.0", "format": 1}
    with open(one, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False)
    out = os.path.join(tmp, "out-one")
    r = ub("report", one, "-o", out, "--lang", "zh")
    assert r.returncode == 0, r.stderr
    pngs = sorted(f for f in os.listdir(out) if f.endswith(".png"))
    assert pngs == ["ivloss-Board_B.png", "ivrtt-Board_B.png", "overview.png"], pngs
    assert "按时段记录绘图" in r.stderr, r.stderr


def test_report_words_match_the_colours(tmp):
    """A chart's words name the colour its marks are drawn in: the lost
    probes are vermilion (#D55E00) and called orange-red, and no other
    orange line sits beside them in the RTT chart."""
    need_report()
    udp, tcp = synthetic_pair(tmp)
    out = os.path.join(tmp, "out")
    r = ub("report", udp, "-o", out, "--lang", "en", "--format", "svg")
    assert r.returncode == 0, r.stderr
    chart = os.path.join(out, "rtt-udp.svg")
    shown = svg_text(chart)
    assert "orange-red ×" in shown and "red ×" not in shown.replace("orange-red ×", ""), shown[:200]
    colours = svg_colours(chart)
    assert "#D55E00" in colours, colours
    assert "#E69F00" not in colours, "an orange line beside the orange-red marks"
    with open(os.path.join(out, "gnuplot", "rtt-udp.set.gp"), encoding="utf-8") as f:
        settings = f.read()
    # the SVG names a list of fonts, the Chinese ones among them, for viewers that lack the first,
    # on every text (titles too), each at its size: titles larger than the axes' figures
    assert re.search(r"font = 'DejaVu Sans,[^']*WenQuanYi Zen Hei[^']*,sans-serif'", settings), settings
    with open(chart, encoding="utf-8") as f:
        fonts = re.findall(r'font-family="([^"]*)" font-size="([0-9.]+)"', f.read())
    assert fonts and all(fam.endswith(",sans-serif") for fam, _ in fonts), set(fonts)
    sizes = sorted({float(size) for _, size in fonts})
    assert len(sizes) >= 2 and sizes[-1] > sizes[0] and sizes[0] >= 20, sizes


def test_report_from_a_real_classroom_run(tmp):
    """The sender's own files: three named boards on loopback, one with
    nothing listening. With the CSVs (named FILE-NAME.csv) and with the JSON
    alone, the report draws every board by its name, the silent one as "no
    reply"; from the JSON alone the interval charts hold the sender's
    interval records, their losses adding up to the summary's."""
    need_report()
    refl, port = start_reflector("--no-tcp")
    silent = free_udp_port()
    peers = os.path.join(tmp, "peers.txt")
    with open(peers, "w", encoding="utf-8") as f:
        f.write("# a classroom\n127.0.0.1:%d Board A\n127.0.0.1:%d 小明\n127.0.0.1:%d Dead one\n"
                % (port, port, silent))
    rj, rc = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.csv")
    r = ub("--peers", peers, "-c", 300, "-i", "10ms", "--report-interval", "250ms", "--json", rj,
           "--csv", rc, "-q", timeout=60)
    assert r.returncode == 0, r.stderr
    result = load_json(rj)
    assert [p["params"]["name"] for p in result["peers"]] == ["Board A", "小明", "Dead one"]
    out = os.path.join(tmp, "out")
    r = ub("report", rj, "-o", out, "--lang", "en")
    assert r.returncode == 0, r.stderr
    assert "different clocks" not in r.stderr, r.stderr
    pngs = os.listdir(out)
    assert "rtt-Board_A-127.0.0.1_%d.png" % port in pngs, pngs
    assert "loss-Dead_one-127.0.0.1_%d.png" % silent in pngs, pngs
    table = read_summary_csv(os.path.join(out, "summary.csv"))
    assert [t["name"] for t in table] == ["Board A", "小明", "Dead one"]
    assert table[2]["status"] == "no reply" and table[2]["rtt_median_ms"] == ""
    assert abs(float(table[0]["rtt_median_ms"]) * 1e6
               - result["peers"][0]["summary"]["rtt_ns"]["median"]) <= 500

    # the JSON alone
    alone = os.path.join(tmp, "alone")
    os.mkdir(alone)
    shutil.copy(rj, alone)
    out = os.path.join(tmp, "out-alone")
    r = ub("report", os.path.join(alone, "r.json"), "-o", out, "--lang", "en", "--format", "svg")
    assert r.returncode == 0, r.stderr
    svgs = os.listdir(out)
    assert "overview.svg" in svgs, svgs
    for p in result["peers"]:
        name = p["params"]["name"]
        slug = {"Board A": "Board_A-127.0.0.1_%d" % port, "小明": "r-127.0.0.1_%d" % port,
                "Dead one": "Dead_one-127.0.0.1_%d" % silent}[name]
        for kind in ("ivrtt", "ivloss"):
            assert "%s-%s.svg" % (kind, slug) in svgs, (kind, slug, svgs)
        loss = data_rows(os.path.join(out, "gnuplot", "%s-ivloss.dat" % slug))
        assert len(loss) == len(p["intervals"]) > 0
        assert sum(int(x[5]) for x in loss) == sum(i["lost"] for i in p["intervals"])
        assert sum(int(x[3]) for x in loss) == p["summary"]["sent"], (name, loss)
    shown = svg_text(os.path.join(out, "overview.svg"))
    assert "Board A" in shown and "小明" in shown and "Dead one" in shown and "no reply" in shown
