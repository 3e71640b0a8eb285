"""params.wifi in every result: this machine has no wireless interface, so
each result carries params.wifi null and params.wifi_why naming the
interface its route leaves through, checked against what `ip route get`
says (iproute2, not udpbench). Several peers through different interfaces
each get their own reason."""

import json
import os
import re
import shutil

from harness import (PYTHON, Skip, load_json, need_root, need_tool, run, spawn, start_reflector,
                     stop, ub, wait_line)
from test_netns import make_pair

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
CAPTURES = os.path.join(HERE, "..", "fuzz", "corpus", "analyze")


def route_dev(dst, netns=None):
    """The interface iproute2 says the route to dst leaves through."""
    argv = ["ip", "route", "get", dst]
    if netns:
        argv = ["ip", "netns", "exec", netns] + argv
    r = run(argv)
    assert r.returncode == 0, r.stderr
    m = re.search(r"\bdev (\S+)", r.stdout)
    assert m, r.stdout
    return m.group(1)


def results(doc):
    return doc["peers"] if "peers" in doc else [doc]


def check_why(res, reason, iface):
    p = res["params"]
    assert "wifi" in p and p["wifi"] is None, p.get("wifi", "no params.wifi")
    why = p["wifi_why"]
    assert why["reason"] == reason, why
    assert why["iface"] == iface, why
    assert iface in why["text"], why


def test_loopback_peers(tmp):
    need_tool("ip")
    refl, port = start_reflector(bind=None)
    out = os.path.join(tmp, "r.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "--peer", "[::1]:%d" % port, "-c", "20", "-i", "5ms",
           "--json", out, "-q")
    stop(refl)
    assert r.returncode == 0, r.stderr
    got = results(load_json(out))
    assert len(got) == 2
    for res, dst in zip(got, ("127.0.0.1", "::1")):
        check_why(res, "loopback", route_dev(dst))


def test_veth_and_loopback_in_one_run(tmp):
    """A namespace of this test's own: one peer behind a veth pair (wired), one on loopback."""
    need_root("a network namespace")
    need_tool("ip")
    sender_ns, refl_ns = make_pair()
    far, far_port = start_reflector(bind="198.18.0.2", netns=refl_ns)
    near, near_port = start_reflector(bind="127.0.0.1", netns=sender_ns)
    out = os.path.join(tmp, "r.json")
    r = ub("--peer", "198.18.0.2:%d" % far_port, "--peer", "127.0.0.1:%d" % near_port, "-c", "20",
           "-i", "5ms", "--json", out, "-q", netns=sender_ns)
    stop(far)
    stop(near)
    assert r.returncode == 0, r.stderr
    got = results(load_json(out))
    veth = route_dev("198.18.0.2", sender_ns)
    assert veth.startswith("ubs"), veth
    check_why(got[0], "wired", veth)
    check_why(got[1], "loopback", route_dev("127.0.0.1", sender_ns))


def test_capture_results_say_unknown(tmp):
    """A result read from a capture cannot know the radio it crossed."""
    src = os.path.join(CAPTURES, "stamp-eth.pcap")
    if not os.path.exists(src):
        raise Skip("no capture seed at %s" % src)
    out = os.path.join(tmp, "a.json")
    r = ub("analyze", src, "--json", out, "-q")
    assert r.returncode in (0, 3), r.stderr
    for res in results(load_json(out)):
        assert res["params"]["wifi"] is None
        assert res["params"]["wifi_why"]["reason"] == "unknown"


def test_board_reports_its_signal(tmp):
    """The 虚谷号 script answers discovery with the signal of its own interface
    towards the asker, as /proc/net/wireless gives it (here a file of the test's
    own, named in udpbench_config.py): the route's interface, not another one."""
    need_root("a network namespace")
    need_tool("ip")
    pc_ns, board_ns = make_pair()
    # discovery goes to each interface's broadcast address
    for ns, addr, other in ((pc_ns, "198.18.0.1", "198.18.0.2"),
                            (board_ns, "198.18.0.2", "198.18.0.1")):
        dev = route_dev(other, ns)
        for verb in ("del", "add"):
            r = run(["ip", "-n", ns, "addr", verb, addr + "/24", "brd", "+", "dev", dev])
            assert r.returncode == 0, r.stderr
    veth = route_dev("198.18.0.1", board_ns)
    board = os.path.join(tmp, "board")
    os.mkdir(board)
    shutil.copy(os.path.join(ROOT, "peers", "vvboard", "udpbench_reflector.py"), board)
    wireless = os.path.join(tmp, "wireless")
    with open(wireless, "w") as f:
        f.write("Inter-| sta-|   Quality        |   Discarded packets               | Missed | WE\n"
                " face | tus | link level noise |  nwid  crypt   frag  retry   misc | beacon | 22\n"
                " wlan9: 0000   60.  -30.  -256        0      0      0      0      0        0\n"
                "%6s: 0000   52.  -58.  -256        0      0      0      0      0        0\n" % veth)
    with open(os.path.join(board, "udpbench_config.py"), "w") as f:
        f.write("WIRELESS_FILE = %r\n" % wireless)
    p = spawn(["ip", "netns", "exec", board_ns, PYTHON, os.path.join(board, "udpbench_reflector.py"),
               "--max-seconds", "60", "--name", "board"])
    wait_line(p.stderr, r"listening on")
    r = ub("discover", "--wait", "1s", "-4", netns=pc_ns, timeout=30)
    _, _, err = stop(p)
    assert r.returncode == 0, (r.stdout, r.stderr, err)
    rows = [ln for ln in r.stdout.splitlines() if "vvboard" in ln]
    assert len(rows) == 1, r.stdout
    assert rows[0].rstrip().endswith("-58 dBm"), rows[0]


def test_reflector_sessions_and_discovery_say_why(tmp):
    """udpbench reflect on loopback: each session's "wifi" is null with the
    reason naming lo, and its discovery answer carries no signal."""
    need_tool("ip")
    out = os.path.join(tmp, "sessions.json")
    refl, port = start_reflector("--sessions-json", out, bind=None)
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", "5", "-i", "5ms", "-q")
    assert r.returncode == 0, r.stderr
    d = ub("discover", "--port", port, "--wait", "500ms", "-4")
    stop(refl)
    sessions = load_json(out)["sessions"]
    assert sessions, sessions
    for s in sessions:
        assert s["wifi"] is None, s
        assert s["wifi_why"]["reason"] == "loopback", s
        assert s["wifi_why"]["iface"] == route_dev("127.0.0.1"), s
    for ln in d.stdout.splitlines():
        assert "dBm" not in ln, ln


def wifi_of(ssid, channel, freq, s0, s1):
    reading = {"ssid": ssid, "bssid": "a0:b1:c2:d3:e4:f5", "freq_mhz": freq, "channel": channel,
               "band": "5GHz" if freq > 5000 else "2.4GHz", "tx_bitrate_bps": 130000000,
               "rx_bitrate_bps": 58500000}
    return {"iface": "wlan0", "start": dict(reading, signal_dbm=s0),
            "end": dict(reading, signal_dbm=s1)}


HOSTILE_SSID = "<b>%s`touch p`\n$(touch pwn1)\x1b[2J'\"&"


def test_report_shows_the_facts_under_each_box(tmp):
    """Results that carry params.wifi show SSID, channel and signal under their
    box (compare chart) and beside their row (class overview), read from the
    JSON alone; one without facts shows none; an SSID that tries to run a
    command or break a line does neither."""
    import test_report as tr
    tr.need_report()
    udp, tcp = tr.synthetic_pair(tmp)
    for path, wifi in ((udp, wifi_of("教室-5G", 36, 5180, -52, -61)),
                       (tcp, wifi_of(HOSTILE_SSID, 6, 2437, -70, -71))):
        doc = load_json(path)
        doc["params"]["wifi"] = wifi
        doc["params"]["wifi_why"] = None
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False)
    with open(udp[:-len(".json")] + ".csv") as f:
        rows = [ln.rstrip("\n").split(",") for ln in f.readlines()[1:]]
    wired = tr.write_result(tmp, "wired", dict(load_json(udp)["params"], label="Cable",
                                               wifi=None, wifi_why={"reason": "wired"}),
                            load_json(udp)["summary"], rows)
    before = tr.files_under(tmp)
    out = os.path.join(tmp, "out")
    r = run([tr.UDPBENCH, "report", udp, tcp, wired, "-o", out, "--format", "svg", "--lang", "en"],
            cwd=tmp)
    assert r.returncode == 0, r.stderr
    tr.assert_no_command_ran(before, tmp)
    charts = [f for f in os.listdir(out) if f.endswith(".svg") and "compare" in f]
    assert len(charts) == 1, os.listdir(out)
    # a long note wraps over lines: each its own text
    text = tr.svg_text(os.path.join(out, charts[0])).replace("\n", " ")
    assert "教室-5G · ch 36 · -52→-61 dBm" in text, text
    # the hostile SSID: one line, cut short, shown literally; its signal changed by 1 dB only
    assert "<b>%s`touch p`?$(tou… · ch 6 · -70 dBm" in text, text
    assert "Cable" in text and text.count("dBm") == 2, text
    # the summary table of index.html: a Wi-Fi row, the SSID escaped, the reason where none
    with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
        html = f.read()
    row = re.search(r"<tr><th>Wi-Fi</th>(.*?)</tr>", html)
    assert row, html
    cells = re.findall(r"<td>(.*?)</td>", row.group(1))
    assert cells == ["教室-5G · ch 36 · -52→-61 dBm",
                     "&lt;b&gt;%s`touch p`?$(tou… · ch 6 · -70 dBm", "- (wired)"], cells
    # summary.csv: the facts as the run began, in columns of their own; empty where none
    table = tr.read_summary_csv(os.path.join(out, "summary.csv"))
    assert [(t["wifi_ssid"], t["wifi_channel"], t["wifi_signal_dbm"]) for t in table] == [
        ("教室-5G", "36", "-52"), (HOSTILE_SSID, "6", "-70"),
        ("", "", "")], table


def test_report_class_overview_names_the_radio(tmp):
    """The class overview writes channel and signal beside each board's name."""
    import test_report as tr
    tr.need_report()
    path = tr.classroom(tmp, csv=False)
    doc = load_json(path)
    for k, peer in enumerate(doc["peers"]):
        peer["params"]["wifi"] = wifi_of("Room %d" % k, 1 + 5 * (k % 3), 2412 + 25 * (k % 3),
                                         -40 - k, -40 - k)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False)
    out = os.path.join(tmp, "out")
    r = run([tr.UDPBENCH, "report", path, "-o", out, "--format", "svg", "--lang", "zh"], cwd=tmp)
    assert r.returncode == 0, r.stderr
    charts = [f for f in os.listdir(out) if f.endswith(".svg") and "overview" in f]
    assert charts, os.listdir(out)
    text = tr.svg_text(os.path.join(out, charts[0]))
    for k, peer in enumerate(doc["peers"]):
        if peer["summary"]["received"]:
            assert "(信道 %d · %d dBm)" % (1 + 5 * (k % 3), -40 - k) in text, (k, text)
