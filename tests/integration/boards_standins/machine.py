# Stand-in for MicroPython's `machine` module, for tests only.
_freq = [160000000]


def freq(hz=None):
    if hz is None:
        return _freq[0]
    _freq[0] = hz
    return None
