#!/usr/bin/python3
# UDP server: prints each message and answers "收到" (received).
import socket

import lesson  # the tests' wrapper: --port, --ready-file, --max-seconds

s = lesson.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((lesson.HOST, lesson.PORT))
print('服务器已启动，端口', lesson.PORT)

while True:
    data, addr = s.recvfrom(1024)
    text = data.decode('utf-8')
    print(addr, '说:', text)
    s.sendto('收到'.encode('utf-8'), addr)
