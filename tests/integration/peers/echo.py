#!/usr/bin/python3
"""Verbatim UDP echo: every datagram goes back, byte for byte, to its source.

Usage: echo.py --bind ADDR --port N [--ready-file F] [--max-seconds S]
At exit prints one JSON line: {"received":N,"echoed":N,"send_errors":N}.
"""

import argparse
import socket
import sys

import peercommon as pc

PROG = "echo"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="echo.py", description=__doc__.splitlines()[0])
    pc.add_server_args(parser)
    args = parser.parse_args(argv)

    stop = pc.StopFlag(args.max_seconds)
    sock = pc.bound_udp_socket(args.bind, args.port)
    pc.write_ready_file(args.ready_file, sock.getsockname()[1])

    received = echoed = send_errors = 0
    try:
        while not stop.should_stop():
            sock.settimeout(max(0.001, min(pc.POLL_SECONDS, stop.remaining())))
            try:
                data, src = sock.recvfrom(65535)
            except socket.timeout:
                continue
            except InterruptedError:
                continue
            received += 1
            try:
                sock.sendto(data, src)
                echoed += 1
            except OSError as exc:
                send_errors += 1
                pc.log(PROG, "sendto %r failed: %s" % (src, exc))
    finally:
        sock.close()
        pc.emit_json({"received": received, "echoed": echoed,
                      "send_errors": send_errors})
    return 0


if __name__ == "__main__":
    sys.exit(main())
