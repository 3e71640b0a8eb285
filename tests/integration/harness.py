"""Helpers for udpbench's integration tests: start the real binary and the
independent peers on loopback or in namespaces the test creates, wait on
conditions (never on sleeps), and clean up whatever a test started."""

import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
UDPBENCH = os.environ.get("UDPBENCH") or os.path.join(ROOT, "udpbench")
PEERS = os.path.join(ROOT, "tests", "integration", "peers")
PYTHON = sys.executable


class Skip(Exception):
    """The test cannot run here; the message says why."""


_procs = []
_cleanups = []


def on_cleanup(fn):
    _cleanups.append(fn)


def cleanup():
    for p in _procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    _procs.clear()
    while _cleanups:
        try:
            _cleanups.pop()()
        except Exception as exc:  # cleanup must go on
            print("  cleanup: %s" % exc, file=sys.stderr)


def spawn(argv, **kw):
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    kw.setdefault("env", dict(os.environ, PYTHONDONTWRITEBYTECODE="1", LANG="C"))
    p = subprocess.Popen(argv, **kw)
    _procs.append(p)
    return p


def wait_line(stream, pattern, timeout=5.0):
    """Reads lines from stream until one matches pattern; returns the match."""
    deadline = time.monotonic() + timeout
    seen = b""
    fd = stream.fileno()
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], deadline - time.monotonic())
        if not r:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        seen += chunk
        for line in seen.decode(errors="replace").splitlines():
            m = re.search(pattern, line)
            if m:
                return m
    raise AssertionError("no line matching %r within %.1fs; got %r" % (pattern, timeout, seen))


def start_reflector(*args, bind="127.0.0.1", netns=None):
    """Starts `udpbench reflect` on a free port; returns (process, port)."""
    argv = [UDPBENCH, "reflect", "--port", "0"] + (["--bind", bind] if bind else []) + list(args)
    if netns:
        argv = ["ip", "netns", "exec", netns] + argv
    p = spawn(argv)
    m = wait_line(p.stderr, r"listening on .*:(\d+) ")
    return p, int(m.group(1))


def stop(p, sig=signal.SIGTERM, timeout=5.0):
    """Signals p and waits; returns (returncode, stdout, stderr) as text."""
    if p.poll() is None:
        p.send_signal(sig)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise AssertionError("process did not stop within %.1fs after signal %d" % (timeout, sig))
    return p.returncode, (out or b"").decode(errors="replace"), (err or b"").decode(errors="replace")


def start_peer(script, tmp, *args, bind="127.0.0.1", name=None):
    """Starts one of the independent Python peers; returns (process, port).

    script is a path under peers/; name tells apart two of the same kind."""
    ready = os.path.join(tmp, "%s.ready" % (name or script.replace(os.sep, "_")))
    argv = [PYTHON, os.path.join(PEERS, script), "--bind", bind, "--port", "0",
            "--ready-file", ready, "--max-seconds", "120"] + list(args)
    p = spawn(argv)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if os.path.exists(ready):
            with open(ready) as f:
                txt = f.read().strip()
            if txt:
                return p, int(txt)
        if p.poll() is not None:
            raise AssertionError("%s exited: %s" % (script, p.stderr.read().decode()))
        time.sleep(0.02)  # polling a file the peer writes once; bounded above
    raise AssertionError("%s did not become ready" % script)


def run(argv, timeout=120, **kw):
    """Runs a command to completion; returns CompletedProcess with text output."""
    env = dict(os.environ, LANG="C", PYTHONDONTWRITEBYTECODE="1")
    env.update(kw.pop("env", {}))
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, **kw)


def ub(*args, timeout=120, netns=None):
    argv = [UDPBENCH] + [str(a) for a in args]
    if netns:
        argv = ["ip", "netns", "exec", netns] + argv
    return run(argv, timeout=timeout)


def build_shim(tmp, name):
    """Builds the LD_PRELOAD shim shims/<name>.c into tmp; returns its path."""
    so = os.path.join(tmp, name + ".so")
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "shims", name + ".c")
    try:
        r = subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", so, src, "-ldl"],
                           capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise Skip("no C compiler (cc) to build the LD_PRELOAD shim")
    assert r.returncode == 0, r.stderr
    return so


def shim_env(so, **settings):
    """The environment a command runs in with the shim so preloaded and its settings.

    Under ASan (make asan) the sanitizer's runtime need not come first: the
    shims hold no memory."""
    asan = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "verify_asan_link_order=0"]))
    return dict(settings, LD_PRELOAD=so, ASAN_OPTIONS=asan)


def load_json(path):
    with open(path) as f:
        return json.load(f)


def need_root(what):
    if os.geteuid() != 0:
        raise Skip("%s needs root" % what)


def free_udp_port():
    """A loopback UDP port nothing listens on (bound, then let go)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def planned(s, n):
    """Checks that every one of a udpbench summary's n slots was sent or skipped.

    A host that holds the sender back for more than 100 ms makes it skip the
    slots it can no longer keep (schedule.skipped) rather than send them in a
    burst; those are neither sent nor lost. Returns True, for use in asserts."""
    assert s["sent"] + s["schedule"]["skipped"] == n, (n, s["sent"], s["schedule"])
    return True


def need_tool(name):
    if not shutil.which(name):
        raise Skip("%s is not installed" % name)


# The packet-level link's namespaces, made here with ip (root): S holds the
# sender's end of a veth pair, R the reflector's, L the two other ends that
# `udpbench relay --between` joins. Addresses in RFC 2544's range.
LINK_SENDER, LINK_REFLECTOR = "198.18.2.1", "198.18.2.2"
LINK_PORTS = "ub-ls,ub-lr"


def packet_link_namespaces(tag="a"):
    """Makes S, L and R for one test (deleted at its end); returns their names as a dict."""
    if os.geteuid() != 0:
        raise Skip("the packet-level link's namespaces are made here with ip netns, which needs root")
    need_tool("ip")
    ns = {k: "ubpl%d%s%s" % (os.getpid(), tag, k) for k in "slr"}
    for n in ns.values():
        r = run(["ip", "netns", "add", n])
        if r.returncode != 0:
            raise Skip("cannot make a network namespace: " + r.stderr.strip())
        on_cleanup(lambda n=n: run(["ip", "netns", "del", n]))
        run(["ip", "netns", "exec", n, "sh", "-c",
             "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; "
             "echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6"])
    steps = [["ip", "-n", ns["s"], "link", "add", "name", "ub-s", "type", "veth", "peer", "name",
              "ub-ls", "netns", ns["l"]],
             ["ip", "-n", ns["r"], "link", "add", "name", "ub-r", "type", "veth", "peer", "name",
              "ub-lr", "netns", ns["l"]],
             ["ip", "-n", ns["s"], "addr", "add", LINK_SENDER + "/24", "dev", "ub-s"],
             ["ip", "-n", ns["r"], "addr", "add", LINK_REFLECTOR + "/24", "dev", "ub-r"]]
    steps += [["ip", "-n", ns[k], "link", "set", d, "up"]
              for k, d in (("s", "ub-s"), ("r", "ub-r"), ("l", "ub-ls"), ("l", "ub-lr"),
                           ("s", "lo"), ("r", "lo"))]
    steps += [["ip", "netns", "exec", ns[k], PYTHON, os.path.join(PEERS, "plain_offloads.py"), d]
              for k, d in (("s", "ub-s"), ("r", "ub-r"))]
    for argv in steps:
        r = run(argv)
        if r.returncode != 0:
            raise Skip("cannot build the packet-level link (%s): %s"
                       % (" ".join(argv[3:6]), r.stderr.strip()))
    return ns


def trailing_down_drops(t):
    """Replies dropped downstream after the last one that got through.

    The reflector numbers its replies 0..down.in-1; the sender can only see
    a gap below the highest number that arrived, so these count as up for it.
    """
    dropped = {e["seq"] for e in t["events"]
               if e["dir"] == "down" and e["action"] in ("drop", "queue_drop")}
    assert len(dropped) == t["down"]["dropped"], "every downstream drop has its event"
    last_out = max(set(range(t["down"]["in"])) - dropped)
    return sum(1 for s in dropped if s > last_out)
