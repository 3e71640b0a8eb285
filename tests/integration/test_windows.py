"""The native Windows build (make cross-windows: build-win64/udpbench.exe) run
under Debian's wine against the Linux build on loopback: the exe as sender
against the native reflector, as reflector for the native sender (with the
up/down split checked against the relay's truth log), as the relay between
them, with a key and over TCP, a Ctrl-C'd run whose JSON stays valid, and
report on the native sender's result: the tables without gnuplot, charts
through a gnuplot for Windows (a stand-in built here: wine starts Linux's
gnuplot but cannot wait for it) and through Linux's gnuplot itself, and
scenarios: listed as the Linux build lists them, run through the socket
relay to the emulator's truth (the same seeded decisions as the Linux
build's), against a real peer, and bad files named as the Linux build names
them. SKIP with the reason when mingw-w64 or wine cannot be had."""

import csv
import hashlib
import os
import re
import struct
import shutil
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
import zipfile
import zlib

from harness import (ROOT, Skip, load_json, on_cleanup, planned, run, spawn, start_reflector,
                     stop, trailing_down_drops, ub)
from test_analyze import VARIED_REF, capture_udpbench_session, write_varied_capture
from test_discover import FAR, LAN, build, start_boards
from test_discover import probe as disc_probe
from test_relay import finish_relay, start_relay

EXE = os.path.join(ROOT, "build-win64", "udpbench.exe")
PREFIX = os.path.join(ROOT, "build-win64", "wine")
_built = {}


def wine_env():
    # wine hands the program its arguments as the Unix locale's text: UTF-8, as a
    # Windows console gives them in Unicode.
    return dict(os.environ, WINEPREFIX=PREFIX, WINEDEBUG="-all", LANG="C.UTF-8")


class Out:
    """What a process under wine wrote. Wine's own helpers (services.exe,
    winedevice.exe) outlive the program and inherit its descriptors, so its
    output goes to files: a pipe would not close when the program ends."""

    def __init__(self, tmp, name):
        self.out, self.err = (os.path.join(tmp, "%s.%s" % (name, x)) for x in ("out", "err"))

    def text(self, which):
        with open(self.out if which == "out" else self.err, "rb") as f:
            return f.read().decode(errors="replace")


def wine_spawn(wine, tmp, name, *args, exe=EXE, env=None, **kw):
    o = Out(tmp, name)
    with open(o.out, "wb") as fo, open(o.err, "wb") as fe:
        p = spawn([wine, exe] + [str(a) for a in args], stdin=subprocess.DEVNULL, stdout=fo,
                  stderr=fe, env=dict(wine_env(), **(env or {})), **kw)
    return p, o


def wine_wait(p, o, timeout=120):
    """Waits for p to end; returns (exit code, stdout, stderr)."""
    try:
        code = p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        raise AssertionError("udpbench.exe did not end within %d s: %s" % (timeout, o.text("err")))
    return code, o.text("out"), o.text("err")


def wine_run(wine, tmp, *args, timeout=120, name="run", exe=EXE, env=None):
    p, o = wine_spawn(wine, tmp, name, *args, exe=exe, env=env)
    return wine_wait(p, o, timeout)


def wait_output(p, o, which, pattern, timeout):
    """Waits until the file of p's stdout or stderr has a line matching pattern; returns the match."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = re.search(pattern, o.text(which), re.M)
        if m:
            return m
        if p.poll() is not None:
            break
        time.sleep(0.05)  # polling a file the program writes; bounded by the deadline
    raise AssertionError("no line matching %r within %.1f s: %r / %r"
                         % (pattern, timeout, o.text("out")[-500:], o.text("err")[-500:]))


def wine_reflector(wine, tmp, *args):
    """Starts the exe's reflector on a free loopback port; returns (process, Out, port)."""
    p, o = wine_spawn(wine, tmp, "reflect", "reflect", "--bind", "127.0.0.1", "--port", "0", *args)
    return p, o, int(wait_output(p, o, "err", r"listening on .*:(\d+) ", 60).group(1))


def signal_and_wait(p, o, sig, timeout=30):
    if p.poll() is None:
        p.send_signal(sig)
    return wine_wait(p, o, timeout)


def cross_build(tmp):
    """Builds udpbench.exe and installs wine when missing; returns the wine to run it with."""
    if "wine" in _built:
        return _built["wine"]
    if "ASAN_OPTIONS" in os.environ:
        raise Skip("udpbench.exe has no sanitizers (mingw-w64 has none): its tests are make test's")
    # A make of its own: CFLAGS or BUILD of an outer `make asan` must not reach the cross build.
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "CFLAGS", "LDFLAGS", "BUILD", "BIN")}
    env["LANG"] = "C"
    # wine's packages first (apt-get one at a time), then the exe on both cores
    r = subprocess.run(["make", "-C", ROOT, "--no-print-directory", "deps-wine"],
                       capture_output=True, text=True, timeout=900, env=env)
    if r.returncode == 0:
        r = subprocess.run(["make", "-C", ROOT, "--no-print-directory", "-j2", "cross-windows"],
                           capture_output=True, text=True, timeout=900, env=env)
    if r.returncode != 0:
        out = r.stdout + r.stderr
        if "missing Debian packages" in out or "apt-get could not install" in out or \
                "cannot fetch Debian's" in out or "cannot read the archive's source lists" in out:
            raise Skip("mingw-w64, wine, or jansson's or libpcap's source cannot be had here: "
                       + out.strip()[-300:])
        raise AssertionError("make cross-windows failed:\n" + out[-3000:])
    wine = shutil.which("wine")
    if not wine:
        raise Skip("make deps-wine left no wine")
    desc = run(["file", "-b", EXE]).stdout if shutil.which("file") else ""
    assert not desc or desc.startswith("PE32+ executable (console) x86-64"), desc
    os.makedirs(PREFIX, exist_ok=True)
    t0 = time.monotonic()
    code, out, err = wine_run(wine, tmp, "--version", timeout=300, name="version")
    assert code == 0 and "Windows build" in out, (out, err)
    print("  wine start-up (prefix made if new): %.1f s" % (time.monotonic() - t0))
    _built["wine"] = wine
    return wine


def test_windows_exe_names_what_it_lacks(tmp):
    wine = cross_build(tmp)
    code, _, err = wine_run(wine, tmp, "relay", "--between", "a,b")
    lines = err.strip().splitlines()
    assert code in (1, 2) and lines and "--between is not in this build" in lines[-1], err
    for opt in (["--peer", "127.0.0.1", "--pcap", "x.pcap"], ["--peer", "127.0.0.1", "--live", "0"]):
        code, _, err = wine_run(wine, tmp, *opt)
        lines = err.strip().splitlines()
        assert code in (1, 2) and lines and "not in this build" in lines[-1], (opt, code, err)
    code, out, _ = wine_run(wine, tmp, "reflect", "--help")
    assert code == 0 and "--session-timeout" in out and "Windows build" in out, out


def test_windows_sender_under_wine_against_native_reflector(tmp):
    wine = cross_build(tmp)
    sj = os.path.join(tmp, "sessions.json")
    refl, port = start_reflector("--sessions-json", sj)
    rj = os.path.join(tmp, "w.json")
    code, out, err = wine_run(wine, tmp, "--peer", "127.0.0.1:%d" % port, "-c", 100, "-i", "10ms",
                              "--mode", "stamp", "--json", rj, "--lang", "en")
    assert code == 0, err
    print("  " + "\n  ".join(l for l in out.splitlines() if "probes sent" in l or "(up)" in l))
    d = load_json(rj)
    s, p = d["summary"], d["params"]
    assert planned(s, 100) and s["sent"] == 100 and s["received"] == 100 and s["lost"] == 0, s
    assert s["lost_up"] == 0 and s["lost_down"] == 0, s
    # No kernel stamps on Windows: the result says the program's clock was read.
    assert p["clock"] == "monotonic" and s["kernel_rx_stamps"] == 0, (p["clock"], s)
    assert s["rtt_ns"]["n"] == 100 and s["reflector_proc_ns"]["n"] == 100, s
    # The native reflector's own count of what arrived.
    code, _, err = stop(refl, signal.SIGTERM)
    assert code == 0 and re.search(r"received 100, reflected 100, short 0", err), err
    x = load_json(sj)["sessions"]
    assert len(x) == 1 and x[0]["received"] == 100 and x[0]["lost"] == 0, x


def test_windows_load_counts_what_windows_can_say(tmp):
    # Windows gives no TCP_INFO: the download is counted by what the exe read, and the
    # upload, which is what the reflector acknowledged, has no figure, said so rather than 0.
    wine = cross_build(tmp)
    refl, port = start_reflector("--allow-load")
    got = {}
    for way in ("up", "down"):
        rj = os.path.join(tmp, way + ".json")
        code, out, err = wine_run(wine, tmp, "--peer", "127.0.0.1:%d" % port, "--load", way,
                                  "--load-idle", "300ms", "--load-time", "1s", "--json", rj,
                                  "--lang", "en", name="load-" + way)
        assert code == 0, err
        got[way] = load_json(rj)["summary"]["load"], out
    _, _, err = stop(refl)
    m = re.search(r"bytes sunk (\d+), bytes sourced (\d+)", err)
    assert m, err
    sunk, sourced = int(m.group(1)), int(m.group(2))
    up, out = got["up"]
    assert up["ran"] and up["ended"] == "plan", up
    assert up["throughput_bps"]["up"] is None and up["bytes"]["up"] is None, up
    assert "TCP_INFO" in up["uncounted"] and "does not say what TCP acknowledged" in out, (up, out)
    assert "up -, down -" in out, out
    assert all(b["up_bps"] is None for b in up["series"]), up["series"][:3]
    assert sunk > 100000, err  # the load ran: the reflector took it in
    # the report draws the round trips under load without an upload line
    rep = os.path.join(tmp, "rep")
    r = ub("report", os.path.join(tmp, "up.json"), "-o", rep, "--lang", "en")
    assert r.returncode == 0, r.stderr
    with open(os.path.join(rep, "gnuplot", "up-load.dat")) as f:
        rows = [x.split() for x in f if not x.startswith("#")]
    assert rows and all(x[3] == "nan" for x in rows) and any(x[2] != "nan" for x in rows), rows
    down, out = got["down"]
    assert down["ran"] and down["uncounted"] is None, down
    assert 0 < down["bytes"]["down"] <= sourced, (down["bytes"], sourced)
    assert down["throughput_bps"]["down"] > 1e6, down["throughput_bps"]
    print("  exe: upload uncounted (reflector sank %d octets); download %d octets read of %d "
          "the reflector sent" % (sunk, down["bytes"]["down"], sourced))


def test_windows_reflector_under_wine_answers_native_sender(tmp):
    wine = cross_build(tmp)
    refl, o, port = wine_reflector(wine, tmp)
    rj, rc = os.path.join(tmp, "n.json"), os.path.join(tmp, "n.csv")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 100, "-i", "10ms", "--mode", "stamp",
           "--ttl", 64, "--json", rj, "--csv", rc, "-q")
    assert r.returncode == 0, r.stderr
    # The exe read each request's arriving TTL (WSARecvMsg) into its Ses-Sender TTL field.
    with open(rc, encoding="utf-8") as f:
        ttls = {row["ttl"] for row in csv.DictReader(f)}
    assert ttls == {"64"}, ttls
    s = load_json(rj)["summary"]
    print("  native sender: sent %d, received %d, lost up %s, down %s"
          % (s["sent"], s["received"], s["lost_up"], s["lost_down"]))
    assert planned(s, 100) and s["sent"] == 100 and s["received"] == 100, s
    assert s["lost_up"] == 0 and s["lost_down"] == 0 and s["reflector_proc_ns"]["n"] == 100, s

    # Through a lossy relay: the exe's own counter numbers what reached it, so
    # the sender splits the loss as the relay's truth log says it happened.
    relay, rport, truth = start_relay(tmp, port, "--loss-up", "10%", "--loss-down", "10%",
                                      "--seed", 11)
    r = ub("--peer", "127.0.0.1:%d" % rport, "-c", 300, "-i", "5ms", "--mode", "stamp",
           "--timeout", "500ms", "--json", rj, "-q")
    assert r.returncode == 0, r.stderr
    t = finish_relay(relay, truth)
    s = load_json(rj)["summary"]
    assert t["up"]["in"] == 300 and t["up"]["dropped"] > 0 and t["down"]["dropped"] > 0, t
    trailing = trailing_down_drops(t)
    assert s["lost_up"] == t["up"]["dropped"] + trailing, (s["lost_up"], t["up"], trailing)
    assert s["lost_down"] == t["down"]["dropped"] - trailing, (s["lost_down"], t["down"])
    print("  through the relay: lost up %d (truth %d + %d trailing), down %d"
          % (s["lost_up"], t["up"]["dropped"], trailing, s["lost_down"]))
    # Ctrl-C (SIGINT, which wine turns into the console's CTRL_C_EVENT) ends it with its counters.
    code, _, err = signal_and_wait(refl, o, signal.SIGINT)
    assert code == 0, err
    m = re.search(r"received (\d+), reflected (\d+), short 0", err)
    assert m and int(m.group(1)) == 100 + t["up"]["out"] == int(m.group(2)), (err, t["up"])


def test_windows_sender_ctrl_c_keeps_json_valid(tmp):
    wine = cross_build(tmp)
    refl, port = start_reflector()
    rj, rc = os.path.join(tmp, "w.json"), os.path.join(tmp, "w.csv")
    p, o = wine_spawn(wine, tmp, "send", "--peer", "127.0.0.1:%d" % port, "-c", 100000, "-i",
                      "10ms", "--mode", "stamp", "--report-interval", "200ms", "--json", rj,
                      "--csv", rc, "--lang", "en")
    # The first interval line: the run is under way.
    wait_output(p, o, "out", r"^\[\s*[\d.]+-\s*[\d.]+ s\] sent\s+\d+", 60)
    code, out, err = signal_and_wait(p, o, signal.SIGINT)
    assert code == 0, (code, err)
    d = load_json(rj)
    s = d["summary"]
    assert s["interrupted"] is True and 0 < s["sent"] < 100000, s
    # On loopback every probe sent before the stop was answered or cut at the stop.
    assert s["received"] + (s["cut_at_stop"] or 0) >= s["sent"] - 1, s
    with open(rc, newline="") as f:
        rows = f.read().splitlines()
    assert rows[0].startswith("seq,tx_ns,rx_ns,rtt_ns,status") and len(rows) - 1 == s["sent"], \
        (rows[:2], len(rows), s["sent"])
    print("  Ctrl-C'd after %d probes: JSON valid, interrupted, %d received"
          % (s["sent"], s["received"]))
    stop(refl)


def test_windows_reflector_key_hmac_from_cng_matches_libcrypto(tmp):
    # The exe signs and checks with Windows' CNG, the native sender with
    # OpenSSL's libcrypto: every reply verifies, and a wrong key gets none.
    wine = cross_build(tmp)
    key, wrong = os.path.join(tmp, "k.hex"), os.path.join(tmp, "wrong.hex")
    for path, byte in ((key, "5a"), (wrong, "a5")):
        with open(path, "w") as f:
            f.write(byte * 32 + "\n")
    refl, o, port = wine_reflector(wine, tmp, "--key", key)
    rj = os.path.join(tmp, "k.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 100, "-i", "5ms", "--mode", "stamp", "--key", key,
           "--json", rj, "-q")
    assert r.returncode == 0, r.stderr
    s = load_json(rj)["summary"]
    assert s["sent"] == 100 and s["received"] == 100 and s["auth_failed"] == 0, s
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 20, "-i", "5ms", "--mode", "stamp", "--key",
           wrong, "--timeout", "200ms", "-q")
    assert r.returncode == 3 and "no reply" in r.stderr, (r.returncode, r.stderr)
    code, _, err = signal_and_wait(refl, o, signal.SIGINT)
    assert code == 0 and re.search(r"received 120, reflected 100, .*bad key 20,", err), err


def test_windows_tcp_echo_both_ways(tmp):
    # The exe's --tcp against the native TCP echo, and the native --tcp against the exe's.
    wine = cross_build(tmp)
    refl, port = start_reflector()
    rj = os.path.join(tmp, "t.json")
    code, _, err = wine_run(wine, tmp, "--peer", "127.0.0.1:%d" % port, "-c", 50, "-i", "10ms",
                            "--tcp", "--json", rj, "-q")
    assert code == 0, err
    s = load_json(rj)["summary"]
    assert s["sent"] == 50 and s["received"] == 50, s
    code, _, err = stop(refl, signal.SIGTERM)
    assert code == 0 and re.search(r"TCP connections 1 \(open 0\), bytes echoed [1-9]", err), err

    wrefl, o, port = wine_reflector(wine, tmp)
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 50, "-i", "10ms", "--tcp", "--json", rj, "-q")
    assert r.returncode == 0, r.stderr
    s = load_json(rj)["summary"]
    assert s["sent"] == 50 and s["received"] == 50, s
    code, _, err = signal_and_wait(wrefl, o, signal.SIGINT)
    assert code == 0 and re.search(r"TCP connections 1 \(open 0\), bytes echoed [1-9]", err), err


def test_windows_relay_under_wine_between_native_ends(tmp):
    # The exe as the socket relay (seeded loss both ways) between the native
    # sender and the native reflector: the reflector's count of what reached
    # it and the sender's split agree with the exe's truth log.
    wine = cross_build(tmp)
    refl, port = start_reflector()
    truth = os.path.join(tmp, "truth.json")
    relay, o = wine_spawn(wine, tmp, "relay", "relay", "--listen", "127.0.0.1:0", "--to",
                          "127.0.0.1:%d" % port, "--loss-up", "10%", "--loss-down", "10%",
                          "--seed", 3, "--truth", truth)
    rport = int(wait_output(relay, o, "err", r"relay listening on \S+:(\d+) -> ", 60).group(1))
    rj = os.path.join(tmp, "r.json")
    r = ub("--peer", "127.0.0.1:%d" % rport, "-c", 300, "-i", "5ms", "--mode", "stamp",
           "--timeout", "500ms", "--json", rj, "-q")
    assert r.returncode == 0, r.stderr
    code, _, err = signal_and_wait(relay, o, signal.SIGINT)
    assert code == 0, err
    t, s = load_json(truth), load_json(rj)["summary"]
    assert t["up"]["in"] == 300 and t["up"]["dropped"] > 0 and t["down"]["dropped"] > 0, t
    trailing = trailing_down_drops(t)
    assert s["lost_up"] == t["up"]["dropped"] + trailing, (s["lost_up"], t["up"], trailing)
    assert s["lost_down"] == t["down"]["dropped"] - trailing, (s["lost_down"], t["down"])
    assert s["received"] == t["down"]["out"], (s, t["down"])
    code, _, err = stop(refl, signal.SIGTERM)
    assert code == 0 and re.search(r"received %d, reflected" % t["up"]["out"], err), err


def test_windows_dist_zip_holds_exe_readme_scenarios_templates(tmp):
    cross_build(tmp)
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "CFLAGS", "LDFLAGS", "BUILD", "BIN")}
    r = subprocess.run(["make", "-C", ROOT, "--no-print-directory", "dist-windows"],
                       capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    zips = [n for n in os.listdir(os.path.dirname(EXE)) if n.endswith("-windows-x86_64.zip")]
    assert len(zips) == 1, zips
    with zipfile.ZipFile(os.path.join(os.path.dirname(EXE), zips[0])) as z:
        names = set(z.namelist())
        with open(EXE, "rb") as f:
            assert z.read("udpbench/udpbench.exe") == f.read()
    want = {"udpbench/README.md"}
    want |= {"udpbench/scenarios/" + n for n in os.listdir(os.path.join(ROOT, "scenarios"))
             if n.endswith(".ini")}
    want |= {"udpbench/reports/" + n for n in os.listdir(os.path.join(ROOT, "reports"))
             if n.endswith(".gp")}
    assert want <= names, sorted(want - names)
    # Nothing else to install: every DLL the exe imports is part of Windows itself.
    dump = run(["x86_64-w64-mingw32-objdump", "-p", EXE]).stdout
    dlls = {m.lower() for m in re.findall(r"DLL Name: (\S+)", dump)}
    system = {"kernel32.dll", "msvcrt.dll", "ws2_32.dll", "advapi32.dll", "bcrypt.dll",
              "iphlpapi.dll", "winmm.dll", "user32.dll", "shell32.dll", "ole32.dll"}
    assert "kernel32.dll" in dlls and dlls <= system, sorted(dlls - system)
    print("  imports only Windows' own DLLs: " + ", ".join(sorted(dlls)))


def test_windows_analyze_reads_a_capture_as_the_linux_build_does(tmp):
    """A nanosecond pcap written here, whose every figure is known: the exe's
    counts and RTT ranks against the writer's, and its JSON and CSV to the last
    digit against the reference the Linux build is held to."""
    wine = cross_build(tmp)
    path = os.path.join(tmp, "varied.pcap")
    sent, received, rtts = write_varied_capture(path)
    code, out, err = wine_run(wine, tmp, "analyze", path, "--json", os.path.join(tmp, "a.json"),
                              "--csv", os.path.join(tmp, "a.csv"), "--lang", "en")
    assert code == 0, err
    assert "%d probes sent, %d received" % (sent, received) in out, out
    doc = load_json(os.path.join(tmp, "a.json"))
    s, rt = doc["summary"], doc["summary"]["rtt_ns"]
    assert (s["sent"], s["received"], s["duplicates"]) == \
        (sent, received, len(range(50, sent, 101))), s
    n = len(rtts)
    assert (rt["n"], rt["min"], rt["max"], rt["median"]) == \
        (n, rtts[0], rtts[-1], rtts[(n + 1) // 2 - 1]), rt
    ref = load_json(VARIED_REF)
    with open(os.path.join(tmp, "a.csv"), "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == ref["csv_sha256"]
    for part in ("params", "summary"):
        assert {k: doc[part].get(k) for k in ref["json"][part]} == ref["json"][part], part
    # In Chinese: the same UTF-8 text as the Linux build's, line for line.
    code, out_zh, err = wine_run(wine, tmp, "analyze", path, "--lang", "zh")
    assert code == 0, err
    r = ub("analyze", path, "--lang", "zh")
    assert r.returncode == 0 and "个" in r.stdout, r.stdout
    assert out_zh.replace("\r\n", "\n") == r.stdout, (out_zh, r.stdout)
    # A folder and files named in Chinese, as on a teacher's desktop, in Windows' own
    # spelling: the exe's code page is UTF-8, and the label is the name after the last '\\'.
    folder = os.path.join(tmp, "课堂 测量")
    os.mkdir(folder)
    shutil.copy(path, os.path.join(folder, "抓包.pcap"))
    code, _, err = wine_run(wine, tmp, "analyze", winpath(os.path.join(folder, "抓包.pcap")), "-q",
                            "--json", winpath(os.path.join(folder, "结果.json")))
    assert code == 0, err
    assert load_json(os.path.join(folder, "结果.json"))["params"]["label"] == "抓包.pcap"
    # --summary-only reads it the same way
    code, _, err = wine_run(wine, tmp, "analyze", path, "--summary-only", "-q", "--json",
                            os.path.join(tmp, "b.json"))
    assert code == 0, err
    b = load_json(os.path.join(tmp, "b.json"))["summary"]
    assert (b["sent"], b["received"], b["rtt_ns"]["n"]) == (sent, received, n), b
    print("  %d requests, %d replies: counts, RTT ranks, JSON and CSV as the reference" %
          (sent, received))


def test_windows_analyze_tshark_pcapng_and_bad_files(tmp):
    """A pcapng that dumpcap wrote of a live session on loopback gives the exe
    the figures the Linux build gives; a file that is no capture gets one line."""
    wine = cross_build(tmp)
    port, path, live = capture_udpbench_session(tmp, "pcapng")
    lj, wj = os.path.join(tmp, "l.json"), os.path.join(tmp, "w.json")
    r = ub("analyze", path, "--port", port, "--json", lj, "-q")
    assert r.returncode == 0, r.stderr
    code, _, err = wine_run(wine, tmp, "analyze", path, "--port", port, "--json", wj, "-q")
    assert code == 0, err
    lin, win = load_json(lj), load_json(wj)
    assert win["summary"] == lin["summary"], (win["summary"], lin["summary"])
    assert win["params"] == lin["params"], (win["params"], lin["params"])
    s = win["summary"]
    assert (s["sent"], s["received"], s["lost"]) == (500, 500, 0), s
    assert s["rtt_ns"]["n"] == 500 and live["summary"]["sent"] == 500, s
    bad = os.path.join(tmp, "notes.txt")
    with open(bad, "wb") as f:
        f.write(b"not a capture\n" * 20)
    code, _, err = wine_run(wine, tmp, "analyze", bad)
    lines = err.strip().splitlines()
    assert code != 0 and len(lines) == 1 and "not a capture file libpcap can read" in lines[0], err
    code, _, err = wine_run(wine, tmp, "analyze", os.path.join(tmp, "missing.pcap"))
    lines = err.strip().splitlines()
    assert code != 0 and len(lines) == 1 and "cannot read" in lines[0], err
    print("  pcapng of 500 probes: the exe's summary and params equal the Linux build's")


def wineserver_in(ns):
    """Ends the prefix's wine server, then starts one inside namespace ns (a
    server made outside would hold the exe's sockets in the host's network),
    and checks where it runs. Ends it again at cleanup."""
    env = wine_env()
    kill = lambda netns=None: run((["ip", "netns", "exec", netns] if netns else []) +
                                  ["wineserver", "-k"], env=env, timeout=30)
    kill()
    run(["wineserver", "-w"], env=env, timeout=30)
    on_cleanup(lambda: (kill(ns), run(["wineserver", "-w"], env=env, timeout=30)))
    # it leaves a daemon behind, which must not hold a pipe of ours
    r = subprocess.run(["ip", "netns", "exec", ns, "wineserver", "-p"], env=env, timeout=30,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    assert r.returncode == 0, r.returncode
    want = os.stat("/run/netns/" + ns).st_ino
    for pid in (d for d in os.listdir("/proc") if d.isdigit()):
        try:
            with open("/proc/%s/environ" % pid, "rb") as f:
                envs = f.read().split(b"\0")
            if ("WINEPREFIX=" + PREFIX).encode() not in envs:
                continue
            if not os.readlink("/proc/%s/exe" % pid).startswith("/usr/lib/wine/wineserver"):
                continue
            assert os.stat("/proc/%s/ns/net" % pid).st_ino == want, "wineserver outside " + ns
            return
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    raise AssertionError("no wine server for %s inside %s" % (PREFIX, ns))


def test_windows_discover_and_answers_in_namespaces(tmp):
    """In the namespaces of test_discover: the exe's discover finds the five
    boards of three kinds from the pc, and the exe as reflector answers a
    query from the link but not one from behind the router (its interfaces
    come from GetAdaptersAddresses)."""
    wine = cross_build(tmp)
    ns = build("w")
    want = start_boards(ns)
    wineserver_in(ns["pc"])
    peers = os.path.join(tmp, "peers.txt")
    o = Out(tmp, "discover")
    with open(o.out, "wb") as fo, open(o.err, "wb") as fe:
        p = spawn(["ip", "netns", "exec", ns["pc"], wine, EXE, "discover", "-o", peers,
                   "--wait", "1500ms"], stdin=subprocess.DEVNULL, stdout=fo, stderr=fe,
                  env=wine_env())
    code, out, err = wine_wait(p, o, 60)
    assert code == 0, (out, err)
    rows = {}
    for line in out.splitlines()[1:]:
        m = re.search(r" (udpbench|vvboard|mpython) +(\S+):(\d+) ", line)
        assert m, line
        rows[m.group(2)] = m.group(1)
    assert rows == {a: k for a, (k, _) in want.items()}, out
    with open(peers, encoding="utf-8") as f:
        assert len([ln for ln in f if not ln.startswith("#")]) == 5
    print("  discover from the exe: %d boards (%s)" % (len(rows), ", ".join(sorted(set(rows.values())))))

    o = Out(tmp, "reflect")
    with open(o.out, "wb") as fo, open(o.err, "wb") as fe:
        refl = spawn(["ip", "netns", "exec", ns["pc"], wine, EXE, "reflect", "--port", "10001",
                      "--name", "Windows 讲台"], stdin=subprocess.DEVNULL, stdout=fo, stderr=fe,
                     env=wine_env())
    wait_output(refl, o, "err", r"listening on", 60)
    got = disc_probe(ns["b2"], "--to", LAN + "2", "--port", 10001, "--wait", "0.5")
    assert got["answers"] == 1 and got["kinds"] == ["udpbench"], got
    got = disc_probe(ns["far"], "--to", LAN + "2", "--port", 10001, "--wait", "0.5")
    assert got["answers"] == 0 and got["other"] == 0, got
    code, _, err = signal_and_wait(refl, o, signal.SIGINT)
    m = re.search(r"discovery answered (\d+), discovery refused (\d+)", err)
    assert code == 0 and m and (m.group(1), m.group(2)) == ("1", "1"), err
    print("  the exe as reflector: answered the query from the link, refused the one from " + FAR + "2")


# ---- report ----

def native_result(tmp, name="r"):
    """A result of the native sender against the native reflector (100 probes, with its CSV)."""
    refl, port = start_reflector()
    rj = os.path.join(tmp, name + ".json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 100, "-i", "5ms", "--mode", "stamp",
           "--json", rj, "--csv", os.path.join(tmp, name + ".csv"), "--label", "lab PC 1", "-q")
    assert r.returncode == 0, r.stderr
    stop(refl)
    return rj


def unzipped_exe(tmp):
    """udpbench.exe in a folder with spaces, the report templates in reports\\ and the
    scenarios in scenarios\\ beside it, as the zip has them."""
    folder = os.path.join(tmp, "udp bench")
    for sub, ext in (("reports", ".gp"), ("scenarios", ".ini")):
        os.makedirs(os.path.join(folder, sub))
        for n in os.listdir(os.path.join(ROOT, sub)):
            if n.endswith(ext):
                shutil.copy(os.path.join(ROOT, sub, n), os.path.join(folder, sub))
    shutil.copy(EXE, folder)
    return os.path.join(folder, "udpbench.exe")


def winpath(path):
    """A Linux path as wine's Windows programs name it (drive Z: is /)."""
    return "Z:" + path.replace("/", "\\")


def check_png(path):
    """Asserts path is a whole PNG: signature, chunks with good CRCs, IHDR first, IEND last."""
    with open(path, "rb") as f:
        b = f.read()
    assert b[:8] == b"\x89PNG\r\n\x1a\n", (path, b[:8])
    at, kinds = 8, []
    while at < len(b):
        n, kind = struct.unpack(">I4s", b[at:at + 8])
        body = b[at + 8:at + 8 + n]
        crc, = struct.unpack(">I", b[at + 8 + n:at + 12 + n])
        assert zlib.crc32(kind + body) & 0xffffffff == crc, (path, kind)
        kinds.append(kind)
        at += 12 + n
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds, (path, kinds)
    return struct.unpack(">II", b[16:24])


def page_images(out):
    with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
        page = f.read()
    return page, re.findall(r'<img src="([^"]+)"', page)


def test_windows_report_tables_without_gnuplot(tmp):
    # No gnuplot for Windows on this PC: the exe writes the tables and the
    # page, says in one line where to get gnuplot, and ends with status 0.
    wine = cross_build(tmp)
    rj = native_result(tmp)
    exe = unzipped_exe(tmp)
    out = os.path.join(tmp, "report")
    code, _, err = wine_run(wine, tmp, "report", rj, "-o", out, "--lang", "en", exe=exe)
    lines = [l for l in err.splitlines() if l.strip()]
    print("  " + lines[0])
    assert code == 0, err
    notes = [l for l in lines if "gnuplot" in l]
    assert len(notes) == 1 and "gnuplot for Windows" in notes[0] and \
        "http://www.gnuplot.info/" in notes[0], err
    names = set(os.listdir(out))
    assert {"index.html", "summary.md", "summary.csv", "gnuplot"} <= names, names
    assert not [n for n in names if n.endswith((".png", ".svg"))], names
    page, imgs = page_images(out)
    assert not imgs and "The charts were not drawn" in page, page[-600:]
    assert "lab PC 1" in page
    # the summary table holds what the native sender measured
    s = load_json(rj)["summary"]
    with open(os.path.join(out, "summary.csv"), encoding="utf-8-sig") as f:
        rows = f.read().splitlines()
    assert len(rows) == 2 and "lab PC 1" in rows[1] and ",%d," % s["sent"] in rows[1], rows
    # the templates came from reports\ beside the exe, for drawing later
    assert os.path.exists(os.path.join(out, "gnuplot", "rtt.gp"))
    assert os.path.exists(os.path.join(out, "gnuplot", "rtt-r.set.gp"))

    # Later, with gnuplot for Windows on PATH, charts.cmd draws every chart.
    gp = build_standin(tmp)
    sets = sorted(n[:-len(".set.gp")] for n in os.listdir(os.path.join(out, "gnuplot"))
                  if n.endswith(".set.gp"))
    assert sets
    code, _, err = wine_run(wine, tmp, "/c", winpath(os.path.join(out, "gnuplot", "charts.cmd")),
                            exe="cmd", name="charts", env={"WINEPATH": winpath(os.path.dirname(gp))})
    assert code == 0, err
    for name in sets:
        assert check_png(os.path.join(out, name + ".png")) == (1, 1), name


def build_standin(tmp):
    """tests/integration/standins/gnuplot_win.c built with mingw into a folder with a space."""
    folder = os.path.join(tmp, "gnu plot", "bin")
    os.makedirs(folder)
    exe = os.path.join(folder, "gnuplot.exe")
    r = run(["x86_64-w64-mingw32-gcc", "-O2", "-o", exe,
             os.path.join(ROOT, "tests", "integration", "standins", "gnuplot_win.c"),
             "-lshell32"])
    assert r.returncode == 0, r.stderr
    return exe


def standin_calls(log):
    """The stand-in's log: one list of (line, words, cwd) per start."""
    calls = []
    with open(log, encoding="utf-8") as f:
        for l in f.read().splitlines():
            kind, _, v = l.partition(" ")
            if kind == "line":
                calls.append({"line": v, "words": [], "cwd": None})
            elif kind == "word":
                calls[-1]["words"].append(v)
            else:
                calls[-1]["cwd"] = v
    return calls


def test_windows_report_charts_through_gnuplot_for_windows(tmp):
    # A gnuplot.exe on PATH (wine's WINEPATH) and one named by --gnuplot in
    # a folder with a space: every chart the page shows is drawn by it, in
    # the report's gnuplot\ folder, from NAME.set.gp and its template; a
    # gnuplot that fails ends the report with status 1 naming the chart's log.
    wine = cross_build(tmp)
    rj = native_result(tmp)
    exe = unzipped_exe(tmp)
    gp = build_standin(tmp)
    log = os.path.join(tmp, "standin.log")
    out = os.path.join(tmp, "on path")
    code, _, err = wine_run(wine, tmp, "report", rj, "-o", out, "--lang", "en", exe=exe,
                            env={"WINEPATH": winpath(os.path.dirname(gp)),
                                 "UB_STANDIN_LOG": log})
    assert code == 0, err
    page, imgs = page_images(out)
    assert imgs and "not drawn" not in page, page[-600:]
    for name in imgs:
        assert check_png(os.path.join(out, name)) == (1, 1), name
    calls = standin_calls(log)
    assert len(calls) == len(imgs), (len(calls), imgs)
    for c in calls:
        assert len(c["words"]) == 3 and c["words"][1].endswith(".set.gp"), c
        assert c["words"][2].endswith(".gp") and c["cwd"].endswith("\\on path\\gnuplot"), c
        assert c["words"][0] == "gnuplot", c
    assert {c["words"][1][:-len(".set.gp")] + ".png" for c in calls} == set(imgs)
    print("  %d charts through gnuplot.exe on PATH; command line: %s" % (len(calls), calls[0]["line"]))

    # --gnuplot with the program's folder holding a space, SVG this time
    os.remove(log)
    out = os.path.join(tmp, "named")
    code, _, err = wine_run(wine, tmp, "report", rj, "-o", out, "--format", "svg", "--gnuplot",
                            winpath(gp), exe=exe, env={"UB_STANDIN_LOG": log})
    assert code == 0, err
    _, imgs = page_images(out)
    assert imgs and all(n.endswith(".svg") for n in imgs), imgs
    for name in imgs:
        assert ET.parse(os.path.join(out, name)).getroot().tag.endswith("svg"), name
    calls = standin_calls(log)
    assert len(calls) == len(imgs) and all(c["words"][0] == winpath(gp) for c in calls), calls
    # a quoted program path: the runtime split the line back into the same three words
    assert calls[0]["line"].startswith('"%s" ' % winpath(gp)), calls[0]["line"]

    # a gnuplot that fails on one chart: status 1, one line naming its log
    out = os.path.join(tmp, "failed")
    code, _, err = wine_run(wine, tmp, "report", rj, "-o", out, "--gnuplot", winpath(gp),
                            exe=exe, env={"UB_STANDIN_FAIL": "rtt-r.set.gp"})
    assert code == 1, err
    last = err.strip().splitlines()[-1]
    assert "gnuplot failed on rtt-r.set.gp" in last and "rtt-r.log" in last and \
        "fails here as asked" in last, err


def test_windows_report_through_linux_gnuplot(tmp):
    # wine's CreateProcess starts a Linux program too (gnuplot.exe here is
    # a link to /usr/bin/gnuplot), with the working folder and the standard
    # handles the exe gave it, but its handle reads as ended at once: the
    # report cannot wait for it, so this test waits for the charts (bounded),
    # then checks they are whole PNGs of the size asked for, drawn by gnuplot.
    wine = cross_build(tmp)
    if not shutil.which("gnuplot"):
        raise Skip("no gnuplot here (Debian package gnuplot-nox)")
    rj = native_result(tmp)
    exe = unzipped_exe(tmp)
    folder = os.path.join(tmp, "linux gnuplot")
    os.mkdir(folder)
    os.symlink(shutil.which("gnuplot"), os.path.join(folder, "gnuplot.exe"))
    out = os.path.join(tmp, "report")
    code, _, err = wine_run(wine, tmp, "report", rj, "-o", out, "--lang", "en", "--gnuplot",
                            winpath(os.path.join(folder, "gnuplot.exe")), exe=exe)
    assert code == 0, err
    _, imgs = page_images(out)
    assert imgs
    work = os.path.realpath(os.path.join(out, "gnuplot"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        # gnuplot still at work: a process whose working folder is the report's
        busy = False
        for pid in os.listdir("/proc"):
            try:
                busy |= pid.isdigit() and os.readlink("/proc/%s/cwd" % pid) == work
            except OSError:
                pass
        if not busy:
            break
        time.sleep(0.1)  # polling for other processes to end; bounded by the deadline
    for name in imgs:
        assert check_png(os.path.join(out, name)) == (1600, 900), name
    print("  %d charts drawn by Linux's gnuplot started from udpbench.exe" % len(imgs))


def udp_only_copy(tmp, name):
    """The shipped scenario name with protocols = udp: the Linux build then runs it through the
    socket relay too, as the Windows build runs every scenario."""
    with open(os.path.join(ROOT, "scenarios", name + ".ini"), encoding="utf-8") as f:
        text = f.read()
    assert re.search(r"^protocols = udp,tcp$", text, re.M), name
    path = os.path.join(tmp, name + "-udp.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write(re.sub(r"^protocols = udp,tcp$", "protocols = udp", text, flags=re.M))
    return path


def test_windows_scenarios_listed_as_the_linux_build_lists_them(tmp):
    # The exe reads scenario files with its own INI reader: every shipped file
    # must come out as libinih reads it for the Linux build, names and
    # descriptions in both languages, byte for byte.
    wine = cross_build(tmp)
    exe = unzipped_exe(tmp)
    for lang in ("en", "zh"):
        native = ub("scenario", "list", "--lang", lang)
        assert native.returncode == 0, native.stderr
        code, out, err = wine_run(wine, tmp, "scenario", "list", "--lang", lang, exe=exe)
        assert code == 0 and err == "", (code, err)
        # the console's lines end in CR LF on Windows
        assert out.replace("\r\n", "\n") == native.stdout, (out, native.stdout)
    print("  %d scenarios listed alike in English and Chinese" % len(native.stdout.splitlines()))


def test_windows_scenario_runs_through_the_socket_relay(tmp):
    # No namespaces on Windows: the runner puts the exe's reflector behind the
    # exe's socket relay, stops both through their stop event (the relay then
    # writes its truth log), and says why TCP was left out. The figures equal
    # the emulator's truth, and the emulator (seeded) did what the Linux
    # build's did with the same seed.
    wine = cross_build(tmp)
    exe = unzipped_exe(tmp)
    out = os.path.join(tmp, "结果", "拥挤的教室")
    code, stdout, err = wine_run(wine, tmp, "scenario", "run", "crowded-classroom", "-c", 300,
                                 "--seed", 7, "-o", winpath(out), "--lang", "en", exe=exe,
                                 timeout=180)
    assert code == 0, (code, err)
    for f in ("udp.json", "udp.csv", "truth.json", "summary.txt", "scenario.ini",
              os.path.join("report", "index.html")):
        assert os.path.exists(os.path.join(out, f)), (f, os.listdir(out))
    assert not os.path.exists(os.path.join(out, "tcp.json"))
    s, t = load_json(os.path.join(out, "udp.json"))["summary"], load_json(os.path.join(out, "truth.json"))
    assert s["sent"] == 300 == t["up"]["in"], (s, t["up"])
    assert s["lost_up"] == t["up"]["dropped"] + trailing_down_drops(t), (s, t["up"])
    assert s["lost_down"] == t["down"]["dropped"] - trailing_down_drops(t), (s, t["down"])
    assert s["received"] + s["duplicates"] == t["down"]["out"], (s, t["down"])
    assert s["reordered_up"] == t["up"]["reordered"] and s["reordered_down"] == t["down"]["reordered"]
    with open(os.path.join(out, "summary.txt"), encoding="utf-8") as f:
        summary = f.read()
    assert "udpbench relay emulator (seed 7)" in summary and "netem is Linux's" in summary, summary
    assert "UDP-vs-TCP contrast was left out" in summary and "network namespaces" in summary, summary
    assert summary in stdout.replace("\r\n", "\n"), stdout
    # the folders it names are written the way they were given, with '\'
    lines = stdout.replace("\r\n", "\n").splitlines()
    assert "results: %s\\" % winpath(out) in lines, lines[-3:]
    assert "charts: %s\\report\\index.html" % winpath(out) in lines, lines[-3:]

    # The Linux build through its socket relay, the same seed: the same decisions. Whether
    # a packet held back ends up reordered depends on the time the next ones take to come
    # (it leaves after two of them, or at 50 ms), so it is the holds that are compared.
    lin = os.path.join(tmp, "linux")
    r = ub("scenario", "run", udp_only_copy(tmp, "crowded-classroom"), "-c", 300, "--seed", 7,
           "-o", lin, "-q", timeout=120)
    assert r.returncode == 0, r.stderr
    lt = load_json(os.path.join(lin, "truth.json"))
    for d in ("up", "down"):
        for k in ("in", "out", "dropped", "duplicated", "held"):
            assert t[d][k] == lt[d][k], (d, k, t[d], lt[d])
    print("  exe: %d sent, lost up %d / down %d, %d dup, reordered %d/%d; truth alike on Linux"
          % (s["sent"], s["lost_up"], s["lost_down"], s["duplicates"], s["reordered_up"],
             s["reordered_down"]))


def test_windows_scenario_ctrl_c_keeps_what_was_measured(tmp):
    # Ctrl-C in a console reaches every program on it: the runner, its sender,
    # relay and reflector (here SIGINT to their process group, which wine
    # turns into each one's CTRL_C_EVENT). The sender writes its result, the
    # relay its truth log, the runner its summary with a note; nothing is
    # left running.
    wine = cross_build(tmp)
    exe = unzipped_exe(tmp)
    out = os.path.join(tmp, "stopped")
    p, o = wine_spawn(wine, tmp, "scen", "scenario", "run", "wired-baseline", "-c", 5000,
                      "-o", winpath(out), exe=exe, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not os.path.exists(os.path.join(out, "udp.csv")):
        time.sleep(0.05)  # the sender opens its CSV as it starts; bounded above
    time.sleep(1)  # some probes out before Ctrl-C
    os.killpg(p.pid, signal.SIGINT)
    code, stdout, err = wine_wait(p, o, 60)
    assert code == 0, (code, err)
    s, t = load_json(os.path.join(out, "udp.json"))["summary"], load_json(os.path.join(out, "truth.json"))
    # Ctrl-C reaches the relay as it reaches the sender: a probe still on its
    # way when the relay stopped is one the sender counts cut at the stop.
    assert s["interrupted"] is True and 0 < s["sent"] < 5000, s
    assert 0 <= s["sent"] - t["up"]["in"] <= (s["cut_at_stop"] or 0), (s, t["up"])
    with open(os.path.join(out, "summary.txt"), encoding="utf-8") as f:
        assert "stopped (Ctrl-C) before the end" in f.read()
    left = [l for l in run(["ps", "-eo", "args"]).stdout.splitlines()
            if "udpbench.exe" in l and os.path.basename(tmp) in l]
    assert not left, left
    print("  stopped after %d probes: JSON, truth log and summary written" % s["sent"])


def test_windows_scenario_against_a_real_peer_udp_and_tcp(tmp):
    # A real peer (the native reflector): UDP, then TCP to its echo, the contrast in the summary.
    wine = cross_build(tmp)
    exe = unzipped_exe(tmp)
    refl, port = start_reflector()
    out = os.path.join(tmp, "real")
    code, _, err = wine_run(wine, tmp, "scenario", "run", "wired-baseline", "--peer",
                            "127.0.0.1:%d" % port, "-c", 100, "-o", winpath(out), "-q", exe=exe)
    assert code == 0, (code, err)
    u, t = (load_json(os.path.join(out, n + ".json"))["summary"] for n in ("udp", "tcp"))
    assert u["sent"] == u["received"] == 100 and t["sent"] == t["received"] == 100, (u, t)
    with open(os.path.join(out, "summary.txt"), encoding="utf-8") as f:
        summary = f.read()
    assert "real link to 127.0.0.1:%d" % port in summary and "same real link" in summary, summary
    stop(refl)


def test_windows_scenario_file_errors_as_the_linux_build_gives_them(tmp):
    # Files a teacher might save: each mistake named by file and line as the
    # Linux build names it; a Notepad copy (BOM, CR LF) reads as the original.
    wine = cross_build(tmp)
    with open(os.path.join(ROOT, "scenarios", "wired-baseline.ini"), encoding="utf-8") as f:
        good = f.read()
    bad = {
        "key": good.replace("count = 1000", "count = 1000\ncuont = 5"),
        "value": good.replace("interval = 10ms", "interval = soon"),
        "line": good.replace("[probe]", "[probe]\njust words"),
        "section": good.replace("[probe]", "[prob]"),
        "header": good.replace("[link]", "[link"),
        "long": good.replace("[peer]", "[peer]\n; " + "x" * 300),
        "name": good.replace("name_zh", "; name_zh"),
    }
    for k, text in bad.items():
        path = os.path.join(tmp, "bad-%s.ini" % k)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        native = ub("scenario", "run", path, "-c", 10, "-o", os.path.join(tmp, "n-" + k))
        code, _, err = wine_run(wine, tmp, "scenario", "run", winpath(path), "-c", 10, "-o",
                                winpath(os.path.join(tmp, "w-" + k)))
        assert native.returncode != 0 and code == native.returncode, (k, code, native.returncode)
        assert err.replace("\r\n", "\n") == native.stderr.replace(path, winpath(path)), \
            (k, err, native.stderr)
        assert not os.path.exists(os.path.join(tmp, "w-" + k)), k
    notepad = os.path.join(tmp, "记事本.ini")
    with open(notepad, "wb") as f:
        f.write(b"\xef\xbb\xbf" + good.replace("\n", "\r\n").encode())
    out = os.path.join(tmp, "np")
    code, _, err = wine_run(wine, tmp, "scenario", "run", winpath(notepad), "-c", 20, "-o",
                            winpath(out), "-q", "--lang", "zh")
    assert code == 0, err
    with open(os.path.join(out, "summary.txt"), encoding="utf-8") as f:
        assert f.readline() == "场景：有线网络基准（对照组）\n"
