#!/usr/bin/env python3
"""Tests of the bench harness: its parsers of irtt, sockperf, flood and callgrind output,
the verdicts, the synthetic STAMP capture (read back by udpbench analyze), the C helpers,
and one smoke run of the whole bench that must leave no process behind.

    python3 tests/perf/test_bench.py [-k PATTERN]

Needs `make udpbench build/perf/echo_naive build/perf/flood build/perf/pcap_loop`; what is missing is skipped."""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import bench  # noqa: E402

BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
UDPBENCH = os.environ.get("UDPBENCH", os.path.join(ROOT, "udpbench"))
ECHO = os.path.join(BUILD, "perf", "echo_naive")
FLOOD = os.path.join(BUILD, "perf", "flood")
PCAP_LOOP = os.path.join(BUILD, "perf", "pcap_loop")

SOCKPERF_OUT = """sockperf: == version #3.7-no.git ==
sockperf: [Total Run] RunTime=3.000 sec; Warm up time=400 msec; SentMessages=3001; ReceivedMessages=3001
sockperf: ========= Printing statistics for Server No: 0
sockperf: [Valid Duration] RunTime=2.549 sec; SentMessages=2549; ReceivedMessages=2548
sockperf: ====> avg-rtt=159.092 (std-dev=111.407)
sockperf: ---> <MAX> observation = 1897.495
sockperf: ---> percentile 99.999 = 1897.495
sockperf: ---> percentile 99.000 =  432.149
sockperf: ---> percentile 50.000 =  145.823
sockperf: ---> percentile 25.000 =  121.082
sockperf: ---> <MIN> observation =   24.144
"""

IRTT_DOC = {
    "config": {"params": {"duration": 3_000_000_000, "interval": 100_000}},
    "stats": {"packets_sent": 5791, "packets_received": 5790, "timer_misses": 24211,
              "timer_error": {"mean": 383788, "max": 3356940},
              "send_call": {"mean": 29389},
              "rtt": {"median": 113589, "mean": 124451}},
}

CALLGRIND_ANNOTATE = """--------------------------------------------------------------------------------
Ir
--------------------------------------------------------------------------------
1,000 (100.0%)  PROGRAM TOTALS

--------------------------------------------------------------------------------
Ir                   file:function
--------------------------------------------------------------------------------
2,600 (260.0%)  ./stdlib/msort.c:msort_with_tmp.part.0'2 [/usr/lib/libc.so.6]
1,000 (100.0%)  ???:0x000000000001ab70 [/usr/lib/ld-linux-x86-64.so.2]
  900 (90.00%)  ???:(below main) [/x/udpbench]
  899 (89.90%)  ./csu/../csu/libc-start.c:__libc_start_main@@GLIBC_2.34 [/usr/lib/libc.so.6]
  898 (89.80%)  /x/bench/main.c:main [/x/udpbench]
  800 (80.00%)  ./elf/./elf/rtld.c:dl_main [/usr/lib/ld-linux-x86-64.so.2]
  700 (70.00%)  /x/bench/sender.c:ub_sender_run [/x/udpbench]
  699 (69.90%)  /x/bench/sender.c:ub_sender_run [/x/udpbench]
  400 (40.00%)  /x/bench/session.c:ub_session_finish [/x/udpbench]
  390 (39.00%)  /x/bench/stats.c:ub_stats_summary [/x/udpbench]
  300 (30.00%)  ./stdlib/msort.c:qsort [/usr/lib/libc.so.6]
  200 (20.00%)  /x/bench/net.c:ub_net_recv [/x/udpbench]
  100 (10.00%)  /x/bench/net.c:ub_net_send [/x/udpbench]
"""


class Parsers(unittest.TestCase):
    def test_sockperf_percentiles_and_counts(self):
        pct, counts = bench.parse_sockperf(SOCKPERF_OUT)
        self.assertAlmostEqual(pct[50.0], 145.823)
        self.assertAlmostEqual(pct[99.0], 432.149)
        self.assertEqual(counts, (2549, 2548))

    def test_sockperf_garbage(self):
        self.assertEqual(bench.parse_sockperf("sockperf: error"), ({}, (None, None)))

    def test_irtt(self):
        ir = bench.parse_irtt(IRTT_DOC)
        self.assertEqual(ir["expected"], 30000)
        self.assertEqual(ir["sent"], 5791)
        self.assertEqual(ir["timer_error_mean"], 383788)
        self.assertEqual(ir["rtt_median"], 113589)
        self.assertEqual(bench.parse_irtt(None)["sent"], None)

    def test_flood_line(self):
        f = bench.parse_flood("sent=10 received=8 seconds=2.000000 pps=4 send_eagain=0\n")
        self.assertEqual((f["sent"], f["received"], f["pps"]), (10, 8, 4.0))
        self.assertIsNone(bench.parse_flood(""))

    def test_reflector_counters(self):
        self.assertEqual(bench.parse_counter(
            "udpbench reflector: received 12, reflected 11, short 1, send errors 0\n"), 11)
        self.assertEqual(bench.parse_counter("echo_naive: received 7, echoed 7, send errors 0"), 7)
        self.assertIsNone(bench.parse_counter(""))

    def test_callgrind(self):
        self.assertEqual(bench.parse_callgrind_total("events: Ir\nsummary: 1234\n"), 1234)
        self.assertEqual(bench.parse_callgrind_total("totals: 99\n"), 99)
        top = bench.parse_callgrind_top(CALLGRIND_ANNOTATE, 1000)
        self.assertEqual([f for _, f, _ in top],
                         ["ub_sender_run", "ub_session_finish", "ub_stats_summary", "qsort",
                          "ub_net_recv"])
        self.assertEqual(top[0][0], 700)

    def test_rtt_median_either_name(self):
        self.assertEqual(bench.ub_rtt_median({"summary": {"rtt_ns": {"median": 5}}}), 5)
        self.assertEqual(bench.ub_rtt_median({"summary": {"rtt": {"median": 6}}}), 6)
        self.assertIsNone(bench.ub_rtt_median(None))


class Verdicts(unittest.TestCase):
    def test_at_least(self):
        self.assertEqual(bench.verdict_at_least(0.995, 0.99, str), "pass")
        v = bench.verdict_at_least(0.97, 0.99, lambda d: "%.2f pp" % (100 * d))
        self.assertEqual(v, "short by 2.00 pp")
        self.assertEqual(bench.verdict_at_least(None, 0.99, str), "not measured")

    def test_at_most(self):
        self.assertEqual(bench.verdict_at_most(9000, 10000, bench.fmt_ns), "pass")
        self.assertEqual(bench.verdict_at_most(15000, 10000, bench.fmt_ns), "short by 5 µs")

    def test_ratio(self):
        self.assertEqual(bench.verdict_ratio(2.5, 2.0), "pass")
        self.assertTrue(bench.verdict_ratio(1.0, 2.0).startswith("short by 2.00×"))
        self.assertEqual(bench.verdict_ratio(None, 2.0), "not measured")
        self.assertIsNone(bench.ratio(1, 0))
        self.assertEqual(bench.median([3, None, 1, 2]), 2)
        self.assertIsNone(bench.median([None]))

    def test_formats(self):
        self.assertEqual(bench.fmt_ns(2793), "2.79 µs")
        self.assertEqual(bench.fmt_ns(1_010_141), "1.01 ms")
        self.assertEqual(bench.fmt_pct(0.9516), "95.16 %")
        self.assertEqual(bench.fmt_pps(372053), "372 kpps")
        self.assertEqual(bench.seconds_of("500ms"), 0.5)
        self.assertEqual(bench.seconds_of("3s"), 3.0)


class Capture(unittest.TestCase):
    def test_pcap_layout(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "s.pcap")
            packets, req, rep, rtt = bench.write_stamp_pcap(path, 4002, 2001)
            self.assertEqual((packets, req, rep, rtt), (8002, 4002, 4000, 16000))
            with open(path, "rb") as f:
                data = f.read()
            self.assertEqual(data[:4], b"\x4d\x3c\xb2\xa1")  # nanosecond pcap, little-endian
            self.assertEqual(len(data), 24 + packets * (16 + 14 + 20 + 8 + 44))

    @unittest.skipUnless(os.access(UDPBENCH, os.X_OK), "udpbench not built")
    def test_analyze_reads_what_was_built(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "s.pcap")
            out = os.path.join(tmp, "a.json")
            packets, req, rep, rtt = bench.write_stamp_pcap(path, 6003, 2001)
            r = subprocess.run([UDPBENCH, "analyze", path, "--json", out, "-q"],
                               capture_output=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            s = bench.load_json(out)["summary"]
            self.assertEqual((s["sent"], s["received"], s["lost_down"], s["lost_up"]),
                             (req, rep, req - rep, 0))
            self.assertEqual(s["rtt_ns"]["median"], rtt)


@unittest.skipUnless(os.access(PCAP_LOOP, os.X_OK), "build/perf/pcap_loop not built")
class PcapLoop(unittest.TestCase):
    def test_reads_every_packet_and_byte(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "s.pcap")
            packets, _, _, _ = bench.write_stamp_pcap(path, 2002, 2001)
            with open(path, "rb") as f:
                data = f.read()
            # the sum of every captured byte, read from the records by hand
            pos, total, n = 24, 0, 0
            while pos < len(data):
                caplen = int.from_bytes(data[pos + 8:pos + 12], "little")
                total += sum(data[pos + 16:pos + 16 + caplen])
                pos += 16 + caplen
                n += 1
            r = subprocess.run([PCAP_LOOP, path], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(n, packets)
            self.assertEqual(r.stdout.strip(), "packets %d, bytes %d, sum %d" %
                             (packets, packets * 86, total))
            # a record cut short is an error, not a quiet end
            with open(path, "wb") as f:
                f.write(data[:-10])
            r = subprocess.run([PCAP_LOOP, path], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 1, r.stdout)


def udp_exchange(port, payload, timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(payload, ("127.0.0.1", port))
        return s.recvfrom(2048)[0]
    finally:
        s.close()


@unittest.skipUnless(os.access(ECHO, os.X_OK) and os.access(FLOOD, os.X_OK),
                     "build/perf helpers not built")
class Helpers(unittest.TestCase):
    def test_echo_naive_echoes_verbatim_and_ends_by_itself(self):
        port = bench.free_udp_port()
        p = subprocess.Popen([ECHO, str(port), "1"], stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 5
            while not bench.udp_bound(port) and time.monotonic() < deadline:
                time.sleep(0.02)
            payload = bytes(range(200))
            self.assertEqual(udp_exchange(port, payload), payload)
            _, err = p.communicate(timeout=5)  # its 1 s is up: it must end on its own
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"received 1, echoed 1", err)

    def test_flood_counts_replies(self):
        port = bench.free_udp_port()
        e = subprocess.Popen([ECHO, str(port), "10"], stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 5
            while not bench.udp_bound(port) and time.monotonic() < deadline:
                time.sleep(0.02)
            r = subprocess.run([FLOOD, "127.0.0.1", str(port), "0.3", "64"], capture_output=True,
                               text=True, timeout=10)
            e.terminate()
            _, err = e.communicate(timeout=5)
        finally:
            if e.poll() is None:
                e.kill()
                e.wait()
        f = bench.parse_flood(r.stdout)
        self.assertIsNotNone(f, r.stdout + r.stderr)
        self.assertGreater(f["received"], 1000)
        self.assertLessEqual(f["received"], f["sent"])
        echoed = bench.parse_counter(err.decode())
        # loopback: the flooder drains after every batch, so nearly every echo reaches it
        self.assertLessEqual(f["received"], echoed)
        self.assertGreaterEqual(f["received"], 0.95 * echoed)

    def test_flood_usage(self):
        r = subprocess.run([FLOOD, "127.0.0.1", "9", "1", "10"], capture_output=True, timeout=10)
        self.assertEqual(r.returncode, 2)  # below the 44-byte STAMP request


def bench_processes(tag):
    """pids whose command line names the bench's temporary folder."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if tag in f.read():
                    out.append(int(pid))
        except OSError:
            pass
    return out


@unittest.skipUnless(os.access(UDPBENCH, os.X_OK) and os.access(ECHO, os.X_OK),
                     "udpbench or build/perf helpers not built")
class Smoke(unittest.TestCase):
    def test_whole_bench_smoke(self):
        with tempfile.TemporaryDirectory() as tmp:
            results = os.path.join(tmp, "RESULTS.md")
            argv = [sys.executable, os.path.join(HERE, "bench.py"), "--smoke", "-q",
                    "--udpbench", UDPBENCH, "--helpers", os.path.dirname(ECHO),
                    "--results", results]
            if "ASAN_OPTIONS" in os.environ:
                # valgrind cannot run a binary built with AddressSanitizer
                argv += ["--only", ",".join(s for s in bench.SECTIONS if s != "hotpath")]
            r = subprocess.run(argv, capture_output=True, text=True, timeout=180)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertEqual(bench_processes(b"udpbench-perf-"), [])
            with open(results) as f:
                md = f.read()
        for heading in ("## Machine", "## Results", "## Hot path cost per probe", "## Commands"):
            self.assertIn(heading, md)
        self.assertIn("- kernel: %s" % os.uname().release, md)
        rows = [l for l in md.splitlines() if l.startswith("| ") and "comparison" not in l
                and "top 5" not in l and not l.startswith("| `")]
        names = " ".join(rows)
        wanted = ["probes in their slot", "RTT median @1 kHz vs sockperf", "reflector capacity",
                  "peak RSS", "analyze"]
        if "ASAN_OPTIONS" not in os.environ:
            wanted.append("hot path")
        for want in wanted:
            self.assertIn(want, names)
        for row in rows:
            self.assertEqual(row.count(" | "), 5, row)
        self.assertIn("analyze read", md)
        self.assertIn(": correct.", md)
        self.assertTrue(re.search(r"udpbench params\.clock: `[^`]+`", md))
        # the table is also printed
        self.assertIn("comparison", r.stdout)


class Summary(unittest.TextTestResult):
    pass


def main():
    runner = unittest.TextTestRunner(verbosity=2, resultclass=Summary)
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    if len(sys.argv) > 2 and sys.argv[1] == "-k":
        pat = sys.argv[2]
        flat = []

        def walk(s):
            for t in s:
                if isinstance(t, unittest.TestSuite):
                    walk(t)
                elif pat in t.id():
                    flat.append(t)
        walk(suite)
        suite = unittest.TestSuite(flat)
    res = runner.run(suite)
    failed = len(res.failures) + len(res.errors)
    skipped = len(res.skipped)
    passed = res.testsRun - failed - skipped
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
