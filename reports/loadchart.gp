# udpbench report: latency under load (send --load). Above, each step's
# median round trip; below, the load's throughput in the same steps; the
# loaded phase (lx0..lx1 s) shaded in both. f_load: start_s mid_s
# rtt_median_ms up_mbps down_mbps, NaN where there is none.
# Run: gnuplot NAME.set.gp loadchart.gp

load "style.gp"
set multiplot title t_title font titlefont
set lmargin at screen 0.10
set rmargin at screen 0.97
set xrange [0:xmax]
set style rect fc rgb c_yellow fs solid 0.25 noborder
set object 1 rect from lx0, graph 0 to lx1, graph 1 back

set tmargin at screen 0.80
set bmargin at screen 0.50
set format x ""
set yrange [0:ymax_rtt]
set ylabel t_rtt
unset key
set label 1 t_loaded at (lx0 + lx1) / 2.0, graph 0.92 center font fontspec front
if (n_rtt > 0) {
    plot f_load using 2:3 with linespoints lw 3 pt 7 ps 1.0*pk lc rgb c_blue notitle
} else {
    set label 2 t_none at graph 0.5, graph 0.5 center font titlefont tc rgb c_red
    plot NaN notitle
}
unset label 1
unset label 2

set tmargin at screen 0.44
set bmargin at screen 0.19
set format x "%g"
set xlabel t_x
set yrange [0:ymax_bps]
set ylabel t_bps
p = ""
if (has_up) { p = "f_load using 1:4 with steps lw 3 lc rgb c_orange notitle" }
if (has_down) { p = p . (strlen(p) > 0 ? ", " : "") . "f_load using 1:5 with steps lw 3 lc rgb c_green notitle" }
if (strlen(p) == 0) { p = "NaN notitle" }
eval "plot " . p

# one legend under both panels
unset object 1
set lmargin at screen 0.02
set rmargin at screen 0.98
set tmargin at screen 0.06
set bmargin at screen 0.0
unset xlabel
unset ylabel
unset tics
unset border
unset grid
set xrange [0:1]
set yrange [0:1]
set key center center horizontal maxrows 1 width -3 nobox noopaque samplen 1.5
p = "NaN with linespoints lw 3 pt 7 ps 1.0*pk lc rgb c_blue title t_median"
if (has_up) { p = p . ", NaN with lines lw 3 lc rgb c_orange title t_up" }
if (has_down) { p = p . ", NaN with lines lw 3 lc rgb c_green title t_down" }
p = p . ", NaN with boxes fs solid 0.25 noborder lc rgb c_yellow title t_loaded"
eval "plot " . p
unset multiplot
