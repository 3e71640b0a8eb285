# udpbench report, chart 1: round-trip time of every probe over time.
# Data (time_s rtt_ms seq): f_rtt has a blank line wherever probes were lost,
# so the line breaks there; f_lost marks each lost probe at the RTT it would
# have had; f_late marks replies that came after Tmax at the top edge; f_retx
# (TCP) marks the messages that waited for a retransmission.
# Run: gnuplot NAME.set.gp rtt.gp

load "style.gp"
set title t_title
set xlabel t_x
set ylabel t_y
set xrange [0:xmax]
set yrange [ymin:ymax]
# the legend under the x axis, in room kept for up to three rows
set bmargin at screen 0.25
set key horizontal at screen 0.5, screen 0.005 center bottom width -1
set lmargin 12

# empty data files are left out of the plot: gnuplot would warn about them
p = (n_rtt > 0 ? "f_rtt using 1:2 with lines lc rgb c_blue lw 1.5 title t_rtt" : "NaN notitle")
if (n_lost > 0) { p = p . ", f_lost using 1:2 with points pt 2 ps 2.2*pk lw 3 lc rgb c_red title t_lost" }
if (n_late > 0) { p = p . ", f_late using 1:2 with points pt 8 ps 2.2*pk lw 3 lc rgb c_purple title t_late" }
if (n_retx > 0) { p = p . ", f_retx using 1:2 with points pt 9 ps 2.2*pk lc rgb c_red title t_retx" }
p = p . ", median_ms with lines dt 2 lw 3 lc rgb c_black title t_median"
p = p . ", p99_ms with lines dt 3 lw 3 lc rgb c_dark title t_p99"
eval "plot " . p
