#!/usr/bin/python3
# UDP receiver: prints every message it gets and never answers.
import socket

import lesson  # the tests' wrapper: --port, --ready-file, --max-seconds

s = lesson.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((lesson.HOST, lesson.PORT))
print('listening on port', lesson.PORT)

while True:
    data, addr = s.recvfrom(1024)
    text = data.decode('utf-8')
    print('message from', addr, ':', text)
