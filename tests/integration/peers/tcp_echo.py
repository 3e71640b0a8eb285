#!/usr/bin/python3
"""Framed TCP echo: messages of a 16-bit big-endian length and that many
octets, each sent back whole, --hold-ms after it arrived.

Usage: tcp_echo.py --bind ADDR --port N [--hold-ms D] [--mark N]
                   [--ready-file F] [--max-seconds S]
One connection at a time. With --mark N it prints "mark N" on stdout once N
messages have come. At exit prints one JSON line:
{"received":N,"echoed":N,"connections":N}.
"""

import argparse
import heapq
import select
import socket
import struct
import time

import peercommon as pc

PROG = "tcp_echo"


def frames(buf):
    """Splits whole messages off the front of buf; returns (messages, rest)."""
    out = []
    while len(buf) >= 2:
        (n,) = struct.unpack_from("!H", buf, 0)
        if len(buf) < 2 + n:
            break
        out.append(bytes(buf[:2 + n]))
        buf = buf[2 + n:]
    return out, buf


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tcp_echo.py", description=__doc__.splitlines()[0])
    pc.add_server_args(parser)
    parser.add_argument("--hold-ms", type=float, default=0.0)
    parser.add_argument("--mark", type=int, default=0)
    args = parser.parse_args(argv)

    stop = pc.StopFlag(args.max_seconds)
    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    lsock = socket.socket(family, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((args.bind, args.port))
    lsock.listen(4)
    pc.write_ready_file(args.ready_file, lsock.getsockname()[1])

    hold = args.hold_ms / 1000.0
    received = echoed = connections = 0
    conn = None
    buf = b""
    due = []  # (when, order, frame): echoes waiting for their time
    order = 0
    while not stop.should_stop():
        now = time.monotonic()
        while due and due[0][0] <= now and conn is not None:
            _, _, frame = heapq.heappop(due)
            try:
                conn.sendall(frame)
                echoed += 1
            except OSError:
                break
        wait = min(pc.POLL_SECONDS, max(0.0, stop.remaining()))
        if due:
            wait = max(0.0, min(wait, due[0][0] - time.monotonic()))
        rd = [lsock] if conn is None else [conn]
        try:
            ready, _, _ = select.select(rd, [], [], wait)
        except InterruptedError:
            continue
        if not ready:
            continue
        if conn is None:
            conn, _ = lsock.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connections += 1
            buf = b""
            continue
        try:
            chunk = conn.recv(65536)
        except OSError:
            chunk = b""
        if not chunk:
            conn.close()
            conn = None
            due = []
            continue
        arrived = time.monotonic()
        msgs, buf = frames(buf + chunk)
        for m in msgs:
            received += 1
            order += 1
            heapq.heappush(due, (arrived + hold, order, m))
            if received == args.mark:
                print("mark %d" % received, flush=True)
    pc.emit_json({"received": received, "echoed": echoed, "connections": connections})


if __name__ == "__main__":
    main()
