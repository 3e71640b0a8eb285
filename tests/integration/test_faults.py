"""Faults a long run meets: the reflector restarting or vanishing, Ctrl-C with
every output open, outputs that cannot be written, and a key the peer lacks.
Ground truth is what the reflectors themselves counted, tcpdump, and the
files as other programs read them."""

import csv
import os
import re
import signal
import socket
import stat
import subprocess
import time

from harness import (load_json, need_root, need_tool, on_cleanup, spawn, start_reflector, stop,
                     ub, UDPBENCH, wait_line)

# A sender that cannot keep -i 1us is measured here: it runs alone (run.py -j).
SERIAL = True


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def reflector_received(err):
    """The 'received N' a reflector prints in its counter line at exit."""
    for line in err.splitlines():
        if "received" in line and "reflected" in line:
            return int(line.split("received")[1].split(",")[0])
    raise AssertionError("no counter line in %r" % err)


def wait_for_rows(path, rows, timeout=10):
    """Waits until the CSV being streamed holds at least rows lines."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                if sum(1 for _ in f) > rows:
                    return
        time.sleep(0.02)  # the sender flushes its CSV as it goes; bounded above
    raise AssertionError("%s did not reach %d rows" % (path, rows))


def restart_mid_run(tmp, refl, port, via=None):
    """3000 probes at 1 ms to the reflector refl on port (through a relay on port via,
    if given); the reflector stops after 800 rows and a new one starts on the same
    port a few hundred probes later. Returns (summary, CSV path, first, second):
    what each reflector itself counted."""
    rj, rc = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.csv")
    p = spawn([UDPBENCH, "--peer", "127.0.0.1:%d" % (via or port), "-c", "3000", "-i", "1ms",
               "--json", rj, "--csv", rc, "-q"])
    wait_for_rows(rc, 800)
    _, _, err1 = stop(refl)
    first = reflector_received(err1)
    wait_for_rows(rc, first + 300)  # an outage of a few hundred probes
    refl2 = spawn([UDPBENCH, "reflect", "--bind", "127.0.0.1", "--port", str(port), "--no-tcp"])
    wait_line(refl2.stderr, "listening")
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    _, _, err2 = stop(refl2)
    return load_json(rj)["summary"], rc, first, reflector_received(err2)


def test_reflector_restart_mid_run(tmp):
    refl, port = start_reflector("--no-tcp")
    s, rc, first, second = restart_mid_run(tmp, refl, port)
    # The reflectors' own counts are the truth: whatever neither received was lost on the way up.
    assert s["sent"] == 3000 and s["received"] == first + second, (s, first, second)
    assert s["lost_up"] == 3000 - first - second and s["lost_down"] == 0, s
    assert len(s["reflector_restarts"]) == 1, s["reflector_restarts"]
    outage = s["reflector_restarts"][0]
    assert outage["from_probe"] == first, (outage, first)
    assert outage["to_probe"] - outage["from_probe"] + 1 == s["lost_up"], (outage, s)
    assert s["icmp_errors"] > 0, s  # port unreachable while nobody listened: counted, not fatal
    rows = read_csv(rc)
    assert len(rows) == 3000
    lost = sorted(int(r["seq"]) for r in rows if r["status"] == "lost")
    assert lost == list(range(outage["from_probe"], outage["to_probe"] + 1))


def test_reflector_restart_behind_reordering(tmp):
    # The same restart seen through replies reordered by up to ~90 places on the
    # way back: one restart, not one per overtaken reply, and the same split.
    refl, port = start_reflector("--no-tcp")
    truth = os.path.join(tmp, "t.json")
    relay = spawn([UDPBENCH, "relay", "--listen", "127.0.0.1:0", "--to", "127.0.0.1:%d" % port,
                   "--delay-down", "50ms", "--jitter-down", "40ms", "--seed", "3",
                   "--truth", truth])
    rport = int(wait_line(relay.stderr, r"relay listening on \S+:(\d+) -> ").group(1))
    s, _, first, second = restart_mid_run(tmp, refl, port, via=rport)
    stop(relay)
    assert load_json(truth)["down"]["reordered"] > 300, "the link reordered too little"
    assert s["sent"] == 3000 and s["received"] == first + second, (s, first, second)
    assert s["lost_up"] == 3000 - first - second and s["lost_down"] == 0, s
    assert len(s["reflector_restarts"]) == 1, s["reflector_restarts"]
    assert s["reordered_up"] == 0, s


def test_peer_vanishes_keeps_schedule_and_exits_0(tmp):
    refl, port = start_reflector("--no-tcp")
    rj, rc = os.path.join(tmp, "r.json"), os.path.join(tmp, "r.csv")
    t0 = time.monotonic()
    p = spawn([UDPBENCH, "--peer", "127.0.0.1:%d" % port, "-c", "1500", "-i", "1ms",
               "--json", rj, "--csv", rc, "-q"])
    wait_for_rows(rc, 300)
    code, _, err = stop(refl)
    got = reflector_received(err)
    out, err = p.communicate(timeout=60)
    took = time.monotonic() - t0
    assert p.returncode == 0, err
    s = load_json(rj)["summary"]
    assert s["sent"] == 1500 and s["received"] == got and s["lost"] == 1500 - got, (s, got)
    assert len(read_csv(rc)) == 1500
    # Port unreachable on every probe after it, counted; the probes keep their slots:
    # 1.5 s of schedule and Tmax (1 s) for the last one, nothing held up by the errors.
    assert s["icmp_errors"] >= 1400 - got, s
    assert took < 1.5 + 1.0 + 1.5, took


def run_until_sigint(argv, after):
    """Runs udpbench argv under GNU time, sends it SIGINT after `after` seconds;
    returns (seconds from SIGINT to exit, exit code, peak RSS in KiB, stderr)."""
    p = spawn(["/usr/bin/time", "-f", "maxrss_kb=%M"] + argv)
    deadline = time.monotonic() + 5
    child = None
    while child is None and time.monotonic() < deadline:
        try:
            with open("/proc/%d/task/%d/children" % (p.pid, p.pid)) as f:
                kids = f.read().split()
        except OSError:
            kids = []
        child = int(kids[0]) if kids else None
        if child is None:
            time.sleep(0.005)  # GNU time forks udpbench at once; bounded above
    assert child, "udpbench did not start under GNU time"
    on_cleanup(lambda: os.kill(child, signal.SIGKILL) if os.path.exists("/proc/%d" % child)
               else None)
    time.sleep(after)  # the run goes on for this long before Ctrl-C
    t0 = time.monotonic()
    os.kill(child, signal.SIGINT)
    try:
        _, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        raise AssertionError("udpbench was still running 10 s after SIGINT")
    took = time.monotonic() - t0
    err = err.decode(errors="replace")
    return took, p.returncode, int(re.findall(r"maxrss_kb=(\d+)", err)[-1]), err


def test_interval_it_cannot_keep(tmp):
    # -i 1us asks for more than any sender keeps: it must go on reading replies,
    # stop at once on Ctrl-C, count the slots it skipped as missed (never lost), and
    # keep its memory bounded whatever the schedule plans (20 million slots here).
    need_tool("/usr/bin/time")
    refl, port = start_reflector("--no-tcp", "--max-rate", "0")
    rss = {}
    for after in (1.0, 2.5):
        rj = os.path.join(tmp, "r%s.json" % after)
        took, code, rss[after], err = run_until_sigint(
            [UDPBENCH, "--peer", "127.0.0.1:%d" % port, "-d", "20s", "-i", "1us", "--json", rj,
             "-q"], after)
        assert code == 0, err
        assert took < 1.0, took
        s = load_json(rj)["summary"]
        sched = s["schedule"]
        assert s["interrupted"] is True and s["sent"] > 1000, s
        assert s["received"] > s["sent"] / 2, s
        # Slots are probes sent plus slots skipped; a skipped slot is missed, not lost.
        assert sched["skipped"] > 0 and sched["slots"] == s["sent"] + sched["skipped"], sched
        assert sched["missed"] >= sched["skipped"], sched
        assert s["lost"] == s["sent"] - s["received"], s
    _, _, err = stop(refl)
    # Memory holds the probes in flight, not the run's length: no growth from 1 s to 2.5 s.
    assert rss[2.5] <= rss[1.0] + 16 * 1024, rss


def handles_sigint(pid):
    """Whether process pid has a handler for SIGINT in place (its SigCgt mask)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return int(line.split()[1], 16) >> (signal.SIGINT - 1) & 1
    except OSError:
        pass
    return 0


def test_ctrl_c_at_the_start_leaves_a_result(tmp):
    # Before udpbench's own code runs, only libc, libm, jansson and inih load:
    # libpcap and libcrypto (a dozen libraries between them) wait until a
    # capture or a key needs them, so the Ctrl-C handler is there within about
    # a millisecond instead of ten.
    r = subprocess.run(["readelf", "-d", UDPBENCH], capture_output=True, text=True, timeout=30)
    needed = re.findall(r"NEEDED.*\[(\S+)\]", r.stdout)
    assert needed and not [n for n in needed if n.startswith(("libpcap", "libcrypto"))], needed
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    for i in range(5):
        rj = os.path.join(tmp, "r%d.json" % i)
        p = spawn([UDPBENCH, "--peer", "127.0.0.1:%d" % port, "-c", "1000", "-i", "1ms",
                   "--json", rj, "-q"])
        deadline = time.monotonic() + 5
        while not handles_sigint(p.pid) and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.0002)  # polling the kernel's view of the process; bounded above
        code, out, err = stop(p, signal.SIGINT)
        assert code in (0, 3), (code, err)
        assert load_json(rj)["summary"]["interrupted"] is True
    s.close()


def test_ctrl_c_with_json_csv_pcap(tmp):
    need_root("capturing on loopback")
    need_tool("tcpdump")
    refl, port = start_reflector("--no-tcp")
    rj, rc, cap = (os.path.join(tmp, n) for n in ("r.json", "r.csv", "r.pcap"))
    p = spawn([UDPBENCH, "--peer", "127.0.0.1:%d" % port, "-c", "100000", "-i", "1ms",
               "--json", rj, "--csv", rc, "--pcap", cap, "-q"])
    time.sleep(2.0)  # the "two seconds into the run"
    t0 = time.monotonic()
    code, out, err = stop(p, signal.SIGINT)
    took = time.monotonic() - t0
    assert code == 0, err
    assert took < 1.0, took
    s = load_json(rj)["summary"]
    assert s["interrupted"] is True and 0 < s["sent"] < 100000, s
    assert len(read_csv(rc)) == s["sent"]
    r = subprocess.run(["tcpdump", "-nr", cap, "udp port %d" % port], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    packets = len(r.stdout.splitlines())
    assert packets >= s["sent"] + s["received"] - 2, (packets, s["sent"], s["received"])


def test_output_on_a_full_disk_is_named(tmp):
    refl, port = start_reflector("--no-tcp")
    for opt in ("--json", "--csv"):
        r = ub("--peer", "127.0.0.1:%d" % port, "-c", 20, "-i", "1ms", opt, "/dev/full")
        assert r.returncode == 1, (opt, r.returncode, r.stderr)
        assert "/dev/full" in r.stderr and "No space left" in r.stderr, r.stderr
        assert "probes sent" in r.stdout, r.stdout  # the summary is still printed
        # Written in place: the device is still a device, not a file renamed over it.
        assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_key_on_both_sides_and_on_one(tmp):
    key = os.path.join(tmp, "k")
    with open(key, "w") as f:
        f.write("00112233445566778899aabbccddeeff0123456789abcdef\n")
    other = os.path.join(tmp, "other")
    with open(other, "wb") as f:
        f.write(b"sixteen octets!! and some more")
    refl, port = start_reflector("--no-tcp", "--key", key)
    rj = os.path.join(tmp, "r.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 300, "-i", "1ms", "--key", key, "--json", rj, "-q")
    assert r.returncode == 0, r.stderr
    j = load_json(rj)
    s = j["summary"]
    assert (s["sent"], s["received"], s["lost_up"], s["lost_down"]) == (300, 300, 0, 0), s
    assert j["params"]["authenticated"] is True and j["params"]["size"] == 112
    # Without the key, or with another one: nothing comes back.
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 50, "-i", "1ms", "--timeout", "200ms", "-q")
    assert r.returncode == 3, (r.returncode, r.stderr)
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 50, "-i", "1ms", "--timeout", "200ms",
           "--key", other, "-q")
    assert r.returncode == 3, (r.returncode, r.stderr)
    code, _, err = stop(refl)
    # Unkeyed 44-byte probes are too short for the keyed layout; the other key's fail the HMAC.
    assert "reflected 300, short 50" in err and "bad key 50" in err, err
    # A keyed sender takes no unauthenticated reply.
    plain, pport = start_reflector("--no-tcp")
    rj = os.path.join(tmp, "p.json")
    r = ub("--peer", "127.0.0.1:%d" % pport, "-c", 50, "-i", "1ms", "--timeout", "200ms",
           "--key", key, "--json", rj, "-q")
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert load_json(rj)["summary"]["auth_failed"] == 50


def test_bad_key_files_are_named(tmp):
    short = os.path.join(tmp, "short")
    with open(short, "w") as f:
        f.write("tiny\n")
    for path, words in ((short, "shorter than 16"), (os.path.join(tmp, "none"), "No such file")):
        r = ub("--peer", "127.0.0.1", "--key", path)
        assert r.returncode == 2 and "--key" in r.stderr and words in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
