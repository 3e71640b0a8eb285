"""A small client of headless Chromium's DevTools protocol (Python stdlib
only): start Debian's chromium, open a page, evaluate JavaScript in it and
take a screenshot, so a test can wait until the page's own script has drawn
what it should (a bounded wait on a condition, not a sleep)."""

import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import time
import urllib.request

from harness import Skip, spawn, stop


def find_chromium():
    """The chromium binary, or Skip saying why there is none."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise Skip("chromium is not installed (Debian package chromium; make deps-test installs it)")


class WebSocket:
    """Just enough of RFC 6455 for the DevTools socket: masked text frames out, frames in."""

    def __init__(self, url, timeout=30.0):
        m = re.match(r"ws://([^/:]+):(\d+)(/.*)", url)
        self.sock = socket.create_connection((m.group(1), int(m.group(2))), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n"
                           % (m.group(3), m.group(1), m.group(2), key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise AssertionError("DevTools closed the websocket handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise AssertionError("DevTools refused the websocket: %r" % head[:200])
        self.buf = head.split(b"\r\n\r\n", 1)[1]

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("DevTools closed the websocket")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, text):
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            head = struct.pack("!BB", 0x81, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x81, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            message += self._read(n)
            if b0 & 0x80:
                return message.decode()

    def close(self):
        self.sock.close()


class Browser:
    """One headless chromium with one page; call close() (or let harness.cleanup kill it)."""

    def __init__(self, tmp, width=1600, height=900):
        exe = find_chromium()
        log_path = os.path.join(tmp, "chromium.log")
        self.log = open(log_path, "wb")
        self.proc = spawn([exe, "--headless", "--no-sandbox", "--disable-gpu",
                           "--no-first-run", "--remote-debugging-port=0",
                           "--user-data-dir=" + os.path.join(tmp, "chromium-profile"),
                           "--window-size=%d,%d" % (width, height), "about:blank"],
                          stdout=subprocess.DEVNULL, stderr=self.log)
        port = self._devtools_port(log_path)
        with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=10) as r:
            targets = json.load(r)
        page = [t for t in targets if t.get("type") == "page"][0]
        self.ws = WebSocket(page["webSocketDebuggerUrl"])
        self.next_id = 0
        self.call("Emulation.setDeviceMetricsOverride",
                  width=width, height=height, deviceScaleFactor=1, mobile=False)

    def _devtools_port(self, log_path, timeout=30.0):
        """The port chromium's log names once DevTools listens (its log goes to a file, never a full pipe)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(log_path, "rb") as f:
                m = re.search(rb"DevTools listening on ws://127\.0\.0\.1:(\d+)/", f.read())
            if m:
                return int(m.group(1))
            if self.proc.poll() is not None:
                raise AssertionError("chromium exited (status %d); see %s" % (self.proc.returncode, log_path))
            time.sleep(0.05)  # polling a log chromium writes once; bounded above
        raise AssertionError("chromium did not open DevTools within %.0fs" % timeout)

    def call(self, method, **params):
        """Sends one command; returns its result (events in between are skipped)."""
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise AssertionError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})

    def open(self, url):
        self.call("Page.navigate", url=url)

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (JSON-able)."""
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in r:
            raise AssertionError("page script failed: %s" % r["exceptionDetails"])
        return r["result"].get("value")

    def wait_for(self, expression, timeout=20.0, what=None):
        """Evaluates expression until it is truthy; returns its value or fails after timeout."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)  # polling the page, bounded by the deadline
        raise AssertionError("the page never showed %s within %.0fs (last: %r)"
                             % (what or expression, timeout, value))

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.ws.close()
        finally:
            stop(self.proc, timeout=10)
            self.log.close()
