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
# Marks: the svg terminal draws a point of size 1 about 2.3 times as large
# as pngcairo does. pk scales every "ps" of the templates so that a mark is
# the same size, relative to the text, in both formats.

set encoding utf8
fontspec = sprintf("%s,%d", font, font_pt)
titlefont = sprintf("%s,%d", font, font_pt + 4)
smallfont = sprintf("%s,%d", font, font_pt - 2)
if (term_type eq "svg") {
    set terminal svg size width, height dynamic noenhanced font fontspec background rgb "white"
    pk = 0.65
} else {
    set terminal pngcairo size width, height noenhanced font fontspec background rgb "white" pointscale 1.5
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
set key opaque box lc rgb "#BBBBBB" samplen 2 spacing 1.1
set title font titlefont
