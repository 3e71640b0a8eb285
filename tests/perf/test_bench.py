#!/usr/bin/env python3
"""Tests of the bench harness: its parsers of irtt, sockperf, flood and callgrind output,
the verdicts, the synthetic STAMP capture (read back by udpbench analyze), the C helpers,
and one smoke run of the whole bench that must leave no process behind.

    python3 tests/perf/test_bench.py [-k PATTERN]

Needs `make udpbench build/perf/echo_naive build/perf/flood build/perf/pcap_loop
build/perf/pcap_gen`; what is missing is skipped."""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import types
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
PCAP_GEN = os.path.join(BUILD, "perf", "pcap_gen")

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


CAP = "reflector capacity, 64 B flood, each with its best sender mode"
LAT = "RTT median @1 kHz vs sockperf"
RSS = "peak RSS, 1,000,000 probes flood + per-packet CSV"
ANA = "analyze 1,000,000-packet STAMP pcap (wall time)"


def record(row, shown, **fig):
    return dict(fig, row=row, shown=shown)


def now_records():
    """One run's figures as bench.py keeps them: per-round udpbench and peer figures."""
    return [
        # rates, higher is better: ratios 1.60, 1.66, 1.70 -> spread 0.10
        record(CAP, "1.63×", **bench.measured([400e3, 415e3, 408e3], [250e3, 250e3, 240e3])),
        # times, lower is better: sockperf 118 µs over udpbench ~4.8 µs
        record(LAT, "24.6×", **bench.measured([4800, 4840, 4900], [118e3, 119e3, 118e3],
                                              higher=False)),
        # no peer: judged by udpbench's own peak RSS, lower is better
        record(RSS, "39.5 MB", **bench.measured([39.5 * 1024], higher=False)),
        record(ANA, "23.0×", **bench.measured([1.15, 1.16, 1.14], [26.5, 26.6, 26.4],
                                              higher=False)),
    ]


def doctored(records, **changes):
    """A previous RESULTS.md whose figures block holds records with some values changed
    (None drops the row)."""
    out = []
    for r in records:
        if r["row"] in changes and changes[r["row"]] is None:
            continue
        if r["row"] in changes:
            r = dict(r, value=changes[r["row"]], shown=None)
        out.append(r)
    return "# udpbench performance bench (`make bench`)\n\n" + bench.figures_block(out, False)


class Regression(unittest.TestCase):
    def compare(self, previous_md, records=None, smoke=False):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "RESULTS.md")
            with open(path, "wb") as f:
                f.write(previous_md if isinstance(previous_md, bytes) else
                        previous_md.encode())
            prev = bench.read_previous(path)
        out, summary = bench.compare_runs(records or now_records(), *prev, smoke)
        return {row: (state, text) for row, state, text in out}, summary

    def test_doctored_previous_flags_only_what_moved_beyond_the_noise(self):
        now = now_records()
        # the capacity ratio was far better before; the analysis ratio a little better,
        # within the spread of its rounds; the latency row did not exist
        got, summary = self.compare(doctored(now, **{CAP: 2.40, ANA: 23.3, LAT: None}))
        self.assertEqual(got[CAP][0], "regressed")
        self.assertEqual(got[CAP][1], "regressed: 2.40× → 1.63×, noise ±0.10×")
        self.assertEqual(got[ANA][0], "same", got[ANA])
        self.assertEqual(got[LAT], ("new", "new row"))
        self.assertEqual(got[RSS][0], "same")
        self.assertTrue(summary.startswith("REGRESSION against the previous results: " + CAP),
                        summary)
        self.assertIn("1 regressed", summary)
        self.assertIn("1 new", summary)

    def test_the_same_figures_do_not_regress(self):
        got, summary = self.compare(doctored(now_records()))
        self.assertEqual({s for s, _ in got.values()}, {"same"})
        self.assertTrue(summary.startswith("no regression"), summary)

    def test_direction_comes_from_the_row(self):
        # peak RSS is lower-is-better: smaller before is a regression now, larger an improvement
        got, _ = self.compare(doctored(now_records(), **{RSS: 30.0 * 1024}))
        self.assertEqual(got[RSS][0], "regressed")
        self.assertIn("noise ±3 % (one round now: its spread not measured)", got[RSS][1])
        got, _ = self.compare(doctored(now_records(), **{RSS: 50.0 * 1024}))
        self.assertEqual(got[RSS][0], "improved")
        # a ratio is higher-is-better whatever the row measures: a lower one before is progress
        got, _ = self.compare(doctored(now_records(), **{LAT: 12.0}))
        self.assertEqual(got[LAT][0], "improved")
        got, _ = self.compare(doctored(now_records(), **{LAT: 40.0}))
        self.assertEqual(got[LAT][0], "regressed")

    def test_peer_rows_by_ratio_rows_without_a_peer_by_their_own_figure(self):
        then = now_records()
        # a machine half as fast: every time doubles, for udpbench and the peer alike
        slow = [record(LAT, "24.6×", **bench.measured([9600, 9680, 9800],
                                                      [236e3, 238e3, 236e3], higher=False)),
                record(RSS, "79.0 MB", **bench.measured([79.0 * 1024], higher=False))]
        self.assertEqual(slow[0]["basis"], "ratio")
        self.assertEqual(slow[1]["basis"], "udpbench")
        got, _ = self.compare(doctored(then), slow)
        self.assertEqual(got[LAT][0], "same", got[LAT])
        self.assertEqual(got[RSS][0], "regressed", got[RSS])

    def test_noise_is_the_larger_of_both_runs(self):
        then = now_records()
        # within the previous run's wide spread, though beyond this run's narrow one
        for r in then:
            if r["row"] == CAP:
                r["noise"] = 0.5
        got, _ = self.compare(doctored(then, **{CAP: 2.0}))
        self.assertEqual(got[CAP][0], "same", got[CAP])
        got, _ = self.compare(doctored(then, **{CAP: 2.3}))
        self.assertEqual(got[CAP][0], "regressed", got[CAP])

    def test_previous_without_figures_block_is_read_from_its_table(self):
        md = ("# udpbench performance bench (`make bench`)\n\n## Results\n\n"
              "| comparison | udpbench (median) | peer (median) | ratio | target | verdict |\n"
              "|---|---|---|---|---|---|\n"
              "| %s | 394 kpps | echo_naive 235 kpps | 2.68× | ≥ 2× | pass |\n"
              "| %s | 4.84 µs | sockperf 118 µs | 24.45× | ≤ sockperf (≥ 1×) | pass |\n"
              "| %s | 39.5 MB | — | — | < 64 MB | pass |\n"
              "| %s | ??? | tshark | n/a | ≥ 10× faster | not measured |\n" % (CAP, LAT, RSS, ANA))
        got, summary = self.compare(md)
        self.assertEqual(got[CAP][0], "regressed")
        self.assertIn("2.68× → 1.63×", got[CAP][1])
        self.assertIn("(previous noise unknown)", got[CAP][1])
        self.assertEqual(got[LAT][0], "same")
        self.assertEqual(got[RSS][0], "same")
        self.assertEqual(got[ANA][0], "unknown")
        self.assertIn("1 not compared", summary)

    def test_the_committed_results_file_can_be_compared(self):
        with open(os.path.join(HERE, "RESULTS.md"), "rb") as f:
            got, summary = self.compare(f.read())
        self.assertNotIn("no previous figures", summary)
        self.assertEqual(len(got), len(now_records()))

    def test_bad_previous_files_give_one_line(self):
        bad = [b"",
               bytes(range(256)) * 40,
               b"# title\n<!-- bench-figures\n{not json\n-->\n",
               b"<!-- bench-figures\n[1, 2]\n-->\n",
               b"<!-- bench-figures\n{\"rows\": \"x\"}\n-->\n",
               b"<!-- bench-figures\n" + b"[" * 100000 + b"\n-->\n"]
        for data in bad:
            got, summary = self.compare(data)
            self.assertEqual(got, {}, data[:40])
            self.assertIn("no previous figures to compare", summary)
            self.assertNotIn("\n", summary)
        # rows of the wrong shape are left out, the rest compared
        rows = [{"row": CAP, "basis": "ratio", "better": "higher", "value": "2"},
                {"row": RSS, "basis": "udpbench", "better": "sideways", "value": 1},
                {"row": ANA, "basis": "ratio", "better": "higher", "value": 1e309},
                {"row": LAT, "basis": "ratio", "better": "higher", "value": 24.6, "noise": "x"},
                {"row": RSS + " ", "basis": "udpbench", "better": "lower", "value": 1,
                 "shown": "1 MB\n--> <script>`x` | y"},
                7]
        md = "<!-- bench-figures\n%s\n-->\n" % bench.json.dumps({"rows": rows})
        got, _ = self.compare(md)
        self.assertEqual(got[LAT][0], "same")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "R.md")
            with open(path, "w") as f:
                f.write(md)
            back = bench.read_previous(path)[0]
        self.assertEqual(back[RSS + " "]["shown"], "1 MB?--? ?script??x? ? y")
        self.assertEqual({got[r][0] for r in (CAP, RSS, ANA)}, {"new"})
        _, summary = bench.compare_runs(now_records(), *bench.read_previous("/nonexistent/R.md"),
                                        False)
        self.assertIn("no previous figures to compare", summary)

    def test_smoke_and_full_runs_are_not_compared(self):
        got, summary = self.compare(doctored(now_records(), **{CAP: 9.0}), smoke=True)
        self.assertEqual(got, {})
        self.assertIn("not compared", summary)

    def test_results_file_round_trip_and_marks(self):
        now = now_records()
        now.append(record("odd --> name | with <b>", "1 ns",
                          **bench.measured([1, 1], higher=False)))
        prev = doctored(now, **{CAP: 2.4})
        got, summary = self.compare(prev, now)
        compared = [(row, s, t) for row, (s, t) in got.items()]
        md = bench.with_comparison("# title\nbody\n", summary, compared, now, False)
        self.assertTrue(md.startswith("# title\n\n**Against the previous results:** REGRESSION"))
        self.assertIn("- %s: regressed: 2.40× → 1.63×" % CAP, md)
        self.assertEqual(md.split("<!-- bench-figures")[-1].count("-->"), 1)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "RESULTS.md")
            with open(path, "w") as f:
                f.write(md)
            back, smoke, why = bench.read_previous(path)
        self.assertIsNone(why)
        self.assertFalse(smoke)
        self.assertEqual(sorted(back), sorted(r["row"] for r in now))
        self.assertAlmostEqual(back[CAP]["value"], now[0]["value"])
        self.assertAlmostEqual(back[CAP]["noise"], 0.1)
        rows = types.SimpleNamespace(rows=[[CAP, "a", "b", "1.63×", "≥ 2×", "short"],
                                           [RSS, "a", "—", "—", "< 64 MB", "pass"]])
        bench.Bench.mark_regressions(rows, compared)
        self.assertEqual(rows.rows[0][5], "short; regressed: 2.40× → 1.63×, noise ±0.10×")
        self.assertEqual(rows.rows[1][5], "pass")

    def test_exit_status(self):
        reg = [(CAP, "regressed", "regressed: …")]
        self.assertEqual(bench.exit_status([], reg, False), 0)
        self.assertEqual(bench.exit_status([], reg, True), 1)
        self.assertEqual(bench.exit_status([], [(CAP, "same", "")], True), 0)
        self.assertEqual(bench.exit_status(["memory"], [], False), 1)


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


class Profiles(unittest.TestCase):
    def test_profiles_go_into_results_one_level_down(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "p.md")
            with open(path, "w", encoding="utf-8") as f:
                f.write("# Profiles\n\n## analyze: a change\n\n| % | what |\n### detail\n")
            self.assertEqual(bench.profiles_section(path),
                             ["", "## Profiles behind the changes", "", "",
                              "### analyze: a change", "", "| % | what |", "### detail"])
            self.assertEqual(bench.profiles_section(os.path.join(tmp, "none.md"))[-1],
                             "(no none.md)")

    def test_the_committed_profiles_name_analyze(self):
        self.assertTrue(os.path.exists(bench.PROFILES))
        md = bench.profiles_section(bench.PROFILES)
        self.assertIn("## Profiles behind the changes", md)
        self.assertTrue(any("analyze" in ln for ln in md))


@unittest.skipUnless(os.access(PCAP_GEN, os.X_OK), "build/perf/pcap_gen not built")
class PcapGen(unittest.TestCase):
    def test_writes_the_python_writers_bytes(self):
        """pcap_gen (the bench's ten-million-packet capture) writes what write_stamp_pcap
        writes, byte for byte, and the bench's counts of it are right."""
        with tempfile.TemporaryDirectory() as tmp:
            for n, lose in ((1, 0), (2002, 2001), (3000, 7), (500, 0)):
                py, c = os.path.join(tmp, "py.pcap"), os.path.join(tmp, "c.pcap")
                want = bench.write_stamp_pcap(py, n, lose)
                with open(c, "wb") as f:
                    r = subprocess.run([PCAP_GEN, str(n), str(lose)], stdout=f, timeout=30)
                self.assertEqual(r.returncode, 0)
                with open(py, "rb") as a, open(c, "rb") as b:
                    self.assertEqual(a.read(), b.read(), (n, lose))
                b = bench.Bench.__new__(bench.Bench)
                b.helpers = os.path.dirname(PCAP_GEN)
                self.assertEqual(b.stamp_pcap(c, n, lose), want, (n, lose))
            for bad in (["0", "1"], ["x", "1"], ["5"], ["5", "-"]):
                r = subprocess.run([PCAP_GEN] + bad, capture_output=True, timeout=30)
                self.assertEqual(r.returncode, 2, bad)
                self.assertEqual(r.stdout, b"", bad)


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
            back, smoke, why = bench.read_previous(results)
        for heading in ("## Machine", "## Results", "## Hot path cost per probe",
                        "## Profiles behind the changes", "## Commands"):
            self.assertIn(heading, md)
        self.assertIn("- kernel: %s" % os.uname().release, md)
        # no previous file in the temporary folder: said once, and the figures kept for the next
        self.assertIn("**Against the previous results:** no previous", md)
        self.assertIn("bench: no previous", r.stdout)
        self.assertIsNone(why)
        self.assertTrue(smoke)
        self.assertIn("analyze", " ".join(back))
        results_part = md.split("## Results", 1)[1].split("\n## ", 1)[0]
        rows = [l for l in results_part.splitlines() if l.startswith("| ")
                and "comparison" not in l]
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
