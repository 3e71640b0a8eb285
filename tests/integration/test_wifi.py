"""params.wifi in every result: this machine has no wireless interface, so
each result carries params.wifi null and params.wifi_why naming the
interface its route leaves through, checked against what `ip route get`
says (iproute2, not udpbench). Several peers through different interfaces
each get their own reason."""

import os
import re

from harness import Skip, load_json, need_root, need_tool, run, start_reflector, stop, ub
from test_netns import make_pair

HERE = os.path.dirname(os.path.abspath(__file__))
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
