"""Turns off the offloads of one interface in the current network namespace
(checksum, scatter-gather, TSO, GSO, GRO) with the kernel's ethtool ioctl,
as `ethtool -K IFACE tx off sg off tso off gso off gro off` would: each frame
then carries one wire-size packet with its checksums filled in.

Usage: plain_offloads.py IFACE"""

import ctypes
import errno
import fcntl
import socket
import struct
import sys

SIOCETHTOOL = 0x8946
# linux/ethtool.h: the "set" commands taking a struct ethtool_value {u32 cmd; u32 data;}
SET = {"gro": 0x2C, "gso": 0x24, "tso": 0x1F, "sg": 0x19, "tx": 0x17}


def main():
    name = sys.argv[1].encode()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for what, cmd in SET.items():
        value = ctypes.create_string_buffer(struct.pack("=II", cmd, 0))
        # struct ifreq: 16 bytes of name, then a union whose first member is the data pointer.
        ifr = struct.pack("@16sP", name, ctypes.addressof(value)).ljust(40, b"\0")
        try:
            fcntl.ioctl(s, SIOCETHTOOL, ifr)
        except OSError as exc:
            if exc.errno != errno.EOPNOTSUPP:
                sys.exit("%s: cannot turn %s off: %s" % (sys.argv[1], what, exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
