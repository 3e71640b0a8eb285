# udpbench report, chart 4: arrival order against probe number.
# Top: every reply in time (f_order: arrival_number probe_number extent);
# replies that arrived after a later-numbered one (RFC 4737) are orange
# (f_reord). Bottom: how many places late each of those was (RFC 4737 §4.2
# extent).
# Run: gnuplot NAME.set.gp reorder.gp

load "style.gp"
set multiplot title t_title font titlefont
set lmargin at screen 0.10
set rmargin at screen 0.97

set tmargin at screen 0.82
set bmargin at screen 0.40
set ylabel t_y
set format x ""
set xrange [-1:n_arrived]
set yrange [-1:n_probes]
set key top left
p = (n_arrived > 0 ? "f_order using 1:2 with points pt 7 ps 0.5*pk lc rgb c_blue title t_in" : "NaN notitle")
if (n_reord > 0) { p = p . ", f_reord using 1:2 with points pt 6 ps 2.5*pk lw 3 lc rgb c_orange title t_out" }
eval "plot " . p

unset title
set tmargin at screen 0.35
set bmargin at screen 0.14
set format x "%g"
set xlabel t_x
set ylabel t_y2
set yrange [0:(emax > 0 ? emax + 1 : 2)]
set ytics 1
if (emax > 10) { set ytics autofreq }
unset key
if (n_reord > 0) {
    plot f_reord using 1:3 with impulses lw 4 lc rgb c_orange notitle, \
         f_reord using 1:3 with points pt 7 ps 1.2*pk lc rgb c_orange notitle
} else {
    plot NaN notitle
}
unset multiplot
