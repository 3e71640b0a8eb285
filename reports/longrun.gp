# udpbench report: a long run as smokeping draws one (f_lr: x_mid x_start
# x_end in seconds of local time, min p10 p25 median p75 p90 max in ms, NaN
# for a column without a reply, sent received lost loss_pct class). Grey
# smoke around each column's median, darker where more replies were; the
# median line coloured by the column's loss class (0 none, 1 <= 2 %,
# 2 <= 5 %, 3 <= 10 %, 4 <= 20 %, 5 more); columns where nothing came back
# shaded orange-red from top to bottom.
# Run: gnuplot NAME.set.gp longrun.gp

load "style.gp"
set title t_title
set xlabel t_x
set ylabel t_y
set xdata time
set timefmt "%s"
set format x xfmt
set xrange [xmin:xmax]
set xtics xstep
# Below 0 a strip of the columns that lost probes, in the line's colours: a
# single loss in a long run is a column too narrow to see on the line itself.
# The axis goes behind, so a quiet run's line stays in sight.
set yrange [-0.09 * ymax:ymax]
set label 3 t_strip at graph 0, first -0.055 * ymax right offset -1, 0 font smallfont tc rgb c_dark
set border 3 lw 1.5 back
set tmargin at screen 0.83
set bmargin at screen 0.14
set lmargin 12
set rmargin at screen 0.79
set key vertical Left reverse at screen 0.995, graph 1 right top width -2
set style fill transparent solid 1.0 noborder

# green, sky blue, blue, reddish purple, dark purple, orange-red: loss grows to the right
c_loss(c) = c == 0 ? 0x009E73 : c == 1 ? 0x56B4E9 : c == 2 ? 0x0072B2 : \
            c == 3 ? 0xCC79A7 : c == 4 ? 0x6A3D9A : 0xD55E00
g_all = "#EBEBEB"
g_p10 = "#BDBDBD"
g_mid = "#8C8C8C"

if (strlen(t_cut) > 0) {
    set label 2 t_cut at screen 0.8, graph 0.05 left font smallfont tc rgb c_dark front
}
if (n_rtt == 0) {
    set label 1 t_none at graph 0.5, graph 0.5 center font titlefont tc rgb c_red
}
# The key reads down: what the smoke is, then the line's colours.
plot f_lr using 1:(($11 > 0 && $12 == 0) ? 0 : 1/0):2:3:(0):(ymax) \
         with boxxyerror fs transparent solid 0.22 lc rgb c_red title t_none, \
     "" using 1:4:10 with filledcurves lc rgb g_all title t_all, \
     "" using 1:5:9 with filledcurves lc rgb g_p10 title t_p10, \
     "" using 1:6:8 with filledcurves lc rgb g_mid title (full ? t_mid : ""), \
     "" using 1:($15 >= 0 ? $7 : 1/0):(c_loss($15)) with lines lw 5 lc rgb variable notitle, \
     "" using 1:($15 >= 1 ? -0.055 * ymax : 1/0):2:3:(-0.08 * ymax):(-0.03 * ymax):(c_loss($15)) \
         with boxxyerror fs solid 1.0 noborder lc rgb variable notitle, \
     NaN with lines lw 8 lc rgb "#009E73" title t_l0, \
     NaN with lines lw 8 lc rgb "#56B4E9" title t_l1, \
     NaN with lines lw 8 lc rgb "#0072B2" title t_l2, \
     NaN with lines lw 8 lc rgb "#CC79A7" title t_l3, \
     NaN with lines lw 8 lc rgb "#6A3D9A" title t_l4, \
     NaN with lines lw 8 lc rgb "#D55E00" title t_l5
