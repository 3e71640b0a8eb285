/*
 * udpbench: reports — the long-run chart (longrun.h): SLUG-longrun.dat,
 * drawn by longrun.gp.
 *
 * A run of a day has 86400 records of 1 s, a chart 1600 pixels: past
 * UB_LONGRUN_COLUMNS records, k neighbours make one column, as an RRD
 * consolidates steps. Sent, received and lost add up exactly, so the
 * colour is the group's true loss; min and max are the extremes of the
 * group; the other figures are the group's means of its records' figures,
 * weighted by their replies (a record keeps figures, not its replies).
 */
#include "reports/longrun.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reports/fmt.h"
#include "reports/gnuplot.h"

/* Every text for people is TX(R, English, Chinese). */
#define TX UB_REPORT_TX

/* The round-trip figures of a record, in the order of the bands. */
enum { F_MIN, F_P10, F_P25, F_MED, F_P75, F_P90, F_MAX, F_N };

static const char *const fig_key[F_N] = {
	"rtt_min_ns", "rtt_p10_ns", "rtt_p25_ns", "rtt_median_ns", "rtt_p75_ns", "rtt_p90_ns", "rtt_max_ns",
};

/* A record, or a column of them. */
struct lr {
	int64_t start, end, sent, received, lost;
	double rtt[F_N]; /* ns; for a column the weighted sums until it is closed */
	int has_rtt;
	int64_t weight;  /* replies behind the weighted figures */
};

/* Loss classes, as smokeping colours them: none, ≤ 2 %, ≤ 5 %, ≤ 10 %, ≤ 20 %, more. */
static const double class_top[] = { 0.0, 2.0, 5.0, 10.0, 20.0 };
#define N_CLASSES 6
/* columns of the run's name in the title (a line of its own) */
#define TITLE_NAME_COLS 60

/* The loss class of lost of sent probes (0 none .. 5 more than 20 %), -1 when none was sent. */
static int loss_class(int64_t lost, int64_t sent)
{
	double pct;
	int c;

	if (sent <= 0)
		return -1;
	if (lost <= 0)
		return 0;
	pct = 100.0 * (double)lost / (double)sent;
	for (c = 1; c < N_CLASSES - 1; c++)
		if (pct <= class_top[c])
			return c;
	return N_CLASSES - 1;
}

/* A figure of record o in ns, -1 when null, missing or negative. */
static int64_t field(json_t *o, const char *k)
{
	int64_t v = ub_results_int(o, k, -1);

	return v >= 0 ? v : -1;
}

/*
 * Reads record o into *v; returns 0, or -1 for one that is not an interval
 * record. *full gets 0 when the record lacks the lower figures (min, p10,
 * p25, p75: written since the long-run chart exists): they are taken from
 * the median then, so the smoke reaches only upwards.
 */
static int read_lr(json_t *o, struct lr *v, int *full)
{
	int64_t f[F_N];
	int i;

	if (!json_is_object(o))
		return -1;
	memset(v, 0, sizeof(*v));
	v->start = field(o, "start_ns");
	v->end = field(o, "end_ns");
	v->sent = field(o, "sent");
	v->received = field(o, "received");
	v->lost = field(o, "lost");
	/* counts past 2^48 are no run's (a session numbers 2^32 probes): sums stay in range */
	if (v->start < 0 || v->end <= v->start || v->sent < 0 || v->lost < 0 || v->lost > v->sent ||
	    v->sent > INT64_C(1) << 48 || v->received > v->sent)
		return -1;
	if (v->received < 0)
		v->received = v->sent - v->lost;
	for (i = 0; i < F_N; i++)
		f[i] = field(o, fig_key[i]);
	*full = 1;
	if (f[F_MED] < 0 || f[F_P90] < f[F_MED] || f[F_MAX] < f[F_P90])
		return 0; /* no round trip at all, or figures out of order */
	if (f[F_MIN] < 0 || f[F_P10] < f[F_MIN] || f[F_P25] < f[F_P10] || f[F_MED] < f[F_P25] ||
	    f[F_P75] < f[F_MED] || f[F_P90] < f[F_P75]) {
		*full = 0;
		f[F_MIN] = f[F_P10] = f[F_P25] = f[F_P75] = f[F_MED];
	}
	for (i = 0; i < F_N; i++)
		v->rtt[i] = (double)f[i];
	v->has_rtt = 1;
	return 0;
}

int ub_longrun_wanted(const struct ub_result *r)
{
	json_t *o;
	size_t i, n = 0;
	struct lr v;
	int full;

	if (!r->intervals || json_array_size(r->intervals) < UB_LONGRUN_MIN_RECORDS)
		return 0;
	json_array_foreach(r->intervals, i, o)
		n += read_lr(o, &v, &full) == 0;
	return n >= UB_LONGRUN_MIN_RECORDS;
}

/* Adds record v to column c (the first record of c when c->sent etc. are 0 and start is -1). */
static void col_add(struct lr *c, const struct lr *v)
{
	int64_t w;
	int i;

	if (c->start < 0)
		c->start = v->start;
	c->end = v->end > c->end ? v->end : c->end;
	c->sent += v->sent;
	c->received += v->received;
	c->lost += v->lost;
	if (!v->has_rtt)
		return;
	/* a record with replies counts at least once, whatever its received says */
	w = v->received > 0 ? v->received : 1;

	if (!c->has_rtt) {
		c->rtt[F_MIN] = v->rtt[F_MIN];
		c->rtt[F_MAX] = v->rtt[F_MAX];
	}
	c->rtt[F_MIN] = fmin(c->rtt[F_MIN], v->rtt[F_MIN]);
	c->rtt[F_MAX] = fmax(c->rtt[F_MAX], v->rtt[F_MAX]);
	for (i = F_P10; i < F_MAX; i++)
		c->rtt[i] += (double)w * v->rtt[i];
	c->weight += w;
	c->has_rtt = 1;
}

/* What the columns add up to, for the settings. */
struct lr_sum {
	size_t cols, per_col, with_rtt, no_reply;
	int full;                 /* every record had the lower figures */
	int64_t span, end;
	double med_top, max_top;  /* ms: the highest median and max of any column */
	double p90[UB_LONGRUN_COLUMNS]; /* ms: each column's p90, for the scale */
};

/* Writes column c (its weighted sums still open) to f at x offset t0 (s) and sums it into *s. */
static void col_write(FILE *f, struct lr *c, double t0, struct lr_sum *s)
{
	int cls = loss_class(c->lost, c->sent), i;
	double a = t0 + (double)c->start / 1e9, b = t0 + (double)c->end / 1e9;

	fprintf(f, "%.3f %.3f %.3f", (a + b) / 2, a, b);
	if (c->has_rtt) {
		for (i = F_P10; i < F_MAX; i++)
			c->rtt[i] /= (double)c->weight;
		for (i = 0; i < F_N; i++)
			fprintf(f, " %.6f", c->rtt[i] / 1e6);
		if (s->with_rtt < UB_LONGRUN_COLUMNS)
			s->p90[s->with_rtt] = c->rtt[F_P90] / 1e6;
		s->with_rtt++;
		s->med_top = fmax(s->med_top, c->rtt[F_MED] / 1e6);
		s->max_top = fmax(s->max_top, c->rtt[F_MAX] / 1e6);
	} else {
		for (i = 0; i < F_N; i++)
			fputs(" NaN", f);
		s->no_reply += c->sent > 0;
	}
	fprintf(f, " %" PRId64 " %" PRId64 " %" PRId64 " %.3f %d\n", c->sent, c->received, c->lost,
		c->sent > 0 ? 100.0 * (double)c->lost / (double)c->sent : 0.0, cls);
	s->cols++;
	s->end = c->end > s->end ? c->end : s->end;
}

/*
 * Records to a column for n records: a round number (a column of 2 min
 * reads better than one of 108 s) that keeps to UB_LONGRUN_COLUMNS.
 */
static size_t group_size(size_t n)
{
	static const size_t round[] = { 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 300, 600,
					900, 1200, 1800, 3600 };
	size_t least = (n + UB_LONGRUN_COLUMNS - 1) / UB_LONGRUN_COLUMNS, i;

	for (i = 0; i < sizeof(round) / sizeof(round[0]); i++)
		if (round[i] >= least)
			return round[i];
	return least;
}

/* Writes result r's data file, the records t0 seconds off the x axis's zero; sums it up in *s. */
static int lr_file(struct ub_report_ctx *R, const struct ub_result *r, double t0, struct lr_sum *s,
		   struct ub_err *e)
{
	char name[200];
	FILE *f;
	json_t *o;
	size_t i, n = 0, in_col = 0;
	struct lr v, c;
	int full;

	memset(s, 0, sizeof(*s));
	s->full = 1;
	json_array_foreach(r->intervals, i, o)
		n += read_lr(o, &v, &full) == 0;
	s->per_col = group_size(n);
	snprintf(name, sizeof(name), "%s-longrun.dat", r->slug);
	f = ub_gnuplot_open(R, name, e);
	if (!f)
		return e->code;
	fputs("# x_mid x_start x_end (s of local time; since the start without one) min_ms p10_ms p25_ms median_ms p75_ms p90_ms max_ms"
	      " sent received lost loss_pct class\n"
	      "# a line per column of records; NaN: no reply in it; class: loss 0 none, 1 <= 2 %,"
	      " 2 <= 5 %, 3 <= 10 %, 4 <= 20 %, 5 more, -1 nothing sent\n",
	      f);
	memset(&c, 0, sizeof(c));
	c.start = -1;
	json_array_foreach(r->intervals, i, o) {
		if (read_lr(o, &v, &full) < 0)
			continue;
		s->full &= full || !v.has_rtt;
		s->span = v.end - v.start > s->span ? v.end - v.start : s->span;
		col_add(&c, &v);
		if (++in_col == s->per_col) {
			col_write(f, &c, t0, s);
			memset(&c, 0, sizeof(c));
			c.start = -1;
			in_col = 0;
		}
	}
	if (in_col)
		col_write(f, &c, t0, s);
	return ub_gnuplot_close(f, R, name, e);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The top of the scale: the smoke's 90 % edge as most columns have it
 * (their 95th percentile, with room), so that a few seconds-long replies
 * do not flatten a day of milliseconds; never below the highest median.
 * The slowest reply is named on the chart when it is cut off.
 */
static double y_top(struct lr_sum *s)
{
	size_t n = s->with_rtt < UB_LONGRUN_COLUMNS ? s->with_rtt : UB_LONGRUN_COLUMNS;
	double top;

	if (!n)
		return 1.0;
	qsort(s->p90, n, sizeof(s->p90[0]), cmp_double);
	top = fmax(s->p90[(n * 95 + 99) / 100 - 1] * 1.5, s->med_top * 1.15);
	if (top >= s->max_top * 1.08 || top <= 0)
		top = s->max_top > 0 ? s->max_top * 1.08 : 1.0;
	return top;
}

/* ns as an int64_t, held within its range (a result may claim any span). */
static int64_t ns_of(double ns)
{
	return ns < 9e18 ? (int64_t)ns : INT64_C(9000000000000000000);
}

/* A run's length as people say it: 2 h 05 min, 10 min, 45 s. */
static void fmt_long(const struct ub_report_ctx *R, char *b, size_t n, int64_t ns)
{
	int64_t sec = ns / 1000000000 + (ns % 1000000000 >= 500000000);

	if (sec >= 3600)
		snprintf(b, n, TX(R, "%" PRId64 " h %02" PRId64 " min", "%" PRId64 " 小时 %02" PRId64 " 分钟"),
			 sec / 3600, sec % 3600 / 60);
	else if (sec >= 60 && sec % 60)
		snprintf(b, n, TX(R, "%" PRId64 " min %" PRId64 " s", "%" PRId64 " 分 %" PRId64 " 秒"),
			 sec / 60, sec % 60);
	else if (sec >= 60)
		snprintf(b, n, TX(R, "%" PRId64 " min", "%" PRId64 " 分钟"), sec / 60);
	else
		snprintf(b, n, TX(R, "%" PRId64 " s", "%" PRId64 " 秒"), sec);
}

/* Seconds local time (tm, the local reading of t) is ahead of UTC at t: tm_gmtoff, which Windows lacks. */
static long utc_offset(const struct tm *tm, time_t t)
{
	struct tm g;
	long days;

	if (!gmtime_r(&t, &g))
		return 0;
	/* the two readings are less than a day apart: a different year is the day before or after */
	days = tm->tm_year != g.tm_year ? (tm->tm_year > g.tm_year ? 1 : -1) : tm->tm_yday - g.tm_yday;
	return ((days * 24 + tm->tm_hour - g.tm_hour) * 60 + tm->tm_min - g.tm_min) * 60 +
	       tm->tm_sec - g.tm_sec;
}

/* A tick step (s) that puts at most eight ticks on a run of secs seconds. */
static double tick_step(double secs)
{
	static const double steps[] = { 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
					2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400,
					7 * 86400 };
	size_t i;

	double step;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]) - 1; i++)
		if (secs / steps[i] <= 8)
			break;
	/* a result that claims centuries still gets a few ticks */
	for (step = steps[i]; secs / step > 8 && step < 1e18; step *= 2)
		;
	return step;
}

int ub_chart_longrun(struct ub_report_ctx *R, unsigned k, struct ub_err *e)
{
	struct ub_result *r = &R->r[k];
	int64_t start_real = ub_results_int(r->params, "start_time_ns", -1);
	char name[200], who[200], t[1024], every[32], cols[160], dur[32], from[32], to[32], zone[32];
	const char *tfmt;
	double t0 = 0, secs, step, ymax;
	struct lr_sum s;
	struct tm tm;
	time_t tt;
	FILE *f;
	int rc, wall = 0, day, year;
	long off = 0;

	if (!ub_longrun_wanted(r))
		return 0;
	/* the x axis in this machine's local time at the start, where the result says when it began */
	if (start_real > 0 && start_real / 1000000000 < INT64_C(32503680000)) {
		tt = (time_t)(start_real / 1000000000);
		if (localtime_r(&tt, &tm)) {
			off = utc_offset(&tm, tt);
			t0 = (double)(start_real / 1000000000 + off) + (double)(start_real % 1000000000) / 1e9;
			wall = 1;
		}
	}
	rc = lr_file(R, r, t0, &s, e);
	if (rc || !s.cols)
		return rc;
	secs = (double)s.end / 1e9;
	step = tick_step(secs);
	if (!wall)
		tfmt = step < 60 ? "%tH:%tM:%tS" : "%tH:%tM";
	else if (secs > 86400 * 1.5)
		tfmt = "%m-%d %H:%M";
	else
		tfmt = step < 60 ? "%H:%M:%S" : "%H:%M";
	fmt_long(R, dur, sizeof(dur), s.end);
	snprintf(name, sizeof(name), "longrun-%s", r->slug);
	f = ub_gnuplot_chart_open(R, UB_REPORT_CH_LONGRUN, "longrun.gp", (int)k, -1, name, e);
	if (!f)
		return e->code;
	ub_gnuplot_file(f, "f_lr", r, "longrun");
	fprintf(f, "n_rtt = %zu\nn_none = %zu\nfull = %d\n", s.with_rtt, s.no_reply, s.full);
	ub_gnuplot_num(f, "xmin", t0);
	ub_gnuplot_num(f, "xmax", t0 + secs);
	ub_gnuplot_num(f, "xstep", step);
	ub_gnuplot_str(f, "xfmt", tfmt);
	ymax = y_top(&s);
	ub_gnuplot_num(f, "ymax", ymax > 0 ? ymax : 1.0);
	ub_report_fmt_dur(R, every, sizeof(every), s.span);
	if (s.per_col > 1) {
		char grp[32];

		fmt_long(R, grp, sizeof(grp), ns_of((double)s.per_col * (double)s.span));
		snprintf(cols, sizeof(cols), TX(R, "a column per %s (%zu records of %s)", "每列 %s（%zu 段，每段 %s）"),
			 grp, s.per_col, every);
	} else {
		snprintf(cols, sizeof(cols), TX(R, "a column per record of %s", "每列一段（%s）"), every);
	}
	if (wall) {
		tt = (time_t)(start_real / 1000000000);
		localtime_r(&tt, &tm);
		strftime(from, sizeof(from), "%Y-%m-%d %H:%M", &tm);
		day = tm.tm_yday;
		year = tm.tm_year;
		tt += (time_t)secs;
		localtime_r(&tt, &tm);
		/* a run into another day: its start and length say when */
		if (tm.tm_yday != day || tm.tm_year != year)
			to[0] = 0;
		else
			strftime(to, sizeof(to), "%H:%M", &tm);
		snprintf(zone, sizeof(zone), "UTC%c%02ld:%02ld", off < 0 ? '-' : '+', labs(off) / 3600,
			 labs(off) % 3600 / 60);
		snprintf(t, sizeof(t), TX(R, "local time (%s); %s", "本地时间（%s）；%s"), zone, cols);
	} else {
		from[0] = to[0] = 0;
		snprintf(t, sizeof(t), TX(R, "time since the start of the run (h:min); %s",
					  "开始后的时间（时:分）；%s"),
			 cols);
	}
	ub_gnuplot_str(f, "t_x", t);
	/* the run's name has a line of its own: a long one would push the title off the chart */
	ub_words_clip(r->label, TITLE_NAME_COLS, who, sizeof(who));
	if (wall && !to[0])
		snprintf(t, sizeof(t),
			 TX(R, "%1$s\n%2$s of round-trip time and loss from %3$s\nLook for a rising line (queues), wider smoke (jitter), a line not green (loss)",
			    "%1$s\n从 %3$s 起%2$s的" UB_ZH_RTT "和丢包\n看线是否升高（排队）、灰色的“烟”是否变宽（抖动）、线是否不再是绿色（丢包）"),
			 who, dur, from);
	else if (wall)
		snprintf(t, sizeof(t),
			 TX(R, "%s\n%s of round-trip time and loss, %s to %s\nLook for a rising line (queues), wider smoke (jitter), a line not green (loss)",
			    "%s\n%s的" UB_ZH_RTT "和丢包，%s 至 %s\n看线是否升高（排队）、灰色的“烟”是否变宽（抖动）、线是否不再是绿色（丢包）"),
			 who, dur, from, to);
	else
		snprintf(t, sizeof(t),
			 TX(R, "%s\n%s of round-trip time and loss\nLook for a rising line (queues), wider smoke (jitter), a line not green (loss)",
			    "%s\n%s的" UB_ZH_RTT "和丢包\n看线是否升高（排队）、灰色的“烟”是否变宽（抖动）、线是否不再是绿色（丢包）"),
			 who, dur);
	ub_gnuplot_str(f, "t_title", t);
	ub_gnuplot_str(f, "t_y", TX(R, "round-trip time (ms)", UB_ZH_RTT "（毫秒）"));
	/* records written before the lower figures existed: the smoke reaches up from the median */
	ub_gnuplot_str(f, "t_mid", TX(R, "25-75 %", "25-75 %"));
	ub_gnuplot_str(f, "t_p10", s.full ? TX(R, "10-90 %", "10-90 %")
					  : TX(R, "median-90 %", "中位数-90 %"));
	ub_gnuplot_str(f, "t_all", s.full ? TX(R, "min-max", "最快-最慢")
					  : TX(R, "median-max", "中位数-最慢"));
	ub_gnuplot_str(f, "t_none", TX(R, "no reply", UB_ZH_NO_REPLY));
	ub_gnuplot_str(f, "t_l0", TX(R, "median, 0 % lost", "中位数，丢包 0 %"));
	ub_gnuplot_str(f, "t_l1", TX(R, "≤ 2 % lost", "丢包 ≤ 2 %"));
	ub_gnuplot_str(f, "t_l2", TX(R, "≤ 5 %", "≤ 5 %"));
	ub_gnuplot_str(f, "t_l3", TX(R, "≤ 10 %", "≤ 10 %"));
	ub_gnuplot_str(f, "t_l4", TX(R, "≤ 20 %", "≤ 20 %"));
	ub_gnuplot_str(f, "t_l5", TX(R, "> 20 %", "> 20 %"));
	ub_gnuplot_str(f, "t_strip", TX(R, "loss", "丢包"));
	if (ymax < s.max_top) {
		char cut[32];

		ub_report_fmt_dur(R, cut, sizeof(cut), ns_of(s.max_top * 1e6));
		snprintf(t, sizeof(t), TX(R, "top cut off:\nslowest reply %s", "顶部已截断：\n最慢的回复 %s"), cut);
		ub_gnuplot_str(f, "t_cut", t);
	} else {
		ub_gnuplot_str(f, "t_cut", "");
	}
	return ub_gnuplot_close(f, R, "longrun settings", e);
}
