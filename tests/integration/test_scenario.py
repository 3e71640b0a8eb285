"""Scenario files and the scenario runner."""

import os
import shutil
import signal
import re
import time

from harness import (ROOT, Skip, UDPBENCH, build_shim, load_json, need_root, need_tool, run, shim_env,
                     spawn, start_reflector, trailing_down_drops, ub, planned)


def shipped():
    d = os.path.join(ROOT, "scenarios")
    return sorted(f[:-4] for f in os.listdir(d) if f.endswith(".ini"))


def test_list_shows_every_shipped_scenario(tmp):
    names = shipped()
    assert len(names) >= 5, names
    r = ub("scenario", "list")
    assert r.returncode == 0, r.stderr
    for n in names:
        assert re.search(r"^%s\s+\S" % re.escape(n), r.stdout, re.M), (n, r.stdout)
    r = ub("scenario", "list", "--lang", "zh")
    assert "教室" in r.stdout, r.stdout


def test_list_out_of_memory_lists_nothing_and_says_so(tmp):
    """A listing cut short by a failed allocation is an error, not a shorter list."""
    d = os.path.join(tmp, "scenarios")
    os.mkdir(d)
    for n in shipped()[:3]:
        shutil.copy(os.path.join(ROOT, "scenarios", n + ".ini"), d)
    r = run([UDPBENCH, "scenario", "list"], env={"UDPBENCH_SCENARIOS": d})
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 3, (r.returncode, r.stdout, r.stderr)
    so = build_shim(tmp, "alloc")
    r = run([UDPBENCH, "scenario", "list"],
            env=shim_env(so, UDPBENCH_SCENARIOS=d, UB_TEST_FAIL_STRDUP=shipped()[1] + ".ini"))
    assert r.returncode != 0 and r.stdout == "", (r.returncode, r.stdout)
    assert r.stderr == "udpbench: out of memory listing %s\n" % d, r.stderr


def test_every_scenario_runs_and_writes_its_folder(tmp):
    for name in shipped():
        out = os.path.join(tmp, name)
        r = ub("scenario", "run", name, "-o", out, "-c", 150, "-q", timeout=180)
        assert r.returncode == 0, (name, r.stderr)
        # -q prints only errors: neither the runner's summary nor the sender's
        assert r.stdout == "", (name, r.stdout[-300:])
        # UDP and TCP scenarios run on the packet-level link where it can be made.
        tname = "truth-udp.json" if os.path.exists(os.path.join(out, "truth-udp.json")) else "truth.json"
        for f in ("udp.json", "udp.csv", tname, "summary.txt", "scenario.ini"):
            assert os.path.exists(os.path.join(out, f)), (name, f)
        res, truth = load_json(os.path.join(out, "udp.json")), load_json(os.path.join(out, tname))
        s = res["summary"]
        assert planned(s, 150), name
        # What left the relay towards the reflector is what the reflector answered.
        assert truth["up"]["in"] == s["sent"], (name, truth["up"])
        assert s["received"] + s["duplicates"] <= truth["down"]["out"], name
        with open(os.path.join(out, "summary.txt")) as f:
            text = f.read()
        assert "emulator truth" in text and "lost on the way there" in text, text


def test_crowded_classroom_reorders_only_by_its_reorder_line(tmp):
    # The classroom's stations queue first in, first out: its jitter (a pareto
    # tail at 10 ms a probe) holds probes up but never reorders them, so what
    # is out of order is what its reorder line held back, about 0.5 % each way
    # (drawn on their own, the same delays reordered about 3 %). UDP only, to
    # keep the run short: the [link] section is the shipped one.
    with open(os.path.join(ROOT, "scenarios", "crowded-classroom.ini")) as f:
        text = f.read()
    assert re.search(r"^delay-model = fifo$", text, re.M), "crowded-classroom is not fifo"
    assert re.search(r"^protocols = udp,tcp$", text, re.M)
    ini = os.path.join(tmp, "crowded-classroom.ini")
    with open(ini, "w") as f:
        f.write(re.sub(r"^protocols = udp,tcp$", "protocols = udp", text, flags=re.M))
    out = os.path.join(tmp, "cc")
    r = ub("scenario", "run", ini, "-o", out, "-c", 600, "-q", timeout=120)
    assert r.returncode == 0, r.stderr
    s = load_json(os.path.join(out, "udp.json"))["summary"]
    t = load_json(os.path.join(out, "truth.json"))
    assert t["config"]["up"]["delay_model"] == t["config"]["down"]["delay_model"] == "fifo"
    assert s["reordered_up"] == t["up"]["reordered"], (s["reordered_up"], t["up"])
    assert s["reordered_down"] == t["down"]["reordered"], (s["reordered_down"], t["down"])
    for d in ("up", "down"):
        assert t[d]["reordered"] <= t[d]["held"], (d, t[d])
    # 0.5 % each way of about 1170 packets: 5.9 held, 5 sd above that is 18.
    held = t["up"]["held"] + t["down"]["held"]
    assert 0 < held <= 18, (t["up"], t["down"])
    assert 0 < s["reordered"] <= 0.015 * s["sent"], s


def test_scenario_against_a_real_peer(tmp):
    refl, port = start_reflector()
    out = os.path.join(tmp, "real")
    r = ub("scenario", "run", "wired-baseline", "--peer", "127.0.0.1:%d" % port, "-o", out,
           "-c", 50, "-q")
    assert r.returncode == 0, r.stderr
    assert not os.path.exists(os.path.join(out, "truth.json"))
    assert load_json(os.path.join(out, "udp.json"))["summary"]["received"] == 50
    with open(os.path.join(out, "summary.txt")) as f:
        assert "real link to 127.0.0.1:%d" % port in f.read()


def test_bad_scenario_file_names_file_and_line(tmp):
    bad = os.path.join(tmp, "bad.ini")
    with open(bad, "w") as f:
        f.write("[scenario]\nname_en = x\nname_zh = x\n[link]\nloss = 12 parsecs\n")
    r = ub("scenario", "run", bad, "-o", os.path.join(tmp, "o"))
    assert r.returncode == 2, r.stderr
    assert "bad.ini:5" in r.stderr and "loss" in r.stderr, r.stderr
    r = ub("scenario", "run", "no-such-scenario")
    assert r.returncode == 2 and "no-such-scenario" in r.stderr


def test_link_method_is_named(tmp):
    out = os.path.join(tmp, "w")
    # A UDP-only scenario: the socket relay is used (it writes the truth log).
    r = ub("scenario", "run", "home-router-2g4", "-o", out, "-c", 20, "-q")
    assert r.returncode == 0, r.stderr
    with open(os.path.join(out, "summary.txt")) as f:
        text = f.read()
    # When netem is missing, it says so.
    assert "udpbench relay emulator (seed 1)" in text, text
    probe = run(["unshare", "-n", "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"])
    if probe.returncode == 0:
        assert "netem:" not in text, text
    else:
        assert re.search(r"netem: (this kernel has no netem qdisc|tc is not installed|"
                         r"no network namespace for this user)", text), text


def runner_processes(mark):
    """Processes still running whose command line names mark (the run's own folder)."""
    left = []
    for pid in os.listdir("/proc"):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if mark.encode() in f.read():
                    left.append(int(pid))
        except (OSError, ValueError):
            pass
    return left


def check_classroom_on_packet_link(out, r):
    """crowded-classroom: UDP and TCP on the same packet-level link, held against its truth logs."""
    assert r.returncode == 0, r.stderr
    assert "needs root" not in r.stdout + r.stderr, r.stdout + r.stderr
    udp, tcp = load_json(os.path.join(out, "udp.json")), load_json(os.path.join(out, "tcp.json"))
    tu, tt = load_json(os.path.join(out, "truth-udp.json")), load_json(os.path.join(out, "truth-tcp.json"))
    u, t = udp["summary"], tcp["summary"]
    assert udp["params"]["proto"] == "udp" and tcp["params"]["proto"] == "tcp"
    # Both runs crossed the link: one flow each, impaired both ways.
    assert tu["flows"] == 1 and tu["up"]["in"] == 500, (tu["flows"], tu["up"])
    assert tt["flows"] == 1 and tt["up"]["in"] >= 500 and tt["down"]["in"] > 0, (tt["up"], tt["down"])
    assert tt["up"]["dropped"] + tt["down"]["dropped"] > 0, (tt["up"], tt["down"])
    assert tu["listen"] == "ub-ls" and tu["target"] == "ub-lr", (tu["listen"], tu["target"])
    # 12 ms each way.
    assert u["rtt_ns"]["median"] >= 20000000, u["rtt_ns"]
    assert t["rtt_ns"]["min"] >= 20000000, t["rtt_ns"]
    assert t["lost"] == 0 and t["tcp_retransmits"] > 0, t
    assert t["rtt_ns"]["p99"] > u["rtt_ns"]["p99"], (t["rtt_ns"], u["rtt_ns"])
    trailing = trailing_down_drops(tu)
    assert u["lost_up"] == tu["up"]["dropped"] + trailing, (u["lost_up"], tu["up"], trailing)
    assert u["lost_down"] == tu["down"]["dropped"] - trailing, (u["lost_down"], tu["down"])
    assert u["reordered_up"] == tu["up"]["reordered"], (u["reordered_up"], tu["up"])
    with open(os.path.join(out, "summary.txt")) as f:
        text = f.read()
    assert "packet-level link emulator, UDP and TCP alike" in text and "same link" in text, text
    assert "left out" not in text, text
    assert not runner_processes(out), runner_processes(out)  # holders and children all ended


def test_classroom_udp_and_tcp_on_the_packet_link(tmp):
    need_root("running the scenario runner as root")
    out = os.path.join(tmp, "cc")
    r = ub("scenario", "run", "crowded-classroom", "-o", out, "-c", 500, "-q", timeout=120)
    check_classroom_on_packet_link(out, r)


def test_classroom_on_the_packet_link_without_root(tmp):
    need_root("switching to an unprivileged user")
    need_tool("setpriv")
    # A copy nobody can read: the checkout may sit where only root can enter.
    os.chmod(tmp, 0o755)
    exe = os.path.join(tmp, "udpbench")
    shutil.copy(UDPBENCH, exe)
    for d in ("scenarios", "reports"):
        shutil.copytree(os.path.join(ROOT, d), os.path.join(tmp, d))
    for dirpath, dirs, files in os.walk(tmp):
        os.chmod(dirpath, 0o755)
        for f in files:
            os.chmod(os.path.join(dirpath, f), 0o755 if f == "udpbench" else 0o644)
    # Whether this kernel gives nobody a user and network namespace at all, asked with util-linux.
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]
    probe = run(nobody + ["unshare", "--user", "--map-root-user", "--net", "true"], timeout=20)
    if probe.returncode != 0:
        raise Skip("no user namespace for an unprivileged user here: " + probe.stderr.strip())
    work = os.path.join(tmp, "work")
    os.mkdir(work)
    os.chmod(work, 0o777)
    out = os.path.join(work, "cc")
    r = run(nobody + [exe, "scenario", "run", os.path.join(tmp, "scenarios", "crowded-classroom.ini"),
                      "-o", out, "-c", "500", "-q"], timeout=120, cwd=work)
    check_classroom_on_packet_link(out, r)


def test_ctrl_c_keeps_what_was_measured_and_runs_nothing_more(tmp):
    # Ctrl-C reaches the whole foreground group: the sender writes what it has,
    # the runner leaves out the runs still to come (here TCP) and says so.
    out = os.path.join(tmp, "stopped")
    with open(os.path.join(tmp, "o.txt"), "wb") as fo, open(os.path.join(tmp, "e.txt"), "wb") as fe:
        p = spawn([UDPBENCH, "scenario", "run", "wired-baseline", "-c", "3000", "-o", out],
                  stdout=fo, stderr=fe, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not os.path.exists(os.path.join(out, "udp.csv")):
        time.sleep(0.05)  # the sender opens its CSV when it starts sending; bounded above
    time.sleep(1)  # about a hundred probes out before Ctrl-C
    os.killpg(p.pid, signal.SIGINT)
    assert p.wait(timeout=30) == 0
    with open(os.path.join(tmp, "o.txt"), encoding="utf-8") as f:
        text = f.read()
    assert "stopped (Ctrl-C) before the end" in text, text
    res = load_json(os.path.join(out, "udp.json"))
    s = res["summary"]
    assert s["interrupted"] is True and 0 < s["sent"] < 3000, s
    assert not os.path.exists(os.path.join(out, "tcp.json"))
    tname = "truth-udp.json" if os.path.exists(os.path.join(out, "truth-udp.json")) else "truth.json"
    # the relay stops on the same Ctrl-C: a probe it never got is one cut at the stop
    assert 0 <= s["sent"] - load_json(os.path.join(out, tname))["up"]["in"] <= (s["cut_at_stop"] or 0), s
    assert "stopped (Ctrl-C) before the end" in open(os.path.join(out, "summary.txt")).read()
