# udpbench report: loss over the run from the interval records of a result
# without its per-probe CSV (f_loss: mid_s start_s end_s sent received lost
# lost_up lost_down; NaN where up and down are not told apart). A bar per
# interval as wide as it: lost on the way there below, on the way back
# above, when split = 1; else the probes lost.
# Run: gnuplot NAME.set.gp ivloss.gp

load "style.gp"
set title t_title
set xlabel t_x
set ylabel t_y
set xrange [0:xmax]
set yrange [0:ymax]
set bmargin at screen 0.22
set key horizontal at screen 0.5, screen 0.005 center bottom width -1
set lmargin 12
set style fill solid 1.0 border lc rgb "white"
# whole probes: no tick between two counts
if (ymax < 12) { set ytics 1 }
if (n_lost == 0) {
    set label 1 t_none at graph 0.5, graph 0.5 center font titlefont tc rgb c_green
    unset key
    plot NaN notitle
} else {
    if (split) {
        plot f_loss using 1:($7 / 2):2:3:(0):7 with boxxyerror lc rgb c_red title t_up, \
             "" using 1:($7 + $8 / 2):2:3:7:($7 + $8) with boxxyerror lc rgb c_brown title t_down
    } else {
        plot f_loss using 1:($6 / 2):2:3:(0):6 with boxxyerror lc rgb c_red title t_lost
    }
}
