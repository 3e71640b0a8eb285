#!/usr/bin/python3
# UDP server: answers every message in capital letters.
import socket

import lesson  # the tests' wrapper: --port, --ready-file, --max-seconds

s = lesson.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((lesson.HOST, lesson.PORT))
print('server ready on port', lesson.PORT)

while True:
    data, addr = s.recvfrom(1024)
    text = data.decode('utf-8')
    print(addr, text)
    s.sendto(text.upper().encode('utf-8'), addr)
