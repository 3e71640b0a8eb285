# udpbench report, chart 3: a loss raster, one mark per probe (probe_number
# row). Rows: arrived at the top; lost on the way there and lost on the way
# back when the reflector's counter tells them apart (split = 1), else one
# row of lost probes. Late replies (counted lost) sit in the lowest row.
# Neighbouring lost probes merge into a red block: a loss burst.
# Run: gnuplot NAME.set.gp loss.gp

load "style.gp"
set title t_title
set xlabel t_x
set xrange [-0.5:n_probes - 0.5]
set grid noytics
set key outside bottom center horizontal
set lmargin 16
set bmargin 7
if (split) {
    set yrange [0.4:3.6]
    set ytics (t_row_ok 3, t_row_up 2, t_row_down 1)
} else {
    set yrange [0.4:2.6]
    set ytics (t_row_ok 2, t_row_lost 1)
}
set style fill solid 1.0 noborder
# half a probe wide, but lost probes at least about 3 pixels so one alone shows
half = 0.5
lost_half = (n_probes / 900.0 > 0.5 ? n_probes / 900.0 : 0.5)

mark = " using 1:2:(lost_half):(0.32) with boxxyerror"
# empty data files are left out of the plot: gnuplot would warn about them
p = (n_ok > 0 ? "f_ok using 1:2:(half):(0.32) with boxxyerror lc rgb '#C8C8C8' title t_ok" : "NaN notitle")
if (split && n_up > 0) { p = p . ", f_up" . mark . " lc rgb c_red title t_up" }
if (split && n_down > 0) { p = p . ", f_down" . mark . " lc rgb c_brown title t_down" }
if (!split && n_lost > 0) { p = p . ", f_lost" . mark . " lc rgb c_red title t_lost" }
if (n_late > 0) { p = p . ", f_late" . mark . " lc rgb c_purple title t_late" }
eval "plot " . p
