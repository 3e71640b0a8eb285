#!/usr/bin/python3
# UDP server: reads a message and answers "收到: " and the message.
import socket

import lesson  # the tests' wrapper: --port, --ready-file, --max-seconds

s = lesson.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((lesson.HOST, lesson.PORT))
print('等待消息，端口', lesson.PORT)

while True:
    data, addr = s.recvfrom(1024)
    text = data.decode('utf-8')
    print('收到来自', addr, '的消息:', text)
    s.sendto(('收到: ' + text).encode('utf-8'), addr)
