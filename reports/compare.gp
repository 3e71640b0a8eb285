# udpbench report, chart 5: one box per result (f_box: box p5 q1 median q3
# p95 p99 loss_pct colour "label" "note" note_y; xl[i] is label i wrapped,
# wl[i] the Wi-Fi facts of result i wrapped, or ""). The box spans the middle half of
# the replies, the bar inside is the median, the whiskers reach 5% and 95%,
# the diamond marks 99%; the note above says how much was lost. A board
# that never answered has NaN figures (no box) and the note "no reply".
# Run: gnuplot compare.set.gp compare.gp

load "style.gp"
set title t_title
set ylabel t_y
set xrange [0.4:n + 0.6]
set yrange [0:ymax]
# the labels: wrapped into label_lines lines, or upright (label_cols wide) for many boxes
set xtics scale 0 ()
do for [i=1:n] { set xtics add (xl[i] i) }
if (upright) {
    set xtics rotate by 90 right
    set bmargin at screen (0.14 + 0.017 * label_cols)
} else {
    set bmargin at screen (0.14 + 0.035 * (label_lines + wifi_lines))
}
# the Wi-Fi facts (SSID, channel, signal) under each label, wl[i]; "" for none
if (!upright && wifi_lines > 0) {
    do for [i=1:n] {
        set label 100 + i wl[i] at first i, graph 0 center offset 0, -(label_lines + 0.9) * 1.15 \
            tc rgb c_blue font fontspec
    }
}
set grid noxtics ytics
set key horizontal at screen 0.5, screen 0.01 center bottom
set style fill solid 0.35 border
set boxwidth 0.5

plot f_box using 1:3:2:6:5:(0.5):9 with candlesticks whiskerbars 0.5 lc variable lw 3 title t_box, \
     "" using ($1 - 0.25):4:(0.5):(0) with vectors nohead lc rgb c_black lw 4 notitle, \
     "" using 1:7 with points pt 13 ps 1.8*pk lc rgb c_black title t_p99, \
     "" using 1:12:11 with labels font (n > 5 ? fontspec : titlefont) tc rgb c_red notitle, \
     NaN with lines lc rgb c_black lw 4 title t_median, \
     NaN with lines lc rgb c_grey lw 3 title t_whisk
