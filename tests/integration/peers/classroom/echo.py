#!/usr/bin/python3
# UDP echo server: sends every message back as it came.
import socket

import lesson  # the tests' wrapper: --port, --ready-file, --max-seconds

s = lesson.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((lesson.HOST, lesson.PORT))
print('UDP echo server on port', lesson.PORT)

while True:
    data, addr = s.recvfrom(1024)
    s.sendto(data, addr)
