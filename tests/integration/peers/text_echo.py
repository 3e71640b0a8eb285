#!/usr/bin/python3
"""Text UDP echo in the style of a classroom socket exercise.

Each datagram is decoded as UTF-8 and the decoded text is re-encoded and
sent back. Binary payloads (such as STAMP packets carrying NTP timestamps)
usually fail to decode: the traceback is logged to stderr, the datagram is
counted and dropped, and the server keeps serving.

Usage: text_echo.py --bind ADDR --port N [--ready-file F] [--max-seconds S]
At exit prints one JSON line: {"received":N,"decode_errors":N}.
"""

import argparse
import socket
import sys
import traceback

import peercommon as pc

PROG = "text_echo"


def handle(sock, data, addr):
    text = data.decode('utf-8')
    sock.sendto(text.encode('utf-8'), addr)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="text_echo.py",
                                     description=__doc__.splitlines()[0])
    pc.add_server_args(parser)
    args = parser.parse_args(argv)

    stop = pc.StopFlag(args.max_seconds)
    sock = pc.bound_udp_socket(args.bind, args.port)
    pc.write_ready_file(args.ready_file, sock.getsockname()[1])

    received = decode_errors = 0
    try:
        while not stop.should_stop():
            sock.settimeout(max(0.001, min(pc.POLL_SECONDS, stop.remaining())))
            try:
                data, addr = sock.recvfrom(65535)
            except socket.timeout:
                continue
            except InterruptedError:
                continue
            received += 1
            try:
                handle(sock, data, addr)
            except UnicodeDecodeError:
                decode_errors += 1
                sys.stderr.write("%s: error handling datagram from %r\n"
                                 % (PROG, addr))
                traceback.print_exc(file=sys.stderr)
                sys.stderr.flush()
            except OSError as exc:
                pc.log(PROG, "sendto %r failed: %s" % (addr, exc))
    finally:
        sock.close()
        pc.emit_json({"received": received, "decode_errors": decode_errors})
    return 0


if __name__ == "__main__":
    sys.exit(main())
