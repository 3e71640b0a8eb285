# Stand-in for `socket` inside MicroPython under Node (which has no network),
# for the MicroPython check only: datagrams to receive are queued in `inbox`,
# replies land in `outbox`. Like MicroPython v1.12 on the ESP32 it has no
# getsockname, truncates what is longer than recvfrom's size, and raises
# OSError(ETIMEDOUT) when nothing is waiting.
AF_INET = 2
SOCK_STREAM = 1
SOCK_DGRAM = 2
SOL_SOCKET = 1
SO_REUSEADDR = 4
ETIMEDOUT = 110
EAGAIN = 11

inbox = []
outbox = []
# keep: False counts replies without storing them (nothing allocated per send).
# on_send: called with (data, addr) at each send. ready: None, or how many
# items of inbox may be received so far (a test fills them in as it goes).
state = {"next": 0, "idle": 0, "on_receive": None, "on_idle": None, "keep": True, "sent": 0,
         "on_send": None, "ready": None}
# TCP: clients waiting to be accepted (Stream objects); a listener is counted in state.
streams = []


def getaddrinfo(host, port, *args):
    return [(AF_INET, SOCK_DGRAM, 0, "", (host, port))]


class socket(object):
    def __init__(self, family=AF_INET, kind=SOCK_DGRAM):
        self.bound = None
        self.timeout = None
        self.closed = False

    def setsockopt(self, level, name, value):
        pass

    def bind(self, addr):
        self.bound = addr

    def settimeout(self, t):
        self.timeout = t

    def recvfrom(self, n):
        i = state["next"]
        if i < len(inbox):
            state["next"] = i + 1
            if state["on_receive"] is not None:
                state["on_receive"](i)
            item = inbox[i]
            if len(item[0]) > n:
                return item[0][:n], item[1]
            return item
        state["idle"] += 1
        if state["on_idle"] is not None:
            state["on_idle"](state["idle"])
        raise OSError(ETIMEDOUT)

    def listen(self, n):
        state["listening"] = n

    def setblocking(self, flag):
        self.timeout = None if flag else 0

    def accept(self):
        if streams:
            return streams.pop(0), ("10.0.0.7", 40000)
        raise OSError(EAGAIN)

    def readinto(self, buf):
        """As on a nonblocking ESP32 socket: bytes copied, or None when nothing waits."""
        i = state["next"]
        ready = state["ready"]
        if i >= len(inbox) or (ready is not None and i >= ready):
            return None
        state["next"] = i + 1
        data = inbox[i][0]
        n = min(len(data), len(buf))
        for k in range(n):
            buf[k] = data[k]
        return n

    def sendto(self, data, addr):
        state["sent"] += 1
        if state["on_send"] is not None:
            state["on_send"](data, addr)
        if state["keep"]:
            outbox.append((bytes(data), addr))
        return len(data)

    def close(self):
        self.closed = True


class Stream(object):
    """An accepted TCP client: takes its bytes in the chunks given, keeps what is echoed.

    window: octets it takes before send() fails (a client that stops reading);
    then, as MicroPython v1.12 on the ESP32 does for a nonblocking send that
    took nothing, send() raises OSError(ETIMEDOUT), counted in stalls."""

    def __init__(self, chunks, window=1 << 30):
        self.chunks = list(chunks)
        self.echoed = bytearray()
        self.window = window
        self.closed = False
        self.stalls = 0

    def setblocking(self, flag):
        pass

    def setsockopt(self, level, name, value):
        pass

    def recv(self, n):
        if not self.chunks:
            raise OSError(EAGAIN)
        c = self.chunks.pop(0)
        if c is None:
            return b""
        if len(c) > n:
            self.chunks.insert(0, c[n:])
            c = c[:n]
        return c

    def send(self, data):
        room = self.window - len(self.echoed)
        if room <= 0:
            self.stalls += 1
            raise OSError(ETIMEDOUT)
        take = bytes(data[:room])
        self.echoed += take
        return len(take)

    def close(self):
        self.closed = True
