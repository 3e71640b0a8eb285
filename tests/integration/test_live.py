"""The live page (--live): a class of ten boards on loopback, nine real
reflectors and one that never answers, named in a peers file; Debian's
headless chromium opens the page while the run goes and the test reads what
the page's own script put on it. /state.json is held against the final JSON.
Set UB_LIVE_SCREENSHOT=FILE to keep a screenshot of the page."""

import json
import os
import re
import socket
import subprocess
import time
import urllib.request

from cdp import Browser, find_chromium
from harness import UDPBENCH, load_json, spawn, start_reflector, stop, ub, wait_line

# A browser is heavy and its pages are timed: it runs alone (run.py -j).
SERIAL = True

INTERVAL_MS = 20
PROBES = 300            # 6 s at 20 ms
PER_SECOND = 1000 // INTERVAL_MS
NAMES = ["小明", "小红 的 板子", "<b>王五</b> \"x\" & 'y'", "赵六", "Board 5", "小刚",
         "李雷", "韩梅梅", "张三"]
DEAD_NAME = "坏掉的板子"

# What the page shows of each tile, read in the page.
TILES_JS = """Array.from(document.querySelectorAll('#tiles .tile')).map(function (t) {
  return {name: t.querySelector('.name').textContent, now: t.querySelector('.rtt-now').textContent,
          stats: t.querySelector('.rtt-stats').textContent, heard: t.querySelector('.heard').textContent,
          silent: t.classList.contains('silent'), colour: getComputedStyle(t).backgroundColor,
          elements: t.querySelectorAll('*').length};
})"""
FIGURE = re.compile(r"^\d+(\.\d+)? ")


def get_json(url, timeout=2.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)


def start_run(tmp, peers_file, rj, *extra):
    """The sender with --live on a port the kernel picks; returns (process, page URL)."""
    p = spawn([UDPBENCH, "--peers", peers_file, "-c", str(PROBES), "-i", "%dms" % INTERVAL_MS,
               "--timeout", "300ms", "--json", rj, "--live", "127.0.0.1:0", "--lang", "en"] +
              list(extra))
    m = wait_line(p.stderr, r"live page at (http://127\.0\.0\.1:\d+/)", timeout=10)
    return p, m.group(1)


def class_of_ten(tmp):
    """Nine reflectors and a board that never answers: (peers file, held socket)."""
    dead = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dead.bind(("127.0.0.1", 0))  # held open and never read: no ICMP, just silence
    lines = ["# the class"]
    for name in NAMES:
        lines.append("127.0.0.1:%d %s" % (start_reflector()[1], name))
    lines.append("127.0.0.1:%d %s" % (dead.getsockname()[1], DEAD_NAME))
    path = os.path.join(tmp, "boards.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path, dead


def tiles_live(tiles):
    """The tiles as they should be mid-run: every name, figures for nine, the dead one red."""
    if len(tiles) != 10:
        return False
    alive = [t for t in tiles if t["name"] != DEAD_NAME]
    dead = [t for t in tiles if t["name"] == DEAD_NAME]
    return (len(dead) == 1 and dead[0]["silent"] and
            all(FIGURE.match(t["now"]) and not t["silent"] for t in alive))


def poll_state_until_exit(url, proc, timeout=30.0):
    """/state.json every 100 ms until the run ends; returns the last one that came."""
    last = None
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            last = get_json(url + "state.json")
        except OSError:
            pass  # the server stops as the run ends
        time.sleep(0.1)  # sampling the page's state at its own pace, bounded by the deadline
    return last


def test_page_shows_a_class_of_ten(tmp):
    find_chromium()
    peers_file, dead = class_of_ten(tmp)
    rj = os.path.join(tmp, "class.json")
    proc, url = start_run(tmp, peers_file, rj)
    browser = Browser(tmp)
    try:
        browser.open(url)
        browser.wait_for("document.querySelectorAll('#tiles .tile').length === 10", what="ten tiles")
        tiles = browser.evaluate(TILES_JS)
        deadline = time.monotonic() + 10
        while not tiles_live(tiles) and time.monotonic() < deadline:
            tiles = browser.evaluate(TILES_JS)
            time.sleep(0.1)  # re-reading the page, bounded by the deadline
        assert tiles_live(tiles), "mid-run the page shows: %s" % json.dumps(tiles, ensure_ascii=False)
        assert [t["name"] for t in tiles] == NAMES + [DEAD_NAME], [t["name"] for t in tiles]
        # the name with markup is text: no element came of it (head, dot, name, addr, 4 lines, 2 spans)
        assert len({t["elements"] for t in tiles}) == 1, tiles
        assert tiles[-1]["now"] == "no reply" and tiles[-1]["colour"] != tiles[0]["colour"], tiles[-1]
        shot = os.environ.get("UB_LIVE_SCREENSHOT")
        if shot:
            browser.screenshot(shot)
        last = poll_state_until_exit(url, proc)
        code, out, err = stop(proc, timeout=20)
        assert code == 0, err
        assert last is not None, "no /state.json came while the run went"
        final = load_json(rj)["peers"]
        assert len(last["boards"]) == len(final) == 10
        for b, f in zip(last["boards"], final):
            s = f["summary"]
            assert b["name"] == f["params"]["name"], (b["name"], f["params"]["name"])
            assert b["address"].endswith(":%d" % f["params"]["port"]), (b["address"], f["params"])
            for key in ("sent", "received", "lost"):
                assert 0 <= s[key] - b[key] <= PER_SECOND, (b["name"], key, b[key], s[key])
        assert last["boards"][-1]["silent"] and last["boards"][-1]["rtt_median_ns"] is None
        assert final[-1]["summary"]["received"] == 0
        # the run is over: the page says so and keeps the final figures
        status = browser.wait_for("document.querySelector('#status.ended') && "
                                  "document.querySelector('#status').textContent",
                                  what="that the run ended")
        assert "ended" in status, status
        tiles = browser.evaluate(TILES_JS)
        assert tiles_live(tiles), tiles
        for t, f in zip(tiles, final):
            m = re.search(r"sent (\d+)", t["heard"])
            assert m and int(m.group(1)) == f["summary"]["sent"], (t["heard"], f["summary"]["sent"])
    finally:
        browser.close()
        dead.close()


def test_dump_dom_in_chinese(tmp):
    """chromium --dump-dom, the way a script would look: Chinese words by default."""
    exe = find_chromium()
    peers_file, dead = class_of_ten(tmp)
    rj = os.path.join(tmp, "class.json")
    try:
        # long enough (8 s) for a browser that starts slowly on a busy host
        p = spawn([UDPBENCH, "--peers", peers_file, "-c", "400", "-i", "%dms" % INTERVAL_MS,
                   "--timeout", "300ms", "--json", rj, "--live", "127.0.0.1:0"],
                  env=dict(os.environ, LANG="zh_CN.UTF-8"))
        m = wait_line(p.stderr, r"(http://127\.0\.0\.1:\d+/)", timeout=10)
        # virtual time stands still while /events is open: the DOM comes once the run has ended
        r = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu",
                            "--user-data-dir=" + os.path.join(tmp, "profile"),
                            "--virtual-time-budget=3000", "--dump-dom", m.group(1)],
                           capture_output=True, text=True, timeout=60)
        code, _, err = stop(p, timeout=20)
        assert code == 0, err
    finally:
        dead.close()
    dom = r.stdout
    assert "测量已结束" in dom, dom[:2000] or "chromium printed no page: " + r.stderr[-2000:]
    figures = re.findall(r'class="rtt-now">\d+(?:\.\d+)? (微秒|毫秒)<', dom)
    assert len(figures) == 9, dom
    for name in NAMES[:2] + ["赵六", DEAD_NAME]:
        assert ">%s<" % name in dom, name
    assert "&lt;b&gt;王五&lt;/b&gt;" in dom and "<b>王五" not in dom
    assert dom.count('class="tile silent"') == 1 and "无应答" in dom


def test_port_in_use_costs_no_probe(tmp):
    taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    peer.setblocking(False)
    try:
        r = ub("--peer", "127.0.0.1:%d" % peer.getsockname()[1], "-c", 5, "-i", "10ms",
               "--live", "127.0.0.1:%d" % taken.getsockname()[1], timeout=20)
        assert r.returncode == 1, (r.returncode, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "cannot listen on 127.0.0.1:%d" % taken.getsockname()[1] in lines[0], lines
        try:
            peer.recv(2048)
            raise AssertionError("a probe was sent though the live page could not start")
        except BlockingIOError:
            pass
    finally:
        taken.close()
        peer.close()


def test_bad_live_value_is_a_usage_error(tmp):
    for bad in ("70000", "127.0.0.1:", "[::1]"):
        r = ub("--peer", "127.0.0.1:9", "--live", bad)
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 2 and len(lines) == 1 and "--live" in lines[0], (bad, r.returncode, lines)
