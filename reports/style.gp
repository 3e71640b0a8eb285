# udpbench report: the look every chart shares. Loaded by each chart
# template after its NAME.set.gp, which sets term_type, out, width, height,
# font and font_pt.
#
# Colours are the Okabe-Ito palette, which stays distinct for readers with
# colour-blindness; vermilion (c_red, an orange-red: the texts call it so)
# is kept for lost packets and nothing else orange sits beside it.
#
# font: for SVG a list of families ("DejaVu Sans,WenQuanYi Zen Hei,...,
# sans-serif") that the viewer tries in turn for each character; for PNG one
# family (pngcairo drops the size after a list), and Pango falls back
# through fontconfig for a character that family lacks.
#
# Sizes: the svg terminal writes a 20 pt font as 20 px, pngcairo draws it
# a third larger (96 dpi): fpt, the size written, is a third larger for SVG
# so that the text of both is the same.
# svg draws a point of size 1 about 2.3 times as large as pngcairo does (and
# larger with its larger font):
# pk scales every "ps" of the templates (and pointscale the PNG's) so that
# a mark is the same size in both formats, large enough for a wall.

set encoding utf8
fpt = (term_type eq "svg" ? int(font_pt * 4.0 / 3.0 + 0.5) : font_pt)
termfont = sprintf("%s,%d", font, fpt)
# a size alone keeps the terminal's families: "A,B,C,32" would be read as A at 0
fontspec = sprintf(",%d", fpt)
titlefont = sprintf(",%d", fpt + (term_type eq "svg" ? 5 : 4))
smallfont = sprintf(",%d", fpt - (term_type eq "svg" ? 3 : 2))
if (term_type eq "svg") {
    set terminal svg size width, height dynamic noenhanced font termfont background rgb "white"
    pk = 0.47
} else {
    set terminal pngcairo size width, height noenhanced font termfont background rgb "white" pointscale 1.5
    pk = 1.0
}
set output out

c_blue   = "#0072B2"
c_orange = "#E69F00"
c_green  = "#009E73"
c_purple = "#CC79A7"
c_sky    = "#56B4E9"
c_black  = "#000000"
c_yellow = "#F0E442"
c_red    = "#D55E00"
c_grey   = "#9A9A9A"
c_brown  = "#8C2D04"
c_dark   = "#555555"

# one colour per result, the same in every chart
set linetype 1 lc rgb c_blue   lw 3 pt 7
set linetype 2 lc rgb c_orange lw 3 pt 7
set linetype 3 lc rgb c_green  lw 3 pt 7
set linetype 4 lc rgb c_purple lw 3 pt 7
set linetype 5 lc rgb c_sky    lw 3 pt 7
set linetype 6 lc rgb c_black  lw 3 pt 7
set linetype 7 lc rgb c_yellow lw 3 pt 7
set linetype cycle 7

set border 3 lw 1.5
set tics nomirror out
set grid xtics ytics lc rgb "#DDDDDD" lw 1 dt 1
set key opaque box lc rgb "#BBBBBB" samplen 2 spacing (term_type eq "svg" ? 0.85 : 1.1)
set title font titlefont
