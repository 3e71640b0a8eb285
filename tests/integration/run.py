#!/usr/bin/env python3
"""Runs every integration test (tests/integration/test_*.py, functions test_*)
in definition order and prints one line per test, then a tally."""

import importlib.util
import inspect
import os
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402


def main():
    only = sys.argv[1:]
    passed = failed = skipped = 0
    for name in sorted(os.listdir(HERE)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
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
            dt = time.monotonic() - t0
            line = "%-4s %s (%.1fs)" % (status, full, dt)
            if why:
                line += ": " + why.strip().replace("\n", "\n      ")
            print(line, flush=True)
            if status == "PASS":
                passed += 1
            elif status == "FAIL":
                failed += 1
            else:
                skipped += 1
    print("integration: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
