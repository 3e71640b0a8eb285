"""What the tests wrap around a classroom script, and nothing more.

The scripts beside this file are written the way a UDP tutorial writes
them: a socket, bind, `while True: recvfrom`, `data.decode('utf-8')` with
no try/except. A test needs a free port, to know when the script listens,
a bound on how long it runs, and what happened, so a script takes
    --port N (0: a free one)  --ready-file F  --max-seconds S  [--bind ADDR]
and gets from here HOST, PORT and a socket class that counts what goes in
and out and writes the bound port to the ready file once bound.

At exit one JSON line goes to stdout:
    {"received": N, "answered": N, "crashed": null | "UnicodeDecodeError"}
and the exit status is 0 when the script was stopped (SIGTERM, SIGINT or
--max-seconds), or Python's 1 with the traceback on stderr when it crashed.
"""

import argparse
import atexit
import json
import math
import os
import signal
import socket as _socket
import sys

_parser = argparse.ArgumentParser(description="a classroom UDP script under test")
_parser.add_argument("--bind", default="127.0.0.1")
_parser.add_argument("--port", type=int, default=10000)
_parser.add_argument("--ready-file")
_parser.add_argument("--max-seconds", type=float, default=60.0)
_args = _parser.parse_args()

HOST = _args.bind
PORT = _args.port
_seen = {"received": 0, "answered": 0, "crashed": None}


def _stop(_signum, _frame):
    raise SystemExit(0)


def _on_crash(kind, value, tb):
    _seen["crashed"] = kind.__name__
    _default_hook(kind, value, tb)


def _report():
    sys.stdout.write(json.dumps(_seen) + "\n")
    sys.stdout.flush()


_default_hook = sys.excepthook
sys.excepthook = _on_crash
atexit.register(_report)
signal.signal(signal.SIGTERM, _stop)
signal.signal(signal.SIGINT, _stop)
signal.signal(signal.SIGALRM, _stop)
signal.alarm(max(1, math.ceil(_args.max_seconds)))


class socket(_socket.socket):
    """socket.socket that counts datagrams and announces its port."""

    def bind(self, address):
        super().bind(address)
        if _args.ready_file:
            tmp = "%s.%d.tmp" % (_args.ready_file, os.getpid())
            with open(tmp, "w", encoding="ascii") as f:
                f.write("%d\n" % self.getsockname()[1])
            os.replace(tmp, _args.ready_file)

    def recvfrom(self, *args):
        got = super().recvfrom(*args)
        _seen["received"] += 1
        return got

    def sendto(self, *args):
        sent = super().sendto(*args)
        _seen["answered"] += 1
        return sent
