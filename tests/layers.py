#!/usr/bin/env python3
"""make layers: each folder of the program includes only folders below it.

The layers, from the ground up (DESIGN.md): bench/lib, bench/stamp,
bench/metrics, capture, then bench/send, bench/reflect and bench/relay side
by side (none includes another), reports and bench/live (the live page's
server) side by side, scenarios, and bench/cmd on top.
Includes name their folder ("stamp/proto.h", "capture/capture.h"), from the
include roots bench/ and the checkout. Prints every include that reaches
up or sideways, with its file and line, and exits 1 when there is one."""

import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
LAYERS = [
    ("bench/lib",),
    ("bench/stamp",),
    ("bench/metrics",),
    ("capture",),
    ("bench/send", "bench/reflect", "bench/relay"),
    ("reports", "bench/live"),
    ("scenarios",),
    ("bench/cmd",),
]
LEVEL = {folder: i for i, group in enumerate(LAYERS) for folder in group}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def folder_of(include):
    """The program folder an include names, from either root; None for a system or local header."""
    for root in ("bench", ""):
        path = os.path.normpath(os.path.join(ROOT, root, include))
        rel = os.path.relpath(os.path.dirname(path), ROOT)
        if os.path.exists(path) and rel in LEVEL:
            return rel
    return None


def main():
    bad = []
    for folder in LEVEL:
        for name in sorted(os.listdir(os.path.join(ROOT, folder))):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(folder, name)
            with open(os.path.join(ROOT, path), encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    if "/" not in m.group(1):
                        bad.append("%s:%d: #include \"%s\" names no folder" % (path, n, m.group(1)))
                        continue
                    to = folder_of(m.group(1))
                    if to is None or to == folder:
                        continue
                    if LEVEL[to] >= LEVEL[folder]:
                        how = "sideways" if LEVEL[to] == LEVEL[folder] else "up"
                        bad.append("%s:%d: #include \"%s\" reaches %s from %s to %s"
                                   % (path, n, m.group(1), how, folder, to))
    for b in bad:
        print("layers: " + b)
    print("layers: %s" % ("%d includes out of order" % len(bad) if bad else "every include points down"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
