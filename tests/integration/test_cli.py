"""Exit codes and messages of the command line."""

import os
import socket
import time

from harness import ROOT, run, start_reflector, ub


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_no_reflector_exit_3(tmp):
    port = free_udp_port()
    rj = os.path.join(tmp, "r.json")
    t0 = time.monotonic()
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 1000, "--json", rj)
    dt = time.monotonic() - t0
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert dt < 3, dt
    assert "no reply from 127.0.0.1:%d" % port in r.stderr, r.stderr
    assert "is a reflector running there?" in r.stderr
    # What was measured (nothing came back) is still a valid result.
    import json
    with open(rj) as f:
        s = json.load(f)["summary"]
    assert s["received"] == 0 and s["sent"] >= 1 and s["lost"] == s["sent"]


def test_silent_peer_exit_3_after_timeout(tmp):
    # A bound socket that never answers: no ICMP, so Tmax after the last probe decides.
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    t0 = time.monotonic()
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 5, "-i", "10ms", "--timeout", "300ms")
    dt = time.monotonic() - t0
    s.close()
    assert r.returncode == 3, r.stderr
    assert 0.3 < dt < 2.0, dt


def usage_error(args, must_name):
    r = ub(*args)
    assert r.returncode == 2, (args, r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert must_name in lines[0], (must_name, lines[0])
    assert r.stdout == ""


def test_usage_errors_exit_2(tmp):
    usage_error(["--peer", "127.0.0.1", "--count", "banana"], "--count")
    usage_error(["--peer", "127.0.0.1", "--size", "43"], "--size")
    usage_error(["--peer", "127.0.0.1", "--size", "1473"], "--size")
    usage_error(["--peer", "127.0.0.1", "--interval", "10parsecs"], "--interval")
    usage_error(["--peer", "127.0.0.1", "--mode", "carrier-pigeon"], "--mode")
    usage_error(["--peer", "127.0.0.1", "--lang", "fr"], "--lang")
    usage_error(["--peer", "127.0.0.1", "--port", "70000"], "--port")
    usage_error(["--peer", "127.0.0.1", "--dscp", "64"], "--dscp")
    usage_error(["--peer", "127.0.0.1", "--interval", "1ms", "--rate", "10"], "--rate")
    usage_error(["--count", "5"], "--peer")
    usage_error(["--peer", "127.0.0.1", "--frobnicate"], "--frobnicate")
    usage_error(["--peer", "127.0.0.1", "--count"], "--count")
    usage_error(["reflect", "--port", "x"], "--port")
    usage_error(["--peer", "no-such-host.invalid", "-c", "1"], "no-such-host.invalid")


def test_help_and_version(tmp):
    r = ub("--help")
    assert r.returncode == 0 and "Usage: udpbench" in r.stdout and r.stderr == ""
    for opt in ("--peer", "--count", "--interval", "--rate", "--size", "--timeout", "--mode",
                "--json", "--csv", "--label", "--lang", "--dscp", "--ttl", "--quiet"):
        assert opt in r.stdout, opt
    r = ub("reflect", "--help")
    assert r.returncode == 0 and "--bind" in r.stdout
    r = ub("--version")
    assert r.returncode == 0 and r.stdout.startswith("udpbench ")


def test_man_page_matches_help(tmp):
    man = os.path.join(ROOT, "bench", "udpbench.1")
    with open(man) as f:
        page = f.read().replace("\\-", "-")
    for cmd in (["--help"], ["reflect", "--help"], ["relay", "--help"], ["scenario", "--help"],
                ["analyze", "--help"]):
        for line in ub(*cmd).stdout.splitlines():
            line = line.strip()
            if line.startswith("-"):
                for word in line.split():
                    if word.startswith("--"):
                        assert word.rstrip(",).") in page, "man page lacks %s" % word


def test_unwritable_output_is_named(tmp):
    refl, port = start_reflector()
    bad = os.path.join(tmp, "no-such-dir", "r.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 5, "-i", "1ms", "--json", bad)
    assert r.returncode == 1, r.stderr
    assert bad in r.stderr
    assert "probes sent" in r.stdout  # the summary is still printed
