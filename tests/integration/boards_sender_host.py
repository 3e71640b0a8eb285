#!/usr/bin/env python3
"""Runs peers/mpython/sender.py under CPython as the board would: the stand-ins
from boards_standins/ for mpython, network and machine, MicroPython's ticks
functions (wrapping at 2^30, close to the wrap at the start), and the script's
own folder first on the import path, so a udpbench_config.py beside it is read.
The script runs unmodified and prints its own `udpbench:` line; after it, one
JSON line with the screens shown and how many rectangles were drawn.
"""

import argparse
import importlib.util
import json
import os
import signal
import sys

from boards_mpython_host import STANDINS, install_ticks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True)
    ap.add_argument("--wrap-after", type=float, default=0.5,
                    help="seconds until ticks_us and ticks_ms wrap")
    ap.add_argument("--max-seconds", type=float, default=60.0)
    args = ap.parse_args()

    sys.stdout.reconfigure(line_buffering=True)
    install_ticks(args.wrap_after)
    sys.path.insert(0, STANDINS)
    sys.path.insert(0, os.path.dirname(os.path.abspath(args.script)))
    import time  # noqa: E402  (with the ticks functions now)
    import mpython  # noqa: E402

    mpython.button_a.deadline_ms = time.ticks_add(time.ticks_ms(), int(args.max_seconds * 1000))
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: mpython.button_a.press())

    spec = importlib.util.spec_from_file_location("board_sender", args.script)
    board = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(board)
    # Tests send only to loopback: the shipped PEER is a classroom address,
    # so a config file that was not read stops the run here.
    if not (board.PEER.startswith("127.") or board.PEER == "::1"):
        print("boards_sender_host: PEER %s is not a loopback address" % board.PEER)
        return 3
    res = board.main()
    print(json.dumps({"result": res, "shows": mpython.oled.shows,
                      "rects": getattr(mpython.oled, "rects", 0)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
