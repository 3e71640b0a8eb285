"""Exit codes and messages of the command line."""

import os
import socket
import time

from harness import ROOT, free_udp_port, run, start_reflector, ub


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
    # Known before the run, not after it: the JSON result could not hold it.
    usage_error(["--peer", "127.0.0.1", "--label", os.fsdecode(b"caf\xe9")], "--label")
    usage_error(["reflect", "--port", "x"], "--port")
    # A name the C library refuses to look up: the test sends no DNS query.
    usage_error(["--peer", "no such host!", "-c", "1"], "no such host!")


def test_peer_and_bind_errors_name_the_option(tmp):
    # Only forms that fail in the parser or the C library: nothing is sent anywhere.
    for peer in ("[::1", "127.0.0.1:99999", "127.0.0.1:port", "", "no such host!"):
        usage_error(["--peer", peer, "-c", "1"], "--peer")
    for bind in ("[::1", "127.0.0.1:5", "no such host!"):
        r = ub("reflect", "--bind", bind, "--port", "0")
        assert r.returncode == 2, (bind, r.returncode, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and "--bind" in r.stderr, r.stderr
    r = ub("relay", "--listen", "no such host!:0", "--to", "127.0.0.1:9")
    assert r.returncode == 2 and "--listen" in r.stderr, r.stderr


def test_packet_link_errors_name_the_option(tmp):
    # Refused before any packet socket is opened: nothing is carried anywhere.
    for argv, says in ((["--between", "ub-x0"], "IFACE_A,IFACE_B"),
                       (["--between", "ub-x0,"], "IFACE_A,IFACE_B"),
                       (["--between", "ub-x0,ub-x0"], "two different interfaces"),
                       (["--between", "ub-x0,ub-x1,ub-x2"], "IFACE_A,IFACE_B"),
                       (["--between", "no-such-if0,no-such-if1"], "no interface no-such-if0"),
                       (["--between", "a,b", "--listen", "9000"], "takes no --listen")):
        r = ub("relay", *argv)
        assert r.returncode == 2, (argv, r.returncode, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and "--between" in r.stderr, (argv, r.stderr)
        assert says in r.stderr, (argv, r.stderr)


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


def test_unwritable_output_is_named_before_the_first_probe(tmp):
    # A socket that only listens: it tells whether any probe left.
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    for opt in ("--json", "--csv"):
        bad = os.path.join(tmp, "no-such-dir", "r." + opt[2:])
        t0 = time.monotonic()
        r = ub("--peer", "127.0.0.1:%d" % port, "-c", 50, "-i", "100ms", opt, bad)
        took = time.monotonic() - t0
        assert r.returncode == 1, (opt, r.returncode, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert opt in r.stderr and bad in r.stderr, r.stderr
        assert took < 2.0, took  # the run itself would take 5 s
    s.setblocking(False)
    try:
        got = s.recv(2048)
    except BlockingIOError:
        got = None
    s.close()
    assert got is None, "a probe left before the output was known to be writable"
    assert not os.path.exists(os.path.join(tmp, "no-such-dir"))


def test_json_and_csv_must_differ(tmp):
    same = os.path.join(tmp, "r.out")
    usage_error(["--peer", "127.0.0.1", "--json", same, "--csv", same], "--csv")
    usage_error(["--peer", "127.0.0.1", "--json", os.path.join(tmp, ".", "r.out"),
                 "--csv", same], "--csv")
    usage_error(["--peer", "127.0.0.1", "--json", "-", "--csv", "-"], "--csv")
    assert not os.path.exists(same)
