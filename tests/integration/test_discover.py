"""udpbench discover in network namespaces on one bridge: five boards of three
kinds (udpbench reflect, the 虚谷号 script, the 掌控板 script under its
stand-ins), each in a namespace of its own, found from a sixth; the peers
file it writes measures all five. A router namespace joins a second subnet,
from where queries must go unanswered. Answers are counted by an
independent client (peers/disc_probe.py)."""

import json
import os
import re

from harness import (PEERS, PYTHON, ROOT, Skip, load_json, need_root, need_tool, on_cleanup, run,
                     spawn, start_reflector, stop, wait_line, planned)

HERE = os.path.dirname(os.path.abspath(__file__))
PORT = "10000"
LAN, FAR = "198.18.5.", "198.18.6."


def ip(*args):
    r = run(["ip"] + [str(a) for a in args])
    if r.returncode != 0:
        raise Skip("cannot build the namespaces (ip %s): %s" % (" ".join(map(str, args)),
                                                                r.stderr.strip()))


def in_ns(ns, *argv):
    return ["ip", "netns", "exec", ns] + [str(a) for a in argv]


def build(tag, ipv6=False):
    """The hub's bridge, six hosts on 198.18.5.0/24 (pc .2, boards .11-.15), a
    router (.1) to 198.18.6.0/24 where `far` (.2) sits; with ipv6, link-local
    IPv6 addresses too. Returns the names."""
    need_root("namespaces on a bridge")
    need_tool("ip")
    pre = "ubd%d%s" % (os.getpid() % 10000, tag)
    names = {k: pre + k for k in ("hub", "pc", "b1", "b2", "b3", "b4", "b5", "rt", "far")}
    for n in names.values():
        r = run(["ip", "netns", "add", n])
        if r.returncode != 0:
            raise Skip("cannot make a network namespace: " + r.stderr.strip())
        on_cleanup(lambda n=n: run(["ip", "netns", "del", n]))
        ip("-n", n, "link", "set", "lo", "up")
        # IPv4 only, or IPv6 addresses usable at once (no duplicate address detection).
        knob = "accept_dad" if ipv6 else "disable_ipv6"
        run(in_ns(n, "sh", "-c", "echo %d > /proc/sys/net/ipv6/conf/all/%s; "
                  "echo %d > /proc/sys/net/ipv6/conf/default/%s"
                  % (0 if ipv6 else 1, knob, 0 if ipv6 else 1, knob)))
    hub = names["hub"]
    ip("-n", hub, "link", "add", "br0", "type", "bridge")
    ip("-n", hub, "link", "set", "br0", "up")
    lan = [("pc", 2), ("b1", 11), ("b2", 12), ("b3", 13), ("b4", 14), ("b5", 15), ("rt", 1)]
    for k, host in lan:
        ip("-n", names[k], "link", "add", "eth0", "type", "veth", "peer", "name", "p" + k,
           "netns", hub)
        ip("-n", hub, "link", "set", "p" + k, "master", "br0")
        ip("-n", hub, "link", "set", "p" + k, "up")
        ip("-n", names[k], "addr", "add", "%s%d/24" % (LAN, host), "brd", "+", "dev", "eth0")
        ip("-n", names[k], "link", "set", "eth0", "up")
        if k != "rt":
            ip("-n", names[k], "route", "add", FAR + "0/24", "via", LAN + "1")
    ip("-n", names["rt"], "link", "add", "eth1", "type", "veth", "peer", "name", "eth0",
       "netns", names["far"])
    ip("-n", names["rt"], "addr", "add", FAR + "1/24", "dev", "eth1")
    ip("-n", names["rt"], "link", "set", "eth1", "up")
    ip("-n", names["far"], "addr", "add", FAR + "2/24", "dev", "eth0")
    ip("-n", names["far"], "link", "set", "eth0", "up")
    ip("-n", names["far"], "route", "add", "default", "via", FAR + "1")
    r = run(in_ns(names["rt"], "sysctl", "-qw", "net.ipv4.ip_forward=1"))
    assert r.returncode == 0, r.stderr
    return names


def start_boards(ns, procs=None):
    """Five reflectors on port 10000, one per namespace; returns {address: (kind, name)}
    (and the processes in procs, by address)."""
    want = {}
    procs = {} if procs is None else procs
    procs[LAN + "11"], _ = start_reflector("--port", PORT, "--name", "讲台 PC", bind=None, netns=ns["b1"])
    want[LAN + "11"] = ("udpbench", "讲台 PC")
    procs[LAN + "12"], _ = start_reflector("--port", PORT, "--name", "讲台 PC", bind=None,
                                           netns=ns["b2"])
    want[LAN + "12"] = ("udpbench", "讲台 PC")  # the same name: discover makes it unique
    for k, host, name in (("b3", 13, "虚谷号 一"), ("b4", 14, "虚谷号 二")):
        p = spawn(in_ns(ns[k], PYTHON, os.path.join(ROOT, "peers", "vvboard",
                                                       "udpbench_reflector.py"),
                        "--port", PORT, "--name", name, "--max-seconds", "120"))
        wait_line(p.stderr, r"listening on")
        want[LAN + str(host)] = ("vvboard", name)
    p = spawn(in_ns(ns["b5"], PYTHON, os.path.join(HERE, "boards_mpython_host.py"),
                    "--script", os.path.join(ROOT, "peers", "mpython", "main.py"),
                    "--bind", "0.0.0.0", "--port", PORT, "--address", LAN + "15",
                    "--netmask", "255.255.255.0", "--wifi-ssid", "classroom",
                    "--max-seconds", "120"))
    wait_line(p.stdout, r"listening on", timeout=10)
    want[LAN + "15"] = ("mpython", "掌控板-a107")  # the stand-in's MAC ends a1:07
    return want


def probe(ns, *args):
    r = run(in_ns(ns, PYTHON, os.path.join(PEERS, "disc_probe.py"), *args), timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_discover_finds_five_boards_and_measures_them(tmp):
    ns = build("a")
    want = start_boards(ns)
    peers = os.path.join(tmp, "peers.txt")
    r = run(in_ns(ns["pc"], os.environ.get("UDPBENCH") or os.path.join(ROOT, "udpbench"),
                  "discover", "-o", peers, "--wait", "1500ms"), timeout=30)
    assert r.returncode == 0, (r.stdout, r.stderr)
    rows = {}
    for line in r.stdout.splitlines()[1:]:
        m = re.search(r" (udpbench|vvboard|mpython) +(\S+):(\d+) ", line)
        assert m, line
        rows[m.group(2)] = (m.group(1), line[:m.start()].strip(), line)
    assert sorted(rows) == sorted(want), r.stdout
    for addr, (kind, _) in want.items():
        assert rows[addr][0] == kind, (addr, rows[addr])
    # Only the 掌控板 on Wi-Fi tells its signal strength (the stand-in's -61 dBm).
    assert rows[LAN + "15"][2].rstrip().endswith("-61 dBm"), rows[LAN + "15"]
    assert rows[LAN + "11"][2].rstrip().endswith("-"), rows[LAN + "11"]

    # The peers file: HOST:PORT NAME, names unique (a clash gets -2).
    with open(peers, encoding="utf-8") as f:
        lines = [ln.rstrip("\n") for ln in f if not ln.startswith("#")]
    got = {}
    for ln in lines:
        hostport, name = ln.split(" ", 1)
        host, port = hostport.rsplit(":", 1)
        assert port == PORT, ln
        got[host] = name
    assert sorted(got) == sorted(want), lines
    assert sorted(got[LAN + h] for h in ("11", "12")) == ["讲台 PC", "讲台 PC-2"], got
    for h in ("13", "14", "15"):
        assert got[LAN + h] == want[LAN + h][1], got
    assert len(set(got.values())) == 5, got

    # The file measures every board: 50 of 50 each.
    rj = os.path.join(tmp, "r.json")
    r = run(in_ns(ns["pc"], os.environ.get("UDPBENCH") or os.path.join(ROOT, "udpbench"),
                  "--peers", peers, "-c", 50, "-i", "5ms", "--json", rj, "-q"), timeout=60)
    assert r.returncode == 0, r.stderr
    res = load_json(rj)["peers"]
    assert len(res) == 5, res
    for p in res:
        assert planned(p["summary"], 50) and p["summary"]["received"] == p["summary"]["sent"], \
            (p["params"].get("peer"), p["summary"])


def test_discover_answers_only_on_link_never_larger_and_rate_limited(tmp):
    ns = build("b")
    procs = {}
    want = start_boards(ns, procs)
    for addr, (kind, _) in sorted(want.items()):
        # From behind the router: the board is reachable (STAMP answers) ...
        r = run(in_ns(ns["far"], os.environ.get("UDPBENCH") or os.path.join(ROOT, "udpbench"),
                      "--peer", "%s:%s" % (addr, PORT), "-c", 5, "-i", "5ms", "-q"), timeout=30)
        assert r.returncode == 0, (addr, r.stderr)
        # ... but a query, even one sent with TTL 255 (254 on arrival), gets nothing.
        got = probe(ns["far"], "--to", addr, "--wait", "0.5")
        assert got["answers"] == 0 and got["other"] == 0, (addr, kind, got)
        # On the link: one answer, never larger than the query.
        got = probe(ns["pc"], "--to", addr, "--wait", "0.5")
        assert got["answers"] == 1 and got["kinds"] == [kind], (addr, got)
        assert all(0 < s <= 512 for s in got["sizes"]), got
        # Sent with a TTL of 64 on the link: a udpbench reflector tells it crossed a router.
        if kind == "udpbench":
            got = probe(ns["pc"], "--to", addr, "--ttl", 64, "--wait", "0.3")
            assert got["answers"] == 0, (addr, got)
        # A query shorter than the answer, or one octet short of a query: no answer at all,
        # not even a STAMP reply to it.
        for length in (100, 511):
            got = probe(ns["pc"], "--to", addr, "--length", length, "--wait", "0.3")
            assert got["answers"] == 0 and got["other"] == 0, (addr, length, got)
    # A flood of 200 queries from one source in well under a second: a handful of answers
    # (2 a second to one address, as the boards and the reflector promise), not 200.
    for addr in sorted(want):
        got = probe(ns["b1" if addr != LAN + "11" else "b2"], "--to", addr, "--count", 200,
                    "--wait", "0.5")
        assert 1 <= got["answers"] <= 4, (addr, got)
    # The reflector counted what it answered and refused: per board above, 1 answered and
    # 4 refused (off-link, TTL 64, two lengths), then the flood's answers and the rest.
    rc, _, err = stop(procs[LAN + "11"])
    m = re.search(r"discovery answered (\d+), discovery refused (\d+)", err)
    assert rc == 0 and m, err
    answered, refused = int(m.group(1)), int(m.group(2))
    assert 2 <= answered <= 5 and answered + refused == 1 + 4 + 200, err


def test_discover_finds_nothing_from_off_link(tmp):
    ns = build("c")
    start_boards(ns)
    r = run(in_ns(ns["far"], os.environ.get("UDPBENCH") or os.path.join(ROOT, "udpbench"),
                  "discover", "--wait", "500ms", "-o", os.path.join(tmp, "p.txt")), timeout=30)
    assert r.returncode == 3, (r.stdout, r.stderr)
    assert "no reflector answered" in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(tmp, "p.txt"))


def test_discover_over_ipv6_link_local(tmp):
    ns = build("d", ipv6=True)
    want = start_boards(ns)
    udpbench = os.environ.get("UDPBENCH") or os.path.join(ROOT, "udpbench")
    # Both families: each reflector once, by its IPv4 address.
    r = run(in_ns(ns["pc"], udpbench, "discover", "--wait", "1500ms"), timeout=30)
    assert r.returncode == 0, r.stderr
    found = re.findall(r"(\S+):10000 ", r.stdout)
    assert sorted(found) == sorted(want), r.stdout
    # IPv6 alone (ff02::1): the four dual-stack reflectors (the 掌控板 speaks IPv4 only),
    # each at a link-local address with its interface, which the peers file measures.
    peers = os.path.join(tmp, "p6.txt")
    r = run(in_ns(ns["pc"], udpbench, "discover", "-6", "-o", peers, "--wait", "1500ms"),
            timeout=30)
    assert r.returncode == 0, r.stderr
    with open(peers, encoding="utf-8") as f:
        lines = [ln.split(" ", 1) for ln in f.read().splitlines() if not ln.startswith("#")]
    assert len(lines) == 4 and all(re.match(r"\[fe80::[0-9a-f:]+%eth0\]:10000$", h)
                                   for h, _ in lines), lines
    assert "掌控板-a107" not in [n for _, n in lines], lines
    rj = os.path.join(tmp, "r6.json")
    r = run(in_ns(ns["pc"], udpbench, "--peers", peers, "-c", 20, "-i", "5ms", "--json", rj,
                  "-q"), timeout=60)
    assert r.returncode == 0, r.stderr
    assert [p["summary"]["received"] for p in load_json(rj)["peers"]] == [20] * 4
