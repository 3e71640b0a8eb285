"""The board reflectors under peers/: the 掌控板 script (MicroPython), the
虚谷号 script (Python 3.5) and the static aarch64 build of the C reflector,
each measured by the real udpbench on loopback."""

import ast
import csv
import io
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import time
import tokenize

from harness import (PYTHON, ROOT, UDPBENCH, Skip, load_json, run, spawn, stop, ub, wait_line,
                     planned)

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS_DIR = os.path.join(ROOT, "peers")
MPY_MAIN = os.path.join(PEERS_DIR, "mpython", "main.py")
VV_REFLECTOR = os.path.join(PEERS_DIR, "vvboard", "udpbench_reflector.py")
STANDINS = os.path.join(HERE, "boards_standins")
HOST_RUNNER = os.path.join(HERE, "boards_mpython_host.py")
MPY_CHECK = os.path.join(HERE, "boards_mpy_check.mjs")
MPY_NPM = "@micropython/micropython-webassembly-pyscript"
MPY_NPM_VERSION = "1.27.0"
MPY_DIR = os.path.join(ROOT, "build", "mpwasm")
MPY_MJS = os.path.join(MPY_DIR, "node_modules", MPY_NPM, "micropython.mjs")
CROSS_BIN = os.path.join(ROOT, "build-aarch64", "udpbench")

# Names that exist in CPython 3.11 but not on the boards: Python 3.5 on the
# 虚谷号, MicroPython v1.12 on the 掌控板.
MISSING_ON_BOARDS = {
    "time_ns": "time.time_ns (Python 3.7; not in MicroPython v1.12)",
    "monotonic_ns": "time.monotonic_ns (Python 3.7)",
    "perf_counter_ns": "time.perf_counter_ns (Python 3.7)",
    "recvfrom_into": "socket.recvfrom_into (not in MicroPython v1.12)",
    "fspath": "os.fspath (Python 3.6)",
    "isascii": "str.isascii (Python 3.7)",
    "nullcontext": "contextlib.nullcontext (Python 3.7)",
    "capture_output": "subprocess capture_output (Python 3.7)",
    "breakpoint": "breakpoint() (Python 3.7)",
    "removeprefix": "str.removeprefix (Python 3.9)",
    "removesuffix": "str.removesuffix (Python 3.9)",
    "fromisoformat": "fromisoformat (Python 3.7)",
}


def py35_problems(src, name):
    """What keeps src from running on Python 3.5 / MicroPython v1.12; [] when nothing."""
    try:
        ast.parse(src, filename=name, feature_version=(3, 5))
    except SyntaxError as exc:
        return ["%s:%s: %s" % (name, exc.lineno, exc.msg)]
    problems = []
    fstring_start = getattr(tokenize, "FSTRING_START", None)
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        where = "%s:%d" % (name, tok.start[0])
        # feature_version does not reject every 3.6+ form on every CPython: tokens do.
        if tok.type == fstring_start or (
                tok.type == tokenize.STRING and
                "f" in re.match(r"[A-Za-z]*", tok.string).group(0).lower()):
            problems.append("%s: f-string (Python 3.6, MicroPython 1.17)" % where)
        elif tok.type == tokenize.NUMBER and "_" in tok.string:
            problems.append("%s: '_' in a number (Python 3.6)" % where)
        elif tok.type == tokenize.OP and tok.string == ":=":
            problems.append("%s: ':=' (Python 3.8)" % where)
        elif tok.type == tokenize.NAME and tok.string in MISSING_ON_BOARDS:
            problems.append("%s: %s" % (where, MISSING_ON_BOARDS[tok.string]))
    return problems


def test_peers_parse_as_python35(tmp):
    # The checker itself rejects what it is meant to reject.
    bad = {
        "fstring": 'x = f"{1}"\n',
        "nested": 'x = "%s" % (F"a",)\n',
        "rawf": 'x = rf"\\d{1}"\n',
        "underscore": "x = 1_000\n",
        "annotation": "x: int = 1\n",
        "walrus": "if (n := 1):\n    pass\n",
        "time_ns": "import time\nt = time.time_ns()\n",
        "recvfrom_into": "n, a = s.recvfrom_into(buf)\n",
    }
    for what, src in bad.items():
        assert py35_problems(src, what), "the check let %s through" % what
    assert py35_problems('x = "f{1}"\nb = b"f"\n', "plain") == []

    files = []
    for dirpath, _, names in os.walk(PEERS_DIR):
        files += [os.path.join(dirpath, n) for n in names if n.endswith(".py")]
    assert MPY_MAIN in files and VV_REFLECTOR in files, files
    problems = []
    for path in sorted(files):
        with open(path, encoding="utf-8") as f:
            problems += py35_problems(f.read(), os.path.relpath(path, ROOT))
    assert not problems, "\n".join(problems)


def start_vv_reflector(*args):
    p = spawn([PYTHON, VV_REFLECTOR, "--port", "0", "--max-seconds", "120"] + list(args))
    m = wait_line(p.stderr, r"listening on (\S+):(\d+) ", timeout=10)
    return p, int(m.group(2))


def counters(text):
    m = re.search(r"received (\d+), reflected (\d+), short (\d+), too long (\d+), "
                  r"send errors (\d+), sessions (\d+) \(total (\d+)\)", text)
    assert m, text
    keys = ("received", "reflected", "short", "too_long", "send_errors", "sessions", "total")
    return dict(zip(keys, (int(x) for x in m.groups())))


def request(seq, size, ssid=5):
    return struct.pack("!IQHH", seq, 0xe000000000000000 + seq, 0x0001, ssid) + bytes(size - 16)


def assert_no_reply(sock, wait=0.3):
    sock.settimeout(wait)
    try:
        data = sock.recv(4096)
    except socket.timeout:
        return
    raise AssertionError("unexpected reply of %d bytes" % len(data))


def test_vvboard_reflector_answers_500_probes(tmp):
    refl, port = start_vv_reflector("--bind", "127.0.0.1")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", port))
    # Too short, and longer than one frame: neither is answered.
    s.send(bytes(43))
    s.send(request(1, 1500))
    assert_no_reply(s)
    s.close()
    rj, rc = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.csv")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 500, "-i", "2ms", "--mode", "stamp",
           "--json", rj, "--csv", rc, "-q")
    assert r.returncode == 0, r.stderr
    s = load_json(rj)["summary"]
    assert planned(s, 500) and s["received"] == s["sent"] and s["lost"] == 0, s
    # A stateful reflector: the sender splits loss into up and down.
    assert s["lost_up"] == 0 and s["lost_down"] == 0, s
    assert s["duplicates"] == 0 and s["reordered"] == 0
    assert s["reflector_proc_ns"]["n"] == 500 and s["reflector_proc_ns"]["min"] >= 0
    rows = list(csv.DictReader(open(rc)))
    assert [int(x["refl_seq"]) for x in rows] == list(range(500))
    # The TTL the probes arrived with (IP_RECVTTL): 64 on loopback.
    assert {x["ttl"] for x in rows} == {"64"}, {x["ttl"] for x in rows}

    # udpbench --tcp: the echo on the same port number.
    r = ub("--peer", "127.0.0.1:%d" % port, "--tcp", "-c", 50, "-i", "2ms", "--json", rj, "-q")
    assert r.returncode == 0, r.stderr
    assert load_json(rj)["summary"]["received"] == 50

    code, _, err = stop(refl, signal.SIGTERM)
    assert code == 0, err
    c = counters(err)
    assert (c["received"], c["reflected"], c["short"], c["too_long"]) == (502, 500, 1, 1), c
    assert "TCP connections 1" in err, err


def test_vvboard_reflector_dual_stack(tmp):
    if not socket.has_ipv6:
        raise Skip("no IPv6 in this Python")
    try:
        probe = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        probe.bind(("::1", 0))
        probe.close()
    except OSError as exc:
        raise Skip("no IPv6 loopback here: %s" % exc)
    # Every address: one IPv6 socket that also takes IPv4, replying from where each request went.
    refl, port = start_vv_reflector("--no-tcp")
    for peer in ("127.0.0.1:%d" % port, "[::1]:%d" % port):
        rj = os.path.join(tmp, "r.json")
        r = ub("--peer", peer, "-c", 100, "-i", "1ms", "--mode", "stamp", "--json", rj, "-q")
        assert r.returncode == 0, (peer, r.stderr)
        s = load_json(rj)["summary"]
        assert s["received"] == 100 and s["lost_up"] == 0 and s["lost_down"] == 0, (peer, s)
    code, _, err = stop(refl, signal.SIGINT)
    assert code == 0 and counters(err)["total"] == 2, err


def test_vvboard_port_0_finds_a_port_free_for_udp_and_tcp(tmp):
    # --port 0 takes a free UDP port and the TCP echo wants the same number; a TCP
    # port can be held by anything else on the machine. In a namespace of its own
    # whose ephemeral range holds two ports, the TCP side of one is taken: every
    # start must still end with both, on the other port.
    from test_netns import make_netns
    ns = make_netns()
    r = run(["ip", "netns", "exec", ns, "sysctl", "-qw",
             "net.ipv4.ip_local_port_range=40000 40001"])
    assert r.returncode == 0, r.stderr
    holder = spawn(["ip", "netns", "exec", ns, PYTHON, "-c",
                    "import socket, time\n"
                    "s = socket.socket(); s.bind(('127.0.0.1', 40000)); s.listen()\n"
                    "print('held', flush=True); time.sleep(60)"])
    wait_line(holder.stdout, "held")
    for _ in range(6):
        p = spawn(["ip", "netns", "exec", ns, PYTHON, VV_REFLECTOR, "--bind", "127.0.0.1",
                   "--port", "0", "--max-seconds", "30"])
        m = wait_line(p.stderr, r"listening on \S+:(\d+) \(([^)]*)\)", timeout=10)
        _, _, err = stop(p)
        assert m.group(1) == "40001" and "TCP echo" in m.group(2), m.group(0)
        assert "no TCP echo" not in err, err
    stop(holder)


def test_vvboard_autostart_main(tmp):
    # main.py for the U-disk mode starts the same reflector (here with test arguments).
    launcher = os.path.join(PEERS_DIR, "vvboard", "main.py")
    p = spawn([PYTHON, launcher, "--bind", "127.0.0.1", "--port", "0", "--max-seconds", "60"])
    port = int(wait_line(p.stderr, r"listening on 127\.0\.0\.1:(\d+) ", timeout=10).group(1))
    rj = os.path.join(tmp, "r.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 50, "-i", "1ms", "--mode", "stamp", "--json", rj,
           "-q")
    assert r.returncode == 0 and load_json(rj)["summary"]["lost_up"] == 0, r.stderr
    code, _, err = stop(p, signal.SIGTERM)
    assert code == 0 and counters(err)["reflected"] == 50, err


def test_vvboard_systemd_unit_verifies(tmp):
    if not shutil.which("systemd-analyze"):
        raise Skip("systemd-analyze is not installed: the unit file was not checked")
    unit = os.path.join(tmp, "udpbench-reflector.service")
    shutil.copy(os.path.join(PEERS_DIR, "vvboard", "udpbench-reflector.service"), unit)
    r = run(["systemd-analyze", "verify", unit], timeout=60)
    # verify also lints units other packages installed (irtt's, say): judge only ours.
    ours = [l for l in r.stderr.splitlines() if "udpbench-reflector" in l]
    assert r.returncode == 0 and not ours, r.stderr


def test_mpython_main_on_cpython(tmp):
    p = spawn([PYTHON, HOST_RUNNER, "--script", MPY_MAIN, "--bind", "127.0.0.1", "--port", "0",
               "--screen-every-ms", "200", "--wrap-after", "2", "--max-seconds", "90"])
    wrap_at = float(wait_line(p.stdout, r"ticks wrap at monotonic (\S+)", timeout=10).group(1))
    port = int(wait_line(p.stdout, r"listening on 127\.0\.0\.1:(\d+) ", timeout=10).group(1))
    rj, rc = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.csv")
    t0 = time.monotonic()
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 500, "--mode", "stamp", "--json", rj,
           "--csv", rc, "-q")
    t1 = time.monotonic()
    assert r.returncode == 0, r.stderr
    # ticks_us and ticks_ms wrapped while the probes were on their way.
    assert t0 < wrap_at < t1, (t0, wrap_at, t1)
    s = load_json(rj)["summary"]
    # a busy host may skip a slot (never a lost probe): count what left
    n = s["sent"]
    assert n + s["schedule"]["skipped"] == 500 and n >= 450, s
    assert s["received"] == n and s["lost"] == 0, s
    assert s["lost_up"] == 0 and s["lost_down"] == 0, s
    proc = s["reflector_proc_ns"]
    assert proc["n"] == n and 0 <= proc["min"] and proc["max"] < 50 * 10 ** 6, proc
    rows = list(csv.DictReader(open(rc)))
    assert [int(x["refl_seq"]) for x in rows] == list(range(n))
    assert {x["ttl"] for x in rows} == {"255"}  # MicroPython cannot read the TTL: 255, unknown
    # The board's T2 clock runs on across the wrap, as fast as the sender's.
    t2 = [int(x["refl_rx_ns"]) for x in rows]
    sent = [int(x["tx_ns"]) for x in rows]
    assert all(b >= a for a, b in zip(t2, t2[1:])), "T2 went backwards"
    span, want = t2[-1] - t2[0], sent[-1] - sent[0]
    assert abs(span - want) < 0.05 * want + 20 * 10 ** 6, (span, want)

    s2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s2.connect(("127.0.0.1", port))
    s2.send(bytes(20))
    s2.send(request(7, 1473))
    assert_no_reply(s2)
    s2.close()
    # Counters reach the screen in an idle moment.
    wait_line(p.stdout, r"oled: .*rx 502 tx 500 \| drop 2", timeout=10)

    code, out, err = stop(p, signal.SIGTERM, timeout=10)
    assert code == 0, err
    res = json.loads(out.strip().splitlines()[-1])
    c = res["counts"]
    assert (c["received"], c["reflected"], c["short"], c["too_long"]) == (502, 500, 1, 1), c
    assert c["sessions_total"] == 1 and c["send_errors"] == 0, c
    # IP:port drawn once while serving; the shipped settings start AP mode on channel 6.
    addr = "127.0.0.1:%d" % port
    drawn, last = res["drawn"], res["shows"][-1]
    assert last == [addr, "stopped (A)", "rx 502 tx 500", "drop 2"], last
    assert drawn[:-len(last)].count(addr) == 1, drawn
    ap = res["ifaces"]["1"]
    assert ap["active"] and ap["settings"]["essid"] == "udpbench" and ap["settings"]["channel"] == 6
    assert not res["ifaces"]["0"]["active"]
    assert res["cpu_hz"] == 240000000


def test_mpython_main_station_mode(tmp):
    p = spawn([PYTHON, HOST_RUNNER, "--script", MPY_MAIN, "--port", "0", "--wifi-ssid", "classroom",
               "--max-seconds", "60"])
    port = int(wait_line(p.stdout, r"listening on 127\.0\.0\.1:(\d+) .*via WiFi classroom",
                         timeout=10).group(1))
    rj = os.path.join(tmp, "r.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 100, "-i", "2ms", "--mode", "stamp", "--json", rj,
           "-q")
    assert r.returncode == 0, r.stderr
    s = load_json(rj)["summary"]
    assert s["received"] == 100 and s["lost_up"] == 0 and s["lost_down"] == 0, s
    code, out, err = stop(p, signal.SIGINT, timeout=10)
    assert code == 0, err
    res = json.loads(out.strip().splitlines()[-1])
    assert res["ifaces"]["0"]["joined"] == ["classroom", ""], res["ifaces"]
    assert not res["ifaces"]["1"]["active"], res["ifaces"]


def free_port_udp_and_tcp():
    """A loopback port free for both UDP and TCP (bound, then let go)."""
    for _ in range(20):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()
    raise AssertionError("no port free for both UDP and TCP")


def udp_and_tcp_200(port, tmp):
    """udpbench STAMP and udpbench --tcp, 200 probes each, at one port: both 200/200."""
    rj = os.path.join(tmp, "u.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "--mode", "stamp", "-c", 200, "-i", "5ms",
           "--json", rj, "-q")
    assert r.returncode == 0, r.stderr
    s = load_json(rj)["summary"]
    assert planned(s, 200) and s["received"] == s["sent"] and s["lost"] == 0, s
    assert s["lost_up"] == 0 and s["lost_down"] == 0, s
    tj = os.path.join(tmp, "t.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "--tcp", "-c", 200, "-i", "5ms", "--json", tj, "-q")
    assert r.returncode == 0, r.stderr
    s = load_json(tj)["summary"]
    assert planned(s, 200) and s["received"] == s["sent"] and s["lost"] == 0, s


def test_mpython_main_udp_and_tcp_on_one_port(tmp):
    p = spawn([PYTHON, HOST_RUNNER, "--script", MPY_MAIN, "--bind", "127.0.0.1", "--port", "0",
               "--max-seconds", "90"])
    port = int(wait_line(p.stdout, r"listening on 127\.0\.0\.1:(\d+) ", timeout=10).group(1))
    udp_and_tcp_200(port, tmp)
    code, out, err = stop(p, signal.SIGTERM, timeout=10)
    assert code == 0, err
    c = json.loads(out.strip().splitlines()[-1])["counts"]
    assert c["reflected"] == 200 and c["tcp_connections"] == 1, c
    # Every probe went back as the frame it came in: 200 times the length and the message.
    assert c["tcp_bytes"] > 0 and c["tcp_bytes"] % 200 == 0, c
    assert c["tcp_refused"] == c["tcp_evicted"] == c["tcp_timed_out"] == 0, c


def write_config(folder, text):
    with open(os.path.join(folder, "udpbench_config.py"), "w", encoding="utf-8") as f:
        f.write(text)


def copy_unmodified(src, folder):
    dst = os.path.join(folder, os.path.basename(src))
    shutil.copy(src, dst)
    with open(src, "rb") as a, open(dst, "rb") as b:
        assert a.read() == b.read()
    return dst


def test_mpython_main_reads_udpbench_config(tmp):
    board = os.path.join(tmp, "board")
    os.mkdir(board)
    script = copy_unmodified(MPY_MAIN, board)
    port = free_port_udp_and_tcp()
    write_config(board, 'PORT = %d\nBIND = "127.0.0.1"\nWIFI_SSID = "classroom"\n'
                        'WIFI_PASSWORD = "secret-42"\n' % port)
    p = spawn([PYTHON, HOST_RUNNER, "--script", script, "--settings-from-script",
               "--max-seconds", "90"])
    wait_line(p.stdout, r"listening on 127\.0\.0\.1:%d .*via WiFi classroom" % port, timeout=10)
    udp_and_tcp_200(port, tmp)
    code, out, err = stop(p, signal.SIGTERM, timeout=10)
    assert code == 0, err
    res = json.loads(out.strip().splitlines()[-1])
    assert res["counts"]["reflected"] == 200 and res["counts"]["tcp_connections"] == 1, res
    assert res["ifaces"]["0"]["joined"] == ["classroom", "secret-42"], res["ifaces"]
    assert not res["ifaces"]["1"]["active"], res["ifaces"]

    # A broken file says so on the screen and the console, and nothing starts.
    write_config(board, 'PORT = = 5\n')
    r = run([PYTHON, HOST_RUNNER, "--script", script, "--settings-from-script",
             "--max-seconds", "10"], timeout=30)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["counts"] is None, res
    assert "udpbench_config.py is broken: SyntaxError" in r.stdout, r.stdout
    assert res["shows"][-1][:2] == ["udpbench_config.py", "is broken:"], res["shows"]
    assert "listening" not in r.stdout, r.stdout


def start_vv_copy(folder, *args):
    """The 虚谷号's U-disk autostart (main.py and the reflector, copied unmodified) in folder."""
    copy_unmodified(VV_REFLECTOR, folder)
    launcher = copy_unmodified(os.path.join(PEERS_DIR, "vvboard", "main.py"), folder)
    # Started from elsewhere: the file is found beside the script, not in the working folder.
    return spawn([PYTHON, launcher] + list(args), cwd=os.path.dirname(folder))


def test_vvboard_reads_udpbench_config(tmp):
    board = os.path.join(tmp, "board")
    os.mkdir(board)
    port = free_port_udp_and_tcp()
    write_config(board, 'PORT = %d\nBIND = "127.0.0.1"\nTCP_MAX_CONNS = 2\n' % port)
    p = start_vv_copy(board, "--max-seconds", "90")
    wait_line(p.stderr, r"listening on 127\.0\.0\.1:%d .*TCP echo" % port, timeout=10)
    udp_and_tcp_200(port, tmp)
    code, _, err = stop(p, signal.SIGTERM)
    assert code == 0, err
    c = counters(err)
    assert (c["received"], c["reflected"]) == (200, 200), c
    m = re.search(r"TCP connections (\d+) \(open \d+\), bytes echoed (\d+)", err)
    assert m and m.group(1) == "1" and int(m.group(2)) % 200 == 0, err

    write_config(board, 'PORT = = 5\n')
    p = start_vv_copy(board, "--max-seconds", "10")
    code = p.wait(timeout=20)
    err = p.stderr.read().decode()
    assert code == 1 and "udpbench_config.py is broken: SyntaxError" in err, (code, err)


def hog_tcp(port):
    """A client that sends without ever reading, until its side is full; returns the socket."""
    h = socket.create_connection(("127.0.0.1", port), timeout=5)
    h.setblocking(False)
    frame = struct.pack("!H", 1000) + bytes(1000)
    sent = 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            sent += h.send(frame)
        except BlockingIOError:
            # Full for a while: the reflector has stopped reading from us.
            r = select.select([], [h], [], 0.5)[1]
            if not r:
                return h, sent
    raise AssertionError("the reflector kept reading from a client that never reads")


def tcp_probes_despite_a_hog(port, tmp):
    """With one TCP place, a client that never reads is evicted for udpbench --tcp."""
    h, sent = hog_tcp(port)
    # The hog is silent now; once it has been for a second a newcomer takes its place.
    tj = os.path.join(tmp, "t.json")
    deadline = time.monotonic() + 20
    while True:
        r = ub("--peer", "127.0.0.1:%d" % port, "--tcp", "-c", 50, "-i", "5ms", "--json", tj, "-q")
        if r.returncode == 0 and load_json(tj)["summary"]["received"] == 50:
            break
        assert time.monotonic() < deadline, r.stderr
    h.close()
    return sent


def test_both_boards_evict_a_client_that_never_reads(tmp):
    port = free_port_udp_and_tcp()
    cfg = 'PORT = %d\nBIND = "127.0.0.1"\nTCP_MAX_CONNS = 1\n' % port
    mp_dir = os.path.join(tmp, "mpython")
    os.mkdir(mp_dir)
    write_config(mp_dir, cfg)
    script = copy_unmodified(MPY_MAIN, mp_dir)
    p = spawn([PYTHON, HOST_RUNNER, "--script", script, "--settings-from-script",
               "--max-seconds", "90"])
    wait_line(p.stdout, r"listening on 127\.0\.0\.1:%d .*TCP echo" % port, timeout=10)
    tcp_probes_despite_a_hog(port, tmp)
    code, out, err = stop(p, signal.SIGTERM, timeout=10)
    assert code == 0, err
    c = json.loads(out.strip().splitlines()[-1])["counts"]
    assert c["tcp_evicted"] >= 1 and c["tcp_connections"] >= 2, c

    vv_dir = os.path.join(tmp, "vvboard")
    os.mkdir(vv_dir)
    write_config(vv_dir, cfg)
    p = start_vv_copy(vv_dir, "--max-seconds", "90")
    wait_line(p.stderr, r"listening on 127\.0\.0\.1:%d .*TCP echo" % port, timeout=10)
    tcp_probes_despite_a_hog(port, tmp)
    code, _, err = stop(p, signal.SIGTERM)
    assert code == 0, err
    m = re.search(r"TCP connections (\d+) \(open \d+\), bytes echoed \d+, refused \d+, "
                  r"evicted idle (\d+)", err)
    assert m and int(m.group(2)) >= 1 and int(m.group(1)) >= 2, err


def ensure_micropython():
    """Installs MicroPython's WebAssembly port from npm into build/ once; returns its .mjs."""
    if os.path.exists(MPY_MJS):
        return MPY_MJS
    for tool in ("node", "npm"):
        if not shutil.which(tool):
            raise Skip("%s is not installed: cannot run MicroPython in Node" % tool)
    os.makedirs(MPY_DIR, exist_ok=True)
    r = run(["npm", "install", "--prefix", MPY_DIR, "--no-save", "--no-package-lock",
             "--no-audit", "--no-fund", "%s@%s" % (MPY_NPM, MPY_NPM_VERSION)], timeout=300)
    if r.returncode != 0 or not os.path.exists(MPY_MJS):
        raise Skip("npm could not install %s@%s: %s" % (MPY_NPM, MPY_NPM_VERSION,
                                                         (r.stderr or r.stdout).strip()[-400:]))
    return MPY_MJS


def test_mpython_main_compiles_and_runs_in_micropython(tmp):
    mjs = ensure_micropython()
    r = run(["node", MPY_CHECK, mjs, MPY_MAIN, STANDINS], timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "COMPILED ok" in r.stdout and "RESULT ok" in r.stdout, r.stdout
    m = re.search(r"allocated beyond the stand-ins for 200 requests: (-?\d+) bytes", r.stdout)
    assert m and int(m.group(1)) <= 256, r.stdout
    # The check fails where it should: MicroPython rejects a broken script.
    broken = os.path.join(tmp, "broken.py")
    with open(MPY_MAIN, encoding="utf-8") as f:
        src = f.read()
    with open(broken, "w", encoding="utf-8") as f:
        f.write(src.replace("pack_into = struct.pack_into", "pack_into = struct.pack_intoo"))
    r = run(["node", MPY_CHECK, mjs, broken, STANDINS], timeout=120)
    assert r.returncode != 0 and "pack_intoo" in r.stdout, r.stdout


def elf_facts(path):
    """(machine, static) from the ELF header and program headers: 183 is EM_AARCH64."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, "not a 64-bit LSB ELF"
    machine, = struct.unpack_from("<H", data, 18)
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    types = [struct.unpack_from("<I", data, phoff + i * phentsize)[0] for i in range(phnum)]
    # PT_INTERP (3) or PT_DYNAMIC (2) would mean a dynamic loader and shared libraries.
    return machine, 2 not in types and 3 not in types


def cross_build():
    """Builds the static aarch64 binary; returns the qemu-user that runs it."""
    # A make of its own: CFLAGS or BUILD of an outer `make asan` must not reach the cross build.
    # (make exports the variables of its command line to the tests' environment.)
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "CFLAGS", "LDFLAGS", "BUILD", "BIN")}
    env["LANG"] = "C"
    r = subprocess.run(["make", "-C", ROOT, "--no-print-directory", "cross-aarch64", "deps-qemu"],
                       capture_output=True, text=True, timeout=900, env=env)
    if r.returncode != 0:
        out = r.stdout + r.stderr
        if os.geteuid() != 0 and "missing Debian packages" in out:
            raise Skip("cross compiler or qemu missing and not root: " + out.strip()[-300:])
        raise AssertionError("make cross-aarch64 failed:\n" + out[-3000:])
    assert os.access(CROSS_BIN, os.X_OK), CROSS_BIN
    machine, static = elf_facts(CROSS_BIN)
    assert machine == 183 and static, (machine, static)
    if shutil.which("file"):
        desc = run(["file", "-b", CROSS_BIN]).stdout
        assert "ARM aarch64" in desc and "statically linked" in desc, desc
    qemu = shutil.which("qemu-aarch64-static") or shutil.which("qemu-aarch64")
    assert qemu, "make deps-qemu left no qemu-aarch64-static"
    return qemu


def test_cross_aarch64_static_reflector_under_qemu(tmp):
    qemu = cross_build()

    # It names what it lacks, and the same help as the reflector of the full build.
    r = run([qemu, CROSS_BIN, "relay", "--listen", "0"])
    assert r.returncode == 1 and "'relay' is not in this board build" in r.stderr, r.stderr
    r = run([qemu, CROSS_BIN, "analyze", "x.pcap"])
    assert r.returncode == 1 and "'analyze' is not in this board build" in r.stderr
    for opt in (["reflect", "--sessions-json", "s.json"], ["--peer", "127.0.0.1", "--json", "-"],
                ["--peer", "127.0.0.1", "--pcap", "x.pcap"], ["--live", "0"]):
        r = run([qemu, CROSS_BIN] + opt)
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 2 and len(lines) == 1 and "not in this build" in lines[0], (opt, r)
    r = run([qemu, CROSS_BIN, "reflect", "--help"])
    assert r.returncode == 0 and "--session-timeout" in r.stdout and "Not in this build" in r.stdout
    r = run([qemu, CROSS_BIN, "reflect", "--port", "70000"])
    assert r.returncode == 2 and "--port" in r.stderr, r.stderr

    refl = spawn([qemu, CROSS_BIN, "reflect", "--bind", "127.0.0.1", "--port", "0"])
    port = int(wait_line(refl.stderr, r"listening on .*:(\d+) ", timeout=30).group(1))
    rj = os.path.join(tmp, "r.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 200, "-i", "5ms", "--mode", "stamp",
           "--json", rj, "-q")
    assert r.returncode == 0, r.stderr
    s = load_json(rj)["summary"]
    assert planned(s, 200) and s["received"] == s["sent"] and s["lost"] == 0, s
    assert s["lost_up"] == 0 and s["lost_down"] == 0, s
    code, _, err = stop(refl, signal.SIGTERM, timeout=10)
    assert code == 0, err
    assert re.search(r"received 200, reflected 200, short 0", err), err


def test_cross_aarch64_static_sender_under_qemu(tmp):
    # The 虚谷号 as the measuring machine: the static aarch64 binary sends, a
    # native reflector answers and keeps its own count of what arrived.
    qemu = cross_build()
    sj = os.path.join(tmp, "sessions.json")
    refl = spawn([UDPBENCH, "reflect", "--bind", "127.0.0.1", "--port", "0", "--sessions-json",
                  sj])
    port = int(wait_line(refl.stderr, r"listening on .*:(\d+) ").group(1))
    r = run([qemu, CROSS_BIN, "--peer", "127.0.0.1:%d" % port, "-c", "100", "-i", "5ms", "--mode",
             "stamp", "--lang", "en"], timeout=120)
    assert r.returncode == 0, r.stderr
    m = re.search(r"^(\d+) probes sent, (\d+) received, ([\d.]+)% loss, (\d+) late, "
                  r"(\d+) duplicates, (\d+) reordered$", r.stdout, re.M)
    assert m, r.stdout
    assert [int(m.group(i)) for i in (1, 2, 4, 5, 6)] == [100, 100, 0, 0, 0], m.group(0)
    m = re.search(r"^lost on the way there \(up\) (\d+), on the way back \(down\) (\d+)",
                  r.stdout, re.M)
    assert m and m.groups() == ("0", "0"), r.stdout
    assert re.search(r"^rtt min/median/mean/p99/max = ", r.stdout, re.M), r.stdout
    code, _, err = stop(refl, signal.SIGTERM)
    assert code == 0 and re.search(r"received 100, reflected 100, short 0", err), err
    x = load_json(sj)["sessions"]
    assert len(x) == 1 and x[0]["received"] == 100 and x[0]["lost"] == 0, x
