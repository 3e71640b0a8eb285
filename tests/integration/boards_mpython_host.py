#!/usr/bin/env python3
"""Runs peers/mpython/main.py under CPython: real sockets, and stand-ins only
for what the board has and CPython lacks (the mpython, network and machine
modules from boards_standins/, and time.ticks_*). ticks_us and ticks_ms wrap
at 2^30 as on the ESP32, and start close to the wrap so that a run crosses it.

The script's folder goes first on the import path, as on the board, so a
udpbench_config.py beside it is read; --settings-from-script then keeps the
PORT and BIND it set instead of the test's.

Button A (the stand-in) is pressed by SIGTERM or SIGINT, or when
--max-seconds have passed, so the script always ends. At the end one JSON line
goes to stdout: the counters main() returned, the screens shown, what the
script asked of the network interfaces, and the CPU frequency it set.
"""

import argparse
import importlib.util
import json
import os
import signal
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STANDINS = os.path.join(HERE, "boards_standins")
TICKS_PERIOD = 1 << 30


def install_ticks(wrap_after_s):
    """Adds MicroPython's ticks functions to CPython's time module."""
    origin = time.monotonic()
    mask = TICKS_PERIOD - 1
    half = TICKS_PERIOD // 2
    us0 = TICKS_PERIOD - int(wrap_after_s * 1e6)
    ms0 = TICKS_PERIOD - int(wrap_after_s * 1e3)

    def ticks_us():
        return (us0 + int((time.monotonic() - origin) * 1e6)) & mask

    def ticks_ms():
        return (ms0 + int((time.monotonic() - origin) * 1e3)) & mask

    def ticks_diff(a, b):
        return ((a - b + half) & mask) - half

    def ticks_add(t, delta):
        return (t + delta) & mask

    def sleep_ms(ms):
        time.sleep(ms / 1000.0)

    def sleep_us(us):
        time.sleep(us / 1e6)

    print("ticks wrap at monotonic %.6f" % (origin + wrap_after_s))
    time.ticks_us = ticks_us
    time.ticks_ms = ticks_ms
    time.ticks_diff = ticks_diff
    time.ticks_add = ticks_add
    time.sleep_ms = sleep_ms
    time.sleep_us = sleep_us


def port_free_for_both(bind):
    """A port whose UDP and TCP sides are both free on bind: the board's PORT is
    fixed, so main.py does not pick again when the TCP twin of a port the
    kernel chose for UDP is taken, as it can be on a busy test machine."""
    for _ in range(32):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            u.bind((bind, 0))
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            t.bind((bind, u.getsockname()[1]))
            return u.getsockname()[1]
        except OSError:
            continue
        finally:
            u.close()
            t.close()
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--wifi-ssid", default=None, help="station mode instead of AP mode")
    ap.add_argument("--address", default=None, help="the board's address as network reports it")
    ap.add_argument("--netmask", default=None)
    ap.add_argument("--name", default=None, help="the script's NAME setting")
    ap.add_argument("--screen-every-ms", type=int, default=None)
    ap.add_argument("--wrap-after", type=float, default=0.5,
                    help="seconds until ticks_us and ticks_ms wrap")
    ap.add_argument("--max-seconds", type=float, default=60.0)
    ap.add_argument("--settings-from-script", action="store_true",
                    help="keep the script's own PORT and BIND (and its udpbench_config.py)")
    args = ap.parse_args()

    sys.stdout.reconfigure(line_buffering=True)
    install_ticks(args.wrap_after)
    sys.path.insert(0, STANDINS)
    import machine  # noqa: E402  (the stand-ins)
    import mpython  # noqa: E402
    import network  # noqa: E402

    mpython.oled.echo = lambda rows: print("oled: " + " | ".join(rows))
    mpython.button_a.deadline_ms = time.ticks_add(time.ticks_ms(), int(args.max_seconds * 1000))
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: mpython.button_a.press())

    # On the board main.py's folder is on the import path: udpbench_config.py beside it is found.
    sys.path.insert(0, os.path.dirname(os.path.abspath(args.script)))
    spec = importlib.util.spec_from_file_location("board_main", args.script)
    board = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(board)
    if not args.settings_from_script:
        board.BIND = args.bind
        board.PORT = args.port or port_free_for_both(args.bind)
    if args.address is not None:
        network.ADDRESS = args.address
    if args.netmask is not None:
        network.NETMASK = args.netmask
    if args.name is not None:
        board.NAME = args.name
    if args.wifi_ssid is not None:
        board.WIFI_SSID = args.wifi_ssid
    if args.screen_every_ms is not None:
        board.SCREEN_EVERY_MS = args.screen_every_ms
    counts = board.main()

    print(json.dumps({
        "counts": counts,
        "shows": mpython.oled.shows,
        "drawn": mpython.oled.drawn,
        "button_reads": mpython.button_a.reads,
        "ifaces": {str(k): {"active": v.is_active, "joined": v.joined, "settings": v.settings}
                   for k, v in network.ifaces.items()},
        "cpu_hz": machine.freq(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
