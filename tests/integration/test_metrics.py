"""Monitoring (--metrics): a real Prometheus (Debian's package) scrapes the
sender and the reflector every second through a link emulator that loses and
duplicates; its HTTP API must hold every udpbench series, with the values of
the sender's own JSON and of the relay's truth log. Also: promtool's check of
a real scrape, the OpenMetrics text read by a parser written here from the
specification, a run without -c or -d that goes on until Ctrl-C beside the
live page, and the shipped Grafana dashboard asking only for series that a
scrape holds."""

import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

from harness import ROOT, UDPBENCH, Skip, load_json, spawn, start_reflector, stop, ub, wait_line
from test_relay import finish_relay, start_relay

# Board names and a run label as hostile as a peers file and a shell allow.
NAMES = ['教室 "3" \\ back', "Board=2,{x}"]
LABEL = 'run "A"\\b, 第一次'
COUNTERS = ("sent", "received", "lost", "late", "lost_up", "lost_down", "duplicates", "reordered")
DASHBOARD = os.path.join(ROOT, "reports", "monitoring", "grafana-dashboard.json")
PROM_EXAMPLE = os.path.join(ROOT, "reports", "monitoring", "prometheus.yml")


def free_tcp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http_get(url, accept=None, timeout=2.0):
    """(Content-Type, body text) of a GET."""
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.headers.get("Content-Type"), r.read().decode("utf-8")


# ---- a reader of the exposition text, from the OpenMetrics 1.0 and text 0.0.4 specifications ----

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def unescape(v):
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "\\": "\\", '"': '"'}[m.group(1)], v)


def parse_labels(text):
    labels, pos = {}, 0
    while pos < len(text):
        m = LABEL_PAIR.match(text, pos)
        assert m, "bad labels at %r" % text[pos:]
        assert m.group(1) not in labels, "label %s twice" % m.group(1)
        labels[m.group(1)] = unescape(m.group(2))
        pos = m.end()
    return labels


def parse(text, openmetrics):
    """{family: {"type", "unit", "help", "samples": [(name, labels, value)]}}; asserts the grammar."""
    fams, cur = {}, None
    lines = text.split("\n")
    assert lines[-1] == "", "the text must end with a line feed"
    lines = lines[:-1]
    if openmetrics:
        assert lines[-1] == "# EOF" and "# EOF" not in lines[:-1], lines[-3:]
        lines = lines[:-1]
    for line in lines:
        if line.startswith("# "):
            kind, name, rest = (line[2:].split(" ", 2) + [""])[:3]
            assert kind in ("HELP", "TYPE", "UNIT"), line
            fam = fams.setdefault(name, {"samples": []})
            assert kind.lower() not in fam, "%s twice for %s" % (kind, name)
            fam[kind.lower()] = rest
            cur = name
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        name, value = m.group(1), float(m.group(4))
        assert cur and name.startswith(cur), "%s outside its family %s" % (name, cur)
        fams[cur]["samples"].append((name, parse_labels(m.group(3) or ""), value))
    for name, fam in fams.items():
        if fam["type"] == "counter":
            want = name + "_total" if openmetrics else name
            assert openmetrics != name.endswith("_total"), name
            assert all(s[0] == want for s in fam["samples"]), (name, fam["samples"][:2])
        if "unit" in fam:
            assert openmetrics and name.endswith("_" + fam["unit"]), name
    return fams


def check_histograms(fams):
    """Buckets cumulative, ending at +Inf equal to _count, for every series."""
    seen = 0
    for name, fam in fams.items():
        if fam["type"] != "histogram":
            continue
        series = {}
        for sname, labels, v in fam["samples"]:
            key = tuple(sorted((k, x) for k, x in labels.items() if k != "le"))
            series.setdefault(key, {"le": [], "count": None})
            if sname == name + "_bucket":
                series[key]["le"].append((float(labels["le"]), v))
            elif sname == name + "_count":
                series[key]["count"] = v
        for s in series.values():
            les = s["le"]
            assert [b for b, _ in les] == sorted(b for b, _ in les), les
            assert all(a[1] <= b[1] for a, b in zip(les, les[1:])), les
            assert les[-1][0] == math.inf and les[-1][1] == s["count"], les[-1]
            seen += 1
    return seen


def values(fams, family, **want):
    """{labels as a tuple: value} of a family's samples whose labels include want."""
    out = {}
    for _, labels, v in fams[family]["samples"]:
        if all(labels.get(k) == x for k, x in want.items()):
            out[tuple(sorted(labels.items()))] = v
    return out


# ---- Prometheus ----

def start_prometheus(tmp, targets):
    """Prometheus on a free loopback port scraping targets {job: "host:port"} every second."""
    exe = shutil.which("prometheus")
    if not exe:
        raise Skip("prometheus is not installed (Debian package prometheus; make deps-test)")
    port = free_tcp_port()
    cfg = os.path.join(tmp, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n")
        for job, target in targets.items():
            f.write("  - job_name: %s\n    static_configs:\n      - targets: ['%s']\n" % (job, target))
    log = open(os.path.join(tmp, "prometheus.log"), "wb")
    p = spawn([exe, "--config.file", cfg, "--storage.tsdb.path", os.path.join(tmp, "tsdb"),
               "--web.listen-address", "127.0.0.1:%d" % port, "--log.level", "warn"],
              stdout=log, stderr=log)
    base = "http://127.0.0.1:%d" % port
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if p.poll() is not None:
            raise AssertionError("prometheus exited: " + open(log.name).read()[-2000:])
        try:
            if urllib.request.urlopen(base + "/-/ready", timeout=1).status == 200:
                return p, base
        except OSError:
            pass
        time.sleep(0.1)  # polling a server that is starting; bounded above
    raise AssertionError("prometheus not ready within 20 s")


def wait_up(base, job, timeout=20):
    """Waits until Prometheus has scraped job's target successfully (its scrape loops start a few s late)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(base + "/api/v1/targets", timeout=2) as r:
            for t in json.load(r)["data"]["activeTargets"]:
                if t["labels"].get("job") == job and t["health"] == "up":
                    return
        time.sleep(0.2)  # polling Prometheus' own view; bounded above
    raise AssertionError("prometheus never scraped %s within %d s" % (job, timeout))


def query(base, promql, at=None):
    """The instant vector of promql (at a Unix time, else now): [(labels, value)]."""
    args = {"query": promql}
    if at is not None:
        args["time"] = "%.3f" % at
    try:
        with urllib.request.urlopen(base + "/api/v1/query?" + urllib.parse.urlencode(args),
                                    timeout=5) as r:
            j = json.load(r)
    except urllib.error.HTTPError as exc:  # a query Prometheus cannot parse is a 400
        raise AssertionError("%s: %s" % (promql, exc.read().decode(errors="replace")))
    assert j["status"] == "success", j
    return [(x["metric"], float(x["value"][1])) for x in j["data"]["result"]]


def dashboard_exprs():
    """The PromQL of every panel of the shipped dashboard, its variables set to match all."""
    with open(DASHBOARD, encoding="utf-8") as f:
        dash = json.load(f)
    out = []
    for p in dash["panels"]:
        for t in p.get("targets", []):
            e = t["expr"].replace("$peer", ".*").replace("$label", ".*")
            out.append((p["title"], e.replace("$__rate_interval", "3s")))
    return out


def last(base, metric, selector=""):
    """Each series' last sample within the last minute (after its target went away too)."""
    return query(base, "last_over_time(%s{%s}[1m])" % (metric, selector))


def test_prometheus_finds_the_series(tmp):
    if not shutil.which("prometheus"):
        raise Skip("prometheus is not installed (Debian package prometheus; make deps-test)")
    sport, rmport = free_tcp_port(), free_tcp_port()
    prom, base = start_prometheus(tmp, {"udpbench": "127.0.0.1:%d" % sport,
                                        "reflector": "127.0.0.1:%d" % rmport})
    refl, rport = start_reflector("--metrics", "127.0.0.1:%d" % rmport)
    relay, port, truth = start_relay(tmp, rport, "--loss-up", "4%", "--loss-down", "4%",
                                     "--duplicate", "2%", "--reorder", "2%", "--delay", "2ms",
                                     "--jitter", "2ms", "--seed", 11)
    # the sender's target is scraped in the same turn as the reflector's, once a second
    wait_up(base, "reflector")
    pf = os.path.join(tmp, "peers.txt")
    with open(pf, "w", encoding="utf-8") as f:
        f.write("127.0.0.1:%d %s\n" % (port, NAMES[0]))
    rj = os.path.join(tmp, "r.json")
    t0 = time.time()
    # a timeout that a few replies miss: they count as lost, and as late
    snd = spawn([UDPBENCH, "--peers", pf, "-c", "1000", "-i", "4ms", "--timeout", "7ms",
                 "--mode", "stamp", "--json", rj, "--label", LABEL, "--metrics",
                 "127.0.0.1:%d" % sport])
    code, _, err = wait_exit(snd, 30)
    t_end = time.time()
    assert code == 0, err
    code, _, rerr = stop(refl, signal.SIGINT, timeout=15)
    assert code == 0, rerr
    t = finish_relay(relay, truth)
    j = load_json(rj)
    s = j["summary"]

    sel = 'job="udpbench"'
    got = {}
    for k in COUNTERS:
        series = last(base, "udpbench_%s_total" % k, sel)
        assert len(series) == 1, (k, series)
        labels, v = series[0]
        # the hostile name and label came through intact
        assert labels["name"] == NAMES[0] and labels["label"] == LABEL, labels
        assert labels["peer"] == "127.0.0.1:%d" % port, labels
        got[k] = v
    for k in COUNTERS:
        assert got[k] == s[k], (k, got[k], s[k])
    # against the relay's truth: every probe went in, every copy it sent on reached the reflector
    assert got["sent"] == t["up"]["in"] == 1000, (got["sent"], t["up"])
    assert min(got["lost"], got["late"], got["duplicates"], got["reordered"]) > 0, got
    (_, count), = last(base, "udpbench_rtt_seconds_count", sel)
    assert count == s["received"], (count, s["received"])
    (_, finished), = last(base, "udpbench_finished", sel)
    assert finished == 1
    (_, start), = last(base, "udpbench_start_time_seconds", sel)
    assert abs(start - j["params"]["start_time_ns"] / 1e9) < 0.05, (start, j["params"]["start_time_ns"])
    # a quantile of the histogram, as the dashboard asks for one
    (_, p50), = query(base, 'histogram_quantile(0.5, last_over_time(udpbench_rtt_seconds_bucket{%s}[1m]))' % sel)
    # ... inside the bucket that holds the JSON's median (Prometheus interpolates within it)
    bounds = [0.0] + [float(l["le"]) for l, _ in
                      last(base, "udpbench_rtt_seconds_bucket", sel) if l["le"] != "+Inf"]
    bounds.sort()
    med = s["rtt_ns"]["median"] / 1e9
    lo, hi = max(b for b in bounds if b < med), min(b for b in bounds if b >= med)
    assert lo <= p50 <= hi, (p50, med, lo, hi)

    # every panel of the dashboard is PromQL Prometheus accepts, and shows data from the run
    for title, e in dashboard_exprs():
        series = query(base, e, at=t_end)
        assert series or "> 0" in e, (title, e)

    rsel = 'job="reflector"'
    (_, received), = last(base, "udpbench_reflector_received_total", rsel)
    (_, reflected), = last(base, "udpbench_reflector_reflected_total", rsel)
    assert received == t["up"]["out"], (received, t["up"])
    assert reflected == t["down"]["in"] == received, (reflected, t["down"])
    drops = last(base, "udpbench_reflector_dropped_total", rsel)
    assert {l["reason"] for l, _ in drops} >= {"short", "rate_capped", "bad_key"}, drops
    assert sum(v for _, v in drops) == 0, drops
    (_, sessions), = last(base, "udpbench_reflector_sessions_started_total", rsel)
    assert sessions == 1
    print("  Prometheus: sent %d received %d lost %d (late %d, up %d, down %d) dup %d "
          "reordered %d; reflector %d in, truth %d; p50 %.3f ms (JSON median %.3f ms); %.1f s"
          % (got["sent"], got["received"], got["lost"], got["late"], got["lost_up"],
             got["lost_down"], got["duplicates"], got["reordered"], received, t["up"]["out"],
             p50 * 1e3, med * 1e3, time.time() - t0))
    stop(prom, signal.SIGTERM, timeout=15)


def wait_exit(p, timeout):
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise AssertionError("did not end within %d s: %s" % (timeout, err.decode(errors="replace")))
    return p.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def scrape(url, openmetrics):
    ctype, text = http_get(url, "application/openmetrics-text; version=1.0.0" if openmetrics else None)
    want = "application/openmetrics-text; version=1.0.0" if openmetrics else "text/plain; version=0.0.4"
    assert ctype.startswith(want), ctype
    return text, parse(text, openmetrics)


def board_figures(fams, name):
    """{counter: value} of the board with that name."""
    out = {}
    for k in COUNTERS:
        fam = fams.get("udpbench_" + k) or fams.get("udpbench_%s_total" % k)
        v = [x for _, labels, x in fam["samples"] if labels.get("name") == name] if fam else []
        if v:
            out[k] = v[0]
    return out


def test_until_ctrl_c_beside_the_live_page(tmp):
    """No -c or -d: the run goes on until Ctrl-C, in constant memory; both watchers see it.
    The OpenMetrics text follows the specification, and the dashboard asks
    for nothing a scrape lacks."""
    rmport = free_tcp_port()
    ra, pa = start_reflector("--metrics", "127.0.0.1:%d" % rmport)
    rm_url = "http://127.0.0.1:%d/metrics" % rmport
    rb, pb = start_reflector()
    pf, rj = os.path.join(tmp, "peers.txt"), os.path.join(tmp, "r.json")
    with open(pf, "w", encoding="utf-8") as f:
        f.write("127.0.0.1:%d %s\n127.0.0.1:%d %s\n" % (pa, NAMES[0], pb, NAMES[1]))
    mport, lport = free_tcp_port(), free_tcp_port()
    url = "http://127.0.0.1:%d/metrics" % mport
    snd = spawn([UDPBENCH, "--peers", pf, "-i", "5ms", "--timeout", "200ms", "--json", rj,
                 "--label", LABEL, "--metrics", "127.0.0.1:%d" % mport, "--live",
                 "127.0.0.1:%d" % lport])
    wait_line(snd.stderr, r"measuring until Ctrl-C", timeout=5)
    deadline = time.monotonic() + 10
    while True:
        text, fams = scrape(url, False)
        if all(board_figures(fams, n).get("received", 0) >= 100 for n in NAMES):
            break
        assert time.monotonic() < deadline, text[:2000]
        time.sleep(0.1)  # polling the running sender; bounded above

    om_text, om = scrape(url, True)
    assert check_histograms(om) == 2 and check_histograms(fams) == 2
    assert om["udpbench_rtt_seconds"]["unit"] == "seconds" and "unit" not in fams["udpbench_rtt_seconds"]
    for fam in (om, fams):
        names = {l.get("name") for _, l, _ in fam["udpbench_rtt_seconds"]["samples"]}
        labels = {l.get("label") for _, l, _ in fam["udpbench_rtt_seconds"]["samples"]}
        assert names == set(NAMES) and labels == {LABEL}, (names, labels)

    # the dashboard asks only for series a scrape of the sender or a reflector holds
    _, rfams = scrape(rm_url, False)
    exposed = {s[0] for fam in list(fams.values()) + list(rfams.values()) for s in fam["samples"]}
    with open(DASHBOARD, encoding="utf-8") as f:
        dash = json.load(f)
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    exprs += [v.get("definition", "") for v in dash["templating"]["list"]]
    asked = {m for e in exprs for m in re.findall(r"\budpbench_[a-z_]+", e)}
    assert asked and asked <= exposed, asked - exposed
    assert any("histogram_quantile" in e for e in exprs)
    assert {"udpbench_lost_up_total", "udpbench_lost_down_total", "udpbench_sent_total",
            "udpbench_received_total", "udpbench_rtt_seconds_bucket"} <= asked, asked

    # Ctrl-C: the probes in flight are awaited, the final figures wait for a scrape
    # (the live page's server stays up meanwhile: its final state is read first)
    snd.send_signal(signal.SIGINT)
    deadline = time.monotonic() + 10
    while True:
        _, state = http_get("http://127.0.0.1:%d/state.json" % lport)
        if json.loads(state)["run"]["finished"]:
            break
        assert time.monotonic() < deadline, state[:500]
        time.sleep(0.05)  # polling the sender while it drains; bounded above
    text, fams = scrape(url, False)
    assert values(fams, "udpbench_finished") == {(("label", LABEL),): 1.0}, text[-300:]
    code, _, err = wait_exit(snd, 15)
    assert code == 0, err
    j = load_json(rj)
    assert len(j["peers"]) == 2
    boards = {b["name"]: b for b in json.loads(state)["boards"]}
    for res in j["peers"]:
        p = res["params"]
        assert p["summary_only"] is True and p["count"] is None and p["duration_ns"] is None, p
        name, s = p["name"], res["summary"]
        got = board_figures(fams, name)
        assert got == {k: s[k] for k in COUNTERS}, (name, got, s)
        assert boards[name]["sent"] == s["sent"] and boards[name]["lost"] == s["lost"], boards[name]
    print("  until Ctrl-C: %s" % got)
    stop(ra)
    stop(rb)


def test_promtool_checks_a_real_scrape(tmp):
    """promtool (Prometheus' own linter) on real scrapes of the sender and the
    reflector, hostile names and all, and on the shipped Prometheus configuration."""
    if not shutil.which("promtool"):
        raise Skip("promtool is not installed (Debian package prometheus; make deps-test)")
    rmport, mport = free_tcp_port(), free_tcp_port()
    refl, rport = start_reflector("--metrics", "127.0.0.1:%d" % rmport)
    pf = os.path.join(tmp, "peers.txt")
    with open(pf, "w", encoding="utf-8") as f:
        f.write("127.0.0.1:%d %s\n127.0.0.1:%d %s\n" % (rport, NAMES[0], rport, NAMES[1]))
    snd = spawn([UDPBENCH, "--peers", pf, "-i", "5ms", "--label", LABEL, "--metrics",
                 "127.0.0.1:%d" % mport, "-q"])
    url = wait_line(snd.stderr, r"metrics at (http://\S+)", timeout=5).group(1)
    deadline = time.monotonic() + 10
    while True:
        text, fams = scrape(url, False)
        if all(board_figures(fams, n).get("received", 0) >= 20 for n in NAMES):
            break
        assert time.monotonic() < deadline, text[:2000]
        time.sleep(0.1)  # polling the running sender; bounded above
    rtext, _ = scrape("http://127.0.0.1:%d/metrics" % rmport, False)
    for what, body in (("sender", text), ("reflector", rtext)):
        r = subprocess.run(["promtool", "check", "metrics"], input=body.encode("utf-8"),
                           capture_output=True, timeout=30)
        out = (r.stdout + r.stderr).decode(errors="replace")
        assert r.returncode == 0 and not out.strip(), (what, out)
    r = subprocess.run(["promtool", "check", "config", PROM_EXAMPLE], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    code, _, err = stop(snd, signal.SIGINT, timeout=15)
    assert code == 0, err
    stop(refl)


def test_metrics_usage_and_taken_port(tmp):
    for args in (["--peer", "127.0.0.1:9", "--metrics", "nope"],
                 ["--peer", "127.0.0.1:9", "--metrics", "127.0.0.1:70000"],
                 ["reflect", "--metrics", "[::1"]):
        r = ub(*args)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert "--metrics" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    held.bind(("127.0.0.1", 0))
    held.listen(1)
    port = held.getsockname()[1]
    refl, rport = start_reflector()
    rj = os.path.join(tmp, "r.json")
    r = ub("--peer", "127.0.0.1:%d" % rport, "-c", 5, "--metrics", "127.0.0.1:%d" % port, "--json", rj)
    assert r.returncode == 1 and "--metrics" in r.stderr and "cannot listen" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not os.path.exists(rj), r.stderr
    r = ub("reflect", "--port", 0, "--metrics", "127.0.0.1:%d" % port)
    assert r.returncode == 1 and "cannot listen" in r.stderr, r.stderr
    code, _, err = stop(refl)
    # the sender never sent: the reflector heard nothing
    assert "received 0," in err, err
    held.close()
