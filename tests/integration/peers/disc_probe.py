#!/usr/bin/env python3
"""An independent discovery client for tests: sends udpbench discovery
queries, written from the format the reflectors document (a 512-octet query
"UDPBENCH?DISCOVER 1 " + 16 hex digits + newline + zeros; an answer
"UDPBENCH!HERE 1 " + the same digits + newline + key=value lines), and
counts what comes back.

    disc_probe.py --to HOST --port N [--count K] [--length L] [--ttl T] [--wait S]

Sends K queries back to back (each with its own nonce), truncated or padded
to L octets, with IP TTL T, then listens S seconds more. Prints one JSON
line: sent, answers (valid answers to one of our nonces), other (anything
else received), sizes (of every datagram received) and kinds.
"""

import argparse
import binascii
import json
import os
import select
import socket
import time


def query(nonce, length):
    q = b"UDPBENCH?DISCOVER 1 " + nonce + b"\n"
    q += b"\0" * (512 - len(q))
    return (q + b"\0" * length)[:length]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--to", required=True)
    ap.add_argument("--port", type=int, default=10000)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--length", type=int, default=512)
    ap.add_argument("--ttl", type=int, default=255)
    ap.add_argument("--wait", type=float, default=1.0)
    a = ap.parse_args()
    if not 1 <= a.count <= 10000:
        raise SystemExit("--count: 1..10000")

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, a.ttl)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    nonces = set()
    for _ in range(a.count):
        nonce = binascii.hexlify(os.urandom(8))
        nonces.add(nonce)
        s.sendto(query(nonce, a.length), (a.to, a.port))
    answers, other, sizes, kinds = 0, 0, [], []
    deadline = time.monotonic() + a.wait
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        data, _ = s.recvfrom(65535)
        sizes.append(len(data))
        head = b"UDPBENCH!HERE 1 "
        if data.startswith(head) and data[len(head):len(head) + 16] in nonces:
            answers += 1
            for line in data.split(b"\n"):
                if line.startswith(b"kind="):
                    kinds.append(line[5:].decode())
        else:
            other += 1
    print(json.dumps({"sent": a.count, "answers": answers, "other": other, "sizes": sizes,
                      "kinds": kinds}))


if __name__ == "__main__":
    main()
