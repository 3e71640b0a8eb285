# Stand-in for the mPython firmware's `mpython` module, for tests only: the
# OLED records what is drawn, button A is pressed by the test harness (or by
# a deadline). Written for both CPython and MicroPython.
import time


class _Oled(object):
    def __init__(self):
        self.rows = {}       # y -> text on screen now
        self.shows = []      # the rows on screen at each show()
        self.drawn = []      # every text passed to DispChar, in order
        self.echo = None     # a function called with each shown screen, or None
        self.rects = 0       # fill_rect calls (bars, large digits)

    def fill(self, c):
        self.rows = {}

    def fill_rect(self, x, y, w, h, c):
        self.rects += 1
        for k in list(self.rows):
            if y <= k < y + h:
                del self.rows[k]

    def DispChar(self, s, x, y, *args, **kw):
        self.rows[y] = s
        self.drawn.append(s)

    def show(self):
        screen = [self.rows[k] for k in sorted(self.rows)]
        self.shows.append(screen)
        if self.echo is not None:
            self.echo(screen)


class _Button(object):
    """value() is 1 while released and 0 once pressed, as the board's pin reads."""

    def __init__(self):
        self.pressed = False
        self.deadline_ms = None
        self.reads = 0

    def press(self):
        self.pressed = True

    def value(self):
        self.reads += 1
        if self.deadline_ms is not None and time.ticks_diff(time.ticks_ms(), self.deadline_ms) >= 0:
            self.pressed = True
        return 0 if self.pressed else 1


oled = _Oled()
display = oled
button_a = _Button()
button_b = _Button()
