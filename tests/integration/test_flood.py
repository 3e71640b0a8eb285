"""The reflector under hostile input: a flood of random datagrams from several
loopback addresses while a real probe run goes on, the per-source rate cap,
the session cap, and authenticated mode checked with packets this file builds
itself from RFC 8762's layout (hmac/hashlib as the independent ground truth).

Every figure the reflector prints is held against what the test itself sent
and received, and against the kernel's own count of datagrams it dropped at a
full socket buffer (/proc/net/udp)."""

import hashlib
import hmac
import os
import random
import re
import select
import signal
import socket
import struct
import time

from harness import UDPBENCH, load_json, spawn, start_reflector, stop, ub, wait_line

# Floods measure rates: they run alone (run.py -j).
SERIAL = True

FLOOD_SOURCES = ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5")
COUNTER_NAMES = ("received", "reflected", "short", "too long", "bad key", "rate capped",
                 "sessions refused", "send errors", "sessions")
# Counted since the reflector broke loops and replays, and since it told short TWAMP-light
# requests apart; a reflector without them shows none.
NEWER_NAMES = ("restarted", "replayed", "looks like a reply", "from itself", "twamp-light",
               "twamp-light unanswered", "discovery answered", "discovery refused")
DROP_KINDS = ("short", "too long", "bad key", "rate capped", "sessions refused", "send errors",
              "replayed", "looks like a reply", "from itself", "twamp-light unanswered",
              "discovery answered", "discovery refused")


def parse_counters(text):
    """The last counter line in text, as a dict by name."""
    lines = [ln for ln in text.splitlines() if "udpbench reflector: received" in ln]
    assert lines, "no counter line in %r" % text
    line = lines[-1]
    c = {}
    for name in COUNTER_NAMES + NEWER_NAMES:
        m = re.search(r"(?:^|: |, )%s (\d+)" % re.escape(name), line)
        assert m or name in NEWER_NAMES, "no %r in %r" % (name, line)
        c[name] = int(m.group(1)) if m else 0
    m = re.search(r"\(total (\d+)\), evicted (\d+)", line)
    assert m, line
    c["total"], c["evicted"] = int(m.group(1)), int(m.group(2))
    return c


def snapshot(refl):
    """Asks the running reflector for its counters (SIGUSR1)."""
    refl.send_signal(signal.SIGUSR1)
    m = wait_line(refl.stderr, r"udpbench reflector: received .*evicted \d+.*")
    return parse_counters(m.group(0))


def assert_adds_up(c):
    """The invariant of reflector.h: every datagram in is counted exactly once."""
    total = c["reflected"] + sum(c[k] for k in DROP_KINDS)
    assert c["received"] == total, "received %d != reflected + drops %d: %r" % (
        c["received"], total, c)


def udp_drops(ip, port):
    """Datagrams the kernel dropped at the UDP socket bound to ip:port (full buffer)."""
    packed = socket.inet_aton(ip)
    want = {"%08X:%04X" % (struct.unpack("<I", packed)[0], port),
            "%08X:%04X" % (struct.unpack(">I", packed)[0], port)}
    with open("/proc/net/udp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] in want:
                return int(fields[-1])
    raise AssertionError("no socket %s:%d in /proc/net/udp" % (ip, port))


def flood_socket(ip):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ip, 0))
    s.setblocking(False)
    # Room for the replies between two drains; what still overflows is counted by the kernel.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    return s


def drain(sock, handle):
    """Reads every datagram waiting on sock, calling handle(data) for each; returns how many."""
    n = 0
    while True:
        try:
            data = sock.recv(2048)
        except BlockingIOError:
            return n
        handle(data)
        n += 1


def stamp_request(seq, size, ssid=7):
    return struct.pack("!IQHH", seq, 0x83AA7E8000000000 + seq, 0x0001, ssid) + bytes(size - 16)


def replies_until(socks, handle, done, timeout=5.0):
    """Drains socks into handle until done() holds or timeout passes; returns done()."""
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        r, _, _ = select.select(socks, [], [], min(0.05, max(0, deadline - time.monotonic())))
        for s in r:
            drain(s, handle)
    return done()


def test_flood_while_probing(tmp):
    rng = random.Random(8762)
    refl, port = start_reflector()
    out = os.path.join(tmp, "out.json")
    sender = spawn([UDPBENCH, "--peer", "127.0.0.1:%d" % port, "--count", "3000",
                    "--interval", "1ms", "--json", out, "-q"])
    # The probe run's session exists before the flood starts (bounded wait).
    deadline = time.monotonic() + 5
    while snapshot(refl)["sessions"] < 1:
        assert time.monotonic() < deadline, "the sender's session never appeared"

    # Tens of thousands of datagrams of random size 0..1500 and random content;
    # those of 12 octets or more carry a unique tag where a STAMP sender puts
    # its sequence number and timestamp, which a reply echoes at octet 24.
    per_source = 10000
    socks = [flood_socket(ip) for ip in FLOOD_SOURCES]
    datagrams = []  # per socket: list of bytes
    sizes_by_tag = {}
    n_short = n_twl = n_long = 0
    for k in range(len(socks)):
        mine = []
        for i in range(per_source):
            size = rng.randrange(0, 1501)
            body = os.urandom(size)
            if size >= 12:
                tag = struct.pack("!IQ", k * per_source + i, rng.getrandbits(64))
                body = tag + body[12:]
                sizes_by_tag[tag] = (size, body[14:16])
            n_short += size < 14
            n_twl += 14 <= size < 44  # TWAMP-light's size: not answered without --twamp-light
            n_long += size > 1472
            mine.append(body)
        datagrams.append(mine)

    replies = {"n": 0, "bad": []}

    def on_reply(data):
        replies["n"] += 1
        info = sizes_by_tag.get(data[24:36]) if len(data) >= 36 else None
        if info is None:
            replies["bad"].append("reply of %d octets answers nothing sent" % len(data))
        elif len(data) > info[0]:
            replies["bad"].append("reply of %d octets to a request of %d" % (len(data), info[0]))
        elif info[0] < 44 or info[0] > 1472:
            replies["bad"].append("a %d-octet datagram was answered" % info[0])
        elif data[14:16] != info[1]:
            replies["bad"].append("reply's SSID is not the request's")

    # Paced: 40 datagrams (10 per source) every 2 ms, about 20000 a second in all.
    chunk, step = 10, 0.002
    t0 = time.monotonic()
    sent = 0
    for c in range(per_source // chunk):
        for k, s in enumerate(socks):
            for body in datagrams[k][c * chunk:(c + 1) * chunk]:
                s.sendto(body, ("127.0.0.1", port))
                sent += 1
        for s in socks:
            drain(s, on_reply)
        wait = t0 + (c + 1) * step - time.monotonic()
        if wait > 0:
            time.sleep(wait)  # pacing the schedule, not waiting for a result
        assert time.monotonic() - t0 < 30, "flood took too long"
    flood_seconds = time.monotonic() - t0

    try:
        sender.wait(timeout=30)
    except Exception:
        raise AssertionError("the sender did not finish")
    assert refl.poll() is None, "the reflector died under the flood"
    assert sender.returncode == 0, sender.stderr.read().decode()
    summary = load_json(out)["summary"]
    probes = {k: summary[k] for k in ("sent", "received", "lost", "lost_up", "lost_down")}
    why = (probes, "reflector socket drops %d" % udp_drops("127.0.0.1", port), snapshot(refl))
    # A slot this host was too busy to keep is skipped, never lost (schedule.skipped);
    # every probe that left must come back.
    skipped = summary["schedule"]["skipped"]
    assert summary["sent"] + skipped == 3000 and skipped <= 150, (why, summary["schedule"])
    assert summary["received"] == summary["sent"], why
    assert summary["lost"] == 0, why

    def flood_drops():
        return sum(udp_drops(ip, s.getsockname()[1]) for ip, s in zip(FLOOD_SOURCES, socks))

    # Everything sent has reached the reflector (or the kernel dropped it) before it stops.
    deadline = time.monotonic() + 5
    while snapshot(refl)["received"] + udp_drops("127.0.0.1", port) < sent + summary["sent"]:
        assert time.monotonic() < deadline, "the reflector never read the whole flood"
    refl_drops = udp_drops("127.0.0.1", port)
    assert refl.poll() is None, "the reflector died"
    code, _, err = stop(refl, signal.SIGTERM)
    assert code == 0, err
    c = parse_counters(err)
    # Every reply the reflector sent to a flood socket arrives or is counted as dropped there.
    replies_until(socks, on_reply,
                  lambda: replies["n"] + flood_drops() >= c["reflected"] - 3000)
    print("  flood: %d datagrams from %d sources in %.2fs; %d flood replies (%d dropped at the "
          "flood sockets); reflector dropped at its socket %d; counters %s"
          % (sent, len(socks), flood_seconds, replies["n"], flood_drops(), refl_drops, c))

    assert not replies["bad"], replies["bad"][:5]
    assert_adds_up(c)
    # What came in is what was sent, less what the kernel dropped at a full buffer.
    assert c["received"] + refl_drops == sent + summary["sent"], (c, refl_drops, sent)
    assert replies["n"] + flood_drops() == c["reflected"] - 3000, (replies["n"], c)
    assert c["bad key"] == 0 and c["send errors"] == 0, c
    sizes = (n_short, n_twl, n_long)
    if refl_drops == 0:
        assert (c["short"], c["twamp-light unanswered"], c["too long"]) == sizes, (c, sizes)
    else:
        assert c["short"] <= n_short and c["twamp-light unanswered"] <= n_twl, (c, sizes)
        assert c["too long"] <= n_long, (c, sizes)
    assert c["twamp-light"] == 0, c
    # Random SSIDs from four addresses: each holds at most 64 sessions (its newest
    # replace its own oldest); the probe run's session stays (its split is exact above).
    assert c["sessions"] <= 4 * 64 + 1, c
    for s in socks:
        s.close()


def test_rate_cap_per_source(tmp):
    refl, port = start_reflector("--max-rate", "1k")  # 1000/s, bursts of 100
    flooder = flood_socket("127.0.0.2")
    other = flood_socket("127.0.0.3")
    got = {"flood": 0, "other": 0}

    def count(sock_name):
        return lambda d: got.__setitem__(sock_name, got[sock_name] + 1)

    n, chunk = 5000, 100
    t_first = time.monotonic()
    for c in range(n // chunk):
        for i in range(chunk):
            flooder.sendto(stamp_request(c * chunk + i, 44), ("127.0.0.1", port))
        if c == n // chunk // 2:
            # Another address at the same moment has its own bucket: all 50 answered.
            for i in range(50):
                other.sendto(stamp_request(i, 44), ("127.0.0.1", port))
        drain(flooder, count("flood"))
        wait = t_first + (c + 1) * 0.002 - time.monotonic()
        if wait > 0:
            time.sleep(wait)  # 5000 requests spread over about 0.1 s
    t_last = time.monotonic()

    def done():
        snap = snapshot(refl)
        return (got["flood"] + got["other"] + udp_drops("127.0.0.2", flooder.getsockname()[1])
                + udp_drops("127.0.0.3", other.getsockname()[1]) >= snap["reflected"]
                and snap["received"] + udp_drops("127.0.0.1", port) >= n + 50)

    deadline = time.monotonic() + 5
    while not done():
        assert time.monotonic() < deadline, "replies did not come in"
        select.select([flooder, other], [], [], 0.05)
        drain(flooder, count("flood"))
        drain(other, count("other"))
    refl_drops = udp_drops("127.0.0.1", port)
    code, _, err = stop(refl, signal.SIGTERM)
    assert code == 0, err
    c = parse_counters(err)
    span = t_last - t_first
    expect = 100 + 1000 * span
    print("  rate cap: %d sent in %.3fs, %d answered (burst + rate x time = %.0f), "
          "other source %d/50, kernel drops %d; counters %s"
          % (n, span, got["flood"], expect, got["other"], refl_drops, c))
    assert_adds_up(c)
    assert c["received"] + refl_drops == n + 50, (c, refl_drops)
    assert got["other"] == 50, got
    # The burst, then 1000 a second for as long as the requests kept coming.
    assert 100 <= got["flood"] <= expect + 20, (got, expect)
    assert got["flood"] >= 100 + 1000 * span * 0.5, (got, span)
    assert c["reflected"] == got["flood"] + got["other"], (c, got)
    assert c["rate capped"] == n - refl_drops - got["flood"], (c, got, refl_drops)
    flooder.close()
    other.close()


def test_session_cap_keeps_live_session(tmp):
    refl, port = start_reflector("--max-sessions", "4")
    live = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    live.settimeout(2)
    live.connect(("127.0.0.1", port))
    seqs = []

    def ping():
        live.send(stamp_request(len(seqs), 44))
        reply = live.recv(100)
        assert struct.unpack_from("!I", reply, 24)[0] == len(seqs)
        seqs.append(struct.unpack_from("!I", reply, 0)[0])

    ping()
    ping()  # heard twice: a session that measures
    # Twenty newcomers from other ports, one request each, the live session
    # probing in between; all within well under a second. Each is answered:
    # a newcomer takes the place of one heard only once, never of the live one.
    newcomers = []
    for _ in range(20):
        n = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        n.connect(("127.0.0.1", port))
        n.setblocking(False)
        n.send(stamp_request(0, 44))
        newcomers.append(n)
        ping()
    answered = set()
    deadline = time.monotonic() + 2
    while len(answered) < 20 and time.monotonic() < deadline:
        r, _, _ = select.select(newcomers, [], [], max(0, deadline - time.monotonic()))
        for n in r:
            drain(n, lambda d, n=n: answered.add(newcomers.index(n)))
    assert answered == set(range(20)), sorted(answered)
    code, _, err = stop(refl, signal.SIGTERM)
    assert code == 0, err
    c = parse_counters(err)
    assert_adds_up(c)
    assert c["sessions refused"] == 0 and c["sessions"] == 4, c
    # Each newcomer but the first three took the place of an earlier one.
    assert c["evicted"] == 17 and c["total"] == 21, c
    # The live session's reflector counter never restarted: never pushed out.
    assert seqs == list(range(len(seqs))), seqs
    print("  session cap: live session answered %d of %d, newcomers answered %d of 20, "
          "counters %s" % (len(seqs), len(seqs), len(answered), c))
    for n in newcomers + [live]:
        n.close()


# Authenticated mode, RFC 8762 §4.2.2 / §4.3.2 with RFC 8972's SSID; the HMAC
# (HMAC-SHA-256, first 16 octets) covers octets 0..95 and sits at 96..111.
def auth_request(key, seq, size, ssid=9, t1=None):
    t1 = 0xE000000000000000 + seq if t1 is None else t1
    head = struct.pack("!I12xQHH", seq, t1, 0x8001, ssid) + bytes(68)
    assert len(head) == 96
    mac = hmac.new(key, head, hashlib.sha256).digest()[:16]
    return head + mac + bytes(size - 112)


def check_auth_reply(key, req, reply):
    assert len(reply) == len(req), (len(reply), len(req))
    mac = hmac.new(key, reply[:96], hashlib.sha256).digest()[:16]
    assert hmac.compare_digest(mac, reply[96:112]), "reply HMAC does not verify"
    seq, t3, ee, ssid = struct.unpack_from("!I12xQHH", reply, 0)
    t2, = struct.unpack_from("!Q", reply, 32)
    s_seq, = struct.unpack_from("!I", reply, 48)
    s_t1, s_ee = struct.unpack_from("!QH", reply, 64)
    ttl = reply[80]
    r_seq, r_t1, r_ee, r_ssid = struct.unpack_from("!I12xQHH", req, 0)
    assert (s_seq, s_t1, s_ee, ssid) == (r_seq, r_t1, r_ee, r_ssid)
    assert t2 and t3 >= t2, (t2, t3)
    assert ttl == 64, ttl  # Linux's default TTL, as it arrived
    for a, b in ((4, 16), (28, 32), (40, 48), (52, 64), (74, 80), (81, 96)):
        assert reply[a:b] == bytes(b - a), "MBZ octets %d..%d not zero" % (a, b - 1)
    assert reply[112:] == bytes(len(reply) - 112)
    return seq


def test_keyed_reflector(tmp):
    key = os.urandom(32)
    key_file = os.path.join(tmp, "stamp.key")
    with open(key_file, "w") as f:
        f.write(key.hex() + "\n")
    refl, port = start_reflector("--key", key_file)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.connect(("127.0.0.1", port))
    seqs = []
    for i, size in enumerate((112, 300, 1472)):
        req = auth_request(key, i, size)
        s.send(req)
        seqs.append(check_auth_reply(key, req, s.recv(2048)))
    assert seqs == [0, 1, 2], seqs

    # Unauthenticated, forged, or signed with another key: none is answered.
    forged = bytearray(auth_request(key, 10, 112))
    forged[0] ^= 0x80  # changed after signing
    bad = [stamp_request(20, 44), stamp_request(21, 112), bytes(forged),
           auth_request(os.urandom(32), 22, 112), bytes(50)]
    for d in bad:
        s.send(d)
    req = auth_request(key, 3, 112)
    s.send(req)
    assert check_auth_reply(key, req, s.recv(2048)) == 3
    s.settimeout(0.3)
    try:
        extra = s.recv(2048)
        raise AssertionError("unexpected reply of %d octets" % len(extra))
    except socket.timeout:
        pass
    c = snapshot(refl)
    assert c["short"] == 2 and c["bad key"] == 3 and c["reflected"] == 4, c
    assert_adds_up(c)

    # udpbench's own sender with the same key, and with another.
    help_text = ub("send", "--help").stdout
    if "--key" in help_text:
        rj = os.path.join(tmp, "keyed.json")
        r = ub("--peer", "127.0.0.1:%d" % port, "--key", key_file, "-c", 50, "-i", "2ms",
               "--json", rj, "-q")
        assert r.returncode == 0, r.stderr
        summary = load_json(rj)["summary"]
        assert summary["received"] == 50 and summary["lost"] == 0, summary
        other = os.path.join(tmp, "other.key")
        with open(other, "w") as f:
            f.write(os.urandom(32).hex() + "\n")
        r = ub("--peer", "127.0.0.1:%d" % port, "--key", other, "-c", 5, "-i", "2ms",
               "--timeout", "200ms", "-q")
        assert r.returncode == 3, (r.returncode, r.stderr)
        c2 = snapshot(refl)
        assert c2["reflected"] == c["reflected"] + 50, c2
        assert c2["bad key"] >= c["bad key"] + 5, c2
    code, _, err = stop(refl, signal.SIGTERM)
    assert code == 0, err
    assert_adds_up(parse_counters(err))


def test_keyed_reflector_refuses_bad_key_file(tmp):
    short = os.path.join(tmp, "short.key")
    with open(short, "w") as f:
        f.write("abc\n")
    for path in (short, os.path.join(tmp, "missing.key")):
        r = ub("reflect", "--bind", "127.0.0.1", "--port", "0", "--key", path, timeout=10)
        assert r.returncode == 2, (r.returncode, r.stderr)
        assert "--key" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
