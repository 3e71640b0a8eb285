/*
 * udpbench: reports — the charts (charts.h): what each one shows, written
 * as data files and settings into the work folder for gnuplot.c to draw.
 */
#include "reports/charts.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/fmt.h"
#include "reports/gnuplot.h"

/* Every text for people is TX(R, English, Chinese). */
#define TX UB_REPORT_TX

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static double sec(int64_t ns)
{
	return (double)ns / 1e9;
}

/* The RTT a lost probe would have had: between the replies around it. */
static double guess_rtt(const struct ub_result *r, size_t i, size_t prev, size_t next)
{
	int hp = prev != SIZE_MAX, hn = next != SIZE_MAX;

	if (hp && hn)
		return ms(r->p[prev].rtt_ns) + (ms(r->p[next].rtt_ns) - ms(r->p[prev].rtt_ns)) *
		       (double)(i - prev) / (double)(next - prev);
	if (hp)
		return ms(r->p[prev].rtt_ns);
	if (hn)
		return ms(r->p[next].rtt_ns);
	return 0.0;
}

/* The foot of an RTT axis (ms): 0, or below a negative RTT a CSV may hold. */
static double y_floor(const struct ub_result *r)
{
	return r->n_rtt && r->box.min < 0 ? ms(r->box.min) * 1.12 : 0;
}

/* Chart 1's data: replies (a break at each loss), lost, late and retransmission marks. */
static int write_rtt_data(struct ub_report_ctx *R, struct ub_result *r, double ytop,
			  struct ub_err *e)
{
	static const char *const sfx[] = { "rtt", "lost", "late", "retx" };
	FILE *f[4] = { NULL };
	char name[4][200];
	size_t i, prev = SIZE_MAX, next = SIZE_MAX;
	int64_t last_retx = 0;
	int rc = 0, gap = 0;

	for (i = 0; i < 4; i++) {
		snprintf(name[i], sizeof(name[i]), "%s-%s.dat", r->slug, sfx[i]);
		f[i] = ub_gnuplot_open(R, name[i], e);
		if (!f[i]) {
			rc = e->code;
			goto out;
		}
	}
	fputs("# time_s rtt_ms seq\n", f[0]);
	fputs("# time_s rtt_ms(guessed from the replies around it) seq\n", f[1]);
	fputs("# time_s y_ms(top of the chart) seq rtt_ms\n", f[2]);
	fputs("# time_s rtt_ms seq retransmits_so_far new_retransmits\n", f[3]);
	for (i = 0; i < r->n_p; i++) {
		const struct ub_result_probe *p = &r->p[i];

		if (p->ok) {
			fprintf(f[0], "%.6f %.6f %" PRId64 "\n", sec(p->tx_ns), ms(p->rtt_ns),
				r->base + (int64_t)i);
			prev = i;
			gap = 0;
			if (p->has_retx && p->retx > last_retx) {
				fprintf(f[3], "%.6f %.6f %" PRId64 " %" PRId64 " %" PRId64 "\n",
					sec(p->tx_ns), ms(p->rtt_ns), r->base + (int64_t)i, p->retx,
					p->retx - last_retx);
				last_retx = p->retx;
			}
			continue;
		}
		if (!gap && prev != SIZE_MAX)
			fputc('\n', f[0]);
		gap = 1;
		if (!p->lost)
			continue;
		if (next == SIZE_MAX || next < i)
			for (next = i + 1; next < r->n_p && !r->p[next].ok; next++)
				;
		if (p->late)
			fprintf(f[2], "%.6f %.6f %" PRId64 " %.6f\n", sec(p->tx_ns), ytop,
				r->base + (int64_t)i, ms(p->rtt_ns));
		else
			fprintf(f[1], "%.6f %.6f %" PRId64 "\n", sec(p->tx_ns),
				guess_rtt(r, i, prev, next < r->n_p ? next : SIZE_MAX),
				r->base + (int64_t)i);
	}
out:
	for (i = 0; i < 4; i++)
		if (f[i] && ub_gnuplot_close(f[i], R, name[i], e) < 0 && !rc)
			rc = e->code;
	return rc;
}

/* Chart 1: RTT over time for one result. */
static int chart_rtt(struct ub_report_ctx *R, unsigned k, struct ub_err *e)
{
	struct ub_result *r = &R->r[k];
	char name[200], t[512], b1[32], b2[32], b3[32];
	double ymax = ms(r->box.max) * 1.12, ymin = y_floor(r);
	FILE *f;
	int rc;

	if (ymax <= 0)
		ymax = 1.0;
	rc = write_rtt_data(R, r, ymax * 0.96, e);
	if (rc)
		return rc;
	snprintf(name, sizeof(name), "rtt-%s", r->slug);
	f = ub_gnuplot_chart_open(R, UB_REPORT_CH_RTT, "rtt.gp", (int)k, -1, name, e);
	if (!f)
		return e->code;
	ub_gnuplot_file(f, "f_rtt", r, "rtt");
	ub_gnuplot_file(f, "f_lost", r, "lost");
	ub_gnuplot_file(f, "f_late", r, "late");
	ub_gnuplot_file(f, "f_retx", r, "retx");
	fprintf(f, "n_rtt = %zu\nn_lost = %zu\nn_late = %zu\nn_retx = %zu\n", r->n_rtt,
		r->n_lost - r->n_late, r->n_late, r->n_retx);
	ub_gnuplot_num(f, "xmax", sec(r->t_end) * 1.02 + 1e-3);
	ub_gnuplot_num(f, "ymin", ymin);
	ub_gnuplot_num(f, "ymax", ymax);
	ub_gnuplot_num(f, "median_ms", ms(r->box.median));
	ub_gnuplot_num(f, "p99_ms", ms(r->box.p99));
	snprintf(t, sizeof(t), "%s%s\n%s", r->label,
		 r->proto_in_label || strcasestr(r->label, r->tcp ? "tcp" : "udp") ? ""
		 : r->tcp ? " (TCP)" : " (UDP)",
		 r->tcp ? TX(R, "Round-trip time of every message: spikes are waits for a resend (red ▲: this side resent)",
			     "每条消息的" UB_ZH_RTT "：尖峰是在等重传（" UB_ZH_C_LOST " ▲：本机重传）")
			: TX(R, "Round-trip time of every probe: look for spikes, gaps and red × (lost probes)",
			     "每个探测包的" UB_ZH_RTT "：看尖峰、断口和" UB_ZH_C_LOST " ×（丢失的探测包）"));
	ub_gnuplot_str(f, "t_title", t);
	ub_gnuplot_str(f, "t_x", TX(R, "time since the start of the run (s)", "开始后的时间（秒）"));
	ub_gnuplot_str(f, "t_y", TX(R, "round-trip time (ms)", UB_ZH_RTT "（毫秒）"));
	snprintf(t, sizeof(t), TX(R, "reply (%zu)", "收到回复（%zu 个）"), r->n_rtt);
	ub_gnuplot_str(f, "t_rtt", t);
	snprintf(t, sizeof(t), TX(R, "lost: no reply (%zu)", "丢失：没有回复（%zu 个）"),
		 r->n_lost - r->n_late);
	ub_gnuplot_str(f, "t_lost", t);
	ub_report_fmt_dur(R, b3, sizeof(b3), ub_results_int(r->params, "timeout_ns", 0));
	snprintf(t, sizeof(t), TX(R, "late: over %s, counted lost (%zu)", UB_ZH_LATE "：过了" UB_ZH_TMAX " %s 才到，算作丢失（%zu 个）"),
		 b3, r->n_late);
	ub_gnuplot_str(f, "t_late", t);
	snprintf(t, sizeof(t), TX(R, "this side resent (%zu places)", "本机重传（%zu 处）"), r->n_retx);
	ub_gnuplot_str(f, "t_retx", t);
	ub_report_fmt_dur(R, b1, sizeof(b1), r->box.median);
	ub_report_fmt_dur(R, b2, sizeof(b2), r->box.p99);
	snprintf(t, sizeof(t), TX(R, "median %s", "中位数 %s"), b1);
	ub_gnuplot_str(f, "t_median", t);
	snprintf(t, sizeof(t), TX(R, "99%% are faster than %s", "99%% 的回复快于 %s"), b2);
	ub_gnuplot_str(f, "t_p99", t);
	return ub_gnuplot_close(f, R, "rtt settings", e);
}

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
		fprintf(d, "%.6f %.6f\n", ms(r->rtt[i]), 100.0 * (double)(i + 1) / (double)r->n_rtt);
	if ((rc = ub_gnuplot_close(d, R, name, e)))
		return rc;
	memset(bins, 0, (ax->nb + 1) * sizeof(*bins));
	for (i = 0; i < r->n_rtt; i++) {
		v = ms(r->rtt[i]);
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
static int chart_cdf(struct ub_report_ctx *R, struct ub_err *e)
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
		xhi = !used || ms(b->p99) > xhi ? ms(b->p99) : xhi;
		used++;
		top = ms(b->max) > top ? ms(b->max) : top;
		low = ms(b->min) < low ? ms(b->min) : low;
		mid = ms(b->median) < mid ? ms(b->median) : mid;
	}
	if (!used)
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

/* The rows of chart 3, each a data file: arrived, lost up, lost down, lost (no split), late. */
static const char *const loss_sfx[] = { "loss-ok", "loss-up", "loss-down", "loss-lost", "loss-late" };

/* Writes result r's chart 3 data: a line per probe in the file of its row. Returns 0 or UB_E_IO. */
static int loss_files(struct ub_report_ctx *R, const struct ub_result *r, struct ub_err *e)
{
	FILE *f[5] = { NULL };
	char name[5][200];
	int rc = 0, w;
	size_t i;

	for (i = 0; i < 5; i++) {
		snprintf(name[i], sizeof(name[i]), "%s-%s.dat", r->slug, loss_sfx[i]);
		f[i] = ub_gnuplot_open(R, name[i], e);
		if (!f[i]) {
			rc = e->code;
			goto out;
		}
		fputs("# probe_number row\n", f[i]);
	}
	for (i = 0; i < r->n_p; i++) {
		const struct ub_result_probe *p = &r->p[i];

		if (!p->seen)
			continue;
		if (p->ok)
			w = 0;
		else if (p->late)
			w = 4;
		else if (!r->split)
			w = 3;
		else
			w = p->dir == UB_RESULT_DIR_DOWN ? 2 : 1;
		fprintf(f[w], "%zu %d\n", i,
			w == 0 ? (r->split ? 3 : 2) : w == 1 ? 2 : 1);
	}
out:
	for (i = 0; i < 5; i++)
		if (f[i] && ub_gnuplot_close(f[i], R, name[i], e) < 0 && !rc)
			rc = e->code;
	return rc;
}

/* Writes chart 3's figures and texts for result r into settings file s. */
static void loss_texts(const struct ub_report_ctx *R, const struct ub_result *r, FILE *s)
{
	json_t *bursts = json_object_get(r->summary, "loss_bursts");
	char t[512], b1[32];

	fprintf(s, "split = %d\nn_probes = %zu\nn_ok = %zu\nn_up = %zu\nn_down = %zu\nn_lost = %zu\nn_late = %zu\n",
		r->split, r->n_p, r->n_rtt, r->n_up, r->n_down - r->n_late, r->n_lost - r->n_late,
		r->n_late);
	/* the colours of loss.gp: lost there (or lost) in c_red, lost back in dark brown */
	if (r->split)
		snprintf(t, sizeof(t), TX(R, "%1$s: which probes were lost? %3$zu of %2$zu\nOne mark per probe; "
					  "red (there) and brown (back) blocks are losses in a row",
					  "%s：哪些探测包丢了？%zu 个中丢了 %zu 个\n一格一个探测包，" UB_ZH_C_LOST
					  "（去程）和" UB_ZH_C_DOWN "（回程）连成块就是连续丢包"),
			 r->label, r->n_p, r->n_lost);
	else
		snprintf(t, sizeof(t), TX(R, "%1$s: which probes were lost? %3$zu of %2$zu\nOne mark per probe; "
					  "red blocks are losses in a row",
					  "%s：哪些探测包丢了？%zu 个中丢了 %zu 个\n一格一个探测包，" UB_ZH_C_LOST
					  "连成块就是连续丢包"),
			 r->label, r->n_p, r->n_lost);
	if (json_is_object(bursts) && ub_results_int(bursts, "count", 0) > 0) {
		size_t n = strlen(t);

		snprintf(t + n, sizeof(t) - n,
			 TX(R, " (%" PRId64 " bursts, the longest %" PRId64 ")",
			    "（%" PRId64 " 段，最长连丢 %" PRId64 " 个）"),
			 ub_results_int(bursts, "count", 0), ub_results_int(bursts, "max_len", 0));
	}
	ub_gnuplot_str(s, "t_title", t);
	ub_report_fmt_dur(R, b1, sizeof(b1), ub_results_int(r->params, "interval_ns", 0));
	snprintf(t, sizeof(t), TX(R, "probe number (one sent every %s)", "探测包序号（每 %s发一个）"), b1);
	ub_gnuplot_str(s, "t_x", t);
	snprintf(t, sizeof(t), TX(R, "arrived (%zu)", "到达（%zu）"), r->n_rtt);
	ub_gnuplot_str(s, "t_ok", t);
	snprintf(t, sizeof(t), TX(R, "lost on the way there (%zu)", "去程丢失（%zu）"), r->n_up);
	ub_gnuplot_str(s, "t_up", t);
	snprintf(t, sizeof(t), TX(R, "lost on the way back (%zu)", "回程丢失（%zu）"), r->n_down);
	ub_gnuplot_str(s, "t_down", t);
	snprintf(t, sizeof(t), TX(R, "lost (%zu)", "丢失（%zu）"), r->n_lost);
	ub_gnuplot_str(s, "t_lost", t);
	snprintf(t, sizeof(t), TX(R, "late reply, counted lost (%zu)", "回复" UB_ZH_LATE "，算作丢失（%zu）"), r->n_late);
	ub_gnuplot_str(s, "t_late", t);
	ub_gnuplot_str(s, "t_row_ok", TX(R, "arrived", "到达"));
	ub_gnuplot_str(s, "t_row_up", TX(R, "lost there", "去程丢失"));
	ub_gnuplot_str(s, "t_row_down", TX(R, "lost back", "回程丢失"));
	ub_gnuplot_str(s, "t_row_lost", TX(R, "lost", "丢失"));
}

/* Chart 3: one mark per probe in its row: arrived, lost up, lost down (or lost), late. */
static int chart_loss(struct ub_report_ctx *R, unsigned k, struct ub_err *e)
{
	struct ub_result *r = &R->r[k];
	char cname[200], var[32];
	size_t i;
	int rc;
	FILE *s;

	rc = loss_files(R, r, e);
	if (rc)
		return rc;
	snprintf(cname, sizeof(cname), "loss-%s", r->slug);
	s = ub_gnuplot_chart_open(R, UB_REPORT_CH_LOSS, "loss.gp", (int)k, -1, cname, e);
	if (!s)
		return e->code;
	for (i = 0; i < 5; i++) {
		snprintf(var, sizeof(var), "f_%s", loss_sfx[i] + 5);
		ub_gnuplot_file(s, var, r, loss_sfx[i]);
	}
	loss_texts(R, r, s);
	return ub_gnuplot_close(s, R, "loss settings", e);
}

/*
 * Writes result r's chart 4 data: each reply by arrival (SLUG-order.dat)
 * and those that came out of order (SLUG-reordered.dat), with how many
 * places late (RFC 4737 §4.2 extents). *na gets the replies, *emax the
 * most places late. Returns 0, UB_E_IO or UB_E_NOMEM.
 */
static int reorder_files(struct ub_report_ctx *R, const struct ub_result *r, size_t *na_out,
			 size_t *emax_out, struct ub_err *e)
{
	int64_t *pm = NULL;
	size_t i, na = 0, emax = 0;
	FILE *f[2] = { NULL };
	char name[2][200];
	int rc = 0;

	pm = malloc((r->n_rows + 1) * sizeof(*pm));
	if (!pm)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	for (i = 0; i < 2; i++) {
		snprintf(name[i], sizeof(name[i]), "%s-%s.dat", r->slug, i ? "reordered" : "order");
		f[i] = ub_gnuplot_open(R, name[i], e);
		if (!f[i]) {
			rc = e->code;
			goto out;
		}
		fputs("# arrival_number probe_number extent\n", f[i]);
	}
	/* the CSV lists first copies in time in the order the sender took them */
	for (i = 0; i < r->n_rows; i++) {
		const struct ub_result_row *w = &r->rows[i];
		int64_t s_ = w->seq - r->base;
		size_t extent = 0;

		if (w->status != UB_RESULT_OK)
			continue;
		pm[na] = na == 0 || s_ > pm[na - 1] ? s_ : pm[na - 1];
		if (na > 0 && s_ < pm[na - 1]) {
			size_t lo = 0, hi = na;

			while (lo < hi) {
				size_t m = (lo + hi) / 2;

				if (pm[m] > s_)
					hi = m;
				else
					lo = m + 1;
			}
			extent = na - lo;
		}
		fprintf(f[0], "%zu %" PRId64 " %zu\n", na, s_, extent);
		if (w->reordered) {
			fprintf(f[1], "%zu %" PRId64 " %zu\n", na, s_, extent ? extent : 1);
			emax = extent > emax ? extent : emax;
		}
		na++;
	}
	*na_out = na;
	*emax_out = emax;
out:
	for (i = 0; i < 2; i++)
		if (f[i] && ub_gnuplot_close(f[i], R, name[i], e) < 0 && !rc)
			rc = e->code;
	free(pm);
	return rc;
}

/* Chart 4: arrival order against sequence number, and how many places late each straggler was. */
static int chart_reorder(struct ub_report_ctx *R, unsigned k, struct ub_err *e)
{
	struct ub_result *r = &R->r[k];
	size_t na = 0, emax = 0;
	char cname[200], t[512];
	FILE *s;
	int rc;

	rc = reorder_files(R, r, &na, &emax, e);
	if (rc)
		return rc;
	snprintf(cname, sizeof(cname), "reorder-%s", r->slug);
	s = ub_gnuplot_chart_open(R, UB_REPORT_CH_REORDER, "reorder.gp", (int)k, -1, cname, e);
	if (!s)
		return e->code;
	ub_gnuplot_file(s, "f_order", r, "order");
	ub_gnuplot_file(s, "f_reord", r, "reordered");
	fprintf(s, "n_arrived = %zu\nn_reord = %zu\nn_probes = %zu\nemax = %zu\n", na, r->n_reord,
		r->n_p, emax);
	if (r->n_reord)
		snprintf(t, sizeof(t), TX(R, "%s: did the replies come back in the order sent?\n%zu of %zu arrived after a later probe (orange); below: how many places late",
					  "%s：回复是按发送顺序回来的吗？\n%zu / %zu 个比后发的探测包还晚到（" UB_ZH_C_REORDER "）；下图：晚了几个位置"),
			 r->label, r->n_reord, na);
	else
		snprintf(t, sizeof(t), TX(R, "%s: did the replies come back in the order sent?\nYes: all %zu on one rising line, none overtaken",
					  "%s：回复是按发送顺序回来的吗？\n是的：%zu 个全部在一条上升线上，没有乱序"),
			 r->label, na);
	ub_gnuplot_str(s, "t_title", t);
	ub_gnuplot_str(s, "t_x", TX(R, "arrival order (n-th reply received)", "到达顺序（收到的第 n 个回复）"));
	ub_gnuplot_str(s, "t_y", TX(R, "probe number", "探测包序号"));
	ub_gnuplot_str(s, "t_y2", TX(R, "places late", "晚了几位"));
	ub_gnuplot_str(s, "t_in", TX(R, "in order", "按顺序"));
	snprintf(t, sizeof(t), TX(R, "out of order (%zu)", "乱序（%zu 个）"), r->n_reord);
	ub_gnuplot_str(s, "t_out", t);
	return ub_gnuplot_close(s, R, "reorder settings", e);
}

/* Display columns of the UTF-8 character at s (CJK, three bytes and more, is two wide); *len its bytes. */
static unsigned char_cols(const char *s, size_t *len)
{
	unsigned char c = (unsigned char)*s;

	*len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	for (size_t i = 1; i < *len; i++)
		if (!s[i]) {
			*len = i;
			break;
		}
	return c >= 0xE0 ? 2 : 1;
}

/*
 * Copies s into b with line breaks, at spaces or between Chinese characters,
 * so that lines stay near w columns; returns the number of lines.
 */
static unsigned wrap(char *b, size_t n, const char *s, unsigned w)
{
	unsigned col = 0, lines = 1, cols;
	size_t k = 0, len, wl;
	const char *word;
	int space;

	for (;;) {
		for (space = 0; *s == ' '; s++)
			space = 1;
		if (!*s)
			break;
		word = s;
		cols = char_cols(s, &len);
		s += len;
		/* a Chinese character is a word of its own; other words run to a space */
		if ((unsigned char)*word < 0xE0)
			while (*s && *s != ' ' && (unsigned char)*s < 0xE0) {
				cols += char_cols(s, &len);
				s += len;
			}
		wl = (size_t)(s - word);
		if (k + wl + 2 >= n)
			break;
		if (col > 0 && col + (unsigned)space + cols > w) {
			b[k++] = '\n';
			col = 0;
			lines++;
		} else if (col > 0 && space) {
			b[k++] = ' ';
			col++;
		}
		memcpy(b + k, word, wl);
		k += wl;
		col += cols;
	}
	b[k] = '\0';
	return lines;
}

/*
 * Writes chart 5's data, a box per result with replies (compare.dat):
 * short loss notes when many. *used gets the boxes, *ymax the highest p99
 * (ms). Returns 0 or UB_E_IO.
 */
static int compare_data(struct ub_report_ctx *R, unsigned many, unsigned *used_out, double *ymax_out,
			struct ub_err *e)
{
	unsigned k, used = 0;
	double ymax = 0;
	char t[512];
	FILE *d;

	d = ub_gnuplot_open(R, "compare.dat", e);
	if (!d)
		return e->code;
	fputs("# box p5_ms q1_ms median_ms q3_ms p95_ms p99_ms loss_pct colour label note\n", d);
	for (k = 0; k < R->n; k++) {
		const struct ub_result *r = &R->r[k];
		const struct ub_result_box *b = &r->box;
		double loss = 0;
		json_t *lp = json_object_get(r->summary, "loss_pct");

		if (!r->n_rtt)
			continue;
		used++;
		loss = json_is_number(lp) ? json_number_value(lp) : 0.0;
		if (many)
			snprintf(t, sizeof(t), "%.1f%%", loss);
		else if (r->tcp)
			snprintf(t, sizeof(t), TX(R, "lost %.1f%%, %" PRId64 " resent", "丢包 %.1f%%，重传 %" PRId64 " 次"),
				 loss, ub_results_int(r->summary, "tcp_retransmits", 0));
		else
			snprintf(t, sizeof(t), TX(R, "lost %.1f%%", "丢包 %.1f%%"), loss);
		fprintf(d, "%u %.6f %.6f %.6f %.6f %.6f %.6f %.4f %u ", used, ms(b->p5), ms(b->q1),
			ms(b->median), ms(b->q3), ms(b->p95), ms(b->p99), loss, k + 1);
		ub_gnuplot_datum(d, r->label);
		fputc(' ', d);
		ub_gnuplot_datum(d, t);
		fputc('\n', d);
		ymax = ms(b->p99) > ymax ? ms(b->p99) : ymax;
	}
	*used_out = used;
	*ymax_out = ymax;
	return ub_gnuplot_close(d, R, "compare.dat", e);
}

/*
 * Writes the label under result r's box into settings f as xl[i]: wrapped
 * to the room each of used boxes has, or (many) upright and cut short;
 * raises *lines or *cols to what it takes.
 */
static void box_label(FILE *f, const struct ub_result *r, unsigned i, unsigned used, unsigned many,
		      unsigned *lines, unsigned *cols)
{
	char var[32], lbl[512], fmt[1024];
	unsigned l, c = 0;
	size_t a, b, len;

	if (many) {
		for (a = 0; r->label[a] && c < 20 && a + 4 < sizeof(lbl); a += len)
			c += char_cols(r->label + a, &len);
		snprintf(lbl, sizeof(lbl), "%.*s%s", (int)a, r->label, r->label[a] ? "…" : "");
		*cols = c > *cols ? c : *cols;
	} else {
		l = wrap(lbl, sizeof(lbl), r->label, used > 1 ? (90 / used > 8 ? 90 / used : 8) : 90);
		*lines = l > *lines ? l : *lines;
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
}

/* Chart 5: one box per result. */
static int chart_compare(struct ub_report_ctx *R, struct ub_err *e)
{
	double ymax = 0;
	unsigned k, i, used = 0, lines = 1, cols = 0, many = 0;
	char t[512];
	FILE *f;
	int rc;

	for (k = 0; k < R->n; k++)
		many += R->r[k].n_rtt > 0;
	/* a classroom of boards: short notes, labels turned upright */
	many = many > 8;
	rc = compare_data(R, many, &used, &ymax, e);
	if (rc || !used)
		return rc;
	f = ub_gnuplot_chart_open(R, UB_REPORT_CH_COMPARE, "compare.gp", -1, -1, "compare", e);
	if (!f)
		return e->code;
	ub_gnuplot_str(f, "f_box", "compare.dat");
	fprintf(f, "n = %u\narray xl[n]\n", used);
	/* the labels under the boxes, wrapped to the room each box has, or upright and cut short */
	for (k = 0, i = 1; k < R->n; k++)
		if (R->r[k].n_rtt)
			box_label(f, &R->r[k], i++, used, many, &lines, &cols);
	fprintf(f, "upright = %u\nlabel_lines = %u\nlabel_cols = %u\n", many, lines, cols);
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

/* Chart 6: the UDP result u above the TCP result t, same time axis, same scale. */
static int chart_udptcp(struct ub_report_ctx *R, unsigned u, unsigned tc, unsigned npairs,
			struct ub_err *e)
{
	const struct ub_result *a = &R->r[u], *b = &R->r[tc];
	char name[200], t[512], b1[32], b2[32];
	double ymax, ymin, xmax;
	FILE *f;

	if (npairs > 1)
		snprintf(name, sizeof(name), "udp-vs-tcp-%s", b->slug);
	else
		snprintf(name, sizeof(name), "udp-vs-tcp");
	f = ub_gnuplot_chart_open(R, UB_REPORT_CH_UDPTCP, "udp-tcp.gp", (int)u, (int)tc, name, e);
	if (!f)
		return e->code;
	ymax = (ms(a->box.max) > ms(b->box.max) ? ms(a->box.max) : ms(b->box.max)) * 1.12;
	ymin = y_floor(a) < y_floor(b) ? y_floor(a) : y_floor(b);
	xmax = (sec(a->t_end) > sec(b->t_end) ? sec(a->t_end) : sec(b->t_end)) * 1.02 + 1e-3;
	ub_gnuplot_file(f, "f_udp", a, "rtt");
	ub_gnuplot_file(f, "f_udp_lost", a, "lost");
	ub_gnuplot_file(f, "f_tcp", b, "rtt");
	ub_gnuplot_file(f, "f_tcp_lost", b, "lost");
	ub_gnuplot_file(f, "f_tcp_retx", b, "retx");
	fprintf(f, "n_udp = %zu\nn_tcp = %zu\nn_udp_lost = %zu\nn_tcp_lost = %zu\nn_tcp_retx = %zu\n",
		a->n_rtt, b->n_rtt, a->n_lost - a->n_late, b->n_lost - b->n_late, b->n_retx);
	ub_gnuplot_num(f, "xmax", xmax);
	ub_gnuplot_num(f, "ymin", ymin);
	ub_gnuplot_num(f, "ymax", ymax > 0 ? ymax : 1.0);
	snprintf(t, sizeof(t), "%s%s%s", R->c->title ? R->c->title : "", R->c->title ? "\n" : "",
		 TX(R, "Same link, two kinds of letter: UDP loses, TCP waits",
		    "同一条链路，两种信：UDP 会丢，TCP 会等"));
	ub_gnuplot_str(f, "t_title", t);
	ub_report_fmt_dur(R, b1, sizeof(b1), a->box.p99);
	if (R->zh)
		snprintf(t, sizeof(t), "UDP 像平信：%" PRId64 " 个里丢了 %" PRId64 " 个（%.1f%%），99%% 快于 %s",
			 ub_results_int(a->summary, "sent", 0),
			 ub_results_int(a->summary, "lost", 0),
			 json_number_value(json_object_get(a->summary, "loss_pct")), b1);
	else
		snprintf(t, sizeof(t), "UDP, an ordinary letter: %" PRId64 " of %" PRId64 " lost (%.1f%%), 99%% faster than %s",
			 ub_results_int(a->summary, "lost", 0),
			 ub_results_int(a->summary, "sent", 0),
			 json_number_value(json_object_get(a->summary, "loss_pct")), b1);
	ub_gnuplot_str(f, "t_udp", t);
	ub_report_fmt_dur(R, b2, sizeof(b2), b->box.p99);
	snprintf(t, sizeof(t), TX(R, "TCP, a registered letter: %" PRId64 " lost, %" PRId64 " retransmissions, 99%% faster than %s",
				  "TCP 像挂号信：丢了 %" PRId64 " 个，重传 %" PRId64 " 次，99%% 快于 %s"),
		 ub_results_int(b->summary, "lost", 0),
		 ub_results_int(b->summary, "tcp_retransmits", 0), b2);
	ub_gnuplot_str(f, "t_tcp", t);
	ub_gnuplot_str(f, "t_caption", TX(R, "UDP is an ordinary letter: what is lost stays lost. TCP is a registered letter: nothing is lost, but you wait.",
				  "UDP 像平信：丢了就丢了；TCP 像挂号信：不丢，但要等。"));
	ub_gnuplot_str(f, "t_x", TX(R, "time since the start of each run (s)", "每次测量开始后的时间（秒）"));
	ub_gnuplot_str(f, "t_y", TX(R, "latency (ms)", UB_ZH_RTT "（毫秒）"));
	ub_gnuplot_str(f, "t_udp_reply", TX(R, "UDP reply", "UDP 回复"));
	ub_gnuplot_str(f, "t_tcp_reply", TX(R, "TCP reply", "TCP 回复"));
	ub_gnuplot_str(f, "t_lost", TX(R, "UDP lost", "UDP 丢失"));
	ub_gnuplot_str(f, "t_retx", TX(R, "TCP resent by the sender", "TCP 发送端重传"));
	return ub_gnuplot_close(f, R, "udp-vs-tcp settings", e);
}

/*
 * The UDP result to show beside TCP result tc: the one measured against the
 * same address (the same link), else one from the same folder, else the first.
 */
static int pair_of(const struct ub_report_ctx *R, unsigned tc)
{
	const char *addr = ub_results_str(R->r[tc].params, "peer_addr");
	unsigned k;
	int best = -1, score, top = -1;

	for (k = 0; k < R->n; k++) {
		const char *a = ub_results_str(R->r[k].params, "peer_addr");

		if (R->r[k].tcp || !R->r[k].n_p)
			continue;
		score = (addr && a && strcmp(a, addr) == 0) * 2 + (strcmp(R->r[k].dir, R->r[tc].dir) == 0);
		if (score > top) {
			top = score;
			best = (int)k;
		}
	}
	return best;
}

int ub_charts_write(struct ub_report_ctx *R, struct ub_err *e)
{
	unsigned k, npairs = 0;
	int rc = 0;

	for (k = 0; k < R->n; k++)
		npairs += R->r[k].tcp && R->r[k].n_p && pair_of(R, k) >= 0;
	/* the lesson first, then the comparison, then each result */
	for (k = 0; k < R->n && !rc; k++)
		if (R->r[k].tcp && R->r[k].n_p && pair_of(R, k) >= 0)
			rc = chart_udptcp(R, (unsigned)pair_of(R, k), k, npairs, e);
	if (!rc)
		rc = chart_compare(R, e);
	if (!rc)
		rc = chart_cdf(R, e);
	for (k = 0; k < R->n && !rc; k++) {
		if (!R->r[k].n_p)
			continue;
		rc = chart_rtt(R, k, e);
		if (!rc && !R->r[k].tcp)
			rc = chart_loss(R, k, e);
		if (!rc && !R->r[k].tcp)
			rc = chart_reorder(R, k, e);
	}
	return rc;
}
