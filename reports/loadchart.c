/*
 * udpbench: reports — the latency-under-load chart (loadchart.h):
 * SLUG-load.dat from summary.load.series, drawn by loadchart.gp.
 */
#include "reports/loadchart.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metrics/words.h"
#include "reports/fmt.h"
#include "reports/gnuplot.h"

#define TX UB_REPORT_TX

/* A figure of o as a number; NaN when it is null, missing or not a number. */
static double num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* What the data file held, for the settings. */
struct load_sum {
	size_t n, with_rtt;
	double end_s, max_rtt_ms, max_mbps;
	int up, down;
};

/* Writes SLUG-load.dat from the series; returns 0 or UB_E_IO. */
static int load_file(struct ub_report_ctx *R, const struct ub_result *r, json_t *series,
		     double bin_s, struct load_sum *s, struct ub_err *e)
{
	char name[200];
	double t, rtt, up, down;
	json_t *o;
	size_t i;
	FILE *f;

	snprintf(name, sizeof(name), "%s-load.dat", r->slug);
	f = ub_gnuplot_open(R, name, e);
	if (!f)
		return e->code;
	fputs("# start_s mid_s rtt_median_ms up_mbps down_mbps (NaN: none)\n", f);
	json_array_foreach(series, i, o) {
		t = num(o, "t_ns") / 1e9;
		if (!json_is_object(o) || !isfinite(t) || t < 0 || t > 1e7)
			continue;
		rtt = num(o, "rtt_median_ns") / 1e6;
		up = num(o, "up_bps") / 1e6;
		down = num(o, "down_bps") / 1e6;
		s->n++;
		if (isfinite(rtt) && rtt >= 0) {
			s->with_rtt++;
			s->max_rtt_ms = fmax(s->max_rtt_ms, rtt);
		} else {
			rtt = NAN;
		}
		s->up |= isfinite(up);
		s->down |= isfinite(down);
		if (isfinite(up))
			s->max_mbps = fmax(s->max_mbps, up);
		if (isfinite(down))
			s->max_mbps = fmax(s->max_mbps, down);
		s->end_s = fmax(s->end_s, t);
		fprintf(f, "%.4f %.4f %.6f %.4f %.4f\n", t, t + bin_s / 2, rtt, up, down);
	}
	return ub_gnuplot_close(f, R, name, e);
}

int ub_chart_load(struct ub_report_ctx *R, unsigned k, struct ub_err *e)
{
	struct ub_result *r = &R->r[k];
	json_t *load = json_object_get(r->summary, "load"), *series;
	json_t *idle = json_object_get(load, "rtt_idle_ns"), *busy = json_object_get(load, "rtt_loaded_ns");
	char name[200], t[1024], a[32], b[32], tp[96] = "";
	double bin_s, from, to, ratio, up, down;
	struct load_sum s;
	FILE *f;
	int rc;

	series = json_object_get(load, "series");
	if (!json_is_object(load) || !json_is_true(json_object_get(load, "ran")) ||
	    !json_is_array(series) || !json_array_size(series))
		return 0;
	memset(&s, 0, sizeof(s));
	bin_s = num(load, "bin_ns") / 1e9;
	if (!isfinite(bin_s) || bin_s <= 0 || bin_s > 3600)
		bin_s = 0.25;
	rc = load_file(R, r, series, bin_s, &s, e);
	if (rc || !s.n)
		return rc;
	from = num(load, "loaded_from_ns") / 1e9;
	to = num(load, "loaded_to_ns") / 1e9;
	snprintf(name, sizeof(name), "load-%s", r->slug);
	f = ub_gnuplot_chart_open(R, UB_REPORT_CH_LOAD, "loadchart.gp", (int)k, -1, name, e);
	if (!f)
		return e->code;
	ub_gnuplot_file(f, "f_load", r, "load");
	fprintf(f, "n_rtt = %zu\nhas_up = %d\nhas_down = %d\n", s.with_rtt, s.up, s.down);
	ub_gnuplot_num(f, "bin_s", bin_s);
	ub_gnuplot_num(f, "xmax", (s.end_s + bin_s) * 1.02);
	ub_gnuplot_num(f, "ymax_rtt", s.max_rtt_ms > 0 ? s.max_rtt_ms * 1.15 : 1.0);
	ub_gnuplot_num(f, "ymax_bps", s.max_mbps > 0 ? s.max_mbps * 1.15 : 1.0);
	ub_gnuplot_num(f, "lx0", isfinite(from) ? from : 0);
	ub_gnuplot_num(f, "lx1", isfinite(to) ? to : 0);
	ub_report_fmt_dur(R, a, sizeof(a), ub_results_int(idle, "median", 0));
	ub_report_fmt_dur(R, b, sizeof(b), ub_results_int(busy, "median", 0));
	ratio = ub_results_int(idle, "median", 0) > 0
			? (double)ub_results_int(busy, "median", 0) / (double)ub_results_int(idle, "median", 0)
			: 0;
	up = num(json_object_get(load, "throughput_bps"), "up") / 1e6;
	down = num(json_object_get(load, "throughput_bps"), "down") / 1e6;
	if (isfinite(up) && isfinite(down))
		snprintf(tp, sizeof(tp), TX(R, "up %.2f and down %.2f Mbit/s", "上行 %.2f、下行 %.2f Mbit/s"),
			 up, down);
	else if (isfinite(up) || isfinite(down))
		snprintf(tp, sizeof(tp), TX(R, "%s %.2f Mbit/s", "%s %.2f Mbit/s"),
			 isfinite(up) ? TX(R, "up", "上行") : TX(R, "down", "下行"), isfinite(up) ? up : down);
	snprintf(t, sizeof(t),
		 TX(R, "%s\nLatency under load: median round trip %s idle, %s loaded (%.0fx); %s\nThe shaded band is the load: how much longer does a probe wait while the link is full?",
		    "%s\n负载下时延：" UB_ZH_RTT "中位数 空闲时 %s，负载时 %s（%.0f 倍）；%s\n阴影是负载阶段：链路被占满时，探测包要多等多久？"),
		 r->label, a, b, ratio, tp);
	ub_gnuplot_str(f, "t_title", t);
	ub_gnuplot_str(f, "t_x", TX(R, "time since the start of the run (s)", "开始后的时间（秒）"));
	ub_gnuplot_str(f, "t_rtt", TX(R, "round-trip time (ms)", UB_ZH_RTT "（毫秒）"));
	ub_gnuplot_str(f, "t_bps", TX(R, "throughput (Mbit/s)", "吞吐量（Mbit/s）"));
	ub_gnuplot_str(f, "t_median", TX(R, "median round trip", UB_ZH_RTT "中位数"));
	ub_gnuplot_str(f, "t_up", TX(R, "upload", "上传"));
	ub_gnuplot_str(f, "t_down", TX(R, "download", "下载"));
	ub_gnuplot_str(f, "t_loaded", TX(R, "loaded", "负载阶段"));
	ub_gnuplot_str(f, "t_none", TX(R, "no reply", UB_ZH_NO_REPLY));
	return ub_gnuplot_close(f, R, "load settings", e);
}
