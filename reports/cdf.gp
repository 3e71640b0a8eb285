# udpbench report, chart 2: how the round-trip times are spread.
# Left: the CDF, one line per result (f_cdf[i]: rtt_ms percent, every reply).
# Right: a histogram of the same replies (f_hist[i]: bin_centre_ms percent
# bin_from_ms bin_to_ms), as a share of each result's replies so that runs of
# different lengths compare. lt_of[i] keeps each result's colour. With
# logx = 1 the time axis is logarithmic and the bins are ten per decade.
# Run: gnuplot cdf.set.gp cdf.gp

load "style.gp"
# room under the panels for the legend: two entries a row
bottom = 0.17 + 0.035 * ((n + 1) / 2)
bottom = (bottom > 0.4 ? 0.4 : bottom)
set multiplot title t_title font titlefont
set tmargin at screen 0.80
set bmargin at screen bottom
set xrange [xlo:xhi]
set xlabel t_x
if (logx) {
    set logscale x 10
    set format x "%g"
}
unset key

set lmargin at screen 0.095
set rmargin at screen 0.50
set title t_cdf font fontspec
set ylabel t_ycdf
set yrange [0:100]
set ytics 0,10,100
plot for [i=1:n] f_cdf[i] using 1:2 with steps lt lt_of[i] lw 3 notitle

set lmargin at screen 0.595
set rmargin at screen 0.98
set title t_hist font fontspec
set ylabel t_yhist
set autoscale y
set yrange [0:*]
set ytics autofreq
set style fill transparent solid 0.35 border
plot for [i=1:n] f_hist[i] using 1:($2 / 2):3:4:(0):2 with boxxyerror lt lt_of[i] lw 2 notitle

# one legend across the bottom names the colours of both panels
set lmargin at screen 0.02
set rmargin at screen 0.98
set tmargin at screen bottom - 0.12
set bmargin at screen 0.0
unset title
unset xlabel
unset ylabel
unset logscale x
unset tics
unset border
unset grid
set xrange [0:1]
set yrange [0:1]
set key center center horizontal samplen 2 width 1 nobox
plot for [i=1:n] NaN with lines lt lt_of[i] lw 4 title lbl[i]
unset multiplot
