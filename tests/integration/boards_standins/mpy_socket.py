# Stand-in for `socket` inside MicroPython under Node (which has no network),
# for the MicroPython check only: datagrams to receive are queued in `inbox`,
# replies land in `outbox`. Like MicroPython v1.12 on the ESP32 it has no
# getsockname, truncates what is longer than recvfrom's size, and raises
# OSError(ETIMEDOUT) when nothing is waiting.
AF_INET = 2
SOCK_DGRAM = 2
SOL_SOCKET = 1
SO_REUSEADDR = 4
ETIMEDOUT = 110

inbox = []
outbox = []
# keep: False counts replies without storing them (nothing allocated per send).
# on_send: called with (data, addr) at each send. ready: None, or how many
# items of inbox may be received so far (a test fills them in as it goes).
state = {"next": 0, "idle": 0, "on_receive": None, "on_idle": None, "keep": True, "sent": 0,
         "on_send": None, "ready": None}


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
