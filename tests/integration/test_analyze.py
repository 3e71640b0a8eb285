"""udpbench analyze on captures written by tcpdump and tshark (pcap, nanosecond
pcap, pcapng) of udpbench itself, of independent STAMP peers and of a verbatim
echo; then cut and garbage files. Capturing needs root and the tools: those
tests SKIP with the reason otherwise."""

import hashlib
import hmac
import os
import re
import signal
import socket
import struct
import time

from harness import (PEERS, PYTHON, UDPBENCH, load_json, need_root, need_tool, run, spawn, start_peer,
                     start_reflector, stop, ub)

PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
               b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}


def records(path):
    """Byte offsets (start, end) of each whole packet record of a pcap or pcapng file."""
    with open(path, "rb") as f:
        data = f.read()
    out = []
    if data[:4] in PCAP_MAGICS:
        end = PCAP_MAGICS[data[:4]]
        pos = 24
        while pos + 16 <= len(data):
            caplen = struct.unpack_from(end + "I", data, pos + 8)[0]
            if pos + 16 + caplen > len(data):
                break
            out.append((pos, pos + 16 + caplen))
            pos += 16 + caplen
        return out
    if data[:4] == b"\x0a\x0d\x0d\x0a" and len(data) >= 12:
        end = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        pos = 0
        while pos + 12 <= len(data):
            btype, blen = struct.unpack_from(end + "II", data, pos)
            if blen < 12 or pos + blen > len(data):
                break
            if btype in (3, 6):  # simple and enhanced packet blocks
                out.append((pos, pos + blen))
            pos += blen
    return out


class Capture:
    """tcpdump or dumpcap (through tshark) on lo, filtered to one UDP port."""

    def __init__(self, tmp, port, kind="pcap"):
        self.port = port
        ext = "pcapng" if kind == "pcapng" else "pcap"
        self.path = os.path.join(tmp, "c-%s.%s" % (kind, ext))
        filt = "udp port %d" % port
        if kind == "pcapng":
            need_tool("tshark")
            argv = ["tshark", "-q", "-i", "lo", "-f", filt, "-F", "pcapng", "-w", self.path,
                    "-a", "duration:60"]
        else:
            need_tool("tcpdump")
            argv = ["tcpdump", "-i", "lo", "-n", "-U", "-w", self.path]
            if kind == "nano":
                argv += ["--time-stamp-precision=nano"]
            argv += [filt]
        self.proc = spawn(argv)
        self.warmup = self._wait_live()

    def count(self):
        return len(records(self.path)) if os.path.exists(self.path) else 0

    def _wait_live(self):
        """Sends 1-byte datagrams to the port on 127.0.0.2, where nobody answers, until one
        shows up in the file: the filter is live. The analyzer leaves them alone."""
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        deadline = time.monotonic() + 15
        try:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError("capture exited: %s" % self.proc.stderr.read().decode())
                s.sendto(b"?", ("127.0.0.2", self.port))
                if self.wait_for(1, 0.2):
                    # packets reach the file in order: once one more is in, all before it are
                    n = self.count()
                    s.sendto(b"?", ("127.0.0.2", self.port))
                    if self.wait_for(n + 1, 5):
                        return self.count()
                    break
        finally:
            s.close()
        raise AssertionError("the capture on lo never saw a packet")

    def wait_for(self, n, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count() >= n:
                return True
            time.sleep(0.05)  # polling a file the capture appends to; bounded above
        return self.count() >= n

    def finish(self, expect):
        """Waits for expect more packets, then stops the capture and returns the file."""
        ok = self.wait_for(self.warmup + expect, 20)
        stop(self.proc, signal.SIGTERM, timeout=10)
        assert ok, "capture holds %d packets, wanted %d" % (self.count(), self.warmup + expect)
        return self.path


def analyze(*args):
    return ub("analyze", *args, timeout=60)


def capture_udpbench_session(tmp, kind):
    need_root("capturing on loopback")
    refl, port = start_reflector()
    cap = Capture(tmp, port, kind)
    live = os.path.join(tmp, "live.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 500, "-i", "1ms", "--json", live, "-q")
    assert r.returncode == 0, r.stderr
    path = cap.finish(1000)
    stop(refl)
    return port, path, load_json(live)


def check_against_live(tmp, kind):
    port, path, live = capture_udpbench_session(tmp, kind)
    aj = os.path.join(tmp, "a.json")
    r = analyze(path, "--port", port, "--json", aj)
    assert r.returncode == 0, r.stderr
    j = load_json(aj)
    s, p = j["summary"], j["params"]
    assert (s["sent"], s["received"], s["lost"]) == (500, 500, 0), s
    assert (s["lost_up"], s["lost_down"]) == (0, 0), s
    assert s["duplicates"] == 0 and s["late"] == 0
    assert p["mode"] == "stamp" and p["source"] == "pcap" and p["clock"] == "pcap", p
    assert p["peer"] == "127.0.0.1:%d" % port and p["port"] == port
    assert p["count"] == 500 and p["size"] == 44 and p["label"] == os.path.basename(path)
    assert p["ssid"] == live["params"]["ssid"]
    assert p["link"] is None and live["params"]["link"]["kind"] == "real", p  # a capture does not say
    # probes every 1 ms as the sender scheduled them
    assert 900000 <= p["interval_ns"] <= 1100000, p["interval_ns"]
    assert s["reflector_proc_ns"]["n"] == 500
    # the wire sees less of the round trip than the application, never more than a few times
    lm, am = live["summary"]["rtt_ns"]["median"], s["rtt_ns"]["median"]
    assert 0 < am and lm / 50 <= am <= lm * 2, (am, lm)
    assert "session 1/1" in r.stdout and "500 probes sent, 500 received" in r.stdout, r.stdout
    return am, lm


def test_tcpdump_pcap_of_udpbench(tmp):
    check_against_live(tmp, "pcap")


def test_tcpdump_nanosecond_pcap_of_udpbench(tmp):
    check_against_live(tmp, "nano")


def test_tshark_pcapng_of_udpbench(tmp):
    check_against_live(tmp, "pcapng")


def test_independent_peers(tmp):
    need_root("capturing on loopback")
    peer, port = start_peer("stamp_reflector.py", tmp)
    cap = Capture(tmp, port)
    sj = os.path.join(tmp, "s.json")
    r = run([PYTHON, os.path.join(PEERS, "stamp_sender.py"), "--peer", "127.0.0.1", "--port",
             str(port), "--count", "300", "--interval", "0.002", "--size", "80",
             "--ssid", "0x4242", "--json", sj])
    assert r.returncode == 0, r.stderr
    mine = load_json(sj)
    path = cap.finish(mine["sent"] + mine["received"])
    stop(peer)
    aj = os.path.join(tmp, "a.json")
    r = analyze(path, "-p", port, "--json", aj, "-q")
    assert r.returncode == 0, r.stderr
    j = load_json(aj)
    s, p = j["summary"], j["params"]
    # the capture point sees what the independent sender counted
    assert s["sent"] == mine["sent"] == 300, (s["sent"], mine["sent"])
    assert s["received"] == mine["received"], (s["received"], mine["received"])
    assert p["mode"] == "stamp" and p["ssid"] == 0x4242 and p["size"] == 80, p
    assert (s["lost_up"], s["lost_down"]) == (0, 0), s
    assert r.stdout == "", r.stdout  # -q


def cut_in_the_middle(path, out):
    recs = records(path)
    start, end = recs[len(recs) // 2]
    with open(path, "rb") as f:
        data = f.read()
    with open(out, "wb") as f:
        f.write(data[:(start + end) // 2])
    return len(recs) // 2


def test_truncated_capture(tmp):
    need_root("capturing on loopback")
    need_tool("tcpdump")
    refl, port = start_reflector()
    cap = Capture(tmp, port)
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 200, "-i", "1ms", "-q")
    assert r.returncode == 0, r.stderr
    path = cap.finish(400)
    stop(refl)
    cut = os.path.join(tmp, "cut.pcap")
    whole = cut_in_the_middle(path, cut)
    aj = os.path.join(tmp, "a.json")
    r = analyze(cut, "--port", port, "--json", aj)
    # a partial result and a note saying so, not a signal
    assert r.returncode == 0, (r.returncode, r.stderr)
    assert "cut.pcap: the capture ends early after %d packets" % whole in r.stderr, r.stderr
    s = load_json(aj)["summary"]
    # Replies of the last few requests may fall after the cut (a busy reflector
    # lets several requests go ahead of their replies).
    assert 0 < s["sent"] < 200 and s["received"] >= s["sent"] - 20, s


def test_garbage_and_missing_files(tmp):
    junk = os.path.join(tmp, "junk.pcap")
    with open(junk, "wb") as f:
        f.write(os.urandom(4096))
    r = analyze(junk)
    assert r.returncode == 1, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "junk.pcap" in lines[0], r.stderr
    r = analyze(os.path.join(tmp, "none.pcap"))
    assert r.returncode == 1 and "none.pcap" in r.stderr, (r.returncode, r.stderr)
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    # cut inside the file header: not a capture either
    with open(junk, "wb") as f:
        f.write(b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00")
    r = analyze(junk)
    assert r.returncode == 1 and "junk.pcap" in r.stderr, (r.returncode, r.stderr)
    # a valid capture with no probe in it
    empty = os.path.join(tmp, "empty.pcap")
    with open(empty, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    r = analyze(empty)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "empty.pcap: no STAMP or echo session among 0 packets" in r.stderr, r.stderr


def test_echo_session(tmp):
    need_root("capturing on loopback")
    peer, port = start_peer("echo.py", tmp)
    cap = Capture(tmp, port)
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 200, "-i", "1ms", "--mode", "echo", "-s", 100,
           "-q")
    assert r.returncode == 0, r.stderr
    path = cap.finish(400)
    stop(peer)
    aj = os.path.join(tmp, "a.json")
    # found by its shape: verbatim replies, no --port needed
    r = analyze(path, "--json", aj)
    assert r.returncode == 0, r.stderr
    j = load_json(aj)
    s, p = j["summary"], j["params"]
    assert p["mode"] == "echo" and p["size"] == 100, p
    assert (s["sent"], s["received"]) == (200, 200), s
    assert s["lost_up"] is None and s["lost_down"] is None and s["reflector_proc_ns"] is None
    assert s["rtt_ns"]["median"] > 0


def udp_payloads(path):
    """(record offset of the payload, source port, payload) of each IPv4 UDP datagram in a
    pcap file written by tcpdump on lo (Ethernet framing), read here without udpbench."""
    with open(path, "rb") as f:
        data = f.read()
    end = PCAP_MAGICS[data[:4]]
    linktype = struct.unpack_from(end + "I", data, 20)[0]
    assert linktype == 1, "expected Ethernet framing on lo, got link type %d" % linktype
    out = []
    for start, stop_ in records(path):
        frame = start + 16
        if struct.unpack_from("!H", data, frame + 12)[0] != 0x0800:
            continue
        ip = frame + 14
        if data[ip + 9] != 17:
            continue
        udp = ip + (data[ip] & 0x0F) * 4
        sport, _, ulen = struct.unpack_from("!HHH", data, udp)
        out.append((udp + 8, sport, data[udp + 8:udp + ulen]))
    return out


def write_key(tmp, name, octets):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(octets.hex() + "\n")
    return path


def test_tcpdump_of_keyed_udpbench_run(tmp):
    need_root("capturing on loopback")
    need_tool("tcpdump")
    key = write_key(tmp, "k", os.urandom(32))
    wrong = write_key(tmp, "w", os.urandom(32))
    refl, port = start_reflector("--no-tcp", "--key", key)
    cap = Capture(tmp, port)
    live = os.path.join(tmp, "live.json")
    r = ub("--peer", "127.0.0.1:%d" % port, "-c", 300, "-i", "1ms", "--mode", "stamp",
           "--key", key, "--json", live, "-q")
    assert r.returncode == 0, r.stderr
    path = cap.finish(600)
    stop(refl)
    # Ground truth from the file itself: 112-octet packets each way, authenticated layout
    # (RFC 8762 §4.2.2: octets 4..15 MBZ, T1 at 16), HMACs checked here with Python's hmac.
    with open(key) as f:
        k = bytes.fromhex(f.read().strip())
    dgrams = [d for d in udp_payloads(path) if len(d[2]) >= 112]
    requests = [d for d in dgrams if d[1] != port]
    replies = [d for d in dgrams if d[1] == port]
    assert len(requests) == 300 and len(replies) == 300, (len(requests), len(replies))
    for _, _, pl in dgrams:
        assert pl[4:16] == bytes(12) and pl[16:24] != bytes(8)
        assert hmac.new(k, pl[:96], hashlib.sha256).digest()[:16] == pl[96:112]
    truth = {struct.unpack_from("!I", pl, 48)[0] for _, _, pl in replies}

    aj = os.path.join(tmp, "a.json")
    for extra in ([], ["--key", key]):
        r = analyze(path, "--port", port, "--json", aj, *extra)
        assert r.returncode == 0, r.stderr
        j = load_json(aj)
        s, p = j["summary"], j["params"]
        print("  keyed run%s: analyze says sent %d, received %d, authenticated %s, "
              "auth_failed %d; the file holds %d replies to %d distinct requests"
              % (" with --key" if extra else "", s["sent"], s["received"], p["authenticated"],
                 s["auth_failed"], len(replies), len(truth)))
        assert (s["sent"], s["received"]) == (300, len(truth)), s
        assert p["authenticated"] is True and p["size"] == 112, p
        assert s["auth_failed"] == 0 and s["size_mismatch"] == 0, s
        assert (s["lost_up"], s["lost_down"]) == (0, 0), s
        assert s["reflector_proc_ns"]["n"] == 300, s["reflector_proc_ns"]
        assert "authenticated mode" in r.stdout, r.stdout

    # One reply changed in the file after signing (its TTL): the key catches it.
    off = replies[150][0]
    with open(path, "rb") as f:
        data = bytearray(f.read())
    data[off + 80] ^= 0x01
    forged = os.path.join(tmp, "forged.pcap")
    with open(forged, "wb") as f:
        f.write(data)
    r = analyze(forged, "--port", port, "--json", aj, "--key", key)
    assert r.returncode == 0, r.stderr
    s = load_json(aj)["summary"]
    assert (s["received"], s["auth_failed"], s["lost"]) == (299, 1, 1), s
    assert "1 packets failed the HMAC check" in r.stdout, r.stdout
    r = analyze(forged, "--port", port, "--json", aj)
    assert load_json(aj)["summary"]["received"] == 300
    # The wrong key: nothing passes, the message says so, and the session is still shown.
    os.remove(aj)
    r = analyze(path, "--port", port, "--key", wrong, "--json", aj)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "600 authenticated packets failed the HMAC check" in r.stderr, r.stderr
    assert "--key" in r.stderr.splitlines()[-1], r.stderr
    s = load_json(aj)["summary"]
    assert (s["sent"], s["received"], s["auth_failed"]) == (300, 0, 600), s


def test_tcpdump_of_twamp_light_exchange(tmp):
    """TWAMP-light from RFC 5357, both ends written here: 14-octet requests (§4.1.2) from
    two senders, one answered with the 41-octet reflector packet (§4.2.1), the other
    with the 38-octet form some reflectors send (no MBZ, no TTL)."""
    need_root("capturing on loopback")
    need_tool("tcpdump")
    refl = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    refl.bind(("127.0.0.1", 0))
    refl.settimeout(2)
    port = refl.getsockname()[1]
    cap = Capture(tmp, port)

    def ntp(t):
        return (int(t) + 2208988800) << 32 | int((t % 1) * 2**32)

    senders = []
    for _ in range(2):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.settimeout(2)
        senders.append(s)
    got = [0, 0]
    counter = [0, 0]
    for i in range(100):
        k = i % 2
        s = senders[k]
        s.sendto(struct.pack("!IQH", i // 2, ntp(time.time()), 0x0001), ("127.0.0.1", port))
        req, addr = refl.recvfrom(4096)
        t2 = ntp(time.time())
        assert len(req) == 14
        seq, t1, ee = struct.unpack("!IQH", req)
        rep = struct.pack("!IQHHQIQHH", counter[k], ntp(time.time()), 0x0001, 0, t2, seq, t1,
                          ee, 0)
        counter[k] += 1
        rep += bytes([64]) if k == 0 else b""
        rep = rep if k == 0 else rep[:38]
        refl.sendto(rep, addr)
        got[k] += len(s.recv(4096)) == (41 if k == 0 else 38)
    refl.close()
    path = cap.finish(200)
    aj = os.path.join(tmp, "a.json")
    csv = os.path.join(tmp, "a.csv")
    r = analyze(path, "--port", port, "--json", aj, "--csv", csv)
    assert r.returncode == 0, r.stderr
    peers = load_json(aj)["peers"]
    assert len(peers) == 2, peers
    for k, one in enumerate(peers):
        s, p = one["summary"], one["params"]
        assert p["mode"] == "stamp" and p["size"] == 14, p
        assert (s["sent"], s["received"]) == (50, got[k]) == (50, 50), (s, got)
        assert (s["lost_up"], s["lost_down"]) == (0, 0), s
        assert s["reflector_proc_ns"]["n"] == 50, s
        # a reply to a 14-octet request is 41 octets (RFC 5357): only the 38-octet ones differ
        assert s["size_mismatch"] == (0 if k == 0 else 50), s
    ttls = []
    for name in sorted(os.listdir(tmp)):
        if name.startswith("a-") and name.endswith(".csv"):
            with open(os.path.join(tmp, name)) as f:
                rows = [line.rstrip("\n").split(",") for line in f][1:]
            ttls.append({row[9] for row in rows})
    # the TTL column: 64 from the 41-octet replies, empty (null) where the reply has none
    assert sorted(map(sorted, ttls)) == [[""], ["64"]], ttls


NS = 1_000_000_000
NTP_OFFSET = 2_208_988_800
PTP_ERR = 0x4001  # Z set: PTP truncated stamps, whole nanoseconds (RFC 8762 §4.2.1); multiplier 1


def ntp_ts(ns):
    s, frac = divmod(ns, NS)
    return (s + NTP_OFFSET) << 32 | (frac << 32) // NS


def ptp_ts(ns):
    s, frac = divmod(ns, NS)
    return s << 32 | frac


def write_varied_capture(path, n=3000, slow=()):
    """A nanosecond pcap of one STAMP session (RFC 8762 §4.2.1, §4.3.1 layouts) in
    which every figure moves: RTTs from 20 us to 5 ms drawn from a fixed LCG (so
    that replies overtake each other), reflector times that vary, one reply in 37
    lost, one in 101 arriving twice. The replies to the requests numbered in slow
    come 50 ms later still. Returns the ground truth: requests, replies (first
    copies) and the sorted RTTs, each (T4 - T1) - (T3 - T2)."""
    eth = b"\x00" * 12 + b"\x08\x00"
    size = 44

    def headers(src, sport, dst, dport):
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + size, 0, 0x4000, 64, 17, 0,
                         socket.inet_aton(src), socket.inet_aton(dst))
        return eth + ip + struct.pack("!HHHH", sport, dport, 8 + size, 0)

    req_h = headers("127.0.0.1", 40000, "127.0.0.2", 10000)
    rep_h = headers("127.0.0.2", 10000, "127.0.0.1", 40000)
    t0 = 1_700_000_000 * NS
    x = 12345
    pkts, rtts = [], []
    for i in range(n):
        x = (x * 1103515245 + 12345) % (1 << 31)
        t1 = t0 + i * 200_000
        pkts.append((t1, 0, req_h + struct.pack("!IQHH28x", i, ntp_ts(t1), 0, 7)))
        if i % 37 == 36:
            continue
        total = 20_000 + x % 5_000_000 + (50_000_000 if i in slow else 0)
        t2 = t1 + total // 3
        t3 = t2 + (x >> 8) % (total // 3 + 1)
        t4 = t1 + total
        rep = rep_h + struct.pack("!IQHHQIQHxxB3x", i, ptp_ts(t3), PTP_ERR, 7, ptp_ts(t2), i,
                                  ntp_ts(t1), 0, 64)
        pkts.append((t4, 1, rep))
        if i % 101 == 50:
            pkts.append((t4 + 1000, 2, rep))
        rtts.append(total - (t3 - t2))
    pkts.sort(key=lambda p: (p[0], p[1]))
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, 1))
        for t, _, data in pkts:
            f.write(struct.pack("<IIII", t // NS, t % NS, len(data), len(data)))
            f.write(data)
    return n, len(rtts), sorted(rtts)


VARIED_REF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data",
                          "analyze", "varied.json")


def test_varied_capture_figures_unchanged(tmp):
    """Every figure analyze gives for a fixed capture, to the last digit: the counts and
    the RTT's rank statistics against the generator's own, the whole JSON against the
    reference kept in tests/data/analyze, the CSV against its digest."""
    path = os.path.join(tmp, "varied.pcap")
    sent, received, rtts = write_varied_capture(path)
    aj, ac = os.path.join(tmp, "a.json"), os.path.join(tmp, "a.csv")
    r = analyze(path, "--json", aj, "--csv", ac, "-q")
    assert r.returncode == 0, (r.returncode, r.stderr)
    doc = load_json(aj)
    s = doc["summary"]
    assert (s["sent"], s["received"], s["lost"], s["duplicates"]) == \
        (sent, received, sent - received, len(range(50, sent, 101))), s
    rt = s["rtt_ns"]
    n = len(rtts)
    assert (rt["n"], rt["min"], rt["max"]) == (n, rtts[0], rtts[-1]), rt
    assert rt["median"] == rtts[(n + 1) // 2 - 1], (rt, rtts[(n + 1) // 2 - 1])
    ref = load_json(VARIED_REF)
    with open(ac, "rb") as f:
        csv_sha = hashlib.sha256(f.read()).hexdigest()
    assert csv_sha == ref["csv_sha256"], (csv_sha, ref["csv_sha256"])
    for part in ("params", "summary"):
        for k, v in ref["json"][part].items():
            assert doc[part].get(k) == v, (part, k, doc[part].get(k), v)
        assert set(doc[part]) == set(ref["json"][part]), part


def peak_rss_kb(*args):
    """Runs udpbench with args under GNU time; returns (result, its peak RSS in kB)."""
    need_tool("/usr/bin/time")
    r = run(["/usr/bin/time", "-f", "maxrss_kb=%M", UDPBENCH] + [str(a) for a in args],
            timeout=120)
    m = re.findall(r"maxrss_kb=(\d+)", r.stderr)
    assert m, r.stderr
    return r, int(m[-1])


def test_summary_only_counts_exactly_in_constant_memory(tmp):
    """--summary-only: the counts and the RTT's n, min and max of the varied capture
    equal its generator's, its percentiles are within the histogram's 0.2 %; and the
    peak RSS of 160,000 requests is that of 40,000, where the exact mode's grows."""
    path = os.path.join(tmp, "varied.pcap")
    sent, received, rtts = write_varied_capture(path)
    aj = os.path.join(tmp, "s.json")
    r = analyze(path, "--summary-only", "--json", aj, "-q")
    assert r.returncode == 0, (r.returncode, r.stderr)
    doc = load_json(aj)
    s = doc["summary"]
    assert doc["params"]["summary_only"] is True, doc["params"]
    assert (s["sent"], s["received"], s["lost"], s["duplicates"]) == \
        (sent, received, sent - received, len(range(50, sent, 101))), s
    rt, n = s["rtt_ns"], len(rtts)
    assert (rt["n"], rt["min"], rt["max"], rt["percentiles"]) == \
        (n, rtts[0], rtts[-1], "histogram"), rt
    for key, rank in (("median", (n + 1) // 2), ("p90", -(-n * 90 // 100)),
                      ("p99", -(-n * 99 // 100))):
        truth = rtts[rank - 1]
        assert abs(rt[key] - truth) <= truth * 0.002 + 1, (key, rt[key], truth)
    rss = {}
    for mode in ("--summary-only", None):
        for reqs in (40_000, 160_000):
            big = os.path.join(tmp, "big-%d.pcap" % reqs)
            if not os.path.exists(big):
                write_varied_capture(big, reqs)
            args = ["analyze", big, "--json", os.path.join(tmp, "b.json"), "-q"]
            r, kb = peak_rss_kb(*(args + ([mode] if mode else [])))
            assert r.returncode == 0, (mode, reqs, r.returncode, r.stderr)
            b = load_json(os.path.join(tmp, "b.json"))["summary"]
            assert b["sent"] == reqs and b["received"] == reqs - reqs // 37, (mode, reqs, b)
            rss[mode, reqs] = kb
    print("  peak RSS: --summary-only %d kB (40,000 requests), %d kB (160,000); "
          "exact %d kB, %d kB" % (rss["--summary-only", 40_000], rss["--summary-only", 160_000],
                                  rss[None, 40_000], rss[None, 160_000]))
    assert rss[None, 160_000] > rss[None, 40_000] + 8 * 1024, rss
    assert rss["--summary-only", 160_000] <= rss["--summary-only", 40_000] * 1.05 + 1024, rss


def test_summary_only_refuses_csv_and_forgets_old_requests(tmp):
    """--summary-only with --csv is one line naming both; a reply 50 ms after its
    request with Tmax 10 ms is late in the exact mode, and with --summary-only
    (which keeps 2 Tmax of requests) a reply to no request it still holds."""
    path = os.path.join(tmp, "varied.pcap")
    slow = (1000, 2000)
    write_varied_capture(path, slow=slow)
    r = analyze(path, "--summary-only", "--csv", os.path.join(tmp, "a.csv"))
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "--csv" in lines[0] and "--summary-only" in lines[0], r.stderr
    assert not os.path.exists(os.path.join(tmp, "a.csv"))
    docs = {}
    for mode in ("exact", "summary"):
        aj = os.path.join(tmp, mode + ".json")
        extra = ["--summary-only"] if mode == "summary" else []
        r = analyze(path, "--timeout", "10ms", "--json", aj, "-q", *extra)
        assert r.returncode == 0, (mode, r.returncode, r.stderr)
        docs[mode] = load_json(aj)["summary"]
    e, m = docs["exact"], docs["summary"]
    assert e["late"] - m["late"] == len(slow), (e["late"], m["late"])
    assert m["ignored_replies"] - e["ignored_replies"] == len(slow), \
        (e["ignored_replies"], m["ignored_replies"])
    for k in ("sent", "received", "lost", "duplicates"):
        assert e[k] == m[k], (k, e[k], m[k])

