# -*- coding: utf-8 -*-
# 虚谷号 U 盘模式的自启动入口 / Autostart for the 虚谷号's U-disk mode.
#
# Copy this file and udpbench_reflector.py into the Python folder of the
# vvBoard U disk and press RST: the board runs main.py at every start, and the
# reflector answers udpbench on port 10000 (UDP, and TCP for udpbench --tcp).
# A udpbench_config.py copied beside them changes the settings (PORT = 10001,
# for one); arguments given on a command line take precedence:
#     python3 main.py --port 10001
import os
import sys

try:
    HERE = os.path.dirname(os.path.abspath(__file__))
except NameError:
    HERE = os.getcwd()
sys.path.insert(0, HERE)

import udpbench_reflector  # noqa: E402

if __name__ == "__main__":
    sys.exit(udpbench_reflector.main(sys.argv[1:]))
