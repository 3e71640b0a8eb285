# udpbench report, chart 6: UDP above TCP on the same link, the same time
# axis and the same latency scale. f_udp and f_tcp (time_s rtt_ms seq) break
# wherever a probe was lost; f_udp_lost marks UDP's lost probes; f_tcp_retx
# marks the TCP messages that waited for a retransmission (the counter from
# TCP_INFO rose when their echo arrived). t_caption states the lesson.
# Run: gnuplot NAME.set.gp udp-tcp.gp

load "style.gp"
set multiplot title t_title font titlefont
set lmargin at screen 0.10
set rmargin at screen 0.97
set xrange [0:xmax]
set yrange [ymin:ymax]
set ylabel t_y

set tmargin at screen 0.86
set bmargin at screen 0.61
set format x ""
unset key
set label 1 t_udp at graph 0, graph 1.05 left font fontspec front
p = (n_udp > 0 ? "f_udp using 1:2 with lines lc rgb c_blue lw 2 notitle" : "NaN notitle")
if (n_udp_lost > 0) { p = p . ", f_udp_lost using 1:2 with points pt 2 ps 2.2*pk lw 3 lc rgb c_red notitle" }
eval "plot " . p

set tmargin at screen 0.52
set bmargin at screen 0.27
set format x "%g"
set xlabel t_x
set label 1 t_tcp at graph 0, graph 1.05 left font fontspec front
p = (n_tcp > 0 ? "f_tcp using 1:2 with lines lc rgb c_green lw 2 notitle" : "NaN notitle")
if (n_tcp_retx > 0) { p = p . ", f_tcp_retx using 1:2 with points pt 9 ps 2.2*pk lc rgb c_red notitle" }
if (n_tcp_lost > 0) { p = p . ", f_tcp_lost using 1:2 with points pt 2 ps 2.2*pk lw 3 lc rgb c_red notitle" }
eval "plot " . p

# under both panels, across the whole width: one legend and the lesson
unset label 1
set label 2 t_caption at screen 0.5, screen 0.025 center font sprintf(",%d", fpt + 2) tc rgb c_black front
set lmargin at screen 0.02
set rmargin at screen 0.98
set tmargin at screen 0.13
set bmargin at screen 0.07
unset xlabel
unset ylabel
unset tics
unset border
unset grid
set xrange [0:1]
set yrange [0:1]
set key center center horizontal nobox noopaque samplen 1.5
p = "NaN with lines lc rgb c_blue lw 3 title t_udp_reply"
if (n_udp_lost > 0) { p = p . ", NaN with points pt 2 ps 2.2*pk lw 3 lc rgb c_red title t_lost" }
p = p . ", NaN with lines lc rgb c_green lw 3 title t_tcp_reply"
if (n_tcp_retx > 0) { p = p . ", NaN with points pt 9 ps 2.2*pk lc rgb c_red title t_retx" }
eval "plot " . p
unset multiplot
