/*
 * udpbench: reports — the charts that set every result side by side
 * (overview.h): the CDF and histogram of the replies, and the setups
 * compared as boxes.
 */
#include "reports/overview.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/words.h"
#include "reports/fmt.h"
#include "reports/gnuplot.h"
#include "reports/wifinote.h"

/* Every text for people is TX(R, English, Chinese). */
#define TX UB_REPORT_TX

/* A round step (1, 2 or 5 times a power of ten) of at least x. */
static double nice_step(double x)
{
	double p = pow(10.0, floor(log10(x > 0 ? x : 1e-9))), m = x / p;

	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/* Bin edge i of chart 2's histogram: even steps, or ten per decade on a log axis. */
static double bin_edge(int logx, double lo, double step, size_t i)
{
	return logx ? lo * pow(10.0, (double)i / 10.0) : lo + (double)i * step;
}

/* Chart 2's time axis (ms) and the histogram's bins on it. */
struct cdf_axis {
	int logx;
	double lo, hi, step;        /* step: of a linear axis */
	size_t nb;                  /* bins, at least one */
};

/*
 * The axis for replies whose lowest value is low, smallest median mid,
 * largest p99 p99 and highest top (ms). When the results differ by more
 * than a factor of 20 (a µs loopback beside a 200 ms TCP wait) it is
 * logarithmic, else linear from 0 (from low when that is below 0). It is
 * never empty: equal values (all 0, say) get a small width of their own.
 */
static void cdf_axis(double low, double mid, double p99, double top, struct cdf_axis *a)
{
	double lo, hi;

	a->logx = low > 0 && p99 > 20 * mid;
	if (a->logx) {
		a->step = 0;
		a->lo = pow(10.0, floor(log10(low)));
		a->hi = pow(10.0, ceil(log10(top * 1.01)));
		a->nb = (size_t)llround(10 * log10(a->hi / a->lo));
	} else {
		/* a few very slow replies would squeeze the rest into one corner */
		hi = top <= p99 * 1.5 ? top * 1.02 : p99 * 1.25;
		lo = low < 0 ? low : 0;
		hi = hi > 0 ? hi : 0;
		if (!(hi > lo))
			hi = lo < 0 ? lo * 0.9 : lo + 1e-3;
		a->step = nice_step((hi - lo) / 60.0);
		a->lo = floor(lo / a->step) * a->step;
		a->hi = ceil(hi / a->step) * a->step;
		a->nb = (size_t)llround((a->hi - a->lo) / a->step);
	}
	if (a->nb < 1)
		a->nb = 1;
}

/*
 * Writes result r's chart 2 data: the CDF of every reply (SLUG-cdf.dat)
 * and the histogram on ax's bins (SLUG-hist.dat; bins has room for them);
 * adds to *beyond the replies past the axis. Returns 0 or UB_E_IO.
 */
static int cdf_files(struct ub_report_ctx *R, const struct ub_result *r, const struct cdf_axis *ax,
		     size_t *bins, size_t *beyond, struct ub_err *e)
{
	char name[200];
	size_t i;
	double v;
	FILE *d;
	int rc;

	snprintf(name, sizeof(name), "%s-cdf.dat", r->slug);
	d = ub_gnuplot_open(R, name, e);
	if (!d)
		return e->code;
	fputs("# rtt_ms percent_of_replies_at_or_below\n", d);
	for (i = 0; i < r->n_rtt; i++)
		fprintf(d, "%.6f %.6f\n", ub_report_ms(r->rtt[i]), 100.0 * (double)(i + 1) / (double)r->n_rtt);
	if ((rc = ub_gnuplot_close(d, R, name, e)))
		return rc;
	memset(bins, 0, (ax->nb + 1) * sizeof(*bins));
	for (i = 0; i < r->n_rtt; i++) {
		v = ub_report_ms(r->rtt[i]);
		if (v > ax->hi) {
			(*beyond)++;
			continue;
		}
		v = ax->logx ? floor(10 * log10(v / ax->lo)) : floor((v - ax->lo) / ax->step);
		bins[v < 0 ? 0 : v >= (double)ax->nb ? ax->nb - 1 : (size_t)v]++;
	}
	snprintf(name, sizeof(name), "%s-hist.dat", r->slug);
	d = ub_gnuplot_open(R, name, e);
	if (!d)
		return e->code;
	fputs("# bin_centre_ms percent_of_replies_in_bin bin_from_ms bin_to_ms\n", d);
	for (i = 0; i < ax->nb; i++) {
		double a = bin_edge(ax->logx, ax->lo, ax->step, i);
		double b = bin_edge(ax->logx, ax->lo, ax->step, i + 1);

		fprintf(d, "%.6f %.6f %.6f %.6f\n", ax->logx ? sqrt(a * b) : (a + b) / 2,
			100.0 * (double)bins[i] / (double)r->n_rtt, a, b);
	}
	return ub_gnuplot_close(d, R, name, e);
}

/* Writes chart 2's settings: used results with replies on axis ax, beyond replies past it. */
static int cdf_settings(struct ub_report_ctx *R, unsigned used, const struct cdf_axis *ax,
			size_t beyond, struct ub_err *e)
{
	char name[200], t[512], b1[32];
	int logx = ax->logx;
	unsigned k;
	size_t i;
	FILE *f;

	f = ub_gnuplot_chart_open(R, UB_REPORT_CH_CDF, "cdf.gp", -1, -1, "cdf", e);
	if (!f)
		return e->code;
	fprintf(f, "n = %u\narray f_cdf[n]\narray f_hist[n]\narray lbl[n]\narray lt_of[n]\n", used);
	for (k = 0, i = 1; k < R->n; k++) {
		if (!R->r[k].n_rtt)
			continue;
		snprintf(name, sizeof(name), "f_cdf[%zu]", i);
		ub_gnuplot_file(f, name, &R->r[k], "cdf");
		snprintf(name, sizeof(name), "f_hist[%zu]", i);
		ub_gnuplot_file(f, name, &R->r[k], "hist");
		fprintf(f, "lt_of[%zu] = %u\n", i, k + 1);
		snprintf(name, sizeof(name), "lbl[%zu]", i++);
		ub_gnuplot_str(f, name, R->r[k].label);
	}
	fprintf(f, "logx = %d\n", logx);
	ub_gnuplot_num(f, "xlo", ax->lo);
	ub_gnuplot_num(f, "xhi", ax->hi);
	ub_gnuplot_str(f, "t_title", TX(R, "How spread out is the delay?\nA steep curve is a steady link; a long tail to the right means long waits now and then",
				UB_ZH_RTT "有多分散？\n曲线越陡，链路越稳定；向右拖的尾巴说明时不时要等很久"));
	ub_gnuplot_str(f, "t_cdf", TX(R, "Share of replies at or below a round-trip time", "不超过某个" UB_ZH_RTT "的回复占比"));
	ub_gnuplot_str(f, "t_hist", TX(R, "How many replies took how long", "各个" UB_ZH_RTT "的回复有多少"));
	snprintf(t, sizeof(t), "%s", logx ? TX(R, "round-trip time (ms, log scale)",
					       UB_ZH_RTT "（毫秒，对数刻度）")
					  : TX(R, "round-trip time (ms)", UB_ZH_RTT "（毫秒）"));
	if (beyond)
		snprintf(t + strlen(t), sizeof(t) - strlen(t),
			 TX(R, "; %zu slower replies beyond the right edge", "；另有 %zu 个更慢的回复在右边界之外"),
			 beyond);
	ub_gnuplot_str(f, "t_x", t);
	ub_gnuplot_str(f, "t_ycdf", TX(R, "replies at or below (%)", "累计占比（%）"));
	if (logx) {
		snprintf(t, sizeof(t), "%s", TX(R, "replies per bin (%)", "每个区间的回复占比（%）"));
	} else {
		ub_report_fmt_dur(R, b1, sizeof(b1), llround(ax->step * 1e6));
		snprintf(t, sizeof(t), TX(R, "replies per %s bin (%%)", "每 %s 区间的回复占比（%%）"), b1);
	}
	ub_gnuplot_str(f, "t_yhist", t);
	return ub_gnuplot_close(f, R, "cdf settings", e);
}

/* Chart 2: the CDF (every reply, one line per result) and a histogram. */
int ub_chart_cdf(struct ub_report_ctx *R, struct ub_err *e)
{
	double xhi = 0, top = -INFINITY, low = INFINITY, mid = INFINITY;
	size_t beyond = 0, *bins = NULL;
	unsigned k, used = 0;
	struct cdf_axis ax;
	int rc = 0;

	for (k = 0; k < R->n; k++) {
		const struct ub_result_box *b = &R->r[k].box;

		if (!R->r[k].n_rtt)
			continue;
		xhi = !used || ub_report_ms(b->p99) > xhi ? ub_report_ms(b->p99) : xhi;
		used++;
		top = ub_report_ms(b->max) > top ? ub_report_ms(b->max) : top;
		low = ub_report_ms(b->min) < low ? ub_report_ms(b->min) : low;
		mid = ub_report_ms(b->median) < mid ? ub_report_ms(b->median) : mid;
	}
	/* more lines than colours cannot be told apart: the class overview shows them instead */
	if (!used || used > UB_REPORT_COLOURS)
		return 0;
	cdf_axis(low, mid, xhi, top, &ax);
	bins = calloc(ax.nb + 1, sizeof(*bins));
	if (!bins)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	for (k = 0; k < R->n && !rc; k++)
		if (R->r[k].n_rtt)
			rc = cdf_files(R, &R->r[k], &ax, bins, &beyond, e);
	if (!rc)
		rc = cdf_settings(R, used, &ax, beyond, e);
	free(bins);
	return rc;
}

/* 1 when result r gets a place in chart 5: its replies' box, or "no reply". */
static int in_compare(const struct ub_result *r)
{
	return r->n_rtt > 0 || r->dead;
}

/*
 * Writes chart 5's data, a box per result with replies and a "no reply"
 * place for each board that never answered (compare.dat): short loss notes
 * and one colour when many. *used gets the places, *ymax the highest p99
 * (ms). Returns 0 or UB_E_IO.
 */
static int compare_data(struct ub_report_ctx *R, unsigned many, unsigned *used_out, double *ymax_out,
			struct ub_err *e)
{
	unsigned k, used = 0;
	double ymax = 0;
	char t[512];
	FILE *d;

	for (k = 0; k < R->n; k++)
		if (R->r[k].n_rtt)
			ymax = ub_report_ms(R->r[k].box.p99) > ymax ? ub_report_ms(R->r[k].box.p99) : ymax;
	ymax = ymax > 0 ? ymax : 1.0;
	d = ub_gnuplot_open(R, "compare.dat", e);
	if (!d)
		return e->code;
	fputs("# box p5_ms q1_ms median_ms q3_ms p95_ms p99_ms loss_pct colour label note note_y_ms\n"
	      "# (a board that never answered: NaN figures and the note \"no reply\")\n", d);
	for (k = 0; k < R->n; k++) {
		const struct ub_result *r = &R->r[k];
		const struct ub_result_box *b = &r->box;
		double loss = 0;
		json_t *lp = json_object_get(r->summary, "loss_pct");

		if (!in_compare(r))
			continue;
		used++;
		loss = json_is_number(lp) ? json_number_value(lp) : 0.0;
		if (!r->n_rtt)
			snprintf(t, sizeof(t), "%s", TX(R, "no reply", UB_ZH_NO_REPLY));
		else if (many)
			snprintf(t, sizeof(t), "%.1f%%", loss);
		else if (r->tcp)
			snprintf(t, sizeof(t), TX(R, "lost %.1f%%, %" PRId64 " resent", "丢包 %.1f%%，重传 %" PRId64 " 次"),
				 loss, ub_results_int(r->summary, "tcp_retransmits", 0));
		else
			snprintf(t, sizeof(t), TX(R, "lost %.1f%%", "丢包 %.1f%%"), loss);
		if (r->n_rtt)
			fprintf(d, "%u %.6f %.6f %.6f %.6f %.6f %.6f %.4f %u ", used, ub_report_ms(b->p5),
				ub_report_ms(b->q1), ub_report_ms(b->median), ub_report_ms(b->q3),
				ub_report_ms(b->p95), ub_report_ms(b->p99), loss, many ? 1 : k + 1);
		else
			fprintf(d, "%u NaN NaN NaN NaN NaN NaN %.4f %u ", used, loss, many ? 1 : k + 1);
		ub_gnuplot_datum(d, r->label);
		fputc(' ', d);
		ub_gnuplot_datum(d, t);
		/* the note above the 99 % mark, or low in the empty place */
		fprintf(d, " %.6f\n", r->n_rtt ? ub_report_ms(b->p99) + ymax * 0.1 : ymax * 0.1);
	}
	*used_out = used;
	*ymax_out = ymax;
	return ub_gnuplot_close(d, R, "compare.dat", e);
}

/*
 * Writes the label under result r's box into settings f as xl[i]: wrapped
 * to the room each of used boxes has, or (many) upright and cut short;
 * raises *lines or *cols to what it takes. The radio it was measured
 * under (params.wifi) goes below it as wl[i], raising *wlines; upright,
 * its short form ends the label itself.
 */
static void box_label(const struct ub_report_ctx *R, FILE *f, const struct ub_result *r, unsigned i,
		      unsigned used, unsigned many, unsigned *lines, unsigned *cols, unsigned *wlines)
{
	char var[32], lbl[512], fmt[1024], wifi[160], wl[200] = "";
	size_t a, b, c, width = used > 1 ? (90 / used > 8 ? 90 / used : 8) : 90;
	unsigned l;

	if (many) {
		ub_words_clip(r->label, 20, lbl, sizeof(lbl));
		c = ub_words_width(lbl);
		if (ub_wifinote(R, r, UB_WIFINOTE_SHORT, wifi, sizeof(wifi))) {
			snprintf(lbl + strlen(lbl), sizeof(lbl) - strlen(lbl), "\n%s", wifi);
			c = ub_words_width(wifi) > c ? ub_words_width(wifi) : c;
		}
		*cols = c > *cols ? (unsigned)c : *cols;
	} else {
		l = ub_words_wrap(lbl, sizeof(lbl), r->label, width);
		*lines = l > *lines ? l : *lines;
		if (ub_wifinote(R, r, UB_WIFINOTE_FULL, wifi, sizeof(wifi))) {
			l = ub_words_wrap(wl, sizeof(wl), wifi, width);
			*wlines = l > *wlines ? l : *wlines;
		}
	}
	/* gnuplot reads a tic label as a format: a % stays a % when doubled */
	for (a = b = 0; lbl[a] && b + 2 < sizeof(fmt); a++) {
		if (lbl[a] == '%')
			fmt[b++] = '%';
		fmt[b++] = lbl[a];
	}
	fmt[b] = '\0';
	snprintf(var, sizeof(var), "xl[%u]", i);
	ub_gnuplot_str(f, var, fmt);
	/* a label's text is no format */
	snprintf(var, sizeof(var), "wl[%u]", i);
	ub_gnuplot_str(f, var, wl);
}

/* Chart 5: one box per result. */
int ub_chart_compare(struct ub_report_ctx *R, struct ub_err *e)
{
	double ymax = 0;
	unsigned k, i, used = 0, lines = 1, cols = 0, many = 0, boxes = 0, wlines = 0;
	char t[512];
	FILE *f;
	int rc;

	for (k = 0; k < R->n; k++) {
		many += in_compare(&R->r[k]);
		boxes += R->r[k].n_rtt > 0;
	}
	/* nothing to compare without a box: "no reply" alone is in the table and the overview */
	if (!boxes)
		return 0;
	/* a classroom of boards: short notes, labels turned upright, one colour */
	many = many > 8;
	rc = compare_data(R, many, &used, &ymax, e);
	if (rc || !used)
		return rc;
	f = ub_gnuplot_chart_open(R, UB_REPORT_CH_COMPARE, "compare.gp", -1, -1, "compare", e);
	if (!f)
		return e->code;
	ub_gnuplot_str(f, "f_box", "compare.dat");
	fprintf(f, "n = %u\narray xl[n]\narray wl[n]\n", used);
	/* the labels under the boxes, wrapped to the room each box has, or upright and cut short */
	for (k = 0, i = 1; k < R->n; k++)
		if (in_compare(&R->r[k]))
			box_label(R, f, &R->r[k], i++, used, many, &lines, &cols, &wlines);
	fprintf(f, "upright = %u\nlabel_lines = %u\nlabel_cols = %u\nwifi_lines = %u\n", many, lines,
		cols, wlines);
	ub_gnuplot_num(f, "ymax", ymax * 1.22 + 1e-3);
	snprintf(t, sizeof(t), "%s%s%s",
		 R->c->title ? R->c->title : "", R->c->title ? "\n" : "",
		 TX(R, "Which setup is better?\nLower boxes are faster, shorter boxes steadier; the loss % is written above each",
		    "哪种配置更好？\n箱子越低越快，越短越稳；上方写着丢包率"));
	ub_gnuplot_str(f, "t_title", t);
	ub_gnuplot_str(f, "t_y", TX(R, "round-trip time (ms)", UB_ZH_RTT "（毫秒）"));
	ub_gnuplot_str(f, "t_box", TX(R, "middle half of the replies (25%-75%)",
				       "中间一半的回复（25%–75%）"));
	ub_gnuplot_str(f, "t_whisk", TX(R, "whiskers: 5% to 95%", "须线：5% 到 95%"));
	ub_gnuplot_str(f, "t_median", TX(R, "median", "中位数"));
	ub_gnuplot_str(f, "t_p99", TX(R, "99% are faster than this", "99% 的回复比这快"));
	return ub_gnuplot_close(f, R, "compare settings", e);
}
