#!/usr/bin/env python3
"""make bench: udpbench side by side with irtt, sockperf, a naive C echo and
tshark, on loopback only. Each comparison runs in interleaved rounds
(A B A B ...), the table shows medians; tests/perf/RESULTS.md gets the table,
the machine, the exact commands and the hot-path cost per probe, each row
compared with the RESULTS.md it replaces (regressed beyond the noise of its
rounds in either run, or not), and the figures for the next run to compare.

Every process this script starts is in its own process group, bounded by a
timeout, and killed at the end whatever happens."""

import argparse
import datetime
import json
import os
import re
import shlex
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

NS_PER_S = 1_000_000_000


# ---------------------------------------------------------------- processes

class Procs:
    """Background processes (servers, reflectors); stop_all() ends what is left."""

    def __init__(self):
        self.live = []

    def spawn(self, argv, out_path, err_path):
        out = open(out_path, "wb")
        err = open(err_path, "wb")
        try:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                 start_new_session=True)
        finally:
            out.close()
            err.close()
        p.err_path = err_path
        p.out_path = out_path
        self.live.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM, timeout=10.0):
        """Signals the process group, waits up to timeout, then kills it; returns stderr text."""
        if p.poll() is None:
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(timeout=5)
        if p in self.live:
            self.live.remove(p)
        return read_text(p.err_path)

    def stop_all(self):
        for p in list(self.live):
            self.stop(p, timeout=3.0)


def cpu_seconds(pid):
    """User plus system CPU time a live process has used so far (from /proc), or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # fields[11], fields[12]: utime and stime (the 14th and 15th of stat), in clock ticks
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def steal_seconds():
    """CPU time the hypervisor took from this machine so far, all CPUs (from /proc/stat)."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


class Result:
    """One finished foreground command: exit code, output, wall time, peak RSS, CPU time."""

    def __init__(self, argv, rc, out, err, elapsed, maxrss_kb, cpu_s, timed_out):
        self.argv = argv
        self.rc = rc
        self.out = out
        self.err = err
        self.elapsed = elapsed
        self.maxrss_kb = maxrss_kb
        self.cpu_s = cpu_s
        self.timed_out = timed_out

    def tail(self):
        text = (self.err or self.out or "").strip().splitlines()
        return text[-1] if text else "exit %s" % self.rc


def run(argv, timeout, tmp, stdout_path=None):
    """Runs argv to its end (killed after timeout seconds). Timing and rusage come from
    wait4 on the child itself, so they hold no Python overhead."""
    out_path = stdout_path or os.path.join(tmp, "run.out")
    err_path = os.path.join(tmp, "run.err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                             start_new_session=True)
    fired = []

    def kill():
        fired.append(1)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _, status, ru = os.wait4(p.pid, 0)
    finally:
        timer.cancel()
    elapsed = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    # a child it left behind in its group must not outlive it
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    out = "" if stdout_path == os.devnull else read_text(out_path)
    return Result(argv, p.returncode, out, read_text(err_path), elapsed, ru.ru_maxrss,
                  ru.ru_utime + ru.ru_stime, bool(fired))


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def udp_bound(port):
    want = ":%04X" % port
    for name in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(name) as f:
                next(f, None)
                for line in f:
                    cols = line.split()
                    if len(cols) > 1 and cols[1].endswith(want):
                        return True
        except OSError:
            pass
    return False


def wait_bound(p, port, timeout):
    """True once something listens on UDP port; False if p died or time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if p.poll() is not None:
            return False
        if udp_bound(port):
            return True
        time.sleep(0.02)
    return False


# ---------------------------------------------------------------- figures

def median(values):
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def fmt_ns(ns):
    if ns is None:
        return "n/a"
    a = abs(ns)
    if a >= NS_PER_S:
        return "%.3g s" % (ns / 1e9)
    if a >= 1_000_000:
        return "%.3g ms" % (ns / 1e6)
    if a >= 1000:
        return "%.3g µs" % (ns / 1e3)
    return "%d ns" % ns


def fmt_pct(x):
    return "n/a" if x is None else "%.2f %%" % (100.0 * x)


def fmt_pps(x):
    if x is None:
        return "n/a"
    if x >= 1e6:
        return "%.3g Mpps" % (x / 1e6)
    return "%.0f kpps" % (x / 1e3)


def fmt_mb(kb):
    return "n/a" if kb is None else "%.1f MB" % (kb / 1024.0)


def fmt_s(s):
    return "n/a" if s is None else ("%.3g s" % s)


def fmt_ratio(x):
    return "n/a" if x is None else "%.2f×" % x


def ratio(num, den):
    if num is None or den is None or den == 0:
        return None
    return num / den


def verdict_at_least(value, target, shortfall_fmt):
    if value is None:
        return "not measured"
    if value >= target:
        return "pass"
    return "short by " + shortfall_fmt(target - value)


def verdict_at_most(value, target, shortfall_fmt):
    if value is None:
        return "not measured"
    if value <= target:
        return "pass"
    return "short by " + shortfall_fmt(value - target)


def verdict_ratio(r, target):
    """r is how many times better udpbench is; target the factor wanted."""
    if r is None:
        return "not measured"
    if r >= target:
        return "pass"
    return "short by %.2f× (%.2f× of %.2g×)" % (target / r, r, target)


def get(d, *path):
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


# ---------------------------------------------------------------- parsers

SOCKPERF_PCT = re.compile(r"percentile\s+([0-9.]+)\s*=\s*([0-9.]+)")
SOCKPERF_RUN = re.compile(r"\[Valid Duration\].*?SentMessages=(\d+);\s*ReceivedMessages=(\d+)")


def parse_sockperf(text):
    """{percentile: microseconds} and (sent, received) of the valid part from ping-pong output."""
    pct = {float(m.group(1)): float(m.group(2)) for m in SOCKPERF_PCT.finditer(text)}
    m = SOCKPERF_RUN.search(text)
    counts = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    return pct, counts


def parse_irtt(doc):
    """What the bench takes from irtt client's JSON (-o FILE.json)."""
    stats = get(doc, "stats") or {}
    params = get(doc, "config", "params") or {}
    dur, iv = params.get("duration"), params.get("interval")
    expected = dur // iv if dur and iv else None
    return {
        "sent": stats.get("packets_sent"),
        "received": stats.get("packets_received"),
        "expected": expected,
        "timer_error_mean": get(stats, "timer_error", "mean"),
        "timer_error_max": get(stats, "timer_error", "max"),
        "timer_misses": stats.get("timer_misses"),
        "send_call_mean": get(stats, "send_call", "mean"),
        "rtt_median": get(stats, "rtt", "median"),
    }


REFL_COUNT = re.compile(r"reflected (\d+)")
ECHO_COUNT = re.compile(r"echoed (\d+)")
FLOOD_LINE = re.compile(r"sent=(\d+) received=(\d+) seconds=([0-9.]+) pps=([0-9.]+)")


def parse_counter(text):
    m = REFL_COUNT.findall(text) or ECHO_COUNT.findall(text)
    return int(m[-1]) if m else None


def parse_flood(text):
    m = FLOOD_LINE.search(text)
    if not m:
        return None
    return {"sent": int(m.group(1)), "received": int(m.group(2)),
            "seconds": float(m.group(3)), "pps": float(m.group(4))}


def ub_rtt_median(doc):
    return get(doc, "summary", "rtt", "median") if get(doc, "summary", "rtt") is not None \
        else get(doc, "summary", "rtt_ns", "median")


CG_TOTAL = re.compile(r"^(?:summary|totals):\s*(\d+)", re.M)
CG_LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*?)\s*(?:\[(.*)\])?\s*$")
CG_SKIP = ("(below main)", "__libc_start", "PROGRAM TOTALS", "_dl_start", "_start")


def parse_callgrind_total(text):
    m = CG_TOTAL.findall(text)
    return int(m[-1]) if m else None


def parse_callgrind_top(text, total, n=5):
    """The n costliest functions by inclusive Ir from callgrind_annotate --inclusive=yes,
    leaving out the start-up wrappers around main, unnamed loader code and recursion copies."""
    out = []
    seen = set()
    for line in text.splitlines():
        m = CG_LINE.match(line)
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        name = m.group(2)
        func = name.rsplit(":", 1)[-1]
        if any(s in name for s in CG_SKIP) or func.startswith("0x") or func == "main":
            continue
        if "ld-linux" in (m.group(3) or "") or "/elf/" in name:
            continue  # the dynamic loader: start-up, not the hot path
        if "'" in func or (total and ir > total) or func in seen:
            continue
        seen.add(func)
        out.append((ir, func, name.rsplit(":", 1)[0]))
        if len(out) == n:
            break
    return out


# ---------------------------------------------------------------- synthetic capture

NTP_UNIX_OFFSET = 2208988800


def ntp64(ns):
    s, frac = divmod(ns, NS_PER_S)
    return ((s + NTP_UNIX_OFFSET) << 32) | ((frac << 32) // NS_PER_S)


def write_stamp_pcap(path, n_req, lose_every, port=10000, interval_ns=100_000,
                     t2_ns=8_000, t3_ns=12_000, t4_ns=20_000):
    """A nanosecond pcap (Ethernet, IPv4, UDP) of one STAMP session on 127.0.0.1: n_req
    44-byte requests every interval_ns, each answered by a stateful reflector, except that
    one reply in every lose_every is lost on the way back (the reflector still counted it;
    never the last one, which would look lost on the way there).
    Returns (packets, requests, replies, rtt_ns): rtt = (T4-T1) - (T3-T2)."""
    eth = b"\x00" * 12 + b"\x08\x00"
    size = 44

    def headers(sport, dport):
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + size, 0, 0x4000, 64, 17, 0,
                         b"\x7f\x00\x00\x01", b"\x7f\x00\x00\x01")
        return eth + ip + struct.pack("!HHHH", sport, dport, 8 + size, 0)

    req_h = headers(40000, port)
    rep_h = headers(port, 40000)
    caplen = len(req_h) + size
    rec = struct.Struct("<IIII")
    req = struct.Struct("!IQHH28x")            # seq, T1, error estimate, SSID, MBZ
    rep = struct.Struct("!IQHHQIQHxxB3x")      # seq, T3, err, SSID, T2, sseq, T1, serr, TTL
    t0 = 1_700_000_000 * NS_PER_S
    buf = bytearray(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, 1))
    packets = replies = 0
    with open(path, "wb") as f:
        for i in range(n_req):
            t1 = t0 + i * interval_ns
            n1 = ntp64(t1)
            buf += rec.pack(t1 // NS_PER_S, t1 % NS_PER_S, caplen, caplen)
            buf += req_h
            buf += req.pack(i, n1, 0, 0x51)
            packets += 1
            if lose_every and i % lose_every == lose_every // 2:
                continue
            t4 = t1 + t4_ns
            buf += rec.pack(t4 // NS_PER_S, t4 % NS_PER_S, caplen, caplen)
            buf += rep_h
            buf += rep.pack(i, ntp64(t1 + t3_ns), 0, 0x51, ntp64(t1 + t2_ns), i, n1, 0, 64)
            packets += 1
            replies += 1
            if len(buf) >= 1 << 22:
                f.write(buf)
                buf.clear()
        f.write(buf)
    return packets, n_req, replies, t4_ns - (t3_ns - t2_ns)


# ---------------------------------------------------------------- against the previous run

FIGURES_TAG = "bench-figures"
FIGURES_BLOCK = re.compile(r"<!--\s*" + FIGURES_TAG + r"\s*\n(.*?)\n\s*-->", re.S)
# a single round measures no spread: a change smaller than this share of the figure is
# never called a regression
NOISE_FLOOR = 0.03
PREVIOUS_MAX_BYTES = 4 << 20


def spread(values):
    """max − min of the measured values (0 for one), or None when none was measured."""
    vals = [v for v in values if v is not None]
    return max(vals) - min(vals) if vals else None


def measured(ub, peer=None, higher=True):
    """What the regression check keeps of a row from its rounds. ub: udpbench's figure per
    round; peer: the peer's, same rounds (interleaved), or None when the row has no peer;
    higher: whether a higher udpbench figure is the better one. With a peer the row is
    judged by its ratio (times better than the peer, higher is better), so a machine that
    is slower at everything does not look like a regression; without one, by udpbench's
    own figure in its direction."""
    ub = list(ub)
    if peer is None:
        return {"basis": "udpbench", "better": "higher" if higher else "lower",
                "value": median(ub), "rounds": ub, "noise": spread(ub)}
    peer = list(peer)

    def times_better(u, p):
        return ratio(u, p) if higher else ratio(p, u)
    per_round = [times_better(u, p) for u, p in zip(ub, peer)]
    return {"basis": "ratio", "better": "higher",
            "value": times_better(median(ub), median(peer)),
            "rounds": per_round, "noise": spread(per_round)}


def figures_block(records, smoke):
    """The machine-readable figures as an HTML comment for the end of RESULTS.md."""
    doc = {"version": 1, "smoke": bool(smoke), "rows": records}
    text = json.dumps(doc, ensure_ascii=True, indent=1).replace(">", "\\u003e")
    return "<!-- %s\n%s\n-->\n" % (FIGURES_TAG, text)


def is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and x == x \
        and abs(x) != float("inf")


def clean_record(r):
    """A row record from a previous file, or None when any field is not what it should be."""
    if not isinstance(r, dict) or not isinstance(r.get("row"), str):
        return None
    if r.get("basis") not in ("ratio", "udpbench") or r.get("better") not in ("higher", "lower"):
        return None
    if not is_number(r.get("value")):
        return None
    noise = r.get("noise")
    shown = r.get("shown")
    if isinstance(shown, str):
        # it is printed and written back into Markdown: one short line, no markup
        shown = re.sub(r"[\x00-\x1f\x7f<>|`]", "?", shown)[:40]
    return {"row": r["row"], "basis": r["basis"], "better": r["better"],
            "value": float(r["value"]), "noise": float(noise) if is_number(noise) else 0.0,
            "shown": shown if isinstance(shown, str) else None}


FIGURE_UNITS = {"ns": 1.0, "µs": 1e3, "ms": 1e6, "s": 1e9, "%": 0.01, "kpps": 1e3,
                "Mpps": 1e6, "MB": 1024.0, "Ir": 1.0, "×": 1.0}
FIGURE_TEXT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)\s*(ns|µs|ms|s|%|kpps|"
                         r"Mpps|MB|Ir|×)(?:\s|$)")


def parse_figure(text):
    """A figure as the table shows it ('4.84 µs', '1.68×', '39.5 MB') in its base unit
    (ns, share, pps, kB, Ir, times), or None."""
    m = FIGURE_TEXT.match(text or "")
    return float(m.group(1)) * FIGURE_UNITS[m.group(2)] if m else None


def table_cells(md):
    """{comparison: cells} from the results table of a RESULTS.md."""
    rows = {}
    for line in md.splitlines():
        if not line.startswith("| ") or not line.rstrip().endswith("|"):
            continue
        cells = [c.strip().replace("\\|", "|")
                 for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
        if len(cells) == 6 and cells[0] != "comparison":
            rows.setdefault(cells[0], cells)
    return rows


def read_previous(path):
    """The previous run's figures: ({row: record}, smoke, None), or (None, None, why not)
    as one line. Rows come from the figures block, or else from the table alone (figures
    without their noise)."""
    try:
        with open(path, "rb") as f:
            data = f.read(PREVIOUS_MAX_BYTES + 1)
    except FileNotFoundError:
        return None, None, "no previous %s: no previous figures to compare" % path
    except OSError as e:
        return None, None, "previous %s unreadable (%s): no previous figures to compare" % (
            path, e.strerror or e)
    if len(data) > PREVIOUS_MAX_BYTES:
        return None, None, "previous %s is over %d MB: no previous figures to compare" % (
            path, PREVIOUS_MAX_BYTES >> 20)
    md = data.decode("utf-8", "replace")
    # the last block: the one with_comparison() writes at the end
    m = FIGURES_BLOCK.search(md, max(md.rfind("<!-- " + FIGURES_TAG), 0))
    if m:
        try:
            doc = json.loads(m.group(1))
        except (ValueError, RecursionError) as e:
            return None, None, "previous %s: figures block is not JSON (%s): no previous " \
                "figures to compare" % (path, (str(e).splitlines() or ["nested too deep"])[0][:80])
        rows = doc.get("rows") if isinstance(doc, dict) else None
        if not isinstance(rows, list):
            return None, None, "previous %s: figures block holds no rows: no previous " \
                "figures to compare" % path
        out = {}
        for r in rows:
            c = clean_record(r)
            if c and c["row"] not in out:
                out[c["row"]] = c
        return out, bool(doc.get("smoke")), None
    cells = table_cells(md)
    if not cells:
        return None, None, "previous %s has neither figures nor a results table: no " \
            "previous figures to compare" % path
    out = {name: {"row": name, "cells": c} for name, c in cells.items()}
    return out, "**Smoke run**" in md, None


def from_table(now, cells):
    """A previous row known only from its table cells, read on the basis of the row now."""
    col = 3 if now["basis"] == "ratio" else 1
    value = parse_figure(cells[col])
    if value is None:
        return None
    return {"row": now["row"], "basis": now["basis"], "better": now["better"],
            "value": value, "noise": 0.0, "shown": cells[col].split(" (")[0],
            "from_table": True}


def compare_row(now, then):
    """(state, text) for one row: state is regressed, improved, same, new or unknown. A row
    regresses when its figure moved the wrong way by more than the larger spread of its
    rounds in the two runs, and by more than NOISE_FLOOR of the previous figure."""
    if then is None:
        return "new", "new row"
    if "cells" in then:
        then = from_table(now, then["cells"])
        if then is None:
            return "unknown", "previous figure not readable: not compared"
    if now.get("value") is None:
        return "unknown", "not measured now: not compared"
    if then["basis"] != now["basis"] or then["better"] != now["better"]:
        return "unknown", "previous figure measured another way: not compared"
    a, b = then["value"], now["value"]
    if a == 0:
        return "unknown", "previous figure is 0: not compared"
    # the larger spread of the two runs, never under the floor; the table's figures are in
    # the units the figures block keeps (ns, share, pps, kB, Ir, times)
    allowed = max(now.get("noise") or 0.0, then["noise"], NOISE_FLOOR * abs(a))
    worse = a - b if now["better"] == "higher" else b - a
    if now["basis"] == "ratio":
        shown_then, shown_now, noise = fmt_ratio(a), fmt_ratio(b), "±%.2f×" % allowed
    else:
        shown_then = then.get("shown") or "%.4g" % a
        shown_now = now.get("shown") or "%.4g" % b
        noise = "±%.0f %%" % (100 * allowed / abs(a))
    rounds = [x for x in now.get("rounds") or [] if x is not None]
    arrow = "%s → %s, noise %s%s%s" % (
        shown_then, shown_now, noise,
        " (previous noise unknown)" if then.get("from_table") else "",
        " (one round now: its spread not measured)" if len(rounds) < 2 else "")
    if worse > allowed:
        return "regressed", "regressed: " + arrow
    if -worse > allowed:
        return "improved", "improved: " + arrow
    return "same", "within noise: " + arrow


STATE_WORDS = {"regressed": "regressed", "improved": "improved", "same": "within noise",
               "new": "new", "unknown": "not compared"}


def compare_runs(records, previous, prev_smoke, why, smoke):
    """[(row, state, text)] for every row now, and the summary line."""
    if previous is None:
        return [], why
    if prev_smoke is not None and bool(prev_smoke) != bool(smoke):
        return [], "previous results were %s a smoke run and these are%s: not compared" % (
            "" if prev_smoke else "not", "" if smoke else " not")
    out = [(r["row"],) + compare_row(r, previous.get(r["row"])) for r in records]
    bad = [row for row, state, _ in out if state == "regressed"]
    counts = {}
    for _, state, _ in out:
        counts[state] = counts.get(state, 0) + 1
    parts = ", ".join("%d %s" % (counts[s], STATE_WORDS[s]) for s in STATE_WORDS
                      if counts.get(s))
    summary = ("REGRESSION against the previous results: %s (%s)" % ("; ".join(bad), parts)
               if bad else "no regression against the previous results (%s)" % parts)
    return out, summary


def exit_status(failed, compared, fail_on_regression):
    """1 when a section did not run, or a row regressed and that was asked to fail."""
    regressed = any(state == "regressed" for _, state, _ in compared)
    return 1 if failed or (regressed and fail_on_regression) else 0


def with_comparison(md, summary, compared, records, smoke):
    """RESULTS.md with the summary under its title, every row's comparison in a section of
    its own, and the figures block the next run reads at the end."""
    head, sep, rest = md.partition("\n")
    lines = [head, "", "**Against the previous results:** " + summary + "."]
    out = "\n".join(lines) + sep + rest
    if compared:
        out += "\n## Against the previous results\n\n"
        out += ("A row regresses when its figure (its ratio to the peer where it has one, "
                "udpbench's own figure where not) moved the wrong way by more than the spread "
                "of its rounds in either run, and by at least %d %%.\n\n" %
                round(100 * NOISE_FLOOR))
        for row, _, text in compared:
            out += "- %s: %s\n" % (row, text)
    return out + "\n" + figures_block(records, smoke)


# ---------------------------------------------------------------- profiles behind changes

PROFILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "PROFILES.md")


def profiles_section(path):
    """The profiles that led to each performance change (tests/perf/PROFILES.md, written
    by hand when a change is made), as lines to append to RESULTS.md; a heading that
    says so when the file is missing."""
    md = ["", "## Profiles behind the changes", ""]
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return md + ["(no %s)" % os.path.basename(path)]
    lines = text.rstrip("\n").split("\n")
    # its own title gives way to this section's; its headings go one level down
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return md + [("#" + ln) if ln.startswith("## ") else ln for ln in lines]


# ---------------------------------------------------------------- the bench

class Scale:
    """How long and how large each part runs: the full bench, or a smoke run."""

    def __init__(self, smoke):
        if smoke:
            self.rounds = 1
            self.sched_s, self.lat_s, self.cap_s, self.cross_s = "500ms", 1, "500ms", 0.5
            self.mem_csv, self.mem_small, self.mem_large = 20_000, 2_000, 20_000
            self.pcap_req, self.pcap_lose = 2_001, 2_001
            self.pcap_big = 20_000
            self.cg_small, self.cg_large = 200, 600
            self.mem_rounds = 1
        else:
            self.rounds = 3
            self.sched_s, self.lat_s, self.cap_s, self.cross_s = "3s", 3, "3s", 1
            # the small run is past 2^18 probes, where the rings of undecided probes are full
            self.mem_csv, self.mem_small, self.mem_large = 1_000_000, 300_000, 1_000_000
            # 500,125 requests, one reply in 2001 lost (250): 1,000,000 packets
            self.pcap_req, self.pcap_lose = 500_125, 2_001
            # 5,000,000 requests, 4,997,501 replies: ten million packets, 1 GB
            self.pcap_big = 5_000_000
            self.cg_small, self.cg_large = 1_000, 5_000
            # peak RSS hardly moves from run to run: one pair of runs is enough
            self.mem_rounds = 1


def seconds_of(d):
    """'3s', '500ms' or a number of seconds as float seconds."""
    if isinstance(d, (int, float)):
        return float(d)
    m = re.fullmatch(r"([0-9.]+)(ms|s)", d)
    return float(m.group(1)) / (1000.0 if m.group(2) == "ms" else 1.0)


class Bench:
    def __init__(self, args):
        self.args = args
        self.helpers = args.helpers
        self.scale = Scale(args.smoke)
        if args.rounds:
            self.scale.rounds = args.rounds
        self.procs = Procs()
        self.tmp = tempfile.mkdtemp(prefix="udpbench-perf-")
        # one binary for the whole bench, whatever happens to the build meanwhile
        self.ub_src = args.udpbench
        self.ub = os.path.join(self.tmp, "udpbench")
        shutil.copy2(args.udpbench, self.ub)
        self.rows = []
        self.figures = {}
        self.notes = {}
        self.commands = {}
        self.rounds_log = {}
        self.hotpath = []
        self.pin_client, self.pin_server = [], []
        self.pinning = "none"
        if not args.no_pin and shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
            self.pin_client = ["taskset", "-c", "0"]
            self.pin_server = ["taskset", "-c", "1"]
            self.pinning = ("taskset: senders, clients and the analyzers on CPU 0; "
                            "reflectors and servers on CPU 1")
        self.features = {}
        self.load_start = loadavg()
        self.steal_start = steal_seconds()
        self.deadline = time.monotonic() + args.budget
        self.section_s = {}

    # ------------------------------------------------ helpers

    def path(self, name):
        return os.path.join(self.tmp, name)

    def note(self, section, text):
        self.notes.setdefault(section, []).append(text)

    def cmd(self, kind, argv):
        if kind not in self.commands:
            self.commands[kind] = shlex.join(argv)

    def log_round(self, section, text):
        self.rounds_log.setdefault(section, []).append(text)
        if not self.args.quiet:
            print("  %s: %s" % (section, text), flush=True)

    def row(self, comparison, ub, peer, r, target, verdict, fig=None):
        """One table row; fig (from measured()) is what the next run compares it with."""
        self.rows.append([comparison, ub, peer, r, target, verdict])
        if fig is not None:
            self.figures[comparison] = fig

    def records(self):
        """The figures of every row that has them, as the figures block keeps them."""
        out = []
        for cells in self.rows:
            fig = self.figures.get(cells[0])
            if fig is not None:
                # the figure itself, without what the cell adds in brackets
                shown = (cells[3] if fig["basis"] == "ratio" else cells[1]).split(" (")[0]
                out.append(dict(fig, row=cells[0], shown=shown))
        return out

    def mark_regressions(self, compared):
        """Adds each comparison with the previous run that is not plain to the verdict."""
        said = {row: (state, text) for row, state, text in compared}
        for cells in self.rows:
            state, text = said.get(cells[0], ("same", ""))
            if state in ("regressed", "improved", "new"):
                cells[5] += "; " + text

    def have(self, tool):
        return shutil.which(tool) is not None

    def start_server(self, name, argv, port, timeout=10.0):
        p = self.procs.spawn(argv, self.path(name + ".out"), self.path(name + ".err"))
        if not wait_bound(p, port, timeout):
            err = self.procs.stop(p)
            raise RuntimeError("%s did not start: %s" % (name, err.strip()[-300:]))
        return p

    def start_reflector(self, port, valgrind=None, gso=False):
        argv = [self.ub, "reflect", "-b", "127.0.0.1", "-p", str(port), "--no-tcp", "-q"]
        if self.features.get("refl_max_rate"):
            argv += ["--max-rate", "0"]
        if gso and self.features.get("refl_gso"):
            argv += ["--gso"]
        self.cmd("udpbench reflect", self.pin_server + argv)
        if valgrind:
            argv = valgrind + argv
        return self.start_server("reflect", self.pin_server + argv, port,
                                 timeout=30.0 if valgrind else 10.0)

    def sender_accepts(self, *extra):
        """True when udpbench's sender takes these options (exit 2 is a usage error)."""
        port = free_udp_port()
        r = run([self.ub, "--peer", "127.0.0.1:%d" % port, "-c", "1", "--timeout", "50ms",
                 "-q"] + list(extra), 10, self.tmp)
        return r.rc != 2

    def detect(self):
        r = run([self.ub, "reflect", "--help"], 10, self.tmp)
        self.features["refl_max_rate"] = "--max-rate" in r.out + r.err
        if self.features["refl_max_rate"]:
            self.note("general", "the reflector runs with `--max-rate 0`: its per-source rate "
                      "cap (a guard for shared networks) would otherwise hold every flood from "
                      "one sender to the cap.")
        self.features["refl_gso"] = "--gso" in r.out + r.err
        self.features["rate_max"] = self.sender_accepts("--rate", "max")
        self.features["send_gso"] = self.features["rate_max"] and \
            self.sender_accepts("--rate", "max", "--gso")
        self.features["summary_only"] = self.sender_accepts("--summary-only")
        for k in ("rate_max", "summary_only"):
            if not self.features[k]:
                self.note("general", "udpbench does not take `%s` yet: the bench uses the "
                          "fallback named in that section." %
                          {"rate_max": "--rate max", "summary_only": "--summary-only"}[k])

    def flood_args(self):
        return ["--rate", "max"] if self.features["rate_max"] else ["--rate", "1000000"]

    # ------------------------------------------------ 1. schedule fidelity

    def bench_schedule(self):
        sc = self.scale
        iv = "100us"
        ub_port = free_udp_port()
        refl = self.start_reflector(ub_port)
        irtt_srv = None
        irtt_port = None
        if self.have("irtt"):
            irtt_port = free_udp_port()
            argv = self.pin_server + ["irtt", "server", "-b", "127.0.0.1:%d" % irtt_port,
                                      "-i", "0", "-d", "0"]
            self.cmd("irtt server", argv)
            irtt_srv = self.start_server("irtt-server", argv, irtt_port)
        else:
            self.note("schedule", "irtt is not installed: no peer figures.")
        A, B = [], []
        try:
            for rnd in range(sc.rounds):
                out = self.path("sched.json")
                argv = self.pin_client + [self.ub, "--peer", "127.0.0.1:%d" % ub_port, "-i", iv,
                                          "-d", str(sc.sched_s), "--json", out, "-q"]
                self.cmd("schedule: udpbench", argv)
                if os.path.exists(out):
                    os.unlink(out)
                st0 = steal_seconds()
                r = run(argv, 60, self.tmp)
                st1 = steal_seconds()
                stolen = st1 - st0 if st0 is not None and st1 is not None else None
                doc = load_json(out)
                sent = get(doc, "summary", "sent")
                missed = get(doc, "summary", "schedule", "missed")
                # slots = probes sent + slots skipped because the sender was too far behind
                slots = get(doc, "summary", "schedule", "slots") or sent
                a = {"in_slot": 1 - missed / slots if slots and missed is not None else None,
                     "late_med": get(doc, "summary", "schedule", "late_ns", "median"),
                     "late_p99": get(doc, "summary", "schedule", "late_ns", "p99"),
                     "sent": sent, "missed": missed}
                if doc is None:
                    self.note("schedule", "udpbench round %d failed: %s" % (rnd + 1, r.tail()))
                A.append(a)
                self.log_round("schedule", "round %d udpbench sent %s missed %s in-slot %s "
                               "late median %s p99 %s; CPU time stolen by the hypervisor "
                               "meanwhile %s" % (rnd + 1, sent, missed, fmt_pct(a["in_slot"]),
                                                 fmt_ns(a["late_med"]), fmt_ns(a["late_p99"]),
                                                 "n/a" if stolen is None else
                                                 "%.0f ms" % (stolen * 1000)))
                if irtt_srv:
                    out = self.path("irtt-sched.json")
                    argv = self.pin_client + ["irtt", "client", "-i", iv, "-d",
                                              str(sc.sched_s), "-Q", "-o", out,
                                              "127.0.0.1:%d" % irtt_port]
                    self.cmd("schedule: irtt client", argv)
                    if os.path.exists(out):
                        os.unlink(out)
                    r = run(argv, 60, self.tmp)
                    ir = parse_irtt(load_json(out))
                    ir["ratio_sent"] = ratio(ir["sent"], ir["expected"])
                    if ir["sent"] is None:
                        self.note("schedule", "irtt round %d failed: %s" % (rnd + 1, r.tail()))
                    B.append(ir)
                    self.log_round("schedule", "round %d irtt sent %s of %s expected, timer "
                                   "misses %s, timer error mean %s max %s, send call mean %s" %
                                   (rnd + 1, ir["sent"], ir["expected"], ir["timer_misses"],
                                    fmt_ns(ir["timer_error_mean"]), fmt_ns(ir["timer_error_max"]),
                                    fmt_ns(ir["send_call_mean"])))
        finally:
            refl_err = self.procs.stop(refl)
            if irtt_srv:
                self.procs.stop(irtt_srv)
        in_slot = median(a["in_slot"] for a in A)
        late_med = median(a["late_med"] for a in A)
        late_p99 = median(a["late_p99"] for a in A)
        irtt_frac = median(b["ratio_sent"] for b in B)
        irtt_err = median(b["timer_error_mean"] for b in B)
        irtt_err_max = median(b["timer_error_max"] for b in B)
        peer_missing = "irtt not installed"
        self.row("schedule @10 kHz, %s: probes in their slot" % sc.sched_s, fmt_pct(in_slot),
                 ("irtt sent/expected " + fmt_pct(irtt_frac)) if B else peer_missing,
                 fmt_ratio(ratio(in_slot, irtt_frac)), "≥ 99 %",
                 verdict_at_least(in_slot, 0.99, lambda d: "%.2f pp" % (100 * d)),
                 fig=measured([a["in_slot"] for a in A],
                              [b["ratio_sent"] for b in B] if B else None))
        self.row("schedule @10 kHz: lateness median", fmt_ns(late_med),
                 ("irtt timer error mean " + fmt_ns(irtt_err)) if B else peer_missing,
                 fmt_ratio(ratio(irtt_err, late_med)), "≤ 10 µs",
                 verdict_at_most(late_med, 10_000, fmt_ns),
                 fig=measured([a["late_med"] for a in A],
                              [b["timer_error_mean"] for b in B] if B else None, higher=False))
        self.row("schedule @10 kHz: lateness p99", fmt_ns(late_p99),
                 ("irtt has no p99 (timer error max %s)" % fmt_ns(irtt_err_max)) if B
                 else peer_missing,
                 "—", "≤ 100 µs", verdict_at_most(late_p99, 100_000, fmt_ns),
                 fig=measured([a["late_p99"] for a in A], higher=False))
        self.note("schedule", "each round also gives the CPU time the hypervisor took from this "
                  "virtual machine while it ran (steal, /proc/stat): a probe due while its vCPU "
                  "is not running leaves late, and the misses follow it.")
        self.note("schedule", "udpbench: in slot = 1 − summary.schedule.missed / summary.schedule.slots; "
                  "lateness from summary.schedule.late_ns. irtt: packets_sent / "
                  "(duration / interval) and stats.timer_error (irtt reports its mean, "
                  "not a median).")
        self.note("schedule", "reflector at the end: " + refl_err.strip().splitlines()[-1]
                  if refl_err.strip() else "reflector printed no counters")

    # ------------------------------------------------ 2. self-latency

    def bench_latency(self):
        sc = self.scale
        ub_port = free_udp_port()
        refl = self.start_reflector(ub_port)
        servers = [refl]
        sp_port = irtt_port = None
        full_rtt = False
        if self.have("sockperf"):
            help_text = run(["sockperf", "ping-pong", "--help"], 10, self.tmp)
            full_rtt = "--full-rtt" in (help_text.out + help_text.err)
            sp_port = free_udp_port()
            argv = self.pin_server + ["sockperf", "server", "-i", "127.0.0.1", "-p", str(sp_port)]
            self.cmd("sockperf server", argv)
            servers.append(self.start_server("sockperf-server", argv, sp_port))
            if not full_rtt:
                self.note("latency", "this sockperf has no --full-rtt: its one-way figure "
                          "(half the round trip) is doubled.")
        else:
            self.note("latency", "sockperf is not installed: no sockperf figures.")
        if self.have("irtt"):
            irtt_port = free_udp_port()
            argv = self.pin_server + ["irtt", "server", "-b", "127.0.0.1:%d" % irtt_port,
                                      "-i", "0", "-d", "0"]
            servers.append(self.start_server("irtt-server", argv, irtt_port))
        else:
            self.note("latency", "irtt is not installed: no irtt figures.")
        A, B, C = [], [], []
        clock = None
        try:
            for rnd in range(sc.rounds):
                out = self.path("lat.json")
                argv = self.pin_client + [self.ub, "--peer", "127.0.0.1:%d" % ub_port, "-i", "1ms",
                                          "-d", "%ds" % sc.lat_s, "--json", out, "-q"]
                self.cmd("latency: udpbench", argv)
                if os.path.exists(out):
                    os.unlink(out)
                r = run(argv, 60, self.tmp)
                doc = load_json(out)
                if doc is None:
                    self.note("latency", "udpbench round %d failed: %s" % (rnd + 1, r.tail()))
                clock = get(doc, "params", "clock") or clock
                A.append(ub_rtt_median(doc))
                self.log_round("latency", "round %d udpbench rtt median %s (clock %s)" %
                               (rnd + 1, fmt_ns(A[-1]), clock))
                if sp_port:
                    argv = self.pin_client + ["sockperf", "ping-pong", "-i", "127.0.0.1", "-p",
                                              str(sp_port), "-t", str(sc.lat_s), "--mps", "1000",
                                              "-m", "44"] + (["--full-rtt"] if full_rtt else [])
                    self.cmd("latency: sockperf ping-pong", argv)
                    r = run(argv, 60, self.tmp)
                    pct, counts = parse_sockperf(r.out + r.err)
                    p50 = pct.get(50.0)
                    val = None if p50 is None else p50 * 1000.0 * (1 if full_rtt else 2)
                    if val is None:
                        self.note("latency", "sockperf round %d gave no median: %s" %
                                  (rnd + 1, r.tail()))
                    B.append(val)
                    self.log_round("latency", "round %d sockperf rtt median %s (%s/%s valid "
                                   "messages)" % (rnd + 1, fmt_ns(val), counts[1], counts[0]))
                if irtt_port:
                    out = self.path("irtt-lat.json")
                    argv = self.pin_client + ["irtt", "client", "-i", "1ms", "-d",
                                              "%ds" % sc.lat_s, "-Q", "-o", out,
                                              "127.0.0.1:%d" % irtt_port]
                    self.cmd("latency: irtt client", argv)
                    if os.path.exists(out):
                        os.unlink(out)
                    r = run(argv, 60, self.tmp)
                    ir = parse_irtt(load_json(out))
                    C.append(ir["rtt_median"])
                    self.log_round("latency", "round %d irtt rtt median %s" %
                                   (rnd + 1, fmt_ns(ir["rtt_median"])))
        finally:
            for p in servers:
                self.procs.stop(p)
        ub = median(A)
        sp = median(B)
        ir = median(C)
        r_sp = ratio(sp, ub)
        r_ir = ratio(ir, ub)
        self.row("RTT median @1 kHz vs sockperf", fmt_ns(ub),
                 ("sockperf " + fmt_ns(sp)) if sp_port else "sockperf not installed",
                 fmt_ratio(r_sp), "≤ sockperf (≥ 1×)", verdict_ratio(r_sp, 1.0),
                 fig=measured(A, B if sp_port else None, higher=False))
        self.row("RTT median @1 kHz vs irtt", fmt_ns(ub),
                 ("irtt " + fmt_ns(ir)) if irtt_port else "irtt not installed",
                 fmt_ratio(r_ir), "well under irtt (≥ 2×)", verdict_ratio(r_ir, 2.0),
                 fig=measured(A, C if irtt_port else None, higher=False))
        self.note("latency", "udpbench params.clock: `%s`." % clock)
        self.note("latency", "udpbench RTT from summary.rtt_ns.median; sockperf from its "
                  "'percentile 50.000' line%s; irtt from stats.rtt.median." %
                  (" with --full-rtt" if full_rtt else " (one-way ×2)"))

    # ------------------------------------------------ 3. reflector capacity

    def flood_once(self, reflector, sender, seconds, gso=True):
        """One flood of 64-byte probes at a fresh reflector: (replies/s at the sender,
        reflected/s by the reflector's own counter, reflected per CPU-second of the
        reflector)."""
        port = free_udp_port()
        if reflector == "udpbench":
            p = self.start_reflector(port, gso=True)
        else:
            argv = self.pin_server + [os.path.join(self.helpers, "echo_naive"), str(port),
                                      str(int(seconds_of(seconds)) + 30)]
            self.cmd("echo_naive", argv)
            p = self.start_server("echo_naive", argv, port)
        pps = None
        try:
            if sender == "udpbench":
                out = self.path("flood.json")
                extra = ["--summary-only"] if self.features["summary_only"] else []
                if gso and self.features.get("send_gso"):
                    extra += ["--gso"]
                argv = self.pin_client + [self.ub, "--peer", "127.0.0.1:%d" % port] + \
                    self.flood_args() + ["--size", "64", "--duration", seconds] + extra + \
                    ["--json", out, "-q"]
                self.cmd("capacity: udpbench flood", argv)
                if os.path.exists(out):
                    os.unlink(out)
                r = run(argv, 60, self.tmp)
                doc = load_json(out)
                received = get(doc, "summary", "received")
                if received is not None:
                    pps = received / seconds_of(seconds)
                else:
                    self.note("capacity", "udpbench flood at %s failed: %s" % (reflector,
                                                                               r.tail()))
            else:
                argv = self.pin_client + [os.path.join(self.helpers, "flood"), "127.0.0.1",
                                          str(port), str(seconds_of(seconds)), "64"]
                self.cmd("capacity: flood.c", argv)
                r = run(argv, 60, self.tmp)
                f = parse_flood(r.out)
                pps = f["pps"] if f else None
                if f is None:
                    self.note("capacity", "flood at %s failed: %s" % (reflector, r.tail()))
        finally:
            cpu = cpu_seconds(p.pid)
            err = self.procs.stop(p)
        count = parse_counter(err)
        own = count / seconds_of(seconds) if count is not None else None
        per_cpu = count / cpu if count is not None and cpu else None
        return pps, own, per_cpu

    def bench_capacity(self):
        """Each reflector is fed by the udpbench flood sender in both of its modes (one
        datagram at a time, and GSO trains) and keeps its better one: a train's burst
        costs the naive echo replies that the plain mode would have got. The C flooder
        is the cross-check. Replies per CPU-second of the reflector say what it could
        do saturated, when the sender on the other CPU cannot saturate it."""
        sc = self.scale
        use_ub = self.features["rate_max"]
        modes = [("udpbench", True), ("udpbench", False)] if use_ub else [("flood", False)]
        if use_ub and not self.features.get("send_gso"):
            modes = [("udpbench", False)]
        if not use_ub:
            self.note("capacity", "udpbench has no --rate max yet: the C flooder "
                      "tests/perf/flood.c (sendmmsg/recvmmsg, open loop) floods both reflectors.")
        best, best_cpu = {}, {}
        for refl in ("udpbench", "echo_naive"):
            best[refl], best_cpu[refl] = (None, "", []), (None, "", [])
        for sender, gso in modes:
            res = {"udpbench": [], "echo_naive": []}
            cpu = {"udpbench": [], "echo_naive": []}
            name = "udpbench --rate max" + (" --gso" if gso else "") if sender == "udpbench" \
                else "flood.c"
            for rnd in range(sc.rounds):
                for refl in ("udpbench", "echo_naive"):
                    pps, mine, per_cpu = self.flood_once(refl, sender, sc.cap_s, gso)
                    res[refl].append(pps)
                    cpu[refl].append(per_cpu)
                    self.log_round("capacity", "round %d %s -> %s: %s replies/s at the sender, "
                                   "%s by its own counter, %s per CPU-second" %
                                   (rnd + 1, name, refl, fmt_pps(pps), fmt_pps(mine),
                                    fmt_pps(per_cpu)))
            for refl in ("udpbench", "echo_naive"):
                m, c = median(res[refl]), median(cpu[refl])
                self.note("capacity", "%s sender: %s %s replies/s, %s per CPU-second." %
                          (name, refl, fmt_pps(m), fmt_pps(c)))
                if m is not None and (best[refl][0] is None or m > best[refl][0]):
                    best[refl] = (m, name, res[refl])
                if c is not None and (best_cpu[refl][0] is None or c > best_cpu[refl][0]):
                    best_cpu[refl] = (c, name, cpu[refl])
        a, b = best["udpbench"][0], best["echo_naive"][0]
        r = ratio(a, b)
        self.row("reflector capacity, 64 B flood, each with its best sender mode",
                 fmt_pps(a), "echo_naive " + fmt_pps(b), fmt_ratio(r), "≥ 2×",
                 verdict_ratio(r, 2.0), fig=measured(best["udpbench"][2], best["echo_naive"][2]))
        a, b = best_cpu["udpbench"][0], best_cpu["echo_naive"][0]
        r = ratio(a, b)
        self.row("reflector replies per CPU-second of the reflector (same floods)",
                 fmt_pps(a), "echo_naive " + fmt_pps(b), fmt_ratio(r), "≥ 2×",
                 verdict_ratio(r, 2.0),
                 fig=measured(best_cpu["udpbench"][2], best_cpu["echo_naive"][2]))
        self.note("capacity", "best sender mode: udpbench reflect with %s, echo_naive with %s." %
                  (best["udpbench"][1], best["echo_naive"][1]))
        if use_ub:
            res = {"udpbench": [], "echo_naive": []}
            for rnd in range(sc.rounds):
                for refl in ("udpbench", "echo_naive"):
                    pps, mine, per_cpu = self.flood_once(refl, "flood", "%gs" % sc.cross_s)
                    res[refl].append(pps)
                    self.log_round("capacity", "round %d flood.c -> %s: %s replies/s at the "
                                   "sender, %s by its own counter, %s per CPU-second" %
                                   (rnd + 1, refl, fmt_pps(pps), fmt_pps(mine), fmt_pps(per_cpu)))
            a, b = median(res["udpbench"]), median(res["echo_naive"])
            r = ratio(a, b)
            self.row("reflector capacity, 64 B flood (flood.c sender, cross-check)", fmt_pps(a),
                     "echo_naive " + fmt_pps(b), fmt_ratio(r), "≥ 2×", verdict_ratio(r, 2.0),
                     fig=measured(res["udpbench"], res["echo_naive"]))
        self.note("capacity", "pinning: %s." % self.pinning)
        if self.features.get("refl_gso"):
            self.note("capacity", "udpbench reflect runs with `--gso` (replies to one sender "
                      "leave as UDP GSO trains); the CPU time is the reflector process's user "
                      "and system time from /proc, which includes the loopback delivery of "
                      "its replies.")

    # ------------------------------------------------ 4. memory

    def mem_run(self, port, count, csv):
        out = self.path("mem.json")
        argv = self.pin_client + [self.ub, "--peer", "127.0.0.1:%d" % port] + self.flood_args() + \
            ["--count", str(count)]
        if csv:
            argv += ["--csv", self.path("mem.csv")]
        elif self.features["summary_only"]:
            argv += ["--summary-only"]
        argv += ["--json", out, "-q"]
        # GNU time forks the sender from a small C process: wait4 on a child of this
        # Python process would also count the Python pages the child had before exec.
        r = run(["/usr/bin/time", "-f", "maxrss_kb=%M"] + argv, 120, self.tmp)
        m = re.findall(r"maxrss_kb=(\d+)", r.err)
        r.maxrss_kb = int(m[-1]) if m else None
        doc = load_json(out)
        sent = get(doc, "summary", "sent")
        if doc is None:
            self.note("memory", "run of %d probes failed: %s" % (count, r.tail()))
        for name in ("mem.csv", "mem.json"):
            if os.path.exists(self.path(name)):
                os.unlink(self.path(name))
        return argv, r.maxrss_kb if doc is not None or r.rc in (0, 3) else None, sent, r

    def bench_memory(self):
        sc = self.scale
        port = free_udp_port()
        refl = self.start_reflector(port)
        try:
            argv, csv_kb, sent, r = self.mem_run(port, sc.mem_csv, True)
            self.cmd("memory: flood with per-packet CSV", argv)
            self.log_round("memory", "%d probes with CSV: peak RSS %s, sent %s, %.1f s, exit %s"
                           % (sc.mem_csv, fmt_mb(csv_kb), sent, r.elapsed, r.rc))
            small = []
            large = []
            for rnd in range(sc.mem_rounds):
                argv, kb, sent, r = self.mem_run(port, sc.mem_small, False)
                self.cmd("memory: summary only, small", argv)
                small.append(kb)
                self.log_round("memory", "round %d %d probes summary only: peak RSS %s, sent %s, "
                               "exit %s" % (rnd + 1, sc.mem_small, fmt_mb(kb), sent, r.rc))
                argv, kb, sent, r = self.mem_run(port, sc.mem_large, False)
                self.cmd("memory: summary only, large", argv)
                large.append(kb)
                self.log_round("memory", "round %d %d probes summary only: peak RSS %s, sent %s, "
                               "exit %s" % (rnd + 1, sc.mem_large, fmt_mb(kb), sent, r.rc))
        finally:
            self.procs.stop(refl)
        self.row("peak RSS, %s probes flood + per-packet CSV" % f"{sc.mem_csv:,}", fmt_mb(csv_kb),
                 "—", "—", "< 64 MB",
                 "not measured" if csv_kb is None else
                 ("pass" if csv_kb < 64 * 1024 else "short by " + fmt_mb(csv_kb - 64 * 1024)),
                 fig=measured([csv_kb], higher=False))
        s, l = median(small), median(large)
        r = ratio(l, s)
        label = ("--summary-only" if self.features["summary_only"]
                 else "without CSV (no --summary-only yet)")
        self.row("peak RSS %s: %s vs %s probes" % (label, f"{sc.mem_large:,}", f"{sc.mem_small:,}"),
                 fmt_mb(l), "%s probes: %s" % (f"{sc.mem_small:,}", fmt_mb(s)),
                 "%s (large/small)" % fmt_ratio(r), "constant (≤ 1.1×)",
                 "not measured" if r is None else
                 ("pass" if r <= 1.1 else "short by %s (%.2f×)" % (fmt_mb(l - s), r)),
                 fig=measured(large, higher=False))
        self.note("memory", "--summary-only keeps rings of recent probes that fill up to 2^18 "
                  "probes and then stay as they are; the smaller run is past that, so the two "
                  "runs differ only by what grows with the length of a run.")
        self.note("memory", "peak RSS is GNU time's %%M (ru_maxrss of the sender, forked from "
                  "time rather than from this Python process, whose pages a child would count "
                  "until its exec).%s" %
                  ("" if self.features["rate_max"] else
                   " No --rate max yet: the runs use --rate 1000000, which the sender cannot "
                   "keep up with, so it sends flat out too."))

    # ------------------------------------------------ 5. analysis speed

    def bench_analyze(self):
        sc = self.scale
        pcap = self.path("stamp.pcap")
        t0 = time.monotonic()
        packets, n_req, n_rep, rtt = write_stamp_pcap(pcap, sc.pcap_req, sc.pcap_lose)
        self.log_round("analyze", "wrote %d packets (%d requests, %d replies) in %.1f s" %
                       (packets, n_req, n_rep, time.monotonic() - t0))
        have_tshark = self.have("tshark")
        if not have_tshark:
            self.note("analyze", "tshark is not installed: no tshark figures.")
        A, B = [], []
        check = None
        round_s = 0.0
        for rnd in range(sc.rounds):
            left = self.deadline - time.monotonic()
            if rnd > 0 and round_s > left:
                self.note("analyze", "stopped after %d round%s: another (%.0f s) would take the "
                          "bench past its %.0f s budget." % (rnd, "" if rnd == 1 else "s",
                                                             round_s, self.args.budget))
                break
            t_round = time.monotonic()
            out = self.path("analyze.json")
            argv = self.pin_client + [self.ub, "analyze", pcap, "--json", out, "-q"]
            self.cmd("analyze: udpbench", argv)
            if os.path.exists(out):
                os.unlink(out)
            r = run(argv, 120, self.tmp)
            doc = load_json(out)
            A.append(r.elapsed if r.rc == 0 and doc is not None else None)
            if doc is None:
                self.note("analyze", "udpbench analyze failed: %s" % r.tail())
            elif check is None:
                s = get(doc, "summary") or {}
                got = (s.get("sent"), s.get("received"), s.get("lost_down"), s.get("lost_up"),
                       get(s, "rtt_ns", "median"))
                want = (n_req, n_rep, n_req - n_rep, 0, rtt)
                check = (got == want, got, want)
            self.log_round("analyze", "round %d udpbench analyze %s (cpu %s)" %
                           (rnd + 1, fmt_s(A[-1]), fmt_s(r.cpu_s)))
            if have_tshark:
                argv = self.pin_client + ["tshark", "-n", "-r", pcap, "-T", "fields",
                                          "-e", "frame.time_epoch", "-e", "ip.src", "-e", "ip.dst",
                                          "-e", "udp.srcport", "-e", "udp.dstport",
                                          "-e", "udp.payload"]
                self.cmd("analyze: tshark (stdout to /dev/null)", argv)
                r = run(argv, 300, self.tmp, stdout_path=os.devnull)
                B.append(r.elapsed if r.rc == 0 else None)
                if r.rc != 0:
                    self.note("analyze", "tshark failed: %s" % r.tail())
                self.log_round("analyze", "round %d tshark %s (cpu %s)" %
                               (rnd + 1, fmt_s(B[-1]), fmt_s(r.cpu_s)))
            round_s = time.monotonic() - t_round
        os.unlink(pcap)
        a, b = median(A), median(B)
        rr = ratio(b, a)
        self.row("analyze %s-packet STAMP pcap (wall time)" % f"{packets:,}", fmt_s(a),
                 ("tshark -T fields " + fmt_s(b)) if have_tshark else "tshark not installed",
                 fmt_ratio(rr), "≥ 10× faster", verdict_ratio(rr, 10.0),
                 fig=measured(A, B if have_tshark else None, higher=False))
        if check:
            ok, got, want = check
            self.note("analyze", "the capture holds %s packets: %s requests and %s replies "
                      "(one reply in %d lost on the way back), RTT %s each. udpbench analyze "
                      "read sent/received/lost_down/lost_up/rtt median = %s, built in %s: %s." %
                      (f"{packets:,}", f"{n_req:,}", f"{n_rep:,}", sc.pcap_lose, fmt_ns(rtt),
                       got, want, "correct" if ok else "WRONG"))
            if not ok:
                self.rows[-1][5] += "; analyze result WRONG"

    def stamp_pcap(self, path, n_req, lose_every):
        """write_stamp_pcap's capture, written by build/perf/pcap_gen when it is built (the
        same bytes, much faster), else by write_stamp_pcap itself."""
        gen = os.path.join(self.helpers, "pcap_gen")
        if os.access(gen, os.X_OK):
            with open(path, "wb") as f:
                r = subprocess.run([gen, str(n_req), str(lose_every)], stdout=f, timeout=600)
            if r.returncode == 0:
                replies = n_req - (len(range(lose_every // 2, n_req, lose_every))
                                   if lose_every else 0)
                return n_req + replies, n_req, replies, 20_000 - (12_000 - 8_000)
        return write_stamp_pcap(path, n_req, lose_every)

    # ------------------------------------------------ 5b. analysis against the floor

    def bench_analyze_floor(self):
        """udpbench analyze against the least any reader of the file must do: libpcap's own
        read loop (build/perf/pcap_loop), CPU time of each, interleaved rounds, medians."""
        sc = self.scale
        loop = os.path.join(self.helpers, "pcap_loop")
        name = "analyze vs bare libpcap loop (CPU time, ratio)"
        if not os.access(loop, os.X_OK):
            self.note("analyze_floor", "no %s (make %s): not measured." % (loop, "build/perf/pcap_loop"))
            self.row(name, "—", "pcap_loop not built", "n/a", "≤ 3×", "not measured")
            return
        pcap = self.path("floor.pcap")
        packets, n_req, n_rep, rtt = self.stamp_pcap(pcap, sc.pcap_req, sc.pcap_lose)
        out = self.path("floor.json")
        ub_argv = self.pin_client + [self.ub, "analyze", pcap, "--json", out, "-q"]
        sum_argv = ub_argv + ["--summary-only"]
        loop_argv = self.pin_client + [loop, pcap]
        self.cmd("analyze_floor: udpbench", ub_argv)
        self.cmd("analyze_floor: udpbench --summary-only", sum_argv)
        self.cmd("analyze_floor: pcap_loop", loop_argv)
        A, S, L = [], [], []
        want = "packets %d," % packets
        round_s = 0.0
        try:
            for rnd in range(sc.rounds):
                if rnd > 0 and round_s > self.deadline - time.monotonic():
                    self.note("analyze_floor", "stopped after %d round%s: the bench's %.0f s "
                              "budget." % (rnd, "" if rnd == 1 else "s", self.args.budget))
                    break
                t_round = time.monotonic()
                r = run(loop_argv, 120, self.tmp)
                ok = r.rc == 0 and r.out.startswith(want)
                L.append(r.cpu_s if ok else None)
                if not ok:
                    self.note("analyze_floor", "pcap_loop failed: %s" % r.tail())
                for argv, into in ((ub_argv, A), (sum_argv, S)):
                    if os.path.exists(out):
                        os.unlink(out)
                    u = run(argv, 120, self.tmp)
                    doc = load_json(out)
                    s = get(doc, "summary") or {}
                    ok = u.rc == 0 and (s.get("sent"), s.get("received")) == (n_req, n_rep)
                    into.append(u.cpu_s if ok else None)
                    if not ok:
                        self.note("analyze_floor", "udpbench analyze failed or read wrong: %s" %
                                  u.tail())
                self.log_round("analyze_floor", "round %d pcap_loop cpu %s, analyze cpu %s, "
                               "analyze --summary-only cpu %s" %
                               (rnd + 1, fmt_s(L[-1]), fmt_s(A[-1]), fmt_s(S[-1])))
                round_s = time.monotonic() - t_round
        finally:
            os.unlink(pcap)
        b = median(L)
        for label, runs in ((name, A), (name.replace("analyze", "analyze --summary-only", 1), S)):
            a = median(runs)
            rr = ratio(a, b)
            self.row(label, fmt_s(a), "pcap_loop " + fmt_s(b), fmt_ratio(rr), "≤ 3×",
                     verdict_at_most(rr, 3.0, lambda x: "%.2f×" % x),
                     fig=measured(runs, L, higher=False))
        self.note("analyze_floor", "the same %s-packet STAMP capture as the analyze row; "
                  "pcap_loop is pcap_next_ex over every record, summing each packet's bytes once. "
                  "The ratio here is analyze's CPU time over the loop's (lower is better)." %
                  f"{packets:,}")

    # ------------------------------------------------ 5c. memory of analysis

    def analyze_rss(self, pcap, extra):
        """Peak RSS (kB, GNU time's %M) and CPU time of one analyze of pcap, with its summary."""
        out = self.path("big.json")
        argv = self.pin_client + [self.ub, "analyze", pcap, "--json", out, "-q"] + extra
        self.cmd("analyze_memory: udpbench %s" % " ".join(extra), argv)
        if os.path.exists(out):
            os.unlink(out)
        r = run(["/usr/bin/time", "-f", "maxrss_kb=%M"] + argv, 600, self.tmp)
        m = re.findall(r"maxrss_kb=(\d+)", r.err)
        doc = load_json(out)
        if doc is None:
            self.note("analyze_memory", "analyze %s failed: %s" % (" ".join(extra), r.tail()))
        return (int(m[-1]) if m and doc is not None else None), r.cpu_s, get(doc, "summary")

    def bench_analyze_memory(self):
        """Peak RSS of analyze over a ten-million-packet capture: --summary-only against
        its 64 MB target, and what the exact mode costs per request."""
        sc = self.scale
        pcap = self.path("big.pcap")
        packets, n_req, n_rep, rtt = self.stamp_pcap(pcap, sc.pcap_big, sc.pcap_lose)
        try:
            kb, cpu, s = self.analyze_rss(pcap, ["--summary-only"])
            ok = s is not None and (s.get("sent"), s.get("received"),
                                    get(s, "rtt_ns", "median")) == (n_req, n_rep, rtt)
            self.log_round("analyze_memory", "%s packets --summary-only: peak RSS %s, cpu %s, %s"
                           % (f"{packets:,}", fmt_mb(kb), fmt_s(cpu),
                              "figures correct" if ok else "figures WRONG: %s" % s))
            big_kb, big_cpu, _ = self.analyze_rss(pcap, [])
            self.log_round("analyze_memory", "%s packets exact: peak RSS %s, cpu %s" %
                           (f"{packets:,}", fmt_mb(big_kb), fmt_s(big_cpu)))
        finally:
            os.unlink(pcap)
        self.row("peak RSS, analyze --summary-only, %s-packet capture" % f"{packets:,}",
                 fmt_mb(kb), "—", "—", "≤ 64 MB",
                 "not measured" if kb is None else
                 ("pass" if kb <= 64 * 1024 and ok else
                  "figures wrong" if not ok else "short by " + fmt_mb(kb - 64 * 1024)),
                 fig=measured([kb], higher=False))
        if big_kb is not None:
            self.note("analyze_memory", "the same capture without --summary-only (every probe and "
                      "reply kept, exact percentiles) peaks at %s: %.0f bytes per request." %
                      (fmt_mb(big_kb), big_kb * 1024.0 / n_req))
        self.note("analyze_memory", "the capture is tests/perf/pcap_gen's (the analyze rows' "
                  "layout): %s requests, one reply in %d lost, read from a file; peak RSS is GNU "
                  "time's %%M." % (f"{n_req:,}", sc.pcap_lose))

    # ------------------------------------------------ 6. hot path

    def callgrind(self, side, count, out_file):
        """One run under callgrind: (total Ir, probes, annotate text)."""
        vg = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out_file]
        port = free_udp_port()
        sender = [self.ub, "--peer", "127.0.0.1:%d" % port, "-c", str(count), "-i", "100us",
                  "--json", self.path("cg.json"), "-q"]
        if side == "sender":
            refl = self.start_reflector(port)
            try:
                argv = self.pin_client + vg + sender
                self.cmd("hot path: sender under callgrind", argv)
                r = run(argv, 120, self.tmp)
            finally:
                self.procs.stop(refl)
            probes = get(load_json(self.path("cg.json")), "summary", "sent")
        else:
            refl = self.start_reflector(port, valgrind=vg)
            self.cmd("hot path: reflector under callgrind", self.pin_server + vg +
                     [self.ub, "reflect", "-b", "127.0.0.1", "-p", str(port), "--no-tcp", "-q"] +
                     (["--max-rate", "0"] if self.features.get("refl_max_rate") else []))
            try:
                argv = self.pin_client + sender
                self.cmd("hot path: sender for the reflector", argv)
                r = run(argv, 120, self.tmp)
            finally:
                err = self.procs.stop(refl, timeout=60)
            probes = parse_counter(err)
        text = read_text(out_file)
        total = parse_callgrind_total(text)
        return total, probes, r

    def bench_hotpath(self):
        if not self.have("valgrind"):
            self.note("hotpath", "valgrind is not installed: no hot-path figures.")
            return
        sc = self.scale
        for side in ("sender", "reflector"):
            runs = {}
            for count in (sc.cg_small, sc.cg_large):
                out_file = self.path("callgrind.%s.%d" % (side, count))
                total, probes, r = self.callgrind(side, count, out_file)
                runs[count] = (total, probes, out_file)
                self.log_round("hotpath", "%s, %d probes: Ir %s, probes %s" %
                               (side, count, total, probes))
            total, probes, out_file = runs[sc.cg_large]
            small_total, small_probes, _ = runs[sc.cg_small]
            per = ratio(total, probes)
            marginal = None
            if None not in (total, probes, small_total, small_probes) and probes != small_probes:
                marginal = (total - small_total) / (probes - small_probes)
            top = []
            if self.have("callgrind_annotate") and total:
                a = run(["callgrind_annotate", "--inclusive=yes", out_file], 60, self.tmp)
                top = parse_callgrind_top(a.out, total)
            self.hotpath.append({"side": side, "probes": probes, "total": total, "per": per,
                                 "marginal": marginal, "top": top,
                                 "small": (small_total, small_probes)})
            self.row("hot path: %s instructions per probe (callgrind)" % side,
                     "%s Ir (%s with start-up)" % (
                         "n/a" if marginal is None else "%.0f" % marginal,
                         "n/a" if per is None else "%.0f" % per),
                     "—", "—", "—", "info" if per is not None else "not measured",
                     fig=measured([marginal], higher=False))

    # ------------------------------------------------ output

    def table(self):
        head = ["comparison", "udpbench (median)", "peer (median)", "ratio", "target", "verdict"]
        rows = [head] + self.rows
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = []
        for n, r in enumerate(rows):
            lines.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def markdown(self, started, elapsed):
        head = ["comparison", "udpbench (median)", "peer (median)", "ratio", "target", "verdict"]
        md = ["# udpbench performance bench (`make bench`)", ""]
        md.append("Written by `tests/perf/bench.py`; everything on loopback; %d interleaved "
                  "round%s per comparison (A B A B …), medians shown." %
                  (self.scale.rounds, "" if self.scale.rounds == 1 else "s"))
        if self.args.smoke:
            md.append("")
            md.append("**Smoke run** (short durations, small counts): the figures only show that "
                      "the harness works.")
        md += ["", "## Machine", ""]
        md.append("- date: %s (bench took %.0f s: %s)" % (
            started, elapsed, ", ".join("%s %.0f s" % kv for kv in self.section_s.items())))
        md.append("- CPUs (nproc): %d" % (os.cpu_count() or 0))
        md.append("- CPU model: %s" % cpu_model())
        md.append("- kernel: %s" % os.uname().release)
        md.append("- udpbench: %s (%s)" % (udpbench_version(self.ub, self.tmp),
                                            git_describe(os.path.dirname(self.ub_src))))
        md.append("- peers: %s" % ", ".join(tool_versions(self.tmp)))
        md.append("- pinning: %s" % self.pinning)
        md.append("- load average (1/5/15 min) at the start: %s; at the end: %s" %
                  (self.load_start, loadavg()))
        steal = steal_seconds()
        if steal is not None and self.steal_start is not None:
            md.append("- CPU time the hypervisor took from this machine during the bench "
                      "(steal): %.1f s" % (steal - self.steal_start))
        # Only the load before the bench tells of other work: the bench itself loads both CPUs.
        first = self.load_start.split()[0] if self.load_start != "unknown" else "0"
        busy = float(first) if re.fullmatch(r"[0-9.]+", first) else 0.0
        if busy > 0.5 * (os.cpu_count() or 1):
            md.append("- **the machine was busy with other work during the bench**: the figures "
                      "that hang on timing (schedule, latency, capacity) are pessimistic; run "
                      "`make bench` on an idle machine for the real ones.")
        md += ["", "## Results", ""]
        md.append("| " + " | ".join(head) + " |")
        md.append("|" + "---|" * len(head))
        for r in self.rows:
            md.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
        md.append("")
        md.append("Ratio: how many times better udpbench is than the peer (peer/udpbench for "
                  "times and lateness, udpbench/peer for rates and shares); above 1× udpbench "
                  "is ahead. Memory rows compare udpbench with itself.")
        for section, title in (("general", "General"), ("schedule", "1. Schedule fidelity"),
                               ("latency", "2. Self-latency"),
                               ("capacity", "3. Reflector capacity"),
                               ("memory", "4. Memory"), ("analyze", "5. Analysis speed"),
                               ("analyze_floor", "5b. Analysis against the libpcap floor"),
                               ("analyze_memory", "5c. Memory of analysis")):
            if self.notes.get(section) or self.rounds_log.get(section):
                md += ["", "### " + title, ""]
                for n in self.notes.get(section, []):
                    md.append("- " + n)
                if self.rounds_log.get(section):
                    md.append("")
                    md.append("Rounds, in the order they ran:")
                    md.append("")
                    md.append("```")
                    md += self.rounds_log[section]
                    md.append("```")
        md += ["", "## Hot path cost per probe", ""]
        md.append("Instructions (Ir) that valgrind's callgrind counts in user space: the "
                  "kernel's share of each send and receive is not in them. The sender sends "
                  "every 100 µs so each probe is answered; the reflector answers a sender that "
                  "runs outside valgrind. The marginal figure, the difference between a small "
                  "and a large run per extra probe, leaves out start-up (the dynamic loader, "
                  "sockets) and is the hot path proper.")
        md.append("")
        if not self.hotpath:
            md += self.notes.get("hotpath", ["not measured"])
        for h in self.hotpath:
            md.append("**%s** (valgrind --tool=callgrind): %s instructions over %s probes = "
                      "**%s Ir per probe** with start-up and the final summary included; "
                      "marginal cost from a %s-probe run (%s Ir) = **%s Ir per probe**." %
                      (h["side"], fmt_int(h["total"]), fmt_int(h["probes"]),
                       "n/a" if h["per"] is None else "%.0f" % h["per"],
                       fmt_int(h["small"][1]), fmt_int(h["small"][0]),
                       "n/a" if h["marginal"] is None else "%.0f" % h["marginal"]))
            md.append("")
            if h["top"]:
                md.append("| top 5 by inclusive Ir | Ir | share | file |")
                md.append("|---|---|---|---|")
                for ir, func, where in h["top"]:
                    md.append("| `%s` | %s | %.1f %% | %s |" %
                              (func, fmt_int(ir), 100.0 * ir / h["total"],
                               os.path.relpath(where) if where.startswith("/") else where))
                md.append("")
        if self.rounds_log.get("hotpath"):
            md += ["```"] + self.rounds_log["hotpath"] + ["```"]
        md += profiles_section(PROFILES)
        md += ["", "## Commands", "",
               "Each kind of command as it ran (ports and temporary paths differ per run):", ""]
        md.append("```")
        for kind, c in self.commands.items():
            md.append("# " + kind)
            md.append(c.replace(self.ub, self.ub_src).replace(self.tmp, "$TMP"))
        md.append("```")
        return "\n".join(md) + "\n"


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def fmt_int(x):
    return "n/a" if x is None else f"{x:,}"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def udpbench_version(ub, tmp):
    r = run([ub, "--version"], 10, tmp)
    text = (r.out or r.err).strip().splitlines()
    return text[0] if text else "unknown"


def git_describe(where):
    """The commit the binary was built from, '+ local changes' when the tree differs."""
    try:
        rev = subprocess.run(["git", "-C", where, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", where, "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True,
                               timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "no git"
    if rev.returncode != 0:
        return "no git"
    return "commit " + rev.stdout.strip() + (" + local changes" if dirty.stdout.strip() else "")


def tool_versions(tmp):
    out = []
    for pkg in ("irtt", "sockperf", "tshark", "valgrind"):
        if shutil.which("dpkg-query"):
            r = run(["dpkg-query", "-W", "-f=${Version}", pkg], 10, tmp)
            out.append("%s %s" % (pkg, r.out.strip() if r.rc == 0 and r.out.strip()
                                  else "(not installed)"))
        else:
            out.append("%s %s" % (pkg, "present" if shutil.which(pkg) else "(not installed)"))
    return out


SECTIONS = ("schedule", "latency", "capacity", "memory", "hotpath", "analyze",
            "analyze_floor", "analyze_memory")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--udpbench", default="./udpbench", help="the udpbench binary")
    ap.add_argument("--helpers", default="build/perf",
                    help="folder of echo_naive, flood, pcap_loop and pcap_gen")
    ap.add_argument("--results", default="tests/perf/RESULTS.md",
                    help="Markdown file to write ('' for none)")
    ap.add_argument("--rounds", type=int, default=0, help="rounds per comparison (default 3)")
    ap.add_argument("--only", default="", help="comma-separated sections: " + ",".join(SECTIONS))
    ap.add_argument("--smoke", action="store_true", help="short runs that only test the harness")
    ap.add_argument("--no-pin", action="store_true", help="no taskset pinning")
    ap.add_argument("--budget", type=float, default=285.0,
                    help="seconds the whole bench may take: the analysis rounds, which run last "
                         "and are the slowest, stop early rather than pass it (default 285)")
    ap.add_argument("-q", "--quiet", action="store_true", help="no per-round lines")
    ap.add_argument("--previous", default=None,
                    help="results of an earlier run to flag regressions against (default: the "
                         "--results file, read before it is overwritten)")
    ap.add_argument("--fail-on-regression", action="store_true",
                    help="exit 1 when a row regressed beyond the noise of either run")
    args = ap.parse_args(argv)
    args.udpbench = os.path.abspath(args.udpbench)
    args.helpers = os.path.abspath(args.helpers)
    only = [s for s in args.only.split(",") if s] or list(SECTIONS)
    for s in only:
        if s not in SECTIONS:
            ap.error("unknown section %s" % s)
    if not os.access(args.udpbench, os.X_OK):
        ap.error("no udpbench binary at %s (make udpbench)" % args.udpbench)

    previous_path = args.results if args.previous is None else args.previous
    previous = (None, None, "no previous figures to compare") if not previous_path \
        else read_previous(previous_path)
    b = Bench(args)
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    t0 = time.monotonic()
    failed = []
    try:
        b.detect()
        for s in only:
            if not args.quiet:
                print("bench: %s" % s, flush=True)
            t_sec = time.monotonic()
            try:
                getattr(b, "bench_" + s)()
            except (RuntimeError, OSError) as e:
                failed.append(s)
                b.note("general", "%s did not run: %s" % (s, e))
                b.row(s, "error", "—", "—", "—", "not measured")
            b.section_s[s] = time.monotonic() - t_sec
        elapsed = time.monotonic() - t0
        compared, summary = compare_runs(b.records(), *previous, args.smoke)
        b.mark_regressions(compared)
        print()
        print(b.table())
        print("\nratio: times better than the peer (>1× = udpbench ahead); bench took %.0f s" %
              elapsed)
        print("bench: " + summary)
        if args.results:
            with open(args.results, "w") as f:
                f.write(with_comparison(b.markdown(started, elapsed), summary, compared,
                                        b.records(), args.smoke))
            print("wrote %s" % args.results)
    finally:
        b.procs.stop_all()
        shutil.rmtree(b.tmp, ignore_errors=True)
    return exit_status(failed, compared, args.fail_on_regression)


if __name__ == "__main__":
    sys.exit(main())
