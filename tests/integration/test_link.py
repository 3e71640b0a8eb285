"""Every result names its link (params.link), the scenario runner says which
link each of its runs crossed, a scenario runs UDP and TCP against a real
peer, and the report warns when the results it compares are not alike."""

import configparser
import json
import os
import re

from harness import (ROOT, UDPBENCH, load_json, need_root, need_tool, run, start_reflector, stop, ub)
from test_report import need_cjk_font, need_report, synthetic_pair

MS = 1000000


def scenario_ini(name):
    """The scenario file as configparser reads it: [link] as written, names."""
    p = configparser.ConfigParser(inline_comment_prefixes=None, interpolation=None)
    p.read(os.path.join(ROOT, "scenarios", name + ".ini"), encoding="utf-8")
    return p


def only_line(stderr):
    lines = [l for l in stderr.splitlines() if l.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


# ---- the sender's option ----

def test_a_plain_run_says_real_link(tmp):
    refl, port = start_reflector()
    out = os.path.join(tmp, "r.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 5, "-i", "1ms", "-q", "--json", out)
    assert r.returncode == 0, r.stderr
    assert load_json(out)["params"]["link"] == {"kind": "real", "spec": None, "truth": None,
                                                "scenario": None}


def test_link_option_is_recorded_with_its_truth_relative_to_the_result(tmp):
    refl, port = start_reflector()
    os.mkdir(os.path.join(tmp, "res"))
    truth = os.path.join(tmp, "truth.json")
    spec = {"delay-up": "3ms", "loss-burst-down": "1%,30%", "nested": {"rate": [1, 2]}}
    for kind in ("tun", "relay", "netem", "nftables"):
        out = os.path.join(tmp, "res", kind + ".json")
        r = ub("--peer", "127.0.0.1:%d" % port, "-c", 3, "-i", "1ms", "-q", "--json", out,
               "--link", "%s:%s" % (kind, truth), "--link-spec", json.dumps(spec),
               "--link-scenario", "教室 Wi-Fi")
        assert r.returncode == 0, (kind, r.stderr)
        link = load_json(out)["params"]["link"]
        assert link == {"kind": kind, "spec": spec, "truth": "../truth.json",
                        "scenario": "教室 Wi-Fi"}, link
    # written to stdout: the truth log as seen from the current folder
    r = run([UDPBENCH, "--peer", "127.0.0.1:%d" % port, "-c", "2", "-i", "1ms", "-q", "--json",
             "-", "--link", "relay:res/t.json"], cwd=tmp)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["params"]["link"]["truth"] == "res/t.json"


def test_link_option_bad_input_is_one_line(tmp):
    refl, port = start_reflector()
    peer = "127.0.0.1:%d" % port
    bad = [
        (["--link", "wifi"], r"--link: 'wifi' is not tun, relay, netem, nftables or real"),
        (["--link", "relay:"], r"--link: 'relay:' names no truth log"),
        (["--link", "real:t.json"], r"--link: a real link has no truth log"),
        (["--link", "relay:/no/such/folder/t.json"], r"--link: cannot find the folder of"),
        (["--link-spec", "{}"], r"--link-spec: say which link with --link KIND too"),
        (["--link-scenario", "x"], r"--link-scenario: say which link with --link KIND too"),
        (["--link", "tun", "--link-spec", "[1,2]"], r"--link-spec: not a JSON object"),
        (["--link", "tun", "--link-spec", '{"a":1,"a":2}'], r"--link-spec: not JSON .*duplicate"),
        (["--link", "tun", "--link-spec", '{"a":\n"\x01'], r"--link-spec: not JSON"),
        (["--link", "tun", "--link-spec", '{"a":"%s"}' % ("x" * 5000)],
         r"--link-spec: longer than 4096 bytes"),
        (["--link", "tun", "--link-scenario", ""], r"--link-scenario: give the scenario.s name"),
        (["--link", "tun", "--link-scenario", os.fsdecode(b"Room \xff")], r"--link-scenario: give"),
    ]
    for args, want in bad:
        r = ub("--peer", peer, "-c", 1, "-q", *args)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert re.search(want, only_line(r.stderr)), (args, r.stderr)


# ---- the scenario runner ----

def test_scenario_relay_run_names_its_link(tmp):
    # A UDP-only scenario runs through the socket relay.
    out = os.path.join(tmp, "w")
    r = ub("scenario", "run", "home-router-2g4", "-o", out, "-c", 60, "-q", timeout=180)
    assert r.returncode == 0, r.stderr
    ini = scenario_ini("home-router-2g4")
    res = load_json(os.path.join(out, "udp.json"))
    link = res["params"]["link"]
    assert link["kind"] == "relay", link
    assert link["spec"] == dict(ini["link"]), (link["spec"], dict(ini["link"]))
    assert link["truth"] == "truth.json" and os.path.exists(os.path.join(out, link["truth"]))
    assert link["scenario"] == ini["scenario"]["name_en"]
    assert res["params"]["label"] == ini["scenario"]["name_en"]
    # the truth log the result names is the one that counted these probes
    assert load_json(os.path.join(out, link["truth"]))["up"]["in"] == res["summary"]["sent"]


def test_scenario_packet_link_runs_carry_the_scenario(tmp):
    # UDP and TCP both cross the scenario's own link (the packet-level emulator):
    # both results say so, carry the scenario's name, and the report has nothing
    # to warn about their links.
    out = os.path.join(tmp, "cc")
    r = ub("scenario", "run", "crowded-classroom", "-o", out, "-c", 200, "-q", timeout=240)
    assert r.returncode == 0, r.stderr
    ini = scenario_ini("crowded-classroom")
    name = ini["scenario"]["name_en"]
    if not os.path.exists(os.path.join(out, "tcp.json")):
        with open(os.path.join(out, "summary.txt"), encoding="utf-8") as f:
            print("SKIP: no packet-level link here: " + f.read().strip().splitlines()[-1])
        return
    for f, proto in (("udp", "udp"), ("tcp", "tcp")):
        res = load_json(os.path.join(out, f + ".json"))
        p = res["params"]
        assert p["proto"] == proto
        assert p["link"]["kind"] == "tun", p["link"]
        assert p["link"]["spec"] == dict(ini["link"]), p["link"]
        assert p["link"]["truth"] == "truth-%s.json" % proto, p["link"]
        assert p["link"]["scenario"] == name, p["link"]
        assert p["label"] == "%s · %s" % (name, proto.upper()), p["label"]
        truth = load_json(os.path.join(out, p["link"]["truth"]))
        assert truth["up"]["in"] >= res["summary"]["sent"], (truth["up"], res["summary"]["sent"])
    with open(os.path.join(out, "report", "summary.md"), encoding="utf-8") as f:
        md = f.read()
    assert "crossed different links" not in md, md
    # each run has a truth log of its own: still one link, and the chart says so
    with open(os.path.join(out, "report", "gnuplot", "udp-vs-tcp.set.gp"), encoding="utf-8") as f:
        gp = f.read()
    assert "Same link" in gp and "different links" not in gp, gp


def test_scenario_against_a_peer_runs_udp_and_tcp(tmp):
    need_report()
    refl, port = start_reflector()
    out = os.path.join(tmp, "peer")
    peer = "127.0.0.1:%d" % port
    r = ub("scenario", "run", "crowded-classroom", "--peer", peer, "-o", out, "-c", 50, "-q",
           timeout=180)
    assert r.returncode == 0, r.stderr
    udp, tcp = (load_json(os.path.join(out, f)) for f in ("udp.json", "tcp.json"))
    for res, proto in ((udp, "udp"), (tcp, "tcp")):
        assert res["params"]["proto"] == proto
        assert res["params"]["link"] == {"kind": "real", "spec": None, "truth": None,
                                         "scenario": None}, res["params"]["link"]
        assert res["summary"]["received"] == 50, res["summary"]
        # a peer given on the command line is not the scenario's link
        assert "Crowded" not in res["params"]["label"], res["params"]["label"]
    assert not os.path.exists(os.path.join(out, "truth.json"))
    # the reflector standing in for the board saw both: 50 datagrams and one TCP connection
    _, _, err = stop(refl)
    assert re.search(r"TCP connections 1 ", err), err
    assert re.search(r"received 50, reflected 50,", err), err
    # the contrast chart pairs these two
    assert os.path.exists(os.path.join(out, "report", "udp-vs-tcp.png"))
    with open(os.path.join(out, "report", "gnuplot", "udp-vs-tcp.set.gp"), encoding="utf-8") as f:
        gp = f.read()
    assert re.search(r"f_udp = .udp-rtt\.dat", gp) and re.search(r"f_tcp = .tcp-rtt\.dat", gp), gp
    assert "Same link" in gp, gp
    with open(os.path.join(out, "summary.txt"), encoding="utf-8") as f:
        text = f.read()
    assert "same real link" in text and "emulated link only" not in text, text


def test_scenario_peer_without_tcp_echo_keeps_udp_and_says_why(tmp):
    from harness import start_peer
    echo, port = start_peer("echo.py", tmp)
    out = os.path.join(tmp, "peer")
    r = ub("scenario", "run", "crowded-classroom", "--peer", "127.0.0.1:%d" % port, "-o", out,
           "-c", 20, "-q", timeout=120)
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert load_json(os.path.join(out, "udp.json"))["summary"]["received"] == 20
    with open(os.path.join(out, "summary.txt"), encoding="utf-8") as f:
        assert "no TCP echo answered" in f.read()


# ---- the report's warnings ----

def set_params(path, **kw):
    with open(path) as f:
        doc = json.load(f)
    for k, v in kw.items():
        if k == "lateness":
            doc["summary"]["schedule"] = {"late_ns": {"median": v // 10, "mean": v // 5,
                                                      "p99": v, "max": v}}
        else:
            doc["params"][k] = v
    with open(path, "w") as f:
        json.dump(doc, f)


def report(tmp, *files, lang="en"):
    out = os.path.join(tmp, "rep-" + lang)
    r = ub("report", *files, "-o", out, "--lang", lang)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
        html = f.read()
    with open(os.path.join(out, "summary.md"), encoding="utf-8") as f:
        md = f.read()
    warn = [l for l in r.stderr.splitlines() if l.startswith(("warning:", "警告："))]
    return html, md, warn


def relay(scenario=None):
    return {"kind": "relay", "spec": {"loss": "5%"}, "truth": "truth.json", "scenario": scenario}


def test_report_warns_when_links_differ(tmp):
    need_report()
    udp, tcp = synthetic_pair(tmp)
    set_params(udp, link=relay())
    set_params(tcp, link={"kind": "nftables", "spec": {"loss-up": "5%"}, "truth": None,
                          "scenario": None})
    html, md, warn = report(tmp, udp, tcp)
    assert len(warn) == 1 and "crossed different links" in warn[0], warn
    assert "udpbench relay emulator" in warn[0] and "nftables" in warn[0], warn
    assert '<div class="warn">' in html and "crossed different links" in html
    assert "> - The results compared crossed different links" in md, md
    # the pair on different links is not called the same link
    assert "different links" in open(os.path.join(tmp, "rep-en", "gnuplot", "udp-vs-tcp.set.gp")).read()
    need_cjk_font()
    html, md, warn = report(tmp, udp, tcp, lang="zh")
    assert len(warn) == 1 and "不同的链路" in warn[0], warn


def test_report_warns_when_clocks_differ(tmp):
    need_report()
    udp, tcp = synthetic_pair(tmp)
    set_params(tcp, clock="kernel_tx+kernel_rx")
    html, md, warn = report(tmp, udp, tcp)
    assert len(warn) == 1 and "different clocks" in warn[0], warn
    assert "kernel_tx+kernel_rx" in warn[0] and "monotonic" in warn[0], warn
    assert "different clocks" in html and "different clocks" in md


def test_report_warns_when_lateness_exceeds_the_difference_shown(tmp):
    need_report()
    udp, tcp = synthetic_pair(tmp)
    u, t = load_json(udp)["summary"]["rtt_ns"], load_json(tcp)["summary"]["rtt_ns"]
    diff = min(abs(u["median"] - t["median"]), abs(u["p99"] - t["p99"]))
    assert diff > 0, (u, t)
    set_params(udp, lateness=diff // 2)
    set_params(tcp, lateness=diff // 2)
    html, md, warn = report(tmp, udp, tcp)
    assert warn == [], warn  # half the difference: no warning
    assert '<div class="warn">' not in html and "> -" not in md
    set_params(tcp, lateness=diff + MS)
    html, md, warn = report(tmp, udp, tcp)
    assert len(warn) == 1 and "ran up to" in warn[0] and "late" in warn[0], warn
    assert "Lossy Wi-Fi (TCP)" in warn[0], warn
    assert "ran up to" in html and "ran up to" in md
    # timed by the kernel's stamps on both sides, a late sender stretches nothing
    set_params(udp, clock="kernel_tx+kernel_rx")
    set_params(tcp, clock="kernel_tx+kernel_rx")
    html, md, warn = report(tmp, udp, tcp)
    assert warn == [], warn


def test_report_keeps_a_scenario_name_off_another_link(tmp):
    need_report()
    udp, tcp = synthetic_pair(tmp)
    set_params(udp, link=relay("Lossy Wi-Fi"))
    set_params(tcp, label="Lossy Wi-Fi · TCP",
               link={"kind": "nftables", "spec": None, "truth": None, "scenario": None})
    html, md, warn = report(tmp, udp, tcp)
    head = [l for l in md.splitlines() if l.startswith("| |")][0]
    assert "Lossy Wi-Fi · TCP" not in head and "nftables drops, no delay · TCP" in head, head
    assert head.count("Lossy Wi-Fi") == 1, head
    assert any("did not run on the link of Lossy Wi-Fi" in w for w in warn), warn
    assert "<h1>udpbench report</h1>" in html, html[:600]
    for png in ("compare", "udp-vs-tcp"):
        assert os.path.exists(os.path.join(tmp, "rep-en", png + ".png"))
    box = open(os.path.join(tmp, "rep-en", "gnuplot", "compare.set.gp"), encoding="utf-8").read()
    assert "Lossy Wi-Fi · TCP" not in box, box
    # both on the scenario's link: the name stays, and no warning
    set_params(tcp, link=relay("Lossy Wi-Fi"))
    html, md, warn = report(tmp, udp, tcp)
    assert warn == [], warn
    assert "Lossy Wi-Fi · TCP" in md and '<div class="warn">' not in html
