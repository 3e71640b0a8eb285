"""The board senders under peers/ (the 掌控板's sender.py under CPython with
stand-ins and inside MicroPython, the 虚谷号's udpbench_sender.py under
python3), each run unmodified with a udpbench_config.py beside a copy, against
the real `udpbench reflect`, and through `udpbench relay` whose truth log says
which way every lost probe was lost."""

import json
import os
import re
import shutil
import signal

from harness import PYTHON, ROOT, run, spawn, start_reflector, stop, trailing_down_drops
from test_peers import MPY_CHECK, STANDINS, ensure_micropython, py35_problems
from test_relay import finish_relay, start_relay

HERE = os.path.dirname(os.path.abspath(__file__))
MPY_SENDER = os.path.join(ROOT, "peers", "mpython", "sender.py")
VV_SENDER = os.path.join(ROOT, "peers", "vvboard", "udpbench_sender.py")
SENDER_HOST = os.path.join(HERE, "boards_sender_host.py")
SENDER_CHECK = "mpy_sender_check"


def board_copy(tmp, script, **settings):
    """Copies script into a folder of its own with a udpbench_config.py; returns the copy."""
    d = os.path.join(tmp, "board-" + os.path.basename(script))
    os.makedirs(d, exist_ok=True)
    dst = os.path.join(d, os.path.basename(script))
    shutil.copy(script, dst)
    with open(os.path.join(d, "udpbench_config.py"), "w") as f:
        for k, v in settings.items():
            f.write("%s = %r\n" % (k, v))
    return dst


def result_line(out):
    """The one `udpbench: {JSON}` line a sender printed, parsed."""
    lines = [l for l in out.splitlines() if l.startswith("udpbench: ")]
    assert len(lines) == 1, out
    res = json.loads(lines[0][len("udpbench: "):])
    # Both senders write the same fields.
    assert set(res) == {"sent", "received", "lost_up", "lost_down", "late", "duplicates",
                        "foreign", "stopped", "rtt_ms"}, res
    for k in ("sent", "received", "lost_up", "lost_down"):
        assert isinstance(res[k], int) and res[k] >= 0, res
    return res


def run_mpython_sender(tmp, port, count, interval_ms, wrap_after=0.5, press_a_after=60,
                       **more):
    script = board_copy(tmp, MPY_SENDER, WIFI_SSID="classroom", PEER="127.0.0.1", PORT=port,
                        COUNT=count, INTERVAL_MS=interval_ms, SCREEN_EVERY_MS=100, **more)
    p = spawn([PYTHON, SENDER_HOST, "--script", script, "--wrap-after", str(wrap_after),
               "--max-seconds", str(press_a_after)])
    code, out, err = wait_exit(p, 90)
    assert code == 0, out + err
    return result_line(out), json.loads(out.strip().splitlines()[-1])


def run_vv_sender(tmp, port, count, interval_ms, *args):
    script = board_copy(tmp, VV_SENDER, PEER="127.0.0.1", PORT=port, COUNT=count,
                        INTERVAL_MS=interval_ms)
    # The shipped PEER is a classroom address: nothing is sent unless the config was read.
    show = "import sys; sys.path.insert(0, sys.argv[1]); import udpbench_sender as m; " \
           "print(m.PEER, m.PORT)"
    r = run([PYTHON, "-c", show, os.path.dirname(script)], timeout=30)
    assert r.stdout.split() == ["127.0.0.1", str(port)], r.stdout + r.stderr
    p = spawn([PYTHON, script] + list(args))
    code, out, err = wait_exit(p, 90)
    assert code == 0, out + err
    return result_line(out), out


def wait_exit(p, timeout):
    """Waits for p to end on its own (bounded); returns (code, stdout, stderr)."""
    out, err = p.communicate(timeout=timeout)
    return p.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def reflector_counts(refl):
    code, _, err = stop(refl, signal.SIGTERM)
    assert code == 0, err
    m = re.search(r"received (\d+), reflected (\d+)", err)
    assert m, err
    return int(m.group(1)), int(m.group(2))


def check_clean_run(res, n):
    assert res["sent"] == n and res["received"] == n, res
    assert res["lost_up"] == 0 and res["lost_down"] == 0, res
    q = res["rtt_ms"]
    assert 0 < q["min"] <= q["median"] <= q["p90"] <= q["max"] < 1000, q


def test_mpython_sender_measures_udpbench_reflect(tmp):
    refl, port = start_reflector()
    # ticks_us and ticks_ms wrap half a second into a run of about a second.
    res, host = run_mpython_sender(tmp, port, 100, 10, wrap_after=0.5)
    check_clean_run(res, 100)
    # The reflector, not the sender, says how many probes arrived.
    assert reflector_counts(refl) == (100, 100)
    # Live screens while measuring: the counters line, the RTT in large
    # digits and the bars (rectangles), and the final screen with everything.
    live = [s for s in host["shows"] if s and re.match(r"\d+/\d+ up\d+ dn\d+$", s[0])]
    assert len(live) >= 2 and live[-1][0] == "100/100 up0 dn0", host["shows"]
    assert host["rects"] >= 100, host["rects"]


def test_mpython_sender_config_overrides(tmp):
    # The settings at the top say 100 probes to 192.168.1.10:10000: only the
    # config file beside the script makes it measure this reflector 37 times.
    refl, port = start_reflector()
    res, host = run_mpython_sender(tmp, port, 37, 5)
    check_clean_run(res, 37)
    assert reflector_counts(refl) == (37, 37)
    assert ["-> 127.0.0.1:%d" % port, "37 x 5 ms", "A = stop"] in host["shows"], host["shows"]


def test_mpython_sender_stops_at_button_a(tmp):
    refl, port = start_reflector()
    # 1000 probes would take 10 s; button A is pressed after 1 s.
    res, host = run_mpython_sender(tmp, port, 1000, 10, press_a_after=1)
    assert res["stopped"] is True, res
    assert 20 <= res["sent"] < 1000 and res["received"] == res["sent"], res
    assert res["lost_up"] == 0 and res["lost_down"] == 0, res
    received, _ = reflector_counts(refl)
    # Only probes still on their way at the press are left out of "sent": a
    # few, or more after a stall (the schedule then sends the missed slots at once).
    assert res["sent"] <= received <= res["sent"] + 30, (received, res)


def check_split_against_truth(res, t, who):
    trailing = trailing_down_drops(t)
    print("  %s: lost_up %d lost_down %d; truth: up %d down %d dropped (%d after the last reply);"
          " rtt_ms %r" % (who, res["lost_up"], res["lost_down"], t["up"]["dropped"],
                          t["down"]["dropped"], trailing, res["rtt_ms"]))
    assert t["up"]["in"] == res["sent"], (t["up"], res)
    assert t["up"]["dropped"] > 0 and t["down"]["dropped"] > 0, (t["up"], t["down"])
    assert res["received"] == t["down"]["out"], (res, t["down"])
    # Replies lost after the last one that came back look like upstream loss to any sender.
    assert res["lost_up"] == t["up"]["dropped"] + trailing, (res, t["up"], trailing)
    assert res["lost_down"] == t["down"]["dropped"] - trailing, (res, t["down"], trailing)
    # 3 ms each way in the relay: a reply matched to the wrong probe (by the
    # reflector's number, say) would be late by the probes lost before it.
    # A 6 ms RTT at 5 ms intervals: some probe is in flight when ticks wrap.
    q = res["rtt_ms"]
    assert 5.95 <= q["min"] and q["median"] < 17, q


def test_mpython_sender_splits_loss_like_the_relay_truth(tmp):
    refl, rport = start_reflector()
    relay, port, truth = start_relay(tmp, rport, "--loss-up", "10%", "--loss-down", "5%",
                                     "--delay", "3ms", "--seed", 11)
    # 1.5 s of probes; ticks_us wraps 1 s after the start.
    res, _ = run_mpython_sender(tmp, port, 300, 5, wrap_after=1.0)
    t = finish_relay(relay, truth)
    check_split_against_truth(res, t, "sender.py")
    print("  sender.py: probes of the second half left %d us after their slots (median)"
          % (check_schedule(t, 300, 5) // 1000))
    stop(refl)


def check_schedule(t, n, interval_ms):
    """The probes left on an absolute schedule: probe k reached the relay
    (about) k intervals after the first one the truth log has an event for
    (its drops), never drifting later and later."""
    seen = {e["seq"]: e["t_ns"] for e in t["events"] if e["dir"] == "up"}
    ks = sorted(seen)
    assert len(ks) >= 10 and ks[-1] >= n // 2, ks
    k0 = ks[0]
    lag = sorted(seen[k] - seen[k0] - (k - k0) * interval_ms * 10 ** 6 for k in ks if k >= n // 2)
    # A sender that slept an interval after each send would lag by now.
    assert lag[len(lag) // 2] < 2 * 10 ** 6, lag
    return lag[len(lag) // 2]


def test_vvboard_sender_measures_and_splits(tmp):
    refl, port = start_reflector()
    check_clean_run(run_vv_sender(tmp, port, 100, 10)[0], 100)
    assert reflector_counts(refl) == (100, 100)

    refl, rport = start_reflector()
    relay, port, truth = start_relay(tmp, rport, "--loss-up", "10%", "--loss-down", "5%",
                                     "--delay", "3ms", "--seed", 12)
    # The command line wins over the config file: 300 probes, not 100.
    res, out = run_vv_sender(tmp, port, 100, 10, "--count", "300", "--interval-ms", "5")
    t = finish_relay(relay, truth)
    # About 1.5 s of probes: progress on the console once a second.
    assert re.search(r"^rtt \S+ ms  sent \d+ received \d+ lost up \d+ down \d+$", out, re.M), out
    check_split_against_truth(res, t, "udpbench_sender.py")
    print("  udpbench_sender.py: probes of the second half left %d us after their slots"
          " (median)"
          % (check_schedule(t, 300, 5) // 1000))
    stop(refl)


def check_all_late(res, n):
    # 4 ms each way against a 5 ms timeout: every reply is late, none lost on
    # the way; only the last one may come after the sender stopped listening.
    assert res["received"] == 0 and res["rtt_ms"] is None, res
    assert res["sent"] == n and res["lost_down"] == 0, res
    assert res["late"] + res["lost_up"] == n and res["late"] >= n - 1, res


def test_senders_count_late_replies_apart(tmp):
    refl, rport = start_reflector()
    relay, port, truth = start_relay(tmp, rport, "--delay", "4ms", "--seed", 3)
    res, _ = run_mpython_sender(tmp, port, 30, 10, TIMEOUT_MS=5)
    check_all_late(res, 30)
    res, _ = run_vv_sender(tmp, port, 30, 10, "--timeout-ms", "5")
    check_all_late(res, 30)
    t = finish_relay(relay, truth)
    assert t["up"]["dropped"] == 0 and t["down"]["out"] == 60, (t["up"], t["down"])
    stop(refl)


def test_vvboard_sender_usage_errors(tmp):
    for args, name in ((["--port", "70000"], "--port"), (["--count", "0"], "--count"),
                       (["--interval-ms", "x"], "--interval-ms")):
        r = run([PYTHON, VV_SENDER] + args, timeout=30)
        last = r.stderr.strip().splitlines()[-1]
        assert r.returncode == 2 and name in last and "udpbench:" not in r.stdout, (args, r.stderr)


def test_senders_parse_as_python35(tmp):
    for path in (MPY_SENDER, VV_SENDER):
        with open(path, encoding="utf-8") as f:
            src = f.read()
        assert py35_problems(src, os.path.relpath(path, ROOT)) == []
        # The same check catches what would break the boards.
        bad = src.replace('"udpbench: " + json.dumps(res)', 'f"udpbench: {res}"')
        assert bad != src and py35_problems(bad, "bad"), path


def test_mpython_sender_in_micropython(tmp):
    mjs = ensure_micropython()
    r = run_check(mjs, MPY_SENDER)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "COMPILED ok" in r.stdout and "RESULT ok" in r.stdout, r.stdout
    m = re.search(r"allocated while measuring: (-?\d+) bytes", r.stdout)
    assert m and int(m.group(1)) <= 256, r.stdout
    # The check fails where it should: a split that ignores the reflector's counter.
    broken = os.path.join(tmp, "broken.py")
    with open(MPY_SENDER, encoding="utf-8") as f:
        src = f.read()
    with open(broken, "w", encoding="utf-8") as f:
        f.write(src.replace("if hi > refl_top:", "if False:"))
    r = run_check(mjs, broken)
    assert r.returncode != 0 and "lost_down" in r.stdout, r.stdout
    # ... and one that allocates a list for every reply.
    with open(broken, "w", encoding="utf-8") as f:
        f.write(src.replace("rtts[received] = r", "rtts[received] = [r][0]"))
    r = run_check(mjs, broken)
    assert r.returncode != 0 and re.search(r"measuring allocated \d+ bytes", r.stdout), r.stdout


def run_check(mjs, script):
    return run(["node", MPY_CHECK, mjs, script, STANDINS, SENDER_CHECK], timeout=120)
