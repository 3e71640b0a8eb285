# udpbench report: the look every chart shares. Loaded by each chart
# template after its NAME.set.gp, which sets term_type, out, width, height,
# font and font_pt.
#
# Colours are the Okabe-Ito palette, which stays distinct for readers with
# colour-blindness; vermillion (c_red) is kept for lost packets.

set encoding utf8
fontspec = sprintf("%s,%d", font, font_pt)
titlefont = sprintf("%s,%d", font, font_pt + 4)
smallfont = sprintf("%s,%d", font, font_pt - 2)
if (term_type eq "svg") {
    set terminal svg size width, height dynamic noenhanced font fontspec background rgb "white"
} else {
    set terminal pngcairo size width, height noenhanced font fontspec background rgb "white"
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
