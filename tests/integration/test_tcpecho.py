"""The reflector's TCP echo against clients that hold connections and do
nothing, clients that send and never read, and a file-descriptor limit
that makes accept fail: udpbench --tcp still gets through, memory stays
bounded (VmHWM from /proc), the reflector does not spin (its CPU time from
/proc/PID/stat), and UDP reflection goes on."""

import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time

from harness import UDPBENCH, load_json, spawn, stop, ub, wait_line, planned

TCP_LINE = re.compile(r"udpbench reflector: TCP connections (\d+) \(open (\d+)\), bytes echoed (\d+)"
                      r"(?:, refused (\d+), evicted idle (\d+), timed out (\d+), "
                      r"accept failed (\d+))?")


def start(*args, prefix=()):
    """Starts `udpbench reflect` with the TCP echo on 127.0.0.1; returns (process, port)."""
    p = spawn(list(prefix) + [UDPBENCH, "reflect", "--bind", "127.0.0.1", "--port", "0"]
              + list(args))
    m = wait_line(p.stderr, r"listening on .*:(\d+) ")
    return p, int(m.group(1))


def tcp_counters(refl):
    """The TCP counter line on SIGUSR1, by name (names a reflector lacks come back as None)."""
    refl.send_signal(signal.SIGUSR1)
    m = wait_line(refl.stderr, TCP_LINE.pattern)
    names = ("connections", "open", "bytes", "refused", "evicted", "timed_out", "accept_failed")
    return {n: None if v is None else int(v) for n, v in zip(names, m.groups())}


def udp_answers(port, n=20):
    """Sends n STAMP requests over UDP; returns how many were answered."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1)
    s.connect(("127.0.0.1", port))
    got = 0
    for i in range(n):
        s.send(struct.pack("!IQHH", i, 0xe000000000000000 + i, 1, 99) + bytes(28))
        try:
            if struct.unpack_from("!I", s.recv(2048), 24)[0] == i:
                got += 1
        except socket.timeout:
            pass
    s.close()
    return got


def connect_many(port, n, wait=True):
    """Opens n connections; wait=False leaves them to complete (or not) in the background."""
    socks = []
    for _ in range(n):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if wait:
            c.settimeout(5)
            c.connect(("127.0.0.1", port))  # the kernel completes it, accepted or not
        else:
            c.setblocking(False)
            c.connect_ex(("127.0.0.1", port))
        socks.append(c)
    return socks


def proc_status(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s for %d" % (field, pid))


def cpu_seconds(pid):
    """utime + stime of pid (fields 14 and 15 of /proc/PID/stat), in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_idle_connections_do_not_lock_out_tcp_probes(tmp):
    timeout_s = 3
    refl, port = start("--session-timeout", "%ds" % timeout_s)
    idle = connect_many(port, 300)
    rj = os.path.join(tmp, "tcp.json")
    t0 = time.monotonic()
    r = ub("--peer", "127.0.0.1:%d" % port, "--tcp", "-c", 50, "-i", "10ms",
           "--timeout", "%ds" % (timeout_s + 3), "--json", rj, "-q", timeout=60)
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    s = load_json(rj)["summary"]
    udp = udp_answers(port)
    c = tcp_counters(refl)
    print("  300 idle connections held: the --tcp run got %d/%d in %.1f s; UDP %d/20; TCP %s"
          % (s["received"], s["sent"], took, udp, c))
    assert planned(s, 50) and s["received"] == s["sent"], s
    assert took < timeout_s + 0.5 + 3, took
    assert udp == 20
    # The 257th and later waited for idle ones to make room, or for the timeout.
    assert c["evicted"] + c["timed_out"] >= 300 - 256 + 1, c
    for sock in idle:
        sock.close()
    code, _, err = stop(refl)
    assert code == 0, err


def test_clients_that_never_read_stay_bounded(tmp):
    n, per_client = 256, 256 * 1024
    refl, port = start("--session-timeout", "2s")
    base = proc_status(refl.pid, "VmHWM")
    clients = []
    for _ in range(n):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # small: the echo backs up soon
        c.connect(("127.0.0.1", port))
        c.setblocking(False)
        clients.append([c, 0])
    # Frames of 1400 octets (as --tcp sends), as fast as each connection takes them, never a read.
    frame = struct.pack("!H", 1400) + bytes(1400)
    chunk = frame * 40
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(sent < per_client for _, sent in clients):
        moved = 0
        for entry in clients:
            if entry[1] >= per_client:
                continue
            try:
                k = entry[0].send(chunk)
                entry[1] += k
                moved += k
            except (BlockingIOError, ConnectionResetError, BrokenPipeError):
                entry[1] = per_client  # backed up all the way, or closed: done with this one
        if not moved:
            time.sleep(0.01)  # every socket is full: let the echo run
    hwm = proc_status(refl.pid, "VmHWM")
    # Each connection's buffer is 4 KiB, allocated at start: 256 of them are 1 MiB.
    assert hwm - base < 1536, (hwm, base)
    # No progress on any of them: each is closed once it has moved nothing for 2 s.
    deadline = time.monotonic() + 10
    while tcp_counters(refl)["open"] > 0:
        assert time.monotonic() < deadline, tcp_counters(refl)
        time.sleep(0.1)  # the sweep runs every 100 ms
    c = tcp_counters(refl)
    hwm = max(hwm, proc_status(refl.pid, "VmHWM"))
    udp = udp_answers(port)
    print("  %d clients that never read: reflector VmHWM %d KiB (%d KiB at start); UDP %d/20; "
          "TCP %s" % (n, hwm, base, udp, c))
    assert hwm - base < 1536, (hwm, base)
    assert c["timed_out"] == n and c["bytes"] > 0, c
    assert udp == 20
    for sock, _ in clients:
        sock.close()
    code, _, err = stop(refl)
    assert code == 0, err


def test_out_of_descriptors_no_spin(tmp):
    limit = 64
    refl, port = start("--session-timeout", "30s", prefix=["prlimit", "--nofile=%d" % limit])
    # More connections than the reflector has descriptors for.
    socks = connect_many(port, 2 * limit, wait=False)
    deadline = time.monotonic() + 10
    while len(os.listdir("/proc/%d/fd" % refl.pid)) < limit:
        assert time.monotonic() < deadline, "the reflector never used up its descriptors"
        time.sleep(0.02)  # it accepts as fast as it can; bounded above
    t0, cpu0 = time.monotonic(), cpu_seconds(refl.pid)
    time.sleep(2.0)  # the window in which a spinning loop would burn CPU
    cpu = cpu_seconds(refl.pid) - cpu0
    wall = time.monotonic() - t0
    udp = udp_answers(port)
    c = tcp_counters(refl)
    print("  out of descriptors (limit %d, %d connections): %.2f s of CPU in %.1f s; UDP %d/20; "
          "TCP %s" % (limit, len(socks), cpu, wall, udp, c))
    assert cpu < 0.2, cpu
    assert udp == 20
    assert c["accept_failed"] >= 1 and c["refused"] >= 1, c
    for sock in socks:
        sock.close()
    code, _, err = stop(refl)
    assert code == 0, err


def test_port_0_finds_a_port_free_for_udp_and_tcp(tmp):
    # --port 0 takes a free UDP port, and the TCP echo wants the same number. In a
    # namespace of its own whose ephemeral range holds two ports, the TCP side of one
    # is taken: every start must still end with both, on the other port.
    from test_netns import make_netns
    ns = make_netns()
    r = subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw",
                        "net.ipv4.ip_local_port_range=40000 40001"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    holder = spawn(["ip", "netns", "exec", ns, sys.executable, "-c",
                    "import socket, sys, time\n"
                    "s = socket.socket(); s.bind(('127.0.0.1', 40000)); s.listen()\n"
                    "print('held', flush=True); time.sleep(60)"])
    wait_line(holder.stdout, "held")
    for _ in range(6):
        p = spawn(["ip", "netns", "exec", ns, UDPBENCH, "reflect", "--bind", "127.0.0.1",
                   "--port", "0"])
        m = wait_line(p.stderr, r"listening on \S+:(\d+) \(([^)]*)\)")
        assert m.group(1) == "40001" and "TCP echo" in m.group(2), m.group(0)
        stop(p)
