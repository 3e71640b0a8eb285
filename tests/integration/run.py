#!/usr/bin/env python3
"""Runs every integration test (tests/integration/test_*.py, functions test_*)
in definition order and prints one line per test, then a tally.

    run.py [-j N] [FILTER...]

With -j N (default: UB_TEST_JOBS, else 1) up to N test files run at once, each
in a process of its own; a file's lines are printed together when it ends.
A file that says `SERIAL = True` measures something a busy machine would
disturb: it runs alone, after the others. Tests inside one file always run
one after another, in the order they are defined."""

import importlib.util
import inspect
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402

TALLY = re.compile(r"^integration: (\d+) passed, (\d+) failed, (\d+) skipped$", re.M)


def test_files():
    return sorted(n for n in os.listdir(HERE) if n.startswith("test_") and n.endswith(".py"))


def run_file(name, only):
    """Runs one file's tests here; returns (passed, failed, skipped)."""
    passed = failed = skipped = 0
    spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(HERE, name))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    tests = [(n, f) for n, f in vars(mod).items()
             if n.startswith("test_") and inspect.isfunction(f)]
    tests.sort(key=lambda t: t[1].__code__.co_firstlineno)
    for tname, fn in tests:
        full = "%s.%s" % (name[:-3], tname)
        if only and not any(o in full for o in only):
            continue
        t0 = time.monotonic()
        # a browser's helper processes may still write into tmp as it goes: never fatal
        with tempfile.TemporaryDirectory(prefix="ub-it-", ignore_cleanup_errors=True) as tmp:
            try:
                fn(tmp)
                status, why = "PASS", ""
            except harness.Skip as exc:
                status, why = "SKIP", str(exc)
            except AssertionError as exc:
                status, why = "FAIL", str(exc) or traceback.format_exc()
            except Exception:
                status, why = "FAIL", traceback.format_exc()
            finally:
                harness.cleanup()
        line = "%-4s %s (%.1fs)" % (status, full, time.monotonic() - t0)
        if why:
            line += ": " + why.strip().replace("\n", "\n      ")
        print(line, flush=True)
        if status == "PASS":
            passed += 1
        elif status == "FAIL":
            failed += 1
        else:
            skipped += 1
    return passed, failed, skipped


def is_serial(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return re.search(r"^SERIAL = True$", f.read(), re.M) is not None


def run_parallel(files, only, jobs):
    """Runs files in up to `jobs` child processes; returns the summed tally."""
    # the longest files first, so that no long one starts last (size is a fair guess of length)
    queue = sorted(files, key=lambda n: -os.path.getsize(os.path.join(HERE, n)))
    running = {}
    total = [0, 0, 0]
    while queue or running:
        while queue and len(running) < jobs:
            name = queue.pop(0)
            out = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")
            argv = [sys.executable, os.path.abspath(__file__), "--file", name] + only
            running[subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)] = (name, out)
        pid, _ = os.wait()
        done = next(p for p in running if p.pid == pid)
        done.returncode = 0
        name, out = running.pop(done)
        out.seek(0)
        text = out.read()
        out.close()
        m = TALLY.search(text)
        sys.stdout.write(TALLY.sub("", text).rstrip("\n") + "\n" if text.strip() else "")
        if m is None:
            print("FAIL %s: its process ended without a tally" % name[:-3])
            total[1] += 1
            continue
        for i in range(3):
            total[i] += int(m.group(i + 1))
        sys.stdout.flush()
    return total


def main():
    args = sys.argv[1:]
    jobs = int(os.environ.get("UB_TEST_JOBS", "1") or 1)
    if args[:1] == ["--file"]:
        p, f, s = run_file(args[1], args[2:])
        print("integration: %d passed, %d failed, %d skipped" % (p, f, s))
        return 0
    if args[:1] == ["-j"]:
        jobs, args = int(args[1]), args[2:]
    only = args
    total = [0, 0, 0]
    files = test_files()
    if jobs > 1:
        serial = [n for n in files if is_serial(n)]
        total = run_parallel([n for n in files if n not in serial], only, jobs)
        files = serial
    for name in files:
        for i, v in enumerate(run_file(name, only)):
            total[i] += v
    print("integration: %d passed, %d failed, %d skipped" % tuple(total))
    return 1 if total[1] else 0


if __name__ == "__main__":
    sys.exit(main())
