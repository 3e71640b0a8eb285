# Stand-in for MicroPython's `network` module, for tests only: both
# interfaces come up at once and report ADDRESS; what the script asked for
# is kept in `ifaces` for the test to check.
STA_IF = 0
AP_IF = 1
AUTH_OPEN = 0
AUTH_WPA_WPA2_PSK = 4

ADDRESS = "127.0.0.1"
NETMASK = "255.0.0.0"
RSSI = -61            # what status('rssi') says while the station is connected
MAC = b"\x24\x0a\xc4\x5e\xa1\x07"

ifaces = {}


class _Iface(object):
    def __init__(self):
        self.is_active = False
        self.connected = False
        self.joined = None
        self.settings = {}


class WLAN(object):
    def __init__(self, which):
        if which not in ifaces:
            ifaces[which] = _Iface()
        self._i = ifaces[which]

    def active(self, on=None):
        if on is None:
            return self._i.is_active
        self._i.is_active = bool(on)
        if not on:
            self._i.connected = False
        return None

    def connect(self, ssid, password=""):
        self._i.joined = (ssid, password)
        self._i.connected = self._i.is_active

    def isconnected(self):
        return self._i.connected

    def ifconfig(self):
        if not self._i.is_active:
            return ("0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0")
        return (ADDRESS, NETMASK, ADDRESS, ADDRESS)

    def config(self, *args, **kw):
        if args == ("mac",):
            return MAC
        self._i.settings.update(kw)

    def status(self, what=None):
        if what == "rssi":
            if not self._i.connected:
                raise OSError("not connected")
            return RSSI
        return 1010 if self._i.connected else 1000
