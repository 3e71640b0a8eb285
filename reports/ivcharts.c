/*
 * udpbench: reports — charts from the interval records (ivcharts.h):
 * SLUG-ivrtt.dat and SLUG-ivloss.dat, drawn by ivrtt.gp and ivloss.gp.
 */
#include "reports/ivcharts.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "metrics/words.h"
#include "reports/fmt.h"
#include "reports/gnuplot.h"
#include "reports/longrun.h"

/* Every text for people is TX(R, English, Chinese). */
#define TX UB_REPORT_TX

/* One interval record as the charts use it; rtt and split figures -1 when null. */
struct iv {
	int64_t start, end, sent, received, lost, up, down, median, p90, max;
};

/* A count or time of record o, -1 when it is null, missing or negative. */
static int64_t field(json_t *o, const char *k)
{
	int64_t v = ub_results_int(o, k, -1);

	return v >= 0 ? v : -1;
}

/* Reads record o into *v; returns 0, or -1 for one that is not an interval record. */
static int read_iv(json_t *o, struct iv *v)
{
	if (!json_is_object(o))
		return -1;
	v->start = field(o, "start_ns");
	v->end = field(o, "end_ns");
	v->sent = field(o, "sent");
	v->received = field(o, "received");
	v->lost = field(o, "lost");
	v->up = field(o, "lost_up");
	v->down = field(o, "lost_down");
	v->median = field(o, "rtt_median_ns");
	v->p90 = field(o, "rtt_p90_ns");
	v->max = field(o, "rtt_max_ns");
	/* counts past 2^48 are no run's (a session numbers 2^32 probes): sums stay in range */
	if (v->start < 0 || v->end <= v->start || v->sent < 0 || v->lost < 0 ||
	    v->sent > INT64_C(1) << 48 || v->lost > INT64_C(1) << 48)
		return -1;
	/* a record's figures in order, or no RTT at all */
	if (v->median < 0 || v->p90 < v->median || v->max < v->p90)
		v->median = v->p90 = v->max = -1;
	if (v->up < 0 || v->down < 0)
		v->up = v->down = -1;
	return 0;
}

/* What the records of a result add up to. */
struct iv_sum {
	size_t n, with_rtt;
	int split;                  /* every record tells up from down */
	int64_t span, end, lost, sent, max_rtt, max_lost;
};

/*
 * Writes result r's data files from its records and sums them up in *s.
 * Returns 0 or UB_E_IO.
 */
static int iv_files(struct ub_report_ctx *R, const struct ub_result *r, struct iv_sum *s,
		    struct ub_err *e)
{
	FILE *f[2] = { NULL };
	char name[2][200];
	size_t i;
	json_t *o;
	struct iv v;
	int rc = 0, gap = 0;

	memset(s, 0, sizeof(*s));
	s->split = 1;
	for (i = 0; i < 2; i++) {
		snprintf(name[i], sizeof(name[i]), "%s-%s.dat", r->slug, i ? "ivloss" : "ivrtt");
		f[i] = ub_gnuplot_open(R, name[i], e);
		if (!f[i]) {
			rc = e->code;
			goto out;
		}
	}
	fputs("# mid_s median_ms p90_ms max_ms (a blank line where an interval had no reply)\n", f[0]);
	fputs("# mid_s start_s end_s sent received lost lost_up lost_down (NaN: not told apart)\n", f[1]);
	json_array_foreach(r->intervals, i, o) {
		if (read_iv(o, &v) < 0)
			continue;
		s->n++;
		s->span = v.end - v.start > s->span ? v.end - v.start : s->span;
		s->end = v.end > s->end ? v.end : s->end;
		s->lost += v.lost;
		s->sent += v.sent;
		s->max_lost = v.lost > s->max_lost ? v.lost : s->max_lost;
		s->split &= v.up >= 0;
		if (v.median >= 0) {
			s->with_rtt++;
			s->max_rtt = v.max > s->max_rtt ? v.max : s->max_rtt;
			fprintf(f[0], "%.6f %.6f %.6f %.6f\n", ((double)v.start + (double)v.end) / 2e9,
				ub_report_ms(v.median), ub_report_ms(v.p90), ub_report_ms(v.max));
			gap = 0;
		} else if (!gap) {
			fputc('\n', f[0]);
			gap = 1;
		}
		fprintf(f[1], "%.6f %.6f %.6f %" PRId64 " %" PRId64 " %" PRId64, ((double)v.start + (double)v.end) / 2e9,
			(double)v.start / 1e9, (double)v.end / 1e9, v.sent, v.received, v.lost);
		if (v.up >= 0)
			fprintf(f[1], " %" PRId64 " %" PRId64 "\n", v.up, v.down);
		else
			fputs(" NaN NaN\n", f[1]);
	}
out:
	for (i = 0; i < 2; i++)
		if (f[i] && ub_gnuplot_close(f[i], R, name[i], e) < 0 && !rc)
			rc = e->code;
	return rc;
}

/* RTT over time from the records. */
static int chart_ivrtt(struct ub_report_ctx *R, unsigned k, const struct iv_sum *s, const char *every,
		       struct ub_err *e)
{
	struct ub_result *r = &R->r[k];
	char name[200], t[768];
	FILE *f;

	snprintf(name, sizeof(name), "ivrtt-%s", r->slug);
	f = ub_gnuplot_chart_open(R, UB_REPORT_CH_IVRTT, "ivrtt.gp", (int)k, -1, name, e);
	if (!f)
		return e->code;
	ub_gnuplot_file(f, "f_rtt", r, "ivrtt");
	fprintf(f, "n_rtt = %zu\n", s->with_rtt);
	ub_gnuplot_num(f, "xmax", (double)s->end / 1e9 * 1.02 + 1e-3);
	ub_gnuplot_num(f, "ymax", s->max_rtt > 0 ? ub_report_ms(s->max_rtt) * 1.12 : 1.0);
	snprintf(t, sizeof(t),
		 TX(R, "%s\nRound-trip time during the run, from the per-interval figures (one every %s)\nThe line is each interval's median; the bands reach its 90%% and its slowest reply",
		    "%s\n测量过程中的" UB_ZH_RTT "，按时段统计（每 %s一段）\n线是每段的中位数，色带到该段 90%% 的回复和最慢的回复"),
		 r->label, every);
	ub_gnuplot_str(f, "t_title", t);
	ub_gnuplot_str(f, "t_x", TX(R, "time since the start of the run (s)", "开始后的时间（秒）"));
	ub_gnuplot_str(f, "t_y", TX(R, "round-trip time (ms)", UB_ZH_RTT "（毫秒）"));
	ub_gnuplot_str(f, "t_median", TX(R, "median of the interval", "该段的中位数"));
	ub_gnuplot_str(f, "t_p90", TX(R, "up to 90% of its replies", "该段 90% 的回复"));
	ub_gnuplot_str(f, "t_max", TX(R, "up to its slowest reply", "该段最慢的回复"));
	ub_gnuplot_str(f, "t_none", r->dead ? TX(R, "no reply", UB_ZH_NO_REPLY)
					    : TX(R, "no interval had a reply", "没有一段收到回复"));
	return ub_gnuplot_close(f, R, "ivrtt settings", e);
}

/* Loss over time from the records. */
static int chart_ivloss(struct ub_report_ctx *R, unsigned k, const struct iv_sum *s, const char *every,
			struct ub_err *e)
{
	struct ub_result *r = &R->r[k];
	char name[200], t[768];
	FILE *f;

	snprintf(name, sizeof(name), "ivloss-%s", r->slug);
	f = ub_gnuplot_chart_open(R, UB_REPORT_CH_IVLOSS, "ivloss.gp", (int)k, -1, name, e);
	if (!f)
		return e->code;
	ub_gnuplot_file(f, "f_loss", r, "ivloss");
	fprintf(f, "split = %d\nn_lost = %" PRId64 "\n", s->split, s->lost);
	ub_gnuplot_num(f, "xmax", (double)s->end / 1e9 * 1.02 + 1e-3);
	ub_gnuplot_num(f, "ymax", s->max_lost > 0 ? (double)s->max_lost * 1.15 : 1.0);
	if (r->dead)
		snprintf(t, sizeof(t),
			 TX(R, "%s: no reply, all %" PRId64 " probes lost\nFrom the per-interval figures (one every %s)",
			    "%s：" UB_ZH_NO_REPLY "，%" PRId64 " 个探测包全部丢失\n按时段统计（每 %s一段）"),
			 r->label, s->sent, every);
	else if (s->split)
		snprintf(t, sizeof(t),
			 TX(R, "%1$s: when were probes lost? %3$" PRId64 " of %2$" PRId64 "\nFrom the per-interval figures (one every %4$s): orange-red lost on the way there, dark brown on the way back",
			    "%1$s：什么时候丢了探测包？%2$" PRId64 " 个中丢了 %3$" PRId64 " 个\n按时段统计（每 %4$s一段）：" UB_ZH_C_LOST "是去程丢失，" UB_ZH_C_DOWN "是回程丢失"),
			 r->label, s->sent, s->lost, every);
	else
		snprintf(t, sizeof(t),
			 TX(R, "%1$s: when were probes lost? %3$" PRId64 " of %2$" PRId64 "\nFrom the per-interval figures (one every %4$s): orange-red bars are the probes lost in each",
			    "%1$s：什么时候丢了探测包？%2$" PRId64 " 个中丢了 %3$" PRId64 " 个\n按时段统计（每 %4$s一段）：" UB_ZH_C_LOST "柱是每段丢失的探测包"),
			 r->label, s->sent, s->lost, every);
	ub_gnuplot_str(f, "t_title", t);
	ub_gnuplot_str(f, "t_x", TX(R, "time since the start of the run (s)", "开始后的时间（秒）"));
	ub_gnuplot_str(f, "t_y", TX(R, "probes lost in the interval", "该段丢失的探测包"));
	ub_gnuplot_str(f, "t_up", TX(R, "lost on the way there", "去程丢失"));
	ub_gnuplot_str(f, "t_down", TX(R, "lost on the way back", "回程丢失"));
	ub_gnuplot_str(f, "t_lost", TX(R, "lost", "丢失"));
	ub_gnuplot_str(f, "t_none", TX(R, "no probe lost", "没有丢失探测包"));
	return ub_gnuplot_close(f, R, "ivloss settings", e);
}

int ub_chart_intervals(struct ub_report_ctx *R, unsigned k, struct ub_err *e)
{
	struct ub_result *r = &R->r[k];
	struct iv_sum s;
	char every[32];
	int rc;

	if (!r->intervals)
		return 0;
	rc = iv_files(R, r, &s, e);
	if (rc || !s.n)
		return rc;
	ub_report_fmt_dur(R, every, sizeof(every),
			  ub_results_int(r->params, "report_interval_ns", s.span) > 0
				  ? ub_results_int(r->params, "report_interval_ns", s.span) : s.span);
	/* a long run's round trips are the long-run chart's (longrun.c) */
	if (!ub_longrun_wanted(r))
		rc = chart_ivrtt(R, k, &s, every, e);
	if (!rc)
		rc = chart_ivloss(R, k, &s, every, e);
	return rc;
}
