# udpbench report: round-trip time over the run from the interval records
# of a result without its per-probe CSV (f_rtt: mid_s median_ms p90_ms
# max_ms, a blank line where an interval had no reply). The line is each
# interval's median; the band reaches its 90 % rank, the lighter band its
# slowest reply.
# Run: gnuplot NAME.set.gp ivrtt.gp

load "style.gp"
set title t_title
set xlabel t_x
set ylabel t_y
set xrange [0:xmax]
set yrange [0:ymax]
set tmargin at screen 0.80
set bmargin at screen 0.22
set key horizontal at screen 0.5, screen 0.005 center bottom width -1
set lmargin 12
if (n_rtt > 0) {
    plot f_rtt using 1:3:4 with filledcurves fs transparent solid 0.18 noborder lc rgb c_sky title t_max, \
         "" using 1:2:3 with filledcurves fs transparent solid 0.45 noborder lc rgb c_sky title t_p90, \
         "" using 1:2 with linespoints lw 3 pt 7 ps 1.2*pk lc rgb c_blue title t_median
} else {
    set label 1 t_none at graph 0.5, graph 0.5 center font titlefont tc rgb c_red
    unset key
    plot NaN notitle
}
