# udpbench report: every board at a glance, a row each, fastest at the top
# (f_rows: row lo q1 median q3 p95 p99 loss_pct lost_up_pct lost_down_pct
# no_reply "name" "note"; gnuplot skips a point whose columns hold NaN, so
# no_reply, not the figures, picks the rows of boards that never answered). Left: the spread of each board's round-trip times, a line
# from lo (5 %) to 95 %, a box over the middle half, a dot at the median and
# a diamond at 99 %. Right: the share of probes lost, split into the way
# there and the way back when known, with the loss written beside it. A
# board that never answered has NaN figures: its row says "no reply".
# One colour for every board: the names on the axis tell them apart.
# Run: gnuplot overview.set.gp classview.gp

load "style.gp"
set multiplot title t_title font titlefont
set tmargin at screen top_y
set bmargin at screen bottom_y
set yrange [n + 0.6:0.4]
set ytics scale 0 font fontspec
set grid xtics noytics
set style fill solid 0.35 border

# the left panel: its margin fits the longest name
set rmargin at screen 0.66
set xrange [0:xmax]
set xlabel t_x
set key horizontal at screen 0.02, screen 0.01 left bottom samplen 2 nobox noopaque
p = "f_rows using (0):1:ytic(12) with dots lc rgb 'white' notitle"
p = p . ", '' using 2:1:($6 - $2):(0) with vectors nohead lw 4 lc rgb c_blue title t_bar"
p = p . ", '' using (($3 + $5) / 2):1:3:5:($1 - 0.3):($1 + 0.3) with boxxyerror lc rgb c_blue lw 2 title t_box"
p = p . ", '' using 4:1 with points pt 7 ps 1.6*pk lc rgb c_black title t_median"
p = p . ", '' using 7:1 with points pt 13 ps 1.6*pk lc rgb c_black title t_p99"
# labels without a single point to draw crash gnuplot 5.4: only when a board never answered
if (n_dead > 0) { p = p . ", '' using (xmax * 0.01):($11 > 0 ? $1 : NaN):13 with labels left font titlefont tc rgb c_red notitle" }
eval "plot " . p

# the right panel: the same rows, the loss beside each
set lmargin at screen 0.70
set rmargin at screen 0.97
set xrange [0:lmax]
set xlabel t_xloss
set format y ""
unset ytics
set key horizontal at screen 0.97, screen 0.01 right bottom samplen 2 nobox noopaque
if (split) {
    plot f_rows using ($9 / 2):1:(0):9:($1 - 0.3):($1 + 0.3) with boxxyerror lc rgb c_red fs solid 1.0 noborder title t_up, \
         "" using ($9 + $10 / 2):1:9:($9 + $10):($1 - 0.3):($1 + 0.3) with boxxyerror lc rgb c_brown fs solid 1.0 noborder title t_down, \
         "" using ($11 > 0 ? lmax * 0.02 : $8 + lmax * 0.02):1:13 with labels left font fontspec tc rgb c_black notitle
} else {
    plot f_rows using ($11 > 0 ? NaN : $8 / 2):1:(0):8:($1 - 0.3):($1 + 0.3) with boxxyerror lc rgb c_red fs solid 1.0 noborder title t_lost, \
         "" using ($11 > 0 ? lmax * 0.02 : $8 + lmax * 0.02):1:13 with labels left font fontspec tc rgb c_black notitle
}
unset multiplot
